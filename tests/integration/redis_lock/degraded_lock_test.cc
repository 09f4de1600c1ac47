// DegradedLock against a primary whose outage the test switches on and off
// (a fake only for fault injection; the Redis-backed case is in
// redis_lock_test.cc).
#include <gtest/gtest.h>

#include <atomic>
#include <mutex>
#include <thread>
#include <vector>

#include "lock/local/local_lock.h"
#include "lock/redis/degraded_lock.h"

namespace ferry {
namespace {

using std::chrono::milliseconds;

Deadline Past() { return Deadline{std::chrono::steady_clock::time_point::min()}; }

// A LocalLock that answers Unavailable while `down` is set.
class SwitchableLock : public Lock {
 public:
  explicit SwitchableLock(std::atomic<bool>* down) : inner_(Env::Default()), down_(down) {}
  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, milliseconds lease,
                                             Deadline deadline) override {
    ++acquires;
    if (*down_) return Unavailable("switched off");
    return inner_.Acquire(key, lease, deadline);
  }
  std::string Describe() const override { return "switchable"; }
  LocalLock inner_;
  std::atomic<int> acquires{0};

 private:
  std::atomic<bool>* down_;
};

struct Warnings {
  std::mutex mu;
  std::vector<std::string> lines;
  DegradedLock::Warn Sink() {
    return [this](const std::string& m) {
      std::lock_guard<std::mutex> l(mu);
      lines.push_back(m);
    };
  }
};

TEST(DegradedLock, HealthyPrimaryIsUsedAndNothingIsLogged) {
  std::atomic<bool> down{false};
  auto primary = std::make_unique<SwitchableLock>(&down);
  SwitchableLock* p = primary.get();
  Warnings w;
  DegradedLock lock(std::move(primary), Env::Default(), w.Sink());
  auto a = lock.Acquire("k", milliseconds(0), Past());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(p->inner_.HeldCount(), 1u);  // held in the primary
  EXPECT_EQ(lock.Acquire("k", milliseconds(0), Past()).status().code(), Code::kLocked);
  ASSERT_TRUE(a.value()->Release().ok());
  EXPECT_EQ(p->inner_.HeldCount(), 0u);
  EXPECT_FALSE(lock.degraded());
  EXPECT_TRUE(w.lines.empty());
}

TEST(DegradedLock, FallsBackWarnsOnceRechecksAndRecovers) {
  std::atomic<bool> down{true};
  auto primary = std::make_unique<SwitchableLock>(&down);
  SwitchableLock* p = primary.get();
  Warnings w;
  DegradedLock lock(std::move(primary), Env::Default(), w.Sink(), milliseconds(100));
  auto a = lock.Acquire("k", milliseconds(0), Past());
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_TRUE(lock.degraded());
  // Still exclusive inside the process.
  EXPECT_EQ(lock.Acquire("k", milliseconds(0), Past()).status().code(), Code::kLocked);
  for (int i = 0; i < 20; ++i) ASSERT_TRUE(lock.Acquire("other" + std::to_string(i), milliseconds(0), Past()).ok());
  EXPECT_EQ(p->acquires.load(), 1);  // no retry storm while within `recheck`
  ASSERT_EQ(w.lines.size(), 1u);
  EXPECT_NE(w.lines[0].find("DEGRADED MODE"), std::string::npos) << w.lines[0];
  EXPECT_NE(w.lines[0].find("switched off"), std::string::npos) << w.lines[0];

  down = false;
  std::this_thread::sleep_for(milliseconds(120));
  auto b = lock.Acquire("k2", milliseconds(0), Past());
  ASSERT_TRUE(b.ok());
  EXPECT_FALSE(lock.degraded());
  EXPECT_EQ(p->inner_.HeldCount(), 1u);
  ASSERT_EQ(w.lines.size(), 2u);
  EXPECT_NE(w.lines[1].find("resumed"), std::string::npos);
  // The degraded lease on "k" still excludes this process after recovery.
  EXPECT_EQ(lock.Acquire("k", milliseconds(0), Past()).status().code(), Code::kLocked);
}

TEST(DegradedLock, PrimaryLockedIsNotDegradedAndFreesTheLocalPart) {
  std::atomic<bool> down{false};
  auto primary = std::make_unique<SwitchableLock>(&down);
  SwitchableLock* p = primary.get();
  Warnings w;
  DegradedLock lock(std::move(primary), Env::Default(), w.Sink());
  auto other_process = p->inner_.Acquire("k", milliseconds(0), Past());  // held elsewhere
  ASSERT_TRUE(other_process.ok());
  EXPECT_EQ(lock.Acquire("k", milliseconds(0), Past()).status().code(), Code::kLocked);
  EXPECT_FALSE(lock.degraded());
  ASSERT_TRUE(other_process.value()->Release().ok());
  EXPECT_TRUE(lock.Acquire("k", milliseconds(0), Past()).ok());  // local part was freed
}

}  // namespace
}  // namespace ferry
