// DuckDB parts of copy, verify and export. Shared files (schema_reader.cc,
// type_mapper.cc, table_writer.cc) only dispatch here for Dialect::kDuckdb.
//
// Types (DuckDB -> logical), as duckdb_columns() spells them:
//   BOOLEAN                                     boolean
//   TINYINT..BIGINT, UTINYINT..UINTEGER         integer
//   UBIGINT, HUGEINT, UHUGEINT                  numeric (they do not fit in 64 bits)
//   FLOAT, DOUBLE                               real
//   DECIMAL(p,s)                                numeric
//   VARCHAR                                     text
//   BLOB                                        blob
//   TIMESTAMP, TIMESTAMP_S/_MS/_NS              timestamp
//   TIMESTAMP WITH TIME ZONE                    timestamptz
//   DATE                                        date
//   JSON                                        json
//   UUID                                        uuid
//   anything else (TIME, INTERVAL, LIST, ...)   an error naming table.column, unless --map
//
// Types (logical -> DuckDB): integer BIGINT, real DOUBLE, text VARCHAR,
// blob BLOB, boolean BOOLEAN, timestamp TIMESTAMP, timestamptz TIMESTAMPTZ,
// date DATE, json JSON, uuid UUID, numeric DECIMAL(p,s) when p <= 38
// (DuckDB's limit), else VARCHAR: exact digits, never rounded through
// DuckDB's default DECIMAL(18,3).
//
// Writing goes through DuckDB's Appender (AppendRows), inside the copier's
// batch transaction, so a batch and its checkpoint commit together.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/schema_reader.h"
#include "jobs/copy/table_schema.h"
#include "jobs/copy/table_writer.h"

namespace ferry {

std::unique_ptr<SchemaReader> NewDuckdbSchemaReader(Database* db);

// MapDeclaredType() for Dialect::kDuckdb.
std::optional<LogicalType> MapDuckdbDeclaredType(const std::string& declared, std::string* type_args);

// TargetColumnType() for Dialect::kDuckdb.
std::string DuckdbColumnType(const ColumnSchema& column);

// The Appender writer; InvalidArgument when DuckDB is not built in.
Result<std::unique_ptr<TableWriter>> NewDuckdbTableWriter(Database* db, const std::string& table,
                                                          const std::vector<std::string>& columns);

}  // namespace ferry
