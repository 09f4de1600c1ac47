#include "jobs/reshape/reshape_plan.h"

#include <toml++/toml.h>

#include "util/sha256.h"

namespace ferry {
namespace {

Status PlanError(const std::string& path, const toml::node* node, const std::string& what) {
  if (node != nullptr && node->source().begin.line > 0)
    return InvalidArgument(path + ":" + std::to_string(node->source().begin.line) + ": " + what);
  return InvalidArgument(path + ": " + what);
}

Status GetString(const toml::table& t, const std::string& path, const char* key, bool required,
                 std::string* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) {
    if (required) return PlanError(path, nullptr, std::string("missing required key \"") + key + "\"");
    return Status::OK();
  }
  auto v = n->value<std::string>();
  if (!v) return PlanError(path, n, std::string("\"") + key + "\" must be a string");
  *out = *v;
  return Status::OK();
}

Status GetStringList(const toml::table& t, const std::string& path, const char* key,
                     std::vector<std::string>* out) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return Status::OK();
  if (auto s = n->value<std::string>()) {
    out->push_back(*s);
    return Status::OK();
  }
  const toml::array* a = n->as_array();
  if (a == nullptr) return PlanError(path, n, std::string("\"") + key + "\" must be a list of strings");
  for (const toml::node& e : *a) {
    auto s = e.value<std::string>();
    if (!s) return PlanError(path, &e, std::string("\"") + key + "\" must be a list of strings");
    out->push_back(*s);
  }
  return Status::OK();
}

}  // namespace

std::string_view PartitionMethodName(PartitionMethod m) {
  switch (m) {
    case PartitionMethod::kList: return "list";
    case PartitionMethod::kHash: return "hash";
    case PartitionMethod::kNone: break;
  }
  return "none";
}

Result<ReshapePlan> ParseReshapePlan(const std::string& text, const std::string& path) {
  toml::table t;
  try {
    t = toml::parse(text, path);
  } catch (const toml::parse_error& e) {
    return InvalidArgument(path + ":" + std::to_string(e.source().begin.line) + ": " +
                           std::string(e.description()));
  }
  static const char* kKnown[] = {"name",    "table",       "key",     "new_table",
                                 "ddl",     "select",      "indexes", "constraints",
                                 "check",   "batch_size",  "partitions"};
  for (const auto& [k, node] : t) {
    bool known = false;
    for (const char* kn : kKnown) known = known || k.str() == kn;
    if (!known) return PlanError(path, &node, "unknown key \"" + std::string(k.str()) + "\"");
  }
  ReshapePlan p;
  p.path = path;
  p.checksum = Sha256Hex(text);
  FERRY_RETURN_IF_ERROR(GetString(t, path, "table", true, &p.table));
  FERRY_RETURN_IF_ERROR(GetString(t, path, "name", false, &p.name));
  if (p.name.empty()) p.name = p.table;
  FERRY_RETURN_IF_ERROR(GetString(t, path, "new_table", false, &p.new_table));
  if (p.new_table.empty()) p.new_table = p.table + "_reshape_new";
  FERRY_RETURN_IF_ERROR(GetStringList(t, path, "key", &p.key));
  if (p.key.empty()) return PlanError(path, t.get("key"), "missing required key \"key\" (the unique key column(s))");
  FERRY_RETURN_IF_ERROR(GetString(t, path, "ddl", true, &p.ddl));
  if (p.ddl.find("{new}") == std::string::npos)
    return PlanError(path, t.get("ddl"), "\"ddl\" must name the new table as {new}");
  FERRY_RETURN_IF_ERROR(GetString(t, path, "select", true, &p.select));
  FERRY_RETURN_IF_ERROR(GetStringList(t, path, "indexes", &p.indexes));
  FERRY_RETURN_IF_ERROR(GetStringList(t, path, "constraints", &p.constraints));
  if (const toml::node* n = t.get("batch_size")) {
    auto v = n->value<int64_t>();
    if (!v || *v <= 0) return PlanError(path, n, "\"batch_size\" must be a positive integer");
    p.batch_size = *v;
  }
  if (const toml::node* n = t.get("partitions")) {
    const toml::table* pt = n->as_table();
    if (pt == nullptr) return PlanError(path, n, "\"partitions\" must be a table");
    const toml::node* c = pt->get("count");
    auto count = c ? c->value<int64_t>() : std::nullopt;
    if (!count || *count <= 0 || *count > 10000)
      return PlanError(path, c ? c : n, "partitions.count must be an integer in 1..10000");
    p.partition_count = static_cast<int>(*count);
    FERRY_RETURN_IF_ERROR(GetString(*pt, path, "column", true, &p.partition_column));
    std::string method = "list";
    FERRY_RETURN_IF_ERROR(GetString(*pt, path, "method", false, &method));
    for (char& ch : method) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
    if (method == "list") {
      p.partition_method = PartitionMethod::kList;
    } else if (method == "hash") {
      p.partition_method = PartitionMethod::kHash;
    } else {
      return PlanError(path, pt->get("method"), "partitions.method must be \"list\" or \"hash\"");
    }
    if (const toml::node* a = pt->get("allow_empty")) p.allow_empty_partitions = a->value_or(false);
  }
  if (const toml::node* n = t.get("check")) {
    const toml::array* a = n->as_array();
    if (a == nullptr) return PlanError(path, n, "\"check\" must be an array of tables ([[check]])");
    for (const toml::node& e : *a) {
      const toml::table* ct = e.as_table();
      if (ct == nullptr) return PlanError(path, &e, "each [[check]] must be a table");
      ReshapeCheck c;
      FERRY_RETURN_IF_ERROR(GetString(*ct, path, "sql", true, &c.sql));
      FERRY_RETURN_IF_ERROR(GetString(*ct, path, "name", false, &c.name));
      if (c.name.empty()) c.name = c.sql;
      if (c.sql.find("{table}") == std::string::npos)
        return PlanError(path, ct->get("sql"), "check \"" + c.name + "\" must name the table as {table}");
      p.checks.push_back(std::move(c));
    }
  }
  return p;
}

}  // namespace ferry
