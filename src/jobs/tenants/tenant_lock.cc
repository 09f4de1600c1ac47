#include "jobs/tenants/tenant_lock.h"

#include "lock/local/local_lock.h"
#ifdef FERRY_WITH_REDIS_LOCK
#include "lock/redis/redis_lock.h"
#endif

namespace ferry {

Result<std::unique_ptr<Lock>> OpenTenantLock(const TenantLockOptions& o, Env* env) {
  if (o.backend == "lease") return std::unique_ptr<Lock>();
  if (o.backend == "local") return std::unique_ptr<Lock>(new LocalLock(env));
  if (o.backend == "redis") {
#ifdef FERRY_WITH_REDIS_LOCK
    RedisLockOptions ro;
    ro.addresses = o.redis_addrs;
    ro.username = o.redis_username;
    ro.password = o.redis_password;
    ro.db = o.redis_db;
    ro.key_prefix = o.redis_key_prefix;
    FERRY_ASSIGN_OR_RETURN(std::unique_ptr<RedisLock> lock, RedisLock::Open(ro, env));
    FERRY_RETURN_IF_ERROR(lock->Ping());
    return std::unique_ptr<Lock>(std::move(lock));
#else
    return InvalidArgument("--lock redis: this ferry was built without hiredis");
#endif
  }
  return InvalidArgument("--lock: unknown backend \"" + o.backend + "\" (lease, redis or local)");
}

}  // namespace ferry
