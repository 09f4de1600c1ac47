// ferry tenants end to end against PostgreSQL (query and schema tenants),
// SQLite files (database per tenant) and Redis (lock mode).
#include <sys/stat.h>

#include <set>
#include <thread>

#include "integration/tenants/tenants_test_util.h"

namespace ferry::testing {
namespace {

class PgTenants : public PgScratchTest {
 protected:
  void SetUp() override {
    PgScratchTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    dir_ = tmp_ / "tenant_migrations";
  }
  std::vector<std::string> Flags(std::vector<std::string> extra = {}) {
    std::vector<std::string> f = {"--db", scratch_->url(), "--tenant-migrations", dir_,
                                  "--tenants-query", "SELECT id FROM knowledge_boxes"};
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  }
  TempDir tmp_;
  std::string dir_;
};

TEST_F(PgTenants, ThousandTenantsFlakyRetriedBrokenFailedThenRetry) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 1000).ok());
  WriteQueryTenantMigrations(dir_);
  std::string metrics = tmp_ / "m.prom";
  RunResult r = Tenants("up", Flags({"--concurrency", "8", "--max-attempts", "3", "--backoff",
                                     "0.001", "--metrics-file", metrics}),
                        true);
  ASSERT_EQ(r.code, 14) << Describe(r);
  nlohmann::json j = ParseJson(r);
  EXPECT_EQ(j["failed"], 1);
  EXPECT_EQ(j["latest_version"], "3");
  EXPECT_EQ(j["migrations_applied"], 999 * 3 + 1);

  auto st = StatusMap(Flags());
  ASSERT_EQ(st.size(), 1000u);
  for (auto& [id, vs] : st) {
    if (id == "99") {
      EXPECT_EQ(vs, std::make_pair(std::string("1"), std::string("failed")));
    } else {
      EXPECT_EQ(vs, std::make_pair(std::string("3"), std::string("done"))) << id;
    }
  }
  // Tenant 37 failed twice and succeeded on the third attempt.
  EXPECT_EQ(QueryInt(db_.get(), "SELECT last_value FROM flaky37"), 3);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT attempts FROM ferry_tenants WHERE tenant = '37'"), 0);
  // 99's error names the file and the engine's complaint; attempts counted.
  auto row = db_->Query("SELECT attempts, last_error FROM ferry_tenants WHERE tenant = '99'", {});
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->GetInt(0, 0), 3);
  std::string err = row->GetText(0, 1).value_or("");
  EXPECT_NE(err.find("0002_bump.sql:2"), std::string::npos) << err;
  EXPECT_NE(err.find("tenant 99 is broken"), std::string::npos) << err;
  // Every migration ran exactly once per tenant.
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit"), 999 * 3 + 1);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM (SELECT tenant, version FROM audit "
                                "GROUP BY 1, 2 HAVING count(*) > 1) d"),
            0);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM kb_data WHERE v = 3"), 999);
  std::string prom = ReadAll(metrics);
  EXPECT_NE(prom.find("ferry_tenant_migrations_total{result=\"failure\",version=\"2\"} 3"),
            std::string::npos) << prom;
  EXPECT_NE(prom.find("ferry_tenant_migrations_total{result=\"success\",version=\"3\"} 999"),
            std::string::npos) << prom;
  EXPECT_NE(prom.find("ferry_tenants_by_version{version=\"3\"} 999"), std::string::npos);
  EXPECT_NE(prom.find("ferry_tenant_migration_duration_seconds_bucket"), std::string::npos);

  // A plain `up` leaves failed tenants alone (exit 14 still says so).
  r = Tenants("up", Flags());
  EXPECT_EQ(r.code, 14) << Describe(r);
  EXPECT_NE(r.out.find("ferry tenants retry"), std::string::npos) << r.out;
  // Dry run of retry: only 99, with 2 and 3.
  r = Tenants("retry", Flags({"--dry-run"}), true);
  ASSERT_EQ(r.code, 0) << Describe(r);
  j = ParseJson(r);
  for (auto& t : j["tenants"]) {
    if (t["tenant"] == "99") {
      EXPECT_EQ(t["pending"], nlohmann::json::array({"2", "3"}));
    } else {
      EXPECT_TRUE(t["pending"].empty()) << t.dump();
    }
  }
  // Fix the cause, retry: everyone at 3.
  ASSERT_TRUE(db_->Exec("INSERT INTO fixed VALUES (1)").ok());
  r = Tenants("retry", Flags({"--backoff", "0.001"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM ferry_tenants WHERE version = '3' AND state = 'done'"), 1000);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit"), 3000);
}

