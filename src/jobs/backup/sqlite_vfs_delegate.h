// The skeleton every ferry SQLite VFS shares (sqlite_stream_vfs.h,
// sqlite_batch_vfs.h): a VFS whose calls that are not about one file
// (delete, access, full pathname, dynamic loading, time, randomness) go to
// SQLite's default VFS, so each of ours only writes its xOpen and its files.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

#include "jobs/backup/read_ahead.h"

namespace ferry {

// SQLite's default VFS ("unix" here), initializing SQLite first.
sqlite3_vfs* DefaultSqliteVfs();

// Fills `v`: named `name`, `file_size` bytes per open file, every call
// delegated to the default VFS; the caller sets xOpen (and may override
// the rest) before sqlite3_vfs_register.
void FillDelegatingVfs(sqlite3_vfs* v, const char* name, int file_size);

// Opens `name` through the default VFS into `real` (the caller's file
// allocates it right after its own struct). On failure, or for a file
// without shared memory to delegate to (iVersion < 2: refused rather than
// guessed), real->pMethods is null afterwards and the error is returned.
int OpenDefaultVfsFile(const char* name, sqlite3_file* real, int flags, int* out_flags);

// `db`'s "main" file by `op` (SQLITE_FCNTL_FILE_POINTER: the database
// file; SQLITE_FCNTL_JOURNAL_POINTER: its WAL or journal) when it is a file
// of the VFS whose methods are `ours`; else null.
sqlite3_file* OurConnectionFile(sqlite3* db, int op, const sqlite3_io_methods* ours);

// Fills `window` from `real` at `start` (as WindowStart gave it) up to
// `available` bytes of the file, in pieces, and serves [off, off + amt)
// from it; false when that did not work (read the page alone then).
bool FillWindowFrom(sqlite3_file* real, ReadAheadWindow& window, void* out, int amt,
                    int64_t off, int64_t start, int64_t available);

// The default VFS takes at most 128 KiB - 1 per read or write (os_unix.c
// masks a write's length with 0x1ffff, and asserts it of a read): larger
// reads and writes of ours go to it in pieces of this size.
constexpr int kSqliteIoPiece = 64 << 10;

// Runs `io(buf, len, off)` (an xRead or xWrite, SQLITE_OK or an error) over
// [off, off + n) in pieces; the first error stops it.
template <typename Io>
int InPieces(char* buf, int64_t n, int64_t off, Io&& io) {
  for (int64_t done = 0; done < n;) {
    const int len = static_cast<int>(std::min<int64_t>(kSqliteIoPiece, n - done));
    if (int rc = io(buf + done, len, off + done); rc != SQLITE_OK) return rc;
    done += len;
  }
  return SQLITE_OK;
}

}  // namespace ferry
