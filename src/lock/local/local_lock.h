// LocalLock: the in-process Lock (one mutex + condition variable over a map
// of held keys). The default lock backend, and the fallback of the degraded
// Redis mode.
//
// - Keys are independent; a key is held by at most one lease at a time.
// - Leases with a positive duration expire: after `lease` without Extend(),
//   a waiting Acquire may take the key over, and the old holder's Release()
//   and Extend() then return NotFound and leave the new holder alone. This
//   mirrors the Redis backend so code behaves the same on both. A duration of
//   zero or less never expires.
// - Only keys currently held are stored, so memory follows what is held, not
//   what was ever locked.
// - Thread-safe. A LockLease must not outlive its LocalLock.
// - Time comes from the Env; waits are real condition-variable waits capped
//   at 50 ms, so a FakeEnv's manual clock is still noticed.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <unordered_map>

#include "ferry/env.h"
#include "lock/lock.h"

namespace ferry {

class LocalLock : public Lock {
 public:
  explicit LocalLock(Env* env);
  ~LocalLock() override;

  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override;
  std::string Describe() const override { return "local (in-process) lock"; }

  // Number of keys held right now (for tests and metrics).
  size_t HeldCount();

 private:
  class Lease;
  struct Holder {
    uint64_t generation = 0;
    std::chrono::steady_clock::time_point expires;  // max() = never
  };

  Status Release(const std::string& key, uint64_t generation);
  Status Extend(const std::string& key, uint64_t generation, std::chrono::milliseconds lease);
  std::chrono::steady_clock::time_point ExpiryFor(std::chrono::milliseconds lease);

  Env* const env_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unordered_map<std::string, Holder> held_;  // GUARDED_BY(mu_)
  uint64_t next_generation_ = 1;                  // GUARDED_BY(mu_)
};

}  // namespace ferry
