// Table snapshots: copy, checksum, spot-check and record in one transaction;
// the shared steps (snapshot_steps.h) and create/verify. Restore is in
// snapshot_restore.cc.
#include <algorithm>

#include "db/transaction.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/snapshot_steps.h"
#include "jobs/backup/sqlite_ddl.h"
#include "jobs/backup/table_checksum.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry {

Status BeginSnapshotTransaction(Database* db, Transaction* tx) {
  FERRY_RETURN_IF_ERROR(tx->Begin());
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  }
  return Status::OK();
}

Result<std::string> FreeTableName(Database* db, const std::string& base) {
  for (int i = 1; i < 100; ++i) {
    std::string name = i == 1 ? base : base + "_" + std::to_string(i);
    FERRY_ASSIGN_OR_RETURN(bool taken, db->TableExists(name));
    if (!taken) return name;
  }
  return FailedPrecondition("no free backup name for " + base);
}

Result<SqliteTableDdl> ReadSqliteTableDdl(Database* db, const std::string& table) {
  SqliteTableDdl out;
  FERRY_ASSIGN_OR_RETURN(
      Rows t, db->Query("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = $1", {table}));
  if (t.empty()) return NotFound("table " + table + " does not exist");
  out.table_sql = t.GetText(0, 0).value_or("");
  FERRY_ASSIGN_OR_RETURN(Rows ix, db->Query("SELECT name, sql FROM sqlite_master WHERE type = "
                                            "'index' AND tbl_name = $1 AND sql IS NOT NULL",
                                            {table}));
  for (size_t i = 0; i < ix.size(); ++i)
    out.indexes.emplace_back(ix.GetText(i, 0).value_or(""), ix.GetText(i, 1).value_or(""));
  return out;
}

Result<bool> CreateCopyTable(Database* db, const std::string& source, const std::string& copy,
                             bool with_indexes) {
  const std::string qs = db->QuoteIdentifier(source), qc = db->QuoteIdentifier(copy);
  if (db->dialect() == Dialect::kPostgres) {
    // Defaults are left out on purpose: a serial default would tie the copy
    // to the source's sequence, and dropping the source would then fail.
    FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE " + qc + " (LIKE " + qs +
                                   " INCLUDING CONSTRAINTS" +
                                   (with_indexes ? " INCLUDING INDEXES" : "") + ")"));
    return with_indexes;
  }
  FERRY_ASSIGN_OR_RETURN(SqliteTableDdl ddl, ReadSqliteTableDdl(db, source));
  FERRY_ASSIGN_OR_RETURN(std::string create, RenameCreateTable(ddl.table_sql, qc));
  FERRY_RETURN_IF_ERROR(db->Exec(create));
  if (!with_indexes) return false;
  for (const auto& [name, sql] : ddl.indexes) {
    FERRY_ASSIGN_OR_RETURN(std::string ix,
                           RenameCreateIndex(sql, db->QuoteIdentifier(copy + "__" + name), qc));
    FERRY_RETURN_IF_ERROR(db->Exec(ix));
  }
  return true;
}

Result<VerifiedCopy> CopyAndVerify(Database* db, const std::string& source,
                                   const std::string& copy, bool with_indexes) {
  VerifiedCopy v;
  // The source checksum first, the copy second, in the same snapshot: they
  // describe exactly the same rows. Each is one engine-side aggregate
  // (table_checksum.h); the copy's is read back from the copy itself.
  FERRY_ASSIGN_OR_RETURN(v.source, ComputeTableChecksum(db, source));
  FERRY_ASSIGN_OR_RETURN(v.indexes_recreated, CreateCopyTable(db, source, copy, with_indexes));
  FERRY_ASSIGN_OR_RETURN(int64_t copied,
                         db->Execute("INSERT INTO " + db->QuoteIdentifier(copy) + " SELECT * FROM " +
                                         db->QuoteIdentifier(source),
                                     {}));
  FERRY_ASSIGN_OR_RETURN(v.copy, ComputeTableChecksumLike(db, copy, v.source.checksum));
  if (v.copy.rows != v.source.rows || copied != v.source.rows) {
    return Corruption("row count differs: source " + std::to_string(v.source.rows) + ", copied " +
                      std::to_string(copied) + ", backup holds " + std::to_string(v.copy.rows));
  }
  if (v.copy.checksum != v.source.checksum) {
    return Corruption("content checksum differs: source " + v.source.checksum + ", backup " +
                      v.copy.checksum);
  }
  return v;
}

