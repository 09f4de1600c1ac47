#include "jobs/copy/postgres_csv_import.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cstring>

#include "db/key_codec.h"
#include "db/transaction.h"
#include "jobs/copy/csv.h"
#include "jobs/copy/csv_scanner.h"
#include "util/duration.h"
#include "util/strings.h"
#ifdef FERRY_WITH_POSTGRES
#include "db/postgres/postgres_database.h"
#endif

namespace ferry {
namespace {

// What a field of a column is checked against (FieldValue in export_import.cc).
enum class Check { kText, kInteger, kBoolean, kReal, kRealRespelled, kBlob };

Check CheckFor(const ColumnSchema& c) {
  switch (c.type) {
    case LogicalType::kInteger: return Check::kInteger;
    case LogicalType::kBoolean: return Check::kBoolean;
    case LogicalType::kBlob: return Check::kBlob;
    case LogicalType::kReal: {
      // float8 input rounds a decimal to the double from_chars gives; float4
      // input would round the text itself where the Value path rounds the double.
      const std::string t = ToLower(c.declared_type);
      return t == "double precision" || t == "float8" ? Check::kReal : Check::kRealRespelled;
    }
    default: return Check::kText;
  }
}

// ParseInt and ParseBool (canonical.cc), without a Value.
bool IsInteger(std::string_view s) {
  s = TrimView(s);
  if (!s.empty() && s[0] == '+') s.remove_prefix(1);
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  return ec == std::errc() && p == s.data() + s.size() && !s.empty();
}

bool IsBoolean(std::string_view s) {
  const std::string t = ToLower(TrimView(s));
  for (const char* w : {"t", "true", "1", "yes", "y", "on", "f", "false", "0", "no", "n", "off"})
    if (t == w) return true;
  return false;
}

// Digits, '-', '.', exponents and spaces: float8 input reads it as ParseReal
// does. Anything else ParseReal accepts (NaN, inf, a leading '+') is re-spelled.
bool PlainDecimal(std::string_view s) {
  s = TrimView(s);
  if (s.empty() || s[0] == '+') return false;
  for (char c : s)
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' ||
          c == 'e' || c == 'E'))
      return false;
  return true;
}

