#include "db/mysql/mysql_connection.h"

#include <errmsg.h>
#include <mysqld_error.h>

#include <cstdlib>

#include "db/mysql/mysql_statement.h"

namespace ferry {
namespace {

// The session every connection gets; see mysql_database.h for why.
constexpr const char* kSessionSetup =
    "SET SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_DATE,NO_ZERO_IN_DATE,"
    "ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION,NO_AUTO_VALUE_ON_ZERO', "
    "time_zone = '+00:00'";

std::string ScrubWith(const std::string& password, std::string text) {
  // Very short passwords are left to RedactSecrets: blanking every "ab" in a
  // message would garble it without protecting anything.
  if (password.size() >= 3) {
    size_t pos = 0;
    while ((pos = text.find(password, pos)) != std::string::npos) {
      text.replace(pos, password.size(), "***");
      pos += 3;
    }
  }
  return RedactSecrets(text);
}

std::string WhereOf(const DatabaseUrl& url) {
  std::string host = url.host.empty() ? "localhost" : url.host;
  if (host.find(':') != std::string::npos) host = "[" + host + "]";
  return host + ":" + std::to_string(url.port != 0 ? url.port : 3306) + " (" + url.Redacted() + ")";
}

bool IsConnectionLoss(unsigned int code) {
  switch (code) {
    case CR_CONNECTION_ERROR:      // 2002
    case CR_CONN_HOST_ERROR:       // 2003
    case CR_UNKNOWN_HOST:          // 2005
    case CR_SERVER_GONE_ERROR:     // 2006
    case CR_SERVER_LOST:           // 2013
    case CR_SERVER_LOST_EXTENDED:  // 2055
    case ER_SERVER_SHUTDOWN:       // 1053
    case ER_CONNECTION_KILLED:     // 1927 (KILL CONNECTION from another session)
      return true;
    default:
      return false;
  }
}

Code CodeFor(unsigned int code) {
  if (IsConnectionLoss(code)) return Code::kUnavailable;
  if (code == ER_LOCK_WAIT_TIMEOUT) return Code::kLocked;  // 1205
  if (code == 1969 /* MariaDB ER_STATEMENT_TIMEOUT */ || code == 3024 /* MySQL max_execution_time */)
    return Code::kTimeout;
  return Code::kExecutionFailed;
}

unsigned int ParamSeconds(const DatabaseUrl& url, const char* key, unsigned int def) {
  auto it = url.params.find(key);
  if (it == url.params.end()) return def;
  return static_cast<unsigned int>(std::strtoul(it->second.c_str(), nullptr, 10));
}

}  // namespace

Result<std::unique_ptr<MysqlConnection>> MysqlConnection::Connect(const DatabaseUrl& url) {
  MYSQL* conn = mysql_init(nullptr);
  if (conn == nullptr) return Unavailable("mysql: out of memory connecting to " + WhereOf(url));
  auto param = [&url](const char* key) -> const std::string* {
    auto it = url.params.find(key);
    return it == url.params.end() ? nullptr : &it->second;
  };
  mysql_options(conn, MYSQL_SET_CHARSET_NAME, "utf8mb4");
  unsigned int connect_timeout = ParamSeconds(url, "connect_timeout", 10);
  mysql_options(conn, MYSQL_OPT_CONNECT_TIMEOUT, &connect_timeout);
  if (unsigned int t = ParamSeconds(url, "read_timeout", 0); t > 0)
    mysql_options(conn, MYSQL_OPT_READ_TIMEOUT, &t);
  if (unsigned int t = ParamSeconds(url, "write_timeout", 0); t > 0)
    mysql_options(conn, MYSQL_OPT_WRITE_TIMEOUT, &t);
  unsigned int local_infile = 0;
  mysql_options(conn, MYSQL_OPT_LOCAL_INFILE, &local_infile);
  my_bool reconnect = 0;  // a silent reconnect would drop locks and transactions
  mysql_options(conn, MYSQL_OPT_RECONNECT, &reconnect);
  if (const std::string* tls = param("tls"); tls != nullptr && *tls != "disable") {
    my_bool on = 1;
    mysql_options(conn, MYSQL_OPT_SSL_ENFORCE, &on);
    if (*tls == "verify") mysql_options(conn, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &on);
    if (const std::string* ca = param("tls_ca")) mysql_options(conn, MYSQL_OPT_SSL_CA, ca->c_str());
  } else {
    my_bool off = 0;
    mysql_options(conn, MYSQL_OPT_SSL_VERIFY_SERVER_CERT, &off);
  }
  const std::string* socket = param("socket");
  std::string host = url.host.empty() ? "localhost" : url.host;
  const unsigned long flags = CLIENT_FOUND_ROWS | CLIENT_MULTI_STATEMENTS | CLIENT_MULTI_RESULTS;
  if (mysql_real_connect(conn, host.c_str(), url.user.empty() ? nullptr : url.user.c_str(),
                         url.password.c_str(), url.database.empty() ? nullptr : url.database.c_str(),
                         static_cast<unsigned int>(url.port), socket ? socket->c_str() : nullptr,
                         flags) == nullptr) {
    std::string why = ScrubWith(url.password, mysql_error(conn));
    unsigned int code = mysql_errno(conn);
    mysql_close(conn);
    return Unavailable("mysql: cannot connect to " + WhereOf(url) + ": " + why + " (error " +
                       std::to_string(code) + ")");
  }
  std::unique_ptr<MysqlConnection> c(new MysqlConnection(url, conn));
  if (Status st = c->Exec(kSessionSetup); !st.ok())
    return st.WithContext("setting up the session on " + WhereOf(url));
  return c;
}

MysqlConnection::~MysqlConnection() { mysql_close(conn_); }

Capabilities MysqlConnection::capabilities() const {
  Capabilities c;
  c.transactional_ddl = false;  // DDL commits implicitly
  c.finite_doubles_only = true;
  return c;
}

Status MysqlConnection::StartCall() {
  last_errno_ = 0;
  if (lost_) return Unavailable("mysql: connection to " + WhereOf(url_) + " is closed");
  return Status::OK();
}

Status MysqlConnection::ErrorStatus(const mysql::ClientError& e) {
  last_errno_ = e.code;
  std::string msg = e.message;
  if (e.code == ER_PARSE_ERROR) msg = "syntax error: " + msg;  // "You have an error in your SQL syntax"
  msg += " (error " + std::to_string(e.code);
  if (!e.sqlstate.empty() && e.sqlstate != "00000" && e.sqlstate != "HY000")
    msg += ", SQLSTATE " + e.sqlstate;
  msg += ")";
  msg = ScrubWith(url_.password, std::move(msg));
  Code code = CodeFor(e.code);
  if (code == Code::kUnavailable) {
    lost_ = true;
    return Unavailable("mysql: connection to " + WhereOf(url_) + " lost: " + msg);
  }
  return Status(code, "mysql: " + msg);
}

Status MysqlConnection::ConnectionError() {
  mysql::ClientError e;
  e.code = mysql_errno(conn_);
  e.sqlstate = mysql_sqlstate(conn_);
  e.message = mysql_error(conn_);
  return ErrorStatus(e);
}

Status MysqlConnection::Exec(std::string_view sql) {
  FERRY_RETURN_IF_ERROR(StartCall());
  if (mysql_real_query(conn_, sql.data(), static_cast<unsigned long>(sql.size())) != 0)
    return ConnectionError();
  // One result per statement; a failing statement ends the batch with its
  // error (the server runs nothing after it).
  for (;;) {
    if (MYSQL_RES* res = mysql_store_result(conn_)) {
      mysql_free_result(res);
    } else if (mysql_field_count(conn_) != 0) {
      return ConnectionError();
    }
    int next = mysql_next_result(conn_);
    if (next == -1) break;
    if (next > 0) return ConnectionError();
  }
  return Status::OK();
}

Result<MYSQL_STMT*> MysqlConnection::PrepareHandle(const std::string& sql) {
  MYSQL_STMT* stmt = mysql_stmt_init(conn_);
  if (stmt == nullptr) return ConnectionError();
  if (mysql_stmt_prepare(stmt, sql.data(), static_cast<unsigned long>(sql.size())) != 0) {
    Status st = ErrorStatus(mysql::StmtError(stmt));
    mysql_stmt_close(stmt);
    return st;
  }
  return stmt;
}

Status MysqlConnection::RunHandle(MYSQL_STMT* stmt, const mysql::TranslatedSql& sql,
                                  const std::vector<Value>& params, Rows* rows, int64_t* affected) {
  FERRY_RETURN_IF_ERROR(StartCall());
  mysql::BoundParams bound;
  FERRY_RETURN_IF_ERROR(mysql::BindParams(sql, params, &bound));
  mysql::ClientError err;
  if (!mysql::ExecuteAndFetch(stmt, &bound, rows, affected, &err)) return ErrorStatus(err);
  return Status::OK();
}

Result<Rows> MysqlConnection::Run(std::string_view sql, const std::vector<Value>& params,
                                  int64_t* affected) {
  FERRY_RETURN_IF_ERROR(StartCall());
  FERRY_ASSIGN_OR_RETURN(mysql::TranslatedSql translated, mysql::TranslateParams(sql));
  // Check the parameters before a round trip to prepare.
  if (static_cast<size_t>(translated.max_param) > params.size()) {
    mysql::BoundParams unused;
    FERRY_RETURN_IF_ERROR(mysql::BindParams(translated, params, &unused));
  }
  FERRY_ASSIGN_OR_RETURN(MYSQL_STMT * stmt, PrepareHandle(translated.sql));
  Rows rows;
  Status st = RunHandle(stmt, translated, params, &rows, affected);
  mysql_stmt_close(stmt);
  FERRY_RETURN_IF_ERROR(st);
  return rows;
}

Result<int64_t> MysqlConnection::Execute(std::string_view sql, const std::vector<Value>& params) {
  int64_t affected = 0;
  FERRY_ASSIGN_OR_RETURN(Rows rows, Run(sql, params, &affected));
  return affected;
}

Result<Rows> MysqlConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  int64_t affected = 0;
  return Run(sql, params, &affected);
}

