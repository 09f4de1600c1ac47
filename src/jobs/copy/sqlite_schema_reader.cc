// SQLite: sqlite_master for tables, pragma_table_info for columns and key.
#include <algorithm>

#include "jobs/copy/schema_reader.h"

namespace ferry {
namespace {

class SqliteSchemaReader final : public SchemaReader {
 public:
  explicit SqliteSchemaReader(Database* db) : db_(db) {}

  Result<std::vector<std::string>> ListTables() override {
    FERRY_ASSIGN_OR_RETURN(
        Rows rows, db_->Query("SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT "
                              "LIKE 'sqlite\\_%' ESCAPE '\\' AND name <> $1 ORDER BY name",
                              {std::string(kCheckpointTable)}));
    std::vector<std::string> out;
    for (size_t i = 0; i < rows.size(); ++i) out.push_back(*rows.GetText(i, 0));
    return out;
  }

  Result<TableSchema> ReadTable(const std::string& table) override {
    FERRY_ASSIGN_OR_RETURN(
        Rows rows,
        db_->Query("SELECT name, type, \"notnull\", pk FROM pragma_table_info($1) ORDER BY cid",
                   {table}));
    if (rows.empty()) return NotFound("sqlite: table " + table + " does not exist");
    TableSchema s;
    s.name = table;
    std::vector<std::pair<int64_t, std::string>> pk;
    for (size_t i = 0; i < rows.size(); ++i) {
      ColumnSchema c;
      c.name = *rows.GetText(i, 0);
      c.declared_type = rows.GetText(i, 1).value_or("");
      c.not_null = rows.GetInt(i, 2).value_or(0) != 0;
      int64_t pk_pos = rows.GetInt(i, 3).value_or(0);
      if (pk_pos > 0) {
        pk.emplace_back(pk_pos, c.name);
        c.not_null = true;  // SQLite allows NULL in some keys; copy refuses them later
      }
      s.columns.push_back(std::move(c));
    }
    std::sort(pk.begin(), pk.end());
    for (auto& [pos, name] : pk) s.primary_key.push_back(name);
    return s;
  }

 private:
  Database* db_;
};

}  // namespace

std::unique_ptr<SchemaReader> NewSqliteSchemaReader(Database* db) {
  return std::make_unique<SqliteSchemaReader>(db);
}

}  // namespace ferry
