// DuckDB archiver: EXPORT DATABASE ... (FORMAT parquet), manifest method
// "duckdb_export".
//
// Why EXPORT and not a copy of the database file: the file belongs to the
// process-wide DuckDB instance ferry's connection shares (duckdb_database.h),
// so it can be neither copied consistently while other connections write nor
// replaced under them on restore. EXPORT runs as one statement inside one
// transaction, so it writes one snapshot: schema.sql (schemas, types,
// sequences at their current values, tables, views, indexes, macros, in
// dependency order), load.sql (one COPY per table, referenced tables first)
// and one Parquet file per table. Row counts are taken in the same
// transaction.
//
// Why Parquet and not CSV: CSV reads '' back as NULL; Parquet keeps every
// value exactly (HUGEINT, UHUGEINT, DECIMAL(38), nested types, blobs with 0
// bytes, NaN, -0.0, TIMESTAMP_NS) except TIME WITH TIME ZONE, whose offset
// it drops (manifest "not_captured" says so when such a column exists).
// COPY FROM DATABASE into a second file would keep TIMETZ too, but DuckDB
// 1.4 loads its tables in an order that violates foreign keys.
//
// Restore: one transaction on ferry's connection drops the current objects
// (views, then tables in foreign-key order, sequences, macros, types,
// schemas) and runs schema.sql and load.sql; readers on other connections
// see the old database until the commit, and any error rolls all of it back.
// load.sql names files by absolute path, so Dump rewrites it with a
// placeholder for the directory the archive is extracted to.
#include <algorithm>
#include <filesystem>
#include <map>
#include <set>

#include "jobs/backup/archiver.h"

namespace ferry {
namespace {

constexpr std::string_view kDirPlaceholder = "@FERRY_ARCHIVE_DIR@";

std::string SqlString(std::string_view s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("''") : std::string(1, c);
  return out + "'";
}

std::string Absolute(const std::string& dir) {
  std::error_code ec;
  auto p = std::filesystem::absolute(dir, ec);
  return ec ? dir : p.lexically_normal().string();
}

std::string ReplaceAll(std::string s, std::string_view from, std::string_view to) {
  for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
    s.replace(at, from.size(), to);
  return s;
}

// User tables of the current database as "schema"."table" -> schema.table.
Result<std::vector<std::pair<std::string, std::string>>> Tables(Database* db) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT schema_name, table_name FROM duckdb_tables() WHERE database_name ="
                        " current_database() AND NOT internal AND NOT temporary ORDER BY 1, 2",
                        {}));
  std::vector<std::pair<std::string, std::string>> out;
  for (size_t i = 0; i < r.size(); ++i)
    out.emplace_back(r.GetText(i, 0).value_or(""), r.GetText(i, 1).value_or(""));
  return out;
}

std::string Qualified(Database* db, const std::string& schema, const std::string& table) {
  return db->QuoteIdentifier(schema) + "." + db->QuoteIdentifier(table);
}

std::string TableKey(const std::string& schema, const std::string& table) {
  return schema == "main" ? table : schema + "." + table;
}

Result<TableRows> CountRows(Database* db) {
  FERRY_ASSIGN_OR_RETURN(auto tables, Tables(db));
  TableRows out;
  for (const auto& [schema, table] : tables) {
    FERRY_ASSIGN_OR_RETURN(Rows c, db->Query("SELECT count(*) FROM " + Qualified(db, schema, table), {}));
    out[TableKey(schema, table)] = c.GetInt(0, 0).value_or(0);
  }
  return out;
}

