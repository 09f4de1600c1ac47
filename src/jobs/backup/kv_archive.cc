#include "jobs/backup/kv_archive.h"

#include <sys/stat.h>

#include <filesystem>
#include <future>
#include <map>
#include <optional>

#include <nlohmann/json.hpp>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archive_manifest.h"
#include "jobs/backup/archive_phases.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/staging_dir.h"
#include "jobs/copy/copy_endpoint.h"
#include "kv/kv_store.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry {
namespace {

namespace fs = std::filesystem;

constexpr const char* kMethod = "rocksdb_checkpoint";

std::string StoreName(const std::string& dir) {
  std::string n = fs::path(dir).filename().string();
  std::string clean;
  for (char c : n) clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return clean.empty() ? "kv" : clean;
}

// Rows per table of an open store, by the copy layout (kv_table_codec.h).
Result<TableRows> CountTables(std::unique_ptr<KvStore> store, Env* env) {
  auto ep = NewKvEndpoint(std::move(store), env);
  TableRows rows;
  FERRY_ASSIGN_OR_RETURN(auto tables, ep->ListTables());
  for (const auto& t : tables) {
    FERRY_ASSIGN_OR_RETURN(rows[t], ep->CountRows(t));
  }
  return rows;
}

// The shared manifest check, and that the archive holds a key-value store.
Result<ArchiveManifest> CheckKvArchive(const std::string& path) {
  FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, CheckArchiveManifest(path));
  if (m.method != kMethod)
    return InvalidArgument(path + ": not a key-value store archive (engine " + m.engine +
                           ", method " + m.method + ")");
  return m;
}

// Extracts `path` into the private (StagingDir) directory `dir` while
// checking every entry against the manifest (one pass), then opens the copy
// and counts its rows. On error `dir` holds partial files: its owner
// removes it.
Result<TableRows> ExtractAndCount(const std::string& path, const std::string& dir, Env* env,
                                  ArchiveManifest* manifest = nullptr) {
  FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, ExtractCheckedArchive(path, dir));
  if (m.method != kMethod)
    return InvalidArgument(path + ": not a key-value store archive (engine " + m.engine +
                           ", method " + m.method + ")");
  FERRY_RETURN_IF_ERROR(env->RemoveFile(dir + "/manifest.json"));  // not a store file
  FERRY_ASSIGN_OR_RETURN(auto store, OpenKvStore(m.engine + ":" + dir, KvOpenMode::kExisting, env));
  FERRY_ASSIGN_OR_RETURN(TableRows got, CountTables(std::move(store), env));
  FERRY_RETURN_IF_ERROR(CompareTableRows(path + ": extracted copy", m.tables, got, /*exact=*/true));
  if (manifest != nullptr) *manifest = std::move(m);
  return got;
}

}  // namespace

namespace {
Status CheckpointAndPack(std::unique_ptr<KvStore> store, Env* env, const ArchiveOptions& opts,
                         const std::string& engine, int64_t now, BackupInfo* out,
                         std::string* fingerprint);

// CreateKvArchive, and the fingerprint of the store (kv_archive_recovery.h)
// taken right after this process closed it: what it must still look like
// for the archive to hold it.
Result<BackupInfo> CreateKvArchiveImpl(const std::string& url, Env* env, const ArchiveOptions& opts,
                                       std::string* fingerprint);
}  // namespace

Result<std::unique_ptr<Database>> OpenKvCatalog(const std::string& archive_dir, Env* env) {
  FERRY_RETURN_IF_ERROR(env->CreateDirs(archive_dir));
  FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase("sqlite:" + archive_dir + "/ferry_backups.db", env));
  FERRY_RETURN_IF_ERROR(BackupCatalog(db.get()).Ensure());
  return db;
}

Result<BackupInfo> CreateKvArchive(const std::string& url, Env* env, const ArchiveOptions& opts) {
  return CreateKvArchiveImpl(url, env, opts, nullptr);
}

