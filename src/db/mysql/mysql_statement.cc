#include "db/mysql/mysql_statement.h"

#include "db/mysql/mysql_connection.h"

namespace ferry {

Result<int64_t> MysqlStatement::Execute(const std::vector<Value>& params) {
  Rows rows;
  int64_t affected = 0;
  FERRY_RETURN_IF_ERROR(conn_->RunHandle(stmt_, sql_, params, &rows, &affected));
  return affected;
}

Result<Rows> MysqlStatement::Query(const std::vector<Value>& params) {
  Rows rows;
  int64_t affected = 0;
  FERRY_RETURN_IF_ERROR(conn_->RunHandle(stmt_, sql_, params, &rows, &affected));
  return rows;
}

}  // namespace ferry
