#include "jobs/backup/table_checksum.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <future>
#include <memory>
#include <random>

#include "jobs/backup/sqlite_row_hash.h"

namespace ferry {
namespace {

constexpr int64_t kPageRows = 5000;

std::string Hex64(uint64_t v) {
  static const char* kHex = "0123456789abcdef";
  std::string s(16, '0');
  for (int i = 15; i >= 0; --i, v >>= 4) s[i] = kHex[v & 15];
  return s;
}

// Appends a typed, length-prefixed encoding of v, so that different values
// never encode alike.
void Encode(const Value& v, std::string* out) {
  auto put64 = [out](uint64_t x) {
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((x >> (8 * i)) & 0xff));
  };
  if (IsNull(v)) {
    out->push_back('N');
  } else if (auto* i = std::get_if<int64_t>(&v)) {
    out->push_back('I');
    put64(static_cast<uint64_t>(*i));
  } else if (auto* d = std::get_if<double>(&v)) {
    out->push_back('F');
    uint64_t bits;
    std::memcpy(&bits, d, sizeof bits);
    put64(bits);
  } else if (auto* s = std::get_if<std::string>(&v)) {
    out->push_back('T');
    put64(s->size());
    out->append(*s);
  } else if (auto* b = std::get_if<Blob>(&v)) {
    out->push_back('B');
    put64(b->bytes.size());
    out->append(b->bytes);
  }
}

struct EvpDeleter {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

// Which per-row hash a SQLite checksum uses (its string's prefix).
enum class SqliteHash { kSha256, kXxh128 };

constexpr std::string_view kSqlitePrefix = "sqlite-sha256sum:";
constexpr std::string_view kSqliteXxhPrefix = "sqlite-xxh128sum:";

std::string_view SqlitePrefix(SqliteHash h) {
  return h == SqliteHash::kXxh128 ? kSqliteXxhPrefix : kSqlitePrefix;
}

class RowHasher {
 public:
  explicit RowHasher(SqliteHash hash) : hash_(hash), ctx_(EVP_MD_CTX_new()) {}
  // Adds the row's values from column `first` on.
  void Add(const std::vector<Value>& row, size_t first) {
    buf_.clear();
    for (size_t i = first; i < row.size(); ++i) Encode(row[i], &buf_);
    uint64_t hi = 0, lo = 0;
    RowHashLanes(buf_, hash_ == SqliteHash::kSha256 ? ctx_.get() : nullptr, &hi, &lo);
    hi_ += hi;
    lo_ += lo;
    ++rows_;
  }
  TableChecksum Result() const {
    return {rows_, std::string(SqlitePrefix(hash_)) + Hex64(hi_) + Hex64(lo_)};
  }

