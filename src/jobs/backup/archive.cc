// Database archives: dump (Archiver) -> manifest -> tar -> verify -> catalog.
#include <sys/stat.h>

#include <cerrno>
#include <cstring>
#include <future>
#include <map>
#include <set>

#include <nlohmann/json.hpp>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archive_manifest.h"
#include "jobs/backup/archive_phases.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/staging_dir.h"
#include "obs/logger.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry {
namespace {

std::string DatabaseName(const Database& db) {
  const DatabaseUrl& u = db.url();
  std::string n = u.IsFileEngine() ? u.path : u.database;
  size_t slash = n.rfind('/');
  if (slash != std::string::npos) n = n.substr(slash + 1);
  size_t dot = n.rfind('.');
  if (u.IsFileEngine() && dot != std::string::npos && dot > 0) n = n.substr(0, dot);
  std::string clean;
  for (char c : n) clean += (std::isalnum(static_cast<unsigned char>(c)) || c == '_') ? c : '_';
  return clean.empty() ? "db" : clean;
}

// A private, locked directory for one job's files (staging_dir.h: a later
// `backup cleanup` can tell a killed job's leftover from a live one).
using Staging = StagingDir;

}  // namespace

std::optional<ArchiveMethod> ParseArchiveMethod(std::string_view text) {
  if (text.empty() || text == "auto") return ArchiveMethod::kAuto;
  if (text == "pg_dump") return ArchiveMethod::kPgDump;
  if (text == "copy") return ArchiveMethod::kCopy;
  return std::nullopt;
}

ArchiveMethod ArchiveMethodOfManifest(std::string_view manifest_method) {
  if (manifest_method == "pg_dump") return ArchiveMethod::kPgDump;
  if (manifest_method == "copy") return ArchiveMethod::kCopy;
  return ArchiveMethod::kAuto;
}

namespace {

// pg_dump when asked for or (kAuto) when it is on PATH; COPY otherwise.
Result<std::unique_ptr<Archiver>> MakePostgresArchiver(Database* db, Env* env, ArchiveMethod m) {
  if (m == ArchiveMethod::kCopy) return NewPostgresCopyArchiver(db, env);
  auto dump = NewPostgresArchiver(db, env);
  if (dump.ok() || m == ArchiveMethod::kPgDump) return dump;
  return NewPostgresCopyArchiver(db, env);
}

// The default StagedRestore: nothing ahead, the whole restore at the swap.
class RestoreAtSwap : public StagedRestore {
 public:
  RestoreAtSwap(Archiver* archiver, std::string dir) : archiver_(archiver), dir_(std::move(dir)) {}
  Status Load() override { return Status::OK(); }
  Result<TableRows> Swap() override { return archiver_->Restore(dir_); }

 private:
  Archiver* archiver_;
  std::string dir_;
};

}  // namespace

Result<std::unique_ptr<StagedRestore>> Archiver::StartRestore(const std::string& dir) {
  return std::unique_ptr<StagedRestore>(std::make_unique<RestoreAtSwap>(this, dir));
}

Result<std::optional<StreamedDump>> Archiver::DumpStreamed() {
  return std::optional<StreamedDump>();
}

Result<std::unique_ptr<Archiver>> MakeArchiver(Database* db, Env* env, ArchiveMethod method) {
  switch (db->dialect()) {
    case Dialect::kSqlite: return NewSqliteArchiver(db, env);
    case Dialect::kPostgres: return MakePostgresArchiver(db, env, method);
    case Dialect::kMysql: return NewMysqlArchiver(db, env);
    case Dialect::kDuckdb: return NewDuckdbArchiver(db, env);
    default: return NotFound("archives are not supported for " + std::string(db->engine()) + " yet");
  }
}

