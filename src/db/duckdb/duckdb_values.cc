// Values across the DuckDB C API: typed parameter binding, and decoding of
// result chunks (duckdb_fetch_chunk) into ferry Values. The type mapping is
// documented in duckdb_database.h.
#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <optional>

#include "db/duckdb/duckdb_internal.h"

namespace ferry::duckdb_internal {
namespace {

__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

std::string UInt128ToString(UInt128 v) {
  if (v == 0) return "0";
  std::string out;
  while (v > 0) {
    out.push_back(static_cast<char>('0' + static_cast<int>(v % 10)));
    v /= 10;
  }
  return std::string(out.rbegin(), out.rend());
}

std::string Int128ToString(Int128 v) {
  if (v >= 0) return UInt128ToString(static_cast<UInt128>(v));
  return "-" + UInt128ToString(static_cast<UInt128>(0) - static_cast<UInt128>(v));
}

Value IntegerValue(Int128 v) {
  if (v >= INT64_MIN && v <= INT64_MAX) return static_cast<int64_t>(v);
  return Int128ToString(v);
}

Int128 FromHugeint(duckdb_hugeint h) {
  return static_cast<Int128>((static_cast<UInt128>(static_cast<uint64_t>(h.upper)) << 64) | h.lower);
}

std::string DecimalToString(Int128 v, uint8_t scale) {
  bool neg = v < 0;
  std::string digits = UInt128ToString(neg ? static_cast<UInt128>(0) - static_cast<UInt128>(v)
                                           : static_cast<UInt128>(v));
  if (scale > 0) {
    if (digits.size() <= scale) digits.insert(0, scale + 1 - digits.size(), '0');
    digits.insert(digits.size() - scale, ".");
  }
  return (neg ? "-" : "") + digits;
}

std::string DateToString(duckdb_date d) {
  if (!duckdb_is_finite_date(d)) return d.days > 0 ? "infinity" : "-infinity";
  duckdb_date_struct s = duckdb_from_date(d);
  char buf[48];
  // DuckDB counts years astronomically (0 = 1 BC); PostgreSQL says "BC".
  if (s.year <= 0) {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d BC", 1 - s.year, s.month, s.day);
  } else {
    std::snprintf(buf, sizeof buf, "%04d-%02d-%02d", s.year, s.month, s.day);
  }
  return buf;
}

std::string TimeToString(int64_t micros) {
  char buf[40];
  int64_t secs = micros / 1000000, frac = micros % 1000000;
  int n = std::snprintf(buf, sizeof buf, "%02" PRId64 ":%02" PRId64 ":%02" PRId64, secs / 3600,
                        secs / 60 % 60, secs % 60);
  if (frac != 0) std::snprintf(buf + n, sizeof buf - n, ".%06" PRId64, frac);
  return buf;
}

std::string TimestampToString(int64_t micros, bool utc) {
  duckdb_timestamp ts{micros};
  if (!duckdb_is_finite_timestamp(ts)) return micros > 0 ? "infinity" : "-infinity";
  int64_t day_us = 86400LL * 1000000;
  int64_t days = micros >= 0 ? micros / day_us : -((-micros + day_us - 1) / day_us);
  int64_t in_day = micros - days * day_us;
  duckdb_date d{static_cast<int32_t>(days)};
  std::string date = DateToString(d);
  std::string bc;
  if (date.size() > 3 && date.compare(date.size() - 3, 3, " BC") == 0) {
    bc = " BC";
    date.resize(date.size() - 3);
  }
  return date + " " + TimeToString(in_day) + (utc ? "+00" : "") + bc;
}

std::string UuidToString(duckdb_hugeint h) {
  // DuckDB stores a UUID as a hugeint with the top bit flipped (sort order).
  uint64_t hi = static_cast<uint64_t>(h.upper) ^ (uint64_t{1} << 63);
  uint64_t lo = h.lower;
  char buf[40];
  std::snprintf(buf, sizeof buf, "%08" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%04" PRIx64 "-%012" PRIx64,
                hi >> 32, (hi >> 16) & 0xffff, hi & 0xffff, lo >> 48, lo & uint64_t{0xffffffffffff});
  return buf;
}

std::string StringOf(duckdb_string_t* s) {
  return std::string(duckdb_string_t_data(s), duckdb_string_t_length(*s));
}

// Decodes one column of one chunk into rows[base + i][col].
class ColumnDecoder {
 public:
  ColumnDecoder(duckdb_logical_type type, std::string name) : type_(type), name_(std::move(name)) {
    id_ = duckdb_get_type_id(type_);
    if (id_ == DUCKDB_TYPE_DECIMAL) {
      scale_ = duckdb_decimal_scale(type_);
      internal_ = duckdb_decimal_internal_type(type_);
    }
    if (id_ == DUCKDB_TYPE_ENUM) {
      internal_ = duckdb_enum_internal_type(type_);
      uint32_t n = duckdb_enum_dictionary_size(type_);
      for (uint32_t i = 0; i < n; ++i) {
        char* v = duckdb_enum_dictionary_value(type_, i);
        enum_values_.emplace_back(v ? v : "");
        duckdb_free(v);
      }
    }
  }
  ~ColumnDecoder() { duckdb_destroy_logical_type(&type_); }
  ColumnDecoder(const ColumnDecoder&) = delete;
  ColumnDecoder& operator=(const ColumnDecoder&) = delete;