 private:
  SqliteHash hash_;
  std::unique_ptr<EVP_MD_CTX, EvpDeleter> ctx_;
  std::string buf_;
  uint64_t hi_ = 0, lo_ = 0;
  int64_t rows_ = 0;
};

constexpr std::string_view kPgRowHashPrefix = "pg-rowhash:";
constexpr std::string_view kPgTextPrefix = "pg-hash64sum:";
constexpr std::string_view kMysqlPrefix = "mysql-md5sum:";
constexpr std::string_view kDuckdbPrefix = "duckdb-hashsum:";

// Rows stream through ferry in rowid pages: the fallback when SQLite lacks
// the ferry_sha256sum / ferry_xxh128sum functions.
Result<TableChecksum> SqliteStreamedChecksum(Database* db, const std::string& table,
                                             SqliteHash hash) {
  const std::string q = db->QuoteIdentifier(table);
  RowHasher h(hash);
  // Keyset pages by rowid keep memory flat; a WITHOUT ROWID table has no
  // rowid, so it is read whole.
  auto probe = db->Query("SELECT rowid FROM " + q + " LIMIT 1", {});
  if (!probe.ok()) {
    FERRY_ASSIGN_OR_RETURN(Rows all, db->Query("SELECT * FROM " + q, {}));
    for (const auto& r : all.rows) h.Add(r, 0);
    return h.Result();
  }
  // The first page has no lower bound: `rowid > INT64_MIN` would skip a row
  // whose rowid is INT64_MIN.
  const std::string page_sql = "SELECT rowid, * FROM " + q;
  const std::string tail = " ORDER BY rowid LIMIT " + std::to_string(kPageRows);
  FERRY_ASSIGN_OR_RETURN(auto first, db->Prepare(page_sql + tail));
  FERRY_ASSIGN_OR_RETURN(auto stmt, db->Prepare(page_sql + " WHERE rowid > $1" + tail));
  int64_t last = INT64_MIN;
  for (bool is_first = true;; is_first = false) {
    FERRY_ASSIGN_OR_RETURN(Rows page, is_first ? first->Query({}) : stmt->Query({last}));
    for (const auto& r : page.rows) h.Add(r, 1);
    if (static_cast<int64_t>(page.size()) < kPageRows) break;
    last = page.GetInt(page.size() - 1, 0).value_or(INT64_MAX);
  }
  return h.Result();
}

// One aggregate query inside SQLite; the columns are those of `SELECT *`
// (generated ones included, hidden virtual-table ones not).
Result<TableChecksum> SqliteChecksum(Database* db, const std::string& table, SqliteHash hash) {
  const std::string q = db->QuoteIdentifier(table);
  if (!SqliteRowHashRegistered()) return SqliteStreamedChecksum(db, table, hash);
  FERRY_ASSIGN_OR_RETURN(Rows cols, db->Query("SELECT name FROM pragma_table_xinfo($1)"
                                              " WHERE hidden IN (0, 2, 3) ORDER BY cid",
                                              {table}));
  if (cols.empty()) return NotFound("table " + table + " has no columns (does it exist?)");
  std::string args;
  for (size_t i = 0; i < cols.size(); ++i)
    args += (i ? ", " : "") + db->QuoteIdentifier(cols.GetText(i, 0).value_or(""));
  const std::string_view fn =
      hash == SqliteHash::kXxh128 ? kSqliteRowXxh128Function : kSqliteRowHashFunction;
  auto r = db->Query("SELECT count(*), " + std::string(fn) + "(" + args + ") FROM " + q, {});
  // Missing function (connection opened before registration) or more
  // columns than one call may take: stream instead, same result.
  if (!r.ok()) return SqliteStreamedChecksum(db, table, hash);
  std::string out = r->GetText(0, 1).value_or("");
  size_t colon = out.find(':');
  if (colon != 32) return Internal(std::string(fn) + " returned \"" + out + "\"");
  TableChecksum sum{r->GetInt(0, 0).value_or(0), std::string(SqlitePrefix(hash)) + out.substr(0, 32)};
  sum.data_bytes = std::strtoll(out.c_str() + colon + 1, nullptr, 10);
  return sum;
}

// `where` (may be empty): " WHERE ..." on the rows, for a block range.
Result<TableChecksum> PostgresTextChecksum(Database* db, const std::string& table,
                                           const std::string& where = "") {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT count(*), coalesce(sum(hashtextextended(t::text, 0)), 0)::text,"
                        " coalesce(sum(hashtextextended(t::text, 1)), 0)::text FROM " +
                            db->QuoteIdentifier(table) + " AS t" + where,
                        {}));
  return TableChecksum{r.GetInt(0, 0).value_or(0),
                       std::string(kPgTextPrefix) + r.GetText(0, 1).value_or("0") + ":" +
                           r.GetText(0, 2).value_or("0")};
}

Result<TableChecksum> PostgresRowHashChecksum(Database* db, const std::string& table,
                                              const std::string& where = "") {
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT count(*), coalesce(sum(hash_record_extended(t, 0)), 0)::text FROM " +
                            db->QuoteIdentifier(table) + " AS t" + where,
                        {}));
  return TableChecksum{r.GetInt(0, 0).value_or(0),
                       std::string(kPgRowHashPrefix) + r.GetText(0, 1).value_or("0")};
}

// The row-hash method where every column type has a hash function, else the
// text method. Inside a transaction the attempt runs under a savepoint, so
// its failure does not abort the caller's transaction.
Result<TableChecksum> PostgresChecksum(Database* db, const std::string& table) {
  const bool in_tx = db->InTransaction();
  if (in_tx) FERRY_RETURN_IF_ERROR(db->Exec("SAVEPOINT ferry_checksum"));
  auto fast = PostgresRowHashChecksum(db, table);
  if (in_tx) {
    if (!fast.ok()) FERRY_RETURN_IF_ERROR(db->Exec("ROLLBACK TO SAVEPOINT ferry_checksum"));
    FERRY_RETURN_IF_ERROR(db->Exec("RELEASE SAVEPOINT ferry_checksum"));
  }
  if (fast.ok()) return fast;
  // Only "no hash function for this type" (or no hash_record_extended, before
  // PostgreSQL 14) is a reason to fall back; anything else is the answer.
  const std::string& m = fast.status().message();
  if (m.find("hash") == std::string::npos) return fast.status();
  return PostgresTextChecksum(db, table);
}

