// Version: the ordered identity of a migration.
//
// ferry and golang-migrate files carry one unsigned integer (0001, 000123,
// 20230101120000); Flyway carries dotted parts (V1.1__x, V2_3__x). A Version
// is the list of numeric parts; comparison is part by part, missing parts are
// zero (1 == 1.0 < 1.1 < 2). The canonical spelling drops leading zeros
// ("0007" -> "7") and joins parts with '.', so "--to 7" finds 0007_x.sql.
#pragma once

#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

class Version {
 public:
  Version() = default;
  explicit Version(uint64_t v) : parts_{v} {}

  // Accepts "12", "0012", "1.2", "1_2". nullopt on anything else.
  static std::optional<Version> Parse(std::string_view text);

  std::string ToString() const;
  bool empty() const { return parts_.empty(); }
  const std::vector<uint64_t>& parts() const { return parts_; }

  std::strong_ordering operator<=>(const Version& o) const;
  bool operator==(const Version& o) const { return (*this <=> o) == 0; }

 private:
  std::vector<uint64_t> parts_;
};

}  // namespace ferry
