#include "store/s3/s3_store.h"

#include <algorithm>
#include <utility>

#include "db/database_url.h"
#include "store/s3/list_objects_xml.h"

namespace ferry {
namespace {

constexpr size_t kMaxKeysPerPage = 1000;  // S3's own cap on max-keys

}  // namespace

S3Store::S3Store(StoreUrl url, Env* env, SigV4Config sig, const StoreOptions& options)
    : url_(std::move(url)), http_(env, std::move(sig), options) {
  if (!url_.endpoint.empty()) {
    base_ = url_.endpoint;
  } else if (url_.path_style) {
    base_ = "https://s3." + url_.region + ".amazonaws.com";
  } else {
    base_ = "https://" + url_.bucket + ".s3." + url_.region + ".amazonaws.com";
  }
}

HttpRequest S3Store::RequestFor(const std::string& method, const std::string& object_key) const {
  HttpRequest r;
  r.method = method;
  r.base = base_;
  std::string path = url_.path_style ? "/" + url_.bucket : std::string();
  if (!object_key.empty()) {
    path += "/" + AwsUriEncode(object_key, SlashMode::kKeep);
  } else if (path.empty()) {
    path = "/";
  }
  r.path = path;
  return r;
}

Status S3Store::ErrorFor(const std::string& op, const std::string& key, const HttpResponse& r) const {
  std::string summary = ParseS3ErrorSummary(r.body);
  std::string msg = Describe() + ": " + op + (key.empty() ? "" : " " + key) + ": HTTP " +
                    std::to_string(r.status) + (summary.empty() ? "" : " (" + summary + ")");
  msg = RedactSecrets(msg);
  if (r.status == 404) return NotFound(msg);
  if (IsRetryableHttpStatus(r.status)) return Unavailable(msg);
  if (r.status >= 400 && r.status < 500) return InvalidArgument(msg);
  return IOError(msg);
}

Status S3Store::List(const ListOptions& options, Deadline deadline, const ListPageFn& on_page) {
  const size_t page_size = std::clamp<size_t>(options.page_size, 1, kMaxKeysPerPage);
  const std::string full_prefix = url_.prefix + options.prefix;
  std::string token;
  for (;;) {
    HttpRequest req = RequestFor("GET", "");
    req.query = {{"list-type", "2"}, {"max-keys", std::to_string(page_size)}};
    if (!full_prefix.empty()) req.query.emplace_back("prefix", full_prefix);
    if (!token.empty()) {
      req.query.emplace_back("continuation-token", token);
    } else if (!options.start_after.empty()) {
      req.query.emplace_back("start-after", url_.prefix + options.start_after);
    }
    Result<HttpResponse> r = http_.Send(req, deadline);
    if (!r.ok()) return Status(r.status().code(), RedactSecrets(Describe() + ": list: " + r.status().message()));
    if (r->status < 200 || r->status >= 300) return ErrorFor("list", options.prefix, *r);
    Result<ListObjectsPage> page = ParseListObjectsV2(r->body);
    if (!page.ok()) return page.status().WithContext(Describe() + ": list");
    std::vector<std::string> keys;
    keys.reserve(page->keys.size());
    for (std::string& k : page->keys) {
      // The prefix is the root: hand out keys relative to it.
      if (k.compare(0, url_.prefix.size(), url_.prefix) != 0) {
        return IOError(Describe() + ": list returned \"" + k + "\" outside the prefix");
      }
      keys.push_back(k.substr(url_.prefix.size()));
    }
    if (!keys.empty()) FERRY_RETURN_IF_ERROR(on_page(std::move(keys)));
    if (!page->is_truncated) return Status::OK();
    if (page->next_continuation_token == token) {
      return IOError(Describe() + ": list: the server repeated its continuation token");
    }
    token = std::move(page->next_continuation_token);
  }
}

Result<std::string> S3Store::Get(const std::string& key, Deadline deadline) {
  if (key.empty()) return InvalidArgument(Describe() + ": get: empty key");
  Result<HttpResponse> r = http_.Send(RequestFor("GET", url_.prefix + key), deadline);
  if (!r.ok()) return r.status().WithContext(Describe() + ": get " + key);
  if (r->status < 200 || r->status >= 300) return ErrorFor("get", key, *r);
  return std::move(r->body);
}

Status S3Store::Delete(const std::string& key, Deadline deadline) {
  if (key.empty()) return InvalidArgument(Describe() + ": delete: empty key");
  Result<HttpResponse> r = http_.Send(RequestFor("DELETE", url_.prefix + key), deadline);
  if (!r.ok()) return r.status().WithContext(Describe() + ": delete " + key);
  if (r->status == 404) return Status::OK();  // already gone: idempotent
  if (r->status < 200 || r->status >= 300) return ErrorFor("delete", key, *r);
  return Status::OK();
}

Status S3Store::Put(const std::string& key, const std::string& data, Deadline deadline) {
  if (key.empty()) return InvalidArgument(Describe() + ": put: empty key");
  HttpRequest req = RequestFor("PUT", url_.prefix + key);
  req.headers.push_back("Content-Type: application/octet-stream");
  req.body = &data;
  Result<HttpResponse> r = http_.Send(req, deadline);
  if (!r.ok()) return r.status().WithContext(Describe() + ": put " + key);
  if (r->status < 200 || r->status >= 300) return ErrorFor("put", key, *r);
  return Status::OK();
}

std::string S3Store::Describe() const {
  std::string d = "s3://" + url_.bucket + "/" + url_.prefix;
  d += " (" + (url_.endpoint.empty() ? std::string("aws") : "endpoint=" + url_.endpoint) +
       ", region=" + url_.region + ")";
  return RedactSecrets(d);
}

Result<std::unique_ptr<BlobStore>> OpenS3Store(const StoreUrl& url, Env* env,
                                               const StoreOptions& options) {
  SigV4Config sig;
  sig.region = url.region;
  sig.service = "s3";
  sig.access_key_id = options.access_key_id;
  sig.secret_access_key = options.secret_access_key;
  sig.session_token = options.session_token;
  if (sig.access_key_id.empty() && sig.secret_access_key.empty()) {
    sig.access_key_id = env->GetEnv("AWS_ACCESS_KEY_ID").value_or("");
    sig.secret_access_key = env->GetEnv("AWS_SECRET_ACCESS_KEY").value_or("");
    if (sig.session_token.empty()) sig.session_token = env->GetEnv("AWS_SESSION_TOKEN").value_or("");
  }
  if (sig.access_key_id.empty() != sig.secret_access_key.empty()) {
    return InvalidArgument(url.Redacted() + ": an access key id needs a secret access key and "
                           "vice versa");
  }
  return std::unique_ptr<BlobStore>(std::make_unique<S3Store>(url, env, std::move(sig), options));
}

}  // namespace ferry
