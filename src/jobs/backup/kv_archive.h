// Archives of a key-value store (rocksdb:/dir), made with the engine's own
// checkpoint and packed like every other archive: one
// `ferry-<store>-<UTC timestamp>.tar.zst` with manifest.json (format
// ferry-backup/1: engine, method "rocksdb_checkpoint", per-file size and
// SHA-256, rows per table), written 0600 to `.partial`, fsynced, renamed,
// then read back and checked.
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

#include <memory>
#include <string>

#include "db/database.h"

#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/backup/backup.h"

namespace ferry {

// The catalog of the key-value archives in `archive_dir` (created if
// missing): <archive_dir>/ferry_backups.db.
Result<std::unique_ptr<Database>> OpenKvCatalog(const std::string& archive_dir, Env* env);

// Checkpoint -> manifest -> tar -> verify, recorded in the catalog of
// opts.dir. Returns the (verified) archive; location = its path. On error
// nothing but a removed `.partial` and a `failed` (or, after a crash,
// `pending`) catalog row is left.
Result<BackupInfo> CreateKvArchive(const std::string& url, Env* env, const ArchiveOptions& opts);

// Every entry's size and SHA-256 against the manifest; kDeep also extracts
// into a scratch directory beside the archive, opens it as a store and
// compares the row count of every table with the manifest.
Result<ArchiveVerifyReport> VerifyKvArchive(const std::string& path, Env* env, VerifyDepth depth);

// Replaces the store at `url` with the archive's: checks the archive, takes
// a safety archive of the current store (when there is one) into
// `safety_dir`, extracts and opens the copy beside the store and checks its
// row counts, then swaps directories by rename. Until the swap the store is
// unchanged; on error the extracted copy is removed.
Result<RestoreReport> RestoreKvArchive(const std::string& url, Env* env, const std::string& path,
                                       const std::string& safety_dir);

}  // namespace ferry
