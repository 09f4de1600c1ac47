// Streamed SQLite archives (sqlite_stream_vfs.h): the copy that goes
// straight into the archive is byte for byte the one the staging path
// makes, is taken in one snapshot with its row counts, and a stream that
// goes wrong says so instead of producing a wrong copy.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/growing_file.h"
#include "jobs/backup/sqlite_stream_vfs.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

using testing::TempDir;

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
  std::ofstream(path, std::ios::binary) << bytes;
}

// Where two copies first differ, for a readable failure.
std::string FirstDifference(const std::string& a, const std::string& b) {
  if (a.size() != b.size())
    return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size());
  for (size_t i = 0; i < a.size(); ++i)
    if (a[i] != b[i]) return "first difference at byte " + std::to_string(i);
  return "identical";
}

int64_t CountIn(const std::string& path, const std::string& table) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  int64_t n = -1;
  std::string sql = "SELECT count(*) FROM \"" + table + "\"";
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    n = sqlite3_column_int64(st, 0);
  sqlite3_finalize(st);
  sqlite3_close(db);
  return n;
}

std::string QuickCheck(const std::string& path) {
  sqlite3* db = nullptr;
  sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, nullptr);
  sqlite3_stmt* st = nullptr;
  std::string out = "no result";
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) == SQLITE_OK &&
      sqlite3_step(st) == SQLITE_ROW)
    out = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  sqlite3_close(db);
  return out;
}

