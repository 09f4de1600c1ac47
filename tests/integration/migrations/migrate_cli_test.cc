// The `ferry` command-line contract (issue 2), run as a subprocess against
// SQLite and PostgreSQL: new, status, plan, up/down and their targets,
// validate, baseline, repair, check exit codes, --output json, and where the
// URL and folder come from (flag > env > ferry.toml).
#include <nlohmann/json.hpp>

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

class CliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { FERRY_ENGINE_OR_SKIP(engine_, GetParam()); }

  // Migration n creates table tN and records itself in audit.
  void WriteMigrations(int n, int from = 1) {
    for (int i = from; i <= n; ++i) WriteMigration(i);
  }
  void WriteMigration(int i) {
    char num[8];
    std::snprintf(num, sizeof num, "%04d", i);
    std::string up = "CREATE TABLE t" + std::to_string(i) + " (id INTEGER PRIMARY KEY);\n";
    if (i == 1) up = "CREATE TABLE audit (v INTEGER NOT NULL);\n" + up;
    up += "INSERT INTO audit (v) VALUES (" + std::to_string(i) + ");\n";
    std::string down = "DROP TABLE t" + std::to_string(i) + ";\n";
    down += i == 1 ? "DROP TABLE audit;\n"
                   : "DELETE FROM audit WHERE v = " + std::to_string(i) + ";\n";
    WriteFile(dir() + "/" + num + "_step_" + std::to_string(i) + ".sql",
              "-- step " + std::to_string(i) + "\n-- +up\n" + up + "-- +down\n" + down);
  }

  std::string dir() const { return engine_->dir() / "migrations"; }

  RunResult Ferry(std::vector<std::string> args) {
    std::vector<std::string> full = {"--db", engine_->url(), "--migrations", dir()};
    full.insert(full.end(), args.begin(), args.end());
    return RunFerry(full);
  }

  json Json(const RunResult& r) {
    json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not one JSON document:\n" << Describe(r);
    return j;
  }

  std::vector<int> TablesPresent(int n) {
    std::vector<int> out;
    for (int i = 1; i <= n; ++i)
      if (engine_->TableExists("t" + std::to_string(i))) out.push_back(i);
    return out;
  }

  std::unique_ptr<TestEngine> engine_;
};

