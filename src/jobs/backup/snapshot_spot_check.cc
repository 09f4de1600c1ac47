// SpotCheckRows (table_checksum.h): sampled rows of a copy looked up in the
// source by key and compared column by column.
//
// How each engine samples the copy without reading it all again:
// - PostgreSQL: TABLESAMPLE SYSTEM (whole pages), rows compared as text
//   (some types, json, have no equality operator).
// - SQLite: random rowids between min and max, each one index seek.
// - MySQL: random values between the min and max of a single integer primary
//   key (one index seek each); other keys `ORDER BY RAND(seed)` (a scan).
// - DuckDB: a reservoir sample (USING SAMPLE ... REPEATABLE).
// SQLite, MySQL and DuckDB compare the typed values (doubles by bits, so a
// NaN equals itself and -0.0 differs from 0.0).
#include <algorithm>
#include <cstring>
#include <random>

#include "jobs/backup/table_checksum.h"

namespace ferry {
namespace {

bool SameValue(const Value& a, const Value& b) {
  const double* x = std::get_if<double>(&a);
  const double* y = std::get_if<double>(&b);
  if (x && y) return std::memcmp(x, y, sizeof *x) == 0;
  return a == b;
}

bool SameRow(const std::vector<Value>& a, const std::vector<Value>& b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i)
    if (!SameValue(a[i], b[i])) return false;
  return true;
}

// "a = $1 AND b = $2": `=` so the key's index is used (key columns are never
// NULL); without a key every column, compared NULL-safely.
std::string KeyPredicate(Database* db, const std::vector<std::string>& key, bool all_columns) {
  const char* null_safe = db->dialect() == Dialect::kSqlite   ? " IS $"
                          : db->dialect() == Dialect::kMysql  ? " <=> $"
                          : db->dialect() == Dialect::kDuckdb ? " IS NOT DISTINCT FROM $"
                                                              : " IS NOT DISTINCT FROM $";
  std::string where;
  for (size_t i = 0; i < key.size(); ++i) {
    where += (i ? " AND " : "") + db->QuoteIdentifier(key[i]) +
             ((all_columns || db->dialect() == Dialect::kSqlite) ? null_safe : " = $") +
             std::to_string(i + 1);
  }
  return where;
}

// Up to `samples` rows of `copy` (SELECT * order), SQLite/MySQL/DuckDB.
Result<Rows> SampleRows(Database* db, const std::string& copy, const std::vector<std::string>& key,
                        int samples, uint64_t seed) {
  const std::string qc = db->QuoteIdentifier(copy);
  Rows out;
  if (db->dialect() == Dialect::kDuckdb) {
    return db->Query("SELECT * FROM " + qc + " USING SAMPLE reservoir(" + std::to_string(samples) +
                         " ROWS) REPEATABLE (" + std::to_string(seed % 1000000) + ")",
                     {});
  }
  // SQLite: the rowid; MySQL: a single integer primary key. Random points
  // between min and max, each the next row at or after it (one seek).
  std::string ordered;
  if (db->dialect() == Dialect::kSqlite) {
    ordered = "rowid";
  } else if (key.size() == 1) {
    ordered = db->QuoteIdentifier(key[0]);
  }
  if (!ordered.empty()) {
    // Two subqueries: SQLite answers a lone min() or max() from the b-tree's
    // ends, but `SELECT min(x), max(x)` scans the whole table.
    FERRY_ASSIGN_OR_RETURN(Rows mm, db->Query("SELECT (SELECT min(" + ordered + ") FROM " + qc +
                                                  "), (SELECT max(" + ordered + ") FROM " + qc +
                                                  ")",
                                              {}));
    if (mm.empty() || IsNull(mm.rows[0][0])) return out;  // empty table
    const int64_t* lo = std::get_if<int64_t>(&mm.rows[0][0]);
    const int64_t* hi = std::get_if<int64_t>(&mm.rows[0][1]);
    if (lo && hi) {
      FERRY_ASSIGN_OR_RETURN(auto pick, db->Prepare("SELECT * FROM " + qc + " WHERE " + ordered +
                                                    " >= $1 ORDER BY " + ordered + " LIMIT 1"));
      std::mt19937_64 rng(seed);
      std::uniform_int_distribution<int64_t> dist(*lo, *hi);
      for (int i = 0; i < samples; ++i) {
        FERRY_ASSIGN_OR_RETURN(Rows one, pick->Query({dist(rng)}));
        if (!one.empty()) out.rows.push_back(one.rows[0]);
      }
      return out;
    }
  }
  // MySQL without a single integer key: a scan, sorted by a seeded RAND().
  return db->Query("SELECT * FROM " + qc + " ORDER BY RAND(" + std::to_string(seed % 1000000) +
                       ") LIMIT " + std::to_string(samples),
                   {});
}

}  // namespace

