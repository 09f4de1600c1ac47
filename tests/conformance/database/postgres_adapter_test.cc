// The postgres adapter's own promises beyond the seam (postgres_database.h):
// COPY bulk load, error positions and codes, notices, lost connections,
// COMMIT of an aborted transaction, statement cleanup, search_path.
// Needs FERRY_TEST_PG_URL (scripts/test-servers.sh start).
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"
#include "db/postgres/postgres_database.h"
#include "integration/servers.h"

namespace ferry {
namespace {

#define ASSERT_OK(expr)                                     \
  do {                                                      \
    auto _s = (expr);                                       \
    ASSERT_TRUE(_s.ok()) << #expr << ": " << _s.ToString(); \
  } while (0)

template <typename T>
T ValueOrDie(Result<T> r) {
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return std::move(r).value();
}

class PostgresAdapterTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string admin;
    FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
    auto scratch = testing::PgScratchDatabase::Create(admin);
    ASSERT_TRUE(scratch.ok()) << scratch.status().ToString();
    scratch_ = std::move(scratch).value();
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override {
    db_.reset();
    scratch_.reset();
  }

  std::unique_ptr<Database> Open(const std::string& url = "") {
    auto r = OpenDatabase(url.empty() ? scratch_->url() : url, Env::Default());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  std::unique_ptr<testing::PgScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

TEST(PostgresErrorLine, CountsCharactersNotBytes) {
  EXPECT_EQ(PostgresErrorLine("SELECT 1", 0), 0);
  EXPECT_EQ(PostgresErrorLine("SELECT 1", 1), 1);
  EXPECT_EQ(PostgresErrorLine("a\nb\nc", 5), 3);
  EXPECT_EQ(PostgresErrorLine("a\nb\nc", 6), 0);  // past the end
  // "é" is two bytes but one character.
  EXPECT_EQ(PostgresErrorLine("\xC3\xA9\nx", 3), 2);
  EXPECT_EQ(PostgresErrorLine("\xC3\xA9\nx", 2), 1);  // the newline itself
}

TEST_F(PostgresAdapterTest, TypesMapByOid) {
  auto r = ValueOrDie(db_->Query(
      "SELECT 1::int2, 2::int4, 3::int8, 1.5::float4, 2.25::float8, true, false, "
      "'1.50'::numeric, '\\x00ff'::bytea, '2024-01-02'::date, 'NaN'::float8, "
      "'-Infinity'::float8, $1::int8, 'a'::text, ARRAY[1,2]",
      {int64_t{-9}}));
  ASSERT_EQ(r.size(), 1u);
  const auto& row = r.rows[0];
  EXPECT_EQ(row[0], Value(int64_t{1}));
  EXPECT_EQ(row[1], Value(int64_t{2}));
  EXPECT_EQ(row[2], Value(int64_t{3}));
  EXPECT_EQ(row[3], Value(1.5));
  EXPECT_EQ(row[4], Value(2.25));
  EXPECT_EQ(row[5], Value(int64_t{1}));
  EXPECT_EQ(row[6], Value(int64_t{0}));
  EXPECT_EQ(row[7], Value(std::string("1.50")));
  EXPECT_EQ(row[8], Value(Blob{std::string("\0\xff", 2)}));
  EXPECT_EQ(row[9], Value(std::string("2024-01-02")));
  ASSERT_TRUE(std::holds_alternative<double>(row[10]));
  EXPECT_TRUE(std::isnan(std::get<double>(row[10])));
  EXPECT_EQ(row[11], Value(-std::numeric_limits<double>::infinity()));
  EXPECT_EQ(row[12], Value(int64_t{-9}));
  EXPECT_EQ(row[13], Value(std::string("a")));
  EXPECT_EQ(row[14], Value(std::string("{1,2}")));
}

TEST_F(PostgresAdapterTest, SetsApplicationName) {
  auto r = ValueOrDie(db_->Query("SELECT current_setting('application_name')", {}));
  EXPECT_EQ(r.GetText(0, 0), "ferry");
}

TEST_F(PostgresAdapterTest, ErrorCarriesSqlstatePositionDetailAndHint) {
  const std::string sql = "SELECT '\xC3\xA9\xE2\x98\x83' AS a,\n  1 AS b,\n  no_such_column\nFROM (SELECT 1) s";
  Status st = db_->Exec(sql);
  ASSERT_EQ(st.code(), Code::kExecutionFailed) << st.ToString();
  EXPECT_NE(st.message().find("postgres: column \"no_such_column\" does not exist"), std::string::npos)
      << st.message();
  EXPECT_NE(st.message().find("(SQLSTATE 42703)"), std::string::npos) << st.message();
  PostgresErrorInfo info = PostgresLastError(*db_);
  EXPECT_EQ(info.sqlstate, "42703");
  ASSERT_GT(info.position, 0);
  EXPECT_EQ(PostgresErrorLine(sql, info.position), 3);
  // The next successful call clears it.
  ASSERT_OK(db_->Exec("SELECT 1"));
  EXPECT_EQ(PostgresLastError(*db_).position, 0);
  EXPECT_EQ(PostgresLastError(*db_).sqlstate, "");

  // DETAIL comes along (unique violation names the key).
  ASSERT_OK(db_->Exec("CREATE TABLE u (a int PRIMARY KEY)"));
  ASSERT_OK(db_->Exec("INSERT INTO u VALUES (1)"));
  st = db_->Exec("INSERT INTO u VALUES (1)");
  EXPECT_NE(st.message().find("DETAIL: Key (a)=(1) already exists."), std::string::npos) << st.message();
  EXPECT_EQ(PostgresLastError(*db_).sqlstate, "23505");
  // HINT too.
  st = db_->Exec("SELECT lenght('x')");
  EXPECT_NE(st.message().find("HINT: "), std::string::npos) << st.message();
}

TEST_F(PostgresAdapterTest, CommitOfAbortedTransactionFails) {
  ASSERT_OK(db_->Exec("CREATE TABLE t (a int)"));
  ASSERT_OK(db_->Begin());
  ASSERT_OK(db_->Exec("INSERT INTO t VALUES (1)"));
  EXPECT_FALSE(db_->Exec("SELEC 1").ok());
  EXPECT_TRUE(db_->InTransaction());
  Status st = db_->Commit();
  EXPECT_EQ(st.code(), Code::kExecutionFailed) << st.ToString();
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(ValueOrDie(db_->Query("SELECT count(*) FROM t", {})).GetInt(0, 0), 0);
}

TEST_F(PostgresAdapterTest, BeginTwiceIsAnError) {
  ASSERT_OK(db_->Begin());
  EXPECT_FALSE(db_->Begin().ok());
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_OK(db_->Rollback());
}

TEST_F(PostgresAdapterTest, LostConnectionIsUnavailable) {
  auto pid = ValueOrDie(db_->Query("SELECT pg_backend_pid()", {})).GetInt(0, 0);
  ASSERT_TRUE(pid.has_value());
  auto killer = Open();
  ASSERT_NE(killer, nullptr);
  auto killed = ValueOrDie(killer->Query("SELECT pg_terminate_backend($1::int)", {*pid}));
  EXPECT_EQ(killed.GetInt(0, 0), 1);
  auto r = db_->Query("SELECT 1", {});
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  // And stays so: no silent reconnect that would drop locks and transactions.
  Status again = db_->Exec("SELECT 1");
  EXPECT_EQ(again.code(), Code::kUnavailable) << again.ToString();
  EXPECT_NE(again.message().find("127.0.0.1"), std::string::npos) << again.message();
}

TEST_F(PostgresAdapterTest, LockTimeoutIsLockedAndStatementTimeoutIsTimeout) {
  ASSERT_OK(db_->Exec("CREATE TABLE l (a int)"));
  auto other = Open();
  ASSERT_NE(other, nullptr);
  ASSERT_OK(other->Begin());
  ASSERT_OK(other->Exec("LOCK TABLE l IN ACCESS EXCLUSIVE MODE"));
  ASSERT_OK(db_->Exec("SET lock_timeout = '100ms'"));
  Status st = db_->Exec("SELECT * FROM l");
  EXPECT_EQ(st.code(), Code::kLocked) << st.ToString();
  ASSERT_OK(other->Rollback());

  ASSERT_OK(db_->Exec("SET statement_timeout = '100ms'"));
  st = db_->Exec("SELECT pg_sleep(5)");
  EXPECT_EQ(st.code(), Code::kTimeout) << st.ToString();
  ASSERT_OK(db_->Exec("SET statement_timeout = 0"));
}

TEST_F(PostgresAdapterTest, PasswordNeverAppearsInErrors) {
  const std::string pw = "Pw-S3cret-42";
  // Trust auth on the test server ignores the password, so this connects.
  std::string url = scratch_->url();
  url.replace(url.find("://ferry@"), 9, "://ferry:" + pw + "@");
  auto db = Open(url);
  ASSERT_NE(db, nullptr);
  std::vector<Status> errors;
  errors.push_back(db->Exec("SELEC 1"));
  errors.push_back(db->Exec("SELECT * FROM \"" + pw + "\""));
  errors.push_back(db->Exec("SELECT 'postgres://u:" + pw + "@h/db'::int"));
  errors.push_back(db->Query("SELECT $1::int", {pw}).status());
  auto bad_db = OpenDatabase(testing::PgScratchDatabase::WithDatabase(url, "no_such_db_xyz"),
                             Env::Default());
  ASSERT_FALSE(bad_db.ok());
  EXPECT_EQ(bad_db.status().code(), Code::kUnavailable) << bad_db.status().ToString();
  errors.push_back(bad_db.status());
  std::string refused_url = url;
  refused_url.replace(refused_url.find("127.0.0.1:"), std::string("127.0.0.1:55433").size(), "127.0.0.1:1");
  auto refused = OpenDatabase(refused_url, Env::Default());
  ASSERT_FALSE(refused.ok());
  errors.push_back(refused.status());
  for (const Status& st : errors) {
    EXPECT_FALSE(st.ok());
    EXPECT_EQ(st.message().find(pw), std::string::npos) << st.message();
  }
}

TEST_F(PostgresAdapterTest, NoticesGoToHandlerNeverToConsole) {
  ::testing::internal::CaptureStderr();
  ASSERT_OK(db_->Exec("DROP TABLE IF EXISTS no_such_table_for_notice"));
  EXPECT_EQ(::testing::internal::GetCapturedStderr(), "");

  std::vector<std::string> seen;
  ASSERT_TRUE(SetPostgresNoticeHandler(db_.get(), [&](std::string_view sev, std::string_view msg) {
    seen.push_back(std::string(sev) + ": " + std::string(msg));
  }));
  ASSERT_OK(db_->Exec("DROP TABLE IF EXISTS no_such_table_for_notice"));
  ASSERT_OK(db_->Exec("DO $$ BEGIN RAISE WARNING 'careful %', 42; END $$"));
  ASSERT_EQ(seen.size(), 2u);
  EXPECT_NE(seen[0].find("NOTICE: "), std::string::npos) << seen[0];
  EXPECT_NE(seen[0].find("no_such_table_for_notice"), std::string::npos) << seen[0];
  EXPECT_EQ(seen[1], "WARNING: careful 42");
  ASSERT_TRUE(SetPostgresNoticeHandler(db_.get(), nullptr));
  ASSERT_OK(db_->Exec("DROP TABLE IF EXISTS no_such_table_for_notice"));
  EXPECT_EQ(seen.size(), 2u);
}

TEST_F(PostgresAdapterTest, PreparedStatementsAreDeallocated) {
  auto count = [&] {
    return ValueOrDie(db_->Query("SELECT count(*) FROM pg_prepared_statements", {})).GetInt(0, 0);
  };
  {
    auto a = ValueOrDie(db_->Prepare("SELECT $1::int8 + 1"));
    auto b = ValueOrDie(db_->Prepare("SELECT $1::text"));
    EXPECT_EQ(count(), 2);
    EXPECT_EQ(ValueOrDie(a->Query({int64_t{41}})).GetInt(0, 0), 42);
  }
  EXPECT_EQ(count(), 0);
  // Released inside an aborted transaction: deallocated after the rollback.
  ASSERT_OK(db_->Begin());
  {
    auto c = ValueOrDie(db_->Prepare("SELECT 1"));
    EXPECT_FALSE(db_->Exec("SELEC").ok());
  }
  ASSERT_OK(db_->Rollback());
  EXPECT_EQ(count(), 0);
}

TEST_F(PostgresAdapterTest, TableExistsRespectsSearchPath) {
  ASSERT_OK(db_->Exec("CREATE SCHEMA other"));
  ASSERT_OK(db_->Exec("CREATE TABLE other.only_there (a int)"));
  ASSERT_OK(db_->Exec("CREATE TABLE \"MixedCase\" (a int)"));
  EXPECT_FALSE(ValueOrDie(db_->TableExists("only_there")));
  EXPECT_TRUE(ValueOrDie(db_->TableExists("MixedCase")));
  EXPECT_FALSE(ValueOrDie(db_->TableExists("mixedcase")));  // exact names, no folding
  ASSERT_OK(db_->Exec("SET search_path TO other, public"));
  EXPECT_TRUE(ValueOrDie(db_->TableExists("only_there")));
  ASSERT_OK(db_->Exec("CREATE TEMP TABLE tmp_t (a int)"));
  EXPECT_TRUE(ValueOrDie(db_->TableExists("tmp_t")));
}

TEST_F(PostgresAdapterTest, UrlParamsReachLibpq) {
  auto db = Open(scratch_->url() + "?options=-csearch_path%3Dpg_catalog&connect_timeout=5");
  ASSERT_NE(db, nullptr);
  EXPECT_EQ(ValueOrDie(db->Query("SHOW search_path", {})).GetText(0, 0), "pg_catalog");
}

TEST_F(PostgresAdapterTest, ExecRefusesCopyFromStdinAndStaysUsable) {
  ASSERT_OK(db_->Exec("CREATE TABLE c (a int)"));
  Status st = db_->Exec("COPY c FROM STDIN");
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.ToString();
  EXPECT_EQ(ValueOrDie(db_->Query("SELECT count(*) FROM c", {})).GetInt(0, 0), 0);
}

// --- COPY bulk path ---

TEST_F(PostgresAdapterTest, CopyRowsRoundTripsTrickyValues) {
  ASSERT_OK(db_->Exec(
      "CREATE TABLE \"bulk \"\"t\"\"\" (id int8, \"the text\" text, d float8, b bytea, extra text DEFAULT 'dflt')"));
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::vector<std::vector<Value>> rows = {
      {int64_t{1}, std::string("plain"), 1.5, Blob{"abc"}},
      {int64_t{2}, std::string("tab\there\nnewline\r\ncrlf \\ backslash \\N \\."), 0.1, Blob{all_bytes}},
      {int64_t{3}, Value{}, Value{}, Value{}},
      {int64_t{4}, std::string(), std::numeric_limits<double>::infinity(), Blob{}},
      {std::numeric_limits<int64_t>::min(), std::string("\\N"), -std::numeric_limits<double>::infinity(),
       Blob{std::string("\0\\\t\n", 4)}},
      {std::numeric_limits<int64_t>::max(), std::string("\xE2\x98\x83 \xF0\x9D\x84\x9E"), 5e-324,
       Blob{"\\x00"}},
      {int64_t{7}, std::string("\\."), std::nan(""), Blob{"."}},
  };
  ASSERT_OK(CopyRows(db_.get(), "bulk \"t\"", {"id", "the text", "d", "b"}, rows));
  auto got = ValueOrDie(
      db_->Query("SELECT id, \"the text\", d, b, extra FROM \"bulk \"\"t\"\"\" ORDER BY id", {}));
  ASSERT_EQ(got.size(), rows.size());
  // ORDER BY id: min first, then 1,2,3,4,7, then max.
  const std::vector<size_t> order = {4, 0, 1, 2, 3, 6, 5};
  for (size_t i = 0; i < order.size(); ++i) {
    const auto& want = rows[order[i]];
    for (size_t c = 0; c < want.size(); ++c) {
      const Value& g = got.rows[i][c];
      if (auto* d = std::get_if<double>(&want[c]); d && std::isnan(*d)) {
        ASSERT_TRUE(std::holds_alternative<double>(g));
        EXPECT_TRUE(std::isnan(std::get<double>(g)));
        continue;
      }
      EXPECT_EQ(g, want[c]) << "row " << i << " col " << c << ": got " << ValueToDisplay(g)
                            << " want " << ValueToDisplay(want[c]);
    }
    EXPECT_EQ(got.rows[i][4], Value(std::string("dflt")));
  }
}

TEST_F(PostgresAdapterTest, CopyRowsLoadsManyChunks) {
  ASSERT_OK(db_->Exec("CREATE TABLE big (id int8, payload text)"));
  std::vector<std::vector<Value>> rows;
  const std::string payload(200, 'p');
  for (int64_t i = 0; i < 20000; ++i) rows.push_back({i, payload + std::to_string(i)});  // ~4 MB
  ASSERT_OK(CopyRows(db_.get(), "big", {}, rows));
  auto r = ValueOrDie(db_->Query("SELECT count(*), sum(id), max(length(payload)) FROM big", {}));
  EXPECT_EQ(r.GetInt(0, 0), 20000);
  EXPECT_EQ(r.GetText(0, 1), "199990000");
  EXPECT_EQ(r.GetInt(0, 2), 205);
  // An empty load is fine.
  ASSERT_OK(CopyRows(db_.get(), "big", {"id"}, {}));
}

TEST_F(PostgresAdapterTest, CopyRowsFailureLoadsNothingAndNamesTheLine) {
  ASSERT_OK(db_->Exec("CREATE TABLE typed (id int8 NOT NULL, n int4)"));
  std::vector<std::vector<Value>> rows = {
      {int64_t{1}, int64_t{1}}, {int64_t{2}, std::string("not a number")}, {int64_t{3}, int64_t{3}}};
  Status st = CopyRows(db_.get(), "typed", {"id", "n"}, rows);
  ASSERT_EQ(st.code(), Code::kExecutionFailed) << st.ToString();
  EXPECT_NE(st.message().find("not a number"), std::string::npos) << st.message();
  EXPECT_NE(st.message().find("line 2"), std::string::npos) << st.message();
  EXPECT_EQ(PostgresLastError(*db_).sqlstate, "22P02");
  // Connection ready for more, table untouched.
  EXPECT_EQ(ValueOrDie(db_->Query("SELECT count(*) FROM typed", {})).GetInt(0, 0), 0);

  // Ragged rows are refused before anything is sent.
  st = CopyRows(db_.get(), "typed", {"id", "n"}, {{int64_t{1}, int64_t{1}}, {int64_t{2}}});
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.ToString();
  EXPECT_NE(st.message().find("row 1"), std::string::npos) << st.message();
  // Missing table / column.
  EXPECT_EQ(CopyRows(db_.get(), "no_such", {"id"}, {{int64_t{1}}}).code(), Code::kExecutionFailed);
  EXPECT_EQ(CopyRows(db_.get(), "typed", {"nope"}, {{int64_t{1}}}).code(), Code::kExecutionFailed);
  // NOT NULL violated.
  EXPECT_EQ(CopyRows(db_.get(), "typed", {"id"}, {{Value{}}}).code(), Code::kExecutionFailed);
  EXPECT_EQ(ValueOrDie(db_->Query("SELECT count(*) FROM typed", {})).GetInt(0, 0), 0);
}

TEST_F(PostgresAdapterTest, CopyRowsInsideTransactionRollsBack) {
  ASSERT_OK(db_->Exec("CREATE TABLE tx (a int8)"));
  ASSERT_OK(db_->Begin());
  ASSERT_OK(CopyRows(db_.get(), "tx", {"a"}, {{int64_t{1}}, {int64_t{2}}}));
  EXPECT_EQ(ValueOrDie(db_->Query("SELECT count(*) FROM tx", {})).GetInt(0, 0), 2);
  ASSERT_OK(db_->Rollback());
  EXPECT_EQ(ValueOrDie(db_->Query("SELECT count(*) FROM tx", {})).GetInt(0, 0), 0);
}

TEST(PostgresCopyRows, RefusesOtherEngines) {
  auto db = OpenDatabase("sqlite::memory:", Env::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  Status st = CopyRows(db->get(), "t", {"a"}, {{int64_t{1}}});
  EXPECT_EQ(st.code(), Code::kInvalidArgument) << st.ToString();
  EXPECT_EQ(PostgresLastError(**db).position, 0);
  EXPECT_FALSE(SetPostgresNoticeHandler(db->get(), nullptr));
}

}  // namespace
}  // namespace ferry
