// Putting a table snapshot back (RestoreSnapshot in backup.h).
//
// All in one transaction, so readers see the old table until commit and the
// restored one after; any error rolls everything back.
//
// - PostgreSQL restores IN PLACE: the live table keeps its identity (OID),
//   so views, foreign keys it holds, triggers, grants, policies and
//   publications stay attached and dependent views show the restored rows.
//   The current rows are first copied to a verified safety backup; then the
//   live table's user triggers are switched off for the load (an audit or
//   `updated_at` trigger would otherwise rewrite the restored rows), the
//   table is TRUNCATEd and filled from the snapshot, triggers go back on and
//   sequences move past the restored keys. A table that other tables
//   reference by foreign key is refused, naming the constraints: emptying it
//   would break (or, with ON DELETE CASCADE, empty) the referencing tables.
// - MySQL and DuckDB refill in place too (RestoreInPlace): safety copy,
//   DELETE, INSERT ... SELECT; MySQL refuses a table with triggers or
//   referenced by other tables' foreign keys. MySQL's DDL commits, so its
//   safety table is created (empty) before the transaction and dropped if
//   the restore fails.
// - SQLite renames the live table to the safety backup with
//   legacy_alter_table on, so views, triggers and foreign keys of other
//   tables keep naming the live table, and recreates it from its own DDL.
#include <optional>

#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/snapshot_steps.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry {
namespace {

// Foreign keys of OTHER tables that reference `table`, as "name on table".
Result<std::vector<std::string>> IncomingForeignKeys(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT conname, conrelid::regclass::text FROM pg_constraint"
                        " WHERE contype = 'f' AND confrelid = $1::regclass AND conrelid <> confrelid"
                        " ORDER BY 1",
                        {db->QuoteIdentifier(table)}));
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i)
    out.push_back(r.GetText(i, 0).value_or("") + " on " + r.GetText(i, 1).value_or(""));
  return out;
}

// Columns of `table` a restore may write: not dropped, not generated (those
// are recomputed from the others).
Result<std::vector<std::string>> WritableColumns(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass"
                        " AND attnum > 0 AND NOT attisdropped AND attgenerated = ''"
                        " ORDER BY attnum",
                        {db->QuoteIdentifier(table)}));
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.GetText(i, 0).value_or(""));
  return out;
}

// Moves every serial/identity sequence of `table` past the largest key in
// it, never backwards (the live sequence may already be further).
Status AdvanceSequences(Database* db, const std::string& table) {
  const std::string qt = db->QuoteIdentifier(table);
  FERRY_ASSIGN_OR_RETURN(
      Rows seqs, db->Query("SELECT attname, pg_get_serial_sequence($1, attname) FROM pg_attribute"
                           " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped",
                           {qt}));
  for (size_t i = 0; i < seqs.size(); ++i) {
    auto seq = seqs.GetText(i, 1);
    if (!seq) continue;
    const std::string col = db->QuoteIdentifier(seqs.GetText(i, 0).value_or(""));
    FERRY_RETURN_IF_ERROR(
        db->Query("SELECT setval($1, m) FROM (SELECT max(" + col + ")::bigint AS m FROM " + qt +
                      ") s WHERE m IS NOT NULL AND m > coalesce(pg_sequence_last_value($1::regclass), 0)",
                  {*seq})
            .status());
  }
  return Status::OK();
}

// PostgreSQL: safety copy, then empty and refill the live table in place.
// Returns the safety backup's entry (not yet in the catalog).
Result<BackupInfo> RestorePostgresInPlace(Database* db, const BackupInfo& b, int64_t now) {
  const std::string& live = b.source;
  const std::string ql = db->QuoteIdentifier(live), qb = db->QuoteIdentifier(b.name);
  FERRY_ASSIGN_OR_RETURN(auto fks, IncomingForeignKeys(db, live));
  if (!fks.empty()) {
    std::string list;
    for (const auto& f : fks) list += (list.empty() ? "" : ", ") + f;
    return FailedPrecondition(
        "table " + live + " is referenced by foreign key " + list +
        "; restoring it alone would break the referencing rows, so nothing was changed (restore "
        "a database archive, or drop the constraint and restore the tables together)");
  }
  BackupInfo s;
  FERRY_ASSIGN_OR_RETURN(s.name, FreeTableName(db, live + "_backup_" + CompactUtc(now)));
  FERRY_ASSIGN_OR_RETURN(VerifiedCopy safety, CopyAndVerify(db, live, s.name, false));
  s.row_count = safety.copy.rows;
  s.checksum = safety.copy.checksum;

  FERRY_ASSIGN_OR_RETURN(
      Rows trig, db->Query("SELECT tgname FROM pg_trigger WHERE tgrelid = $1::regclass"
                           " AND NOT tgisinternal AND tgenabled <> 'D' ORDER BY 1",
                           {ql}));
  for (size_t i = 0; i < trig.size(); ++i) {
    FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + ql + " DISABLE TRIGGER " +
                                   db->QuoteIdentifier(trig.GetText(i, 0).value_or(""))));
  }
  FERRY_RETURN_IF_ERROR(db->Exec("TRUNCATE " + ql));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, WritableColumns(db, live));
  std::string list;
  for (const auto& c : cols) list += (list.empty() ? "" : ", ") + db->QuoteIdentifier(c);
  FERRY_RETURN_IF_ERROR(db->Execute("INSERT INTO " + ql + " (" + list +
                                        ") OVERRIDING SYSTEM VALUE SELECT " + list + " FROM " + qb,
                                    {})
                            .status());
  for (size_t i = 0; i < trig.size(); ++i) {
    FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + ql + " ENABLE TRIGGER " +
                                   db->QuoteIdentifier(trig.GetText(i, 0).value_or(""))));
  }
  FERRY_RETURN_IF_ERROR(AdvanceSequences(db, live));
  return s;
}

