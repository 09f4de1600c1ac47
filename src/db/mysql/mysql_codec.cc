#include "db/mysql/mysql_codec.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>

namespace ferry::mysql {
namespace {

constexpr unsigned int kBinaryCharset = 63;  // charsetnr of binary strings

bool IsIntegerType(enum_field_types t) {
  return t == MYSQL_TYPE_TINY || t == MYSQL_TYPE_SHORT || t == MYSQL_TYPE_INT24 ||
         t == MYSQL_TYPE_LONG || t == MYSQL_TYPE_LONGLONG || t == MYSQL_TYPE_YEAR;
}

bool IsStringLike(enum_field_types t) {
  return t == MYSQL_TYPE_STRING || t == MYSQL_TYPE_VAR_STRING || t == MYSQL_TYPE_VARCHAR ||
         t == MYSQL_TYPE_BLOB || t == MYSQL_TYPE_TINY_BLOB || t == MYSQL_TYPE_MEDIUM_BLOB ||
         t == MYSQL_TYPE_LONG_BLOB || t == MYSQL_TYPE_GEOMETRY;
}

// How one result column is fetched and turned into a Value.
enum class Kind { kNull, kInt, kDouble, kBits, kText, kBlob };

Kind KindOf(const MYSQL_FIELD& f) {
  if (f.type == MYSQL_TYPE_NULL) return Kind::kNull;
  if (IsIntegerType(f.type)) return Kind::kInt;
  if (f.type == MYSQL_TYPE_FLOAT || f.type == MYSQL_TYPE_DOUBLE) return Kind::kDouble;
  if (f.type == MYSQL_TYPE_BIT) return Kind::kBits;
  // Binary strings and BLOBs are bytes; DECIMAL, temporal types, ENUM/SET,
  // JSON and text come back as text in MySQL's own spelling.
  if (IsStringLike(f.type) && f.charsetnr == kBinaryCharset) return Kind::kBlob;
  return Kind::kText;
}

struct Column {
  Kind kind = Kind::kText;
  bool is_unsigned = false;
  int64_t i = 0;
  double d = 0;
  std::string buf;
  unsigned long length = 0;
  my_bool is_null = 0;
  my_bool error = 0;
};

}  // namespace

Status BindParams(const TranslatedSql& sql, const std::vector<Value>& params, BoundParams* out) {
  if (static_cast<size_t>(sql.max_param) > params.size()) {
    return InvalidArgument("mysql: the statement uses $" + std::to_string(sql.max_param) +
                           " but " + std::to_string(params.size()) + " parameter(s) were given");
  }
  const size_t n = sql.params.size();
  out->values.clear();
  out->values.reserve(n);
  for (int p : sql.params) out->values.push_back(params[static_cast<size_t>(p - 1)]);
  out->binds.assign(n, MYSQL_BIND{});
  out->lengths.assign(n, 0);
  for (size_t k = 0; k < n; ++k) {
    MYSQL_BIND& b = out->binds[k];
    Value& v = out->values[k];
    if (std::holds_alternative<std::monostate>(v)) {
      b.buffer_type = MYSQL_TYPE_NULL;
    } else if (auto* i = std::get_if<int64_t>(&v)) {
      b.buffer_type = MYSQL_TYPE_LONGLONG;
      b.buffer = i;
    } else if (auto* d = std::get_if<double>(&v)) {
      if (!std::isfinite(*d)) {
        return InvalidArgument("mysql: parameter $" + std::to_string(sql.params[k]) + " is " +
                               (std::isnan(*d) ? "NaN" : (*d > 0 ? "inf" : "-inf")) +
                               ": MySQL DOUBLE cannot hold NaN or infinity");
      }
      b.buffer_type = MYSQL_TYPE_DOUBLE;
      b.buffer = d;
    } else if (auto* s = std::get_if<std::string>(&v)) {
      b.buffer_type = MYSQL_TYPE_STRING;
      b.buffer = s->data();
      out->lengths[k] = s->size();
      b.buffer_length = s->size();
      b.length = &out->lengths[k];
    } else {
      std::string& bytes = std::get<Blob>(v).bytes;
      b.buffer_type = MYSQL_TYPE_BLOB;
      b.buffer = bytes.data();
      out->lengths[k] = bytes.size();
      b.buffer_length = bytes.size();
      b.length = &out->lengths[k];
    }
  }
  return Status::OK();
}

ClientError StmtError(MYSQL_STMT* stmt) {
  ClientError e;
  e.code = mysql_stmt_errno(stmt);
  e.sqlstate = mysql_stmt_sqlstate(stmt);
  e.message = mysql_stmt_error(stmt);
  return e;
}

bool ExecuteAndFetch(MYSQL_STMT* stmt, BoundParams* bound, Rows* rows, int64_t* affected,
                     ClientError* err) {
  auto fail = [&] {
    *err = StmtError(stmt);
    return false;
  };
  if (!bound->binds.empty() && mysql_stmt_bind_param(stmt, bound->binds.data())) return fail();
  if (mysql_stmt_execute(stmt)) return fail();

  MYSQL_RES* meta = mysql_stmt_result_metadata(stmt);
  if (meta == nullptr) {
    if (mysql_stmt_errno(stmt) != 0) return fail();
    *affected = static_cast<int64_t>(mysql_stmt_affected_rows(stmt));
    return true;
  }
  struct MetaGuard {
    MYSQL_RES* m;
    MYSQL_STMT* s;
    ~MetaGuard() {
      mysql_free_result(m);
      mysql_stmt_free_result(s);
    }
  } guard{meta, stmt};

  // Buffer the whole result client-side: max_length then sizes the buffers,
  // and the connection is free again before we decode.
  my_bool update_max = 1;
  mysql_stmt_attr_set(stmt, STMT_ATTR_UPDATE_MAX_LENGTH, &update_max);
  if (mysql_stmt_store_result(stmt)) return fail();

  const unsigned int ncols = mysql_num_fields(meta);
  MYSQL_FIELD* fields = mysql_fetch_fields(meta);
  std::vector<Column> cols(ncols);
  std::vector<MYSQL_BIND> binds(ncols, MYSQL_BIND{});
  rows->columns.clear();
  for (unsigned int c = 0; c < ncols; ++c) {
    const MYSQL_FIELD& f = fields[c];
    rows->columns.emplace_back(f.name, f.name_length);
    Column& col = cols[c];
    MYSQL_BIND& b = binds[c];
    col.kind = KindOf(f);
    col.is_unsigned = (f.flags & UNSIGNED_FLAG) != 0;
    b.is_null = &col.is_null;
    b.error = &col.error;
    b.length = &col.length;
    switch (col.kind) {
      case Kind::kNull:
        b.buffer_type = MYSQL_TYPE_NULL;
        break;
      case Kind::kInt:
        b.buffer_type = MYSQL_TYPE_LONGLONG;
        b.buffer = &col.i;
        b.is_unsigned = col.is_unsigned;
        break;
      case Kind::kDouble:
        b.buffer_type = MYSQL_TYPE_DOUBLE;
        b.buffer = &col.d;
        break;
      case Kind::kBits:
      case Kind::kBlob:
      case Kind::kText:
        // Temporal types report no useful max_length; 64 holds any of them.
        col.buf.resize(std::max<unsigned long>(f.max_length, 64));
        b.buffer_type = col.kind == Kind::kText ? MYSQL_TYPE_STRING : MYSQL_TYPE_BLOB;
        b.buffer = col.buf.data();
        b.buffer_length = col.buf.size();
        break;
    }
  }
  if (mysql_stmt_bind_result(stmt, binds.data())) return fail();

  for (;;) {
    int rc = mysql_stmt_fetch(stmt);
    if (rc == MYSQL_NO_DATA) break;
    if (rc == 1) return fail();
    std::vector<Value> row(ncols);
    for (unsigned int c = 0; c < ncols; ++c) {
      Column& col = cols[c];
      if (col.is_null || col.kind == Kind::kNull) continue;  // stays NULL
      switch (col.kind) {
        case Kind::kInt:
          if (col.is_unsigned && static_cast<uint64_t>(col.i) >
                                     static_cast<uint64_t>(std::numeric_limits<int64_t>::max())) {
            row[c] = std::to_string(static_cast<uint64_t>(col.i));  // BIGINT UNSIGNED: as text
          } else {
            row[c] = col.i;
          }
          break;
        case Kind::kDouble:
          row[c] = col.d;
          break;
        default: {
          std::string value;
          if (col.length > col.buf.size()) {  // truncated: fetch this column whole
            value.resize(col.length);
            MYSQL_BIND one{};
            unsigned long len = 0;
            one.buffer_type = binds[c].buffer_type;
            one.buffer = value.data();
            one.buffer_length = value.size();
            one.length = &len;
            if (mysql_stmt_fetch_column(stmt, &one, c, 0)) return fail();
          } else {
            value.assign(col.buf.data(), col.length);
          }
          if (col.kind == Kind::kText) {
            row[c] = std::move(value);
          } else if (col.kind == Kind::kBlob) {
            row[c] = Blob{std::move(value)};
          } else {  // BIT(n): big-endian bytes
            uint64_t bits = 0;
            for (unsigned char ch : value) bits = (bits << 8) | ch;
            row[c] = static_cast<int64_t>(bits);
          }
        }
      }
    }
    rows->rows.push_back(std::move(row));
  }
  // Drain further result sets (CALL): only the first is returned.
  while (mysql_stmt_more_results(stmt)) {
    mysql_stmt_free_result(stmt);
    if (mysql_stmt_next_result(stmt) > 0) return fail();
  }
  *affected = 0;
  return true;
}

}  // namespace ferry::mysql
