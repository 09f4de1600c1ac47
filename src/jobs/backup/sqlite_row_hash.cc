#include "jobs/backup/sqlite_row_hash.h"

#include <openssl/evp.h>
#include <sqlite3.h>

// Header-only (inlined): no library to link.
#define XXH_INLINE_ALL
#include <xxhash.h>

#include <cstdint>
#include <cstdio>
#include <string>

namespace ferry {
namespace {

// SQLite zero-fills the aggregate context and never runs constructors, so
// the reused pieces are plain pointers, created on the first row and freed
// in Final.
struct Lanes {
  uint64_t hi = 0, lo = 0;
  int64_t bytes = 0;
  std::string* buf;
  EVP_MD_CTX* md_ctx;
};

// Fetched once (an implicit EVP_sha256() init looks it up on every row).
const EVP_MD* Sha256Md() {
  static const EVP_MD* md = [] {
    const EVP_MD* fetched = EVP_MD_fetch(nullptr, "SHA256", nullptr);
    return fetched != nullptr ? fetched : EVP_sha256();
  }();
  return md;
}

}  // namespace

bool RowHashLanes(std::string_view encoded, EVP_MD_CTX* sha256_ctx, uint64_t* hi, uint64_t* lo) {
  *hi = *lo = 0;
  if (sha256_ctx == nullptr) {
    XXH128_hash_t h = XXH3_128bits(encoded.data(), encoded.size());
    *hi = h.high64;
    *lo = h.low64;
    return true;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestInit_ex(sha256_ctx, Sha256Md(), nullptr) != 1 ||
      EVP_DigestUpdate(sha256_ctx, encoded.data(), encoded.size()) != 1 ||
      EVP_DigestFinal_ex(sha256_ctx, md, &len) != 1)
    return false;
  for (int i = 0; i < 8; ++i) *hi = (*hi << 8) | md[i];
  for (int i = 8; i < 16; ++i) *lo = (*lo << 8) | md[i];
  return true;
}

namespace {

void Put64(std::string* out, uint64_t x) {
  char b[8];
  for (int i = 0; i < 8; ++i) b[i] = static_cast<char>((x >> (8 * i)) & 0xff);
  out->append(b, 8);
}

// The same typed encoding as Encode() in table_checksum.cc.
void EncodeValue(sqlite3_value* v, std::string* out) {
  switch (sqlite3_value_type(v)) {
    case SQLITE_INTEGER:
      out->push_back('I');
      Put64(out, static_cast<uint64_t>(sqlite3_value_int64(v)));
      break;
    case SQLITE_FLOAT: {
      out->push_back('F');
      double d = sqlite3_value_double(v);
      uint64_t bits;
      static_assert(sizeof bits == sizeof d);
      __builtin_memcpy(&bits, &d, sizeof bits);
      Put64(out, bits);
      break;
    }
    case SQLITE_TEXT: {
      const char* p = reinterpret_cast<const char*>(sqlite3_value_text(v));
      size_t n = static_cast<size_t>(sqlite3_value_bytes(v));
      out->push_back('T');
      Put64(out, n);
      out->append(p ? p : "", n);
      break;
    }
    case SQLITE_BLOB: {
      const char* p = static_cast<const char*>(sqlite3_value_blob(v));
      size_t n = static_cast<size_t>(sqlite3_value_bytes(v));
      out->push_back('B');
      Put64(out, n);
      out->append(p ? p : "", n);
      break;
    }
    default:
      out->push_back('N');
  }
}

enum class RowHash { kSha256, kXxh128 };

void Step(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* l = static_cast<Lanes*>(sqlite3_aggregate_context(ctx, sizeof(Lanes)));
  if (l == nullptr) {
    sqlite3_result_error_nomem(ctx);
    return;
  }
  const auto kind = static_cast<RowHash>(reinterpret_cast<intptr_t>(sqlite3_user_data(ctx)));
  if (l->buf == nullptr) {
    l->buf = new std::string();
    if (kind == RowHash::kSha256) l->md_ctx = EVP_MD_CTX_new();
  }
  std::string& buf = *l->buf;
  buf.clear();
  for (int i = 0; i < argc; ++i) EncodeValue(argv[i], &buf);
  uint64_t hi = 0, lo = 0;
  if (!RowHashLanes(buf, kind == RowHash::kSha256 ? l->md_ctx : nullptr, &hi, &lo)) {
    sqlite3_result_error(ctx, "ferry_sha256sum: SHA-256 failed", -1);
    return;
  }
  l->hi += hi;
  l->lo += lo;
  l->bytes += static_cast<int64_t>(buf.size());
}

void Final(sqlite3_context* ctx) {
  auto* l = static_cast<Lanes*>(sqlite3_aggregate_context(ctx, 0));
  Lanes empty{};
  if (l == nullptr) l = &empty;  // no rows
  char out[64];
  int n = std::snprintf(out, sizeof out, "%016llx%016llx:%lld",
                        static_cast<unsigned long long>(l->hi),
                        static_cast<unsigned long long>(l->lo), static_cast<long long>(l->bytes));
  delete l->buf;
  EVP_MD_CTX_free(l->md_ctx);
  l->buf = nullptr;
  l->md_ctx = nullptr;
  sqlite3_result_text(ctx, out, n, SQLITE_TRANSIENT);
}

// The per-connection running sum behind ferry_xxh128_add/_take (one per
// connection: SQLite runs a connection's statements one at a time).
struct Running {
  uint64_t hi = 0, lo = 0;
  int64_t bytes = 0, rows = 0;
  std::string buf;
};

// ferry_xxh128_add(col1, ...): adds the row to the connection's running sum
// and returns 1, so it can sit in a WHERE clause and hash the rows that an
// INSERT ... SELECT reads, as it reads them.
void Add(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  auto* r = static_cast<Running*>(sqlite3_user_data(ctx));
  r->buf.clear();
  for (int i = 0; i < argc; ++i) EncodeValue(argv[i], &r->buf);
  uint64_t hi = 0, lo = 0;
  RowHashLanes(r->buf, nullptr, &hi, &lo);
  r->hi += hi;
  r->lo += lo;
  r->bytes += static_cast<int64_t>(r->buf.size());
  ++r->rows;
  sqlite3_result_int(ctx, 1);
}

// ferry_xxh128_take(): "<32 hex digits>:<bytes>:<rows>" of the running sum,
// which starts again from zero.
void Take(sqlite3_context* ctx, int /*argc*/, sqlite3_value** /*argv*/) {
  auto* r = static_cast<Running*>(sqlite3_user_data(ctx));
  char out[96];
  int n = std::snprintf(out, sizeof out, "%016llx%016llx:%lld:%lld",
                        static_cast<unsigned long long>(r->hi),
                        static_cast<unsigned long long>(r->lo), static_cast<long long>(r->bytes),
                        static_cast<long long>(r->rows));
  *r = Running{};
  sqlite3_result_text(ctx, out, n, SQLITE_TRANSIENT);
}

int Register(sqlite3* db, char** /*err*/, const sqlite3_api_routines* /*api*/) {
  // Not deterministic: each call has an effect, so SQLite must neither
  // factor it out of the row loop nor skip it.
  // `_take` owns the sum: SQLite deletes it with that function (also when
  // registering it fails), `_add` only borrows it.
  auto* running = new Running();
  if (int rc = sqlite3_create_function_v2(db, kSqliteRowXxh128Take.data(), 0,
                                          SQLITE_UTF8 | SQLITE_DIRECTONLY, running, Take, nullptr,
                                          nullptr, [](void* p) { delete static_cast<Running*>(p); });
      rc != SQLITE_OK)
    return rc;
  if (int rc = sqlite3_create_function_v2(db, kSqliteRowXxh128Add.data(), -1,
                                          SQLITE_UTF8 | SQLITE_DIRECTONLY, running, Add, nullptr,
                                          nullptr, nullptr);
      rc != SQLITE_OK)
    return rc;
  const int flags = SQLITE_UTF8 | SQLITE_DETERMINISTIC | SQLITE_INNOCUOUS;
  int rc = sqlite3_create_function_v2(db, kSqliteRowHashFunction.data(), -1, flags,
                                      reinterpret_cast<void*>(static_cast<intptr_t>(RowHash::kSha256)), nullptr, Step,
                                      Final, nullptr);
  if (rc != SQLITE_OK) return rc;
  return sqlite3_create_function_v2(db, kSqliteRowXxh128Function.data(), -1, flags,
                                    reinterpret_cast<void*>(static_cast<intptr_t>(RowHash::kXxh128)), nullptr, Step,
                                    Final, nullptr);
}

// Registered before main(), so every connection ferry opens has the function.
const bool kRegistered = [] {
  using Entry = void (*)();
  return sqlite3_auto_extension(reinterpret_cast<Entry>(&Register)) == SQLITE_OK;
}();

}  // namespace

bool SqliteRowHashRegistered() { return kRegistered; }

}  // namespace ferry
