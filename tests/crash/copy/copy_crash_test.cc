// kill -9 mid-copy, then --resume: nothing lost, nothing doubled.
//
// 1. In-process: a forked child runs the copy and SIGKILLs itself right
//    after batch K committed (K random), or in the middle of writing a batch.
// 2. The real binary: `ferry copy` killed with SIGKILL after a random delay.
// Each time the copy is resumed to the end and verified; the target's row
// count and the key sum must equal the source's. Both run with a PostgreSQL
// target (COPY per batch) and a MySQL/MariaDB one (multi-row INSERTs, the
// checkpoint upserted in the same InnoDB transaction).
// 3. PostgreSQL -> PostgreSQL through the passthrough (COPY binary pages,
//    postgres_passthrough.h), in-process and the real binary; the in-process
//    rounds alternate between the passthrough and the value path, so each
//    resumes a checkpoint the other wrote.
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <functional>
#include <random>
#include <thread>

#include "conformance/database/mysql_scratch_database.h"
#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copier.h"
#include "jobs/copy/schema_reader.h"

namespace ferry::testing {
namespace {

constexpr int kRows = 20000;

enum class Round { kKilled, kFinished, kFailed };

// One round of a real-binary kill test: starts `ferry copy` (--create-schema
// in round 0, --resume after; --max-rate so a fast idle machine cannot finish
// before the kill), waits until the checkpoint shows more rows than before
// — a committed batch, a condition and not a guess at this machine's speed;
// generous, since at load 20 a process start and its first batch can take
// seconds — then lets it run a random moment longer and kills it.
Round CopyRoundKilledAfterABatch(const std::string& from, const std::string& to, int round,
                                 const std::function<int64_t()>& checkpoint_rows,
                                 std::mt19937& rng) {
  const int64_t before = checkpoint_rows();
  pid_t pid = fork();
  if (pid < 0) return Round::kFailed;
  if (pid == 0) {
    int fd = ::open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    execl(FERRY_BINARY, "ferry", "copy", "--from", from.c_str(), "--to", to.c_str(),
          round == 0 ? "--create-schema" : "--resume", "--batch", "500", "--max-rate", "5000",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  int status = 0;
  bool exited = false;
  for (int i = 0; i < 1200 && checkpoint_rows() <= before; ++i) {
    if (waitpid(pid, &status, WNOHANG) == pid) {
      exited = true;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!exited) {
    std::this_thread::sleep_for(std::chrono::milliseconds(rng() % 300));
    kill(pid, SIGKILL);
    waitpid(pid, &status, 0);
  }
  if (WIFSIGNALED(status)) return Round::kKilled;
  return WEXITSTATUS(status) == 0 ? Round::kFinished : Round::kFailed;
}

struct KillRounds {
  int kills = 0;
  bool finished = false;  // a round ran to the end before its kill
  int failed_round = -1;  // a round that exited non-zero
};

// Up to 8 rounds of CopyRoundKilledAfterABatch, each resuming the last.
KillRounds KillCopyRoundAfterRound(const std::string& from, const std::string& to,
                                   const std::function<int64_t()>& checkpoint_rows) {
  std::mt19937 rng(std::random_device{}());
  KillRounds k;
  for (int round = 0; round < 8 && !k.finished; ++round) {
    const Round r = CopyRoundKilledAfterABatch(from, to, round, checkpoint_rows, rng);
    if (r == Round::kFailed) {
      k.failed_round = round;
      break;
    }
    if (r == Round::kKilled) ++k.kills;
    k.finished = r == Round::kFinished;
  }
  return k;
}

// The parameter is the target engine: "postgres" or "mysql".
class CopyCrash : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    if (GetParam() == "mysql") {
      FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_MYSQL_URL");
      auto s = MysqlScratchDatabase::Create(admin_);
      ASSERT_TRUE(s.ok()) << s.status().message();
      my_ = std::move(s).value();
      target_ = my_->url();
    } else {
      FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
      auto s = PgScratchDatabase::Create(admin_);
      ASSERT_TRUE(s.ok()) << s.status().message();
      pg_ = std::move(s).value();
      target_ = pg_->url();
    }
    auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
    CreateChunks(src->get(), kRows);
  }

  void ExpectComplete() {
    auto db = OpenDatabase(target_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto r = (*db)->Query("SELECT count(*), count(DISTINCT id), sum(id) FROM chunks", {});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(*r->GetInt(0, 0), kRows);
    EXPECT_EQ(*r->GetInt(0, 1), kRows);
    EXPECT_EQ(*r->GetText(0, 2), std::to_string(int64_t{kRows} * (kRows + 1) / 2));
  }

  // Rows the target's checkpoint says are committed (0 before the first).
  int64_t CheckpointRows() {
    auto db = OpenDatabase(target_, Env::Default());
    if (!db.ok()) return 0;
    auto r = (*db)->Query(std::string("SELECT rows_copied FROM ") + kCheckpointTable +
                              " WHERE table_name = 'chunks'",
                          {});
    return r.ok() && !r->empty() ? r->GetInt(0, 0).value_or(0) : 0;
  }

  std::string admin_;
  std::unique_ptr<PgScratchDatabase> pg_;
  std::unique_ptr<MysqlScratchDatabase> my_;
  std::string target_;
  ScratchDir dir_;
};

INSTANTIATE_TEST_SUITE_P(Targets, CopyCrash, ::testing::Values("postgres", "mysql"),
                         [](const auto& info) { return info.param; });

TEST_P(CopyCrash, KilledAfterRandomBatchesResumesExactly) {
  std::mt19937 rng(std::random_device{}());
  CopyOptions o;
  o.from_url = dir_.SqliteUrl("src.db");
  o.to_url = target_;
  o.create_schema = true;
  o.batch = 700;
  int kills = 0;
  for (int round = 0; round < 6; ++round) {
    const int kill_at = 1 + static_cast<int>(rng() % 5);  // batches into this run
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::unique_ptr<Logger> logger = Logger::Capturing({});
      CopyOptions co = o;
      co.resume = round > 0;
      CopyDeps d;
      d.logger = logger.get();
      int batches = 0;
      d.after_batch = [&](const std::string&, int64_t) {
        if (++batches == kill_at) raise(SIGKILL);
      };
      auto rep = RunCopy(co, d);
      _exit(rep.ok() ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++kills;
      continue;
    }
    ASSERT_EQ(WEXITSTATUS(status), 0);
    break;  // finished before the kill point
  }
  EXPECT_GT(kills, 0);
  auto r = RunFerry({"copy", "--from", o.from_url, "--to", o.to_url, "--resume", "--batch", "700"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  ExpectComplete();
}

TEST_P(CopyCrash, RealBinaryKilledAtRandomMomentsResumes) {
  // Each round starts `ferry copy`, waits until it has committed at least one
  // more batch than before (a condition, not a guess at how fast this machine
  // is), lets it run a random moment longer, and kills it. --max-rate keeps
  // the copy from outrunning that moment on a fast idle machine: 500-row
  // batches at 5,000 rows/s are ~0.1 s each, ~4 s for the whole table.
  const KillRounds k = KillCopyRoundAfterRound(dir_.SqliteUrl("src.db"), target_,
                                               [&] { return CheckpointRows(); });
  ASSERT_LT(k.failed_round, 0) << "ferry copy failed in round " << k.failed_round;
  EXPECT_GT(k.kills, 0);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", target_, "--resume"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ExpectComplete();
}

// PostgreSQL source and target: the passthrough.
class CopyCrashPassthrough : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
    auto a = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(a.ok()) << a.status().message();
    src_ = std::move(a).value();
    auto b = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(b.ok()) << b.status().message();
    dst_ = std::move(b).value();
    auto src = OpenDatabase(src_->url(), Env::Default());
    ASSERT_TRUE(src.ok());
    CreateChunks(src->get(), kRows);
    // The types --create-schema declares, so pages go in COPY binary with
    // the end key read from the stream (an integer seq would widen to
    // bigint and take COPY text: copy_passthrough_test covers that).
    ASSERT_TRUE((*src)->Exec("ALTER TABLE chunks ALTER seq TYPE bigint").ok());
  }

  void ExpectComplete() {
    auto db = OpenDatabase(dst_->url(), Env::Default());
    ASSERT_TRUE(db.ok());
    auto r = (*db)->Query("SELECT count(*), count(DISTINCT id), sum(id) FROM chunks", {});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(*r->GetInt(0, 0), kRows);
    EXPECT_EQ(*r->GetInt(0, 1), kRows);
    EXPECT_EQ(*r->GetText(0, 2), std::to_string(int64_t{kRows} * (kRows + 1) / 2));
  }

  int64_t CheckpointRows() {
    auto db = OpenDatabase(dst_->url(), Env::Default());
    if (!db.ok()) return 0;
    auto r = (*db)->Query(std::string("SELECT rows_copied FROM ") + kCheckpointTable +
                              " WHERE table_name = 'chunks'",
                          {});
    return r.ok() && !r->empty() ? r->GetInt(0, 0).value_or(0) : 0;
  }

  std::string admin_;
  std::unique_ptr<PgScratchDatabase> src_, dst_;
};

TEST_F(CopyCrashPassthrough, KilledAfterRandomBatchesResumesExactlyOnEitherPath) {
  std::mt19937 rng(std::random_device{}());
  int kills = 0, passthrough_kills = 0;
  for (int round = 0; round < 8; ++round) {
    const int kill_at = 1 + static_cast<int>(rng() % 5);
    const bool passthrough = round % 2 == 0;
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      std::unique_ptr<Logger> logger = Logger::Capturing({});
      CopyOptions co;
      co.from_url = src_->url();
      co.to_url = dst_->url();
      co.create_schema = true;
      co.batch = 700;
      co.resume = round > 0;
      co.passthrough = passthrough;
      CopyDeps d;
      d.logger = logger.get();
      int batches = 0;
      d.after_batch = [&](const std::string&, int64_t) {
        if (++batches == kill_at) raise(SIGKILL);
      };
      auto rep = RunCopy(co, d);
      // 4: the path taken was not the one asked for.
      if (rep.ok() && !rep->tables.empty() &&
          rep->tables[0].path != (passthrough ? "passthrough" : "values"))
        _exit(4);
      _exit(rep.ok() ? 0 : 3);
    }
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++kills;
      if (passthrough) ++passthrough_kills;
      continue;
    }
    ASSERT_EQ(WEXITSTATUS(status), 0) << "round " << round;
    break;
  }
  EXPECT_GT(passthrough_kills, 0);
  EXPECT_GT(kills, 1);
  auto r = RunFerry({"copy", "--from", src_->url(), "--to", dst_->url(), "--resume", "--batch",
                     "700"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  ExpectComplete();
}

TEST_F(CopyCrashPassthrough, RealBinaryKilledAtRandomMomentsResumes) {
  // As RealBinaryKilledAtRandomMomentsResumes above, from a PostgreSQL
  // source: waits on the checkpoint (a condition), then a random moment.
  const KillRounds k = KillCopyRoundAfterRound(src_->url(), dst_->url(),
                                               [&] { return CheckpointRows(); });
  ASSERT_LT(k.failed_round, 0) << "ferry copy failed in round " << k.failed_round;
  EXPECT_GT(k.kills, 0);
  auto r = RunFerry({"copy", "--from", src_->url(), "--to", dst_->url(), "--resume"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  if (!k.finished) {
    EXPECT_NE(r.out.find("[path: passthrough]"), std::string::npos) << r.out;
  }
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  ExpectComplete();
}

}  // namespace
}  // namespace ferry::testing
