// TenantLedger: the table `ferry_tenants` in the main database, one row per
// tenant: its data version and where its migrations stand.
//
//   tenant           TEXT PRIMARY KEY
//   version          TEXT  canonical version of the last tenant migration
//                          applied ("" = none yet)
//   state            pending | running | done | failed
//   attempts         failed attempts at the tenant's next migration
//   last_error       the last failure's message (file:line, output)
//   updated_at       ISO-8601 UTC
//   lease_owner      runner holding the tenant ("host:pid:random"), or NULL
//   lease_expires_at unix microseconds (the runners' wall clocks) after which
//                    another runner may take the tenant over
//
// Leases. Claim() takes one tenant whose state is pending or running with no
// live lease, in one statement: on PostgreSQL the candidate row is picked with
// FOR UPDATE SKIP LOCKED, so runners never wait on each other and never pick
// the same row; on SQLite writers are serialized by the engine. A runner
// that dies leaves its lease to expire; the next Claim() after that takes
// the tenant over, and resumes at the recorded version.
//
// Exactly once. Advance() moves the version only if the caller still holds
// the lease AND the version is still the one it started from. Called first
// inside the transaction that runs a migration (same database), it locks the
// row for the rest of that transaction and makes a second runner -- even one
// holding a stolen lease -- fail instead of applying the migration again.
//
// Thread-safety: like its Database, one thread at a time; each worker has its
// own TenantLedger over its own connection.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct TenantRow {
  std::string tenant;
  std::string version;  // "" = no tenant migration applied
  std::string state;
  int64_t attempts = 0;
  std::string last_error;
  std::string updated_at;
  std::string lease_owner;
  int64_t lease_expires_at = 0;  // unix micros; 0 = none
};

inline constexpr const char* kTenantPending = "pending";
inline constexpr const char* kTenantRunning = "running";
inline constexpr const char* kTenantDone = "done";
inline constexpr const char* kTenantFailed = "failed";

// What Advance() does with the lease: keep it (more migrations follow), or
// finish the tenant in the same statement (its last migration: state done,
// lease freed -- one round trip fewer per tenant than a separate Finish()).
enum class AdvanceThen { kKeepLease, kFinish };

class TenantLedger {
 public:
  static constexpr const char* kTable = "ferry_tenants";

  // db and env are borrowed.
  TenantLedger(Database* db, Env* env) : db_(db), env_(env) {}

  Database* db() const { return db_; }

  // Creates the table and its index if missing (safe to race with another
  // runner doing the same).
  Status Ensure();
  Result<bool> Exists();

  Result<std::vector<TenantRow>> List();
  Result<std::optional<TenantRow>> Get(const std::string& tenant);

  // Inserts the ids not yet tracked as pending at version "" (they need every
  // migration). Returns how many were new.
  Result<int64_t> AddMissing(const std::vector<std::string>& ids);
  // Records a new tenant at `latest` (state done): no migration runs for it.
  // OK when it is already there at `latest`; FailedPrecondition when it is
  // tracked at another version.
  Status Register(const std::string& tenant, const std::string& latest);
  // done tenants whose version is not `latest` become pending again (new
  // migrations were added). Returns how many.
  Result<int64_t> ReopenOutdated(const std::string& latest);
  // failed tenants (all, or just `tenant`) become pending with attempts 0.
  Result<int64_t> RetryFailed(const std::optional<std::string>& tenant);

  // Leases the next claimable tenant (or just `only`) to `owner`; nullopt when
  // none is claimable now.
  Result<std::optional<TenantRow>> Claim(const std::string& owner, std::chrono::milliseconds lease,
                                         const std::optional<std::string>& only);
  // Leases `tenant` to `owner` whatever its lease says (the caller holds an
  // external lock, e.g. Redis). nullopt when it is done or failed.
  Result<std::optional<TenantRow>> TakeOver(const std::string& tenant, const std::string& owner,
                                            std::chrono::milliseconds lease);
  // NotFound when `owner` no longer holds the lease.
  Status Extend(const std::string& tenant, const std::string& owner, std::chrono::milliseconds lease);

  // Moves the version from `from` to `to` (and clears attempts/last_error).
  // Locked when the lease is lost or the version is no longer `from`.
  Status Advance(const std::string& tenant, const std::string& owner, const std::string& from,
                 const std::string& to, AdvanceThen then = AdvanceThen::kKeepLease);
  // Records a failed attempt; `final` marks the tenant failed and frees it.
  Status RecordFailure(const std::string& tenant, const std::string& owner, int64_t attempts,
                       const std::string& error, bool final);
  // The tenant is at the latest version: state done, lease freed.
  Status Finish(const std::string& tenant, const std::string& owner);
  // Gives the tenant back (pending, lease freed), e.g. on shutdown.
  Status Release(const std::string& tenant, const std::string& owner);

  // version -> number of tenants.
  Result<std::map<std::string, int64_t>> CountByVersion();

 private:
  int64_t NowMicros();
  std::string NowText();

  Database* db_;
  Env* env_;
};

}  // namespace ferry