// Parameter: the source's journal mode ("wal": page 1 may come from the
// WAL; "delete": a rollback journal, page 1 from the file).
class SqliteArchiveStreamTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    path_ = dir_ / "app.db";
    auto db = OpenDatabase("sqlite:" + path_ + "?journal_mode=" + GetParam(), Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  // ~600 bytes a row: 8,000 rows (~5 MB) overflow the destination's page
  // cache (2 MB), so SQLite spills pages before the commit, as it does for
  // real databases.
  void Fill(int rows) {
    ASSERT_TRUE(db_->Exec("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY, tenant TEXT, "
                          "body TEXT)").ok());
    ASSERT_TRUE(db_->Exec("CREATE INDEX IF NOT EXISTS t_tenant ON t (tenant)").ok());
    ASSERT_TRUE(db_->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " +
                          std::to_string(rows) + ") INSERT INTO t (tenant, body) SELECT 't' || (i % 7),"
                          " hex(randomblob(290)) FROM c").ok());
  }

  // The streamed copy's bytes, as the archive would get them.
  std::string Produce(StreamedDump& s) {
    EXPECT_EQ(s.members.size(), 1u);
    std::string out;
    Status st = s.members[0].produce([&](std::string_view b) {
      out.append(b);
      return Status::OK();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(static_cast<int64_t>(out.size()), s.members[0].size);
    return out;
  }

  // The row counts the manifest gets: counted in the snapshot's own
  // transaction, or by count_tables (a second transaction on the same
  // state, run beside the copy).
  TableRows Tables(StreamedDump& s) {
    if (!s.result.count_tables) return s.result.tables;
    EXPECT_TRUE(s.result.tables.empty());
    auto rows = s.result.count_tables();
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? *rows : TableRows{};
  }

  // The staging path's copy (Archiver::Dump) of the same database.
  std::string Staged(Archiver* a) {
    const std::string dir = dir_ / ("staged-" + std::to_string(++staged_));
    std::filesystem::create_directories(dir);
    auto d = a->Dump(dir);
    EXPECT_TRUE(d.ok()) << d.status().ToString();
    return ReadFile(dir + "/database.sqlite3");
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
  int staged_ = 0;
};

TEST_P(SqliteArchiveStreamTest, StreamedCopyIsByteIdenticalToTheStagedOne) {
  Fill(8000);
  auto archiver = NewSqliteArchiver(db_.get(), Env::Default());
  // Twice: as written (WAL mode: page 1 in the WAL), then after a
  // checkpoint (page 1 from the database file).
  for (int round = 0; round < 2; ++round) {
    SCOPED_TRACE("round " + std::to_string(round));
    auto s = archiver->DumpStreamed();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE(s->has_value()) << "the database was not streamed";
    EXPECT_TRUE((*s)->result.count_tables) << "not counted beside the copy";
    EXPECT_EQ(Tables(**s).at("t"), 8000 * (round + 1));
    const std::string streamed = Produce(**s);
    const std::string staged = Staged(archiver.get());
    ASSERT_TRUE(streamed == staged) << FirstDifference(streamed, staged);
    WriteFile(dir_ / "streamed.db", streamed);
    EXPECT_EQ(QuickCheck(dir_ / "streamed.db"), "ok");
    EXPECT_EQ(CountIn(dir_ / "streamed.db", "t"), 8000 * (round + 1));
    std::filesystem::remove(dir_ / "streamed.db");
    Fill(8000);
    ASSERT_TRUE(db_->Exec("PRAGMA wal_checkpoint(TRUNCATE)").ok());
  }
}

// Writers go on while the copy is made (WAL) or wait for it (rollback
// journal): either way the copy, and the row counts the manifest records,
// are the state when the copy's transaction began.
TEST_P(SqliteArchiveStreamTest, WritesDuringTheCopyAreNotInItAndCountsMatchTheCopy) {
  const bool wal = GetParam() == "wal";
  Fill(8000);
  auto writer = OpenDatabase("sqlite:" + path_ + "?busy_timeout_ms=50&journal_mode=" + GetParam(),
                             Env::Default());
  ASSERT_TRUE(writer.ok()) << writer.status().ToString();
  auto archiver = NewSqliteArchiver(db_.get(), Env::Default());
  auto s = archiver->DumpStreamed();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->has_value());
  // Another connection writes between the snapshot and the copy.
  Status ins = (*writer)->Exec("INSERT INTO t (tenant, body) SELECT tenant, body FROM t LIMIT 500");
  Status del = (*writer)->Exec("DELETE FROM t WHERE id <= 100");
  if (wal) {
    ASSERT_TRUE(ins.ok()) << ins.ToString();
    ASSERT_TRUE(del.ok()) << del.ToString();
  } else {  // the copy's read lock holds the writer off
    EXPECT_FALSE(ins.ok());
    EXPECT_FALSE(del.ok());
  }
  const std::string streamed = Produce(**s);
  // Counted after the other connection's commits, in the copy's state.
  EXPECT_EQ(Tables(**s).at("t"), 8000);
  s->reset();  // the copy's connections, and their locks, go
  WriteFile(dir_ / "streamed.db", streamed);
  EXPECT_EQ(QuickCheck(dir_ / "streamed.db"), "ok");
  EXPECT_EQ(CountIn(dir_ / "streamed.db", "t"), 8000);
  if (!wal) {
    ASSERT_TRUE((*writer)->Exec("INSERT INTO t (tenant, body) SELECT tenant, body FROM t LIMIT 500").ok());
    ASSERT_TRUE((*writer)->Exec("DELETE FROM t WHERE id <= 100").ok());
  }
  EXPECT_EQ(CountIn(path_, "t"), 8400);
}

// A whole archive made while another thread writes: it verifies (deep:
// the copy's counts equal the ones recorded) and restores.
TEST_P(SqliteArchiveStreamTest, ArchiveWhileWritingVerifiesDeep) {
  Fill(8000);
  std::atomic<bool> stop{false};
  std::atomic<int> commits{0};
  // A pause between commits: a rollback-journal writer in a tight loop
  // would starve the catalog's own updates, which is not what is tested.
  std::thread writer([&] {
    auto w = OpenDatabase("sqlite:" + path_, Env::Default());
    if (!w.ok()) return;
    while (!stop.load()) {
      if ((*w)->Exec("INSERT INTO t (tenant, body) VALUES ('w', hex(randomblob(290)))").ok())
        commits.fetch_add(1);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  });
  struct Joiner {
    std::atomic<bool>& stop;
    std::thread& t;
    ~Joiner() {
      stop = true;
      if (t.joinable()) t.join();
    }
  } joiner{stop, writer};
  ArchiveOptions o;
  o.dir = dir_ / "backups";
  std::vector<BackupInfo> made;
  for (int i = 0; i < 3; ++i) {
    auto a = CreateArchive(db_.get(), Env::Default(), o);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    made.push_back(*a);
  }
  // Bounded by commits, not time: the writer has had its turns.
  for (int spins = 0; commits.load() < 3 && spins < 6000; ++spins)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  stop = true;
  writer.join();
  EXPECT_GE(commits.load(), 3);
  for (const auto& a : made) {
    EXPECT_EQ(a.state, BackupState::kVerified);
    auto v = VerifyArchive(db_.get(), Env::Default(), a.location, VerifyDepth::kDeep);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_TRUE(v->test_restored);
    EXPECT_GE(v->table_rows.at("t"), 8000);
  }
}

INSTANTIATE_TEST_SUITE_P(JournalModes, SqliteArchiveStreamTest, ::testing::Values("wal", "delete"));

// The stream's own guards, driven by the backup API directly.
class ArchiveStreamGuardTest : public ::testing::Test {
 protected:
  void SetUp() override {
    RegisterSqliteStreamVfs();
    src_path_ = dir_ / "src.db";
    ASSERT_EQ(sqlite3_open(src_path_.c_str(), &src_), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(src_,
                           "CREATE TABLE t (b BLOB); WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL "
                           "SELECT i + 1 FROM c WHERE i < 3000) INSERT INTO t SELECT "
                           "randomblob(1000) FROM c",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    sqlite3_prepare_v2(src_, "PRAGMA page_count", -1, &st, nullptr);
    sqlite3_step(st);
    pages_ = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  void TearDown() override { sqlite3_close(src_); }

  // Runs the backup API into `t`; returns its result code.
  int Copy(StreamTarget* t) {
    const std::string name = RegisterStreamTarget(t);
    sqlite3* dst = nullptr;
    int rc = sqlite3_open_v2(name.c_str(), &dst, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE,
                             "ferry-stream");
    if (rc == SQLITE_OK)
      rc = sqlite3_exec(dst, "PRAGMA journal_mode=OFF", nullptr, nullptr, nullptr);
    if (rc == SQLITE_OK) {
      sqlite3_backup* b = sqlite3_backup_init(dst, "main", src_, "main");
      rc = sqlite3_backup_step(b, -1);
      sqlite3_backup_finish(b);
    }
    sqlite3_close(dst);
    UnregisterStreamTarget(name);
    return rc;
  }

  TempDir dir_;
  std::string src_path_;
  sqlite3* src_ = nullptr;
  int64_t pages_ = 0;
};

TEST_F(ArchiveStreamGuardTest, APageOneOtherThanPredictedFailsTheCopy) {
  StreamTarget t;
  t.page_size = 4096;
  t.total = pages_ * 4096;
  t.page1 = std::string(4096, 'x');  // not what SQLite will commit
  t.next = 4096;
  int64_t got = 0;
  t.sink = [&](std::string_view b) {
    got += static_cast<int64_t>(b.size());
    return Status::OK();
  };
  EXPECT_NE(Copy(&t), SQLITE_DONE);
  EXPECT_FALSE(t.Complete());
  EXPECT_NE(t.failure.find("page 1"), std::string::npos) << t.failure;
}

TEST_F(ArchiveStreamGuardTest, AWriteOutOfOrderFailsTheCopy) {
  StreamTarget t;
  t.page_size = 4096;
  t.total = pages_ * 4096;
  t.page1 = std::string(4096, 'x');
  t.next = 2 * 4096;  // expects page 3 first: SQLite's page 2 is "out of order"
  t.sink = [](std::string_view) { return Status::OK(); };
  EXPECT_NE(Copy(&t), SQLITE_DONE);
  EXPECT_FALSE(t.Complete());
  EXPECT_NE(t.failure.find("where offset 8192 was next"), std::string::npos) << t.failure;
}

TEST_F(ArchiveStreamGuardTest, TheSinksErrorIsKeptAsItWas) {
  StreamTarget t;
  t.page_size = 4096;
  t.total = pages_ * 4096;
  t.page1 = std::string(4096, 'x');
  t.next = 4096;
  t.sink = [](std::string_view) { return IOError("backups/x.partial: No space left on device"); };
  EXPECT_NE(Copy(&t), SQLITE_DONE);
  EXPECT_EQ(t.sink_error.code(), Code::kIOError);
  EXPECT_NE(t.sink_error.message().find("No space left"), std::string::npos);
}

// A database file still being written (GrowingFile): a reader through
// "ferry-peek" waits for the bytes it needs, gets exactly the finished
// file's answers, and fails (instead of reading zeros) when the writer
// gives up.
class GrowingFileReadTest : public ::testing::Test {
 protected:
  void SetUp() override {
    src_ = tmp_.path() + "/src.db";
    sqlite3* db = nullptr;
    ASSERT_EQ(sqlite3_open(src_.c_str(), &db), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(db,
                           "CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT);"
                           "WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c"
                           " WHERE i < 3000) INSERT INTO t SELECT i, hex(randomblob(200)) FROM c",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(db);
    bytes_ = ReadFile(src_);
    ASSERT_GT(bytes_.size(), 100000u);
    RegisterSqliteStreamVfs();
  }

  // Counts t's rows in `path` through ferry-peek on another thread.
  std::thread CountOnAThread(const std::string& path) {
    return std::thread([this, path] {
      sqlite3* db = nullptr;
      int64_t n = -1;
      if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READONLY, "ferry-peek") == SQLITE_OK) {
        sqlite3_stmt* st = nullptr;
        if (sqlite3_prepare_v2(db, "SELECT count(*), sum(length(body)) FROM t", -1, &st,
                               nullptr) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW)
          n = sqlite3_column_int64(st, 0);
        sqlite3_finalize(st);
      }
      sqlite3_close(db);
      count_ = n;
      done_ = true;
    });
  }

  TempDir tmp_;
  std::string src_, bytes_;
  std::atomic<int64_t> count_{-2};
  std::atomic<bool> done_{false};
};

TEST_F(GrowingFileReadTest, ReadsWaitForTheirBytes) {
  const std::string path = tmp_.path() + "/growing.db";
  const size_t head = 4096;
  WriteFile(path, bytes_.substr(0, head));
  GrowingFile g(static_cast<int64_t>(bytes_.size()));
  g.Wrote(head);
  ASSERT_TRUE(RegisterGrowingFile(path, &g).ok());
  std::thread reader = CountOnAThread(path);
  // It cannot finish without the rest of the file, however long it runs.
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(done_.load());
  {
    std::ofstream out(path, std::ios::binary | std::ios::app);
    out << bytes_.substr(head);
  }
  g.Wrote(static_cast<int64_t>(bytes_.size()));
  reader.join();
  UnregisterGrowingFile(&g);
  EXPECT_EQ(count_.load(), 3000);
}

TEST_F(GrowingFileReadTest, AWriterThatGivesUpFailsTheReads) {
  const std::string path = tmp_.path() + "/growing.db";
  const size_t half = bytes_.size() / 2;
  WriteFile(path, bytes_.substr(0, half));
  GrowingFile g(static_cast<int64_t>(bytes_.size()));
  g.Wrote(static_cast<int64_t>(half));
  // Spelled another way than SQLite will open it: found by its real path.
  ASSERT_TRUE(RegisterGrowingFile(tmp_.path() + "/./growing.db", &g).ok());
  std::thread reader = CountOnAThread(path);
  g.End(/*complete=*/false);
  reader.join();
  UnregisterGrowingFile(&g);
  EXPECT_EQ(count_.load(), -1);  // an error, not a count of half a table
  // Unregistered, the same half file is read as it is (SQLite's own view).
  EXPECT_NE(CountIn(path, "t"), 3000);
}

TEST(ArchiveStreamVfsTest, OnlyRegisteredTargetsOpen) {
  RegisterSqliteStreamVfs();
  sqlite3* db = nullptr;
  int rc = sqlite3_open_v2("/ferry-stream/not-registered", &db,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, "ferry-stream");
  EXPECT_NE(rc, SQLITE_OK);
  sqlite3_close(db);
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

// Auto-vacuum databases (pointer-map pages; incremental ones with free
// pages left at the end): archived, streamed or through the staging
// fallback, and they verify deep and restore.
TEST(SqliteArchiveStreamAutoVacuumTest, FullAndIncrementalArchiveVerifyAndRestore) {
  for (const char* mode : {"FULL", "INCREMENTAL"}) {
    SCOPED_TRACE(mode);
    TempDir dir;
    const std::string path = dir / "av.db";
    {
      sqlite3* raw = nullptr;
      ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
      std::string sql = std::string("PRAGMA auto_vacuum=") + mode +
                        "; CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB);"
                        " WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c"
                        " WHERE i < 6000) INSERT INTO t (b) SELECT randomblob(900) FROM c;"
                        " DELETE FROM t WHERE id % 3 = 0;";
      ASSERT_EQ(sqlite3_exec(raw, sql.c_str(), nullptr, nullptr, nullptr), SQLITE_OK);
      sqlite3_close(raw);
    }
    auto db = OpenDatabase("sqlite:" + path, Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    auto archiver = NewSqliteArchiver(db->get(), Env::Default());
    auto s = archiver->DumpStreamed();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE(s->has_value());
    std::string streamed;
    Status produced = (*s)->members[0].produce([&](std::string_view b) {
      streamed.append(b);
      return Status::OK();
    });
    const std::string declined = (*s)->declined();
    s->reset();
    if (produced.ok()) {
      EXPECT_TRUE(declined.empty()) << declined;
      WriteFile(dir / "streamed.db", streamed);
      EXPECT_EQ(QuickCheck(dir / "streamed.db"), "ok");
      EXPECT_EQ(CountIn(dir / "streamed.db", "t"), 4000);
    } else {
      EXPECT_FALSE(declined.empty()) << produced.ToString();  // a decline, not an error
    }
    ArchiveOptions o;
    o.dir = dir / "backups";
    auto a = CreateArchive(db->get(), Env::Default(), o);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    auto v = VerifyArchive(db->get(), Env::Default(), a->location, VerifyDepth::kDeep);
    ASSERT_TRUE(v.ok()) << v.status().ToString();
    EXPECT_EQ(v->table_rows.at("t"), 4000);
    ASSERT_TRUE((*db)->Exec("DELETE FROM t").ok());
    auto r = RestoreArchive(db->get(), Env::Default(), a->location, dir / "backups");
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ((*db)->Query("SELECT count(*) FROM t", {})->GetInt(0, 0), 4000);
  }
}

}  // namespace
}  // namespace ferry

namespace ferry {
namespace {

// When the stream gives up (SQLite writing otherwise than expected),
// CreateArchive makes the same archive through the staging copy: a good,
// verified archive, no partial file left, nothing of the staging dir.
TEST(SqliteArchiveStreamFallbackTest, ADeclinedStreamFallsBackToTheStagingCopy) {
  TempDir dir;
  auto db = OpenDatabase("sqlite:" + (dir / "app.db"), Env::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  ASSERT_TRUE((*db)->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB)").ok());
  ASSERT_TRUE((*db)->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c"
                          " WHERE i < 3000) INSERT INTO t (b) SELECT randomblob(900) FROM c").ok());
  SetStreamDeclineForTesting(true);
  struct Reset {
    ~Reset() { SetStreamDeclineForTesting(false); }
  } reset;
  ArchiveOptions o;
  o.dir = dir / "backups";
  auto a = CreateArchive(db->get(), Env::Default(), o);
  SetStreamDeclineForTesting(false);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->state, BackupState::kVerified);
  EXPECT_EQ(a->row_count, 3001);  // t and ferry_backups' own pending row
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(o.dir))
    left.push_back(e.path().filename());
  ASSERT_EQ(left.size(), 1u);  // the archive only: no .partial, no staging dir
  EXPECT_EQ(left[0], a->name);
  auto v = VerifyArchive(db->get(), Env::Default(), a->location, VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_EQ(v->table_rows.at("t"), 3000);
}

}  // namespace
}  // namespace ferry
