#include "jobs/copy/postgres_passthrough.h"

#include <cstring>
#include <map>
#include <optional>
#include <set>

#include "db/key_codec.h"
#include "db/postgres/postgres_database.h"

namespace ferry {
namespace {

struct ColumnType {
  std::string type;  // format_type()
  bool builtin = false;
};

// Each column's type as the server spells it, and whether it is built in.
Result<std::map<std::string, ColumnType>> ColumnTypes(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(
      Rows rows,
      db->Query("SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), "
                "(t.typnamespace = 'pg_catalog'::regnamespace)::int "
                "FROM pg_attribute a JOIN pg_type t ON t.oid = a.atttypid "
                "WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 AND NOT a.attisdropped",
                {db->QuoteIdentifier(table)}));
  std::map<std::string, ColumnType> out;
  for (size_t i = 0; i < rows.size(); ++i)
    out[rows.GetText(i, 0).value_or("")] = {rows.GetText(i, 1).value_or(""),
                                            rows.GetInt(i, 2).value_or(0) != 0};
  return out;
}

// "timestamp(3) without time zone" -> "timestamp without time zone".
std::string WithoutModifier(const std::string& type) {
  size_t open = type.find('(');
  size_t close = type.find(')', open);
  if (open == std::string::npos || close == std::string::npos) return type;
  return type.substr(0, open) + type.substr(close + 1);
}

bool SameBinaryForm(const std::string& source, const std::string& target) {
  if (source == target) return true;
  static const std::set<std::string> kLoosened = {
      "numeric",
      "character varying",
      "timestamp without time zone",
      "timestamp with time zone",
      "time without time zone",
      "time with time zone",
  };
  const std::string base = WithoutModifier(source);
  if (kLoosened.count(base) && target == base) return true;
  return base == "character varying" && target == "text";
}

enum class Form { kBinary, kTextOnly, kNone };

// How a source column's values can reach the target column unchanged.
// kBinary: the target decodes the source's binary form to the same value. A
// modifier only constrains values, so an unconstrained target of the same
// type accepts every value the source holds; varchar and text share their
// binary form. Not char(n) or bit(n): without a modifier those mean length
// 1. kTextOnly: a wider integer (what --create-schema declares for every
// integer) reads the narrower one's text form as the same number, but not
// its binary form.
Form ColumnForm(const std::string& source, const std::string& target) {
  static const std::map<std::string, int> kIntWidth = {
      {"smallint", 2}, {"integer", 4}, {"bigint", 8}};
  auto sw = kIntWidth.find(source), tw = kIntWidth.find(target);
  if (sw != kIntWidth.end() && tw != kIntWidth.end() && sw->second < tw->second)
    return Form::kTextOnly;
  return SameBinaryForm(source, target) ? Form::kBinary : Form::kNone;
}

uint64_t BigEndian(const char* p, size_t n) {
  uint64_t v = 0;
  for (size_t i = 0; i < n; ++i) v = (v << 8) | static_cast<unsigned char>(p[i]);
  return v;
}

// The key fields of the last tuple of a COPY binary stream (signature,
// flags, header extension, tuples of int16 field count and int32-length
// fields, trailer -1). `kinds[i]` is 'i' for an integer key column (2, 4
// or 8 bytes, big-endian) or 't' for text. nullopt when the stream is not
// what it should be, or has no tuple.
std::optional<std::vector<Value>> LastKeyOfBinaryPage(const std::string& data,
                                                      const std::vector<size_t>& cols,
                                                      const std::vector<char>& kinds) {
  const char* p = data.data();
  const size_t size = data.size();
  size_t at = 11 + 4;  // "PGCOPY\n\377\r\n\0", flags
  if (size < at + 4) return std::nullopt;
  at += 4 + BigEndian(p + at, 4);  // header extension
  size_t last = 0;
  bool any = false;
  while (at + 2 <= size) {
    const int16_t fields = static_cast<int16_t>(BigEndian(p + at, 2));
    if (fields == -1) break;  // trailer
    const size_t tuple = at;
    at += 2;
    for (int16_t f = 0; f < fields; ++f) {
      if (at + 4 > size) return std::nullopt;
      const int32_t len = static_cast<int32_t>(BigEndian(p + at, 4));
      at += 4 + (len > 0 ? static_cast<size_t>(len) : 0);
    }
    if (at > size) return std::nullopt;
    last = tuple;
    any = true;
  }
  if (!any) return std::nullopt;
  // Walk the last tuple once more, picking out the key fields.
  std::vector<Value> key(cols.size());
  std::vector<bool> seen(cols.size(), false);
  at = last;
  const int16_t fields = static_cast<int16_t>(BigEndian(p + at, 2));
  at += 2;
  for (int16_t f = 0; f < fields; ++f) {
    const int32_t len = static_cast<int32_t>(BigEndian(p + at, 4));
    at += 4;
    for (size_t k = 0; k < cols.size(); ++k) {
      if (cols[k] != static_cast<size_t>(f)) continue;
      if (len < 0) return std::nullopt;  // a NULL key: not a usable key
      if (kinds[k] == 't') {
        key[k] = std::string(p + at, static_cast<size_t>(len));
      } else {
        if (len != 2 && len != 4 && len != 8) return std::nullopt;
        uint64_t u = BigEndian(p + at, static_cast<size_t>(len));
        const int shift = 64 - 8 * len;
        key[k] = static_cast<int64_t>(u << shift) >> shift;  // sign-extend
      }
      seen[k] = true;
    }
    at += len > 0 ? static_cast<size_t>(len) : 0;
  }
  for (bool b : seen)
    if (!b) return std::nullopt;
  return key;
}

}  // namespace

Result<PassthroughChoice> ChoosePassthrough(Database* source, Database* target,
                                            const TableSchema& schema,
                                            const TypeOverrides& overrides) {
  auto no = [](std::string why) { return PassthroughChoice{false, std::move(why)}; };
  if (source == nullptr || target == nullptr) return no("one side is not a SQL database");
  if (source->dialect() != Dialect::kPostgres || target->dialect() != Dialect::kPostgres)
    return no("not PostgreSQL on both sides");
#ifdef FERRY_WITH_POSTGRES
  if (!CanStreamCopy(source) || !CanStreamCopy(target))
    return no("a connection cannot stream COPY");
#else
  return no("built without PostgreSQL");
#endif
  for (const auto& c : schema.columns)
    if (overrides.by_column.count(c.name) || overrides.by_column.count(schema.name + "." + c.name))
      return no("--map overrides column " + c.name);
  FERRY_ASSIGN_OR_RETURN(auto from, ColumnTypes(source, schema.name));
  FERRY_ASSIGN_OR_RETURN(auto to, ColumnTypes(target, schema.name));
  std::string text_only;
  for (const auto& c : schema.columns) {
    auto f = from.find(c.name);
    auto t = to.find(c.name);
    if (f == from.end() || t == to.end()) return no("column " + c.name + " is missing on a side");
    if (!f->second.builtin || !t->second.builtin)
      return no("column " + c.name + " has a type that is not built in (" + f->second.type +
                " -> " + t->second.type + ")");
    Form form = ColumnForm(f->second.type, t->second.type);
    if (form == Form::kNone)
      return no("column " + c.name + " changes type (" + f->second.type + " -> " +
                t->second.type + ")");
    if (form == Form::kTextOnly) text_only = c.name;
  }
  PassthroughChoice yes{true, ""};
  if (!text_only.empty()) {
    yes.format = "text";
    yes.reason = "column " + text_only + " widens an integer";
  }
  return yes;
}

std::string PassthroughLiteral(const Value& v, const std::string& type) {
  std::string text;
  if (IsNull(v)) return "NULL::" + type;
  if (auto* i = std::get_if<int64_t>(&v)) {
    text = std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&v)) {
    text = FormatReal(*d);  // shortest form that reads back as the same double
  } else if (auto* s = std::get_if<std::string>(&v)) {
    text = *s;
  } else if (auto* b = std::get_if<Blob>(&v)) {
    text = "\\x" + HexEncode(b->bytes);
  }
  // E'' escapes mean the same whatever standard_conforming_strings says.
  std::string out = "E'";
  for (char c : text) {
    if (c == '\\') out += "\\\\";
    else if (c == '\'') out += "''";
    else out += c;
  }
  return out + "'::" + type;
}

