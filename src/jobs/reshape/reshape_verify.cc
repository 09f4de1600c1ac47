#include "jobs/reshape/reshape_verify.h"

#include <openssl/evp.h>

#include <cmath>
#include <cstdio>
#include <map>
#include <memory>
#include <tuple>

#include "db/transaction.h"
#include "jobs/backup/sqlite_row_hash.h"
#include "jobs/backup/table_checksum.h"

namespace ferry {
namespace {

constexpr int kPage = 5000;

std::string Hex64(uint64_t v) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(v));
  return buf;
}

// Text form of a value for the SQLite checksum (see the header).
void Encode(const Value& v, std::string* out) {
  std::string body;
  char tag = 'V';
  if (IsNull(v)) {
    tag = 'N';
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    body = std::to_string(*i);
  } else if (auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d) && *d == std::floor(*d) && std::fabs(*d) < 9e15) {
      body = std::to_string(static_cast<int64_t>(*d));
    } else {
      char buf[40];
      std::snprintf(buf, sizeof buf, "%.17g", *d);
      body = buf;
    }
  } else if (auto* s = std::get_if<std::string>(&v)) {
    body = *s;
  } else if (auto* b = std::get_if<Blob>(&v)) {
    tag = 'B';
    body = b->bytes;
  }
  out->push_back(tag);
  out->append(std::to_string(body.size()));
  out->push_back(':');
  out->append(body);
}

struct EvpFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Streams `page_sql` (rows in key order, key columns last) and sums row hashes.
Result<std::pair<int64_t, std::string>> SqliteSide(Database* db, const ReshapePlan& plan,
                                                   const std::string& first_sql,
                                                   const std::string& next_sql) {
  const size_t nkey = plan.key.size();
  std::unique_ptr<EVP_MD_CTX, EvpFree> ctx(EVP_MD_CTX_new());
  uint64_t hi = 0, lo = 0;
  int64_t rows = 0;
  FERRY_ASSIGN_OR_RETURN(auto first, db->Prepare(first_sql));
  FERRY_ASSIGN_OR_RETURN(auto next, db->Prepare(next_sql));
  std::vector<Value> last;
  std::string buf;
  for (bool more = true; more;) {
    FERRY_ASSIGN_OR_RETURN(Rows page, last.empty() ? first->Query({}) : next->Query(last));
    for (const auto& row : page.rows) {
      buf.clear();
      for (size_t i = 0; i + nkey < row.size(); ++i) Encode(row[i], &buf);
      unsigned char md[EVP_MAX_MD_SIZE];
      unsigned int len = 0;
      EVP_DigestInit_ex(ctx.get(), EVP_sha256(), nullptr);
      EVP_DigestUpdate(ctx.get(), buf.data(), buf.size());
      EVP_DigestFinal_ex(ctx.get(), md, &len);
      uint64_t h = 0, l = 0;
      for (int i = 0; i < 8; ++i) h = (h << 8) | md[i];
      for (int i = 8; i < 16; ++i) l = (l << 8) | md[i];
      hi += h;
      lo += l;
      ++rows;
    }
    more = page.size() == static_cast<size_t>(kPage);
    if (more) last.assign(page.rows.back().end() - static_cast<long>(nkey), page.rows.back().end());
  }
  return std::make_pair(rows, "sha256sum:" + Hex64(hi) + Hex64(lo));
}

