#include "jobs/tenants/tenant_ledger.h"

#include <gtest/gtest.h>

#include <atomic>

namespace ferry {
namespace {

// The real Env with a wall clock the test can move forward.
class ShiftedEnv : public Env {
 public:
  Result<std::string> ReadFile(const std::string& p) override { return base_->ReadFile(p); }
  Status WriteFileAtomic(const std::string& p, const std::string& d, FileMode m) override {
    return base_->WriteFileAtomic(p, d, m);
  }
  Status CreateNewFile(const std::string& p, const std::string& d) override {
    return base_->CreateNewFile(p, d);
  }
  Result<std::vector<DirEntry>> ListDir(const std::string& p) override { return base_->ListDir(p); }
  bool FileExists(const std::string& p) override { return base_->FileExists(p); }
  Status CreateDirs(const std::string& p) override { return base_->CreateDirs(p); }
  Status RemoveFile(const std::string& p) override { return base_->RemoveFile(p); }
  std::chrono::steady_clock::time_point Now() override { return base_->Now(); }
  std::chrono::system_clock::time_point WallNow() override {
    return base_->WallNow() + std::chrono::seconds(shift_seconds.load());
  }
  void SleepFor(std::chrono::microseconds) override {}
  uint64_t Random64() override { return base_->Random64(); }
  std::optional<std::string> GetEnv(const std::string& n) override { return base_->GetEnv(n); }
  std::string HostName() override { return "test"; }
  int ProcessId() override { return 1; }

  std::atomic<int64_t> shift_seconds{0};

 private:
  Env* base_ = Env::Default();
};

class TenantLedgerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenDatabase("sqlite::memory:", &env_);
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    ledger_ = std::make_unique<TenantLedger>(db_.get(), &env_);
    ASSERT_TRUE(ledger_->Ensure().ok());
    ASSERT_TRUE(ledger_->Ensure().ok());  // idempotent
  }
  ShiftedEnv env_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<TenantLedger> ledger_;
};

TEST_F(TenantLedgerTest, ClaimAdvanceFinish) {
  auto added = ledger_->AddMissing({"a", "b"});
  ASSERT_TRUE(added.ok());
  EXPECT_EQ(*added, 2);
  EXPECT_EQ(*ledger_->AddMissing({"a", "b", "c"}), 1);
  auto c1 = ledger_->Claim("r1", std::chrono::seconds(60), std::nullopt);
  ASSERT_TRUE(c1.ok()) << c1.status().ToString();
  ASSERT_TRUE(c1->has_value());
  EXPECT_EQ((*c1)->tenant, "a");
  EXPECT_EQ((*c1)->lease_owner, "r1");
  // Another runner gets the next one, never "a".
  auto c2 = ledger_->Claim("r2", std::chrono::seconds(60), std::nullopt);
  ASSERT_TRUE(c2.ok() && c2->has_value());
  EXPECT_EQ((*c2)->tenant, "b");
  // Only the holder may advance, and only from the version it saw.
  EXPECT_EQ(ledger_->Advance("a", "r2", "", "1").code(), Code::kLocked);
  EXPECT_TRUE(ledger_->Advance("a", "r1", "", "1").ok());
  EXPECT_EQ(ledger_->Advance("a", "r1", "", "1").code(), Code::kLocked);
  EXPECT_TRUE(ledger_->Finish("a", "r1").ok());
  auto row = ledger_->Get("a");
  ASSERT_TRUE(row.ok() && row->has_value());
  EXPECT_EQ((*row)->version, "1");
  EXPECT_EQ((*row)->state, "done");
  EXPECT_EQ((*row)->lease_owner, "");
  // New migrations: done tenants below the latest become pending again.
  EXPECT_EQ(*ledger_->ReopenOutdated("2"), 1);
  EXPECT_EQ(*ledger_->ReopenOutdated("2"), 0);
}

TEST_F(TenantLedgerTest, ExpiredLeaseIsTakenOver) {
  ASSERT_TRUE(ledger_->AddMissing({"a"}).ok());
  auto c1 = ledger_->Claim("dead", std::chrono::seconds(30), std::nullopt);
  ASSERT_TRUE(c1.ok() && c1->has_value());
  auto none = ledger_->Claim("r2", std::chrono::seconds(30), std::nullopt);
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  env_.shift_seconds = 31;
  auto c2 = ledger_->Claim("r2", std::chrono::seconds(30), std::nullopt);
  ASSERT_TRUE(c2.ok() && c2->has_value());
  EXPECT_EQ((*c2)->lease_owner, "r2");
  EXPECT_EQ(ledger_->Extend("a", "dead", std::chrono::seconds(30)).code(), Code::kNotFound);
  EXPECT_TRUE(ledger_->Extend("a", "r2", std::chrono::seconds(30)).ok());
}

TEST_F(TenantLedgerTest, FailuresRetryAndRegister) {
  ASSERT_TRUE(ledger_->AddMissing({"a"}).ok());
  ASSERT_TRUE(ledger_->Claim("r", std::chrono::seconds(30), std::string("a"))->has_value());
  ASSERT_TRUE(ledger_->RecordFailure("a", "r", 1, "boom", false).ok());
  ASSERT_TRUE(ledger_->RecordFailure("a", "r", 2, "boom again", true).ok());
  auto row = *ledger_->Get("a");
  EXPECT_EQ(row->state, "failed");
  EXPECT_EQ(row->attempts, 2);
  EXPECT_EQ(row->last_error, "boom again");
  EXPECT_FALSE(ledger_->Claim("r", std::chrono::seconds(30), std::nullopt)->has_value());
  EXPECT_EQ(*ledger_->RetryFailed(std::nullopt), 1);
  EXPECT_EQ((*ledger_->Get("a"))->attempts, 0);
  EXPECT_TRUE(ledger_->Claim("r", std::chrono::seconds(30), std::nullopt)->has_value());

  EXPECT_TRUE(ledger_->Register("new", "3").ok());
  EXPECT_TRUE(ledger_->Register("new", "3").ok());
  EXPECT_EQ((*ledger_->Get("new"))->state, "done");
  EXPECT_EQ(ledger_->Register("a", "3").code(), Code::kFailedPrecondition);
  auto counts = ledger_->CountByVersion();
  ASSERT_TRUE(counts.ok());
  EXPECT_EQ((*counts)["3"], 1);
  EXPECT_EQ((*counts)[""], 1);
}

}  // namespace
}  // namespace ferry
