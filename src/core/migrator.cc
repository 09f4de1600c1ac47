// The migration protocol, once for every engine: lock, read the ledger,
// recover what a crash left, check, plan, then for each migration mark
// intent, apply, record.
#include "ferry/migrator.h"

#include <algorithm>
#include <chrono>
#include <map>

#include "core/checksum.h"
#include "core/ledger.h"
#include "core/migration_lock.h"
#include "core/migration_source.h"
#include "core/migrator_internal.h"
#include "core/sql_splitter.h"
#include "core/tx_mode.h"
#include "db/database.h"
#include "db/transaction.h"

namespace ferry {
namespace {

using Clock = std::chrono::steady_clock;

class MigratorImpl final : public Migrator {
 public:
  MigratorImpl(MigratorOptions opts, Env* env, std::unique_ptr<Database> db,
               std::unique_ptr<MigrationSource> source, MigrationSet set)
      : opts_(std::move(opts)),
        env_(env),
        db_(std::move(db)),
        source_(std::move(source)),
        set_(std::move(set)),
        ledger_(db_.get(), env_, opts_.ledger_table) {}

  Result<StatusReport> GetStatus() override {
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    return BuildStatus(rows);
  }

  Result<std::vector<PlanStep>> Plan(const UpTarget& target) override {
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    FERRY_RETURN_IF_ERROR(CheckRunnable(rows, /*will_recover=*/true));
    FERRY_ASSIGN_OR_RETURN(auto todo, PendingUpTo(rows, target));
    std::vector<PlanStep> steps;
    for (const Migration* m : todo) steps.push_back(StepFor(*m, m->up, "up"));
    return steps;
  }

  Result<std::vector<PlanStep>> PlanDown(const DownTarget& target) override {
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    FERRY_RETURN_IF_ERROR(CheckRunnable(rows, /*will_recover=*/true));
    FERRY_ASSIGN_OR_RETURN(auto todo, ToUndo(rows, target));
    std::vector<PlanStep> steps;
    for (const Migration* m : todo) steps.push_back(StepFor(*m, *m->down, "down"));
    return steps;
  }

  Result<std::vector<PlanStep>> Up(const UpTarget& target) override {
    std::vector<LedgerRow> rows;
    FERRY_ASSIGN_OR_RETURN(auto lease, LockAndReadLedger(&rows));
    FERRY_ASSIGN_OR_RETURN(auto todo, PendingUpTo(rows, target));
    std::vector<PlanStep> done;
    for (const Migration* m : todo) {
      std::vector<SqlStatement> stmts;
      PlanStep step = StepFor(*m, m->up, "up", &stmts);
      FERRY_RETURN_IF_ERROR(ApplyUp(*m, step, stmts, target.backup));
      done.push_back(std::move(step));
    }
    return done;
  }

  Result<std::vector<PlanStep>> Down(const DownTarget& target) override {
    std::vector<LedgerRow> rows;
    FERRY_ASSIGN_OR_RETURN(auto lease, LockAndReadLedger(&rows));
    FERRY_ASSIGN_OR_RETURN(auto todo, ToUndo(rows, target));
    std::vector<PlanStep> done;
    for (const Migration* m : todo) {
      std::vector<SqlStatement> stmts;
      PlanStep step = StepFor(*m, *m->down, "down", &stmts);
      FERRY_RETURN_IF_ERROR(ApplyDown(*m, step, stmts));
      done.push_back(std::move(step));
    }
    return done;
  }

