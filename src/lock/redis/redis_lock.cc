#include "lock/redis/redis_lock.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cstdio>

#include "util/strings.h"

namespace ferry {
namespace {

// Deletes the key only if it still holds our token.
constexpr char kReleaseScript[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) "
    "else return 0 end";
// Pushes the expiry out only if the key still holds our token; a lease of 0
// makes the key permanent.
constexpr char kExtendScript[] =
    "if redis.call('get', KEYS[1]) == ARGV[1] then "
    "if tonumber(ARGV[2]) > 0 then redis.call('pexpire', KEYS[1], ARGV[2]) "
    "else redis.call('persist', KEYS[1]) end return 1 else return 0 end";

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv;
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string ReplyText(const redisReply* r) {
  return r->str ? std::string(r->str, r->len) : std::string();
}

// Replies that mean "this node cannot serve writes now; another may".
bool IsNodeStateError(const std::string& msg) {
  return StartsWith(msg, "READONLY") || StartsWith(msg, "LOADING") ||
         StartsWith(msg, "MASTERDOWN") || StartsWith(msg, "TRYAGAIN");
}

}  // namespace

std::string RedisAddress::ToString() const {
  if (host.find(':') != std::string::npos) return "[" + host + "]:" + std::to_string(port);
  return host + ":" + std::to_string(port);
}

Result<std::vector<RedisAddress>> ParseRedisAddresses(std::string_view list) {
  std::vector<RedisAddress> out;
  for (const std::string& raw : Split(list, ',')) {
    std::string_view item = TrimView(raw);
    if (item.empty()) continue;
    RedisAddress a;
    std::string_view port;
    if (item.front() == '[') {  // [v6]:port
      size_t close = item.find(']');
      if (close == std::string_view::npos) {
        return InvalidArgument("redis address \"" + std::string(item) + "\": missing ']'");
      }
      a.host = std::string(item.substr(1, close - 1));
      std::string_view rest = item.substr(close + 1);
      if (!rest.empty()) {
        if (rest.front() != ':') {
          return InvalidArgument("redis address \"" + std::string(item) + "\": expected ':port'");
        }
        port = rest.substr(1);
      }
    } else {
      size_t colon = item.rfind(':');
      a.host = std::string(item.substr(0, colon));
      if (colon != std::string_view::npos) port = item.substr(colon + 1);
    }
    if (a.host.empty()) {
      return InvalidArgument("redis address \"" + std::string(item) + "\": empty host");
    }
    if (!port.empty() || item.back() == ':') {
      std::optional<uint64_t> p = ParseUint(port);
      if (!p || *p == 0 || *p > 65535) {
        return InvalidArgument("redis address \"" + std::string(item) + "\": bad port");
      }
      a.port = static_cast<int>(*p);
    }
    out.push_back(std::move(a));
  }
  if (out.empty()) return InvalidArgument("redis: no addresses given (expected host:port,...)");
  return out;
}

void RedisLock::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }
void RedisLock::ReplyDeleter::operator()(redisReply* r) const { freeReplyObject(r); }

class RedisLock::Lease : public LockLease {
 public:
  Lease(RedisLock* lock, std::string key, std::string token)
      : lock_(lock), key_(std::move(key)), token_(std::move(token)) {}
  ~Lease() override {
    if (!released_) (void)lock_->ReleaseKey(key_, token_);
  }
  Status Release() override {
    if (released_) return Status::OK();
    released_ = true;
    return lock_->ReleaseKey(key_, token_);
  }
  Status Extend(std::chrono::milliseconds lease) override {
    if (released_) return NotFound("redis lock \"" + key_ + "\": lease already released");
    return lock_->ExtendKey(key_, token_, lease);
  }

 private:
  RedisLock* const lock_;
  const std::string key_;  // with the prefix
  const std::string token_;
  bool released_ = false;
};

Result<std::unique_ptr<RedisLock>> RedisLock::Open(const RedisLockOptions& options, Env* env) {
  if (options.tls) {
    return InvalidArgument(
        "redis: TLS requested but ferry was built without TLS (Debian's hiredis 0.14 has none); "
        "use a TLS tunnel (stunnel, spiped) or drop --redis-tls");
  }
  if (options.db < 0) return InvalidArgument("redis: db must be >= 0");
  if (options.max_attempts < 1) return InvalidArgument("redis: max_attempts must be >= 1");
  FERRY_ASSIGN_OR_RETURN(std::vector<RedisAddress> addresses, ParseRedisAddresses(options.addresses));
  return std::unique_ptr<RedisLock>(new RedisLock(options, std::move(addresses), env));
}

