// ferry export / ferry import: one table to or from a CSV or JSON-lines file.
//
// Formats
// - csv: RFC 4180 (csv.h), a header record of column names first. NULL is an
//   unquoted empty field, the empty string is "". Booleans are true/false,
//   reals in shortest round-trip form (NaN, Infinity, -Infinity), blobs are
//   HEX with PostgreSQL's bytea prefix: \x00ff (so the file loads with psql
//   \copy ... csv as well).
// - jsonl: one JSON object per line, {"column": value}. Integers and finite
//   reals are numbers; NaN/Infinity are the strings "NaN", "Infinity",
//   "-Infinity"; booleans true/false; json columns are embedded documents;
//   blobs are "\\x00ff" strings (hex, as in CSV); everything else strings.
// - parquet: through DuckDB when it is built in (duckdb_parquet.h: the rows
//   stream into a scratch DuckDB file, then COPY ... (FORMAT parquet)); in a
//   build without DuckDB a clear error (InvalidArgument; the CLI exits 15).
//
// Import reads the target table's schema and converts each field by its
// column's logical type. The whole import is ONE transaction: a bad record
// (wrong field count, a value that does not parse) fails with the file and
// line ("rows.csv:7: expected 3 fields, found 4") and nothing is imported --
// unless skip_bad, where the bad records are written (raw, as they were in
// the file, after the CSV header) to the reject file and the rest imported.
// dry_run parses and checks everything and writes nothing.
//
// Export of CSV from PostgreSQL streams the server's COPY (same bytes,
// postgres_csv_export.h); otherwise it streams the table in keyset pages (by primary key when there is
// one) into FILE.tmp and renames it over FILE when complete, so a failed
// export never leaves a half file under the final name. "-" is stdout.
#pragma once

#include <cstdint>
#include <string>

#include "db/database.h"
#include "obs/logger.h"

namespace ferry {

enum class FileFormat { kCsv, kJsonl, kParquet };

// "csv", "jsonl" (or "json"), "parquet"; InvalidArgument otherwise, and for
// parquet in a build without DuckDB.
Result<FileFormat> ParseFileFormat(const std::string& name);

struct ExportOptions {
  std::string table;
  std::string where;  // optional SQL condition
  FileFormat format = FileFormat::kCsv;
  std::string out;    // path or "-"
  size_t page_size = 10000;
  // CSV from PostgreSQL: stream the server's COPY (postgres_csv_export.h)
  // when every column's type spells the same that way. false forces the
  // Value path (the test comparing the two paths' bytes).
  bool server_copy = true;
};

struct ExportReport {
  int64_t rows = 0;
  int64_t bytes = 0;
  double seconds = 0;
  bool server_copy = false;  // the rows came from the server's COPY
};

Result<ExportReport> ExportTable(Database* db, const ExportOptions& options, Env* env,
                                 Logger* logger);

struct ImportOptions {
  std::string table;
  FileFormat format = FileFormat::kCsv;
  std::string in;  // path
  size_t batch = 10000;
  bool dry_run = false;
  bool skip_bad = false;
  std::string reject_file;  // required with skip_bad
  // CSV into PostgreSQL: checked records go to the server's COPY ... (FORMAT
  // csv) as spelled in the file (postgres_csv_import.h). false forces the
  // Value path (the test comparing the two paths' rows).
  bool server_copy = true;
};

struct ImportReport {
  int64_t rows = 0;      // imported (or, in a dry run, that would be)
  int64_t rejected = 0;  // written to the reject file
  double seconds = 0;
  bool dry_run = false;
  bool server_copy = false;  // the records went to the server's CSV COPY
};

Result<ImportReport> ImportTable(Database* db, const ImportOptions& options, Env* env,
                                 Logger* logger);

// The error for a bad record at the file's `line`: "<in>:<line>: <why>",
// and, without --skip-bad, that nothing was imported and how to set such
// records aside. One wording for every import path.
Status BadRecordError(const ImportOptions& options, int64_t line, const Status& why);

}  // namespace ferry
