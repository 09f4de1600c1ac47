// Ledger: the table `ferry_schema_migrations`, which says exactly what ran.
//
//   version      TEXT PRIMARY KEY   canonical version ("7", "1.1")
//   name         TEXT               "create_users"
//   checksum     TEXT               "sha256:<hex>" of the up script (algorithm named)
//   state        TEXT               running | applied | baseline | failed | rolling_back
//   tx_mode      TEXT               transaction | file | none | baseline
//   applied_at   TEXT               ISO-8601 UTC of the last state change
//   duration_ms  BIGINT
//   error        TEXT               failed: "path:line: engine message"
//   error_line   INTEGER            failed: line of the statement in its file
//   applied_by   TEXT               "host pid ferry/0.1.0"
//   backup       TEXT               the archive taken before this migration, if any
//
// Every write is its own statement; callers decide which ones share a
// transaction with the migration (see core/migrator.cc). Not thread-safe.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/version.h"
#include "db/database.h"
#include "ferry/env.h"

namespace ferry {

inline constexpr std::string_view kLedgerTable = "ferry_schema_migrations";

enum class LedgerState { kRunning, kApplied, kBaseline, kFailed, kRollingBack };
std::string_view LedgerStateName(LedgerState s);
std::optional<LedgerState> ParseLedgerState(std::string_view s);

struct LedgerRow {
  Version version;
  std::string version_text;
  std::string name;
  std::string checksum;
  LedgerState state = LedgerState::kRunning;
  std::string tx_mode;
  std::string applied_at;
  int64_t duration_ms = 0;
  std::string error;
  int64_t error_line = 0;
  std::string applied_by;
  std::string backup;

  bool IsApplied() const {
    return state == LedgerState::kApplied || state == LedgerState::kBaseline;
  }
};

class Ledger {
 public:
  // `table` defaults to ferry_schema_migrations; a job with migrations of its
  // own (a codec's tables) keeps them in a ledger of their own.
  Ledger(Database* db, Env* env, std::string table = std::string(kLedgerTable));

  // Creates the table if missing. Call with the migration lock held: parallel
  // CREATE TABLE IF NOT EXISTS races in PostgreSQL's catalog.
  Status Ensure();
  Result<bool> Exists();
  // All rows in version order; empty when the table does not exist yet.
  Result<std::vector<LedgerRow>> ReadAll();

  Status Insert(const LedgerRow& row);
  Status SetState(const Version& v, LedgerState state, int64_t duration_ms = 0);
  Status MarkFailed(const Version& v, const std::string& error, int64_t line, int64_t duration_ms);
  Status SetChecksum(const Version& v, const std::string& checksum);
  Status Remove(const Version& v);

  // "host pid ferry/x.y.z", recorded in applied_by.
  std::string Actor() const;
  const std::string& table() const { return table_; }

 private:
  std::string Table() const;
  std::string Now() const;

  Database* db_;
  Env* env_;
  std::string table_;
};

}  // namespace ferry
