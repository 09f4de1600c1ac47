// RedisLock: the Lock seam over Redis (hiredis), for ingest workers on many
// machines. Same key protocol as the usual single-instance Redis lock:
//
//   Acquire  SET ferry:lock:<key> <token> NX PX <lease ms>, polled with
//            exponential backoff (options.poll_min .. poll_max, jittered)
//            until it succeeds or the Deadline passes.
//   Release  EVAL "if GET == token then DEL"            (compare-and-delete)
//   Extend   EVAL "if GET == token then PEXPIRE lease"  (compare-and-pexpire)
//
// The token is random per Acquire (host:pid:128 random bits, visible with
// `redis-cli GET`), so a holder whose lease expired can never free or extend
// the lock of the next holder: its Release/Extend return NotFound. A lease of
// zero or less is set without expiry (the key stays until Release).
//
// Connections. `addresses` is "host:port[,host:port...]" (port 6379 when
// left out); a connect tries each in order, starting from the last one that
// worked, and a reply of READONLY/LOADING/MASTERDOWN (a replica or a node not
// ready) moves on to the next. After connecting: AUTH [username] password if
// a password is set, SELECT db if db != 0. Connections are pooled (at most
// max_idle_connections idle ones kept); each command borrows one, so threads
// never wait on each other's round trips, and a connection that saw an I/O
// error is dropped and replaced. Connect and command timeouts bound every
// round trip (redisConnectWithTimeout, redisSetTimeout).
//
// Failure. Each command is tried at most max_attempts times (reconnecting in
// between); after that the call returns Unavailable naming the addresses and
// the last error (never the password). A refused connection fails in
// microseconds, a black-holed one after connect_timeout per address per
// attempt. An AUTH or SELECT refusal is InvalidArgument (retrying cannot
// help). A retried SET whose first reply was lost is resolved with GET, so a
// lost reply never leaves us holding a key we think we do not hold.
//
// TLS: Debian's hiredis 0.14 has no TLS; Open() with tls = true returns
// InvalidArgument "built without TLS".
//
// Thread-safe. A LockLease must not outlive its RedisLock. For the degraded
// mode (fall back to in-process locks when Redis is down) wrap a RedisLock in
// a DegradedLock (degraded_lock.h).
#pragma once

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "lock/lock.h"

struct redisContext;
struct redisReply;

namespace ferry {

struct RedisLockOptions {
  std::string addresses = "127.0.0.1:6379";  // comma separated host:port list
  std::string username;                      // Redis 6 ACL user; empty = default
  std::string password;                      // empty = no AUTH
  int db = 0;
  bool tls = false;  // refused: no TLS in this build
  std::string key_prefix = "ferry:lock:";
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
  int max_attempts = 3;  // per command, across reconnects
  std::chrono::milliseconds poll_min{5};    // Acquire backoff, first wait
  std::chrono::milliseconds poll_max{250};  // Acquire backoff, longest wait
  size_t max_idle_connections = 16;
};

struct RedisAddress {
  std::string host;
  int port = 6379;
  std::string ToString() const;
};

// Parses "h1:p1,h2,[::1]:p3". InvalidArgument on an empty list or a bad port.
Result<std::vector<RedisAddress>> ParseRedisAddresses(std::string_view list);

class RedisLock : public Lock {
 public:
  // Validates the options; does not connect (see Ping()).
  static Result<std::unique_ptr<RedisLock>> Open(const RedisLockOptions& options, Env* env);
  ~RedisLock() override;

  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override;
  // "redis 127.0.0.1:6379,10.0.0.2:6379 db 0" (no password).
  std::string Describe() const override;

  // Connects (if needed) and sends PING: Unavailable when Redis is down.
  Status Ping();

 private:
  class Lease;
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  struct ReplyDeleter {
    void operator()(redisReply* r) const;
  };
  using Context = std::unique_ptr<redisContext, ContextDeleter>;
  using Reply = std::unique_ptr<redisReply, ReplyDeleter>;

  RedisLock(const RedisLockOptions& options, std::vector<RedisAddress> addresses, Env* env);

  // Runs one command with bounded retries. *attempts (optional) receives how
  // many tries it took: > 1 means an earlier try may have taken effect.
  Result<Reply> Command(const std::vector<std::string>& args, int* attempts = nullptr);
  Result<Context> Connect();
  Context TakeIdle();
  void ReturnIdle(Context c);
  std::string NewToken();

  Status ReleaseKey(const std::string& key, const std::string& token);
  Status ExtendKey(const std::string& key, const std::string& token, std::chrono::milliseconds lease);

  const RedisLockOptions options_;
  const std::vector<RedisAddress> addresses_;
  Env* const env_;
  std::atomic<size_t> preferred_{0};  // index of the address that last worked
  std::mutex mu_;
  std::vector<Context> idle_;  // GUARDED_BY(mu_)
};

}  // namespace ferry
