// SchemaReader: lists tables and reads their columns, declared types,
// nullability and primary key, one implementation per engine
// (sqlite_schema_reader.cc, postgres_schema_reader.cc).
//
// Types are returned as declared; MapTableTypes() (type_mapper.h) turns them
// into logical types. Not thread-safe: it uses the Database it was given,
// which must outlive it.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

class SchemaReader {
 public:
  virtual ~SchemaReader() = default;
  // User tables in name order (ferry_copy_checkpoints excluded).
  virtual Result<std::vector<std::string>> ListTables() = 0;
  // NotFound naming the table when it does not exist.
  virtual Result<TableSchema> ReadTable(const std::string& table) = 0;
};

std::unique_ptr<SchemaReader> NewSqliteSchemaReader(Database* db);
std::unique_ptr<SchemaReader> NewPostgresSchemaReader(Database* db);

// The reader for db's dialect; InvalidArgument for an engine without one.
Result<std::unique_ptr<SchemaReader>> NewSchemaReader(Database* db);

// The table copy keeps its per-table checkpoints in, on the target.
inline constexpr const char* kCheckpointTable = "ferry_copy_checkpoints";

}  // namespace ferry
