// ferry reshape end to end: a writer at full speed during the whole reshape,
// bad keys, a failing mapping, bad plans, rollback round trip. Each test runs
// on SQLite and, when FERRY_TEST_PG_URL is set, PostgreSQL (100 partitions).
#include "integration/reshape/reshape_harness.h"

#include <chrono>
#include <thread>

#include "jobs/backup/table_checksum.h"

namespace ferry::testing {
namespace {

class ReshapeTest : public ::testing::TestWithParam<bool> {
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
      path_ = "/tmp/ferry_reshape_" + std::to_string(::getpid()) + ".db";
      std::remove(path_.c_str());
      url_ = "sqlite://" + path_;
    }
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(*db);
    auto plan = ParseReshapePlan(
        WithBatch(ReadExample(pg_ ? "chunks.toml" : "chunks_sqlite.toml"), 1000), "plan.toml");
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    plan_ = *plan;
    logger_ = Logger::Capturing({});
  }
  void TearDown() override {
    db_.reset();
    if (!path_.empty()) {
      for (const char* s : {"", "-wal", "-shm"}) std::remove((path_ + s).c_str());
    }
  }
  Result<ReshapeReport> Run(ReshapeOptions o = {}) {
    return RunReshape(db_.get(), Env::Default(), logger_.get(), plan_, o);
  }

  bool pg_ = false;
  std::string path_, url_;
  std::unique_ptr<PgScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
  ReshapePlan plan_;
  std::unique_ptr<Logger> logger_;

  void WriterDuringWholeReshape(CopyLock copy_lock);
};

void ReshapeTest::WriterDuringWholeReshape(CopyLock copy_lock) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 20000, 500).ok());
  std::atomic<bool> stop{false};
  std::atomic<int64_t> ops{0}, errors{0};
  std::thread w(Writer, url_, &stop, &ops, &errors, 42);
  // The reshape starts once the writer is writing, so it is there from step 1
  // even when the whole run takes a few milliseconds.
  for (int i = 0; i < 2000 && ops.load() == 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const int64_t ops_at_start = ops.load();
  if (ops_at_start == 0) {
    stop = true;
    w.join();
    FAIL() << "the writer did not start writing within 20 s";
  }
  ReshapeOptions o;
  o.copy_lock = copy_lock;
  // The writer runs through steps 1-7 and stops right before the swap, so
  // the kept old table is exactly what the live table would hold.
  o.hook = [&](std::string_view point) {
    if (point == "step 7 done") {
      stop = true;
      w.join();
    }
  };
  auto r = Run(o);
  if (!stop) {
    stop = true;
    w.join();
  }
  ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << logger_->Captured();
  EXPECT_GT(ops.load(), ops_at_start) << "the writer did not write during the reshape";
  EXPECT_FALSE(r->backup_name.empty());
  ASSERT_TRUE(r->verify.has_value());
  if (pg_) {
    ASSERT_TRUE(r->verify->distribution.has_value());
    EXPECT_EQ(r->verify->distribution->partitions, 100);
    EXPECT_TRUE(r->verify->distribution->empty.empty());
  }
  ExpectSameRows(db_.get(), pg_, r->old_table);
  // Same plan again: a no-op.
  auto again = Run();
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->no_op);
}

TEST_P(ReshapeTest, WriterDuringWholeReshapeLosesNothing) {
  WriterDuringWholeReshape(CopyLock::kRows);
}

// --copy-lock table: SHARE lock per batch and a plain INSERT (PostgreSQL).
TEST_P(ReshapeTest, WriterDuringTableLockedCopyLosesNothing) {
  WriterDuringWholeReshape(CopyLock::kTable);
}

TEST_P(ReshapeTest, RollbackRoundTrip) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 3000, 50).ok());
  plan_.allow_empty_partitions = true;  // 50 collections fill at most 50 partitions
  auto before = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(before.ok());
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto rb = RollbackReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
  ASSERT_TRUE(rb.ok()) << rb.status().ToString();
  EXPECT_EQ(rb->method, "swap back");
  auto after = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(after.ok());
  EXPECT_EQ(*before, *after);
  auto cols = TableColumns(db_.get(), "chunks");
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->size(), pg_ ? 6u : 5u);  // the old shape
  // Old table gone: restore from the snapshot instead. The set-aside table
  // stays: its partitions and indexes were renamed out of the plan's way.
  EXPECT_TRUE(*db_->TableExists(rb->set_aside));
  auto r2 = RunReshape(db_.get(), Env::Default(), logger_.get(), plan_, {});
  ASSERT_TRUE(r2.ok()) << r2.status().ToString();
  ASSERT_TRUE(db_->Exec("DROP TABLE \"" + r2->old_table + "\"").ok());
  auto rb2 = RollbackReshape(db_.get(), Env::Default(), logger_.get(), "chunks");
  ASSERT_TRUE(rb2.ok()) << rb2.status().ToString();
  EXPECT_EQ(rb2->method, "restore snapshot");
  auto after2 = ComputeTableChecksum(db_.get(), "chunks");
  ASSERT_TRUE(after2.ok());
  EXPECT_EQ(before->rows, after2->rows);
  EXPECT_EQ(before->checksum, after2->checksum);
}

