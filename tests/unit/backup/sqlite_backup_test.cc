// SQLite end to end: snapshots and archives on real database files.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/mount.h>
#include <sys/stat.h>

#include <filesystem>
#include <cstring>
#include <fstream>
#include <iterator>
#include <set>

#include <nlohmann/json.hpp>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/snapshot_steps.h"
#include "jobs/backup/table_checksum.h"
#include "obs/logger.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

using testing::TempDir;

// A name that breaks any unquoted SQL.
const std::string kHostile = "we\"ird; DROP TABLE x; -- ]` name";

class SqliteBackupTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = dir_ / "app.db";
    auto db = OpenDatabase("sqlite:" + path_, Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
  }

  void MakeTable(const std::string& name, int rows) {
    const std::string q = db_->QuoteIdentifier(name);
    ASSERT_TRUE(db_->Exec("CREATE TABLE " + q +
                          " (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, n REAL, body BLOB,"
                          " note TEXT DEFAULT 'x')")
                    .ok());
    ASSERT_TRUE(db_->Exec("CREATE INDEX " + db_->QuoteIdentifier(name + "_tenant") + " ON " + q +
                          " (tenant)")
                    .ok());
    ASSERT_TRUE(db_->Begin().ok());
    auto ins = db_->Prepare("INSERT INTO " + q + " (id, tenant, n, body, note) VALUES ($1, $2, $3, $4, $5)");
    ASSERT_TRUE(ins.ok());
    for (int i = 1; i <= rows; ++i) {
      Value note = i % 7 == 0 ? Value() : Value("note " + std::to_string(i));
      ASSERT_TRUE((*ins)->Execute({int64_t{i}, "t" + std::to_string(i % 5), i * 0.5,
                                   Blob{std::string(40, static_cast<char>(i))}, note})
                      .ok());
    }
    ins->reset();
    ASSERT_TRUE(db_->Commit().ok());
  }

  TableChecksum Sum(const std::string& t) {
    auto s = ComputeTableChecksum(db_.get(), t);
    EXPECT_TRUE(s.ok()) << s.status().ToString();
    return s.ok() ? *s : TableChecksum{};
  }

  TempDir dir_;
  std::string path_;
  std::unique_ptr<Database> db_;
};

TEST_F(SqliteBackupTest, ChecksumIsOrderIndependentAndTypeSensitive) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE a (x)").ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE b (x)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO a VALUES (1), ('1'), (NULL), (1)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO b VALUES (NULL), (1), (1), ('1')").ok());
  EXPECT_EQ(Sum("a"), Sum("b"));
  ASSERT_TRUE(db_->Exec("UPDATE b SET x = 1.0 WHERE x = '1'").ok());
  EXPECT_NE(Sum("a").checksum, Sum("b").checksum);  // text '1' became real 1.0
  ASSERT_TRUE(db_->Exec("DELETE FROM b WHERE rowid = (SELECT max(rowid) FROM b)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO b VALUES ('1')").ok());
  EXPECT_EQ(Sum("a"), Sum("b"));
  ASSERT_TRUE(db_->Exec("INSERT INTO b VALUES (1)").ok());  // a duplicate does not cancel out
  EXPECT_NE(Sum("a").checksum, Sum("b").checksum);
}

// The checksum computed inside SQLite (ferry_sha256sum) equals the one of
// rows streamed through ferry, so checksums recorded before the function
// existed still verify; and it covers every column type and generated columns.
TEST_F(SqliteBackupTest, EngineSideChecksumEqualsStreamedChecksum) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE m (a INTEGER PRIMARY KEY, b TEXT, c REAL, d BLOB, e,"
                        " g TEXT GENERATED ALWAYS AS (b || '!') VIRTUAL)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO m (a, b, c, d, e) VALUES (1, 'x', 1.5, x'00ff', NULL),"
                        " (2, '', -0.0, x'', 7), (3, NULL, 1e300, NULL, 'mixed'),"
                        " (-9223372036854775808, 'ü', NULL, randomblob(3000), 2.5)").ok());
  auto engine = ComputeTableChecksum(db_.get(), "m");
  auto streamed = StreamedSqliteTableChecksum(db_.get(), "m");
  ASSERT_TRUE(engine.ok()) << engine.status().ToString();
  ASSERT_TRUE(streamed.ok()) << streamed.status().ToString();
  EXPECT_EQ(engine->rows, 4);
  EXPECT_EQ(engine->checksum, streamed->checksum);
  EXPECT_GT(engine->data_bytes, 3000);
  ASSERT_TRUE(db_->Exec("UPDATE m SET b = 'y' WHERE a = 1").ok());  // g changes too
  EXPECT_NE(ComputeTableChecksum(db_.get(), "m")->checksum, engine->checksum);
  EXPECT_EQ(ComputeTableChecksum(db_.get(), "m")->checksum,
            StreamedSqliteTableChecksum(db_.get(), "m")->checksum);
  // Empty table: both zero, equal.
  ASSERT_TRUE(db_->Exec("CREATE TABLE z (x)").ok());
  EXPECT_EQ(ComputeTableChecksum(db_.get(), "z")->checksum,
            StreamedSqliteTableChecksum(db_.get(), "z")->checksum);
  EXPECT_EQ(ComputeTableChecksum(db_.get(), "z")->rows, 0);
}

// Snapshots are checksummed with XXH3-128 now; one recorded with SHA-256
// by an older ferry still verifies (its method comes from its prefix), and
// the two methods really differ.
TEST_F(SqliteBackupTest, ChecksumRecordedWithSha256StillVerifies) {
  MakeTable("chunks", 300);
  const TableChecksum now = Sum("chunks");
  EXPECT_EQ(now.checksum.rfind("sqlite-xxh128sum:", 0), 0u) << now.checksum;
  auto old = ComputeTableChecksumLike(db_.get(), "chunks", "sqlite-sha256sum:0");
  ASSERT_TRUE(old.ok()) << old.status().ToString();
  EXPECT_EQ(old->checksum.rfind("sqlite-sha256sum:", 0), 0u) << old->checksum;
  EXPECT_EQ(old->rows, 300);
  EXPECT_NE(old->checksum.substr(17), now.checksum.substr(17));
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "chunks");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->checksum, now.checksum);
  // Rewrite the record as an older ferry wrote it: verify uses SHA-256.
  BackupInfo rec = *BackupCatalog(db_.get()).Find(b->name).value();
  rec.checksum = ComputeTableChecksumLike(db_.get(), b->name, "sqlite-sha256sum:0")->checksum;
  ASSERT_TRUE(BackupCatalog(db_.get()).Update(rec).ok());
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
  ASSERT_TRUE(db_->Exec("UPDATE " + db_->QuoteIdentifier(b->name) + " SET note = 'x' WHERE id = 5").ok());
  EXPECT_FALSE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
}

