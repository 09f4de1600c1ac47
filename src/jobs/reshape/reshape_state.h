// The `ferry_reshapes` state table: one row per reshape run, written in the
// same transaction as the work it describes (the copy's checkpoint is updated
// in each batch's transaction), so after a crash the row says exactly which
// steps are done and where the copy stopped.
//
// `step` is the last step completed (0 = none, 9 = done); `status` is
// running, failed (the error is kept; a re-run resumes), done, rolled_back.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/status.h"

namespace ferry {

struct ReshapeState {
  std::string run_id;
  std::string name;
  std::string table;
  std::string new_table;
  std::string plan_checksum;
  int step = 0;
  std::string status;
  std::string old_table;
  std::string backup_name;
  std::string last_key;  // JSON array; "" before the first batch
  int64_t rows_copied = 0;
  int64_t total_rows = 0;
  int64_t started_at = 0;
  int64_t updated_at = 0;
  std::string error;
};

Status EnsureReshapeTable(Database* db);
Status InsertReshapeState(Database* db, const ReshapeState& s);
// Writes every field of `s` (by run_id).
Status UpdateReshapeState(Database* db, const ReshapeState& s);
// The newest run for a plan name (nullopt: none, or no table yet).
Result<std::optional<ReshapeState>> LatestReshape(Database* db, const std::string& name);
// The newest swapped (status done) run for a live table name.
Result<std::optional<ReshapeState>> LatestDoneForTable(Database* db, const std::string& table);
Result<std::vector<ReshapeState>> ListReshapeStates(Database* db);


}  // namespace ferry
