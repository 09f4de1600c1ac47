// MySQL/MariaDB archiver, without external tools (manifest method
// "mysql_snapshot").
//
// Why not mariadb-dump/mysqldump: ferry must record each table's row count
// in the same snapshot as the data (the manifest's counts are what verify
// and restore check), and MySQL cannot hand a snapshot to another session as
// PostgreSQL's pg_export_snapshot does. So ferry's own connection reads
// everything inside one START TRANSACTION WITH CONSISTENT SNAPSHOT (InnoDB,
// REPEATABLE READ): SHOW CREATE TABLE of every base table into schema.json,
// and each table's rows, in primary-key pages, as multi-row INSERT
// statements into table-NNNNN.sql, one statement per line. Values are
// written so that they load back exactly: integers and doubles (17
// significant digits) as numbers, text as _utf8mb4 X'..' (converted to the
// column's character set on load, as it was converted from it on read),
// binary strings as X'..'; generated columns are left out (recomputed).
// Non-InnoDB tables are not covered by the snapshot; the manifest says so.
//
// Restore: the tables are created and loaded in a scratch database on the
// same server (foreign key checks off while loading), their row counts
// checked against schema.json; then ONE `RENAME TABLE live.t TO old.t,
// scratch.t TO live.t, ...` swaps all of them at once (MySQL executes a
// multi-table RENAME atomically), and the old tables are dropped with the
// scratch databases. Readers see the old tables until the swap and the
// restored ones after; any error before it leaves the database as it was.
// Tables the archive does not hold, views, triggers, routines and events are
// left as they are (a table with triggers cannot move between databases:
// the RENAME then fails and nothing changes).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>

#include <nlohmann/json.hpp>

#include "jobs/backup/archiver.h"
#include "jobs/backup/table_checksum.h"

namespace ferry {
namespace {

constexpr const char* kSchemaFile = "schema.json";
constexpr size_t kPageRows = 2000;
constexpr size_t kStatementBytes = 1 << 20;

void AppendHex(std::string_view bytes, std::string* out) {
  static const char* kHex = "0123456789ABCDEF";
  for (unsigned char c : bytes) {
    out->push_back(kHex[c >> 4]);
    out->push_back(kHex[c & 15]);
  }
}

Status AppendLiteral(const Value& v, std::string* out) {
  if (IsNull(v)) {
    out->append("NULL");
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out->append(std::to_string(*i));
  } else if (auto* d = std::get_if<double>(&v)) {
    if (!std::isfinite(*d)) return Corruption("mysql archive: a non-finite double was read");
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", *d);
    out->append(buf);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    if (s->empty()) {
      out->append("''");
    } else {
      out->append("_utf8mb4 X'");
      AppendHex(*s, out);
      out->push_back('\'');
    }
  } else if (auto* b = std::get_if<Blob>(&v)) {
    out->append("X'");
    AppendHex(b->bytes, out);
    out->push_back('\'');
  }
  return Status::OK();
}

Result<std::vector<std::string>> BaseTables(Database* db) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT table_name FROM information_schema.tables WHERE table_schema ="
                        " DATABASE() AND table_type = 'BASE TABLE' ORDER BY CAST(table_name AS BINARY)",
                        {}));
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.GetText(i, 0).value_or(""));
  return out;
}

Result<TableRows> CountRows(Database* db) {
  FERRY_ASSIGN_OR_RETURN(auto tables, BaseTables(db));
  TableRows out;
  for (const auto& t : tables) {
    FERRY_ASSIGN_OR_RETURN(Rows c, db->Query("SELECT COUNT(*) FROM " + db->QuoteIdentifier(t), {}));
    out[t] = c.GetInt(0, 0).value_or(0);
  }
  return out;
}

// Columns an INSERT may name (generated ones are recomputed).
Result<std::vector<std::string>> InsertableColumns(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                        " DATABASE() AND CAST(table_name AS BINARY) = CAST($1 AS BINARY) AND"
                        " (generation_expression IS NULL OR generation_expression = '')"
                        " ORDER BY ordinal_position",
                        {table}));
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.GetText(i, 0).value_or(""));
  return out;
}

