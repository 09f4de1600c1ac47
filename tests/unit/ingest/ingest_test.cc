// RunIngest against an in-memory store (with injected GET/DELETE failures)
// and a real SQLite file (optionally failing the Nth commit).
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <thread>

#include "fake_blob_store.h"
#include "fake_database.h"
#include "narinfo_v1_upgrade.h"
#include "ferry/read_through.h"
#include "jobs/ingest/ingest.h"
#include "jobs/ingest/record_writer.h"
#include "store/codecs/codec.h"
#include "lock/local/local_lock.h"
#include "store/codecs/narinfo.h"
#include "store/codecs/narinfo_generator.h"

namespace ferry {
namespace {

using testing::FailingDatabase;
using testing::FakeBlobStore;

class IngestTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ferry-ingest-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
    db_url_ = "sqlite:" + dir_ + "/db.sqlite";
    LoggerOptions lo;
    lo.min_level = LogLevel::kDebug;
    logger_ = Logger::Capturing(lo);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  // n good narinfos (seeds 0..n-1) and `bad` malformed ones, plus a non-narinfo.
  void Fill(int n, int bad = 0) {
    for (int i = 0; i < n; ++i) {
      NarInfo info = GenerateNarInfo(static_cast<uint64_t>(i));
      ASSERT_TRUE(store_.Put(NarInfoObjectKey(info.hash), GenerateNarInfoText(i), {}).ok());
    }
    for (int i = 0; i < bad; ++i) {
      ASSERT_TRUE(store_.Put("store/narinfo/bad/" + std::to_string(i) + ".narinfo",
                             GenerateMalformedNarInfo(i).text, {})
                      .ok());
    }
    ASSERT_TRUE(store_.Put("nix-cache-info", "StoreDir: /nix/store\n", {}).ok());
  }

  IngestReport Run(IngestOptions o = {}, Lock* lock = nullptr,
                   std::function<Result<std::unique_ptr<Database>>()> open = {}) {
    o.database_url = db_url_;
    o.source_url = "fake://";
    o.flush_interval = std::chrono::milliseconds(20);
    IngestDeps deps;
    deps.logger = logger_.get();
    deps.metrics = &metrics_;
    deps.store = &store_;
    deps.lock = lock;
    deps.open_database = std::move(open);
    auto r = RunIngest(o, deps);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? *r : IngestReport{};
  }

  int64_t Count(const std::string& table) {
    auto db = OpenDatabase(db_url_, Env::Default());
    EXPECT_TRUE(db.ok());
    auto rows = (*db)->Query("SELECT COUNT(*) FROM " + table, {});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->GetInt(0, 0).value_or(-1) : -1;
  }

  int64_t ExpectedRefs(int n) {
    int64_t refs = 0;
    for (int i = 0; i < n; ++i) refs += GenerateNarInfo(i).references.size();
    return refs;
  }

