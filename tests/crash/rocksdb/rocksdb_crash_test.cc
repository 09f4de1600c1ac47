// kill -9 mid-copy into RocksDB, then --resume: nothing lost, nothing doubled.
//
// 1. In-process: a forked child runs the copy and SIGKILLs itself right
//    after batch K committed (K random).
// 2. The real binary: `ferry copy` killed with SIGKILL after a random delay,
//    so some kills land inside a batch's WriteBatch.
// Each time the copy is resumed to the end and verified; the store's row
// count, and the sum of its ids, must equal the source's. Then the same the
// other way: RocksDB -> SQLite killed and resumed.
#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <random>
#include <thread>

#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copier.h"

namespace ferry::testing {
namespace {

constexpr int kRows = 20000;

class RocksCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
    CreateChunks(src->get(), kRows);
  }

  // Row count and id sum of chunks in the store, read through the endpoint.
  void ExpectStoreComplete() {
    auto ep = OpenCopyEndpoint(Kv(), EndpointRole::kSource, DatabaseOpener(), Env::Default());
    ASSERT_TRUE(ep.ok()) << ep.status().message();
    auto reader = (*ep)->OpenReader("chunks", {"id"}, {"id"}, 5000,
                                    CopyEndpoint::ReaderConnection::kShared);
    ASSERT_TRUE(reader.ok());
    int64_t n = 0, sum = 0, last = 0;
    std::vector<std::vector<Value>> rows;
    while (*(*reader)->Next(&rows))
      for (const auto& r : rows) {
        int64_t id = std::get<int64_t>(r[0]);
        EXPECT_GT(id, last);  // strictly increasing: no duplicate keys
        last = id;
        ++n;
        sum += id;
      }
    EXPECT_EQ(n, kRows);
    EXPECT_EQ(sum, int64_t{kRows} * (kRows + 1) / 2);
  }

  std::string Kv() const { return "rocksdb:" + dir_.File("kv"); }
  ScratchDir dir_;
};

TEST_F(RocksCrash, KilledAfterRandomBatchesResumesExactly) {
  std::mt19937 rng(std::random_device{}());
  CopyOptions o;
  o.from_url = dir_.SqliteUrl("src.db");
  o.to_url = Kv();
  o.create_schema = true;
  o.batch = 700;
  int kills = 0;
  for (int round = 0; round < 6; ++round) {
    const int kill_at = 1 + static_cast<int>(rng() % 5);
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
    break;
  }
  EXPECT_GT(kills, 0);
  auto r = RunFerry({"copy", "--from", o.from_url, "--to", o.to_url, "--resume", "--batch", "700"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  ExpectStoreComplete();
}

// Runs the real binary with `args`, killing it after a random delay;
// returns true when it finished by itself first.
bool RunAndMaybeKill(std::mt19937& rng, std::vector<std::string> args, int* kills) {
  pid_t pid = fork();
  if (pid == 0) {
    int fd = ::open("/dev/null", O_WRONLY);
    dup2(fd, 1);
    dup2(fd, 2);
    std::vector<char*> argv;
    argv.push_back(const_cast<char*>("ferry"));
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(FERRY_BINARY, argv.data());
    _exit(127);
  }
  std::this_thread::sleep_for(std::chrono::milliseconds(30 + rng() % 200));
  kill(pid, SIGKILL);
  int status = 0;
  waitpid(pid, &status, 0);
  if (WIFSIGNALED(status)) {
    // Only our SIGKILL counts: an abort of ferry itself is a bug, not a kill.
    EXPECT_EQ(WTERMSIG(status), SIGKILL) << "ferry died of signal " << WTERMSIG(status);
    ++*kills;
    return false;
  }
  EXPECT_EQ(WEXITSTATUS(status), 0);
  return true;
}

TEST_F(RocksCrash, RealBinaryKilledAtRandomMomentsResumesBothWays) {
  std::mt19937 rng(std::random_device{}());
  int kills = 0;
  bool done = false;
  for (int round = 0; round < 8 && !done; ++round) {
    std::vector<std::string> args = {"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv(),
                                     "--create-schema", "--batch", "500"};
    if (round > 0) args.push_back("--resume");
    done = RunAndMaybeKill(rng, args, &kills);
  }
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv(), "--resume", "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ExpectStoreComplete();

  // And back out of RocksDB into SQLite, killed the same way.
  done = false;
  for (int round = 0; round < 8 && !done; ++round) {
    std::vector<std::string> args = {"copy", "--from", Kv(), "--to", dir_.SqliteUrl("back.db"),
                                     "--create-schema", "--batch", "500"};
    if (round > 0) args.push_back("--resume");
    done = RunAndMaybeKill(rng, args, &kills);
  }
  EXPECT_GT(kills, 0);
  r = RunFerry({"copy", "--from", Kv(), "--to", dir_.SqliteUrl("back.db"), "--resume", "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  auto back = OpenDatabase(dir_.SqliteUrl("back.db"), Env::Default());
  auto q = (*back)->Query("SELECT count(*), count(DISTINCT id), sum(id) FROM chunks", {});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(*q->GetInt(0, 0), kRows);
  EXPECT_EQ(*q->GetInt(0, 1), kRows);
  EXPECT_EQ(*q->GetInt(0, 2), int64_t{kRows} * (kRows + 1) / 2);
}

}  // namespace
}  // namespace ferry::testing
