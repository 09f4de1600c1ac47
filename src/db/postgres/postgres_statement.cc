#include "db/postgres/postgres_statement.h"

#include "db/postgres/postgres_connection.h"

namespace ferry {

PostgresStatement::~PostgresStatement() { conn_->ReleaseStatement(name_); }

Result<pg::ResultPtr> PostgresStatement::Run(const std::vector<Value>& params) {
  FERRY_RETURN_IF_ERROR(conn_->StartCall());
  pg::EncodedParams p = pg::EncodeParams(params);
  pg::ResultPtr res(PQexecPrepared(conn_->conn(), name_.c_str(), p.size(), p.values.data(),
                                   p.lengths.data(), p.formats.data(), /*resultFormat=*/0));
  FERRY_RETURN_IF_ERROR(conn_->Check(res.get(), PGRES_COMMAND_OK));
  return res;
}

Result<int64_t> PostgresStatement::Execute(const std::vector<Value>& params) {
  FERRY_ASSIGN_OR_RETURN(pg::ResultPtr res, Run(params));
  return PostgresConnection::RowsAffected(res.get());
}

Result<Rows> PostgresStatement::Query(const std::vector<Value>& params) {
  FERRY_ASSIGN_OR_RETURN(pg::ResultPtr res, Run(params));
  if (PQresultStatus(res.get()) != PGRES_TUPLES_OK) return Rows{};
  return pg::DecodeRows(res.get());
}

}  // namespace ferry
