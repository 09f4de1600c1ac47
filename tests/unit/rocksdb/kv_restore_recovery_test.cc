// Crash safety of key-value store restores (kv_archive_recovery.h): each
// state a killed restore can leave beside the store is built exactly as the
// restore builds it, and recovery must roll back, remove or keep as the
// rules say; the store lock keeps restores and cleanups apart; kv archives
// are written with manifest.json last, and old manifest-first ones still
// verify and restore.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/kv_archive.h"
#include "jobs/backup/kv_archive_recovery.h"
#include "jobs/copy/copy_endpoint.h"
#include "kv/kv_store.h"
#include "unit/rocksdb/kv_fill.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

class KvRestoreRecovery : public ::testing::Test {
 protected:
  void SetUp() override {
    root_ = (fs::temp_directory_path() / ("ferry_kvrec_" + std::to_string(::getpid()) + "_" +
                                          std::to_string(std::random_device{}())))
                .string();
    fs::create_directories(root_);
    live_ = root_ + "/store";
    url_ = "rocksdb:" + live_;
    backups_ = root_ + "/backups";
  }
  void TearDown() override { fs::remove_all(root_); }

  // Writes `n` rows (ids first..first+n-1) into table t.
  void Fill(int first, int n) {
    testing::FillKvTable(url_, first, n, [](int i) -> Value {
      return Blob{std::string(100 + i % 50, static_cast<char>(i))};
    });
  }

  int64_t Count() {
    auto ep = OpenCopyEndpoint(url_, EndpointRole::kSource, DatabaseOpener(), Env::Default());
    EXPECT_TRUE(ep.ok()) << ep.status().message();
    return ep.ok() ? *(*ep)->CountRows("t") : -1;
  }

  BackupInfo Archive(const std::string& dir) {
    ArchiveOptions o;
    o.dir = dir;
    auto b = CreateKvArchive(url_, Env::Default(), o);
    EXPECT_TRUE(b.ok()) << b.status().message();
    return b.ok() ? *b : BackupInfo{};
  }

  // The state a restore leaves once it has recorded and moved the store
  // aside (steps 2-4 of kv_archive_recovery.h): safety archive, fingerprint
  // after the close, record, rename. Returns the replaced directory.
  std::string MoveAsideLikeARestore(const std::string& tag, BackupInfo* safety = nullptr) {
    BackupInfo s = Archive(root_ + "/safety");
    auto fp = KvStoreFingerprint(live_);
    EXPECT_TRUE(fp.ok());
    const std::string replaced = KvReplacedPath(live_, tag);
    EXPECT_TRUE(
        WriteKvReplacedRecord(Env::Default(), replaced, s.location, s.checksum.substr(7), *fp)
            .ok());
    fs::rename(live_, replaced);
    if (safety != nullptr) *safety = s;
    return replaced;
  }

  // Every `<store>.ferry-*` entry beside the store.
  std::vector<std::string> BesideTheStore() {
    std::vector<std::string> out;
    for (const auto& e : fs::directory_iterator(root_)) {
      const std::string n = e.path().filename().string();
      if (n.rfind("store.ferry-", 0) == 0) out.push_back(n);
    }
    return out;
  }

  std::string root_, live_, url_, backups_;
};

const KvRestoreLeftover* Find(const std::vector<KvRestoreLeftover>& ls, const std::string& path) {
  for (const auto& l : ls)
    if (l.path == path) return &l;
  return nullptr;
}

TEST_F(KvRestoreRecovery, KilledBetweenTheRenamesIsRolledBack) {
  Fill(1, 400);
  const std::string replaced = MoveAsideLikeARestore("111");
  // And the extracted copy the killed restore never moved in.
  const std::string copy = KvRestoreCopyPath(live_, "111");
  fs::create_directories(copy);
  std::ofstream(copy + "/000009.sst") << "partial";
  ASSERT_FALSE(fs::exists(live_));

  // status: says what cleanup would do, touches nothing.
  auto listed = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kList);
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  const KvRestoreLeftover* r = Find(*listed, replaced);
  ASSERT_NE(r, nullptr);
  EXPECT_FALSE(r->done);
  EXPECT_NE(r->outcome.find("would be rolled back into " + live_), std::string::npos) << r->outcome;
  EXPECT_FALSE(fs::exists(live_));
  EXPECT_TRUE(fs::exists(copy));

  // cleanup: the old store is back, the copy and the record are gone.
  auto done = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kRemove);
  ASSERT_TRUE(done.ok()) << done.status().message();
  r = Find(*done, replaced);
  ASSERT_NE(r, nullptr);
  EXPECT_TRUE(r->done);
  EXPECT_NE(r->outcome.find("rolled back into " + live_), std::string::npos) << r->outcome;
  EXPECT_EQ(Count(), 400);
  EXPECT_TRUE(BesideTheStore().empty()) << BesideTheStore()[0];
}

