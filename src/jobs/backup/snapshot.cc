// Table snapshots: copy, checksum, spot-check and record in one transaction.
#include <algorithm>

#include "db/transaction.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/sqlite_ddl.h"
#include "jobs/backup/table_checksum.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry {
namespace {

int64_t NowSeconds(Env* env) {
  return std::chrono::duration_cast<std::chrono::seconds>(env->WallNow().time_since_epoch())
      .count();
}

// Begins a transaction that reads one snapshot of the database.
Status BeginSnapshotTransaction(Database* db, Transaction* tx) {
  FERRY_RETURN_IF_ERROR(tx->Begin());
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
  }
  return Status::OK();
}

// A table name not yet taken: base, base_2, base_3, ...
Result<std::string> FreeName(Database* db, const std::string& base) {
  for (int i = 1; i < 100; ++i) {
    std::string name = i == 1 ? base : base + "_" + std::to_string(i);
    FERRY_ASSIGN_OR_RETURN(bool taken, db->TableExists(name));
    if (!taken) return name;
  }
  return FailedPrecondition("no free backup name for " + base);
}

struct SqliteDdl {
  std::string table_sql;
  std::vector<std::pair<std::string, std::string>> indexes;  // name, sql
};

Result<SqliteDdl> ReadSqliteDdl(Database* db, const std::string& table) {
  SqliteDdl out;
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

// Creates an empty `copy` shaped like `source`. Returns whether secondary
// indexes were recreated.
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
  FERRY_ASSIGN_OR_RETURN(SqliteDdl ddl, ReadSqliteDdl(db, source));
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

Result<int64_t> TableBytes(Database* db, const std::string& table) {
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_ASSIGN_OR_RETURN(Rows r, db->Query("SELECT pg_total_relation_size($1::regclass)",
                                             {db->QuoteIdentifier(table)}));
    return r.GetInt(0, 0).value_or(0);
  }
  auto r = db->Query("SELECT coalesce(sum(pgsize), 0) FROM dbstat WHERE name = $1", {table});
  if (!r.ok()) return int64_t{0};  // dbstat not compiled in: size unknown
  return r->GetInt(0, 0).value_or(0);
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
  const int64_t now = NowSeconds(env);
  BackupInfo b;
  FERRY_ASSIGN_OR_RETURN(b.name, FreeName(db, opts.name.empty()
                                                  ? table + "_backup_" + CompactUtc(now)
                                                  : opts.name));
  auto fail = [&](const Status& st) { return st.WithContext("backup " + table + " -> " + b.name); };

  // The source checksum first, the copy second, in the same snapshot: they
  // describe exactly the same rows.
  auto src_sum = ComputeTableChecksum(db, table);
  if (!src_sum.ok()) return fail(src_sum.status());
  auto indexes = CreateCopyTable(db, table, b.name, opts.with_indexes);
  if (!indexes.ok()) return fail(indexes.status());
  auto copied = db->Execute("INSERT INTO " + db->QuoteIdentifier(b.name) + " SELECT * FROM " +
                                db->QuoteIdentifier(table),
                            {});
  if (!copied.ok()) return fail(copied.status());
  auto copy_sum = ComputeTableChecksum(db, b.name);
  if (!copy_sum.ok()) return fail(copy_sum.status());
  if (copy_sum->rows != src_sum->rows || *copied != src_sum->rows) {
    return fail(Corruption("row count differs: source " + std::to_string(src_sum->rows) +
                           ", copied " + std::to_string(*copied) + ", backup holds " +
                           std::to_string(copy_sum->rows)));
  }
  if (copy_sum->checksum != src_sum->checksum) {
    return fail(Corruption("content checksum differs: source " + src_sum->checksum +
                           ", backup " + copy_sum->checksum));
  }
  auto checked = SpotCheckRows(db, table, b.name, opts.spot_checks, env->Random64());
  if (!checked.ok()) return fail(checked.status());

  FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
  b.kind = BackupKind::kSnapshot;
  b.source = table;
  b.row_count = copy_sum->rows;
  b.checksum = copy_sum->checksum;
  b.ferry_version = FERRY_VERSION;
  b.schema_version = schema_version;
  b.created_at = now;
  b.expires_at = now + opts.retention.count();
  b.verified_at = now;
  b.state = BackupState::kVerified;
  FERRY_ASSIGN_OR_RETURN(b.size_bytes, TableBytes(db, b.name));
  b.indexes_recreated = *indexes;
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
    FERRY_ASSIGN_OR_RETURN(TableChecksum sum, ComputeTableChecksum(db, name));
    if (sum.rows != b.row_count) {
      problem = Corruption("backup " + name + ": " + std::to_string(sum.rows) +
                           " rows, recorded " + std::to_string(b.row_count));
    } else if (sum.checksum != b.checksum) {
      problem = Corruption("backup " + name + ": checksum " + sum.checksum + ", recorded " +
                           b.checksum);
    }
  }
  const int64_t now = NowSeconds(env);
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

