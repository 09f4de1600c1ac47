// NarInfoCodec: the "narinfo" format for ingest (see codec.h for the seam and
// narinfo.h for the parsing rules).
//
// Tables (Tables() order; the natural key is the narinfo hash):
//   narinfos            id, hash UNIQUE, store_path, url, compression,
//                       file_hash, file_size, nar_hash, nar_size, deriver,
//                       system, ca, created_at
//   narinfo_references  (narinfo_hash, position) PRIMARY KEY, reference
//   narinfo_signatures  (narinfo_hash, position) PRIMARY KEY, signature
// Child rows are keyed by the hash text, not narinfos.id: ingest can then
// insert (or COPY) all three tables in one pass without reading ids back, and
// a re-run's ON CONFLICT DO NOTHING makes every row idempotent. There is no
// foreign key (it would cost a lookup per child row during bulk loads);
// ingest writes a record's rows in one transaction, which keeps them whole.
// `position` is the 0-based order in the file, so RenderNarInfo can rebuild
// the text byte for byte.
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