Result<BackupInfo> CreateArchive(Database* db, Env* env, const ArchiveOptions& opts) {
  FERRY_ASSIGN_OR_RETURN(auto archiver, MakeArchiver(db, env, opts.method));
  FERRY_RETURN_IF_ERROR(env->CreateDirs(opts.dir));
  FERRY_ASSIGN_OR_RETURN(std::string schema_version, CurrentSchemaVersion(db, env));
  BackupCatalog catalog(db);
  if (opts.record_in_catalog) FERRY_RETURN_IF_ERROR(catalog.Ensure());

  // Intent first: a pending row, so a crash leaves a visible, non-good entry.
  const int64_t now = env->WallSeconds();
  const std::string dbname = DatabaseName(*db);
  BackupInfo b = NewBackupInfo(BackupKind::kArchive, dbname, schema_version, now, opts.retention);
  b.id = 1;
  bool have_catalog = opts.record_in_catalog;
  if (!have_catalog) {
    FERRY_ASSIGN_OR_RETURN(have_catalog, db->TableExists(kBackupCatalogTable));
  }
  if (have_catalog) {
    FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
  }
  b.name = opts.name_prefix + "-" + dbname + "-" + CompactUtc(now) + "-" + std::to_string(b.id) +
           (opts.compression == Compression::kZstd ? ".tar.zst" : ".tar.gz");
  b.state = BackupState::kPending;
  b.location = opts.dir + "/" + b.name;
  if (opts.record_in_catalog) FERRY_RETURN_IF_ERROR(catalog.Insert(b));

  auto work = [&]() -> Status {
    ArchivePhases phases(env, opts.logger, "archive create " + b.name);
    Staging staging(env, opts.dir + "/.ferry-staging-" + std::to_string(b.id) + "-" +
                             std::to_string(env->Random64() % 1000000));
    DumpResult dump;
    std::vector<ArchiveMember> members;
    // Streamed where the engine can (SQLite): the copy goes straight into
    // the archive, no staging file written and read again.
    FERRY_ASSIGN_OR_RETURN(std::optional<StreamedDump> streamed, archiver->DumpStreamed());
    // The staged way: a copy in a private directory, archived from there.
    auto stage = [&]() -> Status {
      members.clear();
      FERRY_RETURN_IF_ERROR(staging.Create());
      FERRY_ASSIGN_OR_RETURN(dump, archiver->Dump(staging.path()));
      phases.Mark("dump");
      for (const auto& f : dump.files) {
        std::string p = staging.path() + "/" + f;
        ::chmod(p.c_str(), 0600);
        members.push_back({f, p, ""});
      }
      return Status::OK();
    };
    if (streamed) {
      dump = std::move(streamed->result);
      members = streamed->members;
      phases.Mark("snapshot+count");
    } else {
      FERRY_RETURN_IF_ERROR(stage());
    }
    // The row counts, where the archiver left them to us, are taken beside
    // the compression (a second core); the manifest waits for them.
    // Declared after `staging`: joined before the directory is removed.
    std::future<Result<TableRows>> counting;
    int64_t rows = 0;
    // manifest.json goes last: it records each file's size and SHA-256 as
    // they were hashed on their way into the archive (one read per file).
    ArchiveTrailer manifest_member;
    manifest_member.name = "manifest.json";
    manifest_member.make = [&](const std::vector<ArchiveEntry>& written) -> Result<std::string> {
      if (counting.valid()) {
        FERRY_ASSIGN_OR_RETURN(dump.tables, counting.get());
      }
      rows = 0;
      for (const auto& [t, n] : dump.tables) rows += n;
      nlohmann::json files = nlohmann::json::array();
      for (const auto& w : written)
        files.push_back({{"name", w.name}, {"size", w.size}, {"sha256", w.sha256}});
      nlohmann::json manifest = {{"format", "ferry-backup/1"},
                                 {"timestamp", IsoUtc(now)},
                                 {"type", "archive"},
                                 {"engine", std::string(db->engine())},
                                 {"method", dump.method},
                                 {"database", dbname},
                                 {"schema_version", schema_version},
                                 {"host", env->HostName()},
                                 {"ferry_version", FERRY_VERSION},
                                 {"files", files},
                                 {"tables", dump.tables}};
      if (!dump.captured.empty()) manifest["captured"] = dump.captured;
      if (!dump.not_captured.empty()) manifest["not_captured"] = dump.not_captured;
      return manifest.dump(2) + "\n";
    };
    if (dump.count_tables) counting = std::async(std::launch::async, dump.count_tables);
    // Read it back from disk, beside its fsync: what we verify is what a
    // restore would read. One pass: every entry decompressed and hashed
    // against the manifest, and the file's own SHA-256 for the catalog from
    // the same read.
    ArchiveEntry whole;
    const ArchiveReadBack read_back = [&](const std::string& written) -> Status {
      phases.Mark(streamed ? "copy+compress" : "compress");
      return CheckArchiveManifest(written, &whole).status();
    };
    Status written =
        WriteArchiveFile(env, b.location, opts.compression, members, manifest_member, read_back);
    std::string declined = !written.ok() && streamed && streamed->declined ? streamed->declined() : "";
    if (!declined.empty()) {
      // The stream gave up (SQLite wrote out of the expected order): the
      // partial file is gone; the same archive is made the staged way.
      if (opts.logger != nullptr)
        opts.logger->Warn("archive: streamed copy declined, copying through a staging file",
                          {{"archive", b.location}, {"why", declined}});
      streamed.reset();
      FERRY_RETURN_IF_ERROR(stage());
      if (dump.count_tables) counting = std::async(std::launch::async, dump.count_tables);
      written = WriteArchiveFile(env, b.location, opts.compression, members, manifest_member,
                                 read_back);
    }
    FERRY_RETURN_IF_ERROR(written);
    phases.Mark("read-back||sync");
    b.row_count = rows;
    b.size_bytes = whole.size;
    b.checksum = "sha256:" + whole.sha256;
    b.method = dump.method;
    b.verified_at = env->WallSeconds();
    b.state = BackupState::kVerified;
    b.notes.push_back(
        "copy made with " + dump.method +
        (dump.method == "pg_dump" ? " (pinned to ferry's exported snapshot)"
         : dump.method == "copy"  ? " (COPY of every table in one REPEATABLE READ transaction)"
                                  : ""));
    if (!dump.not_captured.empty()) {
      std::string n = "not in this archive:";
      for (const auto& x : dump.not_captured) n += " " + x + ";";
      n.pop_back();
      b.notes.push_back(n);
    }
    b.notes.push_back("verified: manifest readable, every file's size and SHA-256 match");
    return Status::OK();
  };
  Status st = work();
  if (!st.ok()) {
    b.state = BackupState::kFailed;
    // best effort; a pending row is equally "not good"
    if (opts.record_in_catalog) (void)catalog.Update(b);
    return st.WithContext("archive " + b.location);
  }
  if (opts.record_in_catalog) FERRY_RETURN_IF_ERROR(catalog.Update(b));
  return b;
}

