// LocalLock: mutual exclusion, try/timeout, lease expiry and the rule that an
// expired holder cannot free the next holder's key.
#include <gtest/gtest.h>

#include <atomic>
#include <thread>
#include <vector>

#include "lock/local/local_lock.h"

namespace ferry {
namespace {

using std::chrono::milliseconds;

Deadline In(milliseconds ms) { return Deadline::After(Env::Default(), ms); }
Deadline Past() { return Deadline{std::chrono::steady_clock::time_point::min()}; }

TEST(LocalLock, MutualExclusionAcrossThreads) {
  LocalLock lock(Env::Default());
  std::atomic<int> inside{0};
  std::atomic<int> max_inside{0};
  int counter = 0;  // unsynchronised on purpose: the lock must protect it
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (int i = 0; i < 500; ++i) {
        auto lease = lock.Acquire("k", milliseconds(0), Deadline::Never());
        ASSERT_TRUE(lease.ok());
        int now = ++inside;
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {}
        ++counter;
        --inside;
        ASSERT_TRUE(lease.value()->Release().ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_EQ(counter, 8 * 500);
  EXPECT_EQ(lock.HeldCount(), 0u);
}

TEST(LocalLock, TryTimeoutAndIndependentKeys) {
  LocalLock lock(Env::Default());
  auto a = lock.Acquire("a", milliseconds(0), Deadline::Never());
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(lock.Acquire("a", milliseconds(0), Past()).status().code(), Code::kLocked);
  auto start = std::chrono::steady_clock::now();
  EXPECT_EQ(lock.Acquire("a", milliseconds(0), In(milliseconds(100))).status().code(), Code::kTimeout);
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(95));
  EXPECT_TRUE(lock.Acquire("b", milliseconds(0), Past()).ok());
  a.value().reset();  // destruction releases
  EXPECT_TRUE(lock.Acquire("a", milliseconds(0), Past()).ok());
}

TEST(LocalLock, WaiterWakesOnRelease) {
  LocalLock lock(Env::Default());
  auto a = lock.Acquire("k", milliseconds(0), Deadline::Never());
  ASSERT_TRUE(a.ok());
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(50));
    EXPECT_TRUE(a.value()->Release().ok());
  });
  auto b = lock.Acquire("k", milliseconds(0), In(milliseconds(5000)));
  releaser.join();
  EXPECT_TRUE(b.ok()) << b.status().ToString();
}

TEST(LocalLock, ExpiredLeaseIsTakenOverAndCannotFreeTheNewHolder) {
  LocalLock lock(Env::Default());
  auto old_holder = lock.Acquire("k", milliseconds(100), Deadline::Never());
  ASSERT_TRUE(old_holder.ok());
  auto start = std::chrono::steady_clock::now();
  auto new_holder = lock.Acquire("k", milliseconds(10000), In(milliseconds(3000)));
  ASSERT_TRUE(new_holder.ok()) << new_holder.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - start, milliseconds(80));
  EXPECT_EQ(old_holder.value()->Extend(milliseconds(1000)).code(), Code::kNotFound);
  EXPECT_EQ(old_holder.value()->Release().code(), Code::kNotFound);
  EXPECT_EQ(lock.Acquire("k", milliseconds(0), Past()).status().code(), Code::kLocked);
  EXPECT_TRUE(new_holder.value()->Release().ok());
  EXPECT_TRUE(lock.Acquire("k", milliseconds(0), Past()).ok());
}

TEST(LocalLock, ExtendKeepsTheLease) {
  LocalLock lock(Env::Default());
  auto a = lock.Acquire("k", milliseconds(150), Deadline::Never());
  ASSERT_TRUE(a.ok());
  std::this_thread::sleep_for(milliseconds(100));
  ASSERT_TRUE(a.value()->Extend(milliseconds(5000)).ok());
  std::this_thread::sleep_for(milliseconds(150));
  EXPECT_EQ(lock.Acquire("k", milliseconds(0), Past()).status().code(), Code::kLocked);
}

}  // namespace
}  // namespace ferry
