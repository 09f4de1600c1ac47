// CSV import into PostgreSQL through the server's own CSV reader:
// COPY t (file's columns) FROM STDIN (FORMAT csv), streamed, one COPY per
// --batch records, all in one transaction (issue 6: decoding every field
// into a Value and encoding it again for COPY took 1.85x psql \copy's time).
//
// Every record is still read and checked here first, with the Value path's
// rules and messages (export_import.h): the field count, and each field's
// text against its column's logical type (integers, booleans, reals, \x
// blobs), so a bad record names its line and --skip-bad sets it aside
// exactly as before. A checked record is then sent as it is in the file
// (CRLF becomes LF), unless PostgreSQL would read it differently:
// - a blob field not spelled \x+hex (ferry reads it as raw bytes, bytea
//   input would read backslash escapes): re-spelled \x+hex;
// - reals the Value path would send differently (NaN/inf spellings other
//   than FormatReal's; any value of a float4 column, which the server would
//   otherwise round from the file's text instead of from the double):
//   re-spelled with FormatReal;
// - a '"' inside an unquoted field or a CR that is data outside quotes
//   (RFC 4180 data here, quote or line end to PostgreSQL), and a lone \.
//   (end of data to COPY): the record is re-quoted.
// Integers and booleans go as written: every spelling ferry accepts means the
// same to PostgreSQL's input functions.
//
// A record the server still rejects (a bad timestamp, a constraint) fails the
// import with the file's line, mapped back from the COPY line in the
// server's error CONTEXT (the file's lines differ after blank, rejected and
// multi-line records): "rows.csv:7: postgres: invalid input syntax ...".
// Nothing is imported then (the transaction rolls back).
#pragma once

#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/csv_scanner.h"
#include "jobs/copy/export_import.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

// True when `db` can take the server's COPY: a PostgreSQL connection of the
// adapter itself (not a wrapper, not another engine) in a build with it.
bool CanServerCsvImport(Database* db);

// The rest of the file after its header line, which the caller has read
// from `csv`: `columns` are the header's names, `cols` their mapped table
// columns, `rejects` the reject file's start (the header line).
Result<ImportReport> ServerCsvImport(Database* db, const ImportOptions& o, CsvScanner* csv,
                                     const std::vector<const ColumnSchema*>& cols,
                                     const std::vector<std::string>& columns, std::string rejects,
                                     Env* env, Logger* logger);

}  // namespace ferry
