// Binding ferry Values to MySQL prepared statements and reading typed result
// rows back (internal to the mysql adapter). No policy here: errors from the
// client library come back as the raw errno/message for the connection to
// classify (mysql_connection.cc).
#pragma once

#include <mysql.h>

#include <cstdint>
#include <string>
#include <vector>

#include "db/mysql/mysql_params.h"
#include "db/value.h"
#include "ferry/status.h"

namespace ferry::mysql {

// Parameters laid out for mysql_stmt_bind_param: one MYSQL_BIND per `?`,
// pointing into `values` (which must outlive the execute call; not copyable,
// since the binds hold pointers into this object).
struct BoundParams {
  std::vector<MYSQL_BIND> binds;
  std::vector<unsigned long> lengths;
  std::vector<Value> values;  // a copy per `?`: a repeated $N appears twice
  BoundParams() = default;
  BoundParams(const BoundParams&) = delete;
  BoundParams& operator=(const BoundParams&) = delete;
};

// Lays out `params` for the placeholders of `sql`. InvalidArgument when a
// `$N` has no value, or when a double is NaN or infinite: MySQL's DOUBLE
// cannot hold them and the server would store something else or fail
// obscurely, so the error names the parameter instead.
Status BindParams(const TranslatedSql& sql, const std::vector<Value>& params, BoundParams* out);

// The client library's view of a failure: errno, SQLSTATE, message.
struct ClientError {
  unsigned int code = 0;
  std::string sqlstate;
  std::string message;
};
ClientError StmtError(MYSQL_STMT* stmt);

// Runs a prepared statement with `bound` and reads every row of its result
// set (if it has one) into *rows; *affected gets the rows-affected count of a
// statement without a result. Returns false with *err set on failure.
bool ExecuteAndFetch(MYSQL_STMT* stmt, BoundParams* bound, Rows* rows, int64_t* affected,
                     ClientError* err);

}  // namespace ferry::mysql