// The checksum hashed inside the copy statement is the one a separate pass
// computes, and the rows arrive in the copy.
TEST_F(SqliteBackupTest, ChecksumHashedWhileCopyingEqualsSeparatePass) {
  MakeTable(kHostile, 2500);
  ASSERT_TRUE(db_->Exec("CREATE TABLE c (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, n REAL,"
                        " body BLOB, note TEXT DEFAULT 'x')").ok());
  ASSERT_TRUE(db_->Begin().ok());
  int64_t copied = 0;
  auto fused = CopyTableHashingSource(db_.get(), kHostile, "c", &copied);
  ASSERT_TRUE(fused.ok()) << fused.status().ToString();
  ASSERT_TRUE(db_->Commit().ok());
  EXPECT_EQ(copied, 2500);
  EXPECT_EQ(*fused, Sum(kHostile));
  EXPECT_EQ(Sum("c"), Sum(kHostile));
  EXPECT_GT(fused->data_bytes, 2500 * 40);
  // A second run starts from zero again.
  ASSERT_TRUE(db_->Exec("DELETE FROM c").ok());
  auto again = CopyTableHashingSource(db_.get(), kHostile, "c", &copied);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, *fused);
}

TEST_F(SqliteBackupTest, SnapshotOfHostileNameIsVerifiedAndRecorded) {
  MakeTable(kHostile, 12000);  // more than one checksum page
  SnapshotOptions o;
  o.with_indexes = true;
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), kHostile, o);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->state, BackupState::kVerified);
  EXPECT_EQ(b->row_count, 12000);
  EXPECT_TRUE(b->indexes_recreated);
  EXPECT_EQ(b->name.rfind(kHostile + "_backup_", 0), 0u) << b->name;
  EXPECT_EQ(b->name.size(), kHostile.size() + 8 + 15);
  EXPECT_EQ(b->expires_at - b->created_at, 7 * 86400);
  EXPECT_EQ(Sum(b->name), Sum(kHostile));
  // The copy keeps the definition (PRIMARY KEY, DEFAULT) and got the index.
  auto ddl = db_->Query("SELECT sql FROM sqlite_master WHERE name = $1", {b->name});
  ASSERT_TRUE(ddl.ok());
  EXPECT_NE(ddl->GetText(0, 0)->find("DEFAULT 'x'"), std::string::npos);
  auto ix = db_->Query("SELECT count(*) FROM sqlite_master WHERE type = 'index' AND tbl_name = $1 AND sql IS NOT NULL", {b->name});
  EXPECT_EQ(ix->GetInt(0, 0), 1);
  auto rec = BackupCatalog(db_.get()).Find(b->name);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->checksum, b->checksum);
  EXPECT_EQ((*rec)->source, kHostile);
  // Without --with-indexes the secondary index is not there.
  auto b2 = CreateVerifiedSnapshot(db_.get(), Env::Default(), kHostile, SnapshotOptions{});
  ASSERT_TRUE(b2.ok()) << b2.status().ToString();
  EXPECT_FALSE(b2->indexes_recreated);
  EXPECT_NE(b2->name, b->name);  // same second: a suffix keeps them apart
}

// The phase line a snapshot logs at debug level (archive_phases.h).
std::string SnapshotPhases(Database* db, const std::string& table, BackupInfo* out) {
  LoggerOptions lo;
  lo.min_level = LogLevel::kDebug;
  auto logger = Logger::Capturing(lo);
  SnapshotOptions o;
  o.logger = logger.get();
  auto b = CreateVerifiedSnapshot(db, Env::Default(), table, o);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  if (b.ok()) *out = *b;
  return logger->Captured();
}

// WAL mode (the default): the source is hashed on a second connection beside
// the copy, the copy read back after the commit on two connections beside
// the checkpoint, and only then is the catalog row verified.
TEST_F(SqliteBackupTest, SnapshotInWalModeReadsBackAfterCommitThenFlipsToVerified) {
  MakeTable(kHostile, 9000);
  ASSERT_TRUE(db_->Exec("PRAGMA wal_autocheckpoint = 777").ok());
  BackupInfo b;
  const std::string log = SnapshotPhases(db_.get(), kHostile, &b);
  EXPECT_NE(log.find("copy||source_hash"), std::string::npos) << log;
  EXPECT_NE(log.find("checkpoint||copy_hash"), std::string::npos) << log;
  EXPECT_NE(log.find("flip"), std::string::npos) << log;
  EXPECT_EQ(b.state, BackupState::kVerified);
  EXPECT_GT(b.verified_at, 0);
  EXPECT_EQ(b.row_count, 9000);
  EXPECT_EQ(b.checksum, Sum(kHostile).checksum);
  auto rec = BackupCatalog(db_.get()).Find(b.name);
  ASSERT_TRUE(rec.ok() && rec->has_value());
  EXPECT_EQ((*rec)->state, BackupState::kVerified);
  EXPECT_EQ((*rec)->checksum, b.checksum);
  EXPECT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b.name).ok());
  // The connection's own checkpoint setting is back, and the WAL was
  // checkpointed (every frame in the database file).
  auto ac = db_->Query("PRAGMA wal_autocheckpoint", {});
  ASSERT_TRUE(ac.ok());
  EXPECT_EQ(ac->GetInt(0, 0), 777);
  auto ck = db_->Query("PRAGMA wal_checkpoint(PASSIVE)", {});
  ASSERT_TRUE(ck.ok());
  EXPECT_EQ(ck->GetInt(0, 1), ck->GetInt(0, 2));
}

