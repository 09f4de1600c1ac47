// The SQL side of copy and verify: a Database, read with the engine's schema
// reader and KeysetReader, written with its TableWriter (bulk path), the
// checkpoint in ferry_copy_checkpoints in the same transaction as each batch.
#include <optional>

#include "db/key_codec.h"
#include "db/transaction.h"
#include "jobs/copy/canonical.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/keyset_reader.h"
#include "jobs/copy/mysql_copy.h"
#include "jobs/copy/schema_reader.h"
#include "jobs/copy/table_writer.h"
#include "util/strings.h"

namespace ferry {
namespace {

Status EnsureCheckpointTable(Database* db) {
  if (db->dialect() == Dialect::kMysql) return db->Exec(MysqlCheckpointTableSql());  // no TEXT keys
  return db->Exec(std::string("CREATE TABLE IF NOT EXISTS ") + kCheckpointTable +
                  " (table_name TEXT PRIMARY KEY, source TEXT NOT NULL, last_key TEXT, "
                  "rows_copied BIGINT NOT NULL, done BIGINT NOT NULL, updated_at TEXT NOT NULL)");
}

std::string SelectAll(Database* db, const std::string& table,
                      const std::vector<std::string>& columns) {
  std::string sql = "SELECT ";
  for (size_t i = 0; i < columns.size(); ++i)
    sql += (i ? ", " : "") + db->QuoteIdentifier(columns[i]);
  return sql + " FROM " + db->QuoteIdentifier(table);
}

// Keyset pages over a connection the reader may own (its own thread) or
// borrow. Without a key: the whole table in one query.
class SqlRowReader final : public RowReader {
 public:
  SqlRowReader(Database* db, std::unique_ptr<Database> owned, std::string url,
               DatabaseOpener open, std::string table, std::vector<std::string> columns,
               std::vector<std::string> key, size_t page)
      : db_(owned ? owned.get() : db),
        owned_(std::move(owned)),
        url_(std::move(url)),
        open_(std::move(open)),
        table_(table),
        columns_(columns),
        keyless_(key.empty()),
        keyset_(db_, std::move(table), std::move(columns), std::move(key), page) {}

  void SeekAfter(std::vector<Value> key) override { keyset_.SeekAfter(std::move(key)); }
  const std::vector<Value>& last_key() const override { return keyset_.last_key(); }

  Result<bool> Next(std::vector<std::vector<Value>>* rows) override {
    if (!keyless_) return keyset_.Next(rows);
    rows->clear();
    if (keyless_done_) return false;
    FERRY_ASSIGN_OR_RETURN(Rows all, db_->Query(SelectAll(db_, table_, columns_), {}));
    keyless_done_ = true;
    *rows = std::move(all.rows);
    return !rows->empty();
  }

  Status Reopen() override {
    if (!owned_ || !open_) return Unavailable("reading " + table_ + ": the connection was lost");
    FERRY_ASSIGN_OR_RETURN(auto db, open_(url_));
    FERRY_RETURN_IF_ERROR(PrepareCopySession(db.get()));
    owned_ = std::move(db);
    db_ = owned_.get();
    keyset_.Reset(db_);
    return Status::OK();
  }

 private:
  Database* db_;
  std::unique_ptr<Database> owned_;
  std::string url_;
  DatabaseOpener open_;
  std::string table_;
  std::vector<std::string> columns_;
  bool keyless_;
  bool keyless_done_ = false;
  KeysetReader keyset_;
};

class SqlEndpoint final : public CopyEndpoint {
 public:
  SqlEndpoint(Database* db, std::unique_ptr<Database> owned, std::string url, DatabaseOpener open,
              Env* env)
      : db_(owned ? owned.get() : db),
        owned_(std::move(owned)),
        url_(std::move(url)),
        open_(std::move(open)),
        env_(env) {}

  std::string_view engine() const override { return db_->engine(); }

  Result<std::vector<std::string>> ListTables() override {
    FERRY_ASSIGN_OR_RETURN(auto reader, NewSchemaReader(db_));
    return reader->ListTables();
  }
  Result<bool> TableExists(const std::string& table) override { return db_->TableExists(table); }

