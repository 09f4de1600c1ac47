// PostgreSQL adapter (libpq).
//
//   postgres://user:pass@host:5432/db?sslmode=require&connect_timeout=5
//
// Connecting
// - The URL's user, password, host, port and database go to
//   PQconnectdbParams as separate keywords (never pasted into a conninfo
//   string, so no quoting issues). Query parameters that libpq knows
//   (sslmode, sslrootcert, connect_timeout, options, target_session_attrs,
//   application_name, ...) are passed through; unknown ones are ignored.
//   Defaults: connect_timeout=10, application_name=ferry.
// - A refused, unreachable or rejected (auth, missing database) connection is
//   Unavailable naming host:port and the redacted URL.
//
// Running SQL
// - Exec() uses the simple protocol (PQexec): several statements separated
//   by ';' run as one implicit transaction unless the text has BEGIN/COMMIT.
// - Execute/Query/Prepare use the extended protocol; `$1..$n` are native.
//   Parameters go in text format with no declared type, so the server infers
//   it from context (`WHERE id = $1` works for int and text columns alike);
//   a Blob goes in binary format declared as bytea. Write `$1::int8` where
//   the context does not say (a bare `SELECT $1` comes back as text).
// - Result columns map by type: int2/int4/int8/oid -> int64, float4/float8 ->
//   double (NaN and +-Infinity included), bool -> int64 0/1, bytea -> Blob,
//   everything else (numeric, timestamps, json, uuid, arrays) -> text in
//   PostgreSQL's own spelling.
// - COMMIT of a transaction that an earlier error aborted is ExecutionFailed
//   (PostgreSQL itself silently turns it into ROLLBACK).
//
// Errors
// - Statement errors: ExecutionFailed "postgres: <message> DETAIL: ...
//   HINT: ... (SQLSTATE 42601)". Exceptions: lock_not_available (55P03) is
//   Locked, query_canceled (57014, statement_timeout) is Timeout, connection
//   classes (08xxx, 57P01..57P03) are Unavailable.
// - A connection lost mid-call is Unavailable; the adapter does not
//   reconnect (the session's locks and transaction are gone: the caller must
//   decide). Every later call on that Database is Unavailable too.
// - Every message passes RedactSecrets() and has every occurrence of the
//   URL's password (3+ characters; shorter ones are only redacted in URL and
//   key=value forms) replaced by "***": a password never appears in a Status,
//   not even echoed back inside a server error.
// - PostgresLastError() gives the SQLSTATE and statement position of the
//   last failure, so callers can point at a line of a migration file.
//
// NOTICE/WARNING messages from the server never reach the console; they are
// dropped unless a handler is set with SetPostgresNoticeHandler().
//
// Thread-safety: as every Database, one connection used by one thread.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"

namespace ferry {

Result<std::unique_ptr<Database>> OpenPostgresDatabase(const DatabaseUrl& url, Env* env);

// What the server said about the most recent failed call on a postgres
// Database. Reset by every call, so read it right after the failing one.
struct PostgresErrorInfo {
  std::string sqlstate;  // e.g. "42601"; empty if the last call succeeded or failed client-side
  // 1-based position in *characters* (not bytes) of the statement text where
  // the server located the error; 0 when it gave none. Turn it into a line
  // with PostgresErrorLine().
  int position = 0;
};

// The last error's details; an empty PostgresErrorInfo when `db` is not a
// postgres Database (so callers need not check the engine first).
PostgresErrorInfo PostgresLastError(const Database& db);

// The 1-based line of `sql` holding the 1-based character `position` (UTF-8
// aware, as PostgreSQL counts); 0 when position is 0 or past the end.
int PostgresErrorLine(std::string_view sql, int position);

// Receives server NOTICE/WARNING/INFO messages ("NOTICE", "table \"t\" does
// not exist, skipping"). Called on the thread running the statement, during
// the call. Pass nullptr to drop them again (the default). Returns false
// (and does nothing) when `db` is not a postgres Database.
using PostgresNoticeHandler =
    std::function<void(std::string_view severity, std::string_view message)>;
bool SetPostgresNoticeHandler(Database* db, PostgresNoticeHandler handler);

// Bulk load: appends `rows` to `table` with COPY ... FROM STDIN (text format),
// one round trip for the lot. `table` and `columns` are bare names (quoted
// here; the table is resolved through search_path); empty `columns` means all
// columns in table order. Each row must have one Value per column
// (InvalidArgument otherwise, naming the row, and nothing is loaded). Text is
// escaped for COPY (\t \n \r \\), NULL is \N, a Blob goes as bytea hex.
//
// Atomicity: COPY is one statement, so a failure (bad value, constraint)
// loads nothing; the error names the COPY line the server rejected. Inside a
// transaction the rows become visible on Commit. InvalidArgument when `db`
// is not a postgres Database.
Status CopyRows(Database* db, std::string_view table, const std::vector<std::string>& columns,
                const std::vector<std::vector<Value>>& rows);

// Streaming COPY, for dumps and reloads of whole tables (the COPY-based
// archive). `sql` is a complete `COPY ... TO STDOUT` / `COPY ... FROM STDIN`
// statement (the caller quotes names and picks the format).
//
// CopyOut hands each chunk libpq returns (one row per chunk in text format)
// to `sink` as it arrives; nothing is buffered here. If `sink` fails the
// server is asked to cancel, the remaining data is dropped and the sink's
// error returned. CopyIn calls `source` to fill up to `capacity` bytes until
// it returns 0 (end of data); a failing source ends the COPY with an error
// message, so the server loads nothing. Both return the number of rows the
// server reports in the COPY's command tag. Errors
// name what the server said (the failing COPY line for bad input).
// InvalidArgument when `db` is not a postgres Database.
using CopyOutSink = std::function<Status(std::string_view chunk)>;
using CopyInSource = std::function<Result<size_t>(char* buffer, size_t capacity)>;
inline constexpr size_t kCopyStreamChunkBytes = 1 << 20;
Result<int64_t> CopyOut(Database* db, std::string_view sql, const CopyOutSink& sink);
Result<int64_t> CopyIn(Database* db, std::string_view sql, const CopyInSource& source);

// True when CopyOut/CopyIn can run on `db`: a libpq connection of this
// adapter, not another engine nor a wrapper around one (a test double).
bool CanStreamCopy(Database* db);

}  // namespace ferry
