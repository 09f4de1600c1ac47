// Small shared pieces of the backup job: names, times, schema version.
#include <cstdio>
#include <ctime>
#include <utility>

#include "core/ledger.h"
#include "jobs/backup/backup.h"
#include "util/strings.h"

#ifndef FERRY_VERSION
#define FERRY_VERSION "0.0.0"
#endif

namespace ferry {

std::string_view BackupKindName(BackupKind k) {
  return k == BackupKind::kSnapshot ? "snapshot" : "archive";
}

std::string_view BackupStateName(BackupState s) {
  switch (s) {
    case BackupState::kPending: return "pending";
    case BackupState::kVerified: return "verified";
    case BackupState::kFailed: return "failed";
  }
  return "pending";
}

namespace {
std::tm Utc(int64_t t) {
  std::time_t tt = static_cast<std::time_t>(t);
  std::tm tm{};
  gmtime_r(&tt, &tm);
  return tm;
}
}  // namespace

BackupInfo NewBackupInfo(BackupKind kind, std::string source, std::string schema_version,
                         int64_t now, std::chrono::seconds retention) {
  BackupInfo b;
  b.kind = kind;
  b.source = std::move(source);
  b.ferry_version = FERRY_VERSION;
  b.schema_version = std::move(schema_version);
  b.created_at = now;
  b.expires_at = now + retention.count();
  return b;
}

std::string CompactUtc(int64_t unix_seconds) {
  std::tm tm = Utc(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%d_%H%M%S", &tm);
  return buf;
}

std::string IsoUtc(int64_t unix_seconds) {
  if (unix_seconds == 0) return "";
  std::tm tm = Utc(unix_seconds);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

std::optional<int64_t> ParseUtc(std::string_view text) {
  std::string t = Trim(text);
  int y, mo, d, h = 0, mi = 0, s = 0;
  char sep = 0;
  int n = std::sscanf(t.c_str(), "%d-%d-%d%c%d:%d:%d", &y, &mo, &d, &sep, &h, &mi, &s);
  if (n != 3 && n != 7) return std::nullopt;
  if (n == 7 && sep != 'T' && sep != ' ') return std::nullopt;
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return std::nullopt;
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<int64_t>(timegm(&tm));
}

std::optional<std::chrono::seconds> ParseRetention(std::string_view text) {
  std::string t = Trim(text);
  if (t.empty()) return std::nullopt;
  char unit = t.back();
  int64_t mult = 1;
  if (std::isdigit(static_cast<unsigned char>(unit))) {
    mult = 86400;  // a bare number means days
  } else {
    t.pop_back();
    switch (unit) {
      case 's': mult = 1; break;
      case 'm': mult = 60; break;
      case 'h': mult = 3600; break;
      case 'd': mult = 86400; break;
      case 'w': mult = 7 * 86400; break;
      default: return std::nullopt;
    }
  }
  auto n = ParseUint(t);
  if (!n || *n == 0) return std::nullopt;
  return std::chrono::seconds(static_cast<int64_t>(*n) * mult);
}

Result<std::string> CurrentSchemaVersion(Database* db, Env* env) {
  Ledger ledger(db, env);
  FERRY_ASSIGN_OR_RETURN(auto rows, ledger.ReadAll());
  std::string out;
  for (const auto& r : rows) {
    if (r.IsApplied()) out = r.version.ToString();  // rows come in version order
  }
  return out;
}

}  // namespace ferry
