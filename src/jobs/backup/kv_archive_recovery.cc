#include "jobs/backup/kv_archive_recovery.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "jobs/backup/archive_manifest.h"

namespace ferry {
namespace {

namespace fs = std::filesystem;

constexpr const char* kRestoreInfix = ".ferry-restore-";
constexpr const char* kReplacedInfix = ".ferry-replaced-";
constexpr const char* kRemovingInfix = ".ferry-removing-";
constexpr const char* kRecordSuffix = ".json";

std::string ParentOf(const std::string& live) {
  std::string p = fs::path(live).parent_path().string();
  return p.empty() ? "." : p;
}

bool IsDirNoFollow(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

bool Exists(const std::string& p) {
  struct stat st {};
  return ::lstat(p.c_str(), &st) == 0;
}

bool EndsWith(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

Status RemoveTree(const std::string& p) {
  std::error_code ec;
  fs::remove_all(p, ec);
  if (ec) return IOError(p + ": cannot remove: " + ec.message());
  return Status::OK();
}

}  // namespace

std::string KvStoreDir(const std::string& url) {
  std::string p = url.substr(url.find(':') + 1);
  if (p.rfind("//", 0) == 0) p = p.substr(2);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string KvRestoreLockPath(const std::string& live) { return live + ".ferry-lock"; }
std::string KvRestoreCopyPath(const std::string& live, const std::string& tag) {
  return live + kRestoreInfix + tag;
}
std::string KvReplacedPath(const std::string& live, const std::string& tag) {
  return live + kReplacedInfix + tag;
}
std::string KvReplacedRecordPath(const std::string& replaced) { return replaced + kRecordSuffix; }

Result<std::string> KvStoreFingerprint(const std::string& dir) {
  std::vector<std::string> lines;
  std::error_code ec;
  fs::recursive_directory_iterator it(dir, ec), end;
  if (ec) return IOError(dir + ": cannot list: " + ec.message());
  for (; it != end; it.increment(ec)) {
    if (ec) return IOError(dir + ": cannot list: " + ec.message());
    const std::string p = it->path().string();
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || S_ISDIR(st.st_mode)) continue;
    const int64_t mtime_ns = int64_t{st.st_mtim.tv_sec} * 1000000000 + st.st_mtim.tv_nsec;
    lines.push_back(p.substr(dir.size() + 1) + "\t" + std::to_string(st.st_size) + "\t" +
                    std::to_string(mtime_ns));
  }
  if (ec) return IOError(dir + ": cannot list: " + ec.message());
  std::sort(lines.begin(), lines.end());
  std::string out;
  for (const auto& l : lines) out += l + "\n";
  return out;
}

Status WriteKvReplacedRecord(Env* env, const std::string& replaced,
                             const std::string& safety_archive, const std::string& safety_sha256,
                             const std::string& fingerprint) {
  std::error_code ec;
  const std::string abs = fs::absolute(safety_archive, ec).lexically_normal().string();
  nlohmann::json j = {{"replaced", fs::path(replaced).filename().string()},
                      {"safety_archive", ec ? safety_archive : abs},
                      {"safety_sha256", safety_sha256},
                      {"fingerprint", fingerprint}};
  const std::string record = KvReplacedRecordPath(replaced);
  FERRY_RETURN_IF_ERROR(env->WriteFileAtomic(record, j.dump(2) + "\n", FileMode::kOwnerOnly)
                            .WithContext("writing the restore record " + record));
  return env->SyncDir(ParentOf(replaced));
}

Status CheckKvReplacedArchived(Env* env, const std::string& replaced) {
  const std::string record = KvReplacedRecordPath(replaced);
  if (!env->FileExists(record))
    return FailedPrecondition("no record of a safety archive holding it (" + record + ")");
  FERRY_ASSIGN_OR_RETURN(std::string text, env->ReadFile(record));
  std::string archive, sha, fingerprint;
  try {
    auto j = nlohmann::json::parse(text);
    archive = j.at("safety_archive").get<std::string>();
    sha = j.at("safety_sha256").get<std::string>();
    fingerprint = j.at("fingerprint").get<std::string>();
  } catch (const std::exception& e) {
    return FailedPrecondition(record + " is not readable: " + e.what());
  }
  if (!env->FileExists(archive))
    return FailedPrecondition("its safety archive " + archive + " is missing");
  ArchiveEntry whole;
  auto m = CheckArchiveManifest(archive, &whole);
  if (!m.ok())
    return FailedPrecondition("its safety archive does not verify: " + m.status().message());
  if (whole.sha256 != sha)
    return FailedPrecondition("its safety archive " + archive +
                              " is not the one recorded (SHA-256 " + whole.sha256 + ", recorded " +
                              sha + ")");
  FERRY_ASSIGN_OR_RETURN(std::string now, KvStoreFingerprint(replaced));
  if (now != fingerprint)
    return FailedPrecondition("it changed after its safety archive " + archive +
                              " was taken (was the store open in another process?)");
  return Status::OK();
}

Status RemoveArchivedReplaced(Env* env, const std::string& replaced) {
  const size_t at = replaced.rfind(kReplacedInfix);
  if (at == std::string::npos) return Internal(replaced + " is not a replaced store's name");
  const std::string removing =
      replaced.substr(0, at) + kRemovingInfix + replaced.substr(at + std::strlen(kReplacedInfix));
  FERRY_RETURN_IF_ERROR(env->RenameFile(replaced, removing));
  FERRY_RETURN_IF_ERROR(env->SyncDir(ParentOf(replaced)));
  const std::string record = KvReplacedRecordPath(replaced);
  if (env->FileExists(record)) FERRY_RETURN_IF_ERROR(env->RemoveFile(record));
  return RemoveTree(removing);
}

Result<std::vector<KvRestoreLeftover>> RecoverKvRestoreLocked(Env* env, const std::string& live,
                                                              LeftoverAction action) {
  std::vector<KvRestoreLeftover> out;
  const std::string parent = ParentOf(live);
  const std::string base = fs::path(live).filename().string();
  if (!IsDirNoFollow(parent)) return out;
  FERRY_ASSIGN_OR_RETURN(auto entries, env->ListDir(parent));
  const bool act = action == LeftoverAction::kRemove;
  std::vector<std::string> replaced, records;
  for (const auto& e : entries) {
    const std::string p = parent + "/" + e.name;
    if (e.name.rfind(base + kRestoreInfix, 0) == 0) {
      FERRY_ASSIGN_OR_RETURN(auto probe, ProbeStagingDir(p, action));
      if (!probe) continue;
      KvRestoreLeftover l;
      l.kind = KvRestoreLeftover::Kind::kRestoreCopy;
      l.path = p;
      l.bytes = probe->bytes;
      l.live = probe->live;
      l.done = probe->removed;
      l.outcome = l.live ? "in use by a running restore" : act ? "removed" : "would be removed";
      out.push_back(std::move(l));
    } else if (e.name.rfind(base + kRemovingInfix, 0) == 0 && IsDirNoFollow(p)) {
      // Known archived before it was renamed so: only its removal was cut short.
      KvRestoreLeftover l;
      l.kind = KvRestoreLeftover::Kind::kReplacedStore;
      l.path = p;
      l.bytes = TreeBytes(p);
      if (act) {
        FERRY_RETURN_IF_ERROR(RemoveTree(p));
        l.done = true;
      }
      l.outcome = std::string(act ? "removed" : "would be removed") +
                  " (a replaced store, archived, whose removal was interrupted)";
      out.push_back(std::move(l));
    } else if (e.name.rfind(base + kReplacedInfix, 0) == 0) {
      if (EndsWith(e.name, kRecordSuffix) ||
          e.name.find(std::string(kRecordSuffix) + ".tmp") != std::string::npos) {
        // A record, or the temporary file of one a kill left half written
        // (Env::WriteFileAtomic's `<record>.tmp.<pid>`).
        records.push_back(p);
      } else if (IsDirNoFollow(p)) {
        replaced.push_back(p);
      }
    }
  }
  const bool live_exists = Exists(live);
  if (!live_exists && replaced.size() == 1) {
    // Killed between the two renames: the old store goes back.
    KvRestoreLeftover l;
    l.kind = KvRestoreLeftover::Kind::kReplacedStore;
    l.path = replaced[0];
    l.bytes = TreeBytes(l.path);
    if (act) {
      FERRY_RETURN_IF_ERROR(env->RenameFile(l.path, live)
                                .WithContext("rolling back an interrupted restore: moving " +
                                             l.path + " back to " + live));
      FERRY_RETURN_IF_ERROR(env->SyncDir(parent));
      // Its record is of no use now: the directory it describes is the store.
      const std::string record = KvReplacedRecordPath(l.path);
      if (env->FileExists(record)) FERRY_RETURN_IF_ERROR(env->RemoveFile(record));
      l.done = true;
      l.outcome =
          "rolled back into " + live + " (a restore was interrupted between its two renames)";
    } else {
      l.outcome = "would be rolled back into " + live +
                  " (a restore was interrupted between its two renames; " + live + " is missing)";
    }
    out.push_back(std::move(l));
  } else {
    for (const auto& p : replaced) {
      KvRestoreLeftover l;
      l.kind = KvRestoreLeftover::Kind::kReplacedStore;
      l.path = p;
      l.bytes = TreeBytes(p);
      if (!live_exists) {
        l.outcome = "kept: " + live + " is missing and " + std::to_string(replaced.size()) +
                    " replaced stores are beside it; move the right one back by hand";
      } else if (Status why = CheckKvReplacedArchived(env, p); !why.ok()) {
        l.outcome = "kept: " + why.message();
      } else if (act) {
        FERRY_RETURN_IF_ERROR(RemoveArchivedReplaced(env, p));
        l.done = true;
        l.outcome = "removed (its safety archive verifies and holds it)";
      } else {
        l.outcome = "would be removed (its safety archive verifies and holds it)";
      }
      out.push_back(std::move(l));
    }
  }
  // Records outlive their directory only when a kill came between writing
  // the record and the rename, or between the removal and the record's.
  for (const auto& r : records) {
    const std::string dir = r.substr(0, r.rfind(kRecordSuffix));
    if (IsDirNoFollow(dir) || !Exists(r)) continue;
    KvRestoreLeftover l;
    l.kind = KvRestoreLeftover::Kind::kRecord;
    l.path = r;
    if (act) {
      FERRY_RETURN_IF_ERROR(env->RemoveFile(r));
      l.done = true;
      l.outcome = "removed (a record of no directory)";
    } else {
      l.outcome = "would be removed (a record of no directory)";
    }
    out.push_back(std::move(l));
  }
  return out;
}

Result<std::vector<KvRestoreLeftover>> RecoverKvRestores(Env* env, const std::string& url,
                                                         LeftoverAction action) {
  const std::string live = KvStoreDir(url);
  if (live.empty() || !IsDirNoFollow(ParentOf(live))) return std::vector<KvRestoreLeftover>();
  auto lock = LockFile::TryAcquire(KvRestoreLockPath(live), "a restore of " + live);
  if (!lock.ok()) {
    if (lock.status().code() != Code::kLocked) return lock.status();
    KvRestoreLeftover l;
    l.kind = KvRestoreLeftover::Kind::kRunningRestore;
    l.path = KvRestoreLockPath(live);
    l.live = true;
    l.outcome = "a restore of " + live + " is running; its directories are left alone";
    return std::vector<KvRestoreLeftover>{l};
  }
  return RecoverKvRestoreLocked(env, live, action);
}

}  // namespace ferry
