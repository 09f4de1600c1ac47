#include "db/duckdb/duckdb_database.h"

#include <sys/stat.h>

#include <chrono>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "db/duckdb/duckdb_internal.h"
#include "util/strings.h"

namespace ferry {
namespace {

using duckdb_internal::BindParams;
using duckdb_internal::NoteFailure;
using duckdb_internal::ReadResult;
using duckdb_internal::ResultError;
using duckdb_internal::Session;
using duckdb_internal::TrackTransaction;

// DuckDB must see one instance per file per process (two would each believe
// they own the file): every Open() asks this cache. It lives as long as the
// process; the instances in it close with their last connection.
duckdb_instance_cache InstanceCache() {
  static duckdb_instance_cache cache = duckdb_create_instance_cache();
  return cache;
}

class DuckdbStatement final : public PreparedStatement {
 public:
  DuckdbStatement(Session* session, duckdb_prepared_statement stmt, std::string sql)
      : session_(session), stmt_(stmt), sql_(std::move(sql)) {}
  ~DuckdbStatement() override { duckdb_destroy_prepare(&stmt_); }

  Result<int64_t> Execute(const std::vector<Value>& params) override { return Run(params, nullptr); }
  Result<Rows> Query(const std::vector<Value>& params) override {
    Rows rows;
    FERRY_ASSIGN_OR_RETURN(int64_t n, Run(params, &rows));
    (void)n;
    return rows;
  }

 private:
  Result<int64_t> Run(const std::vector<Value>& params, Rows* out) {
    FERRY_RETURN_IF_ERROR(BindParams(stmt_, params));
    duckdb_result result;
    if (duckdb_execute_prepared(stmt_, &result) != DuckDBSuccess) {
      Status st = ResultError(&result);
      duckdb_destroy_result(&result);
      return NoteFailure(session_, st);
    }
    auto r = ReadResult(&result, out);
    duckdb_destroy_result(&result);
    if (!r.ok()) return NoteFailure(session_, r.status());
    TrackTransaction(session_, duckdb_prepared_statement_type(stmt_), sql_);
    return r;
  }

  Session* session_;
  duckdb_prepared_statement stmt_;
  std::string sql_;
};

class DuckdbDatabase final : public Database {
 public:
  DuckdbDatabase(DatabaseUrl url, std::unique_ptr<Session> session)
      : url_(std::move(url)), session_(std::move(session)) {}
  ~DuckdbDatabase() override {
    if (session_->in_transaction) (void)Rollback();
    duckdb_disconnect(&session_->conn);
    duckdb_close(&session_->db);
  }

  const DatabaseUrl& url() const override { return url_; }
  std::string_view engine() const override { return "duckdb"; }
  Dialect dialect() const override { return Dialect::kDuckdb; }
  Capabilities capabilities() const override {
    Capabilities c;
    c.transactional_ddl = true;  // CREATE/DROP/ALTER inside BEGIN..ROLLBACK are undone
    c.single_writer = true;      // one process per file; writers in it conflict, not wait
    return c;
  }

  Status Exec(std::string_view sql) override {
    std::string s(sql);
    duckdb_result result;
    if (duckdb_query(session_->conn, s.c_str(), &result) != DuckDBSuccess) {
      Status st = ResultError(&result);
      duckdb_destroy_result(&result);
      return NoteFailure(session_.get(), st);
    }
    TrackTransaction(session_.get(), duckdb_result_statement_type(result), s);
    duckdb_destroy_result(&result);
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
    std::string s(sql);
    duckdb_prepared_statement stmt = nullptr;
    if (duckdb_prepare(session_->conn, s.c_str(), &stmt) != DuckDBSuccess) {
      const char* err = duckdb_prepare_error(stmt);
      Status st = duckdb_internal::ErrorStatus(DUCKDB_ERROR_INVALID, err ? err : "prepare failed");
      duckdb_destroy_prepare(&stmt);
      return NoteFailure(session_.get(), st);
    }
    return std::unique_ptr<PreparedStatement>(new DuckdbStatement(session_.get(), stmt, std::move(s)));
  }

  Status Begin() override { return Exec("BEGIN TRANSACTION"); }
  Status Commit() override {
    if (session_->in_transaction && session_->failed_in_transaction) {
      // DuckDB would answer COMMIT of an aborted transaction with a silent
      // rollback; a statement that still runs means it is not aborted.
      Status probe = Exec("SELECT 1");
      if (!probe.ok()) {
        (void)Rollback();
        return ExecutionFailed(
            "duckdb: COMMIT refused: an earlier statement failed and aborted the transaction, "
            "which was rolled back (" + probe.message() + ")");
      }
    }
    Status st = Exec("COMMIT");
    if (!st.ok() && session_->in_transaction) {
      // A failed COMMIT (e.g. after an error aborted the transaction) leaves
      // nothing worth keeping: end it, so the connection is usable again.
      (void)Exec("ROLLBACK");
      session_->in_transaction = false;
    }
    return st;
  }
  Status Rollback() override {
    if (!session_->in_transaction) return Status::OK();
    Status st = Exec("ROLLBACK");
    session_->in_transaction = false;
    return st;
  }
  bool InTransaction() const override { return session_->in_transaction; }