TEST_F(KvRestoreRecovery, TheNextRestoreRollsBackFirstThenRestores) {
  Fill(1, 300);
  BackupInfo a = Archive(backups_);
  Fill(301, 200);
  (void)MoveAsideLikeARestore("222");
  auto r = RestoreKvArchive(url_, Env::Default(), a.location, backups_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  ASSERT_EQ(r->recovered.size(), 1u);
  EXPECT_EQ(r->recovered[0].kind, KvRestoreLeftover::Kind::kReplacedStore);
  EXPECT_TRUE(r->recovered[0].done);
  // The rolled-back store (500 rows) is what the new safety archive holds.
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_EQ(r->safety->row_count, 500);
  EXPECT_EQ(Count(), 300);
  EXPECT_TRUE(r->kept.empty());
  EXPECT_TRUE(BesideTheStore().empty()) << BesideTheStore()[0];
}

TEST_F(KvRestoreRecovery, ReplacedStoreGoesOnlyWhenItsSafetyArchiveHoldsIt) {
  Fill(1, 200);
  // Four replaced stores beside a live one: one archived and unchanged, one
  // whose archive is damaged, one written to after its archive, one with no
  // record at all.
  BackupInfo s_good, s_bad;
  const std::string good = MoveAsideLikeARestore("1", &s_good);
  fs::copy(good, live_, fs::copy_options::recursive);
  const std::string bad = MoveAsideLikeARestore("2", &s_bad);
  fs::copy(bad, live_, fs::copy_options::recursive);
  const std::string changed = MoveAsideLikeARestore("3");
  fs::copy(changed, live_, fs::copy_options::recursive);
  std::ofstream(changed + "/000099.log") << "written after the safety archive";
  const std::string unrecorded = KvReplacedPath(live_, "4");
  fs::copy(live_, unrecorded, fs::copy_options::recursive);
  {
    std::fstream f(s_bad.location, std::ios::in | std::ios::out | std::ios::binary);
    const auto at = static_cast<std::streamoff>(fs::file_size(s_bad.location) / 2);
    f.seekg(at);
    const char c = static_cast<char>(f.get());
    f.seekp(at);
    f.put(static_cast<char>(c ^ 0xff));
  }

  auto listed = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kList);
  ASSERT_TRUE(listed.ok()) << listed.status().message();
  ASSERT_NE(Find(*listed, good), nullptr);
  EXPECT_NE(Find(*listed, good)->outcome.find("would be removed"), std::string::npos);
  EXPECT_TRUE(fs::exists(good));

  auto done = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kRemove);
  ASSERT_TRUE(done.ok()) << done.status().message();
  EXPECT_TRUE(Find(*done, good)->done);
  EXPECT_FALSE(fs::exists(good));
  EXPECT_FALSE(fs::exists(KvReplacedRecordPath(good)));
  for (const std::string& p : {bad, changed, unrecorded}) {
    const KvRestoreLeftover* l = Find(*done, p);
    ASSERT_NE(l, nullptr) << p;
    EXPECT_FALSE(l->done) << p;
    EXPECT_EQ(l->outcome.rfind("kept: ", 0), 0u) << l->outcome;
    EXPECT_TRUE(fs::exists(p + "/CURRENT")) << p;
  }
  EXPECT_NE(Find(*done, bad)->outcome.find("does not verify"), std::string::npos);
  EXPECT_NE(Find(*done, changed)->outcome.find("changed after"), std::string::npos);
  EXPECT_NE(Find(*done, unrecorded)->outcome.find("no record"), std::string::npos);
  EXPECT_EQ(Count(), 200);
}

