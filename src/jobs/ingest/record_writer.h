// RecordWriter: writes the records of many objects in one transaction.
//
// One batch = one transaction. For every table, rows go in multi-row
// prepared statements `INSERT ... ON CONFLICT (...) DO NOTHING` (at most
// kMaxRowsPerStatement rows each; a remainder is split into power-of-two
// chunks so only a handful of statements are ever prepared). The parent
// insert has `RETURNING <key column>` (plus the generated id column when a
// child table keys on it, KeySource::kParentId: the writer fills those ids
// into the child rows): the keys it returns are exactly the records this
// transaction inserted, so
//   - a record whose key is already in the database (an earlier run, or a
//     concurrent writer that committed first) inserts nothing and is
//     "skipped", never "failed";
//   - child rows are written only for records whose parent this transaction
//     inserted, so a record is all-or-nothing.
// Records are written in key order (deadlock-free between concurrent
// PostgreSQL writers taking row locks on overlapping keys); two records with
// the same key in one batch: the first wins, the later ones are skipped.
//
// Failure. If the batch fails with a statement error (one bad value, a
// constraint), it is rolled back and every object is retried in its own
// transaction, so only the guilty object fails. Serialization failures and
// deadlocks (SQLSTATE 40001/40P01) are retried a few times. Errors that no
// retry can fix -- the connection is gone (Unavailable), the disk is full,
// the file is corrupt -- are returned from WriteBatch as a non-OK Status:
// the caller stops the run. Nothing of a batch that returned an error, or
// whose outcome is kFailed, is in the database.
//
// Not thread-safe: one RecordWriter per Database (per writer thread).
#pragma once

#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "db/database.h"
#include "ferry/status.h"
#include "store/codecs/codec.h"

namespace ferry {

enum class WriteOutcome { kInserted, kSkipped, kFailed };

class RecordWriter {
 public:
  static constexpr size_t kMaxRowsPerStatement = 256;

  // `db` and `codec` are borrowed; the codec's tables must exist.
  RecordWriter(Database* db, const Codec* codec);
  ~RecordWriter();

  // objects[i] holds the records parsed from one object. On OK, (*outcomes)[i]
  // is kInserted when at least one of its records was inserted, kSkipped when
  // all were already there, kFailed (with (*errors)[i] set) when its rows were
  // refused. A non-OK return is fatal (see above); nothing was committed.
  // The records are lent, not copied: their values are swapped into the
  // statement's parameters for the bind and swapped back right after, so
  // they are unchanged on return -- but no other thread may touch them
  // during the call.
  Status WriteBatch(const std::vector<std::vector<Record>*>& objects,
                    std::vector<WriteOutcome>* outcomes, std::vector<Status>* errors);

  // Dry run: which objects would insert something (kInserted) and which are
  // already there (kSkipped). Reads only.
  Status CheckBatch(const std::vector<std::vector<Record>*>& objects,
                    std::vector<WriteOutcome>* outcomes);

  // True for errors no retry of the same work can fix (stop the run).
  static bool IsFatal(const Status& st);
  // True when the engine said its disk (or its size limit) is full.
  static bool IsDiskFull(const Status& st);

 private:
  // Writes the given objects in one transaction (no retries).
  Status WriteOnce(const std::vector<std::vector<Record>*>& objects,
                   const std::vector<size_t>& which, std::vector<WriteOutcome>* outcomes);
  Result<PreparedStatement*> Statement(size_t table, size_t rows);
  // A parent row this transaction inserted: its key and generated id (0 when
  // no child table keys on the id).
  struct Returned {
    std::string key;
    int64_t id = 0;
  };
  // Inserts `rows` into table t. With parent_ids (a KeySource::kParentId
  // table), row r's key column gets (*parent_ids)[r]. For t=0, *returned gets
  // the rows RETURNING gave back.
  Status InsertChunked(size_t table, const std::vector<Row*>& rows,
                       const std::vector<int64_t>* parent_ids, std::vector<Returned>* returned);

  Database* const db_;
  const Codec* const codec_;
  std::map<std::pair<size_t, size_t>, std::unique_ptr<PreparedStatement>> statements_;
  std::unique_ptr<PreparedStatement> exists_;
  std::vector<std::vector<Value>> params_;  // per table: reused parameter buffers
  std::string last_sqlstate_;  // of the last failed WriteOnce (PostgreSQL)
};

}  // namespace ferry
