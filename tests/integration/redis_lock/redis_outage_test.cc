// Redis stopping and coming back while leases are held. The test runs its own
// redis-server child on a private port (the shared test server must not be
// stopped), and kills only that child.
#include <gtest/gtest.h>

#include <mutex>
#include <thread>
#include <vector>

#include "integration/private_redis.h"
#include "integration/servers.h"
#include "lock/redis/degraded_lock.h"
#include "lock/redis/redis_lock.h"

namespace ferry {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Deadline Past() { return Deadline{Clock::time_point::min()}; }

class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string shared;  // same gate as the other Redis tests
    FERRY_REQUIRE_SERVER(shared, "FERRY_TEST_REDIS_ADDR");
    server_ = testing::PrivateRedis::StartOnFreePort();
    if (!server_) {
      if (::ferry::testing::ServersRequired()) FAIL() << "could not start a private redis-server";
      GTEST_SKIP() << "could not start a private redis-server";
    }
  }
  std::unique_ptr<testing::PrivateRedis> server_;
};

TEST_F(RedisOutageTest, StopMidRunThenComeBack) {
  RedisLockOptions o;
  o.addresses = server_->address();
  auto plain = RedisLock::Open(o, Env::Default()).value();
  std::mutex mu;
  std::vector<std::string> warnings;
  DegradedLock degraded(RedisLock::Open(o, Env::Default()).value(), Env::Default(),
                        [&](const std::string& m) {
                          std::lock_guard<std::mutex> l(mu);
                          warnings.push_back(m);
                        },
                        milliseconds(100));

  auto plain_lease = plain->Acquire("a", milliseconds(10000), Past());
  ASSERT_TRUE(plain_lease.ok()) << plain_lease.status().ToString();
  auto lease = degraded.Acquire("b", milliseconds(10000), Past());
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_FALSE(degraded.degraded());

  server_->Stop();

  // Plain lock: clear, quick failures.
  auto start = Clock::now();
  EXPECT_EQ(plain->Acquire("c", milliseconds(1000), Past()).status().code(), Code::kUnavailable);
  EXPECT_EQ(plain_lease.value()->Release().code(), Code::kUnavailable);
  EXPECT_LT(Clock::now() - start, milliseconds(2000));

  // Degraded lock: the held lease survives on its local part, new keys go local.
  EXPECT_TRUE(lease.value()->Extend(milliseconds(10000)).ok());
  EXPECT_TRUE(degraded.degraded());
  auto local = degraded.Acquire("d", milliseconds(10000), Past());
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_EQ(degraded.Acquire("b", milliseconds(1000), Past()).status().code(), Code::kLocked);
  {
    std::lock_guard<std::mutex> l(mu);
    ASSERT_EQ(warnings.size(), 1u);
    EXPECT_NE(warnings[0].find("DEGRADED MODE"), std::string::npos);
  }

  // Back again: pooled connections are dead and get replaced transparently.
  ASSERT_TRUE(server_->Start());
  auto again = plain->Acquire("e", milliseconds(10000), Past());
  EXPECT_TRUE(again.ok()) << again.status().ToString();
  std::this_thread::sleep_for(milliseconds(150));  // past `recheck`
  auto resumed = degraded.Acquire("f", milliseconds(10000), Past());
  ASSERT_TRUE(resumed.ok()) << resumed.status().ToString();
  EXPECT_FALSE(degraded.degraded());
  std::lock_guard<std::mutex> l(mu);
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_NE(warnings[1].find("resumed"), std::string::npos);
}

}  // namespace
}  // namespace ferry
