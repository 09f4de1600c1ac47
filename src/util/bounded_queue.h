// BoundedQueue: a blocking multi-producer multi-consumer FIFO with a fixed
// capacity, the back-pressure between ingest's pipeline stages.
//
// Push() blocks while the queue is full, Pop() while it is empty. Close()
// ends the stream: Push() then returns false (the item is dropped), and Pop()
// drains what is left and then returns nullopt. Because every stage waits on
// the next one, the number of objects in flight is bounded by the sum of the
// capacities, whatever the size of the store: memory stays flat.
//
// Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <deque>
#include <mutex>
#include <optional>

namespace ferry {

template <typename T>
class BoundedQueue {
 public:
  explicit BoundedQueue(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // False (and `item` dropped) when the queue was closed.
  bool Push(T item) {
    std::unique_lock<std::mutex> l(mu_);
    not_full_.wait(l, [&] { return closed_ || items_.size() < capacity_; });
    if (closed_) return false;
    items_.push_back(std::move(item));
    not_empty_.notify_one();
    return true;
  }

  // The next item; nullopt once the queue is closed and empty.
  std::optional<T> Pop() {
    std::unique_lock<std::mutex> l(mu_);
    not_empty_.wait(l, [&] { return closed_ || !items_.empty(); });
    return TakeLocked();
  }

  // Like Pop(), but gives up after `wait` (nullopt; check closed_and_empty()).
  std::optional<T> PopFor(std::chrono::milliseconds wait) {
    std::unique_lock<std::mutex> l(mu_);
    not_empty_.wait_for(l, wait, [&] { return closed_ || !items_.empty(); });
    return TakeLocked();
  }

  void Close() {
    std::lock_guard<std::mutex> l(mu_);
    closed_ = true;
    not_empty_.notify_all();
    not_full_.notify_all();
  }

  bool closed_and_empty() {
    std::lock_guard<std::mutex> l(mu_);
    return closed_ && items_.empty();
  }

 private:
  std::optional<T> TakeLocked() {
    if (items_.empty()) return std::nullopt;
    T item = std::move(items_.front());
    items_.pop_front();
    not_full_.notify_one();
    return item;
  }

  const size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_empty_, not_full_;
  std::deque<T> items_;  // GUARDED_BY(mu_)
  bool closed_ = false;  // GUARDED_BY(mu_)
};

}  // namespace ferry
