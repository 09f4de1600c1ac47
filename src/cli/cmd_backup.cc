// ferry backup create|list|verify|extend|cleanup|status|restore: verified
// table snapshots and database archives (src/jobs/backup/backup.h).
//
// ferry.toml:
//   [backup]
//   dir = "backups"          # where archives go
//   retention = "7d"         # default expiry of new backups
//   compression = "zstd"     # or "gzip"
//   method = "auto"          # PostgreSQL archives: auto | copy | pg_dump
//   keep_min / keep_max / keep_last_day / keep_daily / keep_weekly / keep_monthly
//                            # the cleanup policy (src/jobs/backup/retention.h)
#include <iomanip>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "db/database.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/kv_archive.h"
#include "kv/kv_store.h"

namespace ferry::cli {
namespace {

struct BackupFlags {
  std::string table;
  bool archive = false;
  std::string retention;
  bool with_indexes = false;
  std::string dir;
  std::string compression;
  std::string name;
  bool deep = false;
  int days = 0;
  bool dry_run = false;
  std::string at;
  std::string safety_dir;
  std::string method;
  std::string log_level = "info";  // debug: each archive phase's time
};

std::string ConfigString(const CommandContext& ctx, const char* key, const std::string& def) {
  if (!ctx.opts.config) return def;
  if (auto v = (*ctx.opts.config)["backup"][key].value<std::string>()) return *v;
  return def;
}
int64_t ConfigInt(const CommandContext& ctx, const char* key, int64_t def) {
  if (!ctx.opts.config) return def;
  if (auto v = (*ctx.opts.config)["backup"][key].value<int64_t>()) return *v;
  return def;
}
bool ConfigBool(const CommandContext& ctx, const char* key, bool def) {
  if (!ctx.opts.config) return def;
  if (auto v = (*ctx.opts.config)["backup"][key].value<bool>()) return *v;
  return def;
}

nlohmann::json ToJson(const BackupInfo& b, int64_t now) {
  return {{"id", b.id},
          {"name", b.name},
          {"kind", std::string(BackupKindName(b.kind))},
          {"source", b.source},
          {"rows", b.row_count},
          {"checksum", b.checksum},
          {"size_bytes", b.size_bytes},
          {"state", std::string(BackupStateName(b.state))},
          {"status", BackupStatusLabel(b, now)},
          {"created_at", IsoUtc(b.created_at)},
          {"expires_at", IsoUtc(b.expires_at)},
          {"verified_at", IsoUtc(b.verified_at)},
          {"ferry_version", b.ferry_version},
          {"schema_version", b.schema_version},
          {"location", b.location},
          {"method", b.method},
          {"indexes_recreated", b.indexes_recreated},
          {"notes", b.notes}};
}

std::string HumanBytes(int64_t n) {
  const char* units[] = {"B", "KiB", "MiB", "GiB", "TiB"};
  double v = static_cast<double>(n);
  int u = 0;
  while (v >= 1024 && u < 4) {
    v /= 1024;
    ++u;
  }
  std::ostringstream s;
  s << std::fixed << std::setprecision(u == 0 ? 0 : 1) << v << " " << units[u];
  return s.str();
}

void PrintInfo(std::ostream& out, const BackupInfo& b, const char* verb) {
  out << verb << " " << BackupKindName(b.kind) << " " << b.name << "\n"
      << "  source:     " << b.source << "\n"
      << "  rows:       " << b.row_count << "\n"
      << "  size:       " << HumanBytes(b.size_bytes) << "\n"
      << "  checksum:   " << b.checksum << "\n"
      << "  expires:    " << IsoUtc(b.expires_at) << "\n";
  if (!b.location.empty()) out << "  file:       " << b.location << "\n";
  if (!b.method.empty()) out << "  method:     " << b.method << "\n";
  for (const auto& n : b.notes) out << "  " << n << "\n";
}

// What a killed job left behind (staging_dir.h), one line each.
nlohmann::json LeftoversJson(const std::vector<StagingLeftover>& ls) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& l : ls)
    a.push_back({{"path", l.path},
                 {"kind", l.is_dir ? "staging directory" : "partial archive"},
                 {"bytes", l.bytes},
                 {"live", l.live},
                 {"removed", l.removed}});
  return a;
}