Result<int> SpotCheckRows(Database* db, const std::string& source, const std::string& copy,
                          int samples, uint64_t seed, int64_t copy_rows) {
  return SpotCheckRowsAcross(db, db, source, copy, samples, seed, copy_rows);
}

// `db` reads the copy (sampling), `source_db` the source (lookups); both
// are the same connection except for a PostgreSQL copy committed in block
// ranges (postgres_snapshot.cc).
Result<int> SpotCheckRowsAcross(Database* db, Database* source_db, const std::string& source,
                                const std::string& copy, int samples, uint64_t seed,
                                int64_t copy_rows) {
  if (samples <= 0 || copy_rows <= 0) return 0;
  // Never more lookups than rows: a 3-row table is 3 comparisons, not 64.
  samples = static_cast<int>(std::min<int64_t>(samples, copy_rows));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, TableColumns(db, copy));
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> key, PrimaryKeyColumns(source_db, source));
  const bool no_key = key.empty();
  if (no_key) {
    key = cols;
    samples = std::min(samples, 8);  // each lookup is a scan of the source
  }
  const bool pg = db->dialect() == Dialect::kPostgres;
  const std::string qs = db->QuoteIdentifier(source), qc = db->QuoteIdentifier(copy);
  std::string key_list;
  for (size_t i = 0; i < key.size(); ++i)
    key_list += (i ? ", " : "") + db->QuoteIdentifier(key[i]);

  std::string fetch;
  Rows sampled;
  if (pg) {
    // Key columns first, then the row's text, which compares every column
    // whatever its type. Without a key the row text itself is the key.
    fetch = no_key ? "SELECT t::text FROM " + qs + " AS t WHERE t::text = $1 LIMIT 1"
                   : "SELECT t::text FROM " + qs + " AS t WHERE " + KeyPredicate(db, key, false) +
                         " LIMIT 1";
    // SYSTEM samples whole pages: ~4x the wanted rows from a few pages
    // (BERNOULLI would read every page of the copy once more). A small
    // table has few pages and the draw may miss them all: then the share
    // grows until at least half the wanted rows came back.
    const int64_t want = std::min<int64_t>(samples, copy_rows);
    for (double pct = std::min(100.0, 100.0 * 4 * samples / static_cast<double>(copy_rows));;
         pct = std::min(100.0, pct * 4)) {
      FERRY_ASSIGN_OR_RETURN(
          sampled, db->Query("SELECT " + key_list + ", t::text FROM " + qc +
                                 " AS t TABLESAMPLE SYSTEM (" + std::to_string(pct) +
                                 ") REPEATABLE (" + std::to_string(seed % 1000000) + ") LIMIT " +
                                 std::to_string(samples),
                             {}));
      if (2 * static_cast<int64_t>(sampled.size()) >= want || pct >= 100.0) break;
    }
  } else {
    fetch = "SELECT * FROM " + qs + " WHERE " + KeyPredicate(db, key, no_key) + " LIMIT 1";
    FERRY_ASSIGN_OR_RETURN(sampled, SampleRows(db, copy, no_key ? std::vector<std::string>{} : key,
                                               samples, seed));
  }
  FERRY_ASSIGN_OR_RETURN(auto lookup, source_db->Prepare(fetch));
  int compared = 0;
  for (const auto& row : sampled.rows) {
    std::vector<Value> params;
    if (pg && no_key) {
      params.push_back(row.back());
    } else if (pg) {
      params.assign(row.begin(), row.begin() + key.size());
    } else {
      for (const auto& k : key) {
        size_t idx = std::find(cols.begin(), cols.end(), k) - cols.begin();
        if (idx >= row.size()) return Internal("spot check: column " + k + " not in the sample");
        params.push_back(row[idx]);
      }
    }
    FERRY_ASSIGN_OR_RETURN(Rows found, lookup->Query(params));
    std::string where_desc;
    for (size_t i = 0; i < params.size() && i < 4; ++i)
      where_desc += (i ? ", " : "") + ValueToDisplay(params[i]);
    if (found.empty()) {
      return Corruption("spot check: row (" + where_desc + ") of backup " + copy +
                        " is not in " + source);
    }
    bool same = pg ? found.rows[0][0] == row.back() : SameRow(found.rows[0], row);
    if (!same) {
      return Corruption("spot check: row (" + where_desc + ") differs between " + source +
                        " and backup " + copy);
    }
    ++compared;
  }
  return compared;
}

}  // namespace ferry
