#include <gtest/gtest.h>

#include "core/migration_lock.h"
#include "db/database.h"
#include "lock/file/file_lock.h"
#include "migrator_test_util.h"

namespace ferry {
namespace {

using testing::MemoryFolder;
using testing::TempDir;

std::string Mig(const std::string& table) {
  return "-- +up\nCREATE TABLE " + table +
         " (id INTEGER PRIMARY KEY);\nINSERT INTO audit VALUES ('" + table +
         "');\n-- +down\nDROP TABLE " + table + ";\nDELETE FROM audit WHERE name = '" + table +
         "';\n";
}

class MigratorTest : public ::testing::Test {
 protected:
  void SetUp() override {
    url_ = "sqlite:" + dir_.path() + "/app.db";
    folder_.Add("0001_audit.sql",
                "-- +up\nCREATE TABLE audit (name TEXT);\n-- +down\nDROP TABLE audit;\n");
    folder_.Add("0002_a.sql", Mig("a"));
    folder_.Add("0003_b.sql", Mig("b"));
    folder_.Add("0004_c.sql", Mig("c"));
  }

  std::unique_ptr<Migrator> Open() {
    MigratorOptions o;
    o.database_url = url_;
    o.embedded = folder_.files();
    o.lock_timeout = std::chrono::milliseconds(2000);
    auto m = Migrator::Open(o);
    EXPECT_TRUE(m.ok()) << m.status().ToString();
    return m.ok() ? std::move(m).value() : nullptr;
  }

  std::unique_ptr<Database> Db() { return std::move(OpenDatabase(url_, Env::Default())).value(); }

  int64_t Count(const std::string& sql) {
    auto rows = Db()->Query(sql, {});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->GetInt(0, 0).value_or(-1) : -1;
  }

  TempDir dir_;
  std::string url_;
  MemoryFolder folder_;
};

TEST_F(MigratorTest, UpStatusCheckDown) {
  auto m = Open();
  auto plan = m->Plan({});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->size(), 4u);
  EXPECT_FALSE(*Db()->TableExists("ferry_schema_migrations"));  // plan writes nothing

  auto up = m->Up({.to = std::string("3")});
  ASSERT_TRUE(up.ok()) << up.status().ToString();
  EXPECT_EQ(up->size(), 3u);
  auto check = m->Check();
  ASSERT_TRUE(check.ok());
  EXPECT_EQ(check->state, CheckReport::State::kPending);
  EXPECT_EQ(check->pending, 1u);

  ASSERT_TRUE(m->Up({}).ok());
  auto st = m->GetStatus();
  ASSERT_TRUE(st.ok());
  EXPECT_EQ(st->current_version, "4");
  EXPECT_EQ(st->applied, 4u);
  EXPECT_EQ(st->pending, 0u);
  EXPECT_EQ(Count("SELECT count(*) FROM audit"), 3);
  EXPECT_EQ(m->Check()->state, CheckReport::State::kUpToDate);

  // A second up is a no-op.
  auto again = m->Up({});
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->empty());

  auto down = m->Down({.steps = 2});
  ASSERT_TRUE(down.ok()) << down.status().ToString();
  EXPECT_EQ(down->size(), 2u);
  EXPECT_EQ(m->GetStatus()->current_version, "2");
  EXPECT_FALSE(*Db()->TableExists("c"));
  EXPECT_EQ(Count("SELECT count(*) FROM audit"), 1);

  ASSERT_TRUE(m->Down({.all = true}).ok());
  EXPECT_EQ(m->GetStatus()->current_version, "");
  EXPECT_FALSE(*Db()->TableExists("audit"));
}

TEST_F(MigratorTest, DownToVersionAndMissingDown) {
  folder_.Add("0005_nodown.sql", "CREATE TABLE d (x INT);\n");
  auto m = Open();
  ASSERT_TRUE(m->Up({}).ok());
  auto r = m->Down({.to = std::string("3")});
  ASSERT_FALSE(r.ok());  // 0005 has no down: nothing may run
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("0005_nodown.sql"), std::string::npos);
  EXPECT_TRUE(*Db()->TableExists("d"));
  EXPECT_TRUE(*Db()->TableExists("c"));
}

