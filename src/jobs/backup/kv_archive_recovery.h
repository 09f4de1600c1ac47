// What a restore of a key-value store (kv_archive.h) leaves beside the store
// when it is killed, and how the next run puts things right.
//
// A restore works in the store's parent directory, next to `<live>` (the
// store directory), under the lock file `<live>.ferry-lock`:
//   1. `<live>.ferry-restore-<tag>/`  the archive extracted and checked (a
//      StagingDir: flock-held while its restore runs);
//   2. a safety archive of `<live>`, and the store's fingerprint (every
//      file's name, size and mtime) taken right after it was closed;
//   3. `<live>.ferry-replaced-<tag>.json`  the record: which safety archive
//      holds `<live>` (path, SHA-256) and that fingerprint; durable before
//      step 4;
//   4. rename `<live>` -> `<live>.ferry-replaced-<tag>`;
//   5. rename `<live>.ferry-restore-<tag>` -> `<live>`;
//   6. the replaced store, once known to be archived (below), is renamed
//      `<live>.ferry-removing-<tag>`, its record removed, then the directory.
// A kill between 4 and 5 leaves no `<live>` at all: the old store exists
// only as `.ferry-replaced-<tag>`.
//
// Recovery runs under the same lock (so it never interleaves with a
// restore) at the start of every restore of the store, in `backup cleanup`
// (acting) and in `backup status` (listing only). Its rules, in order:
//   - `.ferry-restore-*` that no live process holds (its flock can be taken):
//     removed. It is only ever a copy of an archive that still exists.
//   - `<live>` missing and exactly one `.ferry-replaced-*`: renamed back to
//     `<live>` (the interrupted restore is rolled back, and said so). With
//     more than one, nothing is touched and the restore refuses: which one
//     was the store is not ours to guess.
//   - `<live>` present and a `.ferry-replaced-*`: removed only when it is
//     known good in an archive: its record names a safety archive that
//     exists, still verifies (every entry's SHA-256 against its manifest)
//     and has the recorded SHA-256, and the directory's fingerprint is still
//     the recorded one (nobody wrote into it after the safety archive was
//     taken, e.g. an application that had it open across the rename).
//     Otherwise it is kept and reported, with the reason.
//   - `.ferry-removing-*`: removed (it was known archived when renamed so;
//     only its removal was cut short).
//   - a record whose `.ferry-replaced-*` directory is gone: removed (the
//     kill came between writing it and the rename, or after the removal).
// Never is the only copy of data deleted: a replaced store goes only when an
// archive verified now holds exactly what it holds.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/backup/staging_dir.h"

namespace ferry {

struct KvRestoreLeftover {
  enum class Kind { kRestoreCopy, kReplacedStore, kRecord, kRunningRestore };
  Kind kind = Kind::kRestoreCopy;
  std::string path;
  int64_t bytes = 0;
  bool live = false;  // a running restore owns it: left alone
  bool done = false;  // removed, or (kReplacedStore) moved back into the store's place
  // What happened or (kList) would happen: "removed", "rolled back into
  // /data/kv", "kept: its safety archive ... is missing".
  std::string outcome;
};

// Names beside the store directory `live` (no trailing slash).
std::string KvRestoreLockPath(const std::string& live);
std::string KvRestoreCopyPath(const std::string& live, const std::string& tag);
std::string KvReplacedPath(const std::string& live, const std::string& tag);
std::string KvReplacedRecordPath(const std::string& replaced);

// Every file under `dir` (relative name, size, mtime in ns), sorted: what a
// replaced store must still look like for its safety archive to hold it.
Result<std::string> KvStoreFingerprint(const std::string& dir);

// Step 3: the record of `replaced`, written atomically and fsynced before
// the rename that makes the directory.
Status WriteKvReplacedRecord(Env* env, const std::string& replaced,
                             const std::string& safety_archive, const std::string& safety_sha256,
                             const std::string& fingerprint);

// Whether `replaced` may go: OK when it is known good in its safety archive
// (the rules above), else the reason to keep it.
Status CheckKvReplacedArchived(Env* env, const std::string& replaced);

// Step 6 for a replaced store the caller found archived: rename to
// `.ferry-removing-*` (so a kill halfway through the removal never leaves a
// half-deleted directory under a name that looks like a store to keep),
// record removed, directory removed.
Status RemoveArchivedReplaced(Env* env, const std::string& replaced);

// The recovery rules above for the store directory `live`; the caller holds
// its lock (KvRestoreLockPath). kList reports what kRemove would do.
Result<std::vector<KvRestoreLeftover>> RecoverKvRestoreLocked(Env* env, const std::string& live,
                                                              LeftoverAction action);

// The same for the store of `url` (rocksdb:/dir), taking the lock itself;
// while a restore holds it, one kRunningRestore entry and nothing touched.
Result<std::vector<KvRestoreLeftover>> RecoverKvRestores(Env* env, const std::string& url,
                                                         LeftoverAction action);

// The store directory of a key-value URL ("rocksdb:/data/kv/" -> "/data/kv").
std::string KvStoreDir(const std::string& url);

}  // namespace ferry
