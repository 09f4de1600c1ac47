// JSON shapes of the migration reports (--output json). Field names are a
// contract for scripts: add fields, never rename.
#pragma once

#include <nlohmann/json.hpp>

#include "ferry/migrator.h"

namespace ferry::cli {

nlohmann::json ToJson(const MigrationRow& r);
nlohmann::json ToJson(const StatusReport& r);
nlohmann::json ToJson(const PlanStep& s);
nlohmann::json ToJson(const std::vector<PlanStep>& steps);
nlohmann::json ToJson(const ValidationReport& r);
nlohmann::json ToJson(const CheckReport& r);

}  // namespace ferry::cli
