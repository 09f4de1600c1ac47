// CSV export from PostgreSQL by the server's own COPY ... TO STDOUT (FORMAT
// csv), streamed, instead of decoding every row into Values and encoding it
// again (2x psql \copy's time that way, issue 6).
//
// The bytes are exactly those ferry's CSV writer (csv.h, export_import.h)
// produces for the same rows: ferry writes the header itself, ends records
// with CRLF, and asks the server to spell each column as the Value path
// would (boolean::text is true/false, bytea as \x + lowercase hex whatever
// bytea_output says); double precision/real fields are re-spelled here in
// FormatReal's shortest form (std::to_chars picks 1e+06 where the server
// writes 1000000). Same session, same TimeZone/DateStyle, so every other
// type's text is the server's output either way.
//
// Tables with a column whose declared type is not in a known list (domains,
// user types: their result type may decode differently) return nullopt from
// ServerCsvColumns and take the Value path.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "jobs/copy/export_import.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

// The SELECT-list expression per column, or nullopt when some column's type
// could spell differently through COPY (or the build has no PostgreSQL).
std::optional<std::vector<std::string>> ServerCsvColumns(Database* db, const TableSchema& s);

// Streams the table's rows (no header), CRLF-terminated, to `write` in
// chunks of about 1 MiB; `select` from ServerCsvColumns. Returns the row count.
Result<int64_t> ServerCsvExport(Database* db, const ExportOptions& o, const TableSchema& s,
                                const std::vector<std::string>& select,
                                const std::function<Status(std::string_view)>& write);

// One COPY CSV row ("...\n") appended to *out as ferry's writer spells it
// (exposed for the unit test). is_real[i]: column i is float4/float8.
void AppendServerCsvRow(std::string_view row, const std::vector<bool>& is_real, std::string* out);

}  // namespace ferry
