// NarInfoCodec: the "narinfo" format for ingest (see codec.h for the seam and
// narinfo.h for the parsing rules).
//
// Tables (Tables() order; the natural key is the narinfo hash):
//   narinfos            id, hash UNIQUE, store_path, url, compression,
//                       file_hash, file_size, nar_hash, nar_size, deriver,
//                       system, ca, created_at
//   narinfo_references  (narinfo_id, position) PRIMARY KEY, reference
//   narinfo_signatures  (narinfo_id, position) PRIMARY KEY, signature
// Child rows are keyed by narinfos.id (KeySource::kParentId): the writer
// inserts a batch's narinfos with RETURNING hash, id and fills the ids into
// the child rows. Integer keys keep the child B-trees small: the raw load of
// the same rows took about half the CPU of hash-text keys
// (bench/RESULTS.md "Ingest"). There is no declared foreign key (it would
// cost a lookup per child row during bulk loads); ingest writes a record's
// rows in one transaction, which keeps them whole, and a re-run's
// ON CONFLICT DO NOTHING keeps every row idempotent.
// `position` is the 0-based order in the file, so RenderNarInfo can rebuild
// the text byte for byte.
//
// Migrations: 1 created the child tables keyed by narinfo_hash (TEXT);
// 2 rebuilds them keyed by narinfo_id, copying every row through a join on
// the hash (a database at version 1 keeps its data). Released migrations
// never change (the ledger checks their checksums).
#pragma once

#include <string_view>
#include <vector>

#include "store/codecs/codec.h"
#include "store/codecs/narinfo.h"

namespace ferry {

class NarInfoCodec : public Codec {
 public:
  // Table indexes in Tables() and Record::rows.
  static constexpr size_t kNarInfosTable = 0;
  static constexpr size_t kReferencesTable = 1;
  static constexpr size_t kSignaturesTable = 2;

  NarInfoCodec();

  std::string_view name() const override { return "narinfo"; }
  // Keys ending in ".narinfo".
  bool Accepts(std::string_view object_key) const override;
  Status Parse(std::string_view object_key, std::string_view bytes,
               std::vector<Record>* out) const override;
  const std::vector<RecordTable>& Tables() const override { return tables_; }
  Result<std::vector<CodecMigration>> Migrations(Dialect dialect) const override;

  // NarInfo <-> Record. NarInfoFromRecord accepts rows in any order (they
  // are sorted by position) and checks the shape: InvalidArgument naming the
  // record key if it is not one narinfo.
  // ToRecord moves the strings out of `info` (pass a copy to keep it).
  static Record ToRecord(NarInfo info);
  static Result<NarInfo> FromRecord(const Record& record);
  // The narinfo text of a record (for the read-through server).
  static Result<std::string> RenderRecord(const Record& record);

 private:
  std::vector<RecordTable> tables_;
};

}  // namespace ferry
