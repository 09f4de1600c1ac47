#include "db/postgres/postgres_connection.h"

#include <cstdlib>
#include <map>
#include <set>

#include "db/postgres/postgres_statement.h"
#include "util/strings.h"

namespace ferry {
namespace {

// libpq messages end in "\n" and continue lines with "\n\t"; a Status is
// one line.
std::string OneLine(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == '\n' || c == '\t' || c == '\r' || c == ' ') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

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
  std::string host = url.host;
  if (host.empty()) {
    auto it = url.params.find("host");
    host = it != url.params.end() ? it->second : "localhost";
  }
  if (host.find(':') != std::string::npos && host.front() != '/') host = "[" + host + "]";
  std::string port = "5432";
  if (url.port != 0) {
    port = std::to_string(url.port);
  } else if (auto it = url.params.find("port"); it != url.params.end()) {
    port = it->second;
  }
  return host + ":" + port + " (" + url.Redacted() + ")";
}

// SQLSTATE -> our code. Connection classes mean the session is gone or
// unusable; lock and cancel states are worth telling apart for retries.
Code CodeForSqlState(std::string_view state) {
  if (state.size() != 5) return Code::kExecutionFailed;
  if (StartsWith(state, "08")) return Code::kUnavailable;  // connection_exception
  if (state == "57P01" || state == "57P02" || state == "57P03") return Code::kUnavailable;
  if (state == "55P03") return Code::kLocked;   // lock_not_available (lock_timeout, NOWAIT)
  if (state == "57014") return Code::kTimeout;  // query_canceled (statement_timeout)
  return Code::kExecutionFailed;
}

}  // namespace

Result<std::unique_ptr<PostgresConnection>> PostgresConnection::Connect(const DatabaseUrl& url) {
  // Later entries win: our defaults, then libpq options from the query
  // string, then the URL's own parts.
  std::map<std::string, std::string> kw;
  kw["application_name"] = "ferry";
  kw["connect_timeout"] = "10";
  kw["client_encoding"] = "UTF8";  // Values are UTF-8 whatever the client locale says
  std::set<std::string> known;
  if (PQconninfoOption* defs = PQconndefaults()) {
    for (PQconninfoOption* o = defs; o->keyword != nullptr; ++o) known.insert(o->keyword);
    PQconninfoFree(defs);
  }
  for (const auto& [k, v] : url.params) {
    if (known.count(k)) kw[k] = v;
  }
  if (!url.host.empty()) kw["host"] = url.host;
  if (url.port != 0) kw["port"] = std::to_string(url.port);
  if (!url.user.empty()) kw["user"] = url.user;
  if (!url.password.empty()) kw["password"] = url.password;
  if (!url.database.empty()) kw["dbname"] = url.database;

  std::vector<const char*> keys;
  std::vector<const char*> values;
  for (const auto& [k, v] : kw) {
    keys.push_back(k.c_str());
    values.push_back(v.c_str());
  }
  keys.push_back(nullptr);
  values.push_back(nullptr);

  // expand_dbname=0: a database name is only ever a name, never a conninfo.
  PGconn* conn = PQconnectdbParams(keys.data(), values.data(), 0);
  if (conn == nullptr) return Unavailable("postgres: out of memory connecting to " + WhereOf(url));
  if (PQstatus(conn) != CONNECTION_OK) {
    std::string why = ScrubWith(url.password, OneLine(PQerrorMessage(conn)));
    PQfinish(conn);
    return Unavailable("postgres: cannot connect to " + WhereOf(url) + ": " + why);
  }
  return std::unique_ptr<PostgresConnection>(new PostgresConnection(url, conn));
}

PostgresConnection::PostgresConnection(DatabaseUrl url, PGconn* conn)
    : url_(std::move(url)), conn_(conn) {
  PQsetNoticeReceiver(conn_, &PostgresConnection::OnNotice, this);
}

PostgresConnection::~PostgresConnection() { PQfinish(conn_); }

void PostgresConnection::OnNotice(void* arg, const PGresult* res) {
  auto* self = static_cast<PostgresConnection*>(arg);
  if (!self->notice_handler_) return;  // dropped: never printed to stderr
  const char* severity = PQresultErrorField(res, PG_DIAG_SEVERITY_NONLOCALIZED);
  const char* primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
  std::string msg = self->Scrub(primary ? primary : OneLine(PQresultErrorMessage(res)));
  self->notice_handler_(severity ? severity : "NOTICE", msg);
}

Capabilities PostgresConnection::capabilities() const {
  Capabilities c;
  c.transactional_ddl = true;
  c.advisory_locks = true;
  return c;
}

std::string PostgresConnection::Where() const { return WhereOf(url_); }

