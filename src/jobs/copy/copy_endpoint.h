// CopyEndpoint: one side of a copy or verify, a SQL database or a key-value
// store, behind the few operations copy and verify need.
//
// The copy protocol (schema check, keyset pipeline, checkpoint per batch,
// retries, verify) lives once in copier.cc and verifier.cc; an endpoint only
// says how its engine does each step:
//   - sql_endpoint.cc wraps a Database (schema readers, KeysetReader,
//     TableWriter, ferry_copy_checkpoints) exactly as copy always did;
//   - kv_endpoint.cc lays tables out in a KvStore (kv_table_codec.h).
// A key-value store is not faked as SQL: it never sees a statement.
//
// Contract
// - Not thread-safe, except OpenReader() and OpenSqlConnection(), whose
//   reader or connection may run on another thread while the endpoint
//   writes (the copy pipeline does this).
// - WriteBatch() stores the rows and the table's checkpoint atomically and
//   durably: after a crash either both are there or neither.
// - Rows are vectors of Values in the column order the caller gave; values a
//   target receives have gone through Carry() first.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/table_schema.h"
#include "jobs/copy/type_mapper.h"

namespace ferry {

// A table read in pages in the endpoint's key order, resumable after a key.
class RowReader {
 public:
  virtual ~RowReader() = default;
  // Starts after `key` (a checkpoint) instead of at the beginning.
  virtual void SeekAfter(std::vector<Value> key) = 0;
  // The next page into *rows (cleared first); false when there are no more.
  virtual Result<bool> Next(std::vector<std::vector<Value>>* rows) = 0;
  // The key of the last row returned; empty before the first page.
  virtual const std::vector<Value>& last_key() const = 0;
  // After an Unavailable error: reconnect and continue after last_key().
  // Engines that cannot lose a connection return the error they were given.
  virtual Status Reopen() = 0;
};

// Where a table copy stopped: committed with the rows it covers.
struct CopyCheckpoint {
  std::vector<Value> last_key;  // in the SOURCE's key order
  int64_t rows = 0;
  bool done = false;
  std::string source;  // redacted source URL
};

class CopyEndpoint {
 public:
  virtual ~CopyEndpoint() = default;
  virtual std::string_view engine() const = 0;  // "sqlite", "postgres", "rocksdb", ...

  // ---- both sides
  virtual Result<std::vector<std::string>> ListTables() = 0;  // user tables, name order
  virtual Result<bool> TableExists(const std::string& table) = 0;
  // The schema with logical types. As a source: declared types mapped with
  // `overrides` (an unmappable one is an error naming table.column). As a
  // target (ReadTargetSchema): unmappable types read as text, for the shape check.
  virtual Result<TableSchema> ReadSourceSchema(const std::string& table,
                                               const TypeOverrides& overrides) = 0;
  virtual Result<TableSchema> ReadTargetSchema(const std::string& table) = 0;
  virtual Result<int64_t> CountRows(const std::string& table) = 0;
  // Reads `columns` (in that order) in pages of `page` rows ordered by `key`
  // (empty key: the whole table in one read, for verify of keyless tables).
  // kOwnConnection: the reader opens its own connection where the engine has
  // connections, so it can run on another thread (the copy pipeline);
  // kShared reads through the endpoint's own (verify).
  enum class ReaderConnection { kOwn, kShared };
  virtual Result<std::unique_ptr<RowReader>> OpenReader(const std::string& table,
                                                        const std::vector<std::string>& columns,
                                                        const std::vector<std::string>& key,
                                                        size_t page, ReaderConnection conn) = 0;

