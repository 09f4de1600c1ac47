// ferry reshape safety around a run: the per-table lock (two runs never at
// once), abort of an unfinished run, run -> rollback -> run again (no name
// collisions, also within one second), and disk full (SQLite
// max_page_count: a real SQLITE_FULL; PostgreSQL a tablespace on a small
// tmpfs: a real ENOSPC).
// Each test runs on SQLite and, when FERRY_TEST_PG_URL is set, PostgreSQL.
#include <condition_variable>
#include <mutex>

#include <sys/mount.h>
#include <sys/stat.h>

#include <cerrno>
#include <cstring>

#include "integration/reshape/reshape_harness.h"
#include "jobs/backup/table_checksum.h"
#include "unit/obs/manual_clock_env.h"

namespace ferry::testing {
namespace {

// A PostgreSQL tablespace on a tmpfs of a chosen size (root only: mount).
// The server is local (test-servers.sh), so its data directory's owner is
// the server's user, who must own the tablespace directory.
class SmallTablespace {
 public:
  static std::unique_ptr<SmallTablespace> Create(Database* db, const std::string& size) {
    auto t = std::unique_ptr<SmallTablespace>(new SmallTablespace(db));
    t->dir_ = "/tmp/ferry_reshape_full_" + std::to_string(::getpid());
    t->name = "ferry_reshape_full_" + std::to_string(::getpid());
    ::mkdir(t->dir_.c_str(), 0700);
    if (::mount("tmpfs", t->dir_.c_str(), "tmpfs", 0, ("size=" + size).c_str()) != 0) {
      ADD_FAILURE() << "mount a tmpfs on " << t->dir_ << ": " << std::strerror(errno)
                    << " (the PostgreSQL disk-full test needs root)";
      return nullptr;
    }
    t->mounted_ = true;
    auto data = db->Query("SHOW data_directory", {});
    struct stat st {};
    if (!data.ok() || ::stat(data->GetText(0, 0).value_or("").c_str(), &st) != 0 ||
        ::chown(t->dir_.c_str(), st.st_uid, st.st_gid) != 0) {
      ADD_FAILURE() << "cannot give " << t->dir_ << " to the server's user";
      return nullptr;
    }
    Status s = db->Exec("CREATE TABLESPACE " + t->name + " LOCATION '" + t->dir_ + "'");
    if (!s.ok()) {
      ADD_FAILURE() << s.ToString();
      return nullptr;
    }
    t->created_ = true;
    return t;
  }
  bool Grow(const std::string& size) {
    return ::mount("tmpfs", dir_.c_str(), "tmpfs", MS_REMOUNT, ("size=" + size).c_str()) == 0;
  }
  ~SmallTablespace() {
    // Whatever a failed test left on it goes first, or the drop fails.
    if (created_) {
      (void)db_->Exec("DROP TABLE IF EXISTS chunks_new");
      auto live = db_->Query("SELECT c.relname::text FROM pg_class c JOIN pg_tablespace t"
                             " ON t.oid = c.reltablespace WHERE t.spcname = $1"
                             " AND c.relkind IN ('r', 'p')", {name});
      if (live.ok())
        for (size_t i = 0; i < live->size(); ++i)
          (void)db_->Exec("DROP TABLE IF EXISTS \"" + live->GetText(i, 0).value_or("") + "\" CASCADE");
      Status s = db_->Exec("DROP TABLESPACE " + name);
      if (!s.ok()) ADD_FAILURE() << s.ToString();
    }
    if (mounted_) ::umount2(dir_.c_str(), MNT_DETACH);
    ::rmdir(dir_.c_str());
  }
  std::string name;

