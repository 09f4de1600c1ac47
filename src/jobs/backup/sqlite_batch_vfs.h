// "ferry-batch": SQLite's default VFS, passed through, except while a
// BatchedIo is open on a connection. Then that connection's database file
// and WAL read ahead (read_ahead.h) and gather their writes into large
// ones. A restore opens the live database this way (sqlite_archiver.cc).
//
// Why: SQLite reads and writes a page (4 KiB) per system call. A restore
// of 684 MB reads every old page once and writes every new one into the
// WAL as a header and a page, then the checkpoint reads each back and
// writes it into the file: about 840,000 calls, most of the load's and the
// checkpoint's time. Batched, about 40,000 of 64 KiB.
//
// When it is safe, and so when a BatchedIo may be open:
// - While the connection's write transaction is open and has not begun
//   to commit (a restore's load). Frames it appends to the WAL are read by
//   no other connection until the commit publishes them in the WAL index,
//   and no other connection can write. Pages read from the file are the
//   ones not in this transaction's WAL view; a checkpoint by someone else
//   only writes pages that are in it, so those bytes do not change.
// - Around a checkpoint of this connection with synchronous on (NORMAL or
//   FULL). It reads committed WAL frames, which do not change until the
//   checkpoint is finished, and writes pages no reader takes from the file
//   until the checkpoint publishes how far it got, which it does after an
//   fsync of the file: every buffered write goes out before that fsync.
// Never around a commit.
//
// Whatever the caller does, every buffered write goes out before any other
// call on the same file that could observe it (read, sync, size,
// truncate, file control, close) and before any lock or shared-memory call
// of the connection's files. A buffered write that fails fails every
// later write and sync of that file, so SQLite can never commit past a
// hole in the WAL; the error goes to whichever call wrote it out (SQLite's,
// or Flush / End).
#pragma once

#include <sqlite3.h>

#include <vector>

#include "ferry/status.h"

namespace ferry {

// Registers "ferry-batch" with SQLite (once, not as the default).
void RegisterSqliteBatchVfs();

struct BatchFileState;

class BatchedIo {
 public:
  // Batches the "main" database file and WAL of `db` (as they are open
  // now) until End. A connection not opened through "ferry-batch", or a
  // file not yet open, is simply not batched.
  explicit BatchedIo(sqlite3* db);
  ~BatchedIo();  // End(); its error is still in the file (sticky)
  BatchedIo(const BatchedIo&) = delete;
  BatchedIo& operator=(const BatchedIo&) = delete;

  // Writes out what is buffered (e.g. before an fdatasync through another
  // descriptor of the same file).
  Status Flush();
  // Flushes and stops batching.
  Status End();

  // How many files are batched (0: the connection is not "ferry-batch").
  int files() const { return static_cast<int>(files_.size()); }

  // Called by a batched file that closes while batched.
  void Forget(BatchFileState* f);

 private:
  std::vector<BatchFileState*> files_;
};

}  // namespace ferry
