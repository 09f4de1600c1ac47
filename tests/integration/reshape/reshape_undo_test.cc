// ferry reshape safety around a run: the per-table lock (two runs never at
// once), abort of an unfinished run, run -> rollback -> run again (no name
// collisions), and disk full (SQLite max_page_count: a real SQLITE_FULL).
// Each test runs on SQLite and, when FERRY_TEST_PG_URL is set, PostgreSQL.
#include <condition_variable>
#include <mutex>

#include "integration/reshape/reshape_harness.h"
#include "jobs/backup/table_checksum.h"

namespace ferry::testing {
namespace {

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
    // Tables named within a second of each other would collide by name.
    std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  }
  auto last = Run(db_.get());
  ASSERT_TRUE(last.ok()) << last.status().ToString();
  ExpectSameRows(db_.get(), pg_, last->old_table);
}

// Disk full in the copy (SQLite: max_page_count gives a real SQLITE_FULL):
// stops before the swap with a clear error, the old table intact; with the
// space back a rerun resumes from the checkpoint and completes.
TEST_P(ReshapeUndoTest, DiskFullStopsBeforeSwapAndRerunCompletes) {
  if (pg_) GTEST_SKIP() << "disk full is simulated with SQLite's max_page_count";
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 20000, 100).ok());
  auto before = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(before.ok());
  const int64_t pages = Count("PRAGMA page_count");
  ASSERT_GT(pages, 100);
  // Room for the snapshot (one more table's worth) and half of the copy.
  ASSERT_TRUE(db_->Exec("PRAGMA max_page_count = " + std::to_string(pages * 5 / 2)).ok());
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
  ASSERT_TRUE(db_->Exec("PRAGMA max_page_count = 1073741823").ok());
  auto again = Run(db_.get());
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->resumed);
  ExpectSameRows(db_.get(), pg_, again->old_table);
  auto old = ComputeTableChecksum(db_.get(), again->old_table);
  ASSERT_TRUE(old.ok());
  EXPECT_EQ(before->checksum, old->checksum);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReshapeUndoTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace ferry::testing
