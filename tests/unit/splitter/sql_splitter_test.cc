#include "core/sql_splitter.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <string>
#include <vector>

#include "splitter_properties.h"

namespace ferry {
namespace {

using testing::Printable;

constexpr Dialect kSqlite = Dialect::kSqlite;
constexpr Dialect kPostgres = Dialect::kPostgres;
constexpr Dialect kMysql = Dialect::kMysql;
constexpr Dialect kDuckdb = Dialect::kDuckdb;
const std::vector<Dialect> kAll = {kSqlite, kPostgres, kMysql, kDuckdb};

struct Expected {
  std::string text;
  int line;
};

struct Case {
  const char* name;
  std::vector<Dialect> dialects;
  std::string sql;
  std::vector<Expected> want;
};

void Check(const Case& c) {
  for (Dialect dialect : c.dialects) {
    SCOPED_TRACE(std::string(c.name) + " / " + testing::DialectName(dialect));
    std::vector<SqlStatement> got = SplitStatements(c.sql, dialect);
    std::string got_text;
    for (const auto& s : got) got_text += std::to_string(s.line) + ": [" + Printable(s.text) + "]\n";
    ASSERT_EQ(got.size(), c.want.size()) << "input: " << Printable(c.sql) << "\ngot:\n" << got_text;
    for (size_t i = 0; i < got.size(); ++i) {
      EXPECT_EQ(got[i].text, c.want[i].text) << "statement " << i << "\ngot:\n" << got_text;
      EXPECT_EQ(got[i].line, c.want[i].line) << "statement " << i << "\ngot:\n" << got_text;
    }
    EXPECT_EQ(IsBlankSql(c.sql, dialect), c.want.empty());
  }
}

void CheckAll(const std::vector<Case>& cases) {
  for (const Case& c : cases) Check(c);
}

TEST(SqlSplitterTest, Basics) {
  CheckAll({
      {"empty", kAll, "", {}},
      {"only whitespace", kAll, " \n\t\r\n ", {}},
      {"only semicolons", kAll, ";; ;\n;", {}},
      {"one", kAll, "SELECT 1;", {{"SELECT 1", 1}}},
      {"two", kAll, "SELECT 1;SELECT 2;", {{"SELECT 1", 1}, {"SELECT 2", 1}}},
      {"trailing without semicolon", kAll, "SELECT 1;\nSELECT 2\n", {{"SELECT 1", 1}, {"SELECT 2", 2}}},
      {"trimmed", kAll, "  \n  SELECT 1  \n ;  ", {{"SELECT 1", 2}}},
      {"inner whitespace kept", kAll, "SELECT\n  a,\n\tb\nFROM t;", {{"SELECT\n  a,\n\tb\nFROM t", 1}}},
      {"lines", kAll, "\n\nCREATE TABLE a(x int);\n\n\nINSERT INTO a\nVALUES (1);\nSELECT 1;",
       {{"CREATE TABLE a(x int)", 3}, {"INSERT INTO a\nVALUES (1)", 6}, {"SELECT 1", 8}}},
      {"crlf", kAll, "SELECT 1;\r\n\r\nSELECT\r\n 2;\r\nSELECT 3\r\n",
       {{"SELECT 1", 1}, {"SELECT\r\n 2", 3}, {"SELECT 3", 5}}},
      {"lone cr is not a line", kAll, "\r\rSELECT 1;", {{"SELECT 1", 1}}},
      {"utf8", kAll, "INSERT INTO t VALUES ('h\xc3\xa9llo; \xe2\x82\xac');",
       {{"INSERT INTO t VALUES ('h\xc3\xa9llo; \xe2\x82\xac')", 1}}},
  });
}

TEST(SqlSplitterTest, Comments) {
  CheckAll({
      {"only comments", kAll, "-- a; b\n/* c; d */\n", {}},
      {"line comment with semicolon", kAll, "SELECT 1 -- no; split\n, 2;", {{"SELECT 1 -- no; split\n, 2", 1}}},
      {"block comment with semicolon", kAll, "SELECT /* ; */ 1;", {{"SELECT /* ; */ 1", 1}}},
      {"leading comments skipped for line and text", kAll,
       "-- header; here\n/* more;\n more */\n\nSELECT 1;", {{"SELECT 1", 5}}},
      {"trailing comment before semicolon dropped", kAll, "SELECT 1 /* x */ ;", {{"SELECT 1", 1}}},
      {"comment after last statement", kAll, "SELECT 1;\n-- the end; really\n", {{"SELECT 1", 1}}},
      {"comment at end without newline", kAll, "SELECT 1 -- done", {{"SELECT 1", 1}}},
      {"quote inside comment", kAll, "-- it's\nSELECT 1;/* \" */SELECT 2;", {{"SELECT 1", 2}, {"SELECT 2", 2}}},
      {"comment markers inside strings", kAll, "SELECT '--', '/*';SELECT 2;",
       {{"SELECT '--', '/*'", 1}, {"SELECT 2", 1}}},
      {"unclosed block comment after code stays", kAll, "SELECT 1; SELECT 2 /* oops; never",
       {{"SELECT 1", 1}, {"SELECT 2 /* oops; never", 1}}},
      {"unclosed block comment alone is blank", kAll, "SELECT 1;\n/* never; closed", {{"SELECT 1", 1}}},
      {"comment between statements with crlf", kAll, "SELECT 1;\r\n-- x;\r\nSELECT 2;",
       {{"SELECT 1", 1}, {"SELECT 2", 3}}},
      // PostgreSQL and DuckDB nest block comments; SQLite and MySQL do not.
      {"nested block comment", {kPostgres, kDuckdb}, "/* a /* b; */ c; */ SELECT 1;", {{"SELECT 1", 1}}},
      {"non-nested block comment", {kSqlite, kMysql}, "/* a /* b; */ SELECT 1;", {{"SELECT 1", 1}}},
      // MySQL: '#' comments, and "--" must be followed by a space/control.
      {"hash comment", {kMysql}, "# a; b\nSELECT 1; # c;\nSELECT 2;", {{"SELECT 1", 2}, {"SELECT 2", 3}}},
      {"hash is an operator elsewhere", {kPostgres}, "SELECT a # b;", {{"SELECT a # b", 1}}},
      {"mysql double dash needs space", {kMysql}, "SELECT 1--1;SELECT 2;", {{"SELECT 1--1", 1}, {"SELECT 2", 1}}},
      {"mysql double dash with tab", {kMysql}, "SELECT 1 --\tx;\n;SELECT 2;", {{"SELECT 1", 1}, {"SELECT 2", 2}}},
      {"double dash is a comment elsewhere", {kSqlite, kPostgres, kDuckdb}, "SELECT 1--1;\n, 2;",
       {{"SELECT 1--1;\n, 2", 1}}},
      {"mysql executable comment is a statement", {kMysql},
       "/*!40101 SET NAMES utf8 */;\n/*!40014 SET FOREIGN_KEY_CHECKS=0 */;\nSELECT 1;",
       {{"/*!40101 SET NAMES utf8 */", 1}, {"/*!40014 SET FOREIGN_KEY_CHECKS=0 */", 2}, {"SELECT 1", 3}}},
      {"mysql hint stays", {kMysql}, "SELECT /*+ BKA(t) */ a FROM t;", {{"SELECT /*+ BKA(t) */ a FROM t", 1}}},
  });
}

TEST(SqlSplitterTest, StringsAndIdentifiers) {
  CheckAll({
      {"string with semicolon", kAll, "SELECT 'a;b';SELECT 2;", {{"SELECT 'a;b'", 1}, {"SELECT 2", 1}}},
      {"doubled quote", kAll, "SELECT 'it''s; fine';SELECT 2;", {{"SELECT 'it''s; fine'", 1}, {"SELECT 2", 1}}},
      {"empty string", kAll, "SELECT '';SELECT '''';", {{"SELECT ''", 1}, {"SELECT ''''", 1}}},
      {"multi-line string counts lines", kAll, "SELECT 'a\nb;\nc';\nSELECT 2;",
       {{"SELECT 'a\nb;\nc'", 1}, {"SELECT 2", 4}}},
      {"double-quoted identifier", kAll, "SELECT \"a;\"\"b\" FROM t;SELECT 2;",
       {{"SELECT \"a;\"\"b\" FROM t", 1}, {"SELECT 2", 1}}},
      {"backtick identifier", {kSqlite, kMysql}, "SELECT `a;``b` FROM t;SELECT 2;",
       {{"SELECT `a;``b` FROM t", 1}, {"SELECT 2", 1}}},
      {"bracket identifier", {kSqlite}, "SELECT [a;'b] FROM t;SELECT 2;", {{"SELECT [a;'b] FROM t", 1}, {"SELECT 2", 1}}},
      {"brackets are arrays elsewhere", {kPostgres, kDuckdb}, "SELECT a[1];SELECT [1, 2];",
       {{"SELECT a[1]", 1}, {"SELECT [1, 2]", 1}}},
      // Backslash is ordinary in standard strings...
      {"backslash ordinary", {kSqlite, kPostgres, kDuckdb}, "SELECT 'a\\';SELECT 2;",
       {{"SELECT 'a\\'", 1}, {"SELECT 2", 1}}},
      // ...but escapes in MySQL strings, single- and double-quoted.
      {"mysql backslash escapes", {kMysql}, "SELECT 'a\\';b';SELECT \"c\\\";d\";SELECT 'e\\\\';",
       {{"SELECT 'a\\';b'", 1}, {"SELECT \"c\\\";d\"", 1}, {"SELECT 'e\\\\'", 1}}},
      {"E string", {kPostgres, kDuckdb}, "SELECT E'it\\'s; ok', e'\\\\';SELECT 2;",
       {{"SELECT E'it\\'s; ok', e'\\\\'", 1}, {"SELECT 2", 1}}},
      {"E string with doubled quote", {kPostgres}, "SELECT E'a''b;c';SELECT 2;", {{"SELECT E'a''b;c'", 1}, {"SELECT 2", 1}}},
      {"word ending in e before string is not E string", {kPostgres}, "SELECT date'2020-01-01\\';SELECT 2;",
       {{"SELECT date'2020-01-01\\'", 1}, {"SELECT 2", 1}}},
      {"unterminated string runs to end", kAll, "SELECT 1; SELECT 'oops; SELECT 3;\n",
       {{"SELECT 1", 1}, {"SELECT 'oops; SELECT 3;", 1}}},
      {"unterminated identifier runs to end", kAll, "SELECT \"oops; SELECT 3;", {{"SELECT \"oops; SELECT 3;", 1}}},
      {"unterminated bracket runs to end", {kSqlite}, "SELECT [oops; SELECT 3;", {{"SELECT [oops; SELECT 3;", 1}}},
  });
}

TEST(SqlSplitterTest, DollarQuotes) {
  const std::vector<Dialect> pg = {kPostgres, kDuckdb};
  CheckAll({
      {"empty tag", pg, "SELECT $$a; 'b$$;SELECT 2;", {{"SELECT $$a; 'b$$", 1}, {"SELECT 2", 1}}},
      {"named tag", pg, "SELECT $fn$ a; $$ b; $fn$;SELECT 2;", {{"SELECT $fn$ a; $$ b; $fn$", 1}, {"SELECT 2", 1}}},
      {"tag must match exactly", pg, "SELECT $a$ ; $b$ ; $a$;SELECT 2;",
       {{"SELECT $a$ ; $b$ ; $a$", 1}, {"SELECT 2", 1}}},
      {"parameter is not a tag", pg, "SELECT $1;SELECT $2, $3;", {{"SELECT $1", 1}, {"SELECT $2, $3", 1}}},
      {"dollar inside identifier", {kPostgres}, "SELECT a$$b;SELECT 2;", {{"SELECT a$$b", 1}, {"SELECT 2", 1}}},
      {"unterminated dollar quote", pg, "SELECT 1; DO $$ BEGIN; ", {{"SELECT 1", 1}, {"DO $$ BEGIN;", 1}}},
      {"lines inside dollar quote", pg, "SELECT $$\n;\n$$;\nSELECT 2;", {{"SELECT $$\n;\n$$", 1}, {"SELECT 2", 4}}},
      {"no dollar quotes in sqlite", {kSqlite}, "SELECT $$a;SELECT 2$$;", {{"SELECT $$a", 1}, {"SELECT 2$$", 1}}},
  });
}

TEST(SqlSplitterTest, SqliteTriggers) {
  CheckAll({
      {"trigger", {kSqlite},
       "CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO log VALUES (1);\n  UPDATE b SET n = n + 1;\nEND;\nSELECT 1;",
       {{"CREATE TRIGGER t AFTER INSERT ON a BEGIN\n  INSERT INTO log VALUES (1);\n  UPDATE b SET n = n + 1;\nEND", 1},
        {"SELECT 1", 5}}},
      {"temp trigger with case", {kSqlite},
       "create temp trigger t before update on a for each row when new.x > 0 begin\n"
       "  update a set y = case when new.x > 1 then 'big;' else 'small' end where id = new.id;\n"
       "  select case new.x when 1 then raise(abort, 'no; way') end;\n"
       "end;\nSELECT 2;",
       {{"create temp trigger t before update on a for each row when new.x > 0 begin\n"
         "  update a set y = case when new.x > 1 then 'big;' else 'small' end where id = new.id;\n"
         "  select case new.x when 1 then raise(abort, 'no; way') end;\n"
         "end",
         1},
        {"SELECT 2", 5}}},
      {"temporary trigger, comments inside", {kSqlite},
       "CREATE TEMPORARY TRIGGER IF NOT EXISTS t AFTER DELETE ON a BEGIN -- x;\n DELETE FROM b; /* ; */ END ;",
       {{"CREATE TEMPORARY TRIGGER IF NOT EXISTS t AFTER DELETE ON a BEGIN -- x;\n DELETE FROM b; /* ; */ END", 1}}},
      {"when clause with case end", {kSqlite},
       "CREATE TRIGGER t AFTER INSERT ON a WHEN CASE new.x WHEN 1 THEN 1 END BEGIN SELECT 1; SELECT 2; END; SELECT 3;",
       {{"CREATE TRIGGER t AFTER INSERT ON a WHEN CASE new.x WHEN 1 THEN 1 END BEGIN SELECT 1; SELECT 2; END", 1},
        {"SELECT 3", 1}}},
      {"transaction begin/end are not bodies", {kSqlite, kPostgres, kMysql, kDuckdb},
       "BEGIN;\nCREATE TABLE a(x);\nEND;\nBEGIN TRANSACTION;\nSELECT 1;\nCOMMIT;",
       {{"BEGIN", 1}, {"CREATE TABLE a(x)", 2}, {"END", 3}, {"BEGIN TRANSACTION", 4}, {"SELECT 1", 5}, {"COMMIT", 6}}},
      {"create table named like trigger", {kSqlite}, "CREATE TABLE trigger_log(x); BEGIN; SELECT 1; END;",
       {{"CREATE TABLE trigger_log(x)", 1}, {"BEGIN", 1}, {"SELECT 1", 1}, {"END", 1}}},
      {"trigger keyword in string does not open", {kSqlite}, "SELECT 'CREATE TRIGGER t BEGIN'; SELECT 2;",
       {{"SELECT 'CREATE TRIGGER t BEGIN'", 1}, {"SELECT 2", 1}}},
      {"unterminated trigger runs to end", {kSqlite}, "CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;",
       {{"CREATE TRIGGER t AFTER INSERT ON a BEGIN SELECT 1; SELECT 2;", 1}}},
      {"trigger keywords case-insensitive, quoted names", {kSqlite},
       "Create Trigger \"t;\" After Insert On [a;b] Begin Select `x;`; EnD;SELECT 2;",
       {{"Create Trigger \"t;\" After Insert On [a;b] Begin Select `x;`; EnD", 1}, {"SELECT 2", 1}}},
      // In PostgreSQL a trigger is one line calling a function; no body.
      {"postgres create trigger is plain", {kPostgres},
       "CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch();\nSELECT 1;",
       {{"CREATE TRIGGER t BEFORE UPDATE ON a FOR EACH ROW EXECUTE FUNCTION touch()", 1}, {"SELECT 1", 2}}},
  });
}

TEST(SqlSplitterTest, BeginAtomic) {
  CheckAll({
      {"begin atomic", {kPostgres},
       "CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + 1;\n"
       "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\nEND;\nSELECT f(1);",
       {{"CREATE FUNCTION f(a int) RETURNS int LANGUAGE sql\nBEGIN ATOMIC\n  SELECT a + 1;\n"
         "  SELECT CASE WHEN a > 0 THEN 1 ELSE 0 END;\nEND",
         1},
        {"SELECT f(1)", 6}}},
      {"empty atomic body", {kPostgres}, "CREATE PROCEDURE p() BEGIN ATOMIC END; SELECT 1;",
       {{"CREATE PROCEDURE p() BEGIN ATOMIC END", 1}, {"SELECT 1", 1}}},
      {"comment between begin and atomic", {kPostgres},
       "CREATE PROCEDURE p() LANGUAGE sql BEGIN /* ; */ ATOMIC INSERT INTO t VALUES (1); END; SELECT 1;",
       {{"CREATE PROCEDURE p() LANGUAGE sql BEGIN /* ; */ ATOMIC INSERT INTO t VALUES (1); END", 1},
        {"SELECT 1", 1}}},
      {"postgres transaction end is commit", {kPostgres}, "BEGIN;\nSELECT 1;\nEND;\nBEGIN ISOLATION LEVEL SERIALIZABLE;",
       {{"BEGIN", 1}, {"SELECT 1", 2}, {"END", 3}, {"BEGIN ISOLATION LEVEL SERIALIZABLE", 4}}},
      {"no begin atomic in duckdb", {kDuckdb}, "SELECT 1 BEGIN ATOMIC; SELECT 2;",
       {{"SELECT 1 BEGIN ATOMIC", 1}, {"SELECT 2", 1}}},
  });
}

TEST(SqlSplitterTest, RealisticPostgresMigration) {
  const std::string sql = R"sql(-- 0001_init.sql: the first schema.
-- Uses extensions; needs superuser.

CREATE EXTENSION IF NOT EXISTS "uuid-ossp";

CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s; complicated');

CREATE TABLE users (
  id uuid PRIMARY KEY DEFAULT uuid_generate_v4(),
  name text NOT NULL, -- display name; not unique
  mood mood,
  updated_at timestamptz
);

COMMENT ON TABLE users IS 'People; who ''use'' the app';

CREATE FUNCTION touch() RETURNS trigger AS $$
BEGIN
  NEW.updated_at := now(); -- stamp it;
  RETURN NEW;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER users_touch BEFORE UPDATE ON users
  FOR EACH ROW EXECUTE FUNCTION touch();

DO $body$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'app') THEN
    EXECUTE 'CREATE ROLE app; -- inner';
  END IF;
END;
$body$;

/* Seed; data */
INSERT INTO users (name, mood) VALUES (E'O\'Brien; Jr', 'ok'), ($q$x;y$q$, 'sad')
)sql";
  std::vector<SqlStatement> got = SplitStatements(sql, kPostgres);
  ASSERT_EQ(got.size(), 8u);
  EXPECT_EQ(got[0].text, "CREATE EXTENSION IF NOT EXISTS \"uuid-ossp\"");
  EXPECT_EQ(got[0].line, 4);
  EXPECT_EQ(got[1].text, "CREATE TYPE mood AS ENUM ('sad', 'ok', 'it''s; complicated')");
  EXPECT_EQ(got[1].line, 6);
  EXPECT_EQ(got[2].line, 8);
  EXPECT_NE(got[2].text.find("-- display name; not unique\n"), std::string::npos);
  EXPECT_EQ(got[2].text.back(), ')');
  EXPECT_EQ(got[3].text, "COMMENT ON TABLE users IS 'People; who ''use'' the app'");
  EXPECT_EQ(got[3].line, 15);
  EXPECT_EQ(got[4].line, 17);
  EXPECT_EQ(got[4].text.substr(0, 27), "CREATE FUNCTION touch() RET");
  EXPECT_EQ(got[4].text.substr(got[4].text.size() - 20), "\n$$ LANGUAGE plpgsql");
  EXPECT_EQ(got[5].text, "CREATE TRIGGER users_touch BEFORE UPDATE ON users\n  FOR EACH ROW EXECUTE FUNCTION touch()");
  EXPECT_EQ(got[5].line, 24);
  EXPECT_EQ(got[6].line, 27);
  EXPECT_EQ(got[6].text.substr(0, 9), "DO $body$");
  EXPECT_EQ(got[6].text.substr(got[6].text.size() - 6), "$body$");
  EXPECT_EQ(got[7].text, "INSERT INTO users (name, mood) VALUES (E'O\\'Brien; Jr', 'ok'), ($q$x;y$q$, 'sad')");
  EXPECT_EQ(got[7].line, 36);

