// A redis-server of a test's own (a child process on a loopback port), for
// tests that stop Redis mid-run: the shared test server must stay up for
// every other test.
#pragma once

#include <arpa/inet.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <memory>
#include <string>
#include <thread>

#include "ferry/env.h"
#include "lock/redis/redis_lock.h"

namespace ferry::testing {

// A loopback port free at this moment (the kernel's pick for port 0). The
// port can still be taken before redis-server binds it: callers retry.
inline int FreeLoopbackPort() {
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
  PrivateRedis(const PrivateRedis&) = delete;
  PrivateRedis& operator=(const PrivateRedis&) = delete;

  // One started on a free port, or null. A port picked from the pid was
  // once taken by another socket in CI ("bind: Address already in use").
  static std::unique_ptr<PrivateRedis> StartOnFreePort() {
    for (int attempt = 0; attempt < 5; ++attempt) {
      const int port = FreeLoopbackPort();
      if (port <= 0) continue;
      auto r = std::make_unique<PrivateRedis>(port);
      if (r->Start()) return r;
    }
    return nullptr;
  }

  // Starts (or, after Stop, restarts) the server on its port; true once it
  // answers PING.
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
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
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

}  // namespace ferry::testing
