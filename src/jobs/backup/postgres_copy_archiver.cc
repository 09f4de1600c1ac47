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
// Restore: one transaction, in three steps (CopyRestore, a StagedRestore).
// Start takes SHARE locks on the live tables it will replace (readers go
// on, writers wait for the commit), so a safety archive taken after it —
// RestoreArchive takes one through another connection while Load runs —
// holds every row the swap discards. Load creates and fills a private
// schema `ferry_restore_<n>` (rows, constraints, indexes, owned sequences)
// and checks the row counts against schema.json. Swap drops the live tables
// of the same names, moves the new ones into place with ALTER TABLE ... SET
// SCHEMA (their indexes, constraints and sequences move along), adds
// defaults and foreign keys, sets the standalone sequences, and commits.
// Readers see the old tables until the commit and the restored ones after;
// any error rolls the whole restore back and leaves the database as it was. Objects the method
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

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <set>

#include "jobs/backup/archiver.h"
#include "jobs/backup/backup_catalog.h"
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

// One restore of a copy archive, in one transaction on `db` (see the top of
// this file): Start holds off writers, Load fills the private schema, Swap
// replaces the live tables and commits. Destroyed before a Swap that
// succeeded, it rolls the transaction back: nothing live changed.
class CopyRestore : public StagedRestore {
 public:
  CopyRestore(Database* db, Env* env, std::string dir, pgcopy::Schema s)
      : db_(db), env_(env), dir_(std::move(dir)), s_(std::move(s)) {}
  ~CopyRestore() override {
    if (open_) (void)db_->Rollback();
  }
  CopyRestore(const CopyRestore&) = delete;
  CopyRestore& operator=(const CopyRestore&) = delete;

  // Begins the transaction and takes SHARE locks on the live tables the
  // restore will replace: readers go on, writers wait until the commit (and
  // then write into the restored tables). A safety archive whose snapshot
  // is taken after this therefore holds every row the swap discards; no
  // commit can fall between the two. The catalog is not locked: the safety
  // archive records itself in it, and RestoreArchive puts its archive rows
  // back after the swap.
  Status Start() {
    if (db_->InTransaction()) return FailedPrecondition("pg restore: a transaction is open");
    FERRY_RETURN_IF_ERROR(db_->Begin());
    open_ = true;
    FERRY_RETURN_IF_ERROR(db_->Exec(kSessionSettings));
    FERRY_RETURN_IF_ERROR(db_->Exec("SET LOCAL client_encoding = " + Literal(s_.encoding)));
    FERRY_ASSIGN_OR_RETURN(live_, LiveTables());
    std::string lock;
    for (const auto& t : s_.tables) {
      // The catalog in whatever schema (it is found through the search
      // path): the safety archive writes its row there while we wait.
      if (t.name == kBackupCatalogTable) continue;
      const std::string name = Qualified(*db_, t.schema, t.name);
      if (std::find(live_.begin(), live_.end(), name) == live_.end()) continue;
      lock += (lock.empty() ? "" : ", ") + name;
    }
    if (!lock.empty()) FERRY_RETURN_IF_ERROR(db_->Exec("LOCK TABLE " + lock + " IN SHARE MODE"));
    return Status::OK();
  }

  // Creates and fills the private schema; the live tables are not touched.
  Status Load() override {
    std::set<std::string> used;
    for (const auto& t : s_.tables) used.insert(t.schema);
    for (const auto& q : s_.sequences) used.insert(q.schema);
    for (const auto& e : s_.enums) used.insert(e.schema);
    for (const auto& n : used)
      FERRY_RETURN_IF_ERROR(db_->Exec("CREATE SCHEMA IF NOT EXISTS " + db_->QuoteIdentifier(n)));
    FERRY_RETURN_IF_ERROR(EnsureEnums(db_, s_));
    stage_ = "ferry_restore_" + std::to_string(env_->Random64() % 1000000000);
    FERRY_RETURN_IF_ERROR(db_->Exec("CREATE SCHEMA " + db_->QuoteIdentifier(stage_)));
    // Row counts as the server reports them for each table's COPY (each
    // table is new, so that is its whole content).
    for (const auto& t : s_.tables) {
      auto rows = LoadTableIntoStage(t);
      if (!rows.ok())
        return rows.status().WithContext("restore of table " + t.schema + "." + t.name);
      loaded_[pgcopy::TableKey(t)] = *rows;
    }
    return Status::OK();
  }

