#include "core/migration_lock.h"

#include "lock/file/file_lock.h"
#include "lock/mysql/get_lock.h"
#include "lock/postgres/advisory_lock.h"

namespace ferry {
namespace {

class NoLock final : public Lock {
 public:
  Result<std::unique_ptr<LockLease>> Acquire(std::string_view, std::chrono::milliseconds,
                                             Deadline) override {
    struct Lease final : LockLease {
      Status Release() override { return Status::OK(); }
      Status Extend(std::chrono::milliseconds) override { return Status::OK(); }
    };
    return std::unique_ptr<LockLease>(new Lease());
  }
  std::string Describe() const override { return "no lock (private in-memory database)"; }
};

}  // namespace

Result<std::unique_ptr<Lock>> NewMigrationLock(Database* db, Env* env) {
  if (db->capabilities().advisory_locks) {
    return std::unique_ptr<Lock>(new PostgresAdvisoryLock(db, env));
  }
  if (db->dialect() == Dialect::kMysql) return std::unique_ptr<Lock>(new MysqlGetLock(db, env));
  const DatabaseUrl& url = db->url();
  if (url.IsFileEngine()) {
    if (url.path == ":memory:") return std::unique_ptr<Lock>(new NoLock());
    return std::unique_ptr<Lock>(new FileLock(url.path + ".ferry-lock", env));
  }
  return Internal("no migration lock for engine " + std::string(db->engine()));
}

}  // namespace ferry
