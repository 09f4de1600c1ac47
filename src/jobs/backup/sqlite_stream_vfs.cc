#include "jobs/backup/sqlite_stream_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <cstring>
#include <map>
#include <mutex>

#include "jobs/backup/growing_file.h"
#include "jobs/backup/read_ahead.h"
#include "jobs/backup/sqlite_vfs_delegate.h"

namespace ferry {
namespace {

// SQLite never writes the page holding byte 0x40000000 (the lock byte
// page); a real file has a hole of zeros there, so the stream does too.
constexpr int64_t kPendingByte = 0x40000000;

std::mutex g_targets_mu;
std::map<std::string, StreamTarget*>& Targets() {
  static auto* m = new std::map<std::string, StreamTarget*>;
  return *m;
}
int64_t g_target_seq = 0;

thread_local PageOneCapture* t_capture = nullptr;
thread_local bool t_private_copy = false;
std::atomic<bool> g_decline_for_testing{false};

void Put4(std::string& page, size_t at, uint32_t v) {
  page[at] = static_cast<char>(v >> 24);
  page[at + 1] = static_cast<char>(v >> 16);
  page[at + 2] = static_cast<char>(v >> 8);
  page[at + 3] = static_cast<char>(v);
}

bool IsPageSize(int n) { return n >= 512 && n <= 65536 && (n & (n - 1)) == 0; }

// ---------------------------------------------------------------- stream

struct StreamFile {
  sqlite3_file base;
  StreamTarget* t;
};

StreamTarget* T(sqlite3_file* f) { return reinterpret_cast<StreamFile*>(f)->t; }

int Fail(StreamTarget* t, std::string why, int rc) {
  if (t->failure.empty()) t->failure = std::move(why);
  return rc;
}

int StreamClose(sqlite3_file*) { return SQLITE_OK; }

int StreamRead(sqlite3_file* f, void* out, int amt, sqlite3_int64 off) {
  StreamTarget* t = T(f);
  if (off >= t->file_size) {  // past the end, as a real file: zeros, a short read
    std::memset(out, 0, static_cast<size_t>(amt));
    return SQLITE_IOERR_SHORT_READ;
  }
  if (t->page1_written && off + amt <= t->page_size) {
    std::memcpy(out, t->page1.data() + off, static_cast<size_t>(amt));
    return SQLITE_OK;
  }
  return Fail(t, "SQLite read back " + std::to_string(amt) + " bytes at offset " +
                     std::to_string(off) + " of the streamed copy",
              SQLITE_IOERR_READ);
}

int StreamWrite(sqlite3_file* f, const void* data, int amt, sqlite3_int64 off) {
  StreamTarget* t = T(f);
  if (!t->failure.empty()) return SQLITE_IOERR_WRITE;
  std::string_view bytes(static_cast<const char*>(data), static_cast<size_t>(amt));
  if (off == 0) {
    if (bytes != t->page1)
      return Fail(t, "page 1 as committed differs from the one streamed first",
                  SQLITE_IOERR_WRITE);
    t->page1_written = true;
  } else {
    if (g_decline_for_testing.load())
      return Fail(t, "declined for a test", SQLITE_IOERR_WRITE);
    if (off == t->next + t->page_size && t->next == kPendingByte) {
      Status st = t->sink(std::string(static_cast<size_t>(t->page_size), '\0'));
      if (!st.ok()) {
        t->sink_error = st;
        return Fail(t, st.message(), SQLITE_IOERR_WRITE);
      }
      t->next += t->page_size;
    }
    if (off != t->next)
      return Fail(t, "SQLite wrote offset " + std::to_string(off) + " where offset " +
                         std::to_string(t->next) + " was next",
                  SQLITE_IOERR_WRITE);
    if (off + amt > t->total)
      return Fail(t, "SQLite wrote past the copy's size (" + std::to_string(off + amt) +
                         " > " + std::to_string(t->total) + ")",
                  SQLITE_IOERR_WRITE);
    Status st = t->sink(bytes);
    if (!st.ok()) {
      t->sink_error = st;
      return Fail(t, st.message(), SQLITE_IOERR_WRITE);
    }
    t->next += amt;
  }
  if (off + amt > t->file_size) t->file_size = off + amt;
  return SQLITE_OK;
}

int StreamTruncate(sqlite3_file* f, sqlite3_int64 size) {
  StreamTarget* t = T(f);
  if (size >= t->next) {
    if (size < t->file_size) t->file_size = size;
    return SQLITE_OK;
  }
  return Fail(t, "SQLite truncated the streamed copy to " + std::to_string(size) + " bytes",
              SQLITE_IOERR_TRUNCATE);
}

int StreamSync(sqlite3_file*, int) { return SQLITE_OK; }
int StreamFileSize(sqlite3_file* f, sqlite3_int64* size) {
  *size = T(f)->file_size;
  return SQLITE_OK;
}
int StreamLock(sqlite3_file*, int) { return SQLITE_OK; }
int StreamUnlock(sqlite3_file*, int) { return SQLITE_OK; }
int StreamCheckReserved(sqlite3_file*, int* out) {
  *out = 0;
  return SQLITE_OK;
}
int StreamFileControl(sqlite3_file*, int, void*) { return SQLITE_NOTFOUND; }
int StreamSectorSize(sqlite3_file*) { return 4096; }
int StreamDeviceCharacteristics(sqlite3_file*) { return 0; }

const sqlite3_io_methods kStreamMethods = {
    1,  // no shared memory, no mmap: the destination is never WAL, never mapped
    StreamClose, StreamRead, StreamWrite, StreamTruncate, StreamSync, StreamFileSize, StreamLock,
    StreamUnlock, StreamCheckReserved, StreamFileControl, StreamSectorSize,
    StreamDeviceCharacteristics, nullptr, nullptr, nullptr, nullptr, nullptr, nullptr};

// Only registered targets open, and only as a main database: a journal or
// temp file would mean SQLite wants more than a stream can give.
int StreamOpen(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  f->pMethods = nullptr;
  if (name == nullptr || (flags & SQLITE_OPEN_MAIN_DB) == 0) return SQLITE_CANTOPEN;
  StreamTarget* t = nullptr;
  {
    std::lock_guard<std::mutex> lock(g_targets_mu);
    auto it = Targets().find(name);
    if (it == Targets().end()) return SQLITE_CANTOPEN;
    t = it->second;
  }
  auto* sf = reinterpret_cast<StreamFile*>(f);
  sf->t = t;
  f->pMethods = &kStreamMethods;
  if (out_flags) *out_flags = flags;
  return SQLITE_OK;
}
int StreamDelete(sqlite3_vfs*, const char*, int) { return SQLITE_OK; }
int StreamAccess(sqlite3_vfs*, const char*, int, int* out) {
  *out = 0;  // no journal, no WAL beside a stream
  return SQLITE_OK;
}
int StreamFullPathname(sqlite3_vfs*, const char* name, int n, char* out) {
  sqlite3_snprintf(n, out, "%s", name);
  return SQLITE_OK;
}

// ------------------------------------------------------------------ peek

struct PeekFile {
  sqlite3_file base;
  bool main_db;
  bool wal;
  GrowingFile* growing;  // a main database file still being written, or null
  // A window (read_ahead.h): a private copy's from its open to PeekClose,
  // a live file's while a ReadAheadInTransaction lives; else null.
  ReadAheadWindow* ahead;
  int64_t size;  // reads ahead stop here: the size when the window began (a GrowingFile's final one)
  sqlite3_file* real;    // the default VFS's file, allocated right after this struct
};

sqlite3_file* R(sqlite3_file* f) { return reinterpret_cast<PeekFile*>(f)->real; }

void Keep(std::string_view page) {
  PageOneCapture* c = t_capture;
  if (c->reads > 0 && c->page != page) c->differing = true;
  c->page.assign(page);
  ++c->reads;
}

int PeekClose(sqlite3_file* f) {
  auto* pf = reinterpret_cast<PeekFile*>(f);
  delete pf->ahead;
  pf->ahead = nullptr;
  int rc = R(f)->pMethods->xClose(R(f));
  return rc;
}
// A read ahead: from the window, or filling it when reads go forward or
// backward (a GrowingFile's: only as far as it is written), else alone.
int AheadRead(PeekFile* pf, void* out, int amt, sqlite3_int64 off) {
  ReadAheadWindow& a = *pf->ahead;
  if (a.Serve(out, amt, off)) return SQLITE_OK;
  const int64_t start = off + amt <= pf->size ? a.WindowStart(off, amt) : -1;
  GrowingFile* g = pf->growing;
  if (g != nullptr) {
    // A window is waited for whole: a reader at the extraction's front
    // would otherwise fill windows a page or two long.
    const int64_t need = std::min<int64_t>(off + amt, g->size());
    const int64_t want = start >= 0 ? std::min<int64_t>(start + a.capacity(), g->size()) : need;
    if (!g->WaitFor(want) && !g->WaitFor(need)) return SQLITE_IOERR_READ;  // want >= need
  }
  if (start >= 0 &&
      FillWindowFrom(pf->real, a, out, amt, off, start,
                     g != nullptr ? std::min(g->written(), pf->size) : pf->size))
    return SQLITE_OK;
  a.Note(off, amt);
  return pf->real->pMethods->xRead(pf->real, out, amt, off);
}
int PeekRead(sqlite3_file* f, void* out, int amt, sqlite3_int64 off) {
  if (auto* pf = reinterpret_cast<PeekFile*>(f); pf->ahead != nullptr) return AheadRead(pf, out, amt, off);
  if (GrowingFile* g = reinterpret_cast<PeekFile*>(f)->growing;
      g != nullptr && !g->WaitFor(std::min<int64_t>(off + amt, g->size())))
    return SQLITE_IOERR_READ;
  int rc = R(f)->pMethods->xRead(R(f), out, amt, off);
  if (rc != SQLITE_OK || t_capture == nullptr || !IsPageSize(amt)) return rc;
  auto* pf = reinterpret_cast<PeekFile*>(f);
  std::string_view page(static_cast<const char*>(out), static_cast<size_t>(amt));
  if (pf->main_db && off == 0) {
    Keep(page);
  } else if (pf->wal && off >= 32 + 24 && (off - 32) % (amt + 24) == 24) {
    // A frame's page: its header (24 bytes before) names the page.
    unsigned char hdr[4];
    if (R(f)->pMethods->xRead(R(f), hdr, 4, off - 24) == SQLITE_OK) {
      uint32_t pgno = (uint32_t{hdr[0]} << 24) | (uint32_t{hdr[1]} << 16) |
                      (uint32_t{hdr[2]} << 8) | hdr[3];
      if (pgno == 1) Keep(page);
    }
  }
  return rc;
}
// Read-only connections do not write their files; should one, what a
// window holds of the bytes is forgotten all the same.
int PeekWrite(sqlite3_file* f, const void* d, int n, sqlite3_int64 o) {
  if (ReadAheadWindow* a = reinterpret_cast<PeekFile*>(f)->ahead) a->Drop(o, n);
  return R(f)->pMethods->xWrite(R(f), d, n, o);
}
int PeekTruncate(sqlite3_file* f, sqlite3_int64 s) {
  if (ReadAheadWindow* a = reinterpret_cast<PeekFile*>(f)->ahead) a->Drop(s, INT64_MAX / 2);
  return R(f)->pMethods->xTruncate(R(f), s);
}
int PeekSync(sqlite3_file* f, int fl) { return R(f)->pMethods->xSync(R(f), fl); }
int PeekFileSize(sqlite3_file* f, sqlite3_int64* s) {
  if (GrowingFile* g = reinterpret_cast<PeekFile*>(f)->growing) {
    *s = g->size();
    return SQLITE_OK;
  }
  return R(f)->pMethods->xFileSize(R(f), s);
}
// An unlock may end the transaction whose reads a window's bytes belong to.
void ForgetWindow(sqlite3_file* f) {
  if (ReadAheadWindow* a = reinterpret_cast<PeekFile*>(f)->ahead) a->Drop(0, INT64_MAX / 2);
}
int PeekLock(sqlite3_file* f, int l) { return R(f)->pMethods->xLock(R(f), l); }
int PeekUnlock(sqlite3_file* f, int l) {
  ForgetWindow(f);
  return R(f)->pMethods->xUnlock(R(f), l);
}
int PeekCheckReserved(sqlite3_file* f, int* o) {
  return R(f)->pMethods->xCheckReservedLock(R(f), o);
}
int PeekFileControl(sqlite3_file* f, int op, void* a) {
  return R(f)->pMethods->xFileControl(R(f), op, a);
}
int PeekSectorSize(sqlite3_file* f) { return R(f)->pMethods->xSectorSize(R(f)); }
int PeekDeviceCharacteristics(sqlite3_file* f) {
  return R(f)->pMethods->xDeviceCharacteristics(R(f));
}
int PeekShmMap(sqlite3_file* f, int i, int sz, int ext, void volatile** p) {
  return R(f)->pMethods->xShmMap(R(f), i, sz, ext, p);
}
int PeekShmLock(sqlite3_file* f, int off, int n, int flags) {
  if ((flags & SQLITE_SHM_UNLOCK) != 0) ForgetWindow(f);
  return R(f)->pMethods->xShmLock(R(f), off, n, flags);
}
void PeekShmBarrier(sqlite3_file* f) { R(f)->pMethods->xShmBarrier(R(f)); }
int PeekShmUnmap(sqlite3_file* f, int del) { return R(f)->pMethods->xShmUnmap(R(f), del); }

// Version 2: shared memory (WAL) passes through; no xFetch, so SQLite never
// maps the file and every page read comes through PeekRead.
const sqlite3_io_methods kPeekMethods = {
    2,           PeekClose,    PeekRead,      PeekWrite,        PeekTruncate,
    PeekSync,    PeekFileSize, PeekLock,      PeekUnlock,       PeekCheckReserved,
    PeekFileControl, PeekSectorSize, PeekDeviceCharacteristics, PeekShmMap, PeekShmLock,
    PeekShmBarrier,  PeekShmUnmap,   nullptr,   nullptr};

int PeekOpen(sqlite3_vfs*, const char* name, sqlite3_file* f, int flags, int* out_flags) {
  auto* pf = reinterpret_cast<PeekFile*>(f);
  pf->real = reinterpret_cast<sqlite3_file*>(pf + 1);
  pf->main_db = (flags & SQLITE_OPEN_MAIN_DB) != 0;
  pf->wal = (flags & SQLITE_OPEN_WAL) != 0;
  pf->growing = nullptr;
  pf->ahead = nullptr;
  pf->size = 0;
  if (pf->main_db && name != nullptr) {
    pf->growing = FindGrowingFile(name);
  }
  f->pMethods = nullptr;
  int rc = OpenDefaultVfsFile(name, pf->real, flags, out_flags);
  if (pf->real->pMethods == nullptr) return rc;
  if (rc == SQLITE_OK && pf->main_db && t_private_copy && (flags & SQLITE_OPEN_READONLY)) {
    sqlite3_int64 size = 0;
    if (pf->growing != nullptr) {
      size = pf->growing->size();
    } else if (pf->real->pMethods->xFileSize(pf->real, &size) != SQLITE_OK) {
      size = -1;
    }
    if (size > 0) {
      pf->size = size;
      pf->ahead = new ReadAheadWindow();
    }
  }
  f->pMethods = &kPeekMethods;
  return rc;
}

sqlite3_vfs g_stream_vfs;
sqlite3_vfs g_peek_vfs;

}  // namespace

void RegisterSqliteStreamVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    FillDelegatingVfs(&g_stream_vfs, "ferry-stream", sizeof(StreamFile));
    g_stream_vfs.xOpen = StreamOpen;
    g_stream_vfs.xDelete = StreamDelete;
    g_stream_vfs.xAccess = StreamAccess;
    g_stream_vfs.xFullPathname = StreamFullPathname;
    sqlite3_vfs_register(&g_stream_vfs, 0);
    FillDelegatingVfs(&g_peek_vfs, "ferry-peek", static_cast<int>(sizeof(PeekFile)) + DefaultSqliteVfs()->szOsFile);
    g_peek_vfs.xOpen = PeekOpen;
    sqlite3_vfs_register(&g_peek_vfs, 0);
  });
}