 private:
  explicit SmallTablespace(Database* db) : db_(db) {}
  Database* db_;
  std::string dir_;
  bool mounted_ = false, created_ = false;
};

class ReshapeUndoTest : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    pg_ = GetParam();
    if (pg_) {
      std::string admin;
      FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
      auto s = PgScratchDatabase::Create(admin);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      scratch_ = std::move(*s);
      url_ = scratch_->url();
    } else {
      path_ = "/tmp/ferry_reshape_undo_" + std::to_string(::getpid()) + ".db";
      Remove();
      url_ = "sqlite://" + path_;
    }
    db_ = Open();
    ASSERT_NE(db_, nullptr);
    auto plan = ParseReshapePlan(
        WithBatch(ReadExample(pg_ ? "chunks.toml" : "chunks_sqlite.toml"), 500), "plan.toml");
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    plan_ = *plan;
    plan_.allow_empty_partitions = true;
    logger_ = Logger::Capturing({});
  }
  void TearDown() override {
    db_.reset();
    if (!path_.empty()) Remove();
  }
  void Remove() {
    for (const char* s : {"", "-wal", "-shm"}) std::remove((path_ + s).c_str());
    std::string cmd = "rm -f " + path_ + ".ferry-lock*";
    (void)std::system(cmd.c_str());
  }
  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(url_, Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }
  Result<ReshapeReport> Run(Database* db, ReshapeOptions o = {}) {
    return RunReshape(db, Env::Default(), logger_.get(), plan_, o);
  }
  int64_t Count(const std::string& sql) {
    auto r = db_->Query(sql, {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
  }
  // Capture triggers (and PostgreSQL's trigger function) left on the old table.
  int64_t Triggers() {
    if (!pg_) return Count("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'");
    return Count("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal") +
           Count("SELECT count(*) FROM pg_proc WHERE proname LIKE 'ferry_reshape%'");
  }
  size_t Columns(const std::string& table) {
    auto c = TableColumns(db_.get(), table);
    EXPECT_TRUE(c.ok());
    return c.ok() ? c->size() : 0;
  }
  size_t OldShape() const { return pg_ ? 6u : 5u; }

  bool pg_ = false;
  std::string path_, url_;
  std::unique_ptr<PgScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
  ReshapePlan plan_;
  std::unique_ptr<Logger> logger_;
};

// A second run of the same table while one is in its copy: refused at once
// (Timeout, exit code 7 in the CLI) naming the table, or, with a wait,
// served after the first finishes (then a no-op).
TEST_P(ReshapeUndoTest, SecondRunOfSameTableIsLockedOut) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 3000, 100).ok());
  std::mutex mu;
  std::condition_variable cv;
  bool in_copy = false, release = false;
  ReshapeOptions o;
  o.hook = [&](std::string_view point) {
    if (point != "step 5 begin") return;
    std::unique_lock<std::mutex> l(mu);
    in_copy = true;
    cv.notify_all();
    cv.wait(l, [&] { return release; });
  };
  auto db1 = Open();
  Result<ReshapeReport> first = Internal("not run");
  std::thread t([&] { first = Run(db1.get(), o); });
  {
    std::unique_lock<std::mutex> l(mu);
    ASSERT_TRUE(cv.wait_for(l, std::chrono::seconds(60), [&] { return in_copy; }));
  }
  auto db2 = Open();
  auto second = Run(db2.get());
  EXPECT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kTimeout) << second.status().ToString();
  EXPECT_NE(second.status().message().find("\"chunks\" is being reshaped"), std::string::npos)
      << second.status().message();
  // Rollback and abort of the same table are locked out too.
  auto rb = RollbackReshape(db2.get(), Env::Default(), logger_.get(), "chunks");
  EXPECT_EQ(rb.status().code(), Code::kTimeout) << rb.status().ToString();
  auto ab = AbortReshape(db2.get(), Env::Default(), logger_.get(), "chunks");
  EXPECT_EQ(ab.status().code(), Code::kTimeout) << ab.status().ToString();
  // With a wait: blocks until the first run is done, then finds it done.
  Result<ReshapeReport> waited = Internal("not run");
  std::thread t2([&] {
    ReshapeOptions w;
    w.run_lock_wait = std::chrono::seconds(120);
    waited = Run(db2.get(), w);
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(300));
  {
    std::lock_guard<std::mutex> l(mu);
    release = true;
  }
  cv.notify_all();
  t.join();
  t2.join();
  ASSERT_TRUE(first.ok()) << first.status().ToString() << logger_->Captured();
  ASSERT_TRUE(waited.ok()) << waited.status().ToString();
  EXPECT_TRUE(waited->no_op);
  ExpectSameRows(db_.get(), pg_, first->old_table);
}

