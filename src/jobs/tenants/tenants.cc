#include "jobs/tenants/tenants.h"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <mutex>
#include <set>
#include <thread>

#include "core/sql_splitter.h"
#include "core/tx_mode.h"
#include "db/database.h"
#include "db/database_url.h"
#include "db/transaction.h"
#include "jobs/tenants/process_runner.h"
#include "jobs/tenants/tenant_migration.h"
#include "jobs/tenants/tenant_rollover.h"
#include "util/duration.h"
#include "util/strings.h"

namespace ferry {
namespace {

constexpr const char* kMarkerTable = "ferry_tenant_version";

std::string VersionLabel(const std::string& v) { return v.empty() ? "none" : v; }

std::string DefaultRunnerId(Env* env) {
  char rnd[17];
  std::snprintf(rnd, sizeof rnd, "%016llx", static_cast<unsigned long long>(env->Random64()));
  return env->HostName() + ":" + std::to_string(env->ProcessId()) + ":" + std::string(rnd, 8);
}

std::string RolloverSourceError() {
  return "rollover migrations rebuild a tenant's own table: they need schema-per-tenant "
         "(--tenants-schemas) or database-per-tenant (--tenants-urls, --tenants-dir) tenants";
}

// Rollovers cannot run for tenants that share the main database's tables.
Status CheckRolloverSource(const TenantMigrationSet& set, const TenantSourceSpec& source) {
  if (source.kind != TenantSourceKind::kQuery && source.kind != TenantSourceKind::kLedger) {
    return Status::OK();
  }
  for (const TenantMigration& m : set.migrations) {
    if (m.kind == TenantMigrationKind::kRollover) {
      return InvalidArgument(m.path + ": " + RolloverSourceError());
    }
  }
  return Status::OK();
}

std::string Tail(const std::string& s, size_t n) {
  return s.size() <= n ? s : "..." + s.substr(s.size() - n);
}

// State shared by the workers of one run.
class Run {
 public:
  Run(const TenantsOptions& o, const TenantsDeps& d, const TenantMigrationSet& set)
      : o_(o), d_(d), set_(set), owner_(o.runner_id.empty() ? DefaultRunnerId(d.env) : o.runner_id) {}

  Status Prepare(Database* main, TenantsRunReport* report);
  void Worker();
  Status fatal() {
    std::lock_guard<std::mutex> l(mu_);
    return fatal_;
  }
  std::vector<TenantOutcome> TakeOutcomes() {
    std::lock_guard<std::mutex> l(mu_);
    return std::move(outcomes_);
  }
  ProgressReporter* progress = nullptr;

 private:
  struct WorkerCtx {
    std::unique_ptr<Database> main;
    std::unique_ptr<TenantLedger> ledger;
    // For the migration being applied: kFinish when it is the tenant's last,
    // so its Advance also marks the tenant done.
    AdvanceThen then = AdvanceThen::kKeepLease;
  };
  void SetFatal(const Status& st) {
    std::lock_guard<std::mutex> l(mu_);
    if (fatal_.ok()) fatal_ = st;
    stop_ = true;
  }
  bool stopped() {
    std::lock_guard<std::mutex> l(mu_);
    return stop_;
  }
  // Lists the source and adds tenants the ledger lacks. Returns how many.
  Result<int64_t> Sync(TenantLedger* ledger);
  std::optional<Tenant> Lookup(TenantLedger* ledger, const std::string& id);
  void ProcessTenant(WorkerCtx& w, const TenantRow& row);
  Status Apply(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
               const std::string& from);
  Status ApplySqlSameDb(WorkerCtx& w, const Tenant& t, const TenantMigration& m,
                        const std::string& from);
  Status ApplySqlOwnDb(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
                       const std::string& from);
  Status ApplyExecutable(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
                         const std::string& from);
  Status ApplyRollover(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
                       const std::string& from);
  std::chrono::microseconds Backoff(int64_t attempts);
  void Record(TenantOutcome o) {
    std::lock_guard<std::mutex> l(mu_);
    outcomes_.push_back(std::move(o));
  }
  void LockedWorkerLoop(WorkerCtx& w);
  void LeaseWorkerLoop(WorkerCtx& w);

  const TenantsOptions& o_;
  const TenantsDeps& d_;
  const TenantMigrationSet& set_;
  const std::string owner_;

