// SQLite adapter: the embedded default engine.
//
// Opens the file in WAL mode with a busy timeout, so readers never block the
// single writer and a second writer waits instead of failing at once.
// `sqlite:app.db?busy_timeout_ms=5000&journal_mode=wal` are honoured.
// A file that exists but is not a SQLite database is Corruption at Open().
#pragma once

#include <memory>

#include "db/database.h"

namespace ferry {

Result<std::unique_ptr<Database>> OpenSqliteDatabase(const DatabaseUrl& url, Env* env);

}  // namespace ferry
