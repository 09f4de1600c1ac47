// kill -9 `ferry up` at random points, rerun, and check that the ledger and
// the schema agree: every migration the ledger calls applied has its effects
// exactly once (rows in audit and in its own table), none that it does not.
// A no-transaction migration killed midway stays `running`: up exits 8 until
// repair.
#include <iostream>
#include <random>
#include <set>

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

constexpr int kMigrations = 8;

int64_t RowsPerMigration(bool pg) { return pg ? 150000 : 60000; }

void WriteSlowMigrations(const std::string& dir, bool pg) {
  const int64_t rows = RowsPerMigration(pg);
  for (int i = 1; i <= kMigrations; ++i) {
    char num[8];
    std::snprintf(num, sizeof num, "%04d", i);
    std::string t = "c" + std::to_string(i);
    std::string up = i == 1 ? "CREATE TABLE audit (v INTEGER NOT NULL);\n" : "";
    up += "CREATE TABLE " + t + " (x INTEGER NOT NULL);\n";
    if (pg) {
      up += "INSERT INTO " + t + " (x) SELECT g FROM generate_series(1, " + std::to_string(rows) +
            ") g;\n";
    } else {
      up += "INSERT INTO " + t + " (x) WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s "
            "WHERE i < " + std::to_string(rows) + ") SELECT i FROM s;\n";
    }
    up += "INSERT INTO audit (v) VALUES (" + std::to_string(i) + ");\n";
    WriteFile(dir + "/" + num + "_slow" + std::to_string(i) + ".sql",
              "-- +up\n" + up + "-- +down\nDROP TABLE " + t + ";\n");
  }
}

// Ledger and schema agree; returns the number of applied migrations.
int CheckConsistent(TestEngine& e, const std::string& context) {
  int applied = 0;
  std::set<int> in_ledger;
  for (auto& row : e.QueryText("SELECT version, state FROM ferry_schema_migrations ORDER BY version")) {
    EXPECT_EQ(row[1], "applied") << context << ": version " << row[0];
    in_ledger.insert(std::stoi(row[0]));
    ++applied;
  }
  bool audit = e.TableExists("audit");
  for (int i = 1; i <= kMigrations; ++i) {
    std::string t = "c" + std::to_string(i);
    bool present = e.TableExists(t);
    EXPECT_EQ(present, in_ledger.count(i) == 1) << context << ": table " << t;
    if (present) {
      EXPECT_EQ(e.QueryInt("SELECT count(*) FROM " + t), RowsPerMigration(e.is_pg()))
          << context << ": " << t;
    }
    if (audit) {
      EXPECT_EQ(e.QueryInt("SELECT count(*) FROM audit WHERE v = " + std::to_string(i)),
                in_ledger.count(i) == 1 ? 1 : 0)
          << context << ": audit row " << i;
    }
  }
  return applied;
}

class CrashTest : public ::testing::TestWithParam<std::string> {};

TEST_P(CrashTest, KillNineDuringUpThenRerun) {
  const bool pg = GetParam() == "postgres";
  std::unique_ptr<TestEngine> calib;
  FERRY_ENGINE_OR_SKIP(calib, GetParam());
  // How long a full run takes here, so kills land all over it.
  {
    std::string dir = calib->dir() / "m";
    WriteSlowMigrations(dir, pg);
    RunResult r = RunFerry({"--db", calib->url(), "--migrations", dir, "up"});
    ASSERT_EQ(r.code, 0) << Describe(r);
    ASSERT_EQ(CheckConsistent(*calib, "calibration"), kMigrations);
  }
  double full = 0;
  {
    TestEngine e(GetParam());
    ASSERT_TRUE(e.ready());
    std::string dir = e.dir() / "m";
    WriteSlowMigrations(dir, pg);
    full = RunFerry({"--db", e.url(), "--migrations", dir, "up"}).seconds;
  }
  calib.reset();
  const int iterations = std::getenv("FERRY_CRASH_ITERATIONS")
                             ? std::atoi(std::getenv("FERRY_CRASH_ITERATIONS"))
                             : 30;
  std::mt19937 rng(12345);
  std::uniform_real_distribution<double> when(0.0, full * 1.05);
  int killed_midway = 0;
  for (int it = 0; it < iterations; ++it) {
    TestEngine e(GetParam());
    ASSERT_TRUE(e.ready()) << e.error();
    std::string dir = e.dir() / "m";
    WriteSlowMigrations(dir, pg);
    std::vector<std::string> args = {"--db", e.url(), "--migrations", dir, "-q", "up"};
    // One or two kills, then a run to completion.
    int kills = 1 + static_cast<int>(rng() % 2);
    for (int k = 0; k < kills; ++k) {
      pid_t pid = SpawnFerry(args, {}, e.dir() / "out", e.dir() / "err");
      double delay = when(rng);
      ::usleep(static_cast<useconds_t>(delay * 1e6));
      ::kill(pid, SIGKILL);
      int code = WaitExit(pid, 60);
      if (code == 128 + SIGKILL) ++killed_midway;
    }
    std::string ctx = GetParam() + " iteration " + std::to_string(it);
    RunResult r = RunFerry(args);
    ASSERT_EQ(r.code, 0) << ctx << ": " << Describe(r);
    ASSERT_EQ(CheckConsistent(e, ctx), kMigrations) << ctx;
    r = RunFerry({"--db", e.url(), "--migrations", dir, "check"});
    EXPECT_EQ(r.code, 0) << ctx << ": " << Describe(r);
  }
  std::cerr << "[crash] " << GetParam() << ": full run " << full << " s, " << killed_midway
            << " kills landed while ferry was running\n";
  EXPECT_GE(killed_midway, iterations / 2) << "kills mostly missed the run; timing is off";
}

