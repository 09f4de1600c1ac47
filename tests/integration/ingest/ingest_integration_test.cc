// ferry ingest end to end: the CLI against PostgreSQL, s3rver and Redis
// (scripts/test-servers.sh), faults from a fake S3 server and a private
// redis-server stopped mid-run.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "integration/private_redis.h"
#include "integration/servers.h"
#include "jobs/ingest/ingest.h"
#include "jobs/ingest/record_writer.h"
#include "lock/redis/degraded_lock.h"
#include "lock/redis/redis_lock.h"
#include "tree_util.h"
#include "unit/ingest/narinfo_v1_upgrade.h"
#include "unit/store/fake_http_server.h"

namespace ferry {
namespace {

using namespace ferry::testing;
namespace fs = std::filesystem;

class IngestIT : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ferry-ingest-it-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  void TearDown() override { fs::remove_all(dir_); }

  std::string Ferry(const std::string& args) {
    return std::string(FERRY_BIN) + " " + args + " 2>>" + dir_ + "/stderr.log";
  }
  std::string Stderr() {
    std::ifstream in(dir_ + "/stderr.log");
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  nlohmann::json Json(const CmdResult& r) {
    auto j = nlohmann::json::parse(r.out, nullptr, false);
    EXPECT_FALSE(j.is_discarded()) << r.out << Stderr();
    return j;
  }

  std::string dir_;
};

TEST_F(IngestIT, SqliteCliExitCodesProgressWordsAndIdempotence) {
  WriteTree(dir_ + "/cache", 0, 500, 3);
  std::string db = "sqlite:" + dir_ + "/db.sqlite";
  // The exact command line: --db after the subcommand.
  CmdResult r = RunCmd(Ferry("ingest --from file://" + dir_ + "/cache --format narinfo --db " + db +
                             " --output json"));
  EXPECT_EQ(r.exit_code, 14) << Stderr();
  nlohmann::json j = Json(r);
  EXPECT_EQ(j["succeeded"], 500);
  EXPECT_EQ(j["failed"], 3);
  std::string log = Stderr();
  EXPECT_NE(log.find("migration completed found=503 processed=503 succeeded=500 failed=3 skipped=0 duration="),
            std::string::npos)
      << log;
  EXPECT_NE(log.find("store/narinfo/zz/bad0.narinfo:"), std::string::npos) << log;
  fs::remove_all(dir_ + "/cache/store/narinfo/zz");
  CmdResult again = RunCmd(Ferry("--db " + db + " --output json ingest --from file://" + dir_ +
                                 "/cache --delete-source"));
  EXPECT_EQ(again.exit_code, 0) << Stderr();
  EXPECT_EQ(Json(again)["skipped"], 500);
  EXPECT_EQ(Json(again)["deleted"], 500);
  EXPECT_EQ(CountFiles(dir_ + "/cache"), 0u);
}

TEST_F(IngestIT, BadUrlsFailClearly) {
  std::string db = "sqlite:" + dir_ + "/db.sqlite";
  EXPECT_EQ(RunCmd(Ferry("ingest --from gopher://x --db " + db)).exit_code, 10) << Stderr();
  EXPECT_EQ(RunCmd(Ferry("ingest --from file://" + dir_ + "/nope --db " + db)).exit_code, 11);
  EXPECT_NE(Stderr().find("nope"), std::string::npos);
  EXPECT_NE(RunCmd(Ferry("ingest --from file://" + dir_ + " --db nosuch://x")).exit_code, 0);
  EXPECT_EQ(RunCmd(Ferry("ingest --from file://" + dir_)).exit_code, 2);  // no --db
}

TEST_F(IngestIT, PostgresTwoProcessesSharedRedisLockMigrateEachObjectOnce) {
  std::string pg, redis;
  FERRY_REQUIRE_SERVER(pg, "FERRY_TEST_PG_URL");
  FERRY_REQUIRE_SERVER(redis, "FERRY_TEST_REDIS_ADDR");
  ScratchPg scratch(pg);
  ASSERT_FALSE(scratch.url().empty());
  WriteTree(dir_ + "/cache", 0, 3000, 2);
  std::string cmd = Ferry("ingest --from file://" + dir_ + "/cache --db " + scratch.url() +
                          " --lock redis --redis-addrs " + redis +
                          " --redis-key-prefix ferry:it:" + std::to_string(getpid()) +
                          ": --delete-source --batch-size 100 --output json");
  CmdResult a, b;
  std::thread ta([&] { a = RunCmd(cmd); });
  std::thread tb([&] { b = RunCmd(cmd); });
  ta.join();
  tb.join();
  // A malformed object fails in whichever process takes its lease; the other
  // may find it held and skip it, so one process can finish clean (0).
  EXPECT_TRUE(a.exit_code == 14 || a.exit_code == 0) << a.exit_code << Stderr();
  EXPECT_TRUE(b.exit_code == 14 || b.exit_code == 0) << b.exit_code;
  EXPECT_TRUE(a.exit_code == 14 || b.exit_code == 14);
  nlohmann::json ja = Json(a), jb = Json(b);
  EXPECT_GE(ja["failed"].get<int>() + jb["failed"].get<int>(), 2);
  // Each good object inserted by exactly one process.
  EXPECT_EQ(ja["succeeded"].get<int>() + jb["succeeded"].get<int>(), 3000);
  auto db = OpenDatabase(scratch.url(), Env::Default());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(CountRows(db->get(), "narinfos"), 3000);
  int64_t refs = 0;
  for (int i = 0; i < 3000; ++i) refs += GenerateNarInfo(i).references.size();
  EXPECT_EQ(CountRows(db->get(), "narinfo_references"), refs);
  EXPECT_EQ(CountFiles(dir_ + "/cache"), 2u);  // only the malformed ones remain
}

TEST_F(IngestIT, S3ToPostgresWithDeleteAndMissingBucket) {
  std::string pg, endpoint, bucket;
  FERRY_REQUIRE_SERVER(pg, "FERRY_TEST_PG_URL");
  FERRY_REQUIRE_SERVER(endpoint, "FERRY_TEST_S3_ENDPOINT");
  FERRY_REQUIRE_SERVER(bucket, "FERRY_TEST_S3_BUCKET");
  ScratchPg scratch(pg);
  ASSERT_FALSE(scratch.url().empty());
  std::string prefix = "ingest-it-" + std::to_string(Env::Default()->Random64() % 1000000000);
  std::string url = "s3://" + bucket + "/" + prefix + "?endpoint=" + endpoint + "&region=us-east-1";
  StoreOptions so;
  so.access_key_id = so.secret_access_key = "S3RVER";
  auto store = OpenBlobStore(url, Env::Default(), so);
  ASSERT_TRUE(store.ok());
  for (int i = 0; i < 300; ++i) {  // < 1000: one listing page (see REPORT on s3rver paging)
    NarInfo info = GenerateNarInfo(i);
    ASSERT_TRUE((*store)->Put(NarInfoObjectKey(info.hash), GenerateNarInfoText(i), Deadline::Never()).ok());
  }
  ASSERT_TRUE((*store)->Put("store/narinfo/zz/bad.narinfo", GenerateMalformedNarInfo(1).text,
                            Deadline::Never()).ok());
  std::string creds = " --access-key-id S3RVER --secret-access-key S3RVER";
  CmdResult r = RunCmd(Ferry("ingest --from '" + url + "' --format narinfo --db " + scratch.url() +
                             " --concurrency 20 --delete-source --output json" + creds));
  EXPECT_EQ(r.exit_code, 14) << Stderr();
  EXPECT_EQ(Json(r)["succeeded"], 300);
  EXPECT_EQ(Json(r)["deleted"], 300);
  size_t left = 0;
  (void)(*store)->List({}, Deadline::Never(), [&](std::vector<std::string> p) {
    left += p.size();
    return Status::OK();
  });
  EXPECT_EQ(left, 1u);
  (void)(*store)->Delete("store/narinfo/zz/bad.narinfo", Deadline::Never());

  CmdResult missing = RunCmd(Ferry("ingest --from 's3://no-such-bucket-ferry?endpoint=" + endpoint +
                                   "&region=us-east-1' --db " + scratch.url() + creds));
  EXPECT_EQ(missing.exit_code, 11) << Stderr();
  EXPECT_NE(Stderr().find("no-such-bucket-ferry"), std::string::npos);
}

TEST_F(IngestIT, S3ServerErrorsAreRetriedThenCountedFailed) {
  std::atomic<int> bad_gets{0};
  std::string good = GenerateNarInfoText(1);
  std::string good_key = NarInfoObjectKey(GenerateNarInfo(1).hash);
  FakeHttpServer server([&](const CapturedRequest& req) {
    if (req.target.find("list-type=2") != std::string::npos) {
      return FakeReply{200,
                       "<?xml version=\"1.0\"?><ListBucketResult><Name>bkt</Name><KeyCount>2</KeyCount>"
                       "<IsTruncated>false</IsTruncated><Contents><Key>" +
                           good_key + "</Key></Contents><Contents><Key>store/narinfo/zz/x.narinfo</Key>"
                                      "</Contents></ListBucketResult>",
                       false};
    }
    if (req.target.find("zz/x.narinfo") != std::string::npos) {
      bad_gets.fetch_add(1);
      return FakeReply{503, "<Error><Code>SlowDown</Code></Error>", false};
    }
    return FakeReply{200, good, false};
  });
  std::string db = "sqlite:" + dir_ + "/db.sqlite";
  CmdResult r = RunCmd(Ferry("ingest --from 's3://bkt?endpoint=" + server.base() +
                             "&region=us-east-1' --db " + db +
                             " --store-max-attempts 3 --output json --access-key-id a --secret-access-key b"));
  EXPECT_EQ(r.exit_code, 14) << Stderr();
  EXPECT_EQ(Json(r)["succeeded"], 1);
  EXPECT_EQ(Json(r)["failed"], 1);
  EXPECT_EQ(bad_gets.load(), 3);  // retried with backoff, then counted failed
  EXPECT_NE(Stderr().find("zz/x.narinfo"), std::string::npos);
}

// Issue 3 "the S3 server ... stalls (retried with backoff, then counted
// failed)": one object's GET never sends a byte.
TEST_F(IngestIT, S3StalledObjectIsRetriedThenCountedFailed) {
  std::atomic<int> stalled_gets{0};
  std::string good = GenerateNarInfoText(2);
  std::string good_key = NarInfoObjectKey(GenerateNarInfo(2).hash);
  FakeHttpServer server([&](const CapturedRequest& req) {
    if (req.target.find("list-type=2") != std::string::npos) {
      return FakeReply{200,
                       "<?xml version=\"1.0\"?><ListBucketResult><Name>bkt</Name><KeyCount>2</KeyCount>"
                       "<IsTruncated>false</IsTruncated><Contents><Key>" +
                           good_key + "</Key></Contents><Contents><Key>store/narinfo/zz/slow.narinfo</Key>"
                                      "</Contents></ListBucketResult>",
                       false};
    }
    if (req.target.find("zz/slow.narinfo") != std::string::npos) {
      stalled_gets.fetch_add(1);
      return FakeReply{200, "", true};  // headers never come
    }
    return FakeReply{200, good, false};
  });
  IngestOptions o;
  o.source_url = "s3://bkt?endpoint=" + server.base() + "&region=us-east-1";
  o.database_url = "sqlite:" + dir_ + "/db.sqlite";
  o.store_options.access_key_id = "a";
  o.store_options.secret_access_key = "b";
  o.store_options.max_attempts = 3;
  o.store_options.initial_backoff = std::chrono::milliseconds(10);
  o.store_options.request_timeout = std::chrono::milliseconds(400);
  o.concurrency = 1;  // the fake server answers one connection at a time
  LoggerOptions lo;
  auto logger = Logger::Capturing(lo);
  IngestDeps deps;
  deps.logger = logger.get();
  auto r = RunIngest(o, deps);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(r->fatal.ok()) << r->fatal.ToString();  // one stalled object never stops the run
  EXPECT_EQ(r->progress.succeeded, 1u);
  EXPECT_EQ(r->progress.failed, 1u);
  EXPECT_EQ(stalled_gets.load(), 3);
  EXPECT_NE(logger->Captured().find("zz/slow.narinfo"), std::string::npos);
}

// Issue 3: "concurrent writers racing on one key are counted as skipped, not
// failed" on PostgreSQL, where the second INSERT ... ON CONFLICT waits for
// the first transaction and then inserts nothing.
TEST_F(IngestIT, PostgresWritersRacingOnTheSameKeysCountSkippedNotFailed) {
  std::string pg;
  FERRY_REQUIRE_SERVER(pg, "FERRY_TEST_PG_URL");
  ScratchPg scratch(pg);
  ASSERT_FALSE(scratch.url().empty());
  {
    IngestOptions o;
    o.source_url = "file://" + dir_;  // empty: just creates the tables
    o.database_url = scratch.url();
    LoggerOptions lo;
    auto logger = Logger::Capturing(lo);
    IngestDeps deps;
    deps.logger = logger.get();
    ASSERT_TRUE(RunIngest(o, deps).ok());
  }
  auto codec = MakeCodec("narinfo");
  ASSERT_TRUE(codec.ok());
  const int n = 400;
  std::vector<std::vector<Record>> objects(n);
  for (int i = 0; i < n; ++i) {
    NarInfo info = GenerateNarInfo(i);
    ASSERT_TRUE((*codec)->Parse(NarInfoObjectKey(info.hash), GenerateNarInfoText(i), &objects[i]).ok());
  }
  std::atomic<int> inserted{0}, skipped{0}, failed{0}, fatal{0};
  auto writer = [&](int shift) {
    auto db = OpenDatabase(scratch.url(), Env::Default());
    if (!db.ok()) {
      fatal.fetch_add(1);
      return;
    }
    RecordWriter w(db->get(), codec->get());
    std::vector<std::vector<Record>> mine = objects;  // WriteBatch borrows records mutably
    for (int start = 0; start < n; start += 20) {
      std::vector<std::vector<Record>*> batch;
      for (int i = start; i < start + 20; ++i) batch.push_back(&mine[(i + shift) % n]);
      std::vector<WriteOutcome> outcomes;
      std::vector<Status> errors;
      if (Status st = w.WriteBatch(batch, &outcomes, &errors); !st.ok()) {
        ADD_FAILURE() << st.ToString();
        fatal.fetch_add(1);
        return;
      }
      for (WriteOutcome oc : outcomes) {
        (oc == WriteOutcome::kInserted ? inserted : oc == WriteOutcome::kSkipped ? skipped : failed)
            .fetch_add(1);
      }
    }
  };
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) threads.emplace_back(writer, t * 7);  // overlapping, shifted batches
  for (auto& t : threads) t.join();
  EXPECT_EQ(fatal.load(), 0);
  EXPECT_EQ(failed.load(), 0);
  EXPECT_EQ(inserted.load(), n);
  EXPECT_EQ(skipped.load(), 3 * n);
  auto db = OpenDatabase(scratch.url(), Env::Default());
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(CountRows(db->get(), "narinfos"), n);
  int64_t refs = 0;
  for (int i = 0; i < n; ++i) refs += GenerateNarInfo(i).references.size();
  EXPECT_EQ(CountRows(db->get(), "narinfo_references"), refs);
}

// Codec migration 2 on PostgreSQL: a database an older ferry filled
// (children keyed by hash text) is rebuilt in place, rows kept; the run then
// skips those and adds the rest, and a re-run writes nothing.
TEST_F(IngestIT, PostgresCodecMigration2UpgradesAVersion1DatabaseKeepingItsRows) {
  std::string pg;
  FERRY_REQUIRE_SERVER(pg, "FERRY_TEST_PG_URL");
  ScratchPg scratch(pg);
  ASSERT_FALSE(scratch.url().empty());
  FillAtMigration1(scratch.url(), 40);
  if (HasFatalFailure()) return;
  WriteTree(dir_ + "/tree", 0, 60);
  IngestOptions o;
  o.source_url = "file://" + dir_ + "/tree";
  o.database_url = scratch.url();
  o.batch_size = 16;
  LoggerOptions lo;
  auto logger = Logger::Capturing(lo);
  IngestDeps deps;
  deps.logger = logger.get();
  auto r = RunIngest(o, deps);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->schema_applied.size(), 1u);
  EXPECT_NE(r->schema_applied[0].find("key_children_by_narinfo_id"), std::string::npos);
  EXPECT_EQ(r->progress.succeeded, 20u);
  EXPECT_EQ(r->progress.skipped, 40u);
  EXPECT_EQ(r->progress.failed, 0u);
  ExpectNarInfosReadBack(scratch.url(), 60);
  auto again = RunIngest(o, deps);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_TRUE(again->schema_applied.empty());
  EXPECT_EQ(again->progress.succeeded, 0u);
  EXPECT_EQ(again->progress.skipped, 60u);
  ExpectNarInfosReadBack(scratch.url(), 60);
}

