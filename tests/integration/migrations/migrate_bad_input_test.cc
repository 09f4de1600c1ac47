// Bad input: each case must give a clear message naming the file (and line
// where there is one), its own exit code, and change nothing (schema and
// ledger compared before and after). Passwords in URLs never show.
#include <iostream>

#include <nlohmann/json.hpp>

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

class BadInputTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override { FERRY_ENGINE_OR_SKIP(engine_, GetParam()); }
  std::string dir() const { return engine_->dir() / "migrations"; }

  // Ten migrations, each creating tN and recording itself in audit.
  void WriteTen() {
    for (int i = 1; i <= 10; ++i) Write(i, "CREATE TABLE t" + std::to_string(i) + " (id INTEGER);");
  }
  void Write(int i, const std::string& up_sql, const std::string& name = "") {
    char num[8];
    std::snprintf(num, sizeof num, "%04d", i);
    std::string up = up_sql + "\n";
    if (i == 1) up = "CREATE TABLE audit (v INTEGER NOT NULL);\n" + up;
    up += "INSERT INTO audit (v) VALUES (" + std::to_string(i) + ");\n";
    WriteFile(dir() + "/" + num + "_" + (name.empty() ? "m" + std::to_string(i) : name) + ".sql",
              "-- +up\n" + up + "-- +down\nDROP TABLE t" + std::to_string(i) + ";\n" +
                  (i == 1 ? "DROP TABLE audit;\n"
                          : "DELETE FROM audit WHERE v = " + std::to_string(i) + ";\n"));
  }
  RunResult Ferry(std::vector<std::string> args) {
    std::vector<std::string> full = {"--db", engine_->url(), "--migrations", dir()};
    full.insert(full.end(), args.begin(), args.end());
    return RunFerry(full);
  }
  struct Snapshot {
    std::string schema, ledger;
    bool operator==(const Snapshot&) const = default;
  };
  Snapshot Snap() { return {engine_->SchemaDump(), engine_->LedgerDump()}; }

  std::unique_ptr<TestEngine> engine_;
};

TEST_P(BadInputTest, DuplicateVersions) {
  WriteTen();
  ASSERT_EQ(Ferry({"up", "--to", "3"}).code, 0);
  Snapshot before = Snap();
  WriteFile(dir() + "/0005_another_five.sql", "-- +up\nCREATE TABLE dup (x INTEGER);\n-- +down\n");
  for (const char* cmd : {"up", "validate", "status", "plan"}) {
    RunResult r = Ferry({cmd});
    EXPECT_EQ(r.code, 10) << cmd << ": " << Describe(r);
    EXPECT_NE(r.err.find("duplicate migration version 5"), std::string::npos) << Describe(r);
    EXPECT_NE(r.err.find("0005_m5.sql"), std::string::npos) << Describe(r);
    EXPECT_NE(r.err.find("0005_another_five.sql"), std::string::npos) << Describe(r);
  }
  EXPECT_EQ(Snap(), before);
}

TEST_P(BadInputTest, GapBelowTheAppliedVersion) {
  WriteTen();
  fs::rename(dir() + "/0004_m4.sql", engine_->dir() / "held_back.sql");
  ASSERT_EQ(Ferry({"up", "--to", "6"}).code, 0);
  // 0004 arrives late (e.g. from a merged branch).
  fs::rename(engine_->dir() / "held_back.sql", dir() + "/0004_m4.sql");
  Snapshot before = Snap();
  RunResult r = Ferry({"validate"});
  EXPECT_EQ(r.code, 5) << Describe(r);
  EXPECT_NE(r.all().find("0004_m4.sql"), std::string::npos) << Describe(r);
  r = Ferry({"--output", "json", "validate"});
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  ASSERT_GE(j["problems"].size(), 1u) << j.dump();
  EXPECT_EQ(j["problems"][0]["kind"], "gap") << j.dump();
  EXPECT_EQ(j["problems"][0]["version"], "4");
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 5) << Describe(r);
  EXPECT_NE(r.err.find("0004_m4.sql"), std::string::npos) << Describe(r);
  EXPECT_EQ(Snap(), before);
}

TEST_P(BadInputTest, ChecksumDriftRefusesUp) {
  WriteTen();
  ASSERT_EQ(Ferry({"up", "--to", "5"}).code, 0);
  std::string p = dir() + "/0003_m3.sql";
  std::string text = ReadAll(p);
  text.replace(text.find("(id INTEGER)"), 12, "(id INTEGER, extra INTEGER)");
  WriteFile(p, text);
  Snapshot before = Snap();
  RunResult r = Ferry({"up"});
  EXPECT_EQ(r.code, 5) << Describe(r);
  EXPECT_NE(r.err.find("0003_m3.sql"), std::string::npos) << Describe(r);
  EXPECT_NE(r.err.find("checksum"), std::string::npos) << Describe(r);
  r = Ferry({"validate"});
  EXPECT_EQ(r.code, 5) << Describe(r);
  EXPECT_EQ(Snap(), before);
}

