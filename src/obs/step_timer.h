// StepTimer: a job as a list of named, timed steps (as mold's Timer does).
//
//   StepTimer steps(env, &logger);
//   {
//     auto step = steps.Begin("copy rows");   // INFO step started step="copy rows"
//     ... work ...
//     step.Finish(status);                      // INFO step finished step="copy rows" duration=1.2s
//   }                                           // (or at scope exit, as a success)
//   steps.Records();                            // names, durations, outcomes, in order
//
// A failed step logs at error level with error=<status>. Durations come from
// env->Now(), so tests can use a manual clock.
//
// Thread-safety: Begin() and Records() may be called from many threads; one
// Step belongs to the thread that runs it. The StepTimer must outlive its
// Steps.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "obs/logger.h"

namespace ferry {

class StepTimer {
 public:
  struct Record {
    std::string name;
    double seconds = 0;  // 0 while running
    bool finished = false;
    bool ok = true;
  };

  class Step {
   public:
    Step(Step&& other) noexcept;
    Step& operator=(Step&&) = delete;
    Step(const Step&) = delete;
    Step& operator=(const Step&) = delete;
    // Finishes as a success unless Finish() was called.
    ~Step();

    // Logs the step's end with its duration; a non-OK status logs it as
    // failed. Only the first call counts. Returns status, so a job can write
    //   return step.Finish(CopyRows(...));
    Status Finish(const Status& status = Status::OK());
    double ElapsedSeconds() const;

   private:
    friend class StepTimer;
    Step(StepTimer* timer, size_t index, std::chrono::steady_clock::time_point start);
    StepTimer* timer_;
    size_t index_;
    std::chrono::steady_clock::time_point start_;
    bool done_ = false;
  };

  // env and logger are borrowed and must outlive the timer.
  StepTimer(Env* env, Logger* logger) : env_(env), logger_(logger) {}

  [[nodiscard]] Step Begin(std::string name);
  std::vector<Record> Records() const;

 private:
  Env* const env_;
  Logger* const logger_;
  mutable std::mutex mu_;
  std::vector<Record> records_;  // GUARDED_BY(mu_)
};

}  // namespace ferry
