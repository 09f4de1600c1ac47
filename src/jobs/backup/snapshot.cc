// Table snapshots: copy, checksum, spot-check and record in one transaction;
// the shared steps (snapshot_steps.h) and create/verify. Restore is in
// snapshot_restore.cc; PostgreSQL 14+ copies in block ranges beside the
// read-back (postgres_snapshot.cc), this file's one transaction being its
// fallback.
#include <algorithm>
#include <future>
#include <memory>
#include <optional>

#include "db/transaction.h"
#include "jobs/backup/archive_phases.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/snapshot_steps.h"
#include "jobs/backup/sqlite_ddl.h"
#include "jobs/backup/table_checksum.h"

namespace ferry {

Status BeginSnapshotTransaction(Database* db, Transaction* tx) {
  // MySQL: for the next transaction only, whatever the server's default
  // (it must come before START TRANSACTION there, after BEGIN on PostgreSQL).
  if (db->dialect() == Dialect::kMysql)
    FERRY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
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

namespace {

Result<SqliteTableDdl> ReadDuckdbTableDdl(Database* db, const std::string& table) {
  SqliteTableDdl out;
  const std::string here =
      " WHERE database_name = current_database() AND schema_name = current_schema()"
      " AND table_name = $1";
  FERRY_ASSIGN_OR_RETURN(Rows t, db->Query("SELECT sql FROM duckdb_tables()" + here, {table}));
  if (t.empty()) return NotFound("table " + table + " does not exist");
  out.table_sql = t.GetText(0, 0).value_or("");
  FERRY_ASSIGN_OR_RETURN(
      Rows ix, db->Query("SELECT index_name, sql FROM duckdb_indexes()" + here +
                             " AND sql IS NOT NULL ORDER BY index_name",
                         {table}));
  for (size_t i = 0; i < ix.size(); ++i)
    out.indexes.emplace_back(ix.GetText(i, 0).value_or(""), ix.GetText(i, 1).value_or(""));
  return out;
}

// MySQL: CREATE TABLE ... LIKE brings every index along; without
// --with-indexes the secondary ones are dropped again while the copy is
// still empty (the primary key stays: spot checks seek by it).
Result<bool> CreateMysqlCopyTable(Database* db, const std::string& qs, const std::string& copy,
                                  bool with_indexes) {
  const std::string qc = db->QuoteIdentifier(copy);
  FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE " + qc + " LIKE " + qs));
  if (with_indexes) return true;
  FERRY_ASSIGN_OR_RETURN(
      Rows ix, db->Query("SELECT DISTINCT index_name FROM information_schema.statistics WHERE"
                         " table_schema = DATABASE() AND CAST(table_name AS BINARY) ="
                         " CAST($1 AS BINARY) AND index_name <> 'PRIMARY' ORDER BY 1",
                         {copy}));
  std::string drops;
  for (size_t i = 0; i < ix.size(); ++i)
    drops += (i ? ", DROP INDEX " : " DROP INDEX ") +
             db->QuoteIdentifier(ix.GetText(i, 0).value_or(""));
  if (!drops.empty()) FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + qc + drops));
  return false;
}

}  // namespace

