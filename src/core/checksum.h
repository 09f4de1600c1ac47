// Migration checksums, stored in the ledger with their algorithm named
// ("sha256:<hex>"), so a later ferry that hashes differently can still check
// rows written by this one.
//
// kSha256Lf hashes the up script with CRLF turned into LF: a checkout on
// Windows (or git's autocrlf) must not look like drift.
#pragma once

#include <string>
#include <string_view>

namespace ferry {

inline constexpr std::string_view kChecksumAlgorithm = "sha256";

// "sha256:<64 hex>" of the LF-normalized text.
std::string MigrationChecksum(std::string_view up_sql);

// Checks `recorded` (from the ledger) against `text`. Returns false with
// *unknown_algorithm set when the recorded value names an algorithm this build
// does not know (the caller reports that, rather than calling it drift).
bool ChecksumMatches(std::string_view recorded, std::string_view up_sql, bool* unknown_algorithm);

// Like ChecksumMatches, against an already computed "sha256:<hex>".
bool ChecksumEquals(std::string_view recorded, std::string_view current, bool* unknown_algorithm);

}  // namespace ferry