  std::string dir_, db_url_;
  std::unique_ptr<Logger> logger_;
  MetricsRegistry metrics_;
  FakeBlobStore store_;
};

TEST_F(IngestTest, MigratesGoodCountsBadAndIsIdempotent) {
  Fill(120, 4);
  IngestOptions o;
  o.batch_size = 16;
  IngestReport r = Run(o);
  EXPECT_TRUE(r.fatal.ok());
  EXPECT_EQ(r.progress.found, 124u);  // nix-cache-info is not a narinfo
  EXPECT_EQ(r.progress.processed, 124u);
  EXPECT_EQ(r.progress.succeeded, 120u);
  EXPECT_EQ(r.progress.failed, 4u);
  EXPECT_EQ(r.progress.skipped, 0u);
  EXPECT_FALSE(r.clean());
  EXPECT_EQ(Count("narinfos"), 120);
  EXPECT_EQ(Count("narinfo_references"), ExpectedRefs(120));
  // Errors name the object and the line.
  std::string log = logger_->Captured();
  EXPECT_NE(log.find("store/narinfo/bad/0.narinfo:"), std::string::npos) << log;
  EXPECT_NE(log.find("migration completed found=124 processed=124 succeeded=120 failed=4 skipped=0"),
            std::string::npos)
      << log;
  std::string text = metrics_.TextExposition();
  EXPECT_NE(text.find("ferry_migration_items_total{operation=\"migrate\",result=\"success\"} 120"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("ferry_migration_batch_size_count"), std::string::npos);
  EXPECT_NE(text.find("ferry_migration_duration_seconds_count"), std::string::npos);

  IngestReport again = Run(o);
  EXPECT_EQ(again.progress.succeeded, 0u);
  EXPECT_EQ(again.progress.skipped, 120u);
  EXPECT_EQ(again.progress.failed, 4u);
  EXPECT_EQ(Count("narinfos"), 120);
  EXPECT_EQ(Count("narinfo_references"), ExpectedRefs(120));
}

TEST_F(IngestTest, DeleteSourceDeletesOnlyCommittedObjects) {
  Fill(50, 2);
  store_.fail_get_n = 7;  // one object cannot be fetched this run
  IngestOptions o;
  o.delete_source = true;
  o.batch_size = 8;
  IngestReport r = Run(o);
  EXPECT_EQ(r.progress.succeeded, 49u);
  EXPECT_EQ(r.progress.failed, 3u);
  EXPECT_EQ(r.deleted, 49u);
  // Left: 2 malformed, 1 unfetched, nix-cache-info.
  EXPECT_EQ(store_.Size(), 4u);
  EXPECT_TRUE(store_.Has("store/narinfo/bad/0.narinfo"));
  EXPECT_TRUE(store_.Has("nix-cache-info"));
  EXPECT_EQ(Count("narinfos"), 49);

  IngestReport r2 = Run(o);
  EXPECT_EQ(r2.progress.succeeded, 1u);
  EXPECT_EQ(r2.progress.failed, 2u);
  EXPECT_EQ(store_.Size(), 3u);
  EXPECT_EQ(Count("narinfos"), 50);
}

TEST_F(IngestTest, FailedDeleteIsRetriedByReRun) {
  Fill(20);
  store_.fail_delete_n = 3;
  IngestOptions o;
  o.delete_source = true;
  IngestReport r = Run(o);
  EXPECT_EQ(r.progress.succeeded, 20u);
  EXPECT_EQ(r.deleted, 19u);
  EXPECT_EQ(r.delete_failed, 1u);
  EXPECT_FALSE(r.clean());
  EXPECT_EQ(store_.Size(), 2u);  // the one + nix-cache-info
  IngestReport r2 = Run(o);
  EXPECT_EQ(r2.progress.skipped, 1u);  // rows already there...
  EXPECT_EQ(r2.deleted, 1u);           // ...so the object is deleted now
  EXPECT_TRUE(r2.clean());
  EXPECT_EQ(store_.Size(), 1u);
}

TEST_F(IngestTest, StatementErrorOnCommitFailsNothingAfterPerObjectRetry) {
  Fill(30);
  std::atomic<int> commits{0};
  // Commit 1 is the schema; commit 2 is the first batch: fails once, then
  // every object is retried alone and lands.
  auto open = [&]() -> Result<std::unique_ptr<Database>> {
    FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase(db_url_, Env::Default()));
    return std::unique_ptr<Database>(new FailingDatabase(std::move(db), &commits, 2,
                                                         ExecutionFailed("sqlite: constraint")));
  };
  IngestOptions o;
  o.batch_size = 10;
  IngestReport r = Run(o, nullptr, open);
  EXPECT_TRUE(r.fatal.ok());
  EXPECT_EQ(r.progress.succeeded, 30u);
  EXPECT_EQ(Count("narinfos"), 30);
}

TEST_F(IngestTest, FatalCommitStopsRunDeletesNothingUncommittedAndReRunCompletes) {
  Fill(100);
  std::atomic<int> commits{0};
  auto open = [&]() -> Result<std::unique_ptr<Database>> {
    FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase(db_url_, Env::Default()));
    return std::unique_ptr<Database>(
        new FailingDatabase(std::move(db), &commits, 3, IOError("sqlite: disk I/O error")));
  };
  IngestOptions o;
  o.batch_size = 10;
  o.delete_source = true;
  IngestReport r = Run(o, nullptr, open);
  EXPECT_EQ(r.fatal.code(), Code::kIOError) << r.fatal.ToString();
  int64_t rows = Count("narinfos");
  EXPECT_LT(rows, 100);
  // Every object whose rows are missing is still in the store.
  EXPECT_EQ(static_cast<int64_t>(store_.Size()) - 1, 100 - rows);
  EXPECT_EQ(r.deleted, static_cast<uint64_t>(rows));

