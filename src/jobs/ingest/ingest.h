// Ingest: move the records kept as objects in a BlobStore (a directory tree
// or an S3 bucket) into database tables, through a Codec (narinfo, ...).
// What `ferry ingest` runs; usable as a library.
//
// Pipeline (every arrow is a BoundedQueue, so memory is flat whatever the
// number of objects: the listing is paged and never collected):
//
//   lister --keys--> N fetchers --parsed--> W writers --done--> N deleters
//   (1 thread)       Get + Parse            batches of           (only with
//                    (concurrency)          batch_size objects   delete_source)
//                                                 \--spent--> reclaimer
//                                                  (frees written batches
//                                                   off the writer thread)
//
// - Lister: pages through store->List(); keys the codec does not Accept()
//   are ignored (a Nix cache also holds nar/ files); the others are "found".
// - Fetcher: "processed" once picked up; takes the object's lease in the lock
//   (key "ingest:<object key>", try-only: an object another process holds
//   is left to it and counted skipped); Get (NotFound -> skipped: another
//   process migrated and deleted it); Parse (error -> failed: the message
//   names the object and line). A failed object is never written or deleted.
// - Writer: SQLite gets exactly one writer (single writer engine), PostgreSQL
//   `writers` connections. A batch is written by RecordWriter in one
//   transaction: records already in the database are "skipped", new ones
//   "succeeded"; a bad record fails only its own object.
// - Deleter: with delete_source, an object is deleted only after the batch
//   holding its rows committed -- whether this run inserted them or they were
//   already there (so a re-run deletes what an earlier run left behind and
//   retries failed deletions). Its lease is released after the delete.
// - dry_run: list, fetch and parse; ask the database (read only) which
//   records are new; write, create and delete nothing.
//
// One bad object never stops the run. A fatal error does: the store cannot
// be listed (wrong URL, missing bucket), the database is gone or full, or the
// lock backend is down without allow_degraded. The run then stops listing,
// drops what is in flight (uncommitted objects are simply not deleted; a
// re-run picks them up) and returns the report with `fatal` set.
//
// Crash safety (kill -9 at any point): rows are only ever committed whole
// per batch; objects are only deleted after their rows are committed. A
// re-run skips what is there and deletes what is left. Leases of a killed
// process expire after lock_lease (Redis) or at once (local, PostgreSQL).
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "lock/lock.h"
#include "obs/logger.h"
#include "obs/metrics.h"
#include "obs/progress.h"
#include "store/blob_store.h"

namespace ferry {

struct IngestOptions {
  std::string source_url;    // file:///var/lib/ncps, s3://bucket/prefix?endpoint=...
  std::string database_url;  // sqlite:db.sqlite, postgres://...
  std::string format = "narinfo";
  std::string prefix;        // only keys under this prefix of the store
  int concurrency = 10;      // fetch+parse workers (and deleters)
  size_t batch_size = 1000;  // objects per transaction
  int writers = 0;           // 0 = 1 for single-writer engines, else min(4, concurrency)
  bool dry_run = false;
  bool delete_source = false;
  StoreOptions store_options;
  // How long a lease in a distributed lock lives without the holder (a
  // crashed worker's objects are free again after this).
  std::chrono::milliseconds lock_lease{std::chrono::minutes(2)};
  // A writer commits a partial batch after waiting this long for more.
  std::chrono::milliseconds flush_interval{std::chrono::milliseconds(200)};
  std::chrono::milliseconds progress_interval{std::chrono::seconds(5)};
  // Written periodically (every progress_interval) and at the end; "" = no.
  std::string metrics_file;
  // Stop listing after this many found objects (0 = all); for tests.
  uint64_t limit = 0;
};

struct IngestReport {
  ProgressSnapshot progress;   // found/processed/succeeded/failed/skipped
  uint64_t deleted = 0;        // objects removed from the store
  uint64_t delete_failed = 0;  // committed, but the delete failed (re-run retries)
  uint64_t locked_elsewhere = 0;  // skipped because another process held them
  std::vector<std::string> schema_applied;  // codec migrations run now
  Status fatal;                // why the run stopped early; OK when it did not
  bool dry_run = false;

  // True when nothing failed at all.
  bool clean() const { return fatal.ok() && progress.failed == 0 && delete_failed == 0; }
};

// Hooks for tests and embedders; null members get the default.
struct IngestDeps {
  Env* env = nullptr;                // Env::Default()
  Logger* logger = nullptr;          // required
  MetricsRegistry* metrics = nullptr;  // a private registry
  Lock* lock = nullptr;              // a LocalLock
  BlobStore* store = nullptr;        // OpenBlobStore(options.source_url)
  // Opens one database connection (called once per writer, plus once for the
  // schema); default OpenDatabase(options.database_url).
  std::function<Result<std::unique_ptr<Database>>()> open_database;
};

// Runs the whole ingest. A non-OK Result is a setup failure before any object
// was touched (bad URL, unknown format, unreachable database, the codec's
// tables cannot be created). Otherwise the report says how it went.
Result<IngestReport> RunIngest(const IngestOptions& options, const IngestDeps& deps);

// The lock key of an object (shared by ingest and read-through so they
// coordinate over one lock backend).
std::string IngestLockKey(std::string_view object_key);

}  // namespace ferry
