#include "db/mysql/mysql_params.h"

namespace ferry::mysql {
namespace {

bool IsIdentChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
         c == '$' || static_cast<unsigned char>(c) >= 0x80;
}

// Index just past the string or quoted identifier opened at sql[i].
size_t SkipQuoted(std::string_view sql, size_t i) {
  const char q = sql[i];
  const bool backslash = q != '`';  // identifiers take no backslash escapes
  size_t j = i + 1;
  while (j < sql.size()) {
    char c = sql[j];
    if (backslash && c == '\\') {
      j += 2;
      continue;
    }
    if (c == q) {
      if (j + 1 < sql.size() && sql[j + 1] == q) {  // doubled quote: still inside
        j += 2;
        continue;
      }
      return j + 1;
    }
    ++j;
  }
  return sql.size();  // unterminated: the server will say so
}

size_t SkipToEndOfLine(std::string_view sql, size_t i) {
  size_t nl = sql.find('\n', i);
  return nl == std::string_view::npos ? sql.size() : nl + 1;
}

}  // namespace

Result<TranslatedSql> TranslateParams(std::string_view sql) {
  TranslatedSql out;
  out.sql.reserve(sql.size());
  size_t i = 0;
  while (i < sql.size()) {
    const char c = sql[i];
    if (c == '\'' || c == '"' || c == '`') {
      size_t end = SkipQuoted(sql, i);
      out.sql.append(sql, i, end - i);
      i = end;
      continue;
    }
    if (c == '#' || (c == '-' && i + 1 < sql.size() && sql[i + 1] == '-' &&
                     (i + 2 == sql.size() || static_cast<unsigned char>(sql[i + 2]) <= ' '))) {
      size_t end = SkipToEndOfLine(sql, i);
      out.sql.append(sql, i, end - i);
      i = end;
      continue;
    }
    if (c == '/' && i + 1 < sql.size() && sql[i + 1] == '*') {
      const bool executable =
          i + 2 < sql.size() && (sql[i + 2] == '!' || (sql[i + 2] == 'M' && i + 3 < sql.size() &&
                                                       sql[i + 3] == '!'));
      if (!executable) {
        size_t close = sql.find("*/", i + 2);
        size_t end = close == std::string_view::npos ? sql.size() : close + 2;
        out.sql.append(sql, i, end - i);
        i = end;
        continue;
      }
      // Executable comment: its body is code; copy the opener and go on.
      out.sql.append(sql, i, 2);
      i += 2;
      continue;
    }
    if (c == '?') {
      return InvalidArgument(
          "mysql: a bare '?' outside quotes would be a placeholder: write parameters as $1, $2, ... "
          "(at byte " + std::to_string(i + 1) + ")");
    }
    if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '0' && sql[i + 1] <= '9' &&
        (i == 0 || !IsIdentChar(sql[i - 1]))) {
      size_t j = i + 1;
      long long n = 0;
      while (j < sql.size() && sql[j] >= '0' && sql[j] <= '9') {
        n = n * 10 + (sql[j] - '0');
        if (n > 65535) return InvalidArgument("mysql: parameter number too large at byte " +
                                              std::to_string(i + 1));
        ++j;
      }
      if (j < sql.size() && IsIdentChar(sql[j])) {  // "$1abc": not a parameter
        out.sql.append(sql, i, j - i);
        i = j;
        continue;
      }
      if (n == 0) return InvalidArgument("mysql: parameters are numbered from $1 (found $0)");
      out.sql.push_back('?');
      out.params.push_back(static_cast<int>(n));
      if (n > out.max_param) out.max_param = static_cast<int>(n);
      i = j;
      continue;
    }
    if (IsIdentChar(c)) {  // a whole word at once, so "a$1" stays an identifier
      size_t j = i;
      while (j < sql.size() && IsIdentChar(sql[j])) ++j;
      out.sql.append(sql, i, j - i);
      i = j;
      continue;
    }
    out.sql.push_back(c);
    ++i;
  }
  return out;
}

}  // namespace ferry::mysql