Result<ArchiveVerifyReport> VerifyArchive(Database* db, Env* env, const std::string& path,
                                          VerifyDepth depth, Logger* logger) {
  ArchivePhases phases(env, logger, "archive verify " + path);
  if (depth == VerifyDepth::kDeep && db == nullptr)
    return InvalidArgument(path + ": a test restore needs a database (--db)");
  // Deep: checked while extracted, one pass over the archive.
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  Staging staging(env, dir + "/.ferry-verify-" + std::to_string(env->Random64() % 1000000));
  if (depth == VerifyDepth::kDeep) FERRY_RETURN_IF_ERROR(staging.Create());
  FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, depth == VerifyDepth::kDeep
                                                ? ExtractCheckedArchive(path, staging.path())
                                                : CheckArchiveManifest(path));
  phases.Mark(depth == VerifyDepth::kDeep ? "extract+check" : "check");
  ArchiveVerifyReport r;
  r.path = path;
  r.engine = m.engine;
  r.method = m.method;
  r.schema_version = m.schema_version;
  for (const auto& [n, f] : m.files) r.file_sizes[n] = f.first;
  r.table_rows = m.tables;
  if (depth != VerifyDepth::kDeep) return r;
  if (db == nullptr || m.engine != db->engine())
    return InvalidArgument(path + ": a " + m.engine + " archive needs a " + m.engine +
                           " database (--db) for a test restore");
  FERRY_ASSIGN_OR_RETURN(auto archiver, MakeArchiver(db, env, ArchiveMethodOfManifest(m.method)));
  FERRY_ASSIGN_OR_RETURN(TableRows got, archiver->TestRestore(staging.path()));
  phases.Mark("test-restore");
  FERRY_RETURN_IF_ERROR(CompareTableRows(path + ": test restore", m.tables, got, /*exact=*/false));
  r.test_restored = true;
  return r;
}