// MySQL/MariaDB: each row is encoded as the concatenation of its columns,
// each as "<length>:<text>" or "N" for NULL (a length never starts with N,
// so NULL and '' differ, and ("ab", "c") differs from ("a", "bc")), hashed
// with MD5; the two 64-bit halves are summed exactly (SUM of BIGINT UNSIGNED
// is a DECIMAL, which does not wrap). Both sides of a comparison have the
// same column types (the copy is CREATE TABLE ... LIKE), so each value's
// text form is a faithful encoding; the session's time zone is fixed
// (mysql_database.h), so TIMESTAMPs read the same every time.
Result<TableChecksum> MysqlChecksum(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, TableColumns(db, table));
  std::string row;
  for (const auto& c : cols) {
    const std::string q = db->QuoteIdentifier(c);
    row += (row.empty() ? "" : ", ") + ("COALESCE(CONCAT(LENGTH(" + q + "), ':', " + q + "), 'N')");
  }
  // One argument would make CONCAT the identity; the prefix keeps it a CONCAT.
  const std::string h = "MD5(CONCAT('r', " + row + "))";
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT COUNT(*), CAST(COALESCE(SUM(CAST(CONV(LEFT(h, 16), 16, 10) AS UNSIGNED)), 0)"
                        " AS CHAR), CAST(COALESCE(SUM(CAST(CONV(RIGHT(h, 16), 16, 10) AS UNSIGNED)), 0)"
                        " AS CHAR) FROM (SELECT " + h + " AS h FROM " + db->QuoteIdentifier(table) +
                        ") AS ferry_rows",
                        {}));
  return TableChecksum{r.GetInt(0, 0).value_or(0),
                       std::string(kMysqlPrefix) + r.GetText(0, 1).value_or("0") + ":" +
                           r.GetText(0, 2).value_or("0")};
}

// DuckDB: its own 64-bit hash() of the row's columns, twice with different
// starting points, each summed exactly (sum of UBIGINT is a HUGEINT).
// Computed vectorized inside DuckDB; hash() hashes values by type, so a
// copy with the same column types hashes alike.
Result<TableChecksum> DuckdbChecksum(Database* db, const std::string& table) {
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, TableColumns(db, table));
  std::string args;
  for (const auto& c : cols) args += ", " + db->QuoteIdentifier(c);
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT count(*), CAST(coalesce(sum(hash(" + args.substr(2) +
                            ")), 0) AS VARCHAR), CAST(coalesce(sum(hash('ferry'" + args +
                            ")), 0) AS VARCHAR) FROM " + db->QuoteIdentifier(table),
                        {}));
  return TableChecksum{r.GetInt(0, 0).value_or(0),
                       std::string(kDuckdbPrefix) + r.GetText(0, 1).value_or("0") + ":" +
                           r.GetText(0, 2).value_or("0")};
}

}  // namespace

Result<TableChecksum> ComputeTableChecksum(Database* db, const std::string& table) {
  Result<TableChecksum> r = db->dialect() == Dialect::kPostgres ? PostgresChecksum(db, table)
                            : db->dialect() == Dialect::kMysql  ? MysqlChecksum(db, table)
                            : db->dialect() == Dialect::kDuckdb ? DuckdbChecksum(db, table)
                                                                : SqliteChecksum(db, table, SqliteHash::kXxh128);
  if (!r.ok()) return r.status().WithContext("checksum of table " + table);
  return r;
}

