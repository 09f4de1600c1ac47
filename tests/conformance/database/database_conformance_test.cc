// Database seam conformance: every engine adapter must pass this suite.
//
// Parameterized by engine name. sqlite runs against a temp file always;
// postgres runs in a scratch database on the server in FERRY_TEST_PG_URL
// (skipped with the reason when unset, a failure when
// FERRY_TEST_REQUIRE_SERVERS=1). A new engine adds a case to EngineFixture.
#include <gtest/gtest.h>
#include <stdlib.h>
#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "conformance/database/mysql_scratch_database.h"
#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"
#include "db/transaction.h"
#include "integration/servers.h"

namespace ferry {
namespace {

bool EngineBuiltIn(const std::string& scheme) {
  auto schemes = DatabaseSchemes();
  return std::find(schemes.begin(), schemes.end(), scheme) != schemes.end();
}

std::string MakeTempDir() {
  std::string tmpl = ::testing::TempDir() + "ferry_dbconf_XXXXXX";
  char* dir = ::mkdtemp(tmpl.data());
  return dir ? std::string(dir) : std::string();
}

class DatabaseConformanceTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    const std::string& engine = GetParam();
    if (!EngineBuiltIn(engine)) {
      // DuckDB comes from scripts/fetch-duckdb.sh; in CI its absence is a failure.
      if (engine == "duckdb" && testing::ServersRequired())
        FAIL() << "duckdb is not built in (FERRY_WITH_DUCKDB: run scripts/fetch-duckdb.sh)";
      GTEST_SKIP() << engine << " is not built into this binary";
    }
    if (engine == "sqlite") {
      dir_ = MakeTempDir();
      ASSERT_FALSE(dir_.empty());
      url_ = "sqlite:" + dir_ + "/conformance.db";
    } else if (engine == "duckdb") {
      dir_ = MakeTempDir();
      ASSERT_FALSE(dir_.empty());
      url_ = "duckdb:" + dir_ + "/conformance.duckdb";
    } else if (engine == "mysql") {
      std::string admin;
      FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_MYSQL_URL");
      auto scratch = testing::MysqlScratchDatabase::Create(admin);
      ASSERT_TRUE(scratch.ok()) << scratch.status().ToString();
      my_scratch_ = std::move(scratch).value();
      url_ = my_scratch_->url();
    } else if (engine == "postgres") {
      std::string admin;
      FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
      auto scratch = testing::PgScratchDatabase::Create(admin);
      ASSERT_TRUE(scratch.ok()) << scratch.status().ToString();
      pg_scratch_ = std::move(scratch).value();
      url_ = pg_scratch_->url();
    } else {
      FAIL() << "no fixture for engine " << engine;
    }
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }

  void TearDown() override {
    db_.reset();
    pg_scratch_.reset();
    my_scratch_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }

  std::unique_ptr<Database> Open() {
    auto r = OpenDatabase(url_, Env::Default());
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? std::move(r).value() : nullptr;
  }

  bool IsPostgres() const { return GetParam() == "postgres"; }
  bool IsMysql() const { return GetParam() == "mysql"; }
  // MySQL's BLOB and TEXT stop at 64 KiB; the LONG kinds hold what the others do.
  std::string BlobType() const {
    if (IsMysql()) return "LONGBLOB";
    return IsPostgres() ? "BYTEA" : "BLOB";
  }
  std::string TextType() const { return IsMysql() ? "LONGTEXT" : "TEXT"; }
  // A URL for this engine that can never be opened.
  std::string UnreachableUrl() const {
    if (IsPostgres()) return "postgres://ferry:Sup3r-Secret-pw@127.0.0.1:1/nowhere?connect_timeout=3";
    if (IsMysql()) return "mysql://ferry:Sup3r-Secret-pw@127.0.0.1:1/nowhere?connect_timeout=3";
    if (GetParam() == "duckdb") return "duckdb:/nonexistent-dir-ferry/sub/x.duckdb";
    return "sqlite:/nonexistent-dir-ferry/sub/x.db";
  }