  std::mutex mu_;
  Status fatal_;                          // GUARDED_BY(mu_)
  bool stop_ = false;                     // GUARDED_BY(mu_)
  std::map<std::string, Tenant> tenants_;  // GUARDED_BY(mu_)
  std::vector<TenantOutcome> outcomes_;   // GUARDED_BY(mu_)
  // Redis mode: tenants to try, and the next one to take.
  std::vector<std::string> candidates_;  // GUARDED_BY(mu_)
  size_t next_candidate_ = 0;            // GUARDED_BY(mu_)
  std::set<std::string> tried_;          // GUARDED_BY(mu_)
  std::mutex sync_mu_;                   // one Sync at a time
  std::atomic<int64_t> applied_{0};
 public:
  int64_t applied() const { return applied_.load(); }
};

Result<int64_t> Run::Sync(TenantLedger* ledger) {
  std::lock_guard<std::mutex> sl(sync_mu_);
  FERRY_ASSIGN_OR_RETURN(std::vector<Tenant> listed, ListTenants(o_.source, ledger->db(), d_.env));
  std::vector<std::string> ids;
  {
    std::lock_guard<std::mutex> l(mu_);
    for (Tenant& t : listed) {
      ids.push_back(t.id);
      tenants_[t.id] = std::move(t);
    }
  }
  return ledger->AddMissing(ids);
}

std::optional<Tenant> Run::Lookup(TenantLedger* ledger, const std::string& id) {
  // Tenants in the main database need nothing but their id, so a registered
  // tenant the source does not list (yet) is still migrated.
  if (o_.source.kind == TenantSourceKind::kLedger || o_.source.kind == TenantSourceKind::kQuery) {
    return Tenant{id, "", ""};
  }
  for (int pass = 0; pass < 2; ++pass) {
    {
      std::lock_guard<std::mutex> l(mu_);
      auto it = tenants_.find(id);
      if (it != tenants_.end()) return it->second;
    }
    if (pass == 0 && !Sync(ledger).ok()) break;  // added since we listed?
  }
  return std::nullopt;
}

Status Run::Prepare(Database* main, TenantsRunReport* report) {
  TenantLedger ledger(main, d_.env);
  FERRY_RETURN_IF_ERROR(ledger.Ensure());
  FERRY_ASSIGN_OR_RETURN(report->tenants_new, Sync(&ledger));
  FERRY_ASSIGN_OR_RETURN(int64_t reopened, ledger.ReopenOutdated(set_.LatestVersion()));
  if (o_.retry_failed) {
    FERRY_ASSIGN_OR_RETURN(int64_t retried, ledger.RetryFailed(o_.only_tenant));
    d_.logger->Info("failed tenants back to pending", {{"tenants", retried}});
  }
  if (o_.only_tenant) {
    FERRY_ASSIGN_OR_RETURN(auto row, ledger.Get(*o_.only_tenant));
    if (!row) {
      return NotFound("unknown tenant \"" + *o_.only_tenant + "\": not listed by " +
                      o_.source.Describe() + " nor in ferry_tenants");
    }
  }
  if (reopened > 0) d_.logger->Info("tenants behind the latest version", {{"tenants", reopened}});
  if (d_.lock != nullptr) {
    FERRY_ASSIGN_OR_RETURN(std::vector<TenantRow> rows, ledger.List());
    std::lock_guard<std::mutex> l(mu_);
    for (const TenantRow& r : rows) {
      if (r.state != kTenantPending && r.state != kTenantRunning) continue;
      if (o_.only_tenant && r.tenant != *o_.only_tenant) continue;
      candidates_.push_back(r.tenant);
    }
  }
  return Status::OK();
}

std::chrono::microseconds Run::Backoff(int64_t attempts) {
  double base = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(o_.backoff_base).count());
  double cap = static_cast<double>(std::chrono::duration_cast<std::chrono::microseconds>(o_.backoff_max).count());
  double d = base;
  for (int64_t i = 1; i < attempts && d < cap; ++i) d *= 2;
  d = std::min(d, cap);
  // "Equal jitter": half fixed, half random, so runners that failed together
  // do not retry together.
  double r = static_cast<double>(d_.env->Random64() % 1000000) / 1000000.0;
  return std::chrono::microseconds(static_cast<int64_t>(d / 2 + r * d / 2));
}

Status Run::ApplySqlSameDb(WorkerCtx& w, const Tenant& t, const TenantMigration& m,
                           const std::string& from) {
  Database* db = w.main.get();
  TenantSqlBinding b;
  if (!t.schema.empty()) b.quoted_schema = db->QuoteIdentifier(t.schema);
  FERRY_ASSIGN_OR_RETURN(std::vector<BoundStatement> stmts, BindTenantSql(m, db->dialect(), b));
  TxDecision tx_mode = DecideTxMode(m.sql, SplitStatements(m.sql, db->dialect()), db->dialect());
  const std::vector<Value> params = {Value(t.id)};
  auto run_all = [&]() -> Status {
    for (const BoundStatement& s : stmts) {
      Status st = s.uses_tenant ? db->Execute(s.text, params).status() : db->Exec(s.text);
      if (!st.ok()) return st.WithContext(m.path + ":" + std::to_string(s.line));
    }
    return Status::OK();
  };
  if (tx_mode.mode != TxMode::kTransaction) {
    if (!t.schema.empty()) FERRY_RETURN_IF_ERROR(db->Exec("SET search_path TO " + b.quoted_schema + ", public"));
    Status st = run_all();
    if (!t.schema.empty()) (void)db->Exec("RESET search_path");
    FERRY_RETURN_IF_ERROR(st);
    return w.ledger->Advance(t.id, owner_, from, m.version.ToString(), w.then);
  }
  Transaction tx(db);
  FERRY_RETURN_IF_ERROR(tx.Begin());
  // First: lock our ledger row and move the version; if another runner moved
  // it (or took the lease) nothing runs.
  FERRY_RETURN_IF_ERROR(w.ledger->Advance(t.id, owner_, from, m.version.ToString(), w.then));
  if (!t.schema.empty()) {
    FERRY_RETURN_IF_ERROR(db->Exec("SET LOCAL search_path TO " + b.quoted_schema + ", public"));
  }
  FERRY_RETURN_IF_ERROR(run_all());
  return tx.Commit();
}

Status Run::ApplySqlOwnDb(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
                          const std::string& from) {
  FERRY_ASSIGN_OR_RETURN(std::vector<BoundStatement> stmts, BindTenantSql(m, tdb->dialect(), {}));
  TxDecision tx_mode = DecideTxMode(m.sql, SplitStatements(m.sql, tdb->dialect()), tdb->dialect());
  const std::vector<Value> params = {Value(t.id)};
  const std::string to = m.version.ToString();
  const std::string move_marker = std::string("UPDATE ") + kMarkerTable +
                                  " SET version = $1 WHERE tenant = $2 AND version = $3";
  auto run_all = [&]() -> Status {
    for (const BoundStatement& s : stmts) {
      Status st = s.uses_tenant ? tdb->Execute(s.text, params).status() : tdb->Exec(s.text);
      if (!st.ok()) return st.WithContext(m.path + ":" + std::to_string(s.line));
    }
    return Status::OK();
  };
  if (tx_mode.mode != TxMode::kTransaction) {
    FERRY_RETURN_IF_ERROR(run_all());
    FERRY_RETURN_IF_ERROR(tdb->Execute(move_marker, {Value(to), Value(t.id), Value(from)}).status());
  } else {
    Transaction tx(tdb);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    auto moved = tdb->Execute(move_marker, {Value(to), Value(t.id), Value(from)});
    if (!moved.ok()) return moved.status();
    if (*moved != 1) {
      return Locked("tenant " + t.id + ": its database is no longer at version " +
                    VersionLabel(from) + " (another runner?)");
    }
    FERRY_RETURN_IF_ERROR(run_all());
    FERRY_RETURN_IF_ERROR(tx.Commit());
  }
  return w.ledger->Advance(t.id, owner_, from, to, w.then);
}

// Moves the marker of a database-per-tenant tenant from `from` to `to`
// (after work that could not share its transaction).
Status MoveMarker(Database* tdb, const Tenant& t, const std::string& from, const std::string& to) {
  return tdb->Execute(std::string("UPDATE ") + kMarkerTable +
                          " SET version = $1 WHERE tenant = $2 AND version = $3",
                      {Value(to), Value(t.id), Value(from)})
      .status();
}

Status Run::ApplyExecutable(WorkerCtx& w, const Tenant& t, Database* tdb,
                            const TenantMigration& m, const std::string& from) {
  ProcessSpec spec;
  spec.argv = {m.path};
  spec.env = {{"FERRY_TENANT", t.id},
              {"FERRY_DATABASE_URL", t.database_url.empty() ? o_.database_url : t.database_url},
              {"FERRY_TENANT_SCHEMA", t.schema},
              {"FERRY_MIGRATION_VERSION", m.version.ToString()},
              {"FERRY_MIGRATION_NAME", m.name}};
  spec.timeout = o_.exec_timeout;
  spec.tick_every = std::max(std::chrono::milliseconds(100), o_.lease / 3);
  Status lease_lost;
  spec.on_tick = [&] {
    Status st = w.ledger->Extend(t.id, owner_, o_.lease);
    if (!st.ok() && lease_lost.ok()) lease_lost = st;
  };
  FERRY_ASSIGN_OR_RETURN(ProcessOutcome out, RunProcess(spec, d_.env));
  if (!out.ok()) {
    std::string output = Trim(Tail(out.output, 2000));
    Status st = out.timed_out ? Timeout(m.path + ": " + out.Describe())
                              : ExecutionFailed(m.path + ": " + out.Describe());
    return output.empty() ? st : Status(st.code(), st.message() + "; output: " + output);
  }
  if (!lease_lost.ok()) return Locked(lease_lost.message());
  if (tdb != nullptr) {
    // Marker first, ledger second, as for SQL: a crash between the two is
    // repaired from the marker, never by running the program again.
    FERRY_RETURN_IF_ERROR(MoveMarker(tdb, t, from, m.version.ToString()));
  }
  return w.ledger->Advance(t.id, owner_, from, m.version.ToString(), w.then);
}

Status Run::ApplyRollover(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
                          const std::string& from) {
  Database* db = tdb;
  std::unique_ptr<Database> own;
  if (db == nullptr) {
    if (t.schema.empty()) return InvalidArgument(m.path + ": " + RolloverSourceError());
    // Its own connection: the session's search_path is the tenant's schema
    // for the whole reshape (many transactions), while the worker's
    // connection keeps seeing ferry_tenants.
    FERRY_ASSIGN_OR_RETURN(own, OpenDatabase(o_.database_url, d_.env));
    FERRY_RETURN_IF_ERROR(own->Exec("SET search_path TO " + own->QuoteIdentifier(t.schema)));
    db = own.get();
  }
  auto renewed = d_.env->Now();
  Status lease_lost;
  auto tick = [&] {
    if (!lease_lost.ok() || d_.env->Now() - renewed < o_.lease / 3) return;
    lease_lost = w.ledger->Extend(t.id, owner_, o_.lease);
    renewed = d_.env->Now();
  };
  FERRY_RETURN_IF_ERROR(RunTenantRollover(m, t, db, d_.env, d_.logger, tick).status());
  // The swap is done (or was, by an earlier attempt); a runner that lost the
  // lease meanwhile leaves the version to the one holding it.
  if (!lease_lost.ok()) return Locked(lease_lost.message());
  const std::string to = m.version.ToString();
  if (tdb != nullptr) FERRY_RETURN_IF_ERROR(MoveMarker(tdb, t, from, to));
  return w.ledger->Advance(t.id, owner_, from, to, w.then);
}

Status Run::Apply(WorkerCtx& w, const Tenant& t, Database* tdb, const TenantMigration& m,
                  const std::string& from) {
  if (m.kind == TenantMigrationKind::kExecutable) return ApplyExecutable(w, t, tdb, m, from);
  if (m.kind == TenantMigrationKind::kRollover) return ApplyRollover(w, t, tdb, m, from);
  return tdb != nullptr ? ApplySqlOwnDb(w, t, tdb, m, from) : ApplySqlSameDb(w, t, m, from);
}

void Run::ProcessTenant(WorkerCtx& w, const TenantRow& row) {
  TenantOutcome out;
  out.tenant = row.tenant;
  out.from_version = out.to_version = row.version;
  progress->AddFound();
  auto finish = [&](bool failed, const std::string& error) {
    out.failed = failed;
    out.error = error;
    progress->AddProcessed();
    if (failed) progress->AddFailed(); else progress->AddSucceeded();
    Record(out);
  };
  auto fail_final = [&](const Status& st) {
    std::string msg = RedactSecrets(st.message());
    Status rs = w.ledger->RecordFailure(row.tenant, owner_, std::max<int64_t>(1, row.attempts),
                                        msg, /*final=*/true);
    if (!rs.ok()) SetFatal(rs);
    d_.logger->Error("tenant failed", {{"tenant", row.tenant}, {"error", msg}});
    finish(true, msg);
  };
  std::optional<Tenant> tenant = Lookup(w.ledger.get(), row.tenant);
  if (!tenant) {
    fail_final(NotFound("tenant " + row.tenant + " is no longer listed by " + o_.source.Describe()));
    return;
  }
  std::string cur = row.version;
  std::unique_ptr<Database> tdb;
  if (!tenant->database_url.empty()) {
    auto opened = OpenDatabase(tenant->database_url, d_.env);
    Status st = opened.status();
    if (opened.ok()) {
      tdb = std::move(opened).value();
      st = tdb->Exec(std::string("CREATE TABLE IF NOT EXISTS ") + kMarkerTable +
                     " (tenant TEXT PRIMARY KEY, version TEXT NOT NULL)");
      if (st.ok()) {
        st = tdb->Execute(std::string("INSERT INTO ") + kMarkerTable +
                              " (tenant, version) VALUES ($1, $2) ON CONFLICT (tenant) DO NOTHING",
                          {Value(row.tenant), Value(cur)})
                 .status();
      }
      if (st.ok()) {
        auto marker = tdb->Query(std::string("SELECT version FROM ") + kMarkerTable +
                                     " WHERE tenant = $1",
                                 {Value(row.tenant)});
        st = marker.status();
        if (st.ok() && !marker->empty()) {
          std::string at = marker->GetText(0, 0).value_or("");
          if (at != cur) {
            // The tenant database committed a migration the ledger never heard
            // of (a crash between the two): the marker is the truth.
            st = w.ledger->Advance(row.tenant, owner_, cur, at);
            if (st.ok()) {
              d_.logger->Warn("tenant version taken from its database",
                              {{"tenant", row.tenant}, {"ledger", VersionLabel(cur)}, {"database", VersionLabel(at)}});
              cur = at;
            }
          }
        }
      }
    }
    if (!st.ok()) {
      // Not reachable now: count it as a failed attempt so it is retried.
      int64_t attempts = row.attempts + 1;
      bool final = attempts >= o_.max_attempts;
      std::string msg = RedactSecrets(st.WithContext("tenant " + row.tenant).message());
      Status rs = w.ledger->RecordFailure(row.tenant, owner_, attempts, msg, final);
      if (!final && rs.ok()) rs = w.ledger->Release(row.tenant, owner_);
      if (!rs.ok()) SetFatal(rs);
      finish(final, msg);
      return;
    }
  }
  auto pending = set_.PendingAfter(cur);
  if (!pending.ok()) {
    fail_final(pending.status());
    return;
  }
  int64_t attempts = row.attempts;
  // The claim gave a fresh lease; it is pushed out again only once a third
  // of it has passed, which saves a ledger write per migration.
  auto lease_renewed = d_.env->Now();
  bool finished = false;  // by the last migration's Advance
  for (const TenantMigration* m : *pending) {
    const std::string version = m->version.ToString();
    w.then = m == pending->back() ? AdvanceThen::kFinish : AdvanceThen::kKeepLease;
    while (true) {
      if (stopped()) {
        (void)w.ledger->Release(row.tenant, owner_);
        finish(false, "stopped");
        return;
      }
      Status st;
      if (d_.env->Now() - lease_renewed >= o_.lease / 3) {
        st = w.ledger->Extend(row.tenant, owner_, o_.lease);
        if (!st.ok()) {
          if (st.code() != Code::kNotFound) SetFatal(st);
          finish(false, st.message());
          return;
        }
        lease_renewed = d_.env->Now();
      }
      auto t0 = d_.env->Now();
      st = Apply(w, *tenant, tdb.get(), *m, cur);
      double secs = Seconds(d_.env->Now() - t0);
      if (d_.metrics) {
        d_.metrics->Histogram("ferry_tenant_migration_duration_seconds",
                              "Time to apply one tenant migration to one tenant.",
                              {{"version", version}})
            .Observe(secs);
        d_.metrics->Counter("ferry_tenant_migrations_total", "Tenant migrations run, by result.",
                            {{"version", version}, {"result", st.ok() ? "success" : "failure"}})
            .Inc();
      }
      if (st.ok()) {
        d_.logger->Debug("tenant migration applied",
                         {{"tenant", row.tenant}, {"version", version}, {"name", m->name}, {"duration", secs}});
        cur = version;
        finished = w.then == AdvanceThen::kFinish;
        out.to_version = cur;
        ++out.applied;
        applied_.fetch_add(1);
        attempts = 0;
        break;
      }
      if (st.code() == Code::kLocked) {  // another runner has it: not our failure
        d_.logger->Warn("tenant taken over by another runner", {{"tenant", row.tenant}, {"error", st.message()}});
        finish(false, st.message());
        return;
      }
      if (st.code() == Code::kUnavailable && !w.main->InTransaction()) {
        // Maybe the main database itself is gone; the failure is recorded below
        // if it is not.
      }
      ++attempts;
      bool final = attempts >= o_.max_attempts;
      std::string msg = RedactSecrets(st.message());
      Status rs = w.ledger->RecordFailure(row.tenant, owner_, attempts, msg, final);
      if (!rs.ok()) {
        SetFatal(rs.WithContext("recording a failure of tenant " + row.tenant));
        finish(true, msg);
        return;
      }
      if (final) {
        d_.logger->Error("tenant failed",
                         {{"tenant", row.tenant}, {"version", version}, {"attempts", attempts}, {"error", msg}});
        finish(true, msg);
        return;
      }
      auto wait = Backoff(attempts);
      d_.logger->Warn("tenant migration failed, retrying",
                      {{"tenant", row.tenant}, {"version", version}, {"attempt", attempts},
                       {"retry_in", std::chrono::duration<double>(wait)}, {"error", msg}});
      d_.env->SleepFor(wait);
    }
  }
  if (!finished) {
    Status st = w.ledger->Finish(row.tenant, owner_);
    if (!st.ok() && st.code() != Code::kNotFound) SetFatal(st);
  }
  finish(false, "");
}

void Run::LeaseWorkerLoop(WorkerCtx& w) {
  bool synced_when_idle = false;
  while (!stopped()) {
    auto row = w.ledger->Claim(owner_, o_.lease, o_.only_tenant);
    if (!row.ok()) {
      SetFatal(row.status());
      return;
    }
    if (!*row) {
      if (o_.only_tenant || synced_when_idle) return;
      // Nothing to claim: tenants added since the run began?
      synced_when_idle = true;
      auto added = Sync(w.ledger.get());
      if (!added.ok()) {
        SetFatal(added.status());
        return;
      }
      continue;
    }
    synced_when_idle = false;
    ProcessTenant(w, **row);
  }
}

void Run::LockedWorkerLoop(WorkerCtx& w) {
  bool resynced = false;
  while (!stopped()) {
    std::string id;
    {
      std::lock_guard<std::mutex> l(mu_);
      if (next_candidate_ < candidates_.size()) id = candidates_[next_candidate_++];
    }
    if (id.empty()) {
      if (o_.only_tenant || resynced) return;
      resynced = true;
      std::lock_guard<std::mutex> sl(sync_mu_);  // one worker refills the list
      {
        std::lock_guard<std::mutex> l(mu_);
        if (next_candidate_ < candidates_.size()) continue;
      }
      auto listed = ListTenants(o_.source, w.main.get(), d_.env);
      std::vector<std::string> ids;
      if (listed.ok()) {
        std::lock_guard<std::mutex> l(mu_);
        for (Tenant& t : *listed) {
          ids.push_back(t.id);
          tenants_[t.id] = std::move(t);
        }
      }
      if (!listed.ok() || !w.ledger->AddMissing(ids).ok()) continue;
      auto rows = w.ledger->List();
      if (!rows.ok()) {
        SetFatal(rows.status());
        return;
      }
      std::lock_guard<std::mutex> l(mu_);
      for (const TenantRow& r : *rows) {
        if ((r.state == kTenantPending || r.state == kTenantRunning) && !tried_.count(r.tenant)) {
          candidates_.push_back(r.tenant);
        }
      }
      continue;
    }
    {
      std::lock_guard<std::mutex> l(mu_);
      if (!tried_.insert(id).second) continue;
    }
    auto lease = d_.lock->Acquire("tenant:" + id, o_.lease, Deadline{d_.env->Now()});
    if (!lease.ok()) {
      if (lease.status().code() == Code::kLocked || lease.status().code() == Code::kTimeout) continue;
      SetFatal(lease.status().WithContext(d_.lock->Describe()));
      return;
    }
    auto row = w.ledger->TakeOver(id, owner_, o_.lease);
    if (!row.ok()) {
      SetFatal(row.status());
      return;
    }
    if (*row) ProcessTenant(w, **row);
    (void)(*lease)->Release();
  }
}

void Run::Worker() {
  WorkerCtx w;
  auto db = OpenDatabase(o_.database_url, d_.env);
  if (!db.ok()) {
    SetFatal(db.status().WithContext("main database"));
    return;
  }
  w.main = std::move(db).value();
  w.ledger = std::make_unique<TenantLedger>(w.main.get(), d_.env);
  if (d_.lock != nullptr) {
    LockedWorkerLoop(w);
  } else {
    LeaseWorkerLoop(w);
  }
}

Status RunGlobalMigrations(const TenantsOptions& o, const TenantsDeps& d, TenantsRunReport* report) {
  MigratorOptions mo;
  mo.database_url = o.database_url;
  mo.migrations_dir = o.global_migrations_dir;
  mo.lock_timeout = o.global_lock_timeout;
  mo.env = d.env;
  Logger* log = d.logger;
  mo.on_event = [log](const MigrationEvent& e) {
    if (e.kind == MigrationEvent::Kind::kApplied) {
      log->Info("global migration applied", {{"version", e.version}, {"name", e.name}});
    } else if (e.kind == MigrationEvent::Kind::kFailed) {
      log->Error("global migration failed", {{"version", e.version}, {"error", e.message}});
    }
  };
  FERRY_ASSIGN_OR_RETURN(auto migrator, Migrator::Open(mo));
  FERRY_ASSIGN_OR_RETURN(report->global_steps, migrator->Up());
  return Status::OK();
}

void PublishVersionGauge(TenantLedger* ledger, MetricsRegistry* metrics) {
  if (metrics == nullptr) return;
  auto counts = ledger->CountByVersion();
  if (!counts.ok()) return;
  for (const auto& [v, n] : *counts) {
    metrics->Gauge("ferry_tenants_by_version", "Tenants at each data version (none = no tenant "
                   "migration yet).", {{"version", VersionLabel(v)}})
        .Set(static_cast<double>(n));
  }
}

}  // namespace

