// Table snapshots on every engine: the same scenarios run on SQLite,
// PostgreSQL, MySQL/MariaDB and DuckDB (one parameterized suite, so an engine
// added to ferry is one more line in kEngines). PostgreSQL- and SQLite-only
// behaviour (sequences, triggers, legacy renames) stays in
// postgres_backup_test.cc and tests/unit/backup/sqlite_backup_test.cc.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "conformance/database/mysql_scratch_database.h"
#include "conformance/database/pg_scratch_database.h"
#include "integration/servers.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/table_checksum.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

// Breaks any unquoted SQL in every dialect ("", ``, ;, --).
const std::string kHostile = "we\"ird; DROP TABLE x; -- ` name";

struct Engine {
  const char* name;
  const char* create;  // %T = the quoted table name
};

const Engine kEngines[] = {
    {"sqlite",
     "CREATE TABLE %T (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, n REAL, body BLOB, note TEXT)"},
    {"postgres",
     "CREATE TABLE %T (id BIGINT PRIMARY KEY, tenant TEXT NOT NULL, n DOUBLE PRECISION,"
     " body BYTEA, note TEXT)"},
    {"mysql",
     "CREATE TABLE %T (id BIGINT PRIMARY KEY, tenant VARCHAR(64) NOT NULL, n DOUBLE, body BLOB,"
     " note TEXT)"},
    {"duckdb",
     "CREATE TABLE %T (id BIGINT PRIMARY KEY, tenant VARCHAR NOT NULL, n DOUBLE, body BLOB,"
     " note VARCHAR)"},
};

