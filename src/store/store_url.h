// StoreUrl: a parsed blob-store address.
//
//   file:///abs/dir          file:rel/dir          file:/abs/dir
//   s3://bucket               s3://bucket/some/prefix
//   s3://bucket/prefix?endpoint=http://127.0.0.1:9000&region=us-east-1
//   s3://bucket?region=eu-west-1&force_path_style=true
//
// s3 query parameters: endpoint (scheme://host[:port], default AWS), region
// (default us-east-1), force_path_style (true/false; implied by endpoint).
// Unknown parameters are rejected so a typo does not silently change where
// data is read from. Credentials never go in the URL (StoreOptions / env).
#pragma once

#include <string>

#include "ferry/status.h"

namespace ferry {

struct StoreUrl {
  std::string scheme;  // "file" or "s3"

  // file: the directory, as given (relative or absolute), no trailing '/'.
  std::string path;

  // s3:
  std::string bucket;
  std::string prefix;    // key prefix acting as the root: "" or ends with '/'
  std::string endpoint;  // "" = AWS; else "http://host:port" without trailing '/'
  std::string region = "us-east-1";
  bool path_style = false;  // true when endpoint is set or force_path_style=true

  std::string original;  // as given

  // InvalidArgument naming the (redacted) URL when malformed.
  static Result<StoreUrl> Parse(const std::string& url);

  // Safe to log (RedactSecrets applied to the original).
  std::string Redacted() const;
};

}  // namespace ferry
