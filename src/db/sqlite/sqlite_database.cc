#include "db/sqlite/sqlite_database.h"

#include <sqlite3.h>

#include <cctype>
#include <string>

#include "util/strings.h"

namespace ferry {
namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what = {}) {
  std::string msg = "sqlite: ";
  if (!what.empty()) msg += std::string(what) + ": ";
  msg += db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
  int primary = rc & 0xff;
  if (primary == SQLITE_BUSY || primary == SQLITE_LOCKED) return Locked(msg);
  if (primary == SQLITE_NOTADB || primary == SQLITE_CORRUPT) return Corruption(msg);
  if (primary == SQLITE_CANTOPEN) return Unavailable(msg);
  if (primary == SQLITE_IOERR || primary == SQLITE_FULL) return IOError(msg);
  return ExecutionFailed(msg);
}

// For each SQLite parameter slot 1..n, which of our $k it is. Our SQL spells
// parameters $1..$n; SQLite treats "$1" as a named parameter, so map by name
// rather than by position of first use. Computed once per prepared
// statement: sqlite3_bind_parameter_name() scans a list, so calling it on
// every bind made a multi-row INSERT of thousands of parameters quadratic.
std::vector<size_t> ParameterSlots(sqlite3_stmt* stmt) {
  int n = sqlite3_bind_parameter_count(stmt);
  std::vector<size_t> slots(static_cast<size_t>(n));
  for (int i = 1; i <= n; ++i) {
    const char* name = sqlite3_bind_parameter_name(stmt, i);
    size_t idx = static_cast<size_t>(i);
    if (name != nullptr && (name[0] == '$' || name[0] == '?')) {
      auto parsed = ParseUint(name + 1);
      if (parsed) idx = *parsed;
    }
    slots[static_cast<size_t>(i - 1)] = idx;
  }
  return slots;
}

// Text and blobs are bound SQLITE_STATIC, without a copy (the copies were
// ~14% of the ingest writer thread): `params` outlives the statement's run
// because every caller binds, steps to completion and then Unbind()s within
// one call, so SQLite never holds a pointer into a caller's value after it.
Status Bind(sqlite3* db, sqlite3_stmt* stmt, const std::vector<size_t>& slots,
            const std::vector<Value>& params) {
  sqlite3_reset(stmt);
  sqlite3_clear_bindings(stmt);
  const int n = static_cast<int>(slots.size());
  for (int i = 1; i <= n; ++i) {
    const size_t idx = slots[static_cast<size_t>(i - 1)];
    if (idx == 0 || idx > params.size())
      return InvalidArgument("sqlite: statement wants parameter " + std::to_string(idx) +
                             " but only " + std::to_string(params.size()) + " given");
    const Value& v = params[idx - 1];
    int rc = SQLITE_OK;
    if (IsNull(v)) {
      rc = sqlite3_bind_null(stmt, i);
    } else if (auto* iv = std::get_if<int64_t>(&v)) {
      rc = sqlite3_bind_int64(stmt, i, *iv);
    } else if (auto* dv = std::get_if<double>(&v)) {
      rc = sqlite3_bind_double(stmt, i, *dv);
    } else if (auto* sv = std::get_if<std::string>(&v)) {
      rc = sqlite3_bind_text64(stmt, i, sv->data(), sv->size(), SQLITE_STATIC, SQLITE_UTF8);
    } else if (auto* bv = std::get_if<Blob>(&v)) {
      rc = sqlite3_bind_blob64(stmt, i, bv->bytes.data(), bv->bytes.size(), SQLITE_STATIC);
    }
    if (rc != SQLITE_OK) return SqliteError(db, rc, "bind");
  }
  return Status::OK();
}

Value Column(sqlite3_stmt* stmt, int i) {
  switch (sqlite3_column_type(stmt, i)) {
    case SQLITE_INTEGER:
      return static_cast<int64_t>(sqlite3_column_int64(stmt, i));
    case SQLITE_FLOAT:
      return sqlite3_column_double(stmt, i);
    case SQLITE_TEXT: {
      const char* p = reinterpret_cast<const char*>(sqlite3_column_text(stmt, i));
      return std::string(p, static_cast<size_t>(sqlite3_column_bytes(stmt, i)));
    }
    case SQLITE_BLOB: {
      const char* p = static_cast<const char*>(sqlite3_column_blob(stmt, i));
      return Blob{std::string(p ? p : "", static_cast<size_t>(sqlite3_column_bytes(stmt, i)))};
    }
    default:
      return std::monostate{};
  }
}

// Steps a bound statement to completion, collecting rows when asked.
Result<int64_t> Run(sqlite3* db, sqlite3_stmt* stmt, Rows* out) {
  if (out) {
    int n = sqlite3_column_count(stmt);
    out->columns.clear();
    for (int i = 0; i < n; ++i) out->columns.emplace_back(sqlite3_column_name(stmt, i));
  }
  for (;;) {
    int rc = sqlite3_step(stmt);
    if (rc == SQLITE_DONE) break;
    if (rc == SQLITE_ROW) {
      if (out) {
        int n = sqlite3_column_count(stmt);
        std::vector<Value> row;
        row.reserve(static_cast<size_t>(n));
        for (int i = 0; i < n; ++i) row.push_back(Column(stmt, i));
        out->rows.push_back(std::move(row));
      }
      continue;
    }
    Status st = SqliteError(db, rc);
    sqlite3_reset(stmt);
    return st;
  }
  int64_t changes = sqlite3_changes64(db);
  sqlite3_reset(stmt);
  return changes;
}

// Drops the statement's (static) bindings when a call returns, whichever way.
struct Unbinder {
  sqlite3_stmt* stmt;
  ~Unbinder() {
    sqlite3_reset(stmt);
    sqlite3_clear_bindings(stmt);
  }
};