// Other journal modes have no second connection: the source is hashed
// inside the copy statement and the copy read back before the commit.
TEST_F(SqliteBackupTest, SnapshotWithoutWalVerifiesInsideTheTransaction) {
  db_.reset();
  auto db = OpenDatabase("sqlite:" + path_ + "?journal_mode=delete", Env::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  db_ = std::move(db).value();
  MakeTable("chunks", 3000);
  BackupInfo b;
  const std::string log = SnapshotPhases(db_.get(), "chunks", &b);
  EXPECT_NE(log.find("copy+source_hash"), std::string::npos) << log;
  EXPECT_EQ(log.find("checkpoint||copy_hash"), std::string::npos) << log;
  EXPECT_EQ(b.state, BackupState::kVerified);
  EXPECT_EQ(b.checksum, Sum("chunks").checksum);
  EXPECT_EQ((*BackupCatalog(db_.get()).Find(b.name))->state, BackupState::kVerified);
  EXPECT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b.name).ok());
}

// The reader sees the committed source as the caller's transaction does,
// and none of the caller's uncommitted writes.
TEST_F(SqliteBackupTest, SnapshotReaderSeesTheCommittedStateOnly) {
  MakeTable("chunks", 100);
  Transaction tx(db_.get());
  ASSERT_TRUE(tx.Begin().ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 50").ok());
  auto reader = OpenSnapshotReader(db_.get(), Env::Default());
  ASSERT_TRUE(reader.ok()) << reader.status().ToString();
  auto n = (*reader)->Query("SELECT count(*) FROM chunks", {});
  ASSERT_TRUE(n.ok()) << n.status().ToString();
  EXPECT_EQ(n->GetInt(0, 0), 100);
  reader->reset();
  ASSERT_TRUE(tx.Rollback().ok());
  // Outside a transaction there is no snapshot to share.
  EXPECT_EQ(OpenSnapshotReader(db_.get(), Env::Default()).status().code(),
            Code::kFailedPrecondition);
}

// The checksum computed in rowid ranges on several connections is the
// one-connection checksum, whatever the rowids (negative, extreme, sparse).
TEST_F(SqliteBackupTest, ChecksumInPartsEqualsOneConnection) {
  ASSERT_TRUE(db_->Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT, w REAL)").ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE empty_t (id INTEGER PRIMARY KEY, v TEXT)").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO t VALUES (-9223372036854775808, 'min', 1.5), (-5, NULL, 0),"
                        " (0, 'zero', -0.0), (3, 'x', NULL), (9223372036854775807, 'max', 2)")
                  .ok());
  ASSERT_TRUE(
      db_->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 4000)"
                " INSERT INTO t SELECT i * 7919, 'r' || i, i * 0.25 FROM c")
          .ok());
  const TableChecksum one = Sum("t");
  for (int parts : {1, 2, 3, 7}) {
    auto p = SqliteChecksumInParts(db_->url(), Env::Default(), "t", one.checksum, parts);
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(*p, one) << parts << " parts";
    EXPECT_EQ(p->data_bytes, one.data_bytes);
  }
  auto empty = SqliteChecksumInParts(db_->url(), Env::Default(), "empty_t", one.checksum, 2);
  ASSERT_TRUE(empty.ok()) << empty.status().ToString();
  EXPECT_EQ(*empty, Sum("empty_t"));
  // Where `rowid` is not the row's id, or another method was recorded, the
  // caller must compute it on one connection.
  ASSERT_TRUE(db_->Exec("CREATE TABLE shadow (RowId TEXT, v INTEGER)").ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE wr (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID").ok());
  ASSERT_TRUE(db_->Exec("INSERT INTO wr VALUES ('a', 1)").ok());
  EXPECT_EQ(
      SqliteChecksumInParts(db_->url(), Env::Default(), "shadow", one.checksum, 2).status().code(),
      Code::kUnavailable);
  EXPECT_EQ(
      SqliteChecksumInParts(db_->url(), Env::Default(), "wr", one.checksum, 2).status().code(),
      Code::kUnavailable);
  EXPECT_EQ(SqliteChecksumInParts(db_->url(), Env::Default(), "t",
                                  "sqlite-sha256sum:" + one.checksum.substr(17), 2)
                .status()
                .code(),
            Code::kUnavailable);
}

TEST_F(SqliteBackupTest, VerifyCatchesATamperedSnapshot) {
  MakeTable("chunks", 500);
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "chunks");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
  ASSERT_TRUE(db_->Exec("UPDATE " + db_->QuoteIdentifier(b->name) + " SET tenant = 'z' WHERE id = 77").ok());
  auto v = VerifySnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_FALSE(v.ok());
  EXPECT_EQ(v.status().code(), Code::kCorruption);
  EXPECT_NE(v.status().message().find(b->name), std::string::npos);
  EXPECT_EQ((*BackupCatalog(db_.get()).Find(b->name))->state, BackupState::kFailed);
  // A failed backup is never restored.
  EXPECT_EQ(RestoreSnapshot(db_.get(), Env::Default(), b->name).status().code(),
            Code::kFailedPrecondition);
}

TEST_F(SqliteBackupTest, SpotCheckComparesRealRows) {
  MakeTable("chunks", 300);
  ASSERT_TRUE(db_->Exec("CREATE TABLE copy AS SELECT * FROM chunks").ok());
  auto ok = SpotCheckRows(db_.get(), "chunks", "copy", 50, 42, 300);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(*ok, 50);
  // Every row of the copy differs from its source row: any sample finds it.
  ASSERT_TRUE(db_->Exec("UPDATE copy SET n = n + 1").ok());
  auto bad = SpotCheckRows(db_.get(), "chunks", "copy", 5, 7, 300);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("differs"), std::string::npos);
  ASSERT_TRUE(db_->Exec("UPDATE copy SET id = id + 100000").ok());
  bad = SpotCheckRows(db_.get(), "chunks", "copy", 5, 7, 300);
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("is not in"), std::string::npos);
}

