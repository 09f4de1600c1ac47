#include "jobs/tenants/tenant_source.h"

#include <algorithm>

#include "db/database_url.h"
#include "util/strings.h"

namespace ferry {
namespace {

std::string DefaultIdForUrl(const DatabaseUrl& url) {
  if (url.IsFileEngine()) {
    std::string p = url.path;
    size_t slash = p.rfind('/');
    if (slash != std::string::npos) p = p.substr(slash + 1);
    size_t dot = p.rfind('.');
    if (dot != std::string::npos && dot > 0) p = p.substr(0, dot);
    return p;
  }
  return url.database;
}

}  // namespace

std::string TenantSourceSpec::Describe() const {
  switch (kind) {
    case TenantSourceKind::kLedger: return "registered tenants (ferry_tenants)";
    case TenantSourceKind::kQuery: return "tenants query \"" + query + "\"";
    case TenantSourceKind::kSchemas: return "schemas LIKE '" + schema_pattern + "'";
    case TenantSourceKind::kUrls: return "tenant URLs";
    case TenantSourceKind::kDir: return "SQLite files in " + dir;
  }
  return "tenants";
}

Result<std::vector<Tenant>> ListTenants(const TenantSourceSpec& spec, Database* main, Env* env) {
  std::vector<Tenant> out;
  switch (spec.kind) {
    case TenantSourceKind::kLedger:
      return out;
    case TenantSourceKind::kQuery: {
      auto rows = main->Query(spec.query, {});
      if (!rows.ok()) return rows.status().WithContext(spec.Describe());
      if (rows->columns.empty()) return InvalidArgument(spec.Describe() + ": returns no column");
      for (size_t i = 0; i < rows->size(); ++i) {
        auto id = rows->GetText(i, 0);
        if (!id || id->empty()) {
          return InvalidArgument(spec.Describe() + ": row " + std::to_string(i + 1) +
                                 " has a NULL or empty tenant id");
        }
        out.push_back({*id, "", ""});
      }
      break;
    }
    case TenantSourceKind::kSchemas: {
      if (main->dialect() != Dialect::kPostgres) {
        return InvalidArgument(spec.Describe() + ": schema-per-tenant needs PostgreSQL, not " +
                               std::string(main->engine()));
      }
      auto rows = main->Query(
          "SELECT nspname FROM pg_catalog.pg_namespace WHERE nspname LIKE $1 ORDER BY 1",
          {Value(spec.schema_pattern)});
      if (!rows.ok()) return rows.status().WithContext(spec.Describe());
      for (size_t i = 0; i < rows->size(); ++i) {
        std::string s = rows->GetText(i, 0).value_or("");
        out.push_back({s, "", s});
      }
      break;
    }
    case TenantSourceKind::kUrls: {
      for (const std::string& item : spec.urls) {
        std::string id, url_text = Trim(item);
        if (url_text.empty()) continue;
        size_t eq = url_text.find('=');
        size_t scheme = url_text.find(':');
        if (eq != std::string::npos && (scheme == std::string::npos || eq < scheme)) {
          id = url_text.substr(0, eq);
          url_text = url_text.substr(eq + 1);
        }
        auto url = DatabaseUrl::Parse(url_text);
        if (!url.ok()) return url.status().WithContext("tenant URL");
        if (id.empty()) id = DefaultIdForUrl(*url);
        if (id.empty()) {
          return InvalidArgument("tenant URL " + url->Redacted() +
                                 ": cannot derive a tenant id; write ID=URL");
        }
        out.push_back({id, url_text, ""});
      }
      break;
    }
    case TenantSourceKind::kDir: {
      if (!env->FileExists(spec.dir)) {
        return NotFound("tenants folder " + spec.dir + " does not exist");
      }
      auto entries = env->ListDir(spec.dir);
      if (!entries.ok()) return entries.status().WithContext("tenants folder");
      for (const DirEntry& e : *entries) {
        if (e.is_dir || !EndsWith(e.name, ".db")) continue;
        out.push_back({e.name.substr(0, e.name.size() - 3), "sqlite:" + spec.dir + "/" + e.name, ""});
      }
      break;
    }
  }
  std::sort(out.begin(), out.end(), [](const Tenant& a, const Tenant& b) { return a.id < b.id; });
  for (size_t i = 1; i < out.size(); ++i) {
    if (out[i].id == out[i - 1].id) {
      if (spec.kind == TenantSourceKind::kQuery) {
        continue;  // handled below: a query may list a tenant twice (joins)
      }
      return InvalidArgument(spec.Describe() + ": two tenants with id \"" + out[i].id + "\"");
    }
  }
  out.erase(std::unique(out.begin(), out.end(),
                        [](const Tenant& a, const Tenant& b) { return a.id == b.id; }),
            out.end());
  return out;
}

}  // namespace ferry
