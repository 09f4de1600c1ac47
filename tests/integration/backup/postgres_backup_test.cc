// Snapshots and archives on a real PostgreSQL server.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "conformance/database/pg_scratch_database.h"
#include "integration/servers.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/table_checksum.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

const std::string kHostile = "we\"ird; DROP TABLE x; -- name";

class PostgresBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string admin;
    FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
    auto s = testing::PgScratchDatabase::Create(admin);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    scratch_ = std::move(s).value();
    auto db = OpenDatabase(scratch_->url(), Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }
  void TearDown() override { db_.reset(); }

  void MakeTable(const std::string& name, int rows) {
    const std::string q = db_->QuoteIdentifier(name);
    ASSERT_TRUE(db_->Exec("CREATE TABLE " + q +
                          " (id BIGSERIAL PRIMARY KEY, tenant TEXT NOT NULL, n NUMERIC(12,3),"
                          " body BYTEA, meta JSONB, at TIMESTAMPTZ DEFAULT now())")
                    .ok());
    ASSERT_TRUE(db_->Exec("CREATE INDEX ON " + q + " (tenant)").ok());
    ASSERT_TRUE(db_->Exec("INSERT INTO " + q + " (tenant, n, body, meta) SELECT 't' || (i % 5), i * 0.5,"
                          " decode(md5(i::text), 'hex'), jsonb_build_object('i', i)"
                          " FROM generate_series(1, " + std::to_string(rows) + ") AS i")
                    .ok());
  }
  TableChecksum Sum(const std::string& t) {
    auto s = ComputeTableChecksum(db_.get(), t);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : TableChecksum{};
  }

  testing::TempDir dir_;
  std::unique_ptr<testing::PgScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

TEST_F(PostgresBackupTest, SnapshotHostileNameVerifyTamperRestore) {
  MakeTable(kHostile, 5000);
  const TableChecksum before = Sum(kHostile);
  EXPECT_EQ(before.checksum.rfind("pg-rowhash:", 0), 0u);
  SnapshotOptions o;
  o.with_indexes = true;
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), kHostile, o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->row_count, 5000);
  EXPECT_TRUE(b->indexes_recreated);
  EXPECT_EQ(Sum(b->name), before);
  auto ix = db_->Query("SELECT count(*) FROM pg_indexes WHERE tablename = $1", {b->name});
  EXPECT_EQ(ix->GetInt(0, 0), 2);  // primary key + tenant
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());

  // Wreck, then restore: identical content, sequence still works.
  ASSERT_TRUE(db_->Exec("DELETE FROM " + db_->QuoteIdentifier(kHostile) + " WHERE id % 2 = 0").ok());
  auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum(kHostile), before);
  // Dropping the safety backup must not take the live table's sequence along.
  auto all = ListBackups(db_.get());
  for (const auto& s : *all) {
    if (s.name != b->name) {
      ASSERT_TRUE(db_->Exec("DROP TABLE " + db_->QuoteIdentifier(s.name)).ok());
    }
  }
  ASSERT_TRUE(db_->Exec("INSERT INTO " + db_->QuoteIdentifier(kHostile) + " (tenant) VALUES ('new')").ok());

  ASSERT_TRUE(db_->Exec("UPDATE " + db_->QuoteIdentifier(b->name) + " SET tenant = 'x' WHERE id = 3").ok());
  auto v = VerifySnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kCorruption);
}

TEST_F(PostgresBackupTest, SpotCheckFindsDifferentRow) {
  MakeTable("chunks", 2000);
  ASSERT_TRUE(db_->Exec("CREATE TABLE copy AS SELECT * FROM chunks").ok());
  auto ok = SpotCheckRows(db_.get(), "chunks", "copy", 40, 3, 2000);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_GT(*ok, 10);
  ASSERT_TRUE(db_->Exec("UPDATE copy SET meta = '{\"i\": -1}'").ok());
  EXPECT_FALSE(SpotCheckRows(db_.get(), "chunks", "copy", 40, 3, 2000).ok());
}

