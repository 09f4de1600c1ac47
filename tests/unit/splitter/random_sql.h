// Random migration files with a known answer, for the splitter's property
// tests. RandomSql builds statements from a small grammar of pieces that are
// hard to split (strings, identifiers, comments and dollar quotes holding ';'
// and quotes; trigger and BEGIN ATOMIC bodies; transaction BEGIN/END) and
// joins them with ';' plus random whitespace and comments, remembering the
// text and line each statement must come back with.
//
// Deterministic: the same seed gives the same files on every platform (it
// uses std::mt19937 directly, no std:: distributions).
#pragma once

#include <cstdint>
#include <random>
#include <string>
#include <string_view>
#include <vector>

#include "core/sql_splitter.h"

namespace ferry::testing {

struct GeneratedSql {
  std::string sql;
  std::vector<SqlStatement> expected;
};

inline const char* DialectName(Dialect dialect) {
  switch (dialect) {
    case Dialect::kSqlite:
      return "sqlite";
    case Dialect::kPostgres:
      return "postgres";
    case Dialect::kMysql:
      return "mysql";
    case Dialect::kDuckdb:
      return "duckdb";
  }
  return "?";
}

class RandomSql {
 public:
  RandomSql(Dialect dialect, uint32_t seed) : dialect_(dialect), rng_(seed) {}

  // A whole file of 0..max_statements statements.
  GeneratedSql File(int max_statements) {
    GeneratedSql out;
    const int count = static_cast<int>(Uniform(max_statements + 1));
    AppendGap(&out.sql);
    for (int i = 0; i < count; ++i) {
      SqlStatement statement;
      statement.line = 1 + CountNewlines(out.sql);
      statement.text = Statement();
      out.sql += statement.text;
      out.expected.push_back(std::move(statement));
      const bool last = i + 1 == count;
      if (!last || Uniform(2) == 0) {
        if (Uniform(3) == 0) out.sql += Pick(kSpaces);  // "x ;" is fine too
        out.sql += ';';
      }
      AppendGap(&out.sql);
    }
    return out;
  }

  // Bytes biased towards the characters and words the splitter cares about.
  std::string Noise(size_t max_length) {
    static const std::vector<std::string> kFragments = {
        "'", "\"", "`", "[", "]", "$", ";", ";", "-", "/", "*", "#", "\\",
        "E", "e", "\r", "\n", " ", "\t", "a", "_", "0", "1", "(", ")", "!",
        "BEGIN ", "END", "end ", "ATOMIC ", "CREATE ", "TRIGGER ", "TEMP ",
        "CASE ", "$$", "$a$", "$1", "/*", "*/", "--", "-- ", "E'", "''",
        "\\'", "/*!", "\xc3\xa9", std::string(1, '\0')};
    std::string out;
    const size_t length = Uniform(max_length + 1);
    while (out.size() < length) {
      if (Uniform(16) == 0) {
        out += static_cast<char>(Uniform(256));
      } else {
        out += kFragments[Uniform(kFragments.size())];
      }
    }
    return out;
  }

 private:
  using List = std::vector<std::string>;

  size_t Uniform(size_t n) { return n == 0 ? 0 : rng_() % n; }
  const std::string& Pick(const List& list) { return list[Uniform(list.size())]; }

  static int CountNewlines(std::string_view s) {
    int lines = 0;
    for (char c : s) lines += c == '\n';
    return lines;
  }

  bool PgLike() const {
    return dialect_ == Dialect::kPostgres || dialect_ == Dialect::kDuckdb;
  }

  // Whitespace and comments allowed between statements: may hold ';', quotes
  // and keywords, and lone ';' (empty statements).
  void AppendGap(std::string* sql) {
    const size_t parts = Uniform(4);
    for (size_t i = 0; i < parts; ++i) {
      switch (Uniform(6)) {
        case 0:
        case 1:
          *sql += Pick(kSpaces);
          break;
        case 2:
          *sql += ";";
          break;
        default:
          *sql += Comment();
          break;
      }
    }
  }

  // A comment, starting with whitespace so it never glues onto a token
  // (MySQL wants a space after "--" anyway).
  std::string Comment() {
    static const List kCommon = {
        " -- x; y 'z\n", " -- ;'\"\r\n", " /* ; ' \" */", " /**/",
        " /* BEGIN; END; */", " -- END;\n", " /* $$ ; */", " --\n",
        " -- CREATE TRIGGER t BEGIN\n"};
    static const List kNested = {" /* a /* ; */ b; */", " /* /* /**/ */ ; */"};
    static const List kHash = {" # ; 'x\n", " #\n", " # /* ;\r\n"};
    if (PgLike() && Uniform(3) == 0) return Pick(kNested);
    if (dialect_ == Dialect::kMysql && Uniform(3) == 0) return Pick(kHash);
    // Only MySQL wants a space after "--".
    if (dialect_ != Dialect::kMysql && Uniform(8) == 0) return " --;'\"\n";
    return Pick(kCommon);
  }

  // What may separate two tokens inside a statement.
  std::string InnerSeparator() {
    if (Uniform(5) == 0) return Comment() + (Uniform(2) ? " " : "");
    return Pick(kSpaces);
  }