PassthroughReader::PassthroughReader(Connect connect, const TableSchema& schema,
                                     std::vector<std::string> key, size_t page_size,
                                     std::string format)
    : connect_(std::move(connect)),
      format_(std::move(format)),
      table_(schema.name),
      columns_(schema.ColumnNames()),
      key_(std::move(key)),
      page_size_(page_size == 0 ? 1 : page_size) {
  stream_keys_ = format_ == "binary";
  for (const auto& k : key_) {
    int i = schema.ColumnIndex(k);
    key_types_.push_back(i < 0 ? "text" : schema.columns[static_cast<size_t>(i)].declared_type);
    const std::string& t = key_types_.back();
    char kind = t == "bigint" || t == "integer" || t == "smallint" ? 'i'
                : t == "text" || t.rfind("character varying", 0) == 0 ? 't'
                                                                       : 0;
    if (i < 0 || kind == 0) stream_keys_ = false;
    key_cols_.push_back(i < 0 ? 0 : static_cast<size_t>(i));
    key_kinds_.push_back(kind);
  }
}

Status PassthroughReader::Connected() {
  if (db_) return Status::OK();
  FERRY_ASSIGN_OR_RETURN(db_, connect_());
  // Text format: floats in their exact (shortest round-trip) form on every
  // server version (before 12 the default rounded to 15 digits).
  FERRY_RETURN_IF_ERROR(db_->Exec("SET extra_float_digits = 3"));
  const std::string keys = KeyColumns(false);
  std::string desc, params;
  for (size_t i = 0; i < key_.size(); ++i) {
    const std::string sep = i ? ", " : "";
    desc += sep + db_->QuoteIdentifier(key_[i]) + " DESC";
    params += sep + "$" + std::to_string(i + 1);
  }
  const std::string from = "SELECT " + keys + " FROM " + db_->QuoteIdentifier(table_);
  const std::string after = " WHERE " + KeyColumns(true) + " > " +
                            (key_.size() == 1 ? params : "(" + params + ")");
  const std::string nth =
      " ORDER BY " + keys + " OFFSET " + std::to_string(page_size_ - 1) + " LIMIT 1";
  const std::string max = " ORDER BY " + desc + " LIMIT 1";
  FERRY_ASSIGN_OR_RETURN(nth_first_, db_->Prepare(from + nth));
  FERRY_ASSIGN_OR_RETURN(nth_after_, db_->Prepare(from + after + nth));
  FERRY_ASSIGN_OR_RETURN(max_first_, db_->Prepare(from + max));
  FERRY_ASSIGN_OR_RETURN(max_after_, db_->Prepare(from + after + max));
  return Status::OK();
}

