// The one table that maps URL schemes to blob stores. A new store adds one
// line here and a URL form in store_url.cc (see blob_store.h).
#include "store/blob_store.h"
#include "store/file/file_store.h"
#include "store/s3/s3_store.h"
#include "store/store_url.h"

namespace ferry {
namespace {

using Factory = Result<std::unique_ptr<BlobStore>> (*)(const StoreUrl&, Env*, const StoreOptions&);

struct Entry {
  const char* scheme;
  Factory open;
};

constexpr Entry kStores[] = {
    {"file", &OpenFileStore},
    {"s3", &OpenS3Store},
};

}  // namespace

std::vector<std::string> BlobStoreSchemes() {
  std::vector<std::string> out;
  for (const Entry& e : kStores) out.emplace_back(e.scheme);
  return out;
}

Result<std::unique_ptr<BlobStore>> OpenBlobStore(const std::string& url, Env* env,
                                                 const StoreOptions& options) {
  FERRY_ASSIGN_OR_RETURN(StoreUrl parsed, StoreUrl::Parse(url));
  for (const Entry& e : kStores) {
    if (parsed.scheme == e.scheme) return e.open(parsed, env, options);
  }
  return InvalidArgument("no blob store for scheme \"" + parsed.scheme + "\" in " +
                         parsed.Redacted());
}

}  // namespace ferry
