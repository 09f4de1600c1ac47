// kill -9 the real `ferry backup restore` of a RocksDB store at random
// points, then rerun it: the store must end up holding exactly what the
// archive holds (nothing lost, nothing doubled), with nothing left beside
// it, and after every kill the store must be the old one or the archive's,
// or (killed between the swap's two renames) missing with exactly one
// replaced copy for the next run to move back.
//
// Each round waits for a condition that marks a step of the restore (the
// lock file, the extracted copy, the safety archive's staging directory, the
// record written just before the swap), never for a guessed time, then
// lets it run a random moment longer and kills it.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>
#include <thread>

#include "cli/command.h"
#include "jobs/backup/kv_archive.h"
#include "jobs/copy/copy_endpoint.h"
#include "kv/kv_store.h"
#include "util/sha256.h"
#include "unit/rocksdb/kv_fill.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

constexpr int kRows = 60000;

struct Content {
  int64_t keys = 0;
  std::string digest;
  bool operator==(const Content& o) const { return keys == o.keys && digest == o.digest; }
};

class KvRestoreCrash : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("ferry_kvcrash_" + std::to_string(::getpid()) + "_" +
                                          std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
    live_ = root_ + "/store";
    url_ = "rocksdb:" + live_;
    backups_ = root_ + "/backups";
  }
  void TearDown() override { fs::remove_all(root_); }

  void Fill(int first, int n) {
    testing::FillKvTable(
        url_, first, n,
        [](int i) -> Value { return Blob{std::string(200 + i % 200, static_cast<char>(i * 7))}; },
        /*body_is_blob=*/true, /*batch=*/5000);
  }

  // Every key and value of the store, in order: what "the same content" means.
  Content Read() {
    Content c;
    auto store = OpenKvStore(url_, KvOpenMode::kExisting, Env::Default());
    EXPECT_TRUE(store.ok()) << store.status().message();
    if (!store.ok()) return c;
    Sha256 h;
    auto it = (*store)->NewIterator();
    for (it->Seek(""); it->Valid(); it->Next()) {
      const std::string k(it->key()), v(it->value());
      h.Update(std::to_string(k.size()) + ":" + k + std::to_string(v.size()) + ":" + v);
      ++c.keys;
    }
    EXPECT_TRUE(it->status().ok()) << it->status().message();
    c.digest = h.HexDigest();
    return c;
  }

  // Names beside the store that start with `prefix` ("store.ferry-").
  std::vector<std::string> Beside(const std::string& prefix) {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(root_)) {
      const std::string n = e.path().filename().string();
      if (n.rfind(prefix, 0) == 0) out.push_back(n);
    }
    return out;
  }
  bool AnyIn(const std::string& dir, const std::string& prefix) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().filename().string().rfind(prefix, 0) == 0) return true;
    return false;
  }

  pid_t Spawn(std::vector<std::string> args, const std::string& log) {
    pid_t pid = ::fork();
    if (pid == 0) {
      int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0600);
      ::dup2(fd, 1);
      ::dup2(fd, 2);
      std::vector<char*> argv;
      argv.push_back(const_cast<char*>("ferry"));
      for (auto& a : args) argv.push_back(a.data());
      argv.push_back(nullptr);
      ::execv(FERRY_BINARY, argv.data());
      ::_exit(127);
    }
    return pid;
  }

  static std::string Text(const std::string& path) {
    std::ifstream f(path);
    return std::string(std::istreambuf_iterator<char>(f), {});
  }

  // Whether process `pid` has `path` open (its lock file: the restore began).
  static bool HoldsOpen(pid_t pid, const std::string& path) {
    std::error_code ec;
    const std::string fds = "/proc/" + std::to_string(pid) + "/fd";
    for (fs::directory_iterator it(fds, ec), end; !ec && it != end; it.increment(ec)) {
      std::error_code e2;
      if (fs::read_symlink(it->path(), e2).string() == path) return true;
    }
    return false;
  }

  std::vector<std::string> RestoreArgs(const std::string& archive) {
    return {"--db", url_, "backup", "restore", archive, "--dir", backups_};
  }

  std::string root_, live_, url_, backups_;
};

