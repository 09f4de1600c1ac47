#include "jobs/backup/sqlite_vfs_delegate.h"

#include <cstring>
#include <mutex>

namespace ferry {
namespace {

sqlite3_vfs* g_base = nullptr;

int Delete(sqlite3_vfs*, const char* n, int s) { return g_base->xDelete(g_base, n, s); }
int Access(sqlite3_vfs*, const char* n, int fl, int* o) { return g_base->xAccess(g_base, n, fl, o); }
int FullPathname(sqlite3_vfs*, const char* n, int sz, char* o) {
  return g_base->xFullPathname(g_base, n, sz, o);
}
void* DlOpen(sqlite3_vfs*, const char* p) { return g_base->xDlOpen(g_base, p); }
void DlError(sqlite3_vfs*, int n, char* o) { g_base->xDlError(g_base, n, o); }
void (*DlSym(sqlite3_vfs*, void* h, const char* s))(void) { return g_base->xDlSym(g_base, h, s); }
void DlClose(sqlite3_vfs*, void* h) { g_base->xDlClose(g_base, h); }
int Randomness(sqlite3_vfs*, int n, char* o) { return g_base->xRandomness(g_base, n, o); }
int Sleep(sqlite3_vfs*, int us) { return g_base->xSleep(g_base, us); }
int CurrentTime(sqlite3_vfs*, double* t) { return g_base->xCurrentTime(g_base, t); }
int GetLastError(sqlite3_vfs*, int n, char* o) {
  return g_base->xGetLastError ? g_base->xGetLastError(g_base, n, o) : 0;
}
int CurrentTimeInt64(sqlite3_vfs*, sqlite3_int64* t) {
  if (g_base->iVersion >= 2 && g_base->xCurrentTimeInt64)
    return g_base->xCurrentTimeInt64(g_base, t);
  double d = 0;
  int rc = g_base->xCurrentTime(g_base, &d);
  *t = static_cast<sqlite3_int64>(d * 86400000.0);
  return rc;
}

}  // namespace

sqlite3_vfs* DefaultSqliteVfs() {
  static std::once_flag once;
  std::call_once(once, [] {
    sqlite3_initialize();
    g_base = sqlite3_vfs_find(nullptr);
  });
  return g_base;
}

int OpenDefaultVfsFile(const char* name, sqlite3_file* real, int flags, int* out_flags) {
  sqlite3_vfs* base = DefaultSqliteVfs();
  real->pMethods = nullptr;
  int rc = base->xOpen(base, name, real, flags, out_flags);
  if (real->pMethods == nullptr) return rc;
  if (real->pMethods->iVersion < 2) {
    real->pMethods->xClose(real);
    real->pMethods = nullptr;
    return SQLITE_CANTOPEN;
  }
  return rc;
}

sqlite3_file* OurConnectionFile(sqlite3* db, int op, const sqlite3_io_methods* ours) {
  sqlite3_file* f = nullptr;
  if (sqlite3_file_control(db, "main", op, &f) != SQLITE_OK || f == nullptr) return nullptr;
  return f->pMethods == ours ? f : nullptr;
}

bool FillWindowFrom(sqlite3_file* real, ReadAheadWindow& window, void* out, int amt,
                    int64_t off, int64_t start, int64_t available) {
  return window.Fill(out, amt, off, start, available, [real](char* buf, int64_t len, int64_t at) {
    return InPieces(buf, len, at, [real](char* p, int n, int64_t o) {
             return real->pMethods->xRead(real, p, n, o);
           }) == SQLITE_OK;
  });
}

void FillDelegatingVfs(sqlite3_vfs* v, const char* name, int file_size) {
  sqlite3_vfs* base = DefaultSqliteVfs();
  std::memset(v, 0, sizeof *v);
  v->iVersion = 2;
  v->szOsFile = file_size;
  v->mxPathname = base->mxPathname;
  v->zName = name;
  v->xDelete = Delete;
  v->xAccess = Access;
  v->xFullPathname = FullPathname;
  v->xDlOpen = DlOpen;
  v->xDlError = DlError;
  v->xDlSym = DlSym;
  v->xDlClose = DlClose;
  v->xRandomness = Randomness;
  v->xSleep = Sleep;
  v->xCurrentTime = CurrentTime;
  v->xGetLastError = GetLastError;
  v->xCurrentTimeInt64 = CurrentTimeInt64;
}

}  // namespace ferry
