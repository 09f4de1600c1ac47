// Helpers shared by the reshape steps and its undo (rollback, abort): short
// transactions under a lock timeout, serial sequences that must follow a
// renamed table, and renaming a set-aside table's indexes and partitions out
// of the way so the plan can run again without name collisions.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "obs/logger.h"

namespace ferry {

// SQLite busy timeout for a reshape's connection: a writer at full speed can
// starve SQLite's sleeping busy handler for seconds, and a long job should
// wait its turn rather than fail.
inline constexpr int kReshapeSqliteBusyMs = 60000;

Status ExecAll(Database* db, const std::vector<std::string>& stmts);

// Runs `body` in one transaction with a lock timeout, retrying up to
// `attempts` times when the table is busy. SQLite waits with its busy
// timeout (set for the attempt). On failure nothing of `body` is committed.
Status WithLockRetries(Database* db, Env* env, Logger* log, std::chrono::milliseconds timeout,
                       int attempts, const std::function<Status()>& body);

// A table name "<table>_<tag>_<YYYYMMDD_HHMMSS>" that no table has yet,
// with "_2", "_3", ... appended when it is taken (two swaps or rollbacks of
// one table within a second). On PostgreSQL the table part is shortened so
// the name fits 63 bytes: a longer one would be cut by the server and no
// longer match the name recorded in ferry_reshapes.
Result<std::string> FreshTableName(Database* db, const std::string& table, const std::string& tag,
                                   int64_t unix_seconds);

// Serial (non-identity) sequences owned by `table`'s columns (PostgreSQL;
// empty elsewhere): (column, sequence).
Result<std::vector<std::pair<std::string, std::string>>> OwnedSequences(Database* db,
                                                                        const std::string& table);

// Moves the ownership of `seqs` to the same-named columns of `to` (when it
// has them), so dropping the kept table later does not drop a live sequence.
Status MoveSequences(Database* db, const std::vector<std::pair<std::string, std::string>>& seqs,
                     const std::string& to);

// Frees the names a plan gives to the objects of its new table, once that
// table is set aside (renamed) by a rollback: on PostgreSQL its partitions
// become "<set_aside>_p<n>" and every index (and so primary-key/unique
// constraint) of it and its partitions "<set_aside>_i<n>"; SQLite cannot
// rename an index, so the set-aside table's named indexes are dropped (its
// rows are kept). Call inside the rollback's transaction.
Status RenameSetAsideObjects(Database* db, Logger* log, const std::string& set_aside);

}  // namespace ferry
