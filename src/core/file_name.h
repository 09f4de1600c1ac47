// Migration file names, in the three layouts real projects use:
//   ferry / goose style:   0001_create_users.sql     (-- +up / -- +down inside)
//   golang-migrate:        000123_create_users.up.sql + 000123_create_users.down.sql
//   Flyway:                V1__init.sql, V1.1__add_index.sql, U1__init.sql (undo)
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/migration.h"

namespace ferry {

enum class FileRole { kBoth, kUp, kDown };  // kBoth: one file with both sections

struct ParsedFileName {
  SourceFormat format;
  Version version;
  std::string version_text;  // as written ("0001", "1.1"), for messages
  std::string name;          // "create_users"
  FileRole role;
};

enum class NameMatch { kMigration, kIgnored, kInvalid };

// Classifies a file name: kIgnored for files that are not SQL (README.md, .keep),
// kInvalid for *.sql names no layout accepts (with *why set), else fills *out.
NameMatch ParseMigrationFileName(std::string_view file_name, ParsedFileName* out, std::string* why);

}  // namespace ferry
