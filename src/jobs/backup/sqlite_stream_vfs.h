// Two small sqlite3_vfs for copying a SQLite database straight into an
// archive, without a staging file (sqlite_archiver.cc, DumpStreamed).
//
// The copy is still made by the online backup API (a consistent snapshot,
// pages copied by SQLite itself); only where its pages go changes:
//
// - "ferry-stream" (the destination): a database "file" that is a byte
//   stream. SQLite writes pages 2..N of a fresh destination in ascending
//   order (cache spills go oldest-dirtied first, the commit writes the rest
//   sorted), and page 1 last, at the commit, because the b-tree holds it
//   for the whole write transaction. So page 1 is emitted first from a
//   prediction, and the commit's real page 1 must equal it byte for byte.
//   Any write out of order, any read of bytes already streamed, and a page
//   1 that differs fail the copy (IOERR) and say why (StreamTarget::
//   failure): the caller discards the archive and uses the staging path.
//   It never produces a wrong archive, only, at worst, no streamed one.
//
// - "ferry-peek" (the source): the default VFS, passed through, that
//   keeps a copy of page 1 as the source connection reads it from the
//   database file or the WAL. Page 1 is the only page the prediction
//   needs, and a connection's first read transaction reads it from disk.
//   Capture is per thread (a PageOneCapture installed by the caller), so
//   other connections and threads are untouched.
//
//   "ferry-peek" also reads a database file an extraction is still
//   writing (a registered GrowingFile, growing_file.h): a read of bytes
//   not yet written waits for them, and the file's size is its final one.
//   A private copy (opened inside a PrivateCopyOpen) is read ahead: reads
//   that go forward are served from one larger read (read_ahead.h).
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "ferry/status.h"

struct sqlite3;

namespace ferry {

// Where "ferry-stream" sends a destination database's bytes.
struct StreamTarget {
  int64_t page_size = 0;
  int64_t total = 0;           // the copy's size in bytes (page_count * page_size)
  std::string page1;           // emitted before the rest; the commit must write exactly this
  std::function<Status(std::string_view)> sink;  // bytes from offset page_size on, in order

  // Filled in as SQLite writes.
  int64_t next = 0;           // offset of the next byte the sink expects
  int64_t file_size = 0;      // the file's size as SQLite believes it (largest write end)
  bool page1_written = false;
  std::string failure;        // why the stream gave up; empty while it has not
  Status sink_error;          // the sink's own error (disk full), kept as it was

  // Whether the whole copy went out: every byte, in order, and page 1 as predicted.
  bool Complete() const { return failure.empty() && page1_written && next == total; }
};

// Registers both VFSes with SQLite (once, neither as the default).
void RegisterSqliteStreamVfs();

// The name under which `target` can be opened as a database through
// "ferry-stream" (sqlite3_open_v2(name, ..., "ferry-stream")), until
// UnregisterStreamTarget. The target must outlive the connection.
std::string RegisterStreamTarget(StreamTarget* target);
void UnregisterStreamTarget(const std::string& name);

// Page 1 of a source database as read by a connection opened through
// "ferry-peek" on the thread that installed it. Every full-page read of
// page 1 is kept (reads: how many; differing: whether two reads disagreed).
struct PageOneCapture {
  std::string page;
  int reads = 0;
  bool differing = false;
};

// Tests only: while set, every stream gives up at its first page after
// page 1, as if SQLite had written out of order (the caller's fallback to
// the staging path is then what runs). Process-wide.
void SetStreamDeclineForTesting(bool on);

// While one is alive on a thread, the main database file that thread opens
// through "ferry-peek" is a private copy: nothing changes its readable
// bytes (a GrowingFile's writer only adds to them), so reads are read
// ahead. Never for a live database, which other connections write.
class PrivateCopyOpen {
 public:
  PrivateCopyOpen();
  ~PrivateCopyOpen();
  PrivateCopyOpen(const PrivateCopyOpen&) = delete;
  PrivateCopyOpen& operator=(const PrivateCopyOpen&) = delete;
};

// While alive, the main database file of `db` (opened through "ferry-peek")
// is read ahead too. Only inside one read transaction of `db`, begun before
// it and ended after it: the bytes that transaction reads from the file
// (pages not in its WAL view) do not change until it ends, since a
// checkpoint only writes pages such a reader takes from the WAL, and a
// rollback-journal writer waits for the reader's SHARED lock. Any unlock
// of the file forgets what was read ahead, whatever the caller does. The
// connection must stay open while this lives.
class ReadAheadInTransaction {
 public:
  explicit ReadAheadInTransaction(sqlite3* db);
  ~ReadAheadInTransaction();
  ReadAheadInTransaction(const ReadAheadInTransaction&) = delete;
  ReadAheadInTransaction& operator=(const ReadAheadInTransaction&) = delete;

 private:
  void* file_ = nullptr;  // the PeekFile given a window, or null
};

// Installs `capture` for the calling thread (null: none).
void SetPageOneCapture(PageOneCapture* capture);

// What the backup API writes as the destination's page 1 when it copies
// `source_page1` into a fresh, empty database: the source's page with the
// page count (offset 28), the schema cookie (40: the fresh destination's 0
// plus one), and the change counter and SQLite version the commit stamps
// (24, 92, 96). A guess checked at the commit, never trusted.
std::string PredictBackupPageOne(std::string_view source_page1, int64_t page_count);

}  // namespace ferry
