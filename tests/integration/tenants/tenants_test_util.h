// Shared by the tenants integration and crash tests: a scratch PostgreSQL
// database with N query tenants, an insert-only audit table and tenant
// migrations that write to it.
#pragma once

#include <nlohmann/json.hpp>

#include "conformance/database/pg_scratch_database.h"
#include "integration/pg_scratch_test.h"
#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {

// Three SQL migrations for query tenants ("1".."n" in knowledge_boxes):
//   1 inserts the tenant's kb_data row; 2 fails for tenant 99 until a row
//   exists in `fixed`; 3 fails for tenant 37 on its first two attempts
//   (a sequence, which no rollback undoes, counts them). The failing values
//   come out of a CASE holding a volatile call, so PostgreSQL cannot fold
//   them into a plan-time error. Each writes
//   (tenant, version) to `audit`, which has no unique key: a migration run
//   twice for a tenant shows as two rows.
inline void WriteQueryTenantMigrations(const std::string& dir, const std::string& extra_sql = "") {
  WriteFile(dir + "/0001_add_row.sql",
            "-- +up\nINSERT INTO kb_data (kb_id, v) VALUES (:tenant, 1);\n"
            "INSERT INTO audit (tenant, version) VALUES (:tenant, 1);\n" + extra_sql +
            "-- +down\nDELETE FROM kb_data WHERE kb_id = :tenant;\n");
  WriteFile(dir + "/0002_bump.sql",
            "UPDATE kb_data SET v = 2 WHERE kb_id = :tenant;\n"
            "SELECT CAST(CASE WHEN :tenant = '99' AND NOT EXISTS (SELECT 1 FROM fixed)\n"
            "  THEN 'tenant 99 is broken' ELSE '1' END AS int);\n"
            "INSERT INTO audit (tenant, version) VALUES (:tenant, 2);\n" + extra_sql);
  WriteFile(dir + "/0003_flaky.sql",
            "SELECT CAST(CASE WHEN :tenant = '37' AND nextval('flaky37') <= 2\n"
            "  THEN 'flaky' ELSE '1' END AS int);\n"
            "UPDATE kb_data SET v = 3 WHERE kb_id = :tenant;\n"
            "INSERT INTO audit (tenant, version) VALUES (:tenant, 3);\n" + extra_sql);
}

inline Status CreateQueryTenants(Database* db, int n) {
  FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE knowledge_boxes (id TEXT PRIMARY KEY)"));
  FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE kb_data (kb_id TEXT PRIMARY KEY, v INT NOT NULL)"));
  FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE audit (tenant TEXT NOT NULL, version INT NOT NULL)"));
  FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE fixed (x INT)"));
  FERRY_RETURN_IF_ERROR(db->Exec("CREATE SEQUENCE flaky37"));
  return db->Exec("INSERT INTO knowledge_boxes SELECT g::text FROM generate_series(1, " +
                  std::to_string(n) + ") g");
}

inline int64_t QueryInt(Database* db, const std::string& sql) {
  auto r = db->Query(sql, {});
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  if (!r.ok() || r->empty()) return -1;
  return r->GetInt(0, 0).value_or(-1);
}

// Runs `ferry [--output json] tenants VERB FLAGS...`.
inline RunResult Tenants(const std::string& verb, const std::vector<std::string>& flags,
                         bool json = false, const RunOptions& opts = {}) {
  std::vector<std::string> args;
  if (json) args = {"--output", "json"};
  args.push_back("tenants");
  args.push_back(verb);
  args.insert(args.end(), flags.begin(), flags.end());
  return RunFerry(args, opts);
}

inline nlohmann::json ParseJson(const RunResult& r) {
  try {
    return nlohmann::json::parse(r.out);
  } catch (...) {
    ADD_FAILURE() << "not JSON: " << Describe(r);
    return nlohmann::json::object();
  }
}

// tenant -> {version, state} from `tenants status --output json`.
inline std::map<std::string, std::pair<std::string, std::string>> StatusMap(
    const std::vector<std::string>& flags) {
  RunResult r = Tenants("status", flags, true);
  EXPECT_EQ(r.code, 0) << Describe(r);
  std::map<std::string, std::pair<std::string, std::string>> out;
  nlohmann::json j = ParseJson(r);
  if (!j.contains("tenants")) return out;
  for (auto& t : j["tenants"]) {
    out[t["tenant"].get<std::string>()] = {t["version"].get<std::string>(),
                                           t["state"].get<std::string>()};
  }
  return out;
}

}  // namespace ferry::testing
