// Just enough XML for S3 responses: ListObjectsV2 results and error bodies.
//
// There is no XML library in ferry's dependency list, and S3 answers are
// small and regular, so this is a careful element scanner rather than a
// parser: it tracks the element path, skips the prolog, comments and
// processing instructions, takes CDATA literally, decodes the five named
// entities and numeric references (&#65; &#x41;) into UTF-8, ignores
// attributes and namespace prefixes, and rejects what it cannot read
// (unbalanced tags, unknown entities, truncated input) with IOError rather
// than guessing.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "ferry/status.h"

namespace ferry {

struct ListObjectsPage {
  std::vector<std::string> keys;  // ListBucketResult/Contents/Key, in order
  bool is_truncated = false;      // ListBucketResult/IsTruncated
  std::string next_continuation_token;  // ListBucketResult/NextContinuationToken
};

// Parses a ListObjectsV2 response body. IOError when the body is not a
// well-formed ListBucketResult.
Result<ListObjectsPage> ParseListObjectsV2(std::string_view xml);

// <Error><Code>NoSuchKey</Code><Message>...</Message></Error> -> "NoSuchKey:
// ..."; "" when the body is not an S3 error document.
std::string ParseS3ErrorSummary(std::string_view xml);

// Decodes XML character data: &amp; &lt; &gt; &quot; &apos; &#N; &#xH;.
// IOError on an unknown or malformed entity.
Result<std::string> DecodeXmlText(std::string_view text);

}  // namespace ferry
