// The ferry command line: global flags, one subcommand per file, exit codes
// in one place.
#include <iostream>

#include "cli/command.h"
#include "cli/exit_codes.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.1.0"
#endif

namespace ferry::cli {

int RunCli(int argc, char** argv, Env* env, std::ostream& out, std::ostream& err) {
  CLI::App app{"ferry: safe, fast migrations for databases and the data in them"};
  app.set_version_flag("--version", "ferry " FERRY_VERSION);
  app.require_subcommand(1);
  // Global flags may also follow the subcommand: `ferry ingest --db URL --output json`.
  app.fallthrough();
  app.footer(ExitCodeHelp());
  CommandContext ctx;
  ctx.env = env;
  ctx.out = &out;
  ctx.err = &err;
  AddGlobalFlags(app, ctx.opts);

  CommandRunner run;
  AddNewCommand(app, &run);
  AddStatusCommand(app, &run);
  AddPlanCommand(app, &run);
  AddUpCommand(app, &run);
  AddDownCommand(app, &run);
  AddValidateCommand(app, &run);
  AddBaselineCommand(app, &run);
  AddRepairCommand(app, &run);
  AddCheckCommand(app, &run);
  AddBackupCommand(app, &run);
  AddIngestCommand(app, &run);
  AddCopyCommand(app, &run);
  AddVerifyCommand(app, &run);
  AddExportCommand(app, &run);
  AddImportCommand(app, &run);
  AddTenantsCommand(app, &run);
  AddReshapeCommand(app, &run);

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    out << app.help();
    return kExitOk;
  } catch (const CLI::CallForAllHelp& e) {
    out << app.help("", CLI::AppFormatMode::All);
    return kExitOk;
  } catch (const CLI::CallForVersion& e) {
    out << "ferry " FERRY_VERSION << "\n";
    return kExitOk;
  } catch (const CLI::ParseError& e) {
    // CLI11 would exit with its own codes (105 for a bad value); ours are stable.
    err << "ferry: error: " << e.what() << "\n"
        << "Run with --help for more information.\n";
    return kExitUsage;
  }
  if (Status st = ResolveGlobalOptions(app, ctx.opts, env); !st.ok()) {
    err << "ferry: error: " << st.message() << "\n";
    return kExitUsage;
  }
  if (!run) {
    err << "ferry: error: no command given\n";
    return kExitUsage;
  }
  return run(ctx);
}

}  // namespace ferry::cli
