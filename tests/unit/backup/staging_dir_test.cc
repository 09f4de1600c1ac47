// StagingDir's ownership protocol (staging_dir.h): a directory is a leftover
// exactly when no live process holds its flock; a killed owner (SIGKILL)
// drops it; `.partial` archives go only when no live job shares the folder.
#include "jobs/backup/staging_dir.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

void Touch(const std::string& path, size_t bytes) {
  std::ofstream(path) << std::string(bytes, 'x');
}

const StagingLeftover* FindLeftover(const std::vector<StagingLeftover>& ls, const std::string& p) {
  for (const auto& l : ls)
    if (l.path == p) return &l;
  return nullptr;
}

TEST(BackupStagingDirTest, OwnedWhileAliveRemovedWithEverythingInIt) {
  testing::TempDir tmp;
  std::string path;
  {
    StagingDir s(Env::Default(), tmp / "backups/.ferry-staging-1-2");
    ASSERT_TRUE(s.Create().ok());
    path = s.path();
    fs::create_directories(path + "/checkpoint");
    Touch(path + "/checkpoint/000001.sst", 10);
    EXPECT_EQ(fs::status(path).permissions() & fs::perms::all, fs::perms::owner_all);
    // A cleanup meanwhile (even in this process: flock is per open file) sees it live.
    auto ls = CleanStagingLeftovers(Env::Default(), tmp / "backups", LeftoverAction::kRemove);
    ASSERT_TRUE(ls.ok()) << ls.status().ToString();
    ASSERT_EQ(ls->size(), 1u);
    EXPECT_TRUE((*ls)[0].live);
    EXPECT_FALSE((*ls)[0].removed);
    EXPECT_EQ((*ls)[0].bytes, 10);
    EXPECT_TRUE(fs::exists(path + "/checkpoint/000001.sst"));
    // A second job asking for the same name gets one of its own.
    StagingDir twin(Env::Default(), tmp / "backups/.ferry-staging-1-2");
    ASSERT_TRUE(twin.Create().ok());
    EXPECT_NE(twin.path(), path);
  }
  EXPECT_FALSE(fs::exists(path));
  EXPECT_TRUE(fs::is_empty(tmp / "backups"));
}

TEST(BackupStagingDirTest, NeverCreatedRemovesNothing) {
  testing::TempDir tmp;
  fs::create_directories(tmp / ".ferry-verify-7");
  { StagingDir s(Env::Default(), tmp / ".ferry-verify-7"); }  // a verify that did not go deep
  EXPECT_TRUE(fs::exists(tmp / ".ferry-verify-7"));
}

TEST(BackupStagingDirTest, AKilledOwnersDirectoryAndPartialAreLeftoversAndGo) {
  testing::TempDir tmp;
  const std::string dir = tmp / "backups";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t pid = ::fork();
  if (pid == 0) {
    StagingDir s(Env::Default(), dir + "/.ferry-restore-99");
    if (!s.Create().ok()) ::_exit(1);
    Touch(s.path() + "/data", 100);
    Touch(dir + "/ferry-app-20261206T000000Z-9.tar.zst.partial", 50);
    (void)!::write(ready[1], "x", 1);
    for (;;) ::pause();  // killed here, lock held, like a crash mid-restore
  }
  char c = 0;
  ASSERT_EQ(::read(ready[0], &c, 1), 1);
  Touch(dir + "/unrelated.partial", 5);  // not an archive's name: not ours
  auto live = CleanStagingLeftovers(Env::Default(), dir, LeftoverAction::kRemove);
  ASSERT_TRUE(live.ok()) << live.status().ToString();
  ASSERT_EQ(live->size(), 2u);
  for (const auto& l : *live) EXPECT_TRUE(l.live && !l.removed) << l.path;
  EXPECT_TRUE(fs::exists(dir + "/.ferry-restore-99/data"));

  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  auto listed = CleanStagingLeftovers(Env::Default(), dir, LeftoverAction::kList);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 2u);
  const StagingLeftover* d = FindLeftover(*listed, dir + "/.ferry-restore-99");
  ASSERT_NE(d, nullptr);
  EXPECT_FALSE(d->live);
  EXPECT_FALSE(d->removed);
  EXPECT_EQ(d->bytes, 100);
  EXPECT_TRUE(fs::exists(dir + "/.ferry-restore-99"));  // listing removes nothing

  auto gone = CleanStagingLeftovers(Env::Default(), dir, LeftoverAction::kRemove);
  ASSERT_TRUE(gone.ok());
  ASSERT_EQ(gone->size(), 2u);
  for (const auto& l : *gone) EXPECT_TRUE(!l.live && l.removed) << l.path;
  EXPECT_FALSE(fs::exists(dir + "/.ferry-restore-99"));
  EXPECT_FALSE(fs::exists(dir + "/ferry-app-20261206T000000Z-9.tar.zst.partial"));
  EXPECT_TRUE(fs::exists(dir + "/unrelated.partial"));
  ::close(ready[0]);
  ::close(ready[1]);
}

}  // namespace
}  // namespace ferry