  Result<TableSchema> ReadSourceSchema(const std::string& table,
                                       const TypeOverrides& overrides) override {
    FERRY_ASSIGN_OR_RETURN(auto reader, NewSchemaReader(db_));
    FERRY_ASSIGN_OR_RETURN(TableSchema schema, reader->ReadTable(table));
    FERRY_RETURN_IF_ERROR(MapTableTypes(db_->dialect(), overrides, &schema));
    return schema;
  }

  Result<TableSchema> ReadTargetSchema(const std::string& table) override {
    FERRY_ASSIGN_OR_RETURN(auto reader, NewSchemaReader(db_));
    FERRY_ASSIGN_OR_RETURN(TableSchema schema, reader->ReadTable(table));
    for (auto& c : schema.columns)
      c.type = MapDeclaredType(db_->dialect(), c.declared_type, &c.type_args)
                   .value_or(LogicalType::kText);
    return schema;
  }

  Result<int64_t> CountRows(const std::string& table) override {
    FERRY_ASSIGN_OR_RETURN(Rows n,
                           db_->Query("SELECT count(*) FROM " + db_->QuoteIdentifier(table), {}));
    return n.GetInt(0, 0).value_or(0);
  }

  Result<std::unique_ptr<RowReader>> OpenReader(const std::string& table,
                                                const std::vector<std::string>& columns,
                                                const std::vector<std::string>& key, size_t page,
                                                ReaderConnection conn) override {
    std::unique_ptr<Database> own;
    if (conn == ReaderConnection::kOwn && open_) {
      FERRY_ASSIGN_OR_RETURN(own, open_(url_));
      FERRY_RETURN_IF_ERROR(PrepareCopySession(own.get()));
    }
    return std::unique_ptr<RowReader>(
        new SqlRowReader(db_, std::move(own), url_, open_, table, columns, key, page));
  }

  Value Carry(LogicalType t, Value v) const override {
    return CarryValue(t, db_->dialect(), std::move(v));
  }

  std::string CreateTableText(const TableSchema& schema) override {
    if (db_->dialect() == Dialect::kMysql) {  // text keys get a NO PAD collation
      auto collation = MysqlKeyCollation(db_);
      return MysqlCreateTableSql(*db_, schema, collation.ok() ? *collation : "utf8mb4_bin");
    }
    return CreateTableSql(*db_, schema);
  }
  Status CreateTable(const TableSchema& schema, const std::vector<std::string>&) override {
    return db_->Exec(CreateTableText(schema));
  }

  Status BeginTable(const TableSchema& schema, const std::vector<std::string>&) override {
    table_ = schema.name;
    columns_ = schema.ColumnNames();
    FERRY_RETURN_IF_ERROR(EnsureCheckpointTable(db_));
    FERRY_ASSIGN_OR_RETURN(writer_, NewTableWriter(db_, table_, columns_));
    return Status::OK();
  }

  Result<std::optional<CopyCheckpoint>> ReadCheckpoint(const std::string& table) override {
    FERRY_ASSIGN_OR_RETURN(bool exists, db_->TableExists(kCheckpointTable));
    if (!exists) return std::optional<CopyCheckpoint>();
    FERRY_ASSIGN_OR_RETURN(
        Rows rows, db_->Query(std::string("SELECT last_key, rows_copied, done, source FROM ") +
                                  kCheckpointTable + " WHERE table_name = $1",
                              {table}));
    if (rows.empty()) return std::optional<CopyCheckpoint>();
    CopyCheckpoint c;
    if (auto k = rows.GetText(0, 0); k && !k->empty()) {
      FERRY_ASSIGN_OR_RETURN(c.last_key, DecodeKey(*k));
    }
    c.rows = rows.GetInt(0, 1).value_or(0);
    c.done = rows.GetInt(0, 2).value_or(0) != 0;
    c.source = rows.GetText(0, 3).value_or("");
    return std::optional<CopyCheckpoint>(std::move(c));
  }

  Status Truncate(const std::string& table) override {
    Transaction tx(db_);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    FERRY_RETURN_IF_ERROR(db_->Exec("DELETE FROM " + db_->QuoteIdentifier(table)));
    FERRY_RETURN_IF_ERROR(
        db_->Execute(std::string("DELETE FROM ") + kCheckpointTable + " WHERE table_name = $1",
                     {table})
            .status());
    return tx.Commit();
  }