  // The same file with Windows line endings: same statements, same lines.
  std::string crlf;
  for (char c : sql) {
    if (c == '\n') crlf += '\r';
    crlf += c;
  }
  std::vector<SqlStatement> got_crlf = SplitStatements(crlf, kPostgres);
  ASSERT_EQ(got_crlf.size(), got.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(got_crlf[i].line, got[i].line) << i;
    std::string text = got_crlf[i].text;
    std::string normalized;
    for (size_t k = 0; k < text.size(); ++k) {
      if (!(text[k] == '\r' && k + 1 < text.size() && text[k + 1] == '\n')) normalized += text[k];
    }
    EXPECT_EQ(normalized, got[i].text) << i;
  }
}

TEST(SqlSplitterTest, IsBlankSql) {
  for (Dialect d : kAll) {
    EXPECT_TRUE(IsBlankSql("", d));
    EXPECT_TRUE(IsBlankSql("  \r\n-- x;\n/* y */ ;", d));
    EXPECT_FALSE(IsBlankSql("-- x\nSELECT 1", d));
    EXPECT_FALSE(IsBlankSql("x", d));
  }
  EXPECT_TRUE(IsBlankSql("# only a comment\n", kMysql));
  EXPECT_FALSE(IsBlankSql("# not a comment\n", kPostgres));
  EXPECT_FALSE(IsBlankSql("/*!40101 SET NAMES utf8 */", kMysql));
  EXPECT_TRUE(IsBlankSql("/* a /* b */ c */", kPostgres));
  EXPECT_FALSE(IsBlankSql("/* a /* b */ c */", kSqlite));
}