TEST_F(KvRestoreCrash, RealBinaryKilledAtRandomPointsThenRerunRestoresExactly) {
  Fill(1, kRows);
  std::string archive;
  {
    ArchiveOptions o;
    o.dir = backups_;
    auto b = CreateKvArchive(url_, Env::Default(), o);
    ASSERT_TRUE(b.ok()) << b.status().message();
    archive = b->location;
  }
  const Content want = Read();
  ASSERT_GE(want.keys, kRows);  // rows, and the layout's schema keys

  std::mt19937 rng(std::random_device{}());
  const std::string log = root_ + "/ferry.log";
  int kills = 0, finished = 0, rolled_back = 0;
  int next_id = kRows + 1;
  // The step each round waits for before its kill.
  // The step each round waits for before its kill: something this run
  // made (a killed run's leftovers are there from the start).
  pid_t pid = 0;
  std::set<std::string> old_names;
  auto fresh_name = [&](const std::string& dir, const std::string& prefix) {
    std::error_code ec;
    for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
      const std::string p = it->path().string();
      if (it->path().filename().string().rfind(prefix, 0) == 0 && !old_names.count(p)) return true;
    }
    return false;
  };
  const std::vector<std::pair<const char*, std::function<bool()>>> steps = {
      {"store lock taken", [&] { return HoldsOpen(pid, live_ + ".ferry-lock"); }},
      {"extracted copy", [&] { return fresh_name(root_, "store.ferry-restore-"); }},
      {"safety archive", [&] { return fresh_name(backups_, ".ferry-staging-kv-"); }},
      {"swap record", [&] { return fresh_name(root_, "store.ferry-replaced-"); }},
  };
  Content before;  // the store as this round found it (when missing: its replaced copy)
  for (int round = 0; round < 12; ++round) {
    // Something for the restore to replace: the store differs from the archive.
    if (fs::exists(live_)) {
      before = Read();
      if (before == want) {
        Fill(next_id, 3000);
        next_id += 3000;
        before = Read();
      }
    }
    const auto& [what, reached] = steps[rng() % steps.size()];
    old_names.clear();
    for (const std::string& d : {root_, backups_}) {
      std::error_code ec;
      for (fs::directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec))
        old_names.insert(it->path().string());
    }
    pid = Spawn(RestoreArgs(archive), log);
    int status = 0;
    bool exited = false;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::minutes(5);
    while (!reached()) {
      if (::waitpid(pid, &status, WNOHANG) == pid) {
        exited = true;
        break;
      }
      ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "round " << round << ": " << what;
      std::this_thread::yield();
    }
    if (!exited) {
      // A random moment longer. The record is the last step before the two
      // renames, so that one waits at most ~3 ms (spinning on the clock, no
      // sleep's granularity), to land before, between or after them.
      const auto extra = std::string(what) == "swap record"
                             ? std::chrono::microseconds(rng() % 3000)
                             : std::chrono::microseconds(rng() % 20000);
      const auto until = std::chrono::steady_clock::now() + extra;
      while (std::chrono::steady_clock::now() < until) std::this_thread::yield();
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    }
    if (WIFSIGNALED(status)) {
      ASSERT_EQ(WTERMSIG(status), SIGKILL) << "ferry died of signal " << WTERMSIG(status);
      ++kills;
    } else {
      ASSERT_EQ(WEXITSTATUS(status), 0) << "round " << round << ", see " << log;
      ++finished;
    }
    // After the kill: the old store or the archive's, never a mix; or no
    // store and exactly one replaced copy of it.
    if (fs::exists(live_)) {
      const Content now = Read();
      EXPECT_TRUE(now == want || (before.keys > 0 && now == before))
          << "round " << round << " killed at " << what << ": " << now.keys << " keys";
    } else {
      int replaced_dirs = 0;
      for (const auto& n : Beside("store.ferry-replaced-"))
        replaced_dirs += fs::is_directory(root_ + "/" + n) ? 1 : 0;
      EXPECT_EQ(replaced_dirs, 1) << "round " << round
                                  << ": no store, and not one copy to roll back";
      ++rolled_back;
    }
  }
  EXPECT_GT(kills, 0);

  // `backup status` lists what the last kill left beside the store (each
  // extracted copy, replaced store, record, and a replaced store whose
  // removal the kill cut short) and touches none of it.
  // A replaced store's record beside its directory is part of that one
  // leftover (status lists the directory; a kill after the swap and before
  // the removal leaves both). Every name is checked untouched.
  std::vector<std::string> left, names;
  for (const char* prefix :
       {"store.ferry-restore-", "store.ferry-replaced-", "store.ferry-removing-"})
    for (const auto& n : Beside(prefix)) {
      names.push_back(n);
      const size_t json = n.find(".json");
      if (json != std::string::npos && fs::is_directory(root_ + "/" + n.substr(0, json))) continue;
      left.push_back(n);
    }
  {
    std::vector<std::string> args = {"ferry",  "--db",   url_,    "--output", "json",
                                     "backup", "status", "--dir", backups_};
    std::vector<char*> argv;
    for (auto& a : args) argv.push_back(a.data());
    std::ostringstream out, err;
    ASSERT_EQ(cli::RunCli(static_cast<int>(argv.size()), argv.data(), Env::Default(), out, err), 0)
        << out.str() << err.str();
    auto j = nlohmann::json::parse(out.str(), nullptr, false);
    ASSERT_FALSE(j.is_discarded()) << out.str();
    EXPECT_EQ(j["restore_leftovers"].size(), left.size()) << out.str();
    for (const auto& n : names)
      EXPECT_TRUE(fs::exists(root_ + "/" + n)) << n << " touched by status";
  }

  // The rerun: recovers whatever the last kill left, then restores.
  pid = Spawn(RestoreArgs(archive), log);
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "ferry said:\n" << Text(log);
  EXPECT_TRUE(Read() == want) << "the store does not hold what the archive holds";
  EXPECT_TRUE(Beside("store.ferry-").empty())
      << Beside("store.ferry-")[0] << " left behind; ferry said:\n"
      << Text(log);
  // What the killed safety archives left goes with cleanup.
  pid = Spawn({"--db", url_, "backup", "cleanup", "--dir", backups_}, log);
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "ferry said:\n" << Text(log);
  for (const auto& e : fs::directory_iterator(backups_)) {
    const std::string n = e.path().filename().string();
    EXPECT_NE(n.rfind(".ferry-", 0), 0u) << n << " left behind";
    EXPECT_EQ(n.find(".partial"), std::string::npos) << n << " left behind";
  }
  std::cout << "kills " << kills << ", finished " << finished << ", store missing after a kill "
            << rolled_back << "\n";
}

}  // namespace
}  // namespace ferry
