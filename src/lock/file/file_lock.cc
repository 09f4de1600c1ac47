#include "lock/file/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "util/sha256.h"

namespace ferry {
namespace {

class FileLease final : public LockLease {
 public:
  explicit FileLease(int fd) : fd_(fd) {}
  ~FileLease() override { (void)Release(); }
  Status Release() override {
    if (fd_ >= 0) {
      ::flock(fd_, LOCK_UN);
      ::close(fd_);
      fd_ = -1;
    }
    return Status::OK();
  }
  Status Extend(std::chrono::milliseconds) override {
    return fd_ >= 0 ? Status::OK() : NotFound("file lock already released");
  }

 private:
  int fd_;
};

}  // namespace

FileLock::FileLock(std::string base_path, Env* env) : base_path_(std::move(base_path)), env_(env) {}

Result<std::unique_ptr<LockLease>> FileLock::Acquire(std::string_view key,
                                                     std::chrono::milliseconds /*lease*/,
                                                     Deadline deadline) {
  std::string path = base_path_;
  if (!key.empty()) path += "." + Sha256Hex(key).substr(0, 16);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return IOError("cannot open lock file " + path + ": " + std::strerror(errno));
  auto wait = std::chrono::milliseconds(5);
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return std::unique_ptr<LockLease>(new FileLease(fd));
    if (errno != EWOULDBLOCK && errno != EINTR) {
      int e = errno;
      ::close(fd);
      return IOError("cannot lock " + path + ": " + std::strerror(e));
    }
    if (deadline.Expired(env_)) {
      ::close(fd);
      return Timeout("timed out waiting for " + Describe() + " (another ferry holds it)");
    }
    env_->SleepFor(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(200));
  }
}

}  // namespace ferry
