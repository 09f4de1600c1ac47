// RFC 4180 CSV: fields separated by ',', records by CRLF or LF; a field
// holding ',', '"', CR or LF is quoted, quotes doubled.
//
// NULL vs empty text (as PostgreSQL's CSV mode): an unquoted empty field is
// NULL, a quoted empty field ("") is the empty string. The writer quotes
// every empty string for that reason.
#pragma once

#include <cstdint>
#include <istream>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry {

using CsvField = std::optional<std::string>;  // nullopt = NULL

// Appends one non-NULL field to *out, quoted when it must be (a comma,
// quote, CR or LF in it) or when empty (an empty unquoted field is NULL).
void AppendCsvField(std::string_view field, std::string* out);

// Appends one record (without the line ending) to *out.
void AppendCsvRecord(const std::vector<CsvField>& fields, std::string* out);

// Reads records one at a time; quoted fields may span lines.
class CsvReader {
 public:
  explicit CsvReader(std::istream* in) : in_(in) {}
  // The next record into *fields; false at end of input. InvalidArgument
  // naming the line for an unterminated quote or text after a closing quote.
  Result<bool> Next(std::vector<CsvField>* fields);
  // 1-based line where the last record returned started.
  int64_t record_line() const { return record_line_; }
  // The last record's raw text (without its line ending), for reject files.
  const std::string& raw() const { return raw_; }

 private:
  std::istream* in_;
  int64_t line_ = 0;
  int64_t record_line_ = 0;
  std::string raw_;
};

}  // namespace ferry
