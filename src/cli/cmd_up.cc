// ferry up [--to V]: apply pending migrations in order, one runner at a time.
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"

namespace ferry::cli {

void AddUpCommand(CLI::App& app, CommandRunner* run) {
  auto to = std::make_shared<std::string>();
  auto* sub = app.add_subcommand("up", "Apply pending migrations");
  sub->add_option("--to", *to, "Stop after this version");
  sub->callback([run, to] {
    *run = [to](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      UpTarget t;
      if (!to->empty()) t.to = *to;
      auto steps = m->Up(t);
      if (!steps.ok()) return ReportError(ctx, steps.status());
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json{{"ok", true}, {"applied", ToJson(*steps)}}.dump(2) << "\n";
      } else {
        PrintSteps(*ctx.out, *steps, "applied");
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
