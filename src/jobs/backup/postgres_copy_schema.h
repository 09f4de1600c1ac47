// The schema part of a COPY-based PostgreSQL archive (schema.json): what
// ferry reads from the catalogs inside the dump's snapshot, and the DDL that
// recreates it on restore.
//
// Captured: schemas, enum types, tables (columns with type, collation,
// default, NOT NULL, identity and stored generated columns; UNLOGGED),
// primary-key / unique / check / exclusion / foreign-key constraints, other
// indexes (with their method, expressions and predicates), sequences with
// their options and current values. Not captured (kNotCaptured): views,
// functions, triggers, domains and other user types, extensions, ownership
// and grants, comments, storage options. A table the method cannot copy
// faithfully (partitioned, a column of a type it does not capture) makes
// the capture fail with FailedPrecondition naming it, rather than writing an
// archive that would not restore.
//
// Every expression is read with search_path = pg_catalog, so the text names
// every non-catalog object with its schema and means the same on restore.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/status.h"

namespace ferry::pgcopy {

struct Column {
  std::string name;
  std::string type;            // format_type(), schema-qualified when not pg_catalog
  std::string collation;       // "" = the type's default; else "schema"."name" quoted
  std::string default_expr;    // pg_get_expr of the default ("" = none)
  std::string generated_expr;  // STORED generated column expression ("" = none)
  std::string identity;        // "" | "a" (ALWAYS) | "d" (BY DEFAULT)
  bool not_null = false;
};

struct Constraint {
  std::string name;
  std::string type;  // p u c f x (pg_constraint.contype)
  std::string def;   // pg_get_constraintdef
};

struct Index {  // an index that backs no constraint
  std::string name;
  bool unique = false;
  std::string tail;  // what follows "ON <table> USING ": "btree (tenant) WHERE ..."
};

struct Sequence {
  std::string schema, name, type;  // type: int2/int4/int8 as format_type says
  int64_t start = 1, increment = 1, min = 1, max = 0, cache = 1;
  bool cycle = false;
  int64_t last_value = 0;
  bool is_called = false;
  // Owner (OWNED BY, or the identity column): restored with its table.
  std::string owner_table, owner_column;
  bool identity = false;
};

struct Table {
  std::string schema, name;
  std::string file;  // data file in the archive (COPY text format)
  bool unlogged = false;
  std::vector<Column> columns;
  std::vector<Constraint> constraints;
  std::vector<Index> indexes;
  int64_t rows = 0;  // as COPY wrote them
};

struct EnumType {
  std::string schema, name;
  std::vector<std::string> labels;
};

struct Schema {
  std::string server_version;
  std::string encoding;  // server_encoding of the source; the data files' encoding
  std::vector<std::string> schemas;
  std::vector<EnumType> enums;
  std::vector<Table> tables;
  std::vector<Sequence> sequences;
};

// Phrases for the manifest.
extern const std::vector<std::string> kCaptured;
extern const std::vector<std::string> kNotCaptured;

// Reads the schema through `db`, which must be inside the dump's
// transaction with search_path = pg_catalog. Table rows/file are left empty.
Result<Schema> CaptureSchema(Database* db);

std::string ToJson(const Schema& s);
// Corruption naming the field when the text is not a schema ferry wrote.
Result<Schema> SchemaFromJson(const std::string& text);

// "schema"."name", quoted with db's rules.
std::string Qualified(const Database& db, const std::string& schema, const std::string& name);
// The key of a table in the manifest's row counts: bare name in public,
// schema.name elsewhere (as the pg_dump archiver counts).
std::string TableKey(const Table& t);

// Column list for COPY: every column but the generated ones, quoted.
std::string CopyColumns(const Database& db, const Table& t);
// CREATE [UNLOGGED] TABLE <schema>.<name> (...) with types, collations,
// NOT NULL, identity (with its sequence's name, options; from `sequences`)
// and generated columns; no defaults or constraints.
std::string CreateTableSql(const Database& db, const Table& t, const std::string& schema,
                           const std::vector<Sequence>& sequences);
// " AS type INCREMENT BY .. MINVALUE .. MAXVALUE .. START WITH .. CACHE ..
// [NO] CYCLE" for CREATE/ALTER SEQUENCE (identity: without AS).
std::string SequenceOptions(const Sequence& s, bool with_type);

}  // namespace ferry::pgcopy
