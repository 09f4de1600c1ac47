// AppendRows: DuckDB's bulk path (the Appender), used by copy and by the
// Parquet export. Values whose kind matches the column go through the typed
// append calls; anything else (text into TIMESTAMP, UUID, DECIMAL, ...) goes
// as a duckdb_value, which DuckDB casts to the column type as INSERT would.
#include <memory>

#include "db/duckdb/duckdb_database.h"
#include "db/duckdb/duckdb_internal.h"

namespace ferry {
namespace {

enum class Kind { kInteger, kReal, kText, kBlob, kOther };

Kind KindOf(duckdb_type t) {
  switch (t) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
      return Kind::kInteger;
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
      return Kind::kReal;
    case DUCKDB_TYPE_VARCHAR:
      return Kind::kText;
    case DUCKDB_TYPE_BLOB:
      return Kind::kBlob;
    default:
      return Kind::kOther;
  }
}

duckdb_value ToDuckValue(const Value& v) {
  if (auto* i = std::get_if<int64_t>(&v)) return duckdb_create_int64(*i);
  if (auto* d = std::get_if<double>(&v)) return duckdb_create_double(*d);
  if (auto* s = std::get_if<std::string>(&v)) return duckdb_create_varchar_length(s->data(), s->size());
  const auto& b = std::get<Blob>(v).bytes;
  return duckdb_create_blob(reinterpret_cast<const uint8_t*>(b.data()), b.size());
}

struct AppenderCloser {
  void operator()(duckdb_appender a) const { duckdb_appender_destroy(&a); }
};
using AppenderPtr = std::unique_ptr<std::remove_pointer_t<duckdb_appender>, AppenderCloser>;

Status AppenderError(duckdb_appender a, std::string_view table) {
  duckdb_error_data e = duckdb_appender_error_data(a);
  Status st = duckdb_internal::ErrorStatus(duckdb_error_data_error_type(e),
                                           duckdb_error_data_message(e) ? duckdb_error_data_message(e) : "append failed");
  duckdb_destroy_error_data(&e);
  return st.WithContext("append to " + std::string(table));
}

}  // namespace

namespace {
Status AppendAll(duckdb_internal::Session* s, std::string_view table,
                 const std::vector<std::string>& columns, const std::vector<std::vector<Value>>& rows);
}  // namespace

Status AppendRows(Database* db, std::string_view table, const std::vector<std::string>& columns,
                  const std::vector<std::vector<Value>>& rows) {
  duckdb_internal::Session* s = duckdb_internal::SessionOf(db);
  if (s == nullptr) return InvalidArgument("AppendRows needs a duckdb database, not " + std::string(db->engine()));
  if (rows.empty()) return Status::OK();
  return duckdb_internal::NoteFailure(s, AppendAll(s, table, columns, rows));
}

namespace {
Status AppendAll(duckdb_internal::Session* s, std::string_view table,
                 const std::vector<std::string>& columns, const std::vector<std::vector<Value>>& rows) {
  std::string name(table);
  duckdb_appender raw = nullptr;
  if (duckdb_appender_create_ext(s->conn, nullptr, nullptr, name.c_str(), &raw) != DuckDBSuccess) {
    AppenderPtr guard(raw);
    return raw ? AppenderError(raw, table) : ExecutionFailed("duckdb: cannot append to " + name);
  }
  AppenderPtr app(raw);
  for (const std::string& c : columns)
    if (duckdb_appender_add_column(raw, c.c_str()) != DuckDBSuccess) return AppenderError(raw, table);
  std::vector<Kind> kinds;
  for (size_t c = 0; c < columns.size(); ++c) {
    duckdb_logical_type t = duckdb_appender_column_type(raw, c);
    kinds.push_back(KindOf(duckdb_get_type_id(t)));
    duckdb_destroy_logical_type(&t);
  }
  for (size_t r = 0; r < rows.size(); ++r) {
    const auto& row = rows[r];
    if (row.size() != columns.size())
      return InvalidArgument("append to " + name + ": row has " + std::to_string(row.size()) +
                             " values, expected " + std::to_string(columns.size()));
    for (size_t c = 0; c < row.size(); ++c) {
      const Value& v = row[c];
      duckdb_state st;
      const Kind k = kinds[c];
      if (IsNull(v)) {
        st = duckdb_append_null(raw);
      } else if (auto* i = std::get_if<int64_t>(&v); i && k == Kind::kInteger) {
        st = duckdb_append_int64(raw, *i);
      } else if (auto* d = std::get_if<double>(&v); d && k == Kind::kReal) {
        st = duckdb_append_double(raw, *d);
      } else if (auto* t = std::get_if<std::string>(&v); t && k == Kind::kText) {
        st = duckdb_append_varchar_length(raw, t->data(), t->size());
      } else if (auto* b = std::get_if<Blob>(&v); b && k == Kind::kBlob) {
        st = duckdb_append_blob(raw, b->bytes.data(), b->bytes.size());
      } else {
        duckdb_value dv = ToDuckValue(v);
        st = duckdb_append_value(raw, dv);
        duckdb_destroy_value(&dv);
      }
      if (st != DuckDBSuccess)
        return AppenderError(raw, table).WithContext("row " + std::to_string(r + 1) + ", column " + columns[c]);
    }
    if (duckdb_appender_end_row(raw) != DuckDBSuccess) return AppenderError(raw, table);
  }
  // Close flushes into the connection's open transaction (if any), so the
  // rows commit or roll back with the caller's other writes.
  if (duckdb_appender_close(raw) != DuckDBSuccess) return AppenderError(raw, table);
  return Status::OK();
}
}  // namespace

}  // namespace ferry
