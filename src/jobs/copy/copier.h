// ferry copy: moves tables from one database to another, any engine to any
// engine, then verifies them (verifier.h). Either side may also be a
// key-value store (rocksdb:/dir): each side is a CopyEndpoint
// (copy_endpoint.h), and the steps below are the same for all.
//
// Per table:
//  1. Read the source schema and map its types (type_mapper.h); an unmappable
//     type is an error naming table.column unless --map says how.
//  2. The target table must exist with a compatible shape, or is created
//     with mapped types (--create-schema). Another shape is an error listing
//     the differences.
//  3. Rows move in keyset batches (keyset_reader.h) through a two-stage
//     pipeline: a reader thread (its own source connection) fills a bounded
//     queue of 4 batches while the writer loads the previous batch with the
//     target's bulk path (table_writer.h). Memory is bounded by the queue.
//  4. Each batch commits in ONE target transaction together with the table's
//     checkpoint row in ferry_copy_checkpoints (last key, rows copied), so a
//     process killed at any instant resumes (--resume) with nothing lost or
//     doubled.
//  5. A lost connection (Unavailable) is retried with backoff: the writer
//     reconnects, reads its checkpoint to learn whether the batch in flight
//     committed, and carries on; after max_attempts the copy fails, the
//     checkpoint is kept, and --resume continues from it.
// A table without a primary key needs --order-by TABLE.COLUMN (a unique,
// not-null column); the error says so.
//
// Two paths move a batch (TableCopyResult::path says which one a table took,
// and the log says why):
//  - "values": rows are decoded into Values, carried (CarryValue) and
//    re-encoded by the target's bulk path. Any engine to any engine.
//  - "passthrough": PostgreSQL to PostgreSQL when no value needs converting
//    (postgres_passthrough.h decides): each keyset page is the source's
//    COPY binary stream loaded as is by the target's COPY, never decoded.
//    Same batches, checkpoints, retries, rate limit and progress; a
//    checkpoint written by either path resumes on either.
//
// Existing data: a target table that already holds rows is an error unless
// --truncate (delete them and the checkpoint first) or --resume (continue a
// checkpointed copy). A table whose checkpoint says "done" is skipped on
// --resume.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/type_mapper.h"
#include "jobs/copy/verifier.h"
#include "obs/logger.h"
#include "obs/metrics.h"

namespace ferry {

struct CopyOptions {
  std::string from_url;
  std::string to_url;
  std::vector<std::string> tables;  // empty = every table of the source
  size_t batch = 10000;             // rows per keyset page and per target transaction
  double max_rate = 0;              // rows per second, 0 = unlimited
  bool create_schema = false;
  bool truncate = false;
  bool resume = false;
  bool dry_run = false;
  bool verify = true;
  TypeOverrides overrides;
  // Key columns for tables without a primary key: table (or "" for any) -> columns.
  std::map<std::string, std::vector<std::string>> order_by;
  int max_attempts = 4;  // per batch, on Unavailable
  std::chrono::milliseconds retry_backoff{500};
  size_t queue_batches = 4;
  bool passthrough = true;  // false: always the value path (--no-passthrough)
};

struct CopyDeps {
  Env* env = nullptr;
  Logger* logger = nullptr;             // required
  MetricsRegistry* metrics = nullptr;   // optional
  DatabaseOpener open;                  // default: OpenDatabase(url, env); tests inject faults
  // Test hook: called after each committed batch with the table and the rows
  // committed so far (the crash test kills the process here).
  std::function<void(const std::string&, int64_t)> after_batch;
};

struct TableCopyResult {
  std::string table;
  int64_t rows_copied = 0;     // this run
  int64_t rows_total = 0;      // including earlier runs (resume)
  int64_t source_rows = 0;     // dry run: count(*) of the source
  bool resumed = false;
  bool skipped = false;        // --resume and the checkpoint said done
  bool created = false;        // created (or, in a dry run, would be)
  std::string create_sql;
  double seconds = 0;
  std::string path;            // "passthrough" or "values"; empty when nothing was copied
};

struct CopyReport {
  bool dry_run = false;
  std::vector<TableCopyResult> tables;
  int64_t rows = 0;
  double seconds = 0;
  double rows_per_second = 0;
  bool verified = false;
  VerifyReport verify;
};

// Runs the copy. A failure of the copy itself is an error Status (with the
// table, and the checkpoint kept); differences found by the final verify
// are in report.verify (report.verify.ok() false).
Result<CopyReport> RunCopy(const CopyOptions& options, const CopyDeps& deps);

// Parses --order-by values "[table.]column" into CopyOptions::order_by form.
Status AddOrderBy(const std::string& spec, std::map<std::string, std::vector<std::string>>* out);

}  // namespace ferry