  int64_t Count(const std::string& table) {
    auto r = db_->Query("SELECT count(*) FROM " + db_->QuoteIdentifier(table), {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    if (!r.ok() || r->empty()) return -1;
    return r->GetInt(0, 0).value_or(-1);
  }

  std::string dir_;
  std::string url_;
  std::unique_ptr<testing::PgScratchDatabase> pg_scratch_;
  std::unique_ptr<testing::MysqlScratchDatabase> my_scratch_;
  std::unique_ptr<Database> db_;
};

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

TEST_P(DatabaseConformanceTest, ReportsEngineAndDialect) {
  EXPECT_EQ(db_->engine(), GetParam());
  if (GetParam() == "duckdb") {
    EXPECT_EQ(db_->dialect(), Dialect::kDuckdb);
  } else {
    EXPECT_EQ(db_->dialect(), IsPostgres() ? Dialect::kPostgres : IsMysql() ? Dialect::kMysql : Dialect::kSqlite);
  }
  EXPECT_EQ(db_->capabilities().transactional_ddl, !IsMysql());  // MySQL DDL commits implicitly
  EXPECT_EQ(db_->capabilities().finite_doubles_only, IsMysql());
  EXPECT_EQ(db_->capabilities().advisory_locks, IsPostgres());
}

TEST_P(DatabaseConformanceTest, QueryLiteralsWithColumnNames) {
  auto rows = db_->Query("SELECT 1 + 1 AS two, 'x' AS ex, NULL AS nada", {});
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ(rows->columns, (std::vector<std::string>{"two", "ex", "nada"}));
  EXPECT_EQ(rows->rows[0][0], Value(int64_t{2}));
  EXPECT_EQ(rows->rows[0][1], Value(std::string("x")));
  EXPECT_TRUE(IsNull(rows->rows[0][2]));
}

TEST_P(DatabaseConformanceTest, RoundTripsEveryValueKindAndEdgeValue) {
  ASSERT_OK(db_->Exec("CREATE TABLE vals (id BIGINT PRIMARY KEY, i BIGINT, d DOUBLE PRECISION, "
                      "t " + TextType() + ", b " + BlobType() + ")"));
  std::string all_bytes;
  for (int c = 0; c < 256; ++c) all_bytes.push_back(static_cast<char>(c));
  const std::vector<std::vector<Value>> rows = {
      {int64_t{1}, Value{}, Value{}, Value{}, Value{}},
      {int64_t{2}, std::numeric_limits<int64_t>::min(), 0.0, std::string(), Blob{}},
      {int64_t{3}, std::numeric_limits<int64_t>::max(), 0.1, std::string("h\xC3\xA9llo \xE2\x98\x83 \xF0\x9D\x84\x9E"),
       Blob{std::string("\0\0\x01\xff\0", 5)}},
      {int64_t{4}, int64_t{-1}, -1.5e300, std::string("'q' \"dq\" \\ back\ttab\nnl\r\n; --"),
       Blob{all_bytes}},
      {int64_t{5}, int64_t{0}, 5e-324, std::string(100000, 'z'), Blob{std::string(70000, '\0')}},
      {int64_t{6}, int64_t{42}, std::numeric_limits<double>::max(), std::string("\\N"),
       Blob{"\\x00"}},
  };
  for (const auto& row : rows) {
    auto n = db_->Execute("INSERT INTO vals (id, i, d, t, b) VALUES ($1, $2, $3, $4, $5)", row);
    ASSERT_TRUE(n.ok()) << n.status().ToString();
    EXPECT_EQ(*n, 1);
  }
  auto got = db_->Query("SELECT id, i, d, t, b FROM vals ORDER BY id", {});
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  ASSERT_EQ(got->size(), rows.size());
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t c = 0; c < rows[r].size(); ++c) {
      EXPECT_EQ(got->rows[r][c], rows[r][c])
          << "row " << r << " col " << got->columns[c] << ": got " << ValueToDisplay(got->rows[r][c])
          << " want " << ValueToDisplay(rows[r][c]);
    }
  }
}

