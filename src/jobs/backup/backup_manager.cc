#include "jobs/backup/backup_manager.h"

#include <sys/stat.h>

#include <set>
#include <utility>

#include "db/transaction.h"
#include "jobs/backup/backup_catalog.h"

namespace ferry {

std::string BackupStatusLabel(const BackupInfo& b, int64_t now) {
  if (b.state == BackupState::kPending) return "PENDING";
  if (b.state == BackupState::kFailed) return "FAILED";
  if (b.expires_at <= now) return "EXPIRED";
  if (b.expires_at - now < 86400) return "EXPIRING SOON";
  return "ACTIVE";
}

Result<std::vector<BackupInfo>> ListBackups(Database* db) { return BackupCatalog(db).List(); }

Result<BackupInfo> FindBackup(Database* db, const std::string& name) {
  FERRY_ASSIGN_OR_RETURN(auto b, BackupCatalog(db).Find(name));
  if (!b) {
    // Archives may be named by path.
    size_t slash = name.rfind('/');
    if (slash != std::string::npos) {
      FERRY_ASSIGN_OR_RETURN(b, BackupCatalog(db).Find(name.substr(slash + 1)));
    }
  }
  if (!b) return NotFound("no backup named " + name + " in ferry_backups (see `ferry backup list`)");
  return *b;
}

Result<BackupInfo> ExtendBackup(Database* db, Env* env, const std::string& name, int days) {
  if (days <= 0) return InvalidArgument("--days must be positive");
  FERRY_ASSIGN_OR_RETURN(BackupInfo b, FindBackup(db, name));
  b.expires_at = std::max(env->WallSeconds(), b.expires_at) + int64_t{days} * 86400;
  FERRY_RETURN_IF_ERROR(BackupCatalog(db).Update(b));
  return b;
}

Result<std::vector<RetentionDecision>> CleanupBackups(Database* db, Env* env,
                                                      const RetentionPolicy& policy, bool dry_run) {
  FERRY_ASSIGN_OR_RETURN(auto all, ListBackups(db));
  auto plan = PlanRetention(all, policy, env->WallSeconds());
  if (dry_run) return plan;
  BackupCatalog catalog(db);
  for (const auto& d : plan) {
    if (!d.remove) continue;
    if (d.backup.kind == BackupKind::kSnapshot) {
      Transaction tx(db);
      FERRY_RETURN_IF_ERROR(tx.Begin());
      FERRY_RETURN_IF_ERROR(db->Exec("DROP TABLE IF EXISTS " + db->QuoteIdentifier(d.backup.name)));
      FERRY_RETURN_IF_ERROR(catalog.Remove(d.backup.name));
      FERRY_RETURN_IF_ERROR(tx.Commit());
    } else {
      for (const std::string& f : {d.backup.location, d.backup.location + ".partial"}) {
        if (!f.empty() && env->FileExists(f)) FERRY_RETURN_IF_ERROR(env->RemoveFile(f));
      }
      FERRY_RETURN_IF_ERROR(catalog.Remove(d.backup.name));
    }
  }
  return plan;
}

Result<BackupInfo> FindBackupAt(Database* db, int64_t at, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(auto all, ListBackups(db));
  const BackupInfo* best = nullptr;
  for (const auto& b : all) {
    if (b.state != BackupState::kVerified || b.created_at > at) continue;
    if (!table.empty() && (b.kind != BackupKind::kSnapshot || b.source != table)) continue;
    if (!best || b.created_at > best->created_at ||
        (b.created_at == best->created_at && b.id > best->id))
      best = &b;
  }
  if (!best) return NotFound("no verified backup was created at or before " + IsoUtc(at));
  return *best;
}

Result<std::vector<StagingLeftover>> CleanLeftovers(Database* db, Env* env,
                                                    const std::string& archive_dir,
                                                    LeftoverAction action) {
  std::vector<std::string> dirs;
  if (!archive_dir.empty()) dirs.push_back(archive_dir);
  FERRY_ASSIGN_OR_RETURN(auto all, ListBackups(db));
  for (const auto& b : all) {
    if (b.kind != BackupKind::kArchive || b.location.empty()) continue;
    const size_t slash = b.location.rfind('/');
    dirs.push_back(slash == std::string::npos ? "." : b.location.substr(0, slash));
  }
  // One visit per folder however it is spelled (backups, ./backups, /abs/backups).
  std::set<std::pair<dev_t, ino_t>> seen;
  std::vector<StagingLeftover> out;
  for (const auto& d : dirs) {
    struct stat st {};
    if (::stat(d.c_str(), &st) != 0 || !seen.insert({st.st_dev, st.st_ino}).second) continue;
    FERRY_ASSIGN_OR_RETURN(auto found, CleanStagingLeftovers(env, d, action));
    out.insert(out.end(), found.begin(), found.end());
  }
  return out;
}

}  // namespace ferry
