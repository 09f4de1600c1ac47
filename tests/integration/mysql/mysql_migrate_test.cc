// Schema migrations on MySQL/MariaDB with the real `ferry` binary: up,
// status, down; failures of non-transactional DDL; a `running` row that a
// kill leaves behind (never recovered automatically: MySQL DDL cannot be
// rolled back, so nothing proves the migration left no trace); concurrent
// runners serialized by the GET_LOCK migration lock.
#include <nlohmann/json.hpp>

#include "conformance/database/mysql_scratch_database.h"
#include "core/migration_lock.h"
#include "integration/migrations/migration_test_util.h"
#include "lock/mysql/get_lock.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

class MysqlMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string admin;
    FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_MYSQL_URL");
    auto s = MysqlScratchDatabase::Create(admin);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    scratch_ = std::move(s).value();
  }

  std::string dir() const { return tmp_ / "migrations"; }
  void Write(const std::string& name, const std::string& up, const std::string& down) {
    WriteFile(dir() + "/" + name, "-- +up\n" + up + "-- +down\n" + down);
  }
  std::vector<std::string> Args(std::vector<std::string> more) {
    std::vector<std::string> a = {"--db", scratch_->url(), "--migrations", dir()};
    a.insert(a.end(), more.begin(), more.end());
    return a;
  }
  RunResult Ferry(std::vector<std::string> args) { return RunFerry(Args(std::move(args))); }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(scratch_->url(), Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }
  int64_t Int(const std::string& sql) {
    auto db = Open();
    auto r = db->Query(sql, {});
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && !r->empty() ? r->GetInt(0, 0).value_or(-1) : -1;
  }
  bool Exists(const std::string& table) {
    auto r = Open()->TableExists(table);
    return r.ok() && *r;
  }
  std::string Ledger() {
    auto r = Open()->Query(
        "SELECT version, state, tx_mode FROM ferry_schema_migrations ORDER BY CAST(version AS UNSIGNED)",
        {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    std::string out;
    for (size_t i = 0; r.ok() && i < r->size(); ++i)
      out += *r->GetText(i, 0) + "|" + *r->GetText(i, 1) + "|" + *r->GetText(i, 2) + "\n";
    return out;
  }

  TempDir tmp_;
  std::unique_ptr<MysqlScratchDatabase> scratch_;
};

TEST_F(MysqlMigrateTest, UpStatusDown) {
  Write("0001_users.sql",
        "CREATE TABLE users (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(100) NOT NULL)"
        " ENGINE=InnoDB DEFAULT CHARSET=utf8mb4;\n"
        "INSERT INTO users (name) VALUES ('a;b'), (\"it's\"), ('back\\\\slash');\n",
        "DROP TABLE users;\n");
  Write("0002_email.sql",
        "ALTER TABLE users ADD COLUMN email VARCHAR(255) NULL;\n"
        "# a MySQL hash comment; with a semicolon\n"
        "CREATE INDEX users_email ON users (email);\n",
        "DROP INDEX users_email ON users;\nALTER TABLE users DROP COLUMN email;\n");
  Write("0003_fill.sql", "UPDATE users SET email = CONCAT(name, '@x');\n",
        "UPDATE users SET email = NULL;\n");

  RunResult r = Ferry({"--output", "json", "status"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(json::parse(r.out)["pending"], 3) << r.out;

  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Ledger(), "1|applied|transaction\n2|applied|transaction\n3|applied|transaction\n");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM users WHERE email LIKE '%@x'"), 3);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM users WHERE name = 'back\\\\slash'"), 1);

  r = Ferry({"--output", "json", "status"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json j = json::parse(r.out);
  EXPECT_EQ(j["current_version"], "3") << j.dump();
  EXPECT_EQ(j["applied"], 3);
  EXPECT_EQ(j["pending"], 0);

  r = Ferry({"up"});  // no-op
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"down", "--steps", "2"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Ledger(), "1|applied|transaction\n");
  EXPECT_EQ(Int("SELECT COUNT(*) FROM information_schema.columns WHERE table_schema = DATABASE()"
                " AND table_name = 'users' AND column_name = 'email'"),
            0);
  r = Ferry({"down", "--all"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(Exists("users"));
  EXPECT_EQ(Ledger(), "");
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM users"), 3);
}

TEST_F(MysqlMigrateTest, FailedDdlMigrationIsRecordedAndNeedsRepair) {
  Write("0001_base.sql", "CREATE TABLE base (x INT);\n", "DROP TABLE base;\n");
  Write("0002_bad.sql",
        "CREATE TABLE half (x INT);\n"
        "INSERT INTO base VALUES (1);\n"
        "INSERT INTO no_such_table VALUES (1);\n",
        "DROP TABLE half;\n");
  Write("0003_after.sql", "CREATE TABLE after_ (x INT);\n", "DROP TABLE after_;\n");
  RunResult r = Ferry({"up"});
  EXPECT_EQ(r.code, 6) << Describe(r);  // kExitMigrationFailed
  EXPECT_NE(r.err.find("0002_bad.sql:4"), std::string::npos) << Describe(r);
  EXPECT_NE(r.err.find("no_such_table"), std::string::npos) << Describe(r);
  // MySQL DDL commits implicitly: the CREATE TABLE (and the INSERT the DDL
  // committed along) stay; ferry says so by recording `failed`, never
  // `applied`, and never pretending it rolled back.
  EXPECT_TRUE(Exists("half"));
  EXPECT_FALSE(Exists("after_"));
  EXPECT_EQ(Ledger(), "1|applied|transaction\n2|failed|transaction\n");
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 8) << Describe(r);  // kExitNeedsRepair
  EXPECT_NE(r.err.find("repair"), std::string::npos) << Describe(r);
  // Fix the file and the database by hand, then repair and go on.
  Write("0002_bad.sql", "CREATE TABLE half (x INT);\nINSERT INTO base VALUES (1);\n",
        "DROP TABLE half;\n");
  ASSERT_TRUE(Open()->Exec("DROP TABLE half; DELETE FROM base").ok());
  r = Ferry({"repair"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(Exists("after_"));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM base"), 1);
}

TEST_F(MysqlMigrateTest, KilledMigrationStaysRunningUntilRepaired) {
  Write("0001_base.sql", "CREATE TABLE base (x INT);\n", "DROP TABLE base;\n");
  Write("0002_slow.sql",
        "CREATE TABLE slow (x INT);\nINSERT INTO slow VALUES (1);\nDO SLEEP(3);\n"
        "INSERT INTO slow VALUES (2);\n",
        "DROP TABLE slow;\n");
  Write("0003_after.sql", "CREATE TABLE after_ (x INT);\n", "DROP TABLE after_;\n");
  pid_t pid = SpawnFerry(Args({"up"}), {}, tmp_ / "out", tmp_ / "err");
  bool running = false;
  for (int i = 0; i < 3000 && !running; ++i) {
    ::usleep(5000);
    auto db = OpenDatabase(scratch_->url(), Env::Default());
    if (!db.ok()) continue;
    auto rows = (*db)->Query("SELECT COUNT(*) FROM slow", {});
    running = rows.ok() && rows->GetInt(0, 0).value_or(0) == 1;
  }
  ASSERT_TRUE(running) << ReadAll(tmp_ / "err");
  ::kill(pid, SIGKILL);
  WaitExit(pid, 30);
  // On PostgreSQL this row would be recovered (its transaction rolled back).
  // Here the CREATE TABLE committed, so ferry must not guess.
  EXPECT_EQ(Ledger(), "1|applied|transaction\n2|running|transaction\n");
  // The killed runner's session lives on until its SLEEP ends (the server
  // notices the dead client only then) and holds the lock until it does.
  RunResult r = Ferry({"--lock-timeout", "30", "up"});
  EXPECT_EQ(r.code, 8) << Describe(r);
  EXPECT_NE(r.err.find("repair"), std::string::npos) << Describe(r);
  EXPECT_FALSE(Exists("after_"));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM slow"), 1);  // the rest of the file never ran
  r = Ferry({"check"});
  EXPECT_EQ(r.code, 8) << Describe(r);
  ASSERT_TRUE(Open()->Exec("INSERT INTO slow VALUES (2)").ok());
  r = Ferry({"repair", "--mark-applied"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(Exists("after_"));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM slow"), 2);
}

TEST_F(MysqlMigrateTest, ConcurrentRunnersApplyEachMigrationOnce) {
  Write("0001_audit.sql", "CREATE TABLE audit (v INT NOT NULL);\nINSERT INTO audit VALUES (1);\n",
        "DROP TABLE audit;\n");
  for (int i = 2; i <= 6; ++i) {
    char name[32];
    std::snprintf(name, sizeof name, "%04d_step.sql", i);
    Write(name,
          "CREATE TABLE t" + std::to_string(i) + " (id INT PRIMARY KEY);\nINSERT INTO audit VALUES (" +
              std::to_string(i) + ");\n",
          "DROP TABLE t" + std::to_string(i) + ";\n");
  }
  std::vector<pid_t> pids;
  for (int k = 0; k < 4; ++k)
    pids.push_back(SpawnFerry(Args({"--lock-timeout", "60", "up"}), {},
                              tmp_ / ("out" + std::to_string(k)), tmp_ / ("err" + std::to_string(k))));
  for (size_t k = 0; k < pids.size(); ++k)
    EXPECT_EQ(WaitExit(pids[k], 120), 0) << ReadAll(tmp_ / ("err" + std::to_string(k)));
  EXPECT_EQ(Int("SELECT COUNT(*) FROM audit"), 6);
  EXPECT_EQ(Int("SELECT COUNT(DISTINCT v) FROM audit"), 6);
  EXPECT_EQ(Int("SELECT COUNT(*) FROM ferry_schema_migrations WHERE state = 'applied'"), 6);
}

TEST_F(MysqlMigrateTest, LockHeldElsewhereTimesOut) {
  Write("0001_base.sql", "CREATE TABLE base (x INT);\n", "DROP TABLE base;\n");
  auto holder = Open();
  // The migrator's key names its ledger table; LockName adds the database.
  std::string name = MysqlGetLock::LockName(
      std::string(kMigrationLockKey) + ":ferry_schema_migrations", scratch_->name());
  ASSERT_EQ(holder->Query("SELECT GET_LOCK($1, 0)", {name})->GetInt(0, 0), 1);
  RunResult r = Ferry({"--lock-timeout", "1", "up"});
  EXPECT_EQ(r.code, 7) << Describe(r);  // kExitLockTimeout
  EXPECT_FALSE(Exists("base"));
  ASSERT_TRUE(holder->Query("SELECT RELEASE_LOCK($1)", {name}).ok());
  r = Ferry({"--lock-timeout", "5", "up"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(Exists("base"));
}

}  // namespace
}  // namespace ferry::testing
