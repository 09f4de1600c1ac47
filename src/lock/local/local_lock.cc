#include "lock/local/local_lock.h"

#include <algorithm>

namespace ferry {

class LocalLock::Lease : public LockLease {
 public:
  Lease(LocalLock* lock, std::string key, uint64_t generation)
      : lock_(lock), key_(std::move(key)), generation_(generation) {}
  ~Lease() override {
    if (!released_) (void)lock_->Release(key_, generation_);
  }
  Status Release() override {
    if (released_) return Status::OK();
    released_ = true;
    return lock_->Release(key_, generation_);
  }
  Status Extend(std::chrono::milliseconds lease) override {
    if (released_) return NotFound("local lock \"" + key_ + "\": lease already released");
    return lock_->Extend(key_, generation_, lease);
  }

 private:
  LocalLock* const lock_;
  const std::string key_;
  const uint64_t generation_;
  bool released_ = false;
};

LocalLock::LocalLock(Env* env) : env_(env) {}
LocalLock::~LocalLock() = default;

std::chrono::steady_clock::time_point LocalLock::ExpiryFor(std::chrono::milliseconds lease) {
  if (lease.count() <= 0) return std::chrono::steady_clock::time_point::max();
  return env_->Now() + lease;
}

Result<std::unique_ptr<LockLease>> LocalLock::Acquire(std::string_view key,
                                                      std::chrono::milliseconds lease,
                                                      Deadline deadline) {
  std::string k(key);
  std::unique_lock<std::mutex> l(mu_);
  bool first = true;
  for (;;) {
    auto now = env_->Now();
    auto it = held_.find(k);
    if (it == held_.end() || it->second.expires <= now) {
      uint64_t gen = next_generation_++;
      held_[k] = Holder{gen, ExpiryFor(lease)};
      return std::unique_ptr<LockLease>(new Lease(this, std::move(k), gen));
    }
    if (now >= deadline.at) {
      if (first) return Locked("local lock \"" + k + "\" is held");
      return Timeout("local lock \"" + k + "\": still held when the deadline passed");
    }
    first = false;
    // Wake for a release, the holder's expiry or the deadline, whichever is
    // first, but at least every 50 ms (the Env clock may be a manual one).
    auto wake = std::min({it->second.expires, deadline.at, now + std::chrono::milliseconds(50)});
    cv_.wait_for(l, std::max(wake - now, std::chrono::steady_clock::duration(std::chrono::microseconds(100))));
  }
}

Status LocalLock::Release(const std::string& key, uint64_t generation) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = held_.find(key);
  if (it == held_.end() || it->second.generation != generation) {
    return NotFound("local lock \"" + key + "\": lease lost (expired and taken over)");
  }
  held_.erase(it);
  cv_.notify_all();
  return Status::OK();
}

Status LocalLock::Extend(const std::string& key, uint64_t generation,
                         std::chrono::milliseconds lease) {
  std::lock_guard<std::mutex> l(mu_);
  auto it = held_.find(key);
  if (it == held_.end() || it->second.generation != generation) {
    return NotFound("local lock \"" + key + "\": lease lost (expired and taken over)");
  }
  // An expired lease nobody took yet can still be extended: nobody else can
  // have held the key in between.
  it->second.expires = ExpiryFor(lease);
  return Status::OK();
}

size_t LocalLock::HeldCount() {
  std::lock_guard<std::mutex> l(mu_);
  size_t n = 0;
  auto now = env_->Now();
  for (const auto& [k, h] : held_) n += h.expires > now;
  return n;
}

}  // namespace ferry
