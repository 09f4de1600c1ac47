// Tenant migrations (`ferry tenants`): migrations registered once and run for
// every tenant (knowledge box, customer schema, customer database), each
// tenant tracked, retried and observable -- the NucliaDB migration framework
// (shared/reference/nucliadb-migration-strategy.md) as a ferry job.
//
//   RunTenantsUp(options, deps):
//   1. global migrations (ferry::Migrator on the main database), when a
//      folder is given; they run once, before any tenant migration;
//   2. sync: the tenants the source lists (tenant_source.h) that ferry_tenants
//      does not know are added as pending at version "" (every migration);
//      done tenants below the latest version become pending again;
//   3. `concurrency` workers, each with its own connection, claim tenants
//      (TenantLedger::Claim: FOR UPDATE SKIP LOCKED leases on PostgreSQL, or
//      a per-tenant lock from deps.lock, e.g. Redis) and run the tenant's
//      pending migrations in order;
//   4. when nothing is left to claim the source is listed once more, so
//      tenants added during the run are migrated too.
//
// Exactly once per tenant and migration:
// - SQL migrations on the main database (query and schema-per-tenant
//   tenants) advance the tenant's version in the same transaction as the
//   migration, first thing (TenantLedger::Advance locks the row), so a crash
//   leaves before-or-after and a second runner cannot apply it again.
// - Database-per-tenant SQL migrations advance a marker table
//   ferry_tenant_version in the tenant's database in the migration's
//   transaction; the main ledger follows right after and is fast-forwarded
//   from the marker when a crash fell between the two.
// - Executables, and SQL files that cannot run in a transaction
//   (-- ferry:no-transaction, CREATE INDEX CONCURRENTLY, their own BEGIN),
//   cannot be made atomic with the ledger: a crash while one runs makes the
//   next run start it again (at-least-once), so write them idempotent.
//
// Failures: a failed attempt is recorded (attempts, last_error) and retried
// after an exponential backoff with jitter (Env::SleepFor, so tests run on a
// fake clock); after max_attempts the tenant is marked failed and the run
// goes on with the others. `retry` puts failed tenants back to pending.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/migrator.h"
#include "ferry/status.h"
#include "jobs/tenants/tenant_ledger.h"
#include "jobs/tenants/tenant_source.h"
#include "lock/lock.h"
#include "obs/logger.h"
#include "obs/metrics.h"
#include "obs/progress.h"

namespace ferry {

struct TenantsOptions {
  std::string database_url;  // the main database: ferry_tenants lives here
  std::string tenant_migrations_dir = "tenant_migrations";
  std::string global_migrations_dir;  // empty: no global migrations
  std::chrono::milliseconds global_lock_timeout{std::chrono::seconds(60)};
  TenantSourceSpec source;

  std::optional<std::string> only_tenant;  // --tenant ID
  int concurrency = 5;
  int max_attempts = 3;  // per migration and tenant, counted across runs
  std::chrono::milliseconds backoff_base{200};
  std::chrono::milliseconds backoff_max{std::chrono::seconds(30)};
  std::chrono::milliseconds lease{std::chrono::seconds(120)};
  std::chrono::milliseconds exec_timeout{std::chrono::minutes(10)};
  bool retry_failed = false;  // `ferry tenants retry`: failed -> pending first
  std::string metrics_file;   // written at the end when set
  std::string runner_id;      // "" = host:pid:random
};

struct TenantsDeps {
  Env* env = nullptr;
  Logger* logger = nullptr;
  MetricsRegistry* metrics = nullptr;  // may be null
  // Per-tenant lock (Redis) instead of the ledger's own leases; may be null.
  Lock* lock = nullptr;
};

struct TenantOutcome {
  std::string tenant;
  std::string from_version, to_version;
  int applied = 0;
  bool failed = false;
  std::string error;
};

struct TenantsRunReport {
  std::string latest_version;
  std::vector<PlanStep> global_steps;   // global migrations applied
  std::vector<TenantOutcome> outcomes;  // tenants this runner worked on, by id
  int64_t migrations_applied = 0;
  int64_t tenants_failed_total = 0;  // failed tenants in the ledger at the end (in scope)
  int64_t tenants_new = 0;           // added by the sync
  ProgressSnapshot progress;
  Status fatal;  // a stop that was not one tenant's fault (main database lost)

  bool clean() const { return fatal.ok() && tenants_failed_total == 0; }
};

Result<TenantsRunReport> RunTenantsUp(const TenantsOptions& options, const TenantsDeps& deps);

// --dry-run: which migrations each tenant would get. Writes nothing.
struct TenantPlan {
  std::string tenant;
  std::string version;  // "" = none applied
  std::string state;    // ledger state, or "new" when not tracked yet
  std::vector<std::string> pending;  // versions, in order
  std::string error;                 // e.g. a version the folder does not hold
};

struct PlannedMigration {
  std::string version, name;
  std::string kind;    // "sql", "executable", "rollover"
  std::string detail;  // rollover: which table is rebuilt
};

struct TenantsPlanReport {
  std::vector<PlannedMigration> migrations;
  std::string latest_version;
  std::vector<TenantPlan> tenants;
};

Result<TenantsPlanReport> PlanTenants(const TenantsOptions& options, Env* env);

struct TenantsStatusReport {
  std::string latest_version;  // "" when the folder cannot be read
  std::vector<TenantRow> tenants;  // ledger rows, plus untracked source tenants (state "new")
  std::map<std::string, int64_t> by_state;
  std::map<std::string, int64_t> by_version;
};

Result<TenantsStatusReport> TenantsStatus(const TenantsOptions& options, Env* env);

// Records new tenants at the latest version (no migration runs for them).
Status RegisterTenants(const TenantsOptions& options, const std::vector<std::string>& ids,
                       Env* env);

}  // namespace ferry
