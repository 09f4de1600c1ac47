#include "jobs/ingest/ingest.h"

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "util/bounded_queue.h"
#include "jobs/ingest/codec_schema.h"
#include "jobs/ingest/record_writer.h"
#include "jobs/ingest/writer_tuning.h"
#include "lock/local/local_lock.h"
#include "store/codecs/codec.h"
#include "util/duration.h"

namespace ferry {

std::string IngestLockKey(std::string_view object_key) {
  return "ingest:" + std::string(object_key);
}

namespace {

using Clock = std::chrono::steady_clock;

// One object on its way from a fetcher to a writer (and maybe a deleter).
struct Item {
  std::string object_key;
  std::unique_ptr<LockLease> lease;  // released when the item is done
  std::vector<Record> records;
  Clock::time_point started;
};

ProgressOptions MakeProgressOptions(const IngestOptions& o) {
  ProgressOptions p;
  p.operation = "migration";  // the ncps guide's words: "migration progress ..."
  p.interval = o.progress_interval;
  return p;
}

class IngestRun {
 public:
  IngestRun(const IngestOptions& options, const IngestDeps& deps, Env* env, MetricsRegistry* metrics,
            Lock* lock, BlobStore* store, const Codec* codec)
      : o_(options),
        deps_(deps),
        env_(env),
        log_(deps.logger),
        lock_(lock),
        store_(store),
        codec_(codec),
        keys_(static_cast<size_t>(std::max(1, options.concurrency)) * 64),
        parsed_(std::max<size_t>(options.batch_size, 1) * 2),
        deletes_(static_cast<size_t>(std::max(1, options.concurrency)) * 64),
        spent_(4),
        progress_(env, deps.logger, MakeProgressOptions(options)) {
    const std::string help_items = "Objects handled by ingest, by operation and result.";
    migrate_ok_ = metrics->Counter("ferry_migration_items_total", help_items,
                                   {{"operation", "migrate"}, {"result", "success"}});
    migrate_skip_ = metrics->Counter("ferry_migration_items_total", help_items,
                                     {{"operation", "migrate"}, {"result", "skipped"}});
    migrate_fail_ = metrics->Counter("ferry_migration_items_total", help_items,
                                     {{"operation", "migrate"}, {"result", "failure"}});
    delete_ok_ = metrics->Counter("ferry_migration_items_total", help_items,
                                  {{"operation", "delete"}, {"result", "success"}});
    delete_fail_ = metrics->Counter("ferry_migration_items_total", help_items,
                                    {{"operation", "delete"}, {"result", "failure"}});
    duration_ = metrics->Histogram("ferry_migration_duration_seconds",
                                   "Seconds from fetching an object to its rows being committed.",
                                   {{"operation", "migrate"}});
    batch_size_ = metrics->Histogram("ferry_migration_batch_size", "Objects per committed batch.",
                                     {}, ExponentialBuckets(1, 2, 16));
    metrics_ = metrics;
  }

  // Runs everything; `dbs` are the writer connections (one per writer).
  IngestReport Run(std::vector<std::unique_ptr<Database>> dbs, bool tables_exist) {
    tables_exist_ = tables_exist;
    progress_.Start();
    std::thread metrics_thread;
    if (!o_.metrics_file.empty()) metrics_thread = std::thread([this] { MetricsFileLoop(); });

    std::thread lister([this] { ListLoop(); });
    std::vector<std::thread> fetchers, writers, deleters;
    for (int i = 0; i < std::max(1, o_.concurrency); ++i) fetchers.emplace_back([this] { FetchLoop(); });
    for (auto& db : dbs) writers.emplace_back([this, d = db.get()] { WriteLoop(d); });
    if (o_.delete_source && !o_.dry_run) {
      for (int i = 0; i < std::max(1, o_.concurrency); ++i)
        deleters.emplace_back([this] { DeleteLoop(); });
    }
    std::thread reclaimer([this] { ReclaimLoop(); });
    lister.join();
    for (auto& t : fetchers) t.join();
    parsed_.Close();
    for (auto& t : writers) t.join();
    deletes_.Close();
    spent_.Close();
    for (auto& t : deleters) t.join();
    reclaimer.join();

    IngestReport report;
    report.progress = progress_.Finish();
    report.deleted = deleted_.load();
    report.delete_failed = delete_failed_.load();
    report.locked_elsewhere = locked_elsewhere_.load();
    report.dry_run = o_.dry_run;
    {
      std::lock_guard<std::mutex> l(mu_);
      report.fatal = fatal_;
      stop_metrics_ = true;
    }
    cv_.notify_all();
    if (metrics_thread.joinable()) metrics_thread.join();
    if (!o_.metrics_file.empty()) {
      if (Status st = metrics_->WriteTextFile(env_, o_.metrics_file); !st.ok()) {
        log_->Warn("could not write the metrics file", {{"error", st.message()}});
      }
    }
    return report;
  }