namespace {

Result<BackupInfo> CreateKvArchiveImpl(const std::string& url, Env* env, const ArchiveOptions& opts,
                                       std::string* fingerprint) {
  FERRY_ASSIGN_OR_RETURN(auto store, OpenKvStore(url, KvOpenMode::kExisting, env));
  const std::string engine(store->engine());
  FERRY_RETURN_IF_ERROR(env->CreateDirs(opts.dir));
  const int64_t now = env->WallSeconds();
  const std::string name = StoreName(store->path());
  // A store has no schema ledger.
  BackupInfo b = NewBackupInfo(BackupKind::kArchive, name, "", now, opts.retention);
  b.name = opts.name_prefix + "-" + name + "-" + CompactUtc(now) + "-" +
           std::to_string(env->Random64() % 100000) +
           (opts.compression == Compression::kZstd ? ".tar.zst" : ".tar.gz");
  b.location = opts.dir + "/" + b.name;
  b.method = kMethod;
  b.state = BackupState::kPending;
  // Intent first, as for database archives: a crash leaves a pending row,
  // never a verified one.
  FERRY_ASSIGN_OR_RETURN(auto catalog_db, OpenKvCatalog(opts.dir, env));
  BackupCatalog catalog(catalog_db.get());
  FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
  FERRY_RETURN_IF_ERROR(catalog.Insert(b));
  Status st = CheckpointAndPack(std::move(store), env, opts, engine, now, &b, fingerprint);
  if (!st.ok()) {
    b.state = BackupState::kFailed;
    (void)catalog.Update(b);  // best effort; a pending row is equally "not good"
    return st;
  }
  FERRY_RETURN_IF_ERROR(catalog.Update(b));
  return b;
}

// The archive itself: checkpoint, tar with manifest.json last, read-back
// check; fills size, checksum, rows and state of *b.
Status CheckpointAndPack(std::unique_ptr<KvStore> store, Env* env, const ArchiveOptions& opts,
                         const std::string& engine, int64_t now, BackupInfo* out,
                         std::string* fingerprint) {
  BackupInfo& b = *out;
  ArchivePhases phases(env, opts.logger, "archive create " + b.name);
  const std::string name = b.source;
  const std::string store_dir = store->path();
  StagingDir staging(env,
                     opts.dir + "/.ferry-staging-kv-" + std::to_string(env->Random64() % 1000000));
  FERRY_RETURN_IF_ERROR(staging.Create());  // locked: `backup cleanup` leaves it alone
  const std::string cp = staging.path() + "/checkpoint";  // must not exist yet
  // This process holds the store (RocksDB's LOCK): nobody writes between the
  // count and the checkpoint, so the manifest's counts are the checkpoint's.
  KvStore* raw = store.get();
  FERRY_RETURN_IF_ERROR(raw->Checkpoint(cp));
  phases.Mark("checkpoint");
  // The rows are counted on the store (still held by this process, so it
  // holds what the checkpoint holds) beside the compression, on a second
  // core; the manifest waits for them. The count closes the store.
  std::future<Result<TableRows>> counting =
      std::async(std::launch::async, [env, st = std::move(store)]() mutable -> Result<TableRows> {
        return CountTables(std::move(st), env);
      });
  TableRows tables;
  int64_t rows = 0;

  std::vector<ArchiveMember> members;
  FERRY_ASSIGN_OR_RETURN(auto listing, env->ListDir(cp));
  for (const auto& e : listing) {
    std::string p = cp + "/" + e.name;
    if (!IsSafeMemberName(e.name))
      return Internal("checkpoint file " + p + " has a name archives do not take");
    members.push_back({e.name, p, ""});
  }
  // manifest.json goes last: each file's size and SHA-256 as it was hashed
  // on its way into the archive (one read per file, as archive.cc does).
  ArchiveTrailer manifest_member;
  manifest_member.name = "manifest.json";
  manifest_member.make = [&](const std::vector<ArchiveEntry>& written) -> Result<std::string> {
    phases.Mark("compress");
    FERRY_ASSIGN_OR_RETURN(tables, counting.get());
    for (const auto& [t, n] : tables) rows += n;
    if (fingerprint != nullptr) {  // the store is closed now: what it must stay
      FERRY_ASSIGN_OR_RETURN(*fingerprint, KvStoreFingerprint(store_dir));
    }
    phases.Mark("count-wait");
    nlohmann::json files = nlohmann::json::array();
    for (const auto& w : written)
      files.push_back({{"name", w.name}, {"size", w.size}, {"sha256", w.sha256}});
    nlohmann::json manifest = {{"format", "ferry-backup/1"},
                               {"timestamp", IsoUtc(now)},
                               {"type", "archive"},
                               {"engine", engine},
                               {"method", kMethod},
                               {"database", name},
                               {"schema_version", ""},
                               {"host", env->HostName()},
                               {"ferry_version", FERRY_VERSION},
                               {"files", files},
                               {"tables", tables}};
    return manifest.dump(2) + "\n";
  };
  // Read it back from disk beside its fsync, what a restore would read:
  // every entry against the manifest, and the file's own SHA-256 from the
  // same read.
  ArchiveEntry whole;
  const ArchiveReadBack read_back = [&](const std::string& written) -> Status {
    phases.Mark("manifest");
    FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, CheckArchiveManifest(written, &whole));
    if (m.method != kMethod) return Internal(written + ": read back with method " + m.method);
    return Status::OK();
  };
  FERRY_RETURN_IF_ERROR(
      WriteArchiveFile(env, b.location, opts.compression, members, manifest_member, read_back)
          .WithContext("archive " + b.location));
  phases.Mark("read-back||sync");
  b.row_count = rows;
  b.size_bytes = whole.size;
  b.checksum = "sha256:" + whole.sha256;
  b.verified_at = env->WallSeconds();
  b.state = BackupState::kVerified;
  b.notes.push_back("copy made with rocksdb::Checkpoint (memtable flushed, SST files linked)");
  b.notes.push_back("verified: manifest readable, every file's size and SHA-256 match");
  return Status::OK();
}

}  // namespace

