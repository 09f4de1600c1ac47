// `ferry_sha256sum(col1, col2, ...)` and `ferry_xxh128sum(...)`: the SQLite
// table checksum computed inside SQLite, so rows never travel to ferry one
// by one.
//
// An aggregate SQL function registered on every SQLite connection the
// process opens (sqlite3_auto_extension, from a static initializer in
// sqlite_row_hash.cc: connections opened before main() are the only ones
// without it, and callers fall back to streaming rows then). Each row's
// values are encoded exactly as table_checksum.cc encodes a ferry Value
// (type tag, little-endian 64-bit length/bits, bytes), hashed with SHA-256,
// and the first 16 bytes summed in two 64-bit lanes; so the function and the
// streaming fallback give the same checksum for the same rows, and checksums
// recorded by older ferry versions still verify.
//
// Result text: "<32 hex digits>:<encoded bytes>" (bytes ~ the data size).
// Thread-safety: per connection, as SQLite itself.
#pragma once

#include <openssl/evp.h>

#include <cstdint>
#include <string_view>

namespace ferry {

inline constexpr std::string_view kSqliteRowHashFunction = "ferry_sha256sum";
// The same, with XXH3-128 (xxHash) instead of SHA-256 for each row: the
// same encoding and result format, ~10x less CPU per byte. Not a
// cryptographic hash: it detects accidental change (a changed row alters
// both 64-bit lane sums unless its 128-bit hash difference is 0, odds
// 2^-128), not a forger who can also rewrite ferry_backups.
inline constexpr std::string_view kSqliteRowXxh128Function = "ferry_xxh128sum";
// The same sum kept per connection by a scalar function instead of an
// aggregate, so it can hash the rows an INSERT ... SELECT reads:
//   SELECT ferry_xxh128_take();                       -- reset
//   INSERT INTO copy SELECT * FROM src WHERE ferry_xxh128_add(a, b, ...);
//   SELECT ferry_xxh128_take();   -- "<32 hex>:<bytes>:<rows>", and reset
inline constexpr std::string_view kSqliteRowXxh128Add = "ferry_xxh128_add";
inline constexpr std::string_view kSqliteRowXxh128Take = "ferry_xxh128_take";

// One encoded row's 128-bit hash as two 64-bit lanes (XXH3-128, or the first
// 16 bytes of SHA-256 big-endian when `sha256_ctx` is given): the one
// definition the in-engine functions and table_checksum.cc's streaming
// fallback both sum, so they agree. False when OpenSSL fails.
bool RowHashLanes(std::string_view encoded, EVP_MD_CTX* sha256_ctx, uint64_t* hi, uint64_t* lo);

// True when the auto-extension registration succeeded (connections opened
// from now on have the function).
bool SqliteRowHashRegistered();

}  // namespace ferry
