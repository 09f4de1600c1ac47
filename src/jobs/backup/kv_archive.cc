#include "jobs/backup/kv_archive.h"

#include <sys/stat.h>

#include <filesystem>
#include <map>

#include <nlohmann/json.hpp>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archive_manifest.h"
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

std::string StoreDir(const std::string& url) {
  std::string p = url.substr(url.find(':') + 1);
  if (p.rfind("//", 0) == 0) p = p.substr(2);
  while (p.size() > 1 && p.back() == '/') p.pop_back();
  return p;
}

std::string StoreName(const std::string& dir) {
  std::string n = fs::path(dir).filename().string();
  std::string clean;
  for (char c : n) clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return clean.empty() ? "kv" : clean;
}

// A scratch directory removed (recursively: checkpoints hold hard links) on
// scope exit. std::filesystem here because Env has no directory removal.
class ScratchDir {
 public:
  explicit ScratchDir(std::string path) : path_(std::move(path)) {}
  ~ScratchDir() {
    std::error_code ec;
    if (!path_.empty()) fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string Release() { return std::exchange(path_, ""); }

 private:
  std::string path_;
};

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

// Extracts `path` into the new directory `dir`, opens it, counts its rows.
Result<TableRows> ExtractAndCount(const std::string& path, const std::string& dir,
                                  const ArchiveManifest& m, Env* env) {
  FERRY_RETURN_IF_ERROR(env->CreateDirs(dir));
  ::chmod(dir.c_str(), 0700);
  FERRY_RETURN_IF_ERROR(ExtractArchiveFile(path, dir));
  FERRY_RETURN_IF_ERROR(env->RemoveFile(dir + "/manifest.json"));  // not a store file
  FERRY_ASSIGN_OR_RETURN(auto store, OpenKvStore(m.engine + ":" + dir, KvOpenMode::kExisting, env));
  FERRY_ASSIGN_OR_RETURN(TableRows got, CountTables(std::move(store), env));
  FERRY_RETURN_IF_ERROR(CompareTableRows(path + ": extracted copy", m.tables, got, /*exact=*/true));
  return got;
}

}  // namespace

namespace {
Status CheckpointAndPack(std::unique_ptr<KvStore> store, Env* env, const ArchiveOptions& opts,
                         const std::string& engine, int64_t now, BackupInfo* out);
}  // namespace

Result<std::unique_ptr<Database>> OpenKvCatalog(const std::string& archive_dir, Env* env) {
  FERRY_RETURN_IF_ERROR(env->CreateDirs(archive_dir));
  FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase("sqlite:" + archive_dir + "/ferry_backups.db", env));
  FERRY_RETURN_IF_ERROR(BackupCatalog(db.get()).Ensure());
  return db;
}

Result<BackupInfo> CreateKvArchive(const std::string& url, Env* env, const ArchiveOptions& opts) {
  FERRY_ASSIGN_OR_RETURN(auto store, OpenKvStore(url, KvOpenMode::kExisting, env));
  const std::string engine(store->engine());
  FERRY_RETURN_IF_ERROR(env->CreateDirs(opts.dir));
  const int64_t now = env->WallSeconds();
  const std::string name = StoreName(store->path());
  BackupInfo b;
  b.name = opts.name_prefix + "-" + name + "-" + CompactUtc(now) + "-" +
           std::to_string(env->Random64() % 100000) +
           (opts.compression == Compression::kZstd ? ".tar.zst" : ".tar.gz");
  b.kind = BackupKind::kArchive;
  b.source = name;
  b.ferry_version = FERRY_VERSION;
  b.created_at = now;
  b.expires_at = now + opts.retention.count();
  b.location = opts.dir + "/" + b.name;
  b.method = kMethod;
  b.state = BackupState::kPending;
  // Intent first, as for database archives: a crash leaves a pending row,
  // never a verified one.
  FERRY_ASSIGN_OR_RETURN(auto catalog_db, OpenKvCatalog(opts.dir, env));
  BackupCatalog catalog(catalog_db.get());
  FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
  FERRY_RETURN_IF_ERROR(catalog.Insert(b));
  Status st = CheckpointAndPack(std::move(store), env, opts, engine, now, &b);
  if (!st.ok()) {
    b.state = BackupState::kFailed;
    (void)catalog.Update(b);  // best effort; a pending row is equally "not good"
    return st;
  }
  FERRY_RETURN_IF_ERROR(catalog.Update(b));
  return b;
}

