// The CREATE TABLE ferry emits for ferry_backups, per dialect: MySQL 8
// rejects a TEXT column as a key without a prefix length ("BLOB/TEXT column
// 'name' used in key specification without a key length"), so there the key
// is a VARCHAR; every other engine keeps the DDL existing catalogs were made
// with. The MariaDB round trip is in snapshot_engines_test.cc.
#include <gtest/gtest.h>

#include "jobs/backup/backup_catalog.h"

namespace ferry {
namespace {

TEST(BackupCatalogDdlTest, MysqlKeyIsAVarcharNotText) {
  const std::string ddl = BackupCatalogDdl(Dialect::kMysql, "`ferry_backups`");
  EXPECT_NE(ddl.find("CREATE TABLE IF NOT EXISTS `ferry_backups` ("), std::string::npos) << ddl;
  EXPECT_NE(ddl.find("name VARCHAR(255) NOT NULL UNIQUE"), std::string::npos) << ddl;
  EXPECT_EQ(ddl.find("name TEXT"), std::string::npos) << ddl;
  // Only keys need a length; the other text columns stay TEXT.
  EXPECT_NE(ddl.find("location TEXT"), std::string::npos) << ddl;
}

TEST(BackupCatalogDdlTest, OtherEnginesKeepTheDdlExistingCatalogsWereMadeWith) {
  const std::string old_ddl =
      "CREATE TABLE IF NOT EXISTS \"ferry_backups\""
      " (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
      " source_table TEXT, row_count BIGINT, checksum TEXT, ferry_version TEXT,"
      " schema_version TEXT, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
      " verified_at BIGINT, status TEXT NOT NULL, size BIGINT, location TEXT,"
      " method TEXT, indexes INTEGER)";
  for (Dialect d : {Dialect::kSqlite, Dialect::kPostgres, Dialect::kDuckdb})
    EXPECT_EQ(BackupCatalogDdl(d, "\"ferry_backups\""), old_ddl) << static_cast<int>(d);
}

}  // namespace
}  // namespace ferry
