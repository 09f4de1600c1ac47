// Type mapping and value carrying for MySQL/MariaDB (see mysql_copy.h).
#include <cstdio>
#include <map>

#include "jobs/copy/canonical.h"
#include "jobs/copy/mysql_copy.h"
#include "jobs/copy/type_mapper.h"
#include "util/strings.h"

namespace ferry {
namespace {

// The "ferry:<logical>" hint the schema reader appends as " /*ferry:x*/".
std::optional<LogicalType> Hint(const std::string& declared) {
  size_t p = declared.find("/*ferry:");
  if (p == std::string::npos) return std::nullopt;
  size_t end = declared.find("*/", p);
  return ParseLogicalType(declared.substr(p + 8, end == std::string::npos ? std::string::npos
                                                                          : end - p - 8));
}

// "YYYY-MM-DD HH:MM:SS.ffffff" of microseconds since the epoch (UTC).
std::string FormatMysqlDatetime(int64_t us) {
  int64_t secs = us >= 0 ? us / 1000000 : -((-us + 999999) / 1000000);
  int64_t frac = us - secs * 1000000;
  int64_t days = secs >= 0 ? secs / 86400 : -((-secs + 86399) / 86400);
  int64_t sod = secs - days * 86400;
  // civil_from_days (H. Hinnant)
  int64_t z = days + 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  y += m <= 2;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u %02lld:%02lld:%02lld.%06lld",
                static_cast<long long>(y), m, d, static_cast<long long>(sod / 3600),
                static_cast<long long>(sod / 60 % 60), static_cast<long long>(sod % 60),
                static_cast<long long>(frac));
  return buf;
}

}  // namespace

std::optional<LogicalType> MapMysqlDeclaredType(const std::string& declared,
                                                std::string* type_args) {
  if (type_args) type_args->clear();
  if (auto h = Hint(declared)) return h;
  std::string t = ToLower(Trim(declared));
  std::string args;
  if (size_t paren = t.find('('); paren != std::string::npos) {
    size_t close = t.find(')', paren);
    args = t.substr(paren, close == std::string::npos ? std::string::npos : close - paren + 1);
    t = Trim(t.substr(0, paren) + (close == std::string::npos ? "" : t.substr(close + 1)));
  }
  const bool is_unsigned = t.find("unsigned") != std::string::npos;
  for (const char* word : {" unsigned", " signed", " zerofill"}) {
    for (size_t p; (p = t.find(word)) != std::string::npos;) t.erase(p, std::string(word).size());
  }
  t = Trim(t);
  if ((t == "tinyint" && args == "(1)") || t == "bool" || t == "boolean" ||
      (t == "bit" && (args.empty() || args == "(1)")))
    return LogicalType::kBoolean;
  if (t == "bigint" && is_unsigned) {
    if (type_args) *type_args = "(20,0)";
    return LogicalType::kNumeric;  // up to 18446744073709551615
  }
  static const std::map<std::string, LogicalType> kTypes = {
      {"tinyint", LogicalType::kInteger},   {"smallint", LogicalType::kInteger},
      {"mediumint", LogicalType::kInteger}, {"int", LogicalType::kInteger},
      {"integer", LogicalType::kInteger},   {"bigint", LogicalType::kInteger},
      {"year", LogicalType::kInteger},      {"bit", LogicalType::kInteger},
      {"float", LogicalType::kReal},        {"double", LogicalType::kReal},
      {"real", LogicalType::kReal},         {"double precision", LogicalType::kReal},
      {"decimal", LogicalType::kNumeric},   {"numeric", LogicalType::kNumeric},
      {"dec", LogicalType::kNumeric},       {"fixed", LogicalType::kNumeric},
      {"char", LogicalType::kText},         {"varchar", LogicalType::kText},
      {"tinytext", LogicalType::kText},     {"text", LogicalType::kText},
      {"mediumtext", LogicalType::kText},   {"longtext", LogicalType::kText},
      {"enum", LogicalType::kText},         {"set", LogicalType::kText},
      {"time", LogicalType::kText},         {"national char", LogicalType::kText},
      {"nvarchar", LogicalType::kText},     {"binary", LogicalType::kBlob},
      {"varbinary", LogicalType::kBlob},    {"tinyblob", LogicalType::kBlob},
      {"blob", LogicalType::kBlob},         {"mediumblob", LogicalType::kBlob},
      {"longblob", LogicalType::kBlob},     {"datetime", LogicalType::kTimestamp},
      {"timestamp", LogicalType::kTimestampTz}, {"date", LogicalType::kDate},
      {"json", LogicalType::kJson},         {"uuid", LogicalType::kUuid},
  };
  auto it = kTypes.find(t);
  if (it == kTypes.end()) return std::nullopt;
  if (it->second == LogicalType::kNumeric && type_args) *type_args = args;
  return it->second;
}