// Big statements must cost linear time: a 200 KB function body and a 200 KB
// trigger, plus 20,000 small statements, in well under a second each.
TEST(SqlSplitterTest, LargeInputs) {
  std::string body;
  while (body.size() < 200 * 1024) body += "  x := x + 1; -- it's; fine\n  PERFORM 'a;b';\n";
  const std::string function = "CREATE FUNCTION big() RETURNS void AS $fn$\n" + body + "$fn$ LANGUAGE plpgsql";
  std::string trigger = "CREATE TRIGGER big AFTER INSERT ON t BEGIN\n";
  while (trigger.size() < 200 * 1024) trigger += "  UPDATE t SET n = CASE WHEN n > 0 THEN ';' END;\n";
  trigger += "END";
  std::string many;
  for (int i = 0; i < 20000; ++i) many += "INSERT INTO t VALUES (" + std::to_string(i) + ", 'a;b');\n";

  auto start = std::chrono::steady_clock::now();
  std::vector<SqlStatement> a = SplitStatements(function + ";\nSELECT 1;", kPostgres);
  std::vector<SqlStatement> b = SplitStatements(trigger + ";\nSELECT 1;", kSqlite);
  std::vector<SqlStatement> c = SplitStatements(many, kMysql);
  std::vector<SqlStatement> d = SplitStatements(std::string(200 * 1024, '$') + "a", kPostgres);
  std::vector<SqlStatement> e = SplitStatements("SELECT '" + std::string(200 * 1024, ';'), kSqlite);
  double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();

  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].text, function);
  EXPECT_EQ(a[1].line, static_cast<int>(std::count(function.begin(), function.end(), '\n')) + 2);
  ASSERT_EQ(b.size(), 2u);
  EXPECT_EQ(b[0].text, trigger);
  ASSERT_EQ(c.size(), 20000u);
  EXPECT_EQ(c[19999].line, 20000);
  EXPECT_EQ(c[19999].text, "INSERT INTO t VALUES (19999, 'a;b')");
  ASSERT_EQ(d.size(), 1u);
  ASSERT_EQ(e.size(), 1u);
  EXPECT_LT(seconds, 2.0);
}

// The randomized property test, short version; sql_splitter_fuzz_test runs
// the long one.
TEST(SqlSplitterPropertyTest, GeneratedFilesQuick) {
  for (Dialect d : kAll) {
    SCOPED_TRACE(testing::DialectName(d));
    testing::CheckGeneratedFiles(d, 20260101u, 500);
  }
}

TEST(SqlSplitterPropertyTest, NoiseQuick) {
  for (Dialect d : kAll) {
    SCOPED_TRACE(testing::DialectName(d));
    testing::CheckNoise(d, 7u, 500, 120);
  }
}

}  // namespace
}  // namespace ferry
