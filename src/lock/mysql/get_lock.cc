#include "lock/mysql/get_lock.h"

#include <algorithm>

#include "util/sha256.h"

namespace ferry {
namespace {

class NamedLease final : public LockLease {
 public:
  NamedLease(Database* db, std::string name) : db_(db), name_(std::move(name)) {}
  ~NamedLease() override { (void)Release(); }
  Status Release() override {
    if (released_) return Status::OK();
    released_ = true;
    return db_->Query("SELECT RELEASE_LOCK($1)", {name_}).status();
  }
  Status Extend(std::chrono::milliseconds) override {
    return released_ ? NotFound("mysql named lock already released") : Status::OK();
  }

 private:
  Database* db_;
  std::string name_;
  bool released_ = false;
};

}  // namespace

std::string MysqlGetLock::LockName(std::string_view key, std::string_view database) {
  std::string name = std::string(key) + "@" + std::string(database);
  if (name.size() <= 64) return name;
  return "ferry:" + Sha256Hex(name).substr(0, 40);
}

Result<std::unique_ptr<LockLease>> MysqlGetLock::Acquire(std::string_view key,
                                                         std::chrono::milliseconds,
                                                         Deadline deadline) {
  FERRY_ASSIGN_OR_RETURN(Rows db_rows, db_->Query("SELECT DATABASE()", {}));
  const std::string name = LockName(key, db_rows.GetText(0, 0).value_or(""));
  auto wait = std::chrono::milliseconds(10);
  for (;;) {
    // GET_LOCK with timeout 0 polled (rather than a blocking GET_LOCK) keeps
    // the deadline ours. 1 = got it, 0 = held elsewhere, NULL = error.
    FERRY_ASSIGN_OR_RETURN(Rows rows, db_->Query("SELECT GET_LOCK($1, 0)", {name}));
    std::optional<int64_t> got = rows.GetInt(0, 0);
    if (!got) return ExecutionFailed("mysql: GET_LOCK('" + name + "') returned NULL");
    if (*got == 1) return std::unique_ptr<LockLease>(new NamedLease(db_, name));
    if (deadline.Expired(env_)) {
      return Timeout("timed out waiting for the mysql named lock '" + name +
                     "' (another ferry holds it)");
    }
    env_->SleepFor(wait);
    wait = std::min(wait * 2, std::chrono::milliseconds(250));
  }
}

}  // namespace ferry