std::string PostgresConnection::Scrub(std::string text) const {
  return ScrubWith(url_.password, std::move(text));
}

Status PostgresConnection::StartCall() {
  last_error_ = PostgresErrorInfo{};
  if (PQstatus(conn_) != CONNECTION_OK)
    return Unavailable("postgres: connection to " + Where() + " is closed");
  return Status::OK();
}

Status PostgresConnection::ConnectionError(std::string_view what) {
  std::string why = Scrub(OneLine(PQerrorMessage(conn_)));
  if (PQstatus(conn_) != CONNECTION_OK)
    return Unavailable("postgres: connection to " + Where() + " lost: " + why);
  return ExecutionFailed("postgres: " + std::string(what) + ": " + why);
}

Status PostgresConnection::Check(const PGresult* res, ExecStatusType want) {
  if (res != nullptr) {
    ExecStatusType st = PQresultStatus(res);
    if (st == want) return Status::OK();
    if (want == PGRES_COMMAND_OK && (st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY))
      return Status::OK();
  }
  if (res == nullptr) return ConnectionError("no result");

  auto field = [res](int code) -> std::string {
    const char* v = PQresultErrorField(res, code);
    return v ? OneLine(v) : std::string();
  };
  std::string primary = field(PG_DIAG_MESSAGE_PRIMARY);
  if (primary.empty()) primary = OneLine(PQresultErrorMessage(res));
  if (primary.empty()) primary = OneLine(PQerrorMessage(conn_));
  if (primary.empty())
    primary = std::string("unexpected result ") + PQresStatus(PQresultStatus(res));
  std::string sqlstate = field(PG_DIAG_SQLSTATE);
  last_error_.sqlstate = sqlstate;
  last_error_.position = std::atoi(field(PG_DIAG_STATEMENT_POSITION).c_str());

  std::string msg = "postgres: " + primary;
  if (std::string d = field(PG_DIAG_MESSAGE_DETAIL); !d.empty()) msg += " DETAIL: " + d;
  if (std::string h = field(PG_DIAG_MESSAGE_HINT); !h.empty()) msg += " HINT: " + h;
  if (std::string c = field(PG_DIAG_CONTEXT); !c.empty()) msg += " CONTEXT: " + c;
  if (!sqlstate.empty()) msg += " (SQLSTATE " + sqlstate + ")";
  msg = Scrub(std::move(msg));

  if (PQstatus(conn_) != CONNECTION_OK)
    return Unavailable("postgres: connection to " + Where() + " lost: " + msg.substr(10));
  return Status(CodeForSqlState(sqlstate), std::move(msg));
}

int64_t PostgresConnection::RowsAffected(const PGresult* res) {
  const char* n = PQcmdTuples(const_cast<PGresult*>(res));
  if (n == nullptr || *n == '\0') return 0;
  return static_cast<int64_t>(std::strtoll(n, nullptr, 10));
}

void PostgresConnection::DrainResults() {
  while (PGresult* r = PQgetResult(conn_)) {
    ExecStatusType st = PQresultStatus(r);
    PQclear(r);
    if (st == PGRES_COPY_IN) {
      if (PQputCopyEnd(conn_, "ferry: COPY abandoned") != 1) break;
    } else if (st == PGRES_COPY_OUT) {
      char* buf = nullptr;
      while (PQgetCopyData(conn_, &buf, 0) > 0) PQfreemem(buf);
    }
    if (PQstatus(conn_) != CONNECTION_OK) break;
  }
}

Status PostgresConnection::Exec(std::string_view sql) {
  FERRY_RETURN_IF_ERROR(StartCall());
  pg::ResultPtr res(PQexec(conn_, std::string(sql).c_str()));
  if (res != nullptr) {
    ExecStatusType st = PQresultStatus(res.get());
    if (st == PGRES_COPY_IN || st == PGRES_COPY_OUT || st == PGRES_COPY_BOTH) {
      // Exec has no data to stream: end the COPY cleanly and say why.
      if (st == PGRES_COPY_IN) (void)PQputCopyEnd(conn_, "ferry: COPY FROM STDIN needs CopyRows()");
      if (st == PGRES_COPY_OUT) {
        char* buf = nullptr;
        while (PQgetCopyData(conn_, &buf, 0) > 0) PQfreemem(buf);
      }
      DrainResults();
      return InvalidArgument("postgres: COPY ... STDIN/STDOUT cannot run through Exec(); use CopyRows()");
    }
  }
  return Check(res.get(), PGRES_COMMAND_OK);
}