TEST_F(MigratorTest, FailedMigrationLeavesSchemaAndNeedsRepair) {
  folder_.Replace(
      "0003_b.sql",
      "-- +up\nCREATE TABLE b (id INTEGER PRIMARY KEY);\n\nINSERT INTO nosuch VALUES (1);\n"
      "-- +down\nDROP TABLE b;\n");
  auto m = Open();
  auto up = m->Up({});
  ASSERT_FALSE(up.ok());
  EXPECT_EQ(up.status().code(), Code::kExecutionFailed);
  EXPECT_NE(up.status().message().find("0003_b.sql:4"), std::string::npos) << up.status().message();
  EXPECT_FALSE(*Db()->TableExists("b"));  // rolled back with its transaction
  EXPECT_TRUE(*Db()->TableExists("a"));
  auto st = m->GetStatus();
  ASSERT_TRUE(st->failed.has_value());
  EXPECT_EQ(st->failed->version, "3");
  EXPECT_NE(st->failed->error.find("0003_b.sql:4"), std::string::npos);

  // up refuses to go past it until repair.
  auto again = m->Up({});
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), Code::kFailedPrecondition);
  EXPECT_EQ(m->Check()->state, CheckReport::State::kFailed);
  auto v = m->Validate();
  ASSERT_TRUE(v.ok());
  EXPECT_FALSE(v->ok());

  folder_.Replace("0003_b.sql", Mig("b"));
  auto fixed = Open();
  auto repair = fixed->Repair({});
  ASSERT_TRUE(repair.ok());
  ASSERT_EQ(repair->actions.size(), 1u);
  ASSERT_TRUE(fixed->Up({}).ok());
  EXPECT_EQ(Count("SELECT count(*) FROM audit"), 3);
}

TEST_F(MigratorTest, SchemaTooNew) {
  ASSERT_TRUE(Open()->Up({}).ok());
  MemoryFolder older;
  older.Add("0001_audit.sql", "-- +up\nCREATE TABLE audit (name TEXT);\n");
  older.Add("0002_a.sql", Mig("a"));
  folder_ = std::move(older);
  auto m = Open();
  Status st = m->CheckCompatible();
  EXPECT_EQ(st.code(), Code::kSchemaTooNew);
  EXPECT_NE(
      st.message().find("schema version mismatch: database is at 4, this folder knows up to 2"),
      std::string::npos)
      << st.message();
  EXPECT_EQ(m->Check()->state, CheckReport::State::kTooNew);
  EXPECT_EQ(m->Up({}).status().code(), Code::kSchemaTooNew);
}

TEST_F(MigratorTest, ChecksumDriftAndRepairChecksums) {
  ASSERT_TRUE(Open()->Up({}).ok());
  folder_.Replace("0002_a.sql", Mig("a") + "-- edited\n");  // lands in the down section: no drift
  EXPECT_TRUE(Open()->Validate()->ok());
  folder_.Replace("0002_a.sql", "-- edited\n" + Mig("a"));
  auto m = Open();
  auto v = m->Validate();
  ASSERT_EQ(v->problems.size(), 1u);
  EXPECT_EQ(v->problems[0].kind, "checksum_drift");
  EXPECT_EQ(m->Up({}).status().code(), Code::kCorruption);
  ASSERT_TRUE(m->Repair({.recompute_checksums = true}).ok());
  EXPECT_TRUE(m->Validate()->ok());
}

TEST_F(MigratorTest, GapIsReported) {
  MemoryFolder partial;
  partial.Add("0001_audit.sql", "-- +up\nCREATE TABLE audit (name TEXT);\n");
  partial.Add("0003_b.sql", Mig("b"));
  std::swap(folder_, partial);
  ASSERT_TRUE(Open()->Up({}).ok());
  std::swap(folder_, partial);  // 0002 appears later, below an applied version
  auto m = Open();
  auto v = m->Validate();
  ASSERT_FALSE(v->ok());
  EXPECT_EQ(v->problems[0].kind, "gap");
  EXPECT_EQ(m->Up({}).status().code(), Code::kCorruption);
}

TEST_F(MigratorTest, BaselineRecordsWithoutRunning) {
  auto m = Open();
  auto b = m->Baseline("2");
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  EXPECT_EQ(b->size(), 2u);
  EXPECT_FALSE(*Db()->TableExists("audit"));  // nothing ran
  EXPECT_EQ(m->GetStatus()->current_version, "2");
  EXPECT_EQ(m->Baseline("9").status().code(), Code::kNotFound);
}

