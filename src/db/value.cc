#include "db/value.h"

#include <charconv>
#include <cstdio>

namespace ferry {

std::string ValueToDisplay(const Value& v) {
  struct Visitor {
    std::string operator()(std::monostate) const { return "NULL"; }
    std::string operator()(int64_t i) const { return std::to_string(i); }
    std::string operator()(double d) const {
      char buf[64];
      std::snprintf(buf, sizeof buf, "%.17g", d);
      return buf;
    }
    std::string operator()(const std::string& s) const { return "'" + s + "'"; }
    std::string operator()(const Blob& b) const {
      static const char* kHex = "0123456789abcdef";
      std::string out = "x'";
      for (unsigned char c : b.bytes) {
        out += kHex[c >> 4];
        out += kHex[c & 15];
      }
      return out + "'";
    }
  };
  return std::visit(Visitor{}, v);
}

std::optional<int64_t> Rows::GetInt(size_t row, size_t col) const {
  const Value& v = rows.at(row).at(col);
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d);
  if (auto* s = std::get_if<std::string>(&v)) {
    int64_t out = 0;
    auto [p, ec] = std::from_chars(s->data(), s->data() + s->size(), out);
    if (ec == std::errc() && p == s->data() + s->size()) return out;
  }
  return std::nullopt;
}

std::optional<std::string> Rows::GetText(size_t row, size_t col) const {
  const Value& v = rows.at(row).at(col);
  if (IsNull(v)) return std::nullopt;
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* b = std::get_if<Blob>(&v)) return b->bytes;
  return ValueToDisplay(v);
}

}  // namespace ferry
