// CsvScanner reads every input exactly as CsvReader does (fields, NULLs, line
// numbers, raw text, errors), whatever the block size, so the bulk import's
// checks and messages are the Value path's.
#include <gtest/gtest.h>

#include <random>
#include <sstream>

#include "jobs/copy/csv.h"
#include "jobs/copy/csv_scanner.h"

namespace ferry {
namespace {

// Both readers over `text`, record by record; the first difference fails.
void ExpectSameRecords(const std::string& text, size_t block) {
  SCOPED_TRACE(::testing::Message() << "block " << block << " input [" << text << "]");
  std::istringstream a(text), b(text);
  CsvReader reader(&a);
  CsvScanner scanner(&b, block);
  for (int record = 0;; ++record) {
    SCOPED_TRACE(record);
    std::vector<CsvField> want;
    auto w = reader.Next(&want);
    auto g = scanner.Next();
    ASSERT_EQ(w.ok(), g.ok()) << (w.ok() ? g.status().message() : w.status().message());
    if (!w.ok()) {
      EXPECT_EQ(w.status().message(), g.status().message());
      return;
    }
    ASSERT_EQ(*w, *g);
    if (!*w) return;
    EXPECT_EQ(reader.record_line(), scanner.record_line());
    EXPECT_EQ(reader.raw(), scanner.raw());
    ASSERT_EQ(want.size(), scanner.fields().size());
    for (size_t i = 0; i < want.size(); ++i) {
      EXPECT_EQ(!want[i], scanner.fields()[i].null) << "field " << i;
      if (want[i]) {
        EXPECT_EQ(*want[i], scanner.fields()[i].text) << "field " << i;
      }
    }
  }
}

TEST(CsvScanner, ReadsWhatCsvReaderReads) {
  const std::vector<std::string> inputs = {
      "",
      "\n",
      "a,b\n1,2\n",
      "a,b\r\n1,2\r\n",
      "a,b\n1,2",  // no final line end
      "x,\"\",,\"q\"\"q\",\"multi\nline\r\nend\"\r\nnext,1\n",
      "\"a\"b,c\n",                  // text after a closing quote
      "1,\"never closed\n2,3\n",     // unterminated quote
      "ab\"c,d\"e\n",               // quotes inside unquoted fields are data
      "a\rb,c\r\n\r\n\n\\.\n",      // CR as data, CRLF blank line, LF blank line, \.
      "\"\"\"\",\"\"\n",            // a lone quote, an empty string
      "a,\"b\"\r",                   // CR at the very end
      std::string("nul\0byte,2\n", 11),
  };
  for (const auto& text : inputs)
    for (size_t block : {16, 17, 31, 1 << 20}) ExpectSameRecords(text, block);
}

TEST(CsvScanner, RandomInputsAcrossBlockBoundaries) {
  std::mt19937 rng(42);
  const char alphabet[] = {'a', 'b', ',', '"', '"', '\r', '\n', '\n', ' '};
  for (int round = 0; round < 3000; ++round) {
    std::string text;
    const int n = static_cast<int>(rng() % 60);
    for (int i = 0; i < n; ++i) text.push_back(alphabet[rng() % sizeof alphabet]);
    ExpectSameRecords(text, 16 + rng() % 8);
    if (::testing::Test::HasFailure()) return;
  }
}

TEST(CsvScanner, FlagsWhatPostgresReadsDifferentlyAndGrowsForLongRecords) {
  std::string big(100000, 'x');
  std::istringstream in("ab\"c,d\na\rb,c\n\"" + big + "\",1\n");
  CsvScanner s(&in, 64);
  ASSERT_TRUE(*s.Next());
  EXPECT_TRUE(s.unquoted_quote());
  EXPECT_FALSE(s.unquoted_cr());
  ASSERT_TRUE(*s.Next());
  EXPECT_TRUE(s.unquoted_cr());
  EXPECT_FALSE(s.unquoted_quote());
  ASSERT_TRUE(*s.Next());
  EXPECT_EQ(s.fields()[0].text, big);
  EXPECT_TRUE(s.fields()[0].quoted);
  EXPECT_FALSE(s.unquoted_cr() || s.unquoted_quote());
  EXPECT_FALSE(*s.Next());
}

}  // namespace
}  // namespace ferry