// Migration 7 of 10 has a syntax error on its third line.
TEST_P(BadInputTest, SyntaxErrorInSevenOfTen) {
  WriteTen();
  Write(7, "CREATE TABLE t7 (id INTEGER);\nCREAT TABLE oops (x INTEGER);", "m7");
  RunResult r = Ferry({"up"});
  EXPECT_EQ(r.code, 6) << Describe(r);
  EXPECT_NE(r.err.find("0007_m7.sql:3"), std::string::npos) << Describe(r);
  // Schema as after 6: t1..t6, no t7 (rolled back), nothing after.
  for (int i = 1; i <= 10; ++i)
    EXPECT_EQ(engine_->TableExists("t" + std::to_string(i)), i <= 6) << "t" << i;
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 6);
  auto rows = engine_->QueryText(
      "SELECT version, state FROM ferry_schema_migrations ORDER BY version");
  ASSERT_EQ(rows.size(), 7u);
  EXPECT_EQ(rows[6][0], "7");
  EXPECT_EQ(rows[6][1], "failed");
  r = Ferry({"--output", "json", "status"});
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["failed"]["version"], "7") << j.dump();
  EXPECT_NE(j["failed"]["error"].get<std::string>().find("0007_m7.sql:3"), std::string::npos)
      << j.dump();

  Snapshot failed = Snap();
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 8) << Describe(r);
  EXPECT_NE(r.err.find("repair"), std::string::npos) << Describe(r);
  EXPECT_EQ(Snap(), failed);
  // Fix the file, repair, go on.
  Write(7, "CREATE TABLE t7 (id INTEGER);", "m7");
  r = Ferry({"repair"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM audit"), 10);
}

TEST_P(BadInputTest, DownFileMissing) {
  // golang-migrate layout, 0002 has no .down.sql.
  WriteFile(dir() + "/000001_a.up.sql", "CREATE TABLE a (x INTEGER);\n");
  WriteFile(dir() + "/000001_a.down.sql", "DROP TABLE a;\n");
  WriteFile(dir() + "/000002_b.up.sql", "CREATE TABLE b (x INTEGER);\n");
  ASSERT_EQ(Ferry({"up"}).code, 0);
  Snapshot before = Snap();
  RunResult r = Ferry({"down"});
  EXPECT_EQ(r.code, 10) << Describe(r);
  EXPECT_NE(r.err.find("000002_b.up.sql"), std::string::npos) << Describe(r);
  EXPECT_NE(r.err.find("no down"), std::string::npos) << Describe(r);
  r = Ferry({"down", "--all"});
  EXPECT_EQ(r.code, 10) << Describe(r);
  EXPECT_EQ(Snap(), before);
  // A down file without its up is bad input too.
  WriteFile(dir() + "/000003_c.down.sql", "DROP TABLE c;\n");
  r = Ferry({"up"});
  EXPECT_EQ(r.code, 10) << Describe(r);
  EXPECT_NE(r.err.find("000003_c.down.sql"), std::string::npos) << Describe(r);
  EXPECT_EQ(Snap(), before);
}

TEST_P(BadInputTest, UnreadableFile) {
  WriteTen();
  ASSERT_EQ(Ferry({"up", "--to", "2"}).code, 0);
  std::string p = dir() + "/0004_m4.sql";
  ::chmod(p.c_str(), 0);
  bool blocked = ::access(p.c_str(), R_OK) != 0;
  if (!blocked) {
    // Running as root (CAP_DAC_OVERRIDE): chmod 000 does not stop reads, so
    // the permission case cannot happen here. A dangling symlink is a file
    // whose read fails for real: the same path through ferry.
    ::chmod(p.c_str(), 0644);
    fs::remove(p);
    fs::create_symlink(engine_->dir() / "no_such_target.sql", p);
    std::cerr << "[note] running as root: unreadable file simulated by a dangling symlink\n";
  }
  Snapshot before = Snap();
  RunResult r = Ferry({"up"});
  if (blocked) {
    EXPECT_EQ(r.code, 12) << Describe(r);  // the OS refused the read
  } else {
    EXPECT_TRUE(r.code == 11 || r.code == 12) << Describe(r);  // the link's target is gone
  }
  EXPECT_NE(r.err.find("0004_m4.sql"), std::string::npos) << Describe(r);
  EXPECT_EQ(Snap(), before);
}

TEST_P(BadInputTest, PasswordNeverShown) {
  WriteTen();
  Write(3, "CREATE TABLE t3 (id INTEGER);\nSELECT * FROM missing_table;", "m3");
  std::string secret = "s3cr3t-P4ss";
  std::string url;
  if (engine_->is_pg()) {
    // The test server trusts every password; put one in anyway.
    url = engine_->url();
    url.replace(url.find("://") + 3, 0, "");
    size_t at = url.find('@');
    url.insert(at, ":" + secret);
  } else {
    url = "sqlite:" + (engine_->dir() / "app.db") + "?password=" + secret;
  }
  std::vector<std::vector<std::string>> cmds = {
      {"up"}, {"up"}, {"status"}, {"--output", "json", "status"}, {"validate"},
      {"check"}, {"--output", "json", "check"}, {"down", "--to", "99"},
      {"--log-format", "json", "up"}, {"baseline", "nope"}};
  for (auto& c : cmds) {
    std::vector<std::string> args = {"--db", url, "--migrations", dir()};
    args.insert(args.end(), c.begin(), c.end());
    RunResult r = RunFerry(args);
    EXPECT_EQ(r.all().find(secret), std::string::npos) << c.back() << ": " << Describe(r);
  }
  // Unreachable server and malformed URLs with a password.
  for (const std::string& u :
       {"postgres://ferry:" + secret + "@127.0.0.1:1/db?connect_timeout=2",
        "postgres://ferry:" + secret + "@[::1/db", "nosuch://u:" + secret + "@h/db"}) {
    RunResult r = RunFerry({"--db", u, "--migrations", dir(), "status"});
    EXPECT_NE(r.code, 0);
    EXPECT_EQ(r.all().find(secret), std::string::npos) << u << ": " << Describe(r);
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, BadInputTest, ::testing::Values("sqlite", "postgres"),
                         [](const auto& info) { return info.param; });

TEST(BadUrlTest, MalformedUrlIsUsageError) {
  TempDir d;
  WriteFile(d / "m/0001_a.sql", "-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n");
  for (const char* u : {"not a url", "postgres://[::1/db", "nosuch://x/y", "postgres://h:notaport/db"}) {
    RunResult r = RunFerry({"--db", u, "--migrations", d / "m", "status"});
    EXPECT_EQ(r.code, 2) << u << ": " << Describe(r);
    EXPECT_FALSE(r.err.empty());
  }
}

TEST(BadUrlTest, UnreachableServerQuickly) {
  TempDir d;
  WriteFile(d / "m/0001_a.sql", "-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n");
  // Nothing listens on port 1.
  RunResult r = RunFerry({"--db", "postgres://ferry@127.0.0.1:1/db", "--migrations", d / "m", "up"});
  EXPECT_EQ(r.code, 9) << Describe(r);
  EXPECT_LT(r.seconds, 5) << Describe(r);
  EXPECT_NE(r.err.find("127.0.0.1"), std::string::npos) << Describe(r);
}

TEST(BadUrlTest, FileThatIsNotSqlite) {
  TempDir d;
  WriteFile(d / "m/0001_a.sql", "-- +up\nCREATE TABLE a (x INTEGER);\n-- +down\nDROP TABLE a;\n");
  std::string junk = "this is a text file, not a database\n";
  for (int i = 0; i < 200; ++i) junk += "more text, not SQLite's header\n";
  WriteFile(d / "notes.txt", junk);
  for (const char* cmd : {"up", "status"}) {
    RunResult r = RunFerry({"--db", "sqlite:" + (d / "notes.txt"), "--migrations", d / "m", cmd});
    EXPECT_EQ(r.code, 13) << cmd << ": " << Describe(r);
    EXPECT_NE(r.err.find("notes.txt"), std::string::npos) << Describe(r);
  }
  EXPECT_EQ(ReadAll(d / "notes.txt"), junk) << "ferry changed the file";
}

TEST(BadUrlTest, BadFileNameNamesTheFile) {
  TempDir d;
  WriteFile(d / "m/0001_a.sql", "-- +up\nSELECT 1;\n-- +down\nSELECT 1;\n");
  WriteFile(d / "m/1x_bad-name.sql", "SELECT 1;\n");
  RunResult r = RunFerry({"--db", "sqlite:" + (d / "a.db"), "--migrations", d / "m", "up"});
  EXPECT_EQ(r.code, 10) << Describe(r);
  EXPECT_NE(r.err.find("1x_bad-name.sql"), std::string::npos) << Describe(r);
  if (fs::exists(d / "a.db")) {
    auto db = OpenDatabase("sqlite:" + (d / "a.db"), Env::Default());
    ASSERT_TRUE(db.ok());
    auto e = (*db)->TableExists("ferry_schema_migrations");
    EXPECT_TRUE(e.ok() && !*e);
  }
}

}  // namespace
}  // namespace ferry::testing
