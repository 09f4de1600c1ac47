#include "jobs/copy/copier.h"

#include <cmath>
#include <optional>
#include <thread>

#include "db/transaction.h"
#include "jobs/copy/canonical.h"
#include "jobs/copy/keyset_reader.h"
#include "jobs/copy/schema_reader.h"
#include "jobs/copy/table_writer.h"
#include "util/bounded_queue.h"
#include "obs/progress.h"
#include "util/strings.h"

namespace ferry {
namespace {

double Seconds(std::chrono::steady_clock::duration d) {
  return std::chrono::duration<double>(d).count();
}

struct Batch {
  std::vector<std::vector<Value>> rows;
  std::vector<Value> last_key;
};

struct Checkpoint {
  std::vector<Value> last_key;
  int64_t rows = 0;
  bool done = false;
};

// One session per engine: timestamps come back in UTC, so text forms of the
// same instant agree across runs and engines.
Status PrepareSession(Database* db) {
  if (db->dialect() == Dialect::kPostgres) return db->Exec("SET TimeZone = 'UTC'");
  return Status::OK();
}

Status EnsureCheckpointTable(Database* db) {
  return db->Exec(std::string("CREATE TABLE IF NOT EXISTS ") + kCheckpointTable +
                  " (table_name TEXT PRIMARY KEY, source TEXT NOT NULL, last_key TEXT, "
                  "rows_copied BIGINT NOT NULL, done BIGINT NOT NULL, updated_at TEXT NOT NULL)");
}

Result<std::optional<Checkpoint>> ReadCheckpoint(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(kCheckpointTable));
  if (!exists) return std::optional<Checkpoint>();
  FERRY_ASSIGN_OR_RETURN(
      Rows rows, db->Query(std::string("SELECT last_key, rows_copied, done FROM ") +
                               kCheckpointTable + " WHERE table_name = $1",
                           {table}));
  if (rows.empty()) return std::optional<Checkpoint>();
  Checkpoint c;
  if (auto k = rows.GetText(0, 0); k && !k->empty()) {
    FERRY_ASSIGN_OR_RETURN(c.last_key, DecodeKey(*k));
  }
  c.rows = rows.GetInt(0, 1).value_or(0);
  c.done = rows.GetInt(0, 2).value_or(0) != 0;
  return std::optional<Checkpoint>(std::move(c));
}

class TableCopier {
 public:
  TableCopier(const CopyOptions& o, const CopyDeps& d, Database* target, ProgressReporter* progress)
      : o_(o), d_(d), target_(target), progress_(progress) {}

  Result<TableCopyResult> Run(Database* source, const std::string& table);

  // The target connection may be replaced by a retry; the caller keeps using it.
  std::unique_ptr<Database> replaced_target;

 private:
  Status Prepare(Database* source, const std::string& table, TableCopyResult* r);
  Status Pump(const std::string& table, TableCopyResult* r);
  Status TryWrite(const Batch& b, int64_t rows_after);
  Status WriteWithRetry(const Batch& b, int64_t rows_after);
  Status SaveCheckpoint(const std::vector<Value>& key, int64_t rows, bool done);
  Status Reconnect();

  const CopyOptions& o_;
  const CopyDeps& d_;
  Database* target_;
  ProgressReporter* progress_;
  TableSchema schema_;
  std::vector<std::string> key_;
  std::unique_ptr<TableWriter> writer_;
  std::optional<Checkpoint> checkpoint_;
};

Status TableCopier::Prepare(Database* source, const std::string& table, TableCopyResult* r) {
  FERRY_ASSIGN_OR_RETURN(auto sreader, NewSchemaReader(source));
  FERRY_ASSIGN_OR_RETURN(schema_, sreader->ReadTable(table));
  FERRY_RETURN_IF_ERROR(MapTableTypes(source->dialect(), o_.overrides, &schema_));
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
    FERRY_ASSIGN_OR_RETURN(auto treader, NewSchemaReader(target_));
    FERRY_ASSIGN_OR_RETURN(TableSchema tschema, treader->ReadTable(table));
    TypeOverrides none;
    for (auto& c : tschema.columns) {
      auto t = MapDeclaredType(target_->dialect(), c.declared_type, &c.type_args);
      c.type = t.value_or(LogicalType::kText);
    }
    FERRY_RETURN_IF_ERROR(CheckTargetShape(schema_, tschema));
  } else {
    if (!o_.create_schema)
      return InvalidArgument("target table " + table +
                                " does not exist: pass --create-schema to create it with "
                                "mapped types");
    r->created = true;
    r->create_sql = CreateTableSql(*target_, schema_);
    if (!o_.dry_run) FERRY_RETURN_IF_ERROR(target_->Exec(r->create_sql));
  }