  Result<ValidationReport> Validate() override {
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    ValidationReport report;
    report.warnings = set_.warnings;
    std::optional<Version> highest_applied;
    for (const LedgerRow& r : rows) {
      const Migration* m = set_.Find(r.version);
      if (r.state == LedgerState::kFailed || r.state == LedgerState::kRunning ||
          r.state == LedgerState::kRollingBack) {
        report.problems.push_back(
            {std::string(LedgerStateName(r.state)), r.version_text,
             "version " + r.version_text + " is " + std::string(LedgerStateName(r.state)) +
                 (r.error.empty() ? "" : ": " + r.error) + " (fix it, then run `ferry repair`)"});
      }
      if (!r.IsApplied()) continue;
      highest_applied = r.version;
      if (m == nullptr) {
        report.problems.push_back({"missing_file", r.version_text,
                                   "version " + r.version_text + " (" + r.name +
                                       ") is applied but no file for it is in " +
                                       source_->Describe()});
        continue;
      }
      bool unknown = false;
      if (r.state == LedgerState::kApplied && !ChecksumEquals(r.checksum, m->checksum(), &unknown)) {
        if (unknown) {
          report.problems.push_back({"unknown_checksum_algorithm", r.version_text,
                                     m->up.path + ": ledger checksum \"" + r.checksum +
                                         "\" uses an algorithm this ferry does not know"});
        } else {
          report.problems.push_back({"checksum_drift", r.version_text,
                                     m->up.path + ": changed after it was applied (ledger " +
                                         r.checksum + ", file " + m->checksum() + ")"});
        }
      }
    }
    if (highest_applied) {
      std::map<Version, const LedgerRow*> by_version;
      for (const LedgerRow& r : rows) by_version[r.version] = &r;
      for (const Migration& m : set_.migrations) {
        if (!(m.version < *highest_applied)) break;
        if (!by_version.count(m.version)) {
          report.problems.push_back({"gap", m.version.ToString(),
                                     m.up.path + ": not applied, but the later version " +
                                         highest_applied->ToString() + " is"});
        }
      }
    }
    for (const Migration& m : set_.migrations) {
      auto stmts = SplitStatements(m.up.sql, db_->dialect());
      TxDecision d = DecideTxMode(m.up.sql, stmts, db_->dialect());
      if (!d.warning.empty()) report.warnings.push_back(m.up.path + ": " + d.warning);
    }
    return report;
  }

  Result<CheckReport> Check() override {
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    CheckReport c;
    c.current_version = CurrentVersion(rows);
    c.latest_version = set_.Latest() ? set_.Latest()->ToString() : "";
    if (auto bad = FirstUnfinished(rows)) {
      c.state = CheckReport::State::kFailed;
      c.message = UnfinishedMessage(*bad);
      return c;
    }
    if (Status st = TooNew(rows); !st.ok()) {
      c.state = CheckReport::State::kTooNew;
      c.message = st.message();
      return c;
    }
    auto pending = PendingUpTo(rows, {});
    if (!pending.ok()) return pending.status();
    c.pending = pending->size();
    if (c.pending > 0) {
      c.state = CheckReport::State::kPending;
      c.message = std::to_string(c.pending) + " migration(s) pending: database is at " +
                  (c.current_version.empty() ? "no version" : c.current_version) + ", latest is " +
                  c.latest_version;
    } else {
      c.state = CheckReport::State::kUpToDate;
      c.message = "database is at the latest version" +
                  (c.current_version.empty() ? std::string() : " " + c.current_version);
    }
    return c;
  }

  Status CheckCompatible() override {
    auto rows = ledger_.ReadAll();
    if (!rows.ok()) return rows.status();
    return TooNew(*rows);
  }

  Result<std::vector<std::string>> Baseline(const std::string& version_text) override {
    auto v = Version::Parse(version_text);
    if (!v) return InvalidArgument("baseline: \"" + version_text + "\" is not a version");
    if (set_.Find(*v) == nullptr)
      return NotFound("baseline: version " + version_text + " is not in " + source_->Describe());
    FERRY_ASSIGN_OR_RETURN(auto lease, TakeLock());
    FERRY_RETURN_IF_ERROR(ledger_.Ensure());
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    std::map<Version, const LedgerRow*> have;
    for (const LedgerRow& r : rows) have[r.version] = &r;
    std::vector<std::string> recorded;
    Transaction tx(db_.get());
    FERRY_RETURN_IF_ERROR(tx.Begin());
    for (const Migration& m : set_.migrations) {
      if (*v < m.version) break;
      if (have.count(m.version)) continue;
      LedgerRow row;
      row.version = m.version;
      row.name = m.name;
      row.checksum = m.checksum();
      row.state = LedgerState::kBaseline;
      row.tx_mode = "baseline";
      FERRY_RETURN_IF_ERROR(ledger_.Insert(row));
      recorded.push_back(m.version.ToString());
    }
    FERRY_RETURN_IF_ERROR(tx.Commit());
    return recorded;
  }

