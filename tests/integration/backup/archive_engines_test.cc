// Database archives on MySQL/MariaDB (mysql_archiver.cc) and DuckDB
// (duckdb_archiver.cc): create -> verify --deep -> wreck -> restore ->
// identical checksums per table; a damaged archive is refused.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <string>

#include "conformance/database/mysql_scratch_database.h"
#include "integration/servers.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/table_checksum.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

const std::string kHostile = "we\"ird; DROP TABLE x; -- ` name";

struct Engine {
  const char* name;
  const char* method;  // the manifest method
  // Tables: a parent with every kind of value, a child referencing it, a
  // hostile name. %P parent, %C child, %H hostile (all quoted).
  std::vector<const char*> setup;
};

const Engine kEngines[] = {
    {"mysql",
     "mysql_snapshot",
     {"CREATE TABLE %P (id BIGINT AUTO_INCREMENT PRIMARY KEY, name VARCHAR(40) NOT NULL,"
      " latin VARCHAR(20) CHARACTER SET latin1, n DOUBLE, f FLOAT, amount DECIMAL(20,6),"
      " at DATETIME(6), body LONGBLOB, doc JSON, flags BIT(5), kind ENUM('a','b'),"
      " upper_name VARCHAR(40) AS (UPPER(name)) VIRTUAL, KEY (name))",
      "CREATE TABLE %C (id INT PRIMARY KEY, parent BIGINT NOT NULL,"
      " FOREIGN KEY (parent) REFERENCES %P (id))",
      "CREATE TABLE %H (k VARCHAR(10), v TEXT)",  // no key: OFFSET pages
      "INSERT INTO %P (id, name, latin, n, f, amount, at, body, doc, flags, kind) VALUES"
      " (0, 'zero', 'ü', -0.0, 1.5, 12345678901234.123456, '2020-02-29 23:59:59.999999',"
      " X'00FF0027', '{\"a\": [1, null]}', b'10101', 'b'),"
      " (2, '', '', 0.1, NULL, -0.000001, NULL, X'', NULL, NULL, NULL),"
      " (3, 'emoji \xF0\x9F\x98\x80 ''quote'' \\\\ back', NULL, 1e308, -3.25, NULL, NULL, NULL,"
      " '[]', 0, 'a')",
      "INSERT INTO %C VALUES (1, 0), (2, 3)",
      "INSERT INTO %H VALUES ('', NULL), (NULL, ''), ('x', 'line1\\nline2')"}},
    {"duckdb",
     "duckdb_export",
     {"CREATE SEQUENCE ids START 100",
      "CREATE TABLE %P (id BIGINT DEFAULT nextval('ids') PRIMARY KEY, name VARCHAR NOT NULL,"
      " h HUGEINT, n DOUBLE, amount DECIMAL(38,10), ts TIMESTAMPTZ, body BLOB, tags VARCHAR[],"
      " u UUID)",
      "CREATE INDEX parent_name ON %P (name)",
      "CREATE TABLE %C (id INTEGER PRIMARY KEY, parent BIGINT NOT NULL REFERENCES %P (id))",
      "CREATE TABLE %H (k VARCHAR, v VARCHAR)",
      "CREATE VIEW child_view AS SELECT id FROM %C",
      "INSERT INTO %P VALUES (0, 'zero', 170141183460469231731687303715884105727, -0.0,"
      " 1234567890123456789012345678.0123456789, '2020-02-29 23:59:59.999999+00',"
      " '\\x00\\xFF'::BLOB, ['a', NULL], 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'),"
      " (2, '', NULL, 'nan', NULL, NULL, ''::BLOB, [], NULL),"
      " (3, 'emoji \xF0\x9F\x98\x80 ''quote''', -1, 1e308, NULL, NULL, NULL, NULL, NULL)",
      "INSERT INTO %P (name) VALUES ('from the sequence')",
      "INSERT INTO %C VALUES (1, 0), (2, 3)",
      "INSERT INTO %H VALUES ('', NULL), (NULL, ''), ('x', 'line1' || chr(10) || 'line2')"}},
};

class ArchiveEnginesTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string engine = GetParam().name;
    std::string url;
    if (engine == "duckdb") {
#ifndef FERRY_WITH_DUCKDB
      if (testing::ServersRequired()) FAIL() << "duckdb is not built in (scripts/fetch-duckdb.sh)";
      GTEST_SKIP() << "duckdb is not built in (scripts/fetch-duckdb.sh)";
#endif
      url = "duckdb:" + (dir_ / "app.duckdb");
    } else {
#ifndef FERRY_WITH_MYSQL
      if (testing::ServersRequired()) FAIL() << "the mysql adapter is not built in (libmariadb)";
      GTEST_SKIP() << "the mysql adapter is not built in (libmariadb)";
#endif
      std::string admin;
      FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_MYSQL_URL");
      auto s = testing::MysqlScratchDatabase::Create(admin);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      my_ = std::move(s).value();
      url = my_->url();
    }
    url_ = url;
    auto db = OpenDatabase(url, Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    for (std::string sql : GetParam().setup) {
      for (auto [k, v] : {std::pair<std::string, std::string>{"%P", "parent"}, {"%C", "child"},
                          {"%H", kHostile}}) {
        for (size_t at = sql.find(k); at != std::string::npos; at = sql.find(k))
          sql.replace(at, 2, db_->QuoteIdentifier(v));
      }
      ASSERT_TRUE(db_->Exec(sql).ok()) << db_->Exec(sql).ToString() << "\n" << sql;
    }
    // Enough rows for several pages and statements.
    ASSERT_TRUE(db_->Begin().ok());
    auto ins = db_->Prepare("INSERT INTO " + db_->QuoteIdentifier("child") +
                            " (id, parent) VALUES ($1, $2)");
    ASSERT_TRUE(ins.ok());
    for (int i = 10; i < 5010; ++i) ASSERT_TRUE((*ins)->Execute({int64_t{i}, int64_t{i % 2 ? 0 : 3}}).ok());
    ins->reset();
    ASSERT_TRUE(db_->Commit().ok());
  }
  void TearDown() override { db_.reset(); }

  std::map<std::string, TableChecksum> Sums() {
    std::map<std::string, TableChecksum> out;
    for (const std::string t : {"parent", "child", kHostile.c_str()}) {
      auto s = ComputeTableChecksum(db_.get(), t);
      EXPECT_TRUE(s.ok()) << t << ": " << s.status().ToString();
      if (s.ok()) out[t] = *s;
    }
    return out;
  }

  int64_t ChildRows() {
    auto r = db_->Query("SELECT count(*) FROM " + db_->QuoteIdentifier("child"), {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::MysqlScratchDatabase> my_;
  std::string url_;
  std::unique_ptr<Database> db_;
};

TEST_P(ArchiveEnginesTest, CreateVerifyWreckRestoreGivesIdenticalChecksums) {
  const auto before = Sums();
  ASSERT_EQ(before.size(), 3u);
  EXPECT_EQ(before.at("child").rows, 5002);
  ArchiveOptions o;
  o.dir = dir_ / "backups";
  auto a = CreateArchive(db_.get(), Env::Default(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->method, GetParam().method);
  EXPECT_EQ(a->state, BackupState::kVerified);
  struct stat st;
  ASSERT_EQ(::stat(a->location.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  auto v = VerifyArchive(db_.get(), Env::Default(), a->location, VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->test_restored);
  EXPECT_EQ(v->table_rows.at("child"), 5002);
  EXPECT_EQ(v->table_rows.at(kHostile), 3);

  // Another connection stays open across the restore and sees the result.
  auto other = OpenDatabase(url_, Env::Default());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  ASSERT_TRUE(db_->Exec("DELETE FROM " + db_->QuoteIdentifier("child") + " WHERE id > 100").ok());
  ASSERT_TRUE(db_->Exec("UPDATE " + db_->QuoteIdentifier("parent") + " SET n = 42").ok());
  ASSERT_TRUE(db_->Exec("DROP TABLE " + db_->QuoteIdentifier(kHostile)).ok());
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sums(), before);
  auto seen = (*other)->Query("SELECT count(*) FROM " + (*other)->QuoteIdentifier("child"), {});
  ASSERT_TRUE(seen.ok()) << seen.status().ToString();
  EXPECT_EQ(seen->GetInt(0, 0), 5002);
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_TRUE(std::filesystem::exists(r->safety->location));
  // The foreign key still holds after the restore.
  EXPECT_FALSE(db_->Exec("INSERT INTO " + db_->QuoteIdentifier("child") + " VALUES (99999, 12345)").ok());
  if (std::string(GetParam().name) == "duckdb") {
    // The sequence continues where it was when the archive was made.
    auto next = db_->Query("SELECT nextval('ids')", {});
    ASSERT_TRUE(next.ok()) << next.status().ToString();
    EXPECT_EQ(next->GetInt(0, 0), 101);
    EXPECT_TRUE(db_->Query("SELECT count(*) FROM child_view", {}).ok());
  }

  // The safety archive holds the wrecked state and restores it too.
  ASSERT_TRUE(RestoreArchive(db_.get(), Env::Default(), r->safety->location, dir_ / "backups").ok());
  EXPECT_EQ(ChildRows(), 93);

  // One flipped byte: verify fails naming the file; restore refuses, unchanged.
  std::string bad = dir_ / "bad.tar.zst";
  std::filesystem::copy_file(a->location, bad);
  {
    std::fstream f(bad, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(static_cast<std::streamoff>(std::filesystem::file_size(bad) / 2));
    f.put('\x42');
    f.put('\x17');
  }
  auto bv = VerifyArchive(db_.get(), Env::Default(), bad, VerifyDepth::kChecksums);
  ASSERT_FALSE(bv.ok());
  EXPECT_NE(bv.status().message().find(bad), std::string::npos) << bv.status().message();
  EXPECT_FALSE(RestoreArchive(db_.get(), Env::Default(), bad, dir_ / "backups").ok());
  EXPECT_EQ(ChildRows(), 93);
}

INSTANTIATE_TEST_SUITE_P(Engines, ArchiveEnginesTest, ::testing::ValuesIn(kEngines),
                         [](const ::testing::TestParamInfo<Engine>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace ferry
