// Lock: named mutual exclusion, possibly across processes and machines.
//
// One seam for all of ferry: the migration runner takes one lock around the
// whole run; ingest and tenant workers take one per item with a lease. Any
// implementation can guard any engine (a Redis lock can guard SQLite).
//
// Contract
// - Acquire(key, lease, deadline) blocks until the lock is held, or returns
//   Timeout when the deadline passes (Locked if the deadline is already past:
//   a "try").  Unavailable when the backend cannot be reached.
// - The returned LockLease releases on destruction (or Release()).
// - A lease with a finite duration expires by itself in distributed backends,
//   so a crashed holder frees its keys; a live holder must Extend() in time.
//   Session-bound backends (PostgreSQL advisory, flock) release when the
//   holder's connection/process dies and ignore the duration.
// - Implementations are thread-safe; leases are used from one thread.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

class LockLease {
 public:
  virtual ~LockLease() = default;
  virtual Status Release() = 0;
  // Pushes the expiry out to now + lease. NotFound if the lease was lost.
  virtual Status Extend(std::chrono::milliseconds lease) = 0;
};

class Lock {
 public:
  virtual ~Lock() = default;
  virtual Result<std::unique_ptr<LockLease>> Acquire(std::string_view key,
                                                     std::chrono::milliseconds lease,
                                                     Deadline deadline) = 0;
  // "postgres advisory lock", "redis 127.0.0.1:6379", ... for logs.
  virtual std::string Describe() const = 0;
};

}  // namespace ferry