TEST_F(KvRestoreRecovery, TwoReplacedStoresAndNoLiveOneAreLeftAlone) {
  Fill(1, 50);
  const std::string a = MoveAsideLikeARestore("1");
  fs::copy(a, live_, fs::copy_options::recursive);
  const std::string b = MoveAsideLikeARestore("2");
  auto done = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kRemove);
  ASSERT_TRUE(done.ok());
  EXPECT_TRUE(fs::exists(a) && fs::exists(b));
  EXPECT_FALSE(fs::exists(live_));
  BackupInfo arch;
  {
    // Restoring now is refused: which one was the store is not ours to guess.
    fs::copy(a, live_, fs::copy_options::recursive);
    arch = Archive(backups_);
    fs::remove_all(live_);
  }
  auto r = RestoreKvArchive(url_, Env::Default(), arch.location, backups_);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition) << r.status().message();
  EXPECT_TRUE(fs::exists(a) && fs::exists(b));
}

TEST_F(KvRestoreRecovery, RestoresAndCleanupsOfOneStoreDoNotInterleave) {
  Fill(1, 100);
  BackupInfo a = Archive(backups_);
  Fill(101, 100);
  // A stale copy from a killed restore, and a record of no directory.
  const std::string stale = KvRestoreCopyPath(live_, "old");
  fs::create_directories(stale);
  std::ofstream(KvReplacedRecordPath(KvReplacedPath(live_, "gone")) + ".tmp.4242") << "{";

  int inside = 0;
  KvRestoreOptions o;
  o.safety_dir = backups_;
  o.after_step = [&](const char* step) -> Status {
    if (std::string(step) != "extracted") return Status::OK();
    ++inside;
    // Another restore of the same store is refused while this one runs...
    auto second = RestoreKvArchive(url_, Env::Default(), a.location, backups_);
    EXPECT_EQ(second.status().code(), Code::kLocked) << second.status().message();
    // ...and a cleanup leaves this restore's directories alone.
    auto c = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kRemove);
    EXPECT_TRUE(c.ok());
    if (c.ok()) {
      EXPECT_EQ(c->size(), 1u);
      if (!c->empty()) {
        EXPECT_EQ((*c)[0].kind, KvRestoreLeftover::Kind::kRunningRestore);
      }
    }
    bool copy_there = false;
    for (const auto& n : BesideTheStore()) copy_there |= n.rfind("store.ferry-restore-", 0) == 0;
    EXPECT_TRUE(copy_there);
    return Status::OK();
  };
  auto r = RestoreKvArchive(url_, Env::Default(), a.location, o);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(inside, 1);
  EXPECT_EQ(Count(), 100);
  EXPECT_NE(Find(r->recovered, stale), nullptr);
  EXPECT_TRUE(BesideTheStore().empty()) << BesideTheStore()[0];
}

TEST_F(KvRestoreRecovery, AHeldRestoreCopyIsKept) {
  Fill(1, 10);
  StagingDir held(Env::Default(), KvRestoreCopyPath(live_, "held"));
  ASSERT_TRUE(held.Create().ok());
  auto done = RecoverKvRestores(Env::Default(), url_, LeftoverAction::kRemove);
  ASSERT_TRUE(done.ok());
  const KvRestoreLeftover* l = Find(*done, held.path());
  ASSERT_NE(l, nullptr);
  EXPECT_TRUE(l->live);
  EXPECT_FALSE(l->done);
  EXPECT_TRUE(fs::exists(held.path()));
}

TEST_F(KvRestoreRecovery, AFailureAfterMovingAsidePutsTheStoreBack) {
  Fill(1, 120);
  BackupInfo a = Archive(backups_);
  Fill(121, 30);
  for (const char* at : {"extracted", "safety-archived", "recorded", "moved-aside"}) {
    KvRestoreOptions o;
    o.safety_dir = backups_;
    o.after_step = [&](const char* step) -> Status {
      return std::string(step) == at ? IOError(std::string("injected at ") + at) : Status::OK();
    };
    auto r = RestoreKvArchive(url_, Env::Default(), a.location, o);
    EXPECT_EQ(r.status().code(), Code::kIOError) << at;
    EXPECT_EQ(Count(), 150) << at;
  }
  // What the failures left (at most a record) goes with the next restore.
  auto r = RestoreKvArchive(url_, Env::Default(), a.location, backups_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Count(), 120);
  EXPECT_TRUE(BesideTheStore().empty()) << BesideTheStore()[0];
}