namespace {

// The archive itself: checkpoint, manifest, tar, read-back check; fills
// size, checksum, rows and state of *b.
Status CheckpointAndPack(std::unique_ptr<KvStore> store, Env* env, const ArchiveOptions& opts,
                         const std::string& engine, int64_t now, BackupInfo* out) {
  BackupInfo& b = *out;
  const std::string name = b.source;
  StagingDir staging(env,
                     opts.dir + "/.ferry-staging-kv-" + std::to_string(env->Random64() % 1000000));
  FERRY_RETURN_IF_ERROR(staging.Create());  // locked: `backup cleanup` leaves it alone
  const std::string cp = staging.path() + "/checkpoint";  // must not exist yet
  // This process holds the store (RocksDB's LOCK): nobody writes between the
  // count and the checkpoint, so the manifest's counts are the checkpoint's.
  KvStore* raw = store.get();
  FERRY_RETURN_IF_ERROR(raw->Checkpoint(cp));
  FERRY_ASSIGN_OR_RETURN(TableRows tables, CountTables(std::move(store), env));

  nlohmann::json files = nlohmann::json::array();
  std::vector<ArchiveMember> members;
  FERRY_ASSIGN_OR_RETURN(auto listing, env->ListDir(cp));
  for (const auto& e : listing) {
    std::string p = cp + "/" + e.name;
    if (!IsSafeMemberName(e.name))
      return Internal("checkpoint file " + p + " has a name archives do not take");
    FERRY_ASSIGN_OR_RETURN(ArchiveEntry h, HashFile(p));
    files.push_back({{"name", e.name}, {"size", h.size}, {"sha256", h.sha256}});
    members.push_back({e.name, p, ""});
  }
  int64_t rows = 0;
  for (const auto& [t, n] : tables) rows += n;
  nlohmann::json manifest = {{"format", "ferry-backup/1"},  {"timestamp", IsoUtc(now)},
                             {"type", "archive"},           {"engine", engine},
                             {"method", kMethod},           {"database", name},
                             {"schema_version", ""},        {"host", env->HostName()},
                             {"ferry_version", FERRY_VERSION}, {"files", files},
                             {"tables", tables}};
  members.insert(members.begin(), ArchiveMember{"manifest.json", "", manifest.dump(2) + "\n"});
  FERRY_RETURN_IF_ERROR(WriteArchiveFile(b.location, opts.compression, members)
                            .WithContext("archive " + b.location));
  FERRY_RETURN_IF_ERROR(CheckKvArchive(b.location).status());  // what a restore would read
  FERRY_ASSIGN_OR_RETURN(ArchiveEntry whole, HashFile(b.location));
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
  FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, CheckKvArchive(path));
  ArchiveVerifyReport r;
  r.path = path;
  r.engine = m.engine;
  r.method = m.method;
  for (const auto& [n, f] : m.files) r.file_sizes[n] = f.first;
  r.table_rows = m.tables;
  if (depth != VerifyDepth::kDeep) return r;
  std::string dir = fs::path(path).parent_path().string();
  StagingDir scratch(env, (dir.empty() ? "." : dir) + "/.ferry-verify-kv-" +
                              std::to_string(env->Random64() % 1000000));
  FERRY_RETURN_IF_ERROR(scratch.Create());
  FERRY_RETURN_IF_ERROR(ExtractAndCount(path, scratch.path(), m, env).status());
  r.test_restored = true;
  return r;
}

Result<RestoreReport> RestoreKvArchive(const std::string& url, Env* env, const std::string& path,
                                       const std::string& safety_dir) {
  FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, CheckKvArchive(path));
  const std::string live = StoreDir(url);
  if (live.empty()) return InvalidArgument("bad URL \"" + url + "\": no directory");
  if (url.substr(0, url.find(':')) != m.engine)
    return InvalidArgument(path + ": a " + m.engine + " archive cannot restore " + url);
  RestoreReport report;
  if (env->FileExists(live + "/CURRENT")) {
    ArchiveOptions so;
    so.dir = safety_dir;
    so.name_prefix = "ferry-safety";
    FERRY_ASSIGN_OR_RETURN(BackupInfo safety, CreateKvArchive(url, env, so));
    report.safety = safety;
  }
  const std::string tag = std::to_string(env->Random64() % 1000000);
  ScratchDir fresh(live + ".ferry-restore-" + tag);
  FERRY_ASSIGN_OR_RETURN(report.table_rows, ExtractAndCount(path, fresh.path(), m, env));
  // The swap: two renames in the same parent directory. The old store is
  // moved aside (and then removed: the safety archive holds it).
  std::error_code ec;
  ScratchDir old(live + ".ferry-replaced-" + tag);
  if (fs::exists(live)) {
    fs::rename(live, old.path(), ec);
    if (ec) return IOError("restore " + path + ": moving " + live + " aside: " + ec.message());
  }
  fs::rename(fresh.path(), live, ec);
  if (ec) {
    std::error_code back;
    fs::rename(old.path(), live, back);
    return IOError("restore " + path + ": moving the restored store into " + live + ": " +
                   ec.message() + (back ? " (the old store is at " + old.Release() + ")" : ""));
  }
  fresh.Release();
  report.restored.name = fs::path(path).filename().string();
  report.restored.location = path;
  report.restored.kind = BackupKind::kArchive;
  report.restored.method = kMethod;
  return report;
}

}  // namespace ferry