Result<ArchiveVerifyReport> VerifyKvArchive(const std::string& path, Env* env, VerifyDepth depth) {
  ArchiveManifest m;
  std::optional<StagingDir> scratch;
  if (depth == VerifyDepth::kDeep) {
    // One read: every entry is checked against the manifest while it is
    // extracted for the test restore, which then opens the copy.
    std::string dir = fs::path(path).parent_path().string();
    scratch.emplace(env, (dir.empty() ? "." : dir) + "/.ferry-verify-kv-" +
                             std::to_string(env->Random64() % 1000000));
    FERRY_RETURN_IF_ERROR(scratch->Create());
    FERRY_RETURN_IF_ERROR(ExtractAndCount(path, scratch->path(), env, &m).status());
  } else {
    FERRY_ASSIGN_OR_RETURN(m, CheckKvArchive(path));
  }
  ArchiveVerifyReport r;
  r.path = path;
  r.engine = m.engine;
  r.method = m.method;
  for (const auto& [n, f] : m.files) r.file_sizes[n] = f.first;
  r.table_rows = m.tables;
  r.test_restored = depth == VerifyDepth::kDeep;
  return r;
}

namespace {

// A step of the restore done: the test hook may stop it there.
Status Step(const KvRestoreOptions& o, const char* step) {
  return o.after_step ? o.after_step(step) : Status::OK();
}

// rename(2) of a directory, then the parent's fsync so it survives a crash.
Status MoveDir(Env* env, const std::string& from, const std::string& to) {
  FERRY_RETURN_IF_ERROR(env->RenameFile(from, to));
  std::string parent = fs::path(to).parent_path().string();
  return env->SyncDir(parent.empty() ? "." : parent);
}

void LogRecovered(Logger* logger, const std::string& live,
                  const std::vector<KvRestoreLeftover>& recovered) {
  if (logger == nullptr) return;
  for (const auto& l : recovered) {
    if (l.kind == KvRestoreLeftover::Kind::kReplacedStore)
      logger->Warn("restore " + live + ": " + l.path + " " + l.outcome);
    else
      logger->Info("restore " + live + ": leftover " + l.path + " " + l.outcome);
  }
}

}  // namespace

