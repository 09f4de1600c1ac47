// `ferry backup` through the real binary (FERRY_BINARY), on SQLite and
// PostgreSQL (archives made with --method copy there): create, list,
// cleanup --dry-run under a ferry.toml retention policy, restore --at TIME
// (the newest verified backup not after TIME), --output json everywhere.
//
// The backups' ages are set by rewriting created_at/expires_at in
// ferry_backups after the CLI made them: ferry has no fake clock, and a
// test cannot wait days.
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <ctime>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "integration/migrations/migration_test_util.h"

namespace ferry::testing {
namespace {

using nlohmann::json;

constexpr int64_t kDay = 86400;

std::string Iso(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

class BackupCliTest : public ::testing::TestWithParam<std::string> {
 protected:
  void SetUp() override {
    FERRY_ENGINE_OR_SKIP(engine_, GetParam());
    WriteFile(cwd_ / "ferry.toml",
              "[backup]\n"
              "dir = \"" + cwd_ / "backups" + "\"\n"
              "keep_min = 1\n"
              "keep_last_day = true\n"
              "keep_daily = 2\n");
  }

  RunResult Ferry(std::vector<std::string> args, bool json_output = true) {
    std::vector<std::string> full = {"--db", engine_->url()};
    if (json_output) {
      full.push_back("--output");
      full.push_back("json");
    }
    full.insert(full.end(), args.begin(), args.end());
    RunOptions o;
    o.cwd = cwd_.path();
    o.timeout_seconds = 300;  // a loaded machine
    return RunFerry(full, o);
  }

  json Json(const RunResult& r) {
    json j = json::parse(r.out, nullptr, /*allow_exceptions=*/false);
    EXPECT_FALSE(j.is_discarded()) << "not one JSON document:\n" << Describe(r);
    return j;
  }

  void Exec(const std::string& sql) {
    auto db = engine_->Open();
    ASSERT_NE(db, nullptr);
    Status st = db->Exec(sql);
    ASSERT_TRUE(st.ok()) << sql << ": " << st.ToString();
  }

  std::vector<std::string> CreateArgs() {
    std::vector<std::string> a = {"backup", "create", "--archive"};
    if (engine_->is_pg()) {
      a.push_back("--method");
      a.push_back("copy");
    }
    return a;
  }

  TempDir cwd_;
  std::unique_ptr<TestEngine> engine_;
};

TEST_P(BackupCliTest, CleanupDryRunAndRestoreAtUnderRetentionPolicy) {
  Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body TEXT)");
  // Archive k holds k rows, so a restore shows which one came back.
  std::vector<std::string> names, paths;
  for (int k = 1; k <= 4; ++k) {
    Exec("INSERT INTO chunks (id, body) VALUES (" + std::to_string(k) + ", 'row " +
         std::to_string(k) + "')");
    RunResult r = Ferry(CreateArgs());
    ASSERT_EQ(r.code, 0) << Describe(r);
    json j = Json(r);
    ASSERT_TRUE(j.value("ok", false)) << r.out;
    EXPECT_EQ(j["backup"]["kind"], "archive");
    EXPECT_EQ(j["backup"]["state"], "verified");
    if (engine_->is_pg()) {
      EXPECT_EQ(j["backup"]["method"], "copy");
    }
    names.push_back(j["backup"]["name"].get<std::string>());
    paths.push_back(j["backup"]["location"].get<std::string>());
    ASSERT_TRUE(fs::exists(paths.back())) << paths.back();
  }

  // Ages: A 40 days, B 10 days, C 2 days (all expired), D now (active).
  const int64_t now = std::time(nullptr);
  const int64_t created[4] = {now - 40 * kDay, now - 10 * kDay, now - 2 * kDay, now};
  const int64_t expires[4] = {now - 33 * kDay, now - 3 * kDay, now - kDay, now + 7 * kDay};
  for (int i = 0; i < 4; ++i)
    Exec("UPDATE ferry_backups SET created_at = " + std::to_string(created[i]) +
         ", expires_at = " + std::to_string(expires[i]) + " WHERE name = '" + names[i] + "'");

  RunResult list = Ferry({"backup", "list"});
  ASSERT_EQ(list.code, 0) << Describe(list);
  std::map<std::string, std::string> status;
  const json listed = Json(list);
  for (const auto& b : listed["backups"]) status[b["name"].get<std::string>()] = b["status"].get<std::string>();
  EXPECT_EQ(status[names[0]], "EXPIRED");
  EXPECT_EQ(status[names[3]], "ACTIVE");

  // keep_daily = 2 keeps D's and C's days; D is the newest verified; A and
  // B are expired and kept by nothing.
  RunResult dry = Ferry({"backup", "cleanup", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << Describe(dry);
  json d = Json(dry);
  EXPECT_TRUE(d.value("dry_run", false));
  std::set<std::string> removed, kept;
  for (const auto& x : d["removed"]) removed.insert(x["name"].get<std::string>());
  for (const auto& x : d["kept"]) kept.insert(x["name"].get<std::string>());
  EXPECT_EQ(removed, (std::set<std::string>{names[0], names[1]})) << dry.out;
  EXPECT_TRUE(kept.count(names[2]) && kept.count(names[3])) << dry.out;
  RunResult text = Ferry({"backup", "cleanup", "--dry-run"}, /*json_output=*/false);
  ASSERT_EQ(text.code, 0) << Describe(text);
  EXPECT_NE(text.out.find("would remove " + names[0]), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("would remove " + names[2]), std::string::npos) << text.out;
  // A dry run removes nothing.
  for (const auto& p : paths) EXPECT_TRUE(fs::exists(p)) << p;
  EXPECT_EQ(Json(Ferry({"backup", "list"}))["backups"].size(), 4u);

  // --at five days ago: C (2 days) is too new, B (10 days) is the one.
  RunResult at = Ferry({"backup", "restore", "--at", Iso(now - 5 * kDay)});
  ASSERT_EQ(at.code, 0) << Describe(at);
  json rj = Json(at);
  EXPECT_EQ(rj["restored"], paths[1]);
  EXPECT_EQ(rj["tables"]["chunks"], 2);
  EXPECT_FALSE(rj["safety_backup"].is_null());
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM chunks"), 2);
  // The catalog still knows every archive (it lives in the restored
  // database, and restore puts the rows back), plus the safety archive.
  RunResult after = Ferry({"backup", "list"});
  ASSERT_EQ(after.code, 0) << Describe(after);
  EXPECT_EQ(Json(after)["backups"].size(), 5u) << after.out;

  // Before every backup: nothing to restore, said as "not found".
  RunResult none = Ferry({"backup", "restore", "--at", Iso(now - 100 * kDay)});
  EXPECT_EQ(none.code, 11) << Describe(none);
  EXPECT_FALSE(Json(none).value("ok", true));
  RunResult bad = Ferry({"backup", "restore", "--at", "yesterday-ish"});
  EXPECT_EQ(bad.code, 10) << Describe(bad);  // InvalidArgument: bad input
  RunResult method = Ferry({"backup", "create", "--archive", "--method", "rsync"});
  EXPECT_EQ(method.code, 10) << Describe(method);
  EXPECT_EQ(engine_->QueryInt("SELECT count(*) FROM chunks"), 2);
}

// What a killed create / verify --deep / restore leaves in the archive
// directory: its staging directory and a `.partial`. cleanup removes those
// no live process owns, says so, and never touches one a running ferry holds
// (the owner's flock on the directory, staging_dir.h; here the test holds it).
TEST_P(BackupCliTest, CleanupRemovesLeftoversOfKilledJobsButNotOfLiveOnes) {
  Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks (id, body) VALUES (1, 'one')");
  RunResult made = Ferry(CreateArgs());
  ASSERT_EQ(made.code, 0) << Describe(made);
  const std::string archive = Json(made)["backup"]["location"].get<std::string>();
  const fs::path dir = cwd_ / "backups";
  const fs::path dead_staging = dir / ".ferry-staging-77-123456";
  const fs::path dead_verify = dir / ".ferry-verify-424242";
  const fs::path live_restore = dir / ".ferry-restore-31337";
  const fs::path partial = dir / "ferry-app-20261206T000000Z-77.tar.zst.partial";
  for (const fs::path& d : {dead_staging, dead_verify, live_restore}) {
    fs::create_directories(d / "sub");
    WriteFile(d / "sub" / "data.bin", std::string(1000, 'x'));
  }
  WriteFile(partial, std::string(500, 'p'));
  const fs::path unrelated = dir / "notes.partial";  // not an archive's: never ours
  WriteFile(unrelated, "mine");
  int live_fd = ::open(live_restore.c_str(), O_RDONLY | O_DIRECTORY);
  ASSERT_GE(live_fd, 0);
  ASSERT_EQ(::flock(live_fd, LOCK_EX), 0);

  RunResult dry = Ferry({"backup", "cleanup", "--dry-run"});
  ASSERT_EQ(dry.code, 0) << Describe(dry);
  const json dj = Json(dry);
  std::map<std::string, json> seen;
  for (const auto& l : dj["leftovers"]) seen[l["path"].get<std::string>()] = l;
  ASSERT_EQ(seen.size(), 4u) << dry.out;
  EXPECT_FALSE(seen[dead_staging.string()]["live"].get<bool>()) << dry.out;
  EXPECT_FALSE(seen[dead_verify.string()]["live"].get<bool>()) << dry.out;
  EXPECT_TRUE(seen[live_restore.string()]["live"].get<bool>()) << dry.out;
  // A live job in the folder may be the one writing the .partial.
  EXPECT_TRUE(seen[partial.string()]["live"].get<bool>()) << dry.out;
  EXPECT_EQ(seen[dead_staging.string()]["bytes"].get<int64_t>(), 1000) << dry.out;
  for (const fs::path& p : {dead_staging, dead_verify, live_restore, partial})
    EXPECT_TRUE(fs::exists(p)) << p << ": a dry run removed it";
  RunResult dry_text = Ferry({"backup", "cleanup", "--dry-run"}, /*json_output=*/false);
  ASSERT_EQ(dry_text.code, 0) << Describe(dry_text);
  EXPECT_NE(dry_text.out.find("would remove leftover " + dead_staging.string()), std::string::npos)
      << dry_text.out;
  EXPECT_NE(dry_text.out.find("kept " + live_restore.string()), std::string::npos) << dry_text.out;

  RunResult st = Ferry({"backup", "status"}, /*json_output=*/false);
  ASSERT_EQ(st.code, 0) << Describe(st);
  EXPECT_NE(st.out.find("leftovers:"), std::string::npos) << st.out;

  RunResult clean = Ferry({"backup", "cleanup"}, /*json_output=*/false);
  ASSERT_EQ(clean.code, 0) << Describe(clean);
  EXPECT_NE(clean.out.find("removed leftover " + dead_staging.string()), std::string::npos)
      << clean.out;
  EXPECT_FALSE(fs::exists(dead_staging));
  EXPECT_FALSE(fs::exists(dead_verify));
  EXPECT_TRUE(fs::exists(live_restore / "sub" / "data.bin")) << "a live job's directory was removed";
  EXPECT_TRUE(fs::exists(partial));

  // The owner is gone (a kill drops the lock the same way): now it all goes.
  ::close(live_fd);
  RunResult again = Ferry({"backup", "cleanup"});
  ASSERT_EQ(again.code, 0) << Describe(again);
  EXPECT_FALSE(fs::exists(live_restore));
  EXPECT_FALSE(fs::exists(partial));
  EXPECT_TRUE(fs::exists(unrelated));
  EXPECT_TRUE(fs::exists(archive)) << "the archive itself is not a leftover";
  EXPECT_EQ(Json(Ferry({"backup", "status"})).value("leftovers", json::array()).size(), 0u);
}

// --log-level debug shows where an archive job's time went (one line per
// job, on stderr, so --output json stays one document); a bad level is a
// usage error before anything is written.
TEST_P(BackupCliTest, LogLevelDebugPrintsArchivePhaseTimings) {
  Exec("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)");
  Exec("INSERT INTO t (id, v) VALUES (1, 'a'), (2, 'b')");
  std::vector<std::string> args = CreateArgs();
  args.push_back("--log-level");
  args.push_back("bogus");
  RunResult r = Ferry(args);
  EXPECT_EQ(r.code, 2) << Describe(r);
  EXPECT_FALSE(std::filesystem::exists(cwd_ / "backups")) << Describe(r);

  args.back() = "debug";
  r = Ferry(args);
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.err.find("phases"), std::string::npos) << Describe(r);
  EXPECT_NE(r.err.find("total="), std::string::npos) << Describe(r);
  json created = Json(r);
  const std::string file = created["backup"]["location"];

  r = Ferry({"backup", "verify", file, "--deep", "--log-level", "debug"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.err.find("archive verify"), std::string::npos) << Describe(r);
  // Info (the default) keeps them out.
  r = Ferry({"backup", "verify", file});
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(r.err.find("phases"), std::string::npos) << Describe(r);
}

INSTANTIATE_TEST_SUITE_P(Engines, BackupCliTest, ::testing::Values("sqlite", "postgres"));

#if FERRY_WITH_ROCKSDB
// A key-value store's archives are listed in <dir>/ferry_backups.db:
// create, list, restore --at through the binary, --output json.
TEST(BackupCliKvTest, StoreArchivesAreListedAndRestoredByTime) {
  TempDir dir;
  const std::string src = "sqlite:" + dir / "src.db", kv = "rocksdb:" + dir / "kv",
                    backups = dir / "backups";
  {
    auto db = OpenDatabase(src, Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    ASSERT_TRUE((*db)->Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, body TEXT)").ok());
    ASSERT_TRUE((*db)->Exec("INSERT INTO chunks VALUES (1, 'a'), (2, 'b'), (3, 'c')").ok());
  }
  RunResult r = RunFerry({"copy", "--from", src, "--to", kv, "--create-schema"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = RunFerry({"--db", kv, "--output", "json", "backup", "create", "--archive", "--dir", backups});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json created = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(created.is_discarded()) << r.out;
  const std::string name = created["backup"]["name"].get<std::string>();
  EXPECT_EQ(created["backup"]["state"], "verified");
  EXPECT_TRUE(fs::exists(backups + "/ferry_backups.db"));

  r = RunFerry({"--db", kv, "--output", "json", "backup", "list", "--dir", backups});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json listed = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(listed.is_discarded()) << r.out;
  ASSERT_EQ(listed["backups"].size(), 1u) << r.out;
  EXPECT_EQ(listed["backups"][0]["name"], name);
  EXPECT_EQ(listed["backups"][0]["rows"], 3);

  // The store changes; restore --at a minute from now brings the archive back.
  r = RunFerry({"copy", "--from", src, "--to", kv, "--truncate"});
  ASSERT_EQ(r.code, 0) << Describe(r);
  r = RunFerry({"--db", kv, "--output", "json", "backup", "restore", "--dir", backups, "--at",
                Iso(std::time(nullptr) + 60)});
  ASSERT_EQ(r.code, 0) << Describe(r);
  json restored = json::parse(r.out, nullptr, false);
  ASSERT_FALSE(restored.is_discarded()) << r.out;
  EXPECT_EQ(restored["restored"], backups + "/" + name);
  EXPECT_EQ(restored["tables"]["chunks"], 3);
  EXPECT_FALSE(restored["safety_backup"].is_null());
  // The safety archive went into the same directory, so the catalog lists both.
  r = RunFerry({"--db", kv, "--output", "json", "backup", "list", "--dir", backups});
  EXPECT_EQ(json::parse(r.out, nullptr, false)["backups"].size(), 2u) << r.out;
  r = RunFerry({"--db", kv, "backup", "restore", "--dir", backups, "--at", Iso(std::time(nullptr) - 3600)});
  EXPECT_EQ(r.code, 11) << Describe(r);
}
#endif

}  // namespace
}  // namespace ferry::testing
