// Rewrites the names in SQLite's stored DDL (sqlite_master.sql), so a copy
// of a table gets the same definition (types, constraints, defaults) under a
// new name, and its indexes can be recreated on the copy.
//
// Only the leading names are touched; the rest of the text is kept byte for
// byte. Names may be bare, "quoted", [bracketed], `backticked` or
// schema-qualified. InvalidArgument when the text is not the expected shape.
#pragma once

#include <string>
#include <string_view>

#include "ferry/status.h"

namespace ferry {

// "CREATE TABLE [IF NOT EXISTS] <name> ..." -> same with <new_quoted_name>.
Result<std::string> RenameCreateTable(std::string_view sql, std::string_view new_quoted_name);

// "CREATE [UNIQUE] INDEX [IF NOT EXISTS] <index> ON <table> ..." -> names replaced.
Result<std::string> RenameCreateIndex(std::string_view sql, std::string_view new_quoted_index,
                                      std::string_view new_quoted_table);

}  // namespace ferry
