// kill -9 inside every step of a reshape (pre-check, snapshot, create,
// triggers, copy, verify, indexes, swap) and of its rollback, then run again:
// it resumes (or the rollback completes), never loses or doubles a row, and
// the final table equals the expected rows. SQLite always, PostgreSQL when
// FERRY_TEST_PG_URL is set.
//
// 1. In-process: a forked child runs the reshape; at "step N begin" it arms
//    a timer that SIGKILLs it after a random delay within that step's
//    measured duration, and it also kills itself at random "before commit"
//    points and at the latest at "step N done" (so the kill lands in step N).
//    Half of the runs have a writer process inserting/updating/deleting
//    throughout; copy batches alternate between --copy-lock rows and table.
// 2. The real binary: `ferry reshape run` SIGKILLed at random moments, then
//    the lock (a second run gets exit code 7), abort, and a clean rerun.
#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <map>

#include "integration/reshape/reshape_harness.h"
#include "jobs/backup/table_checksum.h"

namespace ferry::testing {
namespace {

constexpr int kRows = 3000;
constexpr int kBatch = 250;
using Clock = std::chrono::steady_clock;
// A killed client's PostgreSQL backend may take a moment to end its session
// (and so free the advisory lock): reruns wait for it, as the CLI does.
constexpr std::chrono::milliseconds kLockWait{10000};

class ReshapeCrash : public ::testing::TestWithParam<bool> {
 protected:
  void SetUp() override {
    pg_ = GetParam();
    if (pg_) FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
    dir_ = "/tmp/ferry_reshape_crash_" + std::to_string(::getpid());
    (void)std::system(("rm -rf " + dir_ + " && mkdir -p " + dir_).c_str());
    plan_text_ = WithBatch(ReadExample(pg_ ? "chunks.toml" : "chunks_sqlite.toml"), kBatch);
    // 100 collections do not fill 100 partitions.
    auto m = plan_text_.find("method = \"list\"");
    if (m != std::string::npos) plan_text_.insert(m, "allow_empty = true\n");
    auto plan = ParseReshapePlan(plan_text_, "plan.toml");
    ASSERT_TRUE(plan.ok()) << plan.status().ToString();
    plan_ = *plan;
    std::ofstream(dir_ + "/plan.toml") << plan_text_;
  }
  void TearDown() override {
    scratch_.reset();
    (void)std::system(("rm -rf " + dir_).c_str());
  }

  // A fresh database with kRows chunks; the parent keeps no connection open
  // (a SQLite connection must not cross a fork).
  void NewTarget() {
    scratch_.reset();
    if (pg_) {
      auto s = PgScratchDatabase::Create(admin_);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      scratch_ = std::move(*s);
      url_ = scratch_->url();
    } else {
      url_ = "sqlite://" + dir_ + "/db" + std::to_string(++n_) + ".db";
    }
    auto db = Open();
    ASSERT_TRUE(FillChunks(db.get(), pg_, kRows, 100).ok());
    auto c = ComputeTableChecksum(db.get(), "chunks");
    ASSERT_TRUE(c.ok());
    original_ = *c;
  }
  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(url_, Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(*db) : nullptr;
  }