  // Drops the live tables, moves the loaded ones into place, commits.
  Result<TableRows> Swap() override {
    if (!open_ || stage_.empty()) return FailedPrecondition("pg restore: swap before load");
    // A table of the archive's that appeared since Start was not held: its
    // rows may be in neither the safety archive nor the restore.
    FERRY_ASSIGN_OR_RETURN(std::vector<std::string> live, LiveTables());
    for (const auto& name : live) {
      if (std::find(live_.begin(), live_.end(), name) == live_.end())
        return FailedPrecondition("table " + name +
                                  " was created while the restore ran (nothing was changed)");
    }
    std::string drop;
    for (const auto& name : live) drop += (drop.empty() ? "" : ", ") + name;
    if (!drop.empty()) {
      Status st = db_->Exec("DROP TABLE " + drop);
      if (!st.ok())
        return st.WithContext(
            "replacing the live tables (objects the copy method does not archive, such as "
            "views, depend on them; nothing was changed)");
    }
    for (const auto& t : s_.tables)
      FERRY_RETURN_IF_ERROR(db_->Exec("ALTER TABLE " + Qualified(*db_, stage_, t.name) +
                                      " SET SCHEMA " + db_->QuoteIdentifier(t.schema)));
    // Sequences no table owns, before the defaults that name them.
    for (const auto& q : s_.sequences) {
      if (!q.owner_table.empty()) continue;  // restored with its table
      const std::string name = Qualified(*db_, q.schema, q.name);
      FERRY_RETURN_IF_ERROR(db_->Exec("CREATE SEQUENCE IF NOT EXISTS " + name));
      FERRY_RETURN_IF_ERROR(db_->Exec("ALTER SEQUENCE " + name + pgcopy::SequenceOptions(q, true)));
    }
    for (const auto& t : s_.tables) {
      const std::string name = Qualified(*db_, t.schema, t.name);
      for (const auto& c : t.columns) {
        if (c.default_expr.empty()) continue;
        FERRY_RETURN_IF_ERROR(db_->Exec("ALTER TABLE " + name + " ALTER COLUMN " +
                                        db_->QuoteIdentifier(c.name) + " SET DEFAULT " +
                                        c.default_expr));
      }
    }
    // Foreign keys last: they name other restored tables by their final names.
    for (const auto& t : s_.tables) {
      for (const auto& k : t.constraints) {
        if (k.type != "f") continue;
        FERRY_RETURN_IF_ERROR(db_->Exec("ALTER TABLE " + Qualified(*db_, t.schema, t.name) +
                                        " ADD CONSTRAINT " + db_->QuoteIdentifier(k.name) + " " +
                                        k.def));
      }
    }
    FERRY_RETURN_IF_ERROR(db_->Exec("DROP SCHEMA " + db_->QuoteIdentifier(stage_)));
    // setval() of a sequence that existed before is not undone by a
    // rollback: it goes last, when only the commit can still fail.
    for (const auto& q : s_.sequences) {
      if (!q.owner_table.empty()) continue;
      FERRY_RETURN_IF_ERROR(SetVal(db_, Qualified(*db_, q.schema, q.name), q));
    }
    open_ = false;
    FERRY_RETURN_IF_ERROR(db_->Commit());
    return loaded_;
  }

 private:
  // The live tables of the archive's names, qualified, in the archive's order.
  Result<std::vector<std::string>> LiveTables() {
    std::vector<std::string> out;
    for (const auto& t : s_.tables) {
      const std::string name = Qualified(*db_, t.schema, t.name);
      FERRY_ASSIGN_OR_RETURN(Rows ex,
                             db_->Query("SELECT to_regclass($1) IS NOT NULL", {Value(name)}));
      if (ex.GetInt(0, 0).value_or(0) != 0) out.push_back(name);
    }
    return out;
  }

