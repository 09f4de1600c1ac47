#include "core/tx_mode.h"

#include <cctype>

#include "util/strings.h"

namespace ferry {
namespace {

bool HasNoTransactionDirective(const std::string& sql) {
  for (const std::string& raw : Split(sql, '\n')) {
    std::string line = ToLower(TrimView(raw));
    if (line.empty()) continue;
    if (!StartsWith(line, "--")) continue;  // directives live in comments, anywhere
    std::string body = Trim(std::string_view(line).substr(2));
    if (body == "ferry:no-transaction" || body == "+goose no transaction" ||
        body == "+migrate notransaction")
      return true;
  }
  return false;
}

std::string At(const SqlStatement& s) { return " at line " + std::to_string(s.line); }

}  // namespace

std::string_view TxModeName(TxMode mode) {
  switch (mode) {
    case TxMode::kTransaction:
      return "transaction";
    case TxMode::kFile:
      return "file";
    case TxMode::kNone:
      return "none";
  }
  return "?";
}

std::string LeadingKeywords(std::string_view s, int n) {
  std::string out;
  size_t i = 0;
  int words = 0;
  while (i < s.size() && words < n) {
    char c = s[i];
    if (std::isspace(static_cast<unsigned char>(c))) {
      ++i;
    } else if (c == '-' && i + 1 < s.size() && s[i + 1] == '-') {
      while (i < s.size() && s[i] != '\n') ++i;
    } else if (c == '/' && i + 1 < s.size() && s[i + 1] == '*') {
      size_t end = s.find("*/", i + 2);
      i = end == std::string_view::npos ? s.size() : end + 2;
    } else if (std::isalpha(static_cast<unsigned char>(c)) || c == '_') {
      size_t start = i;
      while (i < s.size() && (std::isalnum(static_cast<unsigned char>(s[i])) || s[i] == '_')) ++i;
      if (!out.empty()) out += ' ';
      out += ToLower(s.substr(start, i - start));
      ++words;
    } else {
      break;  // punctuation ends the keyword run ("pragma foreign_keys=off" -> 2 words)
    }
  }
  return out;
}

TxDecision DecideTxMode(const std::string& sql, const std::vector<SqlStatement>& stmts,
                        Dialect dialect) {
  TxDecision d;
  if (HasNoTransactionDirective(sql)) {
    d.mode = TxMode::kNone;
    d.reason = "-- ferry:no-transaction directive";
    return d;
  }
  for (const SqlStatement& s : stmts) {
    std::string k = LeadingKeywords(s.text, 2);
    std::string first = k.substr(0, k.find(' '));
    bool opens = (first == "begin" && k != "begin atomic") || k == "start transaction";
    if (opens || first == "commit" || (first == "end" && dialect != Dialect::kSqlite)) {
      d.mode = TxMode::kFile;
      d.reason = "the file manages its own transaction (" + ToUpper(k) + At(s) + ")";
      return d;
    }
    if (first == "end" && dialect == Dialect::kSqlite) {  // SQLite END == COMMIT
      d.mode = TxMode::kFile;
      d.reason = "the file manages its own transaction (END" + At(s) + ")";
      return d;
    }
  }
  // Statements the engine refuses (or ignores) inside a transaction.
  for (const SqlStatement& s : stmts) {
    std::string k3 = LeadingKeywords(s.text, 4);
    std::string why;
    if (dialect == Dialect::kSqlite) {
      if (StartsWith(k3, "pragma foreign_keys"))
        why = "PRAGMA foreign_keys is ignored inside a transaction";
      if (StartsWith(k3, "vacuum")) why = "VACUUM cannot run inside a transaction";
    } else if (dialect == Dialect::kPostgres) {
      if (k3.find("concurrently") != std::string::npos &&
          (StartsWith(k3, "create index") || StartsWith(k3, "create unique index") ||
           StartsWith(k3, "drop index") || StartsWith(k3, "reindex")))
        why = ToUpper(k3) + " cannot run inside a transaction";
      if (StartsWith(k3, "vacuum") || StartsWith(k3, "create database") ||
          StartsWith(k3, "drop database") || StartsWith(k3, "alter system") ||
          StartsWith(k3, "create tablespace"))
        why = ToUpper(k3) + " cannot run inside a transaction";
    }
    if (why.empty()) continue;
    if (stmts.size() == 1 || dialect == Dialect::kSqlite) {
      // One statement gains nothing from a transaction; SQLite's PRAGMA must
      // see autocommit to take effect.
      d.mode = TxMode::kNone;
      d.reason = why + At(s);
      return d;
    }
    d.warning = why + At(s) + "; add -- ferry:no-transaction at the top of the file";
  }
  d.reason = "default: one transaction per migration";
  if (dialect == Dialect::kMysql) {
    // MySQL commits DDL implicitly: say so, since a failure after it stays.
    for (const SqlStatement& s : stmts) {
      std::string k = LeadingKeywords(s.text, 1);
      if (k == "create" || k == "alter" || k == "drop" || k == "rename" || k == "truncate") {
        d.reason += " (MySQL commits at " + ToUpper(LeadingKeywords(s.text, 2)) + At(s) +
                    ": statements before it cannot be rolled back)";
        break;
      }
    }
  }
  return d;
}

}  // namespace ferry
