#include "jobs/copy/postgres_csv_export.h"

#include <charconv>
#include <set>

#include "db/key_codec.h"
#include "jobs/copy/csv.h"
#include "util/strings.h"
#ifdef FERRY_WITH_POSTGRES
#include "db/postgres/postgres_database.h"
#endif

namespace ferry {
namespace {

enum class Spelling { kPlain, kBoolean, kBytea, kReal };

// format_type() spelling without "(args)"; arrays keep "[]".
std::string BaseType(const std::string& declared) {
  std::string out;
  int depth = 0;
  for (char c : declared) {
    if (c == '(') ++depth;
    else if (c == ')') --depth;
    else if (depth == 0) out.push_back(c);
  }
  return out;
}

// How a column's value is spelled by the Value path (postgres_codec.cc
// decodes int2/4/8, float4/8, bool and bytea; everything else is the
// server's text). nullopt: a type this list does not know.
std::optional<Spelling> SpellingOf(const std::string& declared) {
  static const std::set<std::string> kPlain = {
      "bigint", "integer", "smallint", "oid", "text", "character varying", "character",
      "numeric", "timestamp without time zone", "timestamp with time zone", "date",
      "time without time zone", "time with time zone", "interval", "uuid", "json", "jsonb"};
  std::string t = BaseType(declared);
  if (EndsWith(t, "[]")) {  // arrays are the server's text in both paths
    t.resize(t.size() - 2);
    if (kPlain.count(t) || t == "boolean" || t == "bytea" || t == "double precision" || t == "real")
      return Spelling::kPlain;
    return std::nullopt;
  }
  if (kPlain.count(t)) return Spelling::kPlain;
  if (t == "boolean") return Spelling::kBoolean;
  if (t == "bytea") return Spelling::kBytea;
  if (t == "double precision" || t == "real") return Spelling::kReal;
  return std::nullopt;
}

}  // namespace

void AppendServerCsvRow(std::string_view row, const std::vector<bool>& is_real, std::string* out) {
  if (!row.empty() && row.back() == '\n') row.remove_suffix(1);
  // The server quotes a lone \. in a one-column table (an end-of-data
  // marker to old clients); ferry's writer does not.
  if (is_real.size() == 1 && row == "\"\\.\"") row = "\\.";
  size_t reals_end = 0;  // past the last real column: the rest is copied as it is
  for (size_t c = 0; c < is_real.size(); ++c)
    if (is_real[c]) reals_end = c + 1;
  if (reals_end == 0) {
    out->append(row);
    out->append("\r\n");
    return;
  }
  const size_t end = row.size();
  size_t i = 0;
  for (size_t col = 0;; ++col) {
    const size_t start = i;
    if (col == reals_end) {
      out->append(row.substr(i));
      break;
    }
    if (i < end && row[i] == '"') {
      for (++i; i < end; ++i) {
        if (row[i] != '"') continue;
        if (i + 1 < end && row[i + 1] == '"') {
          ++i;
          continue;
        }
        ++i;
        break;
      }
    } else {
      while (i < end && row[i] != ',') ++i;
    }
    std::string_view field = row.substr(start, i - start);
    double v = 0;
    if (col < is_real.size() && is_real[col] && !field.empty()) {
      // As postgres_codec.cc: from_chars, then FormatReal; text if it fails.
      auto [p, ec] = std::from_chars(field.data(), field.data() + field.size(), v);
      if (ec == std::errc() && p == field.data() + field.size()) out->append(FormatReal(v));
      else out->append(field);
    } else {
      out->append(field);
    }
    if (i >= end) break;
    out->push_back(',');
    ++i;
  }
  out->append("\r\n");
}

std::optional<std::vector<std::string>> ServerCsvColumns(Database* db, const TableSchema& s) {
#ifndef FERRY_WITH_POSTGRES
  (void)db;
  (void)s;
  return std::nullopt;
#else
  if (db->dialect() != Dialect::kPostgres || s.columns.empty()) return std::nullopt;
  std::vector<std::string> select;
  for (const auto& c : s.columns) {
    auto sp = SpellingOf(c.declared_type);
    if (!sp) return std::nullopt;
    const std::string q = db->QuoteIdentifier(c.name);
    switch (*sp) {
      case Spelling::kBoolean: select.push_back(q + "::text"); break;  // true/false, not t/f
      case Spelling::kBytea: select.push_back("chr(92) || 'x' || encode(" + q + ", 'hex')"); break;
      default: select.push_back(q); break;
    }
  }
  return select;
#endif
}

Result<int64_t> ServerCsvExport(Database* db, const ExportOptions& o, const TableSchema& s,
                                const std::vector<std::string>& select,
                                const std::function<Status(std::string_view)>& write) {
#ifndef FERRY_WITH_POSTGRES
  (void)db, (void)o, (void)s, (void)select, (void)write;
  return InvalidArgument("this ferry was built without PostgreSQL");
#else
  std::vector<bool> is_real;
  for (const auto& c : s.columns) is_real.push_back(SpellingOf(c.declared_type) == Spelling::kReal);
  std::string sql = "COPY (SELECT ";
  for (size_t i = 0; i < select.size(); ++i) sql += (i ? ", " : "") + select[i];
  sql += " FROM " + db->QuoteIdentifier(o.table);
  if (!o.where.empty()) sql += " WHERE (" + o.where + ")";
  if (!s.primary_key.empty()) {  // the keyset path's order
    sql += " ORDER BY ";
    for (size_t i = 0; i < s.primary_key.size(); ++i)
      sql += (i ? ", " : "") + db->QuoteIdentifier(s.primary_key[i]);
  }
  sql += ") TO STDOUT (FORMAT csv)";
  std::string buf;
  buf.reserve(kCopyStreamChunkBytes + 4096);
  auto rows = CopyOut(db, sql, [&](std::string_view chunk) -> Status {
    AppendServerCsvRow(chunk, is_real, &buf);
    if (buf.size() < kCopyStreamChunkBytes) return Status::OK();
    Status st = write(buf);
    buf.clear();
    return st;
  });
  FERRY_RETURN_IF_ERROR(rows.status());
  if (!buf.empty()) FERRY_RETURN_IF_ERROR(write(buf));
  return rows;
#endif
}

}  // namespace ferry
