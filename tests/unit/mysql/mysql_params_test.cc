// $N -> ? translation for MySQL prepared statements (db/mysql/mysql_params.h).
#include "db/mysql/mysql_params.h"

#include <gtest/gtest.h>

namespace ferry::mysql {
namespace {

TranslatedSql T(std::string_view sql) {
  auto r = TranslateParams(sql);
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? std::move(r).value() : TranslatedSql{};
}

TEST(MysqlParams, PlainParametersInOrder) {
  auto t = T("INSERT INTO t (a, b) VALUES ($1, $2)");
  EXPECT_EQ(t.sql, "INSERT INTO t (a, b) VALUES (?, ?)");
  EXPECT_EQ(t.params, (std::vector<int>{1, 2}));
  EXPECT_EQ(t.max_param, 2);
}

TEST(MysqlParams, RepeatedAndOutOfOrder) {
  auto t = T("SELECT * FROM t WHERE b = $2 OR a = $1 OR a = $1 + 1 OR c = $10");
  EXPECT_EQ(t.sql, "SELECT * FROM t WHERE b = ? OR a = ? OR a = ? + 1 OR c = ?");
  EXPECT_EQ(t.params, (std::vector<int>{2, 1, 1, 10}));
  EXPECT_EQ(t.max_param, 10);
}

TEST(MysqlParams, QuotesAndCommentsAreLeftAlone) {
  const std::string sql =
      "SELECT '$1', \"$2\", `$3`, 'it''s $4', 'back\\'slash $5', \"dq\\\" $6\", `a``b $7` -- $8\n"
      ", $1 # $9\n/* $10 */ , $2";
  auto t = T(sql);
  EXPECT_EQ(t.params, (std::vector<int>{1, 2}));
  std::string want = sql;
  want.replace(want.find(", $1 #"), 4, ", ?");
  want.replace(want.rfind("$2"), 2, "?");
  EXPECT_EQ(t.sql, want);
}

TEST(MysqlParams, DashDashNeedsASpaceToBeAComment) {
  // MySQL: "--" followed by a non-space is two minus signs.
  auto t = T("SELECT 5 --$1");
  EXPECT_EQ(t.sql, "SELECT 5 --?");
  EXPECT_EQ(t.params, (std::vector<int>{1}));
  auto c = T("SELECT 5 -- $1\n, $2");
  EXPECT_EQ(c.params, (std::vector<int>{2}));
  EXPECT_EQ(T("SELECT 1 --").sql, "SELECT 1 --");
}

TEST(MysqlParams, ExecutableCommentsAreCode) {
  auto t = T("SELECT 1 /*! + $1 */, 2 /*M! + $2 */");
  EXPECT_EQ(t.sql, "SELECT 1 /*! + ? */, 2 /*M! + ? */");
  EXPECT_EQ(t.params, (std::vector<int>{1, 2}));
}

TEST(MysqlParams, DollarInsideIdentifiersIsNotAParameter) {
  auto t = T("SELECT a$1, $1x, $1 FROM t$2");
  EXPECT_EQ(t.sql, "SELECT a$1, $1x, ? FROM t$2");
  EXPECT_EQ(t.params, (std::vector<int>{1}));
}

TEST(MysqlParams, UnterminatedQuoteIsPassedThroughForTheServerToReject) {
  auto t = T("SELECT 'abc $1");
  EXPECT_EQ(t.sql, "SELECT 'abc $1");
  EXPECT_TRUE(t.params.empty());
}

TEST(MysqlParams, BareQuestionMarkAndDollarZeroAreErrors) {
  auto q = TranslateParams("SELECT * FROM t WHERE a = ?");
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), Code::kInvalidArgument);
  EXPECT_NE(q.status().message().find("$1"), std::string::npos) << q.status().message();
  EXPECT_TRUE(TranslateParams("SELECT '?', `?`, \"?\" -- ?\n").ok());
  EXPECT_FALSE(TranslateParams("SELECT $0").ok());
  EXPECT_FALSE(TranslateParams("SELECT $99999999999").ok());
}

TEST(MysqlParams, Utf8IsCopiedByteForByte) {
  auto t = T("SELECT 'h\xC3\xA9' , \xC3\xBC$1, $1");
  EXPECT_EQ(t.sql, "SELECT 'h\xC3\xA9' , \xC3\xBC$1, ?");
}

}  // namespace
}  // namespace ferry::mysql
