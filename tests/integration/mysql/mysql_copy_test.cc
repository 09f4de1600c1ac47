// copy and verify through MySQL/MariaDB: SQLite -> MySQL -> PostgreSQL ->
// SQLite with every logical type and edge value, each hop verified, and the
// last copy verified against the first source. MySQL's DOUBLE cannot hold
// NaN or infinity: copying one is an error naming table.column and the row's
// key, and leaves the target without the batch.
#include "conformance/database/mysql_scratch_database.h"
#include "integration/copy/copy_test_util.h"
#include "jobs/copy/mysql_copy.h"

namespace ferry::testing {
namespace {

class MysqlCopyTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string my_admin, pg_admin;
    FERRY_REQUIRE_SERVER(my_admin, "FERRY_TEST_MYSQL_URL");
    FERRY_REQUIRE_SERVER(pg_admin, "FERRY_TEST_PG_URL");
    auto my = MysqlScratchDatabase::Create(my_admin);
    ASSERT_TRUE(my.ok()) << my.status().ToString();
    my_ = std::move(my).value();
    auto pg = PgScratchDatabase::Create(pg_admin);
    ASSERT_TRUE(pg.ok()) << pg.status().ToString();
    pg_ = std::move(pg).value();
  }
  std::unique_ptr<Database> Open(const std::string& url) {
    auto db = OpenDatabase(url, Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  ScratchDir dir_;
  std::unique_ptr<MysqlScratchDatabase> my_;
  std::unique_ptr<PgScratchDatabase> pg_;
};

TEST_F(MysqlCopyTest, RoundTripSqliteMysqlPostgresSqliteVerifiesEqual) {
  int n = 0;
  {
    auto src = Open(dir_.SqliteUrl("src.db"));
    n = CreateEdgeTable(src.get());
    // MySQL holds no NaN/inf (see the next test): finite values in their place.
    ASSERT_TRUE(src->Exec("UPDATE edge SET r = -1.7976931348623157e308 WHERE id = 2").ok());
    ASSERT_TRUE(src->Exec("UPDATE edge SET r = 4.9e-324 WHERE id = 3").ok());
    ASSERT_TRUE(src->Exec("UPDATE edge SET r = 0.1 WHERE id = 4").ok());
    CreateChunks(src.get(), 2500);
  }
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url(),
                     "--create-schema", "--batch", "700"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("edge: " + std::to_string(n) + " rows copied"), std::string::npos) << r.out;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;

  // What landed in MySQL, as MySQL has it.
  {
    auto my = Open(my_->url());
    auto cols = my->Query(
        "SELECT column_name, column_type FROM information_schema.columns WHERE table_schema = "
        "DATABASE() AND table_name = 'edge' ORDER BY ordinal_position",
        {});
    ASSERT_TRUE(cols.ok()) << cols.status().ToString();
    std::string types;
    for (size_t i = 0; i < cols->size(); ++i) types += *cols->GetText(i, 0) + ":" + *cols->GetText(i, 1) + " ";
    EXPECT_EQ(types,
              "id:bigint(20) i:bigint(20) r:double t:longtext b:longblob flag:tinyint(1) "
              "ts:datetime(6) tstz:datetime(6) d:date j:longtext u:char(36) n:longtext ");
    auto row = my->Query("SELECT tstz, b, t FROM edge WHERE id = 2", {});
    ASSERT_TRUE(row.ok() && row->size() == 1) << row.status().ToString();
    EXPECT_EQ(row->GetText(0, 0), "2024-06-30 07:04:56.789000");  // +05:30 stored as UTC
    EXPECT_EQ(row->rows[0][1], Value(Blob{std::string("\0\x01\xff\0", 4)}));
    EXPECT_EQ(row->GetText(0, 2), "ünïcødé 😀 日本");
    EXPECT_EQ(CountRows(my.get(), "chunks"), 2500);
  }

  r = RunFerry({"copy", "--from", my_->url(), "--to", pg_->url(), "--create-schema", "--batch", "900"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", my_->url(), "--to", pg_->url()});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  {
    // The logical types survived MySQL (column comments carry what MySQL's
    // own types lose).
    auto pg = Open(pg_->url());
    auto t = pg->Query(
        "SELECT string_agg(attname || ':' || format_type(atttypid, atttypmod), ' ' ORDER BY attnum) "
        "FROM pg_attribute WHERE attrelid = 'edge'::regclass AND attnum > 0",
        {});
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    EXPECT_EQ(t->GetText(0, 0),
              "id:bigint i:bigint r:double precision t:text b:bytea flag:boolean "
              "ts:timestamp without time zone tstz:timestamp with time zone d:date j:jsonb u:uuid "
              "n:numeric");
  }

  r = RunFerry({"copy", "--from", pg_->url(), "--to", dir_.SqliteUrl("back.db"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", pg_->url(), "--to", dir_.SqliteUrl("back.db")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", dir_.SqliteUrl("back.db")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;

  // verify is not blind: one changed value in MySQL is found and named.
  ASSERT_TRUE(Open(my_->url())->Exec("UPDATE edge SET t = 'changed' WHERE id = 6").ok());
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url(), "--tables", "edge"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("id=6"), std::string::npos) << r.out;
}

TEST_F(MysqlCopyTest, NanOrInfinityIsAnErrorNamingColumnAndKey) {
  {
    auto src = Open(dir_.SqliteUrl("src.db"));
    CreateEdgeTable(src.get());  // id 2: -inf, id 3: inf, id 4: NaN
  }
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url(),
                     "--create-schema", "--tables", "edge"});
  EXPECT_NE(r.code, 0) << r.out << r.err;
  const std::string all = r.out + r.err;
  EXPECT_NE(all.find("edge.r"), std::string::npos) << all;
  EXPECT_NE(all.find("id=2"), std::string::npos) << all;
  EXPECT_NE(all.find("-inf"), std::string::npos) << all;
  EXPECT_NE(all.find("NaN or infinity"), std::string::npos) << all;
  // The failed batch left nothing behind.
  auto my = Open(my_->url());
  EXPECT_EQ(CountRows(my.get(), "edge"), 0);

  // With the column carried as text, the same data copies and verifies.
  ASSERT_TRUE(my->Exec("DROP TABLE edge").ok());
  (void)my->Exec("DELETE FROM ferry_copy_checkpoints");
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url(), "--create-schema",
                "--tables", "edge", "--map", "edge.r=text"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_EQ(CountRows(my.get(), "edge"), 6);
}

// MySQL compares text keys by collation, and PAD SPACE collations (utf8mb4_bin
// among them) make 'a' and 'a ' one key. Tables ferry creates keep them
// apart (a NO PAD binary key collation); an existing PAD SPACE table refuses
// the colliding row with an error naming the column, its collation and the key.
TEST_F(MysqlCopyTest, TextKeysDifferingInTrailingSpacesStayDistinctOrCollisionIsNamed) {
  {
    auto src = Open(dir_.SqliteUrl("src.db"));
    ASSERT_TRUE(src->Exec("CREATE TABLE tags (name TEXT PRIMARY KEY, v INTEGER)").ok());
    for (const char* k : {"a", "a ", "a  ", "A", "b\t", "b", " a", "é", "e"})
      ASSERT_TRUE(src->Execute("INSERT INTO tags VALUES ($1, $2)", {std::string(k), int64_t{1}}).ok());
  }
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url(),
                     "--create-schema", "--tables", "tags", "--batch", "4"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  {
    auto my = Open(my_->url());
    EXPECT_EQ(CountRows(my.get(), "tags"), 9);
    auto coll = my->Query("SELECT collation_name FROM information_schema.columns WHERE "
                          "table_schema = DATABASE() AND table_name = 'tags' AND column_name = 'name'",
                          {});
    ASSERT_TRUE(coll.ok() && coll->size() == 1) << coll.status().ToString();
    EXPECT_FALSE(MysqlCollationPadsSpace(*coll->GetText(0, 0))) << *coll->GetText(0, 0);
    auto exact = my->Query("SELECT count(*) FROM tags WHERE name = 'a  '", {});
    ASSERT_TRUE(exact.ok());
    EXPECT_EQ(*exact->GetInt(0, 0), 1);  // only 'a  ' itself, not 'a' or 'a '
  }
  // And back out of MySQL: keyset pages over the NO PAD key lose nothing.
  r = RunFerry({"copy", "--from", my_->url(), "--to", pg_->url(), "--create-schema", "--tables",
                "tags", "--batch", "2"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--tables", "tags"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;

  // A target table that already exists with a PAD SPACE key.
  {
    auto my = Open(my_->url());
    ASSERT_TRUE(my->Exec("CREATE TABLE padded (name VARCHAR(20) CHARACTER SET utf8mb4 COLLATE "
                         "utf8mb4_bin PRIMARY KEY, v BIGINT) ENGINE=InnoDB")
                    .ok());
    auto src = Open(dir_.SqliteUrl("src.db"));
    ASSERT_TRUE(src->Exec("CREATE TABLE padded (name TEXT PRIMARY KEY, v INTEGER)").ok());
    ASSERT_TRUE(src->Exec("INSERT INTO padded VALUES ('x', 1), ('y', 2), ('y ', 3), ('z', 4)").ok());
  }
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", my_->url(), "--tables", "padded"});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  EXPECT_NE(r.err.find("padded.name (utf8mb4_bin, PAD SPACE)"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("Duplicate entry 'y "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("utf8mb4_nopad_bin"), std::string::npos) << r.err;
  {
    auto my = Open(my_->url());
    EXPECT_EQ(CountRows(my.get(), "padded"), 0);  // the batch rolled back whole
  }
}

}  // namespace
}  // namespace ferry::testing
