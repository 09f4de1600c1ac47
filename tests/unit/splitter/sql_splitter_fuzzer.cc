// libFuzzer entry point for the splitter, built only with clang (see
// CMakeLists.txt). The first byte picks the dialect; the rest is the file.
// Checks the same invariants as CheckNoise and traps on the first violation:
// - IsBlankSql agrees with SplitStatements returning nothing;
// - each statement is a non-empty, trimmed run of the input, in order;
// - a statement split again on its own comes back whole, on line 1.
//
//   build-clang/tests/unit/splitter/sql_splitter_fuzzer -max_total_time=60
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/sql_splitter.h"

namespace {

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

void Require(bool ok) {
  if (!ok) __builtin_trap();
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using ferry::Dialect;
  if (size == 0) return 0;
  const Dialect dialects[] = {Dialect::kSqlite, Dialect::kPostgres, Dialect::kMysql,
                              Dialect::kDuckdb};
  const Dialect dialect = dialects[data[0] % 4];
  const std::string_view input(reinterpret_cast<const char*>(data) + 1, size - 1);

  const auto got = ferry::SplitStatements(input, dialect);
  Require(ferry::IsBlankSql(input, dialect) == got.empty());
  size_t cursor = 0;
  int previous_line = 1;
  for (const auto& s : got) {
    Require(!s.text.empty() && !IsSpace(s.text.front()) && !IsSpace(s.text.back()));
    const size_t at = input.find(s.text, cursor);
    Require(at != std::string_view::npos);
    cursor = at + s.text.size();
    Require(s.line >= previous_line);
    previous_line = s.line;
    // MySQL reads "--" at the very end as a comment, "--;" as two minuses.
    if (dialect == Dialect::kMysql && s.text.size() >= 2 &&
        std::string_view(s.text).substr(s.text.size() - 2) == "--") {
      continue;
    }
    const auto again = ferry::SplitStatements(s.text, dialect);
    Require(again.size() == 1 && again[0].text == s.text && again[0].line == 1);
  }
  return 0;
}
