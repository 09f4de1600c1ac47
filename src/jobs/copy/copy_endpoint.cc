#include "jobs/copy/copy_endpoint.h"

#include <sys/stat.h>

#include "kv/kv_store.h"

namespace ferry {

Result<std::unique_ptr<CopyEndpoint>> OpenCopyEndpoint(const std::string& url, EndpointRole role,
                                                       const DatabaseOpener& open, Env* env) {
  if (IsKvUrl(url)) {
    const KvOpenMode mode = role == EndpointRole::kSource       ? KvOpenMode::kExisting
                            : role == EndpointRole::kDryRunTarget ? KvOpenMode::kReadOnly
                                                                  : KvOpenMode::kCreateIfMissing;
    FERRY_ASSIGN_OR_RETURN(auto store, OpenKvStore(url, mode, env));
    return NewKvEndpoint(std::move(store), env);
  }
  const std::string opened = role == EndpointRole::kDryRunTarget ? DryRunSqliteUrl(url) : url;
  FERRY_ASSIGN_OR_RETURN(auto db, open(opened));
  FERRY_RETURN_IF_ERROR(PrepareCopySession(db.get()));
  return NewSqlEndpoint(std::move(db), opened, open, env);
}

std::string DryRunSqliteUrl(const std::string& url) {
  auto u = DatabaseUrl::Parse(url);
  if (!u.ok() || u->scheme != "sqlite" || u->path == ":memory:") return url;
  // A missing file reads as the empty database a real run would create
  // (opening it would create it); an existing one is opened read-only.
  struct stat st {};
  if (::stat(u->path.c_str(), &st) != 0) return "sqlite::memory:";
  if (u->params.count("mode")) return url;
  return url + (url.find('?') == std::string::npos ? "?" : "&") + "mode=ro";
}

}  // namespace ferry
