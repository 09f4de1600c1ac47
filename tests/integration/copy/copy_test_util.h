// Helpers for the copy/verify/export/import tests: scratch SQLite files and
// PostgreSQL databases, a table holding every type and edge value, and the
// CLI run in-process (exit code, stdout, stderr).
#pragma once

#include <unistd.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "cli/command.h"
#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"
#include "integration/servers.h"

namespace ferry::testing {

class ScratchDir {
 public:
  ScratchDir() {
    std::random_device rd;
    path_ = (std::filesystem::temp_directory_path() /
             ("ferry_copy_" + std::to_string(::getpid()) + "_" + std::to_string(rd())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~ScratchDir() { std::filesystem::remove_all(path_); }
  std::string File(const std::string& name) const { return path_ + "/" + name; }
  std::string SqliteUrl(const std::string& name) const { return "sqlite:" + File(name); }

 private:
  std::string path_;
};

struct CliResult {
  int code = -1;
  std::string out, err;
};

inline CliResult RunFerry(std::vector<std::string> args) {
  args.insert(args.begin(), "ferry");
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  std::ostringstream out, err;
  CliResult r;
  r.code = cli::RunCli(static_cast<int>(argv.size()), argv.data(), Env::Default(), out, err);
  r.out = out.str();
  r.err = err.str();
  return r;
}

inline std::string ReadFileText(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

// A huge text (1 MiB of mixed unicode).
inline std::string HugeText() {
  std::string s;
  while (s.size() < (1 << 20)) s += "λx→ ünïcødé 😀 \t\"quoted\", comma\n";
  return s;
}

// Creates `edge` with every logical type on db (its own dialect's DDL) and
// fills it with edge values. Returns the number of rows.
inline int CreateEdgeTable(Database* db) {
  const bool pg = db->dialect() == Dialect::kPostgres;
  std::string ddl = pg ? "CREATE TABLE edge (id bigint PRIMARY KEY, i bigint, r double precision, "
                         "t text, b bytea, flag boolean, ts timestamp, tstz timestamptz, d date, "
                         "j jsonb, u uuid, n numeric(30,10))"
                       : "CREATE TABLE edge (id INTEGER PRIMARY KEY, i INTEGER, r REAL, t TEXT, "
                         "b BLOB, flag BOOLEAN, ts TIMESTAMP, tstz TIMESTAMPTZ, d DATE, j JSON, "
                         "u UUID, n NUMERIC_TEXT)";
  EXPECT_TRUE(db->Exec(ddl).ok());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  std::vector<std::vector<Value>> rows = {
      {int64_t{1}, int64_t{0}, 0.0, std::string(""), Blob{""}, int64_t{0},
       std::string("2024-01-01 00:00:00"), std::string("2024-01-01 00:00:00+00"),
       std::string("2024-01-01"), std::string("{}"),
       std::string("00000000-0000-0000-0000-000000000000"), std::string("0")},
      {int64_t{2}, std::numeric_limits<int64_t>::min(), -inf, std::string("ünïcødé 😀 日本"),
       Blob{std::string("\0\x01\xff\0", 4)}, int64_t{1}, std::string("1999-12-31 23:59:59.123456"),
       std::string("2024-06-30 12:34:56.789+05:30"), std::string("1970-01-01"),
       std::string("{\"b\": [1, 2.5, null], \"a\": \"x\"}"),
       std::string("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"),
       std::string("12345678901234567890.0123456789")},
      {int64_t{3}, std::numeric_limits<int64_t>::max(), inf, HugeText(),
       Blob{std::string(70000, '\0')}, int64_t{1}, std::string("2038-01-19 03:14:08"),
       std::string("1969-07-20 20:17:40-04"), std::string("2000-02-29"),
       std::string("[1, \"two\", {\"three\": 3}]"),
       std::string("ffffffff-ffff-ffff-ffff-ffffffffffff"), std::string("-0.5")},
      {int64_t{4}, int64_t{-1}, nan, std::string("line1\nline2\r\n\\N\ttab,comma\"quote"),
       Blob{std::string("\\x00 not hex")}, int64_t{0}, std::string("2024-02-29 00:00:00"),
       std::string("2024-02-29 23:59:59+00"), std::string("2024-12-31"), std::string("\"s\""),
       std::string("123e4567-e89b-12d3-a456-426614174000"), std::string("99999999999999999999")},
      {int64_t{5}, std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{},
       std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{}, std::monostate{},
       std::monostate{}, std::monostate{}},
      {int64_t{6}, int64_t{42}, -0.0, std::string("'); DROP TABLE edge; --"), Blob{"\xde\xad"},
       int64_t{1}, std::string("0001-01-01 00:00:00"), std::string("9999-12-31 23:59:59+00"),
       std::string("0001-01-01"), std::string("1.5"), std::string("01234567-89ab-cdef-0123-456789abcdef"),
       std::string("0.0000000001")},
  };
  if (!pg) {
    // SQLite stores a NaN double as NULL; copy carries NaN into SQLite as 'NaN'.
    rows[3][2] = std::string("NaN");
  }
  std::string ins = "INSERT INTO edge VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)";
  for (auto& r : rows) {
    auto st = db->Execute(ins, r);
    EXPECT_TRUE(st.ok()) << st.status().message();
  }
  return static_cast<int>(rows.size());
}

inline int64_t CountRows(Database* db, const std::string& table) {
  auto r = db->Query("SELECT count(*) FROM " + db->QuoteIdentifier(table), {});
  return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
}

// A `chunks`-like table with n rows on db.
inline void CreateChunks(Database* db, int n, int first_id = 1) {
  if (first_id == 1) {
    EXPECT_TRUE(db->Exec("CREATE TABLE chunks (id BIGINT PRIMARY KEY, doc TEXT NOT NULL, "
                         "seq INTEGER, body TEXT)")
                    .ok());
  }
  EXPECT_TRUE(db->Begin().ok());
  for (int i = first_id; i < first_id + n; ++i) {
    auto r = db->Execute("INSERT INTO chunks VALUES ($1, $2, $3, $4)",
                         {int64_t{i}, "doc-" + std::to_string(i % 97), int64_t{i % 13},
                          std::string(50 + i % 200, static_cast<char>('a' + i % 26))});
    EXPECT_TRUE(r.ok()) << r.status().message();
  }
  EXPECT_TRUE(db->Commit().ok());
}

}  // namespace ferry::testing
