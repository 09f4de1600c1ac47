// Undoing a reshape: `rollback` after the swap (swap back, or restore the
// snapshot) and `abort` before it (drop what the unfinished run built).
// Both hold ReshapeLock for the table and change everything in one
// transaction, so a kill leaves either the before or the after.
#include "db/transaction.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/sqlite_ddl.h"
#include "jobs/backup/table_checksum.h"
#include "jobs/reshape/reshape.h"
#include "jobs/reshape/reshape_lock.h"
#include "jobs/reshape/reshape_sql.h"
#include "jobs/reshape/reshape_tx.h"

namespace ferry {

Result<AbortReport> AbortReshape(Database* db, Env* env, Logger* log, const std::string& name,
                                 std::chrono::milliseconds lock_wait) {
  FERRY_ASSIGN_OR_RETURN(auto first, LatestReshape(db, name));
  if (!first) return NotFound("no reshape of plan \"" + name + "\" in ferry_reshapes");
  FERRY_ASSIGN_OR_RETURN(auto lock, ReshapeLock::Acquire(db, env, log, first->table, lock_wait));
  // Read again under the lock: the run we waited for may have finished.
  FERRY_ASSIGN_OR_RETURN(auto latest, LatestReshape(db, name));
  ReshapeState st = *latest;
  if (st.status == "done")
    return FailedPrecondition("reshape " + st.run_id + " of \"" + name +
                              "\" already swapped; undo it with `ferry reshape rollback " +
                              st.table + "`");
  if (st.status != "running" && st.status != "failed")
    return NotFound("no unfinished reshape of plan \"" + name + "\" (the newest, " + st.run_id +
                    ", is " + st.status + ")");
  // Only the names ReshapeSql derives from the table matter for the drops.
  ReshapePlan p;
  p.name = st.name;
  p.table = st.table;
  p.new_table = st.new_table;
  ReshapeSql sql(db->dialect(), p);
  AbortReport rep;
  rep.run_id = st.run_id;
  rep.step = st.step;
  rep.backup_name = st.backup_name;
  // The new table is the run's from step 3 on (created in the transaction
  // that recorded step 3); before that a table of that name is not ours.
  const bool owns_new = st.step >= 3;
  FERRY_RETURN_IF_ERROR(WithLockRetries(db, env, log, std::chrono::milliseconds(2000), 10,
                                        [&]() -> Status {
    FERRY_RETURN_IF_ERROR(ExecAll(db, sql.DropCapture()));
    if (owns_new) {
      FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(st.new_table));
      if (exists) {
        FERRY_RETURN_IF_ERROR(db->Exec("DROP TABLE " + db->QuoteIdentifier(st.new_table)));
        rep.dropped_table = st.new_table;
      }
    }
    ReshapeState s = st;
    s.status = "aborted";
    s.last_key.clear();
    s.error = "aborted after step " + std::to_string(st.step) +
              (st.error.empty() ? std::string() : " (" + st.error + ")");
    s.updated_at = env->WallSeconds();
    return UpdateReshapeState(db, s);
  }));
  log->Info("reshape aborted", {{"run", st.run_id}, {"table", st.table},
                                {"dropped", rep.dropped_table}, {"snapshot_kept", st.backup_name}});
  return rep;
}

