#include "jobs/copy/canonical.h"

#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>

#include <nlohmann/json.hpp>

#include "db/key_codec.h"
#include "jobs/copy/mysql_copy.h"
#include "util/strings.h"

namespace ferry {
namespace {

std::optional<int64_t> ParseInt(std::string_view s) {
  s = TrimView(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || p != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}


std::optional<bool> ParseBool(std::string_view s) {
  std::string t = ToLower(TrimView(s));
  if (t == "t" || t == "true" || t == "1" || t == "yes" || t == "y" || t == "on") return true;
  if (t == "f" || t == "false" || t == "0" || t == "no" || t == "n" || t == "off") return false;
  return std::nullopt;
}

std::string ValueAsText(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return *s;
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return FormatReal(*d);
  if (auto* b = std::get_if<Blob>(&v)) return b->bytes;
  return "";
}

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

std::string NormalizeDecimal(std::string t) {
  t = Trim(t);
  bool neg = false;
  if (!t.empty() && (t[0] == '+' || t[0] == '-')) {
    neg = t[0] == '-';
    t.erase(0, 1);
  }
  if (t.find_first_of("eE") != std::string::npos || t.empty()) return (neg ? "-" : "") + ToLower(t);
  size_t dot = t.find('.');
  std::string ip = dot == std::string::npos ? t : t.substr(0, dot);
  std::string fp = dot == std::string::npos ? "" : t.substr(dot + 1);
  while (ip.size() > 1 && ip[0] == '0') ip.erase(0, 1);
  while (!fp.empty() && fp.back() == '0') fp.pop_back();
  if (ip.empty()) ip = "0";
  std::string out = ip + (fp.empty() ? "" : "." + fp);
  if (out == "0") neg = false;
  return (neg ? "-" : "") + out;
}

void AppendField(char tag, std::string_view body, std::string* out) {
  out->push_back(tag);
  out->append(std::to_string(body.size()));
  out->push_back(':');
  out->append(body);
}

}  // namespace




std::optional<int64_t> ParseTimestampMicros(const std::string& text, bool apply_zone) {
  std::string t = Trim(text);
  std::string low = ToLower(t);
  if (low == "infinity") return std::numeric_limits<int64_t>::max();
  if (low == "-infinity") return std::numeric_limits<int64_t>::min();
  bool bc = EndsWith(low, " bc");
  if (bc) t = t.substr(0, t.size() - 3);
  size_t i = 0;
  auto digits = [&](size_t n, int64_t* out) {
    if (i + n > t.size()) return false;
    int64_t v = 0;
    for (size_t k = 0; k < n; ++k) {
      char c = t[i + k];
      if (c < '0' || c > '9') return false;
      v = v * 10 + (c - '0');
    }
    *out = v;
    i += n;
    return true;
  };
  int64_t y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0, frac = 0;
  // Years may have more than 4 digits (PostgreSQL allows 294276).
  size_t ylen = 0;
  while (i + ylen < t.size() && std::isdigit(static_cast<unsigned char>(t[i + ylen]))) ++ylen;
  if (ylen < 4 || !digits(ylen, &y)) return std::nullopt;
  if (bc) y = 1 - y;
  if (i >= t.size() || t[i++] != '-' || !digits(2, &mo) || i >= t.size() || t[i++] != '-' ||
      !digits(2, &d))
    return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31) return std::nullopt;
  int64_t offset_s = 0;
  if (i < t.size() && (t[i] == ' ' || t[i] == 'T' || t[i] == 't')) {
    ++i;
    if (!digits(2, &h) || i >= t.size() || t[i++] != ':' || !digits(2, &mi)) return std::nullopt;
    if (i < t.size() && t[i] == ':') {
      ++i;
      if (!digits(2, &s)) return std::nullopt;
      if (i < t.size() && t[i] == '.') {
        ++i;
        int n = 0;
        while (i < t.size() && std::isdigit(static_cast<unsigned char>(t[i]))) {
          if (n < 6) frac = frac * 10 + (t[i] - '0');
          ++n;
          ++i;
        }
        for (; n < 6; ++n) frac *= 10;
      }
    }
    while (i < t.size() && t[i] == ' ') ++i;
    if (i < t.size()) {
      char c = t[i];
      if (c == 'Z' || c == 'z') {
        ++i;
      } else if (t.compare(i, 3, "UTC") == 0) {
        i += 3;
      } else if (c == '+' || c == '-') {
        ++i;
        int64_t oh = 0, om = 0, os = 0;
        if (!digits(2, &oh)) return std::nullopt;
        if (i < t.size() && t[i] == ':') ++i;
        if (i < t.size()) digits(2, &om);
        if (i < t.size() && t[i] == ':') {
          ++i;
          digits(2, &os);
        }
        offset_s = (oh * 3600 + om * 60 + os) * (c == '-' ? -1 : 1);
      }
    }
  }
  if (i != t.size()) return std::nullopt;
  int64_t secs = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
                 h * 3600 + mi * 60 + s;
  if (apply_zone) secs -= offset_s;
  return secs * 1000000 + frac;
}

Value CarryValue(LogicalType type, Dialect target, Value v) {
  if (IsNull(v)) return v;
  if (target == Dialect::kMysql) return CarryMysqlValue(type, std::move(v));
  switch (type) {
    case LogicalType::kInteger:
      if (auto* d = std::get_if<double>(&v); d && std::trunc(*d) == *d && std::abs(*d) < 9.2e18)
        return static_cast<int64_t>(*d);
      if (auto* s = std::get_if<std::string>(&v))
        if (auto i = ParseInt(*s)) return *i;
      return v;
    case LogicalType::kBoolean:
      if (auto* i = std::get_if<int64_t>(&v)) return static_cast<int64_t>(*i != 0);
      if (auto* d = std::get_if<double>(&v)) return static_cast<int64_t>(*d != 0);
      if (auto* s = std::get_if<std::string>(&v))
        if (auto b = ParseBool(*s)) return static_cast<int64_t>(*b);
      return v;
    case LogicalType::kReal: {
      std::optional<double> d;
      if (auto* i = std::get_if<int64_t>(&v)) d = static_cast<double>(*i);
      if (auto* x = std::get_if<double>(&v)) d = *x;
      if (auto* s = std::get_if<std::string>(&v)) d = ParseReal(*s);
      if (!d) return v;
      if (std::isnan(*d) && target == Dialect::kSqlite) return std::string("NaN");
      return *d;
    }
    case LogicalType::kBlob:
      if (auto* s = std::get_if<std::string>(&v)) return Blob{std::move(*s)};
      return v;
    case LogicalType::kTimestamp:
    case LogicalType::kTimestampTz:
      if (auto* i = std::get_if<int64_t>(&v)) {
        std::string iso = FormatIsoTime(*i * 1000000);
        return type == LogicalType::kTimestampTz ? iso : iso.substr(0, iso.size() - 1);
      }
      // Not `cond ? v : Value(..)`: that copies v (every text cell of a copy).
      if (std::holds_alternative<std::string>(v)) return v;
      return Value(ValueAsText(v));
    case LogicalType::kText:
    case LogicalType::kDate:
    case LogicalType::kJson:
    case LogicalType::kUuid:
    case LogicalType::kNumeric:
      if (auto* b = std::get_if<Blob>(&v); b && type == LogicalType::kUuid && b->bytes.size() == 16) {
        std::string h = HexEncode(b->bytes);
        return h.substr(0, 8) + "-" + h.substr(8, 4) + "-" + h.substr(12, 4) + "-" +
               h.substr(16, 4) + "-" + h.substr(20);
      }
      if (std::holds_alternative<Blob>(v)) return v;
      // Not `cond ? v : Value(..)`: that copies v (every text cell of a copy).
      if (std::holds_alternative<std::string>(v)) return v;
      return Value(ValueAsText(v));
  }
  return v;
}

void AppendCanonical(LogicalType type, const Value& v, std::string* out) {
  if (IsNull(v)) {
    out->push_back('N');
    return;
  }
  auto as_text = [&] {
    if (auto* b = std::get_if<Blob>(&v)) return AppendField('X', b->bytes, out);
    AppendField('T', ValueAsText(v), out);
  };
  switch (type) {
    case LogicalType::kInteger:
    case LogicalType::kBoolean: {
      Value c = CarryValue(type, Dialect::kPostgres, v);
      if (auto* i = std::get_if<int64_t>(&c))
        return AppendField(type == LogicalType::kBoolean ? 'B' : 'I', std::to_string(*i), out);
      return as_text();
    }
    case LogicalType::kReal: {
      Value c = CarryValue(type, Dialect::kPostgres, v);
      auto* d = std::get_if<double>(&c);
      if (!d) return as_text();
      if (std::isnan(*d)) return AppendField('R', "nan", out);
      if (std::isinf(*d)) return AppendField('R', *d > 0 ? "inf" : "-inf", out);
      return AppendField('R', FormatReal(*d == 0 ? 0.0 : *d), out);
    }
    case LogicalType::kText:
      return as_text();
    case LogicalType::kBlob:
      if (auto* s = std::get_if<std::string>(&v)) return AppendField('X', *s, out);
      return as_text();
    case LogicalType::kTimestamp:
    case LogicalType::kTimestampTz: {
      Value c = CarryValue(type, Dialect::kPostgres, v);
      auto* s = std::get_if<std::string>(&c);
      auto us = s ? ParseTimestampMicros(*s, type == LogicalType::kTimestampTz) : std::nullopt;
      if (!us) return as_text();
      return AppendField(type == LogicalType::kTimestamp ? 'S' : 'Z', std::to_string(*us), out);
    }
    case LogicalType::kDate: {
      std::string s = ValueAsText(v);
      if (auto us = ParseTimestampMicros(s, false)) {
        int64_t days = *us >= 0 ? *us / 86400000000 : -((-*us + 86399999999) / 86400000000);
        return AppendField('D', std::to_string(days), out);
      }
      return as_text();
    }
    case LogicalType::kJson: {
      if (std::holds_alternative<Blob>(v)) return as_text();
      auto j = nlohmann::json::parse(ValueAsText(v), nullptr, false);
      if (j.is_discarded()) return as_text();
      return AppendField('J', j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace),
                         out);
    }
    case LogicalType::kUuid: {
      Value c = CarryValue(type, Dialect::kPostgres, v);
      std::string h;
      for (char ch : ValueAsText(c))
        if (std::isxdigit(static_cast<unsigned char>(ch)))
          h.push_back(static_cast<char>(std::tolower(static_cast<unsigned char>(ch))));
      if (h.size() != 32) return as_text();
      return AppendField('U', h, out);
    }
    case LogicalType::kNumeric: {
      if (auto* d = std::get_if<double>(&v)) return AppendField('M', NormalizeDecimal(FormatReal(*d)), out);
      if (std::holds_alternative<Blob>(v)) return as_text();
      return AppendField('M', NormalizeDecimal(ValueAsText(v)), out);
    }
  }
}



std::string DisplayKey(const std::vector<std::string>& columns, const std::vector<Value>& key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    if (i > 0) out += ", ";
    out += (i < columns.size() ? columns[i] : "?") + "=" + ValueToDisplay(key[i]);
  }
  return out;
}

}  // namespace ferry