// What killed restores left beside a key-value store (kv_archive_recovery.h).
nlohmann::json KvRestoreLeftoversJson(const std::vector<KvRestoreLeftover>& ls) {
  nlohmann::json a = nlohmann::json::array();
  for (const auto& l : ls)
    a.push_back({{"path", l.path}, {"bytes", l.bytes}, {"live", l.live}, {"done", l.done},
                 {"outcome", l.outcome}});
  return a;
}

void PrintKvRestoreLeftovers(std::ostream& out, const std::vector<KvRestoreLeftover>& ls) {
  for (const auto& l : ls) out << "restore leftover " << l.path << ": " << l.outcome << "\n";
}

void PrintLeftovers(std::ostream& out, const std::vector<StagingLeftover>& ls, bool dry_run) {
  int gone = 0, live = 0;
  for (const auto& l : ls) {
    const std::string what = std::string(l.is_dir ? "staging directory" : "partial archive") +
                             ", " + HumanBytes(l.bytes);
    if (l.live) {
      ++live;
      out << "kept " << l.path << " (" << what << "; in use by a running ferry)\n";
    } else {
      ++gone;
      out << (dry_run ? "would remove leftover " : "removed leftover ") << l.path << " (" << what
          << "; left by a job that is no longer running)\n";
    }
  }
  if (!ls.empty())
    out << gone << " leftover(s) " << (dry_run ? "would be removed" : "removed") << ", " << live
        << " in use\n";
}

Result<std::unique_ptr<Database>> Open(CommandContext& ctx) {
  if (ctx.opts.db_url.empty())
    return InvalidArgument("no database: give --db URL, FERRY_DATABASE_URL or database_url");
  return OpenDatabase(ctx.opts.db_url, ctx.env);
}

Result<std::chrono::seconds> Retention(CommandContext& ctx, const BackupFlags& f) {
  std::string text = f.retention.empty() ? ConfigString(ctx, "retention", "7d") : f.retention;
  auto r = ParseRetention(text);
  if (!r) return InvalidArgument("bad retention \"" + text + "\" (try 7d, 12h, 2w)");
  return *r;
}

std::string ArchiveDir(CommandContext& ctx, const BackupFlags& f) {
  return f.dir.empty() ? ConfigString(ctx, "dir", "backups") : f.dir;
}

// Where ferry_backups lives: inside a SQL database; for a key-value store,
// beside its archives (<dir>/ferry_backups.db, kv_archive.h).
Result<std::unique_ptr<Database>> OpenCatalog(CommandContext& ctx, const BackupFlags& f) {
  if (IsKvUrl(ctx.opts.db_url)) return OpenKvCatalog(ArchiveDir(ctx, f), ctx.env);
  return Open(ctx);
}

bool IsArchiveName(const std::string& n) {
  return n.find(".tar.zst") != std::string::npos || n.find(".tar.gz") != std::string::npos;
}

int Emit(CommandContext& ctx, const nlohmann::json& j) {
  *ctx.out << j.dump(2) << "\n";
  return kExitOk;
}

