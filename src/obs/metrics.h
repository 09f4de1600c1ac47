// MetricsRegistry: counters, gauges and histograms with labels, exposed in
// the Prometheus text format (version 0.0.4).
//
//   MetricsRegistry registry;
//   Counter ok = registry.Counter("ferry_migration_items_total", "Items migrated.",
//                                 {{"operation", "migrate"}, {"result", "success"}});
//   ok.Inc();                                   // cheap: one atomic add
//   Histogram d = registry.Histogram("ferry_migration_duration_seconds", "Time per item.");
//   d.Observe(0.042);
//   std::string text = registry.TextExposition();
//
// Registering looks the series up under a mutex, once; keep the handle and
// bump it from any thread. Asking again for the same name and labels returns a
// handle to the same series. Labels may be given in any order.
//
// Handles are small values that point into the registry: they stay valid as
// long as the registry lives. A default-constructed handle does nothing.
//
// Misuse (an invalid metric or label name, the same name registered as two
// types, with another help text or other buckets, or another set of label
// names) is a bug of ours, but not one worth stopping a migration for: the
// call returns a working handle that is never exported, and FirstError() says
// what went wrong (tests check it is OK).
//
// Exposition order is deterministic: families by name, series by label values.
// Each sample is read atomically, but a scrape is not a snapshot across
// samples (a histogram's _count may lag its _sum by an observation in flight),
// as in the official Prometheus clients.
//
// Thread-safety: everything may be called from many threads.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

using MetricLabels = std::vector<std::pair<std::string, std::string>>;

namespace metrics_internal {
struct ScalarCell {
  std::atomic<double> value{0};
};
struct HistogramCell {
  explicit HistogramCell(std::vector<double> b);
  std::vector<double> bounds;  // sorted upper bounds, +Inf excluded
  std::unique_ptr<std::atomic<uint64_t>[]> counts;  // bounds.size() + 1 slots
  std::atomic<double> sum{0};
};
}  // namespace metrics_internal

// A value that only goes up (items done, bytes copied).
class Counter {
 public:
  Counter() = default;
  // Adds v; negative or NaN values are ignored (a counter never goes down).
  void Inc(double v = 1) const;
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Counter(metrics_internal::ScalarCell* c) : cell_(c) {}
  metrics_internal::ScalarCell* cell_ = nullptr;
};

// A value that goes up and down (workers busy, rows left).
class Gauge {
 public:
  Gauge() = default;
  void Set(double v) const;
  void Inc(double v = 1) const;
  void Dec(double v = 1) const { Inc(-v); }
  double Value() const;

 private:
  friend class MetricsRegistry;
  explicit Gauge(metrics_internal::ScalarCell* c) : cell_(c) {}
  metrics_internal::ScalarCell* cell_ = nullptr;
};

// Counts observations into buckets (durations, batch sizes).
class Histogram {
 public:
  Histogram() = default;
  // Counts v in the first bucket whose upper bound is >= v (Prometheus "le").
  void Observe(double v) const;
  uint64_t Count() const;
  double Sum() const;

 private:
  friend class MetricsRegistry;
  explicit Histogram(metrics_internal::HistogramCell* c) : cell_(c) {}
  metrics_internal::HistogramCell* cell_ = nullptr;
};

// Bucket upper bounds for durations in seconds, from 5 ms to 10 min.
std::vector<double> DefaultSecondsBuckets();
// start, start*factor, ... (count bounds). For sizes: ExponentialBuckets(1, 2, 16).
std::vector<double> ExponentialBuckets(double start, double factor, int count);
// start, start+width, ... (count bounds).
std::vector<double> LinearBuckets(double start, double width, int count);

class MetricsRegistry {
 public:
  MetricsRegistry();
  ~MetricsRegistry();
  MetricsRegistry(const MetricsRegistry&) = delete;
  MetricsRegistry& operator=(const MetricsRegistry&) = delete;

  ferry::Counter Counter(std::string_view name, std::string_view help,
                         const MetricLabels& labels = {});
  ferry::Gauge Gauge(std::string_view name, std::string_view help,
                     const MetricLabels& labels = {});
  // Empty buckets means DefaultSecondsBuckets(). Bounds are sorted and
  // de-duplicated; a +Inf bound is implied and dropped if given.
  ferry::Histogram Histogram(std::string_view name, std::string_view help,
                             const MetricLabels& labels = {}, std::vector<double> buckets = {});

  // Every series in the Prometheus text format 0.0.4.
  std::string TextExposition() const;

  // Writes TextExposition() to path atomically (temp file, sync, rename), as
  // the node_exporter textfile collector needs (name the file *.prom).
  // On failure the old file, if any, is left as it was.
  Status WriteTextFile(Env* env, const std::string& path) const;

  // The first misuse seen (see above); OK when there was none.
  Status FirstError() const;

  // The Content-Type of TextExposition() for HTTP.
  static constexpr std::string_view kContentType = "text/plain; version=0.0.4; charset=utf-8";

 private:
  enum class Type { kCounter, kGauge, kHistogram };
  struct Family;
  Family* FindOrAddFamily(std::string_view name, std::string_view help, Type type,
                          const MetricLabels& sorted_labels, const std::vector<double>& buckets,
                          std::string* error);  // requires mu_
  void RecordError(std::string error);           // requires mu_
  metrics_internal::ScalarCell* Scalar(std::string_view name, std::string_view help, Type type,
                                       const MetricLabels& labels);

  mutable std::mutex mu_;
  std::map<std::string, std::unique_ptr<Family>, std::less<>> families_;  // GUARDED_BY(mu_)
  // Cells handed out on misuse: they work but are never exported.
  std::vector<std::unique_ptr<metrics_internal::ScalarCell>> detached_scalars_;     // GUARDED_BY(mu_)
  std::vector<std::unique_ptr<metrics_internal::HistogramCell>> detached_hists_;  // GUARDED_BY(mu_)
  Status first_error_;  // GUARDED_BY(mu_)
};

}  // namespace ferry
