#include "jobs/tenants/tenant_ledger.h"

#include <set>

#include "db/transaction.h"
#include "util/strings.h"

namespace ferry {
namespace {

constexpr const char* kColumns =
    "tenant, version, state, attempts, last_error, updated_at, lease_owner, lease_expires_at";

TenantRow RowAt(const Rows& rows, size_t i) {
  TenantRow r;
  r.tenant = rows.GetText(i, 0).value_or("");
  r.version = rows.GetText(i, 1).value_or("");
  r.state = rows.GetText(i, 2).value_or("");
  r.attempts = rows.GetInt(i, 3).value_or(0);
  r.last_error = rows.GetText(i, 4).value_or("");
  r.updated_at = rows.GetText(i, 5).value_or("");
  r.lease_owner = rows.GetText(i, 6).value_or("");
  r.lease_expires_at = rows.GetInt(i, 7).value_or(0);
  return r;
}

Status Ctx(const Status& st) { return st.WithContext("ferry_tenants"); }

}  // namespace

int64_t TenantLedger::NowMicros() {
  return env_->WallMicros();
}

std::string TenantLedger::NowText() { return FormatIsoTime(NowMicros()); }

Status TenantLedger::Ensure() {
  const std::string create = std::string("CREATE TABLE IF NOT EXISTS ") + kTable +
                             " (tenant TEXT PRIMARY KEY, version TEXT NOT NULL DEFAULT '', "
                             "state TEXT NOT NULL, attempts INTEGER NOT NULL DEFAULT 0, "
                             "last_error TEXT, updated_at TEXT NOT NULL, lease_owner TEXT, "
                             "lease_expires_at BIGINT)";
  const std::string index = std::string("CREATE INDEX IF NOT EXISTS ferry_tenants_state ON ") +
                            kTable + " (state, tenant)";
  for (const std::string& sql : {create, index}) {
    Status st = db_->Exec(sql);
    if (!st.ok()) {
      // Two runners creating the table at once: PostgreSQL may refuse the
      // loser with a unique violation on its catalog although the table now
      // exists. Retrying IF NOT EXISTS then succeeds.
      env_->SleepFor(std::chrono::milliseconds(50));
      FERRY_RETURN_IF_ERROR(Ctx(db_->Exec(sql)));
    }
  }
  return Status::OK();
}

Result<bool> TenantLedger::Exists() { return db_->TableExists(kTable); }

Result<std::vector<TenantRow>> TenantLedger::List() {
  auto rows = db_->Query(std::string("SELECT ") + kColumns + " FROM " + kTable + " ORDER BY tenant", {});
  if (!rows.ok()) return Ctx(rows.status());
  std::vector<TenantRow> out;
  for (size_t i = 0; i < rows->size(); ++i) out.push_back(RowAt(*rows, i));
  return out;
}

Result<std::optional<TenantRow>> TenantLedger::Get(const std::string& tenant) {
  auto rows = db_->Query(std::string("SELECT ") + kColumns + " FROM " + kTable + " WHERE tenant = $1",
                         {Value(tenant)});
  if (!rows.ok()) return Ctx(rows.status());
  if (rows->empty()) return std::optional<TenantRow>();
  return std::optional<TenantRow>(RowAt(*rows, 0));
}

Result<int64_t> TenantLedger::AddMissing(const std::vector<std::string>& ids) {
  auto rows = db_->Query(std::string("SELECT tenant FROM ") + kTable, {});
  if (!rows.ok()) return Ctx(rows.status());
  std::set<std::string> known;
  for (size_t i = 0; i < rows->size(); ++i) known.insert(rows->GetText(i, 0).value_or(""));
  std::vector<const std::string*> missing;
  for (const std::string& id : ids) {
    if (!known.count(id)) missing.push_back(&id);
  }
  if (missing.empty()) return int64_t{0};
  Transaction tx(db_);
  FERRY_RETURN_IF_ERROR(Ctx(tx.Begin()));
  auto stmt = db_->Prepare(std::string("INSERT INTO ") + kTable +
                           " (tenant, version, state, attempts, updated_at) VALUES ($1, '', $2, 0, "
                           "$3) ON CONFLICT (tenant) DO NOTHING");
  if (!stmt.ok()) return Ctx(stmt.status());
  std::string now = NowText();
  int64_t added = 0;
  for (const std::string* id : missing) {
    auto n = (*stmt)->Execute({Value(*id), Value(std::string(kTenantPending)), Value(now)});
    if (!n.ok()) return Ctx(n.status()).WithContext("tenant " + *id);
    added += *n;
  }
  stmt->reset();
  FERRY_RETURN_IF_ERROR(Ctx(tx.Commit()));
  return added;
}

Status TenantLedger::Register(const std::string& tenant, const std::string& latest) {
  auto n = db_->Execute(std::string("INSERT INTO ") + kTable +
                            " (tenant, version, state, attempts, updated_at) VALUES ($1, $2, $3, 0, "
                            "$4) ON CONFLICT (tenant) DO NOTHING",
                        {Value(tenant), Value(latest), Value(std::string(kTenantDone)), Value(NowText())});
  if (!n.ok()) return Ctx(n.status());
  if (*n == 1) return Status::OK();
  FERRY_ASSIGN_OR_RETURN(auto row, Get(tenant));
  if (row && row->version == latest) return Status::OK();
  return FailedPrecondition("tenant " + tenant + " is already tracked at version " +
                            (row && !row->version.empty() ? row->version : "(none)") +
                            " (state " + (row ? row->state : "?") +
                            "); `ferry tenants up --tenant " + tenant + "` migrates it");
}

Result<int64_t> TenantLedger::ReopenOutdated(const std::string& latest) {
  auto n = db_->Execute(std::string("UPDATE ") + kTable +
                            " SET state = $1, updated_at = $2 WHERE state = $3 AND version <> $4",
                        {Value(std::string(kTenantPending)), Value(NowText()),
                         Value(std::string(kTenantDone)), Value(latest)});
  if (!n.ok()) return Ctx(n.status());
  return *n;
}

Result<int64_t> TenantLedger::RetryFailed(const std::optional<std::string>& tenant) {
  std::string sql = std::string("UPDATE ") + kTable +
                    " SET state = $1, attempts = 0, updated_at = $2 WHERE state = $3";
  std::vector<Value> params = {Value(std::string(kTenantPending)), Value(NowText()),
                               Value(std::string(kTenantFailed))};
  if (tenant) {
    sql += " AND tenant = $4";
    params.push_back(Value(*tenant));
  }
  auto n = db_->Execute(sql, params);
  if (!n.ok()) return Ctx(n.status());
  return *n;
}

Result<std::optional<TenantRow>> TenantLedger::Claim(const std::string& owner,
                                                     std::chrono::milliseconds lease,
                                                     const std::optional<std::string>& only) {
  const int64_t now = NowMicros();
  std::string pick = std::string("SELECT tenant FROM ") + kTable +
                     " WHERE state IN ('pending', 'running') AND (lease_owner IS NULL OR "
                     "lease_expires_at IS NULL OR lease_expires_at < $4)";
  std::vector<Value> params = {Value(owner), Value(now + lease.count() * 1000), Value(NowText()),
                               Value(now)};
  if (only) {
    pick += " AND tenant = $5";
    params.push_back(Value(*only));
  }
  pick += " ORDER BY state, tenant LIMIT 1";
  if (db_->dialect() == Dialect::kPostgres) pick += " FOR UPDATE SKIP LOCKED";
  std::string sql = std::string("UPDATE ") + kTable +
                    " SET state = 'running', lease_owner = $1, lease_expires_at = $2, "
                    "updated_at = $3 WHERE tenant = (" +
                    pick + ") RETURNING " + kColumns;
  auto rows = db_->Query(sql, params);
  if (!rows.ok()) return Ctx(rows.status()).WithContext("claim");
  if (rows->empty()) return std::optional<TenantRow>();
  return std::optional<TenantRow>(RowAt(*rows, 0));
}

Result<std::optional<TenantRow>> TenantLedger::TakeOver(const std::string& tenant,
                                                        const std::string& owner,
                                                        std::chrono::milliseconds lease) {
  auto rows = db_->Query(std::string("UPDATE ") + kTable +
                             " SET state = 'running', lease_owner = $1, lease_expires_at = $2, "
                             "updated_at = $3 WHERE tenant = $4 AND state IN ('pending', "
                             "'running') RETURNING " +
                             kColumns,
                         {Value(owner), Value(NowMicros() + lease.count() * 1000), Value(NowText()),
                          Value(tenant)});
  if (!rows.ok()) return Ctx(rows.status());
  if (rows->empty()) return std::optional<TenantRow>();
  return std::optional<TenantRow>(RowAt(*rows, 0));
}

Status TenantLedger::Extend(const std::string& tenant, const std::string& owner,
                            std::chrono::milliseconds lease) {
  auto n = db_->Execute(std::string("UPDATE ") + kTable +
                            " SET lease_expires_at = $1 WHERE tenant = $2 AND lease_owner = $3",
                        {Value(NowMicros() + lease.count() * 1000), Value(tenant), Value(owner)});
  if (!n.ok()) return Ctx(n.status());
  if (*n == 0) return NotFound("tenant " + tenant + ": lease lost to another runner");
  return Status::OK();
}

Status TenantLedger::Advance(const std::string& tenant, const std::string& owner,
                             const std::string& from, const std::string& to, AdvanceThen then) {
  const char* finish = then == AdvanceThen::kFinish
                           ? ", state = 'done', lease_owner = NULL, lease_expires_at = NULL"
                           : "";
  auto n = db_->Execute(std::string("UPDATE ") + kTable +
                            " SET version = $1, attempts = 0, last_error = NULL, updated_at = $2" +
                            finish + " WHERE tenant = $3 AND lease_owner = $4 AND version = $5",
                        {Value(to), Value(NowText()), Value(tenant), Value(owner), Value(from)});
  if (!n.ok()) return Ctx(n.status());
  if (*n == 0) {
    return Locked("tenant " + tenant + ": lease lost or version moved past " +
                  (from.empty() ? "(none)" : from) + " by another runner");
  }
  return Status::OK();
}

Status TenantLedger::RecordFailure(const std::string& tenant, const std::string& owner,
                                   int64_t attempts, const std::string& error, bool final) {
  std::string sql = std::string("UPDATE ") + kTable +
                    " SET attempts = $1, last_error = $2, updated_at = $3" +
                    (final ? ", state = 'failed', lease_owner = NULL, lease_expires_at = NULL" : "") +
                    " WHERE tenant = $4 AND lease_owner = $5";
  auto n = db_->Execute(sql, {Value(attempts), Value(error), Value(NowText()), Value(tenant),
                              Value(owner)});
  if (!n.ok()) return Ctx(n.status());
  if (*n == 0) return NotFound("tenant " + tenant + ": lease lost to another runner");
  return Status::OK();
}

Status TenantLedger::Finish(const std::string& tenant, const std::string& owner) {
  auto n = db_->Execute(std::string("UPDATE ") + kTable +
                            " SET state = 'done', lease_owner = NULL, lease_expires_at = NULL, "
                            "updated_at = $1 WHERE tenant = $2 AND lease_owner = $3",
                        {Value(NowText()), Value(tenant), Value(owner)});
  if (!n.ok()) return Ctx(n.status());
  if (*n == 0) return NotFound("tenant " + tenant + ": lease lost to another runner");
  return Status::OK();
}

Status TenantLedger::Release(const std::string& tenant, const std::string& owner) {
  auto n = db_->Execute(std::string("UPDATE ") + kTable +
                            " SET state = 'pending', lease_owner = NULL, lease_expires_at = NULL, "
                            "updated_at = $1 WHERE tenant = $2 AND lease_owner = $3",
                        {Value(NowText()), Value(tenant), Value(owner)});
  if (!n.ok()) return Ctx(n.status());
  return Status::OK();
}

Result<std::map<std::string, int64_t>> TenantLedger::CountByVersion() {
  auto rows = db_->Query(std::string("SELECT version, COUNT(*) FROM ") + kTable +
                             " GROUP BY version ORDER BY version",
                         {});
  if (!rows.ok()) return Ctx(rows.status());
  std::map<std::string, int64_t> out;
  for (size_t i = 0; i < rows->size(); ++i) {
    out[rows->GetText(i, 0).value_or("")] = rows->GetInt(i, 1).value_or(0);
  }
  return out;
}

}  // namespace ferry