TEST_F(PostgresBackupTest, ArchiveRoundTripWithPgDump) {
  MakeTable("chunks", 20000);
  MakeTable(kHostile, 100);
  const TableChecksum c1 = Sum("chunks"), c2 = Sum(kHostile);
  ArchiveOptions o;
  o.dir = dir_ / "backups";
  auto a = CreateArchive(db_.get(), Env::Default(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->method, "pg_dump");
  EXPECT_EQ(a->row_count, 20100 + 1);  // + ferry_backups' own pending row
  struct stat st;
  ASSERT_EQ(::stat(a->location.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);

  auto v = VerifyArchive(db_.get(), Env::Default(), a->location, VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->test_restored);
  EXPECT_EQ(v->table_rows.at("chunks"), 20000);

  // A second session is connected (idle) while we restore.
  auto other = OpenDatabase(scratch_->url(), Env::Default());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(db_->Exec("TRUNCATE chunks").ok());
  ASSERT_TRUE(db_->Exec("DROP TABLE " + db_->QuoteIdentifier(kHostile)).ok());
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum("chunks"), c1);
  EXPECT_EQ(Sum(kHostile), c2);
  EXPECT_EQ((*other)->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 20000);
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_TRUE(std::filesystem::exists(r->safety->location));

  // One flipped byte: verification fails, naming the file.
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
  EXPECT_NE(bv.status().message().find(bad), std::string::npos);
  EXPECT_FALSE(RestoreArchive(db_.get(), Env::Default(), bad, dir_ / "backups").ok());
  EXPECT_EQ(Sum("chunks"), c1);
}

// Types without a hash function (json, point) fall back to hashing the row
// text; a recorded checksum is recomputed with its own method.
TEST_F(PostgresBackupTest, ChecksumFallsBackForUnhashableTypesAndKeepsItsMethod) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE j (id INT PRIMARY KEY, doc JSON, p POINT)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO j SELECT i, json_build_object('i', i), point(i, -i)"
                        " FROM generate_series(1, 300) i").ok());
  TableChecksum j = Sum("j");
  EXPECT_EQ(j.checksum.rfind("pg-hash64sum:", 0), 0u) << j.checksum;
  EXPECT_EQ(j.rows, 300);
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "j");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->checksum, j.checksum);
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
  // Inside a transaction the failed fast attempt must not poison it.
  ASSERT_TRUE(db_->Begin().ok());
  EXPECT_EQ(Sum("j"), j);
  EXPECT_TRUE(db_->Query("SELECT 1", {}).ok());
  ASSERT_TRUE(db_->Rollback().ok());
  // A row-hash record verifies with the row-hash method, a text record with
  // the text method, whatever the table holds now.
  MakeTable("chunks", 100);
  auto c = ComputeTableChecksumLike(db_.get(), "chunks", "pg-hash64sum:0:0");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->checksum.rfind("pg-hash64sum:", 0), 0u);
  EXPECT_EQ(ComputeTableChecksumLike(db_.get(), "chunks", Sum("chunks").checksum)->checksum,
            Sum("chunks").checksum);
}

// Restoring a table that views, its own foreign keys and triggers depend on:
// in place, so they all stay attached to the live table and see the
// restored rows. A table other tables reference is refused, unchanged.
TEST_F(PostgresBackupTest, SnapshotRestoreKeepsDependentsOrRefusesClearly) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE owners (id INT PRIMARY KEY)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO owners SELECT generate_series(1, 5)").ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE items (id BIGSERIAL PRIMARY KEY, dropped INT,"
                        " owner INT REFERENCES owners (id), name TEXT NOT NULL,"
                        " upper_name TEXT GENERATED ALWAYS AS (upper(name)) STORED,"
                        " touched TIMESTAMPTZ)").ok());
  ASSERT_TRUE(db_->Exec("ALTER TABLE items DROP COLUMN dropped").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO items (owner, name, touched) SELECT 1 + i % 5, 'n' || i,"
                        " '2020-01-01' FROM generate_series(1, 1000) i").ok());
  ASSERT_TRUE(db_->Exec("CREATE VIEW item_names AS SELECT id, name FROM items").ok());
  // A trigger that would rewrite every restored row if it fired.
  ASSERT_TRUE(db_->Exec("CREATE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS"
                        " $$BEGIN NEW.touched := now(); RETURN NEW; END$$").ok());
  ASSERT_TRUE(db_->Exec("CREATE TRIGGER items_touch BEFORE INSERT OR UPDATE ON items"
                        " FOR EACH ROW EXECUTE FUNCTION touch()").ok());
  const TableChecksum before = Sum("items");
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "items");
  ASSERT_TRUE(b.ok()) << b.status().ToString();

  ASSERT_TRUE(db_->Exec("DELETE FROM items WHERE id % 3 = 0").ok());
  ASSERT_TRUE(db_->Exec("UPDATE items SET name = 'wrecked' WHERE id % 3 = 1").ok());
  auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum("items"), before);
  // The view still reads the live table and shows the restored rows.
  EXPECT_EQ(db_->Query("SELECT count(*) FROM item_names WHERE name <> 'wrecked'", {})->GetInt(0, 0), 1000);
  // Its own foreign key, the trigger (enabled again) and the sequence still work.
  EXPECT_FALSE(db_->Exec("INSERT INTO items (owner, name) VALUES (99, 'no owner')").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO items (owner, name) VALUES (2, 'new')").ok());
  auto fresh = db_->Query("SELECT id, touched IS NOT NULL AND touched > '2021-01-01'"
                          " FROM items WHERE name = 'new'", {});
  ASSERT_TRUE(fresh.ok());
  EXPECT_GT(fresh->GetInt(0, 0).value_or(0), 1000);
  EXPECT_EQ(fresh->GetInt(0, 1), 1);  // the trigger fired for the new row
  ASSERT_TRUE(db_->Exec("DELETE FROM items WHERE name = 'new'").ok());

  // Another table references items: refused by name, nothing changed.
  ASSERT_TRUE(db_->Exec("CREATE TABLE orders (id INT PRIMARY KEY, item BIGINT"
                        " CONSTRAINT orders_item_fk REFERENCES items (id) ON DELETE CASCADE)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO orders VALUES (1, 1), (2, 2)").ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM items WHERE id > 500").ok());
  const TableChecksum wrecked = Sum("items");
  auto refused = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(refused.status().message().find("orders_item_fk"), std::string::npos)
      << refused.status().message();
  EXPECT_EQ(Sum("items"), wrecked);
  EXPECT_EQ(db_->Query("SELECT count(*) FROM orders", {})->GetInt(0, 0), 2);
}

}  // namespace
}  // namespace ferry