int RunCreate(CommandContext& ctx, const BackupFlags& f) {
  if (f.table.empty() == !f.archive)
    return ReportError(ctx, InvalidArgument("backup create: give --table NAME or --archive"));
  if (IsKvUrl(ctx.opts.db_url)) {  // a key-value store: archives only (its own checkpoint)
    if (!f.archive)
      return ReportError(ctx, InvalidArgument("backup create: a key-value store has no table "
                                              "snapshots; use --archive"));
    auto retention = Retention(ctx, f);
    if (!retention.ok()) return ReportError(ctx, retention.status());
    ArchiveOptions o;
    o.dir = ArchiveDir(ctx, f);
    o.retention = *retention;
    o.compression = f.compression == "gzip" ? Compression::kGzip : Compression::kZstd;
    auto logger = CommandLogger(ctx, f.log_level);
    if (!logger.ok()) {
      ReportError(ctx, logger.status());
      return kExitUsage;
    }
    o.logger = logger->get();
    auto b = CreateKvArchive(ctx.opts.db_url, ctx.env, o);
    if (!b.ok()) return ReportError(ctx, b.status());
    if (ctx.opts.json()) return Emit(ctx, {{"ok", true}, {"backup", ToJson(*b, ctx.env->WallSeconds())}});
    PrintInfo(*ctx.out, *b, "created and verified");
    return kExitOk;
  }
  auto db = Open(ctx);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto retention = Retention(ctx, f);
  if (!retention.ok()) return ReportError(ctx, retention.status());
  Result<BackupInfo> b = Status(Code::kInternal, "unset");
  if (!f.table.empty()) {
    SnapshotOptions o;
    o.retention = *retention;
    o.with_indexes = f.with_indexes;
    auto logger = CommandLogger(ctx, f.log_level);
    if (!logger.ok()) {
      ReportError(ctx, logger.status());
      return kExitUsage;
    }
    o.logger = logger->get();
    b = CreateVerifiedSnapshot(db->get(), ctx.env, f.table, o);
  } else {
    ArchiveOptions o;
    o.dir = ArchiveDir(ctx, f);
    o.retention = *retention;
    std::string c = f.compression.empty() ? ConfigString(ctx, "compression", "zstd") : f.compression;
    if (c != "zstd" && c != "gzip")
      return ReportError(ctx, InvalidArgument("--compression must be zstd or gzip"));
    o.compression = c == "gzip" ? Compression::kGzip : Compression::kZstd;
    std::string m = f.method.empty() ? ConfigString(ctx, "method", "auto") : f.method;
    auto method = ParseArchiveMethod(m);
    if (!method)
      return ReportError(ctx, InvalidArgument("--method must be auto, copy or pg_dump, not \"" + m + "\""));
    o.method = *method;
    auto logger = CommandLogger(ctx, f.log_level);
    if (!logger.ok()) {
      ReportError(ctx, logger.status());
      return kExitUsage;
    }
    o.logger = logger->get();
    b = CreateArchive(db->get(), ctx.env, o);
  }
  if (!b.ok()) return ReportError(ctx, b.status());
  if (ctx.opts.json()) return Emit(ctx, {{"ok", true}, {"backup", ToJson(*b, ctx.env->WallSeconds())}});
  PrintInfo(*ctx.out, *b, "created and verified");
  return kExitOk;
}

int RunList(CommandContext& ctx, const BackupFlags& f) {
  auto db = OpenCatalog(ctx, f);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto all = ListBackups(db->get());
  if (!all.ok()) return ReportError(ctx, all.status());
  const int64_t now = ctx.env->WallSeconds();
  if (ctx.opts.json()) {
    nlohmann::json arr = nlohmann::json::array();
    for (const auto& b : *all) arr.push_back(ToJson(b, now));
    return Emit(ctx, {{"ok", true}, {"backups", arr}});
  }
  if (all->empty()) {
    *ctx.out << "no backups\n";
    return kExitOk;
  }
  std::ostream& out = *ctx.out;
  out << std::left << std::setw(48) << "NAME" << std::setw(10) << "KIND" << std::setw(15)
      << "STATUS" << std::setw(12) << "ROWS" << std::setw(12) << "SIZE" << std::setw(22)
      << "CREATED" << "EXPIRES\n";
  for (const auto& b : *all) {
    out << std::left << std::setw(48) << b.name << std::setw(10) << BackupKindName(b.kind)
        << std::setw(15) << BackupStatusLabel(b, now) << std::setw(12) << b.row_count
        << std::setw(12) << HumanBytes(b.size_bytes) << std::setw(22) << IsoUtc(b.created_at)
        << IsoUtc(b.expires_at) << "\n";
  }
  return kExitOk;
}

