#include "jobs/reshape/reshape.h"

#include <cstdio>

#include <algorithm>
#include <thread>

#include "db/key_codec.h"
#include "db/transaction.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/sqlite_ddl.h"
#include "jobs/backup/table_checksum.h"
#include "jobs/reshape/reshape_key.h"
#include "jobs/reshape/reshape_lock.h"
#include "jobs/reshape/reshape_sql.h"
#include "jobs/reshape/reshape_tx.h"
#include "obs/progress.h"
#include "util/duration.h"

namespace ferry {
namespace {

void Hook(const ReshapeOptions& o, std::string_view point) {
  if (o.hook) o.hook(point);
}

std::string KeyText(const ReshapePlan& plan, const std::vector<Value>& key) {
  std::string s;
  for (size_t i = 0; i < key.size() && i < plan.key.size(); ++i)
    s += (i ? ", " : "") + plan.key[i] + "=" + ValueToDisplay(key[i]);
  return s;
}

class Runner {
 public:
  Runner(Database* db, Env* env, Logger* log, const ReshapePlan& plan, const ReshapeOptions& o)
      : db_(db), env_(env), log_(log), plan_(plan), o_(o), steps_(env, log) {}

  Result<ReshapeReport> Run();

 private:
  Status PreCheck();
  Status Backup();
  Status CreateNew();
  Status Capture();
  Status Copy();
  Status Verify();
  Status Indexes();
  Status Swap();
  Status NameFailingRow(bool lower, bool upper, const std::vector<Value>& params,
                        const Status& batch_error);
  Status Save() {
    st_.updated_at = env_->WallSeconds();
    return UpdateReshapeState(db_, st_);
  }
  // Runs step `n` (1-based) unless the state says it is done.
  Status Step(int n, Status (Runner::*fn)());