Result<BackupInfo> RestoreSnapshot(Database* db, Env* env, const std::string& name) {
  if (db->InTransaction()) return FailedPrecondition("restore " + name + ": a transaction is open");
  BackupCatalog catalog(db);
  FERRY_ASSIGN_OR_RETURN(auto found, catalog.Find(name));
  if (!found || found->kind != BackupKind::kSnapshot)
    return NotFound("no snapshot backup named " + name + " in ferry_backups");
  if (found->state != BackupState::kVerified)
    return FailedPrecondition("backup " + name + " is " +
                              std::string(BackupStateName(found->state)) + ", not verified");
  const BackupInfo b = *found;
  const std::string& live = b.source;
  const bool pg = db->dialect() == Dialect::kPostgres;
  const std::string ql = db->QuoteIdentifier(live), qb = db->QuoteIdentifier(name);

  Transaction tx(db);
  FERRY_RETURN_IF_ERROR(BeginSnapshotTransaction(db, &tx));
  auto fail = [&](const Status& st) { return st.WithContext("restore " + name + " -> " + live); };
  FERRY_ASSIGN_OR_RETURN(bool live_exists, db->TableExists(live));
  const int64_t now = NowSeconds(env);
  std::optional<BackupInfo> safety;
  if (live_exists) {
    // The live table itself becomes the safety backup: renamed, not copied.
    BackupInfo s;
    FERRY_ASSIGN_OR_RETURN(s.name, FreeName(db, live + "_backup_" + CompactUtc(now)));
    const std::string qs = db->QuoteIdentifier(s.name);
    auto sum = ComputeTableChecksum(db, live);
    if (!sum.ok()) return fail(sum.status());
    if (pg) {
      if (Status st = db->Exec("ALTER TABLE " + ql + " RENAME TO " + qs); !st.ok()) return fail(st);
      if (Status st = db->Exec("CREATE TABLE " + ql + " (LIKE " + qs + " INCLUDING ALL)"); !st.ok())
        return fail(st);
      // A serial column's sequence belongs to the old table: hand it over,
      // or cleaning up the safety backup would drop it.
      auto seqs = db->Query(
          "SELECT attname, pg_get_serial_sequence($1, attname) FROM pg_attribute WHERE attrelid ="
          " $1::regclass AND attnum > 0 AND NOT attisdropped AND attidentity = ''",
          {qs});
      if (!seqs.ok()) return fail(seqs.status());
      for (size_t i = 0; i < seqs->size(); ++i) {
        auto seq = seqs->GetText(i, 1);
        if (!seq) continue;
        if (Status st = db->Exec("ALTER SEQUENCE " + *seq + " OWNED BY " + ql + "." +
                                 db->QuoteIdentifier(seqs->GetText(i, 0).value_or("")));
            !st.ok())
          return fail(st);
      }
    } else {
      FERRY_ASSIGN_OR_RETURN(SqliteDdl ddl, ReadSqliteDdl(db, live));
      // Views and triggers keep naming the live table, not the renamed one.
      if (Status st = db->Exec("PRAGMA legacy_alter_table = ON"); !st.ok()) return fail(st);
      Status st = db->Exec("ALTER TABLE " + ql + " RENAME TO " + qs);
      (void)db->Exec("PRAGMA legacy_alter_table = OFF");
      if (!st.ok()) return fail(st);
      for (const auto& [ix, sql] : ddl.indexes) {
        if (Status s2 = db->Exec("DROP INDEX " + db->QuoteIdentifier(ix)); !s2.ok()) return fail(s2);
      }
      if (Status s2 = db->Exec(ddl.table_sql); !s2.ok()) return fail(s2);
      for (const auto& [ix, sql] : ddl.indexes) {
        if (Status s2 = db->Exec(sql); !s2.ok()) return fail(s2);
      }
    }
    FERRY_ASSIGN_OR_RETURN(s.id, catalog.NextId());
    s.kind = BackupKind::kSnapshot;
    s.source = live;
    s.row_count = sum->rows;
    s.checksum = sum->checksum;
    s.ferry_version = FERRY_VERSION;
    FERRY_ASSIGN_OR_RETURN(s.schema_version, CurrentSchemaVersion(db, env));
    s.created_at = now;
    s.expires_at = now + 7 * 86400;
    s.verified_at = now;
    s.state = BackupState::kVerified;
    s.method = "safety backup before restoring " + name;
    if (Status st = catalog.Insert(s); !st.ok()) return fail(st);
    safety = s;
  } else {
    FERRY_ASSIGN_OR_RETURN(bool with_ix, CreateCopyTable(db, name, live, /*with_indexes=*/true));
    (void)with_ix;
  }
  auto inserted = db->Execute("INSERT INTO " + ql + (pg ? " OVERRIDING SYSTEM VALUE" : "") +
                                  " SELECT * FROM " + qb,
                              {});
  if (!inserted.ok()) return fail(inserted.status());
  if (pg) {
    // Identity columns got a fresh sequence: move it past the restored rows.
    auto ids = db->Query("SELECT attname, pg_get_serial_sequence($1, attname) FROM pg_attribute"
                         " WHERE attrelid = $1::regclass AND attnum > 0 AND attidentity <> ''",
                         {ql});
    if (!ids.ok()) return fail(ids.status());
    for (size_t i = 0; i < ids->size(); ++i) {
      auto seq = ids->GetText(i, 1);
      if (!seq) continue;
      std::string col = db->QuoteIdentifier(ids->GetText(i, 0).value_or(""));
      auto r = db->Query("SELECT setval($1, coalesce(max(" + col + "), 1), max(" + col +
                             ") IS NOT NULL) FROM " + ql,
                         {*seq});
      if (!r.ok()) return fail(r.status());
    }
  }
  auto restored = ComputeTableChecksum(db, live);
  if (!restored.ok()) return fail(restored.status());
  if (restored->rows != b.row_count || restored->checksum != b.checksum) {
    return fail(Corruption("restored table has " + std::to_string(restored->rows) + " rows, " +
                           restored->checksum + "; backup recorded " +
                           std::to_string(b.row_count) + " rows, " + b.checksum));
  }
  if (Status st = tx.Commit(); !st.ok()) return fail(st);
  BackupInfo out = b;
  out.notes.push_back("restored " + std::to_string(restored->rows) + " rows into " + live +
                      "; checksum matches the backup");
  if (safety) {
    out.notes.push_back("the previous " + live + " was kept as safety backup " + safety->name);
  }
  return out;
}

}  // namespace ferry
