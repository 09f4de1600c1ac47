// ferry baseline V: record versions up to V as applied without running them
// (for a database whose schema predates ferry).
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"

namespace ferry::cli {

void AddBaselineCommand(CLI::App& app, CommandRunner* run) {
  auto version = std::make_shared<std::string>();
  auto* sub =
      app.add_subcommand("baseline", "Record versions up to V as applied, without running them");
  sub->add_option("version", *version, "Version to baseline at")->required();
  sub->callback([run, version] {
    *run = [version](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      auto r = m->Baseline(*version);
      if (!r.ok()) return ReportError(ctx, r.status());
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json{{"ok", true}, {"baselined", *r}}.dump(2) << "\n";
      } else {
        *ctx.out << "baselined " << r->size() << " version(s) up to " << *version << "\n";
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