TEST_F(KvRestoreRecovery, ADirectoryThatIsNoStoreIsNotReplaced) {
  Fill(1, 10);
  BackupInfo a = Archive(backups_);
  fs::remove_all(live_);
  fs::create_directories(live_);
  std::ofstream(live_ + "/notes.txt") << "not a store";
  auto r = RestoreKvArchive(url_, Env::Default(), a.location, backups_);
  EXPECT_EQ(r.status().code(), Code::kFailedPrecondition) << r.status().message();
  EXPECT_TRUE(fs::exists(live_ + "/notes.txt"));
  // An empty directory is simply taken.
  fs::remove(live_ + "/notes.txt");
  r = RestoreKvArchive(url_, Env::Default(), a.location, backups_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_FALSE(r->safety.has_value());
  EXPECT_EQ(Count(), 10);
  EXPECT_TRUE(BesideTheStore().empty()) << BesideTheStore()[0];
}

TEST_F(KvRestoreRecovery, NewArchivesWriteTheManifestLast) {
  Fill(1, 250);
  BackupInfo a = Archive(backups_);
  std::string manifest;
  auto entries = ScanArchiveFile(a.location, &manifest);
  ASSERT_TRUE(entries.ok()) << entries.status().message();
  ASSERT_GE(entries->size(), 2u);
  EXPECT_EQ(entries->back().name, "manifest.json");
  auto j = nlohmann::json::parse(manifest);
  EXPECT_EQ(j["files"].size(), entries->size() - 1);
  EXPECT_EQ(j["tables"]["t"], 250);
  for (const auto& f : j["files"]) {
    bool found = false;
    for (const auto& e : *entries)
      found |= e.name == f["name"] && e.sha256 == f["sha256"] && e.size == f["size"];
    EXPECT_TRUE(found) << f.dump();
  }
}

// An archive as kv_archive.cc wrote them before session 5: manifest.json
// first, every file hashed in a pass of its own.
TEST_F(KvRestoreRecovery, ManifestFirstArchivesStillVerifyAndRestore) {
  Fill(1, 333);
  const std::string cp = root_ + "/cp";
  {
    auto store = OpenKvStore(url_, KvOpenMode::kExisting, Env::Default());
    ASSERT_TRUE(store.ok()) << store.status().message();
    ASSERT_TRUE((*store)->Checkpoint(cp).ok());
  }
  nlohmann::json files = nlohmann::json::array();
  std::vector<ArchiveMember> members;
  for (const auto& e : fs::directory_iterator(cp)) {
    const std::string name = e.path().filename().string();
    auto h = HashFile(e.path().string());
    ASSERT_TRUE(h.ok());
    files.push_back({{"name", name}, {"size", h->size}, {"sha256", h->sha256}});
    members.push_back({name, e.path().string(), ""});
  }
  nlohmann::json manifest = {{"format", "ferry-backup/1"},
                             {"timestamp", "2026-11-01T00:00:00Z"},
                             {"type", "archive"},
                             {"engine", "rocksdb"},
                             {"method", "rocksdb_checkpoint"},
                             {"database", "store"},
                             {"schema_version", ""},
                             {"host", "old"},
                             {"ferry_version", "0.1.0"},
                             {"files", files},
                             {"tables", {{"t", 333}}}};
  members.insert(members.begin(), ArchiveMember{"manifest.json", "", manifest.dump(2) + "\n"});
  fs::create_directories(backups_);
  const std::string old = backups_ + "/ferry-store-20261101_000000-1.tar.zst";
  ASSERT_TRUE(WriteArchiveFile(old, Compression::kZstd, members).ok());
  std::string text;
  auto entries = ScanArchiveFile(old, &text);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->front().name, "manifest.json");

  for (VerifyDepth d : {VerifyDepth::kChecksums, VerifyDepth::kDeep}) {
    auto v = VerifyKvArchive(old, Env::Default(), d);
    ASSERT_TRUE(v.ok()) << v.status().message();
    EXPECT_EQ(v->table_rows.at("t"), 333);
  }
  Fill(334, 100);
  auto r = RestoreKvArchive(url_, Env::Default(), old, backups_);
  ASSERT_TRUE(r.ok()) << r.status().message();
  EXPECT_EQ(Count(), 333);
}

}  // namespace
}  // namespace ferry
