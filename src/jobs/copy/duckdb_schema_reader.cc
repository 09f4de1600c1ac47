// DuckDB: duckdb_tables()/duckdb_columns()/duckdb_constraints() of the
// current database and schema; types as DuckDB spells them ("BIGINT",
// "DECIMAL(10,2)", "TIMESTAMP WITH TIME ZONE").
#include "jobs/copy/duckdb_copy.h"

namespace ferry {
namespace {

class DuckdbSchemaReader final : public SchemaReader {
 public:
  explicit DuckdbSchemaReader(Database* db) : db_(db) {}

  Result<std::vector<std::string>> ListTables() override {
    FERRY_ASSIGN_OR_RETURN(
        Rows rows, db_->Query("SELECT table_name FROM duckdb_tables() WHERE database_name = "
                              "current_database() AND schema_name = current_schema() AND NOT "
                              "temporary AND table_name <> $1 ORDER BY table_name",
                              {std::string(kCheckpointTable)}));
    std::vector<std::string> out;
    for (size_t i = 0; i < rows.size(); ++i) out.push_back(*rows.GetText(i, 0));
    return out;
  }

  Result<TableSchema> ReadTable(const std::string& table) override {
    FERRY_ASSIGN_OR_RETURN(
        Rows cols,
        db_->Query("SELECT column_name, data_type, NOT is_nullable FROM duckdb_columns() "
                   "WHERE database_name = current_database() AND schema_name = current_schema() "
                   "AND table_name = $1 ORDER BY column_index",
                   {table}));
    if (cols.empty()) return NotFound("duckdb: table " + table + " does not exist");
    TableSchema s;
    s.name = table;
    for (size_t i = 0; i < cols.size(); ++i) {
      ColumnSchema c;
      c.name = *cols.GetText(i, 0);
      c.declared_type = cols.GetText(i, 1).value_or("");
      c.not_null = cols.GetInt(i, 2).value_or(0) != 0;
      s.columns.push_back(std::move(c));
    }
    // constraint_column_names is a LIST: unnest keeps its (key) order.
    FERRY_ASSIGN_OR_RETURN(
        Rows pk, db_->Query("SELECT unnest(constraint_column_names) FROM duckdb_constraints() "
                            "WHERE database_name = current_database() AND schema_name = "
                            "current_schema() AND table_name = $1 AND constraint_type = 'PRIMARY KEY'",
                            {table}));
    for (size_t i = 0; i < pk.size(); ++i) s.primary_key.push_back(*pk.GetText(i, 0));
    return s;
  }

 private:
  Database* db_;
};

}  // namespace

std::unique_ptr<SchemaReader> NewDuckdbSchemaReader(Database* db) {
  return std::make_unique<DuckdbSchemaReader>(db);
}

}  // namespace ferry