Result<bool> CreateCopyTable(Database* db, const std::string& source, const std::string& copy,
                             bool with_indexes) {
  const std::string qs = db->QuoteIdentifier(source), qc = db->QuoteIdentifier(copy);
  if (db->dialect() == Dialect::kPostgres) {
    // Defaults are left out on purpose: a serial default would tie the copy
    // to the source's sequence, and dropping the source would then fail.
    // Generated columns and identity columns (whose sequence is the copy's
    // own) come along, so a table recreated from a snapshot has them again.
    FERRY_RETURN_IF_ERROR(db->Exec("CREATE TABLE " + qc + " (LIKE " + qs +
                                   " INCLUDING CONSTRAINTS INCLUDING GENERATED INCLUDING IDENTITY" +
                                   (with_indexes ? " INCLUDING INDEXES" : "") + ")"));
    return with_indexes;
  }
  if (db->dialect() == Dialect::kMysql) return CreateMysqlCopyTable(db, qs, copy, with_indexes);
  // SQLite and DuckDB: the table's own CREATE TABLE text under the new name
  // (DuckDB has no CREATE TABLE ... LIKE; CREATE TABLE AS would drop the
  // key, NOT NULL and defaults that a restore must bring back).
  SqliteTableDdl ddl;
  if (db->dialect() == Dialect::kDuckdb) {
    FERRY_ASSIGN_OR_RETURN(ddl, ReadDuckdbTableDdl(db, source));
  } else {
    FERRY_ASSIGN_OR_RETURN(ddl, ReadSqliteTableDdl(db, source));
  }
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

Result<std::string> InsertSelectSql(Database* db, const std::string& into,
                                    const std::string& from) {
  const std::string qi = db->QuoteIdentifier(into), qf = db->QuoteIdentifier(from);
  if (db->dialect() == Dialect::kSqlite || db->dialect() == Dialect::kPostgres) {
    // Generated columns refuse values; `into` carries the same definitions,
    // so they come back computed, and the checksums (which see them) still
    // agree. PostgreSQL identity columns GENERATED ALWAYS take the copied
    // values only when told to.
    FERRY_ASSIGN_OR_RETURN(std::string list, StoredColumnList(db, into));
    const std::string overriding =
        db->dialect() == Dialect::kPostgres ? " OVERRIDING SYSTEM VALUE" : "";
    if (list.empty()) return "INSERT INTO " + qi + overriding + " SELECT * FROM " + qf;
    return "INSERT INTO " + qi + " (" + list + ")" + overriding + " SELECT " + list + " FROM " +
           qf;
  }
  if (db->dialect() != Dialect::kMysql) return "INSERT INTO " + qi + " SELECT * FROM " + qf;
  // MySQL refuses values for generated columns; they are recomputed.
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                        " DATABASE() AND CAST(table_name AS BINARY) = CAST($1 AS BINARY) AND"
                        " (generation_expression IS NULL OR generation_expression = '')"
                        " ORDER BY ordinal_position",
                        {from}));
  std::string list;
  for (size_t i = 0; i < r.size(); ++i)
    list += (i ? ", " : "") + db->QuoteIdentifier(r.GetText(i, 0).value_or(""));
  if (list.empty()) return NotFound("table " + from + " has no columns (does it exist?)");
  return "INSERT INTO " + qi + " (" + list + ") SELECT " + list + " FROM " + qf;
}

namespace {

// The copy on `db` and the source's checksum on `reader` at the same time
// (two connections, one snapshot: OpenSnapshotReader). The plain INSERT ...
// SELECT, which SQLite runs as a page-level record transfer when the two
// tables have the same definition. If the reader fails, the source is hashed
// on `db` afterwards: same snapshot, only slower.
Result<int64_t> CopyBesideSourceHash(Database* db, Database* reader, const std::string& source,
                                     const std::string& copy, TableChecksum* source_sum,
                                     ArchivePhases* phases) {
  FERRY_ASSIGN_OR_RETURN(std::string insert, InsertSelectSql(db, copy, source));
  auto hashing = std::async(std::launch::async,
                            [reader, &source] { return ComputeTableChecksum(reader, source); });
  Result<int64_t> copied = db->Execute(insert, {});
  if (phases) phases->Mark("copy||source_hash");  // then the rest of the hash
  Result<TableChecksum> sum = hashing.get();
  FERRY_RETURN_IF_ERROR(copied.status());
  if (sum.ok()) {
    *source_sum = *sum;
  } else {
    FERRY_ASSIGN_OR_RETURN(*source_sum, ComputeTableChecksum(db, source));
  }
  return copied;
}

}  // namespace

