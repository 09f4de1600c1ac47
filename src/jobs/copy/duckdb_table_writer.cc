// The DuckDB bulk path for copy: the Appender (db/duckdb AppendRows). It
// appends inside the copier's open transaction, so a batch and its
// checkpoint row commit (or roll back) together.
#include "jobs/copy/duckdb_copy.h"

#ifdef FERRY_WITH_DUCKDB
#include "db/duckdb/duckdb_database.h"
#endif

namespace ferry {
namespace {

#ifdef FERRY_WITH_DUCKDB
class DuckdbTableWriter final : public TableWriter {
 public:
  DuckdbTableWriter(Database* db, std::string table, std::vector<std::string> columns)
      : db_(db), table_(std::move(table)), columns_(std::move(columns)) {}
  Status Write(const std::vector<std::vector<Value>>& rows) override {
    return AppendRows(db_, table_, columns_, rows);
  }

 private:
  Database* db_;
  std::string table_;
  std::vector<std::string> columns_;
};
#endif

}  // namespace

Result<std::unique_ptr<TableWriter>> NewDuckdbTableWriter(Database* db, const std::string& table,
                                                          const std::vector<std::string>& columns) {
#ifdef FERRY_WITH_DUCKDB
  return std::unique_ptr<TableWriter>(new DuckdbTableWriter(db, table, columns));
#else
  (void)db;
  (void)columns;
  return InvalidArgument("copy into " + table + ": DuckDB is not built into this ferry");
#endif
}

}  // namespace ferry
