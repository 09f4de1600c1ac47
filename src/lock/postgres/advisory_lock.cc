#include "lock/postgres/advisory_lock.h"

#include <algorithm>

#include "util/sha256.h"

namespace ferry {
namespace {

class AdvisoryLease final : public LockLease {
 public:
  AdvisoryLease(Database* db, int64_t id) : db_(db), id_(id) {}
  ~AdvisoryLease() override { (void)Release(); }
  Status Release() override {
    if (released_) return Status::OK();
    released_ = true;
    return db_->Query("SELECT pg_advisory_unlock($1)", {id_}).status();
  }
  Status Extend(std::chrono::milliseconds) override {
    return released_ ? NotFound("advisory lock already released") : Status::OK();
  }

 private:
  Database* db_;
  int64_t id_;
  bool released_ = false;
};

}  // namespace

int64_t PostgresAdvisoryLock::LockId(std::string_view key) {
  std::string hex = Sha256Hex(key).substr(0, 16);
  uint64_t u = std::stoull(hex, nullptr, 16);
  return static_cast<int64_t>(u);
}

Result<std::unique_ptr<LockLease>> PostgresAdvisoryLock::Acquire(std::string_view key,
                                                                 std::chrono::milliseconds,
                                                                 Deadline deadline) {
  const int64_t id = LockId(key);
  auto wait = std::chrono::milliseconds(10);
  for (;;) {
    // Polling pg_try_advisory_lock (rather than blocking in pg_advisory_lock)
    // keeps the deadline ours and never leaves a waiter inside a transaction.
    FERRY_ASSIGN_OR_RETURN(Rows rows, db_->Query("SELECT pg_try_advisory_lock($1)", {id}));
    auto got = rows.GetInt(0, 0);
    auto text = rows.GetText(0, 0);
    if ((got && *got == 1) || (text && (*text == "t" || *text == "true"))) {
      return std::unique_ptr<LockLease>(new AdvisoryLease(db_, id));
    }
    if (deadline.Expired(env_)) {
      return Timeout("timed out waiting for the postgres advisory lock " + std::to_string(id) +
                     " (another ferry holds it)");
    }
    env_->SleepFor(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(250));
  }
}

}  // namespace ferry
