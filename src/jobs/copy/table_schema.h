// TableSchema: what copy, verify, export and import know about a table.
//
// Every engine's declared types are read as written (ReadTableSchema in
// schema_reader.h) and mapped onto a small set of logical types
// (type_mapper.h); the logical type decides how a value is carried between
// engines, how the target column is declared and how verify canonicalizes
// the value so equal data gives equal checksums on every engine.
#pragma once

#include <string>
#include <vector>

namespace ferry {

enum class LogicalType {
  kInteger,      // 64-bit signed
  kReal,         // IEEE double, NaN and +-Infinity included
  kText,         // UTF-8
  kBlob,         // bytes, NULs included
  kBoolean,      // carried as integer 0/1
  kTimestamp,    // without zone; carried as ISO-8601 text
  kTimestampTz,  // with zone; carried as ISO-8601 text, compared as UTC instant
  kDate,         // YYYY-MM-DD text
  kJson,         // compared after parsing (key order and spacing do not matter)
  kUuid,         // compared lower-case
  kNumeric,      // exact decimal carried as text (never through a double)
};

// "integer", "real", "text", ... (the names --map accepts).
const char* LogicalTypeName(LogicalType t);

struct ColumnSchema {
  std::string name;
  std::string declared_type;  // as the source engine spells it, e.g. "character varying(20)"
  bool not_null = false;
  LogicalType type = LogicalType::kText;  // filled by MapTableTypes()
  std::string type_args;                  // "(10,2)" for numeric(10,2); empty otherwise
};

struct TableSchema {
  std::string name;
  std::vector<ColumnSchema> columns;     // in table order
  std::vector<std::string> primary_key;  // column names in key order; empty = none

  // Index of a column by name, or -1.
  int ColumnIndex(const std::string& column) const {
    for (size_t i = 0; i < columns.size(); ++i)
      if (columns[i].name == column) return static_cast<int>(i);
    return -1;
  }
  std::vector<std::string> ColumnNames() const {
    std::vector<std::string> out;
    for (const auto& c : columns) out.push_back(c.name);
    return out;
  }
};

}  // namespace ferry
