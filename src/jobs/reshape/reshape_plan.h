// ReshapePlan: what `ferry reshape` reads from a plan file (TOML).
//
//   table = "chunks"                 # the live table to rebuild
//   key = ["id"]                     # unique, NOT NULL; keyset order of the copy
//   batch_size = 10000
//   ddl = "CREATE TABLE {new} (...) PARTITION BY LIST (partition_key)"
//   select = "id, collection_id, ..., abs(hashtext(collection_id::text)) % 100 AS partition_key"
//   indexes = ["CREATE INDEX {new}_coll_idx ON {new} (collection_id)"]
//   constraints = ["ALTER TABLE {new} ADD CONSTRAINT ... "]
//   [partitions]                     # PostgreSQL only
//   count = 100
//   column = "partition_key"
//   method = "list"                  # or "hash"
//   [[check]]                        # answer must be equal on old and new
//   name = "distinct collections"
//   sql = "SELECT count(DISTINCT collection_id) FROM {table}"
//
// Placeholders: `{new}` is the new table (quoted), `{table}` in a check is the
// table being checked (old or new), `{old}` the live table. The select list
// reads the old row's columns by name (the row is aliased `o`) and must yield
// the new table's columns in the new table's order; the key columns keep their
// names in the new table, which needs a unique index over them (or over them
// plus the partition column) so the copy's ON CONFLICT DO NOTHING lets rows
// the capture trigger already wrote win.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "ferry/status.h"

namespace ferry {

enum class PartitionMethod { kNone, kList, kHash };

struct ReshapeCheck {
  std::string name;
  std::string sql;  // with {table}
};

struct ReshapePlan {
  std::string path;          // where it was read from (for messages)
  std::string name;          // defaults to the table name
  std::string table;
  std::vector<std::string> key;
  std::string new_table;     // default "<table>_reshape_new"
  std::string ddl;           // with {new}
  std::string select;        // mapping of an old row (alias o) to a new row
  PartitionMethod partition_method = PartitionMethod::kNone;
  int partition_count = 0;
  std::string partition_column;
  bool allow_empty_partitions = false;
  std::vector<std::string> indexes;      // with {new}
  std::vector<std::string> constraints;  // with {new}
  std::vector<ReshapeCheck> checks;
  int64_t batch_size = 10000;
  std::string checksum;  // SHA-256 of the file text: "this plan" for no-op/resume
};

// Parses plan text. Errors are InvalidArgument "<path>:<line>: <what>" (the
// line of the offending key when known, else "<path>: <what>").
Result<ReshapePlan> ParseReshapePlan(const std::string& text, const std::string& path);

std::string_view PartitionMethodName(PartitionMethod m);

}  // namespace ferry
