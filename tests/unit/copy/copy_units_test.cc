// Type mapping, canonical values, key encoding and RFC 4180 CSV.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <sstream>

#include "jobs/copy/canonical.h"
#include "jobs/copy/csv.h"
#include "jobs/copy/type_mapper.h"

namespace ferry {
namespace {

std::string Canon(LogicalType t, const Value& v) {
  std::string s;
  AppendCanonical(t, v, &s);
  return s;
}

TEST(TypeMapper, MapsEveryFamilyOnBothEngines) {
  std::string args;
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "timestamp with time zone"), LogicalType::kTimestampTz);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "timestamp(3) with time zone"), LogicalType::kTimestampTz);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "timestamp without time zone"), LogicalType::kTimestamp);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "character varying(20)"), LogicalType::kText);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "numeric(10,2)", &args), LogicalType::kNumeric);
  EXPECT_EQ(args, "(10,2)");
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "jsonb"), LogicalType::kJson);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "uuid"), LogicalType::kUuid);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "bytea"), LogicalType::kBlob);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "boolean"), LogicalType::kBoolean);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "smallint"), LogicalType::kInteger);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "interval"), std::nullopt);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "text[]"), std::nullopt);
  EXPECT_EQ(MapDeclaredType(Dialect::kPostgres, "point"), std::nullopt);
  // SQLite affinity rules for anything else.
  EXPECT_EQ(MapDeclaredType(Dialect::kSqlite, "UNSIGNED BIG INT"), LogicalType::kInteger);
  EXPECT_EQ(MapDeclaredType(Dialect::kSqlite, "NVARCHAR(100)"), LogicalType::kText);
  EXPECT_EQ(MapDeclaredType(Dialect::kSqlite, "DOUBLE PRECISION"), LogicalType::kReal);
  EXPECT_EQ(MapDeclaredType(Dialect::kSqlite, "NUMERIC_TEXT"), LogicalType::kNumeric);
  EXPECT_EQ(MapDeclaredType(Dialect::kSqlite, "MONEYISH"), LogicalType::kNumeric);
  EXPECT_EQ(MapDeclaredType(Dialect::kSqlite, ""), std::nullopt);
}

TEST(TypeMapper, UnmappableColumnsAreNamedAndOverridesWin) {
  TableSchema s;
  s.name = "jobs";
  s.columns = {{"id", "integer", true}, {"every", "interval", false}, {"x", "", false}};
  TypeOverrides none;
  Status st = MapTableTypes(Dialect::kPostgres, none, &s);
  ASSERT_FALSE(st.ok());
  EXPECT_NE(st.message().find("jobs.every (interval), jobs.x (no declared type)"), std::string::npos)
      << st.message();
  TypeOverrides o;
  ASSERT_TRUE(o.Add("jobs.every=text").ok());
  ASSERT_TRUE(o.Add("x=blob").ok());
  EXPECT_FALSE(o.Add("x").ok());
  EXPECT_FALSE(o.Add("x=nonsense").ok());
  ASSERT_TRUE(MapTableTypes(Dialect::kPostgres, o, &s).ok());
  EXPECT_EQ(s.columns[1].type, LogicalType::kText);
  EXPECT_EQ(s.columns[2].type, LogicalType::kBlob);
}

