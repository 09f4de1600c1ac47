#include "jobs/backup/retention.h"

#include <gtest/gtest.h>

namespace ferry {
namespace {

constexpr int64_t kDay = 86400;
constexpr int64_t kNow = 1754913600;  // 2025-08-11T12:00:00Z

BackupInfo Snap(int64_t id, int64_t age_days, int64_t ttl_days = 7,
                BackupState st = BackupState::kVerified, std::string src = "chunks") {
  BackupInfo b;
  b.id = id;
  b.name = src + "_backup_" + std::to_string(id);
  b.kind = BackupKind::kSnapshot;
  b.source = src;
  b.created_at = kNow - age_days * kDay;
  b.expires_at = b.created_at + ttl_days * kDay;
  b.state = st;
  return b;
}

std::vector<std::string> Removed(const std::vector<RetentionDecision>& plan) {
  std::vector<std::string> out;
  for (const auto& d : plan)
    if (d.remove) out.push_back(d.backup.name);
  return out;
}

TEST(RetentionTest, ExpiredOnlyByDefault) {
  auto plan = PlanRetention({Snap(1, 10), Snap(2, 8), Snap(3, 3), Snap(4, 0)}, {}, kNow);
  EXPECT_EQ(Removed(plan), (std::vector<std::string>{"chunks_backup_1", "chunks_backup_2"}));
}

TEST(RetentionTest, NeverTheNewestVerifiedEvenIfExpired) {
  auto plan = PlanRetention({Snap(1, 30), Snap(2, 20), Snap(3, 10, 7, BackupState::kFailed)}, {}, kNow);
  // 2 is the newest verified: stays although expired; 3 is failed and old.
  EXPECT_EQ(Removed(plan), (std::vector<std::string>{"chunks_backup_1", "chunks_backup_3"}));
}

TEST(RetentionTest, GroupsAreIndependent) {
  auto plan = PlanRetention({Snap(1, 30, 7, BackupState::kVerified, "a"),
                             Snap(2, 30, 7, BackupState::kVerified, "b")},
                            {}, kNow);
  EXPECT_TRUE(Removed(plan).empty());
}

TEST(RetentionTest, KeepMinAndDailyWeeklyMonthly) {
  RetentionPolicy p;
  p.keep_min = 2;
  p.keep_daily = 3;
  std::vector<BackupInfo> bs;
  for (int i = 0; i < 10; ++i) bs.push_back(Snap(100 - i, 8 + i));  // all expired, one per day
  auto plan = PlanRetention(bs, p, kNow);
  // keep_min keeps the newest two, keep_daily the newest three days: 3 kept.
  EXPECT_EQ(Removed(plan).size(), 7u);
  p.keep_monthly = 12;
  plan = PlanRetention(bs, p, kNow);
  // Ages 8..17 days span July and August 2025: one more (the newest of July).
  EXPECT_EQ(Removed(plan).size(), 6u);
}

TEST(RetentionTest, KeepMaxRemovesUnexpiredOldest) {
  RetentionPolicy p;
  p.keep_max = 2;
  auto plan = PlanRetention({Snap(1, 1, 30), Snap(2, 2, 30), Snap(3, 3, 30)}, p, kNow);
  EXPECT_EQ(Removed(plan), (std::vector<std::string>{"chunks_backup_3"}));
}

TEST(RetentionTest, AllFromTheLastDay) {
  auto plan = PlanRetention({Snap(1, 0, 0), Snap(2, 0, 0)}, {}, kNow);  // expire at once
  EXPECT_TRUE(Removed(plan).empty());
  RetentionPolicy p;
  p.keep_last_day = false;
  plan = PlanRetention({Snap(1, 0, 0), Snap(2, 0, 0)}, p, kNow);
  EXPECT_EQ(Removed(plan).size(), 1u);  // never the newest
}

TEST(RetentionTest, PendingYoungerThanADayStays) {
  auto plan = PlanRetention({Snap(1, 0, 7, BackupState::kPending)}, {}, kNow);
  EXPECT_TRUE(Removed(plan).empty());
}

TEST(BackupTimeTest, ParseRetentionAndTimes) {
  EXPECT_EQ(ParseRetention("7d")->count(), 7 * kDay);
  EXPECT_EQ(ParseRetention("12h")->count(), 12 * 3600);
  EXPECT_EQ(ParseRetention("2w")->count(), 14 * kDay);
  EXPECT_EQ(ParseRetention("3")->count(), 3 * kDay);
  EXPECT_FALSE(ParseRetention("7x"));
  EXPECT_FALSE(ParseRetention("0d"));
  EXPECT_EQ(CompactUtc(kNow), "20250811_120000");
  EXPECT_EQ(IsoUtc(kNow), "2025-08-11T12:00:00Z");
  EXPECT_EQ(*ParseUtc("2025-08-11T12:00:00Z"), kNow);
  EXPECT_EQ(*ParseUtc("2025-08-11 12:00:00"), kNow);
  EXPECT_EQ(*ParseUtc("2025-08-11"), kNow - 12 * 3600);
  EXPECT_FALSE(ParseUtc("yesterday"));
}

}  // namespace
}  // namespace ferry
