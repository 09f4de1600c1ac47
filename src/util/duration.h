// A steady-clock duration (differences of Env::Now()) as seconds, for
// reports, rates and metrics.
#pragma once

#include <chrono>

namespace ferry {

inline double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

}  // namespace ferry
