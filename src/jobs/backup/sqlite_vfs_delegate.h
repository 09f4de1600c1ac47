// The skeleton every ferry SQLite VFS shares (sqlite_stream_vfs.h,
// sqlite_batch_vfs.h): a VFS whose calls that are not about one file
// (delete, access, full pathname, dynamic loading, time, randomness) go to
// SQLite's default VFS, so each of ours only writes its xOpen and its files.
#pragma once

#include <sqlite3.h>

#include <algorithm>
#include <cstdint>

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
