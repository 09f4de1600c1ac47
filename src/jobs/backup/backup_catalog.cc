#include "jobs/backup/backup_catalog.h"

namespace ferry {
namespace {

constexpr const char* kColumns =
    "id, name, kind, source_table, row_count, checksum, ferry_version, schema_version, "
    "created_at, expires_at, verified_at, status, size, location, method, indexes";

std::vector<Value> ToParams(const BackupInfo& b) {
  return {b.id,
          b.name,
          std::string(BackupKindName(b.kind)),
          b.source,
          b.row_count,
          b.checksum,
          b.ferry_version,
          b.schema_version,
          b.created_at,
          b.expires_at,
          b.verified_at,
          std::string(BackupStateName(b.state)),
          b.size_bytes,
          b.location,
          b.method,
          static_cast<int64_t>(b.indexes_recreated ? 1 : 0)};
}

Result<BackupInfo> FromRow(const Rows& rows, size_t i) {
  BackupInfo b;
  b.id = rows.GetInt(i, 0).value_or(0);
  b.name = rows.GetText(i, 1).value_or("");
  std::string kind = rows.GetText(i, 2).value_or("");
  if (kind == "snapshot") {
    b.kind = BackupKind::kSnapshot;
  } else if (kind == "archive") {
    b.kind = BackupKind::kArchive;
  } else {
    return Corruption("ferry_backups row \"" + b.name + "\" has unknown kind \"" + kind + "\"");
  }
  b.source = rows.GetText(i, 3).value_or("");
  b.row_count = rows.GetInt(i, 4).value_or(0);
  b.checksum = rows.GetText(i, 5).value_or("");
  b.ferry_version = rows.GetText(i, 6).value_or("");
  b.schema_version = rows.GetText(i, 7).value_or("");
  b.created_at = rows.GetInt(i, 8).value_or(0);
  b.expires_at = rows.GetInt(i, 9).value_or(0);
  b.verified_at = rows.GetInt(i, 10).value_or(0);
  std::string st = rows.GetText(i, 11).value_or("");
  if (st == "verified") {
    b.state = BackupState::kVerified;
  } else if (st == "failed") {
    b.state = BackupState::kFailed;
  } else {
    b.state = BackupState::kPending;
  }
  b.size_bytes = rows.GetInt(i, 12).value_or(0);
  b.location = rows.GetText(i, 13).value_or("");
  b.method = rows.GetText(i, 14).value_or("");
  b.indexes_recreated = rows.GetInt(i, 15).value_or(0) != 0;
  return b;
}

}  // namespace

std::string BackupCatalogDdl(Dialect dialect, const std::string& quoted_table) {
  const char* name_type = dialect == Dialect::kMysql ? "VARCHAR(255)" : "TEXT";
  return "CREATE TABLE IF NOT EXISTS " + quoted_table + " (id BIGINT PRIMARY KEY, name " +
         name_type +
         " NOT NULL UNIQUE, kind TEXT NOT NULL,"
         " source_table TEXT, row_count BIGINT, checksum TEXT, ferry_version TEXT,"
         " schema_version TEXT, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
         " verified_at BIGINT, status TEXT NOT NULL, size BIGINT, location TEXT,"
         " method TEXT, indexes INTEGER)";
}

Status BackupCatalog::Ensure() {
  return db_->Exec(BackupCatalogDdl(db_->dialect(), Table())).WithContext("creating ferry_backups");
}

Result<int64_t> BackupCatalog::NextId() {
  FERRY_ASSIGN_OR_RETURN(Rows r, db_->Query("SELECT max(id) FROM " + Table(), {}));
  return r.GetInt(0, 0).value_or(0) + 1;
}

Status BackupCatalog::Insert(const BackupInfo& b) {
  auto r = db_->Execute("INSERT INTO " + Table() + " (" + kColumns +
                            ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, "
                            "$14, $15, $16)",
                        ToParams(b));
  return r.ok() ? Status::OK() : r.status().WithContext("recording backup " + b.name);
}

Status BackupCatalog::Update(const BackupInfo& b) {
  auto r = db_->Execute("UPDATE " + Table() +
                            " SET id = $1, kind = $3, source_table = $4, row_count = $5,"
                            " checksum = $6, ferry_version = $7, schema_version = $8,"
                            " created_at = $9, expires_at = $10, verified_at = $11, status = $12,"
                            " size = $13, location = $14, method = $15, indexes = $16"
                            " WHERE name = $2",
                        ToParams(b));
  if (!r.ok()) return r.status().WithContext("updating backup " + b.name);
  if (*r != 1) return NotFound("backup " + b.name + " is not in ferry_backups");
  return Status::OK();
}

Result<std::vector<BackupInfo>> BackupCatalog::List() {
  std::vector<BackupInfo> out;
  FERRY_ASSIGN_OR_RETURN(bool exists, db_->TableExists(kBackupCatalogTable));
  if (!exists) return out;
  FERRY_ASSIGN_OR_RETURN(Rows rows, db_->Query(std::string("SELECT ") + kColumns + " FROM " +
                                                   Table() + " ORDER BY created_at DESC, id DESC",
                                               {}));
  for (size_t i = 0; i < rows.size(); ++i) {
    FERRY_ASSIGN_OR_RETURN(BackupInfo b, FromRow(rows, i));
    out.push_back(std::move(b));
  }
  return out;
}

Result<std::optional<BackupInfo>> BackupCatalog::Find(const std::string& name) {
  FERRY_ASSIGN_OR_RETURN(bool exists, db_->TableExists(kBackupCatalogTable));
  if (!exists) return std::optional<BackupInfo>();
  FERRY_ASSIGN_OR_RETURN(Rows rows, db_->Query(std::string("SELECT ") + kColumns + " FROM " +
                                                   Table() + " WHERE name = $1",
                                               {name}));
  if (rows.empty()) return std::optional<BackupInfo>();
  FERRY_ASSIGN_OR_RETURN(BackupInfo b, FromRow(rows, 0));
  return std::optional<BackupInfo>(std::move(b));
}

Status BackupCatalog::Remove(const std::string& name) {
  auto r = db_->Execute("DELETE FROM " + Table() + " WHERE name = $1", {name});
  return r.ok() ? Status::OK() : r.status().WithContext("removing backup " + name);
}

}  // namespace ferry