TEST_F(MigratorTest, InterruptedTransactionalMigrationIsRetried) {
  ASSERT_TRUE(Open()->Up({.to = std::string("2")}).ok());
  // What a kill -9 inside 0003's transaction leaves: the intent row only.
  ASSERT_TRUE(
      Db()->Exec("INSERT INTO ferry_schema_migrations (version, name, checksum, state, tx_mode)"
                 " VALUES ('3', 'b', 'sha256:x', 'running', 'transaction')")
          .ok());
  std::vector<std::string> events;
  MigratorOptions o;
  o.database_url = url_;
  o.embedded = folder_.files();
  o.on_event = [&](const MigrationEvent& e) {
    if (e.kind == MigrationEvent::Kind::kRecovered) events.push_back(e.message);
  };
  auto m = std::move(Migrator::Open(o)).value();
  ASSERT_TRUE(m->Plan({}).ok());  // plan knows up will recover it
  ASSERT_TRUE(m->Up({}).ok());
  EXPECT_EQ(events.size(), 1u);
  EXPECT_EQ(Count("SELECT count(*) FROM audit"), 3);
}

TEST_F(MigratorTest, InterruptedNonTransactionalMigrationNeedsRepair) {
  ASSERT_TRUE(Open()->Up({.to = std::string("2")}).ok());
  ASSERT_TRUE(
      Db()->Exec("INSERT INTO ferry_schema_migrations (version, name, checksum, state, tx_mode)"
                 " VALUES ('3', 'b', 'sha256:x', 'running', 'none')")
          .ok());
  auto m = Open();
  EXPECT_EQ(m->Up({}).status().code(), Code::kFailedPrecondition);
  auto r = m->Repair({.mark_applied = false});
  ASSERT_TRUE(r.ok());
  ASSERT_TRUE(m->Up({}).ok());
}

TEST_F(MigratorTest, FileManagedTransactionAndPragmaRebuild) {
  folder_.Add(
      "0005_rebuild.sql",
      "-- +up\nPRAGMA foreign_keys=OFF;\nBEGIN;\nCREATE TABLE c2 (id INTEGER PRIMARY KEY, v "
      "TEXT);\n"
      "INSERT INTO c2 (id) SELECT id FROM c;\nDROP TABLE c;\nALTER TABLE c2 RENAME TO c;\nCOMMIT;\n"
      "PRAGMA foreign_keys=ON;\n-- +down\n");
  auto m = Open();
  auto plan = m->Plan({});
  ASSERT_TRUE(plan.ok());
  EXPECT_EQ(plan->back().tx_mode, TxMode::kFile);
  ASSERT_TRUE(m->Up({}).ok());
  EXPECT_EQ(m->GetStatus()->current_version, "5");
}

TEST_F(MigratorTest, FileLeavingTransactionOpenFails) {
  folder_.Add("0005_open.sql", "-- +up\nBEGIN;\nCREATE TABLE z (x INT);\n-- +down\n");
  auto m = Open();
  auto r = m->Up({});
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("transaction open"), std::string::npos);
  EXPECT_FALSE(*Db()->TableExists("z"));
}

TEST_F(MigratorTest, LockTimeoutWhileAnotherRunnerHoldsIt) {
  // Another runner holds the migration lock (the same file lock ferry takes).
  FileLock other(dir_.path() + "/app.db.ferry-lock", Env::Default());
  auto lease = other.Acquire(std::string(kMigrationLockKey) + ":ferry_schema_migrations",
                             std::chrono::milliseconds(0), Deadline::Never());
  ASSERT_TRUE(lease.ok());
  MigratorOptions o;
  o.database_url = url_;
  o.embedded = folder_.files();
  o.lock_timeout = std::chrono::milliseconds(300);
  auto waiter = std::move(Migrator::Open(o)).value();
  auto t0 = std::chrono::steady_clock::now();
  auto r = waiter->Up({});
  EXPECT_EQ(r.status().code(), Code::kTimeout) << r.status().ToString();
  EXPECT_GE(std::chrono::steady_clock::now() - t0, std::chrono::milliseconds(250));
  EXPECT_FALSE(*Db()->TableExists("audit"));
  (*lease)->Release().ok();
  EXPECT_TRUE(waiter->Up({}).ok());  // free now
}

}  // namespace
}  // namespace ferry