  Result<RepairReport> Repair(const RepairOptions& options) override {
    FERRY_ASSIGN_OR_RETURN(auto lease, TakeLock());
    FERRY_RETURN_IF_ERROR(ledger_.Ensure());
    FERRY_ASSIGN_OR_RETURN(auto rows, ledger_.ReadAll());
    RepairReport report;
    Transaction tx(db_.get());
    FERRY_RETURN_IF_ERROR(tx.Begin());
    for (const LedgerRow& r : rows) {
      const std::string what = "version " + r.version_text + " (" + r.name + ")";
      if (r.state == LedgerState::kFailed || r.state == LedgerState::kRunning) {
        if (options.mark_applied) {
          FERRY_RETURN_IF_ERROR(ledger_.SetState(r.version, LedgerState::kApplied, r.duration_ms));
          report.actions.push_back(what + ": " + std::string(LedgerStateName(r.state)) +
                                   " -> applied (finished by hand)");
        } else {
          FERRY_RETURN_IF_ERROR(ledger_.Remove(r.version));
          report.actions.push_back(what + ": " + std::string(LedgerStateName(r.state)) +
                                   " -> pending (will run again on the next up)");
        }
      } else if (r.state == LedgerState::kRollingBack) {
        FERRY_RETURN_IF_ERROR(ledger_.SetState(r.version, LedgerState::kApplied, r.duration_ms));
        report.actions.push_back(what +
                                 ": interrupted down -> applied (run down again to undo it)");
      } else if (options.recompute_checksums && r.state == LedgerState::kApplied) {
        const Migration* m = set_.Find(r.version);
        if (m != nullptr && m->checksum() != r.checksum) {
          FERRY_RETURN_IF_ERROR(ledger_.SetChecksum(r.version, m->checksum()));
          report.actions.push_back(what + ": checksum re-recorded from " + m->up.path);
        }
      }
    }
    FERRY_RETURN_IF_ERROR(tx.Commit());
    return report;
  }

 private:
  void Emit(MigrationEvent::Kind kind, const Migration* m, std::string message, double secs = 0) {
    if (!opts_.on_event) return;
    MigrationEvent e{kind, m ? m->version.ToString() : "", m ? m->name : "", std::move(message),
                     secs};
    opts_.on_event(e);
  }

  Result<std::unique_ptr<LockLease>> TakeLock() {
    if (!lock_) {
      FERRY_ASSIGN_OR_RETURN(lock_, NewMigrationLock(db_.get(), env_));
    }
    const std::string key = std::string(kMigrationLockKey) + ":" + ledger_.table();
    auto lease = lock_->Acquire(key, std::chrono::milliseconds(0), Deadline{env_->Now()});
    if (lease.ok() ||
        (lease.status().code() != Code::kTimeout && lease.status().code() != Code::kLocked)) {
      if (lease.ok())
        Emit(MigrationEvent::Kind::kLockAcquired, nullptr, "acquired " + lock_->Describe());
      return lease;
    }
    Emit(MigrationEvent::Kind::kLockWait, nullptr,
         "waiting for " + lock_->Describe() + " (another ferry is migrating)");
    auto waited = lock_->Acquire(key, std::chrono::milliseconds(0),
                                 Deadline::After(env_, opts_.lock_timeout));
    if (waited.ok())
      Emit(MigrationEvent::Kind::kLockAcquired, nullptr, "acquired " + lock_->Describe());
    return waited;
  }

