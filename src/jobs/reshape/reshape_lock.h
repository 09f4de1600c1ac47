// ReshapeLock: one `ferry reshape` (run, abort or rollback) per table at a
// time, across processes. The lock is the migration runner's (core/
// migration_lock.h) under the key "ferry:reshape:<table>": a session advisory
// lock on the reshape's own PostgreSQL connection (the key also names the
// connection's current schema, so tenants' same-named tables in their own
// schemas do not exclude each other), an flock beside a SQLite
// file. Both die with the process, so a kill -9 never leaves a stale lock and
// the next run resumes at once.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "db/database.h"
#include "lock/lock.h"
#include "obs/logger.h"

namespace ferry {

class ReshapeLock {
 public:
  // Takes the lock for `table`, waiting up to `wait` (0: try once). Timeout
  // (exit code 7 in the CLI) names the table when another ferry holds it.
  // `db` must outlive the returned lock.
  static Result<std::unique_ptr<ReshapeLock>> Acquire(Database* db, Env* env, Logger* log,
                                                      const std::string& table,
                                                      std::chrono::milliseconds wait);
  ~ReshapeLock();

  static std::string Key(const std::string& table) { return "ferry:reshape:" + table; }

 private:
  ReshapeLock(std::unique_ptr<Lock> lock, std::unique_ptr<LockLease> lease)
      : lock_(std::move(lock)), lease_(std::move(lease)) {}
  std::unique_ptr<Lock> lock_;
  std::unique_ptr<LockLease> lease_;  // released before lock_ goes
};

}  // namespace ferry
