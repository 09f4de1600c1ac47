// PostgreSQL snapshots copied in block ranges beside their read-back
// (postgres_snapshot.cc), on a real server: writes during the fill never
// reach the copy, a failing range leaves nothing, a kill never leaves a
// verified-looking half copy, --with-indexes and identity / generated
// columns round-trip, and a queued ALTER TABLE cannot deadlock the copy.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <thread>

#include "integration/pg_scratch_test.h"
#include "integration/servers.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/table_checksum.h"
#include "obs/logger.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

class PostgresSnapshotRangesTest : public testing::PgScratchTest {
 protected:
  // ~20 rows a page: `rows` / 20 heap blocks, so a few blocks per range
  // make many ranges.
  void MakeItems(int rows) {
    ASSERT_TRUE(db_->Exec("CREATE TABLE items (id BIGINT PRIMARY KEY, tenant TEXT NOT NULL,"
                          " n INT, body TEXT)")
                    .ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO items SELECT i, 't' || (i % 7), i, repeat(md5(i::text), 10)"
                          " FROM generate_series(1, " + std::to_string(rows) + ") i")
                    .ok());
  }
  TableChecksum Sum(const std::string& t) {
    auto s = ComputeTableChecksum(db_.get(), t);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : TableChecksum{};
  }
  int64_t Count(const std::string& sql) {
    auto r = db_->Query(sql, {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
  }
  // Tables whose name starts with `prefix` (a half copy left behind).
  int64_t TablesLike(const std::string& prefix) {
    auto r = db_->Query("SELECT count(*) FROM pg_tables WHERE starts_with(tablename, $1)", {prefix});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
  }
  std::optional<BackupInfo> Row(const std::string& name) {
    auto f = BackupCatalog(db_.get()).Find(name);
    EXPECT_TRUE(f.ok()) << f.status().ToString();
    return f.ok() ? *f : std::nullopt;
  }

};

TEST(PostgresChecksumSums, BlockRangeSharesAddUpExactly) {
  TableChecksum a{2, "pg-rowhash:-9223372036854775808"}, b{3, "pg-rowhash:-9223372036854775808"};
  auto s = AddTableChecksums(a, b);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_EQ(s->rows, 5);
  EXPECT_EQ(s->checksum, "pg-rowhash:-18446744073709551616");
  auto t = AddTableChecksums(TableChecksum{}, TableChecksum{1, "pg-hash64sum:5:-7"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->checksum, "pg-hash64sum:5:-7");
  t = AddTableChecksums(*t, TableChecksum{1, "pg-hash64sum:-5:17"});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->checksum, "pg-hash64sum:0:10");
  EXPECT_FALSE(AddTableChecksums(a, TableChecksum{1, "pg-hash64sum:1:2"}).ok()) << "two methods";
  EXPECT_FALSE(AddTableChecksums(a, TableChecksum{1, "pg-rowhash:12x"}).ok());
}

// The block ranges' checksums of a table add up to its whole checksum.
TEST_F(PostgresSnapshotRangesTest, BlockRangeChecksumsAddUpToTheTable) {
  MakeItems(3000);
  const TableChecksum whole = Sum("items");
  TableChecksum sum;
  for (int64_t first = 0; first < 200; first += 7) {
    auto part = PostgresBlockRangeChecksum(db_.get(), "items", whole.checksum, first,
                                           first + 7 < 200 ? first + 7 : -1);
    ASSERT_TRUE(part.ok()) << part.status().ToString();
    auto added = AddTableChecksums(sum, *part);
    ASSERT_TRUE(added.ok()) << added.status().ToString();
    sum = *added;
  }
  EXPECT_EQ(sum, whole);
}

// Rows updated, deleted and inserted in the source by another session after
// the first ranges were copied: the copy is the source as of the snapshot,
// none of them reaches it, and the recorded checksum is that state's.
TEST_F(PostgresSnapshotRangesTest, WritesDuringTheFillNeverReachTheCopy) {
  MakeItems(6000);
  const TableChecksum before = Sum("items");
  auto writer = Open();
  ASSERT_NE(writer, nullptr);
  std::atomic<int> ranges{0};
  SnapshotOptions o;
  o.name = "items_snap";
  o.range_blocks = 10;
  o.before_range = [&](int i) {
    ++ranges;
    if (i != 2) return Status::OK();
    // Everywhere in the heap, also in ranges not copied yet.
    FERRY_RETURN_IF_ERROR(writer->Exec("UPDATE items SET n = -n WHERE id % 5 = 0"));
    FERRY_RETURN_IF_ERROR(writer->Exec("DELETE FROM items WHERE id % 7 = 0"));
    return writer->Exec("INSERT INTO items SELECT i, 'new', i, 'x' FROM generate_series(6001, 7000) i");
  };
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items", o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_GT(ranges.load(), 5) << "the table was meant to take many ranges";
  EXPECT_NE(b->method.find("block ranges"), std::string::npos) << b->method;
  EXPECT_EQ(b->state, BackupState::kVerified);
  EXPECT_EQ(b->row_count, 6000);
  EXPECT_EQ(b->checksum, before.checksum);
  EXPECT_EQ(Sum("items_snap"), before);
  EXPECT_NE(Sum("items"), before) << "the writes did happen";
  EXPECT_EQ(Count("SELECT count(*) FROM items_snap WHERE n < 0 OR id > 6000"), 0);
  EXPECT_EQ(Row("items_snap")->state, BackupState::kVerified);
  EXPECT_TRUE(VerifySnapshot(db_.get(), Env::Default(), "items_snap").ok());
}

// Rows of very different sizes: the copier reuses free space left in
// earlier pages, so some rows land outside their range's block window; the
// whole-copy hash then decides, and the backup is still exact.
TEST_F(PostgresSnapshotRangesTest, RowsOutsideTheirRangesWindowStillVerify) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE odd (id INT PRIMARY KEY, body TEXT)").ok());
  ASSERT_TRUE(db_->Exec("ALTER TABLE odd ALTER COLUMN body SET STORAGE PLAIN").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO odd SELECT i, repeat('x', (i * 7919) % 3000)"
                        " FROM generate_series(1, 6000) i")
                  .ok());
  const TableChecksum before = Sum("odd");
  LoggerOptions lo;
  lo.min_level = LogLevel::kDebug;
  auto logger = Logger::Capturing(lo);
  SnapshotOptions o;
  o.range_blocks = 16;
  o.logger = logger.get();
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "odd", o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->row_count, 6000);
  EXPECT_EQ(b->checksum, before.checksum);
  EXPECT_EQ(Sum(b->name), before);
  // The sizes make the copier reuse free space; the phase line shows the
  // whole-copy hash that then decided.
  EXPECT_NE(logger->Captured().find("copy_hash_whole"), std::string::npos) << logger->Captured();
}

