// Migration: one versioned change, as read from a folder or a binary.
#pragma once

#include <optional>
#include <string_view>
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
  // "sha256:<hex>" of up.sql (core/checksum.h), computed on first use: `status`
  // of a thousand applied migrations never needs it. Not thread-safe.
  const std::string& checksum() const;

 private:
  mutable std::string checksum_;
};

}  // namespace ferry