TEST_P(ReshapeTest, DuplicateKeyStopsAtPreCheck) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE chunks (id INTEGER, collection_id INTEGER NOT NULL,"
                        " document_id INTEGER NOT NULL, chunk_index INTEGER NOT NULL,"
                        " content TEXT NOT NULL" + std::string(pg_ ? ", created_at timestamptz DEFAULT now()" : "") + ")").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO chunks (id, collection_id, document_id, chunk_index, content)"
                        " VALUES (1, 1, 1, 0, 'a'), (7, 1, 1, 1, 'b'), (7, 2, 2, 0, 'c')").ok());
  if (pg_) {
    ASSERT_TRUE(db_->Exec("CREATE SEQUENCE chunks_id_seq").ok());
  }
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("id=7"), std::string::npos) << r.status().message();
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE content = 'c'").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO chunks (id, collection_id, document_id, chunk_index, content)"
                        " VALUES (NULL, 3, 3, 0, 'n')").ok());
  auto n = Run();
  ASSERT_FALSE(n.ok());
  EXPECT_NE(n.status().message().find("NULL"), std::string::npos) << n.status().message();
}

TEST_P(ReshapeTest, FailingMappingNamesTheRowAndStopsBeforeSwap) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 2500, 20).ok());
  // content_len / shard NOT NULL: a NULL from the mapping on one row fails.
  plan_.select = pg_ ? "id, collection_id, document_id, chunk_index, content, created_at,"
                       " CASE WHEN id = 1234 THEN NULL ELSE abs(hashtext(collection_id::text)) % 100 END"
                     : "id, collection_id, document_id, chunk_index, content, length(content),"
                       " CASE WHEN id = 1234 THEN NULL ELSE collection_id % 100 END";
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("id=1234"), std::string::npos) << r.status().message();
  auto cols = TableColumns(db_.get(), "chunks");
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->size(), pg_ ? 6u : 5u) << "swapped despite the failure";
  auto states = ListReshapeStates(db_.get());
  ASSERT_TRUE(states.ok());
  ASSERT_EQ(states->size(), 1u);
  EXPECT_EQ(states->front().status, "failed");
}

TEST_P(ReshapeTest, MissingColumnInPlan) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 10, 2).ok());
  plan_.select = "id, no_such_column, document_id";
  auto r = Run();
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("no_such_column"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("plan.toml"), std::string::npos);
}

TEST_P(ReshapeTest, EmptyTableNeedsNoBackup) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 0, 1).ok());
  auto r = Run();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->backup_name.empty());
}

// Verify compares the mapped old rows with the new table: a row changed in
// the new table behind the capture trigger's back stops the run before the
// swap (Corruption, the checksums named).
TEST_P(ReshapeTest, VerifyCatchesARowChangedInTheNewTable) {
  ASSERT_TRUE(FillChunks(db_.get(), pg_, 3000, 500).ok());
  ReshapeOptions o;
  o.hook = [&](std::string_view point) {
    if (point == "step 6 begin") {
      ASSERT_TRUE(db_->Exec("UPDATE chunks_new SET content = content || 'x' WHERE id = 777").ok());
    }
  };
  auto r = Run(o);
  ASSERT_FALSE(r.ok()) << "verify missed a changed row";
  EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find("checksum"), std::string::npos) << r.status().message();
  if (pg_) {
    EXPECT_NE(r.status().message().find("pg-rowhash:"), std::string::npos) << r.status().message();
  }
  auto cols = TableColumns(db_.get(), "chunks");
  ASSERT_TRUE(cols.ok());
  EXPECT_EQ(cols->size(), pg_ ? 6u : 5u) << "swapped despite the difference";
}

