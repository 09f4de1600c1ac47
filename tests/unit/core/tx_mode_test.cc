#include "core/tx_mode.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TxDecision Decide(const std::string& sql, Dialect d) {
  return DecideTxMode(sql, SplitStatements(sql, d), d);
}

TEST(TxModeTest, DefaultIsOneTransaction) {
  EXPECT_EQ(Decide("CREATE TABLE a (x INT); INSERT INTO a VALUES (1);", Dialect::kPostgres).mode,
            TxMode::kTransaction);
}

TEST(TxModeTest, Directive) {
  auto d = Decide("-- ferry:no-transaction\nCREATE INDEX CONCURRENTLY i ON a (x);\nSELECT 1;",
                  Dialect::kPostgres);
  EXPECT_EQ(d.mode, TxMode::kNone);
  EXPECT_NE(d.reason.find("directive"), std::string::npos);
}

TEST(TxModeTest, FileOwnTransaction) {
  auto d = Decide("BEGIN;\nCREATE TABLE a (x INT);\nCOMMIT;\n", Dialect::kPostgres);
  EXPECT_EQ(d.mode, TxMode::kFile);
  EXPECT_NE(d.reason.find("line 1"), std::string::npos);
  EXPECT_EQ(Decide("START TRANSACTION;\nSELECT 1;\nCOMMIT;", Dialect::kMysql).mode, TxMode::kFile);
}

TEST(TxModeTest, SqliteTriggerBeginIsNotATransaction) {
  auto d = Decide(
      "CREATE TABLE t (x INT);\nCREATE TRIGGER tr AFTER INSERT ON t BEGIN\n  UPDATE t SET x = "
      "1;\nEND;\n",
      Dialect::kSqlite);
  EXPECT_EQ(d.mode, TxMode::kTransaction);
}

TEST(TxModeTest, SqlitePragmaForeignKeysRebuild) {
  auto own = Decide(
      "PRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE n (x INT);\nCOMMIT;\nPRAGMA foreign_keys=ON;",
      Dialect::kSqlite);
  EXPECT_EQ(own.mode, TxMode::kFile);
  auto bare = Decide("PRAGMA foreign_keys=OFF;\nCREATE TABLE n (x INT);\nPRAGMA foreign_keys=ON;",
                     Dialect::kSqlite);
  EXPECT_EQ(bare.mode, TxMode::kNone);
  EXPECT_NE(bare.reason.find("PRAGMA foreign_keys"), std::string::npos);
}

TEST(TxModeTest, ConcurrentIndexAloneRunsWithoutTransaction) {
  auto d = Decide("CREATE INDEX CONCURRENTLY i ON a (x);", Dialect::kPostgres);
  EXPECT_EQ(d.mode, TxMode::kNone);
  auto mixed =
      Decide("CREATE TABLE b (x INT);\nCREATE INDEX CONCURRENTLY i ON b (x);", Dialect::kPostgres);
  EXPECT_EQ(mixed.mode, TxMode::kTransaction);
  EXPECT_NE(mixed.warning.find("ferry:no-transaction"), std::string::npos);
  EXPECT_NE(mixed.warning.find("line 2"), std::string::npos);
}

TEST(TxModeTest, LeadingKeywordsSkipComments) {
  EXPECT_EQ(LeadingKeywords("-- hi\n/* x */ CREATE  index CONCURRENTLY foo", 3),
            "create index concurrently");
  EXPECT_EQ(LeadingKeywords("PRAGMA foreign_keys=OFF", 3), "pragma foreign_keys");
}

}  // namespace
}  // namespace ferry