TEST_F(PgTenants, DryRunMatrixRegisterAndNewMigrations) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 3).ok());
  WriteQueryTenantMigrations(dir_);
  RunResult r = Tenants("up", Flags({"--dry-run"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("3 of 3 tenant(s) would get 9 migration(s)"), std::string::npos) << r.out;
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit"), 0);  // wrote nothing
  r = Tenants("up", Flags());
  ASSERT_EQ(r.code, 0) << Describe(r);
  // A new tenant is recorded at the latest version: nothing runs for it.
  r = Tenants("register", Flags({"fresh"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  auto st = StatusMap(Flags());
  EXPECT_EQ(st["fresh"], std::make_pair(std::string("3"), std::string("done")));
  // A fourth migration: everybody gets it, "fresh" included, once.
  WriteFile(dir_ + "/0004_more.sql", "INSERT INTO audit (tenant, version) VALUES (:tenant, 4);\n");
  r = Tenants("up", Flags({"--dry-run"}));
  EXPECT_NE(r.out.find("4 of 4 tenant(s) would get 4 migration(s)"), std::string::npos) << r.out;
  r = Tenants("up", Flags());
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit WHERE version = 4"), 4);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit WHERE tenant = 'fresh'"), 1);
  // Registering a tenant that is behind is refused.
  WriteFile(dir_ + "/0005_more.sql", "SELECT 1;\n");
  r = Tenants("register", Flags({"1"}));
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("already tracked at version 4"), std::string::npos) << r.err;
  // --tenant migrates one tenant only.
  r = Tenants("up", Flags({"--tenant", "2"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  st = StatusMap(Flags());
  EXPECT_EQ(st["2"].first, "5");
  EXPECT_EQ(st["1"].first, "4");
}

TEST_F(PgTenants, TenantAddedDuringRunIsMigrated) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 20).ok());
  // Tenant 5's first migration creates a new knowledge box mid-run.
  WriteQueryTenantMigrations(dir_, "");
  WriteFile(dir_ + "/0001_add_row.sql",
            "INSERT INTO kb_data (kb_id, v) VALUES (:tenant, 1);\n"
            "INSERT INTO audit (tenant, version) VALUES (:tenant, 1);\n"
            "INSERT INTO knowledge_boxes SELECT 'late' WHERE :tenant = '5';\n");
  ASSERT_TRUE(db_->Exec("INSERT INTO fixed VALUES (1)").ok());
  RunResult r = Tenants("up", Flags({"--concurrency", "3", "--backoff", "0.001"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  auto st = StatusMap(Flags());
  EXPECT_EQ(st["late"], std::make_pair(std::string("3"), std::string("done")));
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit WHERE tenant = 'late'"), 3);
}

TEST_F(PgTenants, TwoRunnersAtOnceMigrateEachTenantOnce) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 400).ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO fixed VALUES (1)").ok());
  // pg_sleep makes the runs overlap for real.
  WriteQueryTenantMigrations(dir_, "SELECT pg_sleep(0.002);\n");
  RunResult a, b;
  std::thread ta([&] { a = Tenants("up", Flags({"--concurrency", "4", "--backoff", "0.001", "--runner-id", "A"}), true); });
  std::thread tb([&] { b = Tenants("up", Flags({"--concurrency", "4", "--backoff", "0.001", "--runner-id", "B"}), true); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.code, 0) << Describe(a);
  ASSERT_EQ(b.code, 0) << Describe(b);
  auto ja = ParseJson(a), jb = ParseJson(b);
  EXPECT_GT(ja["migrations_applied"].get<int>(), 0);
  EXPECT_GT(jb["migrations_applied"].get<int>(), 0);
  EXPECT_EQ(ja["migrations_applied"].get<int>() + jb["migrations_applied"].get<int>(), 1200);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit"), 1200);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(DISTINCT (tenant, version)) FROM audit"), 1200);
}

TEST_F(PgTenants, RedisLockRunnersMigrateEachTenantOnce) {
  std::string redis;
  FERRY_REQUIRE_SERVER(redis, "FERRY_TEST_REDIS_ADDR");
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 200).ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO fixed VALUES (1)").ok());
  WriteQueryTenantMigrations(dir_, "SELECT pg_sleep(0.002);\n");
  auto flags = Flags({"--lock", "redis", "--redis-addrs", redis, "--concurrency", "4",
                      "--backoff", "0.001"});
  RunResult a, b;
  std::thread ta([&] { a = Tenants("up", flags, true); });
  std::thread tb([&] { b = Tenants("up", flags, true); });
  ta.join();
  tb.join();
  ASSERT_EQ(a.code, 0) << Describe(a);
  ASSERT_EQ(b.code, 0) << Describe(b);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM audit"), 600);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(DISTINCT (tenant, version)) FROM audit"), 600);
}

