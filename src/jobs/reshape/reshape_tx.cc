#include "jobs/reshape/reshape_tx.h"

#include <algorithm>

#include "db/transaction.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/table_checksum.h"

namespace ferry {
namespace {

bool IsLockTimeout(const Status& st) {
  const std::string& m = st.message();
  return m.find("lock timeout") != std::string::npos || m.find("locked") != std::string::npos ||
         m.find("busy") != std::string::npos || st.code() == Code::kTimeout ||
         st.code() == Code::kLocked;
}

// "<base>_<tag><n>", kept within PostgreSQL's 63-byte identifiers.
std::string ShortName(const std::string& base, const std::string& tag, int n) {
  std::string suffix = "_" + tag + std::to_string(n);
  return base.substr(0, std::min<size_t>(base.size(), 63 - suffix.size())) + suffix;
}

// At most `max` bytes of `s`, not cutting a UTF-8 sequence in two.
std::string Prefix(const std::string& s, size_t max) {
  if (s.size() <= max) return s;
  size_t n = max;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xC0) == 0x80) --n;
  return s.substr(0, n);
}

}  // namespace

Result<std::string> FreshTableName(Database* db, const std::string& table, const std::string& tag,
                                   int64_t unix_seconds) {
  const std::string stamp = "_" + tag + "_" + CompactUtc(unix_seconds);
  const bool pg = db->dialect() == Dialect::kPostgres;
  for (int n = 1; n < 1000; ++n) {
    const std::string suffix = stamp + (n == 1 ? std::string() : "_" + std::to_string(n));
    const std::string name = (pg ? Prefix(table, 63 - suffix.size()) : table) + suffix;
    FERRY_ASSIGN_OR_RETURN(bool taken, db->TableExists(name));
    if (!taken) return name;
  }
  return FailedPrecondition("no free name for " + table + stamp + "_<n>");
}

Status ExecAll(Database* db, const std::vector<std::string>& stmts) {
  for (const auto& s : stmts) FERRY_RETURN_IF_ERROR(db->Exec(s));
  return Status::OK();
}

Status WithLockRetries(Database* db, Env* env, Logger* log, std::chrono::milliseconds timeout,
                       int attempts, const std::function<Status()>& body) {
  const bool pg = db->dialect() == Dialect::kPostgres;
  if (!pg) FERRY_RETURN_IF_ERROR(db->Exec("PRAGMA busy_timeout = " + std::to_string(timeout.count())));
  Status st;
  for (int a = 1; a <= attempts; ++a) {
    Transaction tx(db);
    st = tx.Begin();
    if (st.ok() && pg)
      st = db->Exec("SET LOCAL lock_timeout = '" + std::to_string(timeout.count()) + "ms'");
    if (st.ok()) st = body();
    if (st.ok()) st = tx.Commit();
    if (st.ok()) break;
    if (!IsLockTimeout(st) || a == attempts) break;
    (void)tx.Rollback();
    auto backoff = std::chrono::milliseconds(std::min<int64_t>(2000, 100LL << std::min(a, 5)));
    log->Warn("table busy, retrying", {{"attempt", a}, {"error", st.message()},
                                       {"backoff_ms", static_cast<int64_t>(backoff.count())}});
    env->SleepFor(backoff);
  }
  if (!pg) (void)db->Exec("PRAGMA busy_timeout = " + std::to_string(kReshapeSqliteBusyMs));
  return st;
}

Result<std::vector<std::pair<std::string, std::string>>> OwnedSequences(Database* db,
                                                                        const std::string& table) {
  std::vector<std::pair<std::string, std::string>> out;
  if (db->dialect() != Dialect::kPostgres) return out;
  const std::string q = db->QuoteIdentifier(table);
  FERRY_ASSIGN_OR_RETURN(
      Rows r, db->Query("SELECT a.attname, pg_get_serial_sequence($1, a.attname) FROM pg_attribute a"
                        " WHERE a.attrelid = $1::regclass AND a.attnum > 0 AND NOT a.attisdropped"
                        " AND a.attidentity = '' AND pg_get_serial_sequence($1, a.attname) IS NOT NULL",
                        {q}));
  for (size_t i = 0; i < r.size(); ++i)
    out.emplace_back(r.GetText(i, 0).value_or(""), r.GetText(i, 1).value_or(""));
  return out;
}

Status MoveSequences(Database* db, const std::vector<std::pair<std::string, std::string>>& seqs,
                     const std::string& to) {
  if (seqs.empty()) return Status::OK();
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, TableColumns(db, to));
  for (const auto& [col, seq] : seqs) {
    if (std::find(cols.begin(), cols.end(), col) == cols.end()) continue;
    FERRY_RETURN_IF_ERROR(db->Exec("ALTER SEQUENCE " + seq + " OWNED BY " +
                                   db->QuoteIdentifier(to) + "." + db->QuoteIdentifier(col)));
  }
  return Status::OK();
}

Status RenameSetAsideObjects(Database* db, Logger* log, const std::string& set_aside) {
  const std::string q = db->QuoteIdentifier(set_aside);
  if (db->dialect() == Dialect::kPostgres) {
    // Leaf and intermediate partitions first (their names are the plan's
    // "<new>_p<i>"), then every index of the whole tree. pg_partition_tree
    // also answers for a plain table (itself, level 0).
    FERRY_ASSIGN_OR_RETURN(
        Rows parts, db->Query("SELECT t.relid::regclass::text FROM pg_partition_tree($1::regclass) t"
                              " WHERE t.level > 0 ORDER BY t.level, t.relid::regclass::text",
                              {q}));
    for (size_t i = 0; i < parts.size(); ++i)
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + parts.GetText(i, 0).value_or("") +
                                     " RENAME TO " +
                                     db->QuoteIdentifier(ShortName(set_aside, "p", int(i)))));
    FERRY_ASSIGN_OR_RETURN(
        Rows idx, db->Query("SELECT x.indexrelid::regclass::text FROM pg_index x"
                            " WHERE x.indrelid IN (SELECT relid FROM pg_partition_tree($1::regclass))"
                            " ORDER BY x.indexrelid",
                            {q}));
    for (size_t i = 0; i < idx.size(); ++i)
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER INDEX " + idx.GetText(i, 0).value_or("") +
                                     " RENAME TO " +
                                     db->QuoteIdentifier(ShortName(set_aside, "i", int(i)))));
    return Status::OK();
  }
  FERRY_ASSIGN_OR_RETURN(Rows idx, db->Query("SELECT name FROM sqlite_master WHERE type = 'index'"
                                             " AND tbl_name = $1 AND sql IS NOT NULL",
                                             {set_aside}));
  for (size_t i = 0; i < idx.size(); ++i) {
    std::string name = idx.GetText(i, 0).value_or("");
    FERRY_RETURN_IF_ERROR(db->Exec("DROP INDEX " + db->QuoteIdentifier(name)));
    log->Info("dropped index of the set-aside table (SQLite cannot rename it)",
              {{"index", name}, {"table", set_aside}});
  }
  return Status::OK();
}

}  // namespace ferry