// Drops every user object of the current database, inside the caller's
// transaction: views first, then tables so that a table goes only once no
// remaining table references it, then sequences, macros, types, schemas.
Status DropEverything(Database* db) {
  const std::string here = " WHERE database_name = current_database() AND NOT internal";
  FERRY_ASSIGN_OR_RETURN(Rows views, db->Query("SELECT schema_name, view_name FROM duckdb_views()" +
                                                   here + " AND NOT temporary",
                                               {}));
  for (size_t i = 0; i < views.size(); ++i)
    FERRY_RETURN_IF_ERROR(db->Exec("DROP VIEW IF EXISTS " + Qualified(db, views.GetText(i, 0).value_or(""),
                                                                     views.GetText(i, 1).value_or(""))));
  FERRY_ASSIGN_OR_RETURN(auto tables, Tables(db));
  FERRY_ASSIGN_OR_RETURN(
      Rows fks, db->Query("SELECT schema_name, table_name, referenced_table FROM"
                          " duckdb_constraints() WHERE database_name = current_database() AND"
                          " constraint_type = 'FOREIGN KEY'",
                          {}));
  // referenced (schema.table) -> tables that reference it
  std::multimap<std::string, std::string> referenced_by;
  for (size_t i = 0; i < fks.size(); ++i) {
    const std::string schema = fks.GetText(i, 0).value_or("");
    const std::string from = TableKey(schema, fks.GetText(i, 1).value_or(""));
    const std::string to = TableKey(schema, fks.GetText(i, 2).value_or(""));
    if (from != to) referenced_by.emplace(to, from);
  }
  std::set<std::string> left;
  for (const auto& [s, t] : tables) left.insert(TableKey(s, t));
  while (!left.empty()) {
    bool progress = false;
    for (const auto& [schema, table] : tables) {
      const std::string key = TableKey(schema, table);
      if (!left.count(key)) continue;
      bool still_referenced = false;
      auto [lo, hi] = referenced_by.equal_range(key);
      for (auto it = lo; it != hi; ++it) still_referenced |= left.count(it->second) > 0;
      if (still_referenced) continue;
      FERRY_RETURN_IF_ERROR(db->Exec("DROP TABLE " + Qualified(db, schema, table)));
      left.erase(key);
      progress = true;
    }
    if (!progress) return FailedPrecondition("duckdb restore: foreign keys form a cycle among " + *left.begin());
  }
  FERRY_ASSIGN_OR_RETURN(Rows seqs, db->Query("SELECT schema_name, sequence_name FROM duckdb_sequences()"
                                              " WHERE database_name = current_database() AND NOT temporary",
                                              {}));
  for (size_t i = 0; i < seqs.size(); ++i)
    FERRY_RETURN_IF_ERROR(db->Exec("DROP SEQUENCE " + Qualified(db, seqs.GetText(i, 0).value_or(""),
                                                                 seqs.GetText(i, 1).value_or(""))));
  FERRY_ASSIGN_OR_RETURN(
      Rows macros, db->Query("SELECT DISTINCT schema_name, function_name, function_type FROM"
                             " duckdb_functions()" + here +
                                 " AND function_type IN ('macro', 'table_macro')",
                             {}));
  for (size_t i = 0; i < macros.size(); ++i)
    FERRY_RETURN_IF_ERROR(db->Exec(
        std::string(macros.GetText(i, 2).value_or("") == "table_macro" ? "DROP MACRO TABLE "
                                                                       : "DROP MACRO ") +
        Qualified(db, macros.GetText(i, 0).value_or(""), macros.GetText(i, 1).value_or(""))));
  FERRY_ASSIGN_OR_RETURN(Rows types, db->Query("SELECT schema_name, type_name FROM duckdb_types()" +
                                                   here + " AND logical_type = 'ENUM'",
                                               {}));
  for (size_t i = 0; i < types.size(); ++i)
    FERRY_RETURN_IF_ERROR(db->Exec("DROP TYPE " + Qualified(db, types.GetText(i, 0).value_or(""),
                                                             types.GetText(i, 1).value_or(""))));
  FERRY_ASSIGN_OR_RETURN(Rows schemas, db->Query("SELECT schema_name FROM duckdb_schemas()" + here +
                                                     " AND schema_name <> 'main'",
                                                 {}));
  for (size_t i = 0; i < schemas.size(); ++i)
    FERRY_RETURN_IF_ERROR(db->Exec("DROP SCHEMA " + db->QuoteIdentifier(schemas.GetText(i, 0).value_or(""))));
  return Status::OK();
}

class DuckdbArchiver : public Archiver {
 public:
  DuckdbArchiver(Database* db, Env* env) : db_(db), env_(env) {}

