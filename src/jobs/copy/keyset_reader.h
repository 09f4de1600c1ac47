// KeysetReader: reads a table in pages ordered by a unique key,
//   SELECT cols FROM t WHERE (k1, k2) > ($1, $2) ORDER BY k1, k2 LIMIT n
// so every page is one indexed range scan, whatever the table size (no
// OFFSET), and a reader can resume after any key it saw. Composite keys use
// row-value comparison (SQLite 3.15+, PostgreSQL). The key's order is the
// engine's own (collations differ between engines; only the reading side
// uses it).
//
// Not thread-safe; `db` must outlive the reader. A reader whose connection
// failed can be pointed at a new one with Reset(db): it resumes after the
// last key it returned.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

class KeysetReader {
 public:
  // `columns` are read in that order; `key` must be a subset of them.
  // `where` (optional) is an extra SQL condition ANDed into every page.
  KeysetReader(Database* db, std::string table, std::vector<std::string> columns,
               std::vector<std::string> key, size_t page_size, std::string where = "");

  // Starts after `key` (a checkpoint) instead of at the beginning.
  void SeekAfter(std::vector<Value> key);
  void Reset(Database* db);

  // The next page into *rows (cleared first); false when there are no more.
  Result<bool> Next(std::vector<std::vector<Value>>* rows);

  // The key of the last row returned; empty before the first page.
  const std::vector<Value>& last_key() const { return last_key_; }
  const std::vector<size_t>& key_indexes() const { return key_idx_; }

 private:
  Status PrepareIfNeeded();

  Database* db_;
  const std::string table_;
  const std::vector<std::string> columns_;
  const std::vector<std::string> key_;
  const size_t page_size_;
  const std::string where_;
  std::vector<size_t> key_idx_;
  std::vector<Value> last_key_;
  std::unique_ptr<PreparedStatement> first_, after_;
  bool done_ = false;
};

}  // namespace ferry
