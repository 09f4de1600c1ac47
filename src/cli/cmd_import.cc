// ferry import: a CSV or JSON-lines file into one table, in one transaction
// (src/jobs/copy/export_import.h). Importing another database is `copy`.
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/export_import.h"

namespace ferry::cli {
namespace {

struct ImportFlags {
  ImportOptions opts;
  std::string db;
  std::string format = "csv";
};

int Run(CommandContext& ctx, ImportFlags& f) {
  if (!f.db.empty()) ctx.opts.db_url = f.db;
  if (ctx.opts.db_url.empty()) {
    ReportError(ctx, InvalidArgument("no database: give --db URL (or FERRY_DATABASE_URL)"));
    return kExitUsage;
  }
  auto format = ParseFileFormat(f.format);
  if (!format.ok()) {
    ReportError(ctx, format.status());
    return kExitUsage;
  }
  ImportOptions o = f.opts;
  o.format = *format;
  if (o.skip_bad && o.reject_file.empty()) {
    ReportError(ctx, InvalidArgument("--skip-bad needs --reject-file FILE"));
    return kExitUsage;
  }
  // A dry run writes nothing, not even a new SQLite file.
  auto db = OpenDatabase(o.dry_run ? DryRunSqliteUrl(ctx.opts.db_url) : ctx.opts.db_url, ctx.env);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto report = ImportTable(db->get(), o, ctx.env, nullptr);
  if (!report.ok()) return ReportError(ctx, report.status());
  if (ctx.opts.json()) {
    *ctx.out << nlohmann::json{{"ok", report->rejected == 0}, {"dry_run", report->dry_run},
                               {"rows", report->rows}, {"rejected", report->rejected},
                               {"seconds", report->seconds}}
                    .dump(2)
             << "\n";
  } else if (!ctx.opts.quiet) {
    *ctx.out << (report->dry_run ? "dry run (nothing written): " : "import: ") << report->rows
             << (report->dry_run ? " rows would be imported" : " rows imported") << " into "
             << o.table;
    if (report->rejected) *ctx.out << ", " << report->rejected << " rejected to " << o.reject_file;
    *ctx.out << "\n";
  }
  return report->rejected ? kExitPartialFailure : kExitOk;
}

}  // namespace

void AddImportCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<ImportFlags>();
  auto* sub = app.add_subcommand("import", "Load a CSV or JSON-lines file into one table");
  sub->add_option("--db", f->db, "Database URL (overrides the global --db)");
  sub->add_option("--table", f->opts.table, "Target table")->required();
  sub->add_option("--format", f->format, "csv (RFC 4180, header line first) or jsonl");
  sub->add_option("--in", f->opts.in, "Input file")->required();
  sub->add_option("--batch", f->opts.batch, "Rows per bulk write (default 10000)")
      ->check(CLI::Range(1, 10000000));
  sub->add_flag("--dry-run", f->opts.dry_run, "Parse and check every record; write nothing");
  sub->add_flag("--skip-bad", f->opts.skip_bad, "Set bad records aside instead of failing");
  sub->add_option("--reject-file", f->opts.reject_file, "Where --skip-bad writes bad records");
  sub->callback([run, f] { *run = [f](CommandContext& ctx) { return Run(ctx, *f); }; });
}

}  // namespace ferry::cli
