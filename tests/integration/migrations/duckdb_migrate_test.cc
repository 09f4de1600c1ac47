// Schema migrations on DuckDB, end to end with the real `ferry` binary:
// up/status/down on a DuckDB file, a failing migration rolled back whole
// (DuckDB's DDL is transactional), and two runners started together (the
// lock file beside the database, plus the wait for DuckDB's own file lock).
// Fails instead of skipping under FERRY_TEST_REQUIRE_SERVERS=1 when DuckDB is
// not built in.
#include <algorithm>
#include <thread>

#include <nlohmann/json.hpp>

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

class DuckdbMigrateTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto s = DatabaseSchemes();
    if (std::find(s.begin(), s.end(), "duckdb") == s.end()) {
      if (ServersRequired()) FAIL() << "duckdb is not built in (scripts/fetch-duckdb.sh)";
      GTEST_SKIP() << "duckdb is not built in";
    }
    url_ = "duckdb:" + dir_ / "app.duckdb";
    WriteFile(dir_ / "migrations/0001_users.sql",
              "-- +up\n"
              "CREATE SEQUENCE user_ids START 1;\n"
              "CREATE TABLE users (id BIGINT PRIMARY KEY DEFAULT nextval('user_ids'), "
              "email VARCHAR NOT NULL UNIQUE, meta JSON, created TIMESTAMPTZ DEFAULT now());\n"
              "INSERT INTO users (email, meta) VALUES ('a@x', '{\"k\": 1}'), ('b@x', NULL);\n"
              "-- +down\n"
              "DROP TABLE users;\nDROP SEQUENCE user_ids;\n");
    WriteFile(dir_ / "migrations/0002_orders.sql",
              "-- +up\n"
              "CREATE TABLE orders (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), "
              "user_id BIGINT NOT NULL, total DECIMAL(12,2), note TEXT DEFAULT 'it''s; -- fine');\n"
              "CREATE INDEX orders_user ON orders (user_id);\n"
              "CREATE VIEW order_totals AS SELECT user_id, sum(total) AS total FROM orders GROUP BY 1;\n"
              "-- +down\n"
              "DROP VIEW order_totals;\nDROP TABLE orders;\n");
    WriteFile(dir_ / "migrations/0003_add_column.sql",
              "-- +up\n"
              "ALTER TABLE users ADD COLUMN name VARCHAR DEFAULT 'anon';\n"
              "UPDATE users SET name = upper(email);\n"
              "-- +down\n"
              "ALTER TABLE users DROP COLUMN name;\n");
  }

  RunResult Ferry(std::vector<std::string> args) {
    std::vector<std::string> full = {"--db", url_, "--migrations", dir_ / "migrations"};
    full.insert(full.end(), args.begin(), args.end());
    return RunFerry(full);
  }

  // Opens, reads, closes: DuckDB lets one process at a time hold the file,
  // so the test must not keep it open while ferry runs.
  std::vector<std::vector<std::string>> Rows(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    auto db = OpenDatabase(url_, Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    if (!db.ok()) return out;
    auto r = (*db)->Query(sql, {});
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    if (!r.ok()) return out;
    for (size_t i = 0; i < r->size(); ++i) {
      std::vector<std::string> row;
      for (size_t c = 0; c < r->columns.size(); ++c) row.push_back(r->GetText(i, c).value_or("NULL"));
      out.push_back(row);
    }
    return out;
  }
  bool Exists(const std::string& table) {
    auto db = OpenDatabase(url_, Env::Default());
    if (!db.ok()) return false;
    auto r = (*db)->TableExists(table);
    return r.ok() && *r;
  }
  std::string Ledger() {
    std::string out;
    for (auto& r : Rows("SELECT version, state, tx_mode FROM ferry_schema_migrations ORDER BY version"))
      out += r[0] + ":" + r[1] + ":" + r[2] + " ";
    return out;
  }

  TempDir dir_;
  std::string url_;
};

TEST_F(DuckdbMigrateTest, UpStatusDownOnADuckdbFile) {
  RunResult r = Ferry({"--output", "json", "status"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json j = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(j.is_discarded()) << r.out;
  EXPECT_EQ(j["pending"], 3) << j.dump();

  r = Ferry({"up", "--to", "2"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_TRUE(Exists("users"));
  EXPECT_TRUE(Exists("orders"));
  EXPECT_EQ(Ledger(), "1:applied:transaction 2:applied:transaction ");
  EXPECT_EQ(Rows("SELECT count(*) FROM users")[0][0], "2");

  r = Ferry({"--output", "json", "status"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  j = json::parse(r.out, nullptr, false);
  EXPECT_EQ(j["current_version"], "2") << j.dump();
  EXPECT_EQ(j["applied"], 2);
  EXPECT_EQ(j["pending"], 1);

  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Rows("SELECT name FROM users ORDER BY id")[1][0], "B@X");
  // A second up has nothing to do.
  r = Ferry({"up"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(Ledger(), "1:applied:transaction 2:applied:transaction 3:applied:transaction ");

  r = Ferry({"down", "--steps", "2"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(Exists("orders"));
  EXPECT_TRUE(Exists("users"));
  EXPECT_EQ(Rows("SELECT count(*) FROM information_schema.columns WHERE table_name = 'users' "
                 "AND column_name = 'name'")[0][0], "0");
  EXPECT_EQ(Ledger(), "1:applied:transaction ");
  r = Ferry({"down", "--to", "0"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_FALSE(Exists("users"));
  EXPECT_EQ(Ledger(), "");
}

TEST_F(DuckdbMigrateTest, FailingMigrationRollsBackWholeAndNamesTheLine) {
  WriteFile(dir_ / "migrations/0004_broken.sql",
            "-- +up\n"
            "CREATE TABLE half_done (a INTEGER);\n"
            "INSERT INTO half_done VALUES (1);\n"
            "INSERT INTO no_such_table VALUES (1);\n"
            "-- +down\n"
            "DROP TABLE half_done;\n");
  RunResult r = Ferry({"up"});
  EXPECT_EQ(r.code, 6) << Describe(r);  // kExitMigrationFailed
  EXPECT_NE(r.all().find("0004_broken.sql:4"), std::string::npos) << Describe(r);
  EXPECT_NE(r.all().find("duckdb: "), std::string::npos) << Describe(r);
  EXPECT_NE(r.all().find("no_such_table"), std::string::npos) << Describe(r);
  // 1..3 applied; 4 left nothing behind (its CREATE TABLE was undone).
  EXPECT_TRUE(Exists("users"));
  EXPECT_FALSE(Exists("half_done"));
  std::string ledger = Ledger();
  EXPECT_NE(ledger.find("3:applied"), std::string::npos) << ledger;
  EXPECT_NE(ledger.find("4:failed"), std::string::npos) << ledger;
}

TEST_F(DuckdbMigrateTest, TwoRunnersAtOnceApplyEachMigrationOnce) {
  std::vector<std::string> args = {"--db", url_, "--migrations", dir_ / "migrations", "up"};
  RunResult a, b;
  std::thread ta([&] { a = RunFerry(args); });
  std::thread tb([&] { b = RunFerry(args); });
  ta.join();
  tb.join();
  EXPECT_EQ(a.code, 0) << Describe(a);
  EXPECT_EQ(b.code, 0) << Describe(b);
  EXPECT_EQ(Ledger(), "1:applied:transaction 2:applied:transaction 3:applied:transaction ");
  EXPECT_EQ(Rows("SELECT count(*) FROM users")[0][0], "2");  // seed rows inserted once
}

}  // namespace
}  // namespace ferry::testing
