#include "jobs/copy/type_mapper.h"

#include "jobs/copy/duckdb_copy.h"

#include "jobs/copy/mysql_copy.h"

#include "util/strings.h"

namespace ferry {
namespace {

bool Contains(const std::string& s, const char* part) { return s.find(part) != std::string::npos; }

}  // namespace

const char* LogicalTypeName(LogicalType t) {
  switch (t) {
    case LogicalType::kInteger: return "integer";
    case LogicalType::kReal: return "real";
    case LogicalType::kText: return "text";
    case LogicalType::kBlob: return "blob";
    case LogicalType::kBoolean: return "boolean";
    case LogicalType::kTimestamp: return "timestamp";
    case LogicalType::kTimestampTz: return "timestamptz";
    case LogicalType::kDate: return "date";
    case LogicalType::kJson: return "json";
    case LogicalType::kUuid: return "uuid";
    case LogicalType::kNumeric: return "numeric";
  }
  return "?";
}

std::optional<LogicalType> ParseLogicalType(const std::string& name) {
  const std::string n = ToLower(Trim(name));
  for (auto t : {LogicalType::kInteger, LogicalType::kReal, LogicalType::kText, LogicalType::kBlob,
                 LogicalType::kBoolean, LogicalType::kTimestamp, LogicalType::kTimestampTz,
                 LogicalType::kDate, LogicalType::kJson, LogicalType::kUuid,
                 LogicalType::kNumeric}) {
    if (n == LogicalTypeName(t)) return t;
  }
  return std::nullopt;
}

std::optional<LogicalType> MapDeclaredType(Dialect dialect, const std::string& declared,
                                           std::string* type_args) {
  if (dialect == Dialect::kDuckdb) return MapDuckdbDeclaredType(declared, type_args);
  if (dialect == Dialect::kMysql) return MapMysqlDeclaredType(declared, type_args);
  std::string t = ToLower(Trim(declared));
  std::string args;
  if (size_t paren = t.find('('); paren != std::string::npos) {
    size_t close = t.find(')', paren);
    args = t.substr(paren, close == std::string::npos ? std::string::npos : close - paren + 1);
    // "timestamp(3) with time zone": keep the words after the arguments.
    t = Trim(t.substr(0, paren) + (close == std::string::npos ? "" : t.substr(close + 1)));
  }
  while (Contains(t, "  ")) t.replace(t.find("  "), 2, " ");
  if (EndsWith(t, "[]")) return std::nullopt;  // arrays
  auto set_args = [&](LogicalType lt) {
    if (type_args) *type_args = lt == LogicalType::kNumeric ? args : "";
    return lt;
  };
  static const std::map<std::string, LogicalType> kExact = {
      {"int", LogicalType::kInteger}, {"integer", LogicalType::kInteger},
      {"bigint", LogicalType::kInteger}, {"smallint", LogicalType::kInteger},
      {"int2", LogicalType::kInteger}, {"int4", LogicalType::kInteger},
      {"int8", LogicalType::kInteger}, {"tinyint", LogicalType::kInteger},
      {"mediumint", LogicalType::kInteger}, {"serial", LogicalType::kInteger},
      {"bigserial", LogicalType::kInteger}, {"smallserial", LogicalType::kInteger},
      {"real", LogicalType::kReal}, {"double precision", LogicalType::kReal},
      {"double", LogicalType::kReal}, {"float", LogicalType::kReal},
      {"float4", LogicalType::kReal}, {"float8", LogicalType::kReal},
      {"text", LogicalType::kText}, {"varchar", LogicalType::kText},
      {"character varying", LogicalType::kText}, {"char", LogicalType::kText},
      {"character", LogicalType::kText}, {"bpchar", LogicalType::kText},
      {"clob", LogicalType::kText}, {"citext", LogicalType::kText},
      {"name", LogicalType::kText}, {"string", LogicalType::kText},
      {"nvarchar", LogicalType::kText},
      {"bytea", LogicalType::kBlob}, {"blob", LogicalType::kBlob},
      {"boolean", LogicalType::kBoolean}, {"bool", LogicalType::kBoolean},
      {"timestamp", LogicalType::kTimestamp},
      {"timestamp without time zone", LogicalType::kTimestamp},
      {"datetime", LogicalType::kTimestamp},
      {"timestamp with time zone", LogicalType::kTimestampTz},
      {"timestamptz", LogicalType::kTimestampTz},
      {"date", LogicalType::kDate},
      {"json", LogicalType::kJson}, {"jsonb", LogicalType::kJson},
      {"uuid", LogicalType::kUuid},
      {"numeric", LogicalType::kNumeric}, {"decimal", LogicalType::kNumeric},
      {"numeric_text", LogicalType::kNumeric},
  };
  if (auto it = kExact.find(t); it != kExact.end()) return set_args(it->second);
  if (dialect != Dialect::kSqlite || t.empty()) return std::nullopt;
  // SQLite's affinity rules (https://sqlite.org/datatype3.html, 3.1), in order.
  std::string u = ToUpper(t);
  if (Contains(u, "INT")) return set_args(LogicalType::kInteger);
  if (Contains(u, "CHAR") || Contains(u, "CLOB") || Contains(u, "TEXT"))
    return set_args(LogicalType::kText);
  if (Contains(u, "BLOB")) return set_args(LogicalType::kBlob);
  if (Contains(u, "REAL") || Contains(u, "FLOA") || Contains(u, "DOUB"))
    return set_args(LogicalType::kReal);
  return set_args(LogicalType::kNumeric);
}

Status TypeOverrides::Add(const std::string& spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    return InvalidArgument("--map wants [table.]column=TYPE, not \"" + spec + "\"");
  auto t = ParseLogicalType(spec.substr(eq + 1));
  if (!t)
    return InvalidArgument("--map " + spec + ": unknown type \"" + spec.substr(eq + 1) +
                           "\" (one of integer, real, text, blob, boolean, timestamp, "
                           "timestamptz, date, json, uuid, numeric)");
  by_column[spec.substr(0, eq)] = *t;
  return Status::OK();
}

Status MapTableTypes(Dialect dialect, const TypeOverrides& overrides, TableSchema* schema) {
  std::vector<std::string> bad;
  for (auto& c : schema->columns) {
    auto o = overrides.by_column.find(schema->name + "." + c.name);
    if (o == overrides.by_column.end()) o = overrides.by_column.find(c.name);
    if (o != overrides.by_column.end()) {
      c.type = o->second;
      c.type_args.clear();
      continue;
    }
    auto t = MapDeclaredType(dialect, c.declared_type, &c.type_args);
    if (!t) {
      bad.push_back(schema->name + "." + c.name + " (" +
                    (c.declared_type.empty() ? std::string("no declared type") : c.declared_type) +
                    ")");
      continue;
    }
    c.type = *t;
  }
  if (!bad.empty())
    return InvalidArgument("cannot map the type of " + Join(bad, ", ") +
                           ": say how to carry it with --map " + schema->name + ".COLUMN=TYPE " +
                           "(integer, real, text, blob, boolean, timestamp, timestamptz, date, "
                           "json, uuid, numeric)");
  return Status::OK();
}

std::string TargetColumnType(Dialect dialect, const ColumnSchema& c) {
  if (dialect == Dialect::kDuckdb) return DuckdbColumnType(c);
  if (dialect == Dialect::kMysql) return MysqlColumnType(c, /*in_key=*/false);
  const bool pg = dialect == Dialect::kPostgres;
  switch (c.type) {
    case LogicalType::kInteger: return pg ? "bigint" : "INTEGER";
    case LogicalType::kReal: return pg ? "double precision" : "REAL";
    case LogicalType::kText: return pg ? "text" : "TEXT";
    case LogicalType::kBlob: return pg ? "bytea" : "BLOB";
    case LogicalType::kBoolean: return pg ? "boolean" : "BOOLEAN";
    case LogicalType::kTimestamp: return pg ? "timestamp" : "TIMESTAMP";
    case LogicalType::kTimestampTz: return pg ? "timestamptz" : "TIMESTAMPTZ";
    case LogicalType::kDate: return pg ? "date" : "DATE";
    case LogicalType::kJson: return pg ? "jsonb" : "JSON";
    case LogicalType::kUuid: return pg ? "uuid" : "UUID";
    case LogicalType::kNumeric: return pg ? "numeric" + c.type_args : "NUMERIC_TEXT";
  }
  return "TEXT";
}

std::string CreateTableSql(const Database& db, const TableSchema& s) {
  if (db.dialect() == Dialect::kMysql) return MysqlCreateTableSql(db, s);
  std::string sql = "CREATE TABLE " + db.QuoteIdentifier(s.name) + " (";
  for (size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    if (i > 0) sql += ", ";
    sql += db.QuoteIdentifier(c.name) + " " + TargetColumnType(db.dialect(), c);
    if (c.not_null) sql += " NOT NULL";
  }
  if (!s.primary_key.empty()) {
    sql += ", PRIMARY KEY (";
    for (size_t i = 0; i < s.primary_key.size(); ++i) {
      if (i > 0) sql += ", ";
      sql += db.QuoteIdentifier(s.primary_key[i]);
    }
    sql += ")";
  }
  return sql + ")";
}

namespace {

// Types that travel as text: a text target column holds them all.
bool TextCarried(LogicalType t) {
  return t == LogicalType::kText || t == LogicalType::kTimestamp ||
         t == LogicalType::kTimestampTz || t == LogicalType::kDate || t == LogicalType::kJson ||
         t == LogicalType::kUuid || t == LogicalType::kNumeric;
}

bool Compatible(LogicalType source, LogicalType target) {
  if (source == target) return true;
  if (target == LogicalType::kText && TextCarried(source)) return true;
  if (source == LogicalType::kBoolean && target == LogicalType::kInteger) return true;
  if (target == LogicalType::kNumeric &&
      (source == LogicalType::kInteger || source == LogicalType::kReal))
    return true;
  if (target == LogicalType::kReal && source == LogicalType::kInteger) return true;
  return false;
}

}  // namespace

Status CheckTargetShape(const TableSchema& source, const TableSchema& target) {
  std::vector<std::string> problems;
  for (const auto& c : source.columns) {
    int i = target.ColumnIndex(c.name);
    if (i < 0) {
      problems.push_back("column " + c.name + " is missing on the target");
      continue;
    }
    const auto& t = target.columns[static_cast<size_t>(i)];
    if (!Compatible(c.type, t.type))
      problems.push_back("column " + c.name + " is " + t.declared_type + " (" +
                         LogicalTypeName(t.type) + ") on the target but " + LogicalTypeName(c.type) +
                         " on the source");
  }
  for (const auto& t : target.columns) {
    if (source.ColumnIndex(t.name) < 0 && t.not_null)
      problems.push_back("target column " + t.name + " is NOT NULL and not in the source");
  }
  if (problems.empty()) return Status::OK();
  return InvalidArgument("target table " + source.name + " exists with another shape: " +
                            Join(problems, "; ") +
                            " (drop it and pass --create-schema, or fix it by hand)");
}

}  // namespace ferry
