// kill -9 mid-copy, then --resume: nothing lost, nothing doubled.
//
// 1. In-process: a forked child runs the copy and SIGKILLs itself right
//    after batch K committed (K random), or in the middle of writing a batch.
// 2. The real binary: `ferry copy` killed with SIGKILL after a random delay.
// Each time the copy is resumed to the end and verified; the target's row
// count and the key sum must equal the source's.
#include <signal.h>
#include <sys/wait.h>
#include <fcntl.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copier.h"

namespace ferry::testing {
namespace {

constexpr int kRows = 20000;

class CopyCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
    auto s = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    pg_ = std::move(s).value();
    auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
    CreateChunks(src->get(), kRows);
  }

  void ExpectComplete() {
    auto pg = OpenDatabase(pg_->url(), Env::Default());
    ASSERT_TRUE(pg.ok());
    auto r = (*pg)->Query("SELECT count(*), count(DISTINCT id), sum(id) FROM chunks", {});
    ASSERT_TRUE(r.ok()) << r.status().message();
    EXPECT_EQ(*r->GetInt(0, 0), kRows);
    EXPECT_EQ(*r->GetInt(0, 1), kRows);
    EXPECT_EQ(*r->GetText(0, 2), std::to_string(int64_t{kRows} * (kRows + 1) / 2));
  }

  std::string admin_;
  std::unique_ptr<PgScratchDatabase> pg_;
  ScratchDir dir_;
};

TEST_F(CopyCrash, KilledAfterRandomBatchesResumesExactly) {
  std::mt19937 rng(std::random_device{}());
  CopyOptions o;
  o.from_url = dir_.SqliteUrl("src.db");
  o.to_url = pg_->url();
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

TEST_F(CopyCrash, RealBinaryKilledAtRandomMomentsResumes) {
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  bool done = false;
  for (int round = 0; round < 8 && !done; ++round) {
    pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      int fd = ::open("/dev/null", O_WRONLY);
      dup2(fd, 1);
      dup2(fd, 2);
      std::string from = dir_.SqliteUrl("src.db"), to = pg_->url();
      if (round == 0) {
        execl(FERRY_BINARY, "ferry", "copy", "--from", from.c_str(), "--to", to.c_str(),
              "--create-schema", "--batch", "500", static_cast<char*>(nullptr));
      } else {
        execl(FERRY_BINARY, "ferry", "copy", "--from", from.c_str(), "--to", to.c_str(),
              "--resume", "--create-schema", "--batch", "500", static_cast<char*>(nullptr));
      }
      _exit(127);
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 150));
    kill(pid, SIGKILL);
    int status = 0;
    waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) {
      ++kills;
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0);
      done = true;
    }
  }
  EXPECT_GT(kills, 0);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--resume"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ExpectComplete();
}

}  // namespace
}  // namespace ferry::testing
