// PostgreSQL: pg_catalog, tables of current_schema() (the first schema on
// search_path), types spelled by format_type() ("timestamp with time zone",
// "numeric(10,2)", "character varying(20)").
#include "jobs/copy/schema_reader.h"

namespace ferry {
namespace {

class PostgresSchemaReader final : public SchemaReader {
 public:
  explicit PostgresSchemaReader(Database* db) : db_(db) {}

  Result<std::vector<std::string>> ListTables() override {
    FERRY_ASSIGN_OR_RETURN(
        Rows rows,
        db_->Query("SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
                   "WHERE c.relkind IN ('r', 'p') AND n.nspname = current_schema() "
                   "AND c.relname <> $1 ORDER BY 1",
                   {std::string(kCheckpointTable)}));
    std::vector<std::string> out;
    for (size_t i = 0; i < rows.size(); ++i) out.push_back(*rows.GetText(i, 0));
    return out;
  }

  Result<TableSchema> ReadTable(const std::string& table) override {
    const std::string rel = db_->QuoteIdentifier(table);
    FERRY_ASSIGN_OR_RETURN(
        Rows cols,
        db_->Query("SELECT a.attname::text, format_type(a.atttypid, a.atttypmod), a.attnotnull "
                   "FROM pg_attribute a WHERE a.attrelid = to_regclass($1) AND a.attnum > 0 "
                   "AND NOT a.attisdropped ORDER BY a.attnum",
                   {rel}));
    if (cols.empty()) return NotFound("postgres: table " + table + " does not exist");
    TableSchema s;
    s.name = table;
    for (size_t i = 0; i < cols.size(); ++i) {
      ColumnSchema c;
      c.name = *cols.GetText(i, 0);
      c.declared_type = cols.GetText(i, 1).value_or("");
      c.not_null = cols.GetInt(i, 2).value_or(0) != 0;
      s.columns.push_back(std::move(c));
    }
    FERRY_ASSIGN_OR_RETURN(
        Rows pk,
        db_->Query("SELECT a.attname::text FROM pg_index i "
                   "CROSS JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) "
                   "JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum "
                   "WHERE i.indrelid = to_regclass($1) AND i.indisprimary ORDER BY k.ord",
                   {rel}));
    for (size_t i = 0; i < pk.size(); ++i) s.primary_key.push_back(*pk.GetText(i, 0));
    return s;
  }

 private:
  Database* db_;
};

}  // namespace

std::unique_ptr<SchemaReader> NewPostgresSchemaReader(Database* db) {
  return std::make_unique<PostgresSchemaReader>(db);
}

}  // namespace ferry
