#include "jobs/copy/kv_table_codec.h"

#include <cstring>

#include <nlohmann/json.hpp>

#include "jobs/copy/type_mapper.h"

namespace ferry {
namespace {

constexpr char kRowFormat = 0x01;

void PutBigEndian(uint64_t v, std::string* out) {
  for (int shift = 56; shift >= 0; shift -= 8) out->push_back(static_cast<char>(v >> shift));
}
uint64_t GetBigEndian(std::string_view s) {
  uint64_t v = 0;
  for (int i = 0; i < 8; ++i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
void PutLittleEndian(uint64_t v, std::string* out) {
  for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>(v >> (8 * i)));
}
uint64_t GetLittleEndian(std::string_view s) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | static_cast<unsigned char>(s[i]);
  return v;
}
void PutVarint(uint64_t v, std::string* out) {
  while (v >= 0x80) {
    out->push_back(static_cast<char>(v | 0x80));
    v >>= 7;
  }
  out->push_back(static_cast<char>(v));
}
bool GetVarint(std::string_view* s, uint64_t* v) {
  *v = 0;
  for (int shift = 0; shift <= 63 && !s->empty(); shift += 7) {
    unsigned char b = static_cast<unsigned char>(s->front());
    s->remove_prefix(1);
    *v |= static_cast<uint64_t>(b & 0x7f) << shift;
    if (!(b & 0x80)) return true;
  }
  return false;
}

void AppendEscaped(std::string_view bytes, std::string* out) {
  for (char c : bytes) {
    out->push_back(c);
    if (c == '\0') out->push_back('\xff');
  }
  out->push_back('\0');
  out->push_back('\x01');
}

}  // namespace

Status CheckKvTableName(const std::string& table) {
  if (table.empty()) return InvalidArgument("a key-value table needs a name");
  if (table.find(':') != std::string::npos || table.find('\0') != std::string::npos)
    return InvalidArgument("table \"" + table +
                           "\" cannot be stored in a key-value store: its name contains ':' or a "
                           "NUL byte, and keys are \"<table>:<primary key>\"");
  return Status::OK();
}

std::string KvRowPrefix(const std::string& table) { return table + ":"; }

std::string KvPrefixEnd(const std::string& prefix) {
  std::string end = prefix;
  while (!end.empty() && static_cast<unsigned char>(end.back()) == 0xff) end.pop_back();
  if (!end.empty()) end.back() = static_cast<char>(static_cast<unsigned char>(end.back()) + 1);
  return end;  // empty: no end (cannot happen for "<table>:")
}

std::string KvSchemaPrefix() { return std::string("\0ferry:schema:", 14); }
std::string KvSchemaKey(const std::string& table) { return KvSchemaPrefix() + table; }
std::string KvCheckpointKey(const std::string& table) {
  return std::string("\0ferry:copy:", 12) + table;
}

void AppendKvKeyValue(const Value& v, std::string* out) {
  if (IsNull(v)) {
    out->push_back('\x01');
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out->push_back('\x02');
    PutBigEndian(static_cast<uint64_t>(*i) ^ (uint64_t{1} << 63), out);
  } else if (auto* d = std::get_if<double>(&v)) {
    out->push_back('\x03');
    uint64_t bits;
    std::memcpy(&bits, d, 8);
    bits = (bits & (uint64_t{1} << 63)) ? ~bits : bits | (uint64_t{1} << 63);
    PutBigEndian(bits, out);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    out->push_back('\x04');
    AppendEscaped(*s, out);
  } else if (auto* b = std::get_if<Blob>(&v)) {
    out->push_back('\x05');
    AppendEscaped(b->bytes, out);
  }
}

std::string EncodeKvKey(const std::vector<Value>& key) {
  std::string out;
  for (const auto& v : key) AppendKvKeyValue(v, &out);
  return out;
}

Result<std::vector<Value>> DecodeKvKey(std::string_view s) {
  std::vector<Value> out;
  auto bad = [&] { return Corruption("key-value key is not a ferry key encoding"); };
  while (!s.empty()) {
    char tag = s.front();
    s.remove_prefix(1);
    switch (tag) {
      case '\x01':
        out.emplace_back(std::monostate{});
        break;
      case '\x02':
        if (s.size() < 8) return bad();
        out.emplace_back(static_cast<int64_t>(GetBigEndian(s) ^ (uint64_t{1} << 63)));
        s.remove_prefix(8);
        break;
      case '\x03': {
        if (s.size() < 8) return bad();
        uint64_t bits = GetBigEndian(s);
        bits = (bits & (uint64_t{1} << 63)) ? bits & ~(uint64_t{1} << 63) : ~bits;
        double d;
        std::memcpy(&d, &bits, 8);
        out.emplace_back(d);
        s.remove_prefix(8);
        break;
      }
      case '\x04':
      case '\x05': {
        std::string bytes;
        for (;;) {
          if (s.empty()) return bad();
          char c = s.front();
          s.remove_prefix(1);
          if (c != '\0') {
            bytes.push_back(c);
            continue;
          }
          if (s.empty()) return bad();
          char next = s.front();
          s.remove_prefix(1);
          if (next == '\x01') break;
          if (next != '\xff') return bad();
          bytes.push_back('\0');
        }
        if (tag == '\x04')
          out.emplace_back(std::move(bytes));
        else
          out.emplace_back(Blob{std::move(bytes)});
        break;
      }
      default:
        return bad();
    }
  }
  return out;
}

std::string EncodeKvRow(const std::vector<Value>& row) {
  std::string out;
  out.push_back(kRowFormat);
  PutVarint(row.size(), &out);
  for (const auto& v : row) {
    if (IsNull(v)) {
      out.push_back('N');
    } else if (auto* i = std::get_if<int64_t>(&v)) {
      out.push_back('I');
      PutLittleEndian(static_cast<uint64_t>(*i), &out);
    } else if (auto* d = std::get_if<double>(&v)) {
      out.push_back('R');
      uint64_t bits;
      std::memcpy(&bits, d, 8);
      PutLittleEndian(bits, &out);
    } else if (auto* s = std::get_if<std::string>(&v)) {
      out.push_back('T');
      PutVarint(s->size(), &out);
      out.append(*s);
    } else if (auto* b = std::get_if<Blob>(&v)) {
      out.push_back('X');
      PutVarint(b->bytes.size(), &out);
      out.append(b->bytes);
    }
  }
  return out;
}

Result<std::vector<Value>> DecodeKvRow(std::string_view s, size_t columns) {
  if (s.empty() || s.front() != kRowFormat)
    return Corruption("row is not in ferry's key-value row format (version byte " +
                      std::string(s.empty() ? "missing" : std::to_string(static_cast<unsigned char>(s.front()))) +
                      ")");
  s.remove_prefix(1);
  uint64_t n = 0;
  if (!GetVarint(&s, &n)) return Corruption("row: truncated column count");
  if (n != columns)
    return Corruption("row has " + std::to_string(n) + " values, the table's schema " +
                      std::to_string(columns) + " columns");
  std::vector<Value> row;
  row.reserve(columns);
  for (uint64_t c = 0; c < n; ++c) {
    if (s.empty()) return Corruption("row: truncated at column " + std::to_string(c + 1));
    char tag = s.front();
    s.remove_prefix(1);
    switch (tag) {
      case 'N':
        row.emplace_back(std::monostate{});
        break;
      case 'I':
      case 'R': {
        if (s.size() < 8) return Corruption("row: truncated number at column " + std::to_string(c + 1));
        uint64_t bits = GetLittleEndian(s);
        s.remove_prefix(8);
        if (tag == 'I') {
          row.emplace_back(static_cast<int64_t>(bits));
        } else {
          double d;
          std::memcpy(&d, &bits, 8);
          row.emplace_back(d);
        }
        break;
      }
      case 'T':
      case 'X': {
        uint64_t len = 0;
        if (!GetVarint(&s, &len) || len > s.size())
          return Corruption("row: truncated bytes at column " + std::to_string(c + 1));
        std::string bytes(s.substr(0, len));
        s.remove_prefix(len);
        if (tag == 'T')
          row.emplace_back(std::move(bytes));
        else
          row.emplace_back(Blob{std::move(bytes)});
        break;
      }
      default:
        return Corruption("row: unknown value tag at column " + std::to_string(c + 1));
    }
  }
  if (!s.empty()) return Corruption("row: " + std::to_string(s.size()) + " bytes past the last column");
  return row;
}

std::string EncodeKvSchema(const TableSchema& schema) {
  nlohmann::json cols = nlohmann::json::array();
  for (const auto& c : schema.columns)
    cols.push_back({{"name", c.name},
                    {"declared_type", c.declared_type},
                    {"type", LogicalTypeName(c.type)},
                    {"type_args", c.type_args},
                    {"not_null", c.not_null}});
  return nlohmann::json{{"format", "ferry-kv-table/1"},
                        {"name", schema.name},
                        {"columns", cols},
                        {"key", schema.primary_key}}
      .dump();
}

Result<TableSchema> DecodeKvSchema(const std::string& table, std::string_view text) {
  TableSchema s;
  try {
    auto j = nlohmann::json::parse(text);
    if (j.value("format", "") != "ferry-kv-table/1")
      return Corruption("table " + table + ": schema entry has an unknown format");
    s.name = j.at("name").get<std::string>();
    for (const auto& c : j.at("columns")) {
      ColumnSchema col;
      col.name = c.at("name").get<std::string>();
      col.declared_type = c.value("declared_type", "");
      auto t = ParseLogicalType(c.at("type").get<std::string>());
      if (!t) return Corruption("table " + table + ": column " + col.name + " has an unknown type");
      col.type = *t;
      col.type_args = c.value("type_args", "");
      col.not_null = c.value("not_null", false);
      s.columns.push_back(std::move(col));
    }
    s.primary_key = j.at("key").get<std::vector<std::string>>();
  } catch (const std::exception& e) {
    return Corruption("table " + table + ": schema entry is not readable: " + e.what());
  }
  if (s.primary_key.empty()) return Corruption("table " + table + ": schema entry has no key");
  for (const auto& k : s.primary_key)
    if (s.ColumnIndex(k) < 0)
      return Corruption("table " + table + ": key column " + k + " is not a column");
  return s;
}

}  // namespace ferry
