// TableWriter: appends rows to a table through the engine's bulk path.
//
// - PostgreSQL: COPY ... FROM STDIN (CopyRows), one round trip per call.
// - SQLite: prepared multi-row INSERTs (up to 32766 parameters each),
//   compiled once and reused for every call.
// Write() does not begin or commit: the caller wraps batches in its own
// transaction (so a checkpoint can commit with them). A failed Write()
// inserts nothing when the caller rolls back.
//
// Not thread-safe; `db` must outlive the writer.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "db/database.h"

namespace ferry {

class TableWriter {
 public:
  virtual ~TableWriter() = default;
  // Each row holds one Value per column, in the order given at creation.
  virtual Status Write(const std::vector<std::vector<Value>>& rows) = 0;
};

Result<std::unique_ptr<TableWriter>> NewTableWriter(Database* db, const std::string& table,
                                                    const std::vector<std::string>& columns);

}  // namespace ferry