Result<std::string> StoredColumnList(Database* db, const std::string& table) {
  // (name, generated?): SQLite's hidden is 2 for VIRTUAL, 3 for STORED
  // generated columns (1, a virtual table's hidden column, is left out).
  FERRY_ASSIGN_OR_RETURN(
      Rows cols,
      db->dialect() == Dialect::kPostgres
          ? db->Query("SELECT attname, (attgenerated <> '')::int FROM pg_attribute"
                      " WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped"
                      " ORDER BY attnum",
                      {db->QuoteIdentifier(table)})
          : db->Query("SELECT name, hidden FROM pragma_table_xinfo($1)"
                      " WHERE hidden IN (0, 2, 3) ORDER BY cid",
                      {table}));
  std::string list;
  bool generated = false;
  for (size_t i = 0; i < cols.size(); ++i) {
    if (cols.GetInt(i, 1).value_or(0) != 0) {
      generated = true;
      continue;
    }
    list += (list.empty() ? "" : ", ") + db->QuoteIdentifier(cols.GetText(i, 0).value_or(""));
  }
  return generated ? list : std::string();
}

Result<TableChecksum> CopyTableHashingSource(Database* db, const std::string& source,
                                             const std::string& copy, int64_t* copied) {
  if (db->dialect() != Dialect::kSqlite || !SqliteRowHashRegistered())
    return Unavailable("the row-hashing functions are not registered on this connection");
  // The same columns, in the same order, as SqliteChecksum hashes.
  FERRY_ASSIGN_OR_RETURN(Rows cols, db->Query("SELECT name FROM pragma_table_xinfo($1)"
                                              " WHERE hidden IN (0, 2, 3) ORDER BY cid",
                                              {source}));
  if (cols.empty()) return NotFound("table " + source + " has no columns (does it exist?)");
  std::string args;
  for (size_t i = 0; i < cols.size(); ++i)
    args += (i ? ", " : "") + db->QuoteIdentifier(cols.GetText(i, 0).value_or(""));
  const std::string take = "SELECT " + std::string(kSqliteRowXxh128Take) + "()";
  FERRY_ASSIGN_OR_RETURN(std::string stored, StoredColumnList(db, source));
  const std::string into = stored.empty() ? "" : " (" + stored + ")";
  const std::string what = stored.empty() ? "*" : stored;
  FERRY_RETURN_IF_ERROR(db->Query(take, {}).status());  // from zero
  FERRY_ASSIGN_OR_RETURN(*copied, db->Execute("INSERT INTO " + db->QuoteIdentifier(copy) + into +
                                                  " SELECT " + what + " FROM " +
                                                  db->QuoteIdentifier(source) +
                                                  " WHERE " + std::string(kSqliteRowXxh128Add) +
                                                  "(" + args + ")",
                                              {}));
  FERRY_ASSIGN_OR_RETURN(Rows r, db->Query(take, {}));
  // "<32 hex>:<bytes>:<rows>"
  const std::string out = r.GetText(0, 0).value_or("");
  const size_t c1 = out.find(':'), c2 = out.find(':', c1 + 1);
  if (c1 != 32 || c2 == std::string::npos)
    return Internal(std::string(kSqliteRowXxh128Take) + " returned \"" + out + "\"");
  TableChecksum sum{std::strtoll(out.c_str() + c2 + 1, nullptr, 10),
                    std::string(kSqliteXxhPrefix) + out.substr(0, 32)};
  sum.data_bytes = std::strtoll(out.c_str() + c1 + 1, nullptr, 10);
  return sum;
}

namespace {

// One rowid range's share of a SQLite XXH3-128 checksum, as the lane sums.
struct PartSum {
  uint64_t hi = 0, lo = 0;
  int64_t rows = 0, bytes = 0;
};

Result<PartSum> SqliteRangeSum(const DatabaseUrl& url, Env* env, const std::string& sql,
                               int64_t first, int64_t last) {
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(url, env));
  FERRY_ASSIGN_OR_RETURN(Rows r, db->Query(sql, {first, last}));
  // "<32 hex>:<bytes>"
  const std::string out = r.GetText(0, 1).value_or("");
  if (out.find(':') != 32)
    return Internal(std::string(kSqliteRowXxh128Function) + " returned \"" + out + "\"");
  PartSum p;
  p.hi = std::strtoull(out.substr(0, 16).c_str(), nullptr, 16);
  p.lo = std::strtoull(out.substr(16, 16).c_str(), nullptr, 16);
  p.bytes = std::strtoll(out.c_str() + 33, nullptr, 10);
  p.rows = r.GetInt(0, 0).value_or(0);
  return p;
}

}  // namespace

