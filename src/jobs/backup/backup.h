// Backups: verified table snapshots and database archives.
//
// Two kinds, one catalog (the table `ferry_backups`, see backup_catalog.h):
//
// - A *snapshot* is a copy of one table inside the same database,
//   `<table>_backup_YYYYMMDD_HHMMSS`. The copy, the source checksum, the
//   copy's checksum and the catalog row are made in ONE transaction (the same
//   snapshot of the source), so a crash leaves either nothing or a verified
//   backup -- or, where the copy is committed before it is read back (SQLite
//   in WAL mode, PostgreSQL 14+ in block ranges), a row `pending` until the
//   read-back agrees, which is never restored. Verification compares row
//   count and an order-independent content checksum (table_checksum.h) with
//   the source, and compares sampled rows by key for real.
// - An *archive* is one file `ferry-<db>-<UTC timestamp>-<id>.tar.zst` (or
//   .tar.gz) holding a consistent copy of the whole database (an Archiver
//   per engine, archiver.h) plus manifest.json with per-file size and SHA-256.
//   It is written owner-only (0600) to `<name>.partial`, fsynced and renamed,
//   so a file with the final name is always complete. Its catalog row is
//   `pending` before the work starts and `verified` after, so a crash never
//   leaves a half backup listed as good.
//
// Every destructive step elsewhere in ferry (reshape, `ferry up --backup`)
// calls CreateVerifiedSnapshot() or CreateArchive() first and stops on error.
//
// Thread-safety: none; one Database per thread, as the seam says.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/backup/archiver.h"

