// A streamed SQLite archive of a database past 1 GiB. SQLite never writes
// the page that holds byte 0x40000000 (its lock-byte page), so a real copy
// has a hole of zeros there; the stream (sqlite_stream_vfs.cc) must emit
// those zeros itself, or it would shift every later page. Only a database
// that large has that page: ~1.1 GB of disk for the source and as much for
// the staged copy it is compared with, hence its own binary, label "full".
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <filesystem>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/backup.h"
#include "unit/backup/backup_test_util.h"
#include "util/sha256.h"

namespace ferry {
namespace {

using testing::TempDir;

TEST(SqliteArchiveStreamLargeTest, PastTheLockBytePageTheStreamEqualsTheStagedCopy) {
  TempDir dir;
  const std::string path = dir / "big.db";
  // 64 KiB pages and 1 MB zero blobs: ~1.1 GB written quickly, and the
  // lock-byte page falls at page 16385.
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(path.c_str(), &raw), SQLITE_OK);
    const char* sql =
        "PRAGMA page_size=65536; PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
        " CREATE TABLE t (id INTEGER PRIMARY KEY, b BLOB);"
        " WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 1100)"
        " INSERT INTO t (b) SELECT zeroblob(1000000) FROM c;"
        " INSERT INTO t (b) VALUES (randomblob(200000));";  // bytes after the hole
    ASSERT_EQ(sqlite3_exec(raw, sql, nullptr, nullptr, nullptr), SQLITE_OK) << sqlite3_errmsg(raw);
    sqlite3_close(raw);
  }
  ASSERT_GT(std::filesystem::file_size(path), 0x40000000u + 65536u);
  auto db = OpenDatabase("sqlite:" + path, Env::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto archiver = NewSqliteArchiver(db->get(), Env::Default());

  auto s = archiver->DumpStreamed();
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_TRUE(s->has_value()) << "the database was not streamed";
  ASSERT_EQ((*s)->members.size(), 1u);
  Sha256 streamed;
  int64_t size = 0;
  Status produced = (*s)->members[0].produce([&](std::string_view b) {
    streamed.Update(b);
    size += static_cast<int64_t>(b.size());
    return Status::OK();
  });
  const std::string declined = (*s)->declined();
  const int64_t announced = (*s)->members[0].size;
  s->reset();
  ASSERT_TRUE(produced.ok()) << produced.ToString() << " (declined: " << declined << ")";
  EXPECT_EQ(size, announced);

  // The staging path's copy of the same (unchanged) database.
  const std::string staged_dir = dir / "staged";
  std::filesystem::create_directories(staged_dir);
  auto d = archiver->Dump(staged_dir);
  ASSERT_TRUE(d.ok()) << d.status().ToString();
  auto staged = HashFile(staged_dir + "/database.sqlite3");
  ASSERT_TRUE(staged.ok()) << staged.status().ToString();
  EXPECT_EQ(staged->size, size);
  EXPECT_EQ(staged->sha256, streamed.HexDigest());
}

}  // namespace
}  // namespace ferry
