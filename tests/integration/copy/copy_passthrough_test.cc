// PostgreSQL -> PostgreSQL passthrough (postgres_passthrough.h): pages move
// as COPY binary, never decoded. Every type and edge value arrives equal, in
// pages of every size (a last partial page, one row per page); keys that
// need quoting in a literal page correctly; and the value path is taken
// whenever a value could change (--map, a changed type, a user type).
// kill -9 and resume through the passthrough: tests/crash/copy.
#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copier.h"
#include "jobs/copy/postgres_passthrough.h"
#include "jobs/copy/schema_reader.h"

namespace ferry::testing {
namespace {

class CopyPassthrough : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
    auto a = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(a.ok()) << a.status().message();
    src_ = std::move(a).value();
    auto b = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(b.ok()) << b.status().message();
    dst_ = std::move(b).value();
  }

  std::unique_ptr<Database> Open(const std::string& url) {
    auto db = OpenDatabase(url, Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().message();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  std::string admin_;
  std::unique_ptr<PgScratchDatabase> src_, dst_;
};

TEST_F(CopyPassthrough, EveryTypeInPagesOfEverySizeVerifiedEqual) {
  const int n = CreateEdgeTable(Open(src_->url()).get());
  // 1: a page per row; 4: a last partial page; 100: one page.
  for (const char* batch : {"1", "4", "100"}) {
    auto r = RunFerry({"copy", "--from", src_->url(), "--to", dst_->url(), "--create-schema",
                       "--truncate", "--batch", batch});
    ASSERT_EQ(r.code, 0) << batch << ": " << r.out << r.err;
    EXPECT_NE(r.out.find("edge: " + std::to_string(n) + " rows copied [path: passthrough]"),
              std::string::npos)
        << r.out << r.err;
    EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  }
  // The values themselves, not only verify's checksum.
  auto dst = Open(dst_->url());
  const std::string q =
      "SELECT count(*), sum(length(t))::bigint, sum(length(b))::bigint, "
      "count(*) FILTER (WHERE r = 'NaN'), sum(hashtext(t || j::text || n::text || tstz::text))::bigint "
      "FROM edge";
  auto rows = dst->Query(q, {});
  ASSERT_TRUE(rows.ok()) << rows.status().message();
  auto want = Open(src_->url())->Query(q, {});
  ASSERT_TRUE(want.ok()) << want.status().message();
  for (int c = 0; c < 5; ++c) EXPECT_EQ(rows->GetInt(0, c), want->GetInt(0, c)) << c;
}

// b integer -> bigint (--create-schema): the passthrough in COPY text format.
TEST_F(CopyPassthrough, TextAndCompositeKeysThatNeedQuotingPageExactly) {
  auto src = Open(src_->url());
  ASSERT_TRUE(src->Exec("CREATE TABLE kv (a text, b integer, v text, f double precision, "
                        "PRIMARY KEY (a, b))").ok());
  const std::vector<std::string> keys = {"", "'", "''", "\\", "\\'", "a'b\\c", "ünï", "x y",
                                         "E'x'", "$1", "z"};
  int rows = 0;
  for (const auto& k : keys)
    for (int b = -2; b <= 2; ++b, ++rows)
      ASSERT_TRUE(src->Execute("INSERT INTO kv VALUES ($1, $2, $3, $4)",
                               {k, int64_t{b}, k + "/" + std::to_string(b), b / 3.0 + 1e-17 * b})
                      .ok());
  auto r = RunFerry({"copy", "--from", src_->url(), "--to", dst_->url(), "--create-schema",
                     "--batch", "3"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("kv: " + std::to_string(rows) + " rows copied [path: passthrough]"),
            std::string::npos)
      << r.out << r.err;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
}

TEST_F(CopyPassthrough, LiteralsRoundTripThroughTheServer) {
  auto db = Open(src_->url());
  const std::vector<std::pair<Value, std::string>> cases = {
      {Value{int64_t{-9223372036854775807 - 1}}, "bigint"},
      {Value{0.1}, "double precision"},
      {Value{-0.0}, "double precision"},
      {Value{std::string("it's a \\ back'slash")}, "text"},
      {Value{Blob{std::string("\0\x01\xff'\\", 5)}}, "bytea"},
      {Value{std::string("2024-06-30 07:04:56.789+00")}, "timestamp with time zone"},
      {Value{int64_t{1}}, "boolean"},
  };
  for (const auto& [v, type] : cases) {
    auto r = db->Query("SELECT " + PassthroughLiteral(v, type) + " = $1::" + type, {v});
    ASSERT_TRUE(r.ok()) << type << ": " << r.status().message();
    EXPECT_EQ(r->GetInt(0, 0).value_or(0), 1) << type << " " << ValueToDisplay(v);
  }
}

TEST_F(CopyPassthrough, ValuePathWhenAValueCouldChange) {
  auto src = Open(src_->url());
  ASSERT_TRUE(src->Exec("CREATE TYPE mood AS ENUM ('sad', 'ok');"
                        "CREATE TABLE a (id int PRIMARY KEY, v varchar(20));"
                        "CREATE TABLE b (id int PRIMARY KEY, v text);"
                        "CREATE TABLE c (id int PRIMARY KEY, m mood);"
                        "INSERT INTO a VALUES (1, '007'), (2, 'x');"
                        "INSERT INTO b VALUES (1, '007');"
                        "INSERT INTO c VALUES (1, 'ok')")
                  .ok());
  auto dst = Open(dst_->url());
  // a: varchar(20) -> text shares its binary form; b: int -> bigint is
  // text-only, text -> varchar(10) neither.
  ASSERT_TRUE(dst->Exec("CREATE TYPE mood AS ENUM ('sad', 'ok');"
                        "CREATE TABLE a (id int PRIMARY KEY, v text);"
                        "CREATE TABLE b (id bigint PRIMARY KEY, v varchar(10));"
                        "CREATE TABLE c (id int PRIMARY KEY, m mood)")
                  .ok());
  std::unique_ptr<Logger> logger = Logger::Capturing({});
  CopyOptions o;
  o.from_url = src_->url();
  o.to_url = dst_->url();
  ASSERT_TRUE(o.overrides.Add("c.m=text").ok());
  CopyDeps d;
  d.logger = logger.get();
  auto rep = RunCopy(o, d);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  ASSERT_EQ(rep->tables.size(), 3u);
  EXPECT_EQ(rep->tables[0].path, "passthrough");  // a
  EXPECT_EQ(rep->tables[1].path, "values");       // b
  EXPECT_EQ(rep->tables[2].path, "values");       // c
  EXPECT_TRUE(rep->verify.ok()) << rep->verify.Summary();
  const std::string log = logger->Captured();
  EXPECT_NE(log.find("changes type (text -> character varying(10))"), std::string::npos) << log;
  EXPECT_NE(log.find("--map overrides column m"), std::string::npos) << log;

  // Without --map the enum is refused by the type mapper; a user type in a
  // column of a table the mapper accepts is covered by ChoosePassthrough.
  TableSchema s;
  s.name = "c";
  s.columns = {{"id", "integer"}, {"m", "mood"}};
  auto choice = ChoosePassthrough(src.get(), dst.get(), s, {});
  ASSERT_TRUE(choice.ok()) << choice.status().message();
  EXPECT_FALSE(choice->use);
  EXPECT_NE(choice->reason.find("not built in"), std::string::npos) << choice->reason;

  // --no-passthrough always decodes.
  auto r = RunFerry({"copy", "--from", src_->url(), "--to", dst_->url(), "--tables", "a",
                     "--truncate", "--no-passthrough"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("a: 2 rows copied [path: values]"), std::string::npos) << r.out;
}

}  // namespace
}  // namespace ferry::testing
