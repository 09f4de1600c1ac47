#include "jobs/copy/verifier.h"

#include <array>
#include <cstdio>
#include <memory>
#include <set>

#include "jobs/copy/canonical.h"
#include "jobs/copy/copy_endpoint.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace ferry {
namespace {

constexpr size_t kBuckets = 256;
constexpr size_t kMaxDiffBuckets = 8;

struct Lanes {
  uint64_t hi = 0, lo = 0;
  int64_t rows = 0;
  bool operator==(const Lanes&) const = default;
};

uint64_t ParseHex64(std::string_view h) {
  uint64_t v = 0;
  for (char c : h) v = v * 16 + static_cast<uint64_t>(c <= '9' ? c - '0' : c - 'a' + 10);
  return v;
}

struct RowHash {
  uint64_t hi, lo;
  std::string key;  // canonical encoding of the key columns
};

class TableScanner {
 public:
  TableScanner(const TableSchema& schema, std::vector<std::string> key)
      : schema_(schema), key_(std::move(key)) {
    for (const auto& k : key_) key_idx_.push_back(static_cast<size_t>(schema_.ColumnIndex(k)));
  }

  RowHash Hash(const std::vector<Value>& row) const {
    std::string enc;
    for (size_t i = 0; i < row.size(); ++i) AppendCanonical(schema_.columns[i].type, row[i], &enc);
    std::string hex = Sha256Hex(enc);
    RowHash h{ParseHex64(std::string_view(hex).substr(0, 16)),
              ParseHex64(std::string_view(hex).substr(16, 16)), {}};
    if (key_idx_.empty()) {
      h.key = enc;  // no key: the whole row is its identity
    } else {
      for (size_t i : key_idx_) AppendCanonical(schema_.columns[i].type, row[i], &h.key);
    }
    return h;
  }

  static size_t Bucket(const std::string& key) {
    uint64_t x = 1469598103934665603ull;  // FNV-1a
    for (unsigned char c : key) x = (x ^ c) * 1099511628211ull;
    return static_cast<size_t>(x % kBuckets);
  }

  // Streams every row of `table` on `side`, calling fn(row, hash).
  template <typename Fn>
  Status Scan(CopyEndpoint* side, const std::string& table, size_t page, Fn fn) const {
    FERRY_ASSIGN_OR_RETURN(auto reader,
                           side->OpenReader(table, schema_.ColumnNames(), key_, page,
                                            CopyEndpoint::ReaderConnection::kShared));
    std::vector<std::vector<Value>> rows;
    for (;;) {
      FERRY_ASSIGN_OR_RETURN(bool more, reader->Next(&rows));
      if (!more) break;
      for (auto& r : rows) fn(r, Hash(r));
    }
    return Status::OK();
  }

  const std::vector<size_t>& key_idx() const { return key_idx_; }

 private:
  const TableSchema& schema_;
  std::vector<std::string> key_;
  std::vector<size_t> key_idx_;
};

std::string Hex128(const Lanes& l) {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(l.hi),
                static_cast<unsigned long long>(l.lo));
  return buf;
}

