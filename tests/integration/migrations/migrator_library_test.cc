// ferry::Migrator used directly as a library: Open, Plan, Up, GetStatus,
// CheckCompatible (SchemaTooNew when the database is ahead of the program).
#include "ferry/migrator.h"

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

class LibraryTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { FERRY_ENGINE_OR_SKIP(engine_, GetParam()); }
  void WriteN(const std::string& dir, int n) {
    for (int i = 1; i <= n; ++i) {
      char num[8];
      std::snprintf(num, sizeof num, "%04d", i);
      WriteFile(dir + "/" + num + "_lib" + std::to_string(i) + ".sql",
                "-- +up\nCREATE TABLE lib" + std::to_string(i) + " (x INTEGER);\n-- +down\nDROP TABLE lib" +
                    std::to_string(i) + ";\n");
    }
  }
  std::unique_ptr<TestEngine> engine_;
};

TEST_P(LibraryTest, OpenPlanUpStatusCheckCompatible) {
  const std::string v3 = engine_->dir() / "v3", v2 = engine_->dir() / "v2";
  WriteN(v3, 3);
  WriteN(v2, 2);
  std::vector<MigrationEvent> events;
  MigratorOptions o;
  o.database_url = engine_->url();
  o.migrations_dir = v3;
  o.on_event = [&](const MigrationEvent& e) { events.push_back(e); };
  auto m = Migrator::Open(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_TRUE((*m)->CheckCompatible().ok());

  auto plan = (*m)->Plan({});
  ASSERT_TRUE(plan.ok()) << plan.status().ToString();
  ASSERT_EQ(plan->size(), 3u);
  EXPECT_EQ((*plan)[0].version, "1");
  EXPECT_EQ((*plan)[0].tx_mode, TxMode::kTransaction);
  EXPECT_FALSE(engine_->TableExists("ferry_schema_migrations"));

  auto up = (*m)->Up(UpTarget{std::string("2")});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->size(), 2u);
  auto st = (*m)->GetStatus();
  ASSERT_TRUE(st.ok()) << st.status().ToString();
  EXPECT_EQ(st->current_version, "2");
  EXPECT_EQ(st->latest_version, "3");
  EXPECT_EQ(st->applied, 2u);
  EXPECT_EQ(st->pending, 1u);
  EXPECT_EQ(st->database.find("password"), std::string::npos);
  up = (*m)->Up();
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->size(), 1u);
  bool saw_applied = false;
  for (auto& e : events) saw_applied |= e.kind == MigrationEvent::Kind::kApplied && e.version == "3";
  EXPECT_TRUE(saw_applied);
  auto check = (*m)->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->state, CheckReport::State::kUpToDate);
  m->reset();

  // An older build of the program (it knows 1..2) meets the newer database.
  o.migrations_dir = v2;
  auto old = Migrator::Open(o);
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  Status compat = (*old)->CheckCompatible();
  EXPECT_EQ(compat.code(), Code::kSchemaTooNew) << compat.ToString();
  EXPECT_NE(compat.message().find("schema version mismatch: database is at 3, this folder knows up to 2"),
            std::string::npos)
      << compat.ToString();
  auto refused = (*old)->Up();
  EXPECT_EQ(refused.status().code(), Code::kSchemaTooNew);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM ferry_schema_migrations"), 3);
}

TEST_P(LibraryTest, EmbeddedFiles) {
  static const EmbeddedFile kFiles[] = {
      {"0001_e1.sql", "-- +up\nCREATE TABLE e1 (x INTEGER);\n-- +down\nDROP TABLE e1;\n"},
      {"0002_e2.sql", "-- +up\nCREATE TABLE e2 (x INTEGER);\n-- +down\nDROP TABLE e2;\n"},
  };
  MigratorOptions o;
  o.database_url = engine_->url();
  o.embedded = EmbeddedFileSet(kFiles, 2);
  auto m = Migrator::Open(o);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  auto up = (*m)->Up();
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->size(), 2u);
  EXPECT_TRUE(engine_->TableExists("e2"));
  auto down = (*m)->Down(DownTarget{std::nullopt, std::nullopt, true});
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_FALSE(engine_->TableExists("e1"));
}

TEST(LibraryErrorsTest, OpenFailsEarly) {
  TempDir d;
  WriteFile(d / "m/0001_a.sql", "-- +up\nSELECT 1;\n");
  MigratorOptions o;
  o.migrations_dir = d / "m";
  o.database_url = "postgres://ferry@127.0.0.1:1/x";
  EXPECT_EQ(Migrator::Open(o).status().code(), Code::kUnavailable);
  o.database_url = "not a url";
  EXPECT_EQ(Migrator::Open(o).status().code(), Code::kInvalidArgument);
  o.database_url = "nosuch://x";
  EXPECT_FALSE(Migrator::Open(o).ok());
  o.database_url = "sqlite:" + (d / "a.db");
  o.migrations_dir = d / "absent";
  EXPECT_FALSE(Migrator::Open(o).ok());
}

INSTANTIATE_TEST_SUITE_P(Engines, LibraryTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

}  // namespace
}  // namespace ferry::testing
