// Folder layouts and file shapes real projects have: golang-migrate pairs,
// Flyway V/U files, Windows line endings, empty down files, files with their
// own BEGIN/COMMIT, SQLite's PRAGMA foreign_keys=OFF table rebuild, and
// PostgreSQL's CREATE INDEX CONCURRENTLY under -- ferry:no-transaction
// (also while another `ferry up` waits for the lock).
#include <nlohmann/json.hpp>

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

class FormatsTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { FERRY_ENGINE_OR_SKIP(engine_, GetParam()); }
  std::string dir() const { return engine_->dir() / "migrations"; }
  RunResult Ferry(std::vector<std::string> args, double timeout = 120) {
    std::vector<std::string> full = {"--db", engine_->url(), "--migrations", dir()};
    full.insert(full.end(), args.begin(), args.end());
    RunOptions o;
    o.timeout_seconds = timeout;
    return RunFerry(full, o);
  }
  json PlanJson() {
    RunResult r = Ferry({"--output", "json", "plan"});
    EXPECT_EQ(r.code, 0) << Describe(r);
    json j = json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out;
    return j.is_array() ? j : j["steps"];
  }
  std::unique_ptr<TestEngine> engine_;
};

TEST_P(FormatsTest, GolangMigratePairsWithEmptyDown) {
  CopyFixture("golang_pairs", dir());
  RunResult r = Ferry({"--output", "json", "status"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(json::parse(r.out)["format"], "golang-migrate") << r.out;
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM gm_users"), 2);
  r = Ferry({"--output", "json", "status"});
  EXPECT_EQ(json::parse(r.out)["current_version"], "11") << r.out;
  r = Ferry({"down"});  // the empty down file: a no-op that still un-records 11
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"--output", "json", "status"});
  EXPECT_EQ(json::parse(r.out)["current_version"], "10") << r.out;
  r = Ferry({"down", "--all"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("gm_users"));
  EXPECT_EQ(engine_->SchemaDump(), "");
}

TEST_P(FormatsTest, FlywayVersionsAndUndo) {
  CopyFixture("flyway", dir());
  json steps = PlanJson();
  ASSERT_EQ(steps.size(), 3u) << steps.dump();
  EXPECT_EQ(steps[0]["version"], "1");
  EXPECT_EQ(steps[1]["version"], "1.1");
  EXPECT_EQ(steps[2]["version"], "2");
  RunResult r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM fw_items WHERE label = 'one'"), 1);
  r = Ferry({"down", "--to", "1"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(engine_->TableExists("fw_items"));
  EXPECT_EQ(engine_->SchemaDump().find("label"), std::string::npos) << engine_->SchemaDump();
  r = Ferry({"down", "--all"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("fw_items"));
}

TEST_P(FormatsTest, WindowsLineEndings) {
  WriteFile(dir() + "/0001_crlf.sql",
            "-- +up\r\nCREATE TABLE crlf_t (\r\n  id INTEGER PRIMARY KEY,\r\n  note TEXT\r\n);\r\n"
            "INSERT INTO crlf_t VALUES (1, 'line one;\r\nline two');\r\n"
            "-- +down\r\nDROP TABLE crlf_t;\r\n");
  WriteFile(dir() + "/0002_crlf_bad.sql",
            "-- +up\r\nCREATE TABLE crlf_u (id INTEGER);\r\n\r\nSELECT nope FROM crlf_t;\r\n"
            "-- +down\r\nDROP TABLE crlf_u;\r\n");
  RunResult r = Ferry({"up", "--to", "1"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM crlf_t"), 1);
  // Lines are counted right with \r\n too.
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 6) << Describe(r);
  EXPECT_NE(r.err.find("0002_crlf_bad.sql:4"), std::string::npos) << Describe(r);
  ASSERT_EQ(Ferry({"repair"}).code, 0);
  r = Ferry({"down"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("crlf_t"));
}

TEST_P(FormatsTest, FileWithItsOwnTransaction) {
  CopyFixture("own_transaction", dir());
  json steps = PlanJson();
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_EQ(steps[0]["transaction"], "transaction");
  EXPECT_EQ(steps[1]["transaction"], "file") << steps.dump();
  EXPECT_NE(steps[1]["transaction_reason"].get<std::string>().find("BEGIN"), std::string::npos);
  RunResult r = Ferry({"plan"});  // the text plan names the mode too
  EXPECT_NE(r.out.find("file"), std::string::npos) << r.out;
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM ot_b"), 1);
  r = Ferry({"--output", "json", "status"});
  json j = json::parse(r.out);
  EXPECT_EQ(j["migrations"][1]["state"], "applied") << j.dump();
  EXPECT_EQ(j["migrations"][1]["tx_mode"], "file") << j.dump();
  r = Ferry({"down", "--all"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("ot_b"));
}

INSTANTIATE_TEST_SUITE_P(Engines, FormatsTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(SqliteFormatsTest, ForeignKeysOffTableRebuild) {
  TestEngine e("sqlite");
  std::string dir = e.dir() / "migrations";
  CopyFixture("sqlite_table_rebuild", dir);
  auto ferry = [&](std::vector<std::string> args) {
    std::vector<std::string> full = {"--db", e.url(), "--migrations", dir};
    full.insert(full.end(), args.begin(), args.end());
    return RunFerry(full);
  };
  RunResult r = ferry({"--output", "json", "plan"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json j = json::parse(r.out);
  const json& steps = j.is_array() ? j : j["steps"];
  ASSERT_EQ(steps.size(), 2u);
  EXPECT_NE(steps[1]["transaction"], "transaction") << steps.dump();
  r = ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  // With foreign keys on, DROP TABLE parent would have deleted every child.
  EXPECT_EQ(e.QueryInt("SELECT count(*) FROM child"), 3);
  EXPECT_NE(e.SchemaDump().find("kind TEXT"), std::string::npos) << e.SchemaDump();
  r = ferry({"down"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(e.QueryInt("SELECT count(*) FROM child"), 3);
  EXPECT_EQ(e.SchemaDump().find("kind TEXT"), std::string::npos) << e.SchemaDump();
  // Foreign keys are enforced again afterwards in ferry's own connection.
  r = ferry({"validate"});
  EXPECT_EQ(r.code, 0) << Describe(r);
}

class PgConcurrentlyTest : public ::testing::Test {
 protected:
  void SetUp() override { FERRY_ENGINE_OR_SKIP(engine_, std::string("postgres")); }
  std::unique_ptr<TestEngine> engine_;
};

TEST_F(PgConcurrentlyTest, NoTransactionIndexConcurrently) {
  std::string dir = engine_->dir() / "migrations";
  CopyFixture("pg_concurrently", dir);
  RunResult r = RunFerry({"--db", engine_->url(), "--migrations", dir, "--output", "json", "plan"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json j = json::parse(r.out);
  const json& steps = j.is_array() ? j : j["steps"];
  ASSERT_EQ(steps.size(), 3u);
  EXPECT_EQ(steps[1]["transaction"], "none") << steps.dump();
  RunOptions o;
  o.timeout_seconds = 60;
  r = RunFerry({"--db", engine_->url(), "--migrations", dir, "up"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_LT(r.seconds, 30) << "CREATE INDEX CONCURRENTLY waited on ferry's own lock";
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM pg_index i JOIN pg_class c ON c.oid = "
                              "i.indexrelid WHERE c.relname = 'cc_items_label' AND i.indisvalid"),
            1);
  r = RunFerry({"--db", engine_->url(), "--migrations", dir, "down", "--all"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("cc_items"));
}

// CREATE INDEX CONCURRENTLY waits for every transaction with an older
// snapshot; a second `ferry up` blocked in a lock wait must not be one, or
// the two wait for each other until the lock timeout.
TEST_F(PgConcurrentlyTest, ConcurrentlyWhileAnotherUpWaitsForTheLock) {
  std::string dir = engine_->dir() / "migrations";
  CopyFixture("pg_concurrently", dir);
  // A slow first step, so the second runner is surely waiting when the
  // concurrent index build starts.
  WriteFile(dir + "/0001_items.sql",
            ReadAll(dir + "/0001_items.sql").insert(7, "SELECT pg_sleep(1.5);\n"));
  std::vector<std::string> args = {"--db", engine_->url(), "--migrations", dir,
                                   "--lock-timeout", "40", "up"};
  TempDir logs;
  auto t0 = std::chrono::steady_clock::now();
  pid_t a = SpawnFerry(args, {}, logs / "a.out", logs / "a.err");
  ::usleep(300 * 1000);
  pid_t b = SpawnFerry(args, {}, logs / "b.out", logs / "b.err");
  int ca = WaitExit(a, 90);
  int cb = WaitExit(b, 90);
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  EXPECT_EQ(ca, 0) << ReadAll(logs / "a.err");
  EXPECT_EQ(cb, 0) << ReadAll(logs / "b.err");
  EXPECT_LT(secs, 20) << "the runners waited on each other (a: " << ReadAll(logs / "a.err")
                      << "\nb: " << ReadAll(logs / "b.err") << ")";
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM ferry_schema_migrations WHERE state = 'applied'"), 3);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM cc_items"), 20000);
}

}  // namespace
}  // namespace ferry::testing
