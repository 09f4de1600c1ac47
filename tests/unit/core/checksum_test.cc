#include "core/checksum.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(ChecksumTest, NamesAlgorithmAndIgnoresLineEndings) {
  std::string a = MigrationChecksum("CREATE TABLE t (x INT);\n");
  EXPECT_EQ(a.rfind("sha256:", 0), 0u);
  EXPECT_EQ(a.size(), 7u + 64u);
  EXPECT_EQ(a, MigrationChecksum("CREATE TABLE t (x INT);\r\n"));
  EXPECT_NE(a, MigrationChecksum("CREATE TABLE t (y INT);\n"));
}

TEST(ChecksumTest, MatchesReportsUnknownAlgorithms) {
  bool unknown = false;
  std::string sql = "SELECT 1;";
  EXPECT_TRUE(ChecksumMatches(MigrationChecksum(sql), sql, &unknown));
  EXPECT_FALSE(unknown);
  EXPECT_FALSE(ChecksumMatches(MigrationChecksum(sql), "SELECT 2;", &unknown));
  EXPECT_FALSE(unknown);
  EXPECT_FALSE(ChecksumMatches("blake3:abcd", sql, &unknown));
  EXPECT_TRUE(unknown);
}

}  // namespace
}  // namespace ferry