Result<KvRestoreReport> RestoreKvArchive(const std::string& url, Env* env, const std::string& path,
                                         const KvRestoreOptions& opts) {
  const std::string live = KvStoreDir(url);
  if (live.empty()) return InvalidArgument("bad URL \"" + url + "\": no directory");
  const std::string scheme = url.substr(0, url.find(':'));
  std::string parent = fs::path(live).parent_path().string();
  if (parent.empty()) parent = ".";
  FERRY_RETURN_IF_ERROR(env->CreateDirs(parent));
  // One restore (or cleanup) of this store at a time; then whatever a killed
  // one left is put right before anything else happens.
  FERRY_ASSIGN_OR_RETURN(auto lock,
                         LockFile::TryAcquire(KvRestoreLockPath(live), "a restore of " + live));
  FERRY_RETURN_IF_ERROR(Step(opts, "locked"));
  KvRestoreReport report;
  FERRY_ASSIGN_OR_RETURN(report.recovered,
                         RecoverKvRestoreLocked(env, live, LeftoverAction::kRemove));
  LogRecovered(opts.logger, live, report.recovered);
  for (const auto& l : report.recovered) {
    if (l.kind == KvRestoreLeftover::Kind::kReplacedStore && !l.done && !env->FileExists(live))
      return FailedPrecondition("restore " + path + ": " + live + " is missing and " + l.path +
                                " is " + l.outcome);
  }
  FERRY_RETURN_IF_ERROR(Step(opts, "recovered"));

  // The new store, extracted and checked beside the old one (same file
  // system, so the swap is a rename).
  const std::string tag = std::to_string(env->Random64() % 1000000);
  StagingDir fresh(env, KvRestoreCopyPath(live, tag));
  FERRY_RETURN_IF_ERROR(fresh.Create());
  ArchiveManifest m;
  FERRY_ASSIGN_OR_RETURN(report.table_rows, ExtractAndCount(path, fresh.path(), env, &m));
  if (scheme != m.engine)
    return InvalidArgument(path + ": a " + m.engine + " archive cannot restore " + url);
  FERRY_RETURN_IF_ERROR(Step(opts, "extracted"));

  // What is in the store's place now.
  const bool is_store = env->FileExists(live + "/CURRENT");
  bool empty_dir = false;
  if (!is_store && env->FileExists(live)) {
    std::error_code ec;
    empty_dir = fs::is_empty(live, ec) && !ec;
    if (!empty_dir)
      return FailedPrecondition(live + " exists but holds no " + m.engine +
                                " store (no CURRENT file); restore will not replace it: move it "
                                "away first");
  }
  std::string fingerprint;
  if (is_store) {
    ArchiveOptions so;
    so.dir = opts.safety_dir;
    so.name_prefix = "ferry-safety";
    so.logger = opts.logger;
    FERRY_ASSIGN_OR_RETURN(BackupInfo safety, CreateKvArchiveImpl(url, env, so, &fingerprint));
    report.safety = safety;
  }
  FERRY_RETURN_IF_ERROR(Step(opts, "safety-archived"));

  // The swap: two renames in the same parent directory, the old store first
  // recorded, then moved aside (kv_archive_recovery.h: a kill between the
  // renames is rolled back by the next run).
  const std::string replaced = KvReplacedPath(live, tag);
  if (is_store) {
    // Anything that opened the store since the safety archive closed it
    // changed its files: then the archive does not hold what would be
    // replaced.
    FERRY_ASSIGN_OR_RETURN(std::string now, KvStoreFingerprint(live));
    if (now != fingerprint)
      return FailedPrecondition("restore " + path + ": " + live +
                                " changed after its safety archive was taken (is an application "
                                "using it?); nothing was replaced");
    FERRY_RETURN_IF_ERROR(WriteKvReplacedRecord(env, replaced, report.safety->location,
                                                report.safety->checksum.substr(7), fingerprint));
    FERRY_RETURN_IF_ERROR(Step(opts, "recorded"));
    FERRY_RETURN_IF_ERROR(MoveDir(env, live, replaced)
                              .WithContext("restore " + path + ": moving " + live + " aside"));
    if (Status st = Step(opts, "moved-aside"); !st.ok()) {
      (void)MoveDir(env, replaced, live);  // what the next run would do
      return st;
    }
  } else if (empty_dir) {
    std::error_code ec;
    fs::remove(live, ec);
    if (ec)
      return IOError("restore " + path + ": removing the empty " + live + ": " + ec.message());
  }
  if (Status st = MoveDir(env, fresh.path(), live); !st.ok()) {
    Status back = is_store ? MoveDir(env, replaced, live) : Status::OK();
    return st.WithContext("restore " + path + ": moving the restored store into " + live +
                          (back.ok() ? "" : " (the old store is at " + replaced + ")"));
  }
  fresh.Disown();  // it is the store now
  FERRY_RETURN_IF_ERROR(Step(opts, "swapped"));

  // The old store goes once its safety archive is known to hold it: that
  // archive was read back and checked a moment ago, and the directory must
  // still be exactly what was archived. Otherwise it stays, and is said.
  if (is_store) {
    FERRY_ASSIGN_OR_RETURN(std::string after, KvStoreFingerprint(replaced));
    if (after == fingerprint && env->FileExists(report.safety->location)) {
      if (Status st = RemoveArchivedReplaced(env, replaced); !st.ok())
        report.kept.push_back(replaced + " (cannot remove: " + st.message() + ")");
    } else {
      report.kept.push_back(replaced +
                            " (it changed after its safety archive was taken: was the "
                            "store open in another process?)");
      if (opts.logger != nullptr)
        opts.logger->Warn("restore " + live + ": kept the replaced store " + report.kept.back());
    }
  }
  report.restored.name = fs::path(path).filename().string();
  report.restored.location = path;
  report.restored.kind = BackupKind::kArchive;
  report.restored.method = kMethod;
  return report;
}

}  // namespace ferry
