#include "jobs/copy/csv.h"

namespace ferry {

void AppendCsvField(std::string_view s, std::string* out) {
  if (!s.empty() && s.find_first_of(",\"\r\n") == std::string_view::npos) {
    out->append(s);
    return;
  }
  out->push_back('"');
  for (char c : s) {
    if (c == '"') out->push_back('"');
    out->push_back(c);
  }
  out->push_back('"');
}

void AppendCsvRecord(const std::vector<CsvField>& fields, std::string* out) {
  for (size_t i = 0; i < fields.size(); ++i) {
    if (i > 0) out->push_back(',');
    if (fields[i]) AppendCsvField(*fields[i], out);
  }
}

Result<bool> CsvReader::Next(std::vector<CsvField>* fields) {
  fields->clear();
  raw_.clear();
  std::string line;
  if (!std::getline(*in_, line)) return false;
  ++line_;
  record_line_ = line_;
  std::string field;
  bool quoted = false;      // the current field was quoted
  bool in_quotes = false;   // inside a quoted section
  bool after_quote = false; // just closed a quote
  size_t i = 0;
  for (;;) {
    for (; i < line.size(); ++i) {
      char c = line[i];
      if (in_quotes) {
        if (c == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field.push_back('"');
            ++i;
          } else {
            in_quotes = false;
            after_quote = true;
          }
        } else {
          field.push_back(c);
        }
      } else if (c == '\r' && i + 1 == line.size()) {
        // CRLF record end (a CR inside quotes is data and kept above).
      } else if (c == ',') {
        fields->push_back(quoted || !field.empty() ? CsvField(field) : std::nullopt);
        field.clear();
        quoted = after_quote = false;
      } else if (c == '"' && field.empty() && !quoted) {
        quoted = in_quotes = true;
      } else if (after_quote) {
        return InvalidArgument("line " + std::to_string(line_) +
                               ": text after a closing quote (RFC 4180)");
      } else {
        field.push_back(c);
      }
    }
    raw_ += line;
    if (!in_quotes) break;
    // A quoted field goes on past the line end.
    std::string next;
    if (!std::getline(*in_, next))
      return InvalidArgument("line " + std::to_string(record_line_) +
                             ": a quoted field is never closed");
    ++line_;
    field.push_back('\n');
    raw_.push_back('\n');
    line = std::move(next);
    i = 0;
  }
  fields->push_back(quoted || !field.empty() ? CsvField(field) : std::nullopt);
  return true;
}

}  // namespace ferry
