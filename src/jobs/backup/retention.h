// Retention: which backups `ferry backup cleanup` removes.
//
// From ferry.toml:
//   [backup]
//   keep_min = 3          # always keep the newest N of each group
//   keep_max = 50         # never more than M per group (oldest go first)
//   keep_last_day = true  # everything younger than 24 h stays
//   keep_daily = 7        # then the newest of each of the last K days,
//   keep_weekly = 4       #      ... ISO weeks,
//   keep_monthly = 6      #      ... months
//
// A group is one source (the table of a snapshot, the database of an
// archive). A backup goes when it is expired and no rule keeps it, or when it
// is beyond keep_max. Whatever the policy says, the newest verified backup of
// a group always stays. Unfinished (pending/failed) entries older than a day
// go as well: they were never good. Pure function: no I/O.
#pragma once

#include <string>
#include <vector>

#include "jobs/backup/backup.h"

namespace ferry {

struct RetentionPolicy {
  int keep_min = 0;
  int keep_max = 0;  // 0 = no cap
  bool keep_last_day = true;
  int keep_daily = 0;
  int keep_weekly = 0;
  int keep_monthly = 0;
};

struct RetentionDecision {
  BackupInfo backup;
  bool remove = false;
  std::string reason;  // why it goes or stays
};

std::vector<RetentionDecision> PlanRetention(const std::vector<BackupInfo>& backups,
                                             const RetentionPolicy& policy, int64_t now);

}  // namespace ferry
