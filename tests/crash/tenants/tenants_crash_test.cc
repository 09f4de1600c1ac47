// kill -9 `ferry tenants up` at random points (several runners at once, some
// killed), rerun after the dead runners' leases expire, and check: every
// tenant at the latest version, each (tenant, migration) exactly once in the
// insert-only audit table.
#include <random>

#include "integration/tenants/tenants_test_util.h"

namespace ferry::testing {
namespace {

TEST(TenantsCrash, KillNineMidRunThenRerun) {
  std::string admin;
  FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
  auto scratch = PgScratchDatabase::Create(admin);
  ASSERT_TRUE(scratch.ok()) << scratch.status().ToString();
  auto db = OpenDatabase((*scratch)->url(), Env::Default());
  ASSERT_TRUE(db.ok());
  constexpr int kTenants = 300;
  ASSERT_TRUE(CreateQueryTenants(db->get(), kTenants).ok());
  ASSERT_TRUE((*db)->Exec("INSERT INTO fixed VALUES (1)").ok());
  TempDir tmp;
  std::string dir = tmp / "tm";
  WriteQueryTenantMigrations(dir, "SELECT pg_sleep(0.003);\n");
  std::vector<std::string> args = {"-q", "tenants", "up", "--db", (*scratch)->url(),
                                   "--tenant-migrations", dir, "--tenants-query",
                                   "SELECT id FROM knowledge_boxes", "--concurrency", "4",
                                   "--lease", "1", "--backoff", "0.001"};
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  for (int round = 0; round < 6; ++round) {
    std::string out = tmp / ("o" + std::to_string(round)), err = tmp / ("e" + std::to_string(round));
    pid_t a = SpawnFerry(args, {}, out + "a", err + "a");
    pid_t b = SpawnFerry(args, {}, out + "b", err + "b");
    // The kill lands after the runners have set up their ledger (at load 14
    // in CI both were killed before it existed, and the check below had no
    // table to read): wait for it, then a random moment more.
    for (int i = 0; i < 1200 && QueryInt(db->get(), "SELECT count(*) FROM pg_tables WHERE "
                                                    "tablename = 'ferry_tenants'") != 1;
         ++i)
      ::usleep(50 * 1000);
    ::usleep(std::uniform_int_distribution<int>(50, 600)(rng) * 1000);
    ::kill(a, SIGKILL);
    if (round % 2 == 0) ::kill(b, SIGKILL);
    int ca = WaitExit(a, 120), cb = WaitExit(b, 120);
    if (ca == 128 + SIGKILL) ++kills;
    EXPECT_TRUE(cb == 0 || cb == 128 + SIGKILL) << ReadAll(err + "b");
    // Whatever was interrupted, nothing ran twice so far.
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM (SELECT tenant, version FROM audit "
                                  "GROUP BY 1, 2 HAVING count(*) > 1) d"),
              0)
        << "round " << round;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM audit a JOIN ferry_tenants t ON "
                                  "t.tenant = a.tenant WHERE a.version > CAST(NULLIF(t.version, '') AS int)"),
              0)
        << "round " << round << ": audit ahead of the ledger";
  }
  EXPECT_GT(kills, 0);
  ::usleep(1200 * 1000);  // the dead runners' leases expire
  RunResult r = RunFerry(args);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM ferry_tenants WHERE version = '3' AND state = 'done'"),
            kTenants);
  EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM audit"), kTenants * 3);
  EXPECT_EQ(QueryInt(db->get(), "SELECT count(DISTINCT (tenant, version)) FROM audit"), kTenants * 3);
}

// Database per tenant (SQLite) with a rollover between two SQL migrations:
// kill -9 at random points, rerun. Every tenant ends with the new shape and all
// its rows, its table rebuilt by exactly one reshape run (resumed, never
// restarted), and each SQL migration in the tenant's insert-only audit table
// once.
TEST(TenantsCrash, RolloverKillNineThenRerun) {
  TempDir tmp;
  constexpr int kTenants = 10, kRows = 4000;
  std::string tenants = tmp / "tenants";
  for (int i = 1; i <= kTenants; ++i) WriteFile(tenants + "/kb" + std::to_string(i) + ".db", "");
  std::string dir = tmp / "tm";
  WriteFile(dir + "/0001_documents.sql",
            "CREATE TABLE audit (tenant TEXT NOT NULL, version INT NOT NULL);\n"
            "CREATE TABLE documents (id INTEGER NOT NULL, title TEXT NOT NULL);\n"
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < " +
                std::to_string(kRows) + ")\n"
            "INSERT INTO documents SELECT n, 'doc ' || n FROM g;\n"
            "INSERT INTO audit VALUES (:tenant, 1);\n");
  WriteFile(dir + "/0002_rollover_documents.reshape.toml",
            "table = \"documents\"\nkey = [\"id\"]\nbatch_size = 40\n"
            "ddl = \"CREATE TABLE {new} (id INTEGER PRIMARY KEY, title TEXT NOT NULL, tenant TEXT NOT NULL)\"\n"
            "select = \"id, title, :tenant AS tenant\"\n");
  WriteFile(dir + "/0003_after.sql",
            "INSERT INTO documents (id, title, tenant) VALUES (-1, 'after', :tenant);\n"
            "INSERT INTO audit VALUES (:tenant, 3);\n");
  std::vector<std::string> args = {"-q", "tenants", "up", "--db", "sqlite:" + (tmp / "main.db"),
                                   "--tenant-migrations", dir, "--tenants-dir", tenants,
                                   "--concurrency", "3", "--lease", "1", "--backoff", "0.001"};
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  for (int round = 0; round < 5; ++round) {
    std::string base = tmp / ("r" + std::to_string(round));
    pid_t a = SpawnFerry(args, {}, base + ".out", base + ".err");
    ::usleep(std::uniform_int_distribution<int>(30, 700)(rng) * 1000);
    ::kill(a, SIGKILL);
    int ca = WaitExit(a, 120);
    if (ca == 128 + SIGKILL) ++kills;
    EXPECT_TRUE(ca == 0 || ca == 128 + SIGKILL) << ReadAll(base + ".err");
    ::usleep(1100 * 1000);  // the dead runner's leases expire
  }
  EXPECT_GT(kills, 0);
  RunResult r = RunFerry(args);
  ASSERT_EQ(r.code, 0) << Describe(r);
  for (int i = 1; i <= kTenants; ++i) {
    const std::string id = "kb" + std::to_string(i);
    auto db = OpenDatabase("sqlite:" + tenants + "/" + id + ".db", Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM documents WHERE tenant = '" + id + "'"),
              kRows + 1) << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(DISTINCT id) FROM documents"), kRows + 1) << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM ferry_reshapes"), 1) << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM ferry_reshapes WHERE status = 'done'"), 1) << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM audit"), 2) << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(DISTINCT version) FROM audit"), 2) << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT CAST(version AS INT) FROM ferry_tenant_version"), 3) << id;
  }
}

}  // namespace
}  // namespace ferry::testing
