// The one table that maps URL schemes to database adapters. A new engine adds
// one line here (guarded by its CMake option) and nothing else in core.
#include <algorithm>

#include "db/database.h"
#include "db/sqlite/sqlite_database.h"
#ifdef FERRY_WITH_DUCKDB
#include "db/duckdb/duckdb_database.h"
#endif
#ifdef FERRY_WITH_POSTGRES
#include "db/postgres/postgres_database.h"
#endif
#ifdef FERRY_WITH_MYSQL
#include "db/mysql/mysql_database.h"
#endif

namespace ferry {
namespace {

using Factory = Result<std::unique_ptr<Database>> (*)(const DatabaseUrl&, Env*);

struct Entry {
  const char* scheme;
  Factory open;
};

constexpr Entry kEngines[] = {
    {"sqlite", &OpenSqliteDatabase},
#ifdef FERRY_WITH_DUCKDB
    {"duckdb", &OpenDuckdbDatabase},
#endif
#ifdef FERRY_WITH_POSTGRES
    {"postgres", &OpenPostgresDatabase},
#endif
#ifdef FERRY_WITH_MYSQL
    {"mysql", &OpenMysqlDatabase},  // also mariadb:// (DatabaseUrl::Parse renames it)
#endif
};

}  // namespace

std::vector<std::string> DatabaseSchemes() {
  std::vector<std::string> out;
  for (const Entry& e : kEngines) out.emplace_back(e.scheme);
  return out;
}

Result<std::unique_ptr<Database>> OpenDatabase(const DatabaseUrl& url, Env* env) {
  for (const Entry& e : kEngines) {
    if (url.scheme == e.scheme) return e.open(url, env);
  }
  std::string known;
  for (const Entry& e : kEngines) known += (known.empty() ? "" : ", ") + std::string(e.scheme);
  return NotFound("no database engine for scheme \"" + url.scheme + "\" in " + url.Redacted() +
                  " (built in: " + known + ")");
}

Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, Env* env) {
  FERRY_ASSIGN_OR_RETURN(DatabaseUrl parsed, DatabaseUrl::Parse(url));
  return OpenDatabase(parsed, env);
}

}  // namespace ferry
