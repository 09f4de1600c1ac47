// Migration: one versioned change, as read from a folder or a binary.
#pragma once

#include <optional>
#include <string>

#include "core/version.h"

namespace ferry {

// The file layouts ferry understands; a folder holds exactly one of them.
enum class SourceFormat { kFerry, kGolangMigrate, kFlyway, kEmpty };
std::string_view SourceFormatName(SourceFormat f);

struct MigrationScript {
  std::string path;    // where it came from, for messages ("migrations/0001_x.sql")
  std::string sql;     // the text to run (newlines normalized to \n)
  int first_line = 1;  // line of `sql`'s first character within `path`
};

struct Migration {
  Version version;
  std::string name;  // "create_users"
  MigrationScript up;
  std::optional<MigrationScript> down;  // nullopt: no down written; empty sql: "nothing to undo"
  std::string checksum;                 // "sha256:<hex>" of up.sql, see core/checksum.h
};

}  // namespace ferry
