// export/import: CSV and JSON lines round trips of every edge value (SQLite
// -> file -> PostgreSQL, verified equal), and bad input files.
#include <algorithm>
#include <filesystem>

#include "fakes/faulty_database.h"
#include "integration/copy/copy_test_util.h"
#include "jobs/copy/export_import.h"

namespace ferry::testing {
namespace {

class ExportImport : public ::testing::Test {
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

TEST_F(ExportImport, CsvAndJsonlRoundTripEveryEdgeValue) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  int n = CreateEdgeTable(src->get());
  for (std::string format : {"csv", "jsonl"}) {
    SCOPED_TRACE(format);
    std::string file = dir_.File("edge." + format);
    auto r = RunFerry({"export", "--db", dir_.SqliteUrl("src.db"), "--table", "edge", "--format",
                       format, "--out", file});
    ASSERT_EQ(r.code, 0) << r.err;
    EXPECT_NE(r.out.find("export: " + std::to_string(n) + " rows"), std::string::npos) << r.out;
    // A fresh PostgreSQL table of the same shape, loaded from the file.
    auto pg = OpenDatabase(pg_->url(), Env::Default());
    (void)(*pg)->Exec("DROP TABLE IF EXISTS edge");
    ASSERT_TRUE((*pg)->Exec("CREATE TABLE edge (id bigint PRIMARY KEY, i bigint, r double precision, "
                            "t text, b bytea, flag boolean, ts timestamp, tstz timestamptz, d date, "
                            "j jsonb, u uuid, n numeric(30,10))").ok());
    r = RunFerry({"import", "--db", pg_->url(), "--table", "edge", "--format", format, "--in", file,
                  "--batch", "2"});
    ASSERT_EQ(r.code, 0) << r.err;
    r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url()});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
    // And back out of PostgreSQL into a second SQLite file through the same format.
    std::string file2 = dir_.File("edge2." + format);
    r = RunFerry({"export", "--db", pg_->url(), "--table", "edge", "--format", format, "--out", file2});
    ASSERT_EQ(r.code, 0) << r.err;
    std::string back = dir_.SqliteUrl("back_" + format + ".db");
    auto b = OpenDatabase(back, Env::Default());
    ASSERT_TRUE((*b)->Exec("CREATE TABLE edge (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, "
                           "b BLOB, flag BOOLEAN, ts TIMESTAMP, tstz TIMESTAMPTZ, d DATE, j JSON, "
                           "u UUID, n NUMERIC_TEXT)").ok());
    r = RunFerry({"import", "--db", back, "--table", "edge", "--format", format, "--in", file2});
    ASSERT_EQ(r.code, 0) << r.err;
    r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", back});
    EXPECT_EQ(r.code, 0) << r.out << r.err;
  }
  // The CSV distinguishes NULL (empty) from '' (quoted) and hex-encodes blobs.
  std::string csv = ReadFileText(dir_.File("edge.csv"));
  EXPECT_EQ(csv.substr(0, csv.find('\r')), "id,i,r,t,b,flag,ts,tstz,d,j,u,n");
  EXPECT_NE(csv.find("\r\n1,0,0,\"\",\\x,false,"), std::string::npos) << csv.substr(0, 300);
  EXPECT_NE(csv.find("\\x0001ff00"), std::string::npos);
  EXPECT_NE(csv.find("\r\n5,,,,,,,,,,,\r\n"), std::string::npos);
}

TEST_F(ExportImport, WhereFilterAndStdout) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  CreateChunks(src->get(), 100);
  std::string file = dir_.File("some.jsonl");
  auto r = RunFerry({"export", "--db", dir_.SqliteUrl("src.db"), "--table", "chunks", "--where",
                     "seq = 3", "--format", "jsonl", "--out", file});
  ASSERT_EQ(r.code, 0) << r.err;
  std::string text = ReadFileText(file);
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 8);  // ids 3,16,...,94 (i % 13 == 3)
  EXPECT_NE(text.find("{\"body\":"), std::string::npos);
}

