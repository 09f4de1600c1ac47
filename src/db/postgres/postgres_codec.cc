#include "db/postgres/postgres_codec.h"

#include <charconv>
#include <cmath>
#include <cstring>

namespace ferry::pg {
namespace {

// Built-in type OIDs (fixed since PostgreSQL 7; from catalog/pg_type.dat,
// which libpq-dev does not ship).
constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kInt2Oid = 21;
constexpr Oid kInt4Oid = 23;
constexpr Oid kOidOid = 26;
constexpr Oid kFloat4Oid = 700;
constexpr Oid kFloat8Oid = 701;

constexpr char kHex[] = "0123456789abcdef";

void AppendCopyText(std::string_view s, std::string* out) {
  for (char c : s) {
    switch (c) {
      case '\\': out->append("\\\\"); break;
      case '\t': out->append("\\t"); break;
      case '\n': out->append("\\n"); break;
      case '\r': out->append("\\r"); break;
      default: out->push_back(c);
    }
  }
}

}  // namespace

std::string FormatDouble(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  (void)ec;  // 64 bytes always hold the shortest form of a double
  return std::string(buf, end);
}

EncodedParams EncodeParams(const std::vector<Value>& params) {
  EncodedParams p;
  const size_t n = params.size();
  p.storage.resize(n);
  p.values.assign(n, nullptr);
  p.lengths.assign(n, 0);
  p.formats.assign(n, 0);
  p.types.assign(n, 0);
  for (size_t i = 0; i < n; ++i) {
    const Value& v = params[i];
    if (IsNull(v)) continue;  // values[i] stays nullptr
    if (auto* iv = std::get_if<int64_t>(&v)) {
      p.storage[i] = std::to_string(*iv);
    } else if (auto* dv = std::get_if<double>(&v)) {
      p.storage[i] = FormatDouble(*dv);
    } else if (auto* sv = std::get_if<std::string>(&v)) {
      p.storage[i] = *sv;
    } else if (auto* bv = std::get_if<Blob>(&v)) {
      // Binary bytea is the raw bytes: no escaping, NULs included.
      p.storage[i] = bv->bytes;
      p.formats[i] = 1;
      p.types[i] = kByteaOid;
    }
  }
  // Pointers last: `storage` no longer changes.
  for (size_t i = 0; i < n; ++i) {
    if (IsNull(params[i])) continue;
    p.values[i] = p.storage[i].data();
    p.lengths[i] = static_cast<int>(p.storage[i].size());
  }
  return p;
}

Status DecodeField(const PGresult* res, int row, int col, Value* out) {
  if (PQgetisnull(res, row, col)) {
    out->emplace<std::monostate>();
    return Status::OK();
  }
  const char* text = PQgetvalue(res, row, col);
  const size_t len = static_cast<size_t>(PQgetlength(res, row, col));
  switch (PQftype(res, col)) {
    case kInt2Oid:
    case kInt4Oid:
    case kInt8Oid:
    case kOidOid: {
      int64_t v = 0;
      auto [end, ec] = std::from_chars(text, text + len, v);
      if (ec == std::errc() && end == text + len) {
        out->emplace<int64_t>(v);
        return Status::OK();
      }
      break;  // cannot happen for these types; fall back to text
    }
    case kFloat4Oid:
    case kFloat8Oid: {
      // from_chars accepts "NaN", "Infinity", "-Infinity" (any case).
      double v = 0;
      auto [end, ec] = std::from_chars(text, text + len, v);
      if (ec == std::errc() && end == text + len) {
        out->emplace<double>(v);
        return Status::OK();
      }
      break;
    }
    case kBoolOid:
      out->emplace<int64_t>(len > 0 && text[0] == 't' ? 1 : 0);
      return Status::OK();
    case kByteaOid: {
      size_t out_len = 0;
      unsigned char* raw =
          PQunescapeBytea(reinterpret_cast<const unsigned char*>(text), &out_len);
      if (raw == nullptr) return Internal("postgres: out of memory decoding bytea");
      out->emplace<Blob>().bytes.assign(reinterpret_cast<const char*>(raw), out_len);
      PQfreemem(raw);
      return Status::OK();
    }
    default:
      break;
  }
  out->emplace<std::string>(text, len);
  return Status::OK();
}

Result<Rows> DecodeRows(const PGresult* res) {
  Rows out;
  const int ncols = PQnfields(res);
  const int nrows = PQntuples(res);
  out.columns.reserve(static_cast<size_t>(ncols));
  for (int c = 0; c < ncols; ++c) out.columns.emplace_back(PQfname(res, c));
  out.rows.reserve(static_cast<size_t>(nrows));
  for (int r = 0; r < nrows; ++r) {
    std::vector<Value> row(static_cast<size_t>(ncols));
    for (int c = 0; c < ncols; ++c) {
      FERRY_RETURN_IF_ERROR(DecodeField(res, r, c, &row[static_cast<size_t>(c)]));
    }
    out.rows.push_back(std::move(row));
  }
  return out;
}

void AppendCopyRow(const std::vector<Value>& row, std::string* out) {
  for (size_t i = 0; i < row.size(); ++i) {
    if (i > 0) out->push_back('\t');
    const Value& v = row[i];
    if (IsNull(v)) {
      out->append("\\N");
    } else if (auto* iv = std::get_if<int64_t>(&v)) {
      out->append(std::to_string(*iv));
    } else if (auto* dv = std::get_if<double>(&v)) {
      out->append(FormatDouble(*dv));
    } else if (auto* sv = std::get_if<std::string>(&v)) {
      AppendCopyText(*sv, out);
    } else if (auto* bv = std::get_if<Blob>(&v)) {
      // bytea hex input is "\x0aff"; COPY text needs the backslash doubled.
      out->append("\\\\x");
      for (unsigned char c : bv->bytes) {
        out->push_back(kHex[c >> 4]);
        out->push_back(kHex[c & 0xf]);
      }
    }
  }
  out->push_back('\n');
}

}  // namespace ferry::pg
