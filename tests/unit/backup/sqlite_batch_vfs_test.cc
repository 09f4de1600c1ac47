// "ferry-batch" (sqlite_batch_vfs.h): a write transaction's reads and WAL
// frames, and a checkpoint's, batched, give the database SQLite alone
// would, and nothing of an open transaction is visible before its commit.
#include "jobs/backup/sqlite_batch_vfs.h"

#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>
#include <string>

#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

using testing::TempDir;

struct Conn {
  sqlite3* db = nullptr;
  Conn(const std::string& path, const char* vfs) {
    EXPECT_EQ(sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, vfs),
              SQLITE_OK);
    sqlite3_busy_timeout(db, 5000);
  }
  ~Conn() { sqlite3_close_v2(db); }
  void Exec(const std::string& sql) {
    char* err = nullptr;
    ASSERT_EQ(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &err), SQLITE_OK)
        << sql << ": " << (err ? err : "");
    sqlite3_free(err);
  }
  std::string Text(const std::string& sql) {
    sqlite3_stmt* st = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
    std::string out;
    if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
      out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
    sqlite3_finalize(st);
    return out;
  }
  int64_t Int(const std::string& sql) { return std::stoll(Text(sql)); }
};

// Rows whose bodies say which row they are: a page out of place shows.
const char* kInsert =
    "WITH RECURSIVE c(i) AS (SELECT %d UNION ALL SELECT i + 1 FROM c WHERE i < %d) "
    "INSERT INTO t SELECT i, printf('%%.*c', 900, char(65 + i %% 26)) || i FROM c";
std::string Insert(int from, int to) {
  char buf[256];
  std::snprintf(buf, sizeof buf, kInsert, from, to);
  return buf;
}
const char* kWrongRows =
    "SELECT count(*) FROM t WHERE b <> printf('%.*c', 900, char(65 + id % 26)) || id";

class BatchVfsTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterSqliteBatchVfs();
    path_ = dir_ / "live.db";
    Conn c(path_, nullptr);
    c.Exec("PRAGMA journal_mode=WAL; CREATE TABLE t (id INTEGER PRIMARY KEY, b TEXT)");
    c.Exec(Insert(1, 100));
  }
  TempDir dir_;
  std::string path_;
};

TEST_F(BatchVfsTest, AnOpenTransactionBatchedIsInvisibleThenCommitsWhole) {
  Conn w(path_, "ferry-batch");
  Conn r(path_, nullptr);
  w.Exec("PRAGMA cache_size=20");  // a small cache: the transaction spills into the WAL
  w.Exec("BEGIN IMMEDIATE");
  {
    BatchedIo batched(w.db);
    ASSERT_EQ(batched.files(), 2);  // the database file and its WAL
    w.Exec(Insert(101, 6000));
    w.Exec("UPDATE t SET b = printf('%.*c', 900, char(65 + id % 26)) || id WHERE id % 7 = 0");
    // The writer reads its own spilled frames back (each read writes out
    // what is buffered first); readers still see the old rows.
    EXPECT_EQ(w.Int("SELECT count(*) FROM t"), 6000);
    EXPECT_EQ(w.Int(kWrongRows), 0);
    EXPECT_EQ(r.Int("SELECT count(*) FROM t"), 100);
    EXPECT_EQ(r.Text("PRAGMA quick_check"), "ok");
    ASSERT_TRUE(batched.End().ok());
  }
  w.Exec("COMMIT");
  EXPECT_EQ(r.Int("SELECT count(*) FROM t"), 6000);
  EXPECT_EQ(r.Int(kWrongRows), 0);
  EXPECT_EQ(r.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(BatchVfsTest, ARolledBackTransactionBatchedLeavesTheOldRows) {
  Conn w(path_, "ferry-batch");
  w.Exec("PRAGMA cache_size=20");
  w.Exec("BEGIN IMMEDIATE");
  {
    BatchedIo batched(w.db);
    w.Exec(Insert(101, 3000));
    // Destroyed without End: flushed all the same.
  }
  w.Exec("ROLLBACK");
  Conn r(path_, nullptr);
  EXPECT_EQ(r.Int("SELECT count(*) FROM t"), 100);
  EXPECT_EQ(r.Text("PRAGMA integrity_check"), "ok");
  w.Exec(Insert(101, 200));  // and the writer goes on, unbatched
  EXPECT_EQ(r.Int("SELECT count(*) FROM t"), 200);
}

// The checkpoint's page copies, batched, reach the file before it says
// they did: the file alone (no WAL) then holds every committed row.
TEST_F(BatchVfsTest, ABatchedCheckpointWritesEveryPageIntoTheFile) {
  {
    Conn w(path_, "ferry-batch");
    w.Exec("PRAGMA wal_autocheckpoint=0");
    w.Exec("BEGIN IMMEDIATE");
    w.Exec(Insert(101, 5000));
    w.Exec("COMMIT");
    Conn r(path_, nullptr);
    r.Exec("BEGIN");
    EXPECT_EQ(r.Int("SELECT count(*) FROM t"), 5000);  // a reader at the new state, open
    BatchedIo batched(w.db);
    ASSERT_EQ(batched.files(), 2);
    sqlite3_stmt* st = nullptr;
    ASSERT_EQ(sqlite3_prepare_v2(w.db, "PRAGMA wal_checkpoint(PASSIVE)", -1, &st, nullptr), SQLITE_OK);
    ASSERT_EQ(sqlite3_step(st), SQLITE_ROW);
    EXPECT_EQ(sqlite3_column_int(st, 0), 0);                            // not busy
    EXPECT_EQ(sqlite3_column_int(st, 1), sqlite3_column_int(st, 2));    // every frame copied
    EXPECT_GT(sqlite3_column_int(st, 1), 500);
    sqlite3_finalize(st);
    ASSERT_TRUE(batched.End().ok());
    EXPECT_EQ(r.Int(kWrongRows), 0);
    r.Exec("COMMIT");
  }
  // Only the database file, copied away from its WAL.
  const std::string alone = dir_ / "alone.db";
  std::filesystem::copy_file(path_, alone);
  Conn a(alone, nullptr);
  EXPECT_EQ(a.Int("SELECT count(*) FROM t"), 5000);
  EXPECT_EQ(a.Int(kWrongRows), 0);
  EXPECT_EQ(a.Text("PRAGMA integrity_check"), "ok");
}

TEST_F(BatchVfsTest, AConnectionOfAnotherVfsIsNotBatched) {
  Conn w(path_, nullptr);
  BatchedIo batched(w.db);
  EXPECT_EQ(batched.files(), 0);
  w.Exec(Insert(101, 200));
  EXPECT_TRUE(batched.End().ok());
}

}  // namespace
}  // namespace ferry
