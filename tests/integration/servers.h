// Where the real test servers are. scripts/test-servers.sh starts them on
// loopback and exports these variables; a test that needs a server calls one
// of these helpers, which skips with the reason when the server is not set up
// -- unless FERRY_TEST_REQUIRE_SERVERS=1 (set by scripts/test.sh and CI), in
// which case a missing server is a failure, never a silent skip.
#pragma once

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

namespace ferry::testing {

inline std::string ServerFromEnv(const char* var) {
  const char* v = std::getenv(var);
  return v ? std::string(v) : std::string();
}

inline bool ServersRequired() {
  const char* v = std::getenv("FERRY_TEST_REQUIRE_SERVERS");
  return v != nullptr && std::string(v) == "1";
}

}  // namespace ferry::testing

// Usage inside a TEST body or SetUp(): FERRY_REQUIRE_SERVER(url, "FERRY_TEST_PG_URL");
#define FERRY_REQUIRE_SERVER(out, var)                                                  \
  do {                                                                                  \
    out = ::ferry::testing::ServerFromEnv(var);                                         \
    if (out.empty()) {                                                                  \
      if (::ferry::testing::ServersRequired()) FAIL() << var " is not set";             \
      GTEST_SKIP() << var " is not set: start servers with scripts/test-servers.sh"; \
    }                                                                                   \
  } while (0)
