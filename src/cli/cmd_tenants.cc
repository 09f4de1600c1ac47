// ferry tenants: tenant migrations (src/jobs/tenants/tenants.h).
//
//   ferry tenants status   [--tenant ID]                     (table, or --output json)
//   ferry tenants register ID...                             (new tenants, at the latest version)
//   ferry tenants up       [--tenant ID] [--concurrency N] [--max-attempts K] [--dry-run]
//   ferry tenants retry    [--tenant ID] ...                 (failed tenants again, then up)
//
// Where tenants come from: --tenants-query SQL | --tenants-schemas PATTERN |
// --tenants-urls A,B | --tenants-dir DIR, or ferry.toml:
//
//   [tenants]
//   query = "SELECT id FROM knowledge_boxes"   # or schemas = "kb_%", urls = [..], dir = ".."
//   migrations = "tenant_migrations"
//   concurrency = 5
//   max_attempts = 3
//
// Global migrations (run once before tenant ones) come from --migrations
// (or `migrations` in ferry.toml, or [tenants] global_migrations) when given.
// Exit codes: 0 all tenants at the latest version, 14 some tenants failed.
#include <iomanip>
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "core/version.h"
#include "jobs/tenants/tenant_lock.h"
#include "jobs/tenants/tenants.h"
#include "util/strings.h"