  Result<DumpResult> Dump(const std::string& dir) override {
    if (db_->InTransaction()) return FailedPrecondition("duckdb archive: a transaction is open");
    const std::string abs = Absolute(dir);
    FERRY_RETURN_IF_ERROR(db_->Begin());
    auto r = DumpInTransaction(abs);
    (void)db_->Rollback();  // read-only: nothing to keep
    FERRY_RETURN_IF_ERROR(r.status());
    // The data files are named by absolute path; make them relative to
    // wherever the archive is extracted.
    FERRY_ASSIGN_OR_RETURN(std::string load, env_->ReadFile(abs + "/load.sql"));
    load = ReplaceAll(load, SqlString(abs + "/").substr(0, SqlString(abs + "/").size() - 1),
                      "'" + std::string(kDirPlaceholder) + "/");
    FERRY_RETURN_IF_ERROR(env_->WriteFileAtomic(abs + "/load.sql", load, FileMode::kOwnerOnly));
    FERRY_ASSIGN_OR_RETURN(auto entries, env_->ListDir(abs));
    for (const auto& e : entries) r->files.push_back(e.name);
    std::sort(r->files.begin(), r->files.end());
    return r;
  }

  Result<TableRows> Restore(const std::string& dir) override {
    if (db_->InTransaction()) return FailedPrecondition("duckdb restore: a transaction is open");
    FERRY_ASSIGN_OR_RETURN(auto sql, ReadScripts(dir));
    FERRY_RETURN_IF_ERROR(db_->Begin());
    auto rows = [&]() -> Result<TableRows> {
      FERRY_RETURN_IF_ERROR(DropEverything(db_));
      FERRY_RETURN_IF_ERROR(Load(db_, sql));
      return CountRows(db_);
    }();
    if (!rows.ok()) {
      (void)db_->Rollback();
      return rows.status().WithContext("duckdb restore (nothing changed)");
    }
    FERRY_RETURN_IF_ERROR(db_->Commit());
    return rows;
  }

  Result<TableRows> TestRestore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(auto sql, ReadScripts(dir));
    const std::string scratch = Absolute(dir) + "/scratch-restore.duckdb";
    auto rows = [&]() -> Result<TableRows> {
      FERRY_ASSIGN_OR_RETURN(auto sdb, OpenDatabase("duckdb:" + scratch, env_));
      FERRY_RETURN_IF_ERROR(Load(sdb.get(), sql));
      return CountRows(sdb.get());
    }();
    (void)env_->RemoveFile(scratch);
    (void)env_->RemoveFile(scratch + ".wal");
    return rows;
  }

 private:
  struct Scripts {
    std::string schema, load;
  };

  Result<Scripts> ReadScripts(const std::string& dir) {
    Scripts s;
    FERRY_ASSIGN_OR_RETURN(s.schema, env_->ReadFile(dir + "/schema.sql"));
    FERRY_ASSIGN_OR_RETURN(s.load, env_->ReadFile(dir + "/load.sql"));
    std::string quoted = SqlString(Absolute(dir));
    s.load = ReplaceAll(s.load, "'" + std::string(kDirPlaceholder),
                        quoted.substr(0, quoted.size() - 1));
    return s;
  }

  static Status Load(Database* db, const Scripts& s) {
    if (s.schema.find_first_not_of(" \n\r\t;") != std::string::npos)
      FERRY_RETURN_IF_ERROR(db->Exec(s.schema).WithContext("schema.sql"));
    if (s.load.find_first_not_of(" \n\r\t;") != std::string::npos)
      FERRY_RETURN_IF_ERROR(db->Exec(s.load).WithContext("load.sql"));
    return Status::OK();
  }

  Result<DumpResult> DumpInTransaction(const std::string& dir) {
    DumpResult r;
    FERRY_RETURN_IF_ERROR(
        db_->Exec("EXPORT DATABASE " + SqlString(dir) + " (FORMAT parquet)"));
    FERRY_ASSIGN_OR_RETURN(r.tables, CountRows(db_));
    FERRY_ASSIGN_OR_RETURN(
        Rows tz, db_->Query("SELECT table_name || '.' || column_name FROM duckdb_columns() WHERE"
                            " database_name = current_database() AND NOT internal AND data_type"
                            " LIKE '%TIME WITH TIME ZONE%' ORDER BY 1",
                            {}));
    r.captured = {"tables, views, indexes, sequences (current values), macros, enum types"};
    for (size_t i = 0; i < tz.size(); ++i)
      r.not_captured.push_back("the time zone offset of TIME WITH TIME ZONE column " +
                               tz.GetText(i, 0).value_or("") + " (Parquet keeps the UTC time)");
    r.method = "duckdb_export";
    return r;
  }

  Database* db_;
  Env* env_;
};

}  // namespace

std::unique_ptr<Archiver> NewDuckdbArchiver(Database* db, Env* env) {
  return std::make_unique<DuckdbArchiver>(db, env);
}

}  // namespace ferry
