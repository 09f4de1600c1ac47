// What the live table's own constraints already guarantee about a reshape
// key, so the pre-check can skip a full-table GROUP BY (uniqueness) or scan
// (NULLs) the engine enforces anyway. Catalog reads only.
#pragma once

#include <string>
#include <vector>

#include "db/database.h"

namespace ferry {

struct KeyGuarantees {
  // A valid, non-partial unique index (or primary key) whose key columns
  // are all among `key`: no two rows share a key.
  bool unique = false;
  // Every key column is declared NOT NULL (or is SQLite's INTEGER PRIMARY
  // KEY / a WITHOUT ROWID primary key).
  bool not_null = false;
};

Result<KeyGuarantees> ReadKeyGuarantees(Database* db, const std::string& table,
                                        const std::vector<std::string>& key);

}  // namespace ferry
