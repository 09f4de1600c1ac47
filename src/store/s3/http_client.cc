#include "store/s3/http_client.h"

#include <curl/curl.h>

#include <algorithm>
#include <utility>

#include "util/sha256.h"

namespace ferry {
namespace {

constexpr size_t kMaxIdleHandles = 64;
constexpr const char* kEmptySha256 = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

void GlobalInitOnce() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

size_t AppendBody(char* data, size_t size, size_t nmemb, void* user) {
  static_cast<std::string*>(user)->append(data, size * nmemb);
  return size * nmemb;
}

bool RetryableCurlCode(CURLcode code) {
  switch (code) {
    case CURLE_COULDNT_CONNECT:
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_OPERATION_TIMEDOUT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
    case CURLE_SSL_CONNECT_ERROR:
      return true;
    default:
      return false;
  }
}

long ClampMs(std::chrono::milliseconds ms) { return static_cast<long>(std::max<int64_t>(1, ms.count())); }

}  // namespace

struct HttpClient::Handle {
  CURL* curl = nullptr;
  ~Handle() {
    if (curl != nullptr) curl_easy_cleanup(curl);
  }
};

bool IsRetryableHttpStatus(long status) { return status >= 500 || status == 429 || status == 408; }

HttpClient::HttpClient(Env* env, SigV4Config sig, StoreOptions options)
    : env_(env), sig_(std::move(sig)), options_(std::move(options)) {
  GlobalInitOnce();
}

HttpClient::~HttpClient() = default;

std::unique_ptr<HttpClient::Handle> HttpClient::Acquire() {
  {
    std::lock_guard<std::mutex> lock(mu_);
    if (!idle_.empty()) {
      std::unique_ptr<Handle> h = std::move(idle_.back());
      idle_.pop_back();
      return h;
    }
  }
  auto h = std::make_unique<Handle>();
  h->curl = curl_easy_init();
  return h;
}

void HttpClient::Release(std::unique_ptr<Handle> handle) {
  std::lock_guard<std::mutex> lock(mu_);
  if (idle_.size() < kMaxIdleHandles) idle_.push_back(std::move(handle));
}

std::string HttpClient::UrlOf(const HttpRequest& request) {
  std::string url = request.base + request.path;
  std::string query = CanonicalQueryString(request.query);
  if (!query.empty()) url += "?" + query;
  return url;
}

Result<HttpResponse> HttpClient::SendOnce(const HttpRequest& request, Deadline deadline) {
  const std::string url = UrlOf(request);
  const std::string what = request.method + " " + url;
  auto remaining = std::chrono::duration_cast<std::chrono::milliseconds>(deadline.at - env_->Now());
  if (deadline.at != std::chrono::steady_clock::time_point::max() && remaining.count() <= 0) {
    return Timeout(what + ": deadline passed");
  }
  std::chrono::milliseconds timeout = options_.request_timeout;
  if (deadline.at != std::chrono::steady_clock::time_point::max()) timeout = std::min(timeout, remaining);

  std::unique_ptr<Handle> h = Acquire();
  if (h->curl == nullptr) return Internal(what + ": curl_easy_init failed");
  CURL* c = h->curl;
  curl_easy_reset(c);

  HttpResponse response;
  char errbuf[CURL_ERROR_SIZE] = {0};
  curl_easy_setopt(c, CURLOPT_URL, url.c_str());
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, errbuf);
  curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
  // Keys may hold "." and ".." segments; curl must not normalize them away.
  curl_easy_setopt(c, CURLOPT_PATH_AS_IS, 1L);
  curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT_MS, ClampMs(options_.connect_timeout));
  curl_easy_setopt(c, CURLOPT_TIMEOUT_MS, ClampMs(timeout));
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, options_.low_speed_bytes_per_sec);
  curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, static_cast<long>(options_.low_speed_time.count()));
  curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, &AppendBody);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, &response.body);
  curl_easy_setopt(c, CURLOPT_USERAGENT, "ferry");

  std::string provider;
  if (!sig_.access_key_id.empty()) {
    provider = "aws:amz:" + sig_.region + ":" + sig_.service;
    curl_easy_setopt(c, CURLOPT_AWS_SIGV4, provider.c_str());
    // USERNAME/PASSWORD rather than USERPWD: no splitting on ':'.
    curl_easy_setopt(c, CURLOPT_USERNAME, sig_.access_key_id.c_str());
    curl_easy_setopt(c, CURLOPT_PASSWORD, sig_.secret_access_key.c_str());
  }

  struct curl_slist* headers = nullptr;
  std::vector<std::string> lines;
  if (sig_.content_sha256_header) {
    lines.push_back("x-amz-content-sha256: " +
                    (request.body != nullptr && !request.body->empty() ? Sha256Hex(*request.body)
                                                                       : std::string(kEmptySha256)));
  }
  if (!sig_.session_token.empty()) lines.push_back("x-amz-security-token: " + sig_.session_token);
  // No "Expect:" line to suppress 100-continue: curl 7.88 would list the
  // blanked header as signed ("expect") without sending it, and a verifying
  // server rejects the signature (tests/unit/store/sigv4_test.cc).
  for (const std::string& line : request.headers) lines.push_back(line);
  for (const std::string& line : lines) headers = curl_slist_append(headers, line.c_str());
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, headers);

  if (request.method == "GET") {
    curl_easy_setopt(c, CURLOPT_HTTPGET, 1L);
  } else if (request.method == "HEAD") {
    curl_easy_setopt(c, CURLOPT_NOBODY, 1L);
  } else {
    curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, request.method.c_str());
  }
  if (request.body != nullptr) {
    // POSTFIELDS is what curl 7.88's signer hashes when no content-sha256
    // header is given; with the header it signs that value, which we set to
    // the body's hash above. The caller sets Content-Type (else curl would
    // say application/x-www-form-urlencoded).
    curl_easy_setopt(c, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body->size()));
    curl_easy_setopt(c, CURLOPT_POSTFIELDS, request.body->data());
  }

  CURLcode code = curl_easy_perform(c);
  curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &response.status);
  curl_slist_free_all(headers);
  // Unset pointers into this frame before the handle goes back to the pool.
  curl_easy_setopt(c, CURLOPT_ERRORBUFFER, nullptr);
  curl_easy_setopt(c, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(c, CURLOPT_WRITEDATA, nullptr);
  curl_easy_setopt(c, CURLOPT_POSTFIELDS, nullptr);
  Release(std::move(h));

  if (code != CURLE_OK) {
    std::string msg = what + ": " + (errbuf[0] != '\0' ? std::string(errbuf) : curl_easy_strerror(code));
    if (RetryableCurlCode(code)) return Unavailable(msg);
    if (code == CURLE_URL_MALFORMAT || code == CURLE_UNSUPPORTED_PROTOCOL ||
        code == CURLE_BAD_FUNCTION_ARGUMENT) {
      return InvalidArgument(msg);
    }
    return IOError(msg);
  }
  return response;
}

