// ferry verify: row counts and order-independent checksums of tables in two
// databases (any engines); exit 5 on any difference, with sample keys.
// See src/jobs/copy/verifier.h.
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "jobs/copy/copier.h"
#include "jobs/copy/verifier.h"
#include "util/strings.h"

namespace ferry::cli {
namespace {

struct VerifyFlags {
  std::string from, to;
  std::string tables = "all";
  std::vector<std::string> maps;
  std::vector<std::string> order_by;
  size_t page = 10000;
};

int Run(CommandContext& ctx, VerifyFlags& f) {
  VerifyOptions o;
  o.page_size = f.page;
  if (f.tables != "all" && !f.tables.empty())
    for (auto& t : Split(f.tables, ','))
      if (!Trim(t).empty()) o.tables.push_back(Trim(t));
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
  // Either side may be a key-value store (rocksdb:/dir): VerifyUrls opens both.
  auto report = VerifyUrls(f.from, f.to, o, ctx.env, nullptr);
  if (!report.ok()) return ReportError(ctx, report.status());
  if (ctx.opts.json()) {
    nlohmann::json tables = nlohmann::json::array();
    for (const auto& v : report->tables)
      tables.push_back({{"table", v.table},
                        {"equal", v.equal()},
                        {"source_rows", v.source_rows},
                        {"target_rows", v.target_rows},
                        {"source_checksum", v.source_checksum},
                        {"target_checksum", v.target_checksum},
                        {"samples", v.samples},
                        {"error", v.error}});
    *ctx.out << nlohmann::json{{"ok", report->ok()}, {"tables", tables}}.dump(2) << "\n";
  } else if (!ctx.opts.quiet) {
    for (const auto& v : report->tables) {
      *ctx.out << v.table << ": " << (v.equal() ? "equal" : "DIFFERS");
      if (!v.error.empty()) {
        *ctx.out << " (" << v.error << ")\n";
        continue;
      }
      *ctx.out << " rows " << v.source_rows << "/" << v.target_rows << " checksum "
               << v.source_checksum;
      if (v.target_checksum != v.source_checksum) *ctx.out << "/" << v.target_checksum;
      *ctx.out << "\n";
      for (const auto& s : v.samples) *ctx.out << "  " << s << "\n";
    }
  }
  if (!report->ok()) {
    *ctx.err << "ferry: error: " << report->Summary() << "\n";
    return kExitValidation;
  }
  return kExitOk;
}

}  // namespace

void AddVerifyCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<VerifyFlags>();
  auto* sub = app.add_subcommand(
      "verify", "Compare tables of two databases: row counts and checksums (exit 5 on a difference)");
  sub->add_option("--from", f->from, "Source database URL")->required();
  sub->add_option("--to", f->to, "Target database URL")->required();
  sub->add_option("--tables", f->tables, "Comma-separated tables, or all (default)");
  sub->add_option("--map", f->maps, "[table.]column=TYPE for a type that cannot be mapped");
  sub->add_option("--order-by", f->order_by, "[table.]column to page by when there is no primary key");
  sub->add_option("--page", f->page, "Rows per read (default 10000)")->check(CLI::Range(1, 10000000));
  sub->callback([run, f] { *run = [f](CommandContext& ctx) { return Run(ctx, *f); }; });
}

}  // namespace ferry::cli