Result<TenantsRunReport> RunTenantsUp(const TenantsOptions& o, const TenantsDeps& d) {
  if (o.concurrency < 1) return InvalidArgument("--concurrency must be at least 1");
  if (o.max_attempts < 1) return InvalidArgument("--max-attempts must be at least 1");
  FERRY_ASSIGN_OR_RETURN(TenantMigrationSet set, LoadTenantMigrations(o.tenant_migrations_dir, d.env));
  for (const std::string& w : set.warnings) d.logger->Warn(w);
  FERRY_RETURN_IF_ERROR(CheckRolloverSource(set, o.source));
  TenantsRunReport report;
  report.latest_version = set.LatestVersion();
  if (!o.global_migrations_dir.empty()) {
    FERRY_RETURN_IF_ERROR(RunGlobalMigrations(o, d, &report).WithContext("global migrations"));
  }
  FERRY_ASSIGN_OR_RETURN(auto main, OpenDatabase(o.database_url, d.env));
  Run run(o, d, set);
  FERRY_RETURN_IF_ERROR(run.Prepare(main.get(), &report));

  ProgressOptions po;
  po.operation = "tenant migration";
  ProgressReporter progress(d.env, d.logger, po);
  run.progress = &progress;
  progress.Start();
  std::vector<std::thread> workers;
  for (int i = 0; i < o.concurrency; ++i) workers.emplace_back([&run] { run.Worker(); });
  for (std::thread& t : workers) t.join();
  report.progress = progress.Finish();
  report.fatal = run.fatal();
  report.migrations_applied = run.applied();
  report.outcomes = run.TakeOutcomes();
  std::sort(report.outcomes.begin(), report.outcomes.end(),
            [](const TenantOutcome& a, const TenantOutcome& b) { return a.tenant < b.tenant; });

  TenantLedger ledger(main.get(), d.env);
  auto rows = ledger.List();
  if (rows.ok()) {
    for (const TenantRow& r : *rows) {
      if (r.state == kTenantFailed && (!o.only_tenant || r.tenant == *o.only_tenant)) {
        ++report.tenants_failed_total;
      }
    }
  } else if (report.fatal.ok()) {
    report.fatal = rows.status();
  }
  PublishVersionGauge(&ledger, d.metrics);
  if (d.metrics != nullptr && !o.metrics_file.empty()) {
    Status st = d.metrics->WriteTextFile(d.env, o.metrics_file);
    if (!st.ok()) d.logger->Warn("cannot write metrics file", {{"error", st.message()}});
  }
  return report;
}

