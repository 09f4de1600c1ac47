#include "store/codecs/codec.h"

#include <string>

namespace ferry {

std::string Codec::KeyExistsSql() const {
  const RecordTable& parent = Tables().front();
  return "SELECT 1 FROM " + parent.name + " WHERE " + parent.key_column + " = $1";
}

std::string Codec::SelectRowsSql(size_t table) const {
  const RecordTable& parent = Tables().front();
  const RecordTable& t = Tables()[table];
  std::string sql = "SELECT ";
  for (size_t c = 0; c < t.columns.size(); ++c) {
    if (c) sql += ", ";
    sql += t.columns[c];
  }
  sql += " FROM " + t.name + " WHERE " + t.key_column;
  if (t.key_source == KeySource::kParentId) {
    sql += " = (SELECT " + parent.id_column + " FROM " + parent.name + " WHERE " +
           parent.key_column + " = $1)";
  } else {
    sql += " = $1";
  }
  return sql;
}

bool Codec::ChildrenUseParentId() const {
  for (const RecordTable& t : Tables()) {
    if (t.key_source == KeySource::kParentId) return true;
  }
  return false;
}

Result<Record> Codec::ParseOne(std::string_view object_key, std::string_view bytes) const {
  std::vector<Record> records;
  FERRY_RETURN_IF_ERROR(Parse(object_key, bytes, &records));
  if (records.size() != 1) {
    return InvalidArgument(std::string(object_key) + ": expected one record, found " +
                           std::to_string(records.size()));
  }
  return std::move(records.front());
}

std::string InsertSql(const RecordTable& table, size_t rows_per_statement) {
  std::string sql = "INSERT INTO " + table.name + " (";
  for (size_t c = 0; c < table.columns.size(); ++c) {
    if (c) sql += ", ";
    sql += table.columns[c];
  }
  sql += ") VALUES ";
  size_t param = 1;
  for (size_t r = 0; r < rows_per_statement; ++r) {
    sql += r ? ", (" : "(";
    for (size_t c = 0; c < table.columns.size(); ++c) {
      if (c) sql += ", ";
      sql += '$';
      sql += std::to_string(param++);
    }
    sql += ')';
  }
  sql += " ON CONFLICT (";
  for (size_t c = 0; c < table.conflict_columns.size(); ++c) {
    if (c) sql += ", ";
    sql += table.conflict_columns[c];
  }
  sql += ") DO NOTHING";
  return sql;
}

}  // namespace ferry
