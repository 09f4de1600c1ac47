// How subcommands plug into the CLI: each file cmd_<name>.cc registers its
// CLI11 subcommand and, when chosen, runs with a CommandContext and returns
// the process exit code. main() only forwards to RunCli().
#pragma once

#include <functional>
#include <iosfwd>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "cli/global_options.h"
#include "ferry/env.h"
#include "ferry/migrator.h"
#include "obs/logger.h"

namespace ferry::cli {

struct CommandContext {
  GlobalOptions opts;
  Env* env = nullptr;
  std::ostream* out = nullptr;  // results: text or one JSON document
  std::ostream* err = nullptr;  // logs and errors
};

using CommandRunner = std::function<int(CommandContext&)>;

// Each registers one subcommand; on selection it stores its runner in *run.
void AddNewCommand(CLI::App& app, CommandRunner* run);
void AddStatusCommand(CLI::App& app, CommandRunner* run);
void AddPlanCommand(CLI::App& app, CommandRunner* run);
void AddUpCommand(CLI::App& app, CommandRunner* run);
void AddDownCommand(CLI::App& app, CommandRunner* run);
void AddValidateCommand(CLI::App& app, CommandRunner* run);
void AddBaselineCommand(CLI::App& app, CommandRunner* run);
void AddRepairCommand(CLI::App& app, CommandRunner* run);
void AddCheckCommand(CLI::App& app, CommandRunner* run);
void AddBackupCommand(CLI::App& app, CommandRunner* run);
void AddIngestCommand(CLI::App& app, CommandRunner* run);
void AddCopyCommand(CLI::App& app, CommandRunner* run);
void AddVerifyCommand(CLI::App& app, CommandRunner* run);
void AddExportCommand(CLI::App& app, CommandRunner* run);
void AddImportCommand(CLI::App& app, CommandRunner* run);
void AddTenantsCommand(CLI::App& app, CommandRunner* run);
void AddReshapeCommand(CLI::App& app, CommandRunner* run);

// Shared by the migration commands: opens a Migrator for the context's
// database and folder, printing progress events to stderr. On failure prints
// the error and returns the exit code through *exit_code.
std::unique_ptr<Migrator> OpenMigrator(CommandContext& ctx, int* exit_code);

// Prints "ferry: error: <message>" (or a JSON error document with --output
// json) and returns the exit code for the status.
int ReportError(CommandContext& ctx, const Status& status);

// The stderr logger of a long-running command: `level` is its --log-level
// flag (debug, info, warn, error), the format the global --log-format;
// --quiet keeps errors only. InvalidArgument on a bad level or format.
Result<std::unique_ptr<Logger>> CommandLogger(const CommandContext& ctx, const std::string& level);

// Prints plan/up/down steps as text ("2 migration(s) applied, in order: ...").
void PrintSteps(std::ostream& out, const std::vector<PlanStep>& steps, const char* verb);

// Runs the whole CLI; returns the exit code.
int RunCli(int argc, char** argv, Env* env, std::ostream& out, std::ostream& err);

}  // namespace ferry::cli
