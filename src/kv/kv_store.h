// KvStore: the seam a key-value engine implements (RocksDB today).
//
// Not a Database: a key-value engine has no SQL, so ferry does not pretend it
// has. What copy, verify and backup need from it is small: ordered byte keys,
// atomic durable batches, a consistent ordered scan, and the engine's own
// checkpoint. How tables are laid out on top (keys, rows, schema) lives in
// src/jobs/copy/kv_table_codec.h, not here.
//
// Contract
// - Keys and values are arbitrary bytes; keys sort bytewise (memcmp).
// - Write() applies a whole batch or none of it, and returns only once the
//   batch is durable (WAL synced): a process killed right after sees it.
// - NewIterator() reads one consistent snapshot of the store; it is not
//   thread-safe itself, but a store may hand iterators to several threads.
// - A KvStore is thread-safe (Get/Write/NewIterator from any thread).
// - Checkpoint(dir) writes an openable copy of the whole store into `dir`,
//   which must not exist (hard links where the file system allows).
// - Engine errors come back as Status prefixed by the engine and the path:
//   "rocksdb: /data/kv: Corruption: ..."; no engine exception crosses the seam.
//
// Adding an engine: a folder src/kv/<engine>/ with a class deriving from
// KvStore, one line in kv_registry.cc and one CMake option.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// Writes applied together by KvStore::Write.
class KvBatch {
 public:
  enum class OpKind { kPut, kDelete, kDeleteRange };
  struct Op {
    OpKind kind;
    std::string a;  // key, or range begin
    std::string b;  // value, or range end (exclusive)
  };

  void Put(std::string key, std::string value) {
    bytes_ += key.size() + value.size();
    ops_.push_back({OpKind::kPut, std::move(key), std::move(value)});
  }
  void Delete(std::string key) { ops_.push_back({OpKind::kDelete, std::move(key), {}}); }
  // Removes every key k with begin <= k < end.
  void DeleteRange(std::string begin, std::string end) {
    ops_.push_back({OpKind::kDeleteRange, std::move(begin), std::move(end)});
  }
  const std::vector<Op>& ops() const { return ops_; }
  size_t bytes() const { return bytes_; }
  void Clear() {
    ops_.clear();
    bytes_ = 0;
  }

 private:
  std::vector<Op> ops_;
  size_t bytes_ = 0;
};

class KvIterator {
 public:
  virtual ~KvIterator() = default;
  // Positions at the first key >= `key`.
  virtual void Seek(std::string_view key) = 0;
  virtual bool Valid() const = 0;
  virtual void Next() = 0;
  // Valid only while Valid() and until the next Seek/Next.
  virtual std::string_view key() const = 0;
  virtual std::string_view value() const = 0;
  // An I/O or corruption error met while iterating (Valid() is then false).
  virtual Status status() const = 0;
};

enum class KvOpenMode {
  kExisting,         // NotFound when there is no store at the path (sources, verify)
  kCreateIfMissing,  // copy targets, restores
  // Dry runs: writes nothing at all, not even the engine's own log or lock
  // file. An existing store opens read-only (Write fails); a path with no
  // store reads as an empty store and is not created (NewEmptyKvStore).
  kReadOnly,
};

class KvStore {
 public:
  virtual ~KvStore() = default;
  virtual std::string_view engine() const = 0;  // "rocksdb"
  virtual const std::string& path() const = 0;

  virtual Result<std::optional<std::string>> Get(std::string_view key) = 0;
  virtual Status Write(const KvBatch& batch) = 0;
  virtual std::unique_ptr<KvIterator> NewIterator() = 0;
  virtual Status Checkpoint(const std::string& dir) = 0;
};

// A store with no keys that refuses every Write, for a kReadOnly open of a
// path that holds no store yet: a dry run can ask it what exists (nothing)
// without creating the directory.
std::unique_ptr<KvStore> NewEmptyKvStore(std::string engine, std::string path);

// True when `url`'s scheme names a key-value engine ("rocksdb:/dir"),
// whether or not that engine is built in.
bool IsKvUrl(std::string_view url);

// Opens a store by URL, `rocksdb:/path/to/dir` (also rocksdb:///abs, or a
// relative rocksdb:dir). InvalidArgument for a URL without a path; NotFound
// for a scheme not built in (naming the CMake option) or, in kExisting mode,
// a path that holds no store; Locked when another process has it open.
Result<std::unique_ptr<KvStore>> OpenKvStore(const std::string& url, KvOpenMode mode, Env* env);

// The key-value schemes compiled into this binary.
std::vector<std::string> KvSchemes();

}  // namespace ferry
