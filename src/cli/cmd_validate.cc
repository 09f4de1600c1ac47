// ferry validate: files against the ledger — checksum drift, missing files,
// gaps, failed migrations. Exit 5 when anything is wrong.
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"

namespace ferry::cli {

void AddValidateCommand(CLI::App& app, CommandRunner* run) {
  auto* sub =
      app.add_subcommand("validate", "Check files against the ledger (drift, gaps, missing)");
  sub->callback([run] {
    *run = [](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      auto r = m->Validate();
      if (!r.ok()) return ReportError(ctx, r.status());
      if (ctx.opts.json()) {
        *ctx.out << ToJson(*r).dump(2) << "\n";
      } else {
        for (const auto& p : r->problems)
          *ctx.out << "problem [" << p.kind << "] " << p.message << "\n";
        for (const auto& w : r->warnings) *ctx.out << "warning " << w << "\n";
        *ctx.out << (r->ok() ? "valid: migrations and ledger agree\n"
                             : std::to_string(r->problems.size()) + " problem(s) found\n");
      }
      return r->ok() ? kExitOk : kExitValidation;
    };
  });
}

}  // namespace ferry::cli