namespace {

// Bytes of the backup: PostgreSQL's relation size; on SQLite the bytes the
// checksum hashed (dbstat would walk every page of the table once more).
Result<int64_t> TableBytes(Database* db, const std::string& table, const TableChecksum& sum) {
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_ASSIGN_OR_RETURN(Rows r, db->Query("SELECT pg_total_relation_size($1::regclass)",
                                             {db->QuoteIdentifier(table)}));
    return r.GetInt(0, 0).value_or(0);
  }
  return sum.data_bytes;
}

}  // namespace

Result<BackupInfo> CreateVerifiedSnapshot(Database* db, Env* env, const std::string& table,
                                          const SnapshotOptions& opts) {
  if (db->InTransaction())
    return FailedPrecondition("backup of " + table + ": a transaction is already open");
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(table));
  if (!exists) return NotFound("backup: table " + table + " does not exist");
  FERRY_ASSIGN_OR_RETURN(std::string schema_version, CurrentSchemaVersion(db, env));
  BackupCatalog catalog(db);
  FERRY_RETURN_IF_ERROR(catalog.Ensure());

  Transaction tx(db);
  FERRY_RETURN_IF_ERROR(BeginSnapshotTransaction(db, &tx));
  const int64_t now = env->WallSeconds();
  BackupInfo b;
  FERRY_ASSIGN_OR_RETURN(b.name, FreeTableName(db, opts.name.empty()
                                                  ? table + "_backup_" + CompactUtc(now)
                                                  : opts.name));
  auto fail = [&](const Status& st) { return st.WithContext("backup " + table + " -> " + b.name); };

  auto copied = CopyAndVerify(db, table, b.name, opts.with_indexes);
  if (!copied.ok()) return fail(copied.status());
  const TableChecksum& copy_sum = copied->copy;
  auto checked = SpotCheckRows(db, table, b.name, opts.spot_checks, env->Random64(), copy_sum.rows);
  if (!checked.ok()) return fail(checked.status());

  FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
  b.kind = BackupKind::kSnapshot;
  b.source = table;
  b.row_count = copy_sum.rows;
  b.checksum = copy_sum.checksum;
  b.ferry_version = FERRY_VERSION;
  b.schema_version = schema_version;
  b.created_at = now;
  b.expires_at = now + opts.retention.count();
  b.verified_at = now;
  b.state = BackupState::kVerified;
  FERRY_ASSIGN_OR_RETURN(b.size_bytes, TableBytes(db, b.name, copy_sum));
  b.indexes_recreated = copied->indexes_recreated;
  b.method = db->dialect() == Dialect::kPostgres ? "CREATE TABLE (LIKE) + INSERT SELECT"
                                                 : "CREATE TABLE (same DDL) + INSERT SELECT";
  b.notes.push_back(std::string("indexes ") +
                    (b.indexes_recreated ? "recreated on the backup"
                                         : "not recreated (use --with-indexes)"));
  b.notes.push_back("verified: " + std::to_string(b.row_count) + " rows, checksum equal to the "
                    "source in the same snapshot, " + std::to_string(*checked) +
                    " sampled rows compared by key");
  if (Status st = catalog.Insert(b); !st.ok()) return fail(st);
  if (Status st = tx.Commit(); !st.ok()) return fail(st);
  return b;
}

Result<BackupInfo> VerifySnapshot(Database* db, Env* env, const std::string& name) {
  BackupCatalog catalog(db);
  FERRY_ASSIGN_OR_RETURN(auto found, catalog.Find(name));
  if (!found || found->kind != BackupKind::kSnapshot)
    return NotFound("no snapshot backup named " + name + " in ferry_backups");
  BackupInfo b = *found;
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(name));
  Status problem;
  if (!exists) {
    problem = Corruption("backup table " + name + " is missing");
  } else {
    FERRY_ASSIGN_OR_RETURN(TableChecksum sum, ComputeTableChecksumLike(db, name, b.checksum));
    if (sum.rows != b.row_count) {
      problem = Corruption("backup " + name + ": " + std::to_string(sum.rows) +
                           " rows, recorded " + std::to_string(b.row_count));
    } else if (sum.checksum != b.checksum) {
      problem = Corruption("backup " + name + ": checksum " + sum.checksum + ", recorded " +
                           b.checksum);
    }
  }
  const int64_t now = env->WallSeconds();
  if (!problem.ok()) {
    b.state = BackupState::kFailed;
    (void)catalog.Update(b);  // best effort: the mismatch is the news
    return problem;
  }
  b.state = BackupState::kVerified;
  b.verified_at = now;
  FERRY_RETURN_IF_ERROR(catalog.Update(b));
  b.notes.push_back("row count and checksum match what was recorded");
  return b;
}

}  // namespace ferry
