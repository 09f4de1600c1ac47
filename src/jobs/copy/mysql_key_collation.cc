// Text keys under MySQL collations. MySQL compares VARCHAR keys by their
// collation, and most collations (utf8mb4_bin included) are PAD SPACE:
// 'a' and 'a ' are the same key there, while SQLite, PostgreSQL, DuckDB and
// RocksDB keep them apart. Tables ferry creates give text key columns a NO
// PAD binary collation, so every source key stays distinct; a table that
// already exists keeps its collation, and a collision in it is reported by
// name instead of as a bare "Duplicate entry".
#include "jobs/copy/mysql_copy.h"
#include "util/strings.h"

namespace ferry {

Result<std::string> MysqlKeyCollation(Database* db) {
  // MariaDB 10.2+: utf8mb4_nopad_bin; MySQL 8.0: utf8mb4_0900_bin (NO PAD).
  FERRY_ASSIGN_OR_RETURN(
      Rows rows, db->Query("SELECT collation_name FROM information_schema.collations WHERE "
                           "collation_name IN ('utf8mb4_nopad_bin', 'utf8mb4_0900_bin') "
                           "ORDER BY collation_name DESC",
                           {}));
  if (rows.empty()) return std::string("utf8mb4_bin");  // MySQL 5.7: collisions are reported
  return *rows.GetText(0, 0);
}

bool MysqlCollationPadsSpace(const std::string& collation) {
  if (collation.empty()) return false;  // binary strings (VARBINARY) have none
  const std::string c = ToLower(collation);
  return c.find("nopad") == std::string::npos && c.find("_0900_") == std::string::npos &&
         c != "binary";
}

Result<std::vector<MysqlKeyColumnCollation>> MysqlKeyCollations(Database* db,
                                                                const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(
      Rows rows,
      db->Query("SELECT k.column_name, c.collation_name FROM information_schema.key_column_usage k "
                "JOIN information_schema.columns c ON c.table_schema = k.table_schema AND "
                "c.table_name = k.table_name AND c.column_name = k.column_name "
                "WHERE k.table_schema = DATABASE() AND CAST(k.table_name AS BINARY) = "
                "CAST($1 AS BINARY) AND k.constraint_name = 'PRIMARY' "
                "ORDER BY k.ordinal_position",
                {table}));
  std::vector<MysqlKeyColumnCollation> out;
  for (size_t i = 0; i < rows.size(); ++i) {
    MysqlKeyColumnCollation k;
    k.column = rows.GetText(i, 0).value_or("");
    k.collation = rows.GetText(i, 1).value_or("");
    out.push_back(std::move(k));
  }
  return out;
}

Status ExplainMysqlKeyCollision(const std::string& table,
                                const std::vector<MysqlKeyColumnCollation>& key, Status st) {
  if (st.message().find("(error 1062,") == std::string::npos) return st;
  std::vector<std::string> named;
  for (const auto& k : key)
    if (!k.collation.empty())
      named.push_back(table + "." + k.column + " (" + k.collation +
                      (MysqlCollationPadsSpace(k.collation) ? ", PAD SPACE" : "") + ")");
  if (named.empty()) return st;
  return InvalidArgument(
      "mysql: " + table + ": two source rows have keys that differ in the source but are equal "
      "under the target's collation of " + Join(named, ", ") +
      ": a PAD SPACE collation ignores trailing spaces ('a' = 'a '), a _ci one also case. " +
      st.message() + ". Nothing of the batch was written. Let ferry create the table "
      "(--create-schema gives text keys a NO PAD binary collation), or ALTER the key column to "
      "COLLATE utf8mb4_nopad_bin (MariaDB) / utf8mb4_0900_bin (MySQL 8)");
}

}  // namespace ferry
