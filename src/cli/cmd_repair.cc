// ferry repair [--mark-applied] [--checksums]: after a failed or interrupted
// migration was dealt with by hand, clear its state so `up` can go on.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {

void AddRepairCommand(CLI::App& app, CommandRunner* run) {
  auto opts = std::make_shared<RepairOptions>();
  auto* sub =
      app.add_subcommand("repair", "Clear a failed migration's state (after fixing it by hand)");
  sub->add_flag("--mark-applied", opts->mark_applied,
                "The failed migration was completed by hand: record it as applied");
  sub->add_flag("--checksums", opts->recompute_checksums,
                "Re-record checksums of applied migrations from the current files");
  sub->callback([run, opts] {
    *run = [opts](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      auto r = m->Repair(*opts);
      if (!r.ok()) return ReportError(ctx, r.status());
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json{{"ok", true}, {"actions", r->actions}}.dump(2) << "\n";
      } else {
        if (r->actions.empty()) *ctx.out << "nothing to repair\n";
        for (const auto& a : r->actions) *ctx.out << "repaired " << a << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
