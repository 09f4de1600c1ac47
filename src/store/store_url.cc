#include "store/store_url.h"

#include <cctype>

#include "db/database_url.h"
#include "util/strings.h"

namespace ferry {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX (and '+' is kept literally: these are URL parts, not forms).
bool PercentDecode(const std::string& in, std::string* out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    int hi = HexValue(in[i + 1]);
    int lo = HexValue(in[i + 2]);
    if (hi < 0 || lo < 0) return false;
    out->push_back(static_cast<char>(hi * 16 + lo));
    i += 2;
  }
  return true;
}

bool ValidBucket(const std::string& b) {
  if (b.size() < 3 || b.size() > 63) return false;
  for (char c : b) {
    if (!(std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) ||
          c == '-' || c == '.' || c == '_')) {
      return false;
    }
  }
  return true;
}

}  // namespace

Result<StoreUrl> StoreUrl::Parse(const std::string& url) {
  StoreUrl u;
  u.original = url;
  auto bad = [&](const std::string& why) {
    return InvalidArgument("malformed store URL \"" + RedactSecrets(url) + "\": " + why);
  };
  if (url.empty()) return bad("empty (expected file:///dir or s3://bucket/prefix)");
  size_t colon = url.find(':');
  if (colon == std::string::npos || colon == 0) {
    return bad("missing scheme (expected file:///dir or s3://bucket/prefix)");
  }
  u.scheme = ToLower(url.substr(0, colon));
  std::string rest = url.substr(colon + 1);

  if (u.scheme == "file") {
    if (StartsWith(rest, "//")) {
      rest = rest.substr(2);
      // file://localhost/dir is the same as file:///dir.
      if (StartsWith(rest, "localhost/")) rest = rest.substr(9);
      if (!StartsWith(rest, "/")) {
        return bad("file:// URLs take an absolute path (file:///abs/dir); use file:rel/dir for "
                   "a relative one");
      }
    }
    if (rest.find('?') != std::string::npos) return bad("file URLs take no parameters");
    while (rest.size() > 1 && EndsWith(rest, "/")) rest.pop_back();
    if (rest.empty()) return bad("empty directory");
    u.path = rest;
    return u;
  }

  if (u.scheme == "s3") {
    if (!StartsWith(rest, "//")) return bad("expected s3://bucket[/prefix]");
    rest = rest.substr(2);
    std::string query;
    if (size_t q = rest.find('?'); q != std::string::npos) {
      query = rest.substr(q + 1);
      rest = rest.substr(0, q);
    }
    if (rest.find('@') != std::string::npos) {
      return bad("credentials do not belong in the URL: use AWS_ACCESS_KEY_ID/"
                 "AWS_SECRET_ACCESS_KEY or the credential flags");
    }
    size_t slash = rest.find('/');
    u.bucket = rest.substr(0, slash);
    if (!ValidBucket(u.bucket)) {
      return bad("bucket name \"" + u.bucket +
                 "\" must be 3-63 characters of a-z, 0-9, '-', '.', '_'");
    }
    if (slash != std::string::npos) {
      std::string prefix;
      if (!PercentDecode(rest.substr(slash + 1), &prefix)) return bad("bad %-escape in the prefix");
      while (StartsWith(prefix, "/")) prefix.erase(0, 1);
      if (!prefix.empty() && !EndsWith(prefix, "/")) prefix.push_back('/');
      u.prefix = prefix;
    }
    bool force_path_style = false;
    for (const std::string& part : Split(query, '&')) {
      if (part.empty()) continue;
      size_t eq = part.find('=');
      std::string name;
      std::string value;
      if (!PercentDecode(part.substr(0, eq), &name) ||
          (eq != std::string::npos && !PercentDecode(part.substr(eq + 1), &value))) {
        return bad("bad %-escape in parameter \"" + part + "\"");
      }
      if (name == "endpoint") {
        if (!StartsWith(value, "http://") && !StartsWith(value, "https://")) {
          return bad("endpoint must start with http:// or https://");
        }
        while (EndsWith(value, "/")) value.pop_back();
        if (value.find('/', value.find("//") + 2) != std::string::npos) {
          return bad("endpoint must be scheme://host[:port] without a path");
        }
        u.endpoint = value;
      } else if (name == "region") {
        if (value.empty()) return bad("empty region");
        for (char c : value) {
          if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '-' || c == '_')) {
            return bad("region \"" + value + "\" has characters other than a-z, 0-9, '-'");
          }
        }
        u.region = value;
      } else if (name == "force_path_style") {
        if (value == "true" || value == "1") {
          force_path_style = true;
        } else if (value == "false" || value == "0") {
          force_path_style = false;
        } else {
          return bad("force_path_style must be true or false");
        }
      } else {
        return bad("unknown parameter \"" + name +
                   "\" (known: endpoint, region, force_path_style)");
      }
    }
    u.path_style = force_path_style || !u.endpoint.empty();
    return u;
  }

  return bad("unknown scheme \"" + u.scheme + "\" (known: file, s3)");
}

std::string StoreUrl::Redacted() const { return RedactSecrets(original); }

}  // namespace ferry
