// MySQL/MariaDB: information_schema, tables of the connection's database
// (DATABASE()), types as COLUMN_TYPE spells them ("bigint(20) unsigned",
// "decimal(10,2)", "enum('a','b')").
#include "jobs/copy/mysql_copy.h"

namespace ferry {
namespace {

class MysqlSchemaReader final : public SchemaReader {
 public:
  explicit MysqlSchemaReader(Database* db) : db_(db) {}

  Result<std::vector<std::string>> ListTables() override {
    FERRY_ASSIGN_OR_RETURN(
        Rows rows, db_->Query("SELECT table_name FROM information_schema.tables "
                              "WHERE table_schema = DATABASE() AND table_type = 'BASE TABLE' "
                              "AND table_name <> $1 ORDER BY CAST(table_name AS BINARY)",
                              {std::string(kCheckpointTable)}));
    std::vector<std::string> out;
    for (size_t i = 0; i < rows.size(); ++i) out.push_back(*rows.GetText(i, 0));
    return out;
  }

  Result<TableSchema> ReadTable(const std::string& table) override {
    // MariaDB's JSON is an alias for LONGTEXT with a CHECK (json_valid(`c`));
    // the check is what is left to recognize it by.
    FERRY_ASSIGN_OR_RETURN(
        Rows cols,
        db_->Query("SELECT c.column_name, c.column_type, c.is_nullable, c.column_comment, "
                   "  (SELECT COUNT(*) FROM information_schema.check_constraints k "
                   "   WHERE k.constraint_schema = c.table_schema AND k.table_name = c.table_name "
                   "   AND k.check_clause = CONCAT('json_valid(`', REPLACE(c.column_name, '`', '``'), '`)')) "
                   "FROM information_schema.columns c "
                   "WHERE c.table_schema = DATABASE() AND CAST(c.table_name AS BINARY) = CAST($1 AS BINARY) "
                   "ORDER BY c.ordinal_position",
                   {table}));
    if (cols.empty()) return NotFound("mysql: table " + table + " does not exist");
    TableSchema s;
    s.name = table;
    for (size_t i = 0; i < cols.size(); ++i) {
      ColumnSchema c;
      c.name = *cols.GetText(i, 0);
      c.declared_type = cols.GetText(i, 1).value_or("");
      c.not_null = cols.GetText(i, 2).value_or("YES") == "NO";
      std::string comment = cols.GetText(i, 3).value_or("");
      if (comment.rfind("ferry:", 0) == 0) {
        c.declared_type += " /*" + comment + "*/";
      } else if (cols.GetInt(i, 4).value_or(0) > 0) {
        c.declared_type = "json";
      }
      s.columns.push_back(std::move(c));
    }
    FERRY_ASSIGN_OR_RETURN(
        Rows pk, db_->Query("SELECT column_name FROM information_schema.key_column_usage "
                            "WHERE table_schema = DATABASE() AND CAST(table_name AS BINARY) = "
                            "CAST($1 AS BINARY) AND constraint_name = 'PRIMARY' "
                            "ORDER BY ordinal_position",
                            {table}));
    for (size_t i = 0; i < pk.size(); ++i) s.primary_key.push_back(*pk.GetText(i, 0));
    return s;
  }

 private:
  Database* db_;
};

}  // namespace

std::unique_ptr<SchemaReader> NewMysqlSchemaReader(Database* db) {
  return std::make_unique<MysqlSchemaReader>(db);
}

}  // namespace ferry
