// Key-value store archives in a catalog: a RocksDB store has no SQL table
// for ferry_backups, so the catalog is <archive dir>/ferry_backups.db
// (kv_archive.h). Archives are recorded (verified, with their rows), and
// list / restore --at / cleanup work on it as on a database's catalog.
#include <gtest/gtest.h>

#include <filesystem>

#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/kv_archive.h"
#include "jobs/copy/copy_endpoint.h"
#include "unit/backup/backup_test_util.h"
#include "unit/rocksdb/kv_fill.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

class KvCatalogTest : public ::testing::Test {
 protected:
  void SetUp() override { url_ = "rocksdb:" + dir_ / "store"; }

  void Fill(int first, int n) {
    testing::FillKvTable(url_, first, n, [](int) -> Value { return std::string("row"); },
                         /*body_is_blob=*/false);
  }

  testing::TempDir dir_;
  std::string url_;
};

TEST_F(KvCatalogTest, ArchivesAreListedFoundByTimeAndCleanedUp) {
  Fill(1, 100);
  ArchiveOptions o;
  o.dir = dir_ / "backups";
  auto a = CreateKvArchive(url_, Env::Default(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Fill(101, 50);
  auto b = CreateKvArchive(url_, Env::Default(), o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_TRUE(fs::exists(o.dir + "/ferry_backups.db"));

  auto catalog = OpenKvCatalog(o.dir, Env::Default());
  ASSERT_TRUE(catalog.ok()) << catalog.status().ToString();
  Database* db = catalog->get();
  auto list = ListBackups(db);
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 2u);
  for (const auto& x : *list) {
    EXPECT_EQ(x.state, BackupState::kVerified) << x.name;
    EXPECT_EQ(x.kind, BackupKind::kArchive);
    EXPECT_EQ(x.method, "rocksdb_checkpoint");
    EXPECT_TRUE(fs::exists(x.location)) << x.location;
  }
  EXPECT_EQ(FindBackup(db, a->name)->row_count, 100);
  EXPECT_EQ(FindBackup(db, b->name)->row_count, 150);

  // Make A ten days old and expired: --at five days ago finds A, cleanup
  // removes A (file and row) and keeps B (the newest verified).
  const int64_t now = Env::Default()->WallSeconds();
  BackupInfo old = *FindBackup(db, a->name);
  old.created_at = now - 10 * 86400;
  old.expires_at = now - 3 * 86400;
  ASSERT_TRUE(BackupCatalog(db).Update(old).ok());
  auto at = FindBackupAt(db, now - 5 * 86400, "");
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->name, a->name);
  EXPECT_EQ(FindBackupAt(db, now - 20 * 86400, "").status().code(), Code::kNotFound);

  RetentionPolicy p;
  auto dry = CleanupBackups(db, Env::Default(), p, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok()) << dry.status().ToString();
  EXPECT_TRUE(fs::exists(a->location));
  auto done = CleanupBackups(db, Env::Default(), p, /*dry_run=*/false);
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  EXPECT_FALSE(fs::exists(a->location));
  EXPECT_TRUE(fs::exists(b->location));
  ASSERT_EQ(ListBackups(db)->size(), 1u);
  EXPECT_EQ(ListBackups(db)->front().name, b->name);
}

}  // namespace
}  // namespace ferry