// SQLite: the live table becomes the safety backup (renamed, not copied)
// and is recreated empty from its own DDL, then filled.
Result<BackupInfo> RestoreSqliteByRename(Database* db, const BackupInfo& b, int64_t now) {
  const std::string& live = b.source;
  const std::string ql = db->QuoteIdentifier(live);
  BackupInfo s;
  FERRY_ASSIGN_OR_RETURN(s.name, FreeTableName(db, live + "_backup_" + CompactUtc(now)));
  const std::string qs = db->QuoteIdentifier(s.name);
  FERRY_ASSIGN_OR_RETURN(TableChecksum sum, ComputeTableChecksum(db, live));
  s.row_count = sum.rows;
  s.checksum = sum.checksum;
  FERRY_ASSIGN_OR_RETURN(SqliteTableDdl ddl, ReadSqliteTableDdl(db, live));
  // Views, triggers and other tables' foreign keys keep naming the live table.
  FERRY_RETURN_IF_ERROR(db->Exec("PRAGMA legacy_alter_table = ON"));
  Status st = db->Exec("ALTER TABLE " + ql + " RENAME TO " + qs);
  (void)db->Exec("PRAGMA legacy_alter_table = OFF");
  FERRY_RETURN_IF_ERROR(st);
  for (const auto& [ix, sql] : ddl.indexes) FERRY_RETURN_IF_ERROR(db->Exec("DROP INDEX " + db->QuoteIdentifier(ix)));
  FERRY_RETURN_IF_ERROR(db->Exec(ddl.table_sql));
  for (const auto& [ix, sql] : ddl.indexes) FERRY_RETURN_IF_ERROR(db->Exec(sql));
  FERRY_ASSIGN_OR_RETURN(std::string insert, InsertSelectSql(db, live, b.name));
  FERRY_RETURN_IF_ERROR(db->Execute(insert, {}).status());
  return s;
}

// MySQL refuses what an in-place refill would break: rows referenced by
// other tables' foreign keys, and triggers (which MySQL cannot switch off,
// so they would fire on every restored row).
Status CheckMysqlRefillable(Database* db, const std::string& live) {
  const std::string same = " = DATABASE() AND CAST(";
  FERRY_ASSIGN_OR_RETURN(
      Rows fk, db->Query("SELECT constraint_name, table_name FROM"
                         " information_schema.referential_constraints WHERE constraint_schema" +
                             same + "referenced_table_name AS BINARY) = CAST($1 AS BINARY)"
                             " AND CAST(table_name AS BINARY) <> CAST($1 AS BINARY) ORDER BY 1",
                         {live}));
  FERRY_ASSIGN_OR_RETURN(
      Rows tg, db->Query("SELECT trigger_name FROM information_schema.triggers WHERE"
                         " event_object_schema" + same +
                             "event_object_table AS BINARY) = CAST($1 AS BINARY) ORDER BY 1",
                         {live}));
  std::string list;
  for (size_t i = 0; i < fk.size(); ++i)
    list += (list.empty() ? "foreign key " : ", foreign key ") + fk.GetText(i, 0).value_or("") +
            " on " + fk.GetText(i, 1).value_or("");
  for (size_t i = 0; i < tg.size(); ++i)
    list += (list.empty() ? "trigger " : ", trigger ") + tg.GetText(i, 0).value_or("");
  if (list.empty()) return Status::OK();
  return FailedPrecondition("table " + live + " has " + list +
                            "; refilling it in place would break or fire them, so nothing was "
                            "changed (restore a database archive instead)");
}

// MySQL and DuckDB restore IN PLACE, inside the transaction: the current
// rows are copied to a verified safety backup (`safety`, already created
// empty on MySQL, where DDL commits), then the live table is emptied with
// DELETE (TRUNCATE would commit on MySQL) and refilled from the snapshot.
// The live table keeps its identity, indexes, grants and dependent views;
// MVCC readers see the old rows until commit.
Result<BackupInfo> RestoreInPlace(Database* db, const BackupInfo& b, int64_t now,
                                  const std::string& safety) {
  const std::string& live = b.source;
  BackupInfo s;
  VerifiedCopy copy;
  if (safety.empty()) {
    FERRY_ASSIGN_OR_RETURN(s.name, FreeTableName(db, live + "_backup_" + CompactUtc(now)));
    FERRY_ASSIGN_OR_RETURN(copy, CopyAndVerify(db, live, s.name, false));
  } else {
    s.name = safety;
    FERRY_ASSIGN_OR_RETURN(copy, FillAndVerify(db, live, s.name));
  }
  s.row_count = copy.copy.rows;
  s.checksum = copy.copy.checksum;
  FERRY_RETURN_IF_ERROR(db->Exec("DELETE FROM " + db->QuoteIdentifier(live)));
  FERRY_ASSIGN_OR_RETURN(std::string insert, InsertSelectSql(db, live, b.name));
  FERRY_RETURN_IF_ERROR(db->Execute(insert, {}).status());
  return s;
}