namespace {

// After a restore: the catalog rows of archives (files outside the
// database) as they were before it, into the restored catalog. A row the
// restored catalog has by name keeps its id there; one it lacks keeps its
// own id unless the restored catalog gave that id to another backup (an
// archive of another database, with a catalog of its own): then a new one.
Status PutBackArchiveRows(BackupCatalog* catalog, const std::vector<BackupInfo>& before) {
  FERRY_RETURN_IF_ERROR(catalog->Ensure());
  FERRY_ASSIGN_OR_RETURN(auto rows, catalog->List());
  std::set<int64_t> taken;
  std::map<std::string, int64_t> id_of;  // the restored catalog's rows by name
  for (const auto& r : rows) {
    taken.insert(r.id);
    id_of[r.name] = r.id;
  }
  for (const auto& b : before) {
    if (b.kind != BackupKind::kArchive) continue;
    BackupInfo row = b;
    if (auto have = id_of.find(b.name); have != id_of.end()) {
      row.id = have->second;
      FERRY_RETURN_IF_ERROR(catalog->Update(row));
      continue;
    }
    if (taken.count(row.id) > 0) {
      FERRY_ASSIGN_OR_RETURN(row.id, catalog->NextId());
    }
    taken.insert(row.id);
    FERRY_RETURN_IF_ERROR(catalog->Insert(row));
  }
  return Status::OK();
}

}  // namespace

