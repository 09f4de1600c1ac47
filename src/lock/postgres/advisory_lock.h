// PostgresAdvisoryLock: pg_advisory_lock on a connection the caller owns.
//
// Session-level advisory locks belong to a connection: they are released when
// it closes (so a killed ferry frees the lock at once) and do not hold a
// transaction open, so statements like CREATE INDEX CONCURRENTLY run on the
// same connection while it is held without deadlocking against it.
// The key string is hashed to the 64-bit lock id. Lease durations are
// ignored. Not thread-safe (neither is the connection).
#pragma once

#include "db/database.h"
#include "lock/lock.h"

namespace ferry {

class PostgresAdvisoryLock final : public Lock {
 public:
  PostgresAdvisoryLock(Database* db, Env* env) : db_(db), env_(env) {}
  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override;
  std::string Describe() const override { return "postgres advisory lock"; }

  // The 64-bit id used for a key (first 8 bytes of its SHA-256).
  static int64_t LockId(std::string_view key);

 private:
  Database* db_;
  Env* env_;
};

}  // namespace ferry