  Status Decode(duckdb_vector vec, idx_t n, std::vector<std::vector<Value>>* rows, size_t base,
                size_t col) const {
    void* data = duckdb_vector_get_data(vec);
    uint64_t* validity = duckdb_vector_get_validity(vec);
    for (idx_t i = 0; i < n; ++i) {
      Value& out = (*rows)[base + i][col];
      if (validity != nullptr && !duckdb_validity_row_is_valid(validity, i)) continue;  // NULL
      FERRY_ASSIGN_OR_RETURN(out, One(data, i));
    }
    return Status::OK();
  }

 private:
  template <typename T>
  static T At(void* data, idx_t i) {
    T v;
    std::memcpy(&v, static_cast<char*>(data) + i * sizeof(T), sizeof(T));
    return v;
  }

  Result<Value> One(void* data, idx_t i) const {
    switch (id_) {
      case DUCKDB_TYPE_BOOLEAN: return Value(static_cast<int64_t>(At<bool>(data, i) ? 1 : 0));
      case DUCKDB_TYPE_TINYINT: return Value(static_cast<int64_t>(At<int8_t>(data, i)));
      case DUCKDB_TYPE_SMALLINT: return Value(static_cast<int64_t>(At<int16_t>(data, i)));
      case DUCKDB_TYPE_INTEGER: return Value(static_cast<int64_t>(At<int32_t>(data, i)));
      case DUCKDB_TYPE_BIGINT: return Value(At<int64_t>(data, i));
      case DUCKDB_TYPE_UTINYINT: return Value(static_cast<int64_t>(At<uint8_t>(data, i)));
      case DUCKDB_TYPE_USMALLINT: return Value(static_cast<int64_t>(At<uint16_t>(data, i)));
      case DUCKDB_TYPE_UINTEGER: return Value(static_cast<int64_t>(At<uint32_t>(data, i)));
      case DUCKDB_TYPE_UBIGINT: return Value(IntegerValue(static_cast<Int128>(At<uint64_t>(data, i))));
      case DUCKDB_TYPE_HUGEINT: return Value(IntegerValue(FromHugeint(At<duckdb_hugeint>(data, i))));
      case DUCKDB_TYPE_UHUGEINT: {
        auto h = At<duckdb_uhugeint>(data, i);
        UInt128 v = (static_cast<UInt128>(h.upper) << 64) | h.lower;
        if (v <= static_cast<UInt128>(INT64_MAX)) return Value(static_cast<int64_t>(v));
        return Value(UInt128ToString(v));
      }
      case DUCKDB_TYPE_FLOAT: return Value(static_cast<double>(At<float>(data, i)));
      case DUCKDB_TYPE_DOUBLE: return Value(At<double>(data, i));
      case DUCKDB_TYPE_VARCHAR: {
        auto* s = static_cast<duckdb_string_t*>(data) + i;
        return Value(StringOf(s));
      }
      case DUCKDB_TYPE_BLOB: {
        auto* s = static_cast<duckdb_string_t*>(data) + i;
        return Value(Blob{StringOf(s)});
      }
      case DUCKDB_TYPE_DECIMAL: {
        Int128 v = 0;
        switch (internal_) {
          case DUCKDB_TYPE_SMALLINT: v = At<int16_t>(data, i); break;
          case DUCKDB_TYPE_INTEGER: v = At<int32_t>(data, i); break;
          case DUCKDB_TYPE_BIGINT: v = At<int64_t>(data, i); break;
          default: v = FromHugeint(At<duckdb_hugeint>(data, i)); break;
        }
        return Value(DecimalToString(v, scale_));
      }
      case DUCKDB_TYPE_DATE: return Value(DateToString(At<duckdb_date>(data, i)));
      case DUCKDB_TYPE_TIMESTAMP: return Value(TimestampToString(At<int64_t>(data, i), false));
      case DUCKDB_TYPE_TIMESTAMP_TZ: return Value(TimestampToString(At<int64_t>(data, i), true));
      case DUCKDB_TYPE_TIMESTAMP_S: {
        int64_t s = At<int64_t>(data, i);
        if (!duckdb_is_finite_timestamp_s(duckdb_timestamp_s{s})) return Value(TimestampToString(s > 0 ? INT64_MAX : -INT64_MAX, false));
        return Value(TimestampToString(s * 1000000, false));
      }
      case DUCKDB_TYPE_TIMESTAMP_MS: {
        int64_t ms = At<int64_t>(data, i);
        if (!duckdb_is_finite_timestamp_ms(duckdb_timestamp_ms{ms})) return Value(TimestampToString(ms > 0 ? INT64_MAX : -INT64_MAX, false));
        return Value(TimestampToString(ms * 1000, false));
      }
      case DUCKDB_TYPE_TIMESTAMP_NS: {
        int64_t ns = At<int64_t>(data, i);
        if (!duckdb_is_finite_timestamp_ns(duckdb_timestamp_ns{ns})) return Value(TimestampToString(ns > 0 ? INT64_MAX : -INT64_MAX, false));
        return Value(TimestampToString(ns >= 0 ? ns / 1000 : -((-ns + 999) / 1000), false));
      }
      case DUCKDB_TYPE_TIME: return Value(TimeToString(At<int64_t>(data, i)));
      case DUCKDB_TYPE_TIME_TZ: {
        duckdb_time_tz_struct t = duckdb_from_time_tz(At<duckdb_time_tz>(data, i));
        int32_t off = t.offset;
        char buf[16];
        std::snprintf(buf, sizeof buf, "%c%02d:%02d", off < 0 ? '-' : '+', std::abs(off) / 3600,
                      std::abs(off) / 60 % 60);
        int64_t us = ((t.time.hour * 60LL + t.time.min) * 60 + t.time.sec) * 1000000 + t.time.micros;
        return Value(TimeToString(us) + buf);
      }
      case DUCKDB_TYPE_INTERVAL: {
        auto v = At<duckdb_interval>(data, i);
        return Value(std::to_string(v.months) + " months " + std::to_string(v.days) + " days " +
                     std::to_string(v.micros) + " microseconds");
      }
      case DUCKDB_TYPE_UUID: return Value(UuidToString(At<duckdb_hugeint>(data, i)));
      case DUCKDB_TYPE_ENUM: {
        uint64_t k = internal_ == DUCKDB_TYPE_UTINYINT    ? At<uint8_t>(data, i)
                     : internal_ == DUCKDB_TYPE_USMALLINT ? At<uint16_t>(data, i)
                                                          : At<uint32_t>(data, i);
        if (k >= enum_values_.size()) return Internal("duckdb: enum index out of range");
        return Value(enum_values_[k]);
      }
      default:
        break;
    }
    return ExecutionFailed("duckdb: column \"" + name_ + "\" has a type ferry does not read (" +
                           TypeName() + "); cast it to VARCHAR in the query");
  }

