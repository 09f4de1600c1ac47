// Step 6 of a reshape: the new table must hold exactly the old table's rows,
// mapped. Everything is read in ONE snapshot (PostgreSQL REPEATABLE READ;
// SQLite a deferred read transaction, which in WAL mode does not block
// writers), and the capture trigger keeps both tables in step, so the
// comparison holds while the application writes.
//
// - Row counts equal.
// - Order-independent checksum of the mapped rows equal: PostgreSQL hashes
//   each mapped row cast to the new table's row type (md5 of its text) on the
//   server; SQLite streams both sides in key order and hashes each value's
//   text form (numbers and text compare by value, as column affinity would
//   store them; blobs by bytes).
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
