#include "jobs/reshape/reshape_state.h"

#include <nlohmann/json.hpp>

namespace ferry {
namespace {

constexpr const char* kColumns =
    "run_id, name, table_name, new_table, plan_checksum, step, status, old_table, backup_name,"
    " last_key, rows_copied, total_rows, started_at, updated_at, error";

ReshapeState FromRow(const Rows& r, size_t i) {
  ReshapeState s;
  s.run_id = r.GetText(i, 0).value_or("");
  s.name = r.GetText(i, 1).value_or("");
  s.table = r.GetText(i, 2).value_or("");
  s.new_table = r.GetText(i, 3).value_or("");
  s.plan_checksum = r.GetText(i, 4).value_or("");
  s.step = static_cast<int>(r.GetInt(i, 5).value_or(0));
  s.status = r.GetText(i, 6).value_or("");
  s.old_table = r.GetText(i, 7).value_or("");
  s.backup_name = r.GetText(i, 8).value_or("");
  s.last_key = r.GetText(i, 9).value_or("");
  s.rows_copied = r.GetInt(i, 10).value_or(0);
  s.total_rows = r.GetInt(i, 11).value_or(0);
  s.started_at = r.GetInt(i, 12).value_or(0);
  s.updated_at = r.GetInt(i, 13).value_or(0);
  s.error = r.GetText(i, 14).value_or("");
  return s;
}

std::vector<Value> Params(const ReshapeState& s) {
  return {s.run_id,      s.name,        s.table,     s.new_table,  s.plan_checksum,
          int64_t{s.step}, s.status,    s.old_table, s.backup_name, s.last_key,
          s.rows_copied, s.total_rows,  s.started_at, s.updated_at, s.error};
}

Result<std::optional<ReshapeState>> One(Database* db, const std::string& where,
                                        const std::string& param) {
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists("ferry_reshapes"));
  if (!exists) return std::optional<ReshapeState>();
  FERRY_ASSIGN_OR_RETURN(Rows r, db->Query(std::string("SELECT ") + kColumns +
                                               " FROM ferry_reshapes WHERE " + where +
                                               // A run starts only after the one before it
                                               // was aborted or rolled back: in the same
                                               // second, the live one is the newer.
                                               " ORDER BY started_at DESC, CASE WHEN status IN"
                                               " ('aborted', 'rolled_back') THEN 1 ELSE 0 END,"
                                               " run_id DESC LIMIT 1",
                                           {param}));
  if (r.empty()) return std::optional<ReshapeState>();
  return std::optional<ReshapeState>(FromRow(r, 0));
}

}  // namespace

Status EnsureReshapeTable(Database* db) {
  return db->Exec(
      "CREATE TABLE IF NOT EXISTS ferry_reshapes ("
      " run_id TEXT PRIMARY KEY, name TEXT NOT NULL, table_name TEXT NOT NULL,"
      " new_table TEXT NOT NULL, plan_checksum TEXT NOT NULL, step INTEGER NOT NULL,"
      " status TEXT NOT NULL, old_table TEXT NOT NULL DEFAULT '',"
      " backup_name TEXT NOT NULL DEFAULT '', last_key TEXT NOT NULL DEFAULT '',"
      " rows_copied BIGINT NOT NULL DEFAULT 0, total_rows BIGINT NOT NULL DEFAULT 0,"
      " started_at BIGINT NOT NULL, updated_at BIGINT NOT NULL, error TEXT NOT NULL DEFAULT '')");
}

Status InsertReshapeState(Database* db, const ReshapeState& s) {
  auto r = db->Execute(std::string("INSERT INTO ferry_reshapes (") + kColumns +
                           ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13,"
                           " $14, $15)",
                       Params(s));
  return r.ok() ? Status::OK() : r.status().WithContext("ferry_reshapes");
}

Status UpdateReshapeState(Database* db, const ReshapeState& s) {
  auto r = db->Execute(
      "UPDATE ferry_reshapes SET name = $2, table_name = $3, new_table = $4, plan_checksum = $5,"
      " step = $6, status = $7, old_table = $8, backup_name = $9, last_key = $10,"
      " rows_copied = $11, total_rows = $12, started_at = $13, updated_at = $14, error = $15"
      " WHERE run_id = $1",
      Params(s));
  if (!r.ok()) return r.status().WithContext("ferry_reshapes");
  if (*r != 1) return Internal("ferry_reshapes: run " + s.run_id + " not found");
  return Status::OK();
}

Result<std::optional<ReshapeState>> LatestReshape(Database* db, const std::string& name) {
  return One(db, "name = $1", name);
}

Result<std::optional<ReshapeState>> LatestDoneForTable(Database* db, const std::string& table) {
  return One(db, "table_name = $1 AND status = 'done'", table);
}

Result<std::vector<ReshapeState>> ListReshapeStates(Database* db) {
  std::vector<ReshapeState> out;
  FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists("ferry_reshapes"));
  if (!exists) return out;
  FERRY_ASSIGN_OR_RETURN(Rows r, db->Query(std::string("SELECT ") + kColumns +
                                               " FROM ferry_reshapes ORDER BY started_at, run_id",
                                           {}));
  for (size_t i = 0; i < r.size(); ++i) out.push_back(FromRow(r, i));
  return out;
}



}  // namespace ferry
