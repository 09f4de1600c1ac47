// ReadThrough (include/ferry/read_through.h) over the ingest pieces:
// RecordWriter for the write, EnsureCodecSchema for the tables, the
// BlobStore for the fallback.
#include "ferry/read_through.h"

#include <atomic>
#include <condition_variable>
#include <map>
#include <mutex>
#include <optional>
#include <vector>

#include "db/database.h"
#include "jobs/ingest/codec_schema.h"
#include "jobs/ingest/ingest.h"
#include "jobs/ingest/record_writer.h"
#include "lock/lock.h"
#include "store/blob_store.h"
#include "store/codecs/narinfo.h"
#include "store/codecs/narinfo_codec.h"
#include "store/codecs/narinfo_generator.h"

namespace ferry {
namespace {

// One pooled connection with its statements.
struct Conn {
  std::unique_ptr<Database> db;
  std::unique_ptr<RecordWriter> writer;
  std::vector<std::unique_ptr<PreparedStatement>> selects;  // one per table
};

// The shared result of one in-flight migration of a key.
struct Flight {
  std::mutex mu;
  std::condition_variable cv;
  bool done = false;
  Result<std::string> result = Status(Code::kInternal, "unset");
  ReadThroughSource source = ReadThroughSource::kStore;
};

class ReadThroughImpl final : public ReadThrough {
 public:
  ReadThroughImpl(ReadThroughOptions options, Env* env, std::unique_ptr<Codec> codec,
                  std::unique_ptr<BlobStore> store)
      : o_(std::move(options)), env_(env), codec_(std::move(codec)), store_(std::move(store)) {}

  Status Init(std::unique_ptr<Database> first) {
    FERRY_RETURN_IF_ERROR(EnsureCodecSchema(first.get(), o_.database_url, *codec_, env_).status());
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Conn> c, Wrap(std::move(first)));
    Return(std::move(c));
    return Status::OK();
  }

  Result<std::string> Get(std::string_view key, ReadThroughSource* source) override {
    if (codec_->name() == "narinfo" && !IsNixHash(key)) {
      return NotFound("not a narinfo hash: \"" + std::string(key) + "\"");
    }
    // 1. The database.
    FERRY_ASSIGN_OR_RETURN(std::optional<std::string> hit, FromDatabase(key));
    if (hit) {
      db_hits_.fetch_add(1);
      if (source) *source = ReadThroughSource::kDatabase;
      return std::move(*hit);
    }
    // 2. Single flight per key.
    std::shared_ptr<Flight> flight;
    bool leader = false;
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = flights_.find(std::string(key));
      if (it == flights_.end()) {
        flight = std::make_shared<Flight>();
        flights_.emplace(std::string(key), flight);
        leader = true;
      } else {
        flight = it->second;
      }
    }
    if (!leader) {
      shared_.fetch_add(1);
      std::unique_lock<std::mutex> l(flight->mu);
      flight->cv.wait(l, [&] { return flight->done; });
      if (source) *source = flight->source;
      return flight->result;
    }
    ReadThroughSource src = ReadThroughSource::kStore;
    Result<std::string> result = Migrate(key, &src);
    {
      std::lock_guard<std::mutex> l(flight->mu);
      flight->result = result;
      flight->source = src;
      flight->done = true;
    }
    flight->cv.notify_all();
    {
      std::lock_guard<std::mutex> l(mu_);
      flights_.erase(std::string(key));
    }
    if (source) *source = src;
    return result;
  }

  ReadThroughStats stats() const override {
    ReadThroughStats s;
    s.database_hits = db_hits_.load();
    s.migrated = migrated_.load();
    s.store_hits = store_hits_.load();
    s.not_found = not_found_.load();
    s.deleted = deleted_.load();
    s.shared_flights = shared_.load();
    return s;
  }

 private:
  Result<std::unique_ptr<Conn>> Wrap(std::unique_ptr<Database> db) {
    auto c = std::make_unique<Conn>();
    for (size_t t = 0; t < codec_->Tables().size(); ++t) {
      FERRY_ASSIGN_OR_RETURN(std::unique_ptr<PreparedStatement> s,
                             db->Prepare(codec_->SelectRowsSql(t)));
      c->selects.push_back(std::move(s));
    }
    c->writer = std::make_unique<RecordWriter>(db.get(), codec_.get());
    c->db = std::move(db);
    return c;
  }

