#include "db/postgres/postgres_database.h"

#include "db/postgres/postgres_connection.h"

namespace ferry {

Result<std::unique_ptr<Database>> OpenPostgresDatabase(const DatabaseUrl& url, Env* /*env*/) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<PostgresConnection> conn, PostgresConnection::Connect(url));
  return std::unique_ptr<Database>(std::move(conn));
}

PostgresErrorInfo PostgresLastError(const Database& db) {
  auto* pg = dynamic_cast<const PostgresConnection*>(&db);
  return pg ? pg->last_error() : PostgresErrorInfo{};
}

int PostgresErrorLine(std::string_view sql, int position) {
  if (position <= 0) return 0;
  int line = 1;
  int chars = 0;
  for (unsigned char c : sql) {
    if ((c & 0xC0) == 0x80) continue;  // UTF-8 continuation byte: same character
    if (++chars == position) return line;
    if (c == '\n') ++line;
  }
  return 0;
}

bool SetPostgresNoticeHandler(Database* db, PostgresNoticeHandler handler) {
  auto* pg = dynamic_cast<PostgresConnection*>(db);
  if (pg == nullptr) return false;
  pg->set_notice_handler(std::move(handler));
  return true;
}

}  // namespace ferry
