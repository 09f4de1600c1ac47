// Pieces of the DuckDB adapter shared by its files; not part of the seam.
#pragma once

#include <duckdb.h>

#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"

namespace ferry::duckdb_internal {

// One connection and what the adapter tracks about it. Owned by the
// DuckdbDatabase; prepared statements borrow it.
struct Session {
  duckdb_database db = nullptr;
  duckdb_connection conn = nullptr;
  bool in_transaction = false;  // DuckDB's C API does not report it: tracked here
  // A statement failed inside the open transaction. DuckDB may then have
  // aborted it, and a COMMIT of an aborted transaction silently rolls back:
  // Commit() checks, so that it can say so.
  bool failed_in_transaction = false;
};

// "duckdb: <message>" with a code picked from DuckDB's error type.
Status ErrorStatus(duckdb_error_type type, std::string_view message);
// The error of a failed duckdb_query/duckdb_execute_prepared result.
Status ResultError(duckdb_result* result);

// Binds params to $1..$n of stmt (clearing earlier bindings). InvalidArgument
// when the statement wants more parameters than given.
Status BindParams(duckdb_prepared_statement stmt, const std::vector<Value>& params);

// Reads a successful result: every row into *out when out is non-null (and
// the column names), and returns the rows changed (INSERT/UPDATE/DELETE).
Result<int64_t> ReadResult(duckdb_result* result, Rows* out);

// After a successful statement of type TRANSACTION, updates in_transaction
// from its first keyword (BEGIN/START vs COMMIT/END/ROLLBACK/ABORT).
void TrackTransaction(Session* s, duckdb_statement_type type, std::string_view sql);

// Records a failed statement (see Session::failed_in_transaction); returns st.
Status NoteFailure(Session* s, Status st);

// The session of a DuckDB Database, or nullptr for any other engine.
Session* SessionOf(Database* db);

}  // namespace ferry::duckdb_internal
