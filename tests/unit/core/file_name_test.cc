#include "core/file_name.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

struct Case {
  const char* file;
  NameMatch match;
  SourceFormat format;
  const char* version;
  const char* name;
  FileRole role;
};

TEST(FileNameTest, Layouts) {
  const Case cases[] = {
      {"0001_create_users.sql", NameMatch::kMigration, SourceFormat::kFerry, "1", "create_users",
       FileRole::kBoth},
      {"000123_add.up.sql", NameMatch::kMigration, SourceFormat::kGolangMigrate, "123", "add",
       FileRole::kUp},
      {"000123_add.down.sql", NameMatch::kMigration, SourceFormat::kGolangMigrate, "123", "add",
       FileRole::kDown},
      {"20230101120000_ts.up.sql", NameMatch::kMigration, SourceFormat::kGolangMigrate,
       "20230101120000", "ts", FileRole::kUp},
      {"V1__init.sql", NameMatch::kMigration, SourceFormat::kFlyway, "1", "init", FileRole::kUp},
      {"V1.1__add_index.sql", NameMatch::kMigration, SourceFormat::kFlyway, "1.1", "add_index",
       FileRole::kUp},
      {"V2_3__x.sql", NameMatch::kMigration, SourceFormat::kFlyway, "2.3", "x", FileRole::kUp},
      {"U1__init.sql", NameMatch::kMigration, SourceFormat::kFlyway, "1", "init", FileRole::kDown},
  };
  for (const Case& c : cases) {
    ParsedFileName p;
    std::string why;
    ASSERT_EQ(ParseMigrationFileName(c.file, &p, &why), c.match) << c.file << ": " << why;
    EXPECT_EQ(p.format, c.format) << c.file;
    EXPECT_EQ(p.version.ToString(), c.version) << c.file;
    EXPECT_EQ(p.name, c.name) << c.file;
    EXPECT_EQ(p.role, c.role) << c.file;
  }
}

TEST(FileNameTest, IgnoredAndInvalid) {
  ParsedFileName p;
  std::string why;
  EXPECT_EQ(ParseMigrationFileName("README.md", &p, &why), NameMatch::kIgnored);
  EXPECT_EQ(ParseMigrationFileName(".keep", &p, &why), NameMatch::kIgnored);
  EXPECT_EQ(ParseMigrationFileName("init.sql", &p, &why), NameMatch::kInvalid);
  EXPECT_NE(why.find("NNNN_name.sql"), std::string::npos);
  EXPECT_EQ(ParseMigrationFileName("0001_.sql", &p, &why), NameMatch::kInvalid);
  EXPECT_EQ(ParseMigrationFileName("R__views.sql", &p, &why), NameMatch::kInvalid);
  EXPECT_NE(why.find("repeatable"), std::string::npos);
  EXPECT_EQ(ParseMigrationFileName("Vx__bad.sql", &p, &why), NameMatch::kInvalid);
}

}  // namespace
}  // namespace ferry