namespace {
std::string ColumnType(const ColumnSchema& c, bool in_key, const std::string& key_collation) {
  static const std::string kText = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin";
  switch (c.type) {
    case LogicalType::kInteger: return "BIGINT";
    case LogicalType::kReal: return "DOUBLE";
    case LogicalType::kBoolean: return "TINYINT(1)";
    case LogicalType::kDate: return "DATE";
    case LogicalType::kTimestamp: return "DATETIME(6)";
    case LogicalType::kTimestampTz: return "DATETIME(6) COMMENT 'ferry:timestamptz'";
    case LogicalType::kText:
      return in_key ? "VARCHAR(255) CHARACTER SET utf8mb4 COLLATE " + key_collation : "LONGTEXT" + kText;
    case LogicalType::kBlob: return in_key ? "VARBINARY(255)" : "LONGBLOB";
    case LogicalType::kJson: return "LONGTEXT" + kText + " COMMENT 'ferry:json'";
    case LogicalType::kUuid: return "CHAR(36)" + kText + " COMMENT 'ferry:uuid'";
    case LogicalType::kNumeric: {
      int p = 0, s = 0;
      if (std::sscanf(c.type_args.c_str(), "(%d,%d)", &p, &s) == 2 && p >= 1 && p <= 65 && s >= 0 &&
          s <= 30 && s <= p)
        return "DECIMAL(" + std::to_string(p) + "," + std::to_string(s) + ")";
      if (std::sscanf(c.type_args.c_str(), "(%d)", &p) == 1 && p >= 1 && p <= 65)
        return "DECIMAL(" + std::to_string(p) + ",0)";
      return (in_key ? "VARCHAR(255)" : "LONGTEXT") + kText + " COMMENT 'ferry:numeric'";
    }
  }
  return "LONGTEXT" + kText;
}
}  // namespace

std::string MysqlColumnType(const ColumnSchema& c, bool in_key) {
  return ColumnType(c, in_key, "utf8mb4_bin");
}

std::string MysqlCreateTableSql(const Database& db, const TableSchema& s,
                                const std::string& key_collation) {
  std::string sql = "CREATE TABLE " + db.QuoteIdentifier(s.name) + " (";
  for (size_t i = 0; i < s.columns.size(); ++i) {
    const auto& c = s.columns[i];
    bool in_key = false;
    for (const auto& k : s.primary_key) in_key = in_key || k == c.name;
    if (i > 0) sql += ", ";
    std::string type = ColumnType(c, in_key, key_collation);
    // NOT NULL goes before COMMENT.
    size_t comment = type.find(" COMMENT ");
    std::string tail = comment == std::string::npos ? "" : type.substr(comment);
    if (comment != std::string::npos) type.resize(comment);
    sql += db.QuoteIdentifier(c.name) + " " + type + (c.not_null ? " NOT NULL" : "") + tail;
  }
  if (!s.primary_key.empty()) {
    sql += ", PRIMARY KEY (";
    for (size_t i = 0; i < s.primary_key.size(); ++i)
      sql += (i ? ", " : "") + db.QuoteIdentifier(s.primary_key[i]);
    sql += ")";
  }
  return sql + ") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin";
}

Value CarryMysqlValue(LogicalType type, Value v) {
  v = CarryValue(type, Dialect::kPostgres, std::move(v));
  if (type != LogicalType::kTimestamp && type != LogicalType::kTimestampTz) return v;
  auto* s = std::get_if<std::string>(&v);
  if (s == nullptr) return v;
  // Unparseable text goes as it is: the server's error names the value.
  auto us = ParseTimestampMicros(*s, type == LogicalType::kTimestampTz);
  if (!us) return v;
  return FormatMysqlDatetime(*us);
}

std::string MysqlCheckpointTableSql() {
  return std::string("CREATE TABLE IF NOT EXISTS ") + kCheckpointTable +
         " (table_name VARCHAR(255) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin PRIMARY KEY,"
         " source LONGTEXT NOT NULL, last_key LONGTEXT, rows_copied BIGINT NOT NULL,"
         " done BIGINT NOT NULL, updated_at VARCHAR(64) NOT NULL) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4";
}

std::string MysqlSaveCheckpointSql() {
  return std::string("INSERT INTO ") + kCheckpointTable +
         " (table_name, source, last_key, rows_copied, done, updated_at) VALUES "
         "($1, $2, $3, $4, $5, $6) ON DUPLICATE KEY UPDATE source = VALUES(source), "
         "last_key = VALUES(last_key), rows_copied = VALUES(rows_copied), done = VALUES(done), "
         "updated_at = VALUES(updated_at)";
}

}  // namespace ferry
