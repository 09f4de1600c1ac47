// Parquet export through DuckDB (duckdb_parquet_export.cc). export_import.cc
// dispatches --format parquet here.
#pragma once

#include <string>

#include "db/database.h"
#include "jobs/copy/export_import.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

// Whether this build has DuckDB, and so Parquet.
bool ParquetBuiltIn();
std::string ParquetNotBuiltInMessage();

// Exports `schema` (already mapped) of `db` to options.out as Parquet.
// InvalidArgument(ParquetNotBuiltInMessage()) in a build without DuckDB.
Result<ExportReport> ExportParquet(Database* db, const ExportOptions& options,
                                   const TableSchema& schema, Env* env);

}  // namespace ferry
