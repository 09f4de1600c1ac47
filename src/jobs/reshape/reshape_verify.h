// Step 6 of a reshape: the new table must hold exactly the old table's rows,
// mapped. Everything is read in ONE snapshot (PostgreSQL REPEATABLE READ;
// SQLite a deferred read transaction, which in WAL mode does not block
// writers), and the capture trigger keeps both tables in step, so the
// comparison holds while the application writes.
//
// - Row counts equal.
// - Order-independent checksum of the mapped rows equal: PostgreSQL hashes
//   each mapped row cast to the new table's row type on the server with
//   hash_record_extended (each column's own hash function, no text; about
//   10x cheaper than md5 of the row text), and the row's text form with
//   hashtextextended when a column type has no hash function (json, point);
//   SQLite sums per-row SHA-256 inside the engine (the ferry_sha256sum
//   aggregate of sqlite_row_hash.h), numbers given as text the way column
//   affinity would store them (so 5, 5.0 and '5' agree; blobs by bytes);
//   only where that function is missing are both sides streamed through
//   ferry in key order and hashed the same way.
// - Partition distribution (PostgreSQL partitions): min/avg/max/stddev; an
//   error when a partition is empty although the table holds at least 20
//   rows per partition, unless partitions.allow_empty.
// - The plan's checks give the same answer on both tables.
//
// Corruption naming the first difference on a mismatch. Not thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/reshape/reshape_plan.h"
#include "jobs/reshape/reshape_sql.h"

namespace ferry {

struct PartitionDistribution {
  int partitions = 0;
  int64_t min = 0;
  int64_t max = 0;
  double avg = 0;
  double stddev = 0;
  std::vector<std::string> empty;  // names of partitions without rows
};

struct ReshapeVerifyReport {
  int64_t old_rows = 0;
  int64_t new_rows = 0;
  std::string old_checksum;
  std::string new_checksum;
  std::optional<PartitionDistribution> distribution;
  std::vector<std::pair<std::string, std::string>> checks;  // name, answer (equal on both)
};

Result<ReshapeVerifyReport> VerifyReshape(Database* db, const ReshapePlan& plan,
                                          const ReshapeSql& sql);

}  // namespace ferry