TEST_P(DatabaseConformanceTest, InfinitiesAndNaN) {
  ASSERT_OK(db_->Exec("CREATE TABLE f (id BIGINT, d DOUBLE PRECISION)"));
  const double inf = std::numeric_limits<double>::infinity();
  if (db_->capabilities().finite_doubles_only) {
    // The engine cannot hold them: binding one is a clear error, and nothing
    // (no NULL, no 0, no clamped value) is stored in its place.
    for (double bad : {inf, -inf, std::nan("")}) {
      auto r = db_->Execute("INSERT INTO f VALUES (1, $1)", {bad});
      ASSERT_FALSE(r.ok());
      EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
      EXPECT_NE(r.status().message().find("$1"), std::string::npos) << r.status().message();
    }
    EXPECT_EQ(Count("f"), 0);
    return;
  }
  ASSERT_TRUE(db_->Execute("INSERT INTO f VALUES (1, $1)", {inf}).ok());
  ASSERT_TRUE(db_->Execute("INSERT INTO f VALUES (2, $1)", {-inf}).ok());
  auto got = ValueOrDie(db_->Query("SELECT d FROM f ORDER BY id", {}));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got.rows[0][0], Value(inf));
  EXPECT_EQ(got.rows[1][0], Value(-inf));
  if (IsPostgres() || GetParam() == "duckdb") {  // SQLite stores NaN as NULL
    ASSERT_TRUE(db_->Execute("INSERT INTO f VALUES (3, $1)", {std::nan("")}).ok());
    auto nan = ValueOrDie(db_->Query("SELECT d FROM f WHERE id = 3", {}));
    ASSERT_EQ(nan.size(), 1u);
    ASSERT_TRUE(std::holds_alternative<double>(nan.rows[0][0]));
    EXPECT_TRUE(std::isnan(std::get<double>(nan.rows[0][0])));
  }
}

TEST_P(DatabaseConformanceTest, ParametersByNumberReusedAndOutOfOrder) {
  ASSERT_OK(db_->Exec("CREATE TABLE p (a BIGINT, b TEXT)"));
  for (int64_t i = 1; i <= 5; ++i)
    ASSERT_TRUE(db_->Execute("INSERT INTO p (b, a) VALUES ($2, $1)", {i, "v" + std::to_string(i)}).ok());
  auto r = ValueOrDie(db_->Query("SELECT a FROM p WHERE a = $1 OR a = $1 + 1 OR b = $2 ORDER BY a",
                                 {int64_t{2}, std::string("v5")}));
  ASSERT_EQ(r.size(), 3u);
  EXPECT_EQ(r.GetInt(0, 0), 2);
  EXPECT_EQ(r.GetInt(1, 0), 3);
  EXPECT_EQ(r.GetInt(2, 0), 5);
  // Too few parameters is an error, never a silent NULL.
  EXPECT_FALSE(db_->Query("SELECT a FROM p WHERE a = $1 AND b = $2", {int64_t{1}}).ok());
}

TEST_P(DatabaseConformanceTest, ExecuteReportsRowsAffected) {
  ASSERT_OK(db_->Exec("CREATE TABLE ra (a BIGINT)"));
  for (int64_t i = 0; i < 7; ++i) ASSERT_TRUE(db_->Execute("INSERT INTO ra VALUES ($1)", {i}).ok());
  EXPECT_EQ(ValueOrDie(db_->Execute("UPDATE ra SET a = a + 100 WHERE a < $1", {int64_t{3}})), 3);
  EXPECT_EQ(ValueOrDie(db_->Execute("DELETE FROM ra WHERE a >= $1", {int64_t{100}})), 3);
  EXPECT_EQ(ValueOrDie(db_->Execute("DELETE FROM ra WHERE a = $1", {int64_t{999}})), 0);
  EXPECT_EQ(Count("ra"), 4);
}

