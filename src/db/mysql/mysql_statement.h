// MysqlStatement: a server-side prepared statement (mysql_stmt_prepare) on
// one connection; closed when destroyed. Must be destroyed before its
// MysqlConnection (the Database contract).
#pragma once

#include <mysql.h>

#include "db/database.h"
#include "db/mysql/mysql_params.h"

namespace ferry {

class MysqlConnection;

class MysqlStatement final : public PreparedStatement {
 public:
  MysqlStatement(MysqlConnection* conn, MYSQL_STMT* stmt, mysql::TranslatedSql sql)
      : conn_(conn), stmt_(stmt), sql_(std::move(sql)) {}
  ~MysqlStatement() override { mysql_stmt_close(stmt_); }
  MysqlStatement(const MysqlStatement&) = delete;
  MysqlStatement& operator=(const MysqlStatement&) = delete;

  Result<int64_t> Execute(const std::vector<Value>& params) override;
  Result<Rows> Query(const std::vector<Value>& params) override;

 private:
  MysqlConnection* conn_;
  MYSQL_STMT* stmt_;
  mysql::TranslatedSql sql_;
};

}  // namespace ferry
