// How a SQL table is laid out in a key-value store (KvStore, src/kv/).
//
//   <table>:<key>          -> the row            (one entry per row)
//   \0ferry:schema:<table> -> the table's schema (JSON)
//   \0ferry:copy:<table>   -> the copy checkpoint of the table (JSON)
//
// Keys. <key> is an order-preserving ("memcomparable") encoding of the key
// columns' values, so one table is one contiguous key range in the key's
// order and a keyset page is an iterator Seek. Per value, a type tag then:
//   NULL 0x01 | integer 0x02 + 8 bytes big-endian of (v XOR 2^63)
//   real 0x03 + 8 bytes big-endian of the IEEE bits, sign-flipped so that
//               negative < positive (NaN sorts last)
//   text 0x04 / blob 0x05 + the bytes with 0x00 written as 0x00 0xFF,
//               ended by 0x00 0x01 (so "a" < "a\0" < "ab", and no key is a
//               prefix of another).
// Composite keys are the concatenation, so they sort column by column.
// Integers sort as integers and text as bytes (SQLite BINARY, PostgreSQL "C"
// collation). Where the SQL source sorts otherwise (a linguistic collation,
// a column mixing integers and reals), paging is still exact: each side
// pages in ITS OWN order and the copy checkpoint holds the source's last
// key, so a resumed copy asks the source for "after key K" in the source's
// order, and a key-value source pages by its own encoded keys.
//
// Rows: a compact binary, not JSON. JSON has no NaN or Infinity, no byte
// strings (blobs would need hex/base64, doubling them), and numbers past
// 2^53 need care; the binary form carries every Value exactly and is
// smaller and faster to decode:
//   0x01 (format) | varint column count | per column in the stored schema's
//   order: 'N' | 'I' + 8 bytes LE | 'R' + 8 bytes LE IEEE bits (NaN payload,
//   -0 and +-inf kept) | 'T' / 'X' + varint length + bytes.
// Types richer than the five Values (timestamps, numerics, JSON, UUIDs) are
// carried as text in canonical form (CarryValue), as on every engine; the
// schema entry keeps their logical type, so copying back into SQL can
// create the table with the right column types.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "db/value.h"
#include "ferry/status.h"
#include "jobs/copy/table_schema.h"

namespace ferry {

// InvalidArgument unless `table` can be a key-value table name: not empty,
// no ':' (it ends the table's key prefix), no NUL byte.
Status CheckKvTableName(const std::string& table);

// "<table>:" and the first key past every key that starts with it.
std::string KvRowPrefix(const std::string& table);
std::string KvPrefixEnd(const std::string& prefix);

std::string KvSchemaKey(const std::string& table);
std::string KvCheckpointKey(const std::string& table);
// Prefix of every schema key (ListTables scans it).
std::string KvSchemaPrefix();

// Appends the order-preserving encoding of one key value.
void AppendKvKeyValue(const Value& v, std::string* out);
std::string EncodeKvKey(const std::vector<Value>& key);
// Decodes a whole <key> (the part after "<table>:"); Corruption on bad bytes.
Result<std::vector<Value>> DecodeKvKey(std::string_view encoded);

std::string EncodeKvRow(const std::vector<Value>& row);
// Corruption (naming what) when the bytes are not a row of `columns` values.
Result<std::vector<Value>> DecodeKvRow(std::string_view bytes, size_t columns);

// The schema entry: columns with declared and logical types, the key.
std::string EncodeKvSchema(const TableSchema& schema);
Result<TableSchema> DecodeKvSchema(const std::string& table, std::string_view json);

}  // namespace ferry
