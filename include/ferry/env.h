// Env: the one door to the operating system.
//
// Files, the clock, sleeping, randomness and environment variables all go
// through an Env, so tests can swap in a FakeEnv (tests/fakes/fake_env.h) that
// fails the Nth write, runs a manual clock or returns chosen variables.
//
// Thread-safety: implementations must be safe to call from many threads.
// Failure: every fallible call returns a Status naming the path involved.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry {

struct DirEntry {
  std::string name;  // file name only, no directory part
  bool is_dir = false;
};

enum class FileMode { kDefault, kOwnerOnly };

// A file written front to back (archives, dumps). Not thread-safe.
// Destroying it without Close() closes it unsynced: what a crash leaves.
class WritableFile {
 public:
  virtual ~WritableFile() = default;
  // All of `data` or an error naming the path (IOError, e.g. "No space left
  // on device"); after an error the file's contents are unspecified.
  virtual Status Append(std::string_view data) = 0;
  virtual Status Sync() = 0;   // data on disk (fsync)
  virtual Status Close() = 0;  // idempotent
};

class Env {
 public:
  virtual ~Env() = default;

  // The process-wide real Env. Never deleted.
  static Env* Default();

  // --- files ---
  virtual Result<std::string> ReadFile(const std::string& path) = 0;
  // Writes to path.tmp, fsyncs, renames over path: a crash leaves the old file
  // or the new one, never a half-written one.
  virtual Status WriteFileAtomic(const std::string& path, const std::string& data,
                                 FileMode mode = FileMode::kDefault) = 0;
  // Creates path exclusively (fails with InvalidArgument if it exists).
  virtual Status CreateNewFile(const std::string& path, const std::string& data) = 0;
  virtual Result<std::vector<DirEntry>> ListDir(const std::string& path) = 0;
  virtual bool FileExists(const std::string& path) = 0;
  virtual Status CreateDirs(const std::string& path) = 0;
  virtual Status RemoveFile(const std::string& path) = 0;

  // Streaming writes, for files too big for one string. Added after the
  // calls above, so they are not pure: an Env that does not override them
  // (a wrapper that only changes the clock) writes to the real file system.
  //
  // Creates `path` exclusively (InvalidArgument if it exists); kOwnerOnly
  // means mode 0600 whatever the umask.
  virtual Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                                FileMode mode) {
    return Default()->NewWritableFile(path, mode);
  }
  // rename(2): atomic replacement of `to`.
  virtual Status RenameFile(const std::string& from, const std::string& to) {
    return Default()->RenameFile(from, to);
  }
  // fsync of a directory, so a rename in it survives a crash.
  virtual Status SyncDir(const std::string& dir) { return Default()->SyncDir(dir); }

  // --- time ---
  // Monotonic clock for durations and deadlines.
  virtual std::chrono::steady_clock::time_point Now() = 0;
  // Wall clock, for timestamps written to ledgers and file names.
  virtual std::chrono::system_clock::time_point WallNow() = 0;
  // WallNow() as whole seconds / microseconds since the Unix epoch (the form
  // catalogs and ledgers store).
  int64_t WallSeconds() {
    return std::chrono::duration_cast<std::chrono::seconds>(WallNow().time_since_epoch()).count();
  }
  int64_t WallMicros() {
    return std::chrono::duration_cast<std::chrono::microseconds>(WallNow().time_since_epoch())
        .count();
  }
  virtual void SleepFor(std::chrono::microseconds d) = 0;

  // --- misc ---
  virtual uint64_t Random64() = 0;
  virtual std::optional<std::string> GetEnv(const std::string& name) = 0;
  virtual std::string HostName() = 0;
  virtual int ProcessId() = 0;
};

// A point in time after which a blocking call gives up with Timeout.
struct Deadline {
  std::chrono::steady_clock::time_point at = std::chrono::steady_clock::time_point::max();

  static Deadline Never() { return {}; }
  static Deadline After(Env* env, std::chrono::milliseconds d) { return {env->Now() + d}; }
  bool Expired(Env* env) const { return env->Now() >= at; }
};

}  // namespace ferry