  // What Up and Down do first: hold the lock, make sure the ledger exists,
  // read it, recover what a crash left, and refuse what needs repair.
  Result<std::unique_ptr<LockLease>> LockAndReadLedger(std::vector<LedgerRow>* rows) {
    FERRY_ASSIGN_OR_RETURN(auto lease, TakeLock());
    FERRY_RETURN_IF_ERROR(ledger_.Ensure());
    FERRY_ASSIGN_OR_RETURN(*rows, ledger_.ReadAll());
    FERRY_RETURN_IF_ERROR(Recover(rows));
    FERRY_RETURN_IF_ERROR(CheckRunnable(*rows, false));
    return lease;
  }

  // A migration interrupted inside its own transaction on an engine whose DDL
  // is transactional left nothing behind: forget the intent and run it again.
  Status Recover(std::vector<LedgerRow>* rows) {
    if (!db_->capabilities().transactional_ddl) return Status::OK();
    for (auto it = rows->begin(); it != rows->end();) {
      bool in_tx = it->tx_mode == TxModeName(TxMode::kTransaction);
      if (in_tx && it->state == LedgerState::kRunning) {
        FERRY_RETURN_IF_ERROR(ledger_.Remove(it->version));
        Emit(MigrationEvent::Kind::kRecovered, nullptr,
             "version " + it->version_text +
                 " was interrupted inside its transaction, which rolled back; it will run again");
        it = rows->erase(it);
        continue;
      }
      if (in_tx && it->state == LedgerState::kRollingBack) {
        FERRY_RETURN_IF_ERROR(
            ledger_.SetState(it->version, LedgerState::kApplied, it->duration_ms));
        it->state = LedgerState::kApplied;
      }
      ++it;
    }
    return Status::OK();
  }

  static const LedgerRow* FirstUnfinishedRow(const std::vector<LedgerRow>& rows) {
    for (const LedgerRow& r : rows) {
      if (r.state == LedgerState::kFailed || r.state == LedgerState::kRunning ||
          r.state == LedgerState::kRollingBack)
        return &r;
    }
    return nullptr;
  }
  static std::optional<LedgerRow> FirstUnfinished(const std::vector<LedgerRow>& rows) {
    const LedgerRow* r = FirstUnfinishedRow(rows);
    if (r == nullptr) return std::nullopt;
    return *r;
  }
  static std::string UnfinishedMessage(const LedgerRow& r) {
    std::string what = "version " + r.version_text + " (" + r.name + ")";
    if (r.state == LedgerState::kFailed)
      return what + " failed: " + r.error +
             "; fix the database or the file, then run `ferry repair` (add --mark-applied if you "
             "finished it by hand)";
    if (r.state == LedgerState::kRunning)
      return what + " was interrupted while running without a transaction (" + r.tx_mode +
             " mode): check the schema by hand, then run `ferry repair` (--mark-applied if it "
             "completed)";
    return what + " was interrupted while rolling back: check the schema, then run `ferry repair`";
  }

  std::string CurrentVersion(const std::vector<LedgerRow>& rows) const {
    std::string out;
    for (const LedgerRow& r : rows)
      if (r.IsApplied()) out = r.version.ToString();
    return out;
  }

  Status TooNew(const std::vector<LedgerRow>& rows) const {
    std::optional<Version> top;
    for (const LedgerRow& r : rows)
      if (r.IsApplied() || r.state == LedgerState::kFailed) top = r.version;
    if (!top) return Status::OK();
    auto latest = set_.Latest();
    if (!latest || *latest < *top) {
      return SchemaTooNew(
          "schema version mismatch: database is at " + top->ToString() +
          ", this folder knows up to " + (latest ? latest->ToString() : "nothing") +
          " (upgrade ferry's migrations, or point --migrations at the right folder)");
    }
    return Status::OK();
  }

