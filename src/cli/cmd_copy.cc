// ferry copy: tables from one database to another (any engine to any
// engine), checkpointed and verified. See src/jobs/copy/copier.h.
//
//   ferry copy --from sqlite:app.db --to postgres://u@h/db --create-schema
//   ferry copy --from ... --to ... --tables users,orders --resume
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "jobs/copy/copier.h"
#include "util/strings.h"

namespace ferry::cli {
namespace {

struct CopyFlags {
  CopyOptions opts;
  std::string tables = "all";
  std::vector<std::string> maps;
  std::vector<std::string> order_by;
  bool no_verify = false;
  bool no_passthrough = false;
  std::string log_level = "info";
};

int Run(CommandContext& ctx, CopyFlags& f) {
  CopyOptions o = f.opts;
  if (f.tables != "all" && !f.tables.empty()) {
    for (auto& t : Split(f.tables, ','))
      if (!Trim(t).empty()) o.tables.push_back(Trim(t));
  }
  for (const auto& m : f.maps)
    if (Status st = o.overrides.Add(m); !st.ok()) {
      ReportError(ctx, st);
      return kExitUsage;
    }
  for (const auto& ob : f.order_by)
    if (Status st = AddOrderBy(ob, &o.order_by); !st.ok()) {
      ReportError(ctx, st);
      return kExitUsage;
    }
  if (o.truncate && o.resume) {
    ReportError(ctx, InvalidArgument("--truncate and --resume contradict each other"));
    return kExitUsage;
  }
  o.verify = !f.no_verify;
  o.passthrough = !f.no_passthrough;
  auto made = CommandLogger(ctx, f.log_level);
  if (!made.ok()) {
    ReportError(ctx, made.status());
    return kExitUsage;
  }
  std::unique_ptr<Logger> logger = std::move(made).value();

  MetricsRegistry metrics;
  CopyDeps deps;
  deps.env = ctx.env;
  deps.logger = logger.get();
  deps.metrics = &metrics;
  auto report = RunCopy(o, deps);
  if (!report.ok()) return ReportError(ctx, report.status());

  if (ctx.opts.json()) {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& t : report->tables) {
      nlohmann::json j = {{"table", t.table},          {"rows_copied", t.rows_copied},
                          {"rows_total", t.rows_total}, {"resumed", t.resumed},
                          {"skipped", t.skipped},       {"created", t.created},
                          {"seconds", t.seconds}};
      if (!t.path.empty()) j["path"] = t.path;
      if (report->dry_run) j["source_rows"] = t.source_rows;
      if (!t.create_sql.empty()) j["create_sql"] = t.create_sql;
      tables.push_back(j);
    }
    nlohmann::json verify = nlohmann::json::array();
    for (const auto& v : report->verify.tables)
      verify.push_back({{"table", v.table},
                        {"equal", v.equal()},
                        {"source_rows", v.source_rows},
                        {"target_rows", v.target_rows},
                        {"source_checksum", v.source_checksum},
                        {"target_checksum", v.target_checksum},
                        {"samples", v.samples},
                        {"error", v.error}});
    *ctx.out << nlohmann::json{{"ok", !report->verified || report->verify.ok()},
                               {"dry_run", report->dry_run},
                               {"rows", report->rows},
                               {"seconds", report->seconds},
                               {"rows_per_second", report->rows_per_second},
                               {"tables", tables},
                               {"verified", report->verified},
                               {"verify", verify}}
                    .dump(2)
             << "\n";
  } else if (!ctx.opts.quiet) {
    for (const auto& t : report->tables) {
      if (report->dry_run) {
        *ctx.out << t.table << ": would copy " << t.source_rows << " rows";
        if (t.created) *ctx.out << " into a new table:\n  " << t.create_sql;
        *ctx.out << "\n";
      } else if (t.skipped) {
        *ctx.out << t.table << ": already copied (" << t.rows_total << " rows), skipped\n";
      } else {
        *ctx.out << t.table << ": " << t.rows_copied << " rows copied"
                 << (t.resumed ? " (resumed; " + std::to_string(t.rows_total) + " in all)" : "")
                 << (t.path.empty() ? "" : " [path: " + t.path + "]") << "\n";
      }
    }
    if (!report->dry_run) {
      char rate[64];
      std::snprintf(rate, sizeof rate, "%.0f", report->rows_per_second);
      *ctx.out << "copy: " << report->rows << " rows in " << FormatDuration(report->seconds)
               << " (" << rate << " rows/s)\n";
    }
    if (report->verified) *ctx.out << "verify: " << report->verify.Summary() << "\n";
  }
  if (report->verified && !report->verify.ok()) {
    *ctx.err << "ferry: error: verify after copy: " << report->verify.Summary() << "\n";
    return kExitValidation;
  }
  return kExitOk;
}

}  // namespace

void AddCopyCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<CopyFlags>();
  auto* sub = app.add_subcommand("copy", "Copy tables to another database (any engine), then verify");
  sub->add_option("--from", f->opts.from_url, "Source database URL")->required();
  sub->add_option("--to", f->opts.to_url, "Target database URL")->required();
  sub->add_option("--tables", f->tables, "Comma-separated tables, or all (default)");
  sub->add_option("--batch", f->opts.batch, "Rows per batch and per target transaction (default 10000)")
      ->check(CLI::Range(1, 10000000));
  sub->add_option("--max-rate", f->opts.max_rate, "At most this many rows per second (0: no limit)")
      ->check(CLI::NonNegativeNumber);
  sub->add_flag("--create-schema", f->opts.create_schema, "Create missing target tables with mapped types");
  sub->add_flag("--truncate", f->opts.truncate, "Empty target tables (and their checkpoints) first");
  sub->add_flag("--resume", f->opts.resume, "Continue an interrupted copy from its checkpoints");
  sub->add_flag("--dry-run", f->opts.dry_run, "Check schemas and count rows; write nothing");
  sub->add_option("--map", f->maps, "[table.]column=TYPE for a type that cannot be mapped (repeatable)");
  sub->add_option("--order-by", f->order_by,
                  "[table.]column: a unique column to page by, for tables without a primary key");
  sub->add_flag("--no-verify", f->no_verify, "Skip the verify pass after copying");
  sub->add_flag("--no-passthrough", f->no_passthrough,
                "Decode every row (the value path), even PostgreSQL to PostgreSQL");
  sub->add_option("--retries", f->opts.max_attempts, "Attempts per batch when a server is unavailable (default 4)")
      ->check(CLI::Range(1, 100));
  sub->add_option("--log-level", f->log_level, "debug, info, warn or error (default info)");
  sub->callback([run, f] { *run = [f](CommandContext& ctx) { return Run(ctx, *f); }; });
}

}  // namespace ferry::cli
