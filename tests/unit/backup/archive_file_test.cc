#include "jobs/backup/archive_file.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

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
