#include "jobs/copy/copier.h"

#include <algorithm>
#include <cmath>
#include <optional>
#include <thread>

#include "jobs/copy/canonical.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/copy_pages.h"
#include "jobs/copy/postgres_passthrough.h"
#include "util/bounded_queue.h"
#include "obs/progress.h"
#include "util/duration.h"
#include "util/strings.h"

namespace ferry {
namespace {

class TableCopier {
 public:
  TableCopier(const CopyOptions& o, const CopyDeps& d, CopyEndpoint* source, CopyEndpoint* target,
              ProgressReporter* progress)
      : o_(o), d_(d), source_(source), target_(target), progress_(progress) {}

  Result<TableCopyResult> Run(const std::string& table);

 private:
  Status Prepare(const std::string& table, TableCopyResult* r);
  Status Pump(const std::string& table, TableCopyResult* r);
  void ChoosePath(TableCopyResult* r);
  Status WriteWithRetry(const CopyPage& b, int64_t rows_after);
  CopyCheckpoint MakeCheckpoint(const std::vector<Value>& key, int64_t rows, bool done) const {
    return CopyCheckpoint{key, rows, done, RedactSecrets(o_.from_url)};
  }

  const CopyOptions& o_;
  const CopyDeps& d_;
  CopyEndpoint* source_;
  CopyEndpoint* target_;
  ProgressReporter* progress_;
  TableSchema schema_;
  std::vector<std::string> key_;
  std::optional<CopyCheckpoint> checkpoint_;
  std::unique_ptr<CopyPath> path_;  // values or passthrough (ChoosePath)
};

Status TableCopier::Prepare(const std::string& table, TableCopyResult* r) {
  FERRY_ASSIGN_OR_RETURN(schema_, source_->ReadSourceSchema(table, o_.overrides));
  key_ = schema_.primary_key;
  if (key_.empty()) {
    auto it = o_.order_by.find(table);
    if (it == o_.order_by.end()) it = o_.order_by.find("");
    if (it == o_.order_by.end())
      return InvalidArgument(
          "table " + table +
          " has no primary key: copy reads in keyset batches (WHERE key > last ORDER BY key) "
          "so it can resume exactly, and needs a unique, not-null column to order by; pass "
          "--order-by " + table + ".COLUMN, or add a primary key to the source");
    key_ = it->second;
  }
  for (const auto& k : key_)
    if (schema_.ColumnIndex(k) < 0)
      return InvalidArgument("--order-by " + table + "." + k + ": the table has no such column");

  FERRY_ASSIGN_OR_RETURN(bool exists, target_->TableExists(table));
  if (exists) {
    FERRY_ASSIGN_OR_RETURN(TableSchema tschema, target_->ReadTargetSchema(table));
    FERRY_RETURN_IF_ERROR(CheckTargetShape(schema_, tschema));
  } else {
    if (!o_.create_schema)
      return InvalidArgument("target table " + table +
                                " does not exist: pass --create-schema to create it with "
                                "mapped types");
    r->created = true;
    r->create_sql = target_->CreateTableText(schema_);
    if (!o_.dry_run) FERRY_RETURN_IF_ERROR(target_->CreateTable(schema_, key_));
  }

  if (o_.dry_run) {
    FERRY_ASSIGN_OR_RETURN(r->source_rows, source_->CountRows(table));
    return Status::OK();
  }

  FERRY_RETURN_IF_ERROR(target_->BeginTable(schema_, key_));
  FERRY_ASSIGN_OR_RETURN(checkpoint_, target_->ReadCheckpoint(table));
  if (o_.truncate) {
    FERRY_RETURN_IF_ERROR(target_->Truncate(table));
    checkpoint_.reset();
  } else if (checkpoint_ && !o_.resume) {
    return InvalidArgument(
        "table " + table + ": an earlier copy " +
        (checkpoint_->done ? std::string("finished") : std::string("stopped")) + " after " +
        std::to_string(checkpoint_->rows) + " rows (at " + DisplayKey(key_, checkpoint_->last_key) +
        "): pass --resume to continue it or --truncate to start over");
  } else if (!checkpoint_) {
    FERRY_ASSIGN_OR_RETURN(int64_t have, target_->CountRows(table));
    if (have > 0)
      return InvalidArgument("target table " + table + " already holds " +
                                std::to_string(have) +
                                " rows and no copy checkpoint: pass --truncate to replace them");
  }
  return Status::OK();
}

Status TableCopier::WriteWithRetry(const CopyPage& b, int64_t rows_after) {
  for (int attempt = 1;; ++attempt) {
    Status st = path_->Write(b, MakeCheckpoint(b.last_key, rows_after, false));
    if (st.ok()) return st;
    if (st.code() != Code::kUnavailable || attempt >= o_.max_attempts)
      return st.WithContext("table " + schema_.name + ": writing rows after " +
                            std::to_string(rows_after - b.size()) +
                            " (the checkpoint is kept: rerun with --resume)");
    auto wait = o_.retry_backoff * (1 << (attempt - 1));
    d_.logger->Warn("target unavailable, retrying",
                    {{"table", schema_.name}, {"attempt", attempt}, {"error", st.message()}});
    d_.env->SleepFor(std::chrono::duration_cast<std::chrono::microseconds>(wait));
    if (Status rc = target_->Reconnect(); !rc.ok()) {
      d_.logger->Warn("reconnect failed", {{"error", rc.message()}});
      continue;
    }
    // Did the batch commit before the connection went away?
    auto cp = target_->ReadCheckpoint(schema_.name);
    if (cp.ok() && *cp && (*cp)->rows >= rows_after) return Status::OK();
  }
}

Status TableCopier::Pump(const std::string& table, TableCopyResult* r) {
  BoundedQueue<CopyPage> queue(path_->QueuedPages(o_.queue_batches));
  Status read_status;
  std::vector<Value> start = checkpoint_ ? checkpoint_->last_key : std::vector<Value>{};
  std::thread reader([&] {
    auto fail = [&](Status st) {
      read_status = std::move(st);
      queue.Close();
    };
    auto opened = path_->OpenReader(start);
    if (!opened.ok()) return fail(opened.status());
    std::unique_ptr<PageReader> pages = std::move(opened).value();
    for (;;) {
      CopyPage b;
      Result<bool> more = pages->Next(&b);
      for (int attempt = 1; !more.ok() && more.status().code() == Code::kUnavailable &&
                            attempt < o_.max_attempts;
           ++attempt) {
        d_.logger->Warn("source unavailable, retrying",
                        {{"table", table}, {"attempt", attempt}, {"error", more.status().message()}});
        d_.env->SleepFor(std::chrono::duration_cast<std::chrono::microseconds>(
            o_.retry_backoff * (1 << (attempt - 1))));
        if (!pages->Reopen().ok()) continue;
        more = pages->Next(&b);
      }
      if (!more.ok()) return fail(more.status());
      if (!*more) break;
      if (!queue.Push(std::move(b))) return;  // the writer stopped
    }
    queue.Close();
  });

  Status write_status;
  int64_t total = checkpoint_ ? checkpoint_->rows : 0;
  std::vector<Value> last = start;
  const auto t0 = d_.env->Now();
  Counter rows_metric;
  if (d_.metrics)
    rows_metric = d_.metrics->Counter("ferry_copy_rows_total", "Rows copied.", {{"table", table}});
  while (auto b = queue.Pop()) {
    for (auto& row : b->rows)
      for (size_t c = 0; c < row.size(); ++c)
        row[c] = target_->Carry(schema_.columns[c].type, std::move(row[c]));
    const int64_t n = b->size();
    write_status = WriteWithRetry(*b, total + n);
    if (!write_status.ok()) break;
    total += n;
    r->rows_copied += n;
    last = b->last_key;
    progress_->AddProcessed(static_cast<uint64_t>(n));
    progress_->AddSucceeded(static_cast<uint64_t>(n));
    rows_metric.Inc(static_cast<double>(n));
    if (d_.after_batch) d_.after_batch(table, total);
    if (o_.max_rate > 0) {
      double due = static_cast<double>(r->rows_copied) / o_.max_rate;
      double spent = Seconds(d_.env->Now() - t0);
      if (due > spent)
        d_.env->SleepFor(std::chrono::microseconds(static_cast<int64_t>((due - spent) * 1e6)));
    }
  }
  queue.Close();
  reader.join();
  r->rows_total = total;
  FERRY_RETURN_IF_ERROR(write_status);
  if (!read_status.ok())
    return read_status.WithContext("table " + table + ": reading the source after " +
                                   std::to_string(total) +
                                   " rows (the checkpoint is kept: rerun with --resume)");
  return target_->SaveCheckpoint(table, MakeCheckpoint(last, total, true));
}

// The passthrough when it is safe (postgres_passthrough.h), else values;
// the log says which and why, so a slow copy can be explained.
void TableCopier::ChoosePath(TableCopyResult* r) {
  std::string why = "disabled (--no-passthrough)";
  std::string format;
  if (o_.passthrough) {
    auto choice = ChoosePassthrough(source_->sql_database(), target_->sql_database(), schema_,
                                    o_.overrides);
    if (choice.ok() && choice->use) format = choice->format;
    why = !choice.ok() ? "checking the column types failed: " + choice.status().message()
                       : choice->reason;
  }
  path_ = format.empty()
              ? NewValuesPath(source_, target_, schema_, key_, o_.batch)
              : NewPassthroughPath(source_, target_, schema_, key_, o_.batch, format);
  r->path = path_->name();
  if (!format.empty())
    d_.logger->Info("copy path", {{"table", schema_.name},
                                  {"path", r->path},
                                  {"format", format},
                                  {"how", "source COPY into target COPY, rows not decoded"},
                                  {"why", why}});
  else
    d_.logger->Info("copy path", {{"table", schema_.name}, {"path", r->path}, {"why", why}});
}

Result<TableCopyResult> TableCopier::Run(const std::string& table) {
  TableCopyResult r;
  r.table = table;
  const auto t0 = d_.env->Now();
  FERRY_RETURN_IF_ERROR(Prepare(table, &r));
  if (o_.dry_run) return r;
  if (checkpoint_ && checkpoint_->done) {
    r.skipped = true;
    r.rows_total = checkpoint_->rows;
    d_.logger->Info("table already copied, skipping", {{"table", table}, {"rows", r.rows_total}});
    return r;
  }
  ChoosePath(&r);
  r.resumed = checkpoint_.has_value();
  if (r.resumed)
    d_.logger->Info("resuming table", {{"table", table},
                                       {"rows_done", checkpoint_->rows},
                                       {"after", DisplayKey(key_, checkpoint_->last_key)}});
  FERRY_RETURN_IF_ERROR(Pump(table, &r));
  r.seconds = Seconds(d_.env->Now() - t0);
  d_.logger->Info("copied table", {{"table", table},
                                   {"rows", r.rows_copied},
                                   {"seconds", r.seconds}});
  return r;
}

}  // namespace

Status AddOrderBy(const std::string& spec, std::map<std::string, std::vector<std::string>>* out) {
  std::string s = Trim(spec);
  if (s.empty()) return InvalidArgument("--order-by wants [table.]column");
  size_t dot = s.find('.');
  std::string table = dot == std::string::npos ? "" : s.substr(0, dot);
  std::string column = dot == std::string::npos ? s : s.substr(dot + 1);
  if (column.empty()) return InvalidArgument("--order-by " + spec + ": no column");
  (*out)[table].push_back(column);
  return Status::OK();
}

Result<CopyReport> RunCopy(const CopyOptions& o, const CopyDeps& deps_in) {
  CopyDeps d = deps_in;
  if (!d.env) d.env = Env::Default();
  if (!d.open) {
    Env* env = d.env;
    d.open = [env](const std::string& url) { return OpenDatabase(url, env); };
  }
  FERRY_ASSIGN_OR_RETURN(auto source,
                         OpenCopyEndpoint(o.from_url, EndpointRole::kSource, d.open, d.env));
  FERRY_ASSIGN_OR_RETURN(auto target,
                         OpenCopyEndpoint(o.to_url,
                                          o.dry_run ? EndpointRole::kDryRunTarget
                                                    : EndpointRole::kTarget,
                                          d.open, d.env));

  std::vector<std::string> tables = o.tables;
  if (tables.empty()) {
    FERRY_ASSIGN_OR_RETURN(tables, source->ListTables());
  }
  for (const auto& t : tables) {
    FERRY_ASSIGN_OR_RETURN(bool exists, source->TableExists(t));
    if (!exists)
      return NotFound("source table " + t + " does not exist in " + RedactSecrets(o.from_url));
  }

  CopyReport report;
  report.dry_run = o.dry_run;
  ProgressOptions po;
  po.operation = "copy";
  if (!o.dry_run) {
    uint64_t total = 0;
    for (const auto& t : tables) {
      auto n = source->CountRows(t);
      if (n.ok()) total += static_cast<uint64_t>(*n);
    }
    po.total = total;
  }
  ProgressReporter progress(d.env, d.logger, po);
  if (!o.dry_run) progress.Start();
  const auto t0 = d.env->Now();
  for (const auto& t : tables) {
    TableCopier copier(o, d, source.get(), target.get(), &progress);
    auto r = copier.Run(t);
    if (!r.ok()) {
      progress.AddFailed();
      return r.status();
    }
    report.rows += r->rows_copied;
    report.tables.push_back(std::move(r).value());
  }
  if (!o.dry_run) progress.Finish();
  report.seconds = Seconds(d.env->Now() - t0);
  report.rows_per_second = report.seconds > 0 ? static_cast<double>(report.rows) / report.seconds : 0;

  if (!o.dry_run && o.verify) {
    VerifyOptions vo;
    vo.tables = tables;
    vo.page_size = std::max<size_t>(o.batch, 1000);
    vo.overrides = o.overrides;
    vo.order_by = o.order_by;
    FERRY_ASSIGN_OR_RETURN(report.verify,
                           VerifyEndpoints(source.get(), target.get(), vo, d.logger));
    report.verified = true;
  }
  return report;
}

}  // namespace ferry
