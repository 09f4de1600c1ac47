#include "core/version.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(VersionTest, ParsesAndCanonicalizes) {
  EXPECT_EQ(Version::Parse("0007")->ToString(), "7");
  EXPECT_EQ(Version::Parse("1.1")->ToString(), "1.1");
  EXPECT_EQ(Version::Parse("1_2_3")->ToString(), "1.2.3");
  EXPECT_EQ(Version::Parse("20230101120000")->ToString(), "20230101120000");
  EXPECT_FALSE(Version::Parse(""));
  EXPECT_FALSE(Version::Parse("1.x"));
  EXPECT_FALSE(Version::Parse("1..2"));
  EXPECT_FALSE(Version::Parse("-1"));
  EXPECT_FALSE(Version::Parse("99999999999999999999999"));  // overflows uint64
}

TEST(VersionTest, OrdersPartByPart) {
  auto v = [](const char* s) { return *Version::Parse(s); };
  EXPECT_LT(v("1"), v("1.1"));
  EXPECT_LT(v("1.1"), v("1.2"));
  EXPECT_LT(v("1.2"), v("1.10"));  // numeric, not lexical
  EXPECT_LT(v("9"), v("10"));
  EXPECT_EQ(v("1"), v("1.0"));
  EXPECT_EQ(v("0001"), v("1"));
}

}  // namespace
}  // namespace ferry
