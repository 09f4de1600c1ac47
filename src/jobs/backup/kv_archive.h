// Archives of a key-value store (rocksdb:/dir), made with the engine's own
// checkpoint and packed like every other archive: one
// `ferry-<store>-<UTC timestamp>.tar.zst` with manifest.json (format
// ferry-backup/1: engine, method "rocksdb_checkpoint", per-file size and
// SHA-256, rows per table), written 0600 to `.partial`, fsynced, renamed,
// then read back and checked. As for SQL archives, manifest.json is the
// LAST member, made from the hashes taken while each checkpoint file was
// read into the archive (ArchiveTrailer): one read per file. Archives from
// before session 5 have it first; every reader takes either order.
//
// Why a checkpoint: rocksdb::Checkpoint hard-links the live SST files and
// copies the small rest (MANIFEST, CURRENT, OPTIONS) after flushing the
// memtable, so the copy is consistent and takes no extra space until the
// store compacts. The store is opened by this process for the duration
// (RocksDB allows one process per store: Locked when the application has it
// open), so no one writes while the rows are counted.
//
// The catalog: a key-value store has no SQL table to keep ferry_backups in,
// and the store is exactly what a restore replaces (and RocksDB lets one
// process open it, so the application holding it would lock ferry out of its
// own list). So the catalog lives beside the archives it lists: the SQLite
// file <archive dir>/ferry_backups.db, the same table and protocol as a SQL
// database's (BackupCatalog): a `pending` row before the checkpoint,
// `verified` after the read-back check, `failed` on error. list, status,
// extend, cleanup and restore --at work on it as on any catalog.
#pragma once

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "db/database.h"

#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/kv_archive_recovery.h"
#include "obs/logger.h"

namespace ferry {

// The catalog of the key-value archives in `archive_dir` (created if
// missing): <archive_dir>/ferry_backups.db.
Result<std::unique_ptr<Database>> OpenKvCatalog(const std::string& archive_dir, Env* env);

// Checkpoint -> tar, manifest last -> read-back check, recorded in the catalog of
// opts.dir. Returns the (verified) archive; location = its path. On error
// nothing but a removed `.partial` and a `failed` (or, after a crash,
// `pending`) catalog row is left. opts.logger at debug level gets the
// phases (checkpoint, count, compress, sync, read-back).
Result<BackupInfo> CreateKvArchive(const std::string& url, Env* env, const ArchiveOptions& opts);

// Every entry's size and SHA-256 against the manifest; kDeep also extracts
// into a scratch directory beside the archive, opens it as a store and
// compares the row count of every table with the manifest.
Result<ArchiveVerifyReport> VerifyKvArchive(const std::string& path, Env* env, VerifyDepth depth);

struct KvRestoreOptions {
  std::string safety_dir = "backups";
  Logger* logger = nullptr;  // borrowed, may be null: rollbacks are logged as warnings
  // Tests: called after each step ("locked", "recovered", "extracted",
  // "safety-archived", "recorded", "moved-aside", "swapped"); an error
  // stops the restore there as a failure at that step would.
  std::function<Status(const char* step)> after_step;
};

struct KvRestoreReport : RestoreReport {
  // What earlier, killed restores of this store had left, and what was done
  // about it (kv_archive_recovery.h).
  std::vector<KvRestoreLeftover> recovered;
  // The replaced store when it could not be removed, with the reason.
  std::vector<std::string> kept;
};

// Replaces the store at `url` with the archive's, under the store's lock
// file, after recovering from any killed restore of it
// (kv_archive_recovery.h says how, and what each step leaves on a crash):
// extracts and checks the archive beside the store (one pass) and opens
// the copy to check its row counts, takes a safety archive of the current
// store (when there is one) into `safety_dir`, then swaps directories by
// rename. Until the swap the store is unchanged; on error the extracted
// copy is removed. A directory in the store's place that holds no store is
// refused, not replaced (unless empty).
Result<KvRestoreReport> RestoreKvArchive(const std::string& url, Env* env, const std::string& path,
                                         const KvRestoreOptions& opts);
inline Result<KvRestoreReport> RestoreKvArchive(const std::string& url, Env* env,
                                                const std::string& path,
                                                const std::string& safety_dir) {
  KvRestoreOptions o;
  o.safety_dir = safety_dir;
  return RestoreKvArchive(url, env, path, o);
}

}  // namespace ferry
