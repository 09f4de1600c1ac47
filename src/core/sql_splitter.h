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
//
// Details of the contract:
// - A statement's text runs from its first token to its last token: comments
//   before the first token and between the last token and the ';' belong to
//   no statement. An unclosed /* after real code stays in the text.
// - Lines are counted per '\n', so "\r\n" files number lines as editors do;
//   the bytes of the text are not changed ("\r" inside a statement stays).
// - Dialect lexing: MySQL strings ('...' and "...") take backslash escapes,
//   "-- " needs a space or control character after it, '#' starts a comment,
//   and /*! ... */ or /*+ ... */ is code (a statement of its own when it
//   stands alone, as mysqldump writes it). DuckDB lexes like PostgreSQL (E'',
//   dollar quotes, nested comments) but has no BEGIN ATOMIC.
// - A body whose ';' do not end the statement opens at BEGIN in a statement
//   that starts CREATE [TEMP|TEMPORARY] TRIGGER (SQLite), or at BEGIN ATOMIC
//   (PostgreSQL); it closes at END directly after one of the body's ';' (as
//   sqlite3_complete() decides), so CASE ... END inside does not close it.
//   A transaction's BEGIN; / END; never opens a body.
// - Not handled: MySQL DELIMITER and BEGIN ... END compound statements
//   (CREATE PROCEDURE ... BEGIN ... END): they are cut at their inner ';'.
// - Linear in the size of the input. Thread-safe (no shared state).
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

// True when the text holds nothing but whitespace and comments (and lone
// ';'): exactly when SplitStatements would return no statement.
bool IsBlankSql(std::string_view sql, Dialect dialect);

}  // namespace ferry
