// `ferry up --backup` and `[backup] before_migrate = true`: a verified archive
// is written before the first migration runs, and the ledger rows of that run
// name it. A no-op up takes no backup.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>

namespace {

namespace fs = std::filesystem;

struct RunResult {
  int code;
  std::string out;
};

RunResult Ferry(const std::string& dir, const std::string& args) {
  std::string cmd = "cd '" + dir + "' && " FERRY_BINARY " " + args + " 2>/dev/null";
  FILE* p = popen(cmd.c_str(), "r");
  std::string out;
  std::array<char, 4096> buf;
  size_t n;
  while ((n = fread(buf.data(), 1, buf.size(), p)) > 0) out.append(buf.data(), n);
  int st = pclose(p);
  return {WIFEXITED(st) ? WEXITSTATUS(st) : -1, out};
}

class UpBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("ferry_upbackup_" + std::to_string(getpid()) + "_" +
                                        ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_ / "migrations");
    std::ofstream(dir_ / "migrations/0001_a.sql") << "-- +up\nCREATE TABLE a (x INT);\nINSERT INTO a VALUES (1);\n-- +down\nDROP TABLE a;\n";
    std::ofstream(dir_ / "migrations/0002_b.sql") << "-- +up\nCREATE TABLE b (x INT);\n-- +down\nDROP TABLE b;\n";
  }
  void TearDown() override { fs::remove_all(dir_); }

  size_t Archives() {
    size_t n = 0;
    if (!fs::exists(dir_ / "backups")) return 0;
    for (auto& e : fs::directory_iterator(dir_ / "backups")) {
      std::string name = e.path().filename().string();
      if (name.rfind("ferry-", 0) == 0 && name.find(".tar.") != std::string::npos) {
        ++n;
        EXPECT_EQ(fs::status(e.path()).permissions() & fs::perms::all,
                  fs::perms::owner_read | fs::perms::owner_write)
            << name << " must be owner-only";
      }
    }
    return n;
  }

  fs::path dir_;
};

TEST_F(UpBackupTest, FlagTakesArchiveAndLedgerNamesIt) {
  ASSERT_EQ(Ferry(dir_, "--db sqlite:app.db up --to 1").code, 0);
  EXPECT_EQ(Archives(), 0u);
  RunResult up = Ferry(dir_, "--db sqlite:app.db --output json up --backup");
  ASSERT_EQ(up.code, 0) << up.out;
  auto j = nlohmann::json::parse(up.out);
  ASSERT_TRUE(j.contains("backup")) << up.out;
  std::string backup = j["backup"];
  EXPECT_EQ(Archives(), 1u);
  auto st = nlohmann::json::parse(Ferry(dir_, "--db sqlite:app.db --output json status").out);
  EXPECT_FALSE(st["migrations"][0].contains("backup"));  // ran without one
  EXPECT_EQ(st["migrations"][1]["backup"], backup);
  // Nothing pending: no archive.
  ASSERT_EQ(Ferry(dir_, "--db sqlite:app.db up --backup").code, 0);
  EXPECT_EQ(Archives(), 1u);
}

TEST_F(UpBackupTest, ConfigBeforeMigrateAndOptOut) {
  std::ofstream(dir_ / "ferry.toml") << "database_url = \"sqlite:app.db\"\n[backup]\nbefore_migrate = true\ndir = \"arch\"\n";
  ASSERT_EQ(Ferry(dir_, "up --to 1").code, 0);
  size_t n = 0;
  for (auto& e : fs::directory_iterator(dir_ / "arch")) n += e.path().string().find(".tar.") != std::string::npos;
  EXPECT_EQ(n, 1u);
  ASSERT_EQ(Ferry(dir_, "up --no-backup").code, 0);
  n = 0;
  for (auto& e : fs::directory_iterator(dir_ / "arch")) n += e.path().string().find(".tar.") != std::string::npos;
  EXPECT_EQ(n, 1u);
}

// The archive before a migration follows ferry.toml's [backup] settings like
// `backup create --archive` does; a bad one stops `up` before anything runs.
TEST_F(UpBackupTest, ConfigCompressionAndMethodApply) {
  std::ofstream(dir_ / "ferry.toml")
      << "database_url = \"sqlite:app.db\"\n[backup]\nbefore_migrate = true\ndir = \"arch\"\n"
         "compression = \"gzip\"\n";
  ASSERT_EQ(Ferry(dir_, "up --to 1").code, 0);
  size_t gz = 0;
  for (auto& e : fs::directory_iterator(dir_ / "arch")) gz += e.path().string().find(".tar.gz") != std::string::npos;
  EXPECT_EQ(gz, 1u);
  std::ofstream(dir_ / "ferry.toml")
      << "database_url = \"sqlite:app.db\"\n[backup]\nbefore_migrate = true\ndir = \"arch\"\n"
         "method = \"bogus\"\n";
  EXPECT_NE(Ferry(dir_, "up").code, 0);
  auto st = nlohmann::json::parse(Ferry(dir_, "--output json status").out);
  EXPECT_EQ(st["migrations"][1].value("state", st["migrations"][1].value("status", "")), "pending")
      << st.dump();
}

}  // namespace
