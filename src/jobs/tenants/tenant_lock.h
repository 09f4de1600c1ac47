// The lock behind `ferry tenants up --lock`: "lease" (the default) uses the
// leases in ferry_tenants and needs no lock object; "redis" takes one Redis
// key per tenant (lock/redis/redis_lock.h), for runners that prefer Redis
// over row leases; "local" is the in-process lock (tests).
#pragma once

#include <memory>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "lock/lock.h"

namespace ferry {

struct TenantLockOptions {
  std::string backend = "lease";  // lease | redis | local
  std::string redis_addrs = "127.0.0.1:6379";
  std::string redis_username;
  std::string redis_password;  // never logged
  int redis_db = 0;
  std::string redis_key_prefix = "ferry:lock:";
};

// nullptr for "lease". Redis is pinged: Unavailable when it is down.
// InvalidArgument for an unknown backend or one not built in.
Result<std::unique_ptr<Lock>> OpenTenantLock(const TenantLockOptions& options, Env* env);

}  // namespace ferry
