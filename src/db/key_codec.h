// Checkpoint keys: a primary-key value list as JSON text and back, keeping
// the types (ints, doubles as exact text, text, blobs as {"hex": ...}), so a
// resumed job continues exactly after the last key it committed. Shared by
// copy (ferry_copy_checkpoints) and reshape (ferry_reshapes).
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/value.h"
#include "ferry/status.h"

namespace ferry {

std::string EncodeKey(const std::vector<Value>& key);
// Corruption naming the text when it is not such a list.
Result<std::vector<Value>> DecodeKey(const std::string& json);

// Lower-case hex of bytes, and back (nullopt on a bad digit or odd length).
std::string HexEncode(const std::string& bytes);
std::optional<std::string> HexDecode(std::string_view hex);

// Shortest text that reads back as the same double; NaN, Infinity, -Infinity.
std::string FormatReal(double d);
// Reads FormatReal's output (and "inf", "+1.5", surrounding spaces).
std::optional<double> ParseReal(std::string_view s);

}  // namespace ferry