// A run that failed in the copy is aborted: new table, triggers gone, the
// old table exactly as it was; then the fixed plan runs from scratch.
TEST_P(ReshapeUndoTest, AbortAfterFailedRunThenRunAgain) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 2000, 100).ok());
  auto before = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(before.ok());
  const std::string good_select = plan_.select;
  plan_.select = pg_ ? "id, collection_id, document_id, chunk_index, content, created_at,"
                       " CASE WHEN id = 1700 THEN NULL ELSE abs(hashtext(collection_id::text)) % 100 END"
                     : "id, collection_id, document_id, chunk_index, content, length(content),"
                       " CASE WHEN id = 1700 THEN NULL ELSE collection_id % 100 END";
  auto r = Run(db_.get());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("id=1700"), std::string::npos) << r.status().message();
  EXPECT_GT(Triggers(), 0);
  ASSERT_TRUE(*db_->TableExists("chunks_new"));
  // A changed plan cannot resume the failed run: the message says abort.
  plan_.select = good_select;
  plan_.checksum = "changed";
  auto changed = Run(db_.get());
  ASSERT_FALSE(changed.ok());
  EXPECT_NE(changed.status().message().find("ferry reshape abort chunks"), std::string::npos)
      << changed.status().message();

  auto ab = AbortReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
  ASSERT_TRUE(ab.ok()) << ab.status().ToString();
  EXPECT_EQ(ab->dropped_table, "chunks_new");
  EXPECT_EQ(ab->step, 4);
  EXPECT_FALSE(*db_->TableExists("chunks_new"));
  if (pg_) {
    EXPECT_FALSE(*db_->TableExists("chunks_new_p7"));
  }
  EXPECT_EQ(Triggers(), 0);
  auto after = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*before, *after);
  EXPECT_EQ(Columns("chunks"), OldShape());
  auto states = ListReshapeStates(db_.get());
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ(states->front().status, "aborted");
  // Nothing left to abort.
  auto again = AbortReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
  EXPECT_EQ(again.status().code(), Code::kNotFound) << again.status().ToString();

  auto ok = Run(db_.get());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_FALSE(ok->resumed);
  ExpectSameRows(db_.get(), pg_, ok->old_table);
  // A swapped run is not aborted: that is rollback's job.
  auto done = AbortReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
  EXPECT_EQ(done.status().code(), Code::kFailedPrecondition) << done.status().ToString();
  EXPECT_NE(done.status().message().find("rollback"), std::string::npos);
}

// An interrupted copy (stopped between batches) is aborted the same way.
TEST_P(ReshapeUndoTest, AbortInterruptedCopy) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 3000, 100).ok());
  auto before = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(before.ok());
  ReshapeOptions o;
  int batches = 0;
  o.hook = [&](std::string_view p) {
    if (p == "batch" && ++batches == 2) throw std::runtime_error("interrupted");
  };
  EXPECT_THROW((void)Run(db_.get(), o), std::runtime_error);
  if (db_->InTransaction()) {
    ASSERT_TRUE(db_->Rollback().ok());
  }
  auto ab = AbortReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
  ASSERT_TRUE(ab.ok()) << ab.status().ToString();
  EXPECT_EQ(ab->step, 4);
  EXPECT_FALSE(*db_->TableExists("chunks_new"));
  EXPECT_EQ(Triggers(), 0);
  auto after = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*before, *after);
}

// run -> rollback -> run -> rollback -> run: the set-aside table's partition
// and index names never collide with the plan's.
TEST_P(ReshapeUndoTest, RunRollbackRunAgain) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 2000, 100).ok());
  auto before = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(before.ok());
  for (int round = 0; round < 2; ++round) {
    auto r = Run(db_.get());
    ASSERT_TRUE(r.ok()) << "round " << round << ": " << r.status().ToString();
    ExpectSameRows(db_.get(), pg_, r->old_table);
    auto rb = RollbackReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
    ASSERT_TRUE(rb.ok()) << "round " << round << ": " << rb.status().ToString();
    EXPECT_EQ(rb->method, "swap back");
    EXPECT_TRUE(*db_->TableExists(rb->set_aside));
    auto after = ComputeTableChecksum(db_.get(), "chunks");
    ASSERT_TRUE(after.ok());
    EXPECT_EQ(*before, *after);
    EXPECT_EQ(Columns("chunks"), OldShape());
    // No pause: rounds within one second get "_2" names, not collisions.
  }
  auto last = Run(db_.get());
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ExpectSameRows(db_.get(), pg_, last->old_table);
}