 private:
  bool stopping() const { return stopping_.load(std::memory_order_relaxed); }

  void SetFatal(const Status& st) {
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!fatal_.ok()) return;
      fatal_ = st;
    }
    stopping_ = true;
    log_->Error("ingest stopped", {{"error", st.message()}});
    keys_.Close();  // unblocks the lister; fetchers drain and drop
  }

  void ListLoop() {
    ListOptions lo;
    lo.prefix = o_.prefix;
    uint64_t found = 0;
    Status st = store_->List(lo, Deadline::Never(), [&](std::vector<std::string> page) -> Status {
      for (std::string& key : page) {
        if (stopping()) return Cancelled("ingest stopping");
        if (!codec_->Accepts(key)) continue;
        if (o_.limit && found >= o_.limit) return Cancelled("limit reached");
        ++found;
        progress_.AddFound();
        if (!keys_.Push(std::move(key))) return Cancelled("ingest stopping");
      }
      return Status::OK();
    });
    if (!st.ok() && st.code() != Code::kCancelled) {
      // Store errors already name the store ("file:///x: listing: ..."):
      // say what failed, not where, a second time.
      SetFatal(st.WithContext("cannot list the source"));
    }
    keys_.Close();
  }

  void Fail(const std::string& key, const Status& st, const char* what) {
    progress_.AddFailed();
    migrate_fail_.Inc();
    log_->Error(what, {{"object", key}, {"error", st.message()}});
  }

  void FetchLoop() {
    std::vector<Record> records;
    while (auto key = keys_.Pop()) {
      if (stopping()) continue;
      progress_.AddProcessed();
      Item item;
      item.started = env_->Now();
      item.object_key = std::move(*key);
      // Try-only: an object another process is working on is its business.
      auto lease = lock_->Acquire(IngestLockKey(item.object_key), o_.lock_lease,
                                  Deadline{Clock::time_point::min()});
      if (!lease.ok()) {
        Code c = lease.status().code();
        if (c == Code::kLocked || c == Code::kTimeout) {
          locked_elsewhere_.fetch_add(1);
          Skip(item.object_key, "held by another worker");
        } else if (c == Code::kUnavailable) {
          SetFatal(lease.status().WithContext(
              "lock backend unavailable (use --lock-allow-degraded to continue on local locks)"));
        } else {
          Fail(item.object_key, lease.status(), "lock failed");
        }
        continue;
      }
      item.lease = std::move(lease).value();
      Result<std::string> bytes = store_->Get(item.object_key, Deadline::Never());
      if (!bytes.ok()) {
        if (bytes.status().code() == Code::kNotFound) {
          // Listed, then gone: another process migrated and deleted it.
          Skip(item.object_key, "gone from the store");
        } else {
          Fail(item.object_key, bytes.status(), "fetch failed");
        }
        continue;
      }
      records.clear();
      if (Status st = codec_->Parse(item.object_key, *bytes, &records); !st.ok()) {
        Fail(item.object_key, st, "parse failed");
        continue;
      }
      item.records = std::move(records);
      records = {};
      if (!parsed_.Push(std::move(item))) break;
    }
  }

  void Skip(const std::string& key, const char* why) {
    progress_.AddSkipped();
    migrate_skip_.Inc();
    if (log_->Enabled(LogLevel::kDebug)) log_->Debug("skipped", {{"object", key}, {"reason", why}});
  }

