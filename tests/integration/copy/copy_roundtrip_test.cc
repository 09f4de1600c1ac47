// Round trips SQLite -> PostgreSQL -> SQLite of every type and edge value,
// verified equal by `ferry verify`; and verify finding real differences.
#include <filesystem>
#include <fstream>
#include <iterator>

#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copier.h"
#include "jobs/copy/verifier.h"

namespace ferry::testing {
namespace {

class CopyRoundTrip : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
    auto s = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    pg_ = std::move(s).value();
  }
  std::string admin_;
  std::unique_ptr<PgScratchDatabase> pg_;
  ScratchDir dir_;
};

TEST_F(CopyRoundTrip, SqliteToPostgresAndBackEveryTypeVerifiedEqual) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  ASSERT_TRUE(src.ok());
  int n = CreateEdgeTable(src->get());

  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(),
                     "--create-schema", "--batch", "2"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("edge: " + std::to_string(n) + " rows copied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;

  // The target really holds the values (not just equal checksums).
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE(pg.ok());
  auto rows = (*pg)->Query("SELECT i, b, r::text, length(t), j::text, n::text, flag FROM edge ORDER BY id", {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  ASSERT_EQ(rows->size(), static_cast<size_t>(n));
  EXPECT_EQ(std::get<int64_t>(rows->rows[1][0]), std::numeric_limits<int64_t>::min());
  EXPECT_EQ(std::get<Blob>(rows->rows[1][1]).bytes, std::string("\0\x01\xff\0", 4));
  EXPECT_EQ(std::get<Blob>(rows->rows[2][1]).bytes.size(), 70000u);
  EXPECT_EQ(*rows->GetText(3, 2), "NaN");
  EXPECT_EQ(*rows->GetText(2, 2), "Infinity");
  EXPECT_EQ(*rows->GetText(1, 5), "12345678901234567890.0123456789");
  EXPECT_EQ(*rows->GetInt(1, 6), 1);
  EXPECT_TRUE(IsNull(rows->rows[4][1]));

  // And back into a fresh SQLite file, verified against the original.
  r = RunFerry({"copy", "--from", pg_->url(), "--to", dir_.SqliteUrl("back.db"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", dir_.SqliteUrl("back.db")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  auto back = OpenDatabase(dir_.SqliteUrl("back.db"), Env::Default());
  auto t = (*back)->Query("SELECT t, b FROM edge WHERE id IN (2, 4) ORDER BY id", {});
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(*t->GetText(0, 0), "ünïcødé 😀 日本");
  EXPECT_EQ(std::get<Blob>(t->rows[1][1]).bytes, "\\x00 not hex");
}

TEST_F(CopyRoundTrip, PostgresSourceToSqliteAndBack) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE(pg.ok());
  int n = CreateEdgeTable(pg->get());
  auto r = RunFerry({"copy", "--from", pg_->url(), "--to", dir_.SqliteUrl("a.db"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto a = OpenDatabase(dir_.SqliteUrl("a.db"), Env::Default());
  EXPECT_EQ(CountRows(a->get(), "edge"), n);
  // NaN survives in SQLite as the text 'NaN' and comes back as a double NaN.
  auto nan = (*a)->Query("SELECT r FROM edge WHERE id = 4", {});
  EXPECT_EQ(*nan->GetText(0, 0), "NaN");
  r = RunFerry({"--output", "json", "verify", "--from", pg_->url(), "--to", dir_.SqliteUrl("a.db")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("\"equal\": true"), std::string::npos) << r.out;
}

TEST_F(CopyRoundTrip, VerifyReportsDifferencesWithSampleKeysAndExits5) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  CreateChunks(src->get(), 3000);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(),
                     "--create-schema", "--batch", "500"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("UPDATE chunks SET body = 'changed' WHERE id = 1234").ok());
  ASSERT_TRUE((*pg)->Exec("DELETE FROM chunks WHERE id = 77").ok());
  ASSERT_TRUE((*pg)->Exec("INSERT INTO chunks VALUES (99999, 'x', 1, 'extra')").ok());
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url()});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("id=1234: differs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("id=77: missing on the target"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("id=99999: only on the target"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rows 3000/3000"), std::string::npos) << r.out;
}

TEST_F(CopyRoundTrip, DryRunWritesNothing) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  CreateChunks(src->get(), 10);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(),
                     "--create-schema", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("chunks: would copy 10 rows into a new table"), std::string::npos) << r.out;
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  EXPECT_FALSE(*(*pg)->TableExists("chunks"));
  EXPECT_FALSE(*(*pg)->TableExists("ferry_copy_checkpoints"));
}

// Into SQLite, a dry run creates no file (opening one would create it) and
// leaves an existing one byte for byte as it was (no journal switch either);
// the same for `import --dry-run`.
TEST_F(CopyRoundTrip, DryRunIntoSqliteCreatesAndChangesNoFile) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  CreateChunks(src->get(), 10);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", dir_.SqliteUrl("new.db"),
                     "--create-schema", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("chunks: would copy 10 rows into a new table"), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("new.db")));
  const std::string csv = dir_.File("in.csv");
  { std::ofstream(csv) << "id,name\n1,a\n"; }
  r = RunFerry({"import", "--db", dir_.SqliteUrl("new2.db"), "--table", "people", "--in", csv,
                "--dry-run"});
  EXPECT_NE(r.code, 0) << "the table cannot exist in a file that does not";
  EXPECT_FALSE(std::filesystem::exists(dir_.File("new2.db")));

  // An existing file in rollback-journal mode: a read-write open would switch it to WAL.
  {
    auto ex = OpenDatabase(dir_.SqliteUrl("ex.db") + "?journal_mode=delete", Env::Default());
    ASSERT_TRUE(ex.ok());
    ASSERT_TRUE((*ex)->Exec("CREATE TABLE people (id INTEGER PRIMARY KEY, name TEXT)").ok());
  }
  auto bytes = [&] {
    std::ifstream in(dir_.File("ex.db"), std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };
  const std::string before = bytes();
  r = RunFerry({"import", "--db", dir_.SqliteUrl("ex.db"), "--table", "people", "--in", csv,
                "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("1 rows would be imported"), std::string::npos) << r.out;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", dir_.SqliteUrl("ex.db"),
                "--create-schema", "--dry-run"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(bytes(), before) << "a dry run changed the target file";
  EXPECT_FALSE(std::filesystem::exists(dir_.File("ex.db") + "-wal"));
}

}  // namespace
}  // namespace ferry::testing