// One range fails after others were committed: the backup fails, and
// neither the half copy nor its catalog row is left.
TEST_F(PostgresSnapshotRangesTest, AFailingRangeLeavesNoTableAndNoRow) {
  MakeItems(4000);
  SnapshotOptions o;
  o.name = "items_fail";
  o.range_blocks = 10;
  o.before_range = [](int i) { return i == 4 ? Internal("injected at range 4") : Status::OK(); };
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items", o);
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("injected at range 4"), std::string::npos)
      << b.status().ToString();
  EXPECT_EQ(TablesLike("items_fail"), 0);
  EXPECT_FALSE(Row("items_fail").has_value());
  // And the next one works.
  o.before_range = nullptr;
  auto again = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items", o);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->row_count, 4000);
}

// A kill (SIGKILL of the whole process) after the copy and its pending row
// were committed, at the first range, in the middle and at the last one:
// the row is never `verified`, restore refuses it, verify fails it, and the
// kill's leftovers never disturb the next snapshot.
TEST_F(PostgresSnapshotRangesTest, KillDuringTheFillNeverLeavesAVerifiedLookingCopy) {
  MakeItems(4000);
  const int64_t blocks = Count("SELECT pg_relation_size('items') / current_setting('block_size')::int");
  const int ranges = static_cast<int>(std::max<int64_t>(1, (blocks + 9) / 10));  // 10 blocks a range
  ASSERT_GT(ranges, 3);
  int killed = 0;
  for (int at : {0, ranges / 2, ranges - 1}) {
    const std::string name = "items_kill_" + std::to_string(at);
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    const pid_t pid = ::fork();
    if (pid == 0) {
      ::close(fds[0]);
      auto db = OpenDatabase(scratch_->url(), Env::Default());
      if (!db.ok()) ::_exit(2);
      SnapshotOptions o;
      o.name = name;
      o.range_blocks = 10;
      o.before_range = [&](int i) {
        if (i == at) {
          (void)!::write(fds[1], "k", 1);
          ::sleep(60);  // killed here
        }
        return Status::OK();
      };
      (void)CreateVerifiedSnapshot(db->get(), Env::Default(), "items", o);
      ::_exit(0);
    }
    ::close(fds[1]);
    char c = 0;
    const bool reached = ::read(fds[0], &c, 1) == 1;  // blocks until the child is there
    ::close(fds[0]);
    ::kill(pid, SIGKILL);
    int status = 0;
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(reached) << "the child never reached range " << at;
    killed += WIFSIGNALED(status);
    auto row = Row(name);
    ASSERT_TRUE(row.has_value()) << "the pending row commits before the first range";
    EXPECT_EQ(row->state, BackupState::kPending) << name;
    EXPECT_EQ(RestoreSnapshot(db_.get(), Env::Default(), name).status().code(),
              Code::kFailedPrecondition)
        << name;
    auto listed = ListBackups(db_.get());
    ASSERT_TRUE(listed.ok()) << listed.status().ToString();
    for (const auto& b : *listed) {
      if (b.state != BackupState::kVerified) continue;
      EXPECT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b.name).ok()) << b.name;
    }
    // Checked against the source, the half copy is no backup either.
    EXPECT_FALSE(VerifySnapshot(db_.get(), Env::Default(), name).ok()) << name;
    EXPECT_NE(Row(name)->state, BackupState::kVerified) << name;
  }
  EXPECT_EQ(killed, 3);
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->row_count, 4000);
}