  IngestReport r2 = Run(o);
  EXPECT_TRUE(r2.clean());
  EXPECT_EQ(Count("narinfos"), 100);
  EXPECT_EQ(store_.Size(), 1u);
}

// Issue 3, "the disk fills": SQLite's max_page_count on the writer
// connection gives a real SQLITE_FULL part-way through the run.
TEST_F(IngestTest, DatabaseFullRollsBackTheBatchCountsItFailedAndReRunCompletes) {
  const int n = 400;
  Fill(n);
  auto full_at_80_pages = [&]() -> Result<std::unique_ptr<Database>> {
    FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase(db_url_, Env::Default()));
    FERRY_RETURN_IF_ERROR(db->Exec("PRAGMA max_page_count=80"));  // 320 KB at 4 KB pages
    return db;
  };
  IngestOptions o;
  o.batch_size = 25;
  o.concurrency = 2;
  o.delete_source = true;
  IngestReport r = Run(o, nullptr, full_at_80_pages);
  ASSERT_FALSE(r.fatal.ok());
  EXPECT_EQ(r.fatal.code(), Code::kIOError) << r.fatal.ToString();
  EXPECT_NE(r.fatal.message().find("the database is full"), std::string::npos) << r.fatal.ToString();
  EXPECT_NE(r.fatal.message().find("disk is full"), std::string::npos) << r.fatal.ToString();
  EXPECT_FALSE(r.clean());

  const int64_t rows = Count("narinfos");
  EXPECT_GT(rows, 0);
  EXPECT_LT(rows, n);
  EXPECT_EQ(r.progress.succeeded, static_cast<uint64_t>(rows));
  EXPECT_GE(r.progress.failed, 1u);   // the rolled-back batch
  EXPECT_LE(r.progress.failed, 25u);  // ...and nothing else
  // Only committed objects were deleted; every other one is still there.
  EXPECT_EQ(r.deleted, static_cast<uint64_t>(rows));
  EXPECT_EQ(static_cast<int64_t>(store_.Size()) - 1, n - rows);
  // The batch left nothing behind: every reference belongs to a committed
  // narinfo and every committed narinfo has all of its references.
  {
    auto db = OpenDatabase(db_url_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto hashes = (*db)->Query("SELECT hash FROM narinfos", {});
    ASSERT_TRUE(hashes.ok());
    std::map<std::string, size_t> refs_of;
    for (int i = 0; i < n; ++i) {
      NarInfo info = GenerateNarInfo(i);
      refs_of[info.hash] = info.references.size();
    }
    int64_t expected = 0;
    for (size_t i = 0; i < hashes->size(); ++i) expected += refs_of[*hashes->GetText(i, 0)];
    EXPECT_EQ(Count("narinfo_references"), expected);
  }

  // Space is freed (no page limit): the re-run completes, nothing lost or doubled.
  IngestReport r2 = Run(o);
  EXPECT_TRUE(r2.clean()) << r2.fatal.ToString();
  EXPECT_EQ(r2.progress.succeeded, static_cast<uint64_t>(n - rows));
  EXPECT_EQ(Count("narinfos"), n);
  EXPECT_EQ(Count("narinfo_references"), ExpectedRefs(n));
  EXPECT_EQ(store_.Size(), 1u);  // nix-cache-info
}