namespace ferry {

enum class BackupKind { kSnapshot, kArchive };
std::string_view BackupKindName(BackupKind k);

// Catalog states. `pending`: intent recorded, work not finished (a crash
// leaves this; never restorable). `verified`: created and checked.
// `failed`: verification found a mismatch.
enum class BackupState { kPending, kVerified, kFailed };
std::string_view BackupStateName(BackupState s);

struct BackupInfo {
  int64_t id = 0;
  std::string name;          // table name (snapshot) or file name (archive)
  BackupKind kind = BackupKind::kSnapshot;
  std::string source;        // source table (snapshot) or database name (archive)
  int64_t row_count = 0;     // rows copied (snapshot) or in all tables (archive)
  std::string checksum;      // "sqlite-sha256sum:<hex>" / "pg-hash64sum:<a>:<b>" / "sha256:<hex>" (archive file)
  std::string ferry_version;
  std::string schema_version;  // highest applied in ferry_schema_migrations; "" when none
  int64_t created_at = 0;      // unix seconds (UTC)
  int64_t expires_at = 0;
  int64_t verified_at = 0;     // 0 = never
  BackupState state = BackupState::kPending;
  int64_t size_bytes = 0;      // archive file size; snapshot: approx. data bytes
  std::string location;        // archive: full path of the file; snapshot: ""
  bool indexes_recreated = false;  // snapshot: --with-indexes honoured
  std::string method;              // how it was made: "copy", "sqlite3_backup", "pg_dump", ...
  std::vector<std::string> notes;  // things the user should know (spot check count, ...)
};

class Logger;  // obs/logger.h

struct SnapshotOptions {
  std::chrono::seconds retention = std::chrono::hours(24 * 7);
  bool with_indexes = false;
  int spot_checks = 64;  // sampled rows compared by key after the copy
  // Name override (tests, safety backups); default <table>_backup_YYYYMMDD_HHMMSS.
  std::string name;
  // Where each phase's time went, one debug line per snapshot
  // (archive_phases.h); borrowed, may be null.
  Logger* logger = nullptr;
  // PostgreSQL: copy and check in one transaction on one connection (the
  // path servers before 14 take) instead of in committed block ranges beside
  // the read-back (postgres_snapshot.cc). For tests of that path.
  bool one_transaction = false;
  // Tests, PostgreSQL block ranges: heap blocks per copied range (0:
  // automatic, and tables under 128 MB take one transaction; set, any
  // table is copied in ranges), and a hook run on the copying thread before
  // each range (its index); a non-OK status fails that range, and so the
  // backup.
  int64_t range_blocks = 0;
  std::function<Status(int range)> before_range;
};

// Copies `table` into a new table, records and verifies it, all in one
// transaction. The returned BackupInfo is `verified`. On any error nothing is
// left behind (the transaction rolls back). FailedPrecondition if the caller
// already has a transaction open. SQLite in WAL mode commits the copy with
// its catalog row `pending` and reads the copy back after the commit
// (beside the WAL checkpoint), then marks it `verified`; a mismatch drops
// the copy and its row again, a crash in between leaves it `pending`, which
// is never restored nor counted as a good backup. PostgreSQL 14 or later
// does likewise for a table of 128 MB or more: the empty copy and its
// `pending` row are committed first, then the copy is filled in block
// ranges from one exported snapshot while the committed ranges are read
// back (postgres_snapshot.cc).
Result<BackupInfo> CreateVerifiedSnapshot(Database* db, Env* env, const std::string& table,
                                          const SnapshotOptions& opts = {});

// Recomputes count + checksum of a snapshot table and compares them with the
// catalog. Corruption naming the table on a mismatch (and marks it failed).
Result<BackupInfo> VerifySnapshot(Database* db, Env* env, const std::string& name);

// Puts a snapshot back: in one transaction, the live table is renamed to a
// safety backup (recorded in the catalog), a new table with the live table's
// definition is filled from the snapshot, checked (count + checksum equal to
// the recorded ones) and takes the live name. Readers see the old table until
// commit, the new one after.
Result<BackupInfo> RestoreSnapshot(Database* db, Env* env, const std::string& name);

class Logger;  // obs/logger.h

enum class Compression { kZstd, kGzip };

struct ArchiveOptions {
  std::string dir = "backups";
  Compression compression = Compression::kZstd;
  std::chrono::seconds retention = std::chrono::hours(24 * 7);
  // PostgreSQL: kAuto uses pg_dump when found on PATH, else the COPY
  // snapshot; kCopy forces COPY (`--method copy`), kPgDump requires pg_dump.
  ArchiveMethod method = ArchiveMethod::kAuto;
  std::string name_prefix = "ferry";
  // Where each phase's time went, one debug line per job (archive_phases.h);
  // borrowed, may be null.
  Logger* logger = nullptr;
  // False: no pending/verified row in ferry_backups (the caller records the
  // returned entry itself). A SQLite restore's safety archive: the restore
  // holds the file's one write lock until its swap, which waits for the
  // safety archive, so the archive's own catalog writes could never run.
  bool record_in_catalog = true;
};

// Writes an archive of the whole database `db` (the connection is used for
// the catalog and the consistent snapshot; the engine's own tools read the
// data). Returns the verified catalog entry, location = final path.
Result<BackupInfo> CreateArchive(Database* db, Env* env, const ArchiveOptions& opts = {});

enum class VerifyDepth { kChecksums, kDeep };

struct ArchiveVerifyReport {
  std::string path;
  std::string engine;
  std::string method;
  std::string schema_version;
  std::map<std::string, int64_t> file_sizes;
  std::map<std::string, int64_t> table_rows;  // from the manifest
  bool test_restored = false;                 // --deep ran a scratch restore
};

// Reads every entry, checks the manifest is readable and each file's size
// and SHA-256 match. kDeep also restores into a scratch database (SQLite: the
// extracted file, quick_check'ed in place; PostgreSQL: a scratch database on
// the same server) and compares row counts. Corruption naming the archive
// and the entry on any mismatch.
// `logger` (may be null) gets the phase timings at debug level.
Result<ArchiveVerifyReport> VerifyArchive(Database* db, Env* env, const std::string& path,
                                          VerifyDepth depth, Logger* logger = nullptr);

// Restores an archive over the live database after taking a safety archive
// of the current state (returned in safety->). Refuses entries that would
// land outside the extraction dir. Atomic for readers (SQLite: backup API
// into the live file, one write transaction; PostgreSQL: pg_restore
// --single-transaction, or for `copy` archives a private schema swapped in
// one transaction). Engines that split their restore (Archiver::
// LoadsBesideSafetyArchive: PostgreSQL copy, SQLite in WAL mode) load while
// the safety archive is taken through a second connection, writers of what
// is replaced held off from before the safety snapshot to the swap, and
// swap only after both succeeded. Checks the restored row counts against
// the manifest.
struct RestoreReport {
  BackupInfo restored;
  std::optional<BackupInfo> safety;
  std::map<std::string, int64_t> table_rows;
};
Result<RestoreReport> RestoreArchive(Database* db, Env* env, const std::string& path,
                                     const std::string& safety_dir, Logger* logger = nullptr);

// The highest applied version in ferry_schema_migrations, "" when the table
// does not exist or has no applied row.
Result<std::string> CurrentSchemaVersion(Database* db, Env* env);

// What every new catalog entry starts with: its kind and source, this
// ferry's version, the schema version, created `now`, expiring after
// `retention`. The creator fills in the rest (name, state, counts).
BackupInfo NewBackupInfo(BackupKind kind, std::string source, std::string schema_version,
                         int64_t now, std::chrono::seconds retention);

// "YYYYMMDD_HHMMSS" (UTC) of a unix time.
std::string CompactUtc(int64_t unix_seconds);
// ISO-8601 UTC "2025-08-11T12:00:00Z".
std::string IsoUtc(int64_t unix_seconds);
// Parses "2025-08-11T12:00:00Z", "2025-08-11 12:00:00", "2025-08-11".
std::optional<int64_t> ParseUtc(std::string_view text);
// "7d", "12h", "30m", "3600s", "2w" -> seconds.
std::optional<std::chrono::seconds> ParseRetention(std::string_view text);

}  // namespace ferry
