// Rollover: the built-in tenant migration that rebuilds one of a tenant's
// tables into a new shape and swaps it in, run through Reshape
// (jobs/reshape/reshape.h) once per tenant.
//
// Where it runs. `db` is the tenant's own database (database per tenant), or
// a connection to the main database whose search_path is the tenant's schema
// alone (schema per tenant; the caller sets it), so every unqualified name of
// the plan -- the table, the new table, ferry_reshapes, the snapshot and its
// catalog -- is the tenant's. Only the tenant's schema is searched: a tenant
// that lacks the table fails with NotFound instead of rebuilding a same-named
// table in `public`.
//
// Exactly once. Reshape keeps its own state (ferry_reshapes, per tenant),
// named after the migration file (TenantMigration::plan.name). The caller
// advances the tenant's version only after RunTenantRollover returns OK,
// i.e. after the swap. A crash before the swap leaves a running/failed
// reshape that the next attempt resumes; a crash after the swap but before
// the version moved makes the next attempt a no-op (this plan is done), so
// the table is never rebuilt twice. A failed attempt (bad row, duplicate
// key, lock timeout at the swap) leaves the live table as it was and is
// retried like any tenant migration; the reshape resumes where it stopped.
//
// Not thread-safe: one tenant's database per call.
#pragma once

#include <functional>
#include <string>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/reshape/reshape_plan.h"
#include "jobs/tenants/tenant_migration.h"
#include "jobs/tenants/tenant_source.h"
#include "obs/logger.h"

namespace ferry {

// The migration's plan for one tenant: {{tenant_schema}} and :tenant bound in
// ddl, select, indexes, constraints and checks. InvalidArgument naming the
// file and the key for a bad placeholder.
Result<ReshapePlan> BindRolloverPlan(const TenantMigration& m, const Tenant& tenant,
                                     Dialect dialect);

struct RolloverRun {
  bool no_op = false;   // this tenant's table was already swapped by this plan
  bool resumed = false;
  int64_t rows = 0;
  std::string old_table;  // where the old rows are kept
};

// Runs (or resumes) the rollover `m` for `tenant` on `db`. `tick` is called
// between batches and steps (outside transactions) so the caller can renew
// its lease; it may be empty.
Result<RolloverRun> RunTenantRollover(const TenantMigration& m, const Tenant& tenant,
                                      Database* db, Env* env, Logger* logger,
                                      const std::function<void()>& tick);

}  // namespace ferry
