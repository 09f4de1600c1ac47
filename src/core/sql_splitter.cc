// One left-to-right pass over the input: a small lexer that knows just enough
// of each dialect to tell where a ';' is a statement terminator. Every byte is
// looked at a bounded number of times, so the cost is linear in the input
// (a closing dollar-quote tag is searched with string_view::find, which is
// linear in the input times the tag length).
#include "core/sql_splitter.h"

#include <algorithm>
#include <cstddef>

namespace ferry {
namespace {

constexpr size_t kNone = std::string_view::npos;

// What a dialect's lexer does differently. Kept as data so the scanner below
// reads as one algorithm instead of four.
struct Rules {
  bool backslash_in_strings = false;   // MySQL: '\'' and "\"" inside strings
  bool double_quote_is_string = false; // MySQL: "..." is a string literal
  bool backtick_identifiers = false;   // MySQL, SQLite: `name`
  bool bracket_identifiers = false;    // SQLite: [name]
  bool hash_comments = false;          // MySQL: # to end of line
  bool dash_comment_needs_space = false;  // MySQL: "-- " but not "--x"
  bool executable_comments = false;    // MySQL: /*! ... */ and /*+ ... */ are code
  bool nested_block_comments = false;  // PostgreSQL, DuckDB: /* /* */ */
  bool escape_strings = false;         // PostgreSQL, DuckDB: E'\''
  bool dollar_quotes = false;          // PostgreSQL, DuckDB: $$..$$, $tag$..$tag$
  bool sqlite_triggers = false;        // CREATE [TEMP] TRIGGER .. BEGIN .. END
  bool begin_atomic = false;           // PostgreSQL: BEGIN ATOMIC .. END
};

Rules RulesFor(Dialect dialect) {
  Rules r;
  switch (dialect) {
    case Dialect::kSqlite:
      r.backtick_identifiers = true;
      r.bracket_identifiers = true;
      r.sqlite_triggers = true;
      break;
    case Dialect::kPostgres:
      r.nested_block_comments = true;
      r.escape_strings = true;
      r.dollar_quotes = true;
      r.begin_atomic = true;
      break;
    case Dialect::kMysql:
      r.backslash_in_strings = true;
      r.double_quote_is_string = true;
      r.backtick_identifiers = true;
      r.hash_comments = true;
      r.dash_comment_needs_space = true;
      r.executable_comments = true;
      break;
    case Dialect::kDuckdb:
      // DuckDB's lexer descends from PostgreSQL's (libpg_query).
      r.nested_block_comments = true;
      r.escape_strings = true;
      r.dollar_quotes = true;
      break;
  }
  return r;
}

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
         c == '\v';
}

// Identifier characters; bytes >= 0x80 are parts of UTF-8 letters.
bool IsIdentStart(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
         static_cast<unsigned char>(c) >= 0x80;
}
bool IsIdentChar(char c) {
  return IsIdentStart(c) || (c >= '0' && c <= '9') || c == '$';
}

bool EqualsNoCase(std::string_view word, std::string_view upper) {
  if (word.size() != upper.size()) return false;
  for (size_t i = 0; i < word.size(); ++i) {
    char c = word[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

// The few keywords that steer splitting.
enum class Keyword { kOther, kCreate, kTemp, kTrigger, kBegin, kAtomic, kEnd };

Keyword Classify(std::string_view word) {
  switch (word.size()) {
    case 3:
      if (EqualsNoCase(word, "END")) return Keyword::kEnd;
      break;
    case 4:
      if (EqualsNoCase(word, "TEMP")) return Keyword::kTemp;
      break;
    case 5:
      if (EqualsNoCase(word, "BEGIN")) return Keyword::kBegin;
      break;
    case 6:
      if (EqualsNoCase(word, "CREATE")) return Keyword::kCreate;
      if (EqualsNoCase(word, "ATOMIC")) return Keyword::kAtomic;
      break;
    case 7:
      if (EqualsNoCase(word, "TRIGGER")) return Keyword::kTrigger;
      break;
    case 9:
      if (EqualsNoCase(word, "TEMPORARY")) return Keyword::kTemp;
      break;
    default:
      break;
  }
  return Keyword::kOther;
}

// Maps byte offsets to 1-based line numbers. Offsets must be asked for in
// non-decreasing order, which keeps the whole split linear.
class LineCounter {
 public:
  explicit LineCounter(std::string_view text) : text_(text) {}

  int LineAt(size_t offset) {
    line_ += static_cast<int>(std::count(text_.begin() + offset_,
                                         text_.begin() + offset, '\n'));
    offset_ = offset;
    return line_;
  }

 private:
  std::string_view text_;
  size_t offset_ = 0;
  int line_ = 1;
};

// The lexer. Run() calls emit(first, end) for each statement, where
// [first, end) spans its first token through its last token.
class Scanner {
 public:
  Scanner(std::string_view sql, Dialect dialect)
      : sql_(sql), rules_(RulesFor(dialect)) {}

  template <typename Emit>
  void Run(Emit&& emit) {
    const size_t n = sql_.size();
    size_t pos = 0;
    while (pos < n) {
      const char c = sql_[pos];
      if (IsSpace(c)) {
        ++pos;
        continue;
      }
      if (IsLineCommentStart(pos)) {
        size_t eol = sql_.find('\n', pos);
        pos = eol == kNone ? n : eol;
        continue;
      }
      if (c == '/' && pos + 1 < n && sql_[pos + 1] == '*') {
        const bool code = rules_.executable_comments && pos + 2 < n &&
                          (sql_[pos + 2] == '!' || sql_[pos + 2] == '+');
        bool closed = true;
        size_t end = SkipBlockComment(pos, &closed);
        // Executable comments are statements (mysqldump's /*!40101 ...*/).
        // An unclosed comment after real code stays in the statement, so
        // the engine reports it instead of us silently dropping text.
        if (code || (!closed && first_ != kNone)) Token(pos, end);
        pos = end;
        continue;
      }
      if (c == ';') {
        if (in_body_) {
          Token(pos, pos + 1);
          body_statement_start_ = true;
        } else {
          if (first_ != kNone) emit(first_, last_end_);
          Reset();
        }
        ++pos;
        continue;
      }
      const size_t start = pos;
      Keyword keyword = Keyword::kOther;
      pos = SkipToken(pos, &keyword);
      Token(start, pos);
      Steer(keyword);
    }
    if (first_ != kNone) emit(first_, last_end_);
  }

 private:
  bool IsLineCommentStart(size_t pos) const {
    const char c = sql_[pos];
    if (c == '#') return rules_.hash_comments;
    if (c != '-' || pos + 1 >= sql_.size() || sql_[pos + 1] != '-') {
      return false;
    }
    if (!rules_.dash_comment_needs_space) return true;
    if (pos + 2 >= sql_.size()) return true;
    return static_cast<unsigned char>(sql_[pos + 2]) <= ' ';
  }

  // pos is at "/*". Returns the offset just past the closing "*/", or the
  // end of input (with *closed = false).
  size_t SkipBlockComment(size_t pos, bool* closed) const {
    const size_t n = sql_.size();
    int depth = 1;
    pos += 2;
    while (pos + 1 < n) {
      if (sql_[pos] == '*' && sql_[pos + 1] == '/') {
        pos += 2;
        if (--depth == 0) return pos;
      } else if (rules_.nested_block_comments && sql_[pos] == '/' &&
                 sql_[pos + 1] == '*') {
        pos += 2;
        ++depth;
      } else {
        ++pos;
      }
    }
    *closed = false;
    return n;
  }

  // pos is at an opening quote. A doubled quote is an escaped quote; with
  // backslashes on, a backslash escapes the next byte. Unterminated quotes
  // run to the end of input.
  size_t SkipQuoted(size_t pos, char close, bool backslashes) const {
    const size_t n = sql_.size();
    ++pos;
    while (pos < n) {
      const char c = sql_[pos];
      if (backslashes && c == '\\') {
        pos += 2;
      } else if (c == close) {
        if (pos + 1 < n && sql_[pos + 1] == close) {
          pos += 2;
        } else {
          return pos + 1;
        }
      } else {
        ++pos;
      }
    }
    return n;
  }

  // pos is at '$'. If a dollar-quote delimiter ($$ or $tag$) starts here,
  // returns its length; else 0 ($1 is a parameter; a tag is an identifier
  // without '$').
  size_t DollarTagLength(size_t pos) const {
    const size_t n = sql_.size();
    size_t i = pos + 1;
    if (i < n && sql_[i] == '$') return 2;
    if (i >= n || !IsIdentStart(sql_[i])) return 0;
    while (i < n && IsIdentChar(sql_[i]) && sql_[i] != '$') ++i;
    if (i < n && sql_[i] == '$') return i + 1 - pos;
    return 0;
  }

  // Skips one token that is not whitespace, a comment or ';'. Sets *keyword
  // when the token is one of the words that steer splitting.
  size_t SkipToken(size_t pos, Keyword* keyword) const {
    const size_t n = sql_.size();
    const char c = sql_[pos];
    if (c == '\'') {
      return SkipQuoted(pos, '\'', rules_.backslash_in_strings);
    }
    if (c == '"') {
      return SkipQuoted(pos, '"', rules_.double_quote_is_string &&
                                      rules_.backslash_in_strings);
    }
    if (c == '`' && rules_.backtick_identifiers) {
      return SkipQuoted(pos, '`', false);
    }
    if (c == '[' && rules_.bracket_identifiers) {
      size_t close = sql_.find(']', pos + 1);
      return close == kNone ? n : close + 1;
    }
    if (c == '$' && rules_.dollar_quotes) {
      size_t tag_length = DollarTagLength(pos);
      if (tag_length > 0) {
        std::string_view tag = sql_.substr(pos, tag_length);
        size_t close = sql_.find(tag, pos + tag_length);
        return close == kNone ? n : close + tag_length;
      }
    }
    if (IsIdentChar(c)) {
      // Words, numbers, $1 parameters. E'..' is one token with its string.
      size_t end = pos + 1;
      while (end < n && IsIdentChar(sql_[end])) ++end;
      if (rules_.escape_strings && end == pos + 1 && (c == 'E' || c == 'e') &&
          end < n && sql_[end] == '\'') {
        return SkipQuoted(end, '\'', true);
      }
      if (IsIdentStart(c)) *keyword = Classify(sql_.substr(pos, end - pos));
      return end;
    }
    return pos + 1;  // punctuation and operators, one byte at a time
  }

  // Records a piece of real code (not whitespace, not a comment).
  void Token(size_t start, size_t end) {
    if (first_ == kNone) first_ = start;
    last_end_ = end;
  }

  // Tracks the keywords that open and close a body whose ';' do not end the
  // statement. A body ends at END right after one of its ';' (or right after
  // the opening word): this is how sqlite3_complete() finds the end of a
  // trigger, and it never mistakes CASE ... END for the close.
  void Steer(Keyword keyword) {
    if (tokens_ < 4) ++tokens_;  // only the first three matter
    if (tokens_ == 1) {
      starts_with_create_ = keyword == Keyword::kCreate;
    } else if (starts_with_create_ && tokens_ <= 3) {
      if (keyword == Keyword::kTrigger) {
        is_trigger_ = true;
      } else if (!(tokens_ == 2 && keyword == Keyword::kTemp)) {
        starts_with_create_ = false;
      }
    }

    const bool after_begin = previous_was_begin_;
    previous_was_begin_ = keyword == Keyword::kBegin;

    if (in_body_) {
      if (body_statement_start_ && keyword == Keyword::kEnd) in_body_ = false;
      body_statement_start_ = false;
      return;
    }
    const bool opens =
        (rules_.sqlite_triggers && is_trigger_ && !body_seen_ &&
         keyword == Keyword::kBegin) ||
        (rules_.begin_atomic && after_begin && keyword == Keyword::kAtomic);
    if (opens) {
      in_body_ = true;
      body_seen_ = true;
      body_statement_start_ = true;
    }
  }

  void Reset() {
    first_ = kNone;
    last_end_ = 0;
    tokens_ = 0;
    starts_with_create_ = false;
    is_trigger_ = false;
    previous_was_begin_ = false;
    in_body_ = false;
    body_seen_ = false;
    body_statement_start_ = false;
  }

  const std::string_view sql_;
  const Rules rules_;

  // The statement being scanned.
  size_t first_ = kNone;  // offset of its first token
  size_t last_end_ = 0;   // offset just past its last token
  int tokens_ = 0;        // tokens seen, counted up to the trigger check
  bool starts_with_create_ = false;
  bool is_trigger_ = false;          // CREATE [TEMP|TEMPORARY] TRIGGER
  bool previous_was_begin_ = false;  // for BEGIN ATOMIC
  bool in_body_ = false;             // ';' does not end the statement
  bool body_seen_ = false;
  bool body_statement_start_ = false;  // last token was ';' or the opener
};

}  // namespace

std::vector<SqlStatement> SplitStatements(std::string_view sql,
                                          Dialect dialect) {
  std::vector<SqlStatement> out;
  LineCounter lines(sql);
  Scanner scanner(sql, dialect);
  scanner.Run([&](size_t first, size_t end) {
    // Only an unterminated token can end in whitespace; trim it too.
    while (end > first && IsSpace(sql[end - 1])) --end;
    SqlStatement statement;
    statement.text.assign(sql.substr(first, end - first));
    statement.line = lines.LineAt(first);
    out.push_back(std::move(statement));
  });
  return out;
}

bool IsBlankSql(std::string_view sql, Dialect dialect) {
  bool blank = true;
  Scanner scanner(sql, dialect);
  scanner.Run([&](size_t, size_t) { blank = false; });
  return blank;
}

}  // namespace ferry