  // ---- target side
  // A value of logical type `t` as this engine should store it (CarryValue).
  virtual Value Carry(LogicalType t, Value v) const = 0;
  // What CreateTable would do, for --dry-run and the report.
  virtual std::string CreateTableText(const TableSchema& schema) = 0;
  // `key`: the columns that identify a row (the source's primary key or
  // --order-by); a SQL target declares the source's primary key as it is.
  virtual Status CreateTable(const TableSchema& schema, const std::vector<std::string>& key) = 0;
  // Prepares writing rows of `schema` (the source's columns, in its order);
  // `key` names the columns that identify a row (the source's key).
  virtual Status BeginTable(const TableSchema& schema, const std::vector<std::string>& key) = 0;
  virtual Result<std::optional<CopyCheckpoint>> ReadCheckpoint(const std::string& table) = 0;
  // Deletes the table's rows and its checkpoint, atomically.
  virtual Status Truncate(const std::string& table) = 0;
  // Appends `rows` and sets the checkpoint, in one atomic, durable step.
  virtual Status WriteBatch(const std::string& table, const std::vector<std::vector<Value>>& rows,
                            const CopyCheckpoint& checkpoint) = 0;
  virtual Status SaveCheckpoint(const std::string& table, const CopyCheckpoint& checkpoint) = 0;
  // After an Unavailable error: reconnect (and BeginTable again). Engines
  // that cannot lose a connection return OK.
  virtual Status Reconnect() = 0;

  // ---- engine-specific fast paths (postgres_passthrough.h). The defaults
  // say "not available", so only a SQL endpoint offers them.
  // The SQL database behind this endpoint; nullptr for a key-value store.
  virtual Database* sql_database() { return nullptr; }
  // A new connection to the same database with the copy session prepared,
  // for a reader on another thread.
  virtual Result<std::unique_ptr<Database>> OpenSqlConnection() {
    return FailedPrecondition("this endpoint has no SQL connections to open");
  }
  // As WriteBatch, but the rows are written by `write` on the endpoint's
  // (current) connection, in the same transaction as the checkpoint.
  using SqlBatchWriter = std::function<Status(Database* db)>;
  virtual Status WriteBatchWith(const std::string& table, const SqlBatchWriter& write,
                                const CopyCheckpoint& checkpoint) {
    (void)table, (void)write, (void)checkpoint;
    return FailedPrecondition("this endpoint cannot write through a SQL connection");
  }
};

using DatabaseOpener = std::function<Result<std::unique_ptr<Database>>(const std::string& url)>;

enum class EndpointRole {
  kSource,
  kTarget,
  // A --dry-run's target: nothing may be written to it. A key-value store
  // opens read-only, and one that does not exist yet reads as empty and is
  // not created.
  kDryRunTarget,
};

// Opens either side by URL: a key-value URL (rocksdb:/dir) opens a KvStore
// (the target is created if missing, a source must exist); anything else
// opens a Database through `open` (tests inject faults there) with the
// session prepared (PostgreSQL in UTC).
Result<std::unique_ptr<CopyEndpoint>> OpenCopyEndpoint(const std::string& url, EndpointRole role,
                                                       const DatabaseOpener& open, Env* env);

// The URL a dry run opens a SQLite target with, so that it writes nothing:
// read-only when the file exists, an empty in-memory database when it does
// not. Other URLs are returned unchanged.
std::string DryRunSqliteUrl(const std::string& url);

// A SQL endpoint over an open Database. `url` and `open` reconnect it (and
// open reader connections); without them (borrowed, e.g. VerifyTables on
// two open Databases) only kShared readers work and Reconnect fails.
std::unique_ptr<CopyEndpoint> NewSqlEndpoint(std::unique_ptr<Database> db, std::string url,
                                             DatabaseOpener open, Env* env);
std::unique_ptr<CopyEndpoint> NewBorrowedSqlEndpoint(Database* db);

class KvStore;
// A key-value endpoint (kv_endpoint.cc) over an open store.
std::unique_ptr<CopyEndpoint> NewKvEndpoint(std::unique_ptr<KvStore> store, Env* env);

// Sets up a SQL session for copy/verify: PostgreSQL answers in UTC, so text
// forms of the same instant agree across runs and engines; DuckDB's buffer
// pool is capped at kDuckdbCopyMemoryLimit (unless the URL sets
// memory_limit), so memory stays flat however big the table.
Status PrepareCopySession(Database* db);
inline constexpr const char* kDuckdbCopyMemoryLimit = "128MB";

}  // namespace ferry
