// ferry::Migrator — versioned schema migrations as a library.
//
// A program that owns a database migrates it on startup:
//
//   ferry::MigratorOptions opts;
//   opts.database_url = "sqlite:app.db";
//   opts.embedded = myapp_migrations();      // from ferry_embed_migrations()
//   auto m = ferry::Migrator::Open(opts);
//   if (!m.ok()) ...;
//   if (auto st = (*m)->CheckCompatible(); !st.ok()) ...;  // SchemaTooNew: refuse to run
//   auto applied = (*m)->Up();
//
// Guarantees
// - One runner at a time: Up/Down/Baseline/Repair hold the database's
//   migration lock (PostgreSQL advisory lock, a lock file beside a SQLite
//   database) and re-read the ledger once it is held, so several instances
//   starting together apply each migration exactly once.
// - Intent first: a ledger row in state `pending` is committed before a
//   migration runs, `applied` after. A migration that ran in its own
//   transaction on an engine with transactional DDL and was interrupted left
//   nothing behind, so the next run retries it; any other interrupted or
//   failed migration stops `Up` with FailedPrecondition until Repair().
// - A database at a version this program does not know is SchemaTooNew,
//   never touched.
// Thread-safety: a Migrator is used from one thread at a time.
#pragma once

#include <chrono>
#include <cstddef>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// One file compiled into a binary by cmake/FerryEmbedMigrations.cmake.
struct EmbeddedFile {
  const char* name;  // "0001_create_users.sql"
  std::string_view data;
};

class EmbeddedFileSet {
 public:
  EmbeddedFileSet() = default;
  EmbeddedFileSet(const EmbeddedFile* files, size_t n) : files_(files), n_(n) {}
  const EmbeddedFile* begin() const { return files_; }
  const EmbeddedFile* end() const { return files_ + n_; }
  size_t size() const { return n_; }

 private:
  const EmbeddedFile* files_ = nullptr;
  size_t n_ = 0;
};

// How ferry runs a migration file (shown by Plan).
enum class TxMode {
  kTransaction,  // ferry wraps the file in one transaction (the default)
  kFile,         // the file has its own BEGIN ... COMMIT
  kNone,         // no transaction: -- ferry:no-transaction, or statements that cannot run in one
};
std::string_view TxModeName(TxMode mode);

// Something the Migrator did, for logs and progress.
struct MigrationEvent {
  enum class Kind { kLockWait, kLockAcquired, kStart, kApplied, kFailed, kRecovered, kNote };
  Kind kind;
  std::string version;
  std::string name;
  std::string message;
  double seconds = 0;
};

struct MigratorOptions {
  std::string database_url;  // sqlite:app.db, postgres://...
  std::string migrations_dir = "migrations";
  std::optional<EmbeddedFileSet> embedded;  // when set, used instead of migrations_dir
  std::chrono::milliseconds lock_timeout{std::chrono::seconds(60)};
  // The ledger table. Jobs that carry migrations of their own (ingest's codec
  // tables) use a separate ledger so they never mix with the application's.
  std::string ledger_table = "ferry_schema_migrations";
  Env* env = nullptr;                                   // nullptr: Env::Default()
  std::function<void(const MigrationEvent&)> on_event;  // may be empty
};

struct MigrationRow {
  std::string version;
  std::string name;
  std::string state;  // pending (file only), applied, baseline, failed, running, rolling_back
  std::string checksum;
  std::string applied_at;  // ISO-8601 UTC, empty when not applied
  double duration_seconds = 0;
  std::string tx_mode;
  std::string error;         // failed: the engine's message with file:line
  std::string backup;  // the backup taken before it ran, if any
  bool file_present = true;  // false: in the ledger, not in the folder
};

struct StatusReport {
  std::string database;                  // redacted URL
  std::string source;                    // folder or "embedded migrations"
  std::string format;                    // ferry, golang-migrate, flyway, empty
  std::string current_version;           // highest applied; "" when none
  std::string latest_version;            // highest in the source; "" when none
  std::vector<MigrationRow> migrations;  // union of ledger and source, by version
  size_t applied = 0, pending = 0;
  std::optional<MigrationRow> failed;  // a failed or interrupted migration, if any
  std::vector<std::string> warnings;
};

struct PlanStep {
  std::string version;
  std::string name;
  std::string direction;  // "up" or "down"
  std::string path;
  TxMode tx_mode = TxMode::kTransaction;
  std::string tx_reason;  // why this mode
  size_t statements = 0;
};

struct UpTarget {
  std::optional<std::string> to;  // apply up to and including this version
  // The backup taken just before this run (e.g. the archive's file name);
  // recorded in each ledger row this run writes.
  std::string backup;
};

struct DownTarget {
  std::optional<std::string> to;  // undo everything above this version
  std::optional<int> steps;       // undo this many (default 1)
  bool all = false;
};

struct ValidationProblem {
  std::string kind;  // checksum_drift, missing_file, gap, failed, unknown_checksum_algorithm, ...
  std::string version;
  std::string message;
};

struct ValidationReport {
  std::vector<ValidationProblem> problems;
  std::vector<std::string> warnings;
  bool ok() const { return problems.empty(); }
};

struct CheckReport {
  enum class State { kUpToDate, kPending, kTooNew, kFailed };
  State state;
  std::string current_version, latest_version;
  size_t pending = 0;
  std::string message;
};

struct RepairOptions {
  bool recompute_checksums = false;  // re-record checksums of applied migrations from the files
  bool mark_applied = false;         // the failed migration was finished by hand: mark it applied
};

struct RepairReport {
  std::vector<std::string> actions;  // what was changed, one line each
};

class Migrator {
 public:
  virtual ~Migrator() = default;

  // Opens the database and reads the migration source. Fails early on a bad
  // URL (InvalidArgument), an unreachable server (Unavailable), a bad folder.
  static Result<std::unique_ptr<Migrator>> Open(const MigratorOptions& options);

  virtual Result<StatusReport> GetStatus() = 0;
  virtual Result<std::vector<PlanStep>> Plan(const UpTarget& target) = 0;
  virtual Result<std::vector<PlanStep>> PlanDown(const DownTarget& target) = 0;
  // Applies pending migrations in order; returns the steps that ran.
  virtual Result<std::vector<PlanStep>> Up(const UpTarget& target = {}) = 0;
  virtual Result<std::vector<PlanStep>> Down(const DownTarget& target) = 0;
  virtual Result<ValidationReport> Validate() = 0;
  virtual Result<CheckReport> Check() = 0;
  // SchemaTooNew when the database holds a version the source does not know.
  virtual Status CheckCompatible() = 0;
  virtual Result<std::vector<std::string>> Baseline(const std::string& version) = 0;
  virtual Result<RepairReport> Repair(const RepairOptions& options) = 0;
};

}  // namespace ferry