TEST_P(DatabaseConformanceTest, PreparedStatementsAreReusable) {
  ASSERT_OK(db_->Exec("CREATE TABLE ps (k BIGINT, v TEXT, b " + BlobType() + ")"));
  {
    auto ins = ValueOrDie(db_->Prepare("INSERT INTO ps (k, v, b) VALUES ($1, $2, $3)"));
    ASSERT_NE(ins, nullptr);
    for (int64_t i = 0; i < 50; ++i) {
      Value v = i % 10 == 0 ? Value{} : Value{"v" + std::to_string(i)};
      auto n = ins->Execute({i, v, Blob{std::string(static_cast<size_t>(i), '\0')}});
      ASSERT_TRUE(n.ok()) << n.status().ToString();
      EXPECT_EQ(*n, 1);
    }
    auto sel = ValueOrDie(db_->Prepare("SELECT v, b FROM ps WHERE k = $1"));
    for (int64_t i : {int64_t{3}, int64_t{10}, int64_t{49}}) {
      auto r = sel->Query({i});
      ASSERT_TRUE(r.ok()) << r.status().ToString();
      ASSERT_EQ(r->size(), 1u);
      if (i % 10 == 0) {
        EXPECT_TRUE(IsNull(r->rows[0][0]));
      } else {
        EXPECT_EQ(r->GetText(0, 0), "v" + std::to_string(i));
      }
      EXPECT_EQ(r->rows[0][1], Value(Blob{std::string(static_cast<size_t>(i), '\0')}));
    }
    auto none = sel->Query({int64_t{1000}});
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
  }
  // Statements are gone; the connection carries on.
  EXPECT_EQ(Count("ps"), 50);
  EXPECT_FALSE(db_->Prepare("SELEC nonsense").ok());
}

