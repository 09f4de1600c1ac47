// The DuckDB adapter's own behaviour beyond the conformance suite: how each
// DuckDB type reads back, the Appender bulk path inside a transaction, and
// what opening a bad file says. Fails (not skips) under
// FERRY_TEST_REQUIRE_SERVERS=1 when DuckDB is not built in.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>

#include "db/database.h"
#include "db/transaction.h"
#include "integration/servers.h"
#ifdef FERRY_WITH_DUCKDB
#include "db/duckdb/duckdb_database.h"
#endif

namespace ferry {
namespace {

bool DuckdbBuiltIn() {
  auto s = DatabaseSchemes();
  return std::find(s.begin(), s.end(), "duckdb") != s.end();
}

#define REQUIRE_DUCKDB()                                                                  \
  do {                                                                                    \
    if (!DuckdbBuiltIn()) {                                                               \
      if (testing::ServersRequired()) FAIL() << "duckdb is not built in (scripts/fetch-duckdb.sh)"; \
      GTEST_SKIP() << "duckdb is not built in";                                           \
    }                                                                                     \
  } while (0)

class DuckdbAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    REQUIRE_DUCKDB();
    std::string tmpl = ::testing::TempDir() + "ferry_duckdb_XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl.data()), nullptr);
    dir_ = tmpl;
    auto r = OpenDatabase("duckdb:" + dir_ + "/t.duckdb", Env::Default());
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    db_ = std::move(r).value();
  }
  void TearDown() override {
    db_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  Rows Q(const std::string& sql) {
    auto r = db_->Query(sql, {});
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() ? *r : Rows{};
  }
  std::string dir_;
  std::unique_ptr<Database> db_;
};

TEST_F(DuckdbAdapterTest, ReadsEveryMappedType) {
  Rows r = Q(
      "SELECT true AS b, 7::TINYINT AS ti, 300::SMALLINT AS si, 70000::INTEGER AS i, "
      "9223372036854775807::BIGINT AS bi, 18446744073709551615::UBIGINT AS ub, "
      "170141183460469231731687303715884105727::HUGEINT AS hi, 5::HUGEINT AS hs, "
      "1.5::FLOAT AS f, 'NaN'::DOUBLE AS dn, '-inf'::DOUBLE AS di, "
      "-12345.678::DECIMAL(10,3) AS dec, 0.05::DECIMAL(38,10) AS dec38, "
      "DATE '2024-02-29' AS dt, TIMESTAMP '2024-01-02 03:04:05.123456' AS ts, "
      "TIMESTAMPTZ '2024-01-02 03:04:05+02' AS tz, TIME '23:59:58.5' AS tm, "
      "'6F9619FF-8B86-D011-B42D-00C04FC964FF'::UUID AS u, '{\"a\": [1, 2]}'::JSON AS j, "
      "INTERVAL 3 DAY AS iv, 'infinity'::TIMESTAMP AS tinf, DATE '0001-01-01' - 1 AS bc, "
      "'\\x00\\xFF'::BLOB AS bl, TIMESTAMP_NS '2024-01-02 03:04:05.123456789' AS tns");
  ASSERT_EQ(r.size(), 1u);
  auto at = [&](const char* col) {
    auto it = std::find(r.columns.begin(), r.columns.end(), col);
    EXPECT_NE(it, r.columns.end()) << col;
    return r.rows[0][static_cast<size_t>(it - r.columns.begin())];
  };
  EXPECT_EQ(at("b"), Value(int64_t{1}));
  EXPECT_EQ(at("ti"), Value(int64_t{7}));
  EXPECT_EQ(at("si"), Value(int64_t{300}));
  EXPECT_EQ(at("i"), Value(int64_t{70000}));
  EXPECT_EQ(at("bi"), Value(std::numeric_limits<int64_t>::max()));
  EXPECT_EQ(at("ub"), Value(std::string("18446744073709551615")));
  EXPECT_EQ(at("hi"), Value(std::string("170141183460469231731687303715884105727")));
  EXPECT_EQ(at("hs"), Value(int64_t{5}));
  EXPECT_EQ(at("f"), Value(1.5));
  ASSERT_TRUE(std::holds_alternative<double>(at("dn")));
  EXPECT_TRUE(std::isnan(std::get<double>(at("dn"))));
  EXPECT_EQ(at("di"), Value(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(at("dec"), Value(std::string("-12345.678")));
  EXPECT_EQ(at("dec38"), Value(std::string("0.0500000000")));
  EXPECT_EQ(at("dt"), Value(std::string("2024-02-29")));
  EXPECT_EQ(at("ts"), Value(std::string("2024-01-02 03:04:05.123456")));
  EXPECT_EQ(at("tz"), Value(std::string("2024-01-02 01:04:05+00")));
  EXPECT_EQ(at("tm"), Value(std::string("23:59:58.500000")));
  EXPECT_EQ(at("u"), Value(std::string("6f9619ff-8b86-d011-b42d-00c04fc964ff")));
  EXPECT_EQ(at("j"), Value(std::string("{\"a\": [1, 2]}")));
  EXPECT_EQ(at("iv"), Value(std::string("0 months 3 days 0 microseconds")));
  EXPECT_EQ(at("tinf"), Value(std::string("infinity")));
  EXPECT_EQ(at("bc"), Value(std::string("0001-12-31 BC")));
  EXPECT_EQ(at("bl"), Value(Blob{std::string("\0\xff", 2)}));
  EXPECT_EQ(at("tns"), Value(std::string("2024-01-02 03:04:05.123456")));
}

TEST_F(DuckdbAdapterTest, EnumsAndNullsInEveryPosition) {
  ASSERT_TRUE(db_->Exec("CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')").ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE e (id INTEGER, m mood, d DECIMAL(5,2))").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO e VALUES (1, 'happy', NULL), (2, NULL, 1.25), (3, 'sad', -0.5)").ok());
  Rows r = Q("SELECT m, d FROM e ORDER BY id");
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r.rows[0][0], Value(std::string("happy")));
  EXPECT_TRUE(IsNull(r.rows[0][1]));
  EXPECT_TRUE(IsNull(r.rows[1][0]));
  EXPECT_EQ(r.rows[1][1], Value(std::string("1.25")));
  EXPECT_EQ(r.rows[2][1], Value(std::string("-0.50")));
}

TEST_F(DuckdbAdapterTest, ManyChunksComeBackInOrder) {
  // DuckDB hands results over in chunks of 2048 rows: cross several.
  Rows r = Q("SELECT i, 'v' || i AS s FROM range(10000) t(i) ORDER BY i");
  ASSERT_EQ(r.size(), 10000u);
  for (size_t i = 0; i < r.size(); i += 997) {
    EXPECT_EQ(r.GetInt(i, 0), static_cast<int64_t>(i));
    EXPECT_EQ(r.GetText(i, 1), "v" + std::to_string(i));
  }
}

TEST_F(DuckdbAdapterTest, NestedTypeIsAClearErrorNamingTheColumn) {
  auto r = db_->Query("SELECT [1, 2] AS numbers", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kExecutionFailed);
  EXPECT_NE(r.status().message().find("numbers"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("LIST"), std::string::npos) << r.status().message();
  Rows ok = Q("SELECT [1, 2]::VARCHAR AS numbers");
  EXPECT_EQ(ok.GetText(0, 0), "[1, 2]");
}

TEST_F(DuckdbAdapterTest, BindsTextIntoTypedColumns) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE typed (ts TIMESTAMP, tz TIMESTAMPTZ, u UUID, n DECIMAL(20,4), "
                        "b BOOLEAN, d DATE, j JSON)").ok());
  auto n = db_->Execute("INSERT INTO typed VALUES ($1, $2, $3, $4, $5, $6, $7)",
                        {std::string("2020-05-06 07:08:09.5"), std::string("2020-05-06 07:08:09-05:00"),
                         std::string("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11"), std::string("12345678.1234"),
                         int64_t{1}, std::string("1999-12-31"), std::string("{\"k\":1}")});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  Rows r = Q("SELECT * FROM typed");
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.rows[0][0], Value(std::string("2020-05-06 07:08:09.500000")));
  EXPECT_EQ(r.rows[0][1], Value(std::string("2020-05-06 12:08:09+00")));
  EXPECT_EQ(r.rows[0][2], Value(std::string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));
  EXPECT_EQ(r.rows[0][3], Value(std::string("12345678.1234")));
  EXPECT_EQ(r.rows[0][4], Value(int64_t{1}));
  EXPECT_EQ(r.rows[0][5], Value(std::string("1999-12-31")));
  EXPECT_EQ(r.rows[0][6], Value(std::string("{\"k\":1}")));
}

