// ferry reshape plan|run|rollback|status: rebuild a table into a new shape
// while it is in use (src/jobs/reshape/reshape.h, issue 5).
//
//   ferry reshape plan FILE                       every step and its SQL, nothing run
//   ferry reshape run FILE [--max-rate R] [--pause-ms N] [--no-backup] [--copy-lock rows|table]
//   ferry reshape rollback TABLE [--force]        swap back, or restore the snapshot
//   ferry reshape abort PLAN                      give up an unfinished run (file or name)
//   ferry reshape status                          the runs in ferry_reshapes
// run, rollback and abort hold a per-table lock (ReshapeLock), waiting up to
// the global --lock-timeout for another one; then exit code 7.
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "db/database.h"
#include "jobs/backup/backup.h"
#include "jobs/reshape/reshape.h"
#include "jobs/reshape/reshape_sql.h"

namespace ferry::cli {
namespace {

struct ReshapeFlags {
  std::string file;
  std::string table;
  double max_rate = 0;
  int pause_ms = 0;
  bool no_backup = false;
  std::string copy_lock = "rows";
  bool force = false;
  double lock_timeout_ms = 2000;
};

Result<ReshapePlan> LoadPlan(CommandContext& ctx, const std::string& file) {
  auto text = ctx.env->ReadFile(file);
  if (!text.ok()) return text.status().WithContext("plan " + file);
  return ParseReshapePlan(*text, file);
}

Result<std::unique_ptr<Database>> Open(CommandContext& ctx) {
  if (ctx.opts.db_url.empty())
    return InvalidArgument("no database: give --db URL, FERRY_DATABASE_URL or database_url");
  return OpenDatabase(ctx.opts.db_url, ctx.env);
}

std::chrono::milliseconds LockWait(const CommandContext& ctx) {
  return std::chrono::milliseconds(static_cast<int64_t>(ctx.opts.lock_timeout_seconds * 1000));
}

Result<std::unique_ptr<Logger>> MakeLogger(CommandContext& ctx) {
  FERRY_ASSIGN_OR_RETURN(LogFormat format, ParseLogFormat(ctx.opts.log_format));
  LoggerOptions lo;
  lo.format = format;
  lo.min_level = ctx.opts.quiet ? LogLevel::kError : LogLevel::kInfo;
  lo.env = ctx.env;
  return Logger::Stderr(lo);
}

int RunPlan(CommandContext& ctx, const ReshapeFlags& f) {
  auto plan = LoadPlan(ctx, f.file);
  if (!plan.ok()) return ReportError(ctx, plan.status());
  Dialect dialect = plan->partition_count > 0 ? Dialect::kPostgres : Dialect::kSqlite;
  if (!ctx.opts.db_url.empty()) {
    auto url = DatabaseUrl::Parse(ctx.opts.db_url);
    if (!url.ok()) return ReportError(ctx, url.status());
    dialect = url->scheme == "sqlite" ? Dialect::kSqlite : Dialect::kPostgres;
  }
  ReshapeSql sql(dialect, *plan);
  auto steps = sql.Describe();
  if (ctx.opts.json()) {
    nlohmann::json j = {{"plan", f.file}, {"table", plan->table}, {"new_table", plan->new_table},
                        {"dialect", dialect == Dialect::kSqlite ? "sqlite" : "postgres"},
                        {"batch_size", plan->batch_size}, {"steps", nlohmann::json::array()}};
    for (size_t i = 0; i < steps.size(); ++i)
      j["steps"].push_back({{"step", i + 1}, {"name", steps[i].name}, {"sql", steps[i].sql}});
    *ctx.out << j.dump(2) << "\n";
    return kExitOk;
  }
  *ctx.out << "reshape " << plan->name << ": " << plan->table << " -> new shape ("
           << (dialect == Dialect::kSqlite ? "sqlite" : "postgres") << "), batches of "
           << plan->batch_size << " rows\n";
  for (size_t i = 0; i < steps.size(); ++i) {
    *ctx.out << "\n" << (i + 1) << ". " << steps[i].name << "\n";
    for (const auto& s : steps[i].sql) *ctx.out << "   " << s << ";\n";
  }
  return kExitOk;
}

int RunRun(CommandContext& ctx, const ReshapeFlags& f) {
  auto plan = LoadPlan(ctx, f.file);
  if (!plan.ok()) return ReportError(ctx, plan.status());
  auto db = Open(ctx);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto logger = MakeLogger(ctx);
  if (!logger.ok()) return ReportError(ctx, logger.status());
  ReshapeOptions o;
  o.max_rate = f.max_rate;
  o.pause = std::chrono::milliseconds(f.pause_ms);
  o.backup = f.no_backup ? ReshapeBackup::kSkip : ReshapeBackup::kTake;
  o.copy_lock = f.copy_lock == "table" ? CopyLock::kTable : CopyLock::kRows;
  o.lock_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.lock_timeout_ms));
  o.run_lock_wait = LockWait(ctx);
  auto r = RunReshape(db->get(), ctx.env, logger->get(), *plan, o);
  if (!r.ok()) return ReportError(ctx, r.status());
  if (ctx.opts.json()) {
    nlohmann::json j = {{"run_id", r->run_id},       {"table", plan->table},
                        {"no_op", r->no_op},         {"resumed", r->resumed},
                        {"rows", r->rows},           {"rows_copied", r->rows_copied},
                        {"backup", r->backup_name},  {"old_table", r->old_table},
                        {"notes", r->notes},         {"steps", nlohmann::json::array()}};
    for (const auto& s : r->steps)
      j["steps"].push_back({{"name", s.name}, {"seconds", s.seconds}, {"ok", s.ok}});
    if (r->verify) {
      j["verify"] = {{"rows", r->verify->new_rows}, {"checksum", r->verify->new_checksum}};
      if (r->verify->distribution) {
        const auto& d = *r->verify->distribution;
        j["verify"]["distribution"] = {{"partitions", d.partitions}, {"min", d.min},
                                       {"avg", d.avg}, {"max", d.max}, {"stddev", d.stddev},
                                       {"empty", d.empty}};
      }
    }
    *ctx.out << j.dump(2) << "\n";
    return kExitOk;
  }
  if (r->no_op) {
    *ctx.out << plan->table << " is already reshaped by this plan (run " << r->run_id
             << "); nothing to do\n";
    return kExitOk;
  }
  *ctx.out << "reshaped " << plan->table << " (" << r->rows_copied << " rows copied)\n";
  for (const auto& s : r->steps) *ctx.out << "  " << s.name << ": " << s.seconds << " s\n";
  if (r->verify && r->verify->distribution) {
    const auto& d = *r->verify->distribution;
    *ctx.out << "  partitions: " << d.partitions << " min=" << d.min << " avg=" << d.avg
             << " max=" << d.max << " stddev=" << d.stddev << "\n";
  }
  if (!r->backup_name.empty()) *ctx.out << "  snapshot: " << r->backup_name << "\n";
  *ctx.out << "  old table kept as " << r->old_table << "; undo with `ferry reshape rollback "
           << plan->table << "`\n";
  for (const auto& n : r->notes) *ctx.out << "  " << n << "\n";
  return kExitOk;
}

