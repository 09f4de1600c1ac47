// CsvScanner: CsvReader's records (csv.h, same rules and messages) without a
// std::string per field: the file is read in large blocks and each field is
// a view into the block (or, for a quoted field with doubled quotes, into a
// per-record scratch buffer). The bulk import (postgres_csv_import.h) reads
// every record of a file this way; CsvReader stays for small files and the
// header-only readers.
//
// Views stay valid until the next call to Next(). Not thread-safe.
#pragma once

#include <cstdint>
#include <istream>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry {

struct CsvFieldView {
  std::string_view text;
  bool null = false;  // an unquoted empty field
  bool quoted = false;
};

class CsvScanner {
 public:
  explicit CsvScanner(std::istream* in, size_t block_bytes = 1 << 20);

  // The next record; false at end of input. InvalidArgument naming the line
  // for an unterminated quote or text after a closing quote (CsvReader's).
  Result<bool> Next();

  const std::vector<CsvFieldView>& fields() const { return fields_; }
  // 1-based line where the record starts.
  int64_t record_line() const { return record_line_; }
  // The record's bytes as in the file without its final '\n' (a CRLF
  // file's '\r' stays, as in CsvReader::raw()).
  std::string_view raw() const { return raw_; }
  // Record shapes another CSV dialect may read differently: a CR that is data
  // outside quotes, or a '"' inside an unquoted field (data to RFC 4180
  // readers like this one; the start of a quoted section to PostgreSQL's).
  bool unquoted_cr() const { return unquoted_cr_; }
  bool unquoted_quote() const { return unquoted_quote_; }

 private:
  enum class Scan { kDone, kNeedMore, kError };
  Scan ScanRecord(Status* error);
  // Moves the unread bytes to the front and reads another block; false at
  // end of input.
  bool Refill();

  std::istream* in_;
  size_t block_bytes_;
  std::string buf_;
  size_t pos_ = 0;  // first unread byte
  size_t end_ = 0;  // end of the valid bytes
  bool eof_ = false;
  int64_t line_ = 0;  // lines consumed by returned records
  int64_t record_line_ = 0;
  std::string_view raw_;
  bool unquoted_cr_ = false;
  bool unquoted_quote_ = false;
  std::vector<CsvFieldView> fields_;
  // Quoted fields with doubled quotes, unescaped; fields_ points into it
  // (offsets while scanning, views once the record is complete).
  std::string scratch_;
  std::vector<size_t> scratch_fields_;  // indexes of fields_ living in scratch_
  std::vector<std::pair<size_t, size_t>> scratch_spans_;
};

}  // namespace ferry