Result<HttpResponse> HttpClient::Send(const HttpRequest& request, Deadline deadline) {
  const int attempts = std::max(1, options_.max_attempts);
  Status last;
  for (int attempt = 1;; ++attempt) {
    Result<HttpResponse> r = SendOnce(request, deadline);
    if (r.ok() && !IsRetryableHttpStatus(r->status)) return r;
    if (r.ok()) {
      last = Unavailable(request.method + " " + UrlOf(request) + ": HTTP " + std::to_string(r->status));
    } else {
      last = r.status();
      if (last.code() != Code::kUnavailable) return last;
    }
    if (attempt >= attempts) {
      return last.WithContext("gave up after " + std::to_string(attempt) + " attempt(s)");
    }
    // Exponential backoff with jitter: a random time in [b/2, b].
    int64_t b = options_.initial_backoff.count();
    for (int i = 1; i < attempt && b < options_.max_backoff.count(); ++i) b *= 2;
    b = std::min<int64_t>(b, options_.max_backoff.count());
    int64_t half = b / 2;
    int64_t sleep_ms = half + (b - half > 0 ? static_cast<int64_t>(env_->Random64() % (b - half + 1)) : 0);
    if (env_->Now() + std::chrono::milliseconds(sleep_ms) >= deadline.at) {
      return Timeout("deadline passed while retrying: " + last.ToString());
    }
    env_->SleepFor(std::chrono::milliseconds(sleep_ms));
  }
}

}  // namespace ferry