TEST_P(DatabaseConformanceTest, RollbackUndoesDdlAndDml) {
  ASSERT_OK(db_->Exec("CREATE TABLE keep (a BIGINT)"));
  ASSERT_TRUE(db_->Execute("INSERT INTO keep VALUES ($1)", {int64_t{1}}).ok());
  if (!db_->capabilities().transactional_ddl) {
    // DML still rolls back ...
    ASSERT_OK(db_->Begin());
    EXPECT_TRUE(db_->InTransaction());
    ASSERT_TRUE(db_->Execute("INSERT INTO keep VALUES ($1)", {int64_t{2}}).ok());
    ASSERT_TRUE(db_->Execute("DELETE FROM keep WHERE a = $1", {int64_t{1}}).ok());
    ASSERT_OK(db_->Rollback());
    EXPECT_FALSE(db_->InTransaction());
    auto kept = ValueOrDie(db_->Query("SELECT a FROM keep", {}));
    ASSERT_EQ(kept.size(), 1u);
    EXPECT_EQ(kept.GetInt(0, 0), 1);
    // ... and the capability tells the truth: DDL commits the transaction
    // (and what came before it), and InTransaction() says so at once.
    ASSERT_OK(db_->Begin());
    ASSERT_TRUE(db_->Execute("INSERT INTO keep VALUES ($1)", {int64_t{3}}).ok());
    ASSERT_OK(db_->Exec("CREATE TABLE stays (a BIGINT)"));
    EXPECT_FALSE(db_->InTransaction());
    ASSERT_OK(db_->Rollback());
    EXPECT_TRUE(ValueOrDie(db_->TableExists("stays")));
    EXPECT_EQ(Count("keep"), 2);
    return;
  }
  EXPECT_FALSE(db_->InTransaction());
  ASSERT_OK(db_->Begin());
  EXPECT_TRUE(db_->InTransaction());
  ASSERT_OK(db_->Exec("CREATE TABLE gone (a BIGINT)"));
  ASSERT_TRUE(db_->Execute("INSERT INTO keep VALUES ($1)", {int64_t{2}}).ok());
  ASSERT_TRUE(db_->Execute("DELETE FROM keep WHERE a = $1", {int64_t{1}}).ok());
  EXPECT_TRUE(ValueOrDie(db_->TableExists("gone")));
  ASSERT_OK(db_->Rollback());
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_FALSE(ValueOrDie(db_->TableExists("gone")));
  auto r = ValueOrDie(db_->Query("SELECT a FROM keep", {}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.GetInt(0, 0), 1);
  // Rollback with nothing open is harmless.
  ASSERT_OK(db_->Rollback());
}

TEST_P(DatabaseConformanceTest, CommitIsVisibleToAnotherConnection) {
  ASSERT_OK(db_->Begin());
  ASSERT_OK(db_->Exec("CREATE TABLE c (a BIGINT)"));
  ASSERT_TRUE(db_->Execute("INSERT INTO c VALUES ($1)", {int64_t{7}}).ok());
  ASSERT_OK(db_->Commit());
  EXPECT_FALSE(db_->InTransaction());
  auto other = Open();
  ASSERT_NE(other, nullptr);
  auto r = ValueOrDie(other->Query("SELECT a FROM c", {}));
  ASSERT_EQ(r.size(), 1u);
  EXPECT_EQ(r.GetInt(0, 0), 7);
}

TEST_P(DatabaseConformanceTest, TransactionGuardRollsBackUnlessCommitted) {
  ASSERT_OK(db_->Exec("CREATE TABLE g (a BIGINT)"));
  {
    Transaction tx(db_.get());
    ASSERT_OK(tx.Begin());
    ASSERT_TRUE(db_->Execute("INSERT INTO g VALUES ($1)", {int64_t{1}}).ok());
    if (db_->capabilities().transactional_ddl) ASSERT_OK(db_->Exec("CREATE TABLE g2 (a BIGINT)"));
  }  // no Commit: rolled back
  EXPECT_FALSE(db_->InTransaction());
  EXPECT_EQ(Count("g"), 0);
  EXPECT_FALSE(ValueOrDie(db_->TableExists("g2")));
  {
    Transaction tx(db_.get());
    ASSERT_OK(tx.Begin());
    ASSERT_TRUE(db_->Execute("INSERT INTO g VALUES ($1)", {int64_t{2}}).ok());
    ASSERT_OK(tx.Commit());
  }
  EXPECT_EQ(Count("g"), 1);
}

TEST_P(DatabaseConformanceTest, HostileIdentifiersWorkForReal) {
  const std::vector<std::string> names = {
      "select", "my table", "semi;colon", "quo\"te", "\"\"", "'single'",
      "Robert'); DROP TABLE students; --", "tab\there", "\xC3\xBCnic\xC3\xB6" "de", "order by", "back`tick",
  };
  int n = 0;
  for (const std::string& name : names) {
    SCOPED_TRACE(name);
    const std::string table = db_->QuoteIdentifier(name);
    const std::string col = db_->QuoteIdentifier(name + " col");
    const std::string col2 = db_->QuoteIdentifier("group");
    EXPECT_FALSE(ValueOrDie(db_->TableExists(name)));
    ASSERT_OK(db_->Exec("CREATE TABLE " + table + " (" + col + " BIGINT, " + col2 + " TEXT)"));
    ASSERT_TRUE(db_->Execute("INSERT INTO " + table + " (" + col + ", " + col2 + ") VALUES ($1, $2)",
                             {int64_t{++n}, name})
                    .ok());
    auto r = db_->Query("SELECT " + col + ", " + col2 + " FROM " + table, {});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    ASSERT_EQ(r->size(), 1u);
    EXPECT_EQ(r->columns, (std::vector<std::string>{name + " col", "group"}));
    EXPECT_EQ(r->GetInt(0, 0), n);
    EXPECT_EQ(r->GetText(0, 1), name);
    EXPECT_TRUE(ValueOrDie(db_->TableExists(name)));
  }
  EXPECT_FALSE(ValueOrDie(db_->TableExists("my table2")));
  if (IsMysql()) {
    EXPECT_EQ(db_->QuoteIdentifier("a`b"), "`a``b`");
  } else {
    EXPECT_EQ(db_->QuoteIdentifier("a\"b"), "\"a\"\"b\"");
  }
}

TEST_P(DatabaseConformanceTest, TableExistsFollowsCreateAndDrop) {
  EXPECT_FALSE(ValueOrDie(db_->TableExists("te")));
  ASSERT_OK(db_->Exec("CREATE TABLE te (a BIGINT)"));
  EXPECT_TRUE(ValueOrDie(db_->TableExists("te")));
  EXPECT_FALSE(ValueOrDie(db_->TableExists("t")));   // no prefix matching
  EXPECT_FALSE(ValueOrDie(db_->TableExists("te%")));  // no patterns
  ASSERT_OK(db_->Exec("DROP TABLE te"));
  EXPECT_FALSE(ValueOrDie(db_->TableExists("te")));
}

TEST_P(DatabaseConformanceTest, SyntaxErrorIsExecutionFailedWithMessage) {
  Status st = db_->Exec("SELEC 1");
  EXPECT_EQ(st.code(), Code::kExecutionFailed) << st.ToString();
  EXPECT_EQ(st.message().rfind(GetParam() + ": ", 0), 0u) << st.message();
  EXPECT_NE(st.message().find("syntax error"), std::string::npos) << st.message();

  auto q = db_->Query("SELECT * FROM no_such_table_xyz", {});
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), Code::kExecutionFailed);
  EXPECT_NE(q.status().message().find("no_such_table_xyz"), std::string::npos)
      << q.status().message();
  // The connection is still good after errors.
  EXPECT_TRUE(db_->Query("SELECT 1", {}).ok());
}

