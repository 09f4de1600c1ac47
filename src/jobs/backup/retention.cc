#include "jobs/backup/retention.h"

#include <algorithm>
#include <ctime>
#include <map>
#include <set>

namespace ferry {
namespace {

std::string Bucket(int64_t t, const char* fmt) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, fmt, &tm);
  return buf;
}

}  // namespace

std::vector<RetentionDecision> PlanRetention(const std::vector<BackupInfo>& backups,
                                             const RetentionPolicy& policy, int64_t now) {
  std::map<std::string, std::vector<size_t>> groups;
  for (size_t i = 0; i < backups.size(); ++i) {
    const auto& b = backups[i];
    groups[std::string(BackupKindName(b.kind)) + ":" + b.source].push_back(i);
  }
  std::vector<RetentionDecision> out(backups.size());
  for (size_t i = 0; i < backups.size(); ++i) out[i].backup = backups[i];

  for (auto& [key, idx] : groups) {
    std::sort(idx.begin(), idx.end(), [&](size_t a, size_t b) {
      if (backups[a].created_at != backups[b].created_at)
        return backups[a].created_at > backups[b].created_at;
      return backups[a].id > backups[b].id;
    });
    std::set<std::string> days, weeks, months;
    bool newest_verified_seen = false;
    int good_rank = 0;  // rank among verified backups, newest first
    for (size_t i : idx) {
      const BackupInfo& b = backups[i];
      RetentionDecision& d = out[i];
      if (b.state != BackupState::kVerified) {
        d.remove = now - b.created_at > 86400;
        d.reason = d.remove ? std::string(BackupStateName(b.state)) + " for over a day: never a good backup"
                            : std::string(BackupStateName(b.state)) + ": may still be in progress";
        continue;
      }
      const int rank = good_rank++;
      std::vector<std::string> keep;
      if (!newest_verified_seen) {
        newest_verified_seen = true;
        keep.push_back("newest verified backup of " + b.source);
      }
      if (rank < policy.keep_min) keep.push_back("keep_min");
      if (policy.keep_last_day && now - b.created_at < 86400) keep.push_back("from the last day");
      std::string day = Bucket(b.created_at, "%Y-%m-%d"), week = Bucket(b.created_at, "%G-W%V"),
                  month = Bucket(b.created_at, "%Y-%m");
      if (static_cast<int>(days.size()) < policy.keep_daily && !days.count(day)) {
        days.insert(day);
        keep.push_back("daily " + day);
      }
      if (static_cast<int>(weeks.size()) < policy.keep_weekly && !weeks.count(week)) {
        weeks.insert(week);
        keep.push_back("weekly " + week);
      }
      if (static_cast<int>(months.size()) < policy.keep_monthly && !months.count(month)) {
        months.insert(month);
        keep.push_back("monthly " + month);
      }
      const bool expired = b.expires_at <= now;
      const bool over_cap = policy.keep_max > 0 && rank >= policy.keep_max;
      const bool newest = rank == 0;
      if (newest) {
        d.remove = false;
      } else if (over_cap) {
        d.remove = true;
      } else {
        d.remove = expired && keep.empty();
      }
      if (d.remove) {
        d.reason = over_cap ? "beyond keep_max " + std::to_string(policy.keep_max)
                            : "expired " + IsoUtc(b.expires_at);
      } else {
        std::string why;
        for (const auto& k : keep) why += (why.empty() ? "" : ", ") + k;
        d.reason = why.empty() ? "not expired" : "kept: " + why;
      }
    }
  }
  return out;
}

}  // namespace ferry