TEST_F(PgTenants, SchemaPerTenant) {
  for (int i = 1; i <= 30; ++i) {
    ASSERT_TRUE(db_->Exec("CREATE SCHEMA kb_" + std::to_string(i)).ok());
  }
  ASSERT_TRUE(db_->Exec("CREATE SCHEMA other").ok());
  WriteFile(dir_ + "/0001_items.sql", "CREATE TABLE {{tenant_schema}}.items (id INT, owner TEXT);\n");
  // search_path is the tenant's schema: unqualified names land there.
  WriteFile(dir_ + "/0002_seed.sql", "INSERT INTO items VALUES (1, :tenant);\n");
  WriteFile(dir_ + "/0003_idx.sql", "CREATE INDEX ON items (owner);\n");
  std::vector<std::string> flags = {"--db", scratch_->url(), "--tenant-migrations", dir_,
                                    "--tenants-schemas", "kb\\_%"};
  RunResult r = Tenants("up", flags);
  ASSERT_EQ(r.code, 0) << Describe(r);
  for (int i = 1; i <= 30; ++i) {
    std::string s = "kb_" + std::to_string(i);
    auto rows = db_->Query("SELECT owner FROM " + s + ".items", {});
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_EQ(rows->size(), 1u);
    EXPECT_EQ(rows->GetText(0, 0), s);
  }
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM pg_tables WHERE schemaname = 'other'"), 0);
  EXPECT_EQ(StatusMap(flags).size(), 30u);
}

TEST_F(PgTenants, ExecutableMigrationTimesOutAndFails) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 3).ok());
  WriteFile(dir_ + "/0001_mark.sh",
            "#!/bin/sh\necho \"running for $FERRY_TENANT\"\n"
            "if [ \"$FERRY_TENANT\" = 2 ]; then sleep 600; fi\n"
            "echo \"$FERRY_TENANT\" >> " + (tmp_ / "ran.txt") + "\n");
  ::chmod((dir_ + "/0001_mark.sh").c_str(), 0755);
  auto start = std::chrono::steady_clock::now();
  RunResult r = Tenants("up", Flags({"--exec-timeout", "0.5", "--max-attempts", "2", "--backoff", "0.01"}));
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(20));
  ASSERT_EQ(r.code, 14) << Describe(r);
  auto st = StatusMap(Flags());
  EXPECT_EQ(st["1"], std::make_pair(std::string("1"), std::string("done")));
  EXPECT_EQ(st["3"], std::make_pair(std::string("1"), std::string("done")));
  EXPECT_EQ(st["2"], std::make_pair(std::string(""), std::string("failed")));
  auto rows = db_->Query("SELECT last_error FROM ferry_tenants WHERE tenant = '2'", {});
  ASSERT_TRUE(rows.ok());
  std::string err = rows->GetText(0, 0).value_or("");
  EXPECT_NE(err.find("timed out"), std::string::npos) << err;
  EXPECT_NE(err.find("running for 2"), std::string::npos) << err;  // captured output
}

TEST_F(PgTenants, BadInput) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 3).ok());
  WriteQueryTenantMigrations(dir_);
  RunResult r = Tenants("up", Flags({"--tenant", "nope"}));
  EXPECT_EQ(r.code, 11) << Describe(r);
  EXPECT_NE(r.err.find("unknown tenant \"nope\""), std::string::npos) << r.err;
  r = Tenants("up", {"--db", scratch_->url(), "--tenant-migrations", dir_, "--tenants-query",
                     "SELECT id FROM no_such_table"});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("tenants query \"SELECT id FROM no_such_table\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("no_such_table"), std::string::npos) << r.err;
  r = Tenants("up", {"--db", scratch_->url(), "--tenant-migrations", tmp_ / "missing",
                     "--tenants-query", "SELECT id FROM knowledge_boxes"});
  EXPECT_EQ(r.code, 11) << Describe(r);
  EXPECT_NE(r.err.find("missing"), std::string::npos) << r.err;
  r = Tenants("up", Flags({"--tenants-schemas", "kb_%"}));
  EXPECT_EQ(r.code, 2) << Describe(r);
  EXPECT_NE(r.err.find("one tenant source"), std::string::npos) << r.err;
}