Result<FilledCopy> FillCopy(Database* db, const std::string& source, const std::string& copy,
                            ArchivePhases* phases, Database* source_reader) {
  FilledCopy f;
  // The copy, then the source's checksum, in the same transaction. On
  // PostgreSQL (REPEATABLE READ), SQLite (write lock) and DuckDB (MVCC
  // snapshot) every statement sees one snapshot, so the order is free. On
  // MySQL (InnoDB, REPEATABLE READ) INSERT ... SELECT reads the source with
  // shared locks, which it keeps until commit, so the checksums after it
  // (consistent reads, whose snapshot starts with the first of them) see
  // exactly the rows it copied.
  //
  // With a reader (a second connection in the same snapshot) the source is
  // hashed there while this connection copies. Without one, SQLite hashes
  // the source rows inside the copy statement itself (one read of the
  // source instead of two); where that cannot run, or fails having inserted
  // nothing, the plain INSERT and a separate pass do.
  if (source_reader != nullptr) {
    FERRY_ASSIGN_OR_RETURN(
        f.copied, CopyBesideSourceHash(db, source_reader, source, copy, &f.source, phases));
    if (phases) phases->Mark("source_hash_rest");
  } else if (auto fused = CopyTableHashingSource(db, source, copy, &f.copied); fused.ok()) {
    f.source = *fused;
    if (phases) phases->Mark("copy+source_hash");
  } else {
    FERRY_ASSIGN_OR_RETURN(std::string insert, InsertSelectSql(db, copy, source));
    FERRY_ASSIGN_OR_RETURN(f.copied, db->Execute(insert, {}));
    if (phases) phases->Mark("copy");
    FERRY_ASSIGN_OR_RETURN(f.source, ComputeTableChecksum(db, source));
    if (phases) phases->Mark("source_hash");
  }
  return f;
}

Status CheckCopy(const FilledCopy& f, const TableChecksum& copy) {
  if (copy.rows != f.source.rows || f.copied != f.source.rows) {
    return Corruption("row count differs: source " + std::to_string(f.source.rows) + ", copied " +
                      std::to_string(f.copied) + ", backup holds " + std::to_string(copy.rows));
  }
  if (copy.checksum != f.source.checksum) {
    return Corruption("content checksum differs: source " + f.source.checksum + ", backup " +
                      copy.checksum);
  }
  return Status::OK();
}

Result<VerifiedCopy> FillAndVerify(Database* db, const std::string& source, const std::string& copy,
                                   ArchivePhases* phases, Database* source_reader) {
  FERRY_ASSIGN_OR_RETURN(FilledCopy f, FillCopy(db, source, copy, phases, source_reader));
  VerifiedCopy v;
  v.source = f.source;
  // Read back from the copy itself, with the source's method.
  FERRY_ASSIGN_OR_RETURN(v.copy, ComputeTableChecksumLike(db, copy, v.source.checksum));
  if (phases) phases->Mark("copy_hash");
  FERRY_RETURN_IF_ERROR(CheckCopy(f, v.copy));
  return v;
}

Result<VerifiedCopy> CopyAndVerify(Database* db, const std::string& source, const std::string& copy,
                                   bool with_indexes, ArchivePhases* phases,
                                   Database* source_reader) {
  FERRY_ASSIGN_OR_RETURN(bool indexes, CreateCopyTable(db, source, copy, with_indexes));
  if (phases) phases->Mark("ddl");
  FERRY_ASSIGN_OR_RETURN(VerifiedCopy v, FillAndVerify(db, source, copy, phases, source_reader));
  v.indexes_recreated = indexes;
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
  if (db->dialect() == Dialect::kMysql) {
    // InnoDB's estimate (its statistics lag behind a fresh bulk insert).
    FERRY_ASSIGN_OR_RETURN(
        Rows r, db->Query("SELECT data_length + index_length FROM information_schema.tables WHERE"
                          " table_schema = DATABASE() AND CAST(table_name AS BINARY) ="
                          " CAST($1 AS BINARY)",
                          {table}));
    return r.GetInt(0, 0).value_or(0);
  }
  if (db->dialect() == Dialect::kDuckdb) {
    FERRY_ASSIGN_OR_RETURN(
        Rows r, db->Query("SELECT estimated_size FROM duckdb_tables() WHERE database_name ="
                          " current_database() AND schema_name = current_schema() AND"
                          " table_name = $1",
                          {table}));
    return r.GetInt(0, 0).value_or(0);
  }
  return sum.data_bytes;
}

}  // namespace

void DiscardCommittedSnapshot(Database* db, BackupInfo* b) {
  BackupCatalog catalog(db);
  Transaction tx(db);
  Status dropped = tx.Begin();
  if (dropped.ok()) dropped = db->Exec("DROP TABLE IF EXISTS " + db->QuoteIdentifier(b->name));
  if (dropped.ok()) dropped = catalog.Remove(b->name);
  if (dropped.ok()) dropped = tx.Commit();
  if (!dropped.ok()) {
    (void)tx.Rollback();
    b->state = BackupState::kFailed;
    (void)catalog.Update(*b);
  }
}

