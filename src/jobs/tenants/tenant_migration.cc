#include "jobs/tenants/tenant_migration.h"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "core/migration_source.h"
#include "core/sql_splitter.h"
#include "util/strings.h"

namespace ferry {
namespace {

constexpr std::string_view kSchemaMarker = "{{tenant_schema}}";

bool IsIdentChar(char c) { return std::isalnum(static_cast<unsigned char>(c)) || c == '_'; }

// "0003_reindex.sh" -> version 3, name "reindex". False when the name does not
// start with digits and '_'.
bool ParseExecutableName(const std::string& file, Version* version, std::string* name) {
  size_t i = 0;
  while (i < file.size() && std::isdigit(static_cast<unsigned char>(file[i]))) ++i;
  if (i == 0 || i >= file.size() || file[i] != '_') return false;
  auto v = Version::Parse(file.substr(0, i));
  if (!v) return false;
  std::string rest = file.substr(i + 1);
  size_t dot = rest.find('.');
  if (dot != std::string::npos) rest = rest.substr(0, dot);
  if (rest.empty()) return false;
  *version = *v;
  *name = rest;
  return true;
}

// Rewrites :tenant to `replacement` ($1, or a literal) in one statement,
// skipping what is not code.
Status RewriteTenantParam(std::string_view in, Dialect dialect, const std::string& where,
                          std::string_view replacement, std::string* out, bool* uses_tenant) {
  const bool pg = dialect == Dialect::kPostgres || dialect == Dialect::kDuckdb;
  bool has_dollar_param = false;
  out->clear();
  size_t i = 0;
  const size_t n = in.size();
  auto copy_until = [&](size_t end) {
    out->append(in.substr(i, end - i));
    i = end;
  };
  while (i < n) {
    char c = in[i];
    if (c == '\'') {
      bool backslash = dialect == Dialect::kMysql ||
                       (pg && i > 0 && (in[i - 1] == 'E' || in[i - 1] == 'e') &&
                        (i < 2 || !IsIdentChar(in[i - 2])));
      size_t j = i + 1;
      while (j < n) {
        if (backslash && in[j] == '\\') {
          j += 2;
          continue;
        }
        if (in[j] == '\'') {
          if (j + 1 < n && in[j + 1] == '\'') {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      copy_until(std::min(n, j + 1));
    } else if (c == '"' || c == '`' || (c == '[' && dialect == Dialect::kSqlite)) {
      char close = c == '[' ? ']' : c;
      size_t j = i + 1;
      while (j < n) {
        if (in[j] == close) {
          if (close != ']' && j + 1 < n && in[j + 1] == close) {
            j += 2;
            continue;
          }
          break;
        }
        ++j;
      }
      copy_until(std::min(n, j + 1));
    } else if (c == '-' && i + 1 < n && in[i + 1] == '-') {
      size_t j = in.find('\n', i);
      copy_until(j == std::string_view::npos ? n : j);
    } else if (c == '/' && i + 1 < n && in[i + 1] == '*') {
      int depth = 0;
      size_t j = i;
      while (j < n) {
        if (j + 1 < n && in[j] == '/' && in[j + 1] == '*') {
          depth = pg ? depth + 1 : 1;
          j += 2;
        } else if (j + 1 < n && in[j] == '*' && in[j + 1] == '/') {
          j += 2;
          if (--depth == 0) break;
        } else {
          ++j;
        }
      }
      copy_until(std::min(n, j));
    } else if (c == '$' && i + 1 < n && std::isdigit(static_cast<unsigned char>(in[i + 1]))) {
      has_dollar_param = true;
      copy_until(i + 2);
    } else if (c == '$' && pg && (i == 0 || !IsIdentChar(in[i - 1]))) {
      // $tag$ ... $tag$ (tag may be empty).
      size_t j = i + 1;
      while (j < n && IsIdentChar(in[j])) ++j;
      if (j < n && in[j] == '$') {
        std::string_view tag = in.substr(i, j - i + 1);
        size_t end = in.find(tag, j + 1);
        copy_until(end == std::string_view::npos ? n : end + tag.size());
      } else {
        copy_until(i + 1);
      }
    } else if (c == ':' && in.substr(i, 7) == ":tenant" && (i == 0 || in[i - 1] != ':') &&
               (i + 7 >= n || !IsIdentChar(in[i + 7]))) {
      out->append(replacement);
      *uses_tenant = true;
      i += 7;
    } else {
      out->push_back(c);
      ++i;
    }
  }
  if (*uses_tenant && has_dollar_param && replacement == "$1") {
    return InvalidArgument(where + ": statement mixes :tenant with $n parameters");
  }
  return Status::OK();
}

// Replaces every {{tenant_schema}} in `text`.
Status ReplaceSchemaMarker(std::string* text, const TenantSqlBinding& binding,
                           const std::string& where) {
  for (size_t pos = text->find(kSchemaMarker); pos != std::string::npos;
       pos = text->find(kSchemaMarker, pos)) {
    if (binding.quoted_schema.empty()) {
      return InvalidArgument(where + ": {{tenant_schema}} needs schema-per-tenant tenants "
                                     "(--tenants-schemas)");
    }
    text->replace(pos, kSchemaMarker.size(), binding.quoted_schema);
    pos += binding.quoted_schema.size();
  }
  return Status::OK();
}

constexpr std::string_view kRolloverSuffix = ".reshape.toml";

}  // namespace

std::string_view TenantMigrationKindName(TenantMigrationKind kind) {
  switch (kind) {
    case TenantMigrationKind::kSql: return "sql";
    case TenantMigrationKind::kExecutable: return "executable";
    case TenantMigrationKind::kRollover: return "rollover";
  }
  return "?";
}

std::string TenantMigrationSet::LatestVersion() const {
  return migrations.empty() ? std::string() : migrations.back().version.ToString();
}

Result<std::vector<const TenantMigration*>> TenantMigrationSet::PendingAfter(
    const std::string& version) const {
  std::vector<const TenantMigration*> out;
  std::optional<Version> from;
  if (!version.empty()) {
    from = Version::Parse(version);
    bool known = from && std::any_of(migrations.begin(), migrations.end(),
                                     [&](const TenantMigration& m) { return m.version == *from; });
    if (!known) {
      return SchemaTooNew("tenant is at version " + version + ", which " + dir +
                          " does not hold (a newer ferry folder ran here?)");
    }
  }
  for (const TenantMigration& m : migrations) {
    if (!from || *from < m.version) out.push_back(&m);
  }
  return out;
}

Result<TenantMigrationSet> LoadTenantMigrations(const std::string& dir, Env* env) {
  if (!env->FileExists(dir)) {
    return NotFound("tenant migrations folder " + dir + " does not exist");
  }
  auto entries = env->ListDir(dir);
  if (!entries.ok()) return entries.status().WithContext("tenant migrations folder " + dir);
  std::vector<SourceFile> sql_files;
  std::vector<TenantMigration> execs;
  for (const DirEntry& e : *entries) {
    if (e.is_dir) continue;
    std::string path = dir + "/" + e.name;
    if (EndsWith(ToLower(e.name), ".sql")) {
      sql_files.push_back({e.name, path, env->ReadFile(path)});
      continue;
    }
    TenantMigration m;
    if (EndsWith(ToLower(e.name), kRolloverSuffix)) {
      if (!ParseExecutableName(e.name, &m.version, &m.name)) {
        return InvalidArgument(path + ": rollover tenant migrations are named NNNN_name.reshape.toml");
      }
      auto text = env->ReadFile(path);
      if (!text.ok()) return text.status().WithContext(path);
      FERRY_ASSIGN_OR_RETURN(m.plan, ParseReshapePlan(*text, path));
      // The run's identity in the tenant's ferry_reshapes is the migration,
      // so two rollovers of one table are two runs, and a rerun after a
      // crash finds its own.
      m.plan.name = e.name.substr(0, e.name.size() - kRolloverSuffix.size());
      m.kind = TenantMigrationKind::kRollover;
      m.path = path;
      execs.push_back(std::move(m));
      continue;
    }
    // Env has no "is executable": access(2) is the one question asked here.
    if (::access(path.c_str(), X_OK) != 0) continue;
    if (!ParseExecutableName(e.name, &m.version, &m.name)) {
      return InvalidArgument(path + ": executable tenant migrations are named NNNN_name[.ext]");
    }
    m.kind = TenantMigrationKind::kExecutable;
    m.path = path;
    execs.push_back(std::move(m));
  }
  FERRY_ASSIGN_OR_RETURN(MigrationSet set, BuildMigrationSet(std::move(sql_files)));
  TenantMigrationSet out;
  out.dir = dir;
  out.warnings = set.warnings;
  std::map<Version, TenantMigration> by_version;
  for (Migration& m : set.migrations) {
    TenantMigration t;
    t.version = m.version;
    t.name = m.name;
    t.path = m.up.path;
    t.sql = std::move(m.up.sql);
    t.first_line = m.up.first_line;
    by_version.emplace(t.version, std::move(t));
  }
  for (TenantMigration& m : execs) {
    auto it = by_version.find(m.version);
    if (it != by_version.end()) {
      return InvalidArgument("duplicate tenant migration version " + m.version.ToString() + ": " +
                             it->second.path + " and " + m.path);
    }
    by_version.emplace(m.version, std::move(m));
  }
  for (auto& [v, m] : by_version) out.migrations.push_back(std::move(m));
  return out;
}

Result<std::vector<BoundStatement>> BindTenantSql(const TenantMigration& m, Dialect dialect,
                                                  const TenantSqlBinding& binding) {
  std::vector<BoundStatement> out;
  for (const SqlStatement& s : SplitStatements(m.sql, dialect)) {
    std::string where = m.path + ":" + std::to_string(m.first_line + s.line - 1);
    std::string text = s.text;
    FERRY_RETURN_IF_ERROR(ReplaceSchemaMarker(&text, binding, where));
    BoundStatement b;
    b.line = m.first_line + s.line - 1;
    FERRY_RETURN_IF_ERROR(RewriteTenantParam(text, dialect, where, "$1", &b.text, &b.uses_tenant));
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::string> BindTenantText(std::string_view text, Dialect dialect,
                                   const TenantSqlBinding& binding,
                                   const std::string& tenant_literal, const std::string& where) {
  std::string marked(text);
  FERRY_RETURN_IF_ERROR(ReplaceSchemaMarker(&marked, binding, where));
  std::string out;
  bool uses_tenant = false;
  FERRY_RETURN_IF_ERROR(RewriteTenantParam(marked, dialect, where, tenant_literal, &out, &uses_tenant));
  return out;
}

}  // namespace ferry