// A column type without a hash function (PostgreSQL json): verify hashes
// the rows' text form instead, and still catches a changed row.
TEST_P(ReshapeTest, VerifyWithoutHashFunctionUsesRowText) {
  const std::string plan_text = std::string(R"(table = "docs"
key = ["id"]
new_table = "docs_new"
batch_size = 300
select = "id, meta, id % 7 AS shard"
ddl = ")") + (pg_ ? "CREATE TABLE {new} (id bigint PRIMARY KEY, meta json NOT NULL, shard integer NOT NULL)"
                  : "CREATE TABLE {new} (id INTEGER PRIMARY KEY, meta TEXT NOT NULL, shard INTEGER NOT NULL)") +
                                 "\"\n";
  auto plan = ParseReshapePlan(plan_text, "docs.toml");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  plan_ = *plan;
  if (pg_) {
    ASSERT_TRUE(db_->Exec("CREATE TABLE docs (id bigint PRIMARY KEY, meta json NOT NULL)").ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO docs SELECT g, json_build_object('g', g, 'tags', json_build_array(g % 3, 'x'))"
                          " FROM generate_series(1, 1000) g").ok());
  } else {
    ASSERT_TRUE(db_->Exec("CREATE TABLE docs (id INTEGER PRIMARY KEY, meta TEXT NOT NULL)").ok());
    ASSERT_TRUE(db_->Exec("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < 1000)"
                          " INSERT INTO docs SELECT x, json_object('g', x) FROM g").ok());
  }
  ReshapeOptions o;
  o.hook = [&](std::string_view point) {
    if (point == "step 6 begin") {
      ASSERT_TRUE(db_->Exec("UPDATE docs_new SET meta = '{\"g\": 5}' WHERE id = 500").ok());
    }
  };
  auto bad = Run(o);
  ASSERT_FALSE(bad.ok()) << "verify missed a changed json value";
  EXPECT_EQ(bad.status().code(), Code::kCorruption) << bad.status().ToString();
  if (pg_) {
    EXPECT_NE(bad.status().message().find("pg-hash64sum:"), std::string::npos)
        << bad.status().message();
  }
  ASSERT_TRUE(AbortReshape(db_.get(), Env::Default(), logger_.get(), "docs").ok());
  auto good = Run();
  ASSERT_TRUE(good.ok()) << good.status().ToString();
  ASSERT_TRUE(good->verify.has_value());
  EXPECT_EQ(good->verify->new_rows, 1000);
  if (pg_) {
    EXPECT_EQ(good->verify->new_checksum.rfind("pg-hash64sum:", 0), 0u) << good->verify->new_checksum;
  }
  EXPECT_EQ(good->verify->old_checksum, good->verify->new_checksum);
}

// --copy-lock rows first copies a batch with a plain INSERT that skips the
// keys the capture trigger wrote before the statement began. A writer that
// commits while the batch waits for its row lock leaves a trigger row the
// batch could not see: the plain INSERT then fails on the unique key and the
// batch is redone with ON CONFLICT DO NOTHING, keeping the writer's version.
// PostgreSQL only (SQLite batches exclude writers altogether).
TEST(ReshapeRowsCopy, WriterCommittingDuringABatchIsRetriedWithOnConflict) {
  std::string admin;
  FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
  auto scratch = PgScratchDatabase::Create(admin);
  ASSERT_TRUE(scratch.ok()) << scratch.status().ToString();
  auto open = [&] { return OpenDatabase((*scratch)->url(), Env::Default()); };
  auto db = open(), writer = open(), watcher = open();
  ASSERT_TRUE(db.ok() && writer.ok() && watcher.ok());
  ASSERT_TRUE(FillChunks(db->get(), true, 3000, 100).ok());
  auto plan = ParseReshapePlan(WithBatch(ReadExample("chunks.toml"), 500), "plan.toml");
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  plan->allow_empty_partitions = true;
  auto logger = Logger::Capturing({});

  std::thread committer;
  std::atomic<bool> saw_wait{false};
  int batches = 0;
  ReshapeOptions o;
  o.copy_lock = CopyLock::kRows;
  o.hook = [&](std::string_view point) {
    if (point != "batch" || ++batches != 1) return;
    // Batch 2 covers ids 501..1000: hold an update of 700 open (its trigger
    // row in chunks_new uncommitted), commit it once the batch waits for it.
    ASSERT_TRUE((*writer)->Begin().ok());
    ASSERT_TRUE((*writer)->Exec("UPDATE chunks SET content = 'held', collection_id = 7"
                                " WHERE id = 700").ok());
    committer = std::thread([&] {
      for (int i = 0; i < 6000 && !saw_wait; ++i) {
        auto r = (*watcher)->Query("SELECT count(*) FROM pg_stat_activity WHERE"
                                   " wait_event_type = 'Lock' AND query LIKE 'INSERT INTO \"chunks_new\"%'",
                                   {});
        if (r.ok() && r->GetInt(0, 0).value_or(0) > 0) saw_wait = true;
        else std::this_thread::sleep_for(std::chrono::milliseconds(10));
      }
      (void)(*writer)->Commit();
    });
  };
  auto r = RunReshape(db->get(), Env::Default(), logger.get(), *plan, o);
  if (committer.joinable()) committer.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << logger->Captured();
  EXPECT_TRUE(saw_wait) << "the batch never waited for the writer's row";
  EXPECT_NE(logger->Captured().find("retrying it with ON CONFLICT"), std::string::npos)
      << logger->Captured();
  auto row = (*db)->Query("SELECT content, collection_id FROM chunks WHERE id = 700", {});
  ASSERT_TRUE(row.ok() && row->size() == 1);
  EXPECT_EQ(row->GetText(0, 0).value_or(""), "held");
  EXPECT_EQ(row->GetInt(0, 1).value_or(-1), 7);
  EXPECT_EQ((*db)->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0).value_or(-1), 3000);
  ExpectSameRows(db->get(), true, r->old_table);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReshapeTest, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace ferry::testing