  Result<int64_t> LoadTableIntoStage(const pgcopy::Table& t) {
    const std::string name = Qualified(*db_, stage_, t.name);
    FERRY_RETURN_IF_ERROR(db_->Exec(pgcopy::CreateTableSql(*db_, t, stage_, s_.sequences)));
    std::string cols = pgcopy::CopyColumns(*db_, t);
    FERRY_ASSIGN_OR_RETURN(
        int64_t rows,
        // FREEZE: the table was created in this transaction, so its rows
        // can be written frozen; the index builds and first reads after the
        // restore then set no hint bits (no second write of every page).
        LoadTable(db_, "COPY " + name + (cols.empty() ? "" : " (" + cols + ")") +
                          " FROM STDIN WITH (FREEZE)",
                  dir_ + "/" + t.file));
    if (rows != t.rows)
      return Corruption(t.file + ": loaded " + std::to_string(rows) + " rows, the archive recorded " +
                        std::to_string(t.rows));
    for (const auto& k : t.constraints) {
      if (k.type == "f") continue;
      FERRY_RETURN_IF_ERROR(db_->Exec("ALTER TABLE " + name + " ADD CONSTRAINT " +
                                      db_->QuoteIdentifier(k.name) + " " + k.def));
    }
    for (const auto& ix : t.indexes) {
      FERRY_RETURN_IF_ERROR(db_->Exec(std::string("CREATE ") + (ix.unique ? "UNIQUE " : "") +
                                      "INDEX " + db_->QuoteIdentifier(ix.name) + " ON " + name +
                                      " USING " + ix.tail));
    }
    for (const auto& q : s_.sequences) {
      if (q.owner_table != t.name || q.schema != t.schema) continue;
      const std::string seq = Qualified(*db_, stage_, q.name);
      if (!q.identity) {
        FERRY_RETURN_IF_ERROR(db_->Exec("CREATE SEQUENCE " + seq +
                                        pgcopy::SequenceOptions(q, true) + " OWNED BY " + name +
                                        "." + db_->QuoteIdentifier(q.owner_column)));
      }
      FERRY_RETURN_IF_ERROR(SetVal(db_, seq, q));
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
  const std::string dir_;
  const pgcopy::Schema s_;
  bool open_ = false;                // our transaction is open
  std::vector<std::string> live_;    // live tables held at Start
  std::string stage_;                // the private schema, once Load made it
  TableRows loaded_;
};

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
    FERRY_ASSIGN_OR_RETURN(auto staged, StartRestore(dir));
    FERRY_RETURN_IF_ERROR(staged->Load());
    return staged->Swap();
  }

  Result<std::unique_ptr<StagedRestore>> StartRestore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(pgcopy::Schema s, ReadSchema(dir));
    auto staged = std::make_unique<CopyRestore>(db_, env_, dir, std::move(s));
    FERRY_RETURN_IF_ERROR(staged->Start());
    return std::unique_ptr<StagedRestore>(std::move(staged));
  }

  // The load goes into a private schema inside the restore's transaction:
  // nothing readers see changes until the swap.
  bool LoadsBesideSafetyArchive() const override { return true; }

  Result<TableRows> TestRestore(const std::string& dir) override {
    FERRY_ASSIGN_OR_RETURN(pgcopy::Schema s, ReadSchema(dir));
    std::string scratch = "ferry_verify_" + std::to_string(env_->Random64() % 100000000);
    FERRY_RETURN_IF_ERROR(db_->Exec("CREATE DATABASE " + db_->QuoteIdentifier(scratch)));
    auto rows = [&]() -> Result<TableRows> {
      DatabaseUrl su = db_->url();
      su.database = scratch;
      FERRY_ASSIGN_OR_RETURN(auto sdb, OpenDatabase(su, env_));
      CopyRestore staged(sdb.get(), env_, dir, s);
      FERRY_RETURN_IF_ERROR(staged.Start());
      FERRY_RETURN_IF_ERROR(staged.Load());
      return staged.Swap();
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
