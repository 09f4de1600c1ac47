#include "core/file_name.h"

#include <cctype>

#include "util/strings.h"

namespace ferry {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

}  // namespace

std::string_view SourceFormatName(SourceFormat f) {
  switch (f) {
    case SourceFormat::kFerry:
      return "ferry";
    case SourceFormat::kGolangMigrate:
      return "golang-migrate";
    case SourceFormat::kFlyway:
      return "flyway";
    case SourceFormat::kEmpty:
      return "empty";
  }
  return "?";
}

NameMatch ParseMigrationFileName(std::string_view file, ParsedFileName* out, std::string* why) {
  if (!EndsWith(ToLower(file), ".sql")) return NameMatch::kIgnored;
  std::string_view stem = file.substr(0, file.size() - 4);

  if (StartsWith(stem, "R__")) {
    *why = "Flyway repeatable migrations (R__) are not supported";
    return NameMatch::kInvalid;
  }
  // Flyway: V<version>__<desc>.sql, U<version>__<desc>.sql
  if ((stem[0] == 'V' || stem[0] == 'U') && stem.size() > 1) {
    size_t sep = stem.find("__");
    if (sep != std::string_view::npos && sep > 1) {
      std::string_view ver = stem.substr(1, sep - 1);
      auto v = Version::Parse(ver);
      if (!v) {
        *why = "Flyway version \"" + std::string(ver) + "\" is not numeric (1, 1.1, 1_1)";
        return NameMatch::kInvalid;
      }
      out->format = SourceFormat::kFlyway;
      out->version = *v;
      out->version_text = std::string(ver);
      out->name = std::string(stem.substr(sep + 2));
      out->role = stem[0] == 'V' ? FileRole::kUp : FileRole::kDown;
      if (out->name.empty()) {
        *why = "missing description after __";
        return NameMatch::kInvalid;
      }
      return NameMatch::kMigration;
    }
  }

  // <digits>_<name>[.up|.down].sql
  size_t us = stem.find('_');
  std::string_view digits = stem.substr(0, us);
  if (us == std::string_view::npos || !AllDigits(digits)) {
    *why = "name does not match NNNN_name.sql, NNNN_name.up.sql/.down.sql or V1__name.sql";
    return NameMatch::kInvalid;
  }
  std::string_view rest = stem.substr(us + 1);
  auto v = Version::Parse(digits);
  if (!v) {
    *why = "version \"" + std::string(digits) + "\" is too large";
    return NameMatch::kInvalid;
  }
  out->version = *v;
  out->version_text = std::string(digits);
  if (EndsWith(rest, ".up")) {
    out->format = SourceFormat::kGolangMigrate;
    out->role = FileRole::kUp;
    rest.remove_suffix(3);
  } else if (EndsWith(rest, ".down")) {
    out->format = SourceFormat::kGolangMigrate;
    out->role = FileRole::kDown;
    rest.remove_suffix(5);
  } else {
    out->format = SourceFormat::kFerry;
    out->role = FileRole::kBoth;
  }
  if (rest.empty()) {
    *why = "missing name after the version";
    return NameMatch::kInvalid;
  }
  out->name = std::string(rest);
  return NameMatch::kMigration;
}

}  // namespace ferry
