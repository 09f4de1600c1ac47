// ferry ingest: records from a directory or S3 into the database through a
// codec (the ncps narinfo migration). See src/jobs/ingest/ingest.h.
//
//   ferry ingest --from file:///var/lib/ncps --format narinfo --db sqlite:/var/lib/ncps/db.sqlite
//   ferry ingest --from 's3://ncps-cache?endpoint=http://127.0.0.1:9000&region=us-east-1'
//                --format narinfo --db postgres://... --concurrency 50
//                --lock redis --redis-addrs 127.0.0.1:6379 --delete-source
//
// --db may be given before the subcommand (global flag) or after it (this
// subcommand's own flag, which wins).
#include <memory>
#include <ostream>

#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "jobs/ingest/ingest.h"
#include "jobs/ingest/ingest_lock.h"
#include "obs/metrics_server.h"
#include "util/strings.h"

namespace ferry::cli {
namespace {

struct IngestFlags {
  IngestOptions opts;
  IngestLockOptions lock;
  std::string db;
  std::string access_key_id;
  std::string secret_access_key;
  std::string metrics_listen;
  std::string log_level = "info";
  double lock_lease_seconds = 120;
  int store_max_attempts = 5;
};

int Run(CommandContext& ctx, IngestFlags& f) {
  if (!f.db.empty()) ctx.opts.db_url = f.db;
  if (ctx.opts.db_url.empty()) {
    ReportError(ctx, InvalidArgument("no database: give --db URL (or FERRY_DATABASE_URL)"));
    return kExitUsage;
  }
  auto made = CommandLogger(ctx, f.log_level);
  if (!made.ok()) {
    ReportError(ctx, made.status());
    return kExitUsage;
  }
  std::unique_ptr<Logger> logger = std::move(made).value();

  IngestOptions o = f.opts;
  o.database_url = ctx.opts.db_url;
  o.lock_lease = std::chrono::milliseconds(static_cast<int64_t>(f.lock_lease_seconds * 1000));
  o.store_options.access_key_id = f.access_key_id;
  o.store_options.secret_access_key = f.secret_access_key;
  o.store_options.max_attempts = std::max(1, f.store_max_attempts);

  IngestLockOptions lock_opts = f.lock;
  lock_opts.database_url = o.database_url;
  if (lock_opts.redis_password.empty()) {
    if (auto p = ctx.env->GetEnv("REDIS_PASSWORD")) lock_opts.redis_password = *p;
  }
  auto lock = OpenIngestLock(lock_opts, ctx.env, logger.get());
  if (!lock.ok()) return ReportError(ctx, lock.status());

  MetricsRegistry metrics;
  std::unique_ptr<MetricsServer> server;
  if (!f.metrics_listen.empty()) {
    MetricsServerOptions so;
    size_t colon = f.metrics_listen.rfind(':');
    auto port = colon == std::string::npos ? std::nullopt
                                           : ParseUint(f.metrics_listen.substr(colon + 1));
    if (!port || *port > 65535) {
      ReportError(ctx, InvalidArgument("--metrics-listen wants HOST:PORT, not \"" +
                                       f.metrics_listen + "\""));
      return kExitUsage;
    }
    so.host = f.metrics_listen.substr(0, colon);
    if (so.host.empty()) so.host = "127.0.0.1";
    so.port = static_cast<int>(*port);
    auto started = MetricsServer::Start(&metrics, so);
    if (!started.ok()) return ReportError(ctx, started.status());
    server = std::move(started).value();
    logger->Info("serving metrics", {{"url", server->Url()}});
  }

  IngestDeps deps;
  deps.env = ctx.env;
  deps.logger = logger.get();
  deps.metrics = &metrics;
  deps.lock = lock->get();
  auto report = RunIngest(o, deps);
  if (!report.ok()) return ReportError(ctx, report.status());

  const ProgressSnapshot& p = report->progress;
  if (ctx.opts.json()) {
    nlohmann::json j = {{"ok", report->clean()},
                        {"dry_run", report->dry_run},
                        {"found", p.found},
                        {"processed", p.processed},
                        {"succeeded", p.succeeded},
                        {"failed", p.failed},
                        {"skipped", p.skipped},
                        {"deleted", report->deleted},
                        {"delete_failed", report->delete_failed},
                        {"seconds", p.elapsed_seconds},
                        {"rate", p.rate}};
    if (!report->fatal.ok()) j["error"] = report->fatal.message();
    *ctx.out << j.dump(2) << "\n";
  } else if (!ctx.opts.quiet) {
    *ctx.out << (report->dry_run ? "dry run (nothing written or deleted): " : "ingest: ")
             << p.succeeded << (report->dry_run ? " would be migrated, " : " migrated, ")
             << p.skipped << " skipped, " << p.failed << " failed";
    if (o.delete_source && !report->dry_run) {
      *ctx.out << ", " << report->deleted << " deleted from the source";
      if (report->delete_failed) *ctx.out << " (" << report->delete_failed << " deletes failed)";
    }
    *ctx.out << "\n";
  }
  if (!report->fatal.ok()) {
    *ctx.err << "ferry: error: " << report->fatal.message() << "\n";
    return ExitCodeFor(report->fatal);
  }
  return report->clean() ? kExitOk : kExitPartialFailure;
}

}  // namespace

void AddIngestCommand(CLI::App& app, CommandRunner* run) {
  auto f = std::make_shared<IngestFlags>();
  auto* sub = app.add_subcommand(
      "ingest", "Move records from a directory or S3 bucket into the database (e.g. narinfos)");
  sub->add_option("--from", f->opts.source_url,
                  "Source: file:///dir or s3://bucket/prefix?endpoint=...&region=...")
      ->required();
  sub->add_option("--format", f->opts.format, "Record format (codec): narinfo");
  sub->add_option("--db", f->db, "Database URL (overrides the global --db)");
  sub->add_option("--prefix", f->opts.prefix, "Only objects whose key starts with this");
  sub->add_option("--concurrency", f->opts.concurrency, "Fetch+parse workers (default 10)")
      ->check(CLI::Range(1, 1000));
  sub->add_option("--batch-size", f->opts.batch_size, "Objects per transaction (default 1000)")
      ->check(CLI::Range(1, 100000));
  sub->add_option("--writers", f->opts.writers,
                  "Writer connections (default: 1 for SQLite, min(4, concurrency) otherwise)");
  sub->add_flag("--dry-run", f->opts.dry_run,
                "List and parse, count what would be migrated; write and delete nothing");
  sub->add_flag("--delete-source", f->opts.delete_source,
                "Delete each object once its rows are committed (also those already migrated)");
  sub->add_option("--lock", f->lock.backend, "Lock backend: local, redis or postgres")
      ->check(CLI::IsMember({"local", "redis", "postgres"}));
  sub->add_option("--redis-addrs", f->lock.redis_addrs, "Redis host:port[,host:port...]");
  sub->add_option("--redis-username", f->lock.redis_username, "Redis ACL user");
  sub->add_option("--redis-password", f->lock.redis_password,
                  "Redis password (or REDIS_PASSWORD; never logged)");
  sub->add_option("--redis-db", f->lock.redis_db, "Redis database number (default 0)");
  sub->add_flag("--redis-tls", f->lock.redis_tls, "Use TLS for Redis");
  sub->add_option("--redis-key-prefix", f->lock.redis_key_prefix,
                  "Prefix of lock keys in Redis (default ferry:lock:)");
  sub->add_flag("--lock-allow-degraded", f->lock.allow_degraded,
                "Fall back to local locks when Redis is down (logged loudly)");
  sub->add_option("--lock-retry-max-attempts", f->lock.retry_max_attempts,
                  "Attempts per Redis command (default 3)");
  sub->add_option("--lock-lease", f->lock_lease_seconds,
                  "Seconds a lease lives without its holder (default 120)");
  sub->add_option("--access-key-id", f->access_key_id, "S3 access key (or AWS_ACCESS_KEY_ID)");
  sub->add_option("--secret-access-key", f->secret_access_key,
                  "S3 secret key (or AWS_SECRET_ACCESS_KEY; never logged)");
  sub->add_option("--store-max-attempts", f->store_max_attempts,
                  "Attempts per S3 request on server errors (default 5)");
  sub->add_option("--metrics-file", f->opts.metrics_file,
                  "Write Prometheus metrics here (periodically and at the end)");
  sub->add_option("--metrics-listen", f->metrics_listen, "Serve /metrics on HOST:PORT");
  sub->add_option("--log-level", f->log_level, "debug, info, warn or error (default info)");
  sub->add_option("--limit", f->opts.limit, "Stop after this many objects (for trials)");
  sub->callback([run, f] { *run = [f](CommandContext& ctx) { return Run(ctx, *f); }; });
}

}  // namespace ferry::cli
