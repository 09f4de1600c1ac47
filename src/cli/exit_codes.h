// ferry's exit codes: one per kind of failure, so scripts can branch on them.
// The table is printed by `ferry --help` and documented in README.md; keep the
// three in step. Codes 3 and 4 are fixed by the `check` contract.
#pragma once

#include <string>

#include "ferry/status.h"

namespace ferry::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitInternal = 1;  // a bug in ferry, or an error with no better code
inline constexpr int kExitUsage = 2;     // bad flags, bad URL, bad ferry.toml
inline constexpr int kExitPending = 3;   // check: migrations are pending
inline constexpr int kExitSchemaTooNew =
    4;  // the database is at a version the folder does not know
inline constexpr int kExitValidation =
    5;  // validate found problems: checksum drift, missing files, gaps
inline constexpr int kExitMigrationFailed = 6;  // the engine rejected a migration statement
inline constexpr int kExitLockTimeout = 7;      // another runner held the lock past --lock-timeout
inline constexpr int kExitNeedsRepair =
    8;  // a failed or interrupted migration: fix it, then `ferry repair`
inline constexpr int kExitUnavailable = 9;  // the database server cannot be reached
inline constexpr int kExitBadInput =
    10;  // bad migration files: names, duplicates, unreadable, no down
inline constexpr int kExitNotFound = 11;  // a version, table or file that does not exist
inline constexpr int kExitIOError = 12;   // the OS refused a read or write
inline constexpr int kExitBadDatabase =
    13;  // the database file is not a database of that engine, or corrupt
inline constexpr int kExitPartialFailure = 14;  // a job finished, but some items failed (ingest)
inline constexpr int kExitNotBuiltIn = 15;  // a feature this build lacks (--format parquet without DuckDB)

// The exit code for an error Status (never kExitOk).
int ExitCodeFor(const Status& status);

// The table above as help text.
std::string ExitCodeHelp();

}  // namespace ferry::cli
