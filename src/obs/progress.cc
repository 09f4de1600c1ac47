#include "obs/progress.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ferry {

namespace {

double Round2(double v) { return std::round(v * 100.0) / 100.0; }

}  // namespace

ProgressReporter::ProgressReporter(Env* env, Logger* logger, ProgressOptions options)
    : env_(env), logger_(logger), options_(std::move(options)) {
  if (options_.total) total_.store(static_cast<int64_t>(*options_.total));
  start_ = env_->Now();
  last_report_ = start_;
}

ProgressReporter::~ProgressReporter() {
  StopThread();
  logger_->ClearStatusLine();
}

void ProgressReporter::Start() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    start_ = env_->Now();
    last_report_ = start_;
  }
  LogFields fields;
  if (auto t = total_.load(); t >= 0) fields.push_back({"total", static_cast<uint64_t>(t)});
  logger_->Info("starting " + options_.operation, fields);
  if (options_.background == ProgressThread::kOn && !thread_.joinable()) {
    thread_ = std::thread([this] { Run(); });
  }
}

void ProgressReporter::SetTotal(uint64_t total) { total_.store(static_cast<int64_t>(total)); }

ProgressSnapshot ProgressReporter::Snapshot() const {
  ProgressSnapshot s;
  s.found = found_.load(std::memory_order_relaxed);
  s.processed = processed_.load(std::memory_order_relaxed);
  s.succeeded = succeeded_.load(std::memory_order_relaxed);
  s.failed = failed_.load(std::memory_order_relaxed);
  s.skipped = skipped_.load(std::memory_order_relaxed);
  if (auto t = total_.load(); t >= 0) s.total = static_cast<uint64_t>(t);
  std::chrono::steady_clock::time_point start;
  {
    std::lock_guard<std::mutex> lock(mu_);
    start = start_;
  }
  s.elapsed_seconds = std::max(0.0, std::chrono::duration<double>(env_->Now() - start).count());
  s.rate = s.elapsed_seconds > 0 ? Round2(static_cast<double>(s.processed) / s.elapsed_seconds) : 0;
  return s;
}

void ProgressReporter::Report(const ProgressSnapshot& s) {
  LogFields fields = {{"found", s.found},
                      {"processed", s.processed},
                      {"succeeded", s.succeeded},
                      {"failed", s.failed},
                      {"skipped", s.skipped},
                      // Whole seconds, as in the guide: elapsed=15s.
                      {"elapsed", LogDuration{std::round(s.elapsed_seconds)}},
                      {"rate", s.rate}};
  if (s.total) fields.push_back({"total", *s.total});
  logger_->Info(options_.operation + " progress", fields);
}

void ProgressReporter::Tick() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    last_report_ = env_->Now();
  }
  ProgressSnapshot s = Snapshot();
  Report(s);
  DrawBar(s);
}

void ProgressReporter::Poll() {
  bool due;
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return;
    auto now = env_->Now();
    due = now - last_report_ >= options_.interval;
    if (due) last_report_ = now;
  }
  ProgressSnapshot s = Snapshot();
  if (due) Report(s);
  DrawBar(s);
}

ProgressSnapshot ProgressReporter::Finish() {
  StopThread();
  ProgressSnapshot s = Snapshot();
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (finished_) return final_;
    finished_ = true;
    final_ = s;
  }
  logger_->ClearStatusLine();
  LogFields fields = {{"found", s.found},
                      {"processed", s.processed},
                      {"succeeded", s.succeeded},
                      {"failed", s.failed},
                      {"skipped", s.skipped},
                      {"duration", LogDuration{s.elapsed_seconds}},
                      {"rate", s.rate}};
  if (s.total) fields.push_back({"total", *s.total});
  logger_->Info(options_.operation + " completed", fields);
  return s;
}

std::string ProgressReporter::BarText(const ProgressSnapshot& s) {
  std::string rate = fmt::format("{:.1f}/s", s.rate);
  std::string tail;
  if (s.failed > 0) tail += fmt::format(" failed={}", s.failed);
  if (s.skipped > 0) tail += fmt::format(" skipped={}", s.skipped);
  if (s.total && *s.total > 0) {
    double frac = std::min(1.0, static_cast<double>(s.processed) / static_cast<double>(*s.total));
    constexpr int kWidth = 20;
    int filled = static_cast<int>(frac * kWidth);
    // Built with fmt, not operator+ chains: GCC 12 -O3 misreports those as
    // overlapping memcpy (-Wrestrict).
    std::string bar = fmt::format("[{:#<{}}{:.<{}}]", "", filled, "", kWidth - filled);
    std::string eta = "ETA ?";
    if (s.processed >= *s.total) {
      eta = "ETA 0s";
    } else if (s.rate > 0) {
      double left = static_cast<double>(*s.total - s.processed) / s.rate;
      eta = "ETA " + FormatSeconds(std::ceil(left));
    }
    return fmt::format("{} {:.1f}% {}/{}{} {} {}", bar, frac * 100.0, s.processed, *s.total, tail,
                       rate, eta);
  }
  return fmt::format("processed={} found={}{} {} elapsed {}", s.processed, s.found, tail, rate,
                     FormatSeconds(std::round(s.elapsed_seconds)));
}

void ProgressReporter::DrawBar(const ProgressSnapshot& s) {
  if (!logger_->StatusLineEnabled()) return;
  logger_->SetStatusLine(BarText(s));
}

void ProgressReporter::StopThread() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    stop_ = true;
  }
  cv_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void ProgressReporter::Run() {
  auto wait = options_.interval;
  if (logger_->StatusLineEnabled()) wait = std::min(wait, options_.bar_interval);
  if (wait <= std::chrono::milliseconds(0)) wait = std::chrono::milliseconds(1);
  std::unique_lock<std::mutex> lock(mu_);
  while (!stop_) {
    cv_.wait_for(lock, wait, [this] { return stop_; });
    if (stop_) break;
    lock.unlock();
    Poll();
    lock.lock();
  }
}

}  // namespace ferry