#ifdef FERRY_WITH_DUCKDB
TEST_F(DuckdbAdapterTest, AppenderWritesInsideTheCallersTransaction) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE a (id BIGINT PRIMARY KEY, t TEXT, b BLOB, d DOUBLE, "
                        "ts TIMESTAMPTZ, u UUID, extra INTEGER DEFAULT 42)").ok());
  std::vector<std::string> cols = {"id", "t", "b", "d", "ts", "u"};
  std::vector<std::vector<Value>> rows;
  for (int64_t i = 0; i < 5000; ++i)
    rows.push_back({i, i % 7 == 0 ? Value{} : Value{"t" + std::to_string(i)},
                    Blob{std::string(static_cast<size_t>(i % 5), '\0')},
                    i == 1 ? std::nan("") : static_cast<double>(i) / 3,
                    std::string("2024-01-01 00:00:00+01"),
                    std::string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")});
  {
    Transaction tx(db_.get());
    ASSERT_TRUE(tx.Begin().ok());
    Status st = AppendRows(db_.get(), "a", cols, rows);
    ASSERT_TRUE(st.ok()) << st.ToString();
    EXPECT_EQ(Q("SELECT count(*) FROM a").GetInt(0, 0), 5000);  // visible inside
  }  // rolled back
  EXPECT_EQ(Q("SELECT count(*) FROM a").GetInt(0, 0), 0);
  {
    Transaction tx(db_.get());
    ASSERT_TRUE(tx.Begin().ok());
    ASSERT_TRUE(AppendRows(db_.get(), "a", cols, rows).ok());
    ASSERT_TRUE(tx.Commit().ok());
  }
  Rows r = Q("SELECT count(*), count(t), sum(octet_length(b)), min(extra), max(ts)::VARCHAR, "
             "count(DISTINCT u) FROM a");
  EXPECT_EQ(r.GetInt(0, 0), 5000);
  EXPECT_EQ(r.GetInt(0, 1), 5000 - 715);
  EXPECT_EQ(r.GetInt(0, 2), 10000);
  EXPECT_EQ(r.GetInt(0, 3), 42);
  EXPECT_EQ(r.GetText(0, 4), "2023-12-31 23:00:00+00");
  EXPECT_EQ(r.GetInt(0, 5), 1);
  Rows nan = Q("SELECT d FROM a WHERE id = 1");
  EXPECT_TRUE(std::isnan(std::get<double>(nan.rows[0][0])));
  // A duplicate key fails the append; the caller's rollback leaves the table as it was.
  {
    Transaction tx(db_.get());
    ASSERT_TRUE(tx.Begin().ok());
    Status st = AppendRows(db_.get(), "a", cols, {rows[10]});
    if (st.ok()) st = tx.Commit();
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message().rfind("duckdb", 0) == 0 || st.message().find("duckdb:") != std::string::npos, true)
        << st.message();
  }
  EXPECT_EQ(Q("SELECT count(*) FROM a").GetInt(0, 0), 5000);
  EXPECT_FALSE(db_->InTransaction());
  // Bad text for a typed column names the row and column.
  Status bad = AppendRows(db_.get(), "a", cols, {{int64_t{9999}, Value{}, Value{}, Value{},
                                                  std::string("not a time"), Value{}}});
  EXPECT_FALSE(bad.ok());
  EXPECT_NE(bad.message().find("ts"), std::string::npos) << bad.message();
}
#endif