Result<RollbackReport> RollbackReshape(Database* db, Env* env, Logger* log,
                                       const std::string& table, const RollbackOptions& o) {
  FERRY_ASSIGN_OR_RETURN(auto lock, ReshapeLock::Acquire(db, env, log, table, o.lock_wait));
  FERRY_ASSIGN_OR_RETURN(auto done, LatestDoneForTable(db, table));
  if (!done) return NotFound("no finished reshape of table \"" + table + "\" in ferry_reshapes");
  ReshapeState st = *done;
  RollbackReport rep;
  rep.run_id = st.run_id;
  FERRY_ASSIGN_OR_RETURN(rep.set_aside, FreshTableName(db, table, "reshaped", env->WallSeconds()));
  const std::string qt = db->QuoteIdentifier(table), qa = db->QuoteIdentifier(rep.set_aside);
  FERRY_ASSIGN_OR_RETURN(bool old_exists, db->TableExists(st.old_table));
  if (old_exists) {
    rep.method = "swap back";
    rep.restored_from = st.old_table;
    const std::string qo = db->QuoteIdentifier(st.old_table);
    FERRY_ASSIGN_OR_RETURN(Rows a, db->Query("SELECT count(*) FROM " + qt, {}));
    FERRY_ASSIGN_OR_RETURN(Rows b, db->Query("SELECT count(*) FROM " + qo, {}));
    if (a.GetInt(0, 0) != b.GetInt(0, 0) && o.force == RollbackForce::kNo)
      return FailedPrecondition(
          table + " has " + std::to_string(a.GetInt(0, 0).value_or(0)) + " rows but " +
          st.old_table + " has " + std::to_string(b.GetInt(0, 0).value_or(0)) +
          ": rows written since the swap would be set aside with the reshaped table; use --force");
    FERRY_ASSIGN_OR_RETURN(auto seqs, OwnedSequences(db, table));
    FERRY_RETURN_IF_ERROR(WithLockRetries(db, env, log, o.lock_timeout, 10, [&]() -> Status {
      if (db->dialect() == Dialect::kPostgres)
        FERRY_RETURN_IF_ERROR(db->Exec("LOCK TABLE " + qt + " IN ACCESS EXCLUSIVE MODE"));
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + qt + " RENAME TO " + qa));
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + qo + " RENAME TO " + qt));
      FERRY_RETURN_IF_ERROR(RenameSetAsideObjects(db, log, rep.set_aside));
      FERRY_RETURN_IF_ERROR(MoveSequences(db, seqs, table));
      ReshapeState s = st;
      s.status = "rolled_back";
      s.updated_at = env->WallSeconds();
      FERRY_RETURN_IF_ERROR(UpdateReshapeState(db, s));
      if (o.hook) o.hook("rollback before commit");
      return Status::OK();
    }));
  } else {
    if (st.backup_name.empty())
      return NotFound("old table " + st.old_table + " is gone and reshape " + st.run_id +
                      " took no snapshot: nothing to roll back to");
    rep.method = "restore snapshot";
    rep.restored_from = st.backup_name;
    FERRY_ASSIGN_OR_RETURN(BackupInfo info, VerifySnapshot(db, env, st.backup_name));
    const std::string qb = db->QuoteIdentifier(st.backup_name);
    std::vector<std::string> create;
    if (db->dialect() == Dialect::kPostgres) {
      create.push_back("CREATE TABLE " + qt + " (LIKE " + qb + " INCLUDING ALL)");
    } else {
      FERRY_ASSIGN_OR_RETURN(Rows ddl, db->Query("SELECT sql FROM sqlite_master WHERE type = 'table'"
                                                 " AND name = $1", {st.backup_name}));
      FERRY_ASSIGN_OR_RETURN(std::string c, RenameCreateTable(ddl.GetText(0, 0).value_or(""), qt));
      create.push_back(c);
    }
    create.push_back("INSERT INTO " + qt + " SELECT * FROM " + qb);
    FERRY_RETURN_IF_ERROR(WithLockRetries(db, env, log, o.lock_timeout, 10, [&]() -> Status {
      FERRY_RETURN_IF_ERROR(db->Exec("ALTER TABLE " + qt + " RENAME TO " + qa));
      FERRY_RETURN_IF_ERROR(RenameSetAsideObjects(db, log, rep.set_aside));
      FERRY_RETURN_IF_ERROR(ExecAll(db, create));
      FERRY_ASSIGN_OR_RETURN(TableChecksum c, ComputeTableChecksumLike(db, table, info.checksum));
      // The snapshot may predate a faster checksum method: compare like with like.
      if (c.rows != info.row_count || c.checksum != info.checksum)
        return Corruption("restored " + table + " does not match snapshot " + info.name);
      ReshapeState s = st;
      s.status = "rolled_back";
      s.updated_at = env->WallSeconds();
      FERRY_RETURN_IF_ERROR(UpdateReshapeState(db, s));
      if (o.hook) o.hook("rollback before commit");
      return Status::OK();
    }));
  }
  log->Info("rolled back", {{"table", table}, {"method", rep.method},
                            {"from", rep.restored_from}, {"set_aside", rep.set_aside}});
  return rep;
}

}  // namespace ferry
