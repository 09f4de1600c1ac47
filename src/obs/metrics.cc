#include "obs/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

namespace ferry {

namespace metrics_internal {
HistogramCell::HistogramCell(std::vector<double> b)
    : bounds(std::move(b)), counts(new std::atomic<uint64_t>[bounds.size() + 1]) {
  for (size_t i = 0; i <= bounds.size(); ++i) counts[i].store(0, std::memory_order_relaxed);
}
}  // namespace metrics_internal

using metrics_internal::HistogramCell;
using metrics_internal::ScalarCell;

void Counter::Inc(double v) const {
  if (cell_ == nullptr || !(v >= 0)) return;
  cell_->value.fetch_add(v, std::memory_order_relaxed);
}
double Counter::Value() const { return cell_ ? cell_->value.load(std::memory_order_relaxed) : 0; }

void Gauge::Set(double v) const {
  if (cell_ != nullptr) cell_->value.store(v, std::memory_order_relaxed);
}
void Gauge::Inc(double v) const {
  if (cell_ != nullptr) cell_->value.fetch_add(v, std::memory_order_relaxed);
}
double Gauge::Value() const { return cell_ ? cell_->value.load(std::memory_order_relaxed) : 0; }

void Histogram::Observe(double v) const {
  if (cell_ == nullptr) return;
  const auto& b = cell_->bounds;
  size_t i = static_cast<size_t>(std::lower_bound(b.begin(), b.end(), v) - b.begin());
  cell_->counts[i].fetch_add(1, std::memory_order_relaxed);
  cell_->sum.fetch_add(v, std::memory_order_relaxed);
}
uint64_t Histogram::Count() const {
  if (cell_ == nullptr) return 0;
  uint64_t n = 0;
  for (size_t i = 0; i <= cell_->bounds.size(); ++i) n += cell_->counts[i].load();
  return n;
}
double Histogram::Sum() const { return cell_ ? cell_->sum.load() : 0; }

std::vector<double> DefaultSecondsBuckets() {
  return {0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 600};
}

std::vector<double> ExponentialBuckets(double start, double factor, int count) {
  std::vector<double> out;
  double v = start;
  for (int i = 0; i < count; ++i, v *= factor) out.push_back(v);
  return out;
}

std::vector<double> LinearBuckets(double start, double width, int count) {
  std::vector<double> out;
  for (int i = 0; i < count; ++i) out.push_back(start + width * i);
  return out;
}

struct MetricsRegistry::Family {
  std::string help;
  Type type;
  std::vector<std::string> label_names;  // sorted
  std::vector<double> buckets;           // histograms only
  // Keyed by label values in label_names order: deterministic exposition.
  std::map<std::vector<std::string>, std::unique_ptr<ScalarCell>> scalars;
  std::map<std::vector<std::string>, std::unique_ptr<HistogramCell>> hists;
};

namespace {

bool ValidMetricName(std::string_view s) {
  if (s.empty()) return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || c == ':' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

bool ValidLabelName(std::string_view s) {
  if (s.empty() || s.substr(0, 2) == "__" || s == "le" || s == "quantile") return false;
  for (size_t i = 0; i < s.size(); ++i) {
    char c = s[i];
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
              (i > 0 && c >= '0' && c <= '9');
    if (!ok) return false;
  }
  return true;
}

// Sorts labels by name; an error for invalid or repeated names.
std::string SortLabels(const MetricLabels& in, MetricLabels* out) {
  *out = in;
  std::sort(out->begin(), out->end());
  for (size_t i = 0; i < out->size(); ++i) {
    if (!ValidLabelName((*out)[i].first)) return "invalid label name \"" + (*out)[i].first + "\"";
    if (i > 0 && (*out)[i].first == (*out)[i - 1].first)
      return "label \"" + (*out)[i].first + "\" given twice";
  }
  return "";
}

std::vector<double> NormalizeBuckets(std::vector<double> b) {
  if (b.empty()) b = DefaultSecondsBuckets();
  b.erase(std::remove_if(b.begin(), b.end(), [](double x) { return std::isnan(x) || std::isinf(x); }),
          b.end());
  std::sort(b.begin(), b.end());
  b.erase(std::unique(b.begin(), b.end()), b.end());
  return b;
}

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", v);
}

std::string EscapeHelp(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

std::string EscapeLabelValue(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c == '\\') out += "\\\\";
    else if (c == '"') out += "\\\"";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

// {a="x",b="y"} with an optional extra pair (le) last; "" when empty.
std::string LabelText(const std::vector<std::string>& names, const std::vector<std::string>& values,
                      const char* extra_name = nullptr, const std::string& extra_value = "") {
  if (names.empty() && extra_name == nullptr) return "";
  std::string out = "{";
  for (size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += ',';
    out += names[i] + "=\"" + EscapeLabelValue(values[i]) + "\"";
  }
  if (extra_name != nullptr) {
    if (!names.empty()) out += ',';
    out += std::string(extra_name) + "=\"" + EscapeLabelValue(extra_value) + "\"";
  }
  out += '}';
  return out;
}

const char* TypeName(int t) {
  switch (t) {
    case 0: return "counter";
    case 1: return "gauge";
    default: return "histogram";
  }
}

}  // namespace

MetricsRegistry::MetricsRegistry() = default;
MetricsRegistry::~MetricsRegistry() = default;

void MetricsRegistry::RecordError(std::string error) {
  if (first_error_.ok()) first_error_ = InvalidArgument("metrics: " + std::move(error));
}

Status MetricsRegistry::FirstError() const {
  std::lock_guard<std::mutex> lock(mu_);
  return first_error_;
}

MetricsRegistry::Family* MetricsRegistry::FindOrAddFamily(std::string_view name,
                                                          std::string_view help, Type type,
                                                          const MetricLabels& sorted_labels,
                                                          const std::vector<double>& buckets,
                                                          std::string* error) {
  std::string n(name);
  if (!ValidMetricName(name)) {
    *error = "invalid metric name \"" + n + "\"";
    return nullptr;
  }
  std::vector<std::string> label_names;
  for (const auto& [k, v] : sorted_labels) label_names.push_back(k);
  auto it = families_.find(name);
  if (it == families_.end()) {
    auto f = std::make_unique<Family>();
    f->help = std::string(help);
    f->type = type;
    f->label_names = std::move(label_names);
    f->buckets = buckets;
    return families_.emplace(n, std::move(f)).first->second.get();
  }
  Family* f = it->second.get();
  if (f->type != type) {
    *error = n + " registered as " + TypeName(static_cast<int>(f->type)) + " and as " +
             TypeName(static_cast<int>(type));
  } else if (f->help != help) {
    *error = n + " registered with two help texts";
  } else if (f->label_names != label_names) {
    *error = n + " registered with two sets of label names";
  } else if (f->buckets != buckets) {
    *error = n + " registered with two sets of buckets";
  }
  return error->empty() ? f : nullptr;
}

ScalarCell* MetricsRegistry::Scalar(std::string_view name, std::string_view help, Type type,
                                    const MetricLabels& labels) {
  MetricLabels sorted;
  std::string error = SortLabels(labels, &sorted);
  std::lock_guard<std::mutex> lock(mu_);
  Family* f = error.empty() ? FindOrAddFamily(name, help, type, sorted, {}, &error) : nullptr;
  if (f == nullptr) {
    RecordError(error);
    detached_scalars_.push_back(std::make_unique<ScalarCell>());
    return detached_scalars_.back().get();
  }
  std::vector<std::string> key;
  for (const auto& [k, v] : sorted) key.push_back(v);
  auto& cell = f->scalars[key];
  if (!cell) cell = std::make_unique<ScalarCell>();
  return cell.get();
}

ferry::Counter MetricsRegistry::Counter(std::string_view name, std::string_view help,
                                        const MetricLabels& labels) {
  return ferry::Counter(Scalar(name, help, Type::kCounter, labels));
}

ferry::Gauge MetricsRegistry::Gauge(std::string_view name, std::string_view help,
                                    const MetricLabels& labels) {
  return ferry::Gauge(Scalar(name, help, Type::kGauge, labels));
}

ferry::Histogram MetricsRegistry::Histogram(std::string_view name, std::string_view help,
                                            const MetricLabels& labels,
                                            std::vector<double> buckets) {
  buckets = NormalizeBuckets(std::move(buckets));
  MetricLabels sorted;
  std::string error = SortLabels(labels, &sorted);
  std::lock_guard<std::mutex> lock(mu_);
  Family* f =
      error.empty() ? FindOrAddFamily(name, help, Type::kHistogram, sorted, buckets, &error) : nullptr;
  if (f == nullptr) {
    RecordError(error);
    detached_hists_.push_back(std::make_unique<HistogramCell>(buckets));
    return ferry::Histogram(detached_hists_.back().get());
  }
  std::vector<std::string> key;
  for (const auto& [k, v] : sorted) key.push_back(v);
  auto& cell = f->hists[key];
  if (!cell) cell = std::make_unique<HistogramCell>(buckets);
  return ferry::Histogram(cell.get());
}

std::string MetricsRegistry::TextExposition() const {
  std::string out;
  std::lock_guard<std::mutex> lock(mu_);
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + EscapeHelp(f->help) + "\n";
    out += "# TYPE " + name + " " + TypeName(static_cast<int>(f->type)) + "\n";
    for (const auto& [values, cell] : f->scalars) {
      out += name + LabelText(f->label_names, values) + " " +
             FormatValue(cell->value.load(std::memory_order_relaxed)) + "\n";
    }
    for (const auto& [values, cell] : f->hists) {
      uint64_t cumulative = 0;
      for (size_t i = 0; i <= cell->bounds.size(); ++i) {
        cumulative += cell->counts[i].load(std::memory_order_relaxed);
        std::string le = i < cell->bounds.size() ? FormatValue(cell->bounds[i]) : "+Inf";
        out += name + "_bucket" + LabelText(f->label_names, values, "le", le) + " " +
               std::to_string(cumulative) + "\n";
      }
      out += name + "_sum" + LabelText(f->label_names, values) + " " +
             FormatValue(cell->sum.load(std::memory_order_relaxed)) + "\n";
      out += name + "_count" + LabelText(f->label_names, values) + " " +
             std::to_string(cumulative) + "\n";
    }
  }
  return out;
}

Status MetricsRegistry::WriteTextFile(Env* env, const std::string& path) const {
  Status s = env->WriteFileAtomic(path, TextExposition());
  return s.ok() ? s : s.WithContext("metrics: writing " + path);
}

}  // namespace ferry