TEST_F(DuckdbAdapterTest, AbortedTransactionCommitFailsAndConnectionRecovers) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE k (a INTEGER PRIMARY KEY)").ok());
  ASSERT_TRUE(db_->Begin().ok());
  ASSERT_TRUE(db_->Execute("INSERT INTO k VALUES ($1)", {int64_t{1}}).ok());
  EXPECT_FALSE(db_->Execute("INSERT INTO k VALUES ($1)", {int64_t{1}}).ok());
  EXPECT_FALSE(db_->Commit().ok());
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(Q("SELECT count(*) FROM k").GetInt(0, 0), 0);
  // BEGIN/COMMIT written as SQL are tracked too.
  ASSERT_TRUE(db_->Exec("BEGIN").ok());
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_TRUE(db_->Exec("COMMIT").ok());
  EXPECT_FALSE(db_->InTransaction());
}

TEST(DuckdbOpen, FileThatIsNotDuckdbIsCorruption) {
  REQUIRE_DUCKDB();
  std::string path = ::testing::TempDir() + "ferry-not-a-duckdb.duckdb";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(8192, 'x') << "this is not a database";
  }
  auto r = OpenDatabase("duckdb:" + path, Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  std::filesystem::remove(path);
}

TEST(DuckdbOpen, MemoryDatabasesArePrivateAndSettingsAreChecked) {
  REQUIRE_DUCKDB();
  auto a = OpenDatabase("duckdb::memory:", Env::Default());
  auto b = OpenDatabase("duckdb::memory:", Env::Default());
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_TRUE((*a)->Exec("CREATE TABLE only_in_a (x INTEGER)").ok());
  EXPECT_TRUE(*(*a)->TableExists("only_in_a"));
  EXPECT_FALSE(*(*b)->TableExists("only_in_a"));
  auto bad = OpenDatabase("duckdb::memory:?no_such_setting=1", Env::Default());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument) << bad.status().ToString();
  auto threads = OpenDatabase("duckdb::memory:?threads=1", Env::Default());
  ASSERT_TRUE(threads.ok()) << threads.status().ToString();
  auto r = (*threads)->Query("SELECT current_setting('threads')", {});
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->GetInt(0, 0), 1);
}

}  // namespace
}  // namespace ferry