TEST_F(SqliteBackupTest, SnapshotRoundTripWreckRestore) {
  MakeTable(kHostile, 2000);
  ASSERT_TRUE(db_->Exec("CREATE VIEW v AS SELECT count(*) AS c FROM " + db_->QuoteIdentifier(kHostile)).ok());
  const TableChecksum before = Sum(kHostile);
  auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), kHostile);
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  // Wreck.
  ASSERT_TRUE(db_->Exec("DELETE FROM " + db_->QuoteIdentifier(kHostile) + " WHERE id % 3 = 0").ok());
  ASSERT_TRUE(db_->Exec("UPDATE " + db_->QuoteIdentifier(kHostile) + " SET body = NULL").ok());
  const TableChecksum wrecked = Sum(kHostile);
  ASSERT_NE(wrecked.checksum, before.checksum);
  auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum(kHostile), before);
  // The view still reads the live table; the index is back on it.
  EXPECT_EQ(db_->Query("SELECT c FROM v", {})->GetInt(0, 0), 2000);
  auto ix = db_->Query("SELECT tbl_name FROM sqlite_master WHERE name = $1", {kHostile + "_tenant"});
  EXPECT_EQ(ix->GetText(0, 0), kHostile);
  // The wrecked state was kept as a safety backup with its own record.
  auto all = ListBackups(db_.get());
  ASSERT_TRUE(all.ok());
  bool found_safety = false;
  for (const auto& s : *all) {
    if (s.name != b->name && s.source == kHostile) {
      found_safety = true;
      EXPECT_EQ(Sum(s.name), wrecked);
    }
  }
  EXPECT_TRUE(found_safety);
  // Restore by time picks the newest not after the time.
  auto at = FindBackupAt(db_.get(), b->created_at, kHostile);
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(FindBackupAt(db_.get(), b->created_at - 1, "").status().code(), Code::kNotFound);
}

// Generated columns (VIRTUAL and STORED) cannot be inserted into: the copy
// takes the stored columns, the snapshot table carries the same generated
// definitions (so the checksums, which see every column, agree), and a
// restore (live table present or dropped) brings them back computing.
TEST_F(SqliteBackupTest, SnapshotOfTableWithGeneratedColumnsRoundTrips) {
  const std::string q = db_->QuoteIdentifier("gen");
  ASSERT_TRUE(db_->Exec("CREATE TABLE " + q +
                        " (id INTEGER PRIMARY KEY, a INTEGER NOT NULL, b TEXT,"
                        " twice INTEGER GENERATED ALWAYS AS (a * 2) VIRTUAL,"
                        " label TEXT GENERATED ALWAYS AS (b || '#' || a) STORED, tail REAL)")
                  .ok());
  ASSERT_TRUE(db_->Exec("CREATE INDEX gen_label ON " + q + " (label)").ok());
  ASSERT_TRUE(db_->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 500)"
                        " INSERT INTO " + q + " (id, a, b, tail) SELECT i, i * 3, 'r' || i, i / 7.0 FROM c")
                  .ok());
  const TableChecksum before = Sum("gen");
  for (bool with_indexes : {false, true}) {
    SnapshotOptions o;
    o.with_indexes = with_indexes;
    auto b = CreateVerifiedSnapshot(db_.get(), Env::Default(), "gen", o);
    ASSERT_TRUE(b.ok()) << b.status().ToString();
    EXPECT_EQ(b->row_count, 500);
    ASSERT_TRUE(VerifySnapshot(db_.get(), Env::Default(), b->name).ok());
    auto g = db_->Query("SELECT twice, label FROM " + db_->QuoteIdentifier(b->name) + " WHERE id = 5", {});
    ASSERT_TRUE(g.ok()) << g.status().ToString();
    EXPECT_EQ(g->GetInt(0, 0), 30);
    EXPECT_EQ(g->GetText(0, 1), "r5#15");

    // Restore over a wrecked live table (SQLite: rename and refill).
    ASSERT_TRUE(db_->Exec("UPDATE " + q + " SET a = a + 1, b = NULL WHERE id % 2 = 0").ok());
    ASSERT_TRUE(db_->Exec("DELETE FROM " + q + " WHERE id > 400").ok());
    auto r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Sum("gen"), before);
    // Still generated: a new row computes its own values.
    ASSERT_TRUE(db_->Exec("INSERT INTO " + q + " (id, a, b) VALUES (9001, 4, 'n')").ok());
    auto n = db_->Query("SELECT twice, label FROM " + q + " WHERE id = 9001", {});
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->GetInt(0, 0), 8);
    EXPECT_EQ(n->GetText(0, 1), "n#4");
    ASSERT_TRUE(db_->Exec("DELETE FROM " + q + " WHERE id = 9001").ok());

    // Restore after the live table was dropped.
    ASSERT_TRUE(db_->Exec("DROP TABLE " + q).ok());
    r = RestoreSnapshot(db_.get(), Env::Default(), b->name);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(Sum("gen"), before);
    EXPECT_FALSE(db_->Exec("UPDATE " + q + " SET twice = 1").ok()) << "twice is generated again";
  }
}

TEST_F(SqliteBackupTest, CreateFailsCleanlyInsideTransactionOrForMissingTable) {
  EXPECT_EQ(CreateVerifiedSnapshot(db_.get(), Env::Default(), "nope").status().code(), Code::kNotFound);
  MakeTable("chunks", 10);
  ASSERT_TRUE(db_->Begin().ok());
  EXPECT_EQ(CreateVerifiedSnapshot(db_.get(), Env::Default(), "chunks").status().code(),
            Code::kFailedPrecondition);
  ASSERT_TRUE(db_->Rollback().ok());
}

TEST_F(SqliteBackupTest, ExtendAndCleanupNeverTheNewestVerified) {
  MakeTable("chunks", 10);
  SnapshotOptions o;
  o.retention = std::chrono::seconds(1);
  auto b1 = CreateVerifiedSnapshot(db_.get(), Env::Default(), "chunks", o);
  auto b2 = CreateVerifiedSnapshot(db_.get(), Env::Default(), "chunks", o);
  ASSERT_TRUE(b1.ok() && b2.ok());
  // Age them past expiry and past the last day.
  ASSERT_TRUE(db_->Exec("UPDATE ferry_backups SET created_at = created_at - 3 * 86400 - id,"
                        " expires_at = expires_at - 3 * 86400").ok());
  // b2 is older (aged by its larger id): expired and not the newest -> goes.
  auto dry = CleanupBackups(db_.get(), Env::Default(), {}, /*dry_run=*/true);
  ASSERT_TRUE(dry.ok());
  int would = 0;
  for (const auto& d : *dry) {
    would += d.remove;
    if (d.remove) {
      EXPECT_EQ(d.backup.name, b2->name);
    }
  }
  EXPECT_EQ(would, 1);
  EXPECT_TRUE(*db_->TableExists(b2->name));  // dry run touched nothing
  auto ext = ExtendBackup(db_.get(), Env::Default(), b2->name, 14);
  ASSERT_TRUE(ext.ok());
  auto none = CleanupBackups(db_.get(), Env::Default(), {}, false);
  ASSERT_TRUE(none.ok());
  for (const auto& d : *none) EXPECT_FALSE(d.remove) << d.backup.name;
  ASSERT_TRUE(db_->Exec("UPDATE ferry_backups SET expires_at = 1").ok());
  auto done = CleanupBackups(db_.get(), Env::Default(), {}, false);
  ASSERT_TRUE(done.ok());
  // Both expired: the newest verified (b1) stays, table and record.
  EXPECT_TRUE(*db_->TableExists(b1->name));
  EXPECT_FALSE(*db_->TableExists(b2->name));
  ASSERT_EQ(ListBackups(db_.get())->size(), 1u);
  EXPECT_EQ((*ListBackups(db_.get()))[0].name, b1->name);
}

