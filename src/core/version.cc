#include "core/version.h"

#include "util/strings.h"

namespace ferry {

std::optional<Version> Version::Parse(std::string_view text) {
  if (text.empty()) return std::nullopt;
  Version v;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '.' || text[i] == '_') {
      auto part = ParseUint(text.substr(start, i - start));
      if (!part) return std::nullopt;
      v.parts_.push_back(*part);
      start = i + 1;
    }
  }
  return v;
}

std::string Version::ToString() const {
  std::string out;
  for (size_t i = 0; i < parts_.size(); ++i) {
    if (i) out += '.';
    out += std::to_string(parts_[i]);
  }
  return out;
}

std::strong_ordering Version::operator<=>(const Version& o) const {
  size_t n = std::max(parts_.size(), o.parts_.size());
  for (size_t i = 0; i < n; ++i) {
    uint64_t a = i < parts_.size() ? parts_[i] : 0;
    uint64_t b = i < o.parts_.size() ? o.parts_[i] : 0;
    if (a != b) return a <=> b;
  }
  return std::strong_ordering::equal;
}

}  // namespace ferry
