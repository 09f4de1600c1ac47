// Crash tests: a child process runs a backup step and is killed with
// SIGKILL after a random delay; the parent then checks the invariants.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <random>

#include "jobs/backup/backup.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/table_checksum.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

class BackupCrashTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + (dir_ / "app.db");
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE((*db)->Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body TEXT)").ok());
    ASSERT_TRUE((*db)->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 200000)"
                            " INSERT INTO chunks SELECT i, hex(randomblob(100)) FROM c").ok());
  }

  // Runs `work` in a child and SIGKILLs it after `delay_ms` (if still running).
  // Returns true when the kill landed before the child finished.
  bool RunAndKill(const std::function<void(Database*)>& work, int delay_ms) {
    pid_t pid = ::fork();
    if (pid == 0) {
      auto db = OpenDatabase(url_, Env::Default());
      if (db.ok()) work(db->get());
      ::_exit(0);
    }
    ::usleep(delay_ms * 1000);
    bool killed = ::kill(pid, SIGKILL) == 0;
    int status = 0;
    ::waitpid(pid, &status, 0);
    return killed && WIFSIGNALED(status);
  }

  // Every backup listed as verified really is good.
  void CheckListedBackupsAreGood() {
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto q = (*db)->Query("PRAGMA quick_check", {});
    ASSERT_TRUE(q.ok());
    EXPECT_EQ(q->GetText(0, 0), "ok");
    auto all = ListBackups(db->get());
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    for (const auto& b : *all) {
      if (b.state != BackupState::kVerified) continue;
      if (b.kind == BackupKind::kSnapshot) {
        EXPECT_TRUE(VerifySnapshot(db->get(), Env::Default(), b.name).ok()) << b.name;
      } else {
        EXPECT_TRUE(VerifyArchive(db->get(), Env::Default(), b.location, VerifyDepth::kChecksums).ok())
            << b.location;
      }
    }
    // Any file with a final archive name is complete.
    if (std::filesystem::exists(dir_ / "backups")) {
      for (const auto& e : std::filesystem::directory_iterator(dir_ / "backups")) {
        std::string p = e.path().string();
        if (p.size() > 8 && p.substr(p.size() - 8) == ".tar.zst") {
          EXPECT_TRUE(VerifyArchive(nullptr, Env::Default(), p, VerifyDepth::kChecksums).ok()) << p;
        }
      }
    }
  }

  // The killed jobs are gone, so whatever they left (staging directories,
  // `.partial` archives) has no live owner: cleanup removes all of it.
  void CheckCleanupRemovesEveryLeftover() {
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto left = CleanLeftovers(db->get(), Env::Default(), dir_ / "backups", LeftoverAction::kRemove);
    ASSERT_TRUE(left.ok()) << left.status().ToString();
    for (const auto& l : *left) EXPECT_TRUE(l.removed && !l.live) << l.path;
    if (!std::filesystem::exists(dir_ / "backups")) return;  // every kill came before it
    for (const auto& e : std::filesystem::directory_iterator(dir_ / "backups")) {
      const std::string n = e.path().filename().string();
      EXPECT_NE(n.rfind(".ferry-", 0), 0u) << n << " left behind";
      EXPECT_FALSE(n.size() > 8 && n.substr(n.size() - 8) == ".partial") << n << " left behind";
    }
  }

  testing::TempDir dir_;
  std::string url_;
};

TEST_F(BackupCrashTest, KillDuringCreate) {
  std::mt19937 rng(12345);
  int landed = 0;
  for (int i = 0; i < 8; ++i) {
    int delay = 20 + static_cast<int>(rng() % 600);
    landed += RunAndKill(
        [&](Database* db) {
          (void)CreateVerifiedSnapshot(db, Env::Default(), "chunks");
          ArchiveOptions o;
          o.dir = dir_ / "backups";
          (void)CreateArchive(db, Env::Default(), o);
        },
        delay);
    CheckListedBackupsAreGood();
  }
  EXPECT_GT(landed, 0) << "no kill landed mid-work; the test proved nothing";
  CheckCleanupRemovesEveryLeftover();
}