class SqliteStatement final : public PreparedStatement {
 public:
  SqliteStatement(sqlite3* db, sqlite3_stmt* stmt)
      : db_(db), stmt_(stmt), slots_(ParameterSlots(stmt)) {}
  ~SqliteStatement() override { sqlite3_finalize(stmt_); }

  Result<int64_t> Execute(const std::vector<Value>& params) override {
    Unbinder unbind{stmt_};
    FERRY_RETURN_IF_ERROR(Bind(db_, stmt_, slots_, params));
    return Run(db_, stmt_, nullptr);
  }
  Result<Rows> Query(const std::vector<Value>& params) override {
    Unbinder unbind{stmt_};
    FERRY_RETURN_IF_ERROR(Bind(db_, stmt_, slots_, params));
    Rows rows;
    auto r = Run(db_, stmt_, &rows);
    if (!r.ok()) return r.status();
    return rows;
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
  std::vector<size_t> slots_;  // ParameterSlots(stmt_)
};

class SqliteDatabase final : public Database {
 public:
  SqliteDatabase(DatabaseUrl url, sqlite3* db) : url_(std::move(url)), db_(db) {}
  ~SqliteDatabase() override { sqlite3_close_v2(db_); }

  const DatabaseUrl& url() const override { return url_; }
  std::string_view engine() const override { return "sqlite"; }
  Dialect dialect() const override { return Dialect::kSqlite; }
  Capabilities capabilities() const override {
    Capabilities c;
    c.transactional_ddl = true;
    c.single_writer = true;
    return c;
  }

  Status Exec(std::string_view sql) override {
    // sqlite3_exec runs every statement in the text; callers give one.
    char* err = nullptr;
    std::string s(sql);
    int rc = sqlite3_exec(db_, s.c_str(), nullptr, nullptr, &err);
    if (rc != SQLITE_OK) {
      std::string msg = err ? err : sqlite3_errstr(rc);
      sqlite3_free(err);
      Status st = SqliteError(db_, rc);
      return Status(st.code(), "sqlite: " + msg);
    }
    return Status::OK();
  }

  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) override {
    FERRY_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
    return stmt->Execute(params);
  }

  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override {
    FERRY_ASSIGN_OR_RETURN(auto stmt, Prepare(sql));
    return stmt->Query(params);
  }

  Result<std::unique_ptr<PreparedStatement>> Prepare(std::string_view sql) override {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc);
    if (stmt == nullptr) return InvalidArgument("sqlite: empty statement");
    return std::unique_ptr<PreparedStatement>(new SqliteStatement(db_, stmt));
  }

  Status Begin() override { return Exec("BEGIN IMMEDIATE"); }
  Status Commit() override { return Exec("COMMIT"); }
  Status Rollback() override {
    if (sqlite3_get_autocommit(db_)) return Status::OK();  // nothing open
    return Exec("ROLLBACK");
  }
  bool InTransaction() const override { return sqlite3_get_autocommit(db_) == 0; }

  std::string QuoteIdentifier(std::string_view name) const override {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

  Result<bool> TableExists(std::string_view table) override {
    FERRY_ASSIGN_OR_RETURN(
        Rows rows, Query("SELECT 1 FROM sqlite_master WHERE type IN ('table','view') AND name = $1",
                         {std::string(table)}));
    return !rows.empty();
  }

 private:
  DatabaseUrl url_;
  sqlite3* db_;
};

}  // namespace

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const DatabaseUrl& url, Env* env) {
  sqlite3* db = nullptr;
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
  const bool read_only = url.params.count("mode") && url.params.at("mode") == "ro";
  if (read_only) flags = SQLITE_OPEN_READONLY;
  int rc = sqlite3_open_v2(url.path.c_str(), &db, flags, nullptr);
  if (rc != SQLITE_OK) {
    Status st = SqliteError(db, rc, url.path);
    sqlite3_close_v2(db);
    return st;
  }
  auto handle = std::make_unique<SqliteDatabase>(url, db);
  int busy_ms = 5000;
  if (auto it = url.params.find("busy_timeout_ms"); it != url.params.end()) {
    if (auto v = ParseUint(it->second)) busy_ms = static_cast<int>(*v);
  }
  sqlite3_busy_timeout(db, busy_ms);
  // Touch the file: a file that is not SQLite fails here, not mid-migration.
  std::string journal = "wal";
  if (auto it = url.params.find("journal_mode"); it != url.params.end()) journal = it->second;
  for (char c : journal) {
    if (!std::isalpha(static_cast<unsigned char>(c)))
      return InvalidArgument("sqlite: bad journal_mode \"" + journal + "\" in URL");
  }
  // A read-only open (dry runs) must not switch the journal: that writes.
  if (url.path != ":memory:" && !read_only) {
    // Switching a fresh file to WAL needs an exclusive lock, and SQLite may
    // answer BUSY without calling the busy handler while several processes
    // open the same new database at once: retry within the busy timeout.
    Env* e = env != nullptr ? env : Env::Default();
    Deadline deadline = Deadline::After(e, std::chrono::milliseconds(busy_ms));
    for (;;) {
      auto r = handle->Query("PRAGMA journal_mode=" + journal, {});
      if (r.ok()) break;
      if (r.status().code() != Code::kLocked || deadline.Expired(e))
        return r.status().WithContext(url.path);
      e->SleepFor(std::chrono::milliseconds(20));
    }
  } else {
    auto r = handle->Query("SELECT count(*) FROM sqlite_master", {});
    if (!r.ok()) return r.status().WithContext(url.path);
  }
  return std::unique_ptr<Database>(std::move(handle));
}

}  // namespace ferry
