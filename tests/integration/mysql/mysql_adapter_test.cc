// The mysql adapter's own behaviour on a real MariaDB (FERRY_TEST_MYSQL_URL),
// beyond the seam's conformance suite: how MySQL types map to Values, strict
// sessions, multi-statement Exec, lost connections, secrets in errors, and
// the GET_LOCK migration lock.
#include <gtest/gtest.h>

#include <chrono>
#include <cmath>
#include <limits>

#include "conformance/database/mysql_scratch_database.h"
#include "core/migration_lock.h"
#include "db/database.h"
#include "db/mysql/mysql_database.h"
#include "db/transaction.h"
#include "integration/servers.h"
#include "lock/mysql/get_lock.h"

namespace ferry {
namespace {

using testing::MysqlScratchDatabase;

class MysqlAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_MYSQL_URL");
    auto scratch = MysqlScratchDatabase::Create(admin_);
    ASSERT_TRUE(scratch.ok()) << scratch.status().ToString();
    scratch_ = std::move(scratch).value();
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    db_.reset();
    scratch_.reset();
  }
  std::unique_ptr<Database> Open() {
    auto r = OpenDatabase(scratch_->url(), Env::Default());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }
  Rows Q(const std::string& sql, const std::vector<Value>& params = {}) {
    auto r = db_->Query(sql, params);
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? std::move(r).value() : Rows{};
  }

  std::string admin_;
  std::unique_ptr<MysqlScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

TEST_F(MysqlAdapterTest, MysqlTypesMapToValues) {
  ASSERT_TRUE(db_->Exec(
                     "CREATE TABLE ty (id INT PRIMARY KEY, b TINYINT(1), s SMALLINT, u INT UNSIGNED,"
                     " ub BIGINT UNSIGNED, f FLOAT, dec_ DECIMAL(20,6), d DATE, dt DATETIME(6),"
                     " ts TIMESTAMP(3) NULL, tm TIME, y YEAR, c CHAR(36), vb VARBINARY(16), bits BIT(12),"
                     " j JSON, e ENUM('red','green'), st SET('a','b','c'))")
                  .ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO ty VALUES (1, 1, -32768, 4294967295, 18446744073709551615, 1.5,"
                        " -12345678901234.123456, '2024-02-29', '2024-02-29 23:59:59.123456',"
                        " '2024-03-01 00:00:00.250', '-838:59:59', 2155,"
                        " '123e4567-e89b-12d3-a456-426614174000', x'00ff00', b'101010101010',"
                        " '{\"k\": [1, 2]}', 'green', 'a,c')")
                  .ok());
  Rows r = Q("SELECT * FROM ty");
  ASSERT_EQ(r.size(), 1u);
  const auto& v = r.rows[0];
  EXPECT_EQ(v[1], Value(int64_t{1}));
  EXPECT_EQ(v[2], Value(int64_t{-32768}));
  EXPECT_EQ(v[3], Value(int64_t{4294967295}));
  EXPECT_EQ(v[4], Value(std::string("18446744073709551615")));  // above INT64_MAX: text
  EXPECT_EQ(v[5], Value(1.5));
  EXPECT_EQ(v[6], Value(std::string("-12345678901234.123456")));
  EXPECT_EQ(v[7], Value(std::string("2024-02-29")));
  EXPECT_EQ(v[8], Value(std::string("2024-02-29 23:59:59.123456")));
  EXPECT_EQ(v[9], Value(std::string("2024-03-01 00:00:00.250")));
  EXPECT_EQ(v[10], Value(std::string("-838:59:59")));
  EXPECT_EQ(v[11], Value(int64_t{2155}));
  EXPECT_EQ(v[12], Value(std::string("123e4567-e89b-12d3-a456-426614174000")));
  EXPECT_EQ(v[13], Value(Blob{std::string("\0\xff\0", 3)}));
  EXPECT_EQ(v[14], Value(int64_t{0xAAA}));
  EXPECT_EQ(v[15], Value(std::string("{\"k\": [1, 2]}")));
  EXPECT_EQ(v[16], Value(std::string("green")));
  EXPECT_EQ(v[17], Value(std::string("a,c")));
  // Parameters bind by kind into any of these columns.
  auto n = db_->Execute("UPDATE ty SET dt = $1, dec_ = $2, vb = $3, b = $4 WHERE id = $5",
                        {std::string("2000-01-01 00:00:00"), std::string("0.000001"),
                         Blob{std::string("\0", 1)}, int64_t{0}, int64_t{1}});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(*n, 1);
  Rows after = Q("SELECT dt, dec_, vb, b FROM ty");
  EXPECT_EQ(after.rows[0][0], Value(std::string("2000-01-01 00:00:00.000000")));
  EXPECT_EQ(after.rows[0][1], Value(std::string("0.000001")));
  EXPECT_EQ(after.rows[0][2], Value(Blob{std::string("\0", 1)}));
  EXPECT_EQ(after.rows[0][3], Value(int64_t{0}));
}

TEST_F(MysqlAdapterTest, SessionIsUtf8mb4UtcAndStrict) {
  Rows s = Q("SELECT @@character_set_client, @@character_set_results, @@time_zone, @@sql_mode");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s.GetText(0, 0), "utf8mb4");
  EXPECT_EQ(s.GetText(0, 1), "utf8mb4");
  EXPECT_EQ(s.GetText(0, 2), "+00:00");
  std::string mode = s.GetText(0, 3).value_or("");
  EXPECT_NE(mode.find("STRICT_ALL_TABLES"), std::string::npos) << mode;
  EXPECT_NE(mode.find("NO_AUTO_VALUE_ON_ZERO"), std::string::npos) << mode;
  EXPECT_EQ(mode.find("ANSI_QUOTES"), std::string::npos) << mode;

