#include "jobs/tenants/tenant_rollover.h"

#include "jobs/reshape/reshape.h"

namespace ferry {
namespace {

// The tenant id as an SQL string literal (standard quoting: ' doubled).
std::string TenantLiteral(const std::string& id) {
  std::string out = "'";
  for (char c : id) {
    out.push_back(c);
    if (c == '\'') out.push_back('\'');
  }
  out.push_back('\'');
  return out;
}

}  // namespace

Result<ReshapePlan> BindRolloverPlan(const TenantMigration& m, const Tenant& tenant,
                                     Dialect dialect) {
  ReshapePlan plan = m.plan;
  TenantSqlBinding b;
  // ReshapeSql quotes names the standard way on every engine it runs on.
  if (!tenant.schema.empty()) {
    std::string q = "\"";
    for (char c : tenant.schema) {
      q.push_back(c);
      if (c == '"') q.push_back('"');
    }
    b.quoted_schema = q + "\"";
  }
  const std::string lit = TenantLiteral(tenant.id);
  auto bind = [&](std::string* text, const std::string& key) -> Status {
    FERRY_ASSIGN_OR_RETURN(*text, BindTenantText(*text, dialect, b, lit, m.path + ": " + key));
    return Status::OK();
  };
  FERRY_RETURN_IF_ERROR(bind(&plan.ddl, "ddl"));
  FERRY_RETURN_IF_ERROR(bind(&plan.select, "select"));
  for (std::string& s : plan.indexes) FERRY_RETURN_IF_ERROR(bind(&s, "indexes"));
  for (std::string& s : plan.constraints) FERRY_RETURN_IF_ERROR(bind(&s, "constraints"));
  for (ReshapeCheck& c : plan.checks) FERRY_RETURN_IF_ERROR(bind(&c.sql, "check " + c.name));
  return plan;
}

Result<RolloverRun> RunTenantRollover(const TenantMigration& m, const Tenant& tenant,
                                      Database* db, Env* env, Logger* logger,
                                      const std::function<void()>& tick) {
  FERRY_ASSIGN_OR_RETURN(ReshapePlan plan, BindRolloverPlan(m, tenant, db->dialect()));
  ReshapeOptions ro;
  ro.hook = [&tick](std::string_view) {
    if (tick) tick();
  };
  auto rep = RunReshape(db, env, logger, plan, ro);
  if (!rep.ok()) {
    return rep.status().WithContext(m.path + ": rollover of " + plan.table + " for tenant " +
                                    tenant.id);
  }
  RolloverRun out;
  out.no_op = rep->no_op;
  out.resumed = rep->resumed;
  out.rows = rep->rows;
  out.old_table = rep->old_table;
  logger->Info(out.no_op ? "tenant rollover already swapped" : "tenant rollover swapped",
               {{"tenant", tenant.id}, {"table", plan.table}, {"rows", out.rows},
                {"old_table", out.old_table}});
  return out;
}

}  // namespace ferry
