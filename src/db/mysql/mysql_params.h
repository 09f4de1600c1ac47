// Parameter translation for the mysql adapter: ferry writes `$1..$n`, MySQL's
// prepared statements want `?`, bound strictly left to right.
//
// TranslateParams rewrites each `$N` outside quotes and comments to `?` and
// records N, so a statement may use a parameter twice (`$1 ... $1`) or out of
// order (`VALUES ($2, $1)`): the binder lays out params[N-1] for each `?` in
// turn. What is skipped, as MySQL's own lexer does (and as
// src/core/sql_splitter.cc does for kMysql):
//   '...' and "..." strings (backslash escapes and doubled quotes),
//   `...` identifiers (doubled backticks), -- comments (only with a space or
//   control character after the dashes), # comments, /* ... */ comments.
// Executable comments (/*! ... */, /*M! ... */) are code on MySQL, so they
// are scanned like code. A `$` that continues an identifier (`a$1`) is part
// of the identifier. A bare `?` outside quotes would be taken by the server
// as a placeholder nobody binds: InvalidArgument.
//
// Pure function: no connection, no I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry::mysql {

struct TranslatedSql {
  std::string sql;          // with `?` placeholders
  std::vector<int> params;  // 1-based parameter number of each `?`, in order
  int max_param = 0;        // highest N used (0: none)
};

Result<TranslatedSql> TranslateParams(std::string_view sql);

}  // namespace ferry::mysql