TEST_F(ExportImport, WrongColumnCountNamesTheLineAndImportsNothing) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE people (id int PRIMARY KEY, name text, age int)").ok());
  std::string file = dir_.File("people.csv");
  {
    std::ofstream f(file);
    f << "id,name,age\n1,Ann,31\n2,\"Bob, Jr.\",40\n3,\"multi\nline\",50\n4,Dee,22,extra\n5,Eve,x\n6,Fay,60\n";
  }
  auto r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--in", file});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("people.csv:6: expected 3 fields, found 4"), std::string::npos) << r.err;
  EXPECT_EQ(CountRows(pg->get(), "people"), 0);

  r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--in", file, "--dry-run",
                "--skip-bad", "--reject-file", dir_.File("rej.csv")});
  EXPECT_EQ(r.code, 14) << r.err;
  EXPECT_EQ(CountRows(pg->get(), "people"), 0);

  r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--in", file, "--skip-bad",
                "--reject-file", dir_.File("rej.csv")});
  EXPECT_EQ(r.code, 14) << r.err;  // partial: some records set aside
  EXPECT_NE(r.out.find("4 rows imported into people, 2 rejected"), std::string::npos) << r.out;
  EXPECT_EQ(CountRows(pg->get(), "people"), 4);
  EXPECT_EQ(ReadFileText(dir_.File("rej.csv")), "id,name,age\n4,Dee,22,extra\n5,Eve,x\n");
  auto name = (*pg)->Query("SELECT name FROM people WHERE id = 3", {});
  EXPECT_EQ(*name->GetText(0, 0), "multi\nline");

  r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--in", file, "--skip-bad"});
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_NE(r.err.find("--skip-bad needs --reject-file"), std::string::npos);
}

TEST_F(ExportImport, BadHeaderBadJsonAndParquetEitherWay) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE people (id int PRIMARY KEY, name text)").ok());
  std::string file = dir_.File("p.csv");
  { std::ofstream(file) << "id,nom\n1,x\n"; }
  auto r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--in", file});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("p.csv:1: header names column \"nom\""), std::string::npos) << r.err;
  std::string jl = dir_.File("p.jsonl");
  { std::ofstream(jl) << "{\"id\": 1, \"name\": \"a\"}\n{\"id\": 2,\n"; }
  r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--format", "jsonl", "--in", jl});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("p.jsonl:2: not a JSON object"), std::string::npos) << r.err;
  EXPECT_EQ(CountRows(pg->get(), "people"), 0);
  // Parquet goes through DuckDB: written when it is built in (duckdb_copy_test reads the file
  // back), a distinct exit code naming the reason when it is not.
  r = RunFerry({"export", "--db", pg_->url(), "--table", "people", "--format", "parquet", "--out",
                dir_.File("p.parquet")});
  const auto schemes = DatabaseSchemes();
  if (std::find(schemes.begin(), schemes.end(), "duckdb") != schemes.end()) {
    EXPECT_EQ(r.code, 0) << r.err;
    EXPECT_TRUE(std::filesystem::exists(dir_.File("p.parquet")));
  } else {
    EXPECT_EQ(r.code, 15) << r.err;
    EXPECT_NE(r.err.find("built without DuckDB"), std::string::npos) << r.err;
  }
  r = RunFerry({"export", "--db", pg_->url(), "--table", "nope", "--out", dir_.File("x.csv")});
  EXPECT_EQ(r.code, 11) << r.err;
}

