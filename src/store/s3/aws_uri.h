// Percent-encoding and query strings the way AWS Signature V4 wants them.
//
// curl 7.88 signs the query string exactly as it appears in the URL, so a
// request is signed correctly only if we hand curl a query that is already
// canonical: parameters sorted by name (then value), names and values encoded
// with only A-Z a-z 0-9 - . _ ~ left as is and everything else as %XX with
// upper-case hex -- including '/', '+', '=', '&' and ' ' (never '+').
#pragma once

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace ferry {

enum class SlashMode { kEncode, kKeep };

// AWS URI encoding of bytes (UTF-8 is encoded byte by byte). kKeep leaves '/'
// alone, for object key paths; query names and values use kEncode.
std::string AwsUriEncode(std::string_view s, SlashMode slash = SlashMode::kEncode);

using QueryParams = std::vector<std::pair<std::string, std::string>>;

// "a=1&b=x%2Fy": encoded, sorted by encoded name then encoded value, every
// parameter written as name=value (an empty value gives "name=").
std::string CanonicalQueryString(const QueryParams& params);

}  // namespace ferry