  if (o_.dry_run) {
    FERRY_ASSIGN_OR_RETURN(
        Rows n, source->Query("SELECT count(*) FROM " + source->QuoteIdentifier(table), {}));
    r->source_rows = n.GetInt(0, 0).value_or(0);
    return Status::OK();
  }

  FERRY_RETURN_IF_ERROR(EnsureCheckpointTable(target_));
  FERRY_ASSIGN_OR_RETURN(checkpoint_, ReadCheckpoint(target_, table));
  if (o_.truncate) {
    Transaction tx(target_);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    FERRY_RETURN_IF_ERROR(target_->Exec("DELETE FROM " + target_->QuoteIdentifier(table)));
    FERRY_RETURN_IF_ERROR(
        target_
            ->Execute(std::string("DELETE FROM ") + kCheckpointTable + " WHERE table_name = $1",
                      {table})
            .status());
    FERRY_RETURN_IF_ERROR(tx.Commit());
    checkpoint_.reset();
  } else if (checkpoint_ && !o_.resume) {
    return InvalidArgument(
        "table " + table + ": an earlier copy " +
        (checkpoint_->done ? std::string("finished") : std::string("stopped")) + " after " +
        std::to_string(checkpoint_->rows) + " rows (at " + DisplayKey(key_, checkpoint_->last_key) +
        "): pass --resume to continue it or --truncate to start over");
  } else if (!checkpoint_) {
    FERRY_ASSIGN_OR_RETURN(
        Rows n, target_->Query("SELECT count(*) FROM " + target_->QuoteIdentifier(table), {}));
    int64_t have = n.GetInt(0, 0).value_or(0);
    if (have > 0)
      return InvalidArgument("target table " + table + " already holds " +
                                std::to_string(have) +
                                " rows and no copy checkpoint: pass --truncate to replace them");
  }
  FERRY_ASSIGN_OR_RETURN(writer_, NewTableWriter(target_, table, schema_.ColumnNames()));
  return Status::OK();
}

Status TableCopier::SaveCheckpoint(const std::vector<Value>& key, int64_t rows, bool done) {
  return target_
      ->Execute(std::string("INSERT INTO ") + kCheckpointTable +
                    " (table_name, source, last_key, rows_copied, done, updated_at) VALUES "
                    "($1, $2, $3, $4, $5, $6) ON CONFLICT (table_name) DO UPDATE SET "
                    "source = excluded.source, last_key = excluded.last_key, "
                    "rows_copied = excluded.rows_copied, done = excluded.done, "
                    "updated_at = excluded.updated_at",
                {schema_.name, RedactSecrets(o_.from_url), EncodeKey(key), rows,
                 static_cast<int64_t>(done ? 1 : 0),
                 FormatIsoTime(std::chrono::duration_cast<std::chrono::microseconds>(
                                   d_.env->WallNow().time_since_epoch())
                                   .count())})
      .status();
}

Status TableCopier::TryWrite(const Batch& b, int64_t rows_after) {
  Transaction tx(target_);
  FERRY_RETURN_IF_ERROR(tx.Begin());
  FERRY_RETURN_IF_ERROR(writer_->Write(b.rows));
  FERRY_RETURN_IF_ERROR(SaveCheckpoint(b.last_key, rows_after, false));
  return tx.Commit();
}

Status TableCopier::Reconnect() {
  FERRY_ASSIGN_OR_RETURN(auto db, d_.open(o_.to_url));
  FERRY_RETURN_IF_ERROR(PrepareSession(db.get()));
  FERRY_ASSIGN_OR_RETURN(writer_, NewTableWriter(db.get(), schema_.name, schema_.ColumnNames()));
  replaced_target = std::move(db);
  target_ = replaced_target.get();
  return Status::OK();
}

Status TableCopier::WriteWithRetry(const Batch& b, int64_t rows_after) {
  for (int attempt = 1;; ++attempt) {
    Status st = TryWrite(b, rows_after);
    if (st.ok()) return st;
    if (st.code() != Code::kUnavailable || attempt >= o_.max_attempts)
      return st.WithContext("table " + schema_.name + ": writing rows after " +
                            std::to_string(rows_after - static_cast<int64_t>(b.rows.size())) +
                            " (the checkpoint is kept: rerun with --resume)");
    auto wait = o_.retry_backoff * (1 << (attempt - 1));
    d_.logger->Warn("target unavailable, retrying",
                    {{"table", schema_.name}, {"attempt", attempt}, {"error", st.message()}});
    d_.env->SleepFor(std::chrono::duration_cast<std::chrono::microseconds>(wait));
    if (Status rc = Reconnect(); !rc.ok()) {
      d_.logger->Warn("reconnect failed", {{"error", rc.message()}});
      continue;
    }
    // Did the batch commit before the connection went away?
    auto cp = ReadCheckpoint(target_, schema_.name);
    if (cp.ok() && *cp && (*cp)->rows >= rows_after) return Status::OK();
  }
}

