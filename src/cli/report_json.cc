#include "cli/report_json.h"

namespace ferry::cli {

nlohmann::json ToJson(const MigrationRow& r) {
  nlohmann::json j = {{"version", r.version},
                      {"name", r.name},
                      {"state", r.state},
                      {"checksum", r.checksum},
                      {"file_present", r.file_present}};
  if (!r.applied_at.empty()) j["applied_at"] = r.applied_at;
  if (!r.tx_mode.empty()) j["tx_mode"] = r.tx_mode;
  if (r.duration_seconds > 0) j["duration_seconds"] = r.duration_seconds;
  if (!r.error.empty()) j["error"] = r.error;
  if (!r.backup.empty()) j["backup"] = r.backup;
  return j;
}

nlohmann::json ToJson(const StatusReport& r) {
  nlohmann::json rows = nlohmann::json::array();
  for (const auto& m : r.migrations) rows.push_back(ToJson(m));
  nlohmann::json j = {{"database", r.database},
                      {"migrations_source", r.source},
                      {"format", r.format},
                      {"current_version", r.current_version},
                      {"latest_version", r.latest_version},
                      {"applied", r.applied},
                      {"pending", r.pending},
                      {"migrations", rows},
                      {"warnings", r.warnings}};
  j["failed"] = r.failed ? ToJson(*r.failed) : nlohmann::json(nullptr);
  return j;
}

nlohmann::json ToJson(const PlanStep& s) {
  return {{"version", s.version},
          {"name", s.name},
          {"direction", s.direction},
          {"path", s.path},
          {"transaction", std::string(TxModeName(s.tx_mode))},
          {"transaction_reason", s.tx_reason},
          {"statements", s.statements}};
}

nlohmann::json ToJson(const std::vector<PlanStep>& steps) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& s : steps) arr.push_back(ToJson(s));
  return arr;
}

nlohmann::json ToJson(const ValidationReport& r) {
  nlohmann::json problems = nlohmann::json::array();
  for (const auto& p : r.problems)
    problems.push_back({{"kind", p.kind}, {"version", p.version}, {"message", p.message}});
  return {{"ok", r.ok()}, {"problems", problems}, {"warnings", r.warnings}};
}

nlohmann::json ToJson(const CheckReport& r) {
  const char* state = "up_to_date";
  switch (r.state) {
    case CheckReport::State::kUpToDate:
      state = "up_to_date";
      break;
    case CheckReport::State::kPending:
      state = "pending";
      break;
    case CheckReport::State::kTooNew:
      state = "schema_too_new";
      break;
    case CheckReport::State::kFailed:
      state = "needs_repair";
      break;
  }
  return {{"state", state},
          {"current_version", r.current_version},
          {"latest_version", r.latest_version},
          {"pending", r.pending},
          {"message", r.message}};
}

}  // namespace ferry::cli
