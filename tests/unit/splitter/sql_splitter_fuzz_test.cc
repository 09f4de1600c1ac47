// The long randomized property test ("full" label): many generated files and
// random inputs per dialect, deterministic seeds. FERRY_SPLITTER_FUZZ_SCALE
// (default 1) multiplies the iteration counts for a longer hunt.
//
// This is the splitter's fuzzer: libFuzzer would need clang's runtime, which
// the project's toolchain does not carry.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdlib>
#include <string>

#include "core/sql_splitter.h"
#include "splitter_properties.h"

namespace ferry {
namespace {

int Scale() {
  const char* value = std::getenv("FERRY_SPLITTER_FUZZ_SCALE");
  if (value == nullptr) return 1;
  int scale = std::atoi(value);
  return scale > 0 ? scale : 1;
}

class SplitterFuzzTest : public ::testing::TestWithParam<Dialect> {};

TEST_P(SplitterFuzzTest, GeneratedFiles) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    testing::CheckGeneratedFiles(GetParam(), seed, 5000 * Scale());
    if (HasFailure()) return;
  }
}

TEST_P(SplitterFuzzTest, Noise) {
  for (uint32_t seed = 1; seed <= 4; ++seed) {
    testing::CheckNoise(GetParam(), seed * 7919u, 5000 * Scale(), 400);
    if (HasFailure()) return;
  }
}

INSTANTIATE_TEST_SUITE_P(AllDialects, SplitterFuzzTest,
                         ::testing::Values(Dialect::kSqlite, Dialect::kPostgres,
                                           Dialect::kMysql, Dialect::kDuckdb),
                         [](const ::testing::TestParamInfo<Dialect>& info) {
                           return std::string(testing::DialectName(info.param));
                         });

}  // namespace
}  // namespace ferry
