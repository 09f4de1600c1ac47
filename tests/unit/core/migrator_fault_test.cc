// Fault loop (SQLite test_vfs.c style): fail the Nth state-changing database
// call for N = 1, 2, ... until no fault fires, once transient and once
// persistent. After each faulty run, a healthy run (with `repair` when the
// ledger asks for it) must finish, and every migration's effect must be
// present exactly once.
#include <gtest/gtest.h>

#include "../../fakes/faulty_database.h"
#include "db/database.h"
#include "migrator_test_util.h"

namespace ferry {
namespace {

using testing::FaultyDatabase;
using testing::MemoryFolder;
using testing::TempDir;

void Fill(MemoryFolder* f) {
  f->Add("0001_audit.sql",
         "-- +up\nCREATE TABLE audit (name TEXT);\n-- +down\nDROP TABLE audit;\n");
  for (int i = 2; i <= 6; ++i) {
    std::string t = "t" + std::to_string(i);
    f->Add("000" + std::to_string(i) + "_" + t + ".sql",
           "-- +up\nCREATE TABLE " + t + " (x INT);\nINSERT INTO " + t +
               " VALUES (1);\n"
               "INSERT INTO audit VALUES ('" +
               t + "');\n-- +down\nDROP TABLE " + t + ";\n");
  }
}

void RunLoop(bool persistent) {
  for (int n = 1; n < 200; ++n) {
    TempDir dir;
    std::string url = "sqlite:" + dir.path() + "/app.db";
    MemoryFolder folder;
    Fill(&folder);
    MigratorOptions o;
    o.database_url = url;
    o.embedded = folder.files();

    auto raw = std::move(OpenDatabase(url, Env::Default())).value();
    auto faulty = std::make_unique<FaultyDatabase>(std::move(raw), n, persistent);
    FaultyDatabase* probe = faulty.get();
    auto m =
        std::move(NewMigrator(o, std::move(faulty), NewEmbeddedSource(folder.files()))).value();
    auto r = m->Up({});
    bool fired = probe->fired();
    if (fired) {
      EXPECT_FALSE(r.ok()) << "fault " << n << " fired but up succeeded";
    } else {
      EXPECT_TRUE(r.ok()) << r.status().ToString();
    }
    m.reset();

    auto healthy = std::move(Migrator::Open(o)).value();
    auto again = healthy->Up({});
    if (!again.ok() && again.status().code() == Code::kFailedPrecondition) {
      ASSERT_TRUE(healthy->Repair({}).ok());
      again = healthy->Up({});
    }
    ASSERT_TRUE(again.ok()) << "n=" << n << ": " << again.status().ToString();
    auto db = std::move(OpenDatabase(url, Env::Default())).value();
    auto audit = db->Query("SELECT count(*), count(DISTINCT name) FROM audit", {});
    ASSERT_TRUE(audit.ok());
    EXPECT_EQ(audit->GetInt(0, 0), 5) << "n=" << n << " persistent=" << persistent;
    EXPECT_EQ(audit->GetInt(0, 1), 5) << "n=" << n;
    for (int i = 2; i <= 6; ++i) {
      auto rows = db->Query("SELECT count(*) FROM t" + std::to_string(i), {});
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      EXPECT_EQ(rows->GetInt(0, 0), 1) << "n=" << n << " t" << i;
    }
    EXPECT_EQ(healthy->GetStatus()->current_version, "6");
    EXPECT_TRUE(healthy->Validate()->ok());
    if (!fired) return;  // every call point has been failed once
  }
  FAIL() << "fault loop did not terminate";
}

TEST(MigratorFaultTest, TransientFaults) { RunLoop(false); }
TEST(MigratorFaultTest, PersistentFaults) { RunLoop(true); }

}  // namespace
}  // namespace ferry
