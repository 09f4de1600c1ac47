#include "jobs/copy/export_import.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <iostream>
#include <memory>

#include <nlohmann/json.hpp>

#include "db/transaction.h"
#include "jobs/copy/canonical.h"
#include "jobs/copy/csv.h"
#include "jobs/copy/csv_scanner.h"
#include "jobs/copy/duckdb_parquet.h"
#include "jobs/copy/keyset_reader.h"
#include "jobs/copy/postgres_csv_export.h"
#include "jobs/copy/postgres_csv_import.h"
#include "jobs/copy/schema_reader.h"
#include "jobs/copy/table_writer.h"
#include "jobs/copy/type_mapper.h"
#include "util/duration.h"
#include "util/strings.h"

namespace ferry {
namespace {

Result<TableSchema> ReadMapped(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(auto reader, NewSchemaReader(db));
  FERRY_ASSIGN_OR_RETURN(TableSchema s, reader->ReadTable(table));
  for (auto& c : s.columns)  // export/import never refuse a type: unknown ones travel as text
    c.type = MapDeclaredType(db->dialect(), c.declared_type, &c.type_args).value_or(LogicalType::kText);
  return s;
}

std::optional<std::string> CsvText(const ColumnSchema& c, const Value& v) {
  if (IsNull(v)) return std::nullopt;
  if (auto* b = std::get_if<Blob>(&v)) return "\\x" + HexEncode(b->bytes);
  if (c.type == LogicalType::kBoolean) {
    Value x = CarryValue(c.type, Dialect::kPostgres, v);
    if (auto* i = std::get_if<int64_t>(&x)) return std::string(*i ? "true" : "false");
  }
  if (auto* i = std::get_if<int64_t>(&v)) return std::to_string(*i);
  if (auto* d = std::get_if<double>(&v)) return FormatReal(*d);
  return std::get<std::string>(v);
}

nlohmann::json JsonValue(const ColumnSchema& c, const Value& v) {
  if (IsNull(v)) return nullptr;
  if (auto* b = std::get_if<Blob>(&v)) return "\\x" + HexEncode(b->bytes);
  if (c.type == LogicalType::kBoolean) {
    Value x = CarryValue(c.type, Dialect::kPostgres, v);
    if (auto* i = std::get_if<int64_t>(&x)) return *i != 0;
  }
  if (auto* i = std::get_if<int64_t>(&v)) return *i;
  if (auto* d = std::get_if<double>(&v)) {
    if (std::isfinite(*d)) return *d;
    return FormatReal(*d);
  }
  const std::string& s = std::get<std::string>(v);
  if (c.type == LogicalType::kJson) {
    auto j = nlohmann::json::parse(s, nullptr, false);
    if (!j.is_discarded()) return j;
  }
  return s;
}

// Converts one field of a file into a Value for column c; InvalidArgument
// (without position; the caller adds it) when it does not parse.
Result<Value> FieldValue(const ColumnSchema& c, std::string text, Dialect target) {
  switch (c.type) {
    case LogicalType::kBlob: {
      if (StartsWith(text, "\\x")) {
        auto b = HexDecode(std::string_view(text).substr(2));
        if (!b) return InvalidArgument("column " + c.name + ": bad hex in a \\x blob");
        return Value(Blob{*b});
      }
      return Value(Blob{std::move(text)});
    }
    case LogicalType::kInteger:
    case LogicalType::kBoolean:
    case LogicalType::kReal: {
      Value v = CarryValue(c.type, target, Value(text));
      if (std::holds_alternative<std::string>(v) &&
          !(c.type == LogicalType::kReal && target == Dialect::kSqlite && text == "NaN"))
        return InvalidArgument("column " + c.name + ": \"" + text + "\" is not " +
                               (c.type == LogicalType::kReal ? "a number" : std::string("an ") +
                                LogicalTypeName(c.type)));
      return v;
    }
    default:
      return Value(std::move(text));
  }
}

Result<Value> JsonFieldValue(const ColumnSchema& c, const nlohmann::json& j, Dialect target) {
  if (j.is_null()) return Value(std::monostate{});
  // A json column holds the document itself (export embeds it), strings included.
  if (c.type == LogicalType::kJson) return Value(j.dump());
  if (j.is_string()) return FieldValue(c, j.get<std::string>(), target);
  if (j.is_boolean()) return Value(static_cast<int64_t>(j.get<bool>()));
  if (j.is_number_integer() && c.type != LogicalType::kJson)
    return CarryValue(c.type, target, Value(j.get<int64_t>()));
  if (j.is_number_float() && c.type != LogicalType::kJson)
    return CarryValue(c.type, target, Value(j.get<double>()));
  return CarryValue(c.type, target, Value(j.dump()));
}

}  // namespace

Result<FileFormat> ParseFileFormat(const std::string& name) {
  std::string n = ToLower(name);
  if (n == "csv") return FileFormat::kCsv;
  if (n == "jsonl" || n == "json" || n == "ndjson") return FileFormat::kJsonl;
  if (n == "parquet" && ParquetBuiltIn()) return FileFormat::kParquet;
  if (n == "parquet")
    return InvalidArgument(
        "--format parquet is written and read through DuckDB, and this ferry was built "
        "without DuckDB (scripts/fetch-duckdb.sh, then cmake -DFERRY_WITH_DUCKDB=ON); use csv or "
        "jsonl");
  return InvalidArgument("unknown --format \"" + name + "\" (csv, jsonl, parquet)");
}

Result<ExportReport> ExportTable(Database* db, const ExportOptions& o, Env* env, Logger* logger) {
  const auto t0 = env->Now();
  if (db->dialect() == Dialect::kPostgres) FERRY_RETURN_IF_ERROR(db->Exec("SET TimeZone = 'UTC'"));
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(o.table));
  if (!exists) return NotFound("table " + o.table + " does not exist");
  FERRY_ASSIGN_OR_RETURN(TableSchema s, ReadMapped(db, o.table));
  if (o.format == FileFormat::kParquet) {  // through DuckDB (duckdb_parquet_export.cc)
    auto rep = ExportParquet(db, o, s, env);
    if (rep.ok() && logger)
      logger->Info("exported table", {{"table", o.table}, {"rows", rep->rows}, {"format", "parquet"}});
    return rep;
  }

