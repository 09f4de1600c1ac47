#include "jobs/backup/sqlite_batch_vfs.h"

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <string>

#include "jobs/backup/read_ahead.h"
#include "jobs/backup/sqlite_vfs_delegate.h"

namespace ferry {

// One batched file's buffers, from BatchedIo's start to its End.
struct BatchFileState {
  BatchedIo* owner;
  sqlite3_file* file;  // the BatchFile it belongs to
  int64_t size_at_start = 0;  // reads ahead stop here (what was there before)
  ReadAheadWindow window;
  std::vector<char> out;  // pending writes: [out_off, out_off + out_len)
  int64_t out_off = 0;
  size_t out_len = 0;
};

namespace {

constexpr size_t kWriteBytes = 1 << 20;

struct BatchFile {
  sqlite3_file base;
  BatchFileState* batch;  // non-null while a BatchedIo is open on it
  int error;              // a buffered write that failed: every later write and sync fails
  sqlite3_file* real;     // the default VFS's file, allocated right after this struct
};

BatchFile* B(sqlite3_file* f) { return reinterpret_cast<BatchFile*>(f); }
sqlite3_file* R(sqlite3_file* f) { return B(f)->real; }

// Writes out the file's pending bytes. (A failed one is sticky for writes
// and syncs only: BatchWrite, BatchSync.)
int FlushFile(BatchFile* bf) {
  BatchFileState* s = bf->batch;
  if (s == nullptr || s->out_len == 0) return SQLITE_OK;
  sqlite3_file* real = bf->real;
  int rc = InPieces(s->out.data(), static_cast<int64_t>(s->out_len), s->out_off,
                    [real](char* p, int len, int64_t at) {
                      return real->pMethods->xWrite(real, p, len, at);
                    });
  s->out_len = 0;
  if (rc != SQLITE_OK) bf->error = rc;
  return rc;
}

// Before a lock or shared-memory call: every batched file of the same
// connection is written out (the WAL's frames before anything the index
// could say about them).
int FlushGroup(BatchFile* bf) {
  if (bf->batch == nullptr) return SQLITE_OK;
  return bf->batch->owner->Flush().ok() ? SQLITE_OK : SQLITE_IOERR_WRITE;
}

int BatchClose(sqlite3_file* f) {
  BatchFile* bf = B(f);
  int flushed = FlushFile(bf);
  if (bf->batch != nullptr) {
    bf->batch->owner->Forget(bf->batch);
    delete bf->batch;
    bf->batch = nullptr;
  }
  int rc = R(f)->pMethods->xClose(R(f));
  return flushed != SQLITE_OK ? flushed : rc;
}

int BatchRead(sqlite3_file* f, void* out, int amt, sqlite3_int64 off) {
  BatchFile* bf = B(f);
  BatchFileState* s = bf->batch;
  if (s == nullptr) return R(f)->pMethods->xRead(R(f), out, amt, off);
  if (int rc = FlushFile(bf); rc != SQLITE_OK) return rc;
  if (s->window.Serve(out, amt, off)) return SQLITE_OK;
  const int64_t start = off + amt <= s->size_at_start ? s->window.WindowStart(off, amt) : -1;
  if (start >= 0 && FillWindowFrom(bf->real, s->window, out, amt, off, start, s->size_at_start))
    return SQLITE_OK;
  s->window.Note(off, amt);
  return R(f)->pMethods->xRead(R(f), out, amt, off);
}

int BatchWrite(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  BatchFile* bf = B(f);
  if (bf->error != SQLITE_OK) return bf->error;
  BatchFileState* s = bf->batch;
  if (s == nullptr) return R(f)->pMethods->xWrite(R(f), data, amt, off);
  s->window.Drop(off, amt);
  const size_t n = static_cast<size_t>(amt);
  if (s->out_len > 0 && off == s->out_off + static_cast<int64_t>(s->out_len) &&
      s->out_len + n <= s->out.size()) {
    std::memcpy(s->out.data() + s->out_len, data, n);
    s->out_len += n;
    return SQLITE_OK;
  }
  if (int rc = FlushFile(bf); rc != SQLITE_OK) return rc;
  if (n >= s->out.size()) {  // SQLite writes pages: never this large
    int rc = R(f)->pMethods->xWrite(R(f), data, amt, off);
    if (rc != SQLITE_OK) bf->error = rc;
    return rc;
  }
  std::memcpy(s->out.data(), data, n);
  s->out_off = off;
  s->out_len = n;
  return SQLITE_OK;
}

int BatchTruncate(sqlite3_file* f, sqlite3_int64 size) {
  if (int rc = FlushFile(B(f)); rc != SQLITE_OK) return rc;
  if (BatchFileState* s = B(f)->batch) s->window.Drop(size, INT64_MAX / 2);
  return R(f)->pMethods->xTruncate(R(f), size);
}
int BatchSync(sqlite3_file* f, int flags) {
  if (B(f)->error != SQLITE_OK) return B(f)->error;
  if (int rc = FlushFile(B(f)); rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xSync(R(f), flags);
}
int BatchFileSize(sqlite3_file* f, sqlite3_int64* size) {
  if (int rc = FlushFile(B(f)); rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xFileSize(R(f), size);
}
int BatchLock(sqlite3_file* f, int l) {
  if (int rc = FlushGroup(B(f)); rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xLock(R(f), l);
}
int BatchUnlock(sqlite3_file* f, int l) {
  (void)FlushGroup(B(f));  // an unlock must not fail; the error stays in the file
  return R(f)->pMethods->xUnlock(R(f), l);
}
int BatchCheckReserved(sqlite3_file* f, int* out) {
  return R(f)->pMethods->xCheckReservedLock(R(f), out);
}
int BatchFileControl(sqlite3_file* f, int op, void* arg) {
  if (int rc = FlushFile(B(f)); rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xFileControl(R(f), op, arg);
}
int BatchSectorSize(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
int BatchDeviceCharacteristics(sqlite3_file* f) {
  return R(f)->pMethods->xDeviceCharacteristics(R(f));
}
int BatchShmMap(sqlite3_file* f, int i, int sz, int ext, void volatile** p) {
  if (int rc = FlushGroup(B(f)); rc != SQLITE_OK) return rc;
  return R(f)->pMethods->xShmMap(R(f), i, sz, ext, p);
}
int BatchShmLock(sqlite3_file* f, int off, int n, int flags) {
  if ((flags & SQLITE_SHM_UNLOCK) != 0) {
    (void)FlushGroup(B(f));
  } else if (int rc = FlushGroup(B(f)); rc != SQLITE_OK) {
    return rc;
  }
  return R(f)->pMethods->xShmLock(R(f), off, n, flags);
}
void BatchShmBarrier(sqlite3_file* f) {
  (void)FlushGroup(B(f));
  R(f)->pMethods->xShmBarrier(R(f));
}
int BatchShmUnmap(sqlite3_file* f, int del) {
  (void)FlushGroup(B(f));
  return R(f)->pMethods->xShmUnmap(R(f), del);
}

// Version 2: no xFetch, so SQLite never maps the file and every page goes
// through BatchRead / BatchWrite.
const sqlite3_io_methods kBatchMethods = {
    2,           BatchClose,    BatchRead,      BatchWrite,        BatchTruncate,
    BatchSync,   BatchFileSize, BatchLock,      BatchUnlock,       BatchCheckReserved,
    BatchFileControl, BatchSectorSize, BatchDeviceCharacteristics, BatchShmMap, BatchShmLock,
    BatchShmBarrier,  BatchShmUnmap,   nullptr,   nullptr};

int BatchOpen(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  BatchFile* bf = B(f);
  bf->real = reinterpret_cast<sqlite3_file*>(bf + 1);
  bf->batch = nullptr;
  bf->error = SQLITE_OK;
  f->pMethods = nullptr;
  int rc = OpenDefaultVfsFile(name, bf->real, flags, out_flags);
  if (bf->real->pMethods == nullptr) return rc;
  f->pMethods = &kBatchMethods;
  return rc;
}

sqlite3_vfs g_batch_vfs;

}  // namespace

void RegisterSqliteBatchVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    FillDelegatingVfs(&g_batch_vfs, "ferry-batch",
                      static_cast<int>(sizeof(BatchFile)) + DefaultSqliteVfs()->szOsFile);
    g_batch_vfs.xOpen = BatchOpen;
    sqlite3_vfs_register(&g_batch_vfs, 0);
  });
}

BatchedIo::BatchedIo(sqlite3* db) {
  for (int op : {SQLITE_FCNTL_FILE_POINTER, SQLITE_FCNTL_JOURNAL_POINTER}) {
    sqlite3_file* f = OurConnectionFile(db, op, &kBatchMethods);
    if (f == nullptr) continue;
    BatchFile* bf = B(f);
    if (bf->batch != nullptr || bf->error != SQLITE_OK) continue;
    auto s = std::make_unique<BatchFileState>();
    s->owner = this;
    s->file = &bf->base;
    sqlite3_int64 size = 0;
    if (bf->real->pMethods->xFileSize(bf->real, &size) != SQLITE_OK) size = 0;
    s->size_at_start = size;
    s->out.resize(kWriteBytes);
    bf->batch = s.release();
    files_.push_back(bf->batch);
  }
}

BatchedIo::~BatchedIo() { (void)End(); }

void BatchedIo::Forget(BatchFileState* f) {
  files_.erase(std::remove(files_.begin(), files_.end(), f), files_.end());
}

Status BatchedIo::Flush() {
  Status first;
  for (BatchFileState* s : files_) {
    if (int rc = FlushFile(B(s->file)); rc != SQLITE_OK && first.ok())
      first = IOError(std::string("sqlite: a batched write failed: ") + sqlite3_errstr(rc));
  }
  return first;
}

Status BatchedIo::End() {
  Status st = Flush();
  for (BatchFileState* s : files_) {
    B(s->file)->batch = nullptr;
    delete s;
  }
  files_.clear();
  return st;
}

}  // namespace ferry
