// Database: the seam every engine adapter implements.
//
// Adapters stay dumb: they run SQL, bind parameters, report what the engine
// can do, and quote names. The protocols (lock, plan, mark, apply, record)
// live once in src/core/ and src/jobs/.
//
// Contract
// - One Database is one connection/session. Not thread-safe: use one per
//   thread (Open() another for each worker).
// - Parameters are written `$1`, `$2`, ... in SQL passed to Execute/Query/
//   Prepare, whatever the engine's native spelling; adapters translate.
// - Errors come back as Status with the engine's message, prefixed by the
//   engine name ("postgres: relation \"users\" does not exist"), with secrets
//   redacted. A statement error is ExecutionFailed; a lost or refused
//   connection is Unavailable; a file that is not a database is Corruption.
// - Library exceptions never cross this seam.
//
// Adding an engine: a folder src/db/<engine>/ with a class deriving from
// Database, a line in src/db/registry.cc, a CMake option(), and a run of the
// conformance suite in tests/conformance/database/database_conformance_test.cc.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/database_url.h"
#include "db/value.h"
#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

// Which SQL dialect the statement splitter and DDL helpers should speak.
enum class Dialect { kSqlite, kPostgres, kMysql, kDuckdb };

struct Capabilities {
  bool transactional_ddl = false;  // DDL inside BEGIN..ROLLBACK is undone
  bool single_writer = false;      // one writer at a time (SQLite): serialize writes
  bool advisory_locks = false;     // pg_advisory_lock and friends
  bool finite_doubles_only = false;  // DOUBLE cannot hold NaN/±inf (MySQL): binding one is an error
};

// A compiled statement, reusable with new parameters. Owned by the caller;
// must be destroyed before the Database that made it.
class PreparedStatement {
 public:
  virtual ~PreparedStatement() = default;
  // Runs with params bound to $1..$n; returns rows affected.
  virtual Result<int64_t> Execute(const std::vector<Value>& params) = 0;
  virtual Result<Rows> Query(const std::vector<Value>& params) = 0;
};

class Database {
 public:
  virtual ~Database() = default;

  virtual const DatabaseUrl& url() const = 0;
  virtual std::string_view engine() const = 0;  // "sqlite", "postgres", ...
  virtual Dialect dialect() const = 0;
  virtual Capabilities capabilities() const = 0;

  // Runs one statement without parameters (DDL, migration statements).
  virtual Status Exec(std::string_view sql) = 0;
  // Runs one statement with parameters; returns rows affected.
  virtual Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& params) = 0;
  virtual Result<Rows> Query(std::string_view sql, const std::vector<Value>& params) = 0;
  virtual Result<std::unique_ptr<PreparedStatement>> Prepare(std::string_view sql) = 0;

  // Transactions. Begin() takes the engine's write lock up front where the
  // engine has one (SQLite BEGIN IMMEDIATE), so a transaction never fails
  // half-way on a lock upgrade. Prefer the Transaction guard (transaction.h).
  virtual Status Begin() = 0;
  virtual Status Commit() = 0;
  virtual Status Rollback() = 0;
  virtual bool InTransaction() const = 0;

  // Quotes an identifier so any name (spaces, quotes, keywords) is safe.
  virtual std::string QuoteIdentifier(std::string_view name) const = 0;
  virtual Result<bool> TableExists(std::string_view table) = 0;
};

// Opens a database by URL; the scheme picks the adapter (src/db/registry.cc).
// NotFound for an unknown scheme (naming the schemes built in).
Result<std::unique_ptr<Database>> OpenDatabase(const DatabaseUrl& url, Env* env);
Result<std::unique_ptr<Database>> OpenDatabase(const std::string& url, Env* env);

// The schemes compiled into this binary, e.g. {"postgres", "sqlite"}.
std::vector<std::string> DatabaseSchemes();

}  // namespace ferry
