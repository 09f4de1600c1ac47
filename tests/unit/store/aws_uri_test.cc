#include "store/s3/aws_uri.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(AwsUriTest, UnreservedKeptEverythingElseEncodedUpperHex) {
  EXPECT_EQ(AwsUriEncode("AZaz09-._~"), "AZaz09-._~");
  EXPECT_EQ(AwsUriEncode("a b+c/d=e&f"), "a%20b%2Bc%2Fd%3De%26f");
  EXPECT_EQ(AwsUriEncode("a/b c", SlashMode::kKeep), "a/b%20c");
  EXPECT_EQ(AwsUriEncode("\xE1\x88\xB4"), "%E1%88%B4");  // U+1234, byte by byte
  EXPECT_EQ(AwsUriEncode("%*!'()"), "%25%2A%21%27%28%29");
  EXPECT_EQ(AwsUriEncode(std::string("\0\xff", 2)), "%00%FF");
}

TEST(AwsUriTest, CanonicalQuerySortsByNameThenValue) {
  EXPECT_EQ(CanonicalQueryString({{"prefix", "a/"}, {"list-type", "2"}}), "list-type=2&prefix=a%2F");
  // AWS vector get-vanilla-query-order-key: same name twice, sorted by value,
  // upper case first.
  EXPECT_EQ(CanonicalQueryString({{"Param1", "value2"}, {"Param1", "Value1"}}),
            "Param1=Value1&Param1=value2");
  EXPECT_EQ(CanonicalQueryString({{"Param2", "value2"}, {"Param1", "value1"}}),
            "Param1=value1&Param2=value2");
  EXPECT_EQ(CanonicalQueryString({{"empty", ""}}), "empty=");
  EXPECT_EQ(CanonicalQueryString({}), "");
  EXPECT_EQ(CanonicalQueryString({{"continuation-token", "1/a+b=="}, {"max-keys", "1000"}}),
            "continuation-token=1%2Fa%2Bb%3D%3D&max-keys=1000");
}

}  // namespace
}  // namespace ferry