class SnapshotEnginesTest : public ::testing::TestWithParam<Engine> {
 protected:
  void SetUp() override {
    const std::string engine = GetParam().name;
    std::string url;
    if (engine == "sqlite") {
      url = "sqlite:" + (dir_ / "app.db");
    } else if (engine == "duckdb") {
#ifndef FERRY_WITH_DUCKDB
      if (testing::ServersRequired()) FAIL() << "duckdb is not built in (scripts/fetch-duckdb.sh)";
      GTEST_SKIP() << "duckdb is not built in (scripts/fetch-duckdb.sh)";
#endif
      url = "duckdb:" + (dir_ / "app.duckdb");
    } else if (engine == "postgres") {
      std::string admin;
      FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
      auto s = testing::PgScratchDatabase::Create(admin);
      ASSERT_TRUE(s.ok()) << s.status().ToString();
      pg_ = std::move(s).value();
      url = pg_->url();
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
    auto db = OpenDatabase(url, Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void TearDown() override { db_.reset(); }

  std::string Q(const std::string& t) { return db_->QuoteIdentifier(t); }

  // `rows` rows with NULLs, empty strings, 0-bytes and negative zero mixed in.
  void MakeTable(const std::string& name, int rows) {
    std::string ddl = GetParam().create;
    ddl.replace(ddl.find("%T"), 2, Q(name));
    ASSERT_TRUE(db_->Exec(ddl).ok()) << ddl;
    ASSERT_TRUE(db_->Exec("CREATE INDEX " + Q(name.substr(0, 20) + "_tenant") + " ON " + Q(name) +
                          " (tenant)")
                    .ok());
    ASSERT_TRUE(db_->Begin().ok());
    auto ins = db_->Prepare("INSERT INTO " + Q(name) +
                            " (id, tenant, n, body, note) VALUES ($1, $2, $3, $4, $5)");
    ASSERT_TRUE(ins.ok()) << ins.status().ToString();
    for (int i = 1; i <= rows; ++i) {
      Value note = i % 7 == 0 ? Value() : i % 7 == 1 ? Value(std::string()) : Value("note " + std::to_string(i));
      Value body = i % 5 == 0 ? Value() : Value(Blob{std::string(1 + i % 40, static_cast<char>(i % 3))});
      Value n = i % 11 == 0 ? Value() : Value(i * 0.5 - 100);
      auto st = (*ins)->Execute({int64_t{i}, "t" + std::to_string(i % 5), n, body, note});
      ASSERT_TRUE(st.ok()) << st.status().ToString();
    }
    ins->reset();
    ASSERT_TRUE(db_->Commit().ok());
  }

  TableChecksum Sum(const std::string& t) {
    auto s = ComputeTableChecksum(db_.get(), t);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : TableChecksum{};
  }
  int64_t Count(const std::string& t) {
    auto r = db_->Query("SELECT count(*) FROM " + Q(t), {});
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::PgScratchDatabase> pg_;
  std::unique_ptr<testing::MysqlScratchDatabase> my_;
  std::unique_ptr<Database> db_;
};

// Order does not matter; types, NULL vs '' and duplicates do.
TEST_P(SnapshotEnginesTest, ChecksumIsOrderIndependentAndSeesNullsAndDuplicates) {
  for (const char* t : {"a", "b"}) {
    ASSERT_TRUE(db_->Exec("CREATE TABLE " + Q(t) + " (x VARCHAR(10), y VARCHAR(10))").ok());
  }
  ASSERT_TRUE(db_->Exec("INSERT INTO " + Q("a") + " VALUES ('1', NULL), ('ab', 'c'), ('1', NULL)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO " + Q("b") + " VALUES ('1', NULL), ('1', NULL), ('ab', 'c')").ok());
  const TableChecksum a = Sum("a");
  EXPECT_EQ(a.rows, 3);
  EXPECT_EQ(a, Sum("b"));
  // NULL and '' differ.
  ASSERT_TRUE(db_->Exec("UPDATE " + Q("b") + " SET y = '' WHERE y IS NULL").ok());
  EXPECT_NE(Sum("b").checksum, a.checksum);
  ASSERT_TRUE(db_->Exec("UPDATE " + Q("b") + " SET y = NULL WHERE y = ''").ok());
  EXPECT_EQ(Sum("b"), a);
  // Moving a character from one column to the next changes the row.
  ASSERT_TRUE(db_->Exec("UPDATE " + Q("b") + " SET x = 'a', y = 'bc' WHERE x = 'ab'").ok());
  EXPECT_NE(Sum("b").checksum, a.checksum);
  ASSERT_TRUE(db_->Exec("UPDATE " + Q("b") + " SET x = 'ab', y = 'c' WHERE x = 'a'").ok());
  // Two equal rows more do not cancel out.
  ASSERT_TRUE(db_->Exec("INSERT INTO " + Q("b") + " VALUES ('z', 'z'), ('z', 'z')").ok());
  EXPECT_NE(Sum("b").checksum, a.checksum);
}

// Create (copy + checksum + spot checks + catalog row), verify, wreck,
// restore: identical checksum, a safety backup of the wrecked rows.
TEST_P(SnapshotEnginesTest, RoundTripWithHostileName) {
  MakeTable(kHostile, 3000);
  const TableChecksum before = Sum(kHostile);
  SnapshotOptions o;
  o.with_indexes = true;
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), kHostile, o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->state, BackupState::kVerified);
  EXPECT_EQ(b->row_count, 3000);
  EXPECT_EQ(b->checksum, before.checksum);
  EXPECT_TRUE(b->indexes_recreated);
  EXPECT_EQ(b->name.rfind(kHostile + "_backup_", 0), 0u) << b->name;
  EXPECT_EQ(Sum(b->name), before);
  bool spot_checked = false;
  for (const auto& n : b->notes) spot_checked |= n.find(" sampled rows compared by key") != std::string::npos &&
                                                 n.find(", 0 sampled") == std::string::npos;
  EXPECT_TRUE(spot_checked) << "no sampled rows were compared";
  auto listed = BackupCatalog(db_.get()).Find(b->name);
  ASSERT_TRUE(listed.ok() && listed->has_value());
  EXPECT_EQ((*listed)->checksum, before.checksum);
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());

  const std::string q = Q(kHostile);
  ASSERT_TRUE(db_->Exec("DELETE FROM " + q + " WHERE id % 3 = 0").ok());
  ASSERT_TRUE(db_->Exec("UPDATE " + q + " SET note = 'wrecked' WHERE id % 3 = 1").ok());
  const TableChecksum wrecked = Sum(kHostile);
  auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum(kHostile), before);
  // The wrecked rows were kept as a verified safety backup.
  auto all = ListBackups(db_.get());
  ASSERT_TRUE(all.ok());
  int safeties = 0;
  for (const auto& s : *all) {
    if (s.name == b->name) continue;
    ++safeties;
    EXPECT_EQ(s.source, kHostile);
    EXPECT_EQ(s.state, BackupState::kVerified);
    EXPECT_EQ(Sum(s.name), wrecked);
  }
  EXPECT_EQ(safeties, 1);
  // The restored table still takes writes, its key still enforced.
  EXPECT_FALSE(db_->Exec("INSERT INTO " + q + " (id, tenant) VALUES (1, 'dup')").ok());
  EXPECT_TRUE(db_->Exec("INSERT INTO " + q + " (id, tenant) VALUES (100000, 'new')").ok());
}

