// Per-connection settings for ingest's writer connections.
//
// SQLite (one writer, WAL already on from the adapter):
//   - cache_size: the writer's page cache. The unique index on the parent
//     key and the child tables' primary keys take inserts in hash order, i.e.
//     all over their B-trees, so a bigger cache saves re-reads from the OS.
//     Measured at 100,000 files (bench/RESULTS.md "Ingest"): 32 MB gave no
//     CPU gain beyond the noise over 2 MB but +25 MB of peak RSS, against a
//     budget of 100 MB at 1,000,000 files; 8 MB keeps the B-trees' interior
//     pages resident at little cost.
//   - synchronous=NORMAL when the source is kept: in WAL mode a commit is then
//     not fsynced (a power cut may roll the last batches back; the objects
//     are still in the store and a re-run migrates them). With
//     --delete-source the default FULL stays: an object is deleted right after
//     its batch commits, so that commit must be on disk first.
// Other engines: nothing (PostgreSQL's durability is the server's business).
//
// Only for connections that write; the settings last for the connection.
#pragma once

#include "db/database.h"
#include "ferry/status.h"

namespace ferry {

enum class SourceAfterCommit { kKept, kDeleted };

inline constexpr int kSqliteCacheKiB = 8 * 1024;

Status TuneWriterConnection(Database* db, SourceAfterCommit source);

}  // namespace ferry