namespace {

// Turns SQLite's automatic WAL checkpoint off for the connection while it
// lives, so a big COMMIT only appends to the WAL, and the caller runs the
// checkpoint beside other work. Restores the connection's setting.
class NoAutoCheckpoint {
 public:
  explicit NoAutoCheckpoint(Database* db) : db_(db) {
    auto r = db_->Query("PRAGMA wal_autocheckpoint", {});
    if (!r.ok() || r->empty()) return;
    pages_ = r->GetInt(0, 0).value_or(-1);
    if (pages_ >= 0 && !db_->Exec("PRAGMA wal_autocheckpoint = 0").ok()) pages_ = -1;
  }
  NoAutoCheckpoint(const NoAutoCheckpoint&) = delete;
  NoAutoCheckpoint& operator=(const NoAutoCheckpoint&) = delete;
  ~NoAutoCheckpoint() {
    if (pages_ >= 0) (void)db_->Exec("PRAGMA wal_autocheckpoint = " + std::to_string(pages_));
  }

 private:
  Database* db_;
  int64_t pages_ = -1;
};

// The end of a SQLite snapshot whose catalog row was committed "pending":
// the copy's checksum read back from the committed copy on two new
// connections (a rowid range each) while this connection checkpoints the
// WAL, compared with the source's, and only then the row is flipped to
// "verified". A mismatch drops the copy and its row again (or, failing
// that, marks it failed); a crash before the flip leaves it "pending",
// which list shows as PENDING and restore refuses.
Status VerifyAfterCommit(Database* db, Env* env, BackupCatalog* catalog, BackupInfo* b,
                         const FilledCopy& filled, std::optional<NoAutoCheckpoint>* no_checkpoint,
                         ArchivePhases* phases) {
  const std::string expected = filled.source.checksum;
  auto hashing = std::async(std::launch::async, [db, env, b, &expected] {
    return SqliteChecksumInParts(db->url(), env, b->name, expected, 2);
  });
  // Best effort: when it cannot finish now, a later commit checkpoints.
  (void)db->Query("PRAGMA wal_checkpoint(PASSIVE)", {});
  no_checkpoint->reset();
  phases->Mark("checkpoint||copy_hash");  // then the rest of the read-back
  Result<TableChecksum> copy = hashing.get();
  // One connection, same method and result, where the parts cannot run.
  if (!copy.ok()) copy = ComputeTableChecksumLike(db, b->name, expected);
  phases->Mark("copy_hash_rest");
  Status st = copy.ok() ? CheckCopy(filled, *copy) : copy.status();
  if (!st.ok()) {
    DiscardCommittedSnapshot(db, b);
    return st;
  }
  b->state = BackupState::kVerified;
  b->verified_at = env->WallSeconds();
  FERRY_RETURN_IF_ERROR(catalog->Update(*b));
  phases->Mark("flip");
  return Status::OK();
}

}  // namespace

