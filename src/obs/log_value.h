// LogValue and LogField: the typed values a structured log line carries.
//
// A field is a key and a value; values keep their type so the JSON format
// writes numbers as numbers, while the text format writes them as logfmt
// (`found=10 rate=12.5 error="no such table"`). Durations are written as
// seconds with a unit, the way a person reads them: `15s`, `98.5s`, `0.012s`.
// JSON writes them as the same strings ("15s"), and NaN/Inf doubles as
// "NaN"/"+Inf" strings, since JSON has no such numbers.
//
//   log.Info("migration progress", {{"found", 10}, {"rate", 12.5}});
#pragma once

#include <chrono>
#include <concepts>
#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace ferry {

// A duration written as seconds ("98.5s"); see LogValue.
struct LogDuration {
  double seconds = 0;
};

class LogValue {
 public:
  using Storage = std::variant<std::string, int64_t, uint64_t, double, bool, LogDuration>;

  LogValue() : v_(std::string()) {}
  LogValue(const char* s) : v_(std::string(s ? s : "")) {}  // NOLINT: implicit by design
  LogValue(std::string s) : v_(std::move(s)) {}              // NOLINT
  LogValue(std::string_view s) : v_(std::string(s)) {}       // NOLINT
  LogValue(bool b) : v_(b) {}                                // NOLINT
  template <std::signed_integral T>
    requires(!std::same_as<T, bool>)
  LogValue(T v) : v_(static_cast<int64_t>(v)) {}  // NOLINT
  template <std::unsigned_integral T>
    requires(!std::same_as<T, bool>)
  LogValue(T v) : v_(static_cast<uint64_t>(v)) {}  // NOLINT
  template <std::floating_point T>
  LogValue(T v) : v_(static_cast<double>(v)) {}  // NOLINT
  template <typename Rep, typename Period>
  LogValue(std::chrono::duration<Rep, Period> d)  // NOLINT
      : v_(LogDuration{std::chrono::duration<double>(d).count()}) {}
  LogValue(LogDuration d) : v_(d) {}  // NOLINT

  const Storage& storage() const { return v_; }

  // The value as written in the text format, before quoting: "10", "12.5",
  // "true", "98.5s", or the string itself.
  std::string ToText() const;

 private:
  Storage v_;
};

struct LogField {
  std::string key;
  LogValue value;
};

using LogFields = std::vector<LogField>;

// "15s", "98.5s", "0.012s": seconds rounded to the millisecond, trailing
// zeros dropped.
std::string FormatSeconds(double seconds);

}  // namespace ferry
