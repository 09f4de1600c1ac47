// Options every command shares, and where they come from: a flag wins over
// the environment variable, which wins over ferry.toml, which wins over the
// default.
//   --db URL            FERRY_DATABASE_URL   database_url = "..."
//   --migrations DIR    FERRY_MIGRATIONS     migrations = "..."
//   --output text|json  FERRY_OUTPUT         output = "..."
//   --lock-timeout S    FERRY_LOCK_TIMEOUT   [lock] timeout = 60
//   --config FILE       FERRY_CONFIG         (default: ./ferry.toml when present)
#pragma once

#include <toml++/toml.h>

#include <CLI/CLI.hpp>
#include <memory>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry::cli {

struct GlobalOptions {
  std::string db_url;
  std::string migrations_dir = "migrations";
  std::string output = "text";
  double lock_timeout_seconds = 60;
  std::string config_path;
  std::string log_format = "text";
  bool quiet = false;

  // The parsed ferry.toml (empty table when there is none), for commands
  // that read their own sections ([backup], [ingest], ...).
  std::shared_ptr<toml::table> config;

  bool json() const { return output == "json"; }
};

// Adds the shared flags to the top-level app.
void AddGlobalFlags(CLI::App& app, GlobalOptions& opts);

// After parsing: fills what no flag/env gave from ferry.toml, then checks
// values. InvalidArgument (exit 2) for a bad file or value.
Status ResolveGlobalOptions(CLI::App& app, GlobalOptions& opts, Env* env);

}  // namespace ferry::cli
