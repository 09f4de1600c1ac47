#include "jobs/copy/copy_pages.h"

#include <algorithm>
#include <utility>

namespace ferry {
namespace {

class ValuesReader : public PageReader {
 public:
  explicit ValuesReader(std::unique_ptr<RowReader> keyset) : keyset_(std::move(keyset)) {}
  Result<bool> Next(CopyPage* page) override {
    FERRY_ASSIGN_OR_RETURN(bool more, keyset_->Next(&page->rows));
    if (more) page->last_key = keyset_->last_key();
    return more;
  }
  Status Reopen() override { return keyset_->Reopen(); }

 private:
  std::unique_ptr<RowReader> keyset_;
};

class ValuesPath : public CopyPath {
 public:
  ValuesPath(CopyEndpoint* source, CopyEndpoint* target, const TableSchema& schema,
             const std::vector<std::string>& key, size_t batch)
      : source_(source), target_(target), schema_(schema), key_(key), batch_(batch) {}
  const char* name() const override { return "values"; }
  Result<std::unique_ptr<PageReader>> OpenReader(const std::vector<Value>& start) override {
    FERRY_ASSIGN_OR_RETURN(auto keyset,
                           source_->OpenReader(schema_.name, schema_.ColumnNames(), key_, batch_,
                                               CopyEndpoint::ReaderConnection::kOwn));
    if (!start.empty()) keyset->SeekAfter(start);
    return std::unique_ptr<PageReader>(std::make_unique<ValuesReader>(std::move(keyset)));
  }
  Status Write(const CopyPage& page, const CopyCheckpoint& checkpoint) override {
    return target_->WriteBatch(schema_.name, page.rows, checkpoint);
  }

 private:
  CopyEndpoint* source_;
  CopyEndpoint* target_;
  const TableSchema& schema_;
  const std::vector<std::string>& key_;
  size_t batch_;
};

class PassthroughPageReader : public PageReader {
 public:
  explicit PassthroughPageReader(std::unique_ptr<PassthroughReader> raw) : raw_(std::move(raw)) {}
  Result<bool> Next(CopyPage* page) override {
    page->is_raw = true;
    FERRY_ASSIGN_OR_RETURN(bool more, raw_->Next(&page->raw));
    if (more) page->last_key = raw_->last_key();
    return more;
  }
  Status Reopen() override { return raw_->Reopen(); }

 private:
  std::unique_ptr<PassthroughReader> raw_;
};

class PassthroughPath : public CopyPath {
 public:
  PassthroughPath(CopyEndpoint* source, CopyEndpoint* target, const TableSchema& schema,
                  const std::vector<std::string>& key, size_t batch, std::string format)
      : source_(source),
        target_(target),
        schema_(schema),
        key_(key),
        batch_(batch),
        format_(std::move(format)) {}
  const char* name() const override { return "passthrough"; }
  Result<std::unique_ptr<PageReader>> OpenReader(const std::vector<Value>& start) override {
    auto raw = std::make_unique<PassthroughReader>(
        [source = source_] { return source->OpenSqlConnection(); }, schema_, key_, batch_,
        format_);
    if (!start.empty()) raw->SeekAfter(start);
    return std::unique_ptr<PageReader>(std::make_unique<PassthroughPageReader>(std::move(raw)));
  }
  Status Write(const CopyPage& page, const CopyCheckpoint& checkpoint) override {
    return target_->WriteBatchWith(
        schema_.name,
        [&](Database* db) {
          return WritePassthroughPage(db, schema_.name, schema_.ColumnNames(), page.raw, format_);
        },
        checkpoint);
  }
  // A page is already bytes in the target's form, so the writer is never
  // starved by decoding: two queued pages keep reader and writer
  // overlapped at half the memory.
  size_t QueuedPages(size_t configured) const override { return std::min<size_t>(configured, 2); }

 private:
  CopyEndpoint* source_;
  CopyEndpoint* target_;
  const TableSchema& schema_;
  const std::vector<std::string>& key_;
  size_t batch_;
  std::string format_;
};

}  // namespace

std::unique_ptr<CopyPath> NewValuesPath(CopyEndpoint* source, CopyEndpoint* target,
                                        const TableSchema& schema,
                                        const std::vector<std::string>& key, size_t batch) {
  return std::make_unique<ValuesPath>(source, target, schema, key, batch);
}

std::unique_ptr<CopyPath> NewPassthroughPath(CopyEndpoint* source, CopyEndpoint* target,
                                             const TableSchema& schema,
                                             const std::vector<std::string>& key, size_t batch,
                                             std::string format) {
  return std::make_unique<PassthroughPath>(source, target, schema, key, batch, std::move(format));
}

}  // namespace ferry