  ASSERT_TRUE(db_->Exec("CREATE TABLE s (v VARCHAR(3), e VARCHAR(10)) CHARACTER SET utf8mb4").ok());
  // Too long is an error, never a silent truncation; nothing is stored.
  auto r = db_->Execute("INSERT INTO s (v) VALUES ($1)", {std::string("abcd")});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kExecutionFailed);
  EXPECT_NE(r.status().message().find("Data too long"), std::string::npos) << r.status().message();
  EXPECT_EQ(Q("SELECT COUNT(*) FROM s").GetInt(0, 0), 0);
  // 4-byte UTF-8 survives.
  const std::string emoji = "\xF0\x9F\x98\x80\xF0\x9D\x84\x9E";
  ASSERT_TRUE(db_->Execute("INSERT INTO s (e) VALUES ($1)", {emoji}).ok());
  EXPECT_EQ(Q("SELECT e FROM s").GetText(0, 0), emoji);
  // "..." is a string, not an identifier (no ANSI_QUOTES).
  EXPECT_EQ(Q("SELECT \"dq\" AS x").GetText(0, 0), "dq");
}

TEST_F(MysqlAdapterTest, ExecRunsSeveralStatementsAndStopsAtTheFirstError) {
  Status st = db_->Exec(
      "CREATE TABLE m (a INT); INSERT INTO m VALUES (1); INSERT INTO nosuch VALUES (2); "
      "INSERT INTO m VALUES (3)");
  ASSERT_FALSE(st.ok());
  EXPECT_EQ(st.code(), Code::kExecutionFailed) << st.ToString();
  EXPECT_NE(st.message().find("nosuch"), std::string::npos) << st.message();
  EXPECT_EQ(MysqlLastErrno(*db_), 1146u);  // ER_NO_SUCH_TABLE
  Rows r = Q("SELECT a FROM m");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.GetInt(0, 0), 1);
  EXPECT_TRUE(db_->Exec("SELECT 1; SELECT 2").ok());  // result sets are drained
  EXPECT_EQ(Q("SELECT 3").GetInt(0, 0), 3);
}

