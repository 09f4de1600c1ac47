#include "core/migration_source.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

SourceFile F(const std::string& name, const std::string& body) { return {name, "m/" + name, body}; }

TEST(MigrationSourceTest, FerryFileSections) {
  auto set = BuildMigrationSet(
      {F("0002_b.sql", "-- +up\nCREATE TABLE b (x INT);\n-- +down\nDROP TABLE b;\n"),
       F("0001_a.sql", "-- comment\n-- +up\nCREATE TABLE a (x INT);\n-- +down\n")});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->migrations.size(), 2u);
  EXPECT_EQ(set->format, SourceFormat::kFerry);
  const Migration& a = set->migrations[0];
  EXPECT_EQ(a.version.ToString(), "1");
  EXPECT_NE(a.up.sql.find("CREATE TABLE a"), std::string::npos);
  ASSERT_TRUE(a.down.has_value());  // an empty down section is "nothing to undo"
  EXPECT_EQ(a.down->sql.find_first_not_of(" \n"), std::string::npos);
  const Migration& b = set->migrations[1];
  ASSERT_TRUE(b.down.has_value());
  EXPECT_EQ(b.down->first_line, 4);
  EXPECT_NE(b.down->sql.find("DROP TABLE b"), std::string::npos);
}

TEST(MigrationSourceTest, FileWithoutMarkersIsAllUpWithNoDown) {
  auto set = BuildMigrationSet({F("0001_a.sql", "CREATE TABLE a (x INT);\n")});
  ASSERT_TRUE(set.ok());
  EXPECT_FALSE(set->migrations[0].down.has_value());
}

TEST(MigrationSourceTest, WindowsLineEndings) {
  auto set = BuildMigrationSet(
      {F("0001_a.sql", "-- +up\r\nCREATE TABLE a (x INT);\r\n-- +down\r\nDROP TABLE a;\r\n")});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->migrations[0].up.sql.find('\r'), std::string::npos);
  ASSERT_TRUE(set->migrations[0].down.has_value());
  EXPECT_NE(set->migrations[0].down->sql.find("DROP TABLE a"), std::string::npos);
}

TEST(MigrationSourceTest, GolangMigratePairsAndMissingDown) {
  auto set = BuildMigrationSet({F("000001_init.up.sql", "CREATE TABLE a (x INT);"),
                                F("000001_init.down.sql", ""),
                                F("000002_more.up.sql", "CREATE TABLE b (x INT);")});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->format, SourceFormat::kGolangMigrate);
  ASSERT_TRUE(set->migrations[0].down.has_value());
  EXPECT_TRUE(set->migrations[0].down->sql.empty());
  EXPECT_FALSE(set->migrations[1].down.has_value());
  ASSERT_EQ(set->warnings.size(), 1u);
  EXPECT_NE(set->warnings[0].find("000002_more.up.sql"), std::string::npos);
}

TEST(MigrationSourceTest, FlywayVersionsAndUndo) {
  auto set = BuildMigrationSet({F("V1__init.sql", "CREATE TABLE a (x INT);"),
                                F("V1.1__idx.sql", "CREATE INDEX i ON a (x);"),
                                F("U1.1__idx.sql", "DROP INDEX i;"), F("V2__b.sql", "SELECT 1;")});
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  ASSERT_EQ(set->migrations.size(), 3u);
  EXPECT_EQ(set->migrations[1].version.ToString(), "1.1");
  EXPECT_TRUE(set->migrations[1].down.has_value());
  EXPECT_FALSE(set->migrations[0].down.has_value());
}

TEST(MigrationSourceTest, DuplicateVersionsNameBothFiles) {
  auto set = BuildMigrationSet({F("0001_a.sql", "SELECT 1;"), F("001_b.sql", "SELECT 2;")});
  ASSERT_FALSE(set.ok());
  EXPECT_EQ(set.status().code(), Code::kInvalidArgument);
  EXPECT_NE(set.status().message().find("m/0001_a.sql"), std::string::npos);
  EXPECT_NE(set.status().message().find("m/001_b.sql"), std::string::npos);
}

TEST(MigrationSourceTest, MixedLayoutsRefused) {
  auto set = BuildMigrationSet({F("0001_a.sql", "SELECT 1;"), F("V2__b.sql", "SELECT 2;")});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("mixes"), std::string::npos);
}

TEST(MigrationSourceTest, BadNameAndUnreadableFile) {
  auto bad = BuildMigrationSet({F("create.sql", "SELECT 1;")});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("m/create.sql"), std::string::npos);
  std::vector<SourceFile> files;
  files.push_back({"0001_a.sql", "m/0001_a.sql", IOError("m/0001_a.sql: Permission denied")});
  auto unreadable = BuildMigrationSet(std::move(files));
  ASSERT_FALSE(unreadable.ok());
  EXPECT_EQ(unreadable.status().code(), Code::kIOError);
  EXPECT_NE(unreadable.status().message().find("m/0001_a.sql"), std::string::npos);
}

TEST(MigrationSourceTest, DownWithoutUp) {
  auto set = BuildMigrationSet({F("000003_x.down.sql", "DROP TABLE x;")});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("without an up"), std::string::npos);
}

TEST(MigrationSourceTest, SecondUpMarkerIsAnErrorWithLine) {
  auto set = BuildMigrationSet({F("0001_a.sql", "-- +up\nSELECT 1;\n-- +up\n")});
  ASSERT_FALSE(set.ok());
  EXPECT_NE(set.status().message().find("m/0001_a.sql:3"), std::string::npos);
}

}  // namespace
}  // namespace ferry
