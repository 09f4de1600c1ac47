// PostgresConnection: the Database implementation over one libpq PGconn
// (internal to the adapter; users see postgres_database.h).
//
// Owns the PGconn (PQfinish on destruction). Not thread-safe, like every
// Database. Statements made by Prepare() hold a pointer back here and must be
// destroyed first (the Database contract).
#pragma once

#include <libpq-fe.h>

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/postgres/postgres_codec.h"
#include "db/postgres/postgres_database.h"

namespace ferry {

class PostgresConnection final : public Database {
 public:
  // Connects; Unavailable (host:port, redacted URL) when the server refuses.
  static Result<std::unique_ptr<PostgresConnection>> Connect(const DatabaseUrl& url);

  ~PostgresConnection() override;
  PostgresConnection(const PostgresConnection&) = delete;
  PostgresConnection& operator=(const PostgresConnection&) = delete;

  const DatabaseUrl& url() const override { return url_; }
  std::string_view engine() const override { return "postgres"; }
  Dialect dialect() const override { return Dialect::kPostgres; }
  Capabilities capabilities() const override;

  Status Exec(std::string_view sql) override;
  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) override;
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) override;
  Result<std::unique_ptr<PreparedStatement>> Prepare(std::string_view sql) override;

  Status Begin() override;
  Status Commit() override;
  Status Rollback() override;
  bool InTransaction() const override;

  std::string QuoteIdentifier(std::string_view name) const override;
  Result<bool> TableExists(std::string_view table) override;

  // --- for the adapter's own pieces (statements, COPY, free functions) ---
  PGconn* conn() { return conn_; }
  const PostgresErrorInfo& last_error() const { return last_error_; }
  void set_notice_handler(PostgresNoticeHandler h) { notice_handler_ = std::move(h); }

  // Starts a call: clears last_error(); Unavailable if the connection is gone.
  Status StartCall();
  // OK when `res` has status `want` (PGRES_COMMAND_OK also accepts
  // TUPLES_OK and EMPTY_QUERY); otherwise the error as a Status, with
  // last_error() filled. `res` may be null (libpq out of memory, or the
  // connection died before a result came).
  Status Check(const PGresult* res, ExecStatusType want);
  // A libpq-level failure (PQerrorMessage), e.g. a failed PQputCopyData.
  Status ConnectionError(std::string_view what);
  // Rows affected as PQcmdTuples says (0 when the command reports none).
  static int64_t RowsAffected(const PGresult* res);
  // Results still pending after a call (COPY, multi-statement) are drained so
  // the connection is ready for the next command.
  void DrainResults();
  // Blanks the password and any "user:pw@" / "password=" in libpq text.
  std::string Scrub(std::string text) const;

  std::string NextStatementName();
  // DEALLOCATEs a prepared statement now, or at the end of the current
  // aborted transaction (where any command would fail).
  void ReleaseStatement(const std::string& name);

 private:
  PostgresConnection(DatabaseUrl url, PGconn* conn);
  static void OnNotice(void* arg, const PGresult* res);
  std::string Where() const;  // "host:port (redacted url)"
  void FlushReleasedStatements();
  Result<pg::ResultPtr> Run(std::string_view sql, const std::vector<Value>& params,
                            ExecStatusType* status);

  DatabaseUrl url_;
  PGconn* conn_;
  PostgresErrorInfo last_error_;
  PostgresNoticeHandler notice_handler_;
  uint64_t statement_counter_ = 0;
  std::vector<std::string> pending_deallocate_;
};

}  // namespace ferry
