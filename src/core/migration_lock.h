// The lock that keeps migration runners one at a time, chosen per engine:
// PostgreSQL: a session advisory lock on the migration connection itself.
// MySQL:      a named lock (GET_LOCK) on the migration connection itself.
// SQLite:     an flock on "<database file>.ferry-lock" beside the database.
// :memory: databases belong to one process, which needs no lock.
#pragma once

#include <memory>

#include "db/database.h"
#include "lock/lock.h"

namespace ferry {

inline constexpr std::string_view kMigrationLockKey = "ferry:schema_migrations";

// Never null on success. `db` must outlive the lock.
Result<std::unique_ptr<Lock>> NewMigrationLock(Database* db, Env* env);

}  // namespace ferry