// Issue 3 "the disk fills", for real: the SQLite database on a 1 MB tmpfs.
// Mounting needs root (CAP_SYS_ADMIN); without it the test says so and skips
// (tests/unit/ingest covers the same path with SQLite's max_page_count).
TEST_F(IngestIT, DiskFullStopsWithExitCode12KeepsUncommittedObjectsAndReRunCompletes) {
  const std::string mnt = dir_ + "/small-disk";
  fs::create_directories(mnt);
  if (mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0) {
    GTEST_SKIP() << "cannot mount a 1 MB tmpfs here (" << std::strerror(errno)
                 << "); needs root or CAP_SYS_ADMIN";
  }
  struct Unmount {
    std::string path;
    ~Unmount() { umount2(path.c_str(), MNT_DETACH); }
  } unmount{mnt};
  const int n = 3000;
  WriteTree(dir_ + "/cache", 0, n);
  const std::string db = "sqlite:" + mnt + "/db.sqlite";
  const std::string cmd = Ferry("ingest --from file://" + dir_ + "/cache --db " + db +
                                " --delete-source --batch-size 100 --concurrency 2 --output json");
  CmdResult r = RunCmd(cmd);
  EXPECT_EQ(r.exit_code, 12) << r.out << Stderr();  // I/O error: distinct from 14 (some objects failed)
  nlohmann::json j = Json(r);
  EXPECT_FALSE(j["ok"].get<bool>());
  EXPECT_NE(j.value("error", "").find("the database is full"), std::string::npos) << j.dump();
  EXPECT_GE(j["failed"].get<int>(), 1);
  EXPECT_LE(j["failed"].get<int>(), 100);  // the rolled-back batch
  int64_t rows = 0;
  {
    auto d = OpenDatabase(db, Env::Default());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    rows = CountRows(d->get(), "narinfos");
  }
  EXPECT_GT(rows, 0);
  EXPECT_LT(rows, n);
  EXPECT_EQ(j["succeeded"].get<int64_t>(), rows);
  EXPECT_EQ(j["deleted"].get<int64_t>(), rows);
  EXPECT_EQ(static_cast<int64_t>(CountFiles(dir_ + "/cache")), n - rows);  // uncommitted kept

  ASSERT_EQ(mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=64m"), 0) << std::strerror(errno);
  CmdResult again = RunCmd(cmd);
  EXPECT_EQ(again.exit_code, 0) << again.out << Stderr();
  EXPECT_EQ(Json(again)["succeeded"].get<int64_t>(), n - rows);
  auto d = OpenDatabase(db, Env::Default());
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(CountRows(d->get(), "narinfos"), n);
  int64_t refs = 0;
  for (int i = 0; i < n; ++i) refs += GenerateNarInfo(i).references.size();
  EXPECT_EQ(CountRows(d->get(), "narinfo_references"), refs);
  EXPECT_EQ(CountFiles(dir_ + "/cache"), 0u);
}

// Runs RunIngest on a 20,000-object tree while the private Redis is killed
// 300 ms in.
IngestReport RunWithRedisOutage(const std::string& dir, bool degraded, std::string* log) {
  WriteTree(dir + "/cache", 0, 20000);
  auto started = ::ferry::testing::PrivateRedis::StartOnFreePort();
  if (!started) {
    ADD_FAILURE() << "could not start a private redis-server";
    return {};
  }
  auto& redis = *started;
  LoggerOptions lo;
  auto logger = Logger::Capturing(lo);
  RedisLockOptions ro;
  ro.addresses = redis.address();
  ro.max_attempts = 2;
  ro.connect_timeout = std::chrono::milliseconds(200);
  std::unique_ptr<Lock> lock = std::move(RedisLock::Open(ro, Env::Default()).value());
  if (degraded) {
    lock = std::make_unique<DegradedLock>(std::move(lock), Env::Default(),
                                          [&](const std::string& m) { logger->Warn("LOCK BACKEND DEGRADED: " + m); });
  }
  IngestOptions o;
  o.source_url = "file://" + dir + "/cache";
  o.database_url = "sqlite:" + dir + "/db.sqlite";
  o.concurrency = 2;
  o.batch_size = 200;
  IngestDeps deps;
  deps.logger = logger.get();
  deps.lock = lock.get();
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    redis.Stop();
  });
  auto r = RunIngest(o, deps);
  killer.join();
  *log = logger->Captured();
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : IngestReport{};
}