bool IsHex(std::string_view s) {
  if (s.size() % 2) return false;
  for (char c : s)
    if (!std::isxdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

enum class Spelled { kAsIs, kRespelled };

// The Value path's acceptance and messages for a PostgreSQL target;
// kRespelled puts the text to send in *out.
Result<Spelled> CheckField(const ColumnSchema& c, Check check, std::string_view text,
                           std::string* out) {
  switch (check) {
    case Check::kText:
      return Spelled::kAsIs;
    case Check::kBlob:
      if (text.substr(0, 2) == "\\x") {
        if (!IsHex(text.substr(2)))
          return InvalidArgument("column " + c.name + ": bad hex in a \\x blob");
        return Spelled::kAsIs;
      }
      *out = "\\x" + HexEncode(std::string(text));  // raw bytes in the file
      return Spelled::kRespelled;
    case Check::kInteger:
      if (IsInteger(text)) return Spelled::kAsIs;
      break;
    case Check::kBoolean:
      if (IsBoolean(text)) return Spelled::kAsIs;
      break;
    case Check::kReal:
    case Check::kRealRespelled: {
      if (check == Check::kReal && PlainDecimal(text)) return Spelled::kAsIs;
      auto d = ParseReal(text);
      if (!d) break;
      *out = FormatReal(*d);
      return Spelled::kRespelled;
    }
  }
  return InvalidArgument("column " + c.name + ": \"" + std::string(text) + "\" is not " +
                         (c.type == LogicalType::kReal ? "a number"
                                                       : std::string("an ") + LogicalTypeName(c.type)));
}

// One field as COPY's CSV reader reads it back (NULL stays an empty field):
// RFC 4180 quoting, and a lone \. (COPY's end of data) quoted too.
void AppendCopyCsvField(std::string_view text, std::string* out) {
  if (text == "\\.") {
    out->append("\"\\.\"");
    return;
  }
  AppendCsvField(text, out);
}

// Reads the file's records, checks them and spells the good ones for COPY.
class RecordSource {
 public:
  RecordSource(const ImportOptions& o, CsvScanner* csv, std::vector<const ColumnSchema*> cols,
               std::string rejects, Logger* logger)
      : o_(o), csv_(csv), cols_(std::move(cols)), rejects_(std::move(rejects)), logger_(logger) {
    for (const auto* c : cols_) checks_.push_back(CheckFor(*c));
    respelled_.resize(cols_.size());
    spelled_.resize(cols_.size());
  }

  // Appends the next good record ('\n'-terminated) to *out; false at the end
  // of the file. A bad record fails (naming its line) or, with skip_bad, goes
  // to the rejects.
  Result<bool> Next(std::string* out) {
    for (;;) {
      auto got = csv_->Next();
      if (!got.ok()) return got.status().WithContext(o_.in);
      if (!*got) return false;
      const auto& f = csv_->fields();
      if (f.size() == 1 && f[0].null && csv_->raw().empty()) continue;  // blank line
      Status why;
      bool respell = false;
      if (f.size() != cols_.size()) {
        why = InvalidArgument("expected " + std::to_string(cols_.size()) + " fields, found " +
                              std::to_string(f.size()));
      } else {
        for (size_t i = 0; i < f.size(); ++i) {
          spelled_[i] = Spelled::kAsIs;
          if (f[i].null) continue;
          auto s = CheckField(*cols_[i], checks_[i], f[i].text, &respelled_[i]);
          if (!s.ok()) {
            why = s.status();
            break;
          }
          spelled_[i] = *s;
          respell |= *s == Spelled::kRespelled;
        }
      }
      if (!why.ok()) {
        FERRY_RETURN_IF_ERROR(Bad(why));
        continue;
      }
      line_ = csv_->record_line();
      std::string_view raw = csv_->raw();
      if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);  // a CRLF line end
      if (!respell && !csv_->unquoted_cr() && !csv_->unquoted_quote() && raw != "\\.") {
        out->append(raw);
      } else {
        for (size_t i = 0; i < f.size(); ++i) {
          if (i > 0) out->push_back(',');
          if (f[i].null) continue;
          AppendCopyCsvField(spelled_[i] == Spelled::kRespelled ? respelled_[i] : f[i].text, out);
        }
      }
      out->push_back('\n');
      return true;
    }
  }

  int64_t line() const { return line_; }  // of the record Next() appended last
  int64_t rejected() const { return rejected_; }
  const std::string& rejects() const { return rejects_; }

 private:
  Status Bad(const Status& why) {
    Status st = BadRecordError(o_, csv_->record_line(), why);
    if (!o_.skip_bad) return st;
    if (logger_) logger_->Warn("rejected record", {{"error", st.message()}});
    rejects_.append(csv_->raw());
    rejects_.push_back('\n');
    ++rejected_;
    return Status::OK();
  }

  const ImportOptions& o_;
  CsvScanner* csv_;
  std::vector<const ColumnSchema*> cols_;
  std::vector<Check> checks_;
  std::vector<std::string> respelled_;
  std::vector<Spelled> spelled_;
  std::string rejects_;
  Logger* logger_;
  int64_t line_ = 0;
  int64_t rejected_ = 0;
};

// Where each record of one COPY lies in the server's line count, to name the
// file's line in its errors. The server counts a line per record plus the
// newlines inside quoted fields (copyfromparse.c: LF once it has seen the
// first line end, CR before that).
class CopyLines {
 public:
  void Clear() {
    marks_.clear();
    last_ = 0;
  }
  void Add(std::string_view record, int64_t file_line) {
    const char nl = marks_.empty() ? '\r' : '\n';
    const auto inner = std::count(record.begin(), record.end() - 1, nl);
    last_ += 1 + inner;
    marks_.push_back({last_, file_line});
  }
  // The file's line of the record holding the server's `copy_line`; 0 if none.
  int64_t FileLine(int64_t copy_line) const {
    auto it = std::lower_bound(marks_.begin(), marks_.end(), copy_line,
                               [](const Mark& m, int64_t l) { return m.last_copy_line < l; });
    return it == marks_.end() ? 0 : it->file_line;
  }

 private:
  struct Mark {
    int64_t last_copy_line;
    int64_t file_line;
  };
  std::vector<Mark> marks_;
  int64_t last_ = 0;
};

// "... CONTEXT: COPY t, line 7, column x: ..." -> 7; 0 if absent.
int64_t CopyLineOf(const std::string& message) {
  size_t at = message.find("CONTEXT: COPY ");
  if (at == std::string::npos) return 0;
  at = message.find(", line ", at);
  if (at == std::string::npos) return 0;
  at += 7;
  int64_t n = 0;
  std::from_chars(message.data() + at, message.data() + message.size(), n);
  return n;
}

}  // namespace

