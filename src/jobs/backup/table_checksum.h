// Order-independent content checksums of a table, and row spot checks.
//
// The SAME function runs on a source table and on its copy, so the two
// compare. Row order never matters (a copy may store rows in another order):
// each row is hashed on its own and the row hashes are summed modulo 2^64 in
// two lanes (a sum, unlike xor, does not cancel duplicate rows).
//
// - PostgreSQL: computed by the server in one query: md5 of each row's text
//   form (`t::text`), the two 64-bit halves summed as numeric.
//   "pg-md5sum:<sum hi>:<sum lo>".
// - SQLite: no built-in hash, so rows stream through ferry in pages keyed by
//   rowid (never the whole table in memory); each row's values are encoded
//   with their types (1 != '1' != 1.0) and hashed with SHA-256; the first 16
//   bytes are the two lanes. "sqlite-sha256sum:<hex hi><hex lo>".
//   WITHOUT ROWID tables are read in one query.
//
// Run both sides inside one transaction (REPEATABLE READ on PostgreSQL) so
// they see the same snapshot. Not thread-safe (uses `db`).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "db/database.h"

namespace ferry {

struct TableChecksum {
  int64_t rows = 0;
  std::string checksum;
  bool operator==(const TableChecksum&) const = default;
};

// `table` is a bare name (quoted here).
Result<TableChecksum> ComputeTableChecksum(Database* db, const std::string& table);

// Column names in table order.
Result<std::vector<std::string>> TableColumns(Database* db, const std::string& table);
// Primary-key column names in key order; empty when the table has none.
Result<std::vector<std::string>> PrimaryKeyColumns(Database* db, const std::string& table);

// Picks up to `samples` rows of `copy` at random (`seed` drives the choice)
// and looks each up in `source` by primary key (or by all columns when there
// is no key; then at most 8 samples, each a scan); every column must be equal.
// Returns how many rows were compared; Corruption naming the row on a
// mismatch or a missing row.
Result<int> SpotCheckRows(Database* db, const std::string& source, const std::string& copy,
                          int samples, uint64_t seed);

}  // namespace ferry