  std::string QuoteIdentifier(std::string_view name) const override {
    std::string out = "\"";
    for (char c : name) {
      if (c == '"') out += '"';
      out += c;
    }
    return out + "\"";
  }

  Result<bool> TableExists(std::string_view table) override {
    // DuckDB matches identifiers case-insensitively, even quoted ones.
    FERRY_ASSIGN_OR_RETURN(
        Rows rows, Query("SELECT 1 FROM information_schema.tables WHERE table_schema = current_schema() "
                         "AND lower(table_name) = lower($1)",
                         {std::string(table)}));
    return !rows.empty();
  }

  Session* session() { return session_.get(); }

 private:
  DatabaseUrl url_;
  std::unique_ptr<Session> session_;
};

Status OpenError(const DatabaseUrl& url, const std::string& message) {
  std::string msg = RedactSecrets("duckdb: " + url.path + ": " + message);
  if (message.find("Could not set lock") != std::string::npos) return Locked(msg);
  if (message.find("not recognized") != std::string::npos) return InvalidArgument(msg);
  if (message.find("not a valid DuckDB database") != std::string::npos) return Corruption(msg);
  return Unavailable(msg);
}

}  // namespace

namespace duckdb_internal {
Session* SessionOf(Database* db) {
  auto* d = dynamic_cast<DuckdbDatabase*>(db);
  return d ? d->session() : nullptr;
}
}  // namespace duckdb_internal

namespace {

// One attempt; `config_params` are DuckDB settings.
Result<std::unique_ptr<Session>> OpenOnce(const DatabaseUrl& url,
                                          const std::map<std::string, std::string>& config_params) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) != DuckDBSuccess) return Internal("duckdb: cannot create a config");
  for (const auto& [key, value] : config_params) {
    if (duckdb_set_config(config, key.c_str(), value.c_str()) != DuckDBSuccess) {
      duckdb_destroy_config(&config);
      return InvalidArgument("duckdb: unknown or bad setting \"" + key + "=" + value + "\" in " +
                             url.Redacted());
    }
  }
  auto session = std::make_unique<Session>();
  char* err = nullptr;
  const bool memory = url.path == ":memory:";
  duckdb_state st = memory ? duckdb_open_ext(nullptr, &session->db, config, &err)
                           : duckdb_get_or_create_from_cache(InstanceCache(), url.path.c_str(),
                                                             &session->db, config, &err);
  duckdb_destroy_config(&config);
  if (st != DuckDBSuccess) {
    std::string msg = err ? err : "cannot open";
    duckdb_free(err);
    return OpenError(url, msg);
  }
  if (duckdb_connect(session->db, &session->conn) != DuckDBSuccess) {
    duckdb_close(&session->db);
    return Unavailable("duckdb: " + url.path + ": cannot connect");
  }
  return session;
}

// Two processes opening a database file that does not exist yet race: DuckDB
// creates the file and only then locks it and writes its headers, so the
// second can find an empty file and call it "not a valid DuckDB database".
// A file shorter than DuckDB's headers (three 4 KiB blocks) is one being
// created: wait for it like a locked one. A real short corrupt file still
// fails, after the busy timeout, with the same Corruption error.
bool BeingCreated(const DatabaseUrl& url, const Status& s) {
  if (s.code() != Code::kCorruption || url.path == ":memory:") return false;
  struct stat st {};
  return ::stat(url.path.c_str(), &st) == 0 && st.st_size < 3 * 4096;
}

}  // namespace

Result<std::unique_ptr<Database>> OpenDuckdbDatabase(const DatabaseUrl& url, Env* env) {
  Env* e = env != nullptr ? env : Env::Default();
  // busy_timeout_ms is ours (as for SQLite): how long to wait while another
  // process holds the file. Every other parameter is a DuckDB setting.
  std::map<std::string, std::string> params = url.params;
  int64_t busy_ms = 5000;
  if (auto it = params.find("busy_timeout_ms"); it != params.end()) {
    auto v = ParseUint(it->second);
    if (!v) return InvalidArgument("duckdb: bad busy_timeout_ms in " + url.Redacted());
    busy_ms = static_cast<int64_t>(*v);
    params.erase(it);
  }
  Deadline deadline = Deadline::After(e, std::chrono::milliseconds(busy_ms));
  for (;;) {
    auto session = OpenOnce(url, params);
    if (session.ok())
      return std::unique_ptr<Database>(new DuckdbDatabase(url, std::move(session).value()));
    const bool retry = session.status().code() == Code::kLocked || BeingCreated(url, session.status());
    if (!retry || deadline.Expired(e)) return session.status();
    e->SleepFor(std::chrono::milliseconds(50));
  }
}

}  // namespace ferry