// ---- archives ----

class SqliteArchiveTest : public SqliteBackupTest {
 protected:
  std::map<std::string, TableChecksum> AllSums() {
    std::map<std::string, TableChecksum> out;
    auto t = db_->Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name <> 'ferry_backups'", {});
    for (size_t i = 0; i < t->size(); ++i) out[*t->GetText(i, 0)] = Sum(*t->GetText(i, 0));
    return out;
  }
  Result<BackupInfo> Archive(Compression c = Compression::kZstd) {
    ArchiveOptions o;
    o.dir = dir_ / "backups";
    o.compression = c;
    return CreateArchive(db_.get(), Env::Default(), o);
  }
};

TEST_F(SqliteArchiveTest, CreateVerifyDeepRestoreRoundTrip) {
  MakeTable("chunks", 3000);
  MakeTable(kHostile, 100);
  const auto before = AllSums();
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->state, BackupState::kVerified);
  EXPECT_EQ(a->method, "sqlite3_backup");
  EXPECT_EQ(a->row_count, 3101);  // every table, ferry_backups (its own pending row) included
  struct stat st;
  ASSERT_EQ(::stat(a->location.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  EXPECT_EQ(a->name.rfind("ferry-app-", 0), 0u) << a->name;
  EXPECT_TRUE(a->name.size() > 8 && a->name.substr(a->name.size() - 8) == ".tar.zst");
  EXPECT_EQ(a->size_bytes, st.st_size);

  auto v = VerifyArchive(db_.get(), Env::Default(), a->location, VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->test_restored);
  EXPECT_EQ(v->table_rows.at("chunks"), 3000);
  EXPECT_EQ(v->engine, "sqlite");

  // Wreck: drop a table, change rows, add a table.
  ASSERT_TRUE(db_->Exec("DROP TABLE " + db_->QuoteIdentifier(kHostile)).ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 10").ok());
  ASSERT_TRUE(db_->Exec("CREATE TABLE junk (x)").ok());
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(AllSums(), before);  // identical checksums per table, junk gone
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_TRUE(std::filesystem::exists(r->safety->location));
  // The catalog knows both archives after the restore.
  auto list = ListBackups(db_.get());
  ASSERT_TRUE(list.ok());
  int verified_archives = 0;
  for (const auto& b : *list) verified_archives += b.kind == BackupKind::kArchive && b.state == BackupState::kVerified;
  EXPECT_EQ(verified_archives, 2);
}

TEST_F(SqliteArchiveTest, GzipArchive) {
  MakeTable("chunks", 100);
  auto a = Archive(Compression::kGzip);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->name.substr(a->name.size() - 7), ".tar.gz");
  EXPECT_TRUE(VerifyArchive(nullptr, Env::Default(), a->location, VerifyDepth::kChecksums).ok());
}

TEST_F(SqliteArchiveTest, CorruptedByteFailsNamingTheFile) {
  MakeTable("chunks", 2000);
  auto a = Archive();
  ASSERT_TRUE(a.ok());
  auto size = std::filesystem::file_size(a->location);
  for (double frac : {0.3, 0.6, 0.9}) {
    std::string copy = dir_ / ("corrupt-" + std::to_string(frac) + ".tar.zst");
    std::filesystem::copy_file(a->location, copy);
    {
      std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
      f.seekg(static_cast<std::streamoff>(size * frac));
      char c;
      f.get(c);
      f.seekp(static_cast<std::streamoff>(size * frac));
      f.put(static_cast<char>(c ^ 0x5a));
    }
    auto v = VerifyArchive(nullptr, Env::Default(), copy, VerifyDepth::kChecksums);
    ASSERT_FALSE(v.ok()) << "byte at " << frac;
    EXPECT_EQ(v.status().code(), Code::kCorruption);
    EXPECT_NE(v.status().message().find(copy), std::string::npos) << v.status().message();
  }
}

TEST_F(SqliteArchiveTest, TruncatedArchiveFails) {
  MakeTable("chunks", 2000);
  auto a = Archive();
  ASSERT_TRUE(a.ok());
  auto size = std::filesystem::file_size(a->location);
  for (auto keep : {size / 2, size - 16, uintmax_t{100}}) {
    std::string copy = dir_ / "trunc.tar.zst";
    std::filesystem::remove(copy);
    std::filesystem::copy_file(a->location, copy);
    std::filesystem::resize_file(copy, keep);
    auto v = VerifyArchive(nullptr, Env::Default(), copy, VerifyDepth::kChecksums);
    ASSERT_FALSE(v.ok()) << "kept " << keep;
    EXPECT_EQ(v.status().code(), Code::kCorruption);
    // Restore refuses it too, and the live data stays.
    auto before = Sum("chunks");
    EXPECT_FALSE(RestoreArchive(db_.get(), Env::Default(), copy, dir_ / "backups").ok());
    EXPECT_EQ(Sum("chunks"), before);
  }
}

// A WAL restore loads the copy while the archive is still being extracted:
// a damaged archive must still be refused, named, with the database as it
// was, whichever byte is damaged (page 1 of the copy, its middle, its end,
// the manifest after it).
TEST_F(SqliteArchiveTest, RestoreOfADamagedArchiveFailsAndLeavesTheDatabase) {
  MakeTable("chunks", 4000);
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 100").ok());
  const auto before = AllSums();
  const auto size = std::filesystem::file_size(a->location);
  for (double frac : {0.02, 0.3, 0.6, 0.9, 0.995}) {
    const std::string copy = dir_ / ("damaged-" + std::to_string(frac) + ".tar.zst");
    std::filesystem::copy_file(a->location, copy);
    {
      std::fstream f(copy, std::ios::in | std::ios::out | std::ios::binary);
      const auto at = static_cast<std::streamoff>(size * frac);
      f.seekg(at);
      char c;
      f.get(c);
      f.seekp(at);
      f.put(static_cast<char>(c ^ 0x5a));
    }
    auto r = RestoreArchive(db_.get(), Env::Default(), copy, dir_ / "backups");
    ASSERT_FALSE(r.ok()) << "byte at " << frac;
    EXPECT_EQ(r.status().code(), Code::kCorruption) << frac << ": " << r.status().ToString();
    EXPECT_NE(r.status().message().find(copy), std::string::npos) << r.status().message();
    EXPECT_EQ(AllSums(), before) << "byte at " << frac;
  }
  // Nothing of the extractions is left beside the archives.
  for (const auto& e : std::filesystem::directory_iterator(dir_.path()))
    EXPECT_EQ(e.path().filename().string().rfind(".ferry-restore-", 0), std::string::npos) << e.path();
}

// The copy's row counts are compared with the manifest's before the swap:
// an archive whose copy is intact (its SHA-256 as listed) but holds other
// counts than the manifest records is refused with the database unchanged,
// and the safety archive taken meanwhile is kept in the catalog.
TEST_F(SqliteArchiveTest, RestoreWhoseCountsDifferFromTheManifestChangesNothing) {
  MakeTable("chunks", 300);
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  // The same archive, its manifest claiming one row more in chunks.
  const std::string out = dir_ / "unpacked";
  std::filesystem::create_directories(out);
  std::string manifest;
  ASSERT_TRUE(ExtractArchiveFileHashed(a->location, out, &manifest).ok());
  auto m = nlohmann::json::parse(manifest);
  ASSERT_TRUE(m.contains("tables"));
  m["tables"]["chunks"] = m["tables"]["chunks"].get<int64_t>() + 1;
  std::ifstream in(out + "/database.sqlite3", std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  testing::WriteRawArchive(dir_ / "recount.tar.zst",
                           {{"database.sqlite3", bytes, "", ""}, {"manifest.json", m.dump(), "", ""}});
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 100").ok());
  const auto before = AllSums();
  auto r = RestoreArchive(db_.get(), Env::Default(), dir_ / "recount.tar.zst", dir_ / "backups");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kCorruption) << r.status().ToString();
  EXPECT_NE(r.status().message().find("chunks"), std::string::npos) << r.status().message();
  EXPECT_NE(r.status().message().find("unchanged"), std::string::npos) << r.status().message();
  EXPECT_EQ(AllSums(), before);
  auto list = ListBackups(db_.get());
  ASSERT_TRUE(list.ok());
  int safety = 0;
  for (const auto& b : *list) safety += b.name.rfind("ferry-safety-", 0) == 0;
  EXPECT_EQ(safety, 1);
}

// An archive of another engine is refused and the database stays as it
// was, even with a member named as a SQLite copy, which a WAL restore
// starts loading before the manifest (last in the archive) is read. That
// copy is one page (this database's file before any checkpoint): the
// restore's first step once copied it whole and committed, before the
// safety archive and the archive's checks (caught by this test).
TEST_F(SqliteArchiveTest, RestoreRefusesAnotherEnginesArchive) {
  MakeTable("chunks", 50);
  const auto before = AllSums();
  testing::WriteRawArchive(dir_ / "pg.tar.zst",
                           {{"manifest.json", R"({"engine":"postgres","files":[]})", "", ""},
                            {"schema.sql", "CREATE TABLE x (a int)", "", ""}});
  auto r = RestoreArchive(db_.get(), Env::Default(), dir_ / "pg.tar.zst", dir_ / "backups");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(AllSums(), before);
  // The SQLite file of this very database, in an archive that says postgres.
  const std::string bytes = [&] {
    std::ifstream in(path_, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  testing::WriteRawArchive(dir_ / "pg2.tar.zst",
                           {{"database.sqlite3", bytes, "", ""},
                            {"manifest.json", R"({"engine":"postgres","files":[]})", "", ""}});
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 10").ok());
  const auto wrecked = AllSums();
  r = RestoreArchive(db_.get(), Env::Default(), dir_ / "pg2.tar.zst", dir_ / "backups");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(AllSums(), wrecked);
}

TEST_F(SqliteArchiveTest, ManifestMissingOrUnlistedEntry) {
  testing::WriteRawArchive(dir_ / "nomanifest.tar.zst", {{"database.sqlite3", "x", "", ""}});
  auto v = VerifyArchive(nullptr, Env::Default(), dir_ / "nomanifest.tar.zst", VerifyDepth::kChecksums);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("manifest.json is missing"), std::string::npos);
  testing::WriteRawArchive(dir_ / "badmanifest.tar.zst", {{"manifest.json", "{not json", "", ""}});
  v = VerifyArchive(nullptr, Env::Default(), dir_ / "badmanifest.tar.zst", VerifyDepth::kChecksums);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("not readable"), std::string::npos);
  testing::WriteRawArchive(dir_ / "extra.tar.zst",
                           {{"manifest.json", R"({"engine":"sqlite","files":[]})", "", ""},
                            {"sneaky.sql", "DROP TABLE x", "", ""}});
  v = VerifyArchive(nullptr, Env::Default(), dir_ / "extra.tar.zst", VerifyDepth::kChecksums);
  ASSERT_FALSE(v.ok());
  EXPECT_NE(v.status().message().find("sneaky.sql"), std::string::npos);
}

TEST_F(SqliteArchiveTest, RestoreRefusesTraversalAndLeavesDatabase) {
  MakeTable("chunks", 50);
  auto before = Sum("chunks");
  testing::WriteRawArchive(dir_ / "evil.tar.zst",
                           {{"manifest.json", R"({"engine":"sqlite","files":[]})", "", ""},
                            {"../app.db", "garbage", "", ""}});
  auto r = RestoreArchive(db_.get(), Env::Default(), dir_ / "evil.tar.zst", dir_ / "backups");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("../app.db"), std::string::npos) << r.status().message();
  EXPECT_EQ(Sum("chunks"), before);
}

