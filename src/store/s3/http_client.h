// HttpClient: libcurl requests with AWS SigV4 signing, timeouts and retries.
//
// Signing is libcurl's (CURLOPT_AWS_SIGV4); we only make sure what curl signs
// is canonical: the query is built with CanonicalQueryString() and paths are
// AWS-encoded before they reach curl, because curl 7.88 signs both exactly as
// given. Every request carries x-amz-content-sha256 (curl 7.88 does not add
// it; S3 requires it), which curl then uses as the payload hash.
//
// Retries: an attempt that fails with Unavailable (HTTP 5xx/429/408,
// connection refused/reset, timeout, stalled transfer) is retried up to
// StoreOptions::max_attempts in all, sleeping through Env with exponential
// backoff and jitter, and never past the caller's Deadline (then Timeout).
//
// Thread-safety: Send() may be called from any number of threads. Easy
// handles live in a small pool (one per concurrently running request, reused
// so connections stay open); curl_global_init runs once per process.
// The secret key is handed to curl only and appears in no message or log.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "store/blob_store.h"
#include "store/s3/aws_uri.h"

namespace ferry {

struct HttpRequest {
  std::string method = "GET";  // GET, PUT, DELETE, POST, HEAD
  std::string base;            // "http://127.0.0.1:9000" (scheme://host[:port])
  std::string path = "/";      // already AWS-encoded ("/bucket/a%20b")
  QueryParams query;           // raw; encoded canonically by Send()
  std::vector<std::string> headers;  // extra "Name: value" lines
  const std::string* body = nullptr;  // request body (PUT/POST); not owned
};

struct HttpResponse {
  long status = 0;
  std::string body;
};

struct SigV4Config {
  std::string region = "us-east-1";
  std::string service = "s3";
  std::string access_key_id;      // empty: requests go unsigned
  std::string secret_access_key;  // never logged
  std::string session_token;      // sent as x-amz-security-token (signed)
  // S3 requires x-amz-content-sha256 on every request; other SigV4 services
  // (and AWS's generic test vectors) do not use it.
  bool content_sha256_header = true;
};

class HttpClient {
 public:
  // `env` must outlive the client.
  HttpClient(Env* env, SigV4Config sig, StoreOptions options);
  ~HttpClient();
  HttpClient(const HttpClient&) = delete;
  HttpClient& operator=(const HttpClient&) = delete;

  // Sends with retries. Any HTTP status comes back as a response (callers map
  // 404 and 4xx themselves) except that retryable statuses (5xx, 429, 408)
  // are retried and, when attempts run out, become Unavailable. Transport
  // failures are Unavailable (retryable ones) or IOError/InvalidArgument.
  Result<HttpResponse> Send(const HttpRequest& request, Deadline deadline);

  // The URL a request goes to (with the canonical query), for messages.
  static std::string UrlOf(const HttpRequest& request);

 private:
  struct Handle;
  Result<HttpResponse> SendOnce(const HttpRequest& request, Deadline deadline);
  std::unique_ptr<Handle> Acquire();
  void Release(std::unique_ptr<Handle> handle);

  Env* const env_;
  const SigV4Config sig_;
  const StoreOptions options_;

  std::mutex mu_;
  std::vector<std::unique_ptr<Handle>> idle_;  // GUARDED_BY(mu_)
};

// Classifies an HTTP status: 5xx, 429 and 408 are retryable.
bool IsRetryableHttpStatus(long status);

}  // namespace ferry
