// PostgresStatement: a server-side prepared statement (PQprepare) under a
// unique name on one connection; DEALLOCATEd when destroyed. Must be
// destroyed before its PostgresConnection (the Database contract).
#pragma once

#include <string>
#include <vector>

#include "db/database.h"
#include "db/postgres/postgres_codec.h"

namespace ferry {

class PostgresConnection;

class PostgresStatement final : public PreparedStatement {
 public:
  PostgresStatement(PostgresConnection* conn, std::string name)
      : conn_(conn), name_(std::move(name)) {}
  ~PostgresStatement() override;
  PostgresStatement(const PostgresStatement&) = delete;
  PostgresStatement& operator=(const PostgresStatement&) = delete;

  Result<int64_t> Execute(const std::vector<Value>& params) override;
  Result<Rows> Query(const std::vector<Value>& params) override;

 private:
  Result<pg::ResultPtr> Run(const std::vector<Value>& params);

  PostgresConnection* conn_;
  std::string name_;
};

}  // namespace ferry
