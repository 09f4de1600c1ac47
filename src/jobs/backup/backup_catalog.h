// BackupCatalog: the table `ferry_backups`, one row per backup.
//
//   id BIGINT PRIMARY KEY, name TEXT UNIQUE (VARCHAR(255) on MySQL), kind TEXT (snapshot|archive),
//   source_table TEXT, row_count BIGINT, checksum TEXT, ferry_version TEXT,
//   schema_version TEXT, created_at/expires_at/verified_at BIGINT (unix s UTC),
//   status TEXT (pending|verified|failed), size BIGINT, location TEXT,
//   method TEXT, indexes INTEGER
//
// Each call is one statement; the caller decides which share a transaction
// (a snapshot's copy and its row commit together). Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/backup/backup.h"

namespace ferry {

inline constexpr std::string_view kBackupCatalogTable = "ferry_backups";

// The CREATE TABLE IF NOT EXISTS for `dialect`. `name` is the key every
// lookup uses; MySQL 8 refuses a TEXT key without a prefix length, so on
// MySQL/MariaDB it is VARCHAR(255) (1,020 bytes in utf8mb4, inside InnoDB's
// 3,072-byte key limit; ferry's names stay under ~130 characters). The
// other engines keep the DDL existing catalogs were made with, and an
// existing table is never altered.
std::string BackupCatalogDdl(Dialect dialect, const std::string& quoted_table);

class BackupCatalog {
 public:
  explicit BackupCatalog(Database* db) : db_(db) {}

  // Creates the table if missing.
  Status Ensure();
  // max(id)+1; call inside the transaction that inserts.
  Result<int64_t> NextId();
  Status Insert(const BackupInfo& b);
  // Rewrites every column of the row with b.name.
  Status Update(const BackupInfo& b);
  // All rows, newest first; empty when the table does not exist.
  Result<std::vector<BackupInfo>> List();
  Result<std::optional<BackupInfo>> Find(const std::string& name);
  Status Remove(const std::string& name);

 private:
  std::string Table() const { return db_->QuoteIdentifier(kBackupCatalogTable); }
  Database* db_;
};

}  // namespace ferry