// Both sides' (count, sum) rows, hashed per column type where every column
// type of the new table has an extended hash function, else by text form.
// The first attempt runs under a savepoint so its failure leaves the
// snapshot transaction usable. Old and new have the same row type (the old
// side is cast to it), so one method fits both.
Result<std::tuple<ReshapeSql::ChecksumMethod, Rows, Rows>> PostgresSums(Database* db,
                                                                       const ReshapeSql& sql) {
  using M = ReshapeSql::ChecksumMethod;
  FERRY_RETURN_IF_ERROR(db->Exec("SAVEPOINT ferry_verify"));
  auto fast = db->Query(sql.NewChecksum(M::kRowHash), {});
  if (!fast.ok()) FERRY_RETURN_IF_ERROR(db->Exec("ROLLBACK TO SAVEPOINT ferry_verify"));
  FERRY_RETURN_IF_ERROR(db->Exec("RELEASE SAVEPOINT ferry_verify"));
  M method = M::kRowHash;
  if (!fast.ok()) {
    // "could not identify an extended hash function for type json": only
    // that is a reason to fall back; anything else is the answer.
    if (fast.status().message().find("hash function") == std::string::npos)
      return fast.status().WithContext("verify: checksum of " + sql.new_table());
    method = M::kText;
  }
  FERRY_ASSIGN_OR_RETURN(Rows a, db->Query(sql.MappedOldChecksum(method), {}));
  Rows b;
  if (method == M::kRowHash) {
    b = std::move(*fast);
  } else {
    FERRY_ASSIGN_OR_RETURN(b, db->Query(sql.NewChecksum(method), {}));
  }
  return std::make_tuple(method, std::move(a), std::move(b));
}

using Side = std::pair<int64_t, std::string>;

// Both sides summed by ferry_sha256sum inside SQLite (no row leaves the
// engine); nullopt when the function is not there (a connection opened
// before main(), more columns than one call takes), then the caller streams.
Result<std::optional<std::pair<Side, Side>>> SqliteInEngine(Database* db, const ReshapePlan& plan,
                                                            const ReshapeSql& sql) {
  if (!SqliteRowHashRegistered()) return std::optional<std::pair<Side, Side>>();
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, TableColumns(db, plan.new_table));
  const int n = static_cast<int>(cols.size());
  auto one = [&](const std::string& q) -> Result<Side> {
    FERRY_ASSIGN_OR_RETURN(Rows r, db->Query(q, {}));
    std::string sum = r.GetText(0, 1).value_or("");
    return Side{r.GetInt(0, 0).value_or(-1), "sqlite-sha256sum:" + sum.substr(0, sum.find(':'))};
  };
  auto a = one(sql.SqliteMappedOldChecksum(kSqliteRowHashFunction, n));
  if (!a.ok()) {
    if (a.status().message().find(kSqliteRowHashFunction) != std::string::npos ||
        a.status().message().find("too many arguments") != std::string::npos)
      return std::optional<std::pair<Side, Side>>();
    return a.status().WithContext("verify: checksum of the mapped rows of " + plan.table);
  }
  FERRY_ASSIGN_OR_RETURN(Side b, one(sql.SqliteNewChecksum(kSqliteRowHashFunction, n)));
  return std::optional<std::pair<Side, Side>>(std::make_pair(std::move(*a), std::move(b)));
}

std::string Render(const Rows& r) {
  std::string out;
  for (const auto& row : r.rows) {
    for (size_t i = 0; i < row.size(); ++i) out += (i ? ", " : "") + ValueToDisplay(row[i]);
    out += "; ";
  }
  if (out.size() >= 2) out.resize(out.size() - 2);
  return out;
}

