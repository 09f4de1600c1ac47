// Tenant migrations: the folder `tenant_migrations/` (--tenant-migrations).
//
// Same naming as schema migrations (core/file_name.h): 0001_add_col.sql with
// -- +up / -- +down sections, golang-migrate pairs or Flyway names. Besides SQL
// files the folder may hold executables (any language, executable bit set):
// `0003_reindex.sh`, `0004_backfill.py` -- a version number, '_', a name and
// any extension. Executables run once per tenant with FERRY_TENANT,
// FERRY_DATABASE_URL (and FERRY_TENANT_SCHEMA for schema-per-tenant) in their
// environment; exit status 0 is success.
//
// Rollover migrations: `0004_rollover_documents.reshape.toml` is a Reshape
// plan (jobs/reshape/reshape_plan.h) run for each tenant inside the tenant's
// database (database per tenant) or schema (schema per tenant): the tenant's
// table is rebuilt into a new one and swapped (tenant_rollover.h). The plan's
// SQL (ddl, select, indexes, constraints, checks) may use {{tenant_schema}}
// and :tenant (replaced by the tenant id as a string literal).
//
// Tenant migrations only go up ("register a new migration to undo", as the
// NucliaDB guide says); down sections are read and ignored.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/version.h"
#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/reshape/reshape_plan.h"

namespace ferry {

enum class TenantMigrationKind { kSql, kExecutable, kRollover };

// "sql", "executable", "rollover" (dry-run output, messages).
std::string_view TenantMigrationKindName(TenantMigrationKind kind);

struct TenantMigration {
  Version version;
  std::string name;  // "add_col"
  TenantMigrationKind kind = TenantMigrationKind::kSql;
  std::string path;    // for messages and, for executables, to run
  std::string sql;     // kSql: the up section
  int first_line = 1;  // line of sql's first character within path
  ReshapePlan plan;    // kRollover: the plan as read (placeholders unbound)
};

struct TenantMigrationSet {
  std::string dir;
  std::vector<TenantMigration> migrations;  // ascending versions, no duplicates
  std::vector<std::string> warnings;

  // Canonical spelling of the last version; "" when the folder is empty.
  std::string LatestVersion() const;
  // Migrations after `version` ("" = none applied yet), in order.
  // SchemaTooNew when `version` is not empty and not a version of the set.
  Result<std::vector<const TenantMigration*>> PendingAfter(const std::string& version) const;
};

// Reads `dir`. NotFound when the folder does not exist; InvalidArgument naming
// the file for a bad name, a duplicate version (an SQL file and an executable
// with one version included), an unreadable file or a rollover plan that does
// not parse (file:line). Files that are neither *.sql, *.reshape.toml nor
// executable (README.md) are ignored.
Result<TenantMigrationSet> LoadTenantMigrations(const std::string& dir, Env* env);

// How a tenant is substituted into SQL.
struct TenantSqlBinding {
  // Replaces {{tenant_schema}} everywhere in the text (a template marker, so
  // also inside function bodies); empty: the marker is an error.
  std::string quoted_schema;
};

struct BoundStatement {
  std::string text;         // :tenant rewritten to $1, {{tenant_schema}} replaced
  bool uses_tenant = false;  // bind the tenant id as $1
  int line = 1;
};

// Splits an SQL migration (core/sql_splitter.h) and rewrites each statement:
// `:tenant` outside strings, quoted identifiers, comments and dollar quotes
// becomes `$1` (a `::tenant` cast and `:tenant_x` are left alone). A
// statement that already uses `$1` and `:tenant` both is InvalidArgument.
Result<std::vector<BoundStatement>> BindTenantSql(const TenantMigration& m, Dialect dialect,
                                                  const TenantSqlBinding& binding);

// One piece of SQL text with the tenant substituted as text: {{tenant_schema}}
// as in BindTenantSql, and :tenant (same rules) replaced by `tenant_literal`,
// the tenant id already written as an SQL string literal. `where` names the
// place for errors ("0004_rollover.reshape.toml: select").
Result<std::string> BindTenantText(std::string_view text, Dialect dialect,
                                   const TenantSqlBinding& binding,
                                   const std::string& tenant_literal, const std::string& where);

}  // namespace ferry
