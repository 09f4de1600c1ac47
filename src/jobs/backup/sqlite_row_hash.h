// `ferry_sha256sum(col1, col2, ...)`: the SQLite table checksum computed
// inside SQLite, so rows never travel to ferry one by one.
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

#include <string_view>

namespace ferry {

inline constexpr std::string_view kSqliteRowHashFunction = "ferry_sha256sum";

// True when the auto-extension registration succeeded (connections opened
// from now on have the function).
bool SqliteRowHashRegistered();

}  // namespace ferry
