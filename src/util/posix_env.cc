// The real Env on POSIX systems.
#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <mutex>
#include <random>
#include <thread>

#include "ferry/env.h"

namespace ferry {
namespace {

Status ErrnoStatus(const std::string& path, int err) {
  std::string m = path + ": " + std::strerror(err);
  if (err == ENOENT) return NotFound(m);
  if (err == EACCES || err == EPERM) return IOError(m);
  return IOError(m);
}

Status WriteAll(int fd, const std::string& path, std::string_view data) {
  const char* p = data.data();
  size_t left = data.size();
  while (left > 0) {
    ssize_t n = ::write(fd, p, left);
    if (n < 0) {
      if (errno == EINTR) continue;
      return ErrnoStatus(path, errno);
    }
    p += n;
    left -= static_cast<size_t>(n);
  }
  return Status::OK();
}

class PosixWritableFile final : public WritableFile {
 public:
  PosixWritableFile(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  ~PosixWritableFile() override { (void)Close(); }

  Status Append(std::string_view data) override {
    if (fd_ < 0) return IOError(path_ + ": append after close");
    return WriteAll(fd_, path_, data);
  }
  Status Sync() override {
    if (fd_ < 0) return IOError(path_ + ": sync after close");
    return ::fsync(fd_) == 0 ? Status::OK() : ErrnoStatus(path_, errno);
  }
  Status Close() override {
    if (fd_ < 0) return Status::OK();
    int rc = ::close(fd_);
    fd_ = -1;
    return rc == 0 ? Status::OK() : ErrnoStatus(path_, errno);
  }

 private:
  int fd_;
  std::string path_;
};

class PosixEnv final : public Env {
 public:
  Result<std::string> ReadFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(path, errno);
    std::string out;
    char buf[1 << 16];
    for (;;) {
      ssize_t n = ::read(fd, buf, sizeof buf);
      if (n < 0) {
        if (errno == EINTR) continue;
        int e = errno;
        ::close(fd);
        return ErrnoStatus(path, e);
      }
      if (n == 0) break;
      out.append(buf, static_cast<size_t>(n));
    }
    ::close(fd);
    return out;
  }

  Status WriteFileAtomic(const std::string& path, const std::string& data, FileMode mode) override {
    std::string tmp = path + ".tmp." + std::to_string(::getpid());
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
                    mode == FileMode::kOwnerOnly ? 0600 : 0644);
    if (fd < 0) return ErrnoStatus(tmp, errno);
    Status st = WriteAll(fd, tmp, data);
    if (st.ok() && ::fsync(fd) != 0) st = ErrnoStatus(tmp, errno);
    ::close(fd);
    if (st.ok() && ::rename(tmp.c_str(), path.c_str()) != 0) st = ErrnoStatus(path, errno);
    if (!st.ok()) ::unlink(tmp.c_str());
    return st;
  }

  Status CreateNewFile(const std::string& path, const std::string& data) override {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
    if (fd < 0) {
      if (errno == EEXIST) return InvalidArgument(path + ": already exists");
      return ErrnoStatus(path, errno);
    }
    Status st = WriteAll(fd, path, data);
    ::close(fd);
    return st;
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        FileMode mode) override {
    const mode_t perm = mode == FileMode::kOwnerOnly ? 0600 : 0644;
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, perm);
    if (fd < 0) {
      if (errno == EEXIST) return InvalidArgument(path + ": already exists");
      return ErrnoStatus(path, errno);
    }
    if (mode == FileMode::kOwnerOnly) ::fchmod(fd, 0600);  // whatever the umask says
    return std::unique_ptr<WritableFile>(std::make_unique<PosixWritableFile>(fd, path));
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) return ErrnoStatus(to, errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& dir) override {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    return rc == 0 ? Status::OK() : ErrnoStatus(dir, err);
  }

  Result<std::vector<DirEntry>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return ErrnoStatus(path, errno);
    std::vector<DirEntry> out;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name == "." || name == "..") continue;
      bool is_dir = e->d_type == DT_DIR;
      if (e->d_type == DT_UNKNOWN || e->d_type == DT_LNK) {
        struct stat st;
        is_dir = ::stat((path + "/" + name).c_str(), &st) == 0 && S_ISDIR(st.st_mode);
      }
      out.push_back({std::move(name), is_dir});
    }
    ::closedir(d);
    return out;
  }

  bool FileExists(const std::string& path) override { return ::access(path.c_str(), F_OK) == 0; }

  Status CreateDirs(const std::string& path) override {
    std::error_code ec;
    std::filesystem::create_directories(path, ec);
    if (ec) return IOError(path + ": " + ec.message());
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0) return ErrnoStatus(path, errno);
    return Status::OK();
  }

  std::chrono::steady_clock::time_point Now() override { return std::chrono::steady_clock::now(); }
  std::chrono::system_clock::time_point WallNow() override {
    return std::chrono::system_clock::now();
  }
  void SleepFor(std::chrono::microseconds d) override { std::this_thread::sleep_for(d); }

  uint64_t Random64() override {
    std::lock_guard<std::mutex> l(mu_);
    return rng_();
  }
  std::optional<std::string> GetEnv(const std::string& name) override {
    const char* v = std::getenv(name.c_str());
    if (v == nullptr) return std::nullopt;
    return std::string(v);
  }
  std::string HostName() override {
    char buf[256] = {0};
    if (::gethostname(buf, sizeof buf - 1) != 0) return "unknown";
    return buf;
  }
  int ProcessId() override { return static_cast<int>(::getpid()); }

 private:
  std::mutex mu_;
  std::mt19937_64 rng_{std::random_device{}()};
};

}  // namespace

Env* Env::Default() {
  static PosixEnv* env = new PosixEnv();  // never deleted: used until exit
  return env;
}

}  // namespace ferry
