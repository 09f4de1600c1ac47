// FaultyDatabase: wraps a real Database and fails the Nth operation that
// changes state (Exec, Execute, Begin, Commit), for fault-loop tests
// (SQLite test_vfs.c style). Reads pass through. A fired fault returns
// IOError "injected fault", and — when `persistent` — every later
// mutation fails too, as a dead disk or server would.
#pragma once

#include <memory>

#include "db/database.h"

namespace ferry::testing {

class FaultyDatabase final : public Database {
 public:
  FaultyDatabase(std::unique_ptr<Database> inner, int fail_at, bool persistent)
      : inner_(std::move(inner)), fail_at_(fail_at), persistent_(persistent) {}

  int mutations() const { return count_; }
  bool fired() const { return fired_; }

  const DatabaseUrl& url() const override { return inner_->url(); }
  std::string_view engine() const override { return inner_->engine(); }
  Dialect dialect() const override { return inner_->dialect(); }
  Capabilities capabilities() const override { return inner_->capabilities(); }

  Status Exec(std::string_view sql) override {
    FERRY_RETURN_IF_ERROR(Tick());
    return inner_->Exec(sql);
  }
  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& p) override {
    FERRY_RETURN_IF_ERROR(Tick());
    return inner_->Execute(sql, p);
  }
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& p) override {
    return inner_->Query(sql, p);
  }
  Result<std::unique_ptr<PreparedStatement>> Prepare(std::string_view sql) override {
    return inner_->Prepare(sql);
  }
  Status Begin() override {
    FERRY_RETURN_IF_ERROR(Tick());
    return inner_->Begin();
  }
  Status Commit() override {
    FERRY_RETURN_IF_ERROR(Tick());
    return inner_->Commit();
  }
  Status Rollback() override { return inner_->Rollback(); }
  bool InTransaction() const override { return inner_->InTransaction(); }
  std::string QuoteIdentifier(std::string_view n) const override {
    return inner_->QuoteIdentifier(n);
  }
  Result<bool> TableExists(std::string_view t) override { return inner_->TableExists(t); }

 private:
  Status Tick() {
    ++count_;
    if (count_ == fail_at_ || (persistent_ && fired_)) {
      fired_ = true;
      return IOError("injected fault at mutation " + std::to_string(count_));
    }
    return Status::OK();
  }

  std::unique_ptr<Database> inner_;
  int fail_at_;
  bool persistent_;
  int count_ = 0;
  bool fired_ = false;
};

}  // namespace ferry::testing
