// DuckDB in copy, verify and export: the round trip SQLite -> DuckDB ->
// PostgreSQL -> SQLite of every type and edge value, verified equal by
// `ferry verify` at each hop; a resumed copy into DuckDB (the Appender writes
// inside the batch's transaction with its checkpoint); and `ferry export
// --format parquet`, read back with DuckDB's read_parquet row for row.
// Without DuckDB built in these fail under FERRY_TEST_REQUIRE_SERVERS=1.
#include <algorithm>

#include "integration/copy/copy_test_util.h"

namespace ferry::testing {
namespace {

bool DuckdbBuiltIn() {
  auto s = DatabaseSchemes();
  return std::find(s.begin(), s.end(), "duckdb") != s.end();
}

#define REQUIRE_DUCKDB()                                                                   \
  do {                                                                                     \
    if (!DuckdbBuiltIn()) {                                                                \
      if (ServersRequired()) FAIL() << "duckdb is not built in (scripts/fetch-duckdb.sh)"; \
      GTEST_SKIP() << "duckdb is not built in";                                            \
    }                                                                                      \
  } while (0)

std::string DuckUrl(const ScratchDir& d, const std::string& name) { return "duckdb:" + d.File(name); }

TEST(DuckdbCopy, SqliteToDuckdbToPostgresToSqliteEveryTypeVerifiedEqual) {
  REQUIRE_DUCKDB();
  std::string admin;
  FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
  auto scratch = PgScratchDatabase::Create(admin);
  ASSERT_TRUE(scratch.ok()) << scratch.status().message();
  ScratchDir dir;
  int n = 0;
  {
    auto src = OpenDatabase(dir.SqliteUrl("src.db"), Env::Default());
    ASSERT_TRUE(src.ok());
    n = CreateEdgeTable(src->get());
  }
  const std::string duck = DuckUrl(dir, "mid.duckdb");
  auto r = RunFerry({"copy", "--from", dir.SqliteUrl("src.db"), "--to", duck, "--create-schema",
                     "--batch", "2"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("edge: " + std::to_string(n) + " rows copied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  {
    // DuckDB really holds typed values, not just equal checksums.
    auto d = OpenDatabase(duck, Env::Default());
    ASSERT_TRUE(d.ok()) << d.status().ToString();
    auto rows = (*d)->Query(
        "SELECT i, b, r, length(t), tstz, u, flag, typeof(tstz), typeof(u), typeof(j), typeof(i) "
        "FROM edge ORDER BY id", {});
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_EQ(rows->size(), static_cast<size_t>(n));
    EXPECT_EQ(rows->rows[1][0], Value(std::numeric_limits<int64_t>::min()));
    EXPECT_EQ(rows->rows[2][0], Value(std::numeric_limits<int64_t>::max()));
    EXPECT_EQ(rows->rows[1][1], Value(Blob{std::string("\0\x01\xff\0", 4)}));
    EXPECT_EQ(std::get<Blob>(rows->rows[2][1]).bytes.size(), 70000u);
    EXPECT_TRUE(std::isnan(std::get<double>(rows->rows[3][2])));
    EXPECT_EQ(rows->rows[2][2], Value(std::numeric_limits<double>::infinity()));
    EXPECT_EQ(rows->GetText(1, 4), "2024-06-30 07:04:56.789000+00");
    EXPECT_EQ(rows->GetText(1, 5), "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
    EXPECT_EQ(rows->GetInt(1, 6), 1);
    EXPECT_EQ(rows->GetText(0, 7), "TIMESTAMP WITH TIME ZONE");
    EXPECT_EQ(rows->GetText(0, 8), "UUID");
    EXPECT_EQ(rows->GetText(0, 9), "JSON");
    EXPECT_EQ(rows->GetText(0, 10), "BIGINT");
    EXPECT_TRUE(IsNull(rows->rows[4][0]));
    auto t = (*d)->Query("SELECT t FROM edge WHERE id = 3", {});
    ASSERT_TRUE(t.ok());
    EXPECT_EQ(t->GetText(0, 0), HugeText());
  }
  // DuckDB -> PostgreSQL.
  r = RunFerry({"copy", "--from", duck, "--to", (*scratch)->url(), "--create-schema", "--batch", "4"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  // PostgreSQL -> a fresh SQLite file, verified against the original.
  r = RunFerry({"copy", "--from", (*scratch)->url(), "--to", dir.SqliteUrl("back.db"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir.SqliteUrl("src.db"), "--to", dir.SqliteUrl("back.db")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir.SqliteUrl("src.db"), "--to", duck});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // And verify sees a real difference in DuckDB.
  {
    auto d = OpenDatabase(duck, Env::Default());
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE((*d)->Exec("UPDATE edge SET t = 'changed' WHERE id = 2").ok());
  }
  r = RunFerry({"verify", "--from", dir.SqliteUrl("src.db"), "--to", duck});
  EXPECT_NE(r.code, 0) << r.out << r.err;
  EXPECT_NE((r.out + r.err).find("id=2"), std::string::npos) << r.out << r.err;
}

TEST(DuckdbCopy, ChunksIntoDuckdbWithResumeNothingLostOrDoubled) {
  REQUIRE_DUCKDB();
  ScratchDir dir;
  {
    auto src = OpenDatabase(dir.SqliteUrl("src.db"), Env::Default());
    ASSERT_TRUE(src.ok());
    CreateChunks(src->get(), 5000);
  }
  const std::string duck = DuckUrl(dir, "t.duckdb");
  auto r = RunFerry({"copy", "--from", dir.SqliteUrl("src.db"), "--to", duck, "--create-schema",
                     "--batch", "700"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  {
    // Pretend the copy died after the third batch: keep rows <= 2100 and a
    // checkpoint that says so, as a killed copy leaves them.
    auto d = OpenDatabase(duck, Env::Default());
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE((*d)->Exec("DELETE FROM chunks WHERE id > 2100").ok());
    auto cp = (*d)->Query("SELECT last_key, rows_copied, done FROM ferry_copy_checkpoints", {});
    ASSERT_TRUE(cp.ok()) << cp.status().ToString();
    ASSERT_EQ(cp->size(), 1u);
    EXPECT_EQ(cp->GetInt(0, 1), 5000);
    // The key of row 2100 as the copier encodes it: take it from a fresh copy's batches.
    ASSERT_TRUE((*d)->Exec("UPDATE ferry_copy_checkpoints SET done = 0, rows_copied = 2100, "
                           "last_key = replace(last_key, '5000', '2100')").ok());
  }
  r = RunFerry({"copy", "--from", dir.SqliteUrl("src.db"), "--to", duck, "--resume", "--batch", "700"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir.SqliteUrl("src.db"), "--to", duck});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto d = OpenDatabase(duck, Env::Default());
  ASSERT_TRUE(d.ok());
  auto c = (*d)->Query("SELECT count(*), count(DISTINCT id), max(id) FROM chunks", {});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->GetInt(0, 0), 5000);
  EXPECT_EQ(c->GetInt(0, 1), 5000);
  EXPECT_EQ(c->GetInt(0, 2), 5000);
}

TEST(DuckdbExport, ParquetFromSqliteReadsBackRowForRow) {
  REQUIRE_DUCKDB();
  ScratchDir dir;
  int n = 0;
  {
    auto src = OpenDatabase(dir.SqliteUrl("src.db"), Env::Default());
    ASSERT_TRUE(src.ok());
    n = CreateEdgeTable(src->get());
  }
  const std::string out = dir.File("edge.parquet");
  auto r = RunFerry({"export", "--db", dir.SqliteUrl("src.db"), "--table", "edge", "--format",
                     "parquet", "--out", out});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find(std::to_string(n) + " rows"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(out + ".tmp"));
  EXPECT_FALSE(std::filesystem::exists(out + ".ferry-export.duckdb"));
  // Read it back with DuckDB and compare every row with the source, through
  // a DuckDB table so verify's canonical checksums do the comparing.
  const std::string duck = DuckUrl(dir, "check.duckdb");
  {
    auto d = OpenDatabase(duck, Env::Default());
    ASSERT_TRUE(d.ok());
    ASSERT_TRUE((*d)->Exec("CREATE TABLE edge AS SELECT * FROM read_parquet('" + out + "')").ok());
    ASSERT_TRUE((*d)->Exec("ALTER TABLE edge ADD PRIMARY KEY (id)").ok());
    auto rows = (*d)->Query("SELECT id, i, b, t, typeof(tstz), j FROM edge ORDER BY id", {});
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    ASSERT_EQ(rows->size(), static_cast<size_t>(n));
    EXPECT_EQ(rows->rows[1][1], Value(std::numeric_limits<int64_t>::min()));
    EXPECT_EQ(rows->rows[1][2], Value(Blob{std::string("\0\x01\xff\0", 4)}));
    EXPECT_EQ(rows->GetText(2, 3), HugeText());
    EXPECT_EQ(rows->GetText(0, 4), "TIMESTAMP WITH TIME ZONE");
    EXPECT_TRUE(IsNull(rows->rows[4][3]));
  }
  r = RunFerry({"verify", "--from", dir.SqliteUrl("src.db"), "--to", duck});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  // --where exports only the matching rows.
  r = RunFerry({"export", "--db", dir.SqliteUrl("src.db"), "--table", "edge", "--where", "id > 4",
                "--format", "parquet", "--out", dir.File("part.parquet")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto d = OpenDatabase("duckdb::memory:", Env::Default());
  ASSERT_TRUE(d.ok());
  auto c = (*d)->Query("SELECT count(*), min(id) FROM read_parquet('" + dir.File("part.parquet") + "')", {});
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->GetInt(0, 0), 2);
  EXPECT_EQ(c->GetInt(0, 1), 5);
}

}  // namespace
}  // namespace ferry::testing