  // Failed/unfinished rows, too-new schemas, drift and gaps stop a run.
  Status CheckRunnable(const std::vector<LedgerRow>& rows, bool will_recover) {
    for (const LedgerRow& r : rows) {
      bool recoverable = will_recover && db_->capabilities().transactional_ddl &&
                         r.tx_mode == TxModeName(TxMode::kTransaction) &&
                         r.state != LedgerState::kFailed;
      if (!recoverable && FirstUnfinishedRow({r}) != nullptr)
        return FailedPrecondition(UnfinishedMessage(r));
    }
    FERRY_RETURN_IF_ERROR(TooNew(rows));
    std::optional<Version> highest;
    std::map<Version, const LedgerRow*> by_version;
    for (const LedgerRow& r : rows) {
      by_version[r.version] = &r;
      if (!r.IsApplied()) continue;
      highest = r.version;
      const Migration* m = set_.Find(r.version);
      if (m == nullptr)
        return Corruption("version " + r.version_text + " (" + r.name +
                          ") is applied but its file is missing from " + source_->Describe() +
                          " (run `ferry validate`)");
      bool unknown = false;
      if (r.state == LedgerState::kApplied && !ChecksumEquals(r.checksum, m->checksum(), &unknown) &&
          !unknown)
        return Corruption(m->up.path + ": changed after it was applied (checksum drift; run " +
                          "`ferry validate`, and `ferry repair --checksums` if the change is "
                          "intended)");
    }
    if (highest) {
      for (const Migration& m : set_.migrations) {
        if (!(m.version < *highest)) break;
        if (!by_version.count(m.version))
          return Corruption(m.up.path + ": not applied, but the later version " +
                            highest->ToString() + " is (a gap; run `ferry validate`)");
      }
    }
    return Status::OK();
  }

  Result<std::vector<const Migration*>> PendingUpTo(const std::vector<LedgerRow>& rows,
                                                    const UpTarget& target) {
    std::optional<Version> to;
    if (target.to) {
      auto v = Version::Parse(*target.to);
      if (!v) return InvalidArgument("--to \"" + *target.to + "\" is not a version");
      if (set_.Find(*v) == nullptr)
        return NotFound("--to " + *target.to + ": no such version in " + source_->Describe());
      to = *v;
    }
    std::map<Version, bool> have;
    for (const LedgerRow& r : rows)
      if (r.IsApplied()) have[r.version] = true;
    std::vector<const Migration*> out;
    for (const Migration& m : set_.migrations) {
      if (to && *to < m.version) break;
      if (!have.count(m.version)) out.push_back(&m);
    }
    return out;
  }

  Result<std::vector<const Migration*>> ToUndo(const std::vector<LedgerRow>& rows,
                                               const DownTarget& target) {
    std::vector<const LedgerRow*> applied;
    for (const LedgerRow& r : rows)
      if (r.IsApplied()) applied.push_back(&r);
    std::reverse(applied.begin(), applied.end());
    size_t count = 0;
    if (target.all) {
      count = applied.size();
    } else if (target.to) {
      auto v = Version::Parse(*target.to);
      if (!v) return InvalidArgument("--to \"" + *target.to + "\" is not a version");
      if (*v != Version(0) && set_.Find(*v) == nullptr)
        return NotFound("--to " + *target.to + ": no such version in " + source_->Describe());
      while (count < applied.size() && *v < applied[count]->version) ++count;
    } else {
      int steps = target.steps.value_or(1);
      if (steps < 0) return InvalidArgument("--steps must be positive");
      count = std::min(applied.size(), static_cast<size_t>(steps));
    }
    std::vector<const Migration*> out;
    for (size_t i = 0; i < count; ++i) {
      const LedgerRow& r = *applied[i];
      const Migration* m = set_.Find(r.version);
      if (m == nullptr)
        return NotFound("cannot undo version " + r.version_text + " (" + r.name +
                        "): its file is not in " + source_->Describe());
      if (!m->down)
        return InvalidArgument("cannot undo version " + r.version_text + ": " + m->up.path +
                               " has no down migration");
      out.push_back(m);
    }
    return out;
  }

  // Splits the script once; the statements go back through *stmts when the
  // caller is about to run them.
  PlanStep StepFor(const Migration& m, const MigrationScript& script, const char* direction,
                   std::vector<SqlStatement>* stmts_out = nullptr) {
    PlanStep s;
    s.version = m.version.ToString();
    s.name = m.name;
    s.direction = direction;
    s.path = script.path;
    auto stmts = SplitStatements(script.sql, db_->dialect());
    TxDecision d = DecideTxMode(script.sql, stmts, db_->dialect());
    s.tx_mode = d.mode;
    s.tx_reason = d.reason;
    s.statements = stmts.size();
    if (stmts_out != nullptr) *stmts_out = std::move(stmts);
    return s;
  }

