// Conversions between ferry Values and libpq's wire text (internal to the
// postgres adapter). Pure functions: no connection, no I/O.
#pragma once

#include <libpq-fe.h>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/value.h"
#include "ferry/status.h"

namespace ferry::pg {

// Owns a PGresult; PQclear on destruction.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using ResultPtr = std::unique_ptr<PGresult, ResultDeleter>;

// Parameters laid out as PQexecParams/PQexecPrepared want them. The pointer
// arrays point into `storage`, so an EncodedParams must outlive the call and
// must not be copied (moves keep the heap buffers, and with them the pointers).
struct EncodedParams {
  std::vector<std::string> storage;
  std::vector<const char*> values;  // nullptr = SQL NULL
  std::vector<int> lengths;
  std::vector<int> formats;  // 0 text, 1 binary (Blob)
  std::vector<Oid> types;    // 0 = let the server infer; bytea for Blob

  int size() const { return static_cast<int>(values.size()); }
};
EncodedParams EncodeParams(const std::vector<Value>& params);

// Text spelling PostgreSQL's input functions accept: shortest round-trip
// digits, and NaN / Infinity / -Infinity.
std::string FormatDouble(double d);

// One field of a text-format result, typed by the column's OID, into *out.
Status DecodeField(const PGresult* res, int row, int col, Value* out);
// Every row of a PGRES_TUPLES_OK result.
Result<Rows> DecodeRows(const PGresult* res);

// Appends one row in COPY text format (tab-separated, newline-terminated).
void AppendCopyRow(const std::vector<Value>& row, std::string* out);

}  // namespace ferry::pg
