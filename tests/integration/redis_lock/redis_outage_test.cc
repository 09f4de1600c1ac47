// Redis stopping and coming back while leases are held. The test runs its own
// redis-server child on a private port (the shared test server must not be
// stopped), and kills only that child.
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <mutex>
#include <thread>
#include <vector>

#include "integration/servers.h"
#include "lock/redis/degraded_lock.h"
#include "lock/redis/redis_lock.h"

namespace ferry {
namespace {

using std::chrono::milliseconds;
using Clock = std::chrono::steady_clock;

Deadline Past() { return Deadline{Clock::time_point::min()}; }

// A loopback port free at this moment (the kernel's pick for port 0). A
// fixed port derived from the pid was once taken by another socket (CI:
// "bind: Address already in use"); the caller still retries, since the port
// can be taken between this call and redis-server's bind.
int FreeLoopbackPort() {
  int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  socklen_t len = sizeof a;
  int port = -1;
  if (::bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      ::getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  ::close(fd);
  return port;
}

class PrivateRedis {
 public:
  explicit PrivateRedis(int port) : port_(port) {}
  ~PrivateRedis() { Stop(); }

  bool Start() {
    pid_ = fork();
    if (pid_ == 0) {
      std::string port = std::to_string(port_);
      execlp("redis-server", "redis-server", "--port", port.c_str(), "--bind", "127.0.0.1",
             "--save", "", "--appendonly", "no", "--dir", "/tmp", "--loglevel", "warning",
             static_cast<char*>(nullptr));
      _exit(127);
    }
    RedisLockOptions o;
    o.addresses = address();
    o.max_attempts = 1;
    auto probe = RedisLock::Open(o, Env::Default()).value();
    for (int i = 0; i < 100; ++i) {
      if (probe->Ping().ok()) return true;
      int status = 0;
      if (waitpid(pid_, &status, WNOHANG) == pid_) {  // exited: no binary or port taken
        pid_ = -1;
        return false;
      }
      std::this_thread::sleep_for(milliseconds(50));
    }
    return false;
  }

  void Stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int port_;
  pid_t pid_ = -1;
};

class RedisOutageTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string shared;  // same gate as the other Redis tests
    FERRY_REQUIRE_SERVER(shared, "FERRY_TEST_REDIS_ADDR");
    bool started = false;
    for (int attempt = 0; attempt < 5 && !started; ++attempt) {
      const int port = FreeLoopbackPort();
      if (port <= 0) continue;
      server_ = std::make_unique<PrivateRedis>(port);
      started = server_->Start();
    }
    if (!started) {
      if (::ferry::testing::ServersRequired()) FAIL() << "could not start a private redis-server";
      GTEST_SKIP() << "could not start a private redis-server";
    }
  }
  std::unique_ptr<PrivateRedis> server_;
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
