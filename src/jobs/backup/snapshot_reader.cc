// OpenSnapshotReader (snapshot_steps.h): a second connection that reads the
// same snapshot as the caller's open snapshot transaction, so the source's
// checksum can be computed beside the copy instead of before or after it.
//
// Why each engine's second connection sees exactly what the copy reads:
// - PostgreSQL: the caller's REPEATABLE READ snapshot is exported
//   (pg_export_snapshot) and imported by the reader (SET TRANSACTION
//   SNAPSHOT) before its first query: the very same snapshot, not merely a
//   similar one. The reader's search_path is the caller's, so a bare table
//   name means the same table.
// - SQLite in WAL mode: the caller holds the write lock (BEGIN IMMEDIATE),
//   so nothing commits until the caller does; a reader that starts its read
//   transaction now sees the last committed state, which is what the
//   caller's transaction reads of a table it has not written. Uncommitted
//   pages of the copy, in the WAL, are invisible to it. Other journal modes
//   (readers would block the writer's cache spills) and in-memory databases
//   (private to one connection) have no reader.
// The reader must be closed before the caller commits (SQLite: an open
// reader holds back the checkpoint).
#include <cctype>

#include "jobs/backup/snapshot_steps.h"

namespace ferry {

bool IsPostgresSnapshotId(const std::string& id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id)
    if (!std::isxdigit(static_cast<unsigned char>(c)) && c != '-') return false;
  return true;
}

namespace {

Result<std::unique_ptr<Database>> OpenPostgresReader(Database* db, Env* env) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT pg_export_snapshot(), current_setting('search_path')", {}));
  const std::string id = r.GetText(0, 0).value_or("");
  const std::string search_path = r.GetText(0, 1).value_or("");
  if (!IsPostgresSnapshotId(id)) return Internal("pg_export_snapshot() returned \"" + id + "\"");
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> reader, OpenDatabase(db->url(), env));
  FERRY_RETURN_IF_ERROR(reader->Begin());
  FERRY_RETURN_IF_ERROR(reader->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
  FERRY_RETURN_IF_ERROR(reader->Exec("SET TRANSACTION SNAPSHOT '" + id + "'"));
  FERRY_RETURN_IF_ERROR(
      reader->Query("SELECT set_config('search_path', $1, true)", {search_path}).status());
  return reader;
}

Result<std::unique_ptr<Database>> OpenSqliteReader(Database* db, Env* env) {
  const DatabaseUrl& u = db->url();
  if (u.path.empty() || u.path == ":memory:" || u.path.rfind("file:", 0) == 0)
    return Unavailable("sqlite: no second connection to an in-memory or URI database");
  // Opening runs PRAGMA journal_mode=<the URL's>: anything but WAL would try
  // to switch the database while the caller holds its write lock.
  if (auto it = u.params.find("journal_mode"); it != u.params.end()) {
    std::string mode = it->second;
    for (char& c : mode) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    if (mode != "wal") return Unavailable("sqlite: journal_mode is not WAL");
  }
  FERRY_ASSIGN_OR_RETURN(Rows m, db->Query("PRAGMA journal_mode", {}));
  if (m.GetText(0, 0).value_or("") != "wal") return Unavailable("sqlite: journal_mode is not WAL");
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> reader, OpenDatabase(u, env));
  // A deferred BEGIN (the adapter's Begin() would wait for the write lock the
  // caller holds); the first read pins the snapshot now, before the copy.
  FERRY_RETURN_IF_ERROR(reader->Exec("BEGIN DEFERRED"));
  FERRY_RETURN_IF_ERROR(reader->Query("SELECT count(*) FROM sqlite_master", {}).status());
  return reader;
}

}  // namespace

Result<std::unique_ptr<Database>> OpenSnapshotReader(Database* db, Env* env) {
  if (!db->InTransaction())
    return FailedPrecondition("snapshot reader: the caller has no open transaction");
  if (db->dialect() == Dialect::kPostgres) return OpenPostgresReader(db, env);
  if (db->dialect() == Dialect::kSqlite) return OpenSqliteReader(db, env);
  return Unavailable("no snapshot reader for " + std::string(db->engine()));
}

}  // namespace ferry