  // Runs the statements of a script; on error returns ExecutionFailed naming
  // path:line and sets *line.
  Status RunStatements(const MigrationScript& script, const std::vector<SqlStatement>& stmts,
                       int64_t* line) {
    for (const SqlStatement& s : stmts) {
      Status st = db_->Exec(s.text);
      if (!st.ok()) {
        *line = script.first_line + s.line - 1;
        return Status(st.code() == Code::kUnavailable ? Code::kUnavailable : Code::kExecutionFailed,
                      script.path + ":" + std::to_string(*line) + ": " + st.message());
      }
    }
    return Status::OK();
  }

  static int64_t Millis(Clock::duration d) {
    return std::chrono::duration_cast<std::chrono::milliseconds>(d).count();
  }

  Status ApplyUp(const Migration& m, const PlanStep& step, const std::vector<SqlStatement>& stmts,
                 const std::string& backup) {
    Emit(MigrationEvent::Kind::kStart, &m,
         "applying " + step.path + " (" + std::string(TxModeName(step.tx_mode)) + ")");
    LedgerRow row;
    row.version = m.version;
    row.name = m.name;
    row.checksum = m.checksum();
    row.state = LedgerState::kRunning;
    row.tx_mode = std::string(TxModeName(step.tx_mode));
    row.backup = backup;
    FERRY_RETURN_IF_ERROR(ledger_.Insert(row));  // intent, committed before any work
    const auto t0 = env_->Now();
    int64_t line = 0;
    Status st;
    if (step.tx_mode == TxMode::kTransaction) {
      Transaction tx(db_.get());
      st = tx.Begin();
      if (st.ok()) st = RunStatements(m.up, stmts, &line);
      if (st.ok())
        st = ledger_.SetState(m.version, LedgerState::kApplied, Millis(env_->Now() - t0));
      if (st.ok()) st = tx.Commit();
    } else {
      st = RunStatements(m.up, stmts, &line);
      if (st.ok() && db_->InTransaction()) {
        st = FailedPrecondition(m.up.path +
                                ": the file left a transaction open (BEGIN without COMMIT)");
      }
      if (!st.ok() && db_->InTransaction()) (void)db_->Rollback();
      if (st.ok())
        st = ledger_.SetState(m.version, LedgerState::kApplied, Millis(env_->Now() - t0));
    }
    const double secs = std::chrono::duration<double>(env_->Now() - t0).count();
    if (!st.ok()) {
      if (db_->InTransaction()) (void)db_->Rollback();
      Status mark = ledger_.MarkFailed(m.version, st.message(), line, Millis(env_->Now() - t0));
      Emit(MigrationEvent::Kind::kFailed, &m, st.message(), secs);
      if (!mark.ok())
        return st.WithContext("and recording the failure failed too (" + mark.message() + ")");
      return st;
    }
    Emit(MigrationEvent::Kind::kApplied, &m, "applied " + step.path, secs);
    return Status::OK();
  }