TEST_P(CliTest, NewNumbersFilesWithFourDigitsAndSections) {
  TempDir cwd;
  RunOptions o;
  o.cwd = cwd.path();
  // Default folder "migrations", created on first use.
  RunResult r = RunFerry({"new", "Add users"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(fs::exists(cwd / "migrations/0001_add_users.sql")) << r.out;
  std::string body = ReadAll(cwd / "migrations/0001_add_users.sql");
  EXPECT_NE(body.find("-- +up"), std::string::npos) << body;
  EXPECT_NE(body.find("-- +down"), std::string::npos) << body;
  EXPECT_LT(body.find("-- +up"), body.find("-- +down"));
  r = RunFerry({"new", "second"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(fs::exists(cwd / "migrations/0002_second.sql"));
  // Next free number follows the highest, not the count.
  WriteFile(cwd / "migrations/0009_jump.sql", "-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n");
  r = RunFerry({"new", "after-jump"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(fs::exists(cwd / "migrations/0010_after_jump.sql")) << r.out;
  // The new (empty) files are valid migrations.
  r = RunFerry({"--db", engine_->url(), "plan"}, o);
  EXPECT_EQ(r.code, 0) << Describe(r);
}

TEST_P(CliTest, PlanWritesNothing) {
  WriteMigrations(3);
  RunResult r = Ferry({"plan"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("ferry_schema_migrations")) << "plan created the ledger";
  EXPECT_FALSE(engine_->TableExists("t1"));
  for (int i = 1; i <= 3; ++i)
    EXPECT_NE(r.out.find("step_" + std::to_string(i)), std::string::npos) << r.out;

  r = Ferry({"--output", "json", "plan"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json j = Json(r);
  const json& steps = j.is_array() ? j : j["steps"];
  ASSERT_TRUE(steps.is_array()) << j.dump();
  ASSERT_EQ(steps.size(), 3u) << j.dump();
  EXPECT_EQ(steps[0]["version"], "1");
  EXPECT_EQ(steps[2]["version"], "3");
  EXPECT_EQ(steps[0]["transaction"], "transaction");

  ASSERT_EQ(Ferry({"up", "--to", "2"}).code, 0);
  std::string ledger = engine_->LedgerDump();
  std::string schema = engine_->SchemaDump();
  r = Ferry({"--output", "json", "plan"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  j = Json(r);
  const json& rest = j.is_array() ? j : j["steps"];
  ASSERT_EQ(rest.size(), 1u) << j.dump();
  EXPECT_EQ(rest[0]["version"], "3");
  EXPECT_EQ(engine_->LedgerDump(), ledger);
  EXPECT_EQ(engine_->SchemaDump(), schema);
  // plan --to
  WriteMigrations(5, 4);
  r = Ferry({"--output", "json", "plan", "--to", "4"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  j = Json(r);
  const json& to4 = j.is_array() ? j : j["steps"];
  ASSERT_EQ(to4.size(), 2u) << j.dump();
  EXPECT_EQ(to4[1]["version"], "4");
}

TEST_P(CliTest, UpDownTargetsAndStatus) {
  WriteMigrations(5);
  RunResult r = Ferry({"--output", "json", "status"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json j = Json(r);
  EXPECT_EQ(j["pending"], 5) << j.dump();
  EXPECT_EQ(j["current_version"], "");

  r = Ferry({"up", "--to", "2"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(TablesPresent(5), (std::vector<int>{1, 2}));
  r = Ferry({"--output", "json", "status"});
  j = Json(r);
  EXPECT_EQ(j["current_version"], "2") << j.dump();
  EXPECT_EQ(j["applied"], 2);
  EXPECT_EQ(j["pending"], 3);
  EXPECT_TRUE(j["failed"].is_null());
  ASSERT_EQ(j["migrations"].size(), 5u);
  EXPECT_EQ(j["migrations"][0]["state"], "applied");
  EXPECT_EQ(j["migrations"][4]["state"], "pending");
  // Text status names the version.
  r = Ferry({"status"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("2"), std::string::npos);

  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(TablesPresent(5), (std::vector<int>{1, 2, 3, 4, 5}));
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 5);
  r = Ferry({"up"});  // no-op
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 5);

  r = Ferry({"down"});  // one
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(TablesPresent(5), (std::vector<int>{1, 2, 3, 4}));
  r = Ferry({"down", "--steps", "2"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(TablesPresent(5), (std::vector<int>{1, 2}));
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"down", "--to", "3"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(TablesPresent(5), (std::vector<int>{1, 2, 3}));
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 3);
  r = Ferry({"down", "--all"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(TablesPresent(5).empty());
  EXPECT_FALSE(engine_->TableExists("audit"));
  r = Ferry({"--output", "json", "status"});
  j = Json(r);
  EXPECT_EQ(j["applied"], 0) << j.dump();
  EXPECT_EQ(j["current_version"], "");
  // Conflicting targets are a usage error.
  r = Ferry({"down", "--all", "--steps", "2"});
  EXPECT_EQ(r.code, 2) << Describe(r);
}

TEST_P(CliTest, CheckExitCodes) {
  WriteMigrations(23);
  RunResult r = Ferry({"check"});
  EXPECT_EQ(r.code, 3) << Describe(r);
  r = Ferry({"--output", "json", "check"});
  EXPECT_EQ(r.code, 3) << Describe(r);
  EXPECT_EQ(Json(r)["state"], "pending");
  EXPECT_EQ(Json(r)["pending"], 23);

  ASSERT_EQ(Ferry({"up"}).code, 0);
  r = Ferry({"check"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"--output", "json", "check"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Json(r)["state"], "up_to_date");
  EXPECT_EQ(Json(r)["current_version"], "23");

  // An older copy of the folder: the database is ahead.
  fs::remove(dir() + "/0023_step_23.sql");
  std::string ledger = engine_->LedgerDump();
  r = Ferry({"check"});
  EXPECT_EQ(r.code, 4) << Describe(r);
  EXPECT_NE(r.all().find("schema version mismatch: database is at 23, this folder knows up to 22"),
            std::string::npos)
      << Describe(r);
  r = Ferry({"--output", "json", "check"});
  EXPECT_EQ(r.code, 4) << Describe(r);
  json j = Json(r);
  EXPECT_EQ(j["state"], "schema_too_new") << j.dump();
  EXPECT_NE(j["message"].get<std::string>().find(
                "schema version mismatch: database is at 23, this folder knows up to 22"),
            std::string::npos);
  // up refuses to touch a newer database.
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 4) << Describe(r);
  EXPECT_EQ(engine_->LedgerDump(), ledger);
}

TEST_P(CliTest, ValidateCleanAndChecksumDriftThenRepairChecksums) {
  WriteMigrations(3);
  ASSERT_EQ(Ferry({"up"}).code, 0);
  RunResult r = Ferry({"--output", "json", "validate"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Json(r)["ok"], true);

  // Edit an applied file's up section (the checksum covers the up SQL only;
  // a change to the down section is not drift).
  std::string path = dir() + "/0002_step_2.sql";
  std::string text = ReadAll(path);
  text.replace(text.find("(id INTEGER PRIMARY KEY)"), 24, "(id INTEGER PRIMARY KEY, extra INTEGER)");
  WriteFile(path, text);
  std::string ledger = engine_->LedgerDump();
  r = Ferry({"validate"});
  EXPECT_EQ(r.code, 5) << Describe(r);
  EXPECT_NE(r.all().find("0002_step_2.sql"), std::string::npos) << Describe(r);
  r = Ferry({"--output", "json", "validate"});
  EXPECT_EQ(r.code, 5) << Describe(r);
  json j = Json(r);
  EXPECT_EQ(j["ok"], false);
  ASSERT_EQ(j["problems"].size(), 1u) << j.dump();
  EXPECT_EQ(j["problems"][0]["kind"], "checksum_drift");
  EXPECT_EQ(j["problems"][0]["version"], "2");
  // up refuses while the drift stands.
  WriteMigrations(4, 4);
  r = Ferry({"up"});
  EXPECT_NE(r.code, 0) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("t4"));
  EXPECT_EQ(engine_->LedgerDump(), ledger);

  r = Ferry({"repair", "--checksums"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"validate"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(engine_->TableExists("t4"));
}

TEST_P(CliTest, BaselineRecordsWithoutRunning) {
  WriteMigrations(5);
  // The first three were applied by some earlier tool.
  auto db = engine_->Open();
  ASSERT_TRUE(db);
  ASSERT_TRUE(db->Exec("CREATE TABLE audit (v INTEGER NOT NULL)").ok());
  for (int i = 1; i <= 3; ++i)
    ASSERT_TRUE(db->Exec("CREATE TABLE t" + std::to_string(i) + " (id INTEGER PRIMARY KEY)").ok());
  db.reset();
  RunResult r = Ferry({"baseline", "3"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 0) << "baseline ran migrations";
  r = Ferry({"--output", "json", "status"});
  json j = Json(r);
  EXPECT_EQ(j["current_version"], "3") << j.dump();
  EXPECT_EQ(j["migrations"][0]["state"], "baseline");
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 2);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit WHERE v IN (4, 5)"), 2);
  // Unknown version: not found.
  r = Ferry({"baseline", "99"});
  EXPECT_NE(r.code, 0) << Describe(r);
}

TEST_P(CliTest, FailedMigrationThenRepairMarkApplied) {
  WriteMigrations(2);
  WriteFile(dir() + "/0003_broken.sql",
            "-- +up\nCREATE TABLE t3 (id INTEGER PRIMARY KEY);\nINSERT INTO no_such_table VALUES (1);\n"
            "-- +down\nDROP TABLE t3;\n");
  WriteMigrations(4, 4);
  RunResult r = Ferry({"up"});
  EXPECT_EQ(r.code, 6) << Describe(r);
  EXPECT_NE(r.err.find("0003_broken.sql:3"), std::string::npos) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("t3")) << "failed migration left its table";
  r = Ferry({"--output", "json", "status"});
  json j = Json(r);
  ASSERT_FALSE(j["failed"].is_null()) << j.dump();
  EXPECT_EQ(j["failed"]["version"], "3");
  EXPECT_NE(j["failed"]["error"].get<std::string>().find("0003_broken.sql:3"), std::string::npos)
      << j.dump();
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 8) << Describe(r);
  EXPECT_FALSE(engine_->TableExists("t4"));
  r = Ferry({"check"});
  EXPECT_EQ(r.code, 8) << Describe(r);

  // Finished by hand.
  auto db = engine_->Open();
  ASSERT_TRUE(db->Exec("CREATE TABLE t3 (id INTEGER PRIMARY KEY)").ok());
  db.reset();
  r = Ferry({"repair", "--mark-applied"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(engine_->TableExists("t4"));
  r = Ferry({"check"});
  EXPECT_EQ(r.code, 0) << Describe(r);
}

INSTANTIATE_TEST_SUITE_P(Engines, CliTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

// Where the URL and folder come from: flag > env > ferry.toml.
TEST(CliConfigTest, FlagBeatsEnvBeatsToml) {
  TempDir cwd;
  for (const char* d : {"m_toml", "m_env", "m_flag"}) {
    WriteFile(cwd / (std::string(d) + "/0001_" + d + ".sql"),
              std::string("-- +up\nCREATE TABLE ") + d + " (x INTEGER);\n-- +down\nDROP TABLE " +
                  d + ";\n");
  }
  WriteFile(cwd / "ferry.toml",
            "database_url = \"sqlite:" + (cwd / "toml.db") + "\"\nmigrations = \"m_toml\"\n");
  auto tables_in = [&](const std::string& db) {
    auto d = OpenDatabase("sqlite:" + (cwd / db), Env::Default());
    std::string out;
    if (!d.ok()) return out;
    for (const char* t : {"m_toml", "m_env", "m_flag"})
      { auto e = (*d)->TableExists(t); if (e.ok() && *e) out += t; }
    return out;
  };
  RunOptions o;
  o.cwd = cwd.path();
  RunResult r = RunFerry({"up"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(tables_in("toml.db"), "m_toml");

  o.env["FERRY_DATABASE_URL"] = "sqlite:" + (cwd / "env.db");
  o.env["FERRY_MIGRATIONS"] = "m_env";
  r = RunFerry({"up"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(tables_in("env.db"), "m_env");

  r = RunFerry({"--db", "sqlite:" + (cwd / "flag.db"), "--migrations", "m_flag", "up"}, o);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(tables_in("flag.db"), "m_flag");
  EXPECT_EQ(tables_in("toml.db"), "m_toml");  // untouched by the later runs
  EXPECT_EQ(tables_in("env.db"), "m_env");

  // --config names another file.
  WriteFile(cwd / "other.toml",
            "database_url = \"sqlite:" + (cwd / "other.db") + "\"\nmigrations = \"m_flag\"\n");
  r = RunFerry({"--config", cwd / "other.toml", "up"}, RunOptions{{}, cwd.path(), 60});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(tables_in("other.db"), "m_flag");

  // No URL anywhere: usage error.
  TempDir empty;
  r = RunFerry({"status"}, RunOptions{{}, empty.path(), 60});
  EXPECT_EQ(r.code, 2) << Describe(r);
  // A broken ferry.toml: usage error naming the file and line.
  WriteFile(empty / "ferry.toml", "database_url = \"sqlite:x.db\"\nmigrations = [oops\n");
  r = RunFerry({"status"}, RunOptions{{}, empty.path(), 60});
  EXPECT_EQ(r.code, 2) << Describe(r);
  EXPECT_NE(r.err.find("ferry.toml:"), std::string::npos) << Describe(r);
}

TEST(CliConfigTest, HelpListsExitCodes) {
  RunResult r = RunFerry({"--help"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  for (const char* s : {"Exit codes", "3  check", "4  schema version mismatch", "8  "})
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  r = RunFerry({"--no-such-flag"});
  EXPECT_EQ(r.code, 2) << Describe(r);
}

}  // namespace
}  // namespace ferry::testing
