#include "jobs/ingest/writer_tuning.h"

#include <string>

namespace ferry {

Status TuneWriterConnection(Database* db, SourceAfterCommit source) {
  if (db->dialect() != Dialect::kSqlite) return Status::OK();
  // Negative cache_size is in KiB (SQLite's convention).
  FERRY_RETURN_IF_ERROR(db->Exec("PRAGMA cache_size=-" + std::to_string(kSqliteCacheKiB))
                            .WithContext("tuning the writer connection"));
  if (source == SourceAfterCommit::kKept) {
    FERRY_RETURN_IF_ERROR(
        db->Exec("PRAGMA synchronous=NORMAL").WithContext("tuning the writer connection"));
  }
  return Status::OK();
}

}  // namespace ferry