  void WriteLoop(Database* db) {
    RecordWriter writer(db, codec_);
    std::vector<Item> batch;
    std::vector<std::vector<Record>*> objects;
    std::vector<WriteOutcome> outcomes;
    std::vector<Status> errors;
    const size_t max_batch = std::max<size_t>(o_.batch_size, 1);
    for (;;) {
      batch.clear();
      std::optional<Item> first = parsed_.Pop();
      if (!first) break;
      batch.push_back(std::move(*first));
      const Clock::time_point flush_at = Clock::now() + o_.flush_interval;
      while (batch.size() < max_batch) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(flush_at - Clock::now());
        if (left.count() <= 0) break;
        std::optional<Item> next = parsed_.PopFor(left);
        if (!next) break;
        batch.push_back(std::move(*next));
      }
      if (stopping()) continue;  // dropped: leases released, nothing deleted
      objects.clear();
      for (Item& it : batch) objects.push_back(&it.records);
      Status st;
      if (o_.dry_run) {
        if (tables_exist_) {
          st = writer.CheckBatch(objects, &outcomes);
        } else {
          outcomes.assign(batch.size(), WriteOutcome::kInserted);
        }
        errors.assign(batch.size(), Status::OK());
      } else {
        st = writer.WriteBatch(objects, &outcomes, &errors);
      }
      if (!st.ok()) {
        // The batch was rolled back: its objects are failed (and so never
        // deleted); a re-run after the cause is fixed picks them up.
        progress_.AddFailed(batch.size());
        migrate_fail_.Inc(static_cast<double>(batch.size()));
        std::string what = "writing a batch of " + std::to_string(batch.size()) +
                           " objects (first " + batch.front().object_key + ")";
        if (RecordWriter::IsDiskFull(st)) {
          what = "the database is full; free space and re-run (committed objects are skipped): " + what;
        }
        SetFatal(st.WithContext(what));
        continue;
      }
      batch_size_.Observe(static_cast<double>(batch.size()));
      const Clock::time_point now = env_->Now();
      for (size_t i = 0; i < batch.size(); ++i) {
        Item& it = batch[i];
        switch (outcomes[i]) {
          case WriteOutcome::kInserted:
            progress_.AddSucceeded();
            migrate_ok_.Inc();
            duration_.Observe(Seconds(now - it.started));
            break;
          case WriteOutcome::kSkipped:
            Skip(it.object_key, "already in the database");
            break;
          case WriteOutcome::kFailed:
            Fail(it.object_key, errors[i], "write failed");
            continue;  // never deleted; lease released with the item
        }
        // Handed on whole: its records are freed and its lease released by
        // the deleter, off this thread.
        if (o_.delete_source && !o_.dry_run) {
          if (!deletes_.Push(std::move(it))) break;
        }
      }
      // The rest of the batch (records, leases) is freed by the reclaimer:
      // on SQLite this thread is the pipeline's bottleneck, and freeing the
      // ~35 allocations per object that the fetchers made costs it more than
      // the hand-off.
      if (!spent_.Push(std::move(batch))) batch.clear();
      batch = std::vector<Item>();  // a moved-from vector is valid but unspecified
      batch.reserve(max_batch);
    }
  }

  // Destroys spent batches (see WriteLoop).
  void ReclaimLoop() {
    while (auto spent = spent_.Pop()) spent->clear();
  }

  void DeleteLoop() {
    while (auto item = deletes_.Pop()) {
      Status st = store_->Delete(item->object_key, Deadline::Never());
      if (st.ok()) {
        deleted_.fetch_add(1);
        delete_ok_.Inc();
      } else {
        delete_failed_.fetch_add(1);
        delete_fail_.Inc();
        log_->Error("delete failed (rows are committed; a re-run retries the delete)",
                    {{"object", item->object_key}, {"error", st.message()}});
      }
    }
  }

  void MetricsFileLoop() {
    std::unique_lock<std::mutex> l(mu_);
    while (!stop_metrics_) {
      cv_.wait_for(l, o_.progress_interval, [&] { return stop_metrics_; });
      if (stop_metrics_) break;
      l.unlock();
      (void)metrics_->WriteTextFile(env_, o_.metrics_file);
      l.lock();
    }
  }

  const IngestOptions& o_;
  const IngestDeps& deps_;
  Env* const env_;
  Logger* const log_;
  Lock* const lock_;
  BlobStore* const store_;
  const Codec* const codec_;
  MetricsRegistry* metrics_ = nullptr;
  bool tables_exist_ = true;

  BoundedQueue<std::string> keys_;
  BoundedQueue<Item> parsed_;
  BoundedQueue<Item> deletes_;
  BoundedQueue<std::vector<Item>> spent_;  // written batches, to be freed off the writer
  ProgressReporter progress_;

  Counter migrate_ok_, migrate_skip_, migrate_fail_, delete_ok_, delete_fail_;
  Histogram duration_, batch_size_;

  std::atomic<bool> stopping_{false};
  std::atomic<uint64_t> deleted_{0}, delete_failed_{0}, locked_elsewhere_{0};
  std::mutex mu_;
  std::condition_variable cv_;
  Status fatal_;              // GUARDED_BY(mu_)
  bool stop_metrics_ = false;  // GUARDED_BY(mu_)
};

}  // namespace