Result<pg::ResultPtr> PostgresConnection::Run(std::string_view sql,
                                              const std::vector<Value>& params,
                                              ExecStatusType* status) {
  FERRY_RETURN_IF_ERROR(StartCall());
  pg::EncodedParams p = pg::EncodeParams(params);
  pg::ResultPtr res(PQexecParams(conn_, std::string(sql).c_str(), p.size(), p.types.data(),
                                 p.values.data(), p.lengths.data(), p.formats.data(),
                                 /*resultFormat=*/0));
  FERRY_RETURN_IF_ERROR(Check(res.get(), PGRES_COMMAND_OK));
  *status = PQresultStatus(res.get());
  return res;
}

Result<int64_t> PostgresConnection::Execute(std::string_view sql, const std::vector<Value>& params) {
  ExecStatusType st;
  FERRY_ASSIGN_OR_RETURN(pg::ResultPtr res, Run(sql, params, &st));
  return RowsAffected(res.get());
}

Result<Rows> PostgresConnection::Query(std::string_view sql, const std::vector<Value>& params) {
  ExecStatusType st;
  FERRY_ASSIGN_OR_RETURN(pg::ResultPtr res, Run(sql, params, &st));
  if (st != PGRES_TUPLES_OK) return Rows{};  // a statement that returns no rows
  return pg::DecodeRows(res.get());
}

std::string PostgresConnection::NextStatementName() {
  return "ferry_stmt_" + std::to_string(++statement_counter_);
}

Result<std::unique_ptr<PreparedStatement>> PostgresConnection::Prepare(std::string_view sql) {
  FERRY_RETURN_IF_ERROR(StartCall());
  std::string name = NextStatementName();
  pg::ResultPtr res(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr));
  FERRY_RETURN_IF_ERROR(Check(res.get(), PGRES_COMMAND_OK));
  return std::unique_ptr<PreparedStatement>(new PostgresStatement(this, std::move(name)));
}

void PostgresConnection::ReleaseStatement(const std::string& name) {
  if (PQstatus(conn_) != CONNECTION_OK) return;  // gone with the session
  if (PQtransactionStatus(conn_) == PQTRANS_INERROR) {
    pending_deallocate_.push_back(name);  // would fail now; retried after ROLLBACK
    return;
  }
  PQclear(PQexec(conn_, ("DEALLOCATE " + QuoteIdentifier(name)).c_str()));
}

void PostgresConnection::FlushReleasedStatements() {
  std::vector<std::string> names;
  names.swap(pending_deallocate_);
  for (const std::string& n : names) ReleaseStatement(n);
}

Status PostgresConnection::Begin() {
  if (PQstatus(conn_) == CONNECTION_OK && InTransaction())
    return ExecutionFailed("postgres: cannot BEGIN: a transaction is already in progress");
  return Exec("BEGIN");
}

Status PostgresConnection::Commit() {
  FERRY_RETURN_IF_ERROR(StartCall());
  pg::ResultPtr res(PQexec(conn_, "COMMIT"));
  FERRY_RETURN_IF_ERROR(Check(res.get(), PGRES_COMMAND_OK));
  FlushReleasedStatements();
  // PostgreSQL answers COMMIT of an aborted transaction with "ROLLBACK" and
  // no error; to the caller that is a failed commit.
  if (std::string_view(PQcmdStatus(res.get())) == "ROLLBACK")
    return ExecutionFailed(
        "postgres: COMMIT rolled back: the transaction was aborted by an earlier error");
  return Status::OK();
}

Status PostgresConnection::Rollback() {
  FERRY_RETURN_IF_ERROR(StartCall());
  if (PQtransactionStatus(conn_) == PQTRANS_IDLE) return Status::OK();  // nothing open
  pg::ResultPtr res(PQexec(conn_, "ROLLBACK"));
  FERRY_RETURN_IF_ERROR(Check(res.get(), PGRES_COMMAND_OK));
  FlushReleasedStatements();
  return Status::OK();
}

bool PostgresConnection::InTransaction() const {
  PGTransactionStatusType t = PQtransactionStatus(conn_);
  return t == PQTRANS_INTRANS || t == PQTRANS_INERROR;
}

std::string PostgresConnection::QuoteIdentifier(std::string_view name) const {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + "\"";
}

Result<bool> PostgresConnection::TableExists(std::string_view table) {
  // quote_ident makes the name exact (no case folding); to_regclass then
  // resolves it through search_path (temp schema first) as a bare name in
  // SQL would, and gives NULL instead of an error when nothing matches.
  FERRY_ASSIGN_OR_RETURN(
      Rows rows, Query("SELECT to_regclass(quote_ident($1)) IS NOT NULL", {std::string(table)}));
  return rows.size() == 1 && rows.GetInt(0, 0).value_or(0) == 1;
}

}  // namespace ferry