bool CanServerCsvImport(Database* db) {
#ifdef FERRY_WITH_POSTGRES
  return db->dialect() == Dialect::kPostgres && CanStreamCopy(db);
#else
  (void)db;
  return false;
#endif
}

Result<ImportReport> ServerCsvImport(Database* db, const ImportOptions& o, CsvScanner* csv,
                                     const std::vector<const ColumnSchema*>& cols,
                                     const std::vector<std::string>& columns, std::string rejects,
                                     Env* env, Logger* logger) {
#ifndef FERRY_WITH_POSTGRES
  (void)db, (void)o, (void)csv, (void)cols, (void)columns, (void)rejects, (void)env, (void)logger;
  return FailedPrecondition("CSV import through COPY: built without PostgreSQL");
#else
  const auto t0 = env->Now();
  std::string sql = "COPY " + db->QuoteIdentifier(o.table) + " (";
  for (size_t i = 0; i < columns.size(); ++i)
    sql += (i ? ", " : "") + db->QuoteIdentifier(columns[i]);
  sql += ") FROM STDIN (FORMAT csv)";
  RecordSource records(o, csv, cols, std::move(rejects), logger);

  ImportReport rep;
  rep.dry_run = o.dry_run;
  rep.server_copy = !o.dry_run;
  const int64_t batch = static_cast<int64_t>(std::max<size_t>(o.batch, 1));
  std::string pending;  // spelled records not yet handed to COPY
  FERRY_ASSIGN_OR_RETURN(bool more, records.Next(&pending));
  Transaction tx(db);
  if (o.dry_run) {
    while (more) {
      ++rep.rows;
      pending.clear();
      FERRY_ASSIGN_OR_RETURN(more, records.Next(&pending));
    }
  } else {
    FERRY_RETURN_IF_ERROR(tx.Begin());
  }
  CopyLines lines;
  while (more) {  // one COPY per batch; `pending` holds the batch's first record
    lines.Clear();
    lines.Add(pending, records.line());
    int64_t in_batch = 1;
    size_t sent = 0;
    Status source_error;
    auto source = [&](char* buf, size_t capacity) -> Result<size_t> {
      size_t n = 0;
      while (n < capacity) {
        if (sent < pending.size()) {
          const size_t k = std::min(capacity - n, pending.size() - sent);
          std::memcpy(buf + n, pending.data() + sent, k);
          sent += k;
          n += k;
          continue;
        }
        pending.clear();
        sent = 0;
        if (!more || in_batch >= batch) break;
        auto next = records.Next(&pending);
        if (!next.ok()) {
          source_error = next.status();
          return source_error;
        }
        more = *next;
        if (more) {
          lines.Add(pending, records.line());
          ++in_batch;
        }
      }
      return n;
    };
    auto copied = CopyIn(db, sql, source);
    if (!copied.ok()) {
      Status st = copied.status();
      if (!source_error.ok()) return source_error;
      if (int64_t line = lines.FileLine(CopyLineOf(st.message())); line > 0)
        return Status(st.code(), o.in + ":" + std::to_string(line) + ": " + st.message() +
                                     " (nothing imported)");
      return st.WithContext(o.in);
    }
    rep.rows += in_batch;
    if (more) {
      pending.clear();
      FERRY_ASSIGN_OR_RETURN(more, records.Next(&pending));
    }
  }
  rep.rejected = records.rejected();
  if (o.skip_bad && !o.dry_run)
    FERRY_RETURN_IF_ERROR(
        env->WriteFileAtomic(o.reject_file, rep.rejected ? records.rejects() : ""));
  if (!o.dry_run) FERRY_RETURN_IF_ERROR(tx.Commit());
  rep.seconds = Seconds(env->Now() - t0);
  if (logger)
    logger->Info(o.dry_run ? "import checked (dry run)" : "imported table",
                 {{"table", o.table}, {"rows", rep.rows}, {"rejected", rep.rejected},
                  {"seconds", rep.seconds}, {"server_copy", true}});
  return rep;
#endif
}

}  // namespace ferry