  // A self-delimiting literal or quoted identifier, often holding ';'.
  std::string Quoted() {
    static const List kCommon = {
        "'a;b'", "'it''s; ok'", "';'", "''", "'-- no comment'", "'/* no'",
        "'$$'", "'\"'", "'BEGIN; END;'", "\"col;\"\"x\"", "\"a b\"", "'\n;\r\n'"};
    static const List kMysql = {"'it\\'s;'", "'back\\\\'", "\"dq; \\\" x\"",
                                "`a;``b`", "'#;'", "1--1"};
    static const List kSqlite = {"`a;``b`", "[a;b]", "[x\"]", "'a\\'"};
    static const List kPg = {"E'it\\'s;'", "e'\\\\'", "E'a''b;'", "$$ a; 'b' $$",
                             "$fn$ x; $$ ; $fn$", "$_t1$;$_t1$", "$$$$",
                             "$body$ BEGIN x; END; $body$", "'a\\'", "U&'d;'"};
    switch (dialect_) {
      case Dialect::kMysql:
        if (Uniform(2)) return Pick(kMysql);
        break;
      case Dialect::kSqlite:
        if (Uniform(2)) return Pick(kSqlite);
        break;
      case Dialect::kPostgres:
      case Dialect::kDuckdb:
        if (Uniform(2)) return Pick(kPg);
        break;
    }
    return Pick(kCommon);
  }

  std::string Atom() {
    static const List kWords = {
        "x", "t_1", "FROM", "WHERE", "42", "3.5", "endless", "begin_at",
        "CASE", "WHEN", "THEN", "ELSE", "END", "BEGIN", "a$b", "\xc3\xa9t\xc3\xa9"};
    static const List kPunct = {"(", ")", ",", "=", "+", "<", ">", ".", "|", ":"};
    switch (Uniform(5)) {
      case 0:
      case 1:
        return Pick(kWords);
      case 2:
        return Pick(kPunct);
      case 3:
        if (PgLike() && Uniform(4) == 0) return "$" + std::to_string(Uniform(9) + 1);
        return Quoted();
      default:
        return Quoted();
    }
  }

  // A plain statement: a leading verb, then atoms.
  std::string Plain(bool in_body) {
    static const List kVerbs = {"SELECT", "INSERT INTO t VALUES", "UPDATE t SET",
                                "DELETE FROM t", "CREATE TABLE"};
    static const List kTransaction = {"BEGIN", "END", "COMMIT", "BEGIN TRANSACTION",
                                      "START TRANSACTION", "ROLLBACK"};
    if (!in_body && Uniform(8) == 0) return Pick(kTransaction);
    std::string out = Pick(kVerbs);
    const size_t atoms = Uniform(6);
    for (size_t i = 0; i < atoms; ++i) out += InnerSeparator() + Atom();
    if (Uniform(3) == 0) {
      out += InnerSeparator() + "CASE WHEN" + InnerSeparator() + Atom() +
             " THEN 'x;' ELSE" + InnerSeparator() + Atom() + InnerSeparator() + "END";
    }
    return out;
  }

  // A body (trigger or BEGIN ATOMIC): statements each ending in ';', then END.
  std::string Body(std::string opener, size_t min_statements) {
    std::string out = std::move(opener);
    const size_t statements = min_statements + Uniform(4);
    for (size_t i = 0; i < statements; ++i) {
      out += InnerSeparator() + Plain(/*in_body=*/true) +
             (Uniform(3) == 0 ? InnerSeparator() : "") + ";";
    }
    return out + InnerSeparator() + (Uniform(2) ? "END" : "end");
  }

  std::string SqliteTrigger() {
    static const List kTemp = {"", "TEMP ", "temporary "};
    std::string out = "CREATE " + Pick(kTemp) + "TRIGGER" + InnerSeparator() +
                      "trg AFTER INSERT ON t";
    if (Uniform(2)) out += " WHEN CASE WHEN new.a THEN 1 END";
    out += InnerSeparator();
    return Body(out + "BEGIN", 1);
  }

  std::string BeginAtomic() {
    return Body("CREATE FUNCTION f() RETURNS int LANGUAGE sql" + InnerSeparator() +
                    "BEGIN" + InnerSeparator() + "ATOMIC",
                0);
  }

  std::string Statement() {
    const size_t kind = Uniform(10);
    if (kind == 0 && dialect_ == Dialect::kSqlite) return SqliteTrigger();
    if (kind == 0 && dialect_ == Dialect::kPostgres) return BeginAtomic();
    if (kind == 1 && PgLike()) {
      return "DO $body$ BEGIN PERFORM 1; RAISE NOTICE 'a;b'; END; $body$";
    }
    if (kind == 1 && dialect_ == Dialect::kMysql) return "/*!40101 SET NAMES utf8 */";
    return Plain(/*in_body=*/false);
  }

  static inline const List kSpaces = {" ", "\n", "\r\n", "\t", "  \n\n", "\r\n\r\n "};

  Dialect dialect_;
  std::mt19937 rng_;
};

}  // namespace ferry::testing