Result<TenantsPlanReport> PlanTenants(const TenantsOptions& o, Env* env) {
  FERRY_ASSIGN_OR_RETURN(TenantMigrationSet set, LoadTenantMigrations(o.tenant_migrations_dir, env));
  FERRY_RETURN_IF_ERROR(CheckRolloverSource(set, o.source));
  FERRY_ASSIGN_OR_RETURN(auto main, OpenDatabase(o.database_url, env));
  TenantsPlanReport report;
  report.latest_version = set.LatestVersion();
  for (const TenantMigration& m : set.migrations) {
    PlannedMigration pm{m.version.ToString(), m.name, std::string(TenantMigrationKindName(m.kind)), ""};
    if (m.kind == TenantMigrationKind::kRollover) {
      pm.detail = "reshape " + m.plan.table + " into a new table and swap (" + m.path + ")";
    }
    report.migrations.push_back(std::move(pm));
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<Tenant> listed, ListTenants(o.source, main.get(), env));
  TenantLedger ledger(main.get(), env);
  std::map<std::string, TenantRow> rows;
  FERRY_ASSIGN_OR_RETURN(bool exists, ledger.Exists());
  if (exists) {
    FERRY_ASSIGN_OR_RETURN(auto all, ledger.List());
    for (TenantRow& r : all) rows[r.tenant] = std::move(r);
  }
  for (const Tenant& t : listed) {
    if (!rows.count(t.id)) rows[t.id] = TenantRow{t.id, "", "new", 0, "", "", "", 0};
  }
  if (o.only_tenant && !rows.count(*o.only_tenant)) {
    return NotFound("unknown tenant \"" + *o.only_tenant + "\": not listed by " +
                    o.source.Describe() + " nor in ferry_tenants");
  }
  for (const auto& [id, r] : rows) {
    if (o.only_tenant && id != *o.only_tenant) continue;
    TenantPlan p;
    p.tenant = id;
    p.version = r.version;
    p.state = r.state;
    auto pending = set.PendingAfter(r.version);
    if (!pending.ok()) {
      p.error = pending.status().message();
    } else if (r.state != kTenantFailed || o.retry_failed) {
      for (const TenantMigration* m : *pending) p.pending.push_back(m->version.ToString());
    }
    report.tenants.push_back(std::move(p));
  }
  return report;
}