Status VerifyOne(CopyEndpoint* source, CopyEndpoint* target, const std::string& table,
                 const VerifyOptions& o, TableVerifyResult* out) {
  FERRY_ASSIGN_OR_RETURN(TableSchema schema, source->ReadSourceSchema(table, o.overrides));
  FERRY_ASSIGN_OR_RETURN(bool target_has, target->TableExists(table));
  if (!target_has) return NotFound("table " + table + " does not exist on the target");
  auto tschema = target->ReadTargetSchema(table);
  if (!tschema.ok()) return tschema.status();
  for (const auto& c : schema.columns)
    if (tschema->ColumnIndex(c.name) < 0)
      return InvalidArgument("column " + table + "." + c.name + " is missing on the target");
  std::vector<std::string> key = schema.primary_key;
  if (key.empty()) {
    auto it = o.order_by.find(table);
    if (it == o.order_by.end()) it = o.order_by.find("");
    if (it != o.order_by.end()) key = it->second;
  }
  for (const auto& k : key)
    if (schema.ColumnIndex(k) < 0)
      return InvalidArgument("--order-by " + table + "." + k + ": no such column");
  TableScanner scanner(schema, key);

  std::array<Lanes, kBuckets> sb{}, tb{};
  auto acc = [](std::array<Lanes, kBuckets>* b) {
    return [b](const std::vector<Value>&, const RowHash& h) {
      Lanes& l = (*b)[TableScanner::Bucket(h.key)];
      l.hi += h.hi;
      l.lo += h.lo;
      l.rows += 1;
    };
  };
  FERRY_RETURN_IF_ERROR(scanner.Scan(source, table, o.page_size, acc(&sb)).WithContext("source"));
  FERRY_RETURN_IF_ERROR(scanner.Scan(target, table, o.page_size, acc(&tb)).WithContext("target"));
  Lanes st, tt;
  std::vector<size_t> diff;
  for (size_t i = 0; i < kBuckets; ++i) {
    st.hi += sb[i].hi, st.lo += sb[i].lo, st.rows += sb[i].rows;
    tt.hi += tb[i].hi, tt.lo += tb[i].lo, tt.rows += tb[i].rows;
    if (!(sb[i] == tb[i])) diff.push_back(i);
  }
  out->source_rows = st.rows;
  out->target_rows = tt.rows;
  out->source_checksum = Hex128(st);
  out->target_checksum = Hex128(tt);
  if (diff.empty()) return Status::OK();
  // Make the checksums differ even in the (astronomically unlikely) case the
  // sums collide while buckets differ.
  if (out->source_checksum == out->target_checksum) out->target_checksum += "*";

  // Second pass: rows of the first differing buckets, by key.
  std::set<size_t> want(diff.begin(), diff.begin() + std::min(diff.size(), kMaxDiffBuckets));
  struct Seen {
    uint64_t hi, lo;
    std::string display;
  };
  std::map<std::string, Seen> src_rows;
  std::vector<std::string> key_cols = key.empty() ? schema.ColumnNames() : key;
  auto display = [&](const std::vector<Value>& row) {
    std::vector<Value> k;
    if (key.empty()) {
      k = row;
    } else {
      for (size_t i : scanner.key_idx()) k.push_back(row[i]);
    }
    return DisplayKey(key_cols, k);
  };
  FERRY_RETURN_IF_ERROR(scanner.Scan(source, table, o.page_size,
                                     [&](const std::vector<Value>& row, const RowHash& h) {
                                       if (!want.count(TableScanner::Bucket(h.key))) return;
                                       src_rows[h.key] = {h.hi, h.lo, display(row)};
                                     }));
  std::vector<std::string> samples;
  std::set<std::string> seen_on_target;
  FERRY_RETURN_IF_ERROR(scanner.Scan(
      target, table, o.page_size, [&](const std::vector<Value>& row, const RowHash& h) {
        if (!want.count(TableScanner::Bucket(h.key))) return;
        seen_on_target.insert(h.key);
        auto it = src_rows.find(h.key);
        if (samples.size() >= o.max_samples) return;
        if (it == src_rows.end()) {
          samples.push_back(display(row) + ": only on the target");
        } else if (it->second.hi != h.hi || it->second.lo != h.lo) {
          samples.push_back(display(row) + ": differs");
        }
      }));
  for (const auto& [k, s] : src_rows) {
    if (samples.size() >= o.max_samples) break;
    if (!seen_on_target.count(k)) samples.push_back(s.display + ": missing on the target");
  }
  out->samples = std::move(samples);
  return Status::OK();
}

}  // namespace

std::string VerifyReport::Summary() const {
  std::vector<std::string> bad;
  for (const auto& t : tables) {
    if (t.equal()) continue;
    std::string s = t.table + " (";
    if (!t.error.empty()) {
      s += t.error;
    } else {
      s += "rows " + std::to_string(t.source_rows) + " vs " + std::to_string(t.target_rows);
      if (t.source_checksum != t.target_checksum) s += ", checksums differ";
      for (const auto& sample : t.samples) s += "; " + sample;
    }
    bad.push_back(s + ")");
  }
  if (bad.empty()) return "all " + std::to_string(tables.size()) + " table(s) equal";
  return std::to_string(bad.size()) + " of " + std::to_string(tables.size()) +
         " table(s) differ: " + Join(bad, ", ");
}

Result<VerifyReport> VerifyEndpoints(CopyEndpoint* source, CopyEndpoint* target,
                                     const VerifyOptions& o, Logger* logger) {
  std::vector<std::string> tables = o.tables;
  if (tables.empty()) {
    FERRY_ASSIGN_OR_RETURN(tables, source->ListTables());
  }
  VerifyReport report;
  for (const auto& t : tables) {
    TableVerifyResult r;
    r.table = t;
    Status st = VerifyOne(source, target, t, o, &r);
    if (!st.ok()) r.error = st.message();
    if (logger)
      logger->Log(r.equal() ? LogLevel::kInfo : LogLevel::kWarn,
                  r.equal() ? "verified table" : "table differs",
                  {{"table", t},
                   {"source_rows", r.source_rows},
                   {"target_rows", r.target_rows},
                   {"checksum", r.source_checksum}});
    report.tables.push_back(std::move(r));
  }
  return report;
}

Result<VerifyReport> VerifyTables(Database* source, Database* target, const VerifyOptions& o,
                                  Logger* logger) {
  auto s = NewBorrowedSqlEndpoint(source);
  auto t = NewBorrowedSqlEndpoint(target);
  return VerifyEndpoints(s.get(), t.get(), o, logger);
}

Result<VerifyReport> VerifyUrls(const std::string& from, const std::string& to,
                                const VerifyOptions& o, Env* env, Logger* logger) {
  DatabaseOpener open = [env](const std::string& url) { return OpenDatabase(url, env); };
  FERRY_ASSIGN_OR_RETURN(auto source, OpenCopyEndpoint(from, EndpointRole::kSource, open, env));
  FERRY_ASSIGN_OR_RETURN(auto target, OpenCopyEndpoint(to, EndpointRole::kSource, open, env));
  for (const auto& t : o.tables) {
    FERRY_ASSIGN_OR_RETURN(bool exists, source->TableExists(t));
    if (!exists) return NotFound("source table " + t + " does not exist in " + RedactSecrets(from));
  }
  return VerifyEndpoints(source.get(), target.get(), o, logger);
}

}  // namespace ferry
