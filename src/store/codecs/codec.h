// Codec: turns one stored object (key + bytes) into database rows.
//
// Ingest walks a blob store, hands each object to a Codec and writes the
// rows it returns. The codec knows the format and the tables; ingest knows
// batching, transactions, locks and deletion. A codec never touches the
// database itself: it returns rows and the SQL text ingest runs.
//
// The model
// - A Record is everything one logical item contributes to the database:
//   rows for several tables (a narinfo: 1 `narinfos` row, N
//   `narinfo_references` rows, M `narinfo_signatures` rows) plus its natural
//   key (the narinfo hash). The natural key decides idempotence: ingest asks
//   KeyExistsSql() before writing, and every table has a unique key
//   (RecordTable::conflict_columns) so a racing second writer inserts nothing
//   (`INSERT ... ON CONFLICT (...) DO NOTHING`, see InsertSql()).
// - Rows are positional: Record::rows[t][r] is row r for Tables()[t], its
//   values in RecordTable::columns order. Columns the database fills (a
//   surrogate id, created_at) are not listed. Each row names its record in
//   the table's key_column, one of two ways (RecordTable::key_source):
//   - KeySource::kRecordKey: the column holds Record::key (the parent table,
//     and child tables keyed by the natural key);
//   - KeySource::kParentId: a child table whose column holds the id the
//     database generated for the record's parent row (Tables()[0].id_column).
//     The codec leaves that value NULL; the writer reads the parent's id back
//     (INSERT ... RETURNING) and fills it in. Integer keys make the child
//     B-trees small and their inserts cheap (bench/RESULTS.md "Ingest").
// - Tables() is in insert order (parents first) and stays the same for the
//   life of the codec. Migrations(dialect) creates exactly those tables; ingest
//   applies them with ferry's migration ledger before the first write.
//
// Contract
// - Parse() is a pure function of (object_key, bytes): thread-safe, no I/O.
//   It appends one or more records to *out on success and leaves *out
//   unchanged on error, so a bad object is never half written.
// - Errors are InvalidArgument and name the object key and 1-based line:
//     store/narinfo/1/1a/1abc....narinfo:7: unknown key "Foo"
// - A Codec is immutable after construction; share one across threads.
//
// Adding a format (jsonl, csv, ...): write src/store/codecs/<name>_codec.cc
// with a class deriving from Codec and a factory `std::unique_ptr<Codec>
// New<Name>Codec()` (a header only if others need the class), then declare
// that factory and add its line to the table in codec_registry.cc. CMake
// picks up every *_codec.cc by itself (re-run cmake).
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "db/database.h"
#include "db/value.h"
#include "ferry/status.h"

namespace ferry {

using Row = std::vector<Value>;

struct Record {
  std::string key;                   // natural key, e.g. the narinfo hash
  std::vector<std::vector<Row>> rows;  // rows[t] belong to Codec::Tables()[t]
};

// How a table's rows name their record (see "The model" above).
enum class KeySource {
  kRecordKey,  // key_column holds Record::key
  kParentId,   // key_column holds the parent row's generated id (child tables only)
};

struct RecordTable {
  std::string name;                  // "narinfos"
  std::vector<std::string> columns;  // the columns Record rows fill, in order
  std::string key_column;            // names the record in every row ("hash", "narinfo_id")
  // A unique key of the table: ingest writes ON CONFLICT (these) DO NOTHING.
  // For the parent table it is {key_column}; for child tables e.g.
  // {"narinfo_id", "position"}.
  std::vector<std::string> conflict_columns;
  KeySource key_source = KeySource::kRecordKey;
  // Parent table only: the id column the database generates ("id"); needed
  // when a child table uses KeySource::kParentId.
  std::string id_column;
};

// One schema migration owned by a codec (applied through ferry's ledger).
struct CodecMigration {
  int64_t version = 0;   // 1, 2, ... ordered; never reused
  std::string name;      // "create_narinfo_tables"
  std::string up_sql;    // one or more statements separated by ';'
  std::string down_sql;  // undoes up_sql
};

class Codec {
 public:
  virtual ~Codec() = default;

  // The registry name: "narinfo".
  virtual std::string_view name() const = 0;

  // Whether ingest should parse this object at all (a Nix cache also holds
  // nar/ files and nix-cache-info). Objects not accepted are not counted.
  virtual bool Accepts(std::string_view object_key) const = 0;

  // Parses one object; see the contract above.
  virtual Status Parse(std::string_view object_key, std::string_view bytes,
                       std::vector<Record>* out) const = 0;

  // The tables records fill, parents first.
  virtual const std::vector<RecordTable>& Tables() const = 0;

  // Migrations creating Tables() for the dialect. InvalidArgument for a
  // dialect the codec has no DDL for.
  virtual Result<std::vector<CodecMigration>> Migrations(Dialect dialect) const = 0;

  // "SELECT 1 FROM <parent> WHERE <key_column> = $1": returns a row iff the
  // record with natural key $1 is already in the database.
  std::string KeyExistsSql() const;

  // "SELECT <columns> FROM <table> WHERE ..." for Tables()[table]: the rows
  // of the record with natural key $1 (through the parent's id for a
  // KeySource::kParentId table). What read-through reads back.
  std::string SelectRowsSql(size_t table) const;

  // True when some table keys on the parent's generated id (the writer must
  // read ids back).
  bool ChildrenUseParentId() const;

  // Convenience for one-record formats: exactly one record or an error.
  Result<Record> ParseOne(std::string_view object_key, std::string_view bytes) const;
};

// INSERT for `rows_per_statement` rows of Tables()[table] with parameters
// $1..$n, ignoring rows whose conflict_columns already exist. Same text for
// SQLite (>= 3.24) and PostgreSQL; MySQL would need INSERT IGNORE.
std::string InsertSql(const RecordTable& table, size_t rows_per_statement);

// The codec registered under `name` ("narinfo"); NotFound naming the known
// codecs otherwise.
Result<std::unique_ptr<Codec>> MakeCodec(std::string_view name);

// Names in the registry, for --help and error messages.
std::vector<std::string> CodecNames();

}  // namespace ferry
