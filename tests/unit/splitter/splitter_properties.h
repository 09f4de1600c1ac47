// The splitter's properties, checked over RandomSql output. Shared by the
// quick test (a few hundred files per dialect) and the full one (many more).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <string_view>

#include "core/sql_splitter.h"
#include "random_sql.h"

namespace ferry::testing {

inline bool IsSqlSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
}

inline std::string Printable(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else {
      out += c;
    }
  }
  return out;
}

// Generated files: the splitter must return exactly the statements the
// generator put in, with their lines. Stops at the first failing file.
inline void CheckGeneratedFiles(Dialect dialect, uint32_t seed, int files) {
  RandomSql random(dialect, seed);
  for (int i = 0; i < files; ++i) {
    GeneratedSql file = random.File(6);
    std::vector<SqlStatement> got = SplitStatements(file.sql, dialect);
    bool same = got.size() == file.expected.size();
    for (size_t k = 0; same && k < got.size(); ++k) {
      same = got[k].text == file.expected[k].text &&
             got[k].line == file.expected[k].line;
    }
    if (!same) {
      std::string report = "file #" + std::to_string(i) + " of seed " +
                           std::to_string(seed) + " (" + DialectName(dialect) +
                           "):\n" + Printable(file.sql) + "\nexpected:\n";
      for (const auto& s : file.expected) {
        report += "  " + std::to_string(s.line) + ": " + Printable(s.text) + "\n";
      }
      report += "got:\n";
      for (const auto& s : got) {
        report += "  " + std::to_string(s.line) + ": " + Printable(s.text) + "\n";
      }
      ADD_FAILURE() << report;
      return;
    }
    ASSERT_EQ(IsBlankSql(file.sql, dialect), file.expected.empty()) << Printable(file.sql);
  }
}

// Random bytes: no crash, and each statement is a trimmed, non-empty run of
// the input, in order and without overlap. A statement split again on its
// own comes back whole (the split decisions depend only on what lies between
// a statement's start and its end).
inline void CheckNoise(Dialect dialect, uint32_t seed, int inputs, size_t max_length) {
  RandomSql random(dialect, seed);
  for (int i = 0; i < inputs; ++i) {
    const std::string input = random.Noise(max_length);
    const std::vector<SqlStatement> got = SplitStatements(input, dialect);
    ASSERT_EQ(IsBlankSql(input, dialect), got.empty()) << Printable(input);
    size_t cursor = 0;
    int previous_line = 1;
    int total_lines = 1;
    for (char c : input) total_lines += c == '\n';
    for (const SqlStatement& s : got) {
      ASSERT_FALSE(s.text.empty()) << Printable(input);
      ASSERT_FALSE(IsSqlSpace(s.text.front())) << Printable(input);
      ASSERT_FALSE(IsSqlSpace(s.text.back())) << Printable(input);
      const size_t at = input.find(s.text, cursor);
      ASSERT_NE(at, std::string::npos)
          << "not a run of the input: " << Printable(s.text) << "\nin: " << Printable(input);
      cursor = at + s.text.size();
      ASSERT_GE(s.line, previous_line) << Printable(input);
      ASSERT_LE(s.line, total_lines) << Printable(input);
      previous_line = s.line;

      // MySQL reads "--" at the very end as a comment but "--;" as two
      // minus signs, so a text ending in "--" may shrink when split alone.
      if (dialect == Dialect::kMysql && s.text.size() >= 2 &&
          s.text.compare(s.text.size() - 2, 2, "--") == 0) {
        continue;
      }
      const std::vector<SqlStatement> again = SplitStatements(s.text, dialect);
      ASSERT_EQ(again.size(), 1u) << Printable(s.text) << "\nfrom: " << Printable(input);
      ASSERT_EQ(again[0].text, s.text) << "from: " << Printable(input);
      ASSERT_EQ(again[0].line, 1);
    }
  }
}

}  // namespace ferry::testing
