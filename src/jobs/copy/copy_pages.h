// The two forms a copy moves a table in, behind one interface, so the
// copier's pump, retries and checkpoints (copier.cc) are written once:
// - values: keyset pages of rows the source endpoint decodes and the target
//   encodes again (any engine to any engine, --map, type changes);
// - passthrough: PostgreSQL COPY pages the target loads as they are, never
//   decoded (postgres_passthrough.h; ChoosePassthrough says when).
// Both read `WHERE key > last ORDER BY key` pages and end each page at a
// key, so a checkpoint written by one resumes on the other.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/postgres_passthrough.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

// One keyset page, in the form of the path that read it.
struct CopyPage {
  std::vector<std::vector<Value>> rows;  // values
  PassthroughPage raw;                   // passthrough
  std::vector<Value> last_key;           // the page's end key (the checkpoint)
  bool is_raw = false;
  int64_t size() const { return is_raw ? raw.rows : static_cast<int64_t>(rows.size()); }
};

// Reads one table's pages, on its own connection. Not thread-safe.
class PageReader {
 public:
  virtual ~PageReader() = default;
  // The next page into *page (last_key included); false when done.
  virtual Result<bool> Next(CopyPage* page) = 0;
  // After an Unavailable error: a new connection; continues after the last
  // page returned.
  virtual Status Reopen() = 0;
};

class CopyPath {
 public:
  virtual ~CopyPath() = default;
  virtual const char* name() const = 0;  // "values" / "passthrough" (the report's path)
  // A reader starting after `start` (a checkpoint's key; empty: the first row).
  virtual Result<std::unique_ptr<PageReader>> OpenReader(const std::vector<Value>& start) = 0;
  // Stores the page and `checkpoint` on the target in one atomic step.
  virtual Status Write(const CopyPage& page, const CopyCheckpoint& checkpoint) = 0;
  // Pages to queue between reader and writer, of the `configured` maximum.
  virtual size_t QueuedPages(size_t configured) const { return configured; }
};

// `schema` and `key` are borrowed and must outlive the path.
std::unique_ptr<CopyPath> NewValuesPath(CopyEndpoint* source, CopyEndpoint* target,
                                        const TableSchema& schema,
                                        const std::vector<std::string>& key, size_t batch);
// `format`: ChoosePassthrough's COPY format ("binary" or "text").
std::unique_ptr<CopyPath> NewPassthroughPath(CopyEndpoint* source, CopyEndpoint* target,
                                             const TableSchema& schema,
                                             const std::vector<std::string>& key, size_t batch,
                                             std::string format);

}  // namespace ferry
