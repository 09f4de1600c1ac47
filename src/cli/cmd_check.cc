// ferry check: 0 when the database is at the folder's latest version, 3 when
// migrations are pending, 4 when the database is newer than the folder
// ("schema version mismatch"), 8 when a migration failed.
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"

namespace ferry::cli {

void AddCheckCommand(CLI::App& app, CommandRunner* run) {
  auto* sub = app.add_subcommand(
      "check", "Exit 0 if up to date, 3 if migrations are pending, 4 if the schema is too new");
  sub->callback([run] {
    *run = [](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      auto r = m->Check();
      if (!r.ok()) return ReportError(ctx, r.status());
      if (ctx.opts.json()) {
        *ctx.out << ToJson(*r).dump(2) << "\n";
      } else {
        *ctx.out << r->message << "\n";
      }
      switch (r->state) {
        case CheckReport::State::kUpToDate:
          return kExitOk;
        case CheckReport::State::kPending:
          return kExitPending;
        case CheckReport::State::kTooNew:
          if (!ctx.opts.json()) *ctx.err << "ferry: error: " << r->message << "\n";
          return kExitSchemaTooNew;
        case CheckReport::State::kFailed:
          return kExitNeedsRepair;
      }
      return kExitInternal;
    };
  });
}

}  // namespace ferry::cli