int RunRollback(CommandContext& ctx, const ReshapeFlags& f) {
  auto db = Open(ctx);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto logger = MakeLogger(ctx);
  if (!logger.ok()) return ReportError(ctx, logger.status());
  RollbackOptions o;
  o.force = f.force ? RollbackForce::kYes : RollbackForce::kNo;
  o.lock_timeout = std::chrono::milliseconds(static_cast<int64_t>(f.lock_timeout_ms));
  o.lock_wait = LockWait(ctx);
  auto r = RollbackReshape(db->get(), ctx.env, logger->get(), f.table, o);
  if (!r.ok()) return ReportError(ctx, r.status());
  if (ctx.opts.json()) {
    *ctx.out << nlohmann::json{{"run_id", r->run_id}, {"method", r->method},
                               {"restored_from", r->restored_from}, {"set_aside", r->set_aside}}
                    .dump(2)
             << "\n";
  } else {
    *ctx.out << "rolled back " << f.table << " (" << r->method << " from " << r->restored_from
             << "); the reshaped table is now " << r->set_aside << "\n";
  }
  return kExitOk;
}

// PLAN is a plan file (its name is used) or a plan name.
int RunAbort(CommandContext& ctx, const ReshapeFlags& f) {
  std::string name = f.file;
  if (ctx.env->FileExists(f.file)) {
    auto plan = LoadPlan(ctx, f.file);
    if (!plan.ok()) return ReportError(ctx, plan.status());
    name = plan->name;
  }
  auto db = Open(ctx);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto logger = MakeLogger(ctx);
  if (!logger.ok()) return ReportError(ctx, logger.status());
  auto r = AbortReshape(db->get(), ctx.env, logger->get(), name, LockWait(ctx));
  if (!r.ok()) return ReportError(ctx, r.status());
  if (ctx.opts.json()) {
    *ctx.out << nlohmann::json{{"run_id", r->run_id}, {"step", r->step},
                               {"dropped_table", r->dropped_table}, {"backup", r->backup_name}}
                    .dump(2)
             << "\n";
    return kExitOk;
  }
  *ctx.out << "aborted reshape " << r->run_id << " after step " << r->step;
  if (r->step >= 1 && r->step <= 9) *ctx.out << " (" << kReshapeStepNames[r->step - 1] << ")";
  *ctx.out << "; " << (r->dropped_table.empty() ? "no new table to drop" : "dropped " + r->dropped_table)
           << " and the capture triggers; the old table is as it was\n";
  if (!r->backup_name.empty())
    *ctx.out << "  snapshot " << r->backup_name << " kept until it expires (ferry backup cleanup)\n";
  return kExitOk;
}