TEST_F(MysqlAdapterTest, KilledConnectionIsUnavailableForGood) {
  auto victim = Open();
  ASSERT_NE(victim, nullptr);
  int64_t id = victim->Query("SELECT CONNECTION_ID()", {})->GetInt(0, 0).value_or(0);
  ASSERT_GT(id, 0);
  ASSERT_TRUE(db_->Exec("KILL CONNECTION " + std::to_string(id)).ok());
  auto r = victim->Query("SELECT 1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().message().rfind("mysql: ", 0), 0u) << r.status().message();
  // No silent reconnect: the session (locks, transaction) is gone.
  EXPECT_EQ(victim->Query("SELECT 1", {}).status().code(), Code::kUnavailable);
  EXPECT_EQ(victim->Exec("SELECT 1").code(), Code::kUnavailable);
}

TEST_F(MysqlAdapterTest, WrongPasswordIsUnavailableAndNeverEchoed) {
  DatabaseUrl url = DatabaseUrl::Parse(scratch_->url()).value();
  std::string bad = "mysql://ferry:Wr0ng-Secret-pw@" + url.host + ":" + std::to_string(url.port) +
                    "/" + url.database;
  auto r = OpenDatabase(bad, Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("Wr0ng-Secret-pw"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("Access denied"), std::string::npos) << r.status().message();
  // mariadb:// is the same engine.
  std::string alias = scratch_->url();
  alias.replace(0, 5, "mariadb");
  auto ok = OpenDatabase(alias, Env::Default());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ((*ok)->engine(), "mysql");
}

TEST_F(MysqlAdapterTest, StatementsSeeTheServersImplicitCommits) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE ic (a INT)").ok());
  Transaction tx(db_.get());
  ASSERT_TRUE(tx.Begin().ok());
  ASSERT_TRUE(db_->Execute("INSERT INTO ic VALUES ($1)", {int64_t{1}}).ok());
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_TRUE(db_->Exec("ALTER TABLE ic ADD COLUMN b INT").ok());
  EXPECT_FALSE(db_->InTransaction());  // the ALTER committed the insert
  ASSERT_TRUE(tx.Rollback().ok());
  EXPECT_EQ(Q("SELECT COUNT(*) FROM ic").GetInt(0, 0), 1);
  // A second Begin() while one is open is refused (not a silent commit,
  // which is what START TRANSACTION would do).
  ASSERT_TRUE(db_->Begin().ok());
  EXPECT_FALSE(db_->Begin().ok());
  ASSERT_TRUE(db_->Rollback().ok());
}

TEST_F(MysqlAdapterTest, MigrationLockIsANamedLockPerDatabase) {
  auto other = Open();
  ASSERT_NE(other, nullptr);
  auto lock_a = NewMigrationLock(db_.get(), Env::Default());
  auto lock_b = NewMigrationLock(other.get(), Env::Default());
  ASSERT_TRUE(lock_a.ok() && lock_b.ok());
  EXPECT_EQ((*lock_a)->Describe(), "mysql named lock (GET_LOCK)");
  auto lease = (*lock_a)->Acquire(kMigrationLockKey, {}, Deadline::Never());
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  auto t0 = std::chrono::steady_clock::now();
  auto blocked = (*lock_b)->Acquire(kMigrationLockKey, {},
                                    Deadline::After(Env::Default(), std::chrono::milliseconds(300)));
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), Code::kTimeout) << blocked.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));

  // Another database on the same server is not blocked.
  auto scratch2 = MysqlScratchDatabase::Create(admin_);
  ASSERT_TRUE(scratch2.ok()) << scratch2.status().ToString();
  {
    auto db2 = OpenDatabase((*scratch2)->url(), Env::Default());
    ASSERT_TRUE(db2.ok());
    auto lock2 = NewMigrationLock(db2->get(), Env::Default());
    ASSERT_TRUE(lock2.ok());
    auto lease2 = (*lock2)->Acquire(kMigrationLockKey, {}, Deadline::Never());
    EXPECT_TRUE(lease2.ok()) << lease2.status().ToString();
  }
  // Released: the other session gets it.
  ASSERT_TRUE((*lease)->Release().ok());
  auto now_b = (*lock_b)->Acquire(kMigrationLockKey, {}, Deadline::Never());
  EXPECT_TRUE(now_b.ok()) << now_b.status().ToString();
  now_b->reset();
  // A connection that dies frees its lock at once.
  auto holder = Open();
  auto lock_h = NewMigrationLock(holder.get(), Env::Default());
  auto held = (*lock_h)->Acquire(kMigrationLockKey, {}, Deadline::Never());
  ASSERT_TRUE(held.ok());
  int64_t id = holder->Query("SELECT CONNECTION_ID()", {})->GetInt(0, 0).value_or(0);
  ASSERT_TRUE(db_->Exec("KILL CONNECTION " + std::to_string(id)).ok());
  auto after_kill = (*lock_b)->Acquire(kMigrationLockKey, {},
                                       Deadline::After(Env::Default(), std::chrono::seconds(5)));
  EXPECT_TRUE(after_kill.ok()) << after_kill.status().ToString();
  held->reset();  // its RELEASE_LOCK fails quietly on the dead connection
  EXPECT_LE(MysqlGetLock::LockName(std::string(200, 'k'), "db").size(), 64u);
}

}  // namespace
}  // namespace ferry
