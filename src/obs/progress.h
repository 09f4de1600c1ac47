// ProgressReporter: counts a long job's items and reports how it goes.
//
//   ProgressReporter progress(env, &logger, {});
//   progress.Start();                       // "starting migration"
//   ... workers: progress.AddFound(); progress.AddProcessed(); progress.AddSucceeded();
//   progress.Finish();                      // "migration completed ..."
//
// Every `interval` (5 s by default) a background thread logs
//   INFO migration progress found=1523 processed=1523 succeeded=1520 failed=3 skipped=0 elapsed=15s rate=101.53
// and Finish() logs
//   INFO migration completed found=10000 processed=10000 succeeded=9987 failed=13 skipped=0 duration=98.5s rate=101.52
// (rate = items processed per second since Start, as in the ncps narinfo
// migration guide). When the total is known, total= is added to both.
//
// When the logger's output is a terminal it also keeps a one-line live bar
// (percent and ETA when the total is known), redrawn a few times a second and
// erased before each log line; never when the output is not a terminal.
//
// Time: elapsed, rate and "is a line due" use env->Now(), so tests drive the
// reporter with a manual clock and Poll()/Tick() instead of the thread (set
// background = kOff). The background thread waits in real time between polls.
//
// Thread-safety: the Add* counters are atomics, cheap to bump from any
// thread; the other methods may also be called from any thread.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "ferry/env.h"
#include "obs/logger.h"

namespace ferry {

enum class ProgressThread { kOn, kOff };

struct ProgressOptions {
  // Names the job in messages: "<operation> progress", "<operation> completed".
  std::string operation = "migration";
  std::chrono::milliseconds interval = std::chrono::seconds(5);
  std::chrono::milliseconds bar_interval = std::chrono::milliseconds(250);
  std::optional<uint64_t> total;  // when known; SetTotal() may give it later
  ProgressThread background = ProgressThread::kOn;
};

struct ProgressSnapshot {
  uint64_t found = 0;
  uint64_t processed = 0;
  uint64_t succeeded = 0;
  uint64_t failed = 0;
  uint64_t skipped = 0;
  std::optional<uint64_t> total;
  double elapsed_seconds = 0;
  double rate = 0;  // processed per second, rounded to 2 decimals
};

class ProgressReporter {
 public:
  // env and logger are borrowed and must outlive the reporter.
  ProgressReporter(Env* env, Logger* logger, ProgressOptions options = {});
  // Stops the thread and erases the bar; logs nothing (call Finish() for the
  // summary line).
  ~ProgressReporter();
  ProgressReporter(const ProgressReporter&) = delete;
  ProgressReporter& operator=(const ProgressReporter&) = delete;

  // Restarts the clock, logs "starting <operation>" and starts the thread
  // (unless background is kOff). Call at most once.
  void Start();

  void AddFound(uint64_t n = 1) { found_.fetch_add(n, std::memory_order_relaxed); }
  void AddProcessed(uint64_t n = 1) { processed_.fetch_add(n, std::memory_order_relaxed); }
  void AddSucceeded(uint64_t n = 1) { succeeded_.fetch_add(n, std::memory_order_relaxed); }
  void AddFailed(uint64_t n = 1) { failed_.fetch_add(n, std::memory_order_relaxed); }
  void AddSkipped(uint64_t n = 1) { skipped_.fetch_add(n, std::memory_order_relaxed); }
  void SetTotal(uint64_t total);

  ProgressSnapshot Snapshot() const;

  // Logs a progress line now and redraws the bar.
  void Tick();
  // Logs a progress line if `interval` has passed (by env->Now()) since the
  // last one (or since Start), and redraws the bar. What the thread calls.
  void Poll();
  // Stops the thread, erases the bar and logs "<operation> completed".
  // Later calls return the same snapshot and log nothing.
  ProgressSnapshot Finish();

  // The live bar's text for a snapshot, e.g.
  //   [#########...........] 45.0% 4500/10000 failed=3 101.5/s ETA 54s
  static std::string BarText(const ProgressSnapshot& s);

 private:
  void Report(const ProgressSnapshot& s);  // logs one progress line
  void DrawBar(const ProgressSnapshot& s);
  void StopThread();
  void Run();

  Env* const env_;
  Logger* const logger_;
  const ProgressOptions options_;

  std::atomic<uint64_t> found_{0}, processed_{0}, succeeded_{0}, failed_{0}, skipped_{0};
  std::atomic<int64_t> total_{-1};  // -1 = unknown

  mutable std::mutex mu_;
  std::chrono::steady_clock::time_point start_;        // GUARDED_BY(mu_)
  std::chrono::steady_clock::time_point last_report_;  // GUARDED_BY(mu_)
  bool finished_ = false;                              // GUARDED_BY(mu_)
  ProgressSnapshot final_;                             // GUARDED_BY(mu_)
  bool stop_ = false;                                  // GUARDED_BY(mu_)
  std::condition_variable cv_;
  std::thread thread_;
};

}  // namespace ferry