std::string RegisterStreamTarget(StreamTarget* target) {
  std::lock_guard<std::mutex> lock(g_targets_mu);
  std::string name = "/ferry-stream/" + std::to_string(++g_target_seq);
  Targets()[name] = target;
  return name;
}

void UnregisterStreamTarget(const std::string& name) {
  std::lock_guard<std::mutex> lock(g_targets_mu);
  Targets().erase(name);
}

void SetPageOneCapture(PageOneCapture* capture) { t_capture = capture; }

ReadAheadInTransaction::ReadAheadInTransaction(sqlite3* db) {
  sqlite3_file* f = OurConnectionFile(db, SQLITE_FCNTL_FILE_POINTER, &kPeekMethods);
  if (f == nullptr) return;
  auto* pf = reinterpret_cast<PeekFile*>(f);
  sqlite3_int64 size = 0;
  if (pf->ahead != nullptr || pf->growing != nullptr ||
      pf->real->pMethods->xFileSize(pf->real, &size) != SQLITE_OK || size <= 0)
    return;
  pf->size = size;
  pf->ahead = new ReadAheadWindow();
  file_ = pf;
}

ReadAheadInTransaction::~ReadAheadInTransaction() {
  if (file_ == nullptr) return;
  auto* pf = static_cast<PeekFile*>(file_);
  delete pf->ahead;
  pf->ahead = nullptr;
}

PrivateCopyOpen::PrivateCopyOpen() { t_private_copy = true; }
PrivateCopyOpen::~PrivateCopyOpen() { t_private_copy = false; }

void SetStreamDeclineForTesting(bool on) { g_decline_for_testing = on; }

std::string PredictBackupPageOne(std::string_view source_page1, int64_t page_count) {
  std::string p(source_page1);
  if (p.size() < 100) return p;
  Put4(p, 28, static_cast<uint32_t>(page_count));
  Put4(p, 40, 1);  // schema cookie: the fresh destination's 0, plus one
  Put4(p, 24, 1);  // change counter: the fresh destination's 0, plus one
  Put4(p, 92, 1);  // "version-valid-for": that change counter
  Put4(p, 96, static_cast<uint32_t>(sqlite3_libversion_number()));
  return p;
}

}  // namespace ferry