TEST_F(SqliteArchiveTest, RestoreOntoADatabaseInUse) {
  MakeTable("chunks", 1000);
  auto a = Archive();
  ASSERT_TRUE(a.ok());
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 500").ok());
  // Another connection is in the middle of a read transaction.
  auto reader = OpenDatabase("sqlite:" + path_, Env::Default());
  ASSERT_TRUE(reader.ok());
  ASSERT_TRUE((*reader)->Exec("BEGIN").ok());
  EXPECT_EQ((*reader)->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 500);
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // The reader keeps its snapshot until it ends; then it sees the restore.
  EXPECT_EQ((*reader)->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 500);
  ASSERT_TRUE((*reader)->Exec("COMMIT").ok());
  EXPECT_EQ((*reader)->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 1000);
  EXPECT_EQ(db_->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 1000);
}

// Disk full, for real: the archive directory is a tiny tmpfs.
TEST_F(SqliteArchiveTest, DiskFullLeavesNoGoodLookingFile) {
  std::string mnt = dir_ / "tiny";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1536k") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
  // ~2.4 MB of incompressible rows: the archive does not fit (streamed
  // straight into it, or through a staging copy: neither fits).
  ASSERT_TRUE(db_->Exec("CREATE TABLE r (b BLOB)").ok());
  ASSERT_TRUE(db_->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 600)"
                        " INSERT INTO r SELECT randomblob(4000) FROM c").ok());
  ArchiveOptions o;
  o.dir = mnt;
  auto a = CreateArchive(db_.get(), Env::Default(), o);
  bool failed = !a.ok();
  std::vector<std::string> left;
  for (const auto& e : std::filesystem::directory_iterator(mnt)) left.push_back(e.path().filename());
  ::umount2(mnt.c_str(), MNT_DETACH);
  ASSERT_TRUE(failed) << "archive unexpectedly fit";
  EXPECT_TRUE(a.status().code() == Code::kIOError) << a.status().ToString();
  EXPECT_TRUE(left.empty()) << left.front();
  auto list = ListBackups(db_.get());
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->size(), 1u);
  EXPECT_NE((*list)[0].state, BackupState::kVerified);
}