TEST(SqliteTenants, DatabasePerTenantWithExecutableAndResume) {
  TempDir tmp;
  std::string tenants = tmp / "tenants";
  for (int i = 1; i <= 6; ++i) {
    WriteFile(tenants + "/kb" + std::to_string(i) + ".db", "");
  }
  WriteFile(tenants + "/notes.txt", "not a tenant");
  std::string dir = tmp / "tm";
  WriteFile(dir + "/0001_t.sql", "CREATE TABLE t (who TEXT);\nINSERT INTO t VALUES (:tenant);\n");
  WriteFile(dir + "/0002_touch.sh",
            "#!/bin/sh\ncase \"$FERRY_DATABASE_URL\" in sqlite:*\"$FERRY_TENANT\".db) ;; *) exit 9;; esac\n"
            "echo \"$FERRY_TENANT\" >> " + (tmp / "ran.txt") + "\n");
  ::chmod((dir + "/0002_touch.sh").c_str(), 0755);
  WriteFile(dir + "/0003_fail_kb4.sql",
            "INSERT INTO t SELECT 'v3' WHERE :tenant <> 'kb4';\n"
            "SELECT CASE WHEN :tenant = 'kb4' THEN json('not json') END;\n");
  std::string main = "sqlite:" + (tmp / "main.db");
  std::vector<std::string> flags = {"--db", main, "--tenant-migrations", dir, "--tenants-dir",
                                    tenants, "--backoff", "0.001", "--max-attempts", "2"};
  RunResult r = Tenants("up", flags);
  ASSERT_EQ(r.code, 14) << Describe(r);
  std::vector<std::string> status_flags(flags.begin(), flags.begin() + 6);
  auto st = StatusMap(status_flags);
  ASSERT_EQ(st.size(), 6u);
  EXPECT_EQ(st["kb4"], std::make_pair(std::string("2"), std::string("failed")));
  EXPECT_EQ(st["kb1"], std::make_pair(std::string("3"), std::string("done")));
  std::string ran = ReadAll(tmp / "ran.txt");
  EXPECT_EQ(std::count(ran.begin(), ran.end(), '\n'), 6) << ran;
  for (int i = 1; i <= 6; ++i) {
    std::string id = "kb" + std::to_string(i);
    auto db = OpenDatabase("sqlite:" + tenants + "/" + id + ".db", Env::Default());
    ASSERT_TRUE(db.ok());
    auto rows = (*db)->Query("SELECT count(*) FROM t WHERE who = $1", {Value(id)});
    ASSERT_TRUE(rows.ok());
    EXPECT_EQ(rows->GetInt(0, 0), 1) << id;
    auto marker = (*db)->Query("SELECT version FROM ferry_tenant_version", {});
    ASSERT_TRUE(marker.ok());
    EXPECT_EQ(marker->GetText(0, 0), i == 4 ? "2" : "3") << id;
  }
  // The ledger lost an advance (as a crash between the tenant's commit and
  // the main database's would): the marker is believed, nothing reruns.
  auto mdb = OpenDatabase(main, Env::Default());
  ASSERT_TRUE(mdb.ok());
  ASSERT_TRUE((*mdb)->Exec("UPDATE ferry_tenants SET version = '1', state = 'pending' WHERE tenant = 'kb2'").ok());
  r = Tenants("up", flags);
  EXPECT_EQ(r.code, 14) << Describe(r);  // kb4 still failed
  ran = ReadAll(tmp / "ran.txt");
  EXPECT_EQ(std::count(ran.begin(), ran.end(), '\n'), 6) << ran;
  EXPECT_EQ(StatusMap(status_flags)["kb2"], std::make_pair(std::string("3"), std::string("done")));
}

}  // namespace
}  // namespace ferry::testing
