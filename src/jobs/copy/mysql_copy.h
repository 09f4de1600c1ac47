// MySQL/MariaDB parts of copy, verify, export and import: the schema reader,
// the type mapping in both directions, how values are carried into MySQL,
// the bulk writer and the checkpoint table's SQL. Shared files
// (schema_reader.cc, type_mapper.cc, canonical.cc, table_writer.cc, the SQL
// endpoint) only dispatch here when the dialect is Dialect::kMysql.
//
// Types (MySQL -> logical)
//   tinyint(1), bool, boolean, bit(1)          boolean
//   tinyint..bigint, year, bit(n>1)            integer   (bigint unsigned: numeric,
//                                                         it does not fit in 64 bits)
//   float, double, real                        real
//   decimal(p,s), numeric(p,s)                 numeric
//   char, varchar, *text, enum, set, time      text
//   binary, varbinary, *blob                   blob
//   datetime                                   timestamp
//   timestamp                                  timestamptz (a UTC instant; the session
//                                                          time zone is +00:00)
//   date                                       date
//   json (MySQL; MariaDB's alias is longtext
//         with a json_valid check)             json
//   uuid (MariaDB 10.7+)                       uuid
//   anything else (geometry, ...)              an error naming table.column, unless --map
// Columns ferry creates carry a COMMENT 'ferry:<logical type>' where MySQL's
// own type would lose it (timestamptz, uuid, json, unbounded numeric), and the
// reader honours it, so a copy out of MySQL keeps the types a copy into it had.
//
// Types (logical -> MySQL), tables are InnoDB, utf8mb4, COLLATE utf8mb4_bin
// (keys compare byte-wise as they do in SQLite and PostgreSQL):
//   integer BIGINT, real DOUBLE, boolean TINYINT(1), date DATE,
//   timestamp DATETIME(6), timestamptz DATETIME(6) holding UTC (TIMESTAMP would
//   stop at 2038), text LONGTEXT, blob LONGBLOB (VARCHAR(255)/VARBINARY(255)
//   in a primary key, which cannot index LONGTEXT), json JSON, uuid CHAR(36),
//   numeric DECIMAL(p,s) when p <= 65 and s <= 30, else LONGTEXT (exact digits).
//
// Values: MySQL's DOUBLE holds no NaN or infinity. Writing one is an
// InvalidArgument naming table.column and the row's key; nothing of the
// batch is written (the caller's transaction rolls back).
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

std::unique_ptr<SchemaReader> NewMysqlSchemaReader(Database* db);

// MapDeclaredType() for Dialect::kMysql (declared = information_schema
// COLUMN_TYPE, or "<type> /*ferry:<logical>*/" as the reader reports a hint).
std::optional<LogicalType> MapMysqlDeclaredType(const std::string& declared, std::string* type_args);

// TargetColumnType() for Dialect::kMysql; `in_key` picks an indexable type.
std::string MysqlColumnType(const ColumnSchema& column, bool in_key);

// CreateTableSql() for Dialect::kMysql. Text key columns get
// `key_collation` (MysqlKeyCollation), so keys stay as distinct as in the source.
std::string MysqlCreateTableSql(const Database& db, const TableSchema& schema,
                                const std::string& key_collation = "utf8mb4_bin");

// Text keys (mysql_key_collation.cc). MySQL compares keys by collation, and
// PAD SPACE collations (utf8mb4_bin among them) make 'a' and 'a ' one key.
// The NO PAD binary collation of this server for the text key columns ferry
// creates: utf8mb4_nopad_bin (MariaDB), utf8mb4_0900_bin (MySQL 8), else
// utf8mb4_bin (a collision is then reported by ExplainMysqlKeyCollision).
Result<std::string> MysqlKeyCollation(Database* db);
// Whether a collation ignores trailing spaces ("" = a binary string: no).
bool MysqlCollationPadsSpace(const std::string& collation);
struct MysqlKeyColumnCollation {
  std::string column;
  std::string collation;  // "" for binary and non-string columns
};
// The primary key columns of `table` with their collations.
Result<std::vector<MysqlKeyColumnCollation>> MysqlKeyCollations(Database* db, const std::string& table);
// A duplicate-key error (1062) of an INSERT into a table whose key has a
// text column becomes an InvalidArgument naming table.column, its collation
// and the server's "Duplicate entry '...'" (the key); other errors pass.
Status ExplainMysqlKeyCollision(const std::string& table,
                                const std::vector<MysqlKeyColumnCollation>& key, Status st);

// CarryValue() for a MySQL target: timestamps become "YYYY-MM-DD
// HH:MM:SS.ffffff" (timestamptz converted to UTC), which every MySQL accepts.
Value CarryMysqlValue(LogicalType type, Value v);

// Multi-row INSERTs, sized to stay under max_allowed_packet.
Result<std::unique_ptr<TableWriter>> NewMysqlTableWriter(Database* db, const std::string& table,
                                                         const std::vector<std::string>& columns);

// The checkpoint table (kCheckpointTable) and its upsert, in MySQL's words.
std::string MysqlCheckpointTableSql();
std::string MysqlSaveCheckpointSql();

}  // namespace ferry
