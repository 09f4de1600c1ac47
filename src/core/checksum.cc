#include "core/checksum.h"

#include "core/migration.h"
#include "util/sha256.h"
#include "util/strings.h"

namespace ferry {

std::string MigrationChecksum(std::string_view up_sql) {
  return std::string(kChecksumAlgorithm) + ":" + Sha256Hex(NormalizeNewlines(up_sql));
}

bool ChecksumEquals(std::string_view recorded, std::string_view current, bool* unknown_algorithm) {
  *unknown_algorithm = recorded.substr(0, kChecksumAlgorithm.size() + 1) !=
                       std::string(kChecksumAlgorithm) + ":";
  return !*unknown_algorithm && recorded == current;
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

const std::string& Migration::checksum() const {
  if (checksum_.empty()) checksum_ = MigrationChecksum(up.sql);
  return checksum_;
}

}  // namespace ferry