  // Step durations (seconds) of one undisturbed reshape and rollback.
  void Calibrate() {
    NewTarget();
    auto db = Open();
    auto logger = Logger::Capturing({});
    std::map<std::string, Clock::time_point> begun;
    ReshapeOptions o;
    o.hook = [&](std::string_view p) {
      std::string s(p);
      if (s.size() > 6 && s.substr(s.size() - 6) == " begin") begun[s.substr(0, s.size() - 6)] = Clock::now();
      if (s.size() > 5 && s.substr(s.size() - 5) == " done") {
        int n = std::stoi(s.substr(5));
        seconds_[n] = std::chrono::duration<double>(Clock::now() - begun[s.substr(0, s.size() - 5)]).count();
      }
    };
    auto r = RunReshape(db.get(), Env::Default(), logger.get(), plan_, o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    auto t0 = Clock::now();
    auto rb = RollbackReshape(db.get(), Env::Default(), logger.get(), "chunks");
    ASSERT_TRUE(rb.ok()) << rb.status().ToString();
    seconds_[9] = std::chrono::duration<double>(Clock::now() - t0).count();
  }

  // Forks a child that runs the reshape (step 1-8) or the rollback (9) and
  // kills itself inside step `step`. Returns true when it was killed.
  bool RunChildKilledIn(int step, uint64_t seed) {
    const int max_us = std::max(200, static_cast<int>(seconds_[step] * 1e6));
    pid_t pid = ::fork();
    if (pid == 0) {
      auto db = OpenDatabase(url_, Env::Default());
      if (!db.ok()) ::_exit(3);
      auto logger = Logger::Capturing({});
      std::mt19937_64 rng(seed);
      auto arm = [&] {
        const int us = static_cast<int>(rng() % static_cast<uint64_t>(max_us));
        std::thread([us] {
          ::usleep(static_cast<useconds_t>(us));
          ::raise(SIGKILL);
        }).detach();
      };
      if (step == 9) {
        RollbackOptions ro;
        ro.lock_wait = kLockWait;
        ro.hook = [&](std::string_view) {
          if (rng() % 2 == 0) ::raise(SIGKILL);
        };
        arm();
        auto r = RollbackReshape(db->get(), Env::Default(), logger.get(), "chunks", ro);
        if (r.ok()) ::raise(SIGKILL);  // right after the commit
        std::ofstream(dir_ + "/child_error") << r.status().ToString();
        ::_exit(4);
      }
      const std::string prefix = "step " + std::to_string(step) + " ";
      ReshapeOptions o;
      o.copy_lock = copy_lock_;
      o.run_lock_wait = kLockWait;
      o.hook = [&](std::string_view p) {
        if (p == prefix + "begin") return arm();
        if (p == prefix + "done") ::raise(SIGKILL);
        if (p == prefix + "before commit" && rng() % 2 == 0) ::raise(SIGKILL);
        if (step == 5 && p == "batch before commit" && rng() % 8 == 0) ::raise(SIGKILL);
      };
      auto r = RunReshape(db->get(), Env::Default(), logger.get(), plan_, o);
      if (!r.ok()) std::ofstream(dir_ + "/child_error") << r.status().ToString();
      ::_exit(r.ok() ? 0 : 4);
    }
    int status = 0;
    ::waitpid(pid, &status, 0);
    if (WIFSIGNALED(status)) return WTERMSIG(status) == SIGKILL;
    std::ifstream in(dir_ + "/child_error");
    std::stringstream err;
    err << in.rdbuf();
    EXPECT_EQ(WEXITSTATUS(status), 0) << "child failed (not killed) in step " << step << ": "
                                      << err.str();
    return false;
  }

  // After a finished reshape: the live table holds exactly the mapped rows
  // of the kept old table, once each, and nothing of the reshape is left.
  void ExpectReshaped(Database* db, const ReshapeReport& r, bool writer) {
    ExpectSameRows(db, pg_, r.old_table);
    auto n = db->Query("SELECT count(*), count(DISTINCT id) FROM chunks", {});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->GetInt(0, 0), n->GetInt(0, 1)) << "a row was doubled";
    if (!writer) {
      EXPECT_EQ(n->GetInt(0, 0), kRows);
      auto old = ComputeTableChecksum(db, r.old_table);
      ASSERT_TRUE(old.ok());
      EXPECT_EQ(old->checksum, original_.checksum) << "the old table changed";
    }
    EXPECT_FALSE(*db->TableExists(plan_.new_table));
    auto trg = db->Query(pg_ ? "SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal"
                             : "SELECT count(*) FROM sqlite_master WHERE type = 'trigger'", {});
    ASSERT_TRUE(trg.ok());
    EXPECT_EQ(trg->GetInt(0, 0), 0) << "capture triggers left behind";
  }

