#include "jobs/ingest/ingest_lock.h"

#include <functional>
#include <mutex>
#include <vector>

#include "db/database.h"
#include "lock/local/local_lock.h"
#include "lock/postgres/advisory_lock.h"
#ifdef FERRY_WITH_REDIS_LOCK
#include "lock/redis/degraded_lock.h"
#include "lock/redis/redis_lock.h"
#endif

namespace ferry {
namespace {

// PostgresAdvisoryLock is bound to one connection and not thread-safe; this
// spreads keys over a few connections, each used under its own mutex (a
// key always maps to the same connection, so its unlock goes where its lock
// went).
class PooledAdvisoryLock final : public Lock {
 public:
  struct Slot {
    std::unique_ptr<Database> db;
    std::unique_ptr<PostgresAdvisoryLock> lock;
    std::mutex mu;
  };

  explicit PooledAdvisoryLock(std::vector<std::unique_ptr<Slot>> slots) : slots_(std::move(slots)) {}

  Result<std::unique_ptr<LockLease>> Acquire(std::string_view key, std::chrono::milliseconds lease,
                                             Deadline deadline) override {
    Slot* slot = slots_[std::hash<std::string_view>{}(key) % slots_.size()].get();
    std::lock_guard<std::mutex> l(slot->mu);
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<LockLease> inner, slot->lock->Acquire(key, lease, deadline));
    return std::unique_ptr<LockLease>(new Lease(slot, std::move(inner)));
  }
  std::string Describe() const override {
    return "postgres advisory locks (" + std::to_string(slots_.size()) + " connections)";
  }

 private:
  class Lease final : public LockLease {
   public:
    Lease(Slot* slot, std::unique_ptr<LockLease> inner) : slot_(slot), inner_(std::move(inner)) {}
    ~Lease() override { (void)Release(); }
    Status Release() override {
      std::lock_guard<std::mutex> l(slot_->mu);
      if (!inner_) return Status::OK();
      Status st = inner_->Release();
      inner_.reset();
      return st;
    }
    Status Extend(std::chrono::milliseconds lease) override {
      std::lock_guard<std::mutex> l(slot_->mu);
      return inner_ ? inner_->Extend(lease) : NotFound("advisory lock already released");
    }

   private:
    Slot* slot_;
    std::unique_ptr<LockLease> inner_;
  };

  std::vector<std::unique_ptr<Slot>> slots_;
};

}  // namespace

Result<std::unique_ptr<Lock>> OpenIngestLock(const IngestLockOptions& o, Env* env, Logger* logger) {
  if (o.backend == "local") return std::unique_ptr<Lock>(new LocalLock(env));
  if (o.backend == "postgres") {
    std::vector<std::unique_ptr<PooledAdvisoryLock::Slot>> slots;
    for (int i = 0; i < std::max(1, o.postgres_connections); ++i) {
      FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(o.database_url, env));
      if (db->dialect() != Dialect::kPostgres) {
        return InvalidArgument("--lock postgres needs a PostgreSQL database, not " +
                               std::string(db->engine()));
      }
      auto slot = std::make_unique<PooledAdvisoryLock::Slot>();
      slot->lock = std::make_unique<PostgresAdvisoryLock>(db.get(), env);
      slot->db = std::move(db);
      slots.push_back(std::move(slot));
    }
    return std::unique_ptr<Lock>(new PooledAdvisoryLock(std::move(slots)));
  }
  if (o.backend != "redis") {
    return InvalidArgument("--lock must be local, redis or postgres, not \"" + o.backend + "\"");
  }
#ifndef FERRY_WITH_REDIS_LOCK
  (void)logger;
  return InvalidArgument("--lock redis: this ferry was built without hiredis");
#else
  RedisLockOptions ro;
  ro.addresses = o.redis_addrs;
  ro.username = o.redis_username;
  ro.password = o.redis_password;
  ro.db = o.redis_db;
  ro.tls = o.redis_tls;
  ro.key_prefix = o.redis_key_prefix;
  ro.max_attempts = std::max(1, o.retry_max_attempts);
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<RedisLock> redis, RedisLock::Open(ro, env));
  Status ping = redis->Ping();
  if (!o.allow_degraded) {
    if (!ping.ok()) {
      return ping.WithContext("redis lock backend " + redis->Describe() +
                              " (add --lock-allow-degraded to fall back to local locks)");
    }
    return std::unique_ptr<Lock>(std::move(redis));
  }
  auto warn = [logger](const std::string& message) {
    logger->Warn("LOCK BACKEND DEGRADED: " + message);
  };
  auto lock = std::make_unique<DegradedLock>(std::move(redis), env, warn);
  if (!ping.ok()) {
    logger->Warn("LOCK BACKEND DEGRADED: redis is down at start; using local locks until it answers",
                 {{"error", ping.message()}});
  }
  return std::unique_ptr<Lock>(std::move(lock));
#endif
}

}  // namespace ferry
