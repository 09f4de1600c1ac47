// Bulk writes into MySQL/MariaDB: multi-row INSERT prepared statements.
//
// A statement carries up to 1,000 rows (MySQL allows 65,535 placeholders) and
// is cut shorter when the batch's bytes would near max_allowed_packet (16 MiB
// by default; the whole EXECUTE packet must fit). Statements are prepared
// once per row count and reused.
#include <algorithm>
#include <cmath>
#include <map>

#include "jobs/copy/canonical.h"
#include "jobs/copy/mysql_copy.h"

namespace ferry {
namespace {

constexpr size_t kMaxRowsPerStatement = 1000;
constexpr size_t kMaxPlaceholders = 65535;
constexpr size_t kMaxStatementBytes = 8 << 20;  // half the default max_allowed_packet

size_t ValueBytes(const Value& v) {
  if (auto* s = std::get_if<std::string>(&v)) return s->size() + 9;
  if (auto* b = std::get_if<Blob>(&v)) return b->bytes.size() + 9;
  return 9;
}

class MysqlTableWriter final : public TableWriter {
 public:
  MysqlTableWriter(Database* db, std::string table, std::vector<std::string> columns,
                   std::vector<size_t> key_idx, std::vector<MysqlKeyColumnCollation> key_collations)
      : db_(db),
        table_(std::move(table)),
        columns_(std::move(columns)),
        key_idx_(std::move(key_idx)),
        key_collations_(std::move(key_collations)) {
    rows_per_stmt_ = std::max<size_t>(
        1, std::min(kMaxRowsPerStatement, kMaxPlaceholders / std::max<size_t>(1, columns_.size())));
  }

  Status Write(const std::vector<std::vector<Value>>& rows) override {
    FERRY_RETURN_IF_ERROR(CheckValues(rows));
    std::vector<Value> params;
    size_t i = 0;
    while (i < rows.size()) {
      size_t n = 0, bytes = 0;
      while (i + n < rows.size() && n < rows_per_stmt_) {
        size_t row_bytes = 0;
        for (const Value& v : rows[i + n]) row_bytes += ValueBytes(v);
        if (n > 0 && bytes + row_bytes > kMaxStatementBytes) break;
        bytes += row_bytes;
        ++n;
      }
      FERRY_ASSIGN_OR_RETURN(PreparedStatement * stmt, Statement(n));
      params.clear();
      params.reserve(n * columns_.size());
      for (size_t r = i; r < i + n; ++r) params.insert(params.end(), rows[r].begin(), rows[r].end());
      auto done = stmt->Execute(params);
      if (!done.ok())
        return ExplainMysqlKeyCollision(table_, key_collations_, done.status())
            .WithContext("insert into " + table_);
      i += n;
    }
    return Status::OK();
  }

 private:
  // Shapes and values MySQL cannot take, named before anything is sent.
  Status CheckValues(const std::vector<std::vector<Value>>& rows) {
    for (const auto& row : rows) {
      if (row.size() != columns_.size())
        return InvalidArgument("insert into " + table_ + ": row has " + std::to_string(row.size()) +
                               " values, expected " + std::to_string(columns_.size()));
      for (size_t c = 0; c < row.size(); ++c) {
        auto* d = std::get_if<double>(&row[c]);
        if (d == nullptr || std::isfinite(*d)) continue;
        std::vector<std::string> key_cols;
        std::vector<Value> key;
        for (size_t k : key_idx_) {
          key_cols.push_back(columns_[k]);
          key.push_back(row[k]);
        }
        std::string where = key.empty() ? "a row without a primary key" : "the row with " +
                                                                               DisplayKey(key_cols, key);
        return InvalidArgument("mysql: cannot store " +
                               std::string(std::isnan(*d) ? "NaN" : (*d > 0 ? "inf" : "-inf")) +
                               " in " + table_ + "." + columns_[c] + " (" + where +
                               "): MySQL's DOUBLE holds no NaN or infinity; map the column to "
                               "text with --map " + table_ + "." + columns_[c] +
                               "=text, or fix the value in the source");
      }
    }
    return Status::OK();
  }

  Result<PreparedStatement*> Statement(size_t n) {
    if (auto it = stmts_.find(n); it != stmts_.end()) return it->second.get();
    std::string sql = "INSERT INTO " + db_->QuoteIdentifier(table_) + " (";
    for (size_t c = 0; c < columns_.size(); ++c) sql += (c ? ", " : "") + db_->QuoteIdentifier(columns_[c]);
    sql += ") VALUES ";
    size_t p = 1;
    for (size_t r = 0; r < n; ++r) {
      sql += r > 0 ? ", (" : "(";
      for (size_t c = 0; c < columns_.size(); ++c) sql += (c ? ", $" : "$") + std::to_string(p++);
      sql += ")";
    }
    FERRY_ASSIGN_OR_RETURN(auto stmt, db_->Prepare(sql));
    // A few shapes at most: the full one, and the odd short ones.
    if (stmts_.size() >= 4) {
      for (auto s = stmts_.begin(); s != stmts_.end(); ++s)
        if (s->first != rows_per_stmt_) {
          stmts_.erase(s);
          break;
        }
    }
    PreparedStatement* raw = stmt.get();
    stmts_[n] = std::move(stmt);
    return raw;
  }

  Database* db_;
  std::string table_;
  std::vector<std::string> columns_;
  std::vector<size_t> key_idx_;  // positions of the primary key in columns_, for messages
  std::vector<MysqlKeyColumnCollation> key_collations_;  // to explain a duplicate key
  size_t rows_per_stmt_ = 1;
  std::map<size_t, std::unique_ptr<PreparedStatement>> stmts_;
};

}  // namespace

Result<std::unique_ptr<TableWriter>> NewMysqlTableWriter(Database* db, const std::string& table,
                                                         const std::vector<std::string>& columns) {
  std::vector<size_t> key_idx;
  auto schema = NewMysqlSchemaReader(db)->ReadTable(table);
  if (schema.ok()) {
    for (const auto& k : schema->primary_key)
      for (size_t i = 0; i < columns.size(); ++i)
        if (columns[i] == k) key_idx.push_back(i);
  }
  // Best effort, for messages only: a writer works without them.
  auto collations = MysqlKeyCollations(db, table);
  return std::unique_ptr<TableWriter>(
      new MysqlTableWriter(db, table, columns, std::move(key_idx),
                           collations.ok() ? std::move(collations).value()
                                           : std::vector<MysqlKeyColumnCollation>{}));
}

}  // namespace ferry