int RunVerify(CommandContext& ctx, const BackupFlags& f) {
  if (IsKvUrl(ctx.opts.db_url)) {  // a file, or a name in the catalog beside the archives
    std::string path = f.name;
    if (!ctx.env->FileExists(path)) {
      auto catalog = OpenCatalog(ctx, f);
      if (!catalog.ok()) return ReportError(ctx, catalog.status());
      auto b = FindBackup(catalog->get(), f.name);
      if (!b.ok()) return ReportError(ctx, b.status());
      path = b->location;
    }
    auto r = VerifyKvArchive(path, ctx.env, f.deep ? VerifyDepth::kDeep : VerifyDepth::kChecksums);
    if (!r.ok()) return ReportError(ctx, r.status());
    if (ctx.opts.json())
      return Emit(ctx, {{"ok", true}, {"archive", r->path}, {"engine", r->engine},
                        {"method", r->method}, {"files", r->file_sizes}, {"tables", r->table_rows},
                        {"test_restored", r->test_restored}});
    *ctx.out << "archive " << r->path << ": OK (" << r->engine << ", " << r->method << ")\n";
    for (const auto& [t, n] : r->table_rows)
      *ctx.out << "  " << t << ": " << n << " rows"
               << (r->test_restored ? " (test restore matches)" : "") << "\n";
    return kExitOk;
  }
  auto db = Open(ctx);
  // A bare archive file can be checked without a database, unless --deep.
  if (IsArchiveName(f.name) && (!db.ok() || ctx.env->FileExists(f.name))) {
    std::string path = f.name;
    if (!ctx.env->FileExists(path) && db.ok()) {
      auto b = FindBackup(db->get(), f.name);
      if (!b.ok()) return ReportError(ctx, b.status());
      path = b->location;
    }
    auto logger = CommandLogger(ctx, f.log_level);
    if (!logger.ok()) {
      ReportError(ctx, logger.status());
      return kExitUsage;
    }
    auto r = VerifyArchive(db.ok() ? db->get() : nullptr, ctx.env, path,
                           f.deep ? VerifyDepth::kDeep : VerifyDepth::kChecksums, logger->get());
    if (!r.ok()) return ReportError(ctx, r.status());
    if (ctx.opts.json()) {
      return Emit(ctx, {{"ok", true},
                        {"archive", r->path},
                        {"engine", r->engine},
                        {"method", r->method},
                        {"files", r->file_sizes},
                        {"tables", r->table_rows},
                        {"test_restored", r->test_restored}});
    }
    *ctx.out << "archive " << r->path << ": OK (" << r->engine << ", " << r->method << ")\n";
    for (const auto& [n, s] : r->file_sizes)
      *ctx.out << "  " << n << ": " << s << " bytes, SHA-256 matches the manifest\n";
    *ctx.out << (r->test_restored ? "  test restore into a scratch database: row counts match\n"
                                  : "  (add --deep for a test restore into a scratch database)\n");
    return kExitOk;
  }
  if (!db.ok()) return ReportError(ctx, db.status());
  auto b = FindBackup(db->get(), f.name);
  if (!b.ok()) return ReportError(ctx, b.status());
  if (b->kind == BackupKind::kArchive) {
    BackupFlags g = f;
    g.name = b->location;
    return RunVerify(ctx, g);
  }
  auto v = VerifySnapshot(db->get(), ctx.env, f.name);
  if (!v.ok()) return ReportError(ctx, v.status());
  if (ctx.opts.json()) return Emit(ctx, {{"ok", true}, {"backup", ToJson(*v, ctx.env->WallSeconds())}});
  PrintInfo(*ctx.out, *v, "verified");
  return kExitOk;
}

int RunExtend(CommandContext& ctx, const BackupFlags& f) {
  auto db = OpenCatalog(ctx, f);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto b = ExtendBackup(db->get(), ctx.env, f.name, f.days);
  if (!b.ok()) return ReportError(ctx, b.status());
  if (ctx.opts.json()) return Emit(ctx, {{"ok", true}, {"backup", ToJson(*b, ctx.env->WallSeconds())}});
  *ctx.out << b->name << " now expires " << IsoUtc(b->expires_at) << "\n";
  return kExitOk;
}

