// DuckDB <-> logical types; the table is in duckdb_copy.h.
#include "jobs/copy/duckdb_copy.h"
#include "jobs/copy/type_mapper.h"
#include "util/strings.h"

namespace ferry {

std::optional<LogicalType> MapDuckdbDeclaredType(const std::string& declared, std::string* type_args) {
  std::string t = ToUpper(Trim(declared));
  if (type_args) type_args->clear();
  if (t == "UTINYINT" || t == "USMALLINT" || t == "UINTEGER") return LogicalType::kInteger;
  if (t == "UBIGINT" || t == "HUGEINT" || t == "UHUGEINT") return LogicalType::kNumeric;
  if (t == "TIMESTAMP_S" || t == "TIMESTAMP_MS" || t == "TIMESTAMP_NS") return LogicalType::kTimestamp;
  if (t == "TIME" || t == "INTERVAL" || t == "TIME WITH TIME ZONE") return std::nullopt;
  // The rest (BIGINT, DOUBLE, VARCHAR, DECIMAL(p,s), TIMESTAMP WITH TIME ZONE,
  // ...) are spelled as in PostgreSQL; PostgreSQL's rules have no SQLite
  // affinity fallback, so an unknown type stays unmapped.
  return MapDeclaredType(Dialect::kPostgres, declared, type_args);
}

std::string DuckdbColumnType(const ColumnSchema& c) {
  switch (c.type) {
    case LogicalType::kInteger: return "BIGINT";
    case LogicalType::kReal: return "DOUBLE";
    case LogicalType::kText: return "VARCHAR";
    case LogicalType::kBlob: return "BLOB";
    case LogicalType::kBoolean: return "BOOLEAN";
    case LogicalType::kTimestamp: return "TIMESTAMP";
    case LogicalType::kTimestampTz: return "TIMESTAMPTZ";
    case LogicalType::kDate: return "DATE";
    case LogicalType::kJson: return "JSON";
    case LogicalType::kUuid: return "UUID";
    case LogicalType::kNumeric: {
      // "(p,s)" or "(p)"; DECIMAL stops at 38 digits.
      std::string a = c.type_args;
      if (a.size() > 2 && a.front() == '(' && a.back() == ')') {
        auto parts = Split(a.substr(1, a.size() - 2), ',');
        auto p = ParseUint(Trim(parts[0]));
        auto s = parts.size() > 1 ? ParseUint(Trim(parts[1])) : std::optional<uint64_t>(0);
        if (p && s && *p >= 1 && *p <= 38 && *s <= *p)
          return "DECIMAL(" + std::to_string(*p) + "," + std::to_string(*s) + ")";
      }
      return "VARCHAR";
    }
  }
  return "VARCHAR";
}

}  // namespace ferry
