// PostgreSQL -> PostgreSQL passthrough: a keyset page travels as the
// source's own COPY binary stream straight into the target's COPY, never
// decoded into Values and re-encoded (the value path's two costs).
//
// A page is bounded by keys on both sides, so it can be checkpointed
// exactly as the value path does:
//   end  = SELECT key FROM t WHERE key > $last ORDER BY key OFFSET n-1 LIMIT 1
//          (fewer than n rows left: the greatest key > $last; none: done)
//   page = COPY (SELECT cols FROM t WHERE key > 'last' AND key <= 'end'
//          ORDER BY key) TO STDOUT (FORMAT binary)
// and the target commits the page with checkpoint (end, rows) in one
// transaction. Binary pages keyed by integer or text columns skip the
// end-key query: the page is `COPY (... WHERE key > 'last' ORDER BY key
// LIMIT n)`, as the value path reads, and its end key is decoded from the
// last tuple of the stream (the only values ferry ever decodes here).
// Checkpoints are the same Values the value path stores (the
// end key is read through the same adapter), so a copy may resume on either
// path. COPY takes no parameters: the keys are inlined as quoted literals
// cast to the key columns' types. Consistency is the value path's: each
// page is its own statement on the reader's connection (no snapshot across
// pages).
//
// Binary COPY carries each value in its type's send/recv form, so it is only
// chosen when that form means the same on both sides (ChoosePassthrough):
// both ends libpq connections, no --map override touching the table, and
// every column of a built-in (pg_catalog) type that the target declares
// identically, or as the same type without the source's modifier
// (numeric(10,2) -> numeric, varchar(20) -> varchar / text). A narrower
// integer into a wider one (integer -> bigint, as --create-schema declares
// every integer) has another binary form but the same text form: such a
// table goes in COPY text format (floats read with extra_float_digits = 3,
// so exactly), still never decoded by ferry. Built-in types
// have the same OIDs everywhere, so even arrays of them (which embed the
// element OID) are safe; user types (enums, domains, composites) are not
// chosen. Anything else takes the value path, and the reason is logged.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/table_schema.h"
#include "jobs/copy/type_mapper.h"

namespace ferry {

struct PassthroughChoice {
  bool use = false;
  std::string reason;              // why not, or why text (for the log)
  std::string format = "binary";  // COPY format: "binary", or "text" (see above)
};

// Whether `schema` (the source table, as read for the copy) can go through
// the passthrough from `source` to `target` (the endpoints' connections).
Result<PassthroughChoice> ChoosePassthrough(Database* source, Database* target,
                                            const TableSchema& schema,
                                            const TypeOverrides& overrides);

// One page: the COPY stream (binary: header, rows, trailer) and what it holds.
struct PassthroughPage {
  std::string data;
  int64_t rows = 0;
  std::vector<Value> last_key;  // the page's end key (the checkpoint)
};

// Reads a table in key-bounded pages of COPY binary data on its own
// connection (from `connect`, also used by Reopen). Not thread-safe.
class PassthroughReader {
 public:
  using Connect = std::function<Result<std::unique_ptr<Database>>()>;
  // `schema` gives the columns (read in table order) and the key columns'
  // types (for the literals); `key` is the copy's key.
  PassthroughReader(Connect connect, const TableSchema& schema, std::vector<std::string> key,
                    size_t page_size, std::string format = "binary");

  // Starts after `key` (a checkpoint) instead of at the beginning.
  void SeekAfter(std::vector<Value> key) { last_key_ = std::move(key); }
  // The next page into *page; false when there are no more rows.
  Result<bool> Next(PassthroughPage* page);
  // After an Unavailable error: a new connection; continues after last_key().
  Status Reopen();
  const std::vector<Value>& last_key() const { return last_key_; }

 private:
  Status Connected();
  Result<std::vector<Value>> EndKey();
  Result<bool> NextLimited(PassthroughPage* page);
  std::string KeyTuple(const std::vector<Value>& key) const;
  // The quoted key columns: "a, b", or "(a, b)" as a row value.
  std::string KeyColumns(bool as_tuple) const;
  Status CopyPage(const std::string& where, const std::string& limit, PassthroughPage* page);

  Connect connect_;
  std::string format_;
  std::unique_ptr<Database> db_;
  std::string table_;
  std::vector<std::string> columns_;
  std::vector<std::string> key_;
  std::vector<std::string> key_types_;  // format_type of each key column
  size_t page_size_;
  std::vector<Value> last_key_;
  size_t last_bytes_ = 0;  // the last page's size
  // Binary pages with integer/text keys: LIMIT pages, the end key read from
  // the stream (key_cols_: the key columns' places; key_kinds_: 'i' or 't').
  bool stream_keys_ = false;
  bool done_ = false;
  std::vector<size_t> key_cols_;
  std::vector<char> key_kinds_;
  std::unique_ptr<PreparedStatement> nth_first_, nth_after_, max_first_, max_after_;
};

// Loads a page into `table` (`columns` in the source's order) on `db`, the
// target's connection inside its batch transaction. An error when the
// server loaded another number of rows than the page holds.
Status WritePassthroughPage(Database* db, const std::string& table,
                            const std::vector<std::string>& columns, const PassthroughPage& page,
                            const std::string& format = "binary");

// `v` as a SQL literal of type `type` ('…'::type), for statements that take
// no parameters (COPY). Exposed for tests.
std::string PassthroughLiteral(const Value& v, const std::string& type);

}  // namespace ferry