Result<BackupInfo> CreateVerifiedSnapshot(Database* db, Env* env, const std::string& table,
                                          const SnapshotOptions& opts) {
  if (db->InTransaction())
    return FailedPrecondition("backup of " + table + ": a transaction is already open");
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(table));
  if (!exists) return NotFound("backup: table " + table + " does not exist");
  ArchivePhases phases(env, opts.logger, "snapshot create " + table);
  FERRY_ASSIGN_OR_RETURN(std::string schema_version, CurrentSchemaVersion(db, env));
  BackupCatalog catalog(db);
  FERRY_RETURN_IF_ERROR(catalog.Ensure());

  const int64_t now = env->WallSeconds();
  BackupInfo b = NewBackupInfo(BackupKind::kSnapshot, table, schema_version, now, opts.retention);
  const std::string base = opts.name.empty() ? table + "_backup_" + CompactUtc(now) : opts.name;
  if (db->dialect() == Dialect::kPostgres && !opts.one_transaction) {
    b.name = base;
    std::string why_not;
    FERRY_ASSIGN_OR_RETURN(std::optional<BackupInfo> ranged,
                           CreatePostgresSnapshotInRanges(db, env, table, opts, b, &phases, &why_not));
    if (ranged) return *std::move(ranged);
    if (opts.logger != nullptr)
      opts.logger->Debug("snapshot create " + table + ": in one transaction (" + why_not + ")");
    b.name.clear();
  }
  // Without transactional DDL (MySQL) the empty copy is created before the
  // transaction (CREATE TABLE would commit it) and dropped again on failure;
  // it is only in ferry_backups, i.e. a backup, once the transaction commits.
  const bool ddl_in_tx = db->capabilities().transactional_ddl || db->dialect() == Dialect::kSqlite;
  std::optional<bool> indexes;
  if (!ddl_in_tx) {
    FERRY_ASSIGN_OR_RETURN(b.name, FreeTableName(db, base));
    FERRY_ASSIGN_OR_RETURN(indexes, CreateCopyTable(db, table, b.name, opts.with_indexes));
  }
  DropOnFailure cleanup(db, ddl_in_tx ? "" : b.name);
  Transaction tx(db);
  FERRY_RETURN_IF_ERROR(BeginSnapshotTransaction(db, &tx));
  if (ddl_in_tx) {
    FERRY_ASSIGN_OR_RETURN(b.name, FreeTableName(db, base));
  }
  phases.Mark("begin");
  auto fail = [&](const Status& st) { return st.WithContext("backup " + table + " -> " + b.name); };

  if (!indexes) {
    auto made = CreateCopyTable(db, table, b.name, opts.with_indexes);
    if (!made.ok()) return fail(made.status());
    indexes = *made;
    phases.Mark("ddl");
  }
  // The source's checksum on a second connection in the same snapshot,
  // beside the copy, where the engine allows it; else on this one.
  auto opened = OpenSnapshotReader(db, env);
  std::unique_ptr<Database> reader = opened.ok() ? std::move(*opened) : nullptr;
  phases.Mark("reader");
  // SQLite (in WAL mode, where there is a reader) reads the copy back after
  // the commit, on two connections beside the WAL checkpoint, the catalog
  // row saying "pending" until the checksums agree (VerifyAfterCommit).
  // Elsewhere the copy is read back inside the transaction.
  const bool after_commit = reader != nullptr && db->dialect() == Dialect::kSqlite;
  FilledCopy filled;
  if (after_commit) {
    auto f = FillCopy(db, table, b.name, &phases, reader.get());
    reader.reset();  // before the commit: it would hold back the checkpoint
    if (!f.ok()) return fail(f.status());
    filled = *f;
  } else {
    auto v = FillAndVerify(db, table, b.name, &phases, reader.get());
    reader.reset();
    if (!v.ok()) return fail(v.status());
    filled.source = v->source;
    filled.copied = v->source.rows;
  }
  // Until read back, the source's checksum is what the copy must match.
  const TableChecksum& sum = filled.source;
  auto checked = SpotCheckRows(db, table, b.name, opts.spot_checks, env->Random64(), sum.rows);
  if (!checked.ok()) return fail(checked.status());
  phases.Mark("spot_checks");

  FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
  b.row_count = sum.rows;
  b.checksum = sum.checksum;
  b.verified_at = after_commit ? 0 : now;
  b.state = after_commit ? BackupState::kPending : BackupState::kVerified;
  FERRY_ASSIGN_OR_RETURN(b.size_bytes, TableBytes(db, b.name, sum));
  b.indexes_recreated = *indexes;
  b.method = db->dialect() == Dialect::kSqlite || db->dialect() == Dialect::kDuckdb
                 ? "CREATE TABLE (same DDL) + INSERT SELECT"
                 : "CREATE TABLE (LIKE) + INSERT SELECT";
  b.notes.push_back(std::string("indexes ") + (b.indexes_recreated
                                                   ? "recreated on the backup"
                                                   : "not recreated (use --with-indexes)"));
  b.notes.push_back("verified: " + std::to_string(b.row_count) +
                    " rows, checksum equal to the "
                    "source in the same snapshot, " +
                    std::to_string(*checked) + " sampled rows compared by key");
  if (Status st = catalog.Insert(b); !st.ok()) return fail(st);
  phases.Mark("record");
  // The checkpoint that SQLite would run inside COMMIT runs beside the
  // read-back instead (VerifyAfterCommit).
  std::optional<NoAutoCheckpoint> no_checkpoint;
  if (after_commit) no_checkpoint.emplace(db);
  if (Status st = tx.Commit(); !st.ok()) return fail(st);
  phases.Mark("commit");
  cleanup.Release();
  if (after_commit) {
    if (Status st = VerifyAfterCommit(db, env, &catalog, &b, filled, &no_checkpoint, &phases);
        !st.ok())
      return fail(st);
  }
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
