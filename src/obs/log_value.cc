#include "obs/log_value.h"

#include <fmt/format.h>

#include <cmath>

namespace ferry {

std::string FormatSeconds(double seconds) {
  if (!std::isfinite(seconds)) return fmt::format("{}s", seconds);
  // Round to the millisecond, then let fmt print the shortest form: 15 -> "15",
  // 98.5 -> "98.5", 0.0123 -> "0.012".
  double ms = std::round(seconds * 1000.0) / 1000.0;
  if (ms == 0) ms = 0;  // no "-0s"
  return fmt::format("{}s", ms);
}

std::string LogValue::ToText() const {
  return std::visit(
      [](const auto& x) -> std::string {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return x;
        } else if constexpr (std::is_same_v<T, bool>) {
          return x ? "true" : "false";
        } else if constexpr (std::is_same_v<T, LogDuration>) {
          return FormatSeconds(x.seconds);
        } else if constexpr (std::is_same_v<T, double>) {
          if (std::isnan(x)) return "NaN";
          if (std::isinf(x)) return x > 0 ? "+Inf" : "-Inf";
          return fmt::format("{}", x);
        } else {
          return fmt::format("{}", x);
        }
      },
      v_);
}

}  // namespace ferry
