// DuckDB adapter (DuckDB's C API, libduckdb from scripts/fetch-duckdb.sh).
//
//   duckdb:app.duckdb   duckdb:/abs/path.duckdb   duckdb::memory:
//   duckdb:app.duckdb?access_mode=read_only&threads=4&memory_limit=1GB&busy_timeout_ms=5000
//
// Opening
// - One process-wide instance cache (duckdb_get_or_create_from_cache): every
//   Database opened on the same file in this process is its own connection
//   to one shared DuckDB instance, as DuckDB requires (two instances on one
//   file would each think they own it). The instance closes, and the file
//   lock is released, when the last Database on it is destroyed.
// - Another process holding the file (DuckDB takes an exclusive lock for
//   read-write) is waited for up to `busy_timeout_ms` (default 5000, as for
//   SQLite), then Locked; a missing folder is Unavailable; a file that is
//   not a DuckDB database is Corruption. Query parameters are DuckDB
//   settings (duckdb_set_config); an unknown one is InvalidArgument.
// - `duckdb::memory:` is a private in-memory database per Open().
//
// Running SQL
// - `$1..$n` are DuckDB's own parameter spelling. Values bind typed: NULL,
//   BIGINT, DOUBLE (NaN, +-inf), VARCHAR, BLOB (NUL bytes kept); DuckDB casts
//   them to the column's type on INSERT (text into TIMESTAMP, UUID, ...).
// - Results are read chunk by chunk (duckdb_fetch_chunk; none of the
//   deprecated duckdb_value_* calls). Column types map: BOOLEAN -> int64 0/1;
//   TINYINT..BIGINT, UTINYINT..UBIGINT, HUGEINT, UHUGEINT -> int64 (text when
//   the value does not fit); FLOAT, DOUBLE -> double; VARCHAR (and JSON),
//   ENUM -> text; BLOB -> Blob; DECIMAL -> exact decimal text; DATE ->
//   "YYYY-MM-DD"; TIMESTAMP[_S|_MS|_NS] -> "YYYY-MM-DD HH:MM:SS[.ffffff]";
//   TIMESTAMPTZ -> the same in UTC with "+00"; TIME, TIMETZ; UUID -> text;
//   INTERVAL -> "N months N days N microseconds". Nested types (LIST,
//   STRUCT, MAP, ARRAY, UNION) and BIT/VARINT are ExecutionFailed naming the
//   column: cast them to VARCHAR in the query.
// - Transactions: BEGIN TRANSACTION / COMMIT / ROLLBACK. DDL is
//   transactional. DuckDB is single-writer per file (optimistic concurrency
//   across connections: a conflicting write fails instead of waiting).
//
// Errors: ExecutionFailed "duckdb: <DuckDB's message>"; I/O trouble is
// IOError; a lost file lock Locked; open failures as above.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"

namespace ferry {

Result<std::unique_ptr<Database>> OpenDuckdbDatabase(const DatabaseUrl& url, Env* env);

// The DuckDB bulk path: appends rows to `table` (the named columns, each row
// one Value per column) through DuckDB's Appender, inside the connection's
// current transaction if one is open, so a caller can commit the rows
// together with other writes or roll all of them back. Values are cast to the
// column types as INSERT would. On error nothing of this call is appended
// once the caller rolls back. InvalidArgument when `db` is not DuckDB.
Status AppendRows(Database* db, std::string_view table, const std::vector<std::string>& columns,
                  const std::vector<std::vector<Value>>& rows);

}  // namespace ferry
