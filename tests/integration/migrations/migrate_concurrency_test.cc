// Eight `ferry up` processes started together against one database apply
// each migration exactly once, and all exit 0.
#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

class ConcurrencyTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { FERRY_ENGINE_OR_SKIP(engine_, GetParam()); }
  std::unique_ptr<TestEngine> engine_;
};

TEST_P(ConcurrencyTest, EightRunnersApplyEachMigrationOnce) {
  const std::string dir = engine_->dir() / "migrations";
  const int kMigrations = 40;
  for (int i = 1; i <= kMigrations; ++i) {
    char num[8];
    std::snprintf(num, sizeof num, "%04d", i);
    std::string up = i == 1 ? "CREATE TABLE audit (v INTEGER NOT NULL);\n" : "";
    up += "CREATE TABLE c" + std::to_string(i) + " (x INTEGER);\n";
    up += "INSERT INTO audit (v) VALUES (" + std::to_string(i) + ");\n";
    WriteFile(dir + "/" + num + "_c" + std::to_string(i) + ".sql",
              "-- +up\n" + up + "-- +down\nDROP TABLE c" + std::to_string(i) + ";\n");
  }
  const int kRunners = 8;
  TempDir logs;
  std::vector<pid_t> pids;
  for (int k = 0; k < kRunners; ++k) {
    pids.push_back(SpawnFerry({"--db", engine_->url(), "--migrations", dir, "--lock-timeout", "60", "up"},
                              {}, logs / (std::to_string(k) + ".out"),
                              logs / (std::to_string(k) + ".err")));
  }
  for (int k = 0; k < kRunners; ++k) {
    int code = WaitExit(pids[static_cast<size_t>(k)], 120);
    EXPECT_EQ(code, 0) << "runner " << k << ":\n" << ReadAll(logs / (std::to_string(k) + ".err"));
  }
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), kMigrations);
  EXPECT_EQ(engine_->QueryInt("SELECT count(DISTINCT v) FROM audit"), kMigrations);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM ferry_schema_migrations WHERE state = 'applied'"),
            kMigrations);
}

INSTANTIATE_TEST_SUITE_P(Engines, ConcurrencyTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ferry::testing