Result<TableChecksum> SqliteChecksumInParts(const DatabaseUrl& url, Env* env,
                                            const std::string& table, std::string_view recorded,
                                            int parts) {
  if (url.scheme != "sqlite" || url.path.empty() || url.path == ":memory:" ||
      recorded.substr(0, kSqliteXxhPrefix.size()) != kSqliteXxhPrefix ||
      !SqliteRowHashRegistered() || parts < 1)
    return Unavailable("no parallel checksum of " + table);
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(url, env));
  FERRY_ASSIGN_OR_RETURN(Rows cols, db->Query("SELECT name FROM pragma_table_xinfo($1)"
                                              " WHERE hidden IN (0, 2, 3) ORDER BY cid",
                                              {table}));
  if (cols.empty()) return NotFound("table " + table + " has no columns (does it exist?)");
  std::string args;
  for (size_t i = 0; i < cols.size(); ++i) {
    std::string name = cols.GetText(i, 0).value_or("");
    std::string lower = name;
    for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    // `rowid` would name that column, not the row's id.
    if (lower == "rowid" || lower == "_rowid_" || lower == "oid")
      return Unavailable("table " + table + " has a column named " + name);
    args += (i ? ", " : "") + db->QuoteIdentifier(name);
  }
  const std::string q = db->QuoteIdentifier(table);
  // Two subqueries: each answered from one end of the b-tree (a WITHOUT
  // ROWID table fails here: no rowid).
  auto ends = db->Query(
      "SELECT (SELECT min(rowid) FROM " + q + "), (SELECT max(rowid) FROM " + q + ")", {});
  if (!ends.ok()) return Unavailable("table " + table + ": " + ends.status().message());
  db.reset();
  TableChecksum sum{0, std::string(kSqliteXxhPrefix) + Hex64(0) + Hex64(0)};
  if (ends->empty() || IsNull(ends->rows[0][0])) return sum;  // empty
  const int64_t lo = ends->GetInt(0, 0).value_or(0), hi = ends->GetInt(0, 1).value_or(0);
  const std::string sql = "SELECT count(*), " + std::string(kSqliteRowXxh128Function) + "(" + args +
                          ") FROM " + q + " WHERE rowid BETWEEN $1 AND $2";
  // Equal rowid ranges, in unsigned arithmetic: hi - lo may not fit in 64
  // signed bits. The last range ends at hi.
  const uint64_t step = (static_cast<uint64_t>(hi) - static_cast<uint64_t>(lo)) / parts;
  auto start = [&](int i) { return static_cast<int64_t>(static_cast<uint64_t>(lo) + step * i); };
  const int n = step == 0 ? 1 : parts;  // fewer rowids than parts: one range
  std::vector<std::future<Result<PartSum>>> running;
  for (int i = 0; i < n; ++i) {
    const int64_t first = start(i);
    const int64_t last = i + 1 == n ? hi : start(i + 1) - 1;  // start(i + 1) > lo
    running.push_back(std::async(std::launch::async, [&url, env, &sql, first, last] {
      return SqliteRangeSum(url, env, sql, first, last);
    }));
  }
  PartSum total;
  Status failed;
  for (auto& f : running) {
    Result<PartSum> p = f.get();
    if (!p.ok()) {
      if (failed.ok()) failed = p.status();
      continue;
    }
    total.hi += p->hi;
    total.lo += p->lo;
    total.rows += p->rows;
    total.bytes += p->bytes;
  }
  if (!failed.ok()) return failed.WithContext("checksum of table " + table);
  sum.rows = total.rows;
  sum.checksum = std::string(kSqliteXxhPrefix) + Hex64(total.hi) + Hex64(total.lo);
  sum.data_bytes = total.bytes;
  return sum;
}

Result<TableChecksum> StreamedSqliteTableChecksum(Database* db, const std::string& table) {
  return SqliteStreamedChecksum(db, table, SqliteHash::kXxh128);
}

Result<TableChecksum> ComputeTableChecksumLike(Database* db, const std::string& table,
                                               std::string_view recorded) {
  if (recorded.substr(0, kSqlitePrefix.size()) == kSqlitePrefix) {
    // Recorded before XXH3 became the default: SHA-256 rows, as then.
    Result<TableChecksum> r = SqliteChecksum(db, table, SqliteHash::kSha256);
    if (!r.ok()) return r.status().WithContext("checksum of table " + table);
    return r;
  }
  const bool text = recorded.substr(0, kPgTextPrefix.size()) == kPgTextPrefix;
  const bool rowhash = recorded.substr(0, kPgRowHashPrefix.size()) == kPgRowHashPrefix;
  if (!text && !rowhash) return ComputeTableChecksum(db, table);
  Result<TableChecksum> r =
      text ? PostgresTextChecksum(db, table) : PostgresRowHashChecksum(db, table);
  if (!r.ok()) return r.status().WithContext("checksum of table " + table);
  return r;
}

