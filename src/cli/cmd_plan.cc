// ferry plan [--to V] [--down ...]: what `up` (or `down`) would run, in order,
// and how each file would run (its own transaction, the file's, or none).
// Writes nothing.
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"

namespace ferry::cli {
namespace {

struct PlanFlags {
  std::string to;
};

}  // namespace

void PrintSteps(std::ostream& out, const std::vector<PlanStep>& steps, const char* verb) {
  if (steps.empty()) {
    out << "nothing to do: the database is at the requested version\n";
    return;
  }
  out << steps.size() << " migration(s) " << verb << ", in order:\n";
  for (const PlanStep& s : steps) {
    out << "  " << s.direction << " " << s.version << " " << s.name << "  (" << s.path << ", "
        << s.statements << " statement(s))\n"
        << "      transaction: " << TxModeName(s.tx_mode) << " - " << s.tx_reason << "\n";
  }
}

void AddPlanCommand(CLI::App& app, CommandRunner* run) {
  auto flags = std::make_shared<PlanFlags>();
  auto* sub = app.add_subcommand("plan", "Dry run: what `up` would run, in order; writes nothing");
  sub->add_option("--to", flags->to, "Plan up to and including this version");
  sub->callback([run, flags] {
    *run = [flags](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      UpTarget t;
      if (!flags->to.empty()) t.to = flags->to;
      auto steps = m->Plan(t);
      if (!steps.ok()) return ReportError(ctx, steps.status());
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json{{"direction", "up"}, {"steps", ToJson(*steps)}}.dump(2) << "\n";
      } else {
        PrintSteps(*ctx.out, *steps, "would be applied");
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