RedisLock::RedisLock(const RedisLockOptions& options, std::vector<RedisAddress> addresses, Env* env)
    : options_(options), addresses_(std::move(addresses)), env_(env) {}

RedisLock::~RedisLock() = default;

std::string RedisLock::Describe() const {
  std::string out = "redis ";
  for (size_t i = 0; i < addresses_.size(); ++i) {
    if (i) out += ',';
    out += addresses_[i].ToString();
  }
  return out + " db " + std::to_string(options_.db);
}

Result<RedisLock::Context> RedisLock::Connect() {
  std::string errors;
  size_t start = preferred_.load();
  for (size_t i = 0; i < addresses_.size(); ++i) {
    size_t idx = (start + i) % addresses_.size();
    const RedisAddress& a = addresses_[idx];
    Context c(redisConnectWithTimeout(a.host.c_str(), a.port, ToTimeval(options_.connect_timeout)));
    if (!c || c->err) {
      if (!errors.empty()) errors += "; ";
      errors += a.ToString() + ": " + (c ? std::string(c->errstr) : "out of memory");
      continue;
    }
    redisSetTimeout(c.get(), ToTimeval(options_.command_timeout));
    // AUTH and SELECT: a refusal here is a configuration error.
    auto setup = [&](std::vector<std::string> args, const char* what) -> Status {
      std::vector<const char*> argv;
      std::vector<size_t> lens;
      for (const std::string& s : args) {
        argv.push_back(s.data());
        lens.push_back(s.size());
      }
      Reply r(static_cast<redisReply*>(
          redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
      if (!r) return Unavailable(a.ToString() + ": " + what + ": " + c->errstr);
      if (r->type == REDIS_REPLY_ERROR) {
        return InvalidArgument("redis " + a.ToString() + ": " + what + " refused: " + ReplyText(r.get()));
      }
      return Status::OK();
    };
    Status st;
    if (!options_.password.empty()) {
      st = options_.username.empty() ? setup({"AUTH", options_.password}, "AUTH")
                                     : setup({"AUTH", options_.username, options_.password}, "AUTH");
    }
    if (st.ok() && options_.db != 0) st = setup({"SELECT", std::to_string(options_.db)}, "SELECT");
    if (st.code() == Code::kInvalidArgument) return st;
    if (!st.ok()) {
      if (!errors.empty()) errors += "; ";
      errors += st.message();
      continue;
    }
    preferred_.store(idx);
    return c;
  }
  return Unavailable("redis: cannot connect to " + Describe() + " (" + errors + ")");
}

RedisLock::Context RedisLock::TakeIdle() {
  std::lock_guard<std::mutex> l(mu_);
  if (idle_.empty()) return nullptr;
  Context c = std::move(idle_.back());
  idle_.pop_back();
  return c;
}

void RedisLock::ReturnIdle(Context c) {
  std::lock_guard<std::mutex> l(mu_);
  if (idle_.size() < options_.max_idle_connections) idle_.push_back(std::move(c));
}

Result<RedisLock::Reply> RedisLock::Command(const std::vector<std::string>& args, int* attempts) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  argv.reserve(args.size());
  lens.reserve(args.size());
  for (const std::string& s : args) {
    argv.push_back(s.data());
    lens.push_back(s.size());
  }
  Status last;
  for (int attempt = 1; attempt <= options_.max_attempts; ++attempt) {
    if (attempts) *attempts = attempt;
    if (attempt > 1) env_->SleepFor(std::chrono::milliseconds(10 * (attempt - 1)));
    Context c = TakeIdle();
    if (!c) {
      Result<Context> fresh = Connect();
      if (!fresh.ok()) {
        if (fresh.status().code() != Code::kUnavailable) return fresh.status();
        last = fresh.status();
        continue;
      }
      c = std::move(fresh).value();
    }
    Reply r(static_cast<redisReply*>(
        redisCommandArgv(c.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
    if (!r) {  // I/O error or timeout: this connection is unusable
      last = Unavailable("redis " + Describe() + ": " + args[0] + ": " + c->errstr);
      continue;
    }
    if (r->type == REDIS_REPLY_ERROR) {
      std::string msg = ReplyText(r.get());
      if (IsNodeStateError(msg)) {  // try the next address
        preferred_.store((preferred_.load() + 1) % addresses_.size());
        last = Unavailable("redis " + Describe() + ": " + args[0] + ": " + msg);
        continue;
      }
      ReturnIdle(std::move(c));
      return ExecutionFailed("redis: " + args[0] + ": " + msg);
    }
    ReturnIdle(std::move(c));
    return r;
  }
  return last.WithContext("after " + std::to_string(options_.max_attempts) + " attempts");
}

Status RedisLock::Ping() {
  FERRY_ASSIGN_OR_RETURN(Reply r, Command({"PING"}));
  return Status::OK();
}

std::string RedisLock::NewToken() {
  char buf[40];
  std::snprintf(buf, sizeof buf, "%016llx%016llx", static_cast<unsigned long long>(env_->Random64()),
                static_cast<unsigned long long>(env_->Random64()));
  return env_->HostName() + ":" + std::to_string(env_->ProcessId()) + ":" + buf;
}

Result<std::unique_ptr<LockLease>> RedisLock::Acquire(std::string_view key,
                                                      std::chrono::milliseconds lease,
                                                      Deadline deadline) {
  std::string full_key = options_.key_prefix + std::string(key);
  std::string token = NewToken();
  std::vector<std::string> set = {"SET", full_key, token, "NX"};
  if (lease.count() > 0) {
    set.push_back("PX");
    set.push_back(std::to_string(lease.count()));
  }
  auto backoff = options_.poll_min;
  bool first = true;
  for (;;) {
    int attempts = 0;
    FERRY_ASSIGN_OR_RETURN(Reply r, Command(set, &attempts));
    bool held = r->type == REDIS_REPLY_STATUS;  // "+OK"; nil when the key exists
    if (!held && attempts > 1) {
      // An earlier try may have set the key before its reply was lost.
      FERRY_ASSIGN_OR_RETURN(Reply g, Command({"GET", full_key}));
      held = g->type == REDIS_REPLY_STRING && ReplyText(g.get()) == token;
    }
    if (held) return std::unique_ptr<LockLease>(new Lease(this, std::move(full_key), std::move(token)));

    auto now = env_->Now();
    if (now >= deadline.at) {
      if (first) return Locked("redis lock \"" + full_key + "\" is held");
      return Timeout("redis lock \"" + full_key + "\": still held when the deadline passed");
    }
    first = false;
    // Full jitter keeps many workers polling one key from moving in step.
    auto wait = std::chrono::milliseconds(
        1 + static_cast<int64_t>(env_->Random64() % static_cast<uint64_t>(backoff.count() + 1)));
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline.at - now) +
                std::chrono::milliseconds(1);
    env_->SleepFor(std::min(wait, left));
    backoff = std::min(backoff * 2, options_.poll_max);
  }
}

Status RedisLock::ReleaseKey(const std::string& key, const std::string& token) {
  int attempts = 0;
  FERRY_ASSIGN_OR_RETURN(Reply r, Command({"EVAL", kReleaseScript, "1", key, token}, &attempts));
  if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) return Status::OK();
  // After a lost reply, 0 may mean our first try deleted it: either way the
  // key is not ours any more, which is what Release promises.
  if (attempts > 1) return Status::OK();
  return NotFound("redis lock \"" + key + "\": lease lost (expired, maybe taken by another holder)");
}

Status RedisLock::ExtendKey(const std::string& key, const std::string& token,
                            std::chrono::milliseconds lease) {
  FERRY_ASSIGN_OR_RETURN(
      Reply r, Command({"EVAL", kExtendScript, "1", key, token, std::to_string(lease.count())}));
  if (r->type == REDIS_REPLY_INTEGER && r->integer == 1) return Status::OK();
  return NotFound("redis lock \"" + key + "\": lease lost (expired, maybe taken by another holder)");
}

}  // namespace ferry
