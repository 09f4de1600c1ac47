// A file one thread is still writing, from its start to its end in order
// (an archive's extraction), that others may read meanwhile: a reader
// waits until the bytes it wants are written, and learns when they never
// will be (the writer gave up). A restore loads its copy this way while the
// archive is still being extracted (RestoreArchive, ArchiveExtraction); the
// SQLite VFS "ferry-peek" is the reader (sqlite_stream_vfs.h).
//
// Header-only: a mutex, a condition variable and a registry by real path.
#pragma once

#include <cerrno>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <iterator>
#include <map>
#include <mutex>
#include <string>

#include "ferry/status.h"

namespace ferry {

class GrowingFile {
 public:
  explicit GrowingFile(int64_t size) : size_(size) {}
  GrowingFile(const GrowingFile&) = delete;
  GrowingFile& operator=(const GrowingFile&) = delete;

  int64_t size() const { return size_; }  // the final size

  // The first `bytes` are written (readable through other descriptors).
  void Wrote(int64_t bytes) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      written_ = bytes;
    }
    cv_.notify_all();
  }
  // No more bytes will come: all of them (`complete`) or not.
  void End(bool complete) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      if (complete) written_ = size_;
      ended_ = true;
    }
    cv_.notify_all();
  }
  // How many bytes are written so far.
  int64_t written() {
    std::lock_guard<std::mutex> lock(mu_);
    return written_;
  }
  // Waits until the first `bytes` are written; false when they never will be.
  bool WaitFor(int64_t bytes) {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return written_ >= bytes || ended_; });
    return written_ >= bytes;
  }

 private:
  const int64_t size_;
  std::mutex mu_;
  std::condition_variable cv_;
  int64_t written_ = 0;
  bool ended_ = false;
};

namespace growing_internal {
inline std::mutex& Mu() {
  static std::mutex mu;
  return mu;
}
inline std::map<std::string, GrowingFile*>& Files() {
  static auto* m = new std::map<std::string, GrowingFile*>;
  return *m;
}
// realpath(3): readers open a file by a path spelled their own way
// (SQLite: its full pathname).
inline std::string RealPath(const char* path) {
  char buf[PATH_MAX];
  return ::realpath(path, buf) != nullptr ? std::string(buf) : std::string();
}
}  // namespace growing_internal

// Makes `f` what readers find at `path` (an existing file) until
// UnregisterGrowingFile. `f` must outlive every reader that found it.
inline Status RegisterGrowingFile(const std::string& path, GrowingFile* f) {
  std::string real = growing_internal::RealPath(path.c_str());
  if (real.empty()) return IOError(path + ": " + std::strerror(errno));
  std::lock_guard<std::mutex> lock(growing_internal::Mu());
  growing_internal::Files()[real] = f;
  return Status::OK();
}

inline void UnregisterGrowingFile(GrowingFile* f) {
  std::lock_guard<std::mutex> lock(growing_internal::Mu());
  auto& files = growing_internal::Files();
  for (auto it = files.begin(); it != files.end();) it = it->second == f ? files.erase(it) : std::next(it);
}

// The growing file at `path`, or null (the usual case: a finished file).
inline GrowingFile* FindGrowingFile(const char* path) {
  std::lock_guard<std::mutex> lock(growing_internal::Mu());
  auto& files = growing_internal::Files();
  if (files.empty()) return nullptr;
  auto it = files.find(growing_internal::RealPath(path));
  return it == files.end() ? nullptr : it->second;
}

}  // namespace ferry
