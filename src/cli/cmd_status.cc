// ferry status: current version, applied and pending migrations, any failed one.
#include <iomanip>
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"

namespace ferry::cli {

void AddStatusCommand(CLI::App& app, CommandRunner* run) {
  auto* sub =
      app.add_subcommand("status", "Show the current version, applied and pending migrations");
  sub->callback([run] {
    *run = [](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      auto r = m->GetStatus();
      if (!r.ok()) return ReportError(ctx, r.status());
      std::ostream& out = *ctx.out;
      if (ctx.opts.json()) {
        out << ToJson(*r).dump(2) << "\n";
        return kExitOk;
      }
      out << "database:   " << r->database << "\n"
          << "migrations: " << r->source << " (" << r->format << " layout)\n"
          << "version:    " << (r->current_version.empty() ? "none" : r->current_version)
          << " (latest " << (r->latest_version.empty() ? "none" : r->latest_version) << "; "
          << r->applied << " applied, " << r->pending << " pending)\n";
      if (r->failed) {
        out << "FAILED:     version " << r->failed->version << " (" << r->failed->name << ") is "
            << r->failed->state << (r->failed->error.empty() ? "" : ": " + r->failed->error)
            << "\n            fix it, then run `ferry repair`\n";
      }
      for (const auto& w : r->warnings) out << "warning:    " << w << "\n";
      if (!r->migrations.empty()) {
        out << "\n  " << std::left << std::setw(16) << "VERSION" << std::setw(14) << "STATE"
            << std::setw(26) << "APPLIED AT"
            << "NAME\n";
        for (const auto& row : r->migrations) {
          out << "  " << std::left << std::setw(16) << row.version << std::setw(14) << row.state
              << std::setw(26) << (row.applied_at.empty() ? "-" : row.applied_at) << row.name
              << (row.file_present ? "" : "  (file missing)") << "\n";
        }
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