TEST(Canonical, EqualAcrossEngineSpellings) {
  // Timestamps with zones compare as instants.
  EXPECT_EQ(Canon(LogicalType::kTimestampTz, std::string("2024-06-30 12:34:56.789+05:30")),
            Canon(LogicalType::kTimestampTz, std::string("2024-06-30 07:04:56.789+00")));
  EXPECT_EQ(Canon(LogicalType::kTimestampTz, std::string("2024-06-30T07:04:56.789Z")),
            Canon(LogicalType::kTimestampTz, std::string("2024-06-30 07:04:56.789+00")));
  EXPECT_NE(Canon(LogicalType::kTimestampTz, std::string("2024-06-30 07:04:56+01")),
            Canon(LogicalType::kTimestampTz, std::string("2024-06-30 07:04:56+00")));
  // Unix seconds in SQLite equal the ISO text.
  EXPECT_EQ(Canon(LogicalType::kTimestampTz, int64_t{0}),
            Canon(LogicalType::kTimestampTz, std::string("1970-01-01 00:00:00+00")));
  // Reals: NaN as double or text, -0 == 0; ints and doubles in a real column.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(Canon(LogicalType::kReal, nan), Canon(LogicalType::kReal, std::string("NaN")));
  EXPECT_EQ(Canon(LogicalType::kReal, -0.0), Canon(LogicalType::kReal, 0.0));
  EXPECT_EQ(Canon(LogicalType::kReal, int64_t{3}), Canon(LogicalType::kReal, 3.0));
  EXPECT_NE(Canon(LogicalType::kReal, 0.1), Canon(LogicalType::kReal, 0.1000001));
  EXPECT_EQ(Canon(LogicalType::kReal, -std::numeric_limits<double>::infinity()),
            Canon(LogicalType::kReal, std::string("-Infinity")));
  // JSON: key order and spacing do not matter, values do.
  EXPECT_EQ(Canon(LogicalType::kJson, std::string("{\"b\": [1, 2], \"a\": 1}")),
            Canon(LogicalType::kJson, std::string("{\"a\":1,\"b\":[1,2]}")));
  EXPECT_NE(Canon(LogicalType::kJson, std::string("{\"a\":1}")),
            Canon(LogicalType::kJson, std::string("{\"a\":2}")));
  // Numerics: trailing zeros; UUIDs: case; booleans: spellings.
  EXPECT_EQ(Canon(LogicalType::kNumeric, std::string("1.5000")), Canon(LogicalType::kNumeric, 1.5));
  EXPECT_EQ(Canon(LogicalType::kNumeric, std::string("-0.000")), Canon(LogicalType::kNumeric, int64_t{0}));
  EXPECT_EQ(Canon(LogicalType::kUuid, std::string("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11")),
            Canon(LogicalType::kUuid, std::string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11")));
  EXPECT_EQ(Canon(LogicalType::kBoolean, std::string("t")), Canon(LogicalType::kBoolean, int64_t{1}));
  // NULL, empty text and empty blob are all different; 1 != '1' in a text column? No:
  // a text column holds text, and the integer 1 is its text "1".
  EXPECT_NE(Canon(LogicalType::kText, std::monostate{}), Canon(LogicalType::kText, std::string("")));
  EXPECT_NE(Canon(LogicalType::kBlob, Blob{""}), Canon(LogicalType::kBlob, std::monostate{}));
  EXPECT_NE(Canon(LogicalType::kBlob, Blob{std::string("\0", 1)}), Canon(LogicalType::kBlob, Blob{""}));
  EXPECT_EQ(Canon(LogicalType::kInteger, std::string("42")), Canon(LogicalType::kInteger, int64_t{42}));
  // Fields are length-prefixed: ("ab","c") != ("a","bc").
  std::string a, b;
  AppendCanonical(LogicalType::kText, std::string("ab"), &a);
  AppendCanonical(LogicalType::kText, std::string("c"), &a);
  AppendCanonical(LogicalType::kText, std::string("a"), &b);
  AppendCanonical(LogicalType::kText, std::string("bc"), &b);
  EXPECT_NE(a, b);
}

TEST(Canonical, TimestampParser) {
  EXPECT_EQ(ParseTimestampMicros("1970-01-01 00:00:01", true), 1000000);
  EXPECT_EQ(ParseTimestampMicros("1970-01-01T00:00:00.5Z", true), 500000);
  EXPECT_EQ(ParseTimestampMicros("1970-01-01 01:00:00+01", true), 0);
  EXPECT_EQ(ParseTimestampMicros("1970-01-01 01:00:00+01", false), 3600000000);
  EXPECT_EQ(ParseTimestampMicros("1969-12-31 23:59:59", true), -1000000);
  EXPECT_EQ(ParseTimestampMicros("2024-01-01", true), int64_t{1704067200} * 1000000);
  EXPECT_EQ(ParseTimestampMicros("infinity", true), std::numeric_limits<int64_t>::max());
  EXPECT_EQ(ParseTimestampMicros("yesterday", true), std::nullopt);
  EXPECT_EQ(ParseTimestampMicros("2024-13-01", true), std::nullopt);
}

TEST(Canonical, CarryValueForTargets) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(CarryValue(LogicalType::kReal, Dialect::kSqlite, nan), Value(std::string("NaN")));
  EXPECT_TRUE(std::isnan(std::get<double>(CarryValue(LogicalType::kReal, Dialect::kPostgres,
                                                     std::string("NaN")))));
  EXPECT_EQ(CarryValue(LogicalType::kBoolean, Dialect::kPostgres, std::string("true")), Value(int64_t{1}));
  EXPECT_EQ(CarryValue(LogicalType::kBlob, Dialect::kPostgres, std::string("ab")), Value(Blob{"ab"}));
  EXPECT_EQ(CarryValue(LogicalType::kTimestampTz, Dialect::kPostgres, int64_t{0}),
            Value(std::string("1970-01-01T00:00:00.000Z")));
  EXPECT_EQ(CarryValue(LogicalType::kNumeric, Dialect::kSqlite, int64_t{5}), Value(std::string("5")));
}

TEST(KeyEncoding, RoundTripsEveryType) {
  std::vector<Value> key = {int64_t{-5}, std::string("ü\"x"), Blob{std::string("\0\xff", 2)}, 2.5,
                            std::numeric_limits<int64_t>::max()};
  auto back = DecodeKey(EncodeKey(key));
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(*back, key);
  EXPECT_FALSE(DecodeKey("{nope").ok());
  EXPECT_EQ(DisplayKey({"a", "b"}, {int64_t{1}, std::string("x")}), "a=1, b='x'");
}

TEST(Csv, WriterQuotesOnlyWhatNeedsItAndKeepsNullApartFromEmpty) {
  std::string out;
  AppendCsvRecord({std::string("plain"), std::nullopt, std::string(""), std::string("a,b"),
                   std::string("say \"hi\""), std::string("two\nlines")},
                  &out);
  EXPECT_EQ(out, "plain,,\"\",\"a,b\",\"say \"\"hi\"\"\",\"two\nlines\"");
  std::istringstream in(out + "\r\n");
  CsvReader r(&in);
  std::vector<CsvField> f;
  ASSERT_TRUE(*r.Next(&f));
  ASSERT_EQ(f.size(), 6u);
  EXPECT_EQ(f[0], "plain");
  EXPECT_EQ(f[1], std::nullopt);
  EXPECT_EQ(f[2], "");
  EXPECT_EQ(f[3], "a,b");
  EXPECT_EQ(f[4], "say \"hi\"");
  EXPECT_EQ(f[5], "two\nlines");
  EXPECT_FALSE(*r.Next(&f));
}

TEST(Csv, ReaderCountsLinesAndRejectsBrokenQuotes) {
  std::istringstream in("a,b\n\"x\ny\",2\nc,d\n\"open,3\n");
  CsvReader r(&in);
  std::vector<CsvField> f;
  ASSERT_TRUE(*r.Next(&f));
  EXPECT_EQ(r.record_line(), 1);
  ASSERT_TRUE(*r.Next(&f));
  EXPECT_EQ(r.record_line(), 2);
  EXPECT_EQ(r.raw(), "\"x\ny\",2");
  ASSERT_TRUE(*r.Next(&f));
  EXPECT_EQ(r.record_line(), 4);
  auto bad = r.Next(&f);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("line 5: a quoted field is never closed"), std::string::npos)
      << bad.status().message();
  std::istringstream in2("\"a\"b,c\n");
  CsvReader r2(&in2);
  auto bad2 = r2.Next(&f);
  ASSERT_FALSE(bad2.ok());
  EXPECT_NE(bad2.status().message().find("line 1: text after a closing quote"), std::string::npos);
}

}  // namespace
}  // namespace ferry
