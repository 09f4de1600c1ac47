// BlobStore: where ingest reads its source objects from.
//
// A BlobStore is a flat namespace of keys ("store/narinfo/a/ab/abc.narinfo")
// mapping to byte strings. ferry's ingest lists a store page by page, reads
// each object, writes its rows, and (with --delete-source) deletes the object
// once its rows are committed. Implementations:
//
//   file:///abs/dir   file:rel/dir                  src/store/file/file_store.h
//   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1
//                                                   src/store/s3/s3_store.h
//
// Keys are relative to the store's root (the directory, or the URL's key
// prefix), use '/' as separator and never start with '/'. The same key that
// List() returns is what Get()/Delete() take.
//
// Contract (every implementation; tests/unit/store and tests/integration/s3
// check it):
//   - List() returns every key under options.prefix exactly once, in
//     ascending byte-wise (memcmp) order, the order S3 uses. Because the order
//     is total and stable, a listing is resumable: pass the last key you
//     finished as options.start_after and the listing continues after it.
//   - List() streams: it hands out pages of at most options.page_size keys
//     and keeps only O(page + one directory) keys in memory, so a store of
//     1,000,000 objects is listed in flat memory. Objects added or removed
//     while a listing runs may or may not be seen (no snapshot).
//   - Get() of a missing key is NotFound.
//   - Delete() of a missing key is OK, so a re-run that deletes again is
//     harmless (idempotent).
//   - Put() replaces the object atomically: a reader sees the old bytes or the
//     new ones, never a mix. (For tests, benchmarks and read-through caches.)
//   - Describe() is safe to log: secrets are redacted.
//
// Failure behaviour: every call returns a Status (never throws) whose message
// names the store and the key. Codes:
//   NotFound         the object (or for List, the root directory/bucket) is missing
//   Unavailable      retryable: HTTP 5xx/429, connection refused or reset, a
//                    request timeout or a stalled transfer. Remote stores have
//                    already retried with backoff (StoreOptions) before
//                    returning it; a caller may retry later.
//   InvalidArgument  the request itself is wrong: a bad key, a bad URL, HTTP
//                    4xx other than 404 (e.g. 403: bad credentials)
//   IOError          the OS refused a local read/write
//   Timeout          the call's Deadline passed
//   anything else    returned unchanged from the caller's page callback
// A failed Put leaves the old object (or none); a failed Delete leaves the
// object or removes it, and a retry finishes the job.
//
// Thread-safety: every method of every implementation may be called from many
// threads at once (ingest runs up to 50 workers on one store). A single List()
// call invokes its callback on the calling thread, one page at a time.
//
// Adding a store (e.g. gs://, azblob://):
//   1. a folder src/store/<name>/ with a class deriving from BlobStore and a
//      factory `Result<std::unique_ptr<BlobStore>> Open<Name>Store(const
//      StoreUrl&, Env*, const StoreOptions&)`;
//   2. parse its URL form in StoreUrl::Parse (src/store/store_url.cc);
//   3. one line in the table in src/store/registry.cc;
//   4. run the contract tests against it (copy tests/integration/s3).
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct ListOptions {
  // Only keys starting with this (relative to the store root). "" = all.
  std::string prefix;
  // Resume point: only keys strictly greater than this. "" = from the start.
  std::string start_after;
  // At most this many keys per callback (S3 caps a page at 1000).
  size_t page_size = 1000;
};

// Receives one page of keys (non-empty, ascending). Returning a non-OK status
// stops the listing; List() then returns that status unchanged.
using ListPageFn = std::function<Status(std::vector<std::string> keys)>;

// Knobs for remote stores; the file store ignores what it does not need.
struct StoreOptions {
  // Credentials; empty means "from the environment" (AWS_ACCESS_KEY_ID,
  // AWS_SECRET_ACCESS_KEY, AWS_SESSION_TOKEN via Env::GetEnv). With none at
  // all, requests are sent unsigned (public buckets).
  std::string access_key_id;
  std::string secret_access_key;  // never logged
  std::string session_token;      // never logged

  // Attempts per request for retryable (Unavailable) failures, including the
  // first. 1 = no retries.
  int max_attempts = 5;
  // Backoff before retry n (n = 1, 2, ...): a random time in
  // [b/2, b] with b = min(max_backoff, initial_backoff * 2^(n-1)).
  std::chrono::milliseconds initial_backoff{200};
  std::chrono::milliseconds max_backoff{5000};
  // Per attempt: time to connect, and the whole request.
  std::chrono::milliseconds connect_timeout{5000};
  std::chrono::milliseconds request_timeout{60000};
  // A transfer slower than low_speed_bytes_per_sec for low_speed_time is
  // abandoned (a stalled server) and counts as Unavailable.
  long low_speed_bytes_per_sec = 1;
  std::chrono::seconds low_speed_time{30};
};

class BlobStore {
 public:
  virtual ~BlobStore() = default;

  // Calls on_page for successive pages of keys (see the contract above).
  // Returns OK after the last page; an empty store calls on_page never.
  virtual Status List(const ListOptions& options, Deadline deadline,
                      const ListPageFn& on_page) = 0;

  // The object's bytes; NotFound if there is none.
  virtual Result<std::string> Get(const std::string& key, Deadline deadline) = 0;

  // Removes the object; OK if it was already gone.
  virtual Status Delete(const std::string& key, Deadline deadline) = 0;

  // Creates or replaces the object atomically.
  virtual Status Put(const std::string& key, const std::string& data, Deadline deadline) = 0;

  // "file:///var/lib/ncps" or "s3://bucket/prefix (endpoint=..., region=...)";
  // no secrets, safe for logs.
  virtual std::string Describe() const = 0;
};

// Opens the store a URL names; the scheme picks the implementation from one
// table (src/store/registry.cc). InvalidArgument, naming the redacted URL,
// when the URL is malformed or its scheme unknown. `env` must outlive the
// store. Opening does not touch the store: a missing directory or bucket
// shows up on the first call.
Result<std::unique_ptr<BlobStore>> OpenBlobStore(const std::string& url, Env* env,
                                                 const StoreOptions& options = {});

// The schemes OpenBlobStore understands, for help texts.
std::vector<std::string> BlobStoreSchemes();

}  // namespace ferry
