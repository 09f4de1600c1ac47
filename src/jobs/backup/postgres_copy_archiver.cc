// PostgreSQL archiver without external tools (manifest method "copy").
//
// Dump: one REPEATABLE READ, READ ONLY transaction on ferry's connection.
// Its snapshot covers the schema read from the catalogs (schema.json, see
// postgres_copy_schema.h), the sequence values and every table's rows, which
// `COPY ... TO STDOUT` (text format) streams chunk by chunk into
// table-NNNNN.copy; no table is ever held in memory. Every table is locked
// ACCESS SHARE first, as pg_dump does, so none is dropped or rewritten while
// the copy runs (writers are not blocked).
//
// Restore: one transaction. The tables are created and loaded in a private
// schema `ferry_restore_<n>` (rows, constraints, indexes, owned sequences),
// their row counts checked against schema.json; then the live tables of the
// same names are dropped, the new ones moved into place with ALTER TABLE ...
// SET SCHEMA (their indexes, constraints and sequences move along), defaults
// and foreign keys added, and the transaction commits. Readers see the old
// tables until the commit and the restored ones after; any error rolls the
// whole restore back and leaves the database as it was. Objects the method
// does not archive (views, ...) that depend on a table make the swap fail
// rather than be dropped silently (no CASCADE). Tables the archive does not
// hold are left as they are (as pg_restore --clean does).
//
// Session settings are pinned on both sides (DateStyle ISO, IntervalStyle
// postgres, extra_float_digits 3, client_encoding = the source's server
// encoding, search_path pg_catalog), so the text COPY writes is read back
// as the same values.
#include <fcntl.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "jobs/backup/archiver.h"
#include "jobs/backup/postgres_copy_schema.h"

#if FERRY_WITH_POSTGRES
#include "db/postgres/postgres_database.h"
#endif

namespace ferry {

#if FERRY_WITH_POSTGRES
namespace {

using pgcopy::Qualified;

constexpr const char* kSchemaFile = "schema.json";
constexpr size_t kWriteChunk = 1 << 20;

// Settings under which COPY text means the same on both sides.
constexpr const char* kSessionSettings =
    "SET LOCAL search_path = pg_catalog; SET LOCAL DateStyle = ISO;"
    " SET LOCAL IntervalStyle = postgres; SET LOCAL extra_float_digits = 3;"
    " SET LOCAL standard_conforming_strings = on; SET LOCAL bytea_output = hex;"
    " SET LOCAL lock_timeout = '300s'";

std::string Literal(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

std::string DataFileName(size_t i) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "table-%05zu.copy", i + 1);
  return buf;
}

// Streams one table into `path` (0600), buffering ~1 MiB between writes.
Result<int64_t> DumpTable(Database* db, Env* env, const pgcopy::Table& t, const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(auto file, env->NewWritableFile(path, FileMode::kOwnerOnly));
  std::string buf;
  buf.reserve(kWriteChunk + 64 * 1024);
  std::string cols = pgcopy::CopyColumns(*db, t);
  std::string sql = "COPY " + Qualified(*db, t.schema, t.name) +
                    (cols.empty() ? "" : " (" + cols + ")") + " TO STDOUT";
  auto rows = CopyOut(db, sql, [&](std::string_view chunk) -> Status {
    buf.append(chunk);
    if (buf.size() < kWriteChunk) return Status::OK();
    Status st = file->Append(buf);
    buf.clear();
    return st;
  });
  if (!rows.ok()) {
    (void)file->Close();
    return rows.status();
  }
  if (!buf.empty()) FERRY_RETURN_IF_ERROR(file->Append(buf));
  FERRY_RETURN_IF_ERROR(file->Close());
  return rows;
}

// Feeds `path` to COPY ... FROM STDIN.
Result<int64_t> LoadTable(Database* db, const std::string& sql, const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IOError(path + ": " + std::strerror(errno));
  auto rows = CopyIn(db, sql, [&](char* out, size_t cap) -> Result<size_t> {
    while (true) {
      ssize_t n = ::read(fd, out, cap);
      if (n >= 0) return static_cast<size_t>(n);
      if (errno != EINTR) return IOError(path + ": " + std::strerror(errno));
    }
  });
  ::close(fd);
  return rows;
}

bool ValidEncodingName(const std::string& e) {
  if (e.empty() || e.size() > 32) return false;
  for (char c : e)
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '_') return false;
  return true;
}