// A changed, added or deleted row in the snapshot is found by verify, which
// marks it failed; a failed snapshot is not restored.
TEST_P(SnapshotEnginesTest, VerifyFindsCorruptedSnapshot) {
  MakeTable("chunks", 500);
  for (const char* wreck : {"UPDATE %B SET note = 'x' WHERE id = 42", "DELETE FROM %B WHERE id = 7",
                            "INSERT INTO %B (id, tenant) VALUES (9999, 't')",
                            "UPDATE %B SET note = '' WHERE note IS NULL AND id = 14"}) {
    SCOPED_TRACE(wreck);
    auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "chunks");
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    std::string sql = wreck;
    sql.replace(sql.find("%B"), 2, Q(b->name));
    ASSERT_TRUE(db_->Exec(sql).ok()) << sql;
    auto v = VerifySnapshot(db_.get(), Env::Default(), b->name);
    ASSERT_FALSE(v.ok());
    EXPECT_EQ(v.status().code(), Code::kCorruption);
    EXPECT_NE(v.status().message().find(b->name), std::string::npos) << v.status().message();
    auto f = BackupCatalog(db_.get()).Find(b->name);
    ASSERT_TRUE(f.ok() && f->has_value());
    EXPECT_EQ((*f)->state, BackupState::kFailed);
    auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
    EXPECT_FALSE(r.ok());
    EXPECT_EQ(Count("chunks"), 500);
  }
}

// Spot checks compare real rows: a copy that differs in one sampled column
// is caught, by key and (no key) by all columns.
TEST_P(SnapshotEnginesTest, SpotCheckFindsDifferentRow) {
  MakeTable("chunks", 400);
  ASSERT_TRUE(db_->Exec("CREATE TABLE " + Q("copy") + " AS SELECT * FROM " + Q("chunks")).ok());
  auto ok = SpotCheckRows(db_.get(), "chunks", "copy", 30, 3, 400);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_GT(*ok, 5);
  ASSERT_TRUE(db_->Exec("UPDATE " + Q("copy") + " SET n = -1").ok());
  auto bad = SpotCheckRows(db_.get(), "chunks", "copy", 30, 3, 400);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kCorruption);
  EXPECT_NE(bad.status().message().find("differs"), std::string::npos) << bad.status().message();
  ASSERT_TRUE(db_->Exec("DELETE FROM " + Q("copy") + " WHERE id > 0").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO " + Q("copy") + " (id, tenant) VALUES (-5, 'ghost')").ok());
  auto ghost = SpotCheckRows(db_.get(), "chunks", "copy", 30, 3, 1);
  ASSERT_FALSE(ghost.ok());
  EXPECT_NE(ghost.status().message().find("is not in"), std::string::npos) << ghost.status().message();
}

