// Where tenants come from (ferry.toml [tenants] or `ferry tenants` flags):
//
//   query    --tenants-query "SELECT id FROM knowledge_boxes"  on the main
//            database; the first column of each row is a tenant id.
//   schemas  --tenants-schemas 'kb_%'  PostgreSQL schemas whose name is LIKE
//            the pattern; the schema name is the tenant id, and SQL
//            migrations see it as {{tenant_schema}} (quoted) and as their
//            search_path.
//   urls     --tenants-urls a,b  one database per tenant; each item is URL or
//            ID=URL (default id: the SQLite file's stem or the database name).
//   dir      --tenants-dir DIR  every *.db SQLite file in DIR; id = file stem.
//   ledger   none of the above: the tenants already in ferry_tenants
//            (added with `ferry tenants register`).
//
// Listing never writes. Errors name the source: a bad query comes back as
// "tenants query \"SELECT ...\": postgres: ...".
#pragma once

#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

enum class TenantSourceKind { kLedger, kQuery, kSchemas, kUrls, kDir };

struct TenantSourceSpec {
  TenantSourceKind kind = TenantSourceKind::kLedger;
  std::string query;           // kQuery
  std::string schema_pattern;  // kSchemas
  std::vector<std::string> urls;  // kUrls: "URL" or "ID=URL"
  std::string dir;             // kDir

  // "tenants query", "schemas LIKE 'kb_%'", ... for messages.
  std::string Describe() const;
};

struct Tenant {
  std::string id;
  std::string database_url;  // database-per-tenant; empty: the main database
  std::string schema;        // schema-per-tenant; empty otherwise
};

// The tenants of a source, sorted by id, without duplicates. `main` is the
// main database (for kQuery and kSchemas). kLedger returns an empty list (the
// runner reads the ledger itself). InvalidArgument for two tenants with one
// id or a URL that does not parse; NotFound for a missing folder.
Result<std::vector<Tenant>> ListTenants(const TenantSourceSpec& spec, Database* main, Env* env);

}  // namespace ferry
