#include "core/checksum.h"

#include "util/sha256.h"
#include "util/strings.h"

namespace ferry {

std::string MigrationChecksum(std::string_view up_sql) {
  return std::string(kChecksumAlgorithm) + ":" + Sha256Hex(NormalizeNewlines(up_sql));
}

bool ChecksumMatches(std::string_view recorded, std::string_view up_sql, bool* unknown_algorithm) {
  *unknown_algorithm = false;
  size_t colon = recorded.find(':');
  std::string_view algo = colon == std::string_view::npos ? "" : recorded.substr(0, colon);
  if (algo != kChecksumAlgorithm) {
    *unknown_algorithm = true;
    return false;
  }
  return recorded == MigrationChecksum(up_sql);
}

}  // namespace ferry
