// The steps snapshots are made of, shared by snapshot.cc (create, verify)
// and snapshot_restore.cc. Internal to the backup job.
//
// Each step runs on the caller's connection and inside the caller's
// transaction; none commits. Not thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "db/transaction.h"
#include "ferry/env.h"
#include "jobs/backup/table_checksum.h"

namespace ferry {

// Begins a transaction that reads one snapshot of the database
// (REPEATABLE READ on PostgreSQL; SQLite's BEGIN IMMEDIATE already does).
Status BeginSnapshotTransaction(Database* db, Transaction* tx);

// A table name not yet taken: base, base_2, base_3, ...
Result<std::string> FreeTableName(Database* db, const std::string& base);

struct SqliteTableDdl {
  std::string table_sql;
  std::vector<std::pair<std::string, std::string>> indexes;  // name, sql
};
Result<SqliteTableDdl> ReadSqliteTableDdl(Database* db, const std::string& table);

// Creates an empty `copy` shaped like `source` (PostgreSQL: LIKE ...
// INCLUDING CONSTRAINTS, without defaults so the copy never shares the
// source's sequence; SQLite: the same CREATE TABLE text). Returns whether
// secondary indexes were recreated.
Result<bool> CreateCopyTable(Database* db, const std::string& source, const std::string& copy,
                             bool with_indexes);

struct VerifiedCopy {
  TableChecksum source;  // of `source`, in the transaction's snapshot
  TableChecksum copy;    // of `copy`, read back after the copy
  bool indexes_recreated = false;
};

// Copies `source` into a new table `copy` and verifies it: the source's
// checksum, one INSERT ... SELECT, the copy's checksum (read back from the
// copy), equal counts and checksums. Corruption on a mismatch.
Result<VerifiedCopy> CopyAndVerify(Database* db, const std::string& source,
                                   const std::string& copy, bool with_indexes);

}  // namespace ferry
