#include "kv/rocksdb/rocksdb_store.h"

#include <cstdarg>
#include <memory>

#include <rocksdb/db.h>
#include <rocksdb/env.h>
#include <rocksdb/options.h>
#include <rocksdb/utilities/checkpoint.h>
#include <rocksdb/write_batch.h>

namespace ferry {
namespace {

// rocksdb::Status -> ferry::Status, with the engine and path in front.
Status FromRocks(const rocksdb::Status& s, const std::string& path, std::string_view what = {}) {
  if (s.ok()) return Status::OK();
  std::string msg = "rocksdb: " + path + (what.empty() ? "" : ": " + std::string(what)) + ": " +
                    s.ToString();
  if (s.IsNotFound()) return NotFound(msg);
  if (s.IsCorruption()) return Corruption(msg);
  if (s.IsInvalidArgument()) return InvalidArgument(msg);
  if (s.IsBusy() || s.IsTryAgain()) return Locked(msg);
  if (s.IsIOError()) {
    // Another process holding the store fails on the LOCK file.
    if (s.ToString().find("lock") != std::string::npos ||
        s.ToString().find("LOCK") != std::string::npos)
      return Locked(msg + " (is another process using this store?)");
    return IOError(msg);
  }
  return Internal(msg);
}

class SilentLogger final : public rocksdb::Logger {
 public:
  using rocksdb::Logger::Logv;
  void Logv(const char*, va_list) override {}
};

class RocksIterator final : public KvIterator {
 public:
  RocksIterator(std::unique_ptr<rocksdb::Iterator> it, std::string path)
      : it_(std::move(it)), path_(std::move(path)) {}
  void Seek(std::string_view key) override { it_->Seek(rocksdb::Slice(key.data(), key.size())); }
  bool Valid() const override { return it_->Valid(); }
  void Next() override { it_->Next(); }
  std::string_view key() const override {
    auto k = it_->key();
    return {k.data(), k.size()};
  }
  std::string_view value() const override {
    auto v = it_->value();
    return {v.data(), v.size()};
  }
  Status status() const override { return FromRocks(it_->status(), path_, "iterating"); }

 private:
  std::unique_ptr<rocksdb::Iterator> it_;
  std::string path_;
};

class RocksDbStore final : public KvStore {
 public:
  RocksDbStore(std::unique_ptr<rocksdb::DB> db, std::string path)
      : db_(std::move(db)), path_(std::move(path)) {}
  ~RocksDbStore() override {
    // Close() flushes nothing we need (the WAL is synced per batch) but
    // reports errors the destructor would swallow; there is no one to tell.
    (void)db_->Close();
  }

  std::string_view engine() const override { return "rocksdb"; }
  const std::string& path() const override { return path_; }

  Result<std::optional<std::string>> Get(std::string_view key) override {
    std::string value;
    rocksdb::Status s = db_->Get(rocksdb::ReadOptions(), rocksdb::Slice(key.data(), key.size()),
                                 &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    FERRY_RETURN_IF_ERROR(FromRocks(s, path_, "get"));
    return std::optional<std::string>(std::move(value));
  }

  Status Write(const KvBatch& batch) override {
    rocksdb::WriteBatch wb(batch.bytes() + 64 * batch.ops().size());
    for (const auto& op : batch.ops()) {
      rocksdb::Status s;
      switch (op.kind) {
        case KvBatch::OpKind::kPut: s = wb.Put(op.a, op.b); break;
        case KvBatch::OpKind::kDelete: s = wb.Delete(op.a); break;
        case KvBatch::OpKind::kDeleteRange: s = wb.DeleteRange(op.a, op.b); break;
      }
      FERRY_RETURN_IF_ERROR(FromRocks(s, path_, "batch"));
    }
    rocksdb::WriteOptions wo;
    wo.sync = true;  // durable before we report it (the checkpoint rides in the batch)
    return FromRocks(db_->Write(wo, &wb), path_, "write");
  }

  std::unique_ptr<KvIterator> NewIterator() override {
    rocksdb::ReadOptions ro;
    ro.fill_cache = false;  // scans read everything once; keep the cache for point reads
    return std::make_unique<RocksIterator>(std::unique_ptr<rocksdb::Iterator>(db_->NewIterator(ro)),
                                           path_);
  }

  Status Checkpoint(const std::string& dir) override {
    rocksdb::Checkpoint* raw = nullptr;
    FERRY_RETURN_IF_ERROR(FromRocks(rocksdb::Checkpoint::Create(db_.get(), &raw), path_, "checkpoint"));
    std::unique_ptr<rocksdb::Checkpoint> cp(raw);
    // log_size_for_flush = 0: flush the memtable first, so the checkpoint is
    // SST files only and needs no WAL replay.
    return FromRocks(cp->CreateCheckpoint(dir, 0), path_, "checkpoint into " + dir);
  }

 private:
  std::unique_ptr<rocksdb::DB> db_;
  std::string path_;
};

}  // namespace

Result<std::unique_ptr<KvStore>> OpenRocksDbStore(const std::string& path, KvOpenMode mode,
                                                  Env* env) {
  const bool exists = env->FileExists(path + "/CURRENT");
  if (mode == KvOpenMode::kExisting && !exists)
    return NotFound("rocksdb: " + path + ": no RocksDB store there (no CURRENT file)");
  if (mode == KvOpenMode::kReadOnly && !exists) return NewEmptyKvStore("rocksdb", path);
  rocksdb::Options options;
  options.create_if_missing = mode == KvOpenMode::kCreateIfMissing;
  options.IncreaseParallelism(2);
  options.OptimizeLevelStyleCompaction(128 << 20);
  options.max_open_files = 512;
  options.keep_log_file_num = 2;
  rocksdb::DB* raw = nullptr;
  rocksdb::Status s;
  if (mode == KvOpenMode::kReadOnly) {
    // OpenForReadOnly takes no LOCK and writes no WAL or MANIFEST, but would
    // still create and rotate the LOG file: a logger that drops everything.
    options.info_log = std::make_shared<SilentLogger>();
    s = rocksdb::DB::OpenForReadOnly(options, path, &raw);
  } else {
    s = rocksdb::DB::Open(options, path, &raw);
  }
  FERRY_RETURN_IF_ERROR(FromRocks(s, path, "open"));
  return std::unique_ptr<KvStore>(new RocksDbStore(std::unique_ptr<rocksdb::DB>(raw), path));
}

}  // namespace ferry
