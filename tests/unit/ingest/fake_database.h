// FailingDatabase: wraps a real Database and fails the Nth Commit() (1-based,
// counted across all FailingDatabase objects sharing `commits`) with a chosen
// status, after rolling the transaction back -- so the test sees exactly what
// a commit failure leaves behind: nothing.
#pragma once

#include <atomic>
#include <memory>

#include "db/database.h"

namespace ferry::testing {

class FailingDatabase : public Database {
 public:
  FailingDatabase(std::unique_ptr<Database> inner, std::atomic<int>* commits, int fail_n, Status fail)
      : inner_(std::move(inner)), commits_(commits), fail_n_(fail_n), fail_(std::move(fail)) {}

  const DatabaseUrl& url() const override { return inner_->url(); }
  std::string_view engine() const override { return inner_->engine(); }
  Dialect dialect() const override { return inner_->dialect(); }
  Capabilities capabilities() const override { return inner_->capabilities(); }
  Status Exec(std::string_view sql) override { return inner_->Exec(sql); }
  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& p) override {
    return inner_->Execute(sql, p);
  }
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& p) override {
    return inner_->Query(sql, p);
  }
  Result<std::unique_ptr<PreparedStatement>> Prepare(std::string_view sql) override {
    return inner_->Prepare(sql);
  }
  Status Begin() override { return inner_->Begin(); }
  Status Commit() override {
    if (++*commits_ == fail_n_) {
      (void)inner_->Rollback();
      return fail_;
    }
    return inner_->Commit();
  }
  Status Rollback() override { return inner_->Rollback(); }
  bool InTransaction() const override { return inner_->InTransaction(); }
  std::string QuoteIdentifier(std::string_view name) const override {
    return inner_->QuoteIdentifier(name);
  }
  Result<bool> TableExists(std::string_view table) override { return inner_->TableExists(table); }

 private:
  std::unique_ptr<Database> inner_;
  std::atomic<int>* commits_;
  int fail_n_;
  Status fail_;
};

}  // namespace ferry::testing
