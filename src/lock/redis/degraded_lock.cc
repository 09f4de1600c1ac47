#include "lock/redis/degraded_lock.h"

namespace ferry {

class DegradedLock::Lease : public LockLease {
 public:
  Lease(DegradedLock* owner, std::unique_ptr<LockLease> local, std::unique_ptr<LockLease> primary)
      : owner_(owner), local_(std::move(local)), primary_(std::move(primary)) {}
  ~Lease() override { (void)Release(); }

  Status Release() override {
    Status st;
    if (primary_) {
      st = primary_->Release();
      primary_.reset();
    }
    if (local_) {
      Status l = local_->Release();
      local_.reset();
      if (st.ok()) st = l;
    }
    return st;
  }

  Status Extend(std::chrono::milliseconds lease) override {
    if (!local_) return NotFound("lease already released");
    if (primary_) {
      Status st = primary_->Extend(lease);
      if (st.code() == Code::kUnavailable) {
        owner_->EnterDegraded(st);
        primary_.reset();  // its key expires by itself
      } else if (!st.ok()) {
        return st;
      }
    }
    return local_->Extend(lease);
  }

 private:
  DegradedLock* const owner_;
  std::unique_ptr<LockLease> local_;
  std::unique_ptr<LockLease> primary_;  // null while degraded
};

DegradedLock::DegradedLock(std::unique_ptr<Lock> primary, Env* env, Warn warn,
                           std::chrono::milliseconds recheck)
    : primary_(std::move(primary)), local_(env), env_(env), warn_(std::move(warn)), recheck_(recheck) {}

DegradedLock::~DegradedLock() = default;

std::string DegradedLock::Describe() const {
  return primary_->Describe() + ", degraded to " + local_.Describe() + " when down";
}

bool DegradedLock::degraded() {
  std::lock_guard<std::mutex> l(mu_);
  return degraded_;
}

bool DegradedLock::ShouldTryPrimary() {
  std::lock_guard<std::mutex> l(mu_);
  return !degraded_ || env_->Now() >= retry_primary_;
}

void DegradedLock::EnterDegraded(const Status& why) {
  bool was;
  {
    std::lock_guard<std::mutex> l(mu_);
    was = degraded_;
    degraded_ = true;
    retry_primary_ = env_->Now() + recheck_;
  }
  if (!was && warn_) {
    warn_("LOCK BACKEND DOWN: " + primary_->Describe() + " is unavailable (" + why.message() +
          "); DEGRADED MODE: falling back to in-process locks, other processes are NOT excluded "
          "until it answers again");
  }
}

void DegradedLock::LeaveDegraded() {
  bool was;
  {
    std::lock_guard<std::mutex> l(mu_);
    was = degraded_;
    degraded_ = false;
  }
  if (was && warn_) warn_("lock backend " + primary_->Describe() + " answers again: distributed locking resumed");
}

Result<std::unique_ptr<LockLease>> DegradedLock::Acquire(std::string_view key,
                                                         std::chrono::milliseconds lease,
                                                         Deadline deadline) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<LockLease> local, local_.Acquire(key, lease, deadline));
  if (!ShouldTryPrimary()) {
    return std::unique_ptr<LockLease>(new Lease(this, std::move(local), nullptr));
  }
  Result<std::unique_ptr<LockLease>> primary = primary_->Acquire(key, lease, deadline);
  if (primary.ok()) {
    LeaveDegraded();
    return std::unique_ptr<LockLease>(new Lease(this, std::move(local), std::move(primary).value()));
  }
  if (primary.status().code() == Code::kUnavailable) {
    EnterDegraded(primary.status());
    return std::unique_ptr<LockLease>(new Lease(this, std::move(local), nullptr));
  }
  return primary.status();  // `local` is released on the way out
}

}  // namespace ferry