Result<std::string> PostgresChecksumMethod(Database* db, const std::string& table) {
  if (db->dialect() != Dialect::kPostgres) return InvalidArgument("not PostgreSQL");
  // The same question PostgresChecksum asks, of one row: a type without a
  // hash function fails on the first row hashed.
  const bool in_tx = db->InTransaction();
  if (in_tx) FERRY_RETURN_IF_ERROR(db->Exec("SAVEPOINT ferry_checksum"));
  auto probe = db->Query("SELECT hash_record_extended(t, 0) FROM " + db->QuoteIdentifier(table) +
                             " AS t LIMIT 1",
                         {});
  if (in_tx) {
    if (!probe.ok()) FERRY_RETURN_IF_ERROR(db->Exec("ROLLBACK TO SAVEPOINT ferry_checksum"));
    FERRY_RETURN_IF_ERROR(db->Exec("RELEASE SAVEPOINT ferry_checksum"));
  }
  if (probe.ok()) return std::string(kPgRowHashPrefix);
  if (probe.status().message().find("hash") == std::string::npos)
    return probe.status().WithContext("checksum of table " + table);
  return std::string(kPgTextPrefix);
}

Result<TableChecksum> PostgresBlockRangeChecksum(Database* db, const std::string& table,
                                                 std::string_view recorded, int64_t first_block,
                                                 int64_t end_block, std::string_view xmin) {
  const bool text = recorded.substr(0, kPgTextPrefix.size()) == kPgTextPrefix;
  const bool rowhash = recorded.substr(0, kPgRowHashPrefix.size()) == kPgRowHashPrefix;
  const bool xmin_ok = xmin.size() <= 20 && std::all_of(xmin.begin(), xmin.end(), [](char c) {
                         return c >= '0' && c <= '9';
                       });
  if (db->dialect() != Dialect::kPostgres || (!text && !rowhash) || first_block < 0 || !xmin_ok)
    return InvalidArgument("no block-range checksum of " + table + " for \"" +
                           std::string(recorded) + "\"");
  // Block numbers are integers formatted here, the xid digits checked above.
  std::string where = " WHERE t.ctid >= '(" + std::to_string(first_block) + ",0)'::tid";
  if (end_block >= 0) where += " AND t.ctid < '(" + std::to_string(end_block) + ",0)'::tid";
  if (!xmin.empty()) where += " AND t.xmin = '" + std::string(xmin) + "'::xid";
  Result<TableChecksum> r =
      text ? PostgresTextChecksum(db, table, where) : PostgresRowHashChecksum(db, table, where);
  if (!r.ok())
    return r.status().WithContext("checksum of blocks " + std::to_string(first_block) + ".." +
                                  (end_block < 0 ? std::string("end") : std::to_string(end_block)) +
                                  " of table " + table);
  return r;
}

namespace {

// A lane of a PostgreSQL checksum: the exact sum of 64-bit row hashes over
// at most 2^63 rows, so it fits in 128 bits (GCC and Clang have them).
__extension__ typedef __int128 Int128;
__extension__ typedef unsigned __int128 UInt128;

bool ParseLane(std::string_view s, Int128* out) {
  bool neg = !s.empty() && s[0] == '-';
  if (neg) s.remove_prefix(1);
  if (s.empty() || s.size() > 38) return false;
  Int128 v = 0;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *out = neg ? -v : v;
  return true;
}

std::string LaneText(Int128 v) {
  if (v == 0) return "0";
  const bool neg = v < 0;
  UInt128 u = neg ? -static_cast<UInt128>(v) : static_cast<UInt128>(v);
  std::string s;
  for (; u != 0; u /= 10) s.insert(s.begin(), static_cast<char>('0' + static_cast<int>(u % 10)));
  return neg ? "-" + s : s;
}

// "pg-rowhash:<a>" -> {"pg-rowhash:", {"<a>"}}; "pg-hash64sum:<a>:<b>" likewise.
bool SplitLanes(std::string_view sum, std::string_view* prefix, std::vector<std::string_view>* lanes) {
  for (std::string_view p : {kPgRowHashPrefix, kPgTextPrefix}) {
    if (sum.substr(0, p.size()) != p) continue;
    *prefix = p;
    std::string_view rest = sum.substr(p.size());
    lanes->clear();
    for (size_t at = 0;;) {
      size_t colon = rest.find(':', at);
      lanes->push_back(rest.substr(at, colon == std::string_view::npos ? colon : colon - at));
      if (colon == std::string_view::npos) break;
      at = colon + 1;
    }
    return lanes->size() == (p == kPgRowHashPrefix ? 1u : 2u);
  }
  return false;
}

}  // namespace