// Disk full during a restore, for real: the live database is on a tmpfs
// with room for its own pages but not for the restored ones in its WAL
// (written in batches, sqlite_batch_vfs.h). The restore fails, the
// database is as it was and writable; with room, the same restore works.
TEST_F(SqliteArchiveTest, RestoreOntoAFullDiskChangesNothing) {
  const std::string mnt = dir_ / "tiny";
  std::filesystem::create_directories(mnt);
  if (::mount("tmpfs", mnt.c_str(), "tmpfs", 0, "size=1m") != 0)
    GTEST_SKIP() << "cannot mount a tmpfs here (needs root): " << std::strerror(errno);
  struct Unmount {
    std::string m;
    ~Unmount() { ::umount2(m.c_str(), MNT_DETACH); }
  } unmount{mnt};
  // ~2.4 MB archived from the fixture's database (not on the tmpfs).
  ASSERT_TRUE(db_->Exec("CREATE TABLE r (id INTEGER PRIMARY KEY, b BLOB)").ok());
  ASSERT_TRUE(db_->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < 600)"
                        " INSERT INTO r SELECT i, randomblob(4000) FROM c").ok());
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  auto small = OpenDatabase("sqlite:" + mnt + "/live.db", Env::Default());
  ASSERT_TRUE(small.ok()) << small.status().ToString();
  Database* live = small->get();
  ASSERT_TRUE(live->Exec("CREATE TABLE r (id INTEGER PRIMARY KEY, b BLOB)").ok());
  ASSERT_TRUE(live->Exec("INSERT INTO r VALUES (1, x'00'), (2, x'01')").ok());
  auto before = ComputeTableChecksum(live, "r");
  ASSERT_TRUE(before.ok()) << before.status().ToString();

  auto r = RestoreArchive(live, Env::Default(), a->location, dir_ / "safety");
  ASSERT_FALSE(r.ok()) << "the restore unexpectedly fit";
  EXPECT_NE(r.status().message().find("unchanged"), std::string::npos) << r.status().ToString();
  auto after = ComputeTableChecksum(live, "r");
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(*after, *before);
  auto check = live->Query("PRAGMA integrity_check", {});
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(*check->GetText(0, 0), "ok");
  ASSERT_TRUE(live->Exec("INSERT INTO r VALUES (3, x'02')").ok());
  ASSERT_TRUE(live->Exec("DELETE FROM r WHERE id = 3").ok());

  ASSERT_EQ(::mount("tmpfs", mnt.c_str(), "tmpfs", MS_REMOUNT, "size=16m"), 0) << std::strerror(errno);
  auto again = RestoreArchive(live, Env::Default(), a->location, dir_ / "safety");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto restored = ComputeTableChecksum(live, "r");
  ASSERT_TRUE(restored.ok());
  EXPECT_EQ(*restored, Sum("r"));
}

// An archive of another database carries that database's catalog, whose
// ids are its own: the live catalog's archive rows are put back beside its
// rows, under new ids where they collide, and the restore succeeds. (It
// failed after the swap with "UNIQUE constraint failed: ferry_backups.id".)
TEST_F(SqliteArchiveTest, RestoreOfAnotherDatabasesArchiveKeepsBothCatalogs) {
  MakeTable("chunks", 50);
  auto theirs = Archive();  // id 1 in this database's catalog
  ASSERT_TRUE(theirs.ok()) << theirs.status().ToString();
  auto other = OpenDatabase("sqlite:" + (dir_ / "other.db"), Env::Default());
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE((*other)->Exec("CREATE TABLE x (a INTEGER)").ok());
  ArchiveOptions o;
  o.dir = dir_ / "other-backups";
  auto ours = CreateArchive(other->get(), Env::Default(), o);  // id 1 there too
  ASSERT_TRUE(ours.ok()) << ours.status().ToString();
  ASSERT_EQ(ours->id, theirs->id);

  auto r = RestoreArchive(other->get(), Env::Default(), theirs->location, dir_ / "safety");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto list = ListBackups(other->get());
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  std::set<std::string> names;
  std::set<int64_t> ids;
  for (const auto& b : *list) {
    names.insert(b.name);
    ids.insert(b.id);
  }
  EXPECT_EQ(ids.size(), list->size());  // no id twice
  EXPECT_TRUE(names.count(theirs->name)) << "the restored catalog's own row";
  EXPECT_TRUE(names.count(ours->name)) << "the live catalog's archive, put back";
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_TRUE(names.count(r->safety->name)) << "the safety archive";
}

