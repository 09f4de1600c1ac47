// The key-value side of copy and verify: tables laid out in a KvStore as
// kv_table_codec.h describes. Each batch of rows and the table's checkpoint
// go in ONE KvBatch, written atomically with a synced WAL, so a copy killed
// at any instant resumes with nothing lost or doubled (and a batch written
// twice would only overwrite the same keys with the same rows).
#include <nlohmann/json.hpp>

#include "db/key_codec.h"
#include "jobs/copy/canonical.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/kv_table_codec.h"
#include "kv/kv_store.h"
#include "util/strings.h"

namespace ferry {
namespace {

// Pages of one table's rows in encoded-key order; `shared` store, own iterator.
class KvRowReader final : public RowReader {
 public:
  KvRowReader(KvStore* store, TableSchema schema, std::vector<size_t> columns, size_t page)
      : store_(store),
        schema_(std::move(schema)),
        columns_(std::move(columns)),
        page_(page == 0 ? 1 : page),
        prefix_(KvRowPrefix(schema_.name)) {
    for (const auto& k : schema_.primary_key)
      key_idx_.push_back(static_cast<size_t>(schema_.ColumnIndex(k)));
  }

  void SeekAfter(std::vector<Value> key) override {
    seek_after_ = std::move(key);
    it_.reset();
  }
  const std::vector<Value>& last_key() const override { return last_key_; }
  Status Reopen() override { return Unavailable("reading " + schema_.name + " from " + store_->path()); }

  Result<bool> Next(std::vector<std::vector<Value>>* rows) override {
    rows->clear();
    if (!it_) {
      it_ = store_->NewIterator();
      if (seek_after_) {
        std::string from = prefix_ + EncodeKvKey(*seek_after_);
        it_->Seek(from);
        if (it_->Valid() && it_->key() == from) it_->Next();
        seek_after_.reset();
      } else {
        it_->Seek(prefix_);
      }
    }
    while (rows->size() < page_ && it_->Valid() && StartsWith(it_->key(), prefix_)) {
      auto full = DecodeKvRow(it_->value(), schema_.columns.size());
      if (!full.ok())
        return full.status().WithContext(
            store_->path() + ": table " + schema_.name + ", key " +
            HexEncode(std::string(it_->key().substr(prefix_.size()))));
      std::vector<Value> row;
      row.reserve(columns_.size());
      for (size_t c : columns_) row.push_back((*full)[c]);
      last_key_.clear();
      for (size_t k : key_idx_) last_key_.push_back((*full)[k]);
      rows->push_back(std::move(row));
      it_->Next();
    }
    FERRY_RETURN_IF_ERROR(it_->status());
    return !rows->empty();
  }

 private:
  KvStore* store_;
  TableSchema schema_;
  std::vector<size_t> columns_;  // stored column index of each column read
  size_t page_;
  std::string prefix_;
  std::vector<size_t> key_idx_;
  std::optional<std::vector<Value>> seek_after_;
  std::unique_ptr<KvIterator> it_;
  std::vector<Value> last_key_;
};

class KvEndpoint final : public CopyEndpoint {
 public:
  KvEndpoint(std::unique_ptr<KvStore> store, Env* env) : store_(std::move(store)), env_(env) {}

  std::string_view engine() const override { return store_->engine(); }

  Result<std::vector<std::string>> ListTables() override {
    std::vector<std::string> out;
    const std::string prefix = KvSchemaPrefix();
    auto it = store_->NewIterator();
    for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next())
      out.emplace_back(it->key().substr(prefix.size()));
    FERRY_RETURN_IF_ERROR(it->status());
    return out;
  }

  Result<bool> TableExists(const std::string& table) override {
    if (!CheckKvTableName(table).ok()) return false;
    FERRY_ASSIGN_OR_RETURN(auto v, store_->Get(KvSchemaKey(table)));
    return v.has_value();
  }

  Result<TableSchema> ReadSourceSchema(const std::string& table,
                                       const TypeOverrides& overrides) override {
    FERRY_ASSIGN_OR_RETURN(TableSchema s, ReadTargetSchema(table));
    for (auto& c : s.columns) {
      auto it = overrides.by_column.find(table + "." + c.name);
      if (it == overrides.by_column.end()) it = overrides.by_column.find(c.name);
      if (it != overrides.by_column.end()) c.type = it->second;
    }
    return s;
  }

  Result<TableSchema> ReadTargetSchema(const std::string& table) override {
    FERRY_RETURN_IF_ERROR(CheckKvTableName(table));
    FERRY_ASSIGN_OR_RETURN(auto v, store_->Get(KvSchemaKey(table)));
    if (!v) return NotFound("table " + table + " does not exist in " + Where());
    auto s = DecodeKvSchema(table, *v);
    if (!s.ok()) return s.status().WithContext(Where());
    return s;
  }

  Result<int64_t> CountRows(const std::string& table) override {
    const std::string prefix = KvRowPrefix(table);
    int64_t n = 0;
    auto it = store_->NewIterator();
    for (it->Seek(prefix); it->Valid() && StartsWith(it->key(), prefix); it->Next()) ++n;
    FERRY_RETURN_IF_ERROR(it->status());
    return n;
  }