int RunCleanup(CommandContext& ctx, const BackupFlags& f) {
  auto db = OpenCatalog(ctx, f);
  if (!db.ok()) return ReportError(ctx, db.status());
  RetentionPolicy p;
  p.keep_min = static_cast<int>(ConfigInt(ctx, "keep_min", 0));
  p.keep_max = static_cast<int>(ConfigInt(ctx, "keep_max", 0));
  p.keep_last_day = ConfigBool(ctx, "keep_last_day", true);
  p.keep_daily = static_cast<int>(ConfigInt(ctx, "keep_daily", 0));
  p.keep_weekly = static_cast<int>(ConfigInt(ctx, "keep_weekly", 0));
  p.keep_monthly = static_cast<int>(ConfigInt(ctx, "keep_monthly", 0));
  auto plan = CleanupBackups(db->get(), ctx.env, p, f.dry_run);
  if (!plan.ok()) return ReportError(ctx, plan.status());
  // Then what killed jobs left behind; a live job's files are never touched.
  auto leftovers = CleanLeftovers(db->get(), ctx.env, ArchiveDir(ctx, f),
                                  f.dry_run ? LeftoverAction::kList : LeftoverAction::kRemove);
  if (!leftovers.ok()) return ReportError(ctx, leftovers.status());
  // A key-value store: what killed restores left beside it (a missing store
  // is rolled back; kv_archive_recovery.h).
  std::vector<KvRestoreLeftover> kv_left;
  if (IsKvUrl(ctx.opts.db_url)) {
    auto k = RecoverKvRestores(ctx.env, ctx.opts.db_url,
                               f.dry_run ? LeftoverAction::kList : LeftoverAction::kRemove);
    if (!k.ok()) return ReportError(ctx, k.status());
    kv_left = std::move(*k);
  }
  if (ctx.opts.json()) {
    nlohmann::json rm = nlohmann::json::array(), keep = nlohmann::json::array();
    for (const auto& d : *plan)
      (d.remove ? rm : keep).push_back({{"name", d.backup.name}, {"reason", d.reason}});
    return Emit(ctx, {{"ok", true},
                      {"dry_run", f.dry_run},
                      {"removed", rm},
                      {"kept", keep},
                      {"leftovers", LeftoversJson(*leftovers)},
                      {"restore_leftovers", KvRestoreLeftoversJson(kv_left)}});
  }
  int n = 0;
  for (const auto& d : *plan) {
    if (!d.remove) continue;
    ++n;
    *ctx.out << (f.dry_run ? "would remove " : "removed ") << d.backup.name << " (" << d.reason
             << ")\n";
  }
  *ctx.out << n << " backup(s) " << (f.dry_run ? "would be removed" : "removed") << ", "
           << plan->size() - n << " kept\n";
  PrintLeftovers(*ctx.out, *leftovers, f.dry_run);
  PrintKvRestoreLeftovers(*ctx.out, kv_left);
  return kExitOk;
}

int RunStatus(CommandContext& ctx, const BackupFlags& f) {
  auto db = OpenCatalog(ctx, f);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto all = ListBackups(db->get());
  if (!all.ok()) return ReportError(ctx, all.status());
  const int64_t now = ctx.env->WallSeconds();
  std::map<std::string, int> by_status;
  int64_t bytes = 0;
  const BackupInfo* newest = nullptr;
  for (const auto& b : *all) {
    by_status[BackupStatusLabel(b, now)]++;
    bytes += b.size_bytes;
    if (b.state == BackupState::kVerified && (!newest || b.created_at > newest->created_at)) newest = &b;
  }
  auto leftovers = CleanLeftovers(db->get(), ctx.env, ArchiveDir(ctx, f), LeftoverAction::kList);
  if (!leftovers.ok()) return ReportError(ctx, leftovers.status());
  std::vector<KvRestoreLeftover> kv_left;
  if (IsKvUrl(ctx.opts.db_url)) {
    auto k = RecoverKvRestores(ctx.env, ctx.opts.db_url, LeftoverAction::kList);
    if (!k.ok()) return ReportError(ctx, k.status());
    kv_left = std::move(*k);
  }
  if (ctx.opts.json()) {
    nlohmann::json j = {{"ok", true}, {"total", all->size()}, {"by_status", by_status},
                        {"size_bytes", bytes}, {"leftovers", LeftoversJson(*leftovers)},
                        {"restore_leftovers", KvRestoreLeftoversJson(kv_left)}};
    if (newest) j["newest_verified"] = ToJson(*newest, now);
    return Emit(ctx, j);
  }
  *ctx.out << "backups:         " << all->size() << " (" << HumanBytes(bytes) << ")\n";
  for (const auto& [s, n] : by_status) *ctx.out << "  " << std::left << std::setw(15) << s << n << "\n";
  *ctx.out << "newest verified: "
           << (newest ? newest->name + " (" + IsoUtc(newest->created_at) + ")" : "none") << "\n";
  if (!leftovers->empty()) {
    int64_t left_bytes = 0;
    int dead = 0;
    for (const auto& l : *leftovers) {
      left_bytes += l.bytes;
      dead += l.live ? 0 : 1;
    }
    *ctx.out << "leftovers:       " << leftovers->size() << " (" << HumanBytes(left_bytes) << "; "
             << dead << " from jobs no longer running: `ferry backup cleanup` removes them)\n";
    for (const auto& l : *leftovers)
      *ctx.out << "  " << l.path << (l.live ? " (in use)" : "") << "\n";
  }
  PrintKvRestoreLeftovers(*ctx.out, kv_left);
  return kExitOk;
}