  Status WriteBatch(const std::string& table, const std::vector<std::vector<Value>>& rows,
                    const CopyCheckpoint& checkpoint) override {
    if (!writer_ || table != table_) return Internal("copy: WriteBatch before BeginTable(" + table + ")");
    Transaction tx(db_);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    FERRY_RETURN_IF_ERROR(writer_->Write(rows));
    FERRY_RETURN_IF_ERROR(SaveCheckpoint(table, checkpoint));
    return tx.Commit();
  }

  Status WriteBatchWith(const std::string& table, const SqlBatchWriter& write,
                        const CopyCheckpoint& checkpoint) override {
    if (!writer_ || table != table_)
      return Internal("copy: WriteBatchWith before BeginTable(" + table + ")");
    Transaction tx(db_);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    FERRY_RETURN_IF_ERROR(write(db_));
    FERRY_RETURN_IF_ERROR(SaveCheckpoint(table, checkpoint));
    return tx.Commit();
  }

  Database* sql_database() override { return db_; }

  Result<std::unique_ptr<Database>> OpenSqlConnection() override {
    if (!open_) return FailedPrecondition("copy: a borrowed database cannot open connections");
    FERRY_ASSIGN_OR_RETURN(auto db, open_(url_));
    FERRY_RETURN_IF_ERROR(PrepareCopySession(db.get()));
    return db;
  }

  Status SaveCheckpoint(const std::string& table, const CopyCheckpoint& c) override {
    return db_
        ->Execute((db_->dialect() == Dialect::kMysql ? MysqlSaveCheckpointSql() : std::string("INSERT INTO ") + kCheckpointTable +
                      " (table_name, source, last_key, rows_copied, done, updated_at) VALUES "
                      "($1, $2, $3, $4, $5, $6) ON CONFLICT (table_name) DO UPDATE SET "
                      "source = excluded.source, last_key = excluded.last_key, "
                      "rows_copied = excluded.rows_copied, done = excluded.done, "
                      "updated_at = excluded.updated_at"),
                  {table, c.source, EncodeKey(c.last_key), c.rows,
                   static_cast<int64_t>(c.done ? 1 : 0),
                   FormatIsoTime(env_->WallMicros())})
        .status();
  }

  Status Reconnect() override {
    if (!open_) return Unavailable("the target connection was lost");
    FERRY_ASSIGN_OR_RETURN(auto db, open_(url_));
    FERRY_RETURN_IF_ERROR(PrepareCopySession(db.get()));
    std::unique_ptr<TableWriter> writer;
    if (!table_.empty()) {
      FERRY_ASSIGN_OR_RETURN(writer, NewTableWriter(db.get(), table_, columns_));
    }
    writer_ = std::move(writer);  // the old writer's statements belong to the old connection
    owned_ = std::move(db);
    db_ = owned_.get();
    return Status::OK();
  }

 private:
  Database* db_;
  std::unique_ptr<Database> owned_;
  std::string url_;
  DatabaseOpener open_;
  Env* env_;
  std::string table_;
  std::vector<std::string> columns_;
  std::unique_ptr<TableWriter> writer_;
};

}  // namespace

Status PrepareCopySession(Database* db) {
  if (db->dialect() == Dialect::kPostgres) return db->Exec("SET TimeZone = 'UTC'");
  if (db->dialect() == Dialect::kDuckdb && !db->url().params.count("memory_limit")) {
    // DuckDB keeps every block it writes or reads in its buffer pool until
    // memory_limit (80% of RAM by default) forces eviction, so a copy's RSS
    // grew with the table (+294 MB of cached blocks at 1M rows) instead of
    // staying flat. Blocks already on disk are dropped when evicted, and a
    // batch's transaction-local data spills to DuckDB's temp directory, so a
    // small pool costs little here. The URL's ?memory_limit= overrides it.
    return db->Exec(std::string("SET memory_limit = '") + kDuckdbCopyMemoryLimit + "'");
  }
  return Status::OK();
}

std::unique_ptr<CopyEndpoint> NewSqlEndpoint(std::unique_ptr<Database> db, std::string url,
                                             DatabaseOpener open, Env* env) {
  Database* raw = db.get();
  return std::make_unique<SqlEndpoint>(raw, std::move(db), std::move(url), std::move(open), env);
}

std::unique_ptr<CopyEndpoint> NewBorrowedSqlEndpoint(Database* db) {
  return std::make_unique<SqlEndpoint>(db, nullptr, "", nullptr, Env::Default());
}

}  // namespace ferry