Result<TenantsStatusReport> TenantsStatus(const TenantsOptions& o, Env* env) {
  TenantsStatusReport report;
  auto set = LoadTenantMigrations(o.tenant_migrations_dir, env);
  if (set.ok()) report.latest_version = set->LatestVersion();
  FERRY_ASSIGN_OR_RETURN(auto main, OpenDatabase(o.database_url, env));
  TenantLedger ledger(main.get(), env);
  std::map<std::string, TenantRow> rows;
  FERRY_ASSIGN_OR_RETURN(bool exists, ledger.Exists());
  if (exists) {
    FERRY_ASSIGN_OR_RETURN(auto all, ledger.List());
    for (TenantRow& r : all) rows[r.tenant] = std::move(r);
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<Tenant> listed, ListTenants(o.source, main.get(), env));
  for (const Tenant& t : listed) {
    if (!rows.count(t.id)) rows[t.id] = TenantRow{t.id, "", "new", 0, "", "", "", 0};
  }
  for (auto& [id, r] : rows) {
    if (o.only_tenant && id != *o.only_tenant) continue;
    ++report.by_state[r.state];
    ++report.by_version[r.version];
    report.tenants.push_back(std::move(r));
  }
  if (o.only_tenant && report.tenants.empty()) {
    return NotFound("unknown tenant \"" + *o.only_tenant + "\"");
  }
  return report;
}

Status RegisterTenants(const TenantsOptions& o, const std::vector<std::string>& ids, Env* env) {
  if (ids.empty()) return InvalidArgument("register: give at least one tenant id");
  FERRY_ASSIGN_OR_RETURN(TenantMigrationSet set, LoadTenantMigrations(o.tenant_migrations_dir, env));
  FERRY_ASSIGN_OR_RETURN(auto main, OpenDatabase(o.database_url, env));
  TenantLedger ledger(main.get(), env);
  FERRY_RETURN_IF_ERROR(ledger.Ensure());
  for (const std::string& id : ids) {
    if (Trim(id).empty()) return InvalidArgument("register: empty tenant id");
    FERRY_RETURN_IF_ERROR(ledger.Register(id, set.LatestVersion()));
  }
  return Status::OK();
}

}  // namespace ferry