// A scratch database on the same server, dropped when this goes away.
class ScratchDatabase {
 public:
  ScratchDatabase(Database* admin, std::string name) : admin_(admin), name_(std::move(name)) {}
  ~ScratchDatabase() {
    conn_.reset();
    if (created_) (void)admin_->Exec("DROP DATABASE IF EXISTS " + admin_->QuoteIdentifier(name_));
  }
  Status Create(Env* env) {
    FERRY_ASSIGN_OR_RETURN(
        Rows cs, admin_->Query("SELECT default_character_set_name, default_collation_name FROM"
                               " information_schema.schemata WHERE schema_name = DATABASE()",
                               {}));
    FERRY_RETURN_IF_ERROR(admin_->Exec("CREATE DATABASE " + admin_->QuoteIdentifier(name_) +
                                       " CHARACTER SET " + cs.GetText(0, 0).value_or("utf8mb4") +
                                       " COLLATE " + cs.GetText(0, 1).value_or("utf8mb4_general_ci")));
    created_ = true;
    DatabaseUrl u = admin_->url();
    u.database = name_;
    FERRY_ASSIGN_OR_RETURN(conn_, OpenDatabase(u, env));
    return Status::OK();
  }
  Database* conn() { return conn_.get(); }
  const std::string& name() const { return name_; }

 private:
  Database* admin_;
  std::string name_;
  bool created_ = false;
  std::unique_ptr<Database> conn_;
};

class MysqlArchiver : public Archiver {
 public:
  MysqlArchiver(Database* db, Env* env) : db_(db), env_(env) {}

  Result<DumpResult> Dump(const std::string& dir) override {
    if (db_->InTransaction()) return FailedPrecondition("mysql archive: a transaction is open");
    FERRY_RETURN_IF_ERROR(db_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ"));
    FERRY_RETURN_IF_ERROR(db_->Exec("START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY"));
    auto r = DumpInSnapshot(dir);
    (void)db_->Rollback();  // read-only: nothing to keep
    return r;
  }

  Result<TableRows> Restore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(nlohmann::json schema, ReadSchema(dir));
    const std::string suffix = std::to_string(env_->Random64() % 100000000);
    ScratchDatabase scratch(db_, "ferry_restore_" + suffix), old(db_, "ferry_old_" + suffix);
    FERRY_RETURN_IF_ERROR(LoadInto(&scratch, schema, dir));
    FERRY_RETURN_IF_ERROR(old.Create(env_));
    FERRY_ASSIGN_OR_RETURN(auto live_tables, BaseTables(db_));
    FERRY_ASSIGN_OR_RETURN(Rows here, db_->Query("SELECT DATABASE()", {}));
    const std::string live = db_->QuoteIdentifier(here.GetText(0, 0).value_or(""));
    const std::string qs = db_->QuoteIdentifier(scratch.name()), qo = db_->QuoteIdentifier(old.name());
    std::string renames;
    for (const auto& t : schema["tables"]) {
      const std::string name = t["name"].get<std::string>(), q = db_->QuoteIdentifier(name);
      if (std::find(live_tables.begin(), live_tables.end(), name) != live_tables.end())
        renames += std::string(renames.empty() ? "" : ", ") + live + "." + q + " TO " + qo + "." + q;
      renames += std::string(renames.empty() ? "" : ", ") + qs + "." + q + " TO " + live + "." + q;
    }
    if (!renames.empty()) {
      FERRY_RETURN_IF_ERROR(
          db_->Exec("RENAME TABLE " + renames)
              .WithContext("swapping the restored tables in (nothing changed; a table with "
                           "triggers cannot be swapped)"));
    }
    return CountRows(db_);
  }

