// Type mapping between engines.
//
// A declared type maps to a LogicalType (table_schema.h):
//   integer   int, integer, bigint, smallint, int2/4/8, tinyint, serial, bigserial
//   real      real, double precision, float, float4/8, double
//   text      text, varchar, character varying, char, character, bpchar, clob, citext, name
//   blob      bytea, blob
//   boolean   boolean, bool
//   timestamp timestamp [without time zone], datetime
//   timestamptz  timestamp with time zone, timestamptz
//   date      date
//   json      json, jsonb
//   uuid      uuid
//   numeric   numeric[(p,s)], decimal[(p,s)]  (SQLite target: NUMERIC_TEXT, so
//             digits are kept as text instead of rounding through REAL)
// SQLite's other declared types follow its affinity rules (INT -> integer;
// CHAR/CLOB/TEXT -> text; REAL/FLOA/DOUB -> real; anything else -> numeric).
// A column without a declared type (SQLite) or any other PostgreSQL type
// (interval, arrays, inet, ...) cannot be mapped: InvalidArgument naming
// table.column, unless an override (--map [table.]column=TYPE, TYPE one of
// the logical names) says how to carry it.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

// The logical type of a declared type, or nullopt when there is none.
// `type_args` receives "(p,s)" for numerics.
std::optional<LogicalType> MapDeclaredType(Dialect dialect, const std::string& declared,
                                           std::string* type_args = nullptr);

// "integer" -> kInteger, ...; nullopt for an unknown name.
std::optional<LogicalType> ParseLogicalType(const std::string& name);

// --map overrides: "column=TYPE" (any table) or "table.column=TYPE".
struct TypeOverrides {
  std::map<std::string, LogicalType> by_column;  // "col" or "table.col"
  // Parses one --map value; InvalidArgument on a bad one.
  Status Add(const std::string& spec);
};

// Fills columns[i].type (and type_args) for every column of `schema`.
Status MapTableTypes(Dialect dialect, const TypeOverrides& overrides, TableSchema* schema);

// How the target declares a column of type `t` (e.g. kTimestampTz on
// PostgreSQL -> "timestamptz", on SQLite -> "TIMESTAMPTZ").
std::string TargetColumnType(Dialect dialect, const ColumnSchema& column);

// CREATE TABLE statement for `schema` (mapped) on `db`'s dialect, with
// NOT NULL and PRIMARY KEY as the source has them.
std::string CreateTableSql(const Database& db, const TableSchema& schema);

// Checks that an existing target table can receive `source` rows: the same
// column names, and compatible logical types. InvalidArgument listing
// every difference otherwise.
Status CheckTargetShape(const TableSchema& source, const TableSchema& target);

}  // namespace ferry