TEST_F(IngestIT, RedisStopsMidRunWithoutDegradedIsAClearFailure) {
  std::string shared;
  FERRY_REQUIRE_SERVER(shared, "FERRY_TEST_REDIS_ADDR");
  std::string log;
  IngestReport r = RunWithRedisOutage(dir_, false, &log);
  EXPECT_EQ(r.fatal.code(), Code::kUnavailable) << r.fatal.ToString();
  EXPECT_NE(r.fatal.message().find("--lock-allow-degraded"), std::string::npos);
  EXPECT_LT(r.progress.succeeded, 20000u);
  // Whatever was committed is whole; a re-run (local lock) finishes the job.
  IngestOptions o;
  o.source_url = "file://" + dir_ + "/cache";
  o.database_url = "sqlite:" + dir_ + "/db.sqlite";
  LoggerOptions lo;
  auto logger = Logger::Capturing(lo);
  IngestDeps deps;
  deps.logger = logger.get();
  auto r2 = RunIngest(o, deps);
  ASSERT_TRUE(r2.ok());
  EXPECT_TRUE(r2->clean());
  EXPECT_EQ(r2->progress.succeeded + r2->progress.skipped, 20000u);
  EXPECT_EQ(r.progress.succeeded + r2->progress.succeeded, 20000u);
}

TEST_F(IngestIT, RedisStopsMidRunWithDegradedModeCompletes) {
  std::string shared;
  FERRY_REQUIRE_SERVER(shared, "FERRY_TEST_REDIS_ADDR");
  std::string log;
  IngestReport r = RunWithRedisOutage(dir_, true, &log);
  EXPECT_TRUE(r.clean()) << r.fatal.ToString();
  EXPECT_EQ(r.progress.succeeded, 20000u);
  EXPECT_NE(log.find("LOCK BACKEND DEGRADED"), std::string::npos) << log.substr(0, 2000);
}

}  // namespace
}  // namespace ferry