  Result<std::unique_ptr<Conn>> Borrow() {
    {
      std::lock_guard<std::mutex> l(pool_mu_);
      if (!idle_.empty()) {
        std::unique_ptr<Conn> c = std::move(idle_.back());
        idle_.pop_back();
        return c;
      }
    }
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(o_.database_url, env_));
    return Wrap(std::move(db));
  }

  void Return(std::unique_ptr<Conn> c) {
    std::lock_guard<std::mutex> l(pool_mu_);
    if (idle_.size() < 16) idle_.push_back(std::move(c));
  }

  Result<std::string> Render(const Record& record) {
    return NarInfoCodec::RenderRecord(record);
  }

  // The record from the database, rendered; nullopt when absent.
  Result<std::optional<std::string>> FromDatabase(std::string_view key) {
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Conn> c, Borrow());
    Record record;
    record.key = std::string(key);
    record.rows.resize(codec_->Tables().size());
    for (size_t t = 0; t < c->selects.size(); ++t) {
      Result<Rows> rows = c->selects[t]->Query({std::string(key)});
      if (!rows.ok()) return rows.status();  // the connection is dropped, not pooled
      if (t == 0 && rows->empty()) {
        Return(std::move(c));
        return std::optional<std::string>();
      }
      record.rows[t] = std::move(rows->rows);
    }
    Return(std::move(c));
    FERRY_ASSIGN_OR_RETURN(std::string text, Render(record));
    return std::optional<std::string>(std::move(text));
  }

  Result<std::string> Migrate(std::string_view key, ReadThroughSource* src) {
    const std::string object_key =
        o_.object_key_for ? o_.object_key_for(key) : NarInfoObjectKey(key);
    std::unique_ptr<LockLease> lease;
    if (o_.lock != nullptr) {
      FERRY_ASSIGN_OR_RETURN(lease, o_.lock->Acquire(IngestLockKey(object_key), o_.lock_lease,
                                                     Deadline::After(env_, o_.lock_wait)));
      // Whoever held it may have migrated it meanwhile.
      FERRY_ASSIGN_OR_RETURN(std::optional<std::string> hit, FromDatabase(key));
      if (hit) {
        db_hits_.fetch_add(1);
        *src = ReadThroughSource::kDatabase;
        return std::move(*hit);
      }
    }
    Result<std::string> bytes = store_->Get(object_key, Deadline::Never());
    if (!bytes.ok()) {
      if (bytes.status().code() == Code::kNotFound) {
        not_found_.fetch_add(1);
        // A racer without a shared lock may have migrated and deleted it.
        FERRY_ASSIGN_OR_RETURN(std::optional<std::string> hit, FromDatabase(key));
        if (hit) {
          *src = ReadThroughSource::kDatabase;
          return std::move(*hit);
        }
        return NotFound(std::string(key) + ": not in the database nor in " + store_->Describe());
      }
      return bytes.status();
    }
    std::vector<Record> records;
    FERRY_RETURN_IF_ERROR(codec_->Parse(object_key, *bytes, &records));
    if (records.size() != 1 || records[0].key != key) {
      return InvalidArgument(object_key + ": holds " + std::to_string(records.size()) +
                             " record(s), not the one record \"" + std::string(key) + "\"");
    }
    store_hits_.fetch_add(1);
    {
      FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Conn> c, Borrow());
      std::vector<std::vector<Record>*> objects{&records};
      std::vector<WriteOutcome> outcomes;
      std::vector<Status> errors;
      FERRY_RETURN_IF_ERROR(c->writer->WriteBatch(objects, &outcomes, &errors));
      Return(std::move(c));
      if (outcomes[0] == WriteOutcome::kFailed) return errors[0];
      if (outcomes[0] == WriteOutcome::kInserted) migrated_.fetch_add(1);
    }
    if (o_.delete_source) {
      // Rows are committed (inserted now or already there): safe to delete.
      if (store_->Delete(object_key, Deadline::Never()).ok()) deleted_.fetch_add(1);
    }
    *src = ReadThroughSource::kStore;
    return Render(records[0]);
  }

  const ReadThroughOptions o_;
  Env* const env_;
  std::unique_ptr<Codec> codec_;
  std::unique_ptr<BlobStore> store_;

  std::mutex pool_mu_;
  std::vector<std::unique_ptr<Conn>> idle_;  // GUARDED_BY(pool_mu_)
  std::mutex mu_;
  std::map<std::string, std::shared_ptr<Flight>> flights_;  // GUARDED_BY(mu_)
  std::atomic<uint64_t> db_hits_{0}, migrated_{0}, store_hits_{0}, not_found_{0}, deleted_{0},
      shared_{0};
};

}  // namespace

Result<std::unique_ptr<ReadThrough>> ReadThrough::Open(const ReadThroughOptions& options) {
  Env* env = options.env ? options.env : Env::Default();
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Codec> codec, MakeCodec(options.codec));
  if (codec->name() != "narinfo") {
    return InvalidArgument("read-through: codec \"" + std::string(codec->name()) +
                           "\" cannot render records (supported: narinfo)");
  }
  StoreOptions so;
  so.access_key_id = options.access_key_id;
  so.secret_access_key = options.secret_access_key;
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<BlobStore> store, OpenBlobStore(options.store_url, env, so));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(options.database_url, env));
  auto impl = std::make_unique<ReadThroughImpl>(options, env, std::move(codec), std::move(store));
  FERRY_RETURN_IF_ERROR(impl->Init(std::move(db)));
  return std::unique_ptr<ReadThrough>(std::move(impl));
}

}  // namespace ferry
