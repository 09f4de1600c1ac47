#include "jobs/ingest/codec_schema.h"

#include <cstdio>

#include "ferry/migrator.h"

namespace ferry {

std::string CodecLedgerTable(const Codec& codec) {
  return "ferry_ingest_" + std::string(codec.name()) + "_migrations";
}

Result<bool> CodecTablesExist(Database* db, const Codec& codec) {
  for (const RecordTable& t : codec.Tables()) {
    FERRY_ASSIGN_OR_RETURN(bool exists, db->TableExists(t.name));
    if (!exists) return false;
  }
  return true;
}

Result<CodecSchemaResult> EnsureCodecSchema(Database* db, const std::string& database_url,
                                            const Codec& codec, Env* env) {
  FERRY_ASSIGN_OR_RETURN(std::vector<CodecMigration> migrations, codec.Migrations(db->dialect()));
  // Storage for the embedded files; lives until the Migrator is done.
  std::vector<std::string> names;
  std::vector<EmbeddedFile> files;
  names.reserve(migrations.size() * 2);
  for (const CodecMigration& m : migrations) {
    char version[32];
    std::snprintf(version, sizeof version, "%06lld", static_cast<long long>(m.version));
    names.push_back(std::string(version) + "_" + m.name + ".up.sql");
    names.push_back(std::string(version) + "_" + m.name + ".down.sql");
  }
  for (size_t i = 0; i < migrations.size(); ++i) {
    files.push_back({names[2 * i].c_str(), migrations[i].up_sql});
    files.push_back({names[2 * i + 1].c_str(), migrations[i].down_sql});
  }
  MigratorOptions mo;
  mo.database_url = database_url;
  mo.embedded = EmbeddedFileSet(files.data(), files.size());
  mo.ledger_table = CodecLedgerTable(codec);
  mo.env = env;
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<Migrator> migrator, Migrator::Open(mo));
  CodecSchemaResult result;
  FERRY_ASSIGN_OR_RETURN(StatusReport status, migrator->GetStatus());
  if (status.current_version.empty() && !migrations.empty()) {
    FERRY_ASSIGN_OR_RETURN(bool exists, CodecTablesExist(db, codec));
    if (exists) {
      const std::string first = names[0].substr(0, 6);
      FERRY_RETURN_IF_ERROR(migrator->Baseline(first).status());
      result.adopted.push_back(first + " " + migrations.front().name);
    }
  }
  FERRY_ASSIGN_OR_RETURN(std::vector<PlanStep> steps, migrator->Up());
  for (const PlanStep& s : steps) result.applied.push_back(s.version + " " + s.name);
  return result;
}

}  // namespace ferry
