// Verify: proves a copy holds the same data as its source, across engines.
//
// Per table: the row count and an order-independent checksum. Each row's
// values are canonically encoded by the SOURCE column's logical type
// (canonical.h), hashed with SHA-256, and the first 16 bytes of each row hash
// are summed modulo 2^64 in two lanes (a sum, unlike xor, does not cancel
// duplicate rows), into 256 buckets chosen by a hash of the row's key. The
// checksum is the sum over the buckets, so equal data gives equal checksums
// on SQLite and PostgreSQL alike, whatever the row order.
//
// When a table differs, the buckets that differ are read again on both
// sides and compared row by row (by key), so the report names sample keys:
// "id=42: missing on the target", "id=7: differs", "id=9: only on the target".
//
// Rows stream in keyset pages (keyset_reader.h), so memory stays flat; only
// the second pass holds the rows of the differing buckets (at most 8).
// A table without a primary key (and no --order-by) is read in one query.
// Either side may be a key-value store (rocksdb:/dir): the checksum is the
// same, computed from the same canonical encoding, so SQL <-> RocksDB
// compares exactly like SQL <-> SQL.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/type_mapper.h"
#include "obs/logger.h"

namespace ferry {

struct VerifyOptions {
  std::vector<std::string> tables;  // empty = every table of the source
  size_t page_size = 10000;
  size_t max_samples = 10;
  TypeOverrides overrides;
  // Key columns for tables without a primary key: table -> columns.
  std::map<std::string, std::vector<std::string>> order_by;
};

struct TableVerifyResult {
  std::string table;
  int64_t source_rows = 0;
  int64_t target_rows = 0;
  std::string source_checksum;  // 32 hex digits
  std::string target_checksum;
  std::vector<std::string> samples;  // differing rows, "id=5: differs"
  std::string error;                 // set when the table could not be compared
  bool equal() const {
    return error.empty() && source_rows == target_rows && source_checksum == target_checksum;
  }
};

struct VerifyReport {
  std::vector<TableVerifyResult> tables;
  bool ok() const {
    for (const auto& t : tables)
      if (!t.equal()) return false;
    return true;
  }
  // "2 of 5 tables differ: users (rows 10 vs 9; id=3: missing on the target), ..."
  std::string Summary() const;
};

// Compares the tables of `source` and `target` (SQL databases or key-value
// stores, copy_endpoint.h). An error Status only when the comparison itself
// cannot run (a table list unreadable); per-table problems (missing target
// table, unmappable type) land in TableVerifyResult::error. `logger` may be
// null.
Result<VerifyReport> VerifyEndpoints(CopyEndpoint* source, CopyEndpoint* target,
                                     const VerifyOptions& options, Logger* logger);

// The same over two open Databases.
Result<VerifyReport> VerifyTables(Database* source, Database* target, const VerifyOptions& options,
                                  Logger* logger);

// Opens both sides by URL (sqlite:, postgres://, rocksdb:/dir, ...; a store
// must exist) and compares them. NotFound when a table named in
// options.tables is not on the source.
Result<VerifyReport> VerifyUrls(const std::string& from, const std::string& to,
                                const VerifyOptions& options, Env* env, Logger* logger);

}  // namespace ferry