Result<TableChecksum> AddTableChecksums(const TableChecksum& a, const TableChecksum& b) {
  if (a.checksum.empty()) return b;
  std::string_view pa, pb;
  std::vector<std::string_view> la, lb;
  if (!SplitLanes(a.checksum, &pa, &la) || !SplitLanes(b.checksum, &pb, &lb) || pa != pb)
    return InvalidArgument("cannot add checksums \"" + a.checksum + "\" and \"" + b.checksum +
                           "\"");
  TableChecksum out{a.rows + b.rows, std::string(pa)};
  out.data_bytes = a.data_bytes + b.data_bytes;
  for (size_t i = 0; i < la.size(); ++i) {
    Int128 x = 0, y = 0;
    if (!ParseLane(la[i], &x) || !ParseLane(lb[i], &y))
      return InvalidArgument("cannot add checksums \"" + a.checksum + "\" and \"" + b.checksum +
                             "\"");
    out.checksum += (i ? ":" : "") + LaneText(x + y);
  }
  return out;
}

Result<std::vector<std::string>> TableColumns(Database* db, const std::string& table) {
  Rows r;
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass"
                     " AND attnum > 0 AND NOT attisdropped ORDER BY attnum",
                     {db->QuoteIdentifier(table)}));
  } else if (db->dialect() == Dialect::kMysql) {
    // Names compared as bytes: table names are case-sensitive on Linux.
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT column_name FROM information_schema.columns WHERE table_schema ="
                     " DATABASE() AND CAST(table_name AS BINARY) = CAST($1 AS BINARY)"
                     " ORDER BY ordinal_position",
                     {table}));
  } else if (db->dialect() == Dialect::kDuckdb) {
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT column_name FROM duckdb_columns() WHERE database_name ="
                     " current_database() AND schema_name = current_schema() AND table_name = $1"
                     " ORDER BY column_index",
                     {table}));
  } else {
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT name FROM pragma_table_info($1) ORDER BY cid", {table}));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.GetText(i, 0).value_or(""));
  if (out.empty()) return NotFound("table " + table + " has no columns (does it exist?)");
  return out;
}

Result<std::vector<std::string>> PrimaryKeyColumns(Database* db, const std::string& table) {
  Rows r;
  if (db->dialect() == Dialect::kPostgres) {
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT a.attname FROM pg_index i JOIN pg_attribute a"
                     " ON a.attrelid = i.indrelid AND a.attnum = ANY(i.indkey)"
                     " WHERE i.indrelid = $1::regclass AND i.indisprimary"
                     " ORDER BY array_position(i.indkey::int2[], a.attnum)",
                     {db->QuoteIdentifier(table)}));
  } else if (db->dialect() == Dialect::kMysql) {
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT column_name FROM information_schema.key_column_usage WHERE"
                     " table_schema = DATABASE() AND CAST(table_name AS BINARY) = CAST($1 AS BINARY)"
                     " AND constraint_name = 'PRIMARY' ORDER BY ordinal_position",
                     {table}));
  } else if (db->dialect() == Dialect::kDuckdb) {
    // unnest keeps the list's order: the key's column order.
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT unnest(constraint_column_names) FROM duckdb_constraints() WHERE"
                     " database_name = current_database() AND schema_name = current_schema()"
                     " AND table_name = $1 AND constraint_type = 'PRIMARY KEY'",
                     {table}));
  } else {
    FERRY_ASSIGN_OR_RETURN(
        r, db->Query("SELECT name FROM pragma_table_info($1) WHERE pk > 0 ORDER BY pk", {table}));
  }
  std::vector<std::string> out;
  for (size_t i = 0; i < r.size(); ++i) out.push_back(r.GetText(i, 0).value_or(""));
  return out;
}

}  // namespace ferry