int RunStatus(CommandContext& ctx) {
  auto db = Open(ctx);
  if (!db.ok()) return ReportError(ctx, db.status());
  auto rows = ListReshapeStates(db->get());
  if (!rows.ok()) return ReportError(ctx, rows.status());
  if (ctx.opts.json()) {
    nlohmann::json a = nlohmann::json::array();
    for (const auto& s : *rows)
      a.push_back({{"run_id", s.run_id}, {"name", s.name}, {"table", s.table},
                   {"status", s.status}, {"step", s.step},
                   {"step_name", s.step >= 1 && s.step <= 9 ? kReshapeStepNames[s.step - 1] : ""},
                   {"rows_copied", s.rows_copied}, {"total_rows", s.total_rows},
                   {"old_table", s.old_table}, {"backup", s.backup_name},
                   {"started_at", IsoUtc(s.started_at)}, {"updated_at", IsoUtc(s.updated_at)},
                   {"error", s.error}});
    *ctx.out << a.dump(2) << "\n";
    return kExitOk;
  }
  if (rows->empty()) *ctx.out << "no reshapes recorded\n";
  for (const auto& s : *rows) {
    *ctx.out << s.run_id << "  " << s.table << "  " << s.status << "  step " << s.step << "/9";
    if (s.step >= 1 && s.step <= 9) *ctx.out << " (" << kReshapeStepNames[s.step - 1] << ")";
    *ctx.out << "  copied " << s.rows_copied << "/" << s.total_rows;
    if (!s.old_table.empty()) *ctx.out << "  old " << s.old_table;
    if (!s.error.empty()) *ctx.out << "\n    error: " << s.error;
    *ctx.out << "\n";
  }
  return kExitOk;
}

}  // namespace

void AddReshapeCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<ReshapeFlags>();
  auto* sub = app.add_subcommand("reshape", "Rebuild a table into a new shape while it is in use");
  sub->require_subcommand(1);

  auto* plan = sub->add_subcommand("plan", "Print every step and its SQL without running it");
  plan->add_option("file", f->file, "Plan file (TOML)")->required();
  plan->callback([run, f] { *run = [f](CommandContext& ctx) { return RunPlan(ctx, *f); }; });

  auto* r = sub->add_subcommand("run", "Run (or resume) a reshape plan");
  r->add_option("file", f->file, "Plan file (TOML)")->required();
  r->add_option("--max-rate", f->max_rate, "Copy at most this many rows per second");
  r->add_option("--pause-ms", f->pause_ms, "Pause between batches (ms)");
  r->add_flag("--no-backup", f->no_backup, "Skip the verified snapshot (step 2)");
  r->add_option("--copy-lock", f->copy_lock,
                "PostgreSQL copy batches: rows (FOR SHARE, gentle) or table (SHARE lock per"
                " batch, fastest)")
      ->check(CLI::IsMember({"rows", "table"}));
  r->add_option("--swap-lock-timeout-ms", f->lock_timeout_ms, "Lock timeout per swap attempt");
  r->callback([run, f] { *run = [f](CommandContext& ctx) { return RunRun(ctx, *f); }; });

  auto* rb = sub->add_subcommand("rollback", "Undo the newest reshape of a table");
  rb->add_option("table", f->table, "Table name")->required();
  rb->add_flag("--force", f->force, "Even if rows were written since the swap");
  rb->callback([run, f] { *run = [f](CommandContext& ctx) { return RunRollback(ctx, *f); }; });

  auto* ab = sub->add_subcommand("abort", "Drop what an unfinished reshape built; old table stays");
  ab->add_option("plan", f->file, "Plan file or plan name")->required();
  ab->callback([run, f] { *run = [f](CommandContext& ctx) { return RunAbort(ctx, *f); }; });

  auto* st = sub->add_subcommand("status", "Show reshape runs from ferry_reshapes");
  st->callback([run] { *run = [](CommandContext& ctx) { return RunStatus(ctx); }; });
}

}  // namespace ferry::cli