  std::string TypeName() const {
    char* alias = duckdb_logical_type_get_alias(type_);
    std::string out = alias ? alias : ("type id " + std::to_string(static_cast<int>(id_)));
    duckdb_free(alias);
    switch (id_) {
      case DUCKDB_TYPE_LIST: return "LIST";
      case DUCKDB_TYPE_STRUCT: return "STRUCT";
      case DUCKDB_TYPE_MAP: return "MAP";
      case DUCKDB_TYPE_ARRAY: return "ARRAY";
      case DUCKDB_TYPE_UNION: return "UNION";
      case DUCKDB_TYPE_BIT: return "BIT";
      default: return out;
    }
  }

  duckdb_logical_type type_;
  std::string name_;
  duckdb_type id_ = DUCKDB_TYPE_INVALID;
  uint8_t scale_ = 0;
  duckdb_type internal_ = DUCKDB_TYPE_INVALID;
  std::vector<std::string> enum_values_;
};

std::string FirstWord(std::string_view sql) {
  size_t i = 0;
  while (i < sql.size()) {
    if (std::isspace(static_cast<unsigned char>(sql[i]))) {
      ++i;
    } else if (sql.compare(i, 2, "--") == 0) {
      while (i < sql.size() && sql[i] != '\n') ++i;
    } else if (sql.compare(i, 2, "/*") == 0) {
      size_t end = sql.find("*/", i + 2);
      i = end == std::string_view::npos ? sql.size() : end + 2;
    } else {
      break;
    }
  }
  std::string w;
  while (i < sql.size() && std::isalpha(static_cast<unsigned char>(sql[i])))
    w.push_back(static_cast<char>(std::toupper(static_cast<unsigned char>(sql[i++]))));
  return w;
}

}  // namespace

Status ErrorStatus(duckdb_error_type type, std::string_view message) {
  std::string msg = "duckdb: " + std::string(message);
  while (!msg.empty() && std::isspace(static_cast<unsigned char>(msg.back()))) msg.pop_back();
  msg = RedactSecrets(msg);
  switch (type) {
    case DUCKDB_ERROR_IO:
      if (msg.find("Could not set lock") != std::string::npos) return Locked(msg);
      return IOError(msg);
    case DUCKDB_ERROR_INTERRUPT:
      return Cancelled(msg);
    case DUCKDB_ERROR_CONNECTION:
      return Unavailable(msg);
    default:
      return ExecutionFailed(msg);
  }
}

Status ResultError(duckdb_result* result) {
  const char* err = duckdb_result_error(result);
  return ErrorStatus(duckdb_result_error_type(result), err ? err : "unknown error");
}

Status BindParams(duckdb_prepared_statement stmt, const std::vector<Value>& params) {
  duckdb_clear_bindings(stmt);
  idx_t n = duckdb_nparams(stmt);
  if (n > params.size())
    return InvalidArgument("duckdb: statement wants " + std::to_string(n) + " parameters but " +
                           std::to_string(params.size()) + " given");
  for (idx_t i = 1; i <= n; ++i) {
    const Value& v = params[i - 1];
    duckdb_state st = DuckDBSuccess;
    if (IsNull(v)) {
      st = duckdb_bind_null(stmt, i);
    } else if (auto* iv = std::get_if<int64_t>(&v)) {
      st = duckdb_bind_int64(stmt, i, *iv);
    } else if (auto* dv = std::get_if<double>(&v)) {
      st = duckdb_bind_double(stmt, i, *dv);
    } else if (auto* sv = std::get_if<std::string>(&v)) {
      st = duckdb_bind_varchar_length(stmt, i, sv->data(), sv->size());
    } else if (auto* bv = std::get_if<Blob>(&v)) {
      st = duckdb_bind_blob(stmt, i, bv->bytes.data(), bv->bytes.size());
    }
    if (st != DuckDBSuccess) {
      const char* err = duckdb_prepare_error(stmt);
      return ExecutionFailed("duckdb: binding $" + std::to_string(i) + " (" + ValueToDisplay(v).substr(0, 60) +
                             "): " + (err ? err : "rejected"));
    }
  }
  return Status::OK();
}

Result<int64_t> ReadResult(duckdb_result* result, Rows* out) {
  int64_t changed = static_cast<int64_t>(duckdb_rows_changed(result));
  if (out == nullptr) return changed;
  idx_t ncol = duckdb_column_count(result);
  out->columns.clear();
  out->rows.clear();
  std::vector<std::unique_ptr<ColumnDecoder>> decoders;
  for (idx_t c = 0; c < ncol; ++c) {
    const char* name = duckdb_column_name(result, c);
    out->columns.emplace_back(name ? name : "");
    decoders.push_back(std::make_unique<ColumnDecoder>(duckdb_column_logical_type(result, c), out->columns.back()));
  }
  for (;;) {
    duckdb_data_chunk chunk = duckdb_fetch_chunk(*result);
    if (chunk == nullptr) break;
    idx_t n = duckdb_data_chunk_get_size(chunk);
    size_t base = out->rows.size();
    out->rows.resize(base + n, std::vector<Value>(ncol));
    Status st;
    for (idx_t c = 0; c < ncol && st.ok(); ++c)
      st = decoders[c]->Decode(duckdb_data_chunk_get_vector(chunk, c), n, &out->rows, base, c);
    duckdb_destroy_data_chunk(&chunk);
    if (!st.ok()) return st;
  }
  return changed;
}

void TrackTransaction(Session* s, duckdb_statement_type type, std::string_view sql) {
  if (type != DUCKDB_STATEMENT_TYPE_TRANSACTION) return;
  std::string w = FirstWord(sql);
  if (w == "BEGIN" || w == "START") s->in_transaction = true;
  if (w == "COMMIT" || w == "END" || w == "ROLLBACK" || w == "ABORT") s->in_transaction = false;
  s->failed_in_transaction = false;
}

Status NoteFailure(Session* s, Status st) {
  if (!st.ok() && s->in_transaction) s->failed_in_transaction = true;
  return st;
}

}  // namespace ferry::duckdb_internal
