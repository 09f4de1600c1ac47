// S3Store: an S3 bucket (or a key prefix in one) as a BlobStore.
//
//   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1
//
// Talks the S3 REST API through HttpClient (libcurl, SigV4 signing by curl):
// ListObjectsV2 (list-type=2, paged by continuation-token, max-keys <= 1000,
// start-after for resuming), GET, PUT (Content-Type application/octet-stream,
// x-amz-content-sha256 = the body's hash) and DELETE (204, 200 and 404 all
// mean "gone"). Path-style addressing (endpoint/bucket/key) when an endpoint
// is given or force_path_style=true; otherwise AWS virtual-hosted
// https://bucket.s3.<region>.amazonaws.com/key.
//
// Keys are relative to the URL's prefix, which acts as the root: with
// s3://b/cache/ the key "x/y" is the object "cache/x/y".
//
// Credentials: StoreOptions, else AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY /
// AWS_SESSION_TOKEN from the Env; none at all sends unsigned requests.
//
// Thread-safety: all methods may be called concurrently (see HttpClient).
#pragma once

#include <memory>
#include <string>

#include "store/blob_store.h"
#include "store/s3/http_client.h"
#include "store/store_url.h"

namespace ferry {

class S3Store final : public BlobStore {
 public:
  S3Store(StoreUrl url, Env* env, SigV4Config sig, const StoreOptions& options);

  Status List(const ListOptions& options, Deadline deadline, const ListPageFn& on_page) override;
  Result<std::string> Get(const std::string& key, Deadline deadline) override;
  Status Delete(const std::string& key, Deadline deadline) override;
  Status Put(const std::string& key, const std::string& data, Deadline deadline) override;
  std::string Describe() const override;

 private:
  // Request for the bucket itself ("" key) or one object.
  HttpRequest RequestFor(const std::string& method, const std::string& object_key) const;
  // Maps a non-2xx response to a Status naming the operation and key.
  Status ErrorFor(const std::string& op, const std::string& key, const HttpResponse& r) const;

  const StoreUrl url_;
  std::string base_;  // scheme://host[:port]
  HttpClient http_;
};

Result<std::unique_ptr<BlobStore>> OpenS3Store(const StoreUrl& url, Env* env,
                                               const StoreOptions& options);

}  // namespace ferry
