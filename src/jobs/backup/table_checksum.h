// Order-independent content checksums of a table, and row spot checks.
//
// The SAME function runs on a source table and on its copy, so the two
// compare. Row order never matters (a copy may store rows in another order):
// each row is hashed on its own and the row hashes are summed modulo 2^64 in
// two lanes (a sum, unlike xor, does not cancel duplicate rows).
//
// - PostgreSQL: computed by the server in one query. Normally
//   `sum(hash_record_extended(t, 0))`: each column hashed with its type's own
//   hash function, no text conversion ("pg-rowhash:<sum>", a 64-bit hash per
//   row summed exactly as numeric). Rows with a column type that has no hash
//   function (json, point, ...) fall back to hashing the row's text form
//   `t::text` twice ("pg-hash64sum:<sum seed 0>:<sum seed 1>"), about 4x
//   slower. The method is part of the checksum string, and a recorded
//   checksum is always recomputed with its own method
//   (ComputeTableChecksumLike), so old records keep verifying.
// - SQLite: each row's values are encoded with their types (1 != '1' != 1.0)
//   and hashed with XXH3-128 (xxHash); the 128 bits are the two lanes
//   ("sqlite-xxh128sum:<hex hi><hex lo>"). Checksums recorded before that
//   hashed each row with SHA-256 ("sqlite-sha256sum:...", ~10x the CPU) and
//   are recomputed that way. Computed inside SQLite by the aggregate
//   functions of sqlite_row_hash.h; where those are missing (a connection
//   opened before main(), more columns than SQLite allows in a call) the
//   rows stream through ferry in rowid pages instead, with the same result.
// - MySQL/MariaDB: MD5 of each row's columns as "<length>:<text>" ("N" for
//   NULL), the two 64-bit halves summed exactly as DECIMAL, in one query
//   ("mysql-md5sum:<sum hi>:<sum lo>").
// - DuckDB: DuckDB's 64-bit hash() of the row's columns, with two starting
//   points, each summed exactly as HUGEINT ("duckdb-hashsum:<sum>:<sum>").
//   hash() is DuckDB's own: a checksum compares within one DuckDB version.
//
// Run both sides inside one transaction (REPEATABLE READ on PostgreSQL) so
// they see the same snapshot. Not thread-safe (uses `db`).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"

namespace ferry {

struct TableChecksum {
  int64_t rows = 0;
  std::string checksum;
  int64_t data_bytes = 0;  // bytes hashed where known (SQLite), else 0; not compared
  bool operator==(const TableChecksum& o) const {
    return rows == o.rows && checksum == o.checksum;
  }
};

// `table` is a bare name (quoted here). The fastest method the engine and the
// table's column types allow.
Result<TableChecksum> ComputeTableChecksum(Database* db, const std::string& table);

// SQLite only: the rows streamed through ferry in rowid pages, the path used
// when the engine-side function is unavailable. Same result as
// ComputeTableChecksum; tests compare the two.
Result<TableChecksum> StreamedSqliteTableChecksum(Database* db, const std::string& table);

// SQLite and PostgreSQL: "a", "b", ... -- the quoted columns of `table` an
// INSERT may write (not generated) -- when it has generated columns, which
// refuse values; "" when it has none, so SELECT * fits.
Result<std::string> StoredColumnList(Database* db, const std::string& table);

// SQLite: copies every row of `source` into the existing, empty `copy`
// (INSERT ... SELECT *, or its stored columns) and returns the source's checksum -- the same method
// and result as ComputeTableChecksum -- computed from the rows as the INSERT
// reads them, so the source is read once instead of twice. `copied` is the
// number of rows inserted. Unavailable (nothing done) on other engines or
// without the hashing functions; on any other error nothing was inserted
// (the statement is atomic) and the caller may copy the plain way.
Result<TableChecksum> CopyTableHashingSource(Database* db, const std::string& source,
                                             const std::string& copy, int64_t* copied);

// SQLite: what ComputeTableChecksumLike(db, table, recorded) returns, for
// the COMMITTED rows of `table` in the database file of `url`, computed on
// `parts` new connections at once, each hashing one rowid range (row hashes
// are summed, so the ranges' sums add up to the table's). Each connection
// reads its own snapshot: meant for a table nothing else writes (a backup
// just committed). Unavailable where it cannot run (a method other than
// XXH3-128, an in-memory database, a table without rowid or with a column
// named rowid, the hashing functions missing): compute it on one connection
// then.
Result<TableChecksum> SqliteChecksumInParts(const DatabaseUrl& url, Env* env,
                                            const std::string& table, std::string_view recorded,
                                            int parts);

// The same method that produced `recorded` (a checksum string from above),
// so a stored checksum compares with a fresh one.
Result<TableChecksum> ComputeTableChecksumLike(Database* db, const std::string& table,
                                               std::string_view recorded);

// PostgreSQL: the method ComputeTableChecksum uses for `table`, as the
// start of a checksum string ("pg-rowhash:" when every column type has a
// hash function, else "pg-hash64sum:"), found by hashing one row (under a
// savepoint inside a transaction). Pass it as `recorded` below.
Result<std::string> PostgresChecksumMethod(Database* db, const std::string& table);

// PostgreSQL (14 or later: a TID range scan): the share of
// ComputeTableChecksumLike(db, table, recorded) held by the heap blocks
// [first_block, end_block) of `table`; end_block < 0 means to the end. The
// shares of disjoint block ranges covering the table add up
// (AddTableChecksums) to the table's checksum, because every row lives in
// exactly one block and row hashes are summed.
// With `xmin` (a transaction id's digits), only the rows that transaction
// inserted.
Result<TableChecksum> PostgresBlockRangeChecksum(Database* db, const std::string& table,
                                                 std::string_view recorded, int64_t first_block,
                                                 int64_t end_block, std::string_view xmin = {});

// The sum of two shares of one PostgreSQL checksum (same method): rows and
// every lane added exactly. An empty `a` (no checksum yet) yields `b`.
// InvalidArgument when the methods differ or a lane is not a number.
Result<TableChecksum> AddTableChecksums(const TableChecksum& a, const TableChecksum& b);

// Column names in table order.
Result<std::vector<std::string>> TableColumns(Database* db, const std::string& table);
// Primary-key column names in key order; empty when the table has none.
Result<std::vector<std::string>> PrimaryKeyColumns(Database* db, const std::string& table);

// Picks up to `samples` rows of `copy` at random (`seed` drives the choice)
// and looks each up in `source` by primary key (or by all columns when there
// is no key; then at most 8 samples, each a scan); every column must be equal.
// How each engine samples: snapshot_spot_check.cc.
// `copy_rows` is the copy's row count, already known to the caller (it sizes
// the sample without another scan). PostgreSQL samples whole pages
// (TABLESAMPLE SYSTEM) so the sample reads a few pages, not the table.
// Returns how many rows were compared; Corruption naming the row on a
// mismatch or a missing row.
Result<int> SpotCheckRows(Database* db, const std::string& source, const std::string& copy,
                          int samples, uint64_t seed, int64_t copy_rows);

// The same with the copy read on `copy_db` and the source looked up on
// `source_db`: a PostgreSQL copy committed after the snapshot it was taken
// in, whose source rows only that snapshot (source_db's transaction) shows.
Result<int> SpotCheckRowsAcross(Database* copy_db, Database* source_db, const std::string& source,
                                const std::string& copy, int samples, uint64_t seed,
                                int64_t copy_rows);

}  // namespace ferry