// The page's last key: the page_size-th key after last_key_, or (fewer rows
// left) the greatest one; empty when no row is left.
Result<std::vector<Value>> PassthroughReader::EndKey() {
  const bool first = last_key_.empty();
  FERRY_ASSIGN_OR_RETURN(Rows r, first ? nth_first_->Query({}) : nth_after_->Query(last_key_));
  if (r.empty()) {
    FERRY_ASSIGN_OR_RETURN(r, first ? max_first_->Query({}) : max_after_->Query(last_key_));
  }
  if (r.empty()) return std::vector<Value>{};
  return std::move(r.rows[0]);
}

std::string PassthroughReader::KeyTuple(const std::vector<Value>& key) const {
  if (key.size() == 1) return PassthroughLiteral(key[0], key_types_[0]);
  std::string out = "(";
  for (size_t i = 0; i < key.size(); ++i)
    out += (i ? ", " : "") + PassthroughLiteral(key[i], key_types_[i]);
  return out + ")";
}

std::string PassthroughReader::KeyColumns(bool as_tuple) const {
  std::string keys;
  for (size_t i = 0; i < key_.size(); ++i) keys += (i ? ", " : "") + db_->QuoteIdentifier(key_[i]);
  return as_tuple && key_.size() > 1 ? "(" + keys + ")" : keys;
}

