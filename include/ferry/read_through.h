// ferry::ReadThrough — serve records from the database, migrating them from
// the old object store on first access (the "background automatic migration"
// of the ncps narinfo guide), for a service that is being moved off its
// files without downtime.
//
//   ferry::ReadThroughOptions o;
//   o.database_url = "sqlite:/var/lib/ncps/db.sqlite";
//   o.store_url = "file:///var/lib/ncps";
//   o.codec = "narinfo";
//   auto rt = ferry::ReadThrough::Open(o);           // creates the codec tables if needed
//   auto text = (*rt)->Get("n5glp21rsz314qssw9fbvfswgy3kc68f");  // narinfo text
//
// Get(key):
//   1. reads the record from the database; found -> returns it;
//   2. otherwise reads the object from the store (for narinfo the key is the
//      hash and the object is store/narinfo/<h0>/<h0h1>/<hash>.narinfo),
//      parses it, writes its rows in one transaction (INSERT ... ON CONFLICT
//      DO NOTHING, so a racing ingest or another replica is harmless), and
//      with delete_source deletes the object only after that commit;
//   3. returns the record rendered in the codec's text format (for narinfo,
//      the narinfo file a Nix client expects).
// NotFound when neither has the key; InvalidArgument (naming the object and
// line) when the stored object does not parse -- it is then left alone.
//
// Concurrency: concurrent Get()s of one key in this process migrate it once
// (single flight: one caller does the work, the others wait for its result).
// Across processes, pass the same distributed `lock` the other replicas and
// `ferry ingest --lock redis` use: the object's lease is "ingest:<object key>",
// the key ingest takes, so a read-through and a bulk ingest never work on one
// object at the same time. Without a lock, the database's unique key still
// makes the result correct (the second writer's rows are skipped).
//
// Thread-safe: Get() may be called from many threads (an HTTP server's pool);
// database connections are pooled, one per concurrent caller.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

class Lock;

struct ReadThroughOptions {
  std::string database_url;
  std::string store_url;
  std::string codec = "narinfo";  // only codecs that can render a record (narinfo)
  bool delete_source = false;     // delete the object once its rows are committed
  // Optional shared lock (not owned; must outlive the ReadThrough). Null:
  // single flight within this process only.
  Lock* lock = nullptr;
  std::chrono::milliseconds lock_wait{std::chrono::seconds(10)};
  std::chrono::milliseconds lock_lease{std::chrono::seconds(30)};
  // Store credentials; empty = AWS_* environment variables.
  std::string access_key_id;
  std::string secret_access_key;
  // The object key holding a record key; empty = the codec's layout
  // (narinfo: NarInfoObjectKey(hash)).
  std::function<std::string(std::string_view key)> object_key_for;
  Env* env = nullptr;  // Env::Default()
};

// Where the answer of a Get() came from.
enum class ReadThroughSource { kDatabase, kStore };

struct ReadThroughStats {
  uint64_t database_hits = 0;
  uint64_t migrated = 0;    // read from the store and written by this process
  uint64_t store_hits = 0;  // read from the store (migrated here or by a racer)
  uint64_t not_found = 0;
  uint64_t deleted = 0;
  uint64_t shared_flights = 0;  // callers that waited for another caller's result
};

class ReadThrough {
 public:
  // Opens the store and one database connection, and creates the codec's
  // tables (through their ledger) when missing.
  static Result<std::unique_ptr<ReadThrough>> Open(const ReadThroughOptions& options);
  virtual ~ReadThrough() = default;

  // The record `key` rendered as text (see above). *source (optional) says
  // where it came from.
  virtual Result<std::string> Get(std::string_view key, ReadThroughSource* source = nullptr) = 0;

  virtual ReadThroughStats stats() const = 0;
};

}  // namespace ferry
