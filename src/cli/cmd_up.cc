// ferry up [--to V] [--backup [--backup-dir DIR]]: apply pending migrations
// in order, one runner at a time. With --backup (or ferry.toml
// `[backup] before_migrate = true`) a verified archive of the whole database
// is taken first, and each ledger row this run writes names it.
#include <nlohmann/json.hpp>
#include <ostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/report_json.h"
#include "db/database.h"
#include "jobs/backup/backup.h"

namespace ferry::cli {
namespace {

struct UpFlags {
  std::string to;
  bool backup = false;
  bool no_backup = false;
  std::string backup_dir;
};

// Takes the archive that precedes a migration; returns its file name.
Result<std::string> BackupBeforeMigrate(CommandContext& ctx, const std::string& dir) {
  FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase(ctx.opts.db_url, ctx.env));
  ArchiveOptions ao;
  ao.dir = dir;
  // The archive is taken the way `ferry backup create --archive` takes it
  // under the same ferry.toml: [backup] method and compression apply here too.
  const toml::table& cfg = *ctx.opts.config;
  const std::string m = cfg["backup"]["method"].value_or(std::string("auto"));
  auto method = ParseArchiveMethod(m);
  if (!method)
    return InvalidArgument("ferry.toml [backup] method must be auto, copy or pg_dump, not \"" + m + "\"");
  ao.method = *method;
  const std::string c = cfg["backup"]["compression"].value_or(std::string("zstd"));
  if (c != "zstd" && c != "gzip")
    return InvalidArgument("ferry.toml [backup] compression must be zstd or gzip, not \"" + c + "\"");
  ao.compression = c == "gzip" ? Compression::kGzip : Compression::kZstd;
  FERRY_ASSIGN_OR_RETURN(BackupInfo info, CreateArchive(db.get(), ctx.env, ao));
  *ctx.err << "backup before migrate: " << info.location << " (" << info.row_count
           << " rows, verified, " << info.method << ")\n";
  return info.name;
}

}  // namespace

void AddUpCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<UpFlags>();
  auto* sub = app.add_subcommand("up", "Apply pending migrations");
  sub->add_option("--to", f->to, "Stop after this version");
  auto* b = sub->add_flag("--backup", f->backup,
                          "Take a verified database archive first (also: [backup] before_migrate)");
  sub->add_flag("--no-backup", f->no_backup, "Skip the backup that ferry.toml asks for")->excludes(b);
  sub->add_option("--backup-dir", f->backup_dir, "Where archives go (default: backups)");
  sub->callback([run, f] {
    *run = [f](CommandContext& ctx) {
      int code = 0;
      auto m = OpenMigrator(ctx, &code);
      if (!m) return code;
      UpTarget t;
      if (!f->to.empty()) t.to = f->to;

      const toml::table& cfg = *ctx.opts.config;
      bool want_backup =
          f->backup || (!f->no_backup && cfg["backup"]["before_migrate"].value_or(false));
      std::string dir = !f->backup_dir.empty()
                            ? f->backup_dir
                            : cfg["backup"]["dir"].value_or(std::string("backups"));
      if (want_backup) {
        auto plan = m->Plan(t);
        if (!plan.ok()) return ReportError(ctx, plan.status());
        if (!plan->empty()) {
          auto name = BackupBeforeMigrate(ctx, dir);
          if (!name.ok()) return ReportError(ctx, name.status().WithContext("backup before migrate"));
          t.backup = *name;
        }
      }

      auto steps = m->Up(t);
      if (!steps.ok()) return ReportError(ctx, steps.status());
      if (ctx.opts.json()) {
        nlohmann::json j = {{"ok", true}, {"applied", ToJson(*steps)}};
        if (!t.backup.empty()) j["backup"] = t.backup;
        *ctx.out << j.dump(2) << "\n";
      } else {
        PrintSteps(*ctx.out, *steps, "applied");
      }
      return kExitOk;
    };
  });
}

}  // namespace ferry::cli
