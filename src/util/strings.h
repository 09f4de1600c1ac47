// Small string helpers that know nothing of ferry.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace ferry {

std::string_view TrimView(std::string_view s);
std::string Trim(std::string_view s);
std::string ToLower(std::string_view s);
bool StartsWith(std::string_view s, std::string_view prefix);
bool EndsWith(std::string_view s, std::string_view suffix);
bool StartsWithNoCase(std::string_view s, std::string_view prefix);
std::vector<std::string> Split(std::string_view s, char sep);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);
// Parses a whole string as a non-negative integer; nullopt on junk/overflow.
std::optional<uint64_t> ParseUint(std::string_view s);
// Replaces "\r\n" with "\n" (Windows line endings).
std::string NormalizeNewlines(std::string_view s);
// UTC wall time as "2026-11-22T00:09:11.123Z".
std::string FormatIsoTime(int64_t unix_micros);
// "1.2s", "35ms", "2m03s" for durations.
std::string FormatDuration(double seconds);

}  // namespace ferry

namespace ferry {
std::string ToUpper(std::string_view s);
}  // namespace ferry
