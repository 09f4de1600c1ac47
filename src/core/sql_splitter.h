// SplitStatements: cuts a migration file into the statements to send one by one.
//
// It is right about what a naive split on ';' gets wrong:
// - '...' strings ('' escapes), E'...' (backslash escapes, PostgreSQL),
//   "..." and `...` quoted identifiers, [..] identifiers (SQLite);
// - -- line comments and /* */ block comments (nested in PostgreSQL);
// - PostgreSQL dollar quotes $$...$$ and $tag$...$tag$ (function bodies, DO);
// - SQLite CREATE TRIGGER ... BEGIN ... END; bodies (with CASE ... END inside),
//   and PostgreSQL BEGIN ATOMIC ... END bodies.
// Statements keep their text exactly (comments inside included), minus
// surrounding whitespace; a piece holding only comments/whitespace is dropped.
// Each statement records the 1-based line where its first token starts, so an
// error can name migrations/0007_x.sql:42.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"

namespace ferry {

struct SqlStatement {
  std::string text;  // without the terminating ';'
  int line = 1;      // line of the first non-blank, non-comment character
};

// Never fails: unterminated quotes/comments run to the end of input and become
// part of the last statement, so the engine reports the syntax error itself.
std::vector<SqlStatement> SplitStatements(std::string_view sql, Dialect dialect);

// True when the text holds nothing but whitespace and comments.
bool IsBlankSql(std::string_view sql, Dialect dialect);

}  // namespace ferry
