#include "jobs/copy/table_writer.h"

#include <algorithm>
#include <map>

#include "jobs/copy/duckdb_copy.h"

#include "jobs/copy/mysql_copy.h"

#ifdef FERRY_WITH_POSTGRES
#include "db/postgres/postgres_database.h"
#endif

namespace ferry {
namespace {

// Multi-row INSERT for any engine that takes `VALUES (..), (..)`.
class InsertTableWriter final : public TableWriter {
 public:
  InsertTableWriter(Database* db, std::string table, std::vector<std::string> columns)
      : db_(db), table_(std::move(table)), columns_(std::move(columns)) {
    // SQLITE_MAX_VARIABLE_NUMBER is 32766 since 3.32; 500 rows per statement
    // is past the point where bigger statements stop paying off.
    rows_per_stmt_ = std::max<size_t>(1, std::min<size_t>(500, 32766 / std::max<size_t>(1, columns_.size())));
  }

  Status Write(const std::vector<std::vector<Value>>& rows) override {
    size_t i = 0;
    std::vector<Value> params;
    while (i < rows.size()) {
      size_t n = std::min(rows_per_stmt_, rows.size() - i);
      FERRY_ASSIGN_OR_RETURN(PreparedStatement * stmt, Statement(n));
      params.clear();
      params.reserve(n * columns_.size());
      for (size_t r = i; r < i + n; ++r) {
        if (rows[r].size() != columns_.size())
          return InvalidArgument("insert into " + table_ + ": row has " +
                                 std::to_string(rows[r].size()) + " values, expected " +
                                 std::to_string(columns_.size()));
        params.insert(params.end(), rows[r].begin(), rows[r].end());
      }
      auto done = stmt->Execute(params);
      if (!done.ok()) return done.status().WithContext("insert into " + table_);
      i += n;
    }
    return Status::OK();
  }

 private:
  Result<PreparedStatement*> Statement(size_t n) {
    auto it = stmts_.find(n);
    if (it != stmts_.end()) return it->second.get();
    std::string sql = "INSERT INTO " + db_->QuoteIdentifier(table_) + " (";
    for (size_t c = 0; c < columns_.size(); ++c) {
      if (c > 0) sql += ", ";
      sql += db_->QuoteIdentifier(columns_[c]);
    }
    sql += ") VALUES ";
    size_t p = 1;
    for (size_t r = 0; r < n; ++r) {
      sql += r > 0 ? ", (" : "(";
      for (size_t c = 0; c < columns_.size(); ++c) {
        if (c > 0) sql += ", ";
        sql += "$" + std::to_string(p++);
      }
      sql += ")";
    }
    FERRY_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(sql));
    PreparedStatement* raw = stmt.get();
    // Keep at most two shapes (the full one and the last remainder).
    if (stmts_.size() >= 2) {
      for (auto s = stmts_.begin(); s != stmts_.end(); ++s)
        if (s->first != rows_per_stmt_) {
          stmts_.erase(s);
          break;
        }
    }
    stmts_[n] = std::move(stmt);
    return raw;
  }

  Database* db_;
  std::string table_;
  std::vector<std::string> columns_;
  size_t rows_per_stmt_;
  std::map<size_t, std::unique_ptr<PreparedStatement>> stmts_;
};

#ifdef FERRY_WITH_POSTGRES
// COPY FROM STDIN. A Database that only wraps a postgres connection (a
// fault-injecting test double) cannot COPY: CopyRows says so before sending
// anything, and the writer falls back to multi-row INSERTs for good.
class PostgresTableWriter final : public TableWriter {
 public:
  PostgresTableWriter(Database* db, std::string table, std::vector<std::string> columns)
      : db_(db), table_(std::move(table)), columns_(std::move(columns)) {}
  Status Write(const std::vector<std::vector<Value>>& rows) override {
    if (rows.empty()) return Status::OK();
    if (fallback_) return fallback_->Write(rows);
    Status st = CopyRows(db_, table_, columns_, rows);
    if (st.code() == Code::kInvalidArgument &&
        st.message().find("CopyRows needs a postgres database") != std::string::npos) {
      fallback_ = std::make_unique<InsertTableWriter>(db_, table_, columns_);
      return fallback_->Write(rows);
    }
    return st;
  }

 private:
  Database* db_;
  std::string table_;
  std::vector<std::string> columns_;
  std::unique_ptr<TableWriter> fallback_;
};
#endif

}  // namespace

Result<std::unique_ptr<TableWriter>> NewTableWriter(Database* db, const std::string& table,
                                                    const std::vector<std::string>& columns) {
  if (db->dialect() == Dialect::kDuckdb) return NewDuckdbTableWriter(db, table, columns);
  if (db->dialect() == Dialect::kMysql) return NewMysqlTableWriter(db, table, columns);
#ifdef FERRY_WITH_POSTGRES
  if (db->dialect() == Dialect::kPostgres)
    return std::unique_ptr<TableWriter>(new PostgresTableWriter(db, table, columns));
#endif
  return std::unique_ptr<TableWriter>(new InsertTableWriter(db, table, columns));
}

}  // namespace ferry
