#include "db/mysql/mysql_database.h"

#include "db/mysql/mysql_connection.h"

namespace ferry {

Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl& url, Env* /*env*/) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<MysqlConnection> conn, MysqlConnection::Connect(url));
  return std::unique_ptr<Database>(std::move(conn));
}

unsigned int MysqlLastErrno(const Database& db) {
  auto* my = dynamic_cast<const MysqlConnection*>(&db);
  return my ? my->last_errno() : 0;
}

}  // namespace ferry