// Snapshots alone, killed anywhere from the copy to the flip after the
// commit (SQLite in WAL mode commits the copy as "pending" and reads it back
// afterwards): whatever is listed as verified verifies, and a pending one is
// never restored.
TEST_F(BackupCrashTest, KillDuringSnapshotCreateNeverLeavesAGoodLookingBackup) {
  // How long one snapshot takes here, now: the kills spread over it.
  int64_t took_ms = 0;
  {
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto t0 = std::chrono::steady_clock::now();
    SnapshotOptions o;
    o.name = "chunks_timing";
    ASSERT_TRUE(CreateVerifiedSnapshot(db->get(), Env::Default(), "chunks", o).ok());
    took_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                  std::chrono::steady_clock::now() - t0)
                  .count();
  }
  std::mt19937 rng(4242);
  int landed = 0, pending = 0;
  for (int i = 0; i < 10; ++i) {
    const int delay = 5 + static_cast<int>(rng() % (took_ms * 12 / 10 + 1));
    landed += RunAndKill(
        [&](Database* db) { (void)CreateVerifiedSnapshot(db, Env::Default(), "chunks"); }, delay);
    CheckListedBackupsAreGood();
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto all = ListBackups(db->get());
    ASSERT_TRUE(all.ok()) << all.status().ToString();
    for (const auto& b : *all) {
      if (b.state != BackupState::kPending) continue;
      ++pending;
      EXPECT_EQ(RestoreSnapshot(db->get(), Env::Default(), b.name).status().code(),
                Code::kFailedPrecondition)
          << b.name;
    }
  }
  RecordProperty("pending_left_by_kills", pending);
  EXPECT_GT(landed, 0) << "no kill landed mid-work; the test proved nothing";
}

TEST_F(BackupCrashTest, KillDuringRestoreLeavesAUsableDatabase) {
  TableChecksum good, wrecked;
  std::string archive;
  {
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    ArchiveOptions o;
    o.dir = dir_ / "backups";
    auto a = CreateArchive(db->get(), Env::Default(), o);
    ASSERT_TRUE(a.ok()) << a.status().ToString();
    archive = a->location;
    good = *ComputeTableChecksum(db->get(), "chunks");
    ASSERT_TRUE((*db)->Exec("DELETE FROM chunks WHERE id % 2 = 0").ok());
    wrecked = *ComputeTableChecksum(db->get(), "chunks");
  }
  std::mt19937 rng(777);
  int landed = 0;
  for (int i = 0; i < 8; ++i) {
    int delay = 20 + static_cast<int>(rng() % 900);
    landed += RunAndKill(
        [&](Database* db) { (void)RestoreArchive(db, Env::Default(), archive, dir_ / "backups"); },
        delay);
    auto db = OpenDatabase(url_, Env::Default());
    ASSERT_TRUE(db.ok());
    auto sum = ComputeTableChecksum(db->get(), "chunks");
    ASSERT_TRUE(sum.ok()) << sum.status().ToString();
    // Old or new, never a mix, and the file whole (a kill may land in the
    // load's or the checkpoint's batched writes, sqlite_batch_vfs.h).
    EXPECT_TRUE(*sum == good || *sum == wrecked) << "rows " << sum->rows;
    auto check = (*db)->Query("PRAGMA integrity_check", {});
    ASSERT_TRUE(check.ok()) << check.status().ToString();
    EXPECT_EQ(*check->GetText(0, 0), "ok") << "after a kill at " << delay << " ms";
    CheckListedBackupsAreGood();
    if (*sum == good) {
      ASSERT_TRUE((*db)->Exec("DELETE FROM chunks WHERE id % 2 = 0").ok());
    }
  }
  EXPECT_GT(landed, 0);
  CheckCleanupRemovesEveryLeftover();
}

}  // namespace
}  // namespace ferry