// One page: `COPY (SELECT cols FROM t <where> ORDER BY key <limit>) TO
// STDOUT` into page->data, never decoded.
Status PassthroughReader::CopyPage(const std::string& where, const std::string& limit,
                                   PassthroughPage* page) {
  std::string cols;
  for (size_t i = 0; i < columns_.size(); ++i)
    cols += (i ? ", " : "") + db_->QuoteIdentifier(columns_[i]);
  const std::string sql = "COPY (SELECT " + cols + " FROM " + db_->QuoteIdentifier(table_) + where +
                          " ORDER BY " + KeyColumns(false) + limit + ") TO STDOUT (FORMAT " +
                          format_ + ")";
#ifdef FERRY_WITH_POSTGRES
  // Pages are alike in size: room for the last one (plus a margin) spares
  // the string's doublings and their slack.
  page->data.reserve(last_bytes_ + last_bytes_ / 8);
  auto rows = CopyOut(db_.get(), sql, [&](std::string_view chunk) {
    page->data.append(chunk);
    return Status::OK();
  });
  if (!rows.ok()) return rows.status().WithContext("reading " + table_);
  page->rows = *rows;
  last_bytes_ = page->data.size();
  return Status::OK();
#else
  (void)sql;
  return FailedPrecondition("passthrough: built without PostgreSQL");
#endif
}

Result<bool> PassthroughReader::Next(PassthroughPage* page) {
  page->data.clear();
  page->rows = 0;
  FERRY_RETURN_IF_ERROR(Connected().WithContext("reading " + table_));
  if (stream_keys_) return NextLimited(page);
  auto end = EndKey();
  if (!end.ok()) return end.status().WithContext("reading " + table_);
  if (end->empty()) return false;

  std::string where = KeyColumns(true) + " <= " + KeyTuple(*end);
  if (!last_key_.empty()) where = KeyColumns(true) + " > " + KeyTuple(last_key_) + " AND " + where;
  FERRY_RETURN_IF_ERROR(CopyPage(" WHERE " + where, "", page));
  page->last_key = *end;
  last_key_ = std::move(*end);
  return true;
}

// Integer and text keys: one statement per page, `key > last ORDER BY key
// LIMIT n` as the value path reads, and the end key is read from the last
// tuple of the stream itself (no end-key query).
Result<bool> PassthroughReader::NextLimited(PassthroughPage* page) {
  if (done_) return false;
  const std::string where =
      last_key_.empty() ? "" : " WHERE " + KeyColumns(true) + " > " + KeyTuple(last_key_);
  FERRY_RETURN_IF_ERROR(CopyPage(where, " LIMIT " + std::to_string(page_size_), page));
  if (page->rows < static_cast<int64_t>(page_size_)) done_ = true;
  if (page->rows == 0) return false;
  auto key = LastKeyOfBinaryPage(page->data, key_cols_, key_kinds_);
  if (!key) return Internal("reading " + table_ + ": no key in the last row of a COPY page");
  page->last_key = *key;
  last_key_ = std::move(*key);
  return true;
}

Status PassthroughReader::Reopen() {
  // The statements belong to the old connection: drop them first.
  nth_first_.reset();
  nth_after_.reset();
  max_first_.reset();
  max_after_.reset();
  db_.reset();
  return Connected();
}

Status WritePassthroughPage(Database* db, const std::string& table,
                            const std::vector<std::string>& columns, const PassthroughPage& page,
                            const std::string& format) {
#ifdef FERRY_WITH_POSTGRES
  std::string sql = "COPY " + db->QuoteIdentifier(table) + " (";
  for (size_t i = 0; i < columns.size(); ++i)
    sql += (i ? ", " : "") + db->QuoteIdentifier(columns[i]);
  sql += ") FROM STDIN (FORMAT " + format + ")";
  size_t sent = 0;
  auto loaded = CopyIn(db, sql, [&](char* buf, size_t cap) -> Result<size_t> {
    size_t n = std::min(cap, page.data.size() - sent);
    std::memcpy(buf, page.data.data() + sent, n);
    sent += n;
    return n;
  });
  if (!loaded.ok()) return loaded.status().WithContext("COPY " + table);
  if (*loaded != page.rows)
    return Internal("COPY " + table + ": the target loaded " + std::to_string(*loaded) +
                    " rows of a page of " + std::to_string(page.rows));
  return Status::OK();
#else
  (void)db, (void)table, (void)columns, (void)page, (void)format;
  return FailedPrecondition("passthrough: built without PostgreSQL");
#endif
}

}  // namespace ferry
