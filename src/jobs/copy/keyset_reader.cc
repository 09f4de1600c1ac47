#include "jobs/copy/keyset_reader.h"

#include <algorithm>

namespace ferry {

KeysetReader::KeysetReader(Database* db, std::string table, std::vector<std::string> columns,
                           std::vector<std::string> key, size_t page_size, std::string where)
    : db_(db),
      table_(std::move(table)),
      columns_(std::move(columns)),
      key_(std::move(key)),
      page_size_(page_size == 0 ? 1 : page_size),
      where_(std::move(where)) {
  for (const auto& k : key_) {
    auto it = std::find(columns_.begin(), columns_.end(), k);
    key_idx_.push_back(static_cast<size_t>(it - columns_.begin()));
  }
}

void KeysetReader::SeekAfter(std::vector<Value> key) {
  last_key_ = std::move(key);
  done_ = false;
}

void KeysetReader::Reset(Database* db) {
  first_.reset();
  after_.reset();
  db_ = db;
}

Status KeysetReader::PrepareIfNeeded() {
  if (first_) return Status::OK();
  for (size_t i = 0; i < key_idx_.size(); ++i)
    if (key_idx_[i] >= columns_.size())
      return InvalidArgument("key column " + key_[i] + " is not among the columns read of " +
                             table_);
  std::string cols, keys, params;
  for (size_t i = 0; i < columns_.size(); ++i) {
    if (i > 0) cols += ", ";
    cols += db_->QuoteIdentifier(columns_[i]);
  }
  for (size_t i = 0; i < key_.size(); ++i) {
    if (i > 0) {
      keys += ", ";
      params += ", ";
    }
    keys += db_->QuoteIdentifier(key_[i]);
    params += "$" + std::to_string(i + 1);
  }
  const std::string base = "SELECT " + cols + " FROM " + db_->QuoteIdentifier(table_);
  const std::string extra = where_.empty() ? "" : "(" + where_ + ")";
  const std::string tail = " ORDER BY " + keys + " LIMIT " + std::to_string(page_size_);
  const std::string cmp = key_.size() == 1 ? keys + " > " + params : "(" + keys + ") > (" + params + ")";
  FERRY_ASSIGN_OR_RETURN(first_,
                         db_->Prepare(base + (extra.empty() ? "" : " WHERE " + extra) + tail));
  FERRY_ASSIGN_OR_RETURN(
      after_, db_->Prepare(base + " WHERE " + cmp + (extra.empty() ? "" : " AND " + extra) + tail));
  return Status::OK();
}

Result<bool> KeysetReader::Next(std::vector<std::vector<Value>>* rows) {
  rows->clear();
  if (done_) return false;
  FERRY_RETURN_IF_ERROR(PrepareIfNeeded());
  Result<Rows> page = last_key_.empty() ? first_->Query({}) : after_->Query(last_key_);
  if (!page.ok()) return page.status().WithContext("reading " + table_);
  *rows = std::move(page->rows);
  if (rows->size() < page_size_) done_ = true;
  if (rows->empty()) return false;
  const auto& last = rows->back();
  last_key_.clear();
  for (size_t i : key_idx_) last_key_.push_back(last[i]);
  return true;
}

}  // namespace ferry
