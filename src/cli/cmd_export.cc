// ferry export: one table to CSV or JSON lines (src/jobs/copy/export_import.h).
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "jobs/copy/export_import.h"
#include "jobs/copy/duckdb_parquet.h"
#include "util/strings.h"

namespace ferry::cli {
namespace {

struct ExportFlags {
  ExportOptions opts;
  std::string db;
  std::string format = "csv";
};

int Run(CommandContext& ctx, ExportFlags& f) {
  if (!f.db.empty()) ctx.opts.db_url = f.db;
  if (ctx.opts.db_url.empty()) {
    ReportError(ctx, InvalidArgument("no database: give --db URL (or FERRY_DATABASE_URL)"));
    return kExitUsage;
  }
  if (ToLower(f.format) == "parquet" && !ParquetBuiltIn()) {
    ReportError(ctx, InvalidArgument(ParquetNotBuiltInMessage()));
    return kExitNotBuiltIn;
  }
  auto format = ParseFileFormat(f.format);
  if (!format.ok()) {
    ReportError(ctx, format.status());
    return kExitUsage;
  }
  ExportOptions o = f.opts;
  o.format = *format;
  auto db = OpenDatabase(ctx.opts.db_url, ctx.env);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto report = ExportTable(db->get(), o, ctx.env, nullptr);
  if (!report.ok()) return ReportError(ctx, report.status());
  if (o.out == "-") return kExitOk;
  if (ctx.opts.json()) {
    *ctx.out << nlohmann::json{{"ok", true}, {"rows", report->rows}, {"bytes", report->bytes},
                               {"seconds", report->seconds}, {"out", o.out}}
                    .dump(2)
             << "\n";
  } else if (!ctx.opts.quiet) {
    *ctx.out << "export: " << report->rows << " rows of " << o.table << " to " << o.out << " ("
             << report->bytes << " bytes)\n";
  }
  return kExitOk;
}

}  // namespace

void AddExportCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<ExportFlags>();
  auto* sub = app.add_subcommand("export", "Write one table to a CSV or JSON-lines file");
  sub->add_option("--db", f->db, "Database URL (overrides the global --db)");
  sub->add_option("--table", f->opts.table, "Table to export")->required();
  sub->add_option("--where", f->opts.where, "Only rows matching this SQL condition");
  sub->add_option("--format", f->format, "csv (RFC 4180), jsonl, or parquet (needs DuckDB)");
  sub->add_option("--out", f->opts.out, "Output file, or - for stdout")->required();
  sub->callback([run, f] { *run = [f](CommandContext& ctx) { return Run(ctx, *f); }; });
}

}  // namespace ferry::cli
