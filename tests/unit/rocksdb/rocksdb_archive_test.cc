// Key-value store archives: a RocksDB checkpoint packed as tar.zst with a
// manifest; verify (checksums and a test restore), restore with a safety
// archive, and a damaged archive refused.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <random>

#include <gtest/gtest.h>

#include "jobs/backup/kv_archive.h"
#include "jobs/copy/copy_endpoint.h"
#include "unit/rocksdb/kv_fill.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

class KvArchive : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() /
             ("ferry_kvarch_" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
    url_ = "rocksdb:" + root_ + "/store";
  }
  void TearDown() override { fs::remove_all(root_); }

  // Writes `n` rows (ids first..first+n-1) into table t.
  void Fill(int first, int n) {
    testing::FillKvTable(url_, first, n, [](int i) -> Value {
      return Blob{std::string(100 + i % 50, static_cast<char>(i))};
    });
  }

  int64_t Count() {
    auto ep = OpenCopyEndpoint(url_, EndpointRole::kSource, DatabaseOpener(), Env::Default());
    EXPECT_TRUE(ep.ok()) << ep.status().message();
    return ep.ok() ? *(*ep)->CountRows("t") : -1;
  }

  std::string root_, url_;
};

TEST_F(KvArchive, CreateVerifyDeepAndRestoreOverNewerData) {
  Fill(1, 500);
  ArchiveOptions o;
  o.dir = root_ + "/backups";
  auto b = CreateKvArchive(url_, Env::Default(), o);
  ASSERT_TRUE(b.ok()) << b.status().message();
  EXPECT_EQ(b->row_count, 500);
  EXPECT_EQ(b->state, BackupState::kVerified);
  EXPECT_TRUE(fs::exists(b->location));
  EXPECT_EQ(fs::status(b->location).permissions() & fs::perms::others_read, fs::perms::none);
  // No staging directory is left behind.
  for (const auto& e : fs::directory_iterator(o.dir))
    EXPECT_EQ(e.path().filename().string().find(".ferry-staging"), std::string::npos);

  auto v = VerifyKvArchive(b->location, Env::Default(), VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().message();
  EXPECT_TRUE(v->test_restored);
  EXPECT_EQ(v->table_rows.at("t"), 500);
  EXPECT_EQ(v->engine, "rocksdb");

  Fill(501, 250);
  EXPECT_EQ(Count(), 750);
  auto r = RestoreKvArchive(url_, Env::Default(), b->location, root_ + "/safety");
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(r->table_rows.at("t"), 500);
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_EQ(r->safety->row_count, 750);
  EXPECT_EQ(Count(), 500);
  // The safety archive puts the newer state back.
  auto back = RestoreKvArchive(url_, Env::Default(), r->safety->location, root_ + "/safety");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(Count(), 750);
}

TEST_F(KvArchive, DamagedArchiveIsRefusedAndTheStoreKept) {
  Fill(1, 300);
  ArchiveOptions o;
  o.dir = root_ + "/backups";
  o.compression = Compression::kGzip;
  auto b = CreateKvArchive(url_, Env::Default(), o);
  ASSERT_TRUE(b.ok()) << b.status().message();
  std::string bytes;
  {
    std::ifstream in(b->location, std::ios::binary);
    bytes.assign(std::istreambuf_iterator<char>(in), {});
  }
  bytes.resize(bytes.size() / 2);  // truncated
  std::string bad = root_ + "/bad.tar.gz";
  std::ofstream(bad, std::ios::binary) << bytes;
  auto v = VerifyKvArchive(bad, Env::Default(), VerifyDepth::kChecksums);
  EXPECT_EQ(v.status().code(), Code::kCorruption) << v.status().message();
  Fill(301, 10);
  auto r = RestoreKvArchive(url_, Env::Default(), bad, root_ + "/safety");
  EXPECT_FALSE(r.ok());
  EXPECT_EQ(Count(), 310);  // unchanged
  EXPECT_EQ(CreateKvArchive("rocksdb:" + root_ + "/none", Env::Default(), o).status().code(),
            Code::kNotFound);
}

}  // namespace
}  // namespace ferry