// Disk full in the copy (SQLite: max_page_count gives a real SQLITE_FULL):
// stops before the swap with a clear error, the old table intact; with the
// space back a rerun resumes from the checkpoint and completes.
TEST_P(ReshapeUndoTest, DiskFullStopsBeforeSwapAndRerunCompletes) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 20000, 100).ok());
  auto before = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(before.ok());
  std::unique_ptr<SmallTablespace> space;
  if (pg_) {
    // The new table (and so its partitions) lives on a 2 MB tmpfs: a real
    // "No space left on device" (SQLSTATE 53100) halfway through the copy.
    space = SmallTablespace::Create(db_.get(), "2m");
    ASSERT_NE(space, nullptr);
    plan_.ddl += " TABLESPACE " + space->name;
  } else {
    const int64_t pages = Count("PRAGMA page_count");
    ASSERT_GT(pages, 100);
    // Room for the snapshot (one more table's worth) and half of the copy.
    ASSERT_TRUE(db_->Exec("PRAGMA max_page_count = " + std::to_string(pages * 5 / 2)).ok());
  }
  auto r = Run(db_.get());
  ASSERT_FALSE(r.ok()) << "the copy fit";
  EXPECT_EQ(r.status().code(), Code::kIOError) << r.status().ToString();
  EXPECT_NE(r.status().message().find("full"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("stopped before the swap"), std::string::npos)
      << r.status().message();
  EXPECT_NE(r.status().message().find("rerun"), std::string::npos) << r.status().message();
  EXPECT_EQ(Columns("chunks"), OldShape());
  auto mid = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(mid.ok());
  EXPECT_EQ(*before, *mid);
  auto states = ListReshapeStates(db_.get());
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ(states->front().step, 4) << "stopped in the copy";
  EXPECT_GT(states->front().rows_copied, 0);
  // Space freed.
  if (pg_) {
    ASSERT_TRUE(space->Grow("64m"));
  } else {
    ASSERT_TRUE(db_->Exec("PRAGMA max_page_count = 1073741823").ok());
  }
  auto again = Run(db_.get());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->resumed);
  ExpectSameRows(db_.get(), pg_, again->old_table);
  auto old = ComputeTableChecksum(db_.get(), again->old_table);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(before->checksum, old->checksum);
  if (space) {
    // Empty the tablespace so it can be dropped (the reshaped table is on it).
    auto dropped = db_->Exec("DROP TABLE chunks CASCADE");  // CASCADE: its sequence
    ASSERT_TRUE(dropped.ok()) << dropped.ToString();
  }
}

// Two swaps of one table within the same second (the clock stands still):
// the second kept old table gets its own name instead of failing the swap
// on "<table>_old_<timestamp>" already existing.
TEST_P(ReshapeUndoTest, TwoSwapsInOneSecondKeepBothOldTables) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 2000, 100).ok());
  ManualClockEnv clock;
  auto first = RunReshape(db_.get(), &clock, logger_.get(), plan_, {});
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  // A second plan on the reshaped table, its objects named apart from the
  // first plan's (which now belong to the live table).
  ReshapePlan second = plan_;
  second.name = "chunks-again";
  second.new_table = "chunks_v2";
  second.checksum = "second plan";
  for (auto& ix : second.indexes) {
    auto pos = ix.find("chunks_new_");
    if (pos != std::string::npos) ix.replace(pos, 11, "chunks_v2_");
  }
  auto again = RunReshape(db_.get(), &clock, logger_.get(), second, {});
  ASSERT_TRUE(again.ok()) << again.status().ToString() << logger_->Captured();
  EXPECT_NE(first->old_table, again->old_table);
  EXPECT_EQ(again->old_table, first->old_table + "_2");
  EXPECT_TRUE(*db_->TableExists(first->old_table));
  EXPECT_TRUE(*db_->TableExists(again->old_table));
  EXPECT_EQ(Columns(first->old_table), OldShape());
  EXPECT_EQ(Count("SELECT count(*) FROM chunks"), 2000);
  EXPECT_EQ(Count("SELECT count(*) FROM \"" + again->old_table + "\""), 2000);
  // Rolling back the second swap finds its own old table.
  auto rb = RollbackReshape(db_.get(), &clock, logger_.get(), "chunks");
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(rb->method, "swap back");
  EXPECT_EQ(rb->restored_from, again->old_table);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReshapeUndoTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace ferry::testing
