#include "jobs/backup/staging_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>

namespace ferry {
namespace fs = std::filesystem;
namespace {

constexpr const char* kDirPrefixes[] = {".ferry-staging-", ".ferry-verify-", ".ferry-restore-"};
constexpr const char* kPartialSuffixes[] = {".tar.zst.partial", ".tar.gz.partial"};

bool EndsWith(const std::string& s, const char* suffix) {
  const size_t n = std::strlen(suffix);
  return s.size() >= n && s.compare(s.size() - n, n, suffix) == 0;
}

// O_NOFOLLOW: a symlink with a staging name is not ours to judge or delete.
int OpenDir(const std::string& path) {
  return ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
}

// `path` still names the directory open as `fd` (not removed, not replaced).
bool StillNames(int fd, const std::string& path) {
  struct stat a {}, b {};
  if (::fstat(fd, &a) != 0 || ::lstat(path.c_str(), &b) != 0) return false;
  return a.st_dev == b.st_dev && a.st_ino == b.st_ino && a.st_nlink > 0;
}

}  // namespace

int64_t TreeBytes(const std::string& path) {
  std::error_code ec;
  int64_t n = 0;
  for (fs::recursive_directory_iterator it(path, ec), end; !ec && it != end; it.increment(ec)) {
    std::error_code e2;
    if (it->is_regular_file(e2)) {
      auto sz = it->file_size(e2);
      if (!e2) n += static_cast<int64_t>(sz);
    }
  }
  return n;
}

StagingDir::StagingDir(Env* env, std::string path) : env_(env), path_(std::move(path)) {}

StagingDir::~StagingDir() { Remove(); }

Status StagingDir::Create() {
  const size_t slash = path_.rfind('/');
  if (slash != std::string::npos && slash > 0)
    FERRY_RETURN_IF_ERROR(env_->CreateDirs(path_.substr(0, slash)));
  const std::string base = path_;
  // A name already taken (another job's, or a killed run's leftover) or a
  // directory a cleanup removed before we could lock it: take the next name.
  for (int i = 1;; ++i) {
    if (::mkdir(path_.c_str(), 0700) == 0) {
      int fd = OpenDir(path_);
      if (fd >= 0) {
        // Blocking: only a cleanup probing or removing it can hold it now.
        if (::flock(fd, LOCK_EX) == 0 && StillNames(fd, path_)) {
          lock_fd_ = fd;
          ::chmod(path_.c_str(), 0700);  // whatever the umask
          return Status::OK();
        }
        ::close(fd);
      }
    } else if (errno != EEXIST) {
      return IOError(path_ + ": cannot create directory: " + std::strerror(errno));
    }
    if (i > 1000) return IOError(base + ": cannot create a staging directory of its own");
    path_ = base + "." + std::to_string(i);
  }
}

void StagingDir::Disown() {
  if (lock_fd_ >= 0) ::close(lock_fd_);
  lock_fd_ = -1;
  path_.clear();
}

void StagingDir::Remove() {
  if (lock_fd_ < 0) return;  // never made (or already removed): nothing of ours to delete
  std::error_code ec;
  fs::remove_all(path_, ec);  // under the lock, so no cleanup races us
  ::close(lock_fd_);
  lock_fd_ = -1;
}

bool IsStagingDirName(const std::string& name) {
  for (const char* p : kDirPrefixes)
    if (name.rfind(p, 0) == 0) return true;
  return false;
}

bool IsPartialFileName(const std::string& name) {
  for (const char* s : kPartialSuffixes)
    if (EndsWith(name, s)) return true;
  return false;
}

Result<std::optional<StagingLeftover>> ProbeStagingDir(const std::string& p,
                                                       LeftoverAction action) {
  int fd = OpenDir(p);
  if (fd < 0) return std::optional<StagingLeftover>();
  StagingLeftover l;
  l.path = p;
  l.is_dir = true;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    l.live = true;
    l.bytes = TreeBytes(p);
  } else if (StillNames(fd, p)) {
    l.bytes = TreeBytes(p);
    if (action == LeftoverAction::kRemove) {
      std::error_code ec;
      fs::remove_all(p, ec);  // under its lock: its owner is gone, no new one can come
      if (ec) {
        ::close(fd);
        return IOError(p + ": removing a leftover staging directory: " + ec.message());
      }
      l.removed = true;
    }
  } else {
    ::close(fd);
    return std::optional<StagingLeftover>();  // removed by its owner since it was listed
  }
  ::close(fd);
  return std::optional<StagingLeftover>(std::move(l));
}

Result<std::unique_ptr<LockFile>> LockFile::TryAcquire(const std::string& path,
                                                       const std::string& what) {
  for (int i = 0; i < 1000; ++i) {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0) return IOError(path + ": cannot open lock file: " + std::strerror(errno));
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      const int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK)
        return Locked(path + " is held by another running ferry (" + what +
                      "); try again once it ends");
      return IOError(path + ": flock: " + std::strerror(err));
    }
    // The previous holder may have unlinked the file between our open and
    // our flock: then we hold a lock on a name nobody else sees; retry.
    if (StillNames(fd, path)) return std::unique_ptr<LockFile>(new LockFile(path, fd));
    ::close(fd);
  }
  return IOError(path + ": cannot take the lock file (it keeps being replaced)");
}

LockFile::~LockFile() {
  ::unlink(path_.c_str());  // still ours: nobody else can hold it now
  ::close(fd_);
}

Result<std::vector<StagingLeftover>> CleanStagingLeftovers(Env* env, const std::string& dir,
                                                           LeftoverAction action) {
  std::vector<StagingLeftover> out;
  if (!env->FileExists(dir)) return out;
  // One listing first, then the probes: a `.partial` listed here was begun
  // while its writer held a staging directory, so if that writer is still
  // running, the probes below find its directory locked.
  FERRY_ASSIGN_OR_RETURN(auto entries, env->ListDir(dir));
  std::vector<std::string> partials;
  bool any_live = false;
  for (const auto& e : entries) {
    const std::string p = dir + "/" + e.name;
    if (IsPartialFileName(e.name)) {
      partials.push_back(e.name);
      continue;
    }
    if (!IsStagingDirName(e.name)) continue;
    FERRY_ASSIGN_OR_RETURN(auto l, ProbeStagingDir(p, action));
    if (!l) continue;  // gone meanwhile, a symlink or not a directory
    any_live |= l->live;
    out.push_back(std::move(*l));
  }
  for (const auto& name : partials) {
    const std::string p = dir + "/" + name;
    struct stat st {};
    if (::lstat(p.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) continue;
    StagingLeftover l;
    l.path = p;
    l.bytes = st.st_size;
    l.live = any_live;
    if (action == LeftoverAction::kRemove && !l.live) {
      Status s = env->RemoveFile(p);
      if (!s.ok() && env->FileExists(p)) return s.WithContext("removing a leftover partial archive");
      l.removed = true;
    }
    out.push_back(std::move(l));
  }
  return out;
}

}  // namespace ferry
