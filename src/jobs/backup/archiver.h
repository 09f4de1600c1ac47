// Archiver: how one engine makes and loads a consistent copy of a whole
// database. One implementation per engine, one file each
// (sqlite_archiver.cc, postgres_archiver.cc); archive.cc does the rest
// (manifest, tar, checksums, catalog) the same way for all.
//
// Adding an engine: a class deriving from Archiver in <engine>_archiver.cc
// and a line in MakeArchiver() (archive.cc).
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "db/database.h"
#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

using TableRows = std::map<std::string, int64_t>;

struct DumpResult {
  std::vector<std::string> files;  // names of the files written into the dump dir
  TableRows tables;                // row count per table, in the same snapshot as the copy
  std::string method;              // "sqlite3_backup", "pg_dump", ...
};

class Archiver {
 public:
  virtual ~Archiver() = default;

  // Writes a consistent copy of the database into the existing directory
  // `dir` (files created 0600). On error `dir` may hold partial files; the
  // caller removes the directory.
  virtual Result<DumpResult> Dump(const std::string& dir) = 0;

  // Replaces the live database's contents with the copy in `dir` (as Dump
  // wrote it), atomically for readers. Returns the row counts afterwards.
  virtual Result<TableRows> Restore(const std::string& dir) = 0;

  // Loads the copy in `dir` into a scratch database (never the live one),
  // returns its row counts, and removes the scratch database.
  virtual Result<TableRows> TestRestore(const std::string& dir) = 0;
};

// The archiver for `db`'s engine; NotFound for engines without one yet.
Result<std::unique_ptr<Archiver>> MakeArchiver(Database* db, Env* env, bool prefer_pg_dump);

std::unique_ptr<Archiver> NewSqliteArchiver(Database* db, Env* env);
// Unavailable when pg_dump/pg_restore are not on PATH.
Result<std::unique_ptr<Archiver>> NewPostgresArchiver(Database* db, Env* env);

}  // namespace ferry
