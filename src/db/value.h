// Value and Rows: what crosses the Database seam.
//
// A Value is NULL, a 64-bit integer, a double, text (UTF-8) or a blob. Engines
// map their types onto these five; anything richer (timestamps, numerics,
// UUIDs, JSON) travels as text in the engine's canonical spelling.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace ferry {

struct Blob {
  std::string bytes;
  bool operator==(const Blob&) const = default;
};

using Value = std::variant<std::monostate, int64_t, double, std::string, Blob>;

inline bool IsNull(const Value& v) { return std::holds_alternative<std::monostate>(v); }

// Renders a value for messages and text output (NULL, 42, 'text', x'00ff').
std::string ValueToDisplay(const Value& v);

struct Rows {
  std::vector<std::string> columns;
  std::vector<std::vector<Value>> rows;

  size_t size() const { return rows.size(); }
  bool empty() const { return rows.empty(); }
  // Typed accessors for the common cases; NULL gives nullopt. Integers stored
  // as text (or text stored as integers) are converted.
  std::optional<int64_t> GetInt(size_t row, size_t col) const;
  std::optional<std::string> GetText(size_t row, size_t col) const;
};

}  // namespace ferry
