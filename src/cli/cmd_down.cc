// ferry down [--to V | --steps N | --all] [--dry-run]: undo applied migrations,
// newest first. Without a target, undoes one.
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"

namespace ferry::cli {

namespace {
struct DownFlags {
  std::string to;
  int steps = 0;
  bool all = false;
  bool dry_run = false;
};
}  // namespace

void AddDownCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<DownFlags>();
  auto* sub = app.add_subcommand("down", "Undo applied migrations (default: the newest one)");
  auto* to = sub->add_option("--to", f->to, "Undo everything above this version (0: all)");
  auto* steps =
      sub->add_option("--steps", f->steps, "Undo this many migrations")->check(CLI::PositiveNumber);
  auto* all = sub->add_flag("--all", f->all, "Undo every applied migration");
  to->excludes(steps)->excludes(all);
  steps->excludes(all);
  sub->add_flag("--dry-run", f->dry_run, "Print what would be undone; change nothing");
  sub->callback([run, f] {
    *run = [f](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      DownTarget t;
      if (!f->to.empty()) t.to = f->to;
      if (f->steps > 0) t.steps = f->steps;
      t.all = f->all;
      auto result = f->dry_run ? m->PlanDown(t) : m->Down(t);
      if (!result.ok()) return ReportError(ctx, result.status());
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json{{"ok", true},
                                   {"dry_run", f->dry_run},
                                   {"undone", ToJson(*result)}}
                        .dump(2)
                 << "\n";
      } else {
        PrintSteps(*ctx.out, *result, f->dry_run ? "would be undone" : "undone");
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
