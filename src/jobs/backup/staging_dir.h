// The private working directories of archive jobs (`.ferry-staging-*` while
// an archive is created, `.ferry-verify-*` for a deep verify,
// `.ferry-restore-*` for a restore) and how a later run tells what a killed
// job left behind from what a running job is still using.
//
// Ownership is an flock(LOCK_EX) on the directory itself, taken right after
// mkdir and held until the directory is gone. The kernel drops it when the
// process dies, SIGKILL included, so a directory whose lock can be taken has
// no live owner. No pid file: pids are reused, and a pid file is one more
// write that a crash can leave half done.
//
// Races, all settled by the lock:
// - cleanup takes the lock of a directory created a moment ago, before its
//   creator locked it: the creator, once it has the lock, sees that its path
//   no longer names the directory it made, and makes another one;
// - cleanup probes a directory while its owner is alive: the probe fails
//   (EWOULDBLOCK) and the directory is kept.
//
// `<archive>.partial` files are written only while the writing job holds a
// staging directory in the same folder (archive.cc, kv_archive.cc), so a
// `.partial` is a leftover only when that folder holds no live staging
// directory at all: conservative (a live job elsewhere in the folder keeps
// every `.partial`), never wrong.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// A private directory (0700) for one job's files, owned by this object:
// Create() makes and locks it, the destructor removes it with everything in
// it and only then lets go of the lock.
class StagingDir {
 public:
  // `path` is the wished-for name; when taken, Create() appends ".1", ".2"...
  StagingDir(Env* env, std::string path);
  ~StagingDir();
  StagingDir(const StagingDir&) = delete;
  StagingDir& operator=(const StagingDir&) = delete;

  Status Create();
  void Remove();
  // For a directory renamed into its final place (a restored store): lets
  // go of the lock and forgets the path, removing nothing.
  void Disown();
  const std::string& path() const { return path_; }

 private:
  Env* env_;
  std::string path_;
  int lock_fd_ = -1;
};

// True for the names StagingDir users give their directories and for
// `*.partial` files.
bool IsStagingDirName(const std::string& name);
bool IsPartialFileName(const std::string& name);

struct StagingLeftover {
  std::string path;
  bool is_dir = false;
  int64_t bytes = 0;   // everything under it
  bool live = false;   // a running process owns it (never removed)
  bool removed = false;
};

enum class LeftoverAction { kList, kRemove };

// Every staging directory and `.partial` file directly inside `dir`, with
// whether a live job owns it; with kRemove the ones nobody owns are removed
// (each re-checked under its lock at that moment). A missing `dir` has none.
Result<std::vector<StagingLeftover>> CleanStagingLeftovers(Env* env, const std::string& dir,
                                                           LeftoverAction action);

// One directory made by StagingDir (whatever its name): probed under its
// lock as CleanStagingLeftovers does, and with kRemove removed when no live
// process holds it. nullopt when `path` is gone, a symlink or no directory.
Result<std::optional<StagingLeftover>> ProbeStagingDir(const std::string& path,
                                                       LeftoverAction action);

// An exclusive flock on a lock file, for jobs on one thing that must not
// interleave (two restores of one key-value store, or a restore and a
// cleanup of it). Same rules as StagingDir: the kernel drops the lock when
// the holder dies, so a lock file left by a killed process is free to take;
// the holder unlinks the file before letting go, and a taker checks that the
// path still names the file it locked (else it retries), so a file unlinked
// meanwhile never gives two holders.
// Bytes of the regular files under `path` (what a leftover directory
// takes up); unreadable parts count as 0.
int64_t TreeBytes(const std::string& path);

class LockFile {
 public:
  // Locked (naming the file and `what`) when another live process holds it.
  static Result<std::unique_ptr<LockFile>> TryAcquire(const std::string& path,
                                                      const std::string& what);
  ~LockFile();  // unlinks the file, then releases the lock
  LockFile(const LockFile&) = delete;
  LockFile& operator=(const LockFile&) = delete;
  const std::string& path() const { return path_; }

 private:
  LockFile(std::string path, int fd) : path_(std::move(path)), fd_(fd) {}
  std::string path_;
  int fd_;
};

}  // namespace ferry
