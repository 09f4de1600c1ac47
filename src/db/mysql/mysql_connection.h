// MysqlConnection: the Database implementation over one MYSQL handle
// (internal to the adapter; users see mysql_database.h).
//
// Owns the handle (mysql_close on destruction). Not thread-safe, like every
// Database. Statements made by Prepare() hold a pointer back here and must be
// destroyed first (the Database contract).
#pragma once

#include <mysql.h>

#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/mysql/mysql_codec.h"

namespace ferry {

class MysqlConnection final : public Database {
 public:
  static Result<std::unique_ptr<MysqlConnection>> Connect(const DatabaseUrl& url);

  ~MysqlConnection() override;
  MysqlConnection(const MysqlConnection&) = delete;
  MysqlConnection& operator=(const MysqlConnection&) = delete;

  const DatabaseUrl& url() const override { return url_; }
  std::string_view engine() const override { return "mysql"; }
  Dialect dialect() const override { return Dialect::kMysql; }
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

  // --- for the adapter's own pieces ---
  unsigned int last_errno() const { return last_errno_; }
  // Starts a call: Unavailable when the connection was lost before.
  Status StartCall();
  // A new statement handle with `sql` (already translated) prepared on it.
  Result<MYSQL_STMT*> PrepareHandle(const std::string& sql);
  // Runs a prepared handle; rows and rows-affected as ExecuteAndFetch.
  Status RunHandle(MYSQL_STMT* stmt, const mysql::TranslatedSql& sql,
                   const std::vector<Value>& params, Rows* rows, int64_t* affected);
  // A client error as a Status (code by errno, message prefixed and scrubbed).
  Status ErrorStatus(const mysql::ClientError& e);

 private:
  MysqlConnection(DatabaseUrl url, MYSQL* conn) : url_(std::move(url)), conn_(conn) {}
  Status ConnectionError();
  Result<Rows> Run(std::string_view sql, const std::vector<Value>& params, int64_t* affected);

  DatabaseUrl url_;
  MYSQL* conn_;
  bool lost_ = false;  // a call saw the connection go: every later call is Unavailable
  unsigned int last_errno_ = 0;
};

}  // namespace ferry
