// ManualClockEnv: Env::Default() with a clock that moves only when told.
// Files and everything else go to the real Env.
#pragma once

#include <chrono>
#include <mutex>

#include "ferry/env.h"

namespace ferry::testing {

class ManualClockEnv : public Env {
 public:
  ManualClockEnv()
      : now_(std::chrono::steady_clock::time_point{} + std::chrono::hours(1)),
        // 2026-11-22T00:09:11.123Z
        wall_(std::chrono::system_clock::time_point{std::chrono::milliseconds(1795306151123LL)}) {}

  void Advance(std::chrono::milliseconds d) {
    std::lock_guard<std::mutex> lock(mu_);
    now_ += d;
    wall_ += d;
  }

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
  std::chrono::steady_clock::time_point Now() override {
    std::lock_guard<std::mutex> lock(mu_);
    return now_;
  }
  std::chrono::system_clock::time_point WallNow() override {
    std::lock_guard<std::mutex> lock(mu_);
    return wall_;
  }
  void SleepFor(std::chrono::microseconds d) override {
    Advance(std::chrono::duration_cast<std::chrono::milliseconds>(d));
  }
  uint64_t Random64() override { return base_->Random64(); }
  std::optional<std::string> GetEnv(const std::string& n) override { return base_->GetEnv(n); }
  std::string HostName() override { return base_->HostName(); }
  int ProcessId() override { return base_->ProcessId(); }

 private:
  Env* base_ = Env::Default();
  std::mutex mu_;
  std::chrono::steady_clock::time_point now_;
  std::chrono::system_clock::time_point wall_;
};

}  // namespace ferry::testing