namespace ferry::cli {
namespace {

struct TenantsFlags {
  std::string db;
  std::string tenant_migrations;
  std::string query, schemas, urls, dir;
  std::string tenant;
  int concurrency = 0;   // 0: config or 5
  int max_attempts = 0;  // 0: config or 3
  bool dry_run = false;
  double backoff_seconds = -1;
  double backoff_max_seconds = -1;
  double lease_seconds = -1;
  double exec_timeout_seconds = -1;
  std::string metrics_file;
  std::string log_level = "info";
  std::string runner_id;
  TenantLockOptions lock;
  std::vector<std::string> register_ids;
};

std::chrono::milliseconds Ms(double seconds) {
  return std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
}

// Flags win over ferry.toml [tenants], which wins over defaults.
Status BuildOptions(CommandContext& ctx, CLI::App* root, TenantsFlags& f, TenantsOptions* o) {
  if (!f.db.empty()) ctx.opts.db_url = f.db;
  if (ctx.opts.db_url.empty()) {
    return InvalidArgument("no database: give --db URL (or FERRY_DATABASE_URL, database_url in ferry.toml)");
  }
  if (auto url = DatabaseUrl::Parse(ctx.opts.db_url); !url.ok()) return url.status();
  o->database_url = ctx.opts.db_url;
  const toml::table& cfg = *ctx.opts.config;
  auto t = cfg["tenants"];
  auto pick = [](const std::string& flag, std::optional<std::string> conf) {
    return !flag.empty() ? flag : conf.value_or("");
  };
  o->tenant_migrations_dir = pick(f.tenant_migrations, t["migrations"].value<std::string>());
  if (o->tenant_migrations_dir.empty()) o->tenant_migrations_dir = "tenant_migrations";

  std::string query = pick(f.query, t["query"].value<std::string>());
  std::string schemas = pick(f.schemas, t["schemas"].value<std::string>());
  std::string dir = pick(f.dir, t["dir"].value<std::string>());
  std::vector<std::string> urls;
  if (!f.urls.empty()) {
    urls = Split(f.urls, ',');
  } else if (auto* arr = t["urls"].as_array()) {
    for (auto& e : *arr) {
      if (auto s = e.value<std::string>()) urls.push_back(*s);
    }
  }
  int given = !query.empty() + !schemas.empty() + !dir.empty() + !urls.empty();
  if (given > 1) {
    return InvalidArgument("give one tenant source: --tenants-query, --tenants-schemas, "
                           "--tenants-urls or --tenants-dir");
  }
  if (!query.empty()) {
    o->source.kind = TenantSourceKind::kQuery;
    o->source.query = query;
  } else if (!schemas.empty()) {
    o->source.kind = TenantSourceKind::kSchemas;
    o->source.schema_pattern = schemas;
  } else if (!urls.empty()) {
    o->source.kind = TenantSourceKind::kUrls;
    o->source.urls = urls;
  } else if (!dir.empty()) {
    o->source.kind = TenantSourceKind::kDir;
    o->source.dir = dir;
  }
  if (!f.tenant.empty()) o->only_tenant = f.tenant;
  o->concurrency = f.concurrency > 0 ? f.concurrency
                                     : static_cast<int>(t["concurrency"].value<int64_t>().value_or(5));
  o->max_attempts = f.max_attempts > 0
                        ? f.max_attempts
                        : static_cast<int>(t["max_attempts"].value<int64_t>().value_or(3));
  auto seconds = [&](double flag, const char* key, std::chrono::milliseconds def) {
    if (flag >= 0) return Ms(flag);
    if (auto v = t[key].value<double>()) return Ms(*v);
    return def;
  };
  o->backoff_base = seconds(f.backoff_seconds, "backoff", o->backoff_base);
  o->backoff_max = seconds(f.backoff_max_seconds, "backoff_max", o->backoff_max);
  o->lease = seconds(f.lease_seconds, "lease", o->lease);
  o->exec_timeout = seconds(f.exec_timeout_seconds, "exec_timeout", o->exec_timeout);
  if (o->lease.count() <= 0) return InvalidArgument("--lease must be positive");
  o->metrics_file = f.metrics_file;
  o->runner_id = f.runner_id;
  o->global_lock_timeout = Ms(ctx.opts.lock_timeout_seconds);
  // Global migrations only when a folder was asked for, never the default.
  bool migrations_given = root->get_option("--migrations")->count() > 0 ||
                          cfg["migrations"].value<std::string>().has_value() ||
                          ctx.env->GetEnv("FERRY_MIGRATIONS").has_value();
  if (migrations_given) {
    o->global_migrations_dir = ctx.opts.migrations_dir;
  } else if (auto g = t["global_migrations"].value<std::string>()) {
    o->global_migrations_dir = *g;
  }
  if (f.lock.backend.empty()) f.lock.backend = t["lock"].value<std::string>().value_or("lease");
  if (f.lock.redis_password.empty()) {
    if (auto p = ctx.env->GetEnv("REDIS_PASSWORD")) f.lock.redis_password = *p;
  }
  return Status::OK();
}

int Usage(CommandContext& ctx, const Status& st) {
  ReportError(ctx, st);
  return kExitUsage;
}

std::unique_ptr<Logger> MakeLogger(CommandContext& ctx, const TenantsFlags& f, Status* st) {
  auto made = CommandLogger(ctx, f.log_level);
  if (!made.ok()) {
    *st = made.status();
    return nullptr;
  }
  return std::move(made).value();
}

std::string V(const std::string& v) { return v.empty() ? "-" : v; }

int RunStatus(CommandContext& ctx, const TenantsOptions& o) {
  auto r = TenantsStatus(o, ctx.env);
  if (!r.ok()) return ReportError(ctx, r.status());
  std::ostream& out = *ctx.out;
  if (ctx.opts.json()) {
    nlohmann::json j = {{"latest_version", r->latest_version}, {"by_state", r->by_state},
                        {"tenants", nlohmann::json::array()}};
    nlohmann::json by_version = nlohmann::json::object();
    for (const auto& [v, n] : r->by_version) by_version[v.empty() ? "none" : v] = n;
    j["by_version"] = by_version;
    for (const TenantRow& t : r->tenants) {
      j["tenants"].push_back({{"tenant", t.tenant},
                              {"version", t.version},
                              {"state", t.state},
                              {"attempts", t.attempts},
                              {"last_error", t.last_error},
                              {"updated_at", t.updated_at},
                              {"lease_owner", t.lease_owner}});
    }
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  out << "latest version: " << V(r->latest_version) << "\n"
      << "tenants:        " << r->tenants.size();
  for (const auto& [s, n] : r->by_state) out << ", " << n << " " << s;
  out << "\n\n  " << std::left << std::setw(24) << "TENANT" << std::setw(10) << "VERSION"
      << std::setw(9) << "STATE" << std::setw(9) << "ATTEMPTS" << std::setw(26) << "UPDATED AT"
      << "ERROR\n";
  for (const TenantRow& t : r->tenants) {
    std::string err = t.last_error;
    if (err.size() > 100) err = err.substr(0, 97) + "...";
    for (char& c : err) if (c == '\n') c = ' ';
    out << "  " << std::left << std::setw(24) << t.tenant << std::setw(10) << V(t.version)
        << std::setw(9) << t.state << std::setw(9) << t.attempts << std::setw(26)
        << V(t.updated_at) << err << "\n";
  }
  return kExitOk;
}

int RunDryRun(CommandContext& ctx, const TenantsOptions& o) {
  auto r = PlanTenants(o, ctx.env);
  if (!r.ok()) return ReportError(ctx, r.status());
  std::ostream& out = *ctx.out;
  if (ctx.opts.json()) {
    nlohmann::json j = {{"dry_run", true}, {"latest_version", r->latest_version},
                        {"migrations", nlohmann::json::array()}, {"tenants", nlohmann::json::array()}};
    for (const PlannedMigration& m : r->migrations) {
      nlohmann::json e = {{"version", m.version}, {"name", m.name}, {"kind", m.kind}};
      if (!m.detail.empty()) e["detail"] = m.detail;
      j["migrations"].push_back(e);
    }
    for (const TenantPlan& p : r->tenants) {
      nlohmann::json t = {{"tenant", p.tenant}, {"version", p.version}, {"state", p.state},
                          {"pending", p.pending}};
      if (!p.error.empty()) t["error"] = p.error;
      j["tenants"].push_back(t);
    }
    out << j.dump(2) << "\n";
    return kExitOk;
  }
  size_t would = 0, total = 0;
  out << "dry run: '+' = would run, '.' = applied, 'x' = tenant failed (`retry` to run)\n\n"
      << "migrations:\n";
  for (const PlannedMigration& m : r->migrations) {
    out << "  " << std::left << std::setw(8) << m.version << std::setw(28) << m.name << m.kind
        << (m.detail.empty() ? "" : ": " + m.detail) << "\n";
  }
  out << "\n  " << std::left << std::setw(24) << "TENANT" << std::setw(10) << "VERSION";
  for (const PlannedMigration& m : r->migrations) {
    out << std::setw(std::max<int>(6, m.version.size() + 2)) << m.version;
  }
  out << "\n";
  for (const TenantPlan& p : r->tenants) {
    out << "  " << std::left << std::setw(24) << p.tenant << std::setw(10) << V(p.version);
    for (const PlannedMigration& m : r->migrations) {
      const std::string& v = m.version;
      bool pending = std::find(p.pending.begin(), p.pending.end(), v) != p.pending.end();
      const char* cell = pending ? "+" : ".";
      if (!pending && p.state == "failed") {
        // A failed tenant not being retried: what it still lacks is marked x.
        auto after = Version::Parse(v);
        auto at = Version::Parse(p.version);
        cell = (!at || (after && *at < *after)) ? "x" : ".";
      }
      out << std::setw(std::max<int>(6, v.size() + 2)) << cell;
    }
    if (!p.error.empty()) out << "  " << p.error;
    out << "\n";
    would += p.pending.empty() ? 0 : 1;
    total += p.pending.size();
  }
  out << "\n" << would << " of " << r->tenants.size() << " tenant(s) would get " << total
      << " migration(s)\n";
  return kExitOk;
}

int RunUp(CommandContext& ctx, TenantsFlags& f, TenantsOptions& o) {
  Status st;
  auto logger = MakeLogger(ctx, f, &st);
  if (!logger) return Usage(ctx, st);
  auto lock = OpenTenantLock(f.lock, ctx.env);
  if (!lock.ok()) return ReportError(ctx, lock.status());
  MetricsRegistry metrics;
  TenantsDeps deps;
  deps.env = ctx.env;
  deps.logger = logger.get();
  deps.metrics = &metrics;
  deps.lock = lock->get();
  auto r = RunTenantsUp(o, deps);
  if (!r.ok()) return ReportError(ctx, r.status());
  std::ostream& out = *ctx.out;
  int64_t failed_now = 0;
  for (const TenantOutcome& t : r->outcomes) failed_now += t.failed ? 1 : 0;
  if (ctx.opts.json()) {
    nlohmann::json j = {{"ok", r->clean()},
                        {"latest_version", r->latest_version},
                        {"tenants_processed", r->outcomes.size()},
                        {"tenants_new", r->tenants_new},
                        {"migrations_applied", r->migrations_applied},
                        {"failed", failed_now},
                        {"failed_total", r->tenants_failed_total},
                        {"seconds", r->progress.elapsed_seconds},
                        {"global_applied", nlohmann::json::array()},
                        {"tenants", nlohmann::json::array()}};
    for (const PlanStep& s : r->global_steps) j["global_applied"].push_back(s.version);
    for (const TenantOutcome& t : r->outcomes) {
      nlohmann::json e = {{"tenant", t.tenant}, {"from", t.from_version}, {"to", t.to_version},
                          {"applied", t.applied}, {"failed", t.failed}};
      if (!t.error.empty()) e["error"] = t.error;
      j["tenants"].push_back(e);
    }
    if (!r->fatal.ok()) j["error"] = RedactSecrets(r->fatal.message());
    out << j.dump(2) << "\n";
  } else if (!ctx.opts.quiet) {
    if (!r->global_steps.empty()) PrintSteps(out, r->global_steps, "applied (global)");
    out << "tenants: " << r->outcomes.size() << " processed, " << r->migrations_applied
        << " migration(s) applied, " << failed_now << " failed; latest version "
        << V(r->latest_version) << "\n";
    for (const TenantOutcome& t : r->outcomes) {
      if (t.failed) out << "  FAILED " << t.tenant << " at version " << V(t.to_version) << ": " << t.error << "\n";
    }
    if (r->tenants_failed_total > failed_now) {
      out << (r->tenants_failed_total - failed_now)
          << " tenant(s) failed earlier and were left alone: `ferry tenants retry`\n";
    }
  }
  if (!r->fatal.ok()) {
    *ctx.err << "ferry: error: " << RedactSecrets(r->fatal.message()) << "\n";
    return ExitCodeFor(r->fatal);
  }
  return r->clean() ? kExitOk : kExitPartialFailure;
}

void AddSourceFlags(CLI::App* sub, TenantsFlags& f) {
  sub->add_option("--db", f.db, "Main database URL (overrides the global --db)");
  sub->add_option("--tenant-migrations", f.tenant_migrations,
                  "Tenant migrations folder (default tenant_migrations)");
  sub->add_option("--tenants-query", f.query, "SQL listing tenant ids on the main database");
  sub->add_option("--tenants-schemas", f.schemas, "PostgreSQL schemas LIKE this are tenants");
  sub->add_option("--tenants-urls", f.urls, "Database per tenant: URL or ID=URL, comma separated");
  sub->add_option("--tenants-dir", f.dir, "Database per tenant: every *.db SQLite file here");
  sub->add_option("--tenant", f.tenant, "Only this tenant");
}

void AddRunFlags(CLI::App* sub, TenantsFlags& f) {
  sub->add_option("--concurrency", f.concurrency, "Tenants migrated at once (default 5)")
      ->check(CLI::Range(1, 1000));
  sub->add_option("--max-attempts", f.max_attempts,
                  "Attempts per tenant migration before the tenant is failed (default 3)")
      ->check(CLI::Range(1, 1000));
  sub->add_flag("--dry-run", f.dry_run, "Print which migrations each tenant would get");
  sub->add_option("--backoff", f.backoff_seconds, "First retry delay in seconds (default 0.2)");
  sub->add_option("--backoff-max", f.backoff_max_seconds, "Longest retry delay (default 30)");
  sub->add_option("--lease", f.lease_seconds, "Seconds a tenant lease lives (default 120)");
  sub->add_option("--exec-timeout", f.exec_timeout_seconds,
                  "Seconds an executable migration may run (default 600)");
  sub->add_option("--lock", f.lock.backend, "How runners split tenants: lease (default) or redis")
      ->check(CLI::IsMember({"lease", "redis", "local"}));
  sub->add_option("--redis-addrs", f.lock.redis_addrs, "Redis host:port[,host:port...]");
  sub->add_option("--redis-username", f.lock.redis_username, "Redis ACL user");
  sub->add_option("--redis-password", f.lock.redis_password, "Redis password (or REDIS_PASSWORD)");
  sub->add_option("--redis-db", f.lock.redis_db, "Redis database number");
  sub->add_option("--metrics-file", f.metrics_file, "Write Prometheus metrics here at the end");
  sub->add_option("--log-level", f.log_level, "debug, info, warn or error (default info)");
  sub->add_option("--runner-id", f.runner_id, "Name of this runner in leases (default host:pid:rand)");
}

}  // namespace

void AddTenantsCommand(CLI::App& app, CommandRunner* run) {
  auto* tenants = app.add_subcommand("tenants", "Run, track and retry migrations for every tenant");
  tenants->require_subcommand(1);
  CLI::App* root = &app;

  auto add = [&](const char* name, const char* help, bool run_flags) {
    auto f = std::make_shared<TenantsFlags>();
    auto* sub = tenants->add_subcommand(name, help);
    AddSourceFlags(sub, *f);
    if (run_flags) AddRunFlags(sub, *f);
    return std::make_pair(sub, f);
  };

  auto [status, fs] = add("status", "Each tenant's version and state", false);
  status->callback([run, root, fs = fs] {
    *run = [root, fs](CommandContext& ctx) {
      TenantsOptions o;
      if (Status st = BuildOptions(ctx, root, *fs, &o); !st.ok()) return Usage(ctx, st);
      return RunStatus(ctx, o);
    };
  });

  auto [reg, fr] = add("register", "Record new tenants at the latest version (nothing runs)", false);
  reg->add_option("ids", fr->register_ids, "Tenant ids")->required();
  reg->callback([run, root, fr = fr] {
    *run = [root, fr](CommandContext& ctx) {
      TenantsOptions o;
      if (Status st = BuildOptions(ctx, root, *fr, &o); !st.ok()) return Usage(ctx, st);
      if (Status st = RegisterTenants(o, fr->register_ids, ctx.env); !st.ok()) {
        return ReportError(ctx, st);
      }
      if (ctx.opts.json()) {
        *ctx.out << nlohmann::json({{"ok", true}, {"registered", fr->register_ids}}).dump(2) << "\n";
      } else if (!ctx.opts.quiet) {
        *ctx.out << "registered " << fr->register_ids.size() << " tenant(s) at the latest version\n";
      }
      return kExitOk;
    };
  });

  for (const char* name : {"up", "retry"}) {
    bool retry = std::string(name) == "retry";
    auto [sub, f] = add(name,
                        retry ? "Put failed tenants back and migrate them again"
                              : "Migrate every tenant to the latest version",
                        true);
    sub->callback([run, root, f = f, retry] {
      *run = [root, f, retry](CommandContext& ctx) {
        TenantsOptions o;
        if (Status st = BuildOptions(ctx, root, *f, &o); !st.ok()) return Usage(ctx, st);
        o.retry_failed = retry;
        if (f->dry_run) return RunDryRun(ctx, o);
        return RunUp(ctx, *f, o);
      };
    });
  }
}

}  // namespace ferry::cli
