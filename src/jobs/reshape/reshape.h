// Reshape: rebuild a large table into a new shape (new columns, LIST/HASH
// partitions, new keys) with no row lost, while the application keeps
// writing. Issue 5; the steps (each named, timed and logged by StepTimer):
//
//   1 pre-check        table exists, key unique and NOT NULL, the mapping
//                      compiles, row count; a run of this plan (same file
//                      checksum) already done is a no-op
//   2 snapshot backup  CreateVerifiedSnapshot (skipped for an empty table or
//                      with backup = kSkip), its name kept in ferry_reshapes
//   3 create new table the plan's DDL + partitions
//   4 capture changes  triggers replay every INSERT/UPDATE/DELETE on the old
//                      table into the new one, mapped by the plan's select
//   5 copy rows        keyset batches, each one transaction that also writes
//                      the checkpoint; --max-rate and --pause-ms between batches
//   6 verify           counts, mapped checksum, partition distribution, checks
//   7 build indexes    the plan's indexes and constraints
//   8 swap             one short transaction under a lock timeout, retried:
//                      old -> <table>_old_<YYYYMMDD_HHMMSS> (+ "_2", ...
//                      when a swap in the same second took it), new -> <table>,
//                      triggers dropped, serial sequences follow the new table
//   9 keep old table   until `ferry reshape rollback <table>` or cleanup
//
// Crash safety: steps 3, 4, 7 and 8 are single transactions that also
// advance ferry_reshapes.step; each copy batch commits with its checkpoint.
// A killed run is resumed by running the same plan again. A crash between
// a committed snapshot and its state update leaves an extra (verified)
// snapshot behind, never a missing one.
//
// Not thread-safe; one Database per call. Run, abort and rollback each hold
// ReshapeLock for the table, so two of them never run at once on one table.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "jobs/reshape/reshape_plan.h"
#include "jobs/reshape/reshape_state.h"
#include "jobs/reshape/reshape_verify.h"
#include "obs/logger.h"
#include "obs/step_timer.h"

namespace ferry {

enum class ReshapeBackup { kTake, kSkip };

// How a PostgreSQL copy batch keeps writers from racing it (SQLite batches
// always exclude other writers):
//   kRows  FOR SHARE on the batch's rows: only writers of those rows wait;
//          every old row's page is dirtied. The insert is plain (skipping
//          keys the trigger wrote, NOT IN); when a writer's trigger row
//          committed during the batch breaks the unique key, that batch and
//          the next 16 use ON CONFLICT DO NOTHING (slower into partitions).
//   kTable LOCK TABLE ... IN SHARE MODE for the batch (under lock_timeout,
//          retried): every writer waits for the batch, the copy is a plain
//          INSERT ... SELECT, near the engine's one-statement speed.
enum class CopyLock { kRows, kTable };

struct ReshapeOptions {
  double max_rate = 0;  // rows per second for the copy; 0 = as fast as possible
  std::chrono::milliseconds pause{0};         // between batches
  ReshapeBackup backup = ReshapeBackup::kTake;
  CopyLock copy_lock = CopyLock::kRows;
  std::chrono::milliseconds lock_timeout{2000};  // per swap attempt
  int swap_attempts = 10;
  // How long to wait for another reshape of the same table (ReshapeLock) to
  // finish; 0 = fail at once with Timeout.
  std::chrono::milliseconds run_lock_wait{0};
  // Test hook, called at named points ("step N begin", "step N before
  // commit", "step N done", "batch before commit", "batch"); tests use it to
  // kill the process at a chosen place. May be empty.
  std::function<void(std::string_view point)> hook;
};

struct ReshapeReport {
  std::string run_id;
  bool no_op = false;
  bool resumed = false;
  int64_t rows = 0;         // rows in the table at the pre-check
  int64_t rows_copied = 0;  // rows the copy step went through (all runs)
  std::string backup_name;  // "" when none was taken
  std::string old_table;    // the kept old table after the swap
  std::optional<ReshapeVerifyReport> verify;
  std::vector<StepTimer::Record> steps;
  std::vector<std::string> notes;
};

// Runs (or resumes) the plan. On failure the state row says failed with the
// error, the old table is untouched and still live; rerun to resume.
Result<ReshapeReport> RunReshape(Database* db, Env* env, Logger* logger, const ReshapePlan& plan,
                                 const ReshapeOptions& options = {});

enum class RollbackForce { kNo, kYes };

struct RollbackReport {
  std::string run_id;
  std::string method;        // "swap back" or "restore snapshot"
  std::string restored_from; // old table or snapshot name
  std::string set_aside;     // what the reshaped table is now called
};

// Undoes the newest finished reshape of `table`: swaps the kept old table
// back (one transaction; the reshaped table is renamed
// <table>_reshaped_<timestamp>), or, when the old table is gone, rebuilds
// the table from the verified snapshot with its original definition.
// Refuses (FailedPrecondition) when the live table's row count differs from
// the old table's, i.e. rows were written after the swap that a swap back
// would drop, unless force is kYes. The set-aside table's partitions and
// indexes are renamed after it (RenameSetAsideObjects), so the same plan can
// run again.
struct AbortReport {
  std::string run_id;
  int step = 0;              // the last step the aborted run had finished
  std::string dropped_table; // "" when the run had not created it yet
  std::string backup_name;   // its snapshot, kept (ferry backup cleanup)
};

// Gives up an unfinished (running or failed, not yet swapped) reshape of the
// plan named `name`: drops its capture triggers and its half-built new table
// (with its partitions) and marks its ferry_reshapes row "aborted" in one
// transaction, leaving the old table as it was. The next `run` starts afresh.
// NotFound when there is no unfinished run; FailedPrecondition when the run
// already swapped (that is `rollback`).
Result<AbortReport> AbortReshape(Database* db, Env* env, Logger* logger, const std::string& name,
                                 std::chrono::milliseconds lock_wait = std::chrono::milliseconds(0));

struct RollbackOptions {
  RollbackForce force = RollbackForce::kNo;
  std::chrono::milliseconds lock_timeout{2000};  // per swap-back attempt
  std::chrono::milliseconds lock_wait{0};        // for another reshape of the table
  // Test hook: "rollback before commit". May be empty.
  std::function<void(std::string_view point)> hook;
};

Result<RollbackReport> RollbackReshape(Database* db, Env* env, Logger* logger,
                                       const std::string& table,
                                       const RollbackOptions& options = {});

}  // namespace ferry