// Issue 3: "concurrent writers racing on one key are counted as skipped, not
// failed". Two writers on their own connections write the same 120 objects
// in opposite orders, in batches, at once.
TEST_F(IngestTest, WritersRacingOnTheSameKeysCountSkippedNotFailed) {
  Run({});  // creates the codec tables
  auto codec = MakeCodec("narinfo");
  ASSERT_TRUE(codec.ok());
  const int n = 120;
  std::vector<std::vector<Record>> objects(n);
  for (int i = 0; i < n; ++i) {
    NarInfo info = GenerateNarInfo(i);
    ASSERT_TRUE((*codec)->Parse(NarInfoObjectKey(info.hash), GenerateNarInfoText(i), &objects[i]).ok());
  }
  std::atomic<int> inserted{0}, skipped{0}, failed{0}, fatal{0};
  auto writer = [&](bool reverse) {
    auto db = OpenDatabase(db_url_, Env::Default());
    if (!db.ok()) {
      fatal.fetch_add(1);
      return;
    }
    RecordWriter w(db->get(), codec->get());
    std::vector<std::vector<Record>> mine = objects;  // WriteBatch borrows records mutably
    for (int start = 0; start < n; start += 10) {
      std::vector<std::vector<Record>*> batch;
      for (int i = start; i < start + 10; ++i) batch.push_back(&mine[reverse ? n - 1 - i : i]);
      std::vector<WriteOutcome> outcomes;
      std::vector<Status> errors;
      if (!w.WriteBatch(batch, &outcomes, &errors).ok()) {
        fatal.fetch_add(1);
        return;
      }
      for (WriteOutcome oc : outcomes) {
        (oc == WriteOutcome::kInserted ? inserted : oc == WriteOutcome::kSkipped ? skipped : failed)
            .fetch_add(1);
      }
    }
  };
  std::thread a(writer, false), b(writer, true);
  a.join();
  b.join();
  EXPECT_EQ(fatal.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(inserted.load(), n);  // each key inserted by exactly one writer
  EXPECT_EQ(skipped.load(), n);   // and skipped by the other
  EXPECT_EQ(Count("narinfos"), n);
  EXPECT_EQ(Count("narinfo_references"), ExpectedRefs(n));
}

// The listing error names the store once (it used to say
// "cannot list file:///x: file:///x: listing: ...").
TEST_F(IngestTest, ListingErrorNamesTheStoreOnce) {
  IngestOptions o;
  o.database_url = db_url_;
  o.source_url = "file://" + dir_ + "/does-not-exist";
  IngestDeps deps;
  deps.logger = logger_.get();
  auto r = RunIngest(o, deps);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const std::string& m = r->fatal.message();
  const std::string store = "file://" + dir_ + "/does-not-exist";
  ASSERT_NE(m.find(store), std::string::npos) << m;
  EXPECT_EQ(m.find(store, m.find(store) + 1), std::string::npos) << m;
  EXPECT_EQ(m.rfind("cannot list the source: " + store, 0), 0u) << m;
}

TEST_F(IngestTest, DryRunWritesAndDeletesNothing) {
  Fill(25, 1);
  IngestOptions o;
  o.dry_run = true;
  o.delete_source = true;
  IngestReport r = Run(o);
  EXPECT_EQ(r.progress.succeeded, 25u);
  EXPECT_EQ(r.progress.failed, 1u);
  EXPECT_EQ(store_.Size(), 27u);
  auto db = OpenDatabase(db_url_, Env::Default());
  ASSERT_TRUE(db.ok());
  EXPECT_FALSE(*(*db)->TableExists("narinfos"));

  IngestOptions real;
  real.limit = 10;  // migrate the first 10 keys
  Run(real);
  IngestReport r2 = Run(o);
  EXPECT_EQ(r2.progress.skipped, 10u);
  EXPECT_EQ(r2.progress.succeeded, 15u);
  EXPECT_EQ(Count("narinfos"), 10);
}

TEST_F(IngestTest, ObjectHeldByAnotherWorkerIsSkipped) {
  Fill(10);
  LocalLock lock(Env::Default());
  std::string key = NarInfoObjectKey(GenerateNarInfo(3).hash);
  auto held = lock.Acquire(IngestLockKey(key), std::chrono::milliseconds(0), Deadline::Never());
  ASSERT_TRUE(held.ok());
  IngestReport r = Run({}, &lock);
  EXPECT_EQ(r.progress.succeeded, 9u);
  EXPECT_EQ(r.progress.skipped, 1u);
  EXPECT_EQ(r.locked_elsewhere, 1u);
  EXPECT_EQ(lock.HeldCount(), 1u);  // every lease of the run was released
}

TEST_F(IngestTest, SameRecordInTwoObjectsOfOneBatchIsWrittenOnce) {
  std::string text = GenerateNarInfoText(42);
  ASSERT_TRUE(store_.Put("a/copy1.narinfo", text, {}).ok());
  ASSERT_TRUE(store_.Put("b/copy2.narinfo", text, {}).ok());
  IngestReport r = Run({});
  EXPECT_EQ(r.progress.succeeded, 1u);
  EXPECT_EQ(r.progress.skipped, 1u);
  EXPECT_EQ(Count("narinfos"), 1);
}

TEST_F(IngestTest, HugeNarInfoWithThousandsOfReferences) {
  NarInfoGeneratorOptions g;
  g.min_references = 4500;
  g.max_references = 4500;
  NarInfo info = GenerateNarInfo(7, g);
  std::string text = RenderNarInfo(info);
  ASSERT_GT(text.size(), 200000u);
  ASSERT_TRUE(store_.Put(NarInfoObjectKey(info.hash), text, {}).ok());
  IngestReport r = Run({});
  EXPECT_EQ(r.progress.succeeded, 1u);
  EXPECT_EQ(Count("narinfo_references"), 4500);
}

TEST_F(IngestTest, ListingFailureIsFatal) {
  IngestOptions o;
  o.database_url = db_url_;
  o.source_url = "file://" + dir_ + "/does-not-exist";
  IngestDeps deps;
  deps.logger = logger_.get();
  auto r = RunIngest(o, deps);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->fatal.code(), Code::kNotFound) << r->fatal.ToString();
  EXPECT_NE(r->fatal.message().find("does-not-exist"), std::string::npos);
}

