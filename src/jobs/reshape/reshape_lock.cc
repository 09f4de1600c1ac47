#include "jobs/reshape/reshape_lock.h"

#include "core/migration_lock.h"

namespace ferry {

Result<std::unique_ptr<ReshapeLock>> ReshapeLock::Acquire(Database* db, Env* env, Logger* log,
                                                          const std::string& table,
                                                          std::chrono::milliseconds wait) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Lock> lock, NewMigrationLock(db, env));
  // PostgreSQL: one database holds many schemas (a tenant per schema, each
  // with its own `table`), so the key names the schema the name resolves in.
  std::string scope;
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_ASSIGN_OR_RETURN(Rows r, db->Query("SELECT current_schema()", {}));
    scope = r.GetText(0, 0).value_or("") + ".";
  }
  const std::string key = Key(scope + table);
  auto lease = lock->Acquire(key, std::chrono::milliseconds(0), Deadline{env->Now()});
  if (!lease.ok() && (lease.status().code() == Code::kTimeout ||
                      lease.status().code() == Code::kLocked) &&
      wait.count() > 0) {
    log->Info("another ferry reshape of this table is running; waiting",
              {{"table", table}, {"lock", lock->Describe()},
               {"wait_ms", static_cast<int64_t>(wait.count())}});
    lease = lock->Acquire(key, std::chrono::milliseconds(0), Deadline::After(env, wait));
  }
  if (!lease.ok()) {
    if (lease.status().code() == Code::kTimeout || lease.status().code() == Code::kLocked)
      return Timeout("table \"" + table + "\" is being reshaped by another ferry (" +
                     lock->Describe() + " \"" + key + "\" held" +
                     (wait.count() > 0 ? " past --lock-timeout" : "") +
                     "); wait for it to finish, or give --lock-timeout SECONDS to wait");
    return lease.status().WithContext("reshape lock for " + table);
  }
  return std::unique_ptr<ReshapeLock>(new ReshapeLock(std::move(lock), std::move(*lease)));
}

ReshapeLock::~ReshapeLock() {
  if (lease_) (void)lease_->Release();
}

}  // namespace ferry