Status VerifyInSnapshot(Database* db, const ReshapePlan& plan, const ReshapeSql& sql,
                        ReshapeVerifyReport* rep) {
  std::map<std::string, int64_t> partition_rows;  // PostgreSQL, from the checksum's scan
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_ASSIGN_OR_RETURN(auto sums, PostgresSums(db, sql));
    auto& [method, a, b] = sums;
    auto render = [&](const Rows& r) {
      return method == ReshapeSql::ChecksumMethod::kRowHash
                 ? "pg-rowhash:" + r.GetText(0, 1).value_or("")
                 : "pg-hash64sum:" + r.GetText(0, 1).value_or("") + ":" +
                       r.GetText(0, 2).value_or("");
    };
    for (size_t i = 0; i < b.size(); ++i)
      partition_rows[b.GetText(i, 3).value_or("")] = b.GetInt(i, 4).value_or(0);
    if (b.empty()) b.rows.push_back({int64_t{0}, std::string("0"), std::string("0")});
    rep->old_rows = a.GetInt(0, 0).value_or(-1);
    rep->new_rows = b.GetInt(0, 0).value_or(-1);
    rep->old_checksum = render(a);
    rep->new_checksum = render(b);
  } else if (auto in_engine = SqliteInEngine(db, plan, sql); !in_engine.ok()) {
    return in_engine.status();
  } else if (*in_engine) {
    auto& [a, b] = **in_engine;
    rep->old_rows = a.first;
    rep->new_rows = b.first;
    rep->old_checksum = a.second;
    rep->new_checksum = b.second;
  } else {
    FERRY_ASSIGN_OR_RETURN(auto a, SqliteSide(db, plan, sql.MappedOldPage(false, kPage),
                                              sql.MappedOldPage(true, kPage)));
    FERRY_ASSIGN_OR_RETURN(auto b, SqliteSide(db, plan, sql.NewPage(false, kPage),
                                              sql.NewPage(true, kPage)));
    rep->old_rows = a.first;
    rep->new_rows = b.first;
    rep->old_checksum = a.second;
    rep->new_checksum = b.second;
  }
  if (rep->old_rows != rep->new_rows)
    return Corruption("verify: " + plan.table + " has " + std::to_string(rep->old_rows) +
                      " rows, " + plan.new_table + " has " + std::to_string(rep->new_rows));
  if (rep->old_checksum != rep->new_checksum)
    return Corruption("verify: checksum of the mapped rows of " + plan.table + " (" +
                      rep->old_checksum + ") differs from " + plan.new_table + " (" +
                      rep->new_checksum + ")");
  if (db->dialect() == Dialect::kPostgres && plan.partition_count > 0) {
    std::map<std::string, int64_t>& counts = partition_rows;
    PartitionDistribution d;
    d.partitions = plan.partition_count;
    double sum = 0, sq = 0;
    d.min = INT64_MAX;
    for (int i = 0; i < plan.partition_count; ++i) {
      std::string name = sql.PartitionName(i);
      int64_t n = counts.count(name) ? counts[name] : 0;
      if (n == 0) d.empty.push_back(name);
      d.min = std::min(d.min, n);
      d.max = std::max(d.max, n);
      sum += static_cast<double>(n);
      sq += static_cast<double>(n) * static_cast<double>(n);
    }
    d.avg = sum / plan.partition_count;
    d.stddev = std::sqrt(std::max(0.0, sq / plan.partition_count - d.avg * d.avg));
    rep->distribution = d;
    if (!d.empty.empty() && !plan.allow_empty_partitions &&
        rep->new_rows >= 20LL * plan.partition_count)
      return Corruption("verify: partition " + d.empty.front() + " (and " +
                        std::to_string(d.empty.size() - 1) + " more) got no rows out of " +
                        std::to_string(rep->new_rows) +
                        "; check the partition mapping, or set partitions.allow_empty = true");
  }
  for (const auto& c : plan.checks) {
    auto a = db->Query(sql.Check(c, plan.table), {});
    if (!a.ok()) return a.status().WithContext(plan.path + ": check \"" + c.name + "\"");
    auto b = db->Query(sql.Check(c, plan.new_table), {});
    if (!b.ok()) return b.status().WithContext(plan.path + ": check \"" + c.name + "\"");
    std::string ra = Render(*a), rb = Render(*b);
    if (ra != rb)
      return Corruption("verify: check \"" + c.name + "\" answers " + ra + " on " + plan.table +
                        " but " + rb + " on " + plan.new_table);
    rep->checks.emplace_back(c.name, ra);
  }
  return Status::OK();
}

}  // namespace

Result<ReshapeVerifyReport> VerifyReshape(Database* db, const ReshapePlan& plan,
                                          const ReshapeSql& sql) {
  ReshapeVerifyReport rep;
  Status st;
  if (db->dialect() == Dialect::kPostgres) {
    Transaction tx(db);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    FERRY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    st = VerifyInSnapshot(db, plan, sql, &rep);
    if (st.ok()) st = tx.Commit();
  } else {
    // A deferred transaction: a read snapshot that leaves writers free (WAL).
    FERRY_RETURN_IF_ERROR(db->Exec("BEGIN DEFERRED"));
    st = VerifyInSnapshot(db, plan, sql, &rep);
    Status end = db->Exec("COMMIT");
    if (st.ok()) st = end;
    if (!end.ok() && db->InTransaction()) (void)db->Rollback();
  }
  if (!st.ok()) return st;
  return rep;
}

}  // namespace ferry