// --with-indexes, identity (ALWAYS and BY DEFAULT) and a generated column,
// over many ranges: the copy has the indexes, verify agrees, an in-place
// restore and a restore after DROP TABLE bring the rows and the column
// kinds back.
TEST_F(PostgresSnapshotRangesTest, WithIndexesIdentityAndGeneratedColumnsRoundTrip) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE gen (id BIGINT GENERATED ALWAYS AS IDENTITY PRIMARY KEY,"
                        " a INT NOT NULL, b TEXT, twice INT GENERATED ALWAYS AS (a * 2) STORED,"
                        " seq BIGINT GENERATED BY DEFAULT AS IDENTITY)")
                  .ok());
  ASSERT_TRUE(db_->Exec("CREATE INDEX gen_b ON gen (b)").ok());
  ASSERT_TRUE(
      db_->Exec("INSERT INTO gen (a, b) SELECT i, repeat('r', 200) || i FROM generate_series(1, 3000) i")
          .ok());
  const TableChecksum before = Sum("gen");
  SnapshotOptions o;
  o.with_indexes = true;
  o.range_blocks = 8;
  int ranges = 0;
  o.before_range = [&](int) {
    ++ranges;
    return Status::OK();
  };
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "gen", o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_GT(ranges, 5);
  EXPECT_TRUE(b->indexes_recreated);
  EXPECT_EQ(b->row_count, 3000);
  EXPECT_EQ(Count("SELECT count(*) FROM pg_indexes WHERE tablename = '" + b->name + "'"), 2);
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());

  ASSERT_TRUE(db_->Exec("UPDATE gen SET a = a + 1000 WHERE id % 2 = 0").ok());
  auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum("gen"), before);

  ASSERT_TRUE(db_->Exec("DROP TABLE gen").ok());
  r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum("gen"), before);
  EXPECT_FALSE(db_->Exec("UPDATE gen SET twice = 1").ok()) << "twice is generated again";
  EXPECT_FALSE(db_->Exec("INSERT INTO gen (id, a) VALUES (99999, 1)").ok())
      << "id is GENERATED ALWAYS again";
  ASSERT_TRUE(db_->Exec("INSERT INTO gen (a) VALUES (21)").ok());
  auto n = db_->Query("SELECT id, twice, seq FROM gen WHERE a = 21 AND id > 3000", {});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  ASSERT_EQ(n->size(), 1u);
  EXPECT_EQ(n->GetInt(0, 1), 42);
  EXPECT_GT(n->GetInt(0, 2).value_or(0), 3000);
}

// An ALTER TABLE on the source queued behind the snapshot's lock: the next
// range would queue behind the ALTER, which waits for the snapshot, which
// waits for the range. The copier's lock_timeout breaks that: the backup
// fails cleanly and the ALTER goes through.
TEST_F(PostgresSnapshotRangesTest, AQueuedAlterTableFailsTheBackupInsteadOfDeadlocking) {
  MakeItems(3000);
  auto alterer = Open();
  auto watcher = Open();
  ASSERT_TRUE(alterer && watcher);
  std::thread alter;
  Status altered = Internal("never ran");
  SnapshotOptions o;
  o.name = "items_locked";
  o.range_blocks = 10;
  o.before_range = [&](int i) {
    if (i != 1) return Status::OK();
    alter = std::thread([&] { altered = alterer->Exec("ALTER TABLE items ADD COLUMN extra INT"); });
    // Until the ALTER waits for its lock (generous bound: a loaded machine).
    for (int tries = 0; tries < 600; ++tries) {
      auto w = watcher->Query("SELECT count(*) FROM pg_locks WHERE relation = 'items'::regclass"
                              " AND mode = 'AccessExclusiveLock' AND NOT granted",
                              {});
      if (w.ok() && w->GetInt(0, 0).value_or(0) > 0) return Status::OK();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    return Internal("the ALTER never queued");
  };
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items", o);
  if (alter.joinable()) alter.join();
  ASSERT_FALSE(b.ok());
  EXPECT_NE(b.status().message().find("lock timeout"), std::string::npos) << b.status().ToString();
  EXPECT_TRUE(altered.ok()) << altered.ToString();
  EXPECT_EQ(TablesLike("items_locked"), 0);
  EXPECT_FALSE(Row("items_locked").has_value());
}

// The one-transaction path (servers before 14) still works when asked for.
TEST_F(PostgresSnapshotRangesTest, OneTransactionPathStillVerifies) {
  MakeItems(2000);
  SnapshotOptions o;
  o.one_transaction = true;
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items", o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->method, "CREATE TABLE (LIKE) + INSERT SELECT");
  EXPECT_EQ(b->checksum, Sum("items").checksum);
  EXPECT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
}

}  // namespace
}  // namespace ferry
