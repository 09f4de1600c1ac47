#include "jobs/backup/sqlite_ddl.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

TEST(SqliteDdlTest, RenamesTableInEverySpelling) {
  EXPECT_EQ(*RenameCreateTable("CREATE TABLE chunks (id INTEGER PRIMARY KEY, b TEXT)", "\"n\""),
            "CREATE TABLE \"n\" (id INTEGER PRIMARY KEY, b TEXT)");
  EXPECT_EQ(*RenameCreateTable("create table if not exists \"we\"\"ird (x)\"(a)", "\"n\""),
            "create table if not exists \"n\"(a)");
  EXPECT_EQ(*RenameCreateTable("CREATE TABLE main.[a b] (a)", "\"n\""), "CREATE TABLE \"n\" (a)");
  EXPECT_EQ(*RenameCreateTable("CREATE TABLE /* c */ `t` (a)", "\"n\""),
            "CREATE TABLE /* c */ \"n\" (a)");
  EXPECT_FALSE(RenameCreateTable("CREATE VIEW v AS SELECT 1", "\"n\"").ok());
}

TEST(SqliteDdlTest, RenamesIndexAndTable) {
  EXPECT_EQ(*RenameCreateIndex("CREATE UNIQUE INDEX ix_a ON \"t\"(a) WHERE a > 0", "\"i2\"", "\"t2\""),
            "CREATE UNIQUE INDEX \"i2\" ON \"t2\"(a) WHERE a > 0");
  EXPECT_EQ(*RenameCreateIndex("CREATE INDEX IF NOT EXISTS \"x\"\"y\" ON t (lower(b))", "\"i\"", "\"u\""),
            "CREATE INDEX IF NOT EXISTS \"i\" ON \"u\" (lower(b))");
  EXPECT_FALSE(RenameCreateIndex("CREATE INDEX i (a)", "\"i\"", "\"u\"").ok());
}

}  // namespace
}  // namespace ferry