// A consistent state after each kill, before any rerun: the ledger never
// claims what the schema does not have.
TEST_P(CrashTest, StateBetweenKillAndRerunIsUnderstood) {
  const bool pg = GetParam() == "postgres";
  std::unique_ptr<TestEngine> e;
  FERRY_ENGINE_OR_SKIP(e, GetParam());
  std::string dir = e->dir() / "m";
  WriteSlowMigrations(dir, pg);
  std::vector<std::string> args = {"--db", e->url(), "--migrations", dir, "-q", "up"};
  pid_t pid = SpawnFerry(args, {}, e->dir() / "out", e->dir() / "err");
  // Wait until migration 3 is running, then kill.
  bool seen = false;
  for (int i = 0; i < 3000 && !seen; ++i) {
    ::usleep(2000);
    auto db = OpenDatabase(e->url(), Env::Default());
    if (!db.ok()) continue;
    auto rows = (*db)->Query("SELECT count(*) FROM ferry_schema_migrations WHERE version = '3'", {});
    seen = rows.ok() && rows->GetInt(0, 0).value_or(0) > 0;
  }
  ::kill(pid, SIGKILL);
  WaitExit(pid, 30);
  ASSERT_TRUE(seen) << "migration 3 never started";
  // status reads it without changing anything; the interrupted row is one
  // ferry knows it may retry (transaction mode, transactional DDL).
  RunResult r = RunFerry({"--db", e->url(), "--migrations", dir, "--output", "json", "status"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = RunFerry(args);
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(CheckConsistent(*e, "after rerun"), kMigrations);
}

TEST_P(CrashTest, NoTransactionMigrationKilledMidwayNeedsRepair) {
  const bool pg = GetParam() == "postgres";
  std::unique_ptr<TestEngine> e;
  FERRY_ENGINE_OR_SKIP(e, GetParam());
  std::string dir = e->dir() / "m";
  WriteFile(dir + "/0001_base.sql", "-- +up\nCREATE TABLE nt_base (x INTEGER);\n-- +down\nDROP TABLE nt_base;\n");
  std::string slow = pg ? "SELECT pg_sleep(4);"
                        : "SELECT count(*) FROM (WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 "
                          "FROM s WHERE i < 400000000) SELECT i FROM s);";
  WriteFile(dir + "/0002_no_tx.sql",
            "-- ferry:no-transaction\n-- +up\nCREATE TABLE nt (x INTEGER);\nINSERT INTO nt VALUES (1);\n" +
                slow + "\nINSERT INTO nt VALUES (2);\n-- +down\nDROP TABLE nt;\n");
  WriteFile(dir + "/0003_after.sql", "-- +up\nCREATE TABLE nt_after (x INTEGER);\n-- +down\nDROP TABLE nt_after;\n");
  std::vector<std::string> base = {"--db", e->url(), "--migrations", dir};
  auto with = [&](std::vector<std::string> more) {
    auto a = base;
    a.insert(a.end(), more.begin(), more.end());
    return a;
  };
  pid_t pid = SpawnFerry(with({"up"}), {}, e->dir() / "out", e->dir() / "err");
  bool running = false;
  for (int i = 0; i < 5000 && !running; ++i) {
    ::usleep(2000);
    auto db = OpenDatabase(e->url(), Env::Default());
    if (!db.ok()) continue;
    auto rows = (*db)->Query("SELECT count(*) FROM nt", {});
    running = rows.ok() && rows->GetInt(0, 0).value_or(0) == 1;
  }
  ASSERT_TRUE(running) << ReadAll(e->dir() / "err");
  ::usleep(200 * 1000);
  ::kill(pid, SIGKILL);
  WaitExit(pid, 30);
  auto rows = e->QueryText("SELECT version, state, tx_mode FROM ferry_schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[1][0], "2");
  EXPECT_EQ(rows[1][1], "running");
  EXPECT_EQ(rows[1][2], "none");

  RunResult r = RunFerry(with({"up"}));
  EXPECT_EQ(r.code, 8) << Describe(r);
  EXPECT_NE(r.err.find("repair"), std::string::npos) << Describe(r);
  EXPECT_FALSE(e->TableExists("nt_after"));
  r = RunFerry(with({"check"}));
  EXPECT_EQ(r.code, 8) << Describe(r);
  // The operator finishes the file by hand, then tells ferry.
  ASSERT_TRUE(e->Open()->Exec("INSERT INTO nt VALUES (2)").ok());
  r = RunFerry(with({"repair", "--mark-applied"}));
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = RunFerry(with({"up"}));
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(e->TableExists("nt_after"));
  EXPECT_EQ(e->QueryInt("SELECT count(*) FROM nt"), 2);
  EXPECT_EQ(e->QueryInt("SELECT count(*) FROM ferry_schema_migrations WHERE state = 'applied'"), 3);
}

INSTANTIATE_TEST_SUITE_P(Engines, CrashTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ferry::testing