class PostgresCopyArchiver : public Archiver {
 public:
  PostgresCopyArchiver(Database* db, Env* env) : db_(db), env_(env) {}

  Result<DumpResult> Dump(const std::string& dir) override {
    if (db_->InTransaction()) return FailedPrecondition("pg archive: a transaction is open");
    FERRY_RETURN_IF_ERROR(db_->Begin());
    auto r = DumpInSnapshot(dir);
    (void)db_->Rollback();  // read-only: nothing to keep
    return r;
  }

  Result<TableRows> Restore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(pgcopy::Schema s, ReadSchema(dir));
    return LoadAndSwap(db_, dir, s);
  }

  Result<TableRows> TestRestore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(pgcopy::Schema s, ReadSchema(dir));
    std::string scratch = "ferry_verify_" + std::to_string(env_->Random64() % 100000000);
    FERRY_RETURN_IF_ERROR(db_->Exec("CREATE DATABASE " + db_->QuoteIdentifier(scratch)));
    auto rows = [&]() -> Result<TableRows> {
      DatabaseUrl su = db_->url();
      su.database = scratch;
      FERRY_ASSIGN_OR_RETURN(auto sdb, OpenDatabase(su, env_));
      return LoadAndSwap(sdb.get(), dir, s);
    }();
    (void)db_->Exec("DROP DATABASE IF EXISTS " + db_->QuoteIdentifier(scratch) + " WITH (FORCE)");
    return rows;
  }

 private:
  Result<DumpResult> DumpInSnapshot(const std::string& dir) {
    FERRY_RETURN_IF_ERROR(db_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    FERRY_RETURN_IF_ERROR(db_->Exec(kSessionSettings));
    // The first query takes the snapshot: catalogs, sequences and rows all
    // come from it.
    FERRY_ASSIGN_OR_RETURN(pgcopy::Schema s, pgcopy::CaptureSchema(db_));
    if (!s.tables.empty()) {
      std::string lock = "LOCK TABLE ";
      for (size_t i = 0; i < s.tables.size(); ++i)
        lock += (i ? ", " : "") + Qualified(*db_, s.tables[i].schema, s.tables[i].name);
      FERRY_RETURN_IF_ERROR(db_->Exec(lock + " IN ACCESS SHARE MODE"));
    }
    FERRY_RETURN_IF_ERROR(db_->Exec("SET LOCAL client_encoding = " + Literal(s.encoding)));
    DumpResult r;
    for (size_t i = 0; i < s.tables.size(); ++i) {
      pgcopy::Table& t = s.tables[i];
      t.file = DataFileName(i);
      auto rows = DumpTable(db_, env_, t, dir + "/" + t.file);
      if (!rows.ok()) return rows.status().WithContext("table " + t.schema + "." + t.name);
      t.rows = *rows;
      r.tables[pgcopy::TableKey(t)] = t.rows;
      r.files.push_back(t.file);
    }
    FERRY_RETURN_IF_ERROR(
        env_->WriteFileAtomic(dir + "/" + kSchemaFile, pgcopy::ToJson(s), FileMode::kOwnerOnly));
    r.files.insert(r.files.begin(), kSchemaFile);
    r.method = "copy";
    r.captured = pgcopy::kCaptured;
    r.not_captured = pgcopy::kNotCaptured;
    return r;
  }

  Result<pgcopy::Schema> ReadSchema(const std::string& dir) {
    FERRY_ASSIGN_OR_RETURN(std::string text, env_->ReadFile(dir + "/" + kSchemaFile));
    FERRY_ASSIGN_OR_RETURN(pgcopy::Schema s, pgcopy::SchemaFromJson(text));
    if (!ValidEncodingName(s.encoding)) return Corruption("schema.json: bad encoding " + s.encoding);
    for (const auto& t : s.tables) {
      if (t.file.find('/') != std::string::npos || t.file.empty())
        return Corruption("schema.json: bad data file name for " + t.schema + "." + t.name);
    }
    return s;
  }

  // One transaction on `db`: load into a private schema, check, swap.
  Result<TableRows> LoadAndSwap(Database* db, const std::string& dir, const pgcopy::Schema& s) {
    if (db->InTransaction()) return FailedPrecondition("pg restore: a transaction is open");
    FERRY_RETURN_IF_ERROR(db->Begin());
    auto rows = LoadAndSwapInTransaction(db, dir, s);
    if (!rows.ok()) {
      (void)db->Rollback();
      return rows;
    }
    FERRY_RETURN_IF_ERROR(db->Commit());
    return rows;
  }

  Result<TableRows> LoadAndSwapInTransaction(Database* db, const std::string& dir,
                                             const pgcopy::Schema& s) {
    FERRY_RETURN_IF_ERROR(db->Exec(kSessionSettings));
    FERRY_RETURN_IF_ERROR(db->Exec("SET LOCAL client_encoding = " + Literal(s.encoding)));
    std::set<std::string> used;
    for (const auto& t : s.tables) used.insert(t.schema);
    for (const auto& q : s.sequences) used.insert(q.schema);
    for (const auto& e : s.enums) used.insert(e.schema);
    for (const auto& n : used)
      FERRY_RETURN_IF_ERROR(db->Exec("CREATE SCHEMA IF NOT EXISTS " + db->QuoteIdentifier(n)));
    FERRY_RETURN_IF_ERROR(EnsureEnums(db, s));

    const std::string stage = "ferry_restore_" + std::to_string(env_->Random64() % 1000000000);
    FERRY_RETURN_IF_ERROR(db->Exec("CREATE SCHEMA " + db->QuoteIdentifier(stage)));
    for (const auto& q : s.sequences) {
      if (!q.owner_table.empty()) continue;  // restored with its table
      const std::string name = Qualified(*db, q.schema, q.name);
      FERRY_RETURN_IF_ERROR(db->Exec("CREATE SEQUENCE IF NOT EXISTS " + name));
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER SEQUENCE " + name + pgcopy::SequenceOptions(q, true)));
      FERRY_RETURN_IF_ERROR(SetVal(db, name, q));
    }
    // Row counts as the server reports them for each table's COPY (each
    // table is new, so that is its whole content).
    TableRows loaded;
    for (const auto& t : s.tables) {
      auto rows = LoadTableIntoStage(db, dir, s, t, stage);
      if (!rows.ok()) return rows.status().WithContext("restore of table " + t.schema + "." + t.name);
      loaded[pgcopy::TableKey(t)] = *rows;
    }

    // The swap: from here on the live tables are locked until commit.
    std::string drop;
    for (const auto& t : s.tables) {
      FERRY_ASSIGN_OR_RETURN(
          Rows ex, db->Query("SELECT to_regclass($1) IS NOT NULL",
                             {Value(Qualified(*db, t.schema, t.name))}));
      if (ex.GetInt(0, 0).value_or(0) != 0)
        drop += (drop.empty() ? "" : ", ") + Qualified(*db, t.schema, t.name);
    }
    if (!drop.empty()) {
      Status st = db->Exec("DROP TABLE " + drop);
      if (!st.ok())
        return st.WithContext(
            "replacing the live tables (objects the copy method does not archive, such as "
            "views, depend on them; nothing was changed)");
    }
    for (const auto& t : s.tables)
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + Qualified(*db, stage, t.name) +
                                     " SET SCHEMA " + db->QuoteIdentifier(t.schema)));
    for (const auto& t : s.tables) {
      const std::string name = Qualified(*db, t.schema, t.name);
      for (const auto& c : t.columns) {
        if (c.default_expr.empty()) continue;
        FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + name + " ALTER COLUMN " +
                                       db->QuoteIdentifier(c.name) + " SET DEFAULT " +
                                       c.default_expr));
      }
    }
    // Foreign keys last: they name other restored tables by their final names.
    for (const auto& t : s.tables) {
      for (const auto& k : t.constraints) {
        if (k.type != "f") continue;
        FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + Qualified(*db, t.schema, t.name) +
                                       " ADD CONSTRAINT " + db->QuoteIdentifier(k.name) + " " +
                                       k.def));
      }
    }
    FERRY_RETURN_IF_ERROR(db->Exec("DROP SCHEMA " + db->QuoteIdentifier(stage)));
    return loaded;
  }

  Result<int64_t> LoadTableIntoStage(Database* db, const std::string& dir, const pgcopy::Schema& s,
                                     const pgcopy::Table& t, const std::string& stage) {
    const std::string name = Qualified(*db, stage, t.name);
    FERRY_RETURN_IF_ERROR(db->Exec(pgcopy::CreateTableSql(*db, t, stage, s.sequences)));
    std::string cols = pgcopy::CopyColumns(*db, t);
    FERRY_ASSIGN_OR_RETURN(
        int64_t rows,
        // FREEZE: the table was created in this transaction, so its rows
        // can be written frozen; the index builds and first reads after the
        // restore then set no hint bits (no second write of every page).
        LoadTable(db, "COPY " + name + (cols.empty() ? "" : " (" + cols + ")") +
                          " FROM STDIN WITH (FREEZE)",
                  dir + "/" + t.file));
    if (rows != t.rows)
      return Corruption(t.file + ": loaded " + std::to_string(rows) + " rows, the archive recorded " +
                        std::to_string(t.rows));
    for (const auto& k : t.constraints) {
      if (k.type == "f") continue;
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + name + " ADD CONSTRAINT " +
                                     db->QuoteIdentifier(k.name) + " " + k.def));
    }
    for (const auto& ix : t.indexes) {
      FERRY_RETURN_IF_ERROR(db->Exec(std::string("CREATE ") + (ix.unique ? "UNIQUE " : "") +
                                     "INDEX " + db->QuoteIdentifier(ix.name) + " ON " + name +
                                     " USING " + ix.tail));
    }
    for (const auto& q : s.sequences) {
      if (q.owner_table != t.name || q.schema != t.schema) continue;
      const std::string seq = Qualified(*db, stage, q.name);
      if (!q.identity) {
        FERRY_RETURN_IF_ERROR(
            db->Exec("CREATE SEQUENCE " + seq + pgcopy::SequenceOptions(q, true) + " OWNED BY " +
                     name + "." + db->QuoteIdentifier(q.owner_column)));
      }
      FERRY_RETURN_IF_ERROR(SetVal(db, seq, q));
    }
    return rows;
  }

  static Status SetVal(Database* db, const std::string& qualified, const pgcopy::Sequence& q) {
    return db
        ->Query("SELECT pg_catalog.setval($1::regclass, $2::int8, $3::bool)",
                {Value(qualified), Value(q.last_value), Value(std::string(q.is_called ? "t" : "f"))})
        .status();
  }

  // An enum the archive uses is created, or reused when it exists with the
  // same labels; different labels are refused (the rows might not fit).
  static Status EnsureEnums(Database* db, const pgcopy::Schema& s) {
    for (const auto& e : s.enums) {
      FERRY_ASSIGN_OR_RETURN(
          Rows have, db->Query("SELECT e.enumlabel FROM pg_enum e JOIN pg_type t ON t.oid = e.enumtypid"
                               " JOIN pg_namespace n ON n.oid = t.typnamespace"
                               " WHERE n.nspname = $1 AND t.typname = $2 ORDER BY e.enumsortorder",
                               {Value(e.schema), Value(e.name)}));
      if (!have.empty()) {
        std::vector<std::string> labels;
        for (size_t i = 0; i < have.size(); ++i) labels.push_back(have.GetText(i, 0).value_or(""));
        if (labels != e.labels)
          return FailedPrecondition("enum type " + e.schema + "." + e.name +
                                    " exists with other labels than the archive's");
        continue;
      }
      std::string sql = "CREATE TYPE " + Qualified(*db, e.schema, e.name) + " AS ENUM (";
      for (size_t i = 0; i < e.labels.size(); ++i) sql += (i ? ", " : "") + Literal(e.labels[i]);
      FERRY_RETURN_IF_ERROR(db->Exec(sql + ")"));
    }
    return Status::OK();
  }

  Database* db_;
  Env* env_;
};

}  // namespace

Result<std::unique_ptr<Archiver>> NewPostgresCopyArchiver(Database* db, Env* env) {
  return std::unique_ptr<Archiver>(std::make_unique<PostgresCopyArchiver>(db, env));
}

#else  // !FERRY_WITH_POSTGRES

Result<std::unique_ptr<Archiver>> NewPostgresCopyArchiver(Database*, Env*) {
  return Unavailable("postgres archive: ferry was built without the PostgreSQL adapter");
}

#endif

}  // namespace ferry
