// The operator's view over both kinds: list, extend, cleanup, restore by
// name or by time. Each function is one short protocol over BackupCatalog,
// the snapshot functions and the archive functions (backup.h).
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "jobs/backup/backup.h"
#include "jobs/backup/retention.h"
#include "jobs/backup/staging_dir.h"

namespace ferry {

// ACTIVE, EXPIRING SOON (within 24 h), EXPIRED, PENDING, FAILED.
std::string BackupStatusLabel(const BackupInfo& b, int64_t now);

Result<std::vector<BackupInfo>> ListBackups(Database* db);
Result<BackupInfo> FindBackup(Database* db, const std::string& name);

// Moves expires_at to max(now, expires_at) + days.
Result<BackupInfo> ExtendBackup(Database* db, Env* env, const std::string& name, int days);

// Applies the retention policy. With dry_run nothing is removed. Snapshot
// tables are dropped together with their catalog row in one transaction;
// archive files are deleted, then their row.
Result<std::vector<RetentionDecision>> CleanupBackups(Database* db, Env* env,
                                                      const RetentionPolicy& policy, bool dry_run);

// The newest verified backup created at or before `at` (optionally only for
// `table`); NotFound when there is none.
Result<BackupInfo> FindBackupAt(Database* db, int64_t at, const std::string& table);

// Staging directories and `.partial` files killed jobs left in `archive_dir`
// and in every folder holding a cataloged archive (staging_dir.h); with
// kRemove the ones no live process owns are removed.
Result<std::vector<StagingLeftover>> CleanLeftovers(Database* db, Env* env,
                                                    const std::string& archive_dir,
                                                    LeftoverAction action);

}  // namespace ferry