  bool pg_ = false;
  std::string admin_, dir_, url_, plan_text_;
  int n_ = 0;
  std::unique_ptr<PgScratchDatabase> scratch_;
  ReshapePlan plan_;
  TableChecksum original_;
  std::map<int, double> seconds_;
  CopyLock copy_lock_ = CopyLock::kRows;
  // The writer process's operation count, in memory shared with it.
  std::atomic<int64_t>* ops_ = static_cast<std::atomic<int64_t>*>(
      ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0));
};

TEST_P(ReshapeCrash, KilledInEveryStepThenRerunFinishes) {
  Calibrate();
  for (int s = 1; s <= 9; ++s) std::cerr << "step " << s << ": " << seconds_[s] << " s\n";
  const uint64_t base = std::random_device{}();
  std::cerr << "seed " << base << "\n";
  // Every step twice (once with a writer for steps 1-7), the copy four times.
  std::vector<std::pair<int, bool>> cases;
  for (int s = 1; s <= 9; ++s) {
    cases.emplace_back(s, false);
    cases.emplace_back(s, s <= 7);
  }
  cases.emplace_back(5, true);
  cases.emplace_back(5, false);
  int kills = 0;
  for (size_t i = 0; i < cases.size(); ++i) {
    const auto [step, writer] = cases[i];
    SCOPED_TRACE("step " + std::to_string(step) + (writer ? " with writer" : "") + ", case " +
                 std::to_string(i));
    NewTarget();
    // Both ways of guarding a PostgreSQL copy batch, alternately.
    copy_lock_ = i % 2 ? CopyLock::kTable : CopyLock::kRows;
    auto logger = Logger::Capturing({});
    if (step == 9) {
      auto db = Open();
      auto r = RunReshape(db.get(), Env::Default(), logger.get(), plan_, {});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
    }
    // The writer is a process of its own, forked while this process has no
    // threads and no SQLite connection; it writes until it is killed.
    pid_t writer_pid = 0;
    if (writer) {
      ops_->store(0);
      writer_pid = ::fork();
      if (writer_pid == 0) {
        std::atomic<bool> never{false};
        std::atomic<int64_t> errors{0};
        Writer(url_, &never, ops_, &errors, base + i);
        ::_exit(0);
      }
      // On a fast idle machine the whole run can end before a freshly forked
      // writer has connected (the CI run saw "the writer never wrote"): the
      // kill and the re-run begin only once it is writing.
      for (int w = 0; w < 2000 && ops_->load() == 0; ++w) ::usleep(10000);
      ASSERT_GT(ops_->load(), 0) << "the writer did not start writing within 20 s";
    }
    auto stop_writer = [&] {
      if (writer_pid <= 0) return;
      ::kill(writer_pid, SIGKILL);
      ::waitpid(writer_pid, nullptr, 0);
      writer_pid = 0;
    };
    bool killed = false;
    killed = RunChildKilledIn(step, base + 1000 + i);
    kills += killed;
    auto db = Open();
    if (step == 9) {
      auto latest = LatestDoneForTable(db.get(), "chunks");
      ASSERT_TRUE(latest.ok());
      if (latest->has_value()) {
        RollbackOptions ro;
        ro.lock_wait = kLockWait;
        auto rb = RollbackReshape(db.get(), Env::Default(), logger.get(), "chunks", ro);
        ASSERT_TRUE(rb.ok()) << rb.status().ToString();
      }
      auto c = ComputeTableChecksum(db.get(), "chunks");
      ASSERT_TRUE(c.ok());
      EXPECT_EQ(*c, original_) << "rollback did not give back the table of before";
      // And the plan runs again after the interrupted rollback.
      ReshapeOptions ao;
      ao.run_lock_wait = kLockWait;
      auto again = RunReshape(db.get(), Env::Default(), logger.get(), plan_, ao);
      ASSERT_TRUE(again.ok()) << again.status().ToString() << logger->Captured();
      ExpectReshaped(db.get(), *again, false);
      continue;
    }
    ReshapeOptions o;
    o.run_lock_wait = kLockWait;
    o.copy_lock = copy_lock_;
    // The writer stops right before the swap, so the kept old table is
    // exactly what the live table would hold.
    o.hook = [&](std::string_view p) {
      if (p == "step 8 begin") stop_writer();
    };
    auto r = RunReshape(db.get(), Env::Default(), logger.get(), plan_, o);
    stop_writer();
    ASSERT_TRUE(r.ok()) << r.status().ToString() << "\n" << logger->Captured();
    if (writer) {
      EXPECT_GT(ops_->load(), 0) << "the writer never wrote";
    }
    ExpectReshaped(db.get(), *r, writer);
  }
  EXPECT_EQ(kills, static_cast<int>(cases.size())) << "a child finished without being killed";
}

// --- the real binary ---------------------------------------------------

pid_t Spawn(const std::vector<std::string>& args, const std::string& err_file) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int out = ::open("/dev/null", O_WRONLY);
    int err = ::open(err_file.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    ::dup2(out, 1);
    ::dup2(err, 2);
    std::vector<char*> argv;
    for (const auto& a : args) argv.push_back(const_cast<char*>(a.c_str()));
    argv.push_back(nullptr);
    ::execv(FERRY_BINARY, argv.data());
    ::_exit(127);
  }
  return pid;
}