  Result<std::unique_ptr<RowReader>> OpenReader(const std::string& table,
                                                const std::vector<std::string>& columns,
                                                const std::vector<std::string>&, size_t page,
                                                ReaderConnection) override {
    FERRY_ASSIGN_OR_RETURN(TableSchema s, ReadTargetSchema(table));
    std::vector<size_t> idx;
    for (const auto& c : columns) {
      int i = s.ColumnIndex(c);
      if (i < 0) return InvalidArgument("column " + table + "." + c + " is not in " + Where());
      idx.push_back(static_cast<size_t>(i));
    }
    return std::unique_ptr<RowReader>(new KvRowReader(store_.get(), std::move(s), std::move(idx), page));
  }

  // Doubles stay doubles (NaN included): the row format carries them exactly.
  Value Carry(LogicalType t, Value v) const override {
    return CarryValue(t, Dialect::kPostgres, std::move(v));
  }

  std::string CreateTableText(const TableSchema& schema) override {
    return "rocksdb: schema of " + schema.name + " under its schema key; rows as \"" +
           schema.name + ":<key>\"";
  }

  Status CreateTable(const TableSchema& schema, const std::vector<std::string>& key) override {
    FERRY_RETURN_IF_ERROR(CheckKvTableName(schema.name));
    TableSchema stored = schema;
    stored.primary_key = key;
    KvBatch b;
    b.Put(KvSchemaKey(schema.name), EncodeKvSchema(stored));
    return store_->Write(b);
  }

  Status BeginTable(const TableSchema& schema, const std::vector<std::string>& key) override {
    FERRY_ASSIGN_OR_RETURN(stored_, ReadTargetSchema(schema.name));
    if (stored_.primary_key != key)
      return InvalidArgument("table " + schema.name + " in " + Where() + " is keyed by (" +
                             Join(stored_.primary_key, ", ") + "), the source by (" +
                             Join(key, ", ") + "): pass --truncate after recreating it, or the "
                             "same --order-by");
    // Rows arrive in the source's column order; they are stored in the stored order.
    from_source_.clear();
    for (const auto& c : stored_.columns) {
      int i = schema.ColumnIndex(c.name);
      if (i < 0) return InvalidArgument("column " + schema.name + "." + c.name + " is missing on the source");
      from_source_.push_back(static_cast<size_t>(i));
    }
    key_from_source_.clear();
    for (const auto& k : key) key_from_source_.push_back(static_cast<size_t>(schema.ColumnIndex(k)));
    return Status::OK();
  }

  Result<std::optional<CopyCheckpoint>> ReadCheckpoint(const std::string& table) override {
    FERRY_ASSIGN_OR_RETURN(auto v, store_->Get(KvCheckpointKey(table)));
    if (!v) return std::optional<CopyCheckpoint>();
    CopyCheckpoint c;
    try {
      auto j = nlohmann::json::parse(*v);
      std::string key = j.at("last_key").get<std::string>();
      if (!key.empty()) {
        FERRY_ASSIGN_OR_RETURN(c.last_key, DecodeKey(key));
      }
      c.rows = j.at("rows").get<int64_t>();
      c.done = j.at("done").get<bool>();
      c.source = j.value("source", "");
    } catch (const std::exception& e) {
      return Corruption(Where() + ": copy checkpoint of " + table + " is not readable: " + e.what());
    }
    return std::optional<CopyCheckpoint>(std::move(c));
  }

  Status Truncate(const std::string& table) override {
    const std::string prefix = KvRowPrefix(table);
    KvBatch b;
    b.DeleteRange(prefix, KvPrefixEnd(prefix));
    b.Delete(KvCheckpointKey(table));
    return store_->Write(b);
  }

  Status WriteBatch(const std::string& table, const std::vector<std::vector<Value>>& rows,
                    const CopyCheckpoint& checkpoint) override {
    if (stored_.name != table) return Internal("copy: WriteBatch before BeginTable(" + table + ")");
    KvBatch b;
    const std::string prefix = KvRowPrefix(table);
    std::vector<Value> ordered(from_source_.size());
    std::string key;
    for (const auto& row : rows) {
      key = prefix;
      for (size_t k : key_from_source_) AppendKvKeyValue(row[k], &key);
      for (size_t i = 0; i < from_source_.size(); ++i) ordered[i] = row[from_source_[i]];
      b.Put(key, EncodeKvRow(ordered));
    }
    b.Put(KvCheckpointKey(table), CheckpointJson(checkpoint));
    return store_->Write(b).WithContext("table " + table);
  }

  Status SaveCheckpoint(const std::string& table, const CopyCheckpoint& checkpoint) override {
    KvBatch b;
    b.Put(KvCheckpointKey(table), CheckpointJson(checkpoint));
    return store_->Write(b);
  }

  Status Reconnect() override { return Status::OK(); }  // nothing to lose: an embedded store

 private:
  std::string Where() const { return std::string(store_->engine()) + ":" + store_->path(); }

  std::string CheckpointJson(const CopyCheckpoint& c) const {
    return nlohmann::json{{"last_key", EncodeKey(c.last_key)},
                          {"rows", c.rows},
                          {"done", c.done},
                          {"source", c.source},
                          {"updated_at", FormatIsoTime(env_->WallMicros())}}
        .dump();
  }

  std::unique_ptr<KvStore> store_;
  Env* env_;
  TableSchema stored_;
  std::vector<size_t> from_source_;
  std::vector<size_t> key_from_source_;
};

}  // namespace

std::unique_ptr<CopyEndpoint> NewKvEndpoint(std::unique_ptr<KvStore> store, Env* env) {
  return std::make_unique<KvEndpoint>(std::move(store), env);
}

}  // namespace ferry
