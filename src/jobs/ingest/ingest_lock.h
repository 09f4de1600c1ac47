// The per-object lock backend of ingest, chosen by --lock.
//
//   local     LocalLock: this process only (the default; run one ingest at a
//             time, or accept duplicate work that the database then skips)
//   redis     RedisLock (hiredis) over --redis-addrs; leases expire, so a
//             killed ingest frees its objects after the lease. With
//             allow_degraded it is wrapped in a DegradedLock: when Redis is
//             down ingest goes on with local locks and says so loudly.
//   postgres  session advisory locks on a few dedicated connections to the
//             (PostgreSQL) target database; a killed ingest frees its locks
//             when its connections close.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "ferry/env.h"
#include "ferry/status.h"
#include "lock/lock.h"
#include "obs/logger.h"

namespace ferry {

struct IngestLockOptions {
  std::string backend = "local";  // local | redis | postgres
  std::string redis_addrs = "127.0.0.1:6379";
  std::string redis_username;
  std::string redis_password;  // never logged
  int redis_db = 0;
  bool redis_tls = false;
  std::string redis_key_prefix = "ferry:lock:";
  int retry_max_attempts = 3;  // per Redis command, across reconnects
  bool allow_degraded = false;
  std::string database_url;  // for backend postgres
  int postgres_connections = 4;
};

// Opens and checks the backend: Redis is pinged (Unavailable when down and not
// allow_degraded), PostgreSQL connections are opened. InvalidArgument for an
// unknown backend, or postgres with a non-PostgreSQL database.
Result<std::unique_ptr<Lock>> OpenIngestLock(const IngestLockOptions& options, Env* env,
                                             Logger* logger);

}  // namespace ferry