  Result<TableRows> TestRestore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(nlohmann::json schema, ReadSchema(dir));
    ScratchDatabase scratch(db_, "ferry_verify_" + std::to_string(env_->Random64() % 100000000));
    FERRY_RETURN_IF_ERROR(LoadInto(&scratch, schema, dir));
    return CountRows(scratch.conn());
  }

 private:
  Result<nlohmann::json> ReadSchema(const std::string& dir) {
    FERRY_ASSIGN_OR_RETURN(std::string text, env_->ReadFile(dir + "/" + kSchemaFile));
    nlohmann::json j = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded() || !j.contains("tables") || !j["tables"].is_array())
      return Corruption(std::string(kSchemaFile) + ": not a ferry MySQL archive schema");
    for (const auto& t : j["tables"]) {
      if (!t.contains("name") || !t.contains("create") || !t.contains("file") || !t.contains("rows"))
        return Corruption(std::string(kSchemaFile) + ": a table entry lacks name/create/file/rows");
      const std::string f = t["file"].get<std::string>();
      if (f.find('/') != std::string::npos || f.find("..") != std::string::npos)
        return Corruption(std::string(kSchemaFile) + ": bad data file name " + f);
    }
    return j;
  }

  // Creates and fills every table in `scratch`, checking the row counts.
  Status LoadInto(ScratchDatabase* scratch, const nlohmann::json& schema, const std::string& dir) {
    FERRY_RETURN_IF_ERROR(scratch->Create(env_));
    Database* s = scratch->conn();
    FERRY_RETURN_IF_ERROR(s->Exec("SET FOREIGN_KEY_CHECKS = 0, UNIQUE_CHECKS = 0"));
    for (const auto& t : schema["tables"]) {
      const std::string name = t["name"].get<std::string>();
      const std::string file = dir + "/" + t["file"].get<std::string>();
      FERRY_RETURN_IF_ERROR(s->Exec(t["create"].get<std::string>()).WithContext("table " + name));
      std::ifstream in(file, std::ios::binary);
      if (!in) return IOError(file + ": cannot open");
      std::string line;
      int64_t lineno = 0;
      FERRY_RETURN_IF_ERROR(s->Begin());
      while (std::getline(in, line)) {
        ++lineno;
        if (line.empty()) continue;
        FERRY_RETURN_IF_ERROR(s->Exec(line).WithContext(file + ":" + std::to_string(lineno)));
      }
      if (in.bad()) return IOError(file + ": read error");
      FERRY_RETURN_IF_ERROR(s->Commit());
      FERRY_ASSIGN_OR_RETURN(Rows c, s->Query("SELECT COUNT(*) FROM " + s->QuoteIdentifier(name), {}));
      const int64_t want = t["rows"].get<int64_t>(), got = c.GetInt(0, 0).value_or(-1);
      if (got != want)
        return Corruption(file + ": loaded " + std::to_string(got) + " rows into " + name +
                          ", the archive recorded " + std::to_string(want));
    }
    return Status::OK();
  }

  Result<DumpResult> DumpInSnapshot(const std::string& dir) {
    DumpResult r;
    nlohmann::json tables = nlohmann::json::array();
    FERRY_ASSIGN_OR_RETURN(auto names, BaseTables(db_));
    FERRY_ASSIGN_OR_RETURN(
        Rows engines, db_->Query("SELECT table_name FROM information_schema.tables WHERE"
                                 " table_schema = DATABASE() AND table_type = 'BASE TABLE' AND"
                                 " engine <> 'InnoDB' ORDER BY 1",
                                 {}));
    for (size_t i = 0; i < engines.size(); ++i)
      r.not_captured.push_back("a consistent snapshot of non-InnoDB table " +
                               engines.GetText(i, 0).value_or("") + " (read as it was then)");
    int n = 0;
    for (const auto& name : names) {
      char file[32];
      std::snprintf(file, sizeof file, "table-%05d.sql", ++n);
      FERRY_ASSIGN_OR_RETURN(Rows create, db_->Query("SHOW CREATE TABLE " + db_->QuoteIdentifier(name), {}));
      FERRY_ASSIGN_OR_RETURN(int64_t rows, DumpRows(name, dir + "/" + file));
      tables.push_back({{"name", name},
                        {"create", create.GetText(0, 1).value_or("")},
                        {"file", file},
                        {"rows", rows}});
      r.tables[name] = rows;
      r.files.push_back(file);
    }
    nlohmann::json schema = {{"format", "ferry-mysql-archive/1"}, {"tables", tables}};
    FERRY_RETURN_IF_ERROR(
        env_->WriteFileAtomic(dir + "/" + kSchemaFile, schema.dump(1) + "\n", FileMode::kOwnerOnly));
    r.files.insert(r.files.begin(), kSchemaFile);
    r.method = "mysql_snapshot";
    r.captured = {"every base table: definition (SHOW CREATE TABLE) and rows"};
    r.not_captured.push_back("views, triggers, stored routines and events (a restore leaves the "
                             "live ones in place)");
    return r;
  }

  // Streams `table` into `path` as INSERT statements, one per line, in
  // primary-key pages (OFFSET pages when the key is not one plain column;
  // the snapshot keeps those consistent too). Returns the row count.
  Result<int64_t> DumpRows(const std::string& table, const std::string& path) {
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, InsertableColumns(db_, table));
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> key, PrimaryKeyColumns(db_, table));
    FERRY_ASSIGN_OR_RETURN(auto out, env_->NewWritableFile(path, FileMode::kOwnerOnly));
    const std::string qt = db_->QuoteIdentifier(table);
    std::string list;
    for (const auto& c : cols) list += (list.empty() ? "" : ", ") + db_->QuoteIdentifier(c);
    const std::string insert = "INSERT INTO " + qt + " (" + list + ") VALUES ";
    size_t key_index = cols.size();
    if (key.size() == 1) key_index = std::find(cols.begin(), cols.end(), key[0]) - cols.begin();
    const bool keyset = key_index < cols.size();
    std::string order;
    for (const auto& k : key) order += (order.empty() ? " ORDER BY " : ", ") + db_->QuoteIdentifier(k);
    const std::string select = "SELECT " + list + " FROM " + qt;
    const std::string page = " LIMIT " + std::to_string(kPageRows);

    int64_t total = 0;
    Value last;
    std::string stmt;
    for (int64_t offset = 0;; offset += kPageRows) {
      Rows rows;
      if (keyset) {
        const std::string k = db_->QuoteIdentifier(key[0]);
        FERRY_ASSIGN_OR_RETURN(rows, total == 0 ? db_->Query(select + order + page, {})
                                                : db_->Query(select + " WHERE " + k + " > $1" +
                                                                 order + page,
                                                             {last}));
      } else {
        FERRY_ASSIGN_OR_RETURN(rows, db_->Query(select + order + page + " OFFSET " +
                                                    std::to_string(offset),
                                                {}));
      }
      for (const auto& row : rows.rows) {
        stmt += stmt.empty() ? insert + "(" : ", (";
        for (size_t i = 0; i < row.size(); ++i) {
          if (i) stmt.push_back(',');
          FERRY_RETURN_IF_ERROR(AppendLiteral(row[i], &stmt));
        }
        stmt.push_back(')');
        if (stmt.size() >= kStatementBytes) {
          FERRY_RETURN_IF_ERROR(out->Append(stmt + ";\n"));
          stmt.clear();
        }
      }
      total += static_cast<int64_t>(rows.size());
      if (rows.size() < kPageRows) break;
      if (keyset) last = rows.rows.back()[key_index];
    }
    if (!stmt.empty()) FERRY_RETURN_IF_ERROR(out->Append(stmt + ";\n"));
    FERRY_RETURN_IF_ERROR(out->Sync());
    FERRY_RETURN_IF_ERROR(out->Close());
    return total;
  }

  Database* db_;
  Env* env_;
};

}  // namespace

std::unique_ptr<Archiver> NewMysqlArchiver(Database* db, Env* env) {
  return std::make_unique<MysqlArchiver>(db, env);
}

}  // namespace ferry