int Wait(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFSIGNALED(status) ? -WTERMSIG(status) : WEXITSTATUS(status);
}

std::string Slurp(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST_P(ReshapeCrash, RealBinaryKilledAtRandomMomentsResumes) {
  NewTarget();
  std::mt19937 rng(std::random_device{}());
  const std::string plan = dir_ + "/plan.toml", err = dir_ + "/err";
  int kills = 0;
  bool done = false;
  // 12 copy batches (kRows / kBatch) x 50 ms of pause: an uninterrupted run lasts >= 600 ms
  // however fast the machine, so the first kill (<= 420 ms) always lands.
  for (int round = 0; round < 10 && !done; ++round) {
    pid_t pid = Spawn({"ferry", "--db", url_, "reshape", "run", plan, "--pause-ms", "50"}, err);
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + rng() % 400));
    ::kill(pid, SIGKILL);
    int code = Wait(pid);
    if (code == -SIGKILL) {
      ++kills;
    } else {
      ASSERT_EQ(code, 0) << Slurp(err);
      done = true;
    }
  }
  EXPECT_GT(kills, 0);
  pid_t pid = Spawn({"ferry", "--db", url_, "reshape", "run", plan}, err);
  ASSERT_EQ(Wait(pid), 0) << Slurp(err);
  auto db = Open();
  auto st = LatestReshape(db.get(), "chunks");
  ASSERT_TRUE(st.ok() && st->has_value());
  ReshapeReport rep;
  rep.old_table = (*st)->old_table;
  ExpectReshaped(db.get(), rep, false);
}

// Two `ferry reshape run` of one table: the second exits 7 naming the table;
// the first is killed; `ferry reshape abort` cleans up; a rerun finishes.
TEST_P(ReshapeCrash, RealBinaryLockAbortAndRerun) {
  NewTarget();
  const std::string plan = dir_ + "/plan.toml";
  pid_t first = Spawn({"ferry", "--db", url_, "reshape", "run", plan, "--pause-ms", "200"},
                      dir_ + "/err1");
  // Wait until the first run is copying (its checkpoint moved).
  auto db = Open();
  bool copying = false;
  for (int i = 0; i < 600 && !copying; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    auto st = LatestReshape(db.get(), "chunks");
    copying = st.ok() && st->has_value() && (*st)->rows_copied > 0;
  }
  ASSERT_TRUE(copying) << Slurp(dir_ + "/err1");
  pid_t second = Spawn({"ferry", "--db", url_, "--lock-timeout", "0", "reshape", "run", plan},
                       dir_ + "/err2");
  EXPECT_EQ(Wait(second), 7) << Slurp(dir_ + "/err2");
  EXPECT_NE(Slurp(dir_ + "/err2").find("being reshaped"), std::string::npos) << Slurp(dir_ + "/err2");
  pid_t ab = Spawn({"ferry", "--db", url_, "--lock-timeout", "0.2", "reshape", "abort", plan},
                   dir_ + "/err3");
  EXPECT_EQ(Wait(ab), 7) << Slurp(dir_ + "/err3");
  ::kill(first, SIGKILL);
  EXPECT_EQ(Wait(first), -SIGKILL);
  // The kill freed the lock at once: abort the interrupted run.
  ab = Spawn({"ferry", "--db", url_, "--lock-timeout", "10", "reshape", "abort", plan}, dir_ + "/err3");
  ASSERT_EQ(Wait(ab), 0) << Slurp(dir_ + "/err3");
  EXPECT_FALSE(*db->TableExists(plan_.new_table));
  auto c = ComputeTableChecksum(db.get(), "chunks");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(*c, original_);
  db.reset();
  pid_t again = Spawn({"ferry", "--db", url_, "reshape", "run", plan}, dir_ + "/err4");
  ASSERT_EQ(Wait(again), 0) << Slurp(dir_ + "/err4");
  db = Open();
  auto st = LatestReshape(db.get(), "chunks");
  ASSERT_TRUE(st.ok() && st->has_value());
  EXPECT_EQ((*st)->status, "done");
  ReshapeReport rep;
  rep.old_table = (*st)->old_table;
  ExpectReshaped(db.get(), rep, false);
}

INSTANTIATE_TEST_SUITE_P(Engines, ReshapeCrash, ::testing::Values(false, true),
                         [](const auto& info) { return info.param ? "Postgres" : "Sqlite"; });

}  // namespace
}  // namespace ferry::testing