TEST_F(IngestTest, BadUrlsAreSetupErrors) {
  IngestOptions o;
  o.database_url = db_url_;
  o.source_url = "ftp://nowhere";
  IngestDeps deps;
  deps.logger = logger_.get();
  EXPECT_FALSE(RunIngest(o, deps).ok());
  o.source_url = "file://" + dir_;
  o.format = "nope";
  EXPECT_EQ(RunIngest(o, deps).status().code(), Code::kNotFound);
}

// A database filled by an older ferry (codec migration 1: children keyed by
// the hash text) is upgraded in place by the next run, keeps its rows, and
// the run skips what is there and adds the rest.
TEST_F(IngestTest, CodecMigration2UpgradesAVersion1DatabaseKeepingItsRows) {
  testing::FillAtMigration1(db_url_, 40);
  if (HasFatalFailure()) return;
  Fill(60);
  IngestOptions o;
  o.batch_size = 16;
  IngestReport r = Run(o);
  ASSERT_EQ(r.schema_applied.size(), 1u);
  EXPECT_NE(r.schema_applied[0].find("key_children_by_narinfo_id"), std::string::npos);
  EXPECT_EQ(r.progress.succeeded, 20u);
  EXPECT_EQ(r.progress.skipped, 40u);
  EXPECT_EQ(r.progress.failed, 0u);
  testing::ExpectNarInfosReadBack(db_url_, 60);
  IngestReport again = Run(o);
  EXPECT_TRUE(again.schema_applied.empty());
  EXPECT_EQ(again.progress.succeeded, 0u);
  EXPECT_EQ(again.progress.skipped, 60u);
  testing::ExpectNarInfosReadBack(db_url_, 60);
}

TEST_F(IngestTest, ReadThroughMigratesOnceUnderConcurrency) {
  std::string root = dir_ + "/cache";
  NarInfo info = GenerateNarInfo(5);
  std::string key = NarInfoObjectKey(info.hash);
  std::filesystem::create_directories(std::filesystem::path(root + "/" + key).parent_path());
  ASSERT_TRUE(Env::Default()->WriteFileAtomic(root + "/" + key, GenerateNarInfoText(5)).ok());
  ReadThroughOptions o;
  o.database_url = db_url_;
  o.store_url = "file://" + root;
  o.delete_source = true;
  auto rt = ReadThrough::Open(o);
  ASSERT_TRUE(rt.ok()) << rt.status().ToString();
  std::vector<std::thread> threads;
  std::atomic<int> ok{0};
  for (int i = 0; i < 16; ++i) {
    threads.emplace_back([&] {
      auto text = (*rt)->Get(info.hash);
      if (text.ok() && *text == RenderNarInfo(info)) ok.fetch_add(1);
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(ok.load(), 16);
  EXPECT_EQ((*rt)->stats().migrated, 1u);
  EXPECT_FALSE(std::filesystem::exists(root + "/" + key));  // deleted after commit
  ReadThroughSource src;
  auto again = (*rt)->Get(info.hash, &src);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(src, ReadThroughSource::kDatabase);
  EXPECT_EQ(Count("narinfos"), 1);
  EXPECT_EQ((*rt)->Get(GenerateNarInfo(6).hash).status().code(), Code::kNotFound);
  EXPECT_EQ((*rt)->Get("../../etc/passwd").status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace ferry