int RunRestore(CommandContext& ctx, const BackupFlags& f) {
  if (IsKvUrl(ctx.opts.db_url)) {
    if (f.name.empty() == f.at.empty())
      return ReportError(ctx, InvalidArgument("backup restore: give a NAME or --at TIME"));
    std::string path = f.name;
    if (!f.at.empty() || !ctx.env->FileExists(path)) {  // look it up in the catalog
      auto catalog = OpenCatalog(ctx, f);
      if (!catalog.ok()) return ReportError(ctx, catalog.status());
      Result<BackupInfo> b = Status(Code::kInternal, "unset");
      if (!f.at.empty()) {
        auto at = ParseUtc(f.at);
        if (!at) return ReportError(ctx, InvalidArgument("bad --at \"" + f.at + "\" (2025-08-11T12:00:00Z)"));
        b = FindBackupAt(catalog->get(), *at, "");
      } else {
        b = FindBackup(catalog->get(), f.name);
      }
      if (!b.ok()) return ReportError(ctx, b.status());
      path = b->location;
    }
    KvRestoreOptions ro;
    ro.safety_dir = f.safety_dir.empty() ? ArchiveDir(ctx, f) : f.safety_dir;
    auto logger = CommandLogger(ctx, f.log_level);
    if (!logger.ok()) {
      ReportError(ctx, logger.status());
      return kExitUsage;
    }
    ro.logger = logger->get();
    auto r = RestoreKvArchive(ctx.opts.db_url, ctx.env, path, ro);
    if (!r.ok()) return ReportError(ctx, r.status());
    if (ctx.opts.json()) {
      const int64_t now = ctx.env->WallSeconds();
      return Emit(ctx, {{"ok", true}, {"restored", path}, {"tables", r->table_rows},
                        {"safety_backup", r->safety ? ToJson(*r->safety, now) : nlohmann::json()},
                        {"recovered", KvRestoreLeftoversJson(r->recovered)},
                        {"kept", r->kept}});
    }
    PrintKvRestoreLeftovers(*ctx.out, r->recovered);
    for (const auto& k : r->kept) *ctx.out << "kept the replaced store " << k << "\n";
    *ctx.out << "restored " << path << "\n";
    if (r->safety) *ctx.out << "  safety archive of the previous state: " << r->safety->location << "\n";
    for (const auto& [t, n] : r->table_rows)
      *ctx.out << "  " << t << ": " << n << " rows (matches the archive)\n";
    return kExitOk;
  }
  auto db = Open(ctx);
  if (!db.ok()) return ReportError(ctx, db.status());
  if (f.name.empty() == f.at.empty())
    return ReportError(ctx, InvalidArgument("backup restore: give a NAME or --at TIME"));
  std::string name = f.name;
  if (!f.at.empty()) {
    auto at = ParseUtc(f.at);
    if (!at) return ReportError(ctx, InvalidArgument("bad --at \"" + f.at + "\" (2025-08-11T12:00:00Z)"));
    auto b = FindBackupAt(db->get(), *at, f.table);
    if (!b.ok()) return ReportError(ctx, b.status());
    name = b->name;
  }
  const int64_t now = ctx.env->WallSeconds();
  bool archive = IsArchiveName(name);
  std::string path = name;
  if (archive && !ctx.env->FileExists(path)) {
    auto b = FindBackup(db->get(), name);
    if (!b.ok()) return ReportError(ctx, b.status());
    path = b->location;
  }
  if (archive) {
    std::string safety = f.safety_dir.empty() ? ArchiveDir(ctx, f) : f.safety_dir;
    auto logger = CommandLogger(ctx, f.log_level);
    if (!logger.ok()) {
      ReportError(ctx, logger.status());
      return kExitUsage;
    }
    auto r = RestoreArchive(db->get(), ctx.env, path, safety, logger->get());
    if (!r.ok()) return ReportError(ctx, r.status());
    if (ctx.opts.json()) {
      return Emit(ctx, {{"ok", true}, {"restored", path}, {"tables", r->table_rows},
                        {"safety_backup", r->safety ? ToJson(*r->safety, now) : nlohmann::json()}});
    }
    *ctx.out << "restored " << path << "\n";
    if (r->safety) *ctx.out << "  safety archive of the previous state: " << r->safety->location << "\n";
    for (const auto& [t, n] : r->table_rows)
      *ctx.out << "  " << t << ": " << n << " rows (matches the archive)\n";
    return kExitOk;
  }
  auto r = RestoreSnapshot(db->get(), ctx.env, name);
  if (!r.ok()) return ReportError(ctx, r.status());
  if (ctx.opts.json()) return Emit(ctx, {{"ok", true}, {"restored", ToJson(*r, now)}});
  *ctx.out << "restored " << r->source << " from " << r->name << "\n";
  for (const auto& n : r->notes) *ctx.out << "  " << n << "\n";
  return kExitOk;
}

}  // namespace

void AddBackupCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<BackupFlags>();
  auto* sub = app.add_subcommand("backup", "Verified table snapshots and database archives");
  sub->require_subcommand(1);

  auto* create = sub->add_subcommand("create", "Create and verify a backup");
  create->add_option("--log-level", f->log_level,
                     "debug, info, warn or error (default info; debug: archive phase timings)");
  create->add_option("--table", f->table, "Snapshot this table inside the database");
  create->add_flag("--archive", f->archive, "Archive the whole database to a file");
  create->add_option("--retention", f->retention, "Expiry, e.g. 7d, 12h, 2w (default 7d)");
  create->add_flag("--with-indexes", f->with_indexes, "Recreate the table's indexes on the snapshot");
  create->add_option("--dir", f->dir, "Archive directory (default backups/)");
  create->add_option("--compression", f->compression, "zstd (default) or gzip");
  create->add_option("--method", f->method,
                     "PostgreSQL archives: auto (default: pg_dump when on PATH, else copy), copy "
                     "(COPY of every table in one REPEATABLE READ transaction, no external tools) "
                     "or pg_dump");
  create->callback([run, f] { *run = [f](CommandContext& ctx) { return RunCreate(ctx, *f); }; });

  auto* list = sub->add_subcommand("list", "List backups: ACTIVE / EXPIRING SOON / EXPIRED");
  list->add_option("--dir", f->dir, "Key-value stores: the archive directory holding the catalog");
  list->callback([run, f] { *run = [f](CommandContext& ctx) { return RunList(ctx, *f); }; });

  auto* verify = sub->add_subcommand("verify", "Check a backup against what was recorded");
  verify->add_option("--log-level", f->log_level,
                     "debug, info, warn or error (default info; debug: archive phase timings)");
  verify->add_option("name", f->name, "Backup name or archive path")->required();
  verify->add_option("--dir", f->dir, "Key-value stores: the archive directory holding the catalog");
  verify->add_flag("--deep", f->deep, "Archives: test-restore into a scratch database");
  verify->callback([run, f] { *run = [f](CommandContext& ctx) { return RunVerify(ctx, *f); }; });

  auto* extend = sub->add_subcommand("extend", "Keep a backup longer");
  extend->add_option("name", f->name, "Backup name")->required();
  extend->add_option("--days", f->days, "Days to add")->required();
  extend->add_option("--dir", f->dir, "Key-value stores: the archive directory holding the catalog");
  extend->callback([run, f] { *run = [f](CommandContext& ctx) { return RunExtend(ctx, *f); }; });

  auto* cleanup = sub->add_subcommand(
      "cleanup", "Remove expired backups per the [backup] policy, and what killed jobs left behind");
  cleanup->add_flag("--dry-run", f->dry_run, "Only print what would be removed");
  cleanup->add_option("--dir", f->dir, "Key-value stores: the archive directory holding the catalog");
  cleanup->callback([run, f] { *run = [f](CommandContext& ctx) { return RunCleanup(ctx, *f); }; });

  auto* status = sub->add_subcommand("status", "Summary of backups");
  status->add_option("--dir", f->dir, "Key-value stores: the archive directory holding the catalog");
  status->callback([run, f] { *run = [f](CommandContext& ctx) { return RunStatus(ctx, *f); }; });

  auto* restore = sub->add_subcommand("restore", "Restore a backup (a safety backup is taken first)");
  restore->add_option("--log-level", f->log_level,
                      "debug, info, warn or error (default info; debug: archive phase timings)");
  restore->add_option("name", f->name, "Backup name or archive path");
  restore->add_option("--at", f->at, "Restore the newest verified backup not after this time");
  restore->add_option("--table", f->table, "With --at: only snapshots of this table");
  restore->add_option("--safety-dir", f->safety_dir, "Where the safety archive goes");
  restore->add_option("--dir", f->dir, "Archive directory (default backups/)");
  restore->callback([run, f] { *run = [f](CommandContext& ctx) { return RunRestore(ctx, *f); }; });
}

}  // namespace ferry::cli
