// Creates a codec's tables with ferry's own Migrator, in a ledger of their
// own.
//
// The application's `ferry_schema_migrations` belongs to the user's
// migrations folder, so a codec's migrations (Codec::Migrations) are kept in
// `ferry_ingest_<codec>_migrations` (MigratorOptions::ledger_table). They are
// handed to the Migrator as embedded golang-migrate style files
// (000001_create_narinfo_tables.up.sql / .down.sql), so they get every
// guarantee of `ferry up`: one runner at a time (lock file beside a SQLite
// database, advisory lock on PostgreSQL) with the ledger re-read once the
// lock is held, intent recorded before the DDL runs, checksums.
//
// Adoption: when the ledger is empty but every table of the codec already
// exists (created by ncps itself, or by hand), the Migrator is baselined at
// the first version instead of failing on CREATE TABLE; *adopted says so.
#pragma once

#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"
#include "store/codecs/codec.h"

namespace ferry {

struct CodecSchemaResult {
  std::vector<std::string> applied;  // "1 create_narinfo_tables"
  std::vector<std::string> adopted;  // versions recorded without running
};

// The ledger table of a codec: "ferry_ingest_narinfo_migrations".
std::string CodecLedgerTable(const Codec& codec);

// Applies the codec's pending migrations to the database at `database_url`;
// `db` (a connection to the same database) is only read, to detect adoption.
Result<CodecSchemaResult> EnsureCodecSchema(Database* db, const std::string& database_url,
                                            const Codec& codec, Env* env);

// True when every table of the codec exists (for --dry-run, which creates
// nothing).
Result<bool> CodecTablesExist(Database* db, const Codec& codec);

}  // namespace ferry
