// FileLock: an exclusive flock(2) on a file, for processes on one machine.
//
// Guards a SQLite database's migrations: the lock file sits beside the
// database ("app.db.ferry-lock"). The kernel releases it when the holder's
// process dies, so a kill -9 never leaves a stale lock; the lease duration is
// ignored. Keys map to one file each ("<base>" for the empty key,
// "<base>.<hex hash of key>" otherwise).
#pragma once

#include <string>

#include "lock/lock.h"

namespace ferry {

class FileLock final : public Lock {
 public:
  FileLock(std::string base_path, Env* env);
  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override;
  std::string Describe() const override { return "file lock " + base_path_; }

 private:
  std::string base_path_;
  Env* env_;
};

}  // namespace ferry
