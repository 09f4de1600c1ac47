#include "jobs/copy/copy_endpoint.h"

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
  FERRY_ASSIGN_OR_RETURN(auto db, open(url));
  FERRY_RETURN_IF_ERROR(PrepareCopySession(db.get()));
  return NewSqlEndpoint(std::move(db), url, open, env);
}

}  // namespace ferry
