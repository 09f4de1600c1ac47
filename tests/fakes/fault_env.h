// FaultEnv: the real Env, except that the Nth WritableFile::Append (counted
// over every file it opens) fails with an error of our choosing, by default
// ENOSPC's "No space left on device" naming the file — for fault loops
// (LevelDB fault_injection_test.cc style: N = 1, 2, ... until none fires).
// When `persistent`, every later append fails too, as a full disk would.
// Thread-safe (a mutex around the counter).
#pragma once

#include <memory>
#include <mutex>
#include <string>

#include "ferry/env.h"

namespace ferry::testing {

class FaultEnv final : public Env {
 public:
  FaultEnv() = default;

  // 0 = never fail.
  void FailAppend(int nth, bool persistent) {
    std::lock_guard<std::mutex> l(mu_);
    fail_at_ = nth;
    persistent_ = persistent;
    count_ = 0;
    fired_ = false;
  }
  bool fired() const {
    std::lock_guard<std::mutex> l(mu_);
    return fired_;
  }
  int appends() const {
    std::lock_guard<std::mutex> l(mu_);
    return count_;
  }

  Result<std::unique_ptr<WritableFile>> NewWritableFile(const std::string& path,
                                                        FileMode mode) override {
    FERRY_ASSIGN_OR_RETURN(auto inner, base_->NewWritableFile(path, mode));
    return std::unique_ptr<WritableFile>(std::make_unique<File>(this, std::move(inner), path));
  }
  Status RenameFile(const std::string& f, const std::string& t) override {
    return base_->RenameFile(f, t);
  }
  Status SyncDir(const std::string& d) override { return base_->SyncDir(d); }

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
  std::chrono::system_clock::time_point WallNow() override { return base_->WallNow(); }
  void SleepFor(std::chrono::microseconds d) override { base_->SleepFor(d); }
  uint64_t Random64() override { return base_->Random64(); }
  std::optional<std::string> GetEnv(const std::string& n) override { return base_->GetEnv(n); }
  std::string HostName() override { return base_->HostName(); }
  int ProcessId() override { return base_->ProcessId(); }

 private:
  class File final : public WritableFile {
   public:
    File(FaultEnv* env, std::unique_ptr<WritableFile> inner, std::string path)
        : env_(env), inner_(std::move(inner)), path_(std::move(path)) {}
    Status Append(std::string_view data) override {
      if (env_->Tick()) return IOError(path_ + ": No space left on device (injected)");
      return inner_->Append(data);
    }
    Status Sync() override { return inner_->Sync(); }
    Status Close() override { return inner_->Close(); }

   private:
    FaultEnv* env_;
    std::unique_ptr<WritableFile> inner_;
    std::string path_;
  };

  // Whether this append fails.
  bool Tick() {
    std::lock_guard<std::mutex> l(mu_);
    ++count_;
    if (fail_at_ > 0 && (count_ == fail_at_ || (persistent_ && count_ > fail_at_))) {
      fired_ = true;
      return true;
    }
    return false;
  }

  Env* base_ = Env::Default();
  mutable std::mutex mu_;
  int fail_at_ = 0;
  bool persistent_ = false;
  int count_ = 0;
  bool fired_ = false;
};

}  // namespace ferry::testing