Result<IngestReport> RunIngest(const IngestOptions& options, const IngestDeps& deps) {
  if (deps.logger == nullptr) return InvalidArgument("ingest: a logger is required");
  if (options.concurrency < 1) return InvalidArgument("--concurrency must be at least 1");
  if (options.batch_size < 1) return InvalidArgument("--batch-size must be at least 1");
  Env* env = deps.env ? deps.env : Env::Default();
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Codec> codec, MakeCodec(options.format));

  std::unique_ptr<BlobStore> owned_store;
  BlobStore* store = deps.store;
  if (store == nullptr) {
    FERRY_ASSIGN_OR_RETURN(owned_store, OpenBlobStore(options.source_url, env, options.store_options));
    store = owned_store.get();
  }
  auto open_db = deps.open_database;
  if (!open_db) {
    open_db = [&]() { return OpenDatabase(options.database_url, env); };
  }
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> first, open_db());

  bool tables_exist = true;
  std::vector<std::string> applied;
  if (options.dry_run) {
    FERRY_ASSIGN_OR_RETURN(tables_exist, CodecTablesExist(first.get(), *codec));
  } else {
    FERRY_ASSIGN_OR_RETURN(CodecSchemaResult schema, EnsureCodecSchema(first.get(), options.database_url, *codec, env));
    for (const std::string& v : schema.applied) {
      deps.logger->Info("created codec tables", {{"codec", codec->name()}, {"migration", v}});
    }
    for (const std::string& v : schema.adopted) {
      deps.logger->Info("codec tables already exist; recorded as applied",
                        {{"codec", codec->name()}, {"migration", v}});
    }
    applied = schema.applied;
  }

  int writers = options.writers;
  if (writers <= 0) {
    writers = first->capabilities().single_writer ? 1 : std::min(4, options.concurrency);
  }
  if (first->capabilities().single_writer) writers = 1;
  std::vector<std::unique_ptr<Database>> dbs;
  dbs.push_back(std::move(first));
  for (int i = 1; i < writers; ++i) {
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, open_db());
    dbs.push_back(std::move(db));
  }

  if (!options.dry_run) {
    const SourceAfterCommit source =
        options.delete_source ? SourceAfterCommit::kDeleted : SourceAfterCommit::kKept;
    for (auto& db : dbs) FERRY_RETURN_IF_ERROR(TuneWriterConnection(db.get(), source));
  }

  MetricsRegistry own_metrics;
  MetricsRegistry* metrics = deps.metrics ? deps.metrics : &own_metrics;
  std::unique_ptr<LocalLock> own_lock;
  Lock* lock = deps.lock;
  if (lock == nullptr) {
    own_lock = std::make_unique<LocalLock>(env);
    lock = own_lock.get();
  }

  deps.logger->Info("starting ingest",
                    {{"source", store->Describe()},
                     {"database", dbs.front()->url().Redacted()},
                     {"format", codec->name()},
                     {"lock", lock->Describe()},
                     {"concurrency", options.concurrency},
                     {"writers", static_cast<int64_t>(dbs.size())},
                     {"batch_size", static_cast<uint64_t>(options.batch_size)},
                     {"dry_run", options.dry_run},
                     {"delete_source", options.delete_source}});
  IngestRun run(options, deps, env, metrics, lock, store, codec.get());
  IngestReport report = run.Run(std::move(dbs), tables_exist);
  report.schema_applied = std::move(applied);
  return report;
}

}  // namespace ferry