Result<std::unique_ptr<PreparedStatement>> MysqlConnection::Prepare(std::string_view sql) {
  FERRY_RETURN_IF_ERROR(StartCall());
  FERRY_ASSIGN_OR_RETURN(mysql::TranslatedSql translated, mysql::TranslateParams(sql));
  FERRY_ASSIGN_OR_RETURN(MYSQL_STMT * stmt, PrepareHandle(translated.sql));
  return std::unique_ptr<PreparedStatement>(new MysqlStatement(this, stmt, std::move(translated)));
}

Status MysqlConnection::Begin() {
  if (!lost_ && InTransaction())
    return ExecutionFailed("mysql: cannot BEGIN: a transaction is already in progress");
  return Exec("START TRANSACTION");
}

Status MysqlConnection::Commit() { return Exec("COMMIT"); }

Status MysqlConnection::Rollback() {
  FERRY_RETURN_IF_ERROR(StartCall());
  if (!InTransaction()) return Status::OK();  // nothing open (or DDL committed it)
  return Exec("ROLLBACK");
}

bool MysqlConnection::InTransaction() const {
  unsigned int status = 0;
  if (mariadb_get_infov(conn_, MARIADB_CONNECTION_SERVER_STATUS, &status) != 0) return false;
  return (status & SERVER_STATUS_IN_TRANS) != 0;
}

std::string MysqlConnection::QuoteIdentifier(std::string_view name) const {
  std::string out = "`";
  for (char c : name) {
    if (c == '`') out += '`';
    out += c;
  }
  return out + "`";
}

Result<bool> MysqlConnection::TableExists(std::string_view table) {
  // Byte comparison: information_schema compares names case-insensitively,
  // but table names are case-sensitive on Linux (lower_case_table_names=0).
  FERRY_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT COUNT(*) FROM information_schema.tables WHERE table_schema = "
                       "DATABASE() AND CAST(table_name AS BINARY) = CAST($1 AS BINARY)",
                       {std::string(table)}));
  return rows.size() == 1 && rows.GetInt(0, 0).value_or(0) > 0;
}

}  // namespace ferry
