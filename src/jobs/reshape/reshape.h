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
//                      old -> <table>_old_<YYYYMMDD_HHMMSS>, new -> <table>,
//                      triggers dropped, serial sequences follow the new table
//   9 keep old table   until `ferry reshape rollback <table>` or cleanup
//
// Crash safety: steps 3, 4, 7 and 8 are single transactions that also
// advance ferry_reshapes.step; each copy batch commits with its checkpoint.
// A killed run is resumed by running the same plan again. A crash between
// a committed snapshot and its state update leaves an extra (verified)
// snapshot behind, never a missing one.
//
// Not thread-safe; one Database per call. Two runs of the same plan at the
// same time are not prevented here (use the Lock seam around it).
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

struct ReshapeOptions {
  double max_rate = 0;  // rows per second for the copy; 0 = as fast as possible
  std::chrono::milliseconds pause{0};         // between batches
  ReshapeBackup backup = ReshapeBackup::kTake;
  std::chrono::milliseconds lock_timeout{2000};  // per swap attempt
  int swap_attempts = 10;
  // Test hook, called at named points ("step 3 done", "batch"); tests use it
  // to kill the process at a chosen place. May be empty.
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
// would drop, unless force is kYes.
Result<RollbackReport> RollbackReshape(Database* db, Env* env, Logger* logger,
                                       const std::string& table,
                                       RollbackForce force = RollbackForce::kNo,
                                       std::chrono::milliseconds lock_timeout =
                                           std::chrono::milliseconds(2000));

}  // namespace ferry
