#include "db/key_codec.h"

#include <charconv>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "util/strings.h"

namespace ferry {

std::optional<double> ParseReal(std::string_view s) {
  std::string t = ToLower(TrimView(s));
  if (t == "nan") return std::numeric_limits<double>::quiet_NaN();
  if (t == "infinity" || t == "inf" || t == "+infinity" || t == "+inf")
    return std::numeric_limits<double>::infinity();
  if (t == "-infinity" || t == "-inf") return -std::numeric_limits<double>::infinity();
  if (!t.empty() && t[0] == '+') t.erase(0, 1);
  double v = 0;
  auto [p, ec] = std::from_chars(t.data(), t.data() + t.size(), v);
  if (ec != std::errc() || p != t.data() + t.size() || t.empty()) return std::nullopt;
  return v;
}

std::string FormatReal(double d) {
  if (std::isnan(d)) return "NaN";
  if (std::isinf(d)) return d > 0 ? "Infinity" : "-Infinity";
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, d);
  (void)ec;
  return std::string(buf, end);
}

std::string HexEncode(const std::string& bytes) {
  static const char* kDigits = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char c : bytes) {
    out.push_back(kDigits[c >> 4]);
    out.push_back(kDigits[c & 15]);
  }
  return out;
}

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2) return std::nullopt;
  auto nib = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (size_t i = 0; i < hex.size(); i += 2) {
    int hi = nib(hex[i]), lo = nib(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

std::string EncodeKey(const std::vector<Value>& key) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& v : key) {
    if (IsNull(v)) {
      a.push_back(nullptr);
    } else if (auto* i = std::get_if<int64_t>(&v)) {
      a.push_back(*i);
    } else if (auto* d = std::get_if<double>(&v)) {
      a.push_back({{"real", FormatReal(*d)}});
    } else if (auto* s = std::get_if<std::string>(&v)) {
      a.push_back(*s);
    } else if (auto* b = std::get_if<Blob>(&v)) {
      a.push_back({{"hex", HexEncode(b->bytes)}});
    }
  }
  return a.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<Value>> DecodeKey(const std::string& json) {
  auto a = nlohmann::json::parse(json, nullptr, false);
  if (a.is_discarded() || !a.is_array())
    return Corruption("checkpoint key is not a JSON array: " + json);
  std::vector<Value> out;
  for (const auto& e : a) {
    if (e.is_null()) {
      out.emplace_back(std::monostate{});
    } else if (e.is_number_integer()) {
      out.emplace_back(e.get<int64_t>());
    } else if (e.is_string()) {
      out.emplace_back(e.get<std::string>());
    } else if (e.is_object() && e.contains("real")) {
      auto d = ParseReal(e["real"].get<std::string>());
      if (!d) return Corruption("checkpoint key: bad real in " + json);
      out.emplace_back(*d);
    } else if (e.is_object() && e.contains("hex")) {
      auto b = HexDecode(e["hex"].get<std::string>());
      if (!b) return Corruption("checkpoint key: bad hex in " + json);
      out.emplace_back(Blob{*b});
    } else {
      return Corruption("checkpoint key: unexpected element in " + json);
    }
  }
  return out;
}

}  // namespace ferry
