// Transaction: rolls back unless Commit() is called (ccache AtomicFile style).
#pragma once

#include "db/database.h"

namespace ferry {

class Transaction {
 public:
  explicit Transaction(Database* db) : db_(db) {}
  Transaction(const Transaction&) = delete;
  Transaction& operator=(const Transaction&) = delete;
  ~Transaction() {
    if (active_) (void)db_->Rollback();  // best effort: the error that led here wins
  }

  Status Begin() {
    Status st = db_->Begin();
    active_ = st.ok();
    return st;
  }
  Status Commit() {
    active_ = false;
    return db_->Commit();
  }
  Status Rollback() {
    active_ = false;
    return db_->Rollback();
  }

 private:
  Database* db_;
  bool active_ = false;
};

}  // namespace ferry