Result<RestoreReport> RestoreArchive(Database* db, Env* env, const std::string& path,
                                     const std::string& safety_dir, Logger* logger) {
  ArchivePhases phases(env, logger, "archive restore " + path);
  const size_t slash = path.rfind('/');
  const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash);
  Staging staging(env, dir + "/.ferry-restore-" + std::to_string(env->Random64() % 1000000));
  FERRY_RETURN_IF_ERROR(staging.Create());
  // Where the engine can load its copy while the archive is still being
  // extracted (SQLite in WAL mode), the extraction runs on another thread
  // and the restore starts as soon as the copy's file exists: the archive's
  // checks (every entry against the manifest, the engine) then end before
  // the swap instead of before the start, and a damaged archive is still
  // refused with the database unchanged. Elsewhere the archive is
  // extracted and checked in one pass first.
  std::unique_ptr<ArchiveExtraction> extraction;  // outlives every reader of the copy
  std::unique_ptr<Archiver> archiver;
  {
    auto live = MakeArchiver(db, env, ArchiveMethod::kAuto);
    const std::string member = live.ok() ? (*live)->MemberLoadedWhileExtracting() : "";
    if (!member.empty()) {
      extraction = std::make_unique<ArchiveExtraction>(path, staging.path(), member);
      if (extraction->WaitForMember()) archiver = std::move(*live);
    }
  }
  const bool following = archiver != nullptr;
  ArchiveManifest m;
  // The archive's verdict: extracted, every entry checked, for this engine.
  auto finish_extraction = [&]() -> Status {
    FERRY_ASSIGN_OR_RETURN(m, extraction ? extraction->Finish()
                                         : ExtractCheckedArchive(path, staging.path()));
    if (m.engine != db->engine())
      return InvalidArgument(path + ": a " + m.engine + " archive cannot restore a " +
                             std::string(db->engine()) + " database");
    return Status::OK();
  };
  if (!following) {
    FERRY_RETURN_IF_ERROR(finish_extraction());
    phases.Mark("extract+check");
    FERRY_ASSIGN_OR_RETURN(archiver, MakeArchiver(db, env, ArchiveMethodOfManifest(m.method)));
  } else {
    phases.Mark("extract-begin");
  }
  BackupCatalog catalog(db);
  // The catalog lives in the database being replaced: remember the archive
  // rows (they describe files outside it) and put them back afterwards.
  FERRY_ASSIGN_OR_RETURN(auto before, catalog.List());

  RestoreReport report;
  ArchiveOptions so;
  so.dir = safety_dir;
  so.name_prefix = "ferry-safety";
  // The tools the archive needed are the ones at hand; an archive loaded
  // while extracted is of the live engine's one method.
  so.method = following ? ArchiveMethod::kAuto : ArchiveMethodOfManifest(m.method);
  so.logger = logger;

  // Nothing below changes what readers see until staged->Swap(), which runs
  // only after the safety archive was made and verified and the copy was
  // checked and loaded; an error before it abandons the staged restore.
  std::unique_ptr<StagedRestore> staged;
  Status loaded;  // CheckCopy, then Load
  Result<BackupInfo> safety_or = Internal("safety archive not taken");
  // (An engine that loads while extracting loads beside: not asked twice.)
  const bool beside = following || archiver->LoadsBesideSafetyArchive();
  // Where the restore holds the catalog's lock from StartRestore to the
  // swap (SQLite: the file's one write lock), the safety archive's catalog
  // row is written here instead (after the swap as ever, or after an
  // abandon).
  if (beside && archiver->RestoreHoldsCatalogWrites()) so.record_in_catalog = false;
  if (beside) {
    // The engine loads into a private stage inside a transaction on `db`;
    // the safety archive is taken at the same time through a connection of
    // its own. StartRestore first: it holds off writers of the tables it
    // replaces, so the safety snapshot (taken after it) holds every row the
    // restore discards.
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> other, OpenDatabase(db->url(), env));
    auto started = archiver->StartRestore(staging.path());
    if (!started.ok()) {
      // A copy that cannot even be opened: the archive's own verdict first.
      if (following) FERRY_RETURN_IF_ERROR(finish_extraction());
      return started.status().WithContext(path);
    }
    staged = std::move(started).value();
    phases.Mark("start");
    auto safety =
        std::async(std::launch::async, [&]() { return CreateArchive(other.get(), env, so); });
    // The archive's checks (when it is still being extracted) and the
    // copy's own check run beside the load too: the load writes nothing
    // readers see, and the swap waits for both.
    auto checking = std::async(std::launch::async, [&]() -> Status {
      if (following) FERRY_RETURN_IF_ERROR(finish_extraction());
      return archiver->CheckCopy(staging.path());
    });
    loaded = staged->Load();
    phases.Mark("load");
    Status checked = checking.get();
    // A damaged archive fails the load too (its reads stop): say why.
    if (!checked.ok() && (loaded.ok() || following)) loaded = checked;
    phases.Mark("check-wait");
    safety_or = safety.get();
    phases.Mark("safety-wait");
  } else {
    // The copy's own check (SQLite: quick_check) runs beside the safety
    // archive: neither changes anything, and both must pass before the live
    // database is touched.
    auto checking = std::async(std::launch::async,
                               [&]() { return archiver->CheckCopy(staging.path()); });
    safety_or = CreateArchive(db, env, so);
    phases.Mark("safety-archive");
    loaded = checking.get();
    phases.Mark("check-wait");
    if (loaded.ok()) {
      auto started = archiver->StartRestore(staging.path());
      loaded = started.status();
      if (loaded.ok()) {
        staged = std::move(started).value();
        loaded = staged->Load();
      }
    }
  }
  // The copy's rows against the manifest's, before anything is live.
  if (loaded.ok()) loaded = staged->CheckRows(m.tables);
  if (!loaded.ok() && !so.record_in_catalog && safety_or.ok()) {
    staged.reset();                     // abandoned: the write lock is free again
    (void)catalog.Insert(*safety_or);  // best effort: the archive itself is verified
  }
  FERRY_RETURN_IF_ERROR(loaded.WithContext(path + " (the database is unchanged)"));
  FERRY_ASSIGN_OR_RETURN(BackupInfo safety, std::move(safety_or));
  before.insert(before.begin(), safety);
  report.safety = safety;

  auto got = staged->Swap();
  phases.Mark(beside ? "swap" : "load");  // the default loads at the swap
  staged.reset();
  if (!got.ok())
    return got.status().WithContext("restore of " + path + " (the database is unchanged; safety "
                                    "archive " + safety.location + ")");
  FERRY_RETURN_IF_ERROR(CompareTableRows(path + ": restored database", m.tables, *got, /*exact=*/false));
  report.table_rows = *got;
  FERRY_RETURN_IF_ERROR(PutBackArchiveRows(&catalog, before));
  size_t s2 = path.rfind('/');
  std::string file = s2 == std::string::npos ? path : path.substr(s2 + 1);
  FERRY_ASSIGN_OR_RETURN(auto restored, catalog.Find(file));
  if (restored) report.restored = *restored;
  report.restored.name = file;
  report.restored.location = path;
  report.restored.kind = BackupKind::kArchive;
  return report;
}

}  // namespace ferry
