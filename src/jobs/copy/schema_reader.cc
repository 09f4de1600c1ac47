#include "jobs/copy/schema_reader.h"

#include "jobs/copy/duckdb_copy.h"

#include "jobs/copy/mysql_copy.h"

namespace ferry {

Result<std::unique_ptr<SchemaReader>> NewSchemaReader(Database* db) {
  switch (db->dialect()) {
    case Dialect::kSqlite:
      return NewSqliteSchemaReader(db);
    case Dialect::kPostgres:
      return NewPostgresSchemaReader(db);
    case Dialect::kDuckdb:
      return NewDuckdbSchemaReader(db);
    case Dialect::kMysql:
      return NewMysqlSchemaReader(db);
    default:
      return InvalidArgument("copy: no schema reader for engine " + std::string(db->engine()) +
                             " yet (sqlite and postgres are supported)");
  }
}

}  // namespace ferry
