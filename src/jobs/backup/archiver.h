// Archiver: how one engine makes and loads a consistent copy of a whole
// database. One implementation per engine, one file each
// (sqlite_archiver.cc, postgres_archiver.cc); archive.cc does the rest
// (manifest, tar, checksums, catalog) the same way for all.
//
// Adding an engine: a class deriving from Archiver in <engine>_archiver.cc
// and a line in MakeArchiver() (archive.cc).
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct ArchiveMember;  // archive_file.h

using TableRows = std::map<std::string, int64_t>;

struct DumpResult {
  std::vector<std::string> files;  // names of the files written into the dump dir
  TableRows tables;                // row count per table, in the same snapshot as the copy
  std::string method;              // "sqlite3_backup", "pg_dump", "copy", ...
  // What the copy holds beyond table rows and what it leaves out, in the
  // user's words (manifest "captured" / "not_captured"); empty when the
  // method copies the whole database (a file copy, pg_dump).
  std::vector<std::string> captured, not_captured;
  // When set, `tables` is left empty and this counts them instead, reading
  // only the files Dump wrote: the caller runs it on another thread while it
  // archives those files (SQLite counts its copy beside the compression).
  std::function<Result<TableRows>()> count_tables;
};

// A restore in steps (Archiver::StartRestore): Load() does the long part
// without changing what readers see, Swap() makes the copy live, atomically
// for readers, and returns the row counts afterwards. Destroying it without
// a Swap() that succeeded abandons it: the live database stays as it was.
class StagedRestore {
 public:
  virtual ~StagedRestore() = default;
  virtual Status Load() = 0;
  // After Load, before Swap: the loaded copy holds at least the rows `want`
  // names (the manifest's counts), so a copy that does not is never made
  // live. Engines that check in Load (PostgreSQL copy) or count only at
  // the swap keep the default; the counts after the swap are compared too.
  virtual Status CheckRows(const TableRows& want) {
    (void)want;
    return Status::OK();
  }
  virtual Result<TableRows> Swap() = 0;
};

// A copy that goes straight into the archive, no staging files: `members`
// produce their bytes while the archive is written (ArchiveMember::produce).
struct StreamedDump {
  DumpResult result;  // `tables` already counted, in the copy's own snapshot
  std::vector<ArchiveMember> members;
  // After a failed write: why the stream gave up on its own (then the
  // caller writes the archive again from Dump's staging copy), or "" when
  // the failure was not the stream's (disk full: reported as it is).
  std::function<std::string()> declined;
};

class Archiver {
 public:
  virtual ~Archiver() = default;

  // A streamed copy, where the engine has one and the database allows it
  // now; nullopt: use Dump. The members are produced at most once.
  // (Defined in archive.cc, where ArchiveMember is complete.)
  virtual Result<std::optional<StreamedDump>> DumpStreamed();

  // Writes a consistent copy of the database into the existing directory
  // `dir` (files created 0600). On error `dir` may hold partial files; the
  // caller removes the directory.
  virtual Result<DumpResult> Dump(const std::string& dir) = 0;

  // Replaces the live database's contents with the copy in `dir` (as Dump
  // wrote it, and CheckCopy passed), atomically for readers. Returns the
  // row counts afterwards.
  virtual Result<TableRows> Restore(const std::string& dir) = 0;

  // Checks the copy in `dir` (as an extraction left it) before anything is
  // changed; a restore runs it on another thread beside the safety archive,
  // so it must not touch the live database. Engines whose copy is checked
  // only by loading it (and by the manifest's checksums) keep the default.
  virtual Status CheckCopy(const std::string& dir) {
    (void)dir;
    return Status::OK();
  }

  // Starts a restore of the copy in `dir` (CheckCopy has passed or runs
  // beside Load). An engine that loads beside the safety archive (below)
  // holds off, from here until its swap or abandon, the writers of what the
  // restore replaces, so a safety archive whose snapshot is taken after
  // this call holds every row the swap discards. The default does nothing
  // ahead: Load() is a no-op and Swap() runs Restore(dir), the order for
  // engines that do not split.
  virtual Result<std::unique_ptr<StagedRestore>> StartRestore(const std::string& dir);

  // True when StartRestore/Load do the long part of a restore and may run
  // while a safety archive is taken through another connection to the same
  // database: RestoreArchive then runs both at once and swaps only after
  // both succeeded. Engines keeping the default take the safety archive
  // first and run the whole restore after it.
  virtual bool LoadsBesideSafetyArchive() const { return false; }

  // The member of this engine's archives that StartRestore/Load can read
  // while the archive is still being extracted (its reads wait for the
  // bytes: growing_file.h), "" when none (the default). Only engines that
  // load beside the safety archive: the restore then extracts on another
  // thread, starts as soon as that member's file exists, and has every
  // entry checked against the manifest, and CheckCopy passed, before the
  // swap.
  virtual std::string MemberLoadedWhileExtracting() const { return ""; }

  // True when, between StartRestore and the swap, the restore holds the
  // lock that writing the catalog needs (SQLite: the file's one write
  // lock). The safety archive taken beside it then writes no catalog rows
  // of its own (ArchiveOptions::record_in_catalog); RestoreArchive records
  // it once the lock is free (after the swap, or after an abandon).
  virtual bool RestoreHoldsCatalogWrites() const { return false; }

  // Loads the copy in `dir` into a scratch database (never the live one),
  // returns its row counts, and removes the scratch database. `dir` is a
  // private scratch directory itself: an engine whose copy is a database
  // file (SQLite) checks it there in place.
  virtual Result<TableRows> TestRestore(const std::string& dir) = 0;
};

// How an archive is made, where an engine has a choice (PostgreSQL).
// kAuto: the engine's default (PostgreSQL: pg_dump when pg_dump and
// pg_restore are on PATH, else kCopy). Engines with one way ignore it.
enum class ArchiveMethod { kAuto, kPgDump, kCopy };
// "auto" / "pg_dump" / "copy" (the --method flag; the manifest records the
// DumpResult::method actually used).
std::optional<ArchiveMethod> ParseArchiveMethod(std::string_view text);
// The method a manifest's "method" names, for restoring it the same way;
// kAuto for methods of engines that have only one.
ArchiveMethod ArchiveMethodOfManifest(std::string_view manifest_method);

// The archiver for `db`'s engine; NotFound for engines without one yet.
Result<std::unique_ptr<Archiver>> MakeArchiver(Database* db, Env* env, ArchiveMethod method);

std::unique_ptr<Archiver> NewSqliteArchiver(Database* db, Env* env);
// Unavailable when pg_dump/pg_restore are not on PATH.
Result<std::unique_ptr<Archiver>> NewPostgresArchiver(Database* db, Env* env);
// No external tools: COPY of every table inside one REPEATABLE READ
// transaction plus the schema (postgres_copy_archiver.cc); manifest method
// "copy". Unavailable when ferry is built without the PostgreSQL adapter.
Result<std::unique_ptr<Archiver>> NewPostgresCopyArchiver(Database* db, Env* env);
// MySQL/MariaDB: every base table (SHOW CREATE TABLE + rows as INSERTs) in
// one consistent-snapshot transaction; restore swaps all tables in with one
// RENAME TABLE (mysql_archiver.cc); manifest method "mysql_snapshot".
std::unique_ptr<Archiver> NewMysqlArchiver(Database* db, Env* env);
// DuckDB: EXPORT DATABASE as Parquet in one transaction; restore replaces
// every object in one transaction (duckdb_archiver.cc); "duckdb_export".
std::unique_ptr<Archiver> NewDuckdbArchiver(Database* db, Env* env);

}  // namespace ferry