// SQLite copies between page sizes only into a database outside WAL mode:
// the restore says so (and how to do it) with the database unchanged, and
// done that way it works.
TEST_F(SqliteArchiveTest, RestoreAcrossPageSizesSaysHowAndChangesNothing) {
  const std::string src = dir_ / "8k.db";
  {
    sqlite3* raw = nullptr;
    ASSERT_EQ(sqlite3_open(src.c_str(), &raw), SQLITE_OK);
    ASSERT_EQ(sqlite3_exec(raw, "PRAGMA page_size=8192; CREATE TABLE chunks (id INTEGER PRIMARY KEY, v);"
                                " INSERT INTO chunks VALUES (1, 'a'), (2, 'b');",
                           nullptr, nullptr, nullptr),
              SQLITE_OK);
    sqlite3_close(raw);
  }
  auto srcdb = OpenDatabase("sqlite:" + src, Env::Default());
  ASSERT_TRUE(srcdb.ok()) << srcdb.status().ToString();
  ArchiveOptions o;
  o.dir = dir_ / "backups";
  auto a = CreateArchive(srcdb->get(), Env::Default(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  MakeTable("chunks", 100);  // the fixture's database: 4096-byte pages, WAL
  const auto before = AllSums();

  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "safety");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument) << r.status().ToString();
  EXPECT_NE(r.status().message().find("8192-byte pages"), std::string::npos) << r.status().ToString();
  EXPECT_NE(r.status().message().find("journal_mode=delete"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(AllSums(), before);

  db_.reset();
  auto jdb = OpenDatabase("sqlite:" + path_ + "?journal_mode=delete", Env::Default());
  ASSERT_TRUE(jdb.ok()) << jdb.status().ToString();
  db_ = std::move(jdb).value();
  auto again = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "safety");
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(db_->Query("PRAGMA page_size", {})->GetInt(0, 0), 8192);
  EXPECT_EQ(db_->Query("SELECT count(*) FROM chunks", {})->GetInt(0, 0), 2);
}

// ---- a WAL restore in steps, beside the safety archive ----

int64_t CountChunks(Database* db) {
  auto r = db->Query("SELECT count(*) FROM chunks", {});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? r->GetInt(0, 0).value_or(-1) : -1;
}

// StartRestore takes the live file's write lock and keeps it through Load
// (other writers fail at once, readers see the old rows); abandoned, the
// database is the old one and writable; swapped, it is the copy.
TEST_F(SqliteArchiveTest, WalRestoreHoldsWritersUntilSwapAndRollsBackWhenAbandoned) {
  MakeTable("chunks", 3000);
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 500").ok());
  const std::string extracted = dir_ / "extracted";
  std::filesystem::create_directories(extracted);
  ASSERT_TRUE(ExtractArchiveFile(a->location, extracted).ok());
  auto archiver = MakeArchiver(db_.get(), Env::Default(), ArchiveMethod::kAuto);
  ASSERT_TRUE(archiver.ok());
  ASSERT_TRUE((*archiver)->LoadsBesideSafetyArchive());  // ferry opens SQLite in WAL mode
  auto other = OpenDatabase("sqlite:" + path_ + "?busy_timeout_ms=0", Env::Default());
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  for (bool swap : {false, true}) {
    SCOPED_TRACE(swap ? "swapped" : "abandoned");
    auto staged = (*archiver)->StartRestore(extracted);
    ASSERT_TRUE(staged.ok()) << staged.status().ToString();
    // The backup's write transaction is open from the first step on.
    EXPECT_FALSE((*other)->Exec("INSERT INTO chunks (id, tenant) VALUES (100000, 'w')").ok());
    ASSERT_TRUE((*staged)->Load().ok());
    EXPECT_FALSE((*other)->Exec("INSERT INTO chunks (id, tenant) VALUES (100000, 'w')").ok());
    EXPECT_EQ(CountChunks(other->get()), 500);  // loaded pages are not visible yet
    if (!swap) {
      staged->reset();
      EXPECT_EQ(CountChunks(db_.get()), 500);
      ASSERT_TRUE((*other)->Exec("INSERT INTO chunks (id, tenant) VALUES (100000, 'w')").ok());
      ASSERT_TRUE((*other)->Exec("DELETE FROM chunks WHERE id = 100000").ok());
      auto ok = db_->Query("PRAGMA quick_check", {});
      ASSERT_TRUE(ok.ok());
      EXPECT_EQ(*ok->GetText(0, 0), "ok");
    } else {
      auto rows = (*staged)->Swap();
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      EXPECT_EQ(rows->at("chunks"), 3000);
      staged->reset();
      EXPECT_EQ(CountChunks(other->get()), 3000);
      EXPECT_TRUE((*other)->Exec("INSERT INTO chunks (id, tenant) VALUES (100000, 'w')").ok());
    }
  }
}

// The safety archive fails (its directory cannot be made) while the copy
// loads beside it: the restore is refused and the database is the old one.
TEST_F(SqliteArchiveTest, WalRestoreWithFailingSafetyArchiveLeavesTheDatabase) {
  MakeTable("chunks", 3000);
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 500").ok());
  const auto before = Sum("chunks");
  { std::ofstream(dir_ / "not-a-dir") << "x"; }
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "not-a-dir/safety");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Sum("chunks"), before);
  EXPECT_TRUE(db_->Exec("INSERT INTO chunks (id, tenant) VALUES (100000, 'w')").ok());
  // And a restore after it goes through, safety archive recorded.
  auto ok = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_EQ(CountChunks(db_.get()), 3000);
  ASSERT_TRUE(ok->safety.has_value());
  auto found = BackupCatalog(db_.get()).Find(ok->safety->name);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->state, BackupState::kVerified);
}

// A rollback-journal database keeps the order safety archive, then restore.
TEST_F(SqliteArchiveTest, RollbackJournalRestoreDoesNotLoadBeside) {
  const std::string p = dir_ / "journal.db";
  auto jdb = OpenDatabase("sqlite:" + p + "?journal_mode=delete", Env::Default());
  ASSERT_TRUE(jdb.ok()) << jdb.status().ToString();
  db_ = std::move(jdb).value();
  MakeTable("chunks", 1000);
  auto a = Archive();
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(db_->Exec("DELETE FROM chunks WHERE id > 500").ok());
  auto archiver = MakeArchiver(db_.get(), Env::Default(), ArchiveMethod::kAuto);
  ASSERT_TRUE(archiver.ok());
  EXPECT_FALSE((*archiver)->LoadsBesideSafetyArchive());
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(CountChunks(db_.get()), 1000);
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_TRUE(std::filesystem::exists(r->safety->location));
}

}  // namespace
}  // namespace ferry
