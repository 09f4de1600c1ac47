// Per-connection settings for ingest's writer connections.
//
// SQLite (one writer, WAL already on from the adapter):
//   - cache_size: the writer's page cache. The unique index on the parent
//     key and the child tables' primary keys take inserts in hash order, i.e.
//     all over their B-trees; with SQLite's default 2 MB cache most of those
//     pages are re-read from the OS for every batch. kSqliteCacheKiB keeps the
//     hot interior and leaf pages resident while peak RSS stays well under
//     100 MB (bench/ingest).
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

inline constexpr int kSqliteCacheKiB = 32 * 1024;

Status TuneWriterConnection(Database* db, SourceAfterCommit source);

}  // namespace ferry
