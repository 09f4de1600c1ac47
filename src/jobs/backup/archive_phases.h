// ArchivePhases: where an archive job's time goes, as one debug log line
// when the job ends ("archive create phases copy=1.2s hash+compress=2.3s
// ..."). One line rather than a line per step, because the phases are
// short and what a reader wants is their proportion. Costs two clock reads
// per phase; does nothing without a logger or below debug level.
#pragma once

#include <string>

#include "ferry/env.h"
#include "obs/logger.h"

namespace ferry {

class ArchivePhases {
 public:
  // `logger` may be null. Both are borrowed.
  ArchivePhases(Env* env, Logger* logger, std::string what)
      : env_(env),
        logger_(logger != nullptr && logger->Enabled(LogLevel::kDebug) ? logger : nullptr),
        what_(std::move(what)),
        start_(env->Now()),
        last_(start_) {}
  ~ArchivePhases() {
    if (logger_ == nullptr) return;
    fields_.push_back({"total", env_->Now() - start_});
    logger_->Debug(what_ + " phases", fields_);
  }
  ArchivePhases(const ArchivePhases&) = delete;
  ArchivePhases& operator=(const ArchivePhases&) = delete;

  // Ends the phase that ran since the previous Mark (or construction).
  void Mark(const char* phase) {
    if (logger_ == nullptr) return;
    auto now = env_->Now();
    fields_.push_back({phase, now - last_});
    last_ = now;
  }

 private:
  Env* env_;
  Logger* logger_;
  std::string what_;
  std::chrono::steady_clock::time_point start_, last_;
  LogFields fields_;
};

}  // namespace ferry
