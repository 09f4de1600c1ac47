#include <algorithm>
#include <iostream>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "db/database.h"
#include "db/database_url.h"
#include "util/strings.h"

namespace ferry::cli {

int ReportError(CommandContext& ctx, const Status& status) {
  int code = ExitCodeFor(status);
  std::string msg = RedactSecrets(status.message());
  if (ctx.opts.json()) {
    nlohmann::json j = {
        {"ok", false},
        {"error",
         {{"code", std::string(CodeName(status.code()))}, {"message", msg}, {"exit_code", code}}}};
    *ctx.out << j.dump(2) << "\n";
  }
  *ctx.err << "ferry: error: " << msg << "\n";
  return code;
}

Result<std::unique_ptr<Logger>> CommandLogger(const CommandContext& ctx, const std::string& level) {
  FERRY_ASSIGN_OR_RETURN(LogLevel min_level, ParseLogLevel(level));
  FERRY_ASSIGN_OR_RETURN(LogFormat format, ParseLogFormat(ctx.opts.log_format));
  LoggerOptions lo;
  lo.format = format;
  lo.min_level = ctx.opts.quiet ? LogLevel::kError : min_level;
  lo.env = ctx.env;
  return Logger::Stderr(lo);
}

std::unique_ptr<Migrator> OpenMigrator(CommandContext& ctx, int* exit_code) {
  if (ctx.opts.db_url.empty()) {
    *exit_code = ReportError(
        ctx, InvalidArgument("no database: give --db URL, FERRY_DATABASE_URL or database_url in "
                             "ferry.toml"));
    *exit_code = kExitUsage;
    return nullptr;
  }
  auto url = DatabaseUrl::Parse(ctx.opts.db_url);
  if (!url.ok()) {
    ReportError(ctx, url.status());
    *exit_code = kExitUsage;
    return nullptr;
  }
  // An engine this build does not know is a usage error too, not "not found".
  auto schemes = DatabaseSchemes();
  if (std::find(schemes.begin(), schemes.end(), url->scheme) == schemes.end()) {
    ReportError(ctx, InvalidArgument("no database engine for scheme \"" + url->scheme + "\" in " +
                                     url->Redacted() + " (built in: " + Join(schemes, ", ") + ")"));
    *exit_code = kExitUsage;
    return nullptr;
  }
  MigratorOptions mo;
  mo.database_url = ctx.opts.db_url;
  mo.migrations_dir = ctx.opts.migrations_dir;
  mo.lock_timeout =
      std::chrono::milliseconds(static_cast<int64_t>(ctx.opts.lock_timeout_seconds * 1000));
  mo.env = ctx.env;
  std::ostream* err = ctx.err;
  bool quiet = ctx.opts.quiet;
  bool json_logs = ctx.opts.log_format == "json";
  Env* env = ctx.env;
  mo.on_event = [err, quiet, json_logs, env](const MigrationEvent& e) {
    if (quiet && e.kind != MigrationEvent::Kind::kFailed) return;
    const char* level = e.kind == MigrationEvent::Kind::kFailed      ? "ERROR"
                        : e.kind == MigrationEvent::Kind::kRecovered ? "WARN"
                                                                     : "INFO";
    auto us = env->WallMicros();
    if (json_logs) {
      nlohmann::json j = {
          {"ts", FormatIsoTime(us)}, {"level", level}, {"msg", RedactSecrets(e.message)}};
      if (!e.version.empty()) j["version"] = e.version;
      if (e.seconds > 0) j["duration_s"] = e.seconds;
      *err << j.dump() << "\n";
    } else {
      *err << FormatIsoTime(us) << " " << level << " " << RedactSecrets(e.message);
      if (e.seconds > 0) *err << " duration=" << FormatDuration(e.seconds);
      *err << "\n";
    }
  };
  auto m = Migrator::Open(mo);
  if (!m.ok()) {
    const Status& st = m.status();
    int code = ReportError(ctx, st);
    // A file that is not a database shows up as Corruption when opening.
    if (st.code() == Code::kCorruption) code = kExitBadDatabase;
    *exit_code = code;
    return nullptr;
  }
  *exit_code = kExitOk;
  return std::move(m).value();
}

}  // namespace ferry::cli
