// ferry export --format parquet: through DuckDB, from any source engine.
//
// Rows are read from the source in keyset pages (as the CSV export does),
// carried to DuckDB's types and appended to a table in a scratch DuckDB
// *file* beside the output (disk-backed, so memory stays flat whatever the
// table's size); then DuckDB writes `COPY ... TO 'FILE.tmp' (FORMAT parquet)`
// and FILE.tmp is renamed over FILE. A failure leaves neither the scratch
// database nor a partial FILE behind.
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include "db/transaction.h"
#include "jobs/copy/canonical.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/duckdb_copy.h"
#include "jobs/copy/duckdb_parquet.h"
#include "jobs/copy/keyset_reader.h"
#include "jobs/copy/type_mapper.h"
#include "util/duration.h"

#ifdef FERRY_WITH_DUCKDB
#include "db/duckdb/duckdb_database.h"
#endif

namespace ferry {

bool ParquetBuiltIn() {
#ifdef FERRY_WITH_DUCKDB
  return true;
#else
  return false;
#endif
}

#ifndef FERRY_WITH_DUCKDB
Result<ExportReport> ExportParquet(Database*, const ExportOptions&, const TableSchema&, Env*) {
  return InvalidArgument(ParquetNotBuiltInMessage());
}
#else
namespace {

std::string SqlString(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') out += '\'';
    out += c;
  }
  return out + "'";
}

// Removes the scratch database (and its WAL) however the export ends.
struct ScratchFiles {
  std::string path;
  ~ScratchFiles() {
    std::error_code ec;
    std::filesystem::remove(path, ec);
    std::filesystem::remove(path + ".wal", ec);
  }
};

}  // namespace

Result<ExportReport> ExportParquet(Database* db, const ExportOptions& o, const TableSchema& s, Env* env) {
  if (o.out == "-") return InvalidArgument("--format parquet cannot go to stdout: give --out FILE");
  const auto t0 = env->Now();
  const std::string tmp = o.out + ".tmp";
  ScratchFiles scratch{o.out + ".ferry-export.duckdb"};
  std::error_code ec;
  std::filesystem::remove(scratch.path, ec);  // a leftover of a killed export
  std::filesystem::remove(scratch.path + ".wal", ec);
  FERRY_ASSIGN_OR_RETURN(auto duck, OpenDatabase("duckdb:" + scratch.path, env));
  FERRY_RETURN_IF_ERROR(PrepareCopySession(duck.get()));  // flat memory, as in copy

  TableSchema target = s;
  target.primary_key.clear();  // rows arrive in key order; no index to maintain
  target.name = "export";
  FERRY_RETURN_IF_ERROR(duck->Exec(CreateTableSql(*duck, target)).WithContext("parquet export"));
  std::vector<std::string> columns = s.ColumnNames();

  ExportReport rep;
  auto append = [&](std::vector<std::vector<Value>>& rows) -> Status {
    for (auto& row : rows)
      for (size_t i = 0; i < row.size(); ++i)
        row[i] = CarryValue(s.columns[i].type, Dialect::kDuckdb, std::move(row[i]));
    Transaction tx(duck.get());
    FERRY_RETURN_IF_ERROR(tx.Begin());
    FERRY_RETURN_IF_ERROR(AppendRows(duck.get(), "export", columns, rows)
                              .WithContext("parquet export of " + o.table));
    FERRY_RETURN_IF_ERROR(tx.Commit());
    rep.rows += static_cast<int64_t>(rows.size());
    return Status::OK();
  };
  if (!s.primary_key.empty()) {
    KeysetReader reader(db, o.table, columns, s.primary_key, o.page_size, o.where);
    std::vector<std::vector<Value>> rows;
    for (;;) {
      FERRY_ASSIGN_OR_RETURN(bool more, reader.Next(&rows));
      if (!more) break;
      FERRY_RETURN_IF_ERROR(append(rows));
    }
  } else {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < columns.size(); ++i) sql += (i ? ", " : "") + db->QuoteIdentifier(columns[i]);
    sql += " FROM " + db->QuoteIdentifier(o.table);
    if (!o.where.empty()) sql += " WHERE " + o.where;
    FERRY_ASSIGN_OR_RETURN(Rows rows, db->Query(sql, {}));
    FERRY_RETURN_IF_ERROR(append(rows.rows));
  }
  FERRY_RETURN_IF_ERROR(duck->Exec("COPY \"export\" TO " + SqlString(tmp) + " (FORMAT parquet)")
                            .WithContext("writing " + tmp));
  duck.reset();
  if (std::rename(tmp.c_str(), o.out.c_str()) != 0) {
    Status st = IOError("cannot rename " + tmp + " to " + o.out + ": " + std::strerror(errno));
    std::filesystem::remove(tmp, ec);
    return st;
  }
  rep.bytes = static_cast<int64_t>(std::filesystem::file_size(o.out, ec));
  rep.seconds = Seconds(env->Now() - t0);
  return rep;
}
#endif

std::string ParquetNotBuiltInMessage() {
  return "--format parquet is written through DuckDB, and this ferry was built without DuckDB "
         "(scripts/fetch-duckdb.sh third_party/duckdb, then cmake -DFERRY_WITH_DUCKDB=ON); "
         "use csv or jsonl";
}

}  // namespace ferry
