#include "cli/exit_codes.h"

namespace ferry::cli {

int ExitCodeFor(const Status& s) {
  switch (s.code()) {
    case Code::kOk:
      return kExitOk;
    case Code::kInvalidArgument:
      return kExitBadInput;
    case Code::kNotFound:
      return kExitNotFound;
    case Code::kLocked:
    case Code::kTimeout:
      return kExitLockTimeout;
    case Code::kCorruption:
      return kExitValidation;
    case Code::kSchemaTooNew:
      return kExitSchemaTooNew;
    case Code::kUnavailable:
      return kExitUnavailable;
    case Code::kCancelled:
      return kExitInternal;
    case Code::kIOError:
      return kExitIOError;
    case Code::kFailedPrecondition:
      return kExitNeedsRepair;
    case Code::kExecutionFailed:
      return kExitMigrationFailed;
    case Code::kInternal:
      return kExitInternal;
  }
  return kExitInternal;
}

std::string ExitCodeHelp() {
  return R"(Exit codes:
   0  success
   1  internal error
   2  usage: bad flags, bad database URL, bad ferry.toml
   3  check: migrations are pending
   4  schema version mismatch: the database is newer than the migrations folder
   5  validation failed: checksum drift, missing file, gap
   6  a migration statement failed (the ledger names file and line)
   7  lock timeout: another ferry held the lock past --lock-timeout
   8  a failed or interrupted migration needs `ferry repair`
   9  database unreachable
  10  bad input: migration file names, duplicate versions, no down migration
  11  not found: version, table or file
  12  I/O error (e.g. a migration file that cannot be read)
  13  not a database (or a corrupt one) for this engine
  14  job finished with some items failed
  15  not built in: e.g. --format parquet in a ferry built without DuckDB)";
}

}  // namespace ferry::cli
