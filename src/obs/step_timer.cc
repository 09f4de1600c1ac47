#include "obs/step_timer.h"

namespace ferry {

StepTimer::Step StepTimer::Begin(std::string name) {
  size_t index;
  {
    std::lock_guard<std::mutex> lock(mu_);
    index = records_.size();
    records_.push_back(Record{name, 0, false, true});
  }
  logger_->Info("step started", {{"step", name}});
  return Step(this, index, env_->Now());
}

std::vector<StepTimer::Record> StepTimer::Records() const {
  std::lock_guard<std::mutex> lock(mu_);
  return records_;
}

StepTimer::Step::Step(StepTimer* timer, size_t index, std::chrono::steady_clock::time_point start)
    : timer_(timer), index_(index), start_(start) {}

StepTimer::Step::Step(Step&& other) noexcept
    : timer_(other.timer_), index_(other.index_), start_(other.start_), done_(other.done_) {
  other.done_ = true;  // the moved-from step must not finish it again
}

StepTimer::Step::~Step() {
  if (!done_) (void)Finish();
}

double StepTimer::Step::ElapsedSeconds() const {
  return std::chrono::duration<double>(timer_->env_->Now() - start_).count();
}

Status StepTimer::Step::Finish(const Status& status) {
  if (done_) return status;
  done_ = true;
  double seconds = ElapsedSeconds();
  std::string name;
  {
    std::lock_guard<std::mutex> lock(timer_->mu_);
    Record& r = timer_->records_[index_];
    r.seconds = seconds;
    r.finished = true;
    r.ok = status.ok();
    name = r.name;
  }
  if (status.ok()) {
    timer_->logger_->Info("step finished", {{"step", name}, {"duration", LogDuration{seconds}}});
  } else {
    timer_->logger_->Error("step failed", {{"step", name},
                                           {"duration", LogDuration{seconds}},
                                           {"error", status.ToString()}});
  }
  return status;
}

}  // namespace ferry