// The server-COPY CSV export (postgres_csv_export.h) writes the same bytes as
// the Value path for every edge value: NULL vs '', quotes, commas, CR/LF,
// unicode, 0-bytes in bytea, booleans, reals the server and to_chars spell
// differently (1e+06 vs 1000000), NaN/inf, float4, timestamps with zones,
// json, uuid, numeric, arrays; and a one-column table holding \. .
TEST_F(ExportImport, ServerCopyCsvIsByteIdenticalToTheValuePath) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE(pg.ok());
  Database* db = pg->get();
  ASSERT_TRUE(db->Exec(
      "CREATE TABLE e (id bigint PRIMARY KEY, i int, s smallint, r double precision, f real, "
      "t text, v varchar(20), c char(3), b bytea, flag boolean, ts timestamp(3), "
      "tstz timestamptz, d date, tm time, iv interval, j json, jb jsonb, u uuid, "
      "n numeric(30,10), ai int[], ab boolean[])").ok());
  Status ins = db->Exec(
      "INSERT INTO e VALUES "
      "(1, 0, 0, 0, 0, '', '', '', '', false, '2024-01-02 03:04:05.678', "
      " '2024-01-02 03:04:05+05:30', '2024-02-29', '23:59:59', '1 day 2 hours', '{}', '{}', "
      " '00000000-0000-0000-0000-000000000000', 0, '{}', '{}'),"
      "(2, -2147483648, 32767, 1e6, 0.1, 'a,b \"q\" " "\n" "line\r\nx', 'é ünï 😀', 'ab', "
      " '\\x0001ff00'::bytea, true, '1970-01-01', '1999-12-31 23:59:59.999999-08', "
      " '0001-01-01', '00:00', '-3 mons', '{\"a\": [1, \"x,y\"]}', '{\"b\": null}', "
      " 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', -12345678901234567890.0123456789, "
      " '{1,NULL,3}', '{t,f,NULL}'),"
      "(3, 2147483647, -32768, 'NaN', 'Infinity', '\\.', ',', '\"', '\\x', NULL, NULL, NULL, "
      " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
      "(4, NULL, NULL, '-Infinity', '-0', 'NULL', ' ', ' ', NULL, NULL, NULL, NULL, NULL, NULL, "
      " NULL, 'null', 'null', NULL, NULL, NULL, NULL),"
      "(5, 1, 1, 1.2345678901234568e20, 3.4028235e38, repeat('x', 100000), NULL, NULL, NULL, "
      " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
      "(6, 1, 1, 0.0001, 1e-30, 'tab\there', NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      " NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
      "(7, 1, 1, 1234567890123456, -1e15, E'back\\\\slash', NULL, NULL, NULL, NULL, NULL, NULL, "
      " NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
      "(8, NULL, NULL, 2.2250738585072014e-308, 1.5e-38, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, "
      " NULL, NULL, NULL, NULL, NULL, NULL)");
  ASSERT_TRUE(ins.ok()) << ins.message();
  ASSERT_TRUE(db->Exec("CREATE TABLE one (t text)").ok());
  ASSERT_TRUE(db->Exec("INSERT INTO one VALUES ('\\.'), (''), (NULL), ('x')").ok());
  for (std::string table : {"e", "one"}) {
    SCOPED_TRACE(table);
    for (std::string where : {"", "true"}) {
      std::string files[2];
      int64_t rows[2] = {0, 0};
      for (int server = 0; server < 2; ++server) {
        ExportOptions o;
        o.table = table;
        o.where = where;
        o.out = dir_.File(table + std::to_string(server) + ".csv");
        o.page_size = 3;  // several keyset pages on the Value path
        o.server_copy = server == 1;
        auto rep = ExportTable(db, o, Env::Default(), nullptr);
        ASSERT_TRUE(rep.ok()) << rep.status().message();
        EXPECT_EQ(rep->server_copy, server == 1);
        rows[server] = rep->rows;
        files[server] = ReadFileText(o.out);
      }
      EXPECT_EQ(rows[0], rows[1]);
      EXPECT_EQ(rows[1], table == "e" ? 8 : 4);
      EXPECT_EQ(files[0], files[1]);
      if (table == "e") {
        EXPECT_NE(files[1].find(",1e+06,"), std::string::npos) << files[1].substr(0, 400);
      } else {
        EXPECT_EQ(files[1], "t\r\n\\.\r\n\"\"\r\n\r\nx\r\n");
      }
    }
  }
}

