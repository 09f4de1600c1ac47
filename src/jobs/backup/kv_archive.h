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
// A key-value store has no SQL catalog: these archives are not listed in
// ferry_backups (list/extend/cleanup do not see them); the archive file and
// its manifest are the record.
#pragma once

#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/backup/backup.h"

namespace ferry {

// Checkpoint -> manifest -> tar -> verify. Returns the (verified) archive;
// location = its path. On error nothing but a removed `.partial` is left.
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