// A dropped live table is recreated from the snapshot (key included).
TEST_P(SnapshotEnginesTest, RestoreRecreatesDroppedTable) {
  MakeTable("items", 200);
  const TableChecksum before = Sum("items");
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_FALSE(b->indexes_recreated);
  ASSERT_TRUE(db_->Exec("DROP TABLE " + Q("items")).ok());
  auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum("items"), before);
  // PostgreSQL copies without --with-indexes have no primary key (LIKE
  // without INCLUDING INDEXES); the other engines keep it in the copy.
  if (std::string(GetParam().name) != "postgres") {
    EXPECT_FALSE(db_->Exec("INSERT INTO " + Q("items") + " (id, tenant) VALUES (5, 'dup')").ok());
  }
  EXPECT_FALSE(db_->Exec("INSERT INTO " + Q("items") + " (id, tenant) VALUES (500, NULL)").ok());
}

// An empty table snapshots, verifies and restores as well.
TEST_P(SnapshotEnginesTest, EmptyTable) {
  MakeTable("empty", 0);
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "empty");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->row_count, 0);
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO " + Q("empty") + " (id, tenant) VALUES (1, 'x')").ok());
  ASSERT_TRUE(RestoreSnapshot(db_.get(), Env::Default(), b->name).ok());
  EXPECT_EQ(Count("empty"), 0);
}

// ferry_backups.name is the catalog's key on every engine: unique, and on
// MySQL/MariaDB a VARCHAR (MySQL 8 refuses a TEXT key without a length).
TEST_P(SnapshotEnginesTest, CatalogNameIsAPortableUniqueKey) {
  BackupCatalog catalog(db_.get());
  ASSERT_TRUE(catalog.Ensure().ok());
  BackupInfo b;
  b.id = 1;
  b.name = "items_backup_20261206_000000";
  b.kind = BackupKind::kSnapshot;
  b.source = "items";
  b.created_at = 1;
  b.expires_at = 2;
  b.state = BackupState::kVerified;
  Status st = catalog.Insert(b);
  ASSERT_TRUE(st.ok()) << st.ToString();
  b.id = 2;
  EXPECT_FALSE(catalog.Insert(b).ok()) << "a second row with the same name";
  auto found = catalog.Find(b.name);
  ASSERT_TRUE(found.ok()) << found.status().ToString();
  ASSERT_TRUE(found->has_value());
  EXPECT_EQ((*found)->id, 1);
  if (std::string(GetParam().name) == "mysql") {
    auto t = db_->Query(
        "SELECT DATA_TYPE, CHARACTER_MAXIMUM_LENGTH FROM information_schema.COLUMNS"
        " WHERE TABLE_SCHEMA = DATABASE() AND TABLE_NAME = 'ferry_backups' AND COLUMN_NAME = 'name'",
        {});
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    ASSERT_EQ(t->size(), 1u);
    EXPECT_EQ(t->GetText(0, 0).value_or(""), "varchar");
    EXPECT_EQ(t->GetInt(0, 1).value_or(0), 255);
  }
}

// A catalog made by an earlier ferry (name TEXT UNIQUE, which MariaDB,
// SQLite, PostgreSQL and DuckDB accept) is left as it is and keeps working.
TEST_P(SnapshotEnginesTest, AnExistingCatalogIsLeftAsItIs) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE " + Q("ferry_backups") +
                        " (id BIGINT PRIMARY KEY, name TEXT NOT NULL UNIQUE, kind TEXT NOT NULL,"
                        " source_table TEXT, row_count BIGINT, checksum TEXT, ferry_version TEXT,"
                        " schema_version TEXT, created_at BIGINT NOT NULL, expires_at BIGINT NOT NULL,"
                        " verified_at BIGINT, status TEXT NOT NULL, size BIGINT, location TEXT,"
                        " method TEXT, indexes INTEGER)")
                  .ok());
  MakeTable("items", 20);
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
  auto all = ListBackups(db_.get());
  ASSERT_TRUE(all.ok()) << all.status().ToString();
  EXPECT_EQ(all->size(), 1u);
}

INSTANTIATE_TEST_SUITE_P(Engines, SnapshotEnginesTest, ::testing::ValuesIn(kEngines),
                         [](const ::testing::TestParamInfo<Engine>& i) {
                           return std::string(i.param.name);
                         });

}  // namespace
}  // namespace ferry