// The CSV import into PostgreSQL goes through the server's CSV COPY
// (postgres_csv_import.h). A value only the server rejects (a bad date) must
// name the file's line even after multi-line, blank, CRLF and set-aside
// records, whichever record of which COPY batch it falls in.
TEST_F(ExportImport, ServerCsvImportNamesTheFileLineOfAValueTheServerRejects) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE people (id int PRIMARY KEY, name text, born date)").ok());
  std::string file = dir_.File("people.csv");
  {
    std::ofstream f(file, std::ios::binary);
    f << "id,name,born\n"                       // 1
         "1,\"multi\nline\r\nname\",2000-01-01\n"  // 2-4
         "\n"                                   // 5: blank
         "2,Bob,1999-12-31\r\n"                 // 6
         "3,x,2001-02-03,extra\n"               // 7: set aside (--skip-bad)
         "4,\"two\nlines\",2002-02-02\n"        // 8-9
         "5,\"E\nve\",not-a-date\n"             // 10-11: the server rejects it
         "6,Fay,2003-03-03\n";                  // 12
  }
  for (std::string batch : {"10000", "1", "2", "3"}) {
    SCOPED_TRACE("batch " + batch);
    auto r = RunFerry({"import", "--db", pg_->url(), "--table", "people", "--in", file, "--batch",
                       batch, "--skip-bad", "--reject-file", dir_.File("rej.csv")});
    EXPECT_NE(r.code, 0) << r.err;
    EXPECT_NE(r.err.find("people.csv:10: postgres: invalid input syntax for type date"),
              std::string::npos) << r.err;
    EXPECT_EQ(CountRows(pg->get(), "people"), 0);
  }
  // The same file without the bad date imports (the multi-line names intact).
  std::string text = ReadFileText(file);
  text.replace(text.find("not-a-date"), 10, "2004-04-04");
  { std::ofstream(file, std::ios::binary) << text; }
  ImportOptions o;
  o.table = "people";
  o.in = file;
  o.batch = 2;
  o.skip_bad = true;
  o.reject_file = dir_.File("rej.csv");
  auto rep = ImportTable(pg->get(), o, Env::Default(), nullptr);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_TRUE(rep->server_copy);
  EXPECT_EQ(rep->rows, 5);
  EXPECT_EQ(rep->rejected, 1);
  EXPECT_EQ(ReadFileText(dir_.File("rej.csv")), "id,name,born\n3,x,2001-02-03,extra\n");
  auto name = (*pg)->Query("SELECT name FROM people WHERE id = 1", {});
  ASSERT_TRUE(name.ok());
  EXPECT_EQ(*name->GetText(0, 0), "multi\nline\r\nname");
}

