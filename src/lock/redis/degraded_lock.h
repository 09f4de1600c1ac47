// DegradedLock: a distributed Lock (Redis) that, when its backend is down,
// keeps going on in-process locks -- the `--lock-allow-degraded` mode.
//
// Every Acquire first takes the key in an in-process LocalLock, then in the
// primary lock:
// - primary OK           -> the lease holds both; Release/Extend act on both.
// - primary Unavailable  -> degraded: the lease holds only the local lock,
//                           and `warn` is called (once when degraded mode
//                           starts, and again when the primary answers again;
//                           not for every key). For `recheck` after a failure
//                           the primary is not tried at all, so a down Redis
//                           costs one connect attempt per `recheck`, not one
//                           per key.
// - primary Locked/Timeout/other -> that error; the local lock is released.
// Taking the local lock first means threads of this process exclude each
// other in every mode, including across the switch into and out of degraded
// mode. Other processes are NOT excluded while degraded: that is the price
// the user accepts with --lock-allow-degraded (ingest's writes are
// idempotent, so the worst case is duplicated work, not duplicated rows).
//
// An Extend whose primary part fails with Unavailable keeps the lease on its
// local part and warns, rather than failing the item mid-way.
//
// Thread-safe; `warn` may be called from any thread, one call at a time.
// Leases must not outlive the DegradedLock.
#pragma once

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include "ferry/env.h"
#include "lock/local/local_lock.h"
#include "lock/lock.h"

namespace ferry {

class DegradedLock : public Lock {
 public:
  using Warn = std::function<void(const std::string& message)>;

  DegradedLock(std::unique_ptr<Lock> primary, Env* env, Warn warn,
               std::chrono::milliseconds recheck = std::chrono::seconds(5));
  ~DegradedLock() override;

  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override;
  // "redis 127.0.0.1:6379 db 0, degraded to local (in-process) lock when down".
  std::string Describe() const override;

  // True while running on local locks only.
  bool degraded();

 private:
  class Lease;

  void EnterDegraded(const Status& why);  // warns on the transition
  void LeaveDegraded();                   // warns on the transition
  bool ShouldTryPrimary();

  std::unique_ptr<Lock> primary_;
  LocalLock local_;
  Env* const env_;
  const Warn warn_;
  const std::chrono::milliseconds recheck_;
  std::mutex mu_;
  bool degraded_ = false;                                // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point retry_primary_;  // GUARDED_BY(mu_)
};

}  // namespace ferry
