// Canonical values: how copy carries a value into another engine, and how
// verify encodes it so equal data hashes equal on every engine.
//
// Carrying (CarryValue): the source engine's Value is coerced to the carrier
// of the column's logical type (integer/boolean -> int64, real -> double,
// blob -> Blob, the rest -> text), e.g. a SQLite integer in a TIMESTAMP
// column (unix seconds) becomes ISO-8601 text, a PostgreSQL NaN going to
// SQLite becomes the text 'NaN' (SQLite would store NULL for a NaN double).
//
// Canonical encoding (AppendCanonical), one tagged, length-prefixed field
// per value, by logical type:
//   NULL -> "N"; integer -> "I" + decimal; boolean -> "B0"/"B1";
//   real -> "R" + shortest round-trip form, NaN -> "Rnan", -0 -> "R0",
//           +-inf -> "Rinf"/"R-inf" (text 'NaN', 'Infinity', '-inf' count too);
//   text -> "T" + bytes; blob -> "X" + bytes;
//   timestamp -> "S" + microseconds since 1970 (the zone is ignored, as
//           PostgreSQL's timestamp does); timestamptz -> "Z" + UTC microseconds;
//   date -> "D" + YYYY-MM-DD; json -> "J" + the parsed document re-serialized
//           (keys sorted, no spaces); uuid -> "U" + 32 lower-case hex digits;
//   numeric -> "M" + the decimal without leading/trailing zeros.
// A value that does not parse as its type is encoded as its text ("T..."),
// so it compares unequal to anything but the same text.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "db/database.h"
#include "db/key_codec.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

Value CarryValue(LogicalType type, Dialect target, Value v);

void AppendCanonical(LogicalType type, const Value& v, std::string* out);

// Microseconds since the epoch for "YYYY-MM-DD[ T]HH:MM[:SS[.ffffff]][Z|+HH[:MM]]"
// (a date alone is midnight); the zone is applied when `apply_zone`.
// "infinity"/"-infinity" give INT64_MAX/INT64_MIN. nullopt when unparseable.
std::optional<int64_t> ParseTimestampMicros(const std::string& text, bool apply_zone);

// "id=5, name='x'" for messages.
std::string DisplayKey(const std::vector<std::string>& columns, const std::vector<Value>& key);


}  // namespace ferry