  const bool to_stdout = o.out == "-";
  const std::string tmp = o.out + ".tmp";
  std::ofstream file;
  if (!to_stdout) {
    file.open(tmp, std::ios::binary | std::ios::trunc);
    if (!file) return IOError("cannot write " + tmp + ": " + std::strerror(errno));
  }
  std::ostream& out = to_stdout ? std::cout : file;
  ExportReport rep;
  std::string buf;
  if (o.format == FileFormat::kCsv) {
    std::vector<CsvField> header;
    for (const auto& c : s.columns) header.emplace_back(c.name);
    AppendCsvRecord(header, &buf);
    buf += "\r\n";
  }
  auto emit = [&](const std::vector<std::vector<Value>>& rows) {
    for (const auto& row : rows) {
      if (o.format == FileFormat::kCsv) {
        std::vector<CsvField> f;
        f.reserve(row.size());
        for (size_t i = 0; i < row.size(); ++i) f.push_back(CsvText(s.columns[i], row[i]));
        AppendCsvRecord(f, &buf);
        buf += "\r\n";
      } else {
        nlohmann::json j = nlohmann::json::object();
        for (size_t i = 0; i < row.size(); ++i) j[s.columns[i].name] = JsonValue(s.columns[i], row[i]);
        buf += j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        buf += "\n";
      }
      ++rep.rows;
    }
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));
    rep.bytes += static_cast<int64_t>(buf.size());
    buf.clear();
  };
  std::optional<std::vector<std::string>> server_select;
  if (o.format == FileFormat::kCsv && o.server_copy) server_select = ServerCsvColumns(db, s);
  if (server_select) {
    rep.server_copy = true;
    out.write(buf.data(), static_cast<std::streamsize>(buf.size()));  // the header
    rep.bytes += static_cast<int64_t>(buf.size());
    buf.clear();
    FERRY_ASSIGN_OR_RETURN(rep.rows, ServerCsvExport(db, o, s, *server_select,
                                                     [&](std::string_view chunk) -> Status {
      out.write(chunk.data(), static_cast<std::streamsize>(chunk.size()));
      rep.bytes += static_cast<int64_t>(chunk.size());
      if (!out) return IOError("writing " + (to_stdout ? std::string("stdout") : tmp) + " failed");
      return Status::OK();
    }));
  } else if (!s.primary_key.empty()) {
    KeysetReader reader(db, o.table, s.ColumnNames(), s.primary_key, o.page_size, o.where);
    std::vector<std::vector<Value>> rows;
    for (;;) {
      FERRY_ASSIGN_OR_RETURN(bool more, reader.Next(&rows));
      if (!more) break;
      emit(rows);
    }
  } else {
    std::string sql = "SELECT ";
    for (size_t i = 0; i < s.columns.size(); ++i)
      sql += (i ? ", " : "") + db->QuoteIdentifier(s.columns[i].name);
    sql += " FROM " + db->QuoteIdentifier(o.table);
    if (!o.where.empty()) sql += " WHERE " + o.where;
    FERRY_ASSIGN_OR_RETURN(Rows rows, db->Query(sql, {}));
    emit(rows.rows);
  }
  if (buf.size()) emit({});
  out.flush();
  if (!to_stdout) {
    file.close();
    if (!file) return IOError("writing " + tmp + " failed");
    if (std::rename(tmp.c_str(), o.out.c_str()) != 0)
      return IOError("cannot rename " + tmp + " to " + o.out + ": " + std::strerror(errno));
  }
  rep.seconds = Seconds(env->Now() - t0);
  if (logger)
    logger->Info("exported table",
                 {{"table", o.table}, {"rows", rep.rows}, {"bytes", rep.bytes}, {"seconds", rep.seconds},
                  {"server_copy", rep.server_copy}});
  return rep;
}

