// ReshapeSql: every statement a reshape runs, built from a plan for one
// dialect. Pure (no database), so `ferry reshape plan` prints exactly what
// `run` executes and unit tests can read it.
//
// Keyset predicates: `(k1, k2) > ($1, $2)` row comparisons, which both
// PostgreSQL and SQLite (3.15+) evaluate with the key's index.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "jobs/reshape/reshape_plan.h"

namespace ferry {

class ReshapeSql {
 public:
  // old_columns: the live table's columns in order (SQLite triggers name
  // them one by one; may be empty for printing, then "<columns>" is shown).
  ReshapeSql(Dialect dialect, const ReshapePlan& plan, std::vector<std::string> old_columns = {});

  static std::string Quote(std::string_view name);  // "name", quotes doubled

  std::string table() const { return Quote(plan_.table); }
  std::string new_table() const { return Quote(plan_.new_table); }
  std::string KeyList(const std::string& alias = "") const;  // "id" or "a", "b"

  // Step 1.
  std::string CountRows() const;
  std::string NullKeyRow() const;       // first row whose key has a NULL
  std::string DuplicateKey() const;     // first duplicated key and its count
  std::string ProbeSelect() const;      // the mapping on zero rows: names a bad column
  // Step 3.
  std::vector<std::string> CreateNewTable() const;  // DDL + partitions
  // Step 4 (and their removal in step 8 / rollback).
  std::vector<std::string> CreateCapture() const;
  std::vector<std::string> DropCapture() const;
  std::string TriggerName() const;
  // Step 5. lower/upper: whether the bound exists. Parameters: lower key
  // values then upper key values.
  std::string BatchUpperBound(bool lower) const;  // key of the batch's last row
  // How a PostgreSQL batch meets the capture trigger's rows (SQLite batches
  // always exclude other writers and use ON CONFLICT DO NOTHING):
  //   kTableLocked  the batch holds LockForCopy(), no writer runs beside it:
  //                 a plain INSERT that skips keys the trigger already wrote
  //                 (an uncorrelated, hashed NOT IN over the batch's range).
  //   kRowLocked    FOR SHARE on the batch's old rows and the same NOT IN: a
  //                 trigger row committed after the statement's snapshot makes
  //                 it fail with a unique violation (SQLSTATE 23505), and the
  //                 batch is retried as kRowLockedOnConflict. Speculative
  //                 insertion (ON CONFLICT) into many partitions costs about
  //                 twice the plain insert, so this is tried first.
  //   kRowLockedOnConflict  FOR SHARE and ON CONFLICT DO NOTHING.
  enum class CopyForm { kTableLocked, kRowLocked, kRowLockedOnConflict };
  std::string CopyBatch(bool lower, bool upper,
                        CopyForm form = CopyForm::kRowLockedOnConflict) const;
  std::string LockForCopy() const;  // LOCK TABLE <old> IN SHARE MODE
  std::string KeysInRange(bool lower, bool upper) const;  // for naming a failing row
  std::string CopyOneRow() const;                          // key = $1..$n
  // Step 6. Rows come back in key order with the key columns last.
  std::string MappedOldPage(bool lower, int limit) const;  // SQLite
  std::string NewPage(bool lower, int limit) const;        // SQLite
  // PostgreSQL, one row (count, lane 0, lane 1). kRowHash: each column
  // hashed by its type's own extended hash (hash_record_extended), no text
  // conversion; lane 1 is empty. kText: the row's text form hashed twice
  // (hashtextextended, seeds 0 and 1), for column types without an extended
  // hash function (json, point, ...).
  enum class ChecksumMethod { kRowHash, kText };
  std::string MappedOldChecksum(ChecksumMethod m = ChecksumMethod::kRowHash) const;
  // One row per partition (one for an unpartitioned table, none when empty):
  // total count, total lane 0, total lane 1, partition name, its row count.
  std::string NewChecksum(ChecksumMethod m = ChecksumMethod::kRowHash) const;
  // SQLite, one row (count, "<32 hex>:<bytes>"): the in-engine aggregate
  // `function` (ferry_sha256sum) over the mapped old rows / the new rows'
  // `columns` columns, numbers given as text the way a column's affinity
  // stores them (an integral real as an integer), so 5, 5.0 and '5' agree.
  std::string SqliteMappedOldChecksum(std::string_view function, int columns) const;
  std::string SqliteNewChecksum(std::string_view function, int columns) const;
  std::string PartitionName(int i) const;                  // bare "<new>_p<i>"
  std::string Check(const ReshapeCheck& c, const std::string& table_name) const;
  // Step 7.
  std::vector<std::string> BuildIndexes() const;
  // Step 8 (old_name: "<table>_old_<timestamp>").
  std::vector<std::string> Swap(const std::string& old_name) const;

  // One string per step for `ferry reshape plan`.
  struct PrintedStep {
    std::string name;
    std::vector<std::string> sql;
  };
  std::vector<PrintedStep> Describe() const;

  Dialect dialect() const { return dialect_; }

 private:
  std::string Replace(std::string s) const;  // {new}, {old}
  std::string KeyCompare(const std::string& op, int first_param, const std::string& alias) const;
  std::string RangeWhere(bool lower, bool upper, const std::string& alias) const;

  Dialect dialect_;
  const ReshapePlan& plan_;
  std::vector<std::string> old_columns_;
};

// The steps' names, as logged and stored (index 0 = step 1).
extern const char* const kReshapeStepNames[9];

}  // namespace ferry
