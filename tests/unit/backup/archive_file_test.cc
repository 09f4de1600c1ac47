#include "jobs/backup/archive_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "db/database.h"
#include "util/sha256.h"
#include "jobs/backup/archive_manifest.h"
#include "jobs/backup/backup.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

using testing::RawEntry;
using testing::TempDir;
using testing::WriteRawArchive;

std::string Slurp(const std::string& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

TEST(ArchiveFileTest, WritesOwnerOnlyAndReadsBack) {
  TempDir d;
  std::ofstream(d / "big.bin") << std::string(3 << 20, 'x');
  ASSERT_TRUE(WriteArchiveFile(Env::Default(), d / "a.tar.zst", Compression::kZstd,
                               {{"manifest.json", "", "{}"}, {"big.bin", d / "big.bin", ""}})
                  .ok());
  struct stat st;
  ASSERT_EQ(::stat((d / "a.tar.zst").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_FALSE(std::filesystem::exists(d / "a.tar.zst.partial"));
  std::string manifest;
  auto entries = ScanArchiveFile(d / "a.tar.zst", &manifest);
  ASSERT_TRUE(entries.ok()) << entries.status().ToString();
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ(manifest, "{}");
  EXPECT_EQ((*entries)[1].size, 3 << 20);
  EXPECT_EQ((*entries)[1].sha256, HashFile(d / "big.bin")->sha256);

  std::filesystem::create_directories(d / "out");
  ASSERT_TRUE(ExtractArchiveFile(d / "a.tar.zst", d / "out").ok());
  EXPECT_EQ(Slurp(d / "out/big.bin"), std::string(3 << 20, 'x'));
  ASSERT_EQ(::stat((d / "out/big.bin").c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
}

TEST(ArchiveFileTest, GzipToo) {
  TempDir d;
  ASSERT_TRUE(WriteArchiveFile(Env::Default(), d / "a.tar.gz", Compression::kGzip, {{"x.txt", "", "hello"}}).ok());
  auto entries = ScanArchiveFile(d / "a.tar.gz", nullptr);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[0].size, 5);
}

TEST(ArchiveFileTest, ExistingTargetIsNeverOverwrittenByPartial) {
  TempDir d;
  std::ofstream(d / "a.tar.zst.partial") << "someone else";
  // O_EXCL: a leftover partial file is an error, not silently reused.
  EXPECT_FALSE(WriteArchiveFile(Env::Default(), d / "a.tar.zst", Compression::kZstd, {{"x", "", "y"}}).ok());
}

// The manifest is written last from the hashes taken while each file went
// in: they must be the files' real SHA-256s, and the whole-file hash a
// read-back returns must be the archive file's own.
TEST(ArchiveFileTest, TrailerComesLastWithTheHashesOfWhatWasWritten) {
  for (Compression c : {Compression::kZstd, Compression::kGzip}) {
    TempDir d;
    std::string big(5 << 20, '\0');
    for (size_t i = 0; i < big.size(); ++i) big[i] = static_cast<char>((i * 2654435761u) >> 13);
    std::ofstream(d / "big.bin", std::ios::binary) << big;
    std::vector<ArchiveEntry> seen;
    ArchiveTrailer t{"manifest.json", [&](const std::vector<ArchiveEntry>& w) -> Result<std::string> {
                       seen = w;
                       return std::string("{\"n\":") + std::to_string(w.size()) + "}";
                     }};
    const std::string path = d / "a.tar";
    ASSERT_TRUE(WriteArchiveFile(Env::Default(), path, c,
                                 {{"big.bin", d / "big.bin", ""}, {"note.txt", "", "hello"}}, t)
                    .ok());
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0].name, "big.bin");
    EXPECT_EQ(seen[0].size, 5 << 20);
    EXPECT_EQ(seen[0].sha256, HashFile(d / "big.bin")->sha256);
    EXPECT_EQ(seen[1].sha256, Sha256Hex("hello"));
    std::string manifest;
    ArchiveEntry whole;
    auto entries = ScanArchiveFile(path, &manifest, &whole);
    ASSERT_TRUE(entries.ok()) << entries.status().ToString();
    ASSERT_EQ(entries->size(), 3u);
    EXPECT_EQ((*entries)[0].sha256, seen[0].sha256);
    EXPECT_EQ((*entries)[2].name, "manifest.json");
    EXPECT_EQ(manifest, "{\"n\":2}");
    auto file = HashFile(path);
    EXPECT_EQ(whole.size, file->size);
    EXPECT_EQ(whole.sha256, file->sha256);
    // A trailer that fails fails the write, and no archive is left.
    ArchiveTrailer bad{"manifest.json", [](const std::vector<ArchiveEntry>&) -> Result<std::string> {
                         return IOError("counting failed");
                       }};
    Status st = WriteArchiveFile(Env::Default(), d / "b.tar", c, {{"note.txt", "", "x"}}, bad);
    EXPECT_NE(st.message().find("counting failed"), std::string::npos) << st.ToString();
    EXPECT_FALSE(std::filesystem::exists(d / "b.tar"));
    EXPECT_FALSE(std::filesystem::exists(d / "b.tar.partial"));
  }
}

// New archives carry manifest.json last; archives written before that
// (manifest first) must keep verifying, deep, and restoring.
TEST(ArchiveLayoutTest, ManifestLastInNewArchivesAndManifestFirstStillRestores) {
  TempDir d;
  auto opened = OpenDatabase("sqlite:" + std::string(d / "app.db"), Env::Default());
  ASSERT_TRUE(opened.ok()) << opened.status().ToString();
  auto db = std::move(opened).value();
  ASSERT_TRUE(db->Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body TEXT)").ok());
  ASSERT_TRUE(db->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < "
                       "2000) INSERT INTO chunks SELECT i, hex(randomblob(40)) FROM c")
                  .ok());
  ArchiveOptions o;
  o.dir = d / "backups";
  auto a = CreateArchive(db.get(), Env::Default(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto entries = ScanArchiveFile(a->location, nullptr);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 2u);
  EXPECT_EQ((*entries)[0].name, "database.sqlite3");
  EXPECT_EQ((*entries)[1].name, "manifest.json");
  auto m = CheckArchiveManifest(a->location);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->tables.at("chunks"), 2000);
  EXPECT_EQ(a->checksum, "sha256:" + HashFile(a->location)->sha256);

  // The same contents in the old order.
  std::filesystem::create_directories(d / "x");
  ASSERT_TRUE(ExtractArchiveFile(a->location, d / "x").ok());
  const std::string old_layout = d / "backups/ferry-app-old-1.tar.zst";
  ASSERT_TRUE(WriteArchiveFile(Env::Default(), old_layout, Compression::kZstd,
                               {{"manifest.json", "", Slurp(d / "x/manifest.json")},
                                {"database.sqlite3", d / "x/database.sqlite3", ""}})
                  .ok());
  entries = ScanArchiveFile(old_layout, nullptr);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ((*entries)[0].name, "manifest.json");
  auto v = VerifyArchive(db.get(), Env::Default(), old_layout, VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->test_restored);
  ASSERT_TRUE(db->Exec("DELETE FROM chunks WHERE id > 5").ok());
  auto r = RestoreArchive(db.get(), Env::Default(), old_layout, d / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->table_rows.at("chunks"), 2000);
  EXPECT_EQ(db->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 2000);
  // A damaged database inside an old-layout archive is still caught.
  const std::string bad = d / "backups/ferry-app-old-2.tar.zst";
  std::string bytes = Slurp(d / "x/database.sqlite3");
  bytes[bytes.size() / 2] ^= 0x5a;
  ASSERT_TRUE(WriteArchiveFile(Env::Default(), bad, Compression::kZstd,
                               {{"manifest.json", "", Slurp(d / "x/manifest.json")},
                                {"database.sqlite3", "", bytes}})
                  .ok());
  auto vb = VerifyArchive(db.get(), Env::Default(), bad, VerifyDepth::kChecksums);
  ASSERT_FALSE(vb.ok());
  EXPECT_NE(vb.status().message().find("database.sqlite3"), std::string::npos)
      << vb.status().message();
}

class HostileArchiveTest : public ::testing::TestWithParam<RawEntry> {};

TEST_P(HostileArchiveTest, RefusedBeforeAnythingIsWritten) {
  TempDir d;
  std::filesystem::create_directories(d / "dest/inner");
  WriteRawArchive(d / "evil.tar.zst", {{"manifest.json", "{}", "", ""}, GetParam()});
  auto scan = ScanArchiveFile(d / "evil.tar.zst", nullptr);
  ASSERT_FALSE(scan.ok());
  EXPECT_EQ(scan.status().code(), Code::kCorruption);
  EXPECT_NE(scan.status().message().find(GetParam().name), std::string::npos)
      << scan.status().message();
  Status st = ExtractArchiveFile(d / "evil.tar.zst", d / "dest/inner");
  EXPECT_FALSE(st.ok());
  // Nothing landed anywhere: not the manifest, not the evil entry.
  EXPECT_TRUE(std::filesystem::is_empty(d / "dest/inner"));
  EXPECT_FALSE(std::filesystem::exists(d / "dest/escaped"));
  EXPECT_FALSE(std::filesystem::exists(d / "escaped"));
  EXPECT_FALSE(std::filesystem::exists("/tmp/ferry-escaped-abs"));
}

INSTANTIATE_TEST_SUITE_P(
    Entries, HostileArchiveTest,
    ::testing::Values(RawEntry{"../escaped", "x", "", ""}, RawEntry{"../../escaped", "x", "", ""},
                      RawEntry{"/tmp/ferry-escaped-abs", "x", "", ""},
                      RawEntry{"sub/../../escaped", "x", "", ""},
                      RawEntry{"link", "", "/etc/passwd", ""},
                      RawEntry{"link2", "", "../escaped", ""},
                      RawEntry{"hard", "", "", "/etc/passwd"},
                      RawEntry{"dir/file", "x", "", ""}));

}  // namespace
}  // namespace ferry
