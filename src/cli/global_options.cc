#include "cli/global_options.h"

namespace ferry::cli {

void AddGlobalFlags(CLI::App& app, GlobalOptions& o) {
  app.add_option("--db", o.db_url, "Database URL (sqlite:app.db, postgres://user@host/db)")
      ->envname("FERRY_DATABASE_URL");
  app.add_option("--migrations", o.migrations_dir, "Migrations folder (default: migrations)")
      ->envname("FERRY_MIGRATIONS");
  app.add_option("--output", o.output, "Output format: text or json")
      ->envname("FERRY_OUTPUT")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_option("--lock-timeout", o.lock_timeout_seconds,
                 "Seconds to wait for another runner's lock (default 60)")
      ->envname("FERRY_LOCK_TIMEOUT")
      ->check(CLI::NonNegativeNumber);
  app.add_option("--config", o.config_path, "Config file (default: ./ferry.toml if present)")
      ->envname("FERRY_CONFIG");
  app.add_option("--log-format", o.log_format, "Log format on stderr: text or json")
      ->envname("FERRY_LOG_FORMAT")
      ->check(CLI::IsMember({"text", "json"}));
  app.add_flag("-q,--quiet", o.quiet, "Only errors on stderr");
}

Status ResolveGlobalOptions(CLI::App& app, GlobalOptions& o, Env* env) {
  o.config = std::make_shared<toml::table>();
  std::string path = o.config_path;
  bool explicit_path = !path.empty();
  if (!explicit_path && env->FileExists("ferry.toml")) path = "ferry.toml";
  if (!path.empty()) {
    auto text = env->ReadFile(path);
    if (!text.ok()) {
      return InvalidArgument("config " + path + ": " + text.status().message());
    }
    try {
      *o.config = toml::parse(*text, path);
    } catch (const toml::parse_error& e) {
      return InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                             std::string(e.description()));
    }
  }
  const toml::table& t = *o.config;
  auto from_toml = [&](const char* flag, auto& target, auto value) {
    if (app.get_option(flag)->count() == 0 && value) target = *value;
  };
  from_toml("--db", o.db_url, t["database_url"].value<std::string>());
  from_toml("--migrations", o.migrations_dir, t["migrations"].value<std::string>());
  from_toml("--output", o.output, t["output"].value<std::string>());
  from_toml("--lock-timeout", o.lock_timeout_seconds, t["lock"]["timeout"].value<double>());
  from_toml("--log-format", o.log_format, t["log"]["format"].value<std::string>());
  if (o.output != "text" && o.output != "json")
    return InvalidArgument(path + ": output must be text or json, not \"" + o.output + "\"");
  return Status::OK();
}

}  // namespace ferry::cli