Status TableCopier::Pump(const std::string& table, TableCopyResult* r) {
  BoundedQueue<Batch> queue(o_.queue_batches);
  Status read_status;
  std::vector<Value> start = checkpoint_ ? checkpoint_->last_key : std::vector<Value>{};
  std::thread reader([&] {
    auto fail = [&](Status st) {
      read_status = std::move(st);
      queue.Close();
    };
    auto src = d_.open(o_.from_url);
    if (!src.ok()) return fail(src.status());
    std::unique_ptr<Database> db = std::move(src).value();
    if (Status st = PrepareSession(db.get()); !st.ok()) return fail(st);
    KeysetReader keyset(db.get(), table, schema_.ColumnNames(), key_, o_.batch);
    if (!start.empty()) keyset.SeekAfter(start);
    for (;;) {
      Batch b;
      Result<bool> more = keyset.Next(&b.rows);
      for (int attempt = 1; !more.ok() && more.status().code() == Code::kUnavailable &&
                            attempt < o_.max_attempts;
           ++attempt) {
        d_.logger->Warn("source unavailable, retrying",
                        {{"table", table}, {"attempt", attempt}, {"error", more.status().message()}});
        d_.env->SleepFor(std::chrono::duration_cast<std::chrono::microseconds>(
            o_.retry_backoff * (1 << (attempt - 1))));
        auto again = d_.open(o_.from_url);
        if (!again.ok()) continue;
        db = std::move(again).value();
        (void)PrepareSession(db.get());
        keyset.Reset(db.get());
        more = keyset.Next(&b.rows);
      }
      if (!more.ok()) return fail(more.status());
      if (!*more) break;
      b.last_key = keyset.last_key();
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
        row[c] = CarryValue(schema_.columns[c].type, target_->dialect(), std::move(row[c]));
    const int64_t n = static_cast<int64_t>(b->rows.size());
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
  return SaveCheckpoint(last, total, true);
}

Result<TableCopyResult> TableCopier::Run(Database* source, const std::string& table) {
  TableCopyResult r;
  r.table = table;
  const auto t0 = d_.env->Now();
  FERRY_RETURN_IF_ERROR(Prepare(source, table, &r));
  if (o_.dry_run) return r;
  if (checkpoint_ && checkpoint_->done) {
    r.skipped = true;
    r.rows_total = checkpoint_->rows;
    d_.logger->Info("table already copied, skipping", {{"table", table}, {"rows", r.rows_total}});
    return r;
  }
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
  FERRY_ASSIGN_OR_RETURN(auto source, d.open(o.from_url));
  FERRY_ASSIGN_OR_RETURN(auto target, d.open(o.to_url));
  FERRY_RETURN_IF_ERROR(PrepareSession(source.get()));
  FERRY_RETURN_IF_ERROR(PrepareSession(target.get()));

  std::vector<std::string> tables = o.tables;
  if (tables.empty()) {
    FERRY_ASSIGN_OR_RETURN(auto reader, NewSchemaReader(source.get()));
    FERRY_ASSIGN_OR_RETURN(tables, reader->ListTables());
  }
  for (const auto& t : tables) {
    FERRY_ASSIGN_OR_RETURN(bool exists, source->TableExists(t));
    if (!exists) return NotFound("source table " + t + " does not exist");
  }

  CopyReport report;
  report.dry_run = o.dry_run;
  ProgressOptions po;
  po.operation = "copy";
  if (!o.dry_run) {
    uint64_t total = 0;
    for (const auto& t : tables) {
      auto n = source->Query("SELECT count(*) FROM " + source->QuoteIdentifier(t), {});
      if (n.ok()) total += static_cast<uint64_t>(n->GetInt(0, 0).value_or(0));
    }
    po.total = total;
  }
  ProgressReporter progress(d.env, d.logger, po);
  if (!o.dry_run) progress.Start();
  const auto t0 = d.env->Now();
  for (const auto& t : tables) {
    TableCopier copier(o, d, target.get(), &progress);
    auto r = copier.Run(source.get(), t);
    if (copier.replaced_target) target = std::move(copier.replaced_target);
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
                           VerifyTables(source.get(), target.get(), vo, d.logger));
    report.verified = true;
  }
  return report;
}

}  // namespace ferry