TEST_P(DatabaseConformanceTest, ConstraintViolationIsExecutionFailed) {
  ASSERT_OK(db_->Exec("CREATE TABLE u (a BIGINT PRIMARY KEY)"));
  ASSERT_TRUE(db_->Execute("INSERT INTO u VALUES ($1)", {int64_t{1}}).ok());
  auto dup = db_->Execute("INSERT INTO u VALUES ($1)", {int64_t{1}});
  ASSERT_FALSE(dup.ok());
  EXPECT_EQ(dup.status().code(), Code::kExecutionFailed) << dup.status().ToString();
}

TEST_P(DatabaseConformanceTest, UnreachableIsUnavailableAndHidesPassword) {
  auto r = OpenDatabase(UnreachableUrl(), Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kUnavailable) << r.status().ToString();
  EXPECT_EQ(r.status().message().find("Sup3r-Secret-pw"), std::string::npos) << r.status().message();
  if (IsPostgres() || IsMysql()) {
    EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos) << r.status().message();
  }
}

INSTANTIATE_TEST_SUITE_P(Engines, DatabaseConformanceTest,
                         ::testing::Values(std::string("sqlite"), std::string("postgres"), std::string("mysql"),
                                           std::string("duckdb")),
                         [](const ::testing::TestParamInfo<std::string>& info) { return info.param; });

// Engine-specific, but part of the seam contract.
TEST(SqliteConformance, FileThatIsNotSqliteIsCorruption) {
  std::string dir = MakeTempDir();
  ASSERT_FALSE(dir.empty());
  std::string path = dir + "/not-a-db.db";
  {
    std::ofstream f(path, std::ios::binary);
    f << std::string(4096, 'x') << "this is not a database";
  }
  auto r = OpenDatabase("sqlite:" + path, Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ferry