// The server-COPY import and the Value path store identical rows for every
// spelling ferry accepts: reals PostgreSQL spells differently (nan, -inf, +3,
// float4 rounding), blobs as \x hex or raw bytes, booleans and integers in
// all accepted forms, quotes inside unquoted fields, a CR as data, NULL vs
// '', and a one-column table holding \. (COPY's end-of-data marker), also
// on a line of its own inside a quoted field.
TEST_F(ExportImport, ServerCsvImportStoresWhatTheValuePathStores) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE(pg.ok());
  Database* db = pg->get();
  const std::string shape =
      " (id bigint PRIMARY KEY, i int, s smallint, r double precision, f real, t text, "
      "b bytea, flag boolean, ts timestamp, tstz timestamptz, j jsonb, n numeric(30,10))";
  ASSERT_TRUE(db->Exec("CREATE TABLE v" + shape).ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE c" + shape).ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE v1 (t text)").ok());
  ASSERT_TRUE(db->Exec("CREATE TABLE c1 (t text)").ok());
  const std::string file = dir_.File("e.csv");
  {
    std::ofstream f(file, std::ios::binary);
    f << "id,i,s,r,f,t,b,flag,ts,tstz,j,n\r\n"
         "1,0,0,0,0,\"\",\\x,false,2024-01-02 03:04:05,2024-01-02 03:04:05+05:30,{},0\r\n"
         "2, 42 ,+7,1.50,0.1,ab\"c,raw bytes,yes,1970-01-01,1999-12-31 23:59:59.999999-08,"
         "\"{\"\"a\"\": [1, \"\"x,y\"\"]}\",-12345678901234567890.0123456789\r\n"
         "3,-0,-32768,nan,16777217,a\rb,\\x00FF10,OFF,,,null,\r\n"
         "4,2147483647,32767,-inf,3.4028235e38,\"multi\r\nline, \"\"q\"\"\",\"\",T,,,\"\"\"s\"\"\",1\r\n"
         "5,,,+3,-Infinity,\\.,\\,1,,,,\r\n"
         "6,1,1, 2.5e-3 ,1e-30,NULL,\"\\x\",0,,,,\r\n"
         "7,1,1,1.2345678901234568e20,-0,\"\",,on,,,,\r\n";
  }
  const std::string one = dir_.File("one.csv");
  { std::ofstream(one, std::ios::binary) << "t\r\n\\.\r\n\"\\.\"\r\n\"\"\r\n\r\nx\r\n\"a\n\\.\nb\"\r\n"; }
  for (int server = 0; server < 2; ++server) {
    for (const auto& [table, in] : {std::pair<std::string, std::string>{"e", file}, {"1", one}}) {
      ImportOptions o;
      o.table = (server ? "c" : "v") + std::string(table == "e" ? "" : "1");
      o.in = in;
      o.batch = 3;
      o.server_copy = server == 1;
      auto rep = ImportTable(db, o, Env::Default(), nullptr);
      ASSERT_TRUE(rep.ok()) << o.table << ": " << rep.status().message();
      EXPECT_EQ(rep->server_copy, server == 1);
      EXPECT_EQ(rep->rows, table == "e" ? 7 : 6) << o.table;
    }
  }
  auto rows_of = [&](const std::string& table) {
    std::vector<std::string> out;
    auto r = db->Query("SELECT x::text FROM " + table + " x", {});
    EXPECT_TRUE(r.ok()) << r.status().message();
    if (r.ok())
      for (size_t i = 0; i < r->rows.size(); ++i) out.push_back(r->GetText(i, 0).value_or("?"));
    std::sort(out.begin(), out.end());
    return out;
  };
  auto value_rows = rows_of("v");
  ASSERT_EQ(value_rows.size(), 7u);
  EXPECT_EQ(value_rows, rows_of("c"));
  auto value_one = rows_of("v1");
  EXPECT_EQ(value_one, rows_of("c1"));
  EXPECT_EQ(value_one, (std::vector<std::string>{"(\"\")", "(\"\\\\.\")", "(\"\\\\.\")",
                                                 "(\"a\n\\\\.\nb\")", "()", "(x)"}));
  // The spellings PostgreSQL would read differently were re-spelled, not passed on.
  auto blob = db->Query("SELECT encode(b, 'hex'), r::text, f::text FROM c WHERE id = 2", {});
  ASSERT_TRUE(blob.ok());
  EXPECT_EQ(*blob->GetText(0, 0), "726177206279746573");  // "raw bytes"
  EXPECT_EQ(*blob->GetText(0, 1), "1.5");
  EXPECT_EQ(*blob->GetText(0, 2), "0.1");
}

// A Database that only wraps a PostgreSQL connection cannot COPY: the import
// notices before sending anything and takes the Value path from the start.
TEST_F(ExportImport, ServerCsvImportFallsBackToTheValuePathWhenTheDatabaseCannotCopy) {
  auto inner = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE(inner.ok());
  FaultyDatabase db(std::move(inner).value(), /*fail_at=*/1 << 30, /*persistent=*/false);
  ASSERT_TRUE(db.Exec("CREATE TABLE people (id int PRIMARY KEY, name text)").ok());
  const std::string file = dir_.File("p.csv");
  { std::ofstream(file, std::ios::binary) << "id,name\n1,\"a\nb\"\n2,x,extra\n3,\n"; }
  ImportOptions o;
  o.table = "people";
  o.in = file;
  o.skip_bad = true;
  o.reject_file = dir_.File("rej.csv");
  auto rep = ImportTable(&db, o, Env::Default(), nullptr);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_FALSE(rep->server_copy);
  EXPECT_EQ(rep->rows, 2);
  EXPECT_EQ(rep->rejected, 1);
  EXPECT_EQ(ReadFileText(dir_.File("rej.csv")), "id,name\n2,x,extra\n");
  EXPECT_EQ(CountRows(&db, "people"), 2);
}

}  // namespace
}  // namespace ferry::testing
