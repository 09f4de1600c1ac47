#include "core/ledger.h"

#include <algorithm>
#include <chrono>

#include "util/strings.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.1.0"
#endif

namespace ferry {

std::string_view LedgerStateName(LedgerState s) {
  switch (s) {
    case LedgerState::kRunning:
      return "running";
    case LedgerState::kApplied:
      return "applied";
    case LedgerState::kBaseline:
      return "baseline";
    case LedgerState::kFailed:
      return "failed";
    case LedgerState::kRollingBack:
      return "rolling_back";
  }
  return "?";
}

std::optional<LedgerState> ParseLedgerState(std::string_view s) {
  for (LedgerState st : {LedgerState::kRunning, LedgerState::kApplied, LedgerState::kBaseline,
                         LedgerState::kFailed, LedgerState::kRollingBack}) {
    if (LedgerStateName(st) == s) return st;
  }
  return std::nullopt;
}

Ledger::Ledger(Database* db, Env* env, std::string table)
    : db_(db), env_(env), table_(std::move(table)) {}

std::string Ledger::Table() const { return db_->QuoteIdentifier(table_); }

std::string Ledger::Now() const {
  return FormatIsoTime(env_->WallMicros());
}

std::string Ledger::Actor() const {
  return env_->HostName() + " pid " + std::to_string(env_->ProcessId()) + " ferry/" FERRY_VERSION;
}

Status Ledger::Ensure() {
  return db_
      ->Exec("CREATE TABLE IF NOT EXISTS " + Table() +
             " (version VARCHAR(64) PRIMARY KEY, name TEXT NOT NULL, checksum TEXT NOT NULL,"
             " state VARCHAR(16) NOT NULL, tx_mode VARCHAR(16) NOT NULL, applied_at TEXT,"
             " duration_ms BIGINT, error TEXT, error_line BIGINT, applied_by TEXT, backup TEXT)")
      .WithContext("creating the ledger table");
}

Result<bool> Ledger::Exists() { return db_->TableExists(table_); }

Result<std::vector<LedgerRow>> Ledger::ReadAll() {
  std::vector<LedgerRow> out;
  FERRY_ASSIGN_OR_RETURN(bool exists, Exists());
  if (!exists) return out;
  FERRY_ASSIGN_OR_RETURN(Rows rows,
                         db_->Query("SELECT version, name, checksum, state, tx_mode, applied_at, "
                                    "duration_ms, error, error_line, applied_by, backup FROM " +
                                        Table(),
                                    {}));
  for (size_t i = 0; i < rows.size(); ++i) {
    LedgerRow r;
    r.version_text = rows.GetText(i, 0).value_or("");
    auto v = Version::Parse(r.version_text);
    if (!v) {
      return Corruption("ledger " + table_ + " holds a version ferry cannot read: \"" +
                        r.version_text + "\"");
    }
    r.version = *v;
    r.name = rows.GetText(i, 1).value_or("");
    r.checksum = rows.GetText(i, 2).value_or("");
    std::string state = rows.GetText(i, 3).value_or("");
    auto st = ParseLedgerState(state);
    if (!st) {
      return Corruption("ledger row for version " + r.version_text + " has unknown state \"" +
                        state + "\"");
    }
    r.state = *st;
    r.tx_mode = rows.GetText(i, 4).value_or("");
    r.applied_at = rows.GetText(i, 5).value_or("");
    r.duration_ms = rows.GetInt(i, 6).value_or(0);
    r.error = rows.GetText(i, 7).value_or("");
    r.error_line = rows.GetInt(i, 8).value_or(0);
    r.applied_by = rows.GetText(i, 9).value_or("");
    r.backup = rows.GetText(i, 10).value_or("");
    out.push_back(std::move(r));
  }
  std::sort(out.begin(), out.end(),
            [](const LedgerRow& a, const LedgerRow& b) { return a.version < b.version; });
  return out;
}

Status Ledger::Insert(const LedgerRow& row) {
  auto r =
      db_->Execute("INSERT INTO " + Table() +
                       " (version, name, checksum, state, tx_mode, applied_at, duration_ms,"
                       " error, error_line, applied_by, backup)"
                       " VALUES ($1, $2, $3, $4, $5, $6, $7, NULL, NULL, $8, $9)",
                   {row.version.ToString(), row.name, row.checksum,
                    std::string(LedgerStateName(row.state)), row.tx_mode, Now(), row.duration_ms,
                    Actor(), row.backup.empty() ? Value() : Value(row.backup)});
  return r.status().WithContext("recording version " + row.version.ToString() + " in the ledger");
}

Status Ledger::SetState(const Version& v, LedgerState state, int64_t duration_ms) {
  auto r = db_->Execute(
      "UPDATE " + Table() +
          " SET state = $1, applied_at = $2, duration_ms = $3, error = NULL,"
          " error_line = NULL, applied_by = $4 WHERE version = $5",
      {std::string(LedgerStateName(state)), Now(), duration_ms, Actor(), v.ToString()});
  return r.status().WithContext("updating version " + v.ToString() + " in the ledger");
}

Status Ledger::MarkFailed(const Version& v, const std::string& error, int64_t line,
                          int64_t duration_ms) {
  auto r = db_->Execute("UPDATE " + Table() +
                            " SET state = 'failed', applied_at = $1, duration_ms = $2, error = $3,"
                            " error_line = $4 WHERE version = $5",
                        {Now(), duration_ms, error, line, v.ToString()});
  return r.status().WithContext("recording the failure of version " + v.ToString());
}

Status Ledger::SetChecksum(const Version& v, const std::string& checksum) {
  auto r = db_->Execute("UPDATE " + Table() + " SET checksum = $1 WHERE version = $2",
                        {checksum, v.ToString()});
  return r.status();
}

Status Ledger::Remove(const Version& v) {
  auto r = db_->Execute("DELETE FROM " + Table() + " WHERE version = $1", {v.ToString()});
  return r.status().WithContext("removing version " + v.ToString() + " from the ledger");
}

}  // namespace ferry