Status BadRecordError(const ImportOptions& o, int64_t line, const Status& why) {
  return InvalidArgument(o.in + ":" + std::to_string(line) + ": " + why.message() +
                         (o.skip_bad ? ""
                                     : " (nothing imported; --skip-bad --reject-file F sets bad "
                                       "records aside)"));
}

Result<ImportReport> ImportTable(Database* db, const ImportOptions& o, Env* env, Logger* logger) {
  if (o.format == FileFormat::kParquet) return ParseFileFormat("parquet").status();
  if (o.skip_bad && o.reject_file.empty())
    return InvalidArgument("--skip-bad needs --reject-file FILE to keep the rejected records");
  const auto t0 = env->Now();
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(o.table));
  if (!exists) return NotFound("table " + o.table + " does not exist");
  FERRY_ASSIGN_OR_RETURN(TableSchema s, ReadMapped(db, o.table));
  std::ifstream in(o.in, std::ios::binary);
  if (!in) return IOError("cannot read " + o.in + ": " + std::strerror(errno));
  if (db->dialect() == Dialect::kPostgres) FERRY_RETURN_IF_ERROR(db->Exec("SET TimeZone = 'UTC'"));

  ImportReport rep;
  rep.dry_run = o.dry_run;
  std::string rejects;
  std::vector<int> col_of;  // file field i -> table column
  std::vector<std::string> names;
  CsvScanner csv(&in);  // a view per field: no string per field until its Value

  if (o.format == FileFormat::kCsv) {
    auto got = csv.Next();
    if (!got.ok()) return got.status().WithContext(o.in);
    if (!*got) return InvalidArgument(o.in + ": empty file (a CSV import needs a header line)");
    for (const auto& h : csv.fields()) {
      const std::string name(h.text);
      int idx = h.null ? -1 : s.ColumnIndex(name);
      if (idx < 0)
        return InvalidArgument(o.in + ":1: header names column \"" + name +
                               "\", which table " + o.table + " does not have");
      col_of.push_back(idx);
      names.push_back(name);
    }
    rejects = std::string(csv.raw()) + "\n";
    if (o.server_copy && CanServerCsvImport(db)) {
      std::vector<const ColumnSchema*> cols;
      for (int i : col_of) cols.push_back(&s.columns[static_cast<size_t>(i)]);
      return ServerCsvImport(db, o, &csv, cols, names, std::move(rejects), env, logger);
    }
  } else {
    names = s.ColumnNames();
    for (size_t i = 0; i < names.size(); ++i) col_of.push_back(static_cast<int>(i));
  }
  std::vector<const ColumnSchema*> cols;
  for (int i : col_of) cols.push_back(&s.columns[static_cast<size_t>(i)]);

  std::unique_ptr<TableWriter> writer;
  Transaction tx(db);
  if (!o.dry_run) {
    FERRY_ASSIGN_OR_RETURN(writer, NewTableWriter(db, o.table, names));
    FERRY_RETURN_IF_ERROR(tx.Begin());
  }
  std::vector<std::vector<Value>> batch;
  auto flush = [&]() -> Status {
    if (!o.dry_run && !batch.empty()) FERRY_RETURN_IF_ERROR(writer->Write(batch).WithContext(o.in));
    batch.clear();
    return Status::OK();
  };
  auto bad = [&](int64_t line, std::string_view raw, const Status& why) -> Status {
    Status st = BadRecordError(o, line, why);
    if (!o.skip_bad) return st;
    if (logger) logger->Warn("rejected record", {{"error", st.message()}});
    rejects.append(raw);
    rejects.push_back('\n');
    ++rep.rejected;
    return Status::OK();
  };

  std::string line_text;
  int64_t line_no = 0;
  for (;;) {
    std::vector<Value> row;
    Status row_error;
    int64_t at = 0;
    std::string_view raw;  // the record as in the file, for the reject file
    if (o.format == FileFormat::kCsv) {
      auto got = csv.Next();
      if (!got.ok()) return got.status().WithContext(o.in);
      if (!*got) break;
      at = csv.record_line();
      raw = csv.raw();
      const auto& fields = csv.fields();
      if (fields.size() == 1 && fields[0].null && raw.empty()) continue;  // blank line
      if (fields.size() != cols.size()) {
        row_error = InvalidArgument("expected " + std::to_string(cols.size()) + " fields, found " +
                                    std::to_string(fields.size()));
      } else {
        for (size_t i = 0; i < fields.size() && row_error.ok(); ++i) {
          if (fields[i].null) {
            row.emplace_back(std::monostate{});
            continue;
          }
          auto v = FieldValue(*cols[i], std::string(fields[i].text), db->dialect());
          if (!v.ok()) row_error = v.status();
          else row.push_back(std::move(v).value());
        }
      }
    } else {
      if (!std::getline(in, line_text)) break;
      at = ++line_no;
      raw = line_text;
      if (Trim(line_text).empty()) continue;
      auto j = nlohmann::json::parse(line_text, nullptr, false);
      if (j.is_discarded() || !j.is_object()) {
        row_error = InvalidArgument("not a JSON object");
      } else {
        row.assign(cols.size(), Value(std::monostate{}));
        for (auto it = j.begin(); it != j.end() && row_error.ok(); ++it) {
          int idx = s.ColumnIndex(it.key());
          if (idx < 0) {
            row_error = InvalidArgument("unknown column \"" + it.key() + "\"");
            break;
          }
          auto v = JsonFieldValue(s.columns[static_cast<size_t>(idx)], it.value(), db->dialect());
          if (!v.ok()) row_error = v.status();
          else row[static_cast<size_t>(idx)] = std::move(v).value();
        }
      }
    }
    if (!row_error.ok()) {
      FERRY_RETURN_IF_ERROR(bad(at, raw, row_error));
      continue;
    }
    for (size_t i = 0; i < row.size(); ++i)
      row[i] = CarryValue(cols[i]->type, db->dialect(), std::move(row[i]));
    batch.push_back(std::move(row));
    ++rep.rows;
    if (batch.size() >= o.batch) FERRY_RETURN_IF_ERROR(flush());
  }
  FERRY_RETURN_IF_ERROR(flush());
  if (o.skip_bad && !o.dry_run)
    FERRY_RETURN_IF_ERROR(env->WriteFileAtomic(o.reject_file, rep.rejected ? rejects : ""));
  if (!o.dry_run) FERRY_RETURN_IF_ERROR(tx.Commit());
  rep.seconds = Seconds(env->Now() - t0);
  if (logger)
    logger->Info(o.dry_run ? "import checked (dry run)" : "imported table",
                 {{"table", o.table}, {"rows", rep.rows}, {"rejected", rep.rejected},
                  {"seconds", rep.seconds}});
  return rep;
}

}  // namespace ferry