  Status ApplyDown(const Migration& m, const PlanStep& step,
                   const std::vector<SqlStatement>& stmts) {
    Emit(MigrationEvent::Kind::kStart, &m,
         "undoing " + step.path + " (" + std::string(TxModeName(step.tx_mode)) + ")");
    const auto t0 = env_->Now();
    int64_t line = 0;
    Status st;
    if (step.tx_mode == TxMode::kTransaction) {
      // Atomic: the undo and the ledger row's removal commit together, so a
      // crash leaves the migration applied and nothing to repair.
      Transaction tx(db_.get());
      st = tx.Begin();
      if (st.ok()) st = RunStatements(*m.down, stmts, &line);
      if (st.ok()) st = ledger_.Remove(m.version);
      if (st.ok()) st = tx.Commit();
      if (!st.ok()) {
        Emit(MigrationEvent::Kind::kFailed, &m, st.message());
        return st;
      }
    } else {
      FERRY_RETURN_IF_ERROR(ledger_.SetState(m.version, LedgerState::kRollingBack));
      st = RunStatements(*m.down, stmts, &line);
      if (!st.ok() && db_->InTransaction()) (void)db_->Rollback();
      if (!st.ok()) {
        (void)ledger_.MarkFailed(m.version, "down: " + st.message(), line, 0);
        Emit(MigrationEvent::Kind::kFailed, &m, st.message());
        return st;
      }
      FERRY_RETURN_IF_ERROR(ledger_.Remove(m.version));
    }
    Emit(MigrationEvent::Kind::kApplied, &m, "undid " + step.path,
         std::chrono::duration<double>(env_->Now() - t0).count());
    return Status::OK();
  }

  StatusReport BuildStatus(const std::vector<LedgerRow>& rows) {
    StatusReport r;
    r.database = db_->url().Redacted();
    r.source = source_->Describe();
    r.format = std::string(SourceFormatName(set_.format));
    r.current_version = CurrentVersion(rows);
    r.latest_version = set_.Latest() ? set_.Latest()->ToString() : "";
    r.warnings = set_.warnings;
    std::map<Version, MigrationRow> merged;
    for (const Migration& m : set_.migrations) {
      MigrationRow row;
      row.version = m.version.ToString();
      row.name = m.name;
      row.state = "pending";  // checksum filled below, only if still pending
      merged[m.version] = row;
    }
    for (const LedgerRow& l : rows) {
      MigrationRow& row = merged[l.version];
      row.file_present = set_.Find(l.version) != nullptr;
      row.version = l.version.ToString();
      row.name = l.name;
      row.state = std::string(LedgerStateName(l.state));
      row.checksum = l.checksum;
      row.applied_at = l.applied_at;
      row.duration_seconds = static_cast<double>(l.duration_ms) / 1000.0;
      row.tx_mode = l.tx_mode;
      row.error = l.error;
      row.backup = l.backup;
      if (!r.failed && FirstUnfinishedRow({l}) != nullptr) r.failed = row;
    }
    for (auto& [v, row] : merged) {
      if (row.state == "pending") {
        ++r.pending;
        row.checksum = set_.Find(v)->checksum();
      }
      if (row.state == "applied" || row.state == "baseline") ++r.applied;
      r.migrations.push_back(row);
    }
    return r;
  }

  MigratorOptions opts_;
  Env* env_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<MigrationSource> source_;
  MigrationSet set_;
  Ledger ledger_;
  std::unique_ptr<Lock> lock_;
};

}  // namespace

Result<std::unique_ptr<Migrator>> NewMigrator(const MigratorOptions& options,
                                              std::unique_ptr<Database> db,
                                              std::unique_ptr<MigrationSource> source) {
  Env* env = options.env ? options.env : Env::Default();
  FERRY_ASSIGN_OR_RETURN(MigrationSet set, source->Load());
  return std::unique_ptr<Migrator>(
      new MigratorImpl(options, env, std::move(db), std::move(source), std::move(set)));
}

Result<std::unique_ptr<Migrator>> Migrator::Open(const MigratorOptions& options) {
  Env* env = options.env ? options.env : Env::Default();
  std::unique_ptr<MigrationSource> source = options.embedded
                                                ? NewEmbeddedSource(*options.embedded)
                                                : NewFolderSource(options.migrations_dir, env);
  // Read the folder before connecting: a bad file fails fast, without a server.
  FERRY_ASSIGN_OR_RETURN(MigrationSet set, source->Load());
  FERRY_ASSIGN_OR_RETURN(DatabaseUrl url, DatabaseUrl::Parse(options.database_url));
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Database> db, OpenDatabase(url, env));
  return std::unique_ptr<Migrator>(
      new MigratorImpl(options, env, std::move(db), std::move(source), std::move(set)));
}

}  // namespace ferry
