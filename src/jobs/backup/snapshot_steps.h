// The steps snapshots are made of, shared by snapshot.cc (create, verify)
// and snapshot_restore.cc. Internal to the backup job.
//
// Each step runs on the caller's connection and inside the caller's
// transaction; none commits. Not thread-safe.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/transaction.h"
#include "ferry/env.h"
#include "jobs/backup/archive_phases.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/table_checksum.h"

namespace ferry {

// Begins a transaction that reads one snapshot of the database
// (REPEATABLE READ on PostgreSQL; SQLite's BEGIN IMMEDIATE, DuckDB's MVCC
// and InnoDB's default REPEATABLE READ already do).
Status BeginSnapshotTransaction(Database* db, Transaction* tx);

// A table name not yet taken: base, base_2, base_3, ...
Result<std::string> FreeTableName(Database* db, const std::string& base);

struct SqliteTableDdl {
  std::string table_sql;
  std::vector<std::pair<std::string, std::string>> indexes;  // name, sql
};
Result<SqliteTableDdl> ReadSqliteTableDdl(Database* db, const std::string& table);

// Creates an empty `copy` shaped like `source` (PostgreSQL: LIKE ...
// INCLUDING CONSTRAINTS GENERATED IDENTITY, without defaults so the copy
// never shares the source's serial sequence (PostgreSQL 12 or later);
// MySQL: CREATE TABLE ... LIKE, which commits, so call it outside the
// transaction there; SQLite and DuckDB: the same CREATE TABLE text). Returns whether secondary indexes were recreated (MySQL keeps the
// primary key either way).
Result<bool> CreateCopyTable(Database* db, const std::string& source, const std::string& copy,
                             bool with_indexes);

// "INSERT INTO into SELECT * FROM from", naming the columns where `into`
// has generated columns, which take no values (MySQL always names them);
// on PostgreSQL with OVERRIDING SYSTEM VALUE, for identity columns.
Result<std::string> InsertSelectSql(Database* db, const std::string& into, const std::string& from);

struct VerifiedCopy {
  TableChecksum source;  // of `source`, in the transaction's snapshot
  TableChecksum copy;    // of `copy`, read back after the copy
  bool indexes_recreated = false;
};

// A second connection reading the same snapshot as `db`'s open snapshot
// transaction (PostgreSQL: the exported snapshot; SQLite: WAL mode, while
// `db` holds the write lock), for the source's checksum beside the copy.
// Unavailable where the engine has none (MySQL, DuckDB, SQLite in memory or
// not in WAL mode): then hash on `db`. Valid only for tables `db`'s
// transaction has not written; close it before `db` commits.
// snapshot_reader.cc.
Result<std::unique_ptr<Database>> OpenSnapshotReader(Database* db, Env* env);

// Whether `id` looks like pg_export_snapshot()'s text, e.g.
// "00000003-0000001B-1": checked before it is spliced into SET TRANSACTION
// SNAPSHOT (which takes no parameter). snapshot_reader.cc.
bool IsPostgresSnapshotId(const std::string& id);

struct FilledCopy {
  TableChecksum source;  // of `source`, in the transaction's snapshot
  int64_t copied = 0;    // rows the INSERT ... SELECT inserted
};

// Fills the existing, empty `copy` from `source` (one INSERT ... SELECT) and
// computes the source's checksum in the same snapshot; with `source_reader`
// (from OpenSnapshotReader) on that connection, on another thread, while
// `db` copies. `phases` (may be null) gets each step's time.
Result<FilledCopy> FillCopy(Database* db, const std::string& source, const std::string& copy,
                            ArchivePhases* phases = nullptr, Database* source_reader = nullptr);

// Corruption unless `copy` (read back from the copy) has the source's row
// count and checksum and the INSERT inserted that many rows.
Status CheckCopy(const FilledCopy& filled, const TableChecksum& copy);

// FillCopy, then the copy's checksum read back from the copy (with the
// source's method), then CheckCopy, all in the caller's transaction.
Result<VerifiedCopy> FillAndVerify(Database* db, const std::string& source,
                                   const std::string& copy, ArchivePhases* phases = nullptr,
                                   Database* source_reader = nullptr);

// CreateCopyTable + FillAndVerify, for engines whose DDL is transactional.
Result<VerifiedCopy> CopyAndVerify(Database* db, const std::string& source,
                                   const std::string& copy, bool with_indexes,
                                   ArchivePhases* phases = nullptr,
                                   Database* source_reader = nullptr);

// Drops a snapshot's committed copy `b->name` and its catalog row in one
// transaction (a copy whose read-back failed); where that fails, marks the
// row `failed`, so it is never taken for a good backup. Best effort.
void DiscardCommittedSnapshot(Database* db, BackupInfo* b);

// PostgreSQL 14 or later: CreateVerifiedSnapshot with the copy committed in
// block ranges while the committed ranges are read back on a second
// connection (postgres_snapshot.cc). `b` carries what the caller decided
// (name base, source, times, versions); `db` has no open transaction.
// Nullopt, with nothing done and the reason in `why_not`, where this path
// cannot run (an older server, a table that is not a plain permanent one, no
// second connection) or gains nothing (a table under 128 MB, unless
// opts.range_blocks is set): then the one-transaction path does the work.
Result<std::optional<BackupInfo>> CreatePostgresSnapshotInRanges(
    Database* db, Env* env, const std::string& table, const SnapshotOptions& opts, BackupInfo b,
    ArchivePhases* phases, std::string* why_not);

// Drops `table` when destroyed unless Release()d (after rolling back an open
// transaction): a table made outside the transaction (MySQL DDL commits)
// must not outlive a failed backup or restore. Best effort; a table left
// behind by a crash is not in ferry_backups, so never taken for a backup.
class DropOnFailure {
 public:
  DropOnFailure(Database* db, std::string table) : db_(db), table_(std::move(table)) {}
  DropOnFailure(const DropOnFailure&) = delete;
  DropOnFailure& operator=(const DropOnFailure&) = delete;
  ~DropOnFailure() {
    if (table_.empty()) return;
    if (db_->InTransaction()) (void)db_->Rollback();
    (void)db_->Exec("DROP TABLE IF EXISTS " + db_->QuoteIdentifier(table_));
  }
  void Release() { table_.clear(); }

 private:
  Database* db_;
  std::string table_;
};

}  // namespace ferry
