// Disk full while an archive is written: the Nth write through the Env
// fails (FaultEnv), for N = 1, 2, ... until no write fails. Every time: a
// clear IOError naming the file (exit code 12 via cli/exit_codes.cc), no
// file left that looks like a complete archive (nor a .partial), and nothing
// listed as a good backup; after the fault clears, an archive succeeds.
#include <gtest/gtest.h>

#include <filesystem>

#include "db/database.h"
#include "fakes/fault_env.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_manager.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

class ArchiveFaultTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenDatabase("sqlite:" + (dir_ / "app.db"), Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    // ~300 KB that compresses poorly: many writes of the archive.
    ASSERT_TRUE(db_->Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body BLOB)").ok());
    ASSERT_TRUE(db_->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE"
                          " i < 300) INSERT INTO chunks SELECT i, randomblob(1000) FROM c").ok());
  }

  // Files in the archive dir other than ferry's staging dirs (removed too).
  std::vector<std::string> Left(const std::string& dir) {
    std::vector<std::string> out;
    if (!std::filesystem::exists(dir)) return out;
    for (const auto& e : std::filesystem::directory_iterator(dir)) out.push_back(e.path().filename());
    return out;
  }

  testing::TempDir dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(ArchiveFaultTest, NthWriteFailsLeavesNothingGood) {
  testing::FaultEnv env;
  const std::string out = dir_ / "backups";
  int fired = 0;
  for (int n = 1; n < 500; ++n) {
    for (bool persistent : {true, false}) {
      env.FailAppend(n, persistent);
      ArchiveOptions o;
      o.dir = out;
      auto a = CreateArchive(db_.get(), &env, o);
      if (!env.fired()) {
        // The fault loop is over: this write count is past the last write.
        ASSERT_TRUE(a.ok()) << a.status().ToString();
        EXPECT_GT(fired, 2) << "too few writes to prove anything";
        auto list = ListBackups(db_.get());
        ASSERT_TRUE(list.ok());
        int good = 0;
        for (const auto& b : *list) good += b.state == BackupState::kVerified;
        EXPECT_EQ(good, 1);
        EXPECT_TRUE(VerifyArchive(nullptr, Env::Default(), a->location, VerifyDepth::kChecksums).ok());
        return;
      }
      ++fired;
      ASSERT_FALSE(a.ok()) << "write " << n << " failed but the archive was reported good";
      EXPECT_EQ(a.status().code(), Code::kIOError) << a.status().ToString();
      EXPECT_NE(a.status().message().find("No space left on device"), std::string::npos)
          << a.status().ToString();
      EXPECT_NE(a.status().message().find(".partial"), std::string::npos) << a.status().ToString();
      EXPECT_TRUE(Left(out).empty()) << "write " << n << ": left " << Left(out).front();
      auto list = ListBackups(db_.get());
      ASSERT_TRUE(list.ok());
      for (const auto& b : *list) {
        EXPECT_NE(b.state, BackupState::kVerified) << b.name << " after failed write " << n;
      }
      ASSERT_TRUE(db_->Exec("DELETE FROM ferry_backups").ok());
    }
  }
  FAIL() << "the fault loop never ended";
}

}  // namespace
}  // namespace ferry