  Database* db_;
  Env* env_;
  Logger* log_;
  const ReshapePlan& plan_;
  const ReshapeOptions& o_;
  StepTimer steps_;
  std::unique_ptr<ReshapeSql> sql_;
  ReshapeState st_;
  bool have_state_ = false;
  ReshapeReport rep_;
};

Status Runner::Step(int n, Status (Runner::*fn)()) {
  if (st_.step >= n && n != 1) {
    log_->Info("step already done", {{"step", std::string(kReshapeStepNames[n - 1])}});
    return Status::OK();
  }
  auto step = steps_.Begin(std::to_string(n) + " " + kReshapeStepNames[n - 1]);
  Hook(o_, "step " + std::to_string(n) + " begin");
  Status s = step.Finish((this->*fn)());
  if (s.ok()) Hook(o_, "step " + std::to_string(n) + " done");
  return s;
}

Result<ReshapeReport> Runner::Run() {
  FERRY_RETURN_IF_ERROR(EnsureReshapeTable(db_));
  FERRY_ASSIGN_OR_RETURN(auto prev, LatestReshape(db_, plan_.name));
  if (prev && prev->status == "done" && prev->plan_checksum == plan_.checksum) {
    log_->Info("already reshaped by this plan: nothing to do",
               {{"run", prev->run_id}, {"table", plan_.table}, {"old_table", prev->old_table}});
    rep_.run_id = prev->run_id;
    rep_.no_op = true;
    rep_.old_table = prev->old_table;
    rep_.backup_name = prev->backup_name;
    rep_.rows_copied = prev->rows_copied;
    return rep_;
  }
  if (prev && (prev->status == "running" || prev->status == "failed")) {
    if (prev->plan_checksum != plan_.checksum)
      return FailedPrecondition(plan_.path + ": reshape " + prev->run_id + " of \"" + plan_.name +
                                "\" stopped at step " + std::to_string(prev->step) +
                                " with another version of this plan file; run that version to"
                                " finish it, or `ferry reshape abort " + plan_.name + "`");
    st_ = *prev;
    have_state_ = true;
    rep_.resumed = true;
    log_->Info("resuming reshape", {{"run", st_.run_id}, {"after_step", int64_t{st_.step}},
                                    {"rows_copied", st_.rows_copied}});
  }
  using R = Runner;
  Status (R::*fns[])() = {&R::PreCheck, &R::Backup, &R::CreateNew, &R::Capture,
                          &R::Copy,     &R::Verify, &R::Indexes,   &R::Swap};
  for (int n = 1; n <= 8; ++n) {
    Status s = Step(n, fns[n - 1]);
    if (!s.ok()) {
      if (have_state_) {
        if (db_->InTransaction()) (void)db_->Rollback();
        st_.status = "failed";
        st_.error = s.ToString();
        (void)Save();
      }
      return s;
    }
  }
  {
    auto step = steps_.Begin(std::string("9 ") + kReshapeStepNames[8]);
    log_->Info("old table kept", {{"old_table", st_.old_table},
                                  {"rollback", "ferry reshape rollback " + plan_.table}});
  }
  rep_.run_id = st_.run_id;
  rep_.old_table = st_.old_table;
  rep_.backup_name = st_.backup_name;
  rep_.rows_copied = st_.rows_copied;
  rep_.rows = st_.total_rows;
  rep_.steps = steps_.Records();
  return rep_;
}

Status Runner::PreCheck() {
  FERRY_ASSIGN_OR_RETURN(bool exists, db_->TableExists(plan_.table));
  if (!exists) return NotFound(plan_.path + ": table \"" + plan_.table + "\" does not exist");
  FERRY_ASSIGN_OR_RETURN(std::vector<std::string> cols, TableColumns(db_, plan_.table));
  for (const auto& k : plan_.key)
    if (std::find(cols.begin(), cols.end(), k) == cols.end())
      return InvalidArgument(plan_.path + ": key column \"" + k + "\" is not a column of " +
                             plan_.table);
  sql_ = std::make_unique<ReshapeSql>(db_->dialect(), plan_, cols);
  if (auto r = db_->Query(sql_->ProbeSelect(), {}); !r.ok())
    return InvalidArgument(plan_.path + ": select does not fit table " + plan_.table + ": " +
                           r.status().message());
  if (!have_state_) {
    FERRY_ASSIGN_OR_RETURN(bool new_exists, db_->TableExists(plan_.new_table));
    if (new_exists)
      return FailedPrecondition("table \"" + plan_.new_table +
                                "\" already exists and no unfinished reshape owns it");
  }
  if (have_state_ && st_.step >= 1) return Status::OK();  // checked by the first run
  FERRY_ASSIGN_OR_RETURN(Rows n, db_->Query(sql_->CountRows(), {}));
  const int64_t rows = n.GetInt(0, 0).value_or(0);
  // What the table's own constraints guarantee is not checked again: the
  // GROUP BY over every key costs seconds on a million rows.
  FERRY_ASSIGN_OR_RETURN(KeyGuarantees kg, ReadKeyGuarantees(db_, plan_.table, plan_.key));
  Rows nul, dup;
  if (!kg.not_null) {
    FERRY_ASSIGN_OR_RETURN(nul, db_->Query(sql_->NullKeyRow(), {}));
  }
  if (!nul.empty())
    return InvalidArgument(plan_.table + ": key (" + sql_->KeyList() + ") is NULL in row " +
                           ValueToDisplay(nul.rows[0][0]) + "; the key must be NOT NULL");
  if (!kg.unique) {
    FERRY_ASSIGN_OR_RETURN(dup, db_->Query(sql_->DuplicateKey(), {}));
  }
  if (!dup.empty()) {
    std::vector<Value> key(dup.rows[0].begin(), dup.rows[0].end() - 1);
    return InvalidArgument(plan_.table + ": key (" + KeyText(plan_, key) + ") appears " +
                           ValueToDisplay(dup.rows[0].back()) + " times; the key must be unique");
  }
  log_->Info("pre-check passed",
             {{"table", plan_.table}, {"rows", rows},
              {"key_unique_by", kg.unique ? "the table's unique index" : "GROUP BY"},
              {"key_not_null_by", kg.not_null ? "NOT NULL" : "scan"}});
  const int64_t now_us = env_->WallMicros();
  const int64_t now = now_us / 1000000;
  st_ = ReshapeState{};
  // <name>-<UTC second>-<microsecond, 6 digits><random, 3 digits>: runs of one
  // plan in the same second (started_at has one-second resolution) still sort
  // in start order by run_id, which is how the latest one is found.
  char suffix[16];
  std::snprintf(suffix, sizeof suffix, "%06lld%03llu", static_cast<long long>(now_us % 1000000),
                static_cast<unsigned long long>(env_->Random64() % 1000));
  st_.run_id = plan_.name + "-" + CompactUtc(now) + "-" + suffix;
  st_.name = plan_.name;
  st_.table = plan_.table;
  st_.new_table = plan_.new_table;
  st_.plan_checksum = plan_.checksum;
  st_.step = 1;
  st_.status = "running";
  st_.total_rows = rows;
  st_.started_at = now;
  st_.updated_at = now;
  FERRY_RETURN_IF_ERROR(InsertReshapeState(db_, st_));
  have_state_ = true;
  return Status::OK();
}

Status Runner::Backup() {
  if (st_.total_rows == 0) {
    rep_.notes.push_back("empty table: no backup needed");
    log_->Info("empty table: no backup needed");
  } else if (o_.backup == ReshapeBackup::kSkip) {
    rep_.notes.push_back("backup skipped (--no-backup)");
    log_->Warn("backup skipped (--no-backup)");
  } else {
    FERRY_ASSIGN_OR_RETURN(BackupInfo b, CreateVerifiedSnapshot(db_, env_, plan_.table, {}));
    st_.backup_name = b.name;
    log_->Info("snapshot verified", {{"backup", b.name}, {"rows", b.row_count},
                                     {"checksum", b.checksum}});
  }
  st_.step = 2;
  return Save();
}

Status Runner::CreateNew() {
  Transaction tx(db_);
  FERRY_RETURN_IF_ERROR(tx.Begin());
  FERRY_RETURN_IF_ERROR(ExecAll(db_, sql_->CreateNewTable()).WithContext(plan_.path + ": ddl"));
  st_.step = 3;
  FERRY_RETURN_IF_ERROR(Save());
  Hook(o_, "step 3 before commit");
  return tx.Commit();
}

Status Runner::Capture() {
  Transaction tx(db_);
  FERRY_RETURN_IF_ERROR(tx.Begin());
  FERRY_RETURN_IF_ERROR(ExecAll(db_, sql_->CreateCapture()).WithContext("capture triggers"));
  st_.step = 4;
  FERRY_RETURN_IF_ERROR(Save());
  Hook(o_, "step 4 before commit");
  return tx.Commit();
}

Status Runner::NameFailingRow(bool lower, bool upper, const std::vector<Value>& params,
                              const Status& batch_error) {
  auto keys = db_->Query(sql_->KeysInRange(lower, upper), params);
  if (!keys.ok()) return batch_error;
  FERRY_ASSIGN_OR_RETURN(auto one, db_->Prepare(sql_->CopyOneRow()));
  for (const auto& key : keys->rows) {
    Transaction tx(db_);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    auto r = one->Execute(key);
    (void)tx.Rollback();
    if (!r.ok())
      return ExecutionFailed(plan_.path + ": select cannot map row (" + KeyText(plan_, key) +
                             ") of " + plan_.table + ": " + r.status().message() +
                             "; stopped before the swap, " + plan_.table + " is unchanged");
  }
  return batch_error.WithContext("copy batch");
}

Status Runner::Copy() {
  std::vector<Value> lower;
  if (!st_.last_key.empty()) {
    FERRY_ASSIGN_OR_RETURN(lower, DecodeKey(st_.last_key));
  }
  FERRY_ASSIGN_OR_RETURN(auto ub_first, db_->Prepare(sql_->BatchUpperBound(false)));
  FERRY_ASSIGN_OR_RETURN(auto ub_next, db_->Prepare(sql_->BatchUpperBound(true)));
  ProgressOptions po;
  po.operation = "reshape copy";
  po.total = static_cast<uint64_t>(std::max<int64_t>(st_.total_rows, st_.rows_copied));
  ProgressReporter progress(env_, log_, po);
  progress.Start();
  progress.AddProcessed(static_cast<uint64_t>(st_.rows_copied));
  const auto start = env_->Now();
  int64_t this_run = 0;
  const bool table_lock =
      o_.copy_lock == CopyLock::kTable && db_->dialect() == Dialect::kPostgres;
  int lock_attempt = 0;
  using Form = ReshapeSql::CopyForm;
  // Batches left that go straight to ON CONFLICT after a unique violation:
  // writers are busy in this key range, a plain try would likely fail again.
  int on_conflict_batches = 0;
  int deadlocks = 0;
  for (bool more = true; more;) {
    const bool has_lower = !lower.empty();
    Transaction tx(db_);
    FERRY_RETURN_IF_ERROR(tx.Begin());
    if (table_lock) {
      // A short wait: writers queue behind a waiting LOCK, so give way and retry.
      Status ls = db_->Exec("SET LOCAL lock_timeout = '" + std::to_string(o_.lock_timeout.count()) +
                            "ms'");
      if (ls.ok()) ls = db_->Exec(sql_->LockForCopy());
      if (!ls.ok()) {
        (void)tx.Rollback();
        if (++lock_attempt >= o_.swap_attempts) return ls.WithContext("copy: lock " + plan_.table);
        log_->Warn("table busy, retrying the batch", {{"attempt", int64_t{lock_attempt}},
                                                      {"error", ls.message()}});
        env_->SleepFor(std::chrono::milliseconds(std::min<int64_t>(2000, 100LL << std::min(lock_attempt, 5))));
        continue;
      }
      lock_attempt = 0;
      FERRY_RETURN_IF_ERROR(db_->Exec("SET LOCAL lock_timeout = 0"));
    }
    FERRY_ASSIGN_OR_RETURN(Rows ub, has_lower ? ub_next->Query(lower) : ub_first->Query({}));
    const bool has_upper = !ub.empty();
    std::vector<Value> params = lower;
    if (has_upper) params.insert(params.end(), ub.rows[0].begin(), ub.rows[0].end());
    const Form form = table_lock                ? Form::kTableLocked
                      : on_conflict_batches > 0 ? Form::kRowLockedOnConflict
                                                : Form::kRowLocked;
    if (on_conflict_batches > 0) --on_conflict_batches;
    auto n = db_->Execute(sql_->CopyBatch(has_lower, has_upper, form), params);
    if (!n.ok()) {
      (void)tx.Rollback();
      const std::string m = n.status().message();
      if (form == Form::kRowLocked && m.find("SQLSTATE 23505") != std::string::npos) {
        // A writer's trigger row committed after this statement's snapshot
        // (the NOT IN did not see it): the same batch with ON CONFLICT.
        on_conflict_batches = 16;
        log_->Info("batch met a writer's row, retrying it with ON CONFLICT",
                    {{"after", has_lower ? KeyText(plan_, lower) : std::string("start")}});
        continue;
      }
      if (m.find("SQLSTATE 40P01") != std::string::npos && ++deadlocks < o_.swap_attempts) {
        // A writer's transaction and this batch waited on each other's rows.
        log_->Warn("batch deadlocked with a writer, retrying it", {{"attempt", int64_t{deadlocks}}});
        on_conflict_batches = 16;
        continue;
      }
      // Out of space (SQLITE_FULL, PostgreSQL 53100) or another I/O error is
      // not the row's fault: say so, and what to do, instead of trying rows.
      const bool full = m.find("No space left") != std::string::npos ||
                        m.find("disk is full") != std::string::npos ||
                        m.find("53100") != std::string::npos;
      if (full || n.status().code() == Code::kIOError)
        return IOError("copy batch " +
                       (has_lower ? "after (" + KeyText(plan_, lower) + ")" : std::string("1")) +
                       " of " + plan_.table + " into " + plan_.new_table + ": " +
                       (full ? "disk full: " : "") + m + "; stopped before the swap, " + plan_.table +
                       " is unchanged; free space and rerun to resume from the checkpoint (" +
                       std::to_string(st_.rows_copied) + " rows copied)");
      return NameFailingRow(has_lower, has_upper, params, n.status());
    }
    int64_t batch_rows = plan_.batch_size;
    if (has_upper) {
      lower = ub.rows[0];
    } else {
      more = false;
      batch_rows = *n;
    }
    st_.rows_copied += batch_rows;
    if (!lower.empty()) st_.last_key = EncodeKey(lower);
    if (!more) st_.step = 5;
    FERRY_RETURN_IF_ERROR(Save());
    Hook(o_, "batch before commit");
    FERRY_RETURN_IF_ERROR(tx.Commit());
    progress.AddProcessed(static_cast<uint64_t>(batch_rows));
    progress.AddSucceeded(static_cast<uint64_t>(batch_rows));
    this_run += batch_rows;
    Hook(o_, "batch");
    if (!more) break;
    if (o_.pause.count() > 0) env_->SleepFor(o_.pause);
    if (o_.max_rate > 0) {
      auto due = start + std::chrono::microseconds(
                             static_cast<int64_t>(1e6 * static_cast<double>(this_run) / o_.max_rate));
      auto now = env_->Now();
      if (due > now)
        env_->SleepFor(std::chrono::duration_cast<std::chrono::microseconds>(due - now));
    }
  }
  progress.Finish();
  return Status::OK();
}

Status Runner::Verify() {
  FERRY_ASSIGN_OR_RETURN(ReshapeVerifyReport v, VerifyReshape(db_, plan_, *sql_));
  LogFields f = {{"rows", v.new_rows}, {"checksum", v.new_checksum}};
  log_->Info("rows and checksum equal", f);
  if (v.distribution) {
    const auto& d = *v.distribution;
    log_->Info("partition distribution",
               {{"partitions", int64_t{d.partitions}}, {"min", d.min}, {"avg", d.avg},
                {"max", d.max}, {"stddev", d.stddev},
                {"empty", static_cast<int64_t>(d.empty.size())}});
  }
  for (const auto& [name, answer] : v.checks)
    log_->Info("check equal", {{"check", name}, {"answer", answer}});
  rep_.verify = v;
  st_.step = 6;
  return Save();
}

Status Runner::Indexes() {
  Transaction tx(db_);
  FERRY_RETURN_IF_ERROR(tx.Begin());
  for (const auto& s : sql_->BuildIndexes()) {
    auto t0 = env_->Now();
    FERRY_RETURN_IF_ERROR(db_->Exec(s).WithContext(plan_.path + ": " + s));
    log_->Info("built", {{"sql", s},
                         {"seconds", Seconds(env_->Now() - t0)}});
  }
  st_.step = 7;
  FERRY_RETURN_IF_ERROR(Save());
  Hook(o_, "step 7 before commit");
  return tx.Commit();
}

Status Runner::Swap() {
  // Unique even when this table was swapped within the same second before.
  FERRY_ASSIGN_OR_RETURN(const std::string old_name,
                         FreshTableName(db_, plan_.table, "old", env_->WallSeconds()));
  FERRY_ASSIGN_OR_RETURN(auto seqs, OwnedSequences(db_, plan_.table));
  ReshapeState saved = st_;
  Status s = WithLockRetries(db_, env_, log_, o_.lock_timeout, o_.swap_attempts, [&]() -> Status {
    st_ = saved;
    FERRY_RETURN_IF_ERROR(ExecAll(db_, sql_->Swap(old_name)));
    FERRY_RETURN_IF_ERROR(MoveSequences(db_, seqs, plan_.table));
    st_.old_table = old_name;
    st_.step = 9;
    st_.status = "done";
    st_.error.clear();
    FERRY_RETURN_IF_ERROR(Save());
    Hook(o_, "step 8 before commit");
    return Status::OK();
  });
  if (!s.ok()) st_ = saved;
  if (s.ok()) log_->Info("swapped", {{"table", plan_.table}, {"old_table", old_name}});
  return s;
}

}  // namespace

Result<ReshapeReport> RunReshape(Database* db, Env* env, Logger* logger, const ReshapePlan& plan,
                                 const ReshapeOptions& options) {
  FERRY_ASSIGN_OR_RETURN(auto lock, ReshapeLock::Acquire(db, env, logger, plan.table,
                                                         options.run_lock_wait));
  if (db->dialect() == Dialect::kSqlite)
    FERRY_RETURN_IF_ERROR(
        db->Exec("PRAGMA busy_timeout = " + std::to_string(kReshapeSqliteBusyMs)));
  Runner r(db, env, logger, plan, options);
  return r.Run();
}

}  // namespace ferry
