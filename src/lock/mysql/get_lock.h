// MysqlGetLock: MySQL/MariaDB named locks (GET_LOCK / RELEASE_LOCK) on a
// connection the caller owns.
//
// Like PostgreSQL's session advisory locks, a named lock belongs to the
// session: it is released when the connection closes (a killed ferry frees
// it at once) and holds no transaction open, so migrations run on the same
// connection while it is held. Named locks are server-wide, not
// per-database, so the lock name includes the current database: two
// databases on one server migrate independently. Names longer than MySQL's
// 64-character limit are hashed. Lease durations are ignored. Not
// thread-safe (neither is the connection).
#pragma once

#include "db/database.h"
#include "lock/lock.h"

namespace ferry {

class MysqlGetLock final : public Lock {
 public:
  MysqlGetLock(Database* db, Env* env) : db_(db), env_(env) {}
  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override;
  std::string Describe() const override { return "mysql named lock (GET_LOCK)"; }

  // The server-side lock name for `key` in `database` (at most 64 characters).
  static std::string LockName(std::string_view key, std::string_view database);

 private:
  Database* db_;
  Env* env_;
};

}  // namespace ferry
