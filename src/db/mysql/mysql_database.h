// MySQL / MariaDB adapter (MariaDB Connector/C, libmariadb).
//
//   mysql://user:pass@host:3306/db?connect_timeout=5     (also mariadb://)
//   mysql://user:pass@localhost/db?socket=/run/mysqld/mysqld.sock
//
// Connecting
// - User, password, host, port (default 3306) and database go to
//   mysql_real_connect as separate arguments. Query parameters:
//   connect_timeout (s, default 10), read_timeout / write_timeout (s, default
//   none), socket (a Unix socket path), tls=require|verify (verify checks the
//   server certificate against tls_ca). A refused, unreachable or rejected
//   connection is Unavailable naming host:port and the redacted URL.
// - Every session is set up the same way, whatever the server's defaults:
//   character set utf8mb4 (Values are UTF-8; 4-byte characters included),
//   time_zone '+00:00' (TIMESTAMP values read the same from any client), and
//   sql_mode STRICT_ALL_TABLES, NO_ZERO_DATE, NO_ZERO_IN_DATE,
//   ERROR_FOR_DIVISION_BY_ZERO, NO_ENGINE_SUBSTITUTION (bad data is an error,
//   never silently truncated or zeroed) and NO_AUTO_VALUE_ON_ZERO (a copied 0
//   in an AUTO_INCREMENT column stays 0, as mysqldump arranges too).
// - Not ANSI_QUOTES: "..." stays a string literal, as in the MySQL that
//   migration files and mysqldump output are written for, and as ferry's
//   statement splitter lexes Dialect::kMysql. ferry's own SQL quotes names
//   with QuoteIdentifier (backticks), so it never needs ANSI_QUOTES either.
// - CLIENT_FOUND_ROWS: UPDATE reports rows matched, not rows changed, like
//   PostgreSQL and SQLite. LOCAL INFILE is off.
//
// Running SQL
// - Exec() uses the text protocol; several statements separated by ';' run
//   one after the other (each in autocommit unless a transaction is open);
//   the first error stops the rest.
// - Execute/Query/Prepare use server-side prepared statements. `$1..$n` are
//   rewritten to `?` outside quotes and comments (mysql_params.h); a
//   parameter may repeat or come out of order. Values bind by kind: NULL,
//   BIGINT, DOUBLE, string (utf8mb4) and BLOB (any bytes, 0 included). A NaN
//   or infinite double is InvalidArgument: MySQL's DOUBLE cannot hold them.
// - Result columns map by type: integer types -> int64 (BIGINT UNSIGNED
//   above INT64_MAX -> text), FLOAT/DOUBLE -> double, BIT -> int64, binary
//   strings and BLOBs -> Blob, everything else (DECIMAL, dates and times,
//   JSON, ENUM, SET, text) -> text in MySQL's spelling.
// - DDL commits implicitly (capabilities().transactional_ddl is false):
//   a CREATE TABLE inside Begin() commits what came before it, and
//   InTransaction() then says false, as the server reports it.
//
// Errors
// - Statement errors: ExecutionFailed "mysql: <message> (error 1146,
//   SQLSTATE 42S02)"; a parse error (1064) reads "mysql: syntax error: ...".
//   Lock wait timeouts (1205) are Locked, statement timeouts (1969, 3024)
//   Timeout. A lost or refused connection (2002, 2003, 2005, 2006, 2013,
//   2055, server shutdown, killed connection) is Unavailable; the adapter
//   never reconnects (locks, session settings and the transaction went with
//   the session).
// - Every message passes RedactSecrets() and has the URL's password (3+
//   characters) replaced by "***".
//
// Thread-safety: as every Database, one connection used by one thread.
#pragma once

#include <memory>

#include "db/database.h"

namespace ferry {

Result<std::unique_ptr<Database>> OpenMysqlDatabase(const DatabaseUrl& url, Env* env);

// The MySQL error number of the last failed call on a mysql Database (0 when
// it succeeded, failed client-side, or `db` is another engine), so callers
// can tell e.g. a duplicate key (1062) from other failures.
unsigned int MysqlLastErrno(const Database& db);

}  // namespace ferry