// The live table is gone: recreate it from the snapshot (unless `created`:
// MySQL made it before the transaction) and fill it. On MySQL the snapshot's
// indexes come along (LIKE), which are the source's only when the snapshot
// was taken --with-indexes.
Status RecreateFromSnapshot(Database* db, const BackupInfo& b, bool created) {
  if (!created) {
    FERRY_ASSIGN_OR_RETURN(bool with_ix,
                           CreateCopyTable(db, b.name, b.source, /*with_indexes=*/true));
    (void)with_ix;
  }
  FERRY_ASSIGN_OR_RETURN(std::string insert, InsertSelectSql(db, b.source, b.name));
  FERRY_RETURN_IF_ERROR(db->Execute(insert, {}).status());
  // PostgreSQL: the recreated table's identity sequences (snapshots made
  // since identity columns come along) start past the restored keys.
  if (db->dialect() == Dialect::kPostgres) FERRY_RETURN_IF_ERROR(AdvanceSequences(db, b.source));
  return Status::OK();
}

}  // namespace

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
  const Dialect dialect = db->dialect();
  auto fail = [&](const Status& st) { return st.WithContext("restore " + name + " -> " + live); };
  const int64_t now = env->WallSeconds();

  // MySQL: DDL commits, so the tables this restore needs are created before
  // its transaction (and dropped again if it fails).
  std::string safety_table;
  bool live_created = false;
  if (dialect == Dialect::kMysql) {
    auto exists = db->TableExists(live);
    if (!exists.ok()) return fail(exists.status());
    if (*exists) {
      if (Status st = CheckMysqlRefillable(db, live); !st.ok()) return fail(st);
      auto free = FreeTableName(db, live + "_backup_" + CompactUtc(now));
      if (!free.ok()) return fail(free.status());
      safety_table = *free;
      if (auto c = CreateCopyTable(db, live, safety_table, false); !c.ok()) {
        (void)db->Exec("DROP TABLE IF EXISTS " + db->QuoteIdentifier(safety_table));
        return fail(c.status());
      }
    } else {
      if (auto c = CreateCopyTable(db, b.name, live, true); !c.ok()) return fail(c.status());
      live_created = true;
    }
  }
  DropOnFailure cleanup(db, live_created ? live : safety_table);

  Transaction tx(db);
  FERRY_RETURN_IF_ERROR(BeginSnapshotTransaction(db, &tx));
  auto live_exists = db->TableExists(live);
  if (!live_exists.ok()) return fail(live_exists.status());
  std::optional<BackupInfo> safety;
  if (*live_exists && !live_created) {
    auto s = dialect == Dialect::kPostgres ? RestorePostgresInPlace(db, b, now)
             : dialect == Dialect::kSqlite ? RestoreSqliteByRename(db, b, now)
                                           : RestoreInPlace(db, b, now, safety_table);
    if (!s.ok()) return fail(s.status());
    auto id = catalog.NextId();
    if (!id.ok()) return fail(id.status());
    s->id = *id;
    s->kind = BackupKind::kSnapshot;
    s->source = live;
    s->ferry_version = FERRY_VERSION;
    auto schema_version = CurrentSchemaVersion(db, env);
    if (!schema_version.ok()) return fail(schema_version.status());
    s->schema_version = *schema_version;
    s->created_at = now;
    s->expires_at = now + 7 * 86400;
    s->verified_at = now;
    s->state = BackupState::kVerified;
    s->method = "safety backup before restoring " + name;
    if (Status st = catalog.Insert(*s); !st.ok()) return fail(st);
    safety = *s;
  } else if (Status st = RecreateFromSnapshot(db, b, live_created); !st.ok()) {
    return fail(st);
  }
  auto restored = ComputeTableChecksumLike(db, live, b.checksum);
  if (!restored.ok()) return fail(restored.status());
  if (restored->rows != b.row_count || restored->checksum != b.checksum) {
    return fail(Corruption("restored table has " + std::to_string(restored->rows) + " rows, " +
                           restored->checksum + "; backup recorded " +
                           std::to_string(b.row_count) + " rows, " + b.checksum));
  }
  if (Status st = tx.Commit(); !st.ok()) return fail(st);
  cleanup.Release();
  BackupInfo out = b;
  out.notes.push_back("restored " + std::to_string(restored->rows) + " rows into " + live +
                      "; checksum matches the backup");
  if (safety) {
    out.notes.push_back("the previous " + live + " was kept as safety backup " + safety->name);
  }
  return out;
}

}  // namespace ferry
