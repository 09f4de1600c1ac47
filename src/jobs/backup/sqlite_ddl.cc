#include "jobs/backup/sqlite_ddl.h"

#include <cctype>

#include "util/strings.h"

namespace ferry {
namespace {

class Scanner {
 public:
  explicit Scanner(std::string_view s) : s_(s) {}

  void SkipSpace() {
    for (;;) {
      while (pos_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[pos_]))) ++pos_;
      if (s_.substr(pos_, 2) == "--") {
        while (pos_ < s_.size() && s_[pos_] != '\n') ++pos_;
      } else if (s_.substr(pos_, 2) == "/*") {
        size_t end = s_.find("*/", pos_ + 2);
        pos_ = end == std::string_view::npos ? s_.size() : end + 2;
      } else {
        return;
      }
    }
  }

  // Consumes `word` (case-insensitive, whole word) if it is next.
  bool Keyword(std::string_view word) {
    SkipSpace();
    if (pos_ + word.size() > s_.size()) return false;
    if (ToLower(s_.substr(pos_, word.size())) != ToLower(word)) return false;
    size_t end = pos_ + word.size();
    if (end < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[end])) || s_[end] == '_'))
      return false;
    pos_ = end;
    return true;
  }

  // Consumes one possibly schema-qualified name; false if none is next.
  bool Name() {
    if (!Part()) return false;
    size_t save = pos_;
    SkipSpace();
    if (pos_ < s_.size() && s_[pos_] == '.') {
      ++pos_;
      SkipSpace();
      return Part();
    }
    pos_ = save;
    return true;
  }

  size_t pos() const { return pos_; }

 private:
  bool Part() {
    if (pos_ >= s_.size()) return false;
    char c = s_[pos_];
    char close = c == '"' ? '"' : c == '`' ? '`' : c == '[' ? ']' : c == '\'' ? '\'' : 0;
    if (close) {
      size_t i = pos_ + 1;
      for (;;) {
        if (i >= s_.size()) return false;
        if (s_[i] == close) {
          if (close != ']' && i + 1 < s_.size() && s_[i + 1] == close) {
            i += 2;
            continue;
          }
          pos_ = i + 1;
          return true;
        }
        ++i;
      }
    }
    size_t i = pos_;
    while (i < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i])) || s_[i] == '_' ||
                             s_[i] == '$' || static_cast<unsigned char>(s_[i]) >= 0x80))
      ++i;
    if (i == pos_) return false;
    pos_ = i;
    return true;
  }

  std::string_view s_;
  size_t pos_ = 0;
};

}  // namespace

Result<std::string> RenameCreateTable(std::string_view sql, std::string_view new_quoted_name) {
  Scanner sc(sql);
  if (!sc.Keyword("CREATE") || !sc.Keyword("TABLE"))
    return InvalidArgument("not a CREATE TABLE statement: " + std::string(sql.substr(0, 60)));
  if (sc.Keyword("IF")) {
    if (!sc.Keyword("NOT") || !sc.Keyword("EXISTS")) return InvalidArgument("bad IF NOT EXISTS");
  }
  sc.SkipSpace();
  size_t start = sc.pos();
  if (!sc.Name()) return InvalidArgument("CREATE TABLE without a name");
  return std::string(sql.substr(0, start)) + std::string(new_quoted_name) +
         std::string(sql.substr(sc.pos()));
}

Result<std::string> RenameCreateIndex(std::string_view sql, std::string_view new_quoted_index,
                                      std::string_view new_quoted_table) {
  Scanner sc(sql);
  if (!sc.Keyword("CREATE"))
    return InvalidArgument("not a CREATE INDEX statement: " + std::string(sql.substr(0, 60)));
  (void)sc.Keyword("UNIQUE");
  if (!sc.Keyword("INDEX")) return InvalidArgument("not a CREATE INDEX statement");
  if (sc.Keyword("IF")) {
    if (!sc.Keyword("NOT") || !sc.Keyword("EXISTS")) return InvalidArgument("bad IF NOT EXISTS");
  }
  sc.SkipSpace();
  size_t idx_start = sc.pos();
  if (!sc.Name()) return InvalidArgument("CREATE INDEX without a name");
  size_t idx_end = sc.pos();
  if (!sc.Keyword("ON")) return InvalidArgument("CREATE INDEX without ON");
  sc.SkipSpace();
  size_t tbl_start = sc.pos();
  if (!sc.Name()) return InvalidArgument("CREATE INDEX without a table");
  size_t tbl_end = sc.pos();
  return std::string(sql.substr(0, idx_start)) + std::string(new_quoted_index) +
         std::string(sql.substr(idx_end, tbl_start - idx_end)) + std::string(new_quoted_table) +
         std::string(sql.substr(tbl_end));
}

}  // namespace ferry
