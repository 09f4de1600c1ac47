// Builds a Migrator from parts instead of a URL, for tests that wrap the
// database in a fault injector and for jobs that already hold a connection.
#pragma once

#include <memory>

#include "core/migration_source.h"
#include "db/database.h"
#include "ferry/migrator.h"

namespace ferry {

Result<std::unique_ptr<Migrator>> NewMigrator(const MigratorOptions& options,
                                              std::unique_ptr<Database> db,
                                              std::unique_ptr<MigrationSource> source);

}  // namespace ferry
