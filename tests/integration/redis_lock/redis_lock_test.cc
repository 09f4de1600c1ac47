// RedisLock against a real redis-server (FERRY_TEST_REDIS_ADDR, started by
// scripts/test-servers.sh). Keys carry a random suffix so runs can share one
// server.
#include <gtest/gtest.h>
#include <hiredis/hiredis.h>

#include <atomic>
#include <thread>
#include <vector>

#include "integration/servers.h"
#include "lock/redis/degraded_lock.h"
#include "lock/redis/redis_lock.h"

namespace ferry {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Deadline In(milliseconds ms) { return Deadline::After(Env::Default(), ms); }
Deadline Past() { return Deadline{Clock::time_point::min()}; }

// Raw hiredis access, to play a crashed holder and look at keys.
class RawRedis {
 public:
  explicit RawRedis(const std::string& addr) {
    auto a = ParseRedisAddresses(addr).value().front();
    c_ = redisConnect(a.host.c_str(), a.port);
  }
  ~RawRedis() { redisFree(c_); }
  std::string Run(std::vector<std::string> args) {
    std::vector<const char*> argv;
    std::vector<size_t> lens;
    for (auto& s : args) {
      argv.push_back(s.data());
      lens.push_back(s.size());
    }
    auto* r = static_cast<redisReply*>(redisCommandArgv(c_, static_cast<int>(argv.size()), argv.data(), lens.data()));
    if (!r) return "<io error>";
    std::string out = r->type == REDIS_REPLY_NIL ? "<nil>"
                      : r->type == REDIS_REPLY_INTEGER ? std::to_string(r->integer)
                                                       : std::string(r->str, r->len);
    freeReplyObject(r);
    return out;
  }

 private:
  redisContext* c_;
};

class RedisLockTest : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(addr_, "FERRY_TEST_REDIS_ADDR");
    key_ = "test-" + std::to_string(Env::Default()->Random64());
  }
  std::unique_ptr<RedisLock> Open(RedisLockOptions o = {}) {
    if (o.addresses == RedisLockOptions{}.addresses) o.addresses = addr_;
    auto lock = RedisLock::Open(o, Env::Default());
    EXPECT_TRUE(lock.ok()) << lock.status().ToString();
    return lock.ok() ? std::move(lock).value() : nullptr;
  }
  std::string addr_;
  std::string key_;
};

TEST(RedisAddresses, Parse) {
  auto a = ParseRedisAddresses(" redis1:6380, redis2 ,[::1]:7000").value();
  ASSERT_EQ(a.size(), 3u);
  EXPECT_EQ(a[0].ToString(), "redis1:6380");
  EXPECT_EQ(a[1].ToString(), "redis2:6379");
  EXPECT_EQ(a[2].ToString(), "[::1]:7000");
  EXPECT_EQ(ParseRedisAddresses("").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseRedisAddresses("h:0").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseRedisAddresses("h:99999").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseRedisAddresses("h:").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(ParseRedisAddresses(":6379").status().code(), Code::kInvalidArgument);
}

TEST(RedisLockOpen, TlsIsRefusedClearly) {
  RedisLockOptions o;
  o.tls = true;
  auto lock = RedisLock::Open(o, Env::Default());
  ASSERT_FALSE(lock.ok());
  EXPECT_EQ(lock.status().code(), Code::kInvalidArgument);
  EXPECT_NE(lock.status().message().find("built without TLS"), std::string::npos);
}

TEST(RedisLockDown, ClosedPortIsUnavailableQuickly) {
  RedisLockOptions o;
  o.addresses = "127.0.0.1:1,127.0.0.1:2";
  auto lock = RedisLock::Open(o, Env::Default()).value();
  auto start = Clock::now();
  auto lease = lock->Acquire("k", milliseconds(1000), In(milliseconds(10000)));
  auto took = Clock::now() - start;
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kUnavailable) << lease.status().ToString();
  EXPECT_NE(lease.status().message().find("127.0.0.1:2"), std::string::npos) << lease.status().message();
  EXPECT_LT(took, milliseconds(1000));  // bounded retries, not the 10 s deadline
  EXPECT_EQ(lock->Ping().code(), Code::kUnavailable);
}

TEST_F(RedisLockTest, AcquireReleaseWithPrefixAndToken) {
  auto lock = Open();
  ASSERT_TRUE(lock->Ping().ok());
  auto lease = lock->Acquire(key_, milliseconds(5000), Past());
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  RawRedis raw(addr_);
  std::string token = raw.Run({"GET", "ferry:lock:" + key_});
  EXPECT_NE(token.find(Env::Default()->HostName()), std::string::npos) << token;
  int64_t ttl = std::stoll(raw.Run({"PTTL", "ferry:lock:" + key_}));
  EXPECT_GT(ttl, 4000);
  EXPECT_LE(ttl, 5000);
  EXPECT_EQ(lock->Acquire(key_, milliseconds(5000), Past()).status().code(), Code::kLocked);
  ASSERT_TRUE(lease.value()->Release().ok());
  EXPECT_EQ(raw.Run({"GET", "ferry:lock:" + key_}), "<nil>");
  EXPECT_TRUE(lock->Acquire(key_, milliseconds(5000), Past()).ok());  // and freed on destruction
  EXPECT_EQ(raw.Run({"EXISTS", "ferry:lock:" + key_}), "0");
}

TEST_F(RedisLockTest, MutualExclusionAcrossThreadsAndConnections) {
  // Two RedisLock objects = two independent connection pools, as two
  // processes would have; four threads on each.
  auto a = Open();
  auto b = Open();
  std::atomic<int> inside{0}, max_inside{0}, timeouts{0};
  int counter = 0;
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    RedisLock* lock = t % 2 ? a.get() : b.get();
    threads.emplace_back([&, lock] {
      for (int i = 0; i < 40; ++i) {
        auto lease = lock->Acquire(key_, milliseconds(10000), In(milliseconds(20000)));
        if (!lease.ok()) {
          ++timeouts;
          ADD_FAILURE() << lease.status().ToString();
          return;
        }
        int now = ++inside;
        int seen = max_inside.load();
        while (now > seen && !max_inside.compare_exchange_weak(seen, now)) {}
        // Read, pause, write: without exclusion, updates get lost.
        int before = counter;
        std::this_thread::sleep_for(std::chrono::microseconds(200));
        counter = before + 1;
        --inside;
        ASSERT_TRUE(lease.value()->Release().ok());
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(timeouts.load(), 0);
  EXPECT_EQ(max_inside.load(), 1);
  EXPECT_EQ(counter, 8 * 40);
}

TEST_F(RedisLockTest, CrashedHolderIsFreedByLeaseExpiry) {
  RawRedis crashed(addr_);  // takes the key with a 300 ms lease, then "dies"
  ASSERT_EQ(crashed.Run({"SET", "ferry:lock:" + key_, "crashed-token", "NX", "PX", "300"}), "OK");
  auto lock = Open();
  auto start = Clock::now();
  auto lease = lock->Acquire(key_, milliseconds(5000), In(milliseconds(5000)));
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  EXPECT_GE(Clock::now() - start, milliseconds(200));
  EXPECT_LT(Clock::now() - start, milliseconds(2000));
}

TEST_F(RedisLockTest, ExpiredHolderCannotReleaseOrExtendTheNewHoldersLock) {
  auto a = Open();
  auto b = Open();
  auto old_lease = a->Acquire(key_, milliseconds(150), Past());
  ASSERT_TRUE(old_lease.ok());
  std::this_thread::sleep_for(milliseconds(250));  // expired, never extended
  auto new_lease = b->Acquire(key_, milliseconds(10000), Past());
  ASSERT_TRUE(new_lease.ok()) << new_lease.status().ToString();
  EXPECT_EQ(old_lease.value()->Extend(milliseconds(10000)).code(), Code::kNotFound);
  EXPECT_EQ(old_lease.value()->Release().code(), Code::kNotFound);
  EXPECT_EQ(a->Acquire(key_, milliseconds(1000), Past()).status().code(), Code::kLocked);
  ASSERT_TRUE(new_lease.value()->Release().ok());
  EXPECT_TRUE(a->Acquire(key_, milliseconds(1000), Past()).ok());
}

TEST_F(RedisLockTest, ExtendPushesTheExpiryOut) {
  auto lock = Open();
  auto lease = lock->Acquire(key_, milliseconds(300), Past());
  ASSERT_TRUE(lease.ok());
  std::this_thread::sleep_for(milliseconds(200));
  ASSERT_TRUE(lease.value()->Extend(milliseconds(5000)).ok());
  std::this_thread::sleep_for(milliseconds(250));
  EXPECT_EQ(lock->Acquire(key_, milliseconds(1000), Past()).status().code(), Code::kLocked);
}

TEST_F(RedisLockTest, WaitsUntilDeadlineThenTimeout) {
  auto lock = Open();
  auto held = lock->Acquire(key_, milliseconds(10000), Past());
  ASSERT_TRUE(held.ok());
  auto start = Clock::now();
  auto r = lock->Acquire(key_, milliseconds(1000), In(milliseconds(200)));
  EXPECT_EQ(r.status().code(), Code::kTimeout);
  EXPECT_GE(Clock::now() - start, milliseconds(190));
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  // A waiter gets the key soon after the holder releases.
  std::thread releaser([&] {
    std::this_thread::sleep_for(milliseconds(100));
    EXPECT_TRUE(held.value()->Release().ok());
  });
  auto waited = lock->Acquire(key_, milliseconds(1000), In(milliseconds(5000)));
  releaser.join();
  EXPECT_TRUE(waited.ok()) << waited.status().ToString();
}

TEST_F(RedisLockTest, TriesAddressesInOrder) {
  RedisLockOptions o;
  o.addresses = "127.0.0.1:1," + addr_;
  auto lock = Open(o);
  auto lease = lock->Acquire(key_, milliseconds(1000), Past());
  EXPECT_TRUE(lease.ok()) << lease.status().ToString();
}

TEST_F(RedisLockTest, SelectsTheDatabase) {
  RedisLockOptions o;
  o.db = 3;
  auto lock = Open(o);
  auto lease = lock->Acquire(key_, milliseconds(5000), Past());
  ASSERT_TRUE(lease.ok()) << lease.status().ToString();
  RawRedis raw(addr_);
  EXPECT_EQ(raw.Run({"EXISTS", "ferry:lock:" + key_}), "0");  // not in db 0
  raw.Run({"SELECT", "3"});
  EXPECT_EQ(raw.Run({"EXISTS", "ferry:lock:" + key_}), "1");
}

TEST_F(RedisLockTest, RefusedAuthIsInvalidArgumentWithoutThePassword) {
  RedisLockOptions o;
  o.password = "s3cret-pw";  // the test server has no password: AUTH is refused
  auto lock = Open(o);
  auto lease = lock->Acquire(key_, milliseconds(1000), Past());
  ASSERT_FALSE(lease.ok());
  EXPECT_EQ(lease.status().code(), Code::kInvalidArgument) << lease.status().ToString();
  EXPECT_EQ(lease.status().message().find("s3cret-pw"), std::string::npos) << lease.status().message();
}

TEST_F(RedisLockTest, DegradedModeOverRealRedis) {
  std::vector<std::string> warnings;
  auto primary = Open();
  DegradedLock up(std::move(primary), Env::Default(), [&](const std::string& m) { warnings.push_back(m); });
  auto lease = up.Acquire(key_, milliseconds(5000), Past());
  ASSERT_TRUE(lease.ok());
  EXPECT_FALSE(up.degraded());
  RawRedis raw(addr_);
  EXPECT_EQ(raw.Run({"EXISTS", "ferry:lock:" + key_}), "1");  // really in Redis
  ASSERT_TRUE(lease.value()->Release().ok());
  EXPECT_EQ(raw.Run({"EXISTS", "ferry:lock:" + key_}), "0");

  RedisLockOptions o;
  o.addresses = "127.0.0.1:1";  // Redis down
  DegradedLock down(RedisLock::Open(o, Env::Default()).value(), Env::Default(),
                    [&](const std::string& m) { warnings.push_back(m); });
  auto start = Clock::now();
  auto local = down.Acquire(key_, milliseconds(5000), Past());
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  EXPECT_LT(Clock::now() - start, milliseconds(1000));
  EXPECT_TRUE(down.degraded());
  EXPECT_EQ(down.Acquire(key_, milliseconds(5000), Past()).status().code(), Code::kLocked);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_NE(warnings[0].find("127.0.0.1:1"), std::string::npos) << warnings[0];
  EXPECT_NE(warnings[0].find("DEGRADED MODE"), std::string::npos) << warnings[0];
}

}  // namespace
}  // namespace ferry
