// The narinfo codec's migration 2 on a database that migration 1 filled:
// shared by the SQLite unit test and the PostgreSQL integration test.
//
// NarInfoV1Codec is the codec as it was at migration 1 (child tables keyed by
// the hash text, KeySource::kRecordKey): RecordWriter fills a database with
// it exactly as an older ferry did. Then the current codec's schema step must
// upgrade the tables in place, keep every row, and the data must read back as
// the same narinfos.
#pragma once

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/ingest/codec_schema.h"
#include "jobs/ingest/record_writer.h"
#include "store/codecs/narinfo_codec.h"
#include "store/codecs/narinfo_generator.h"

namespace ferry::testing {

class NarInfoV1Codec : public NarInfoCodec {
 public:
  NarInfoV1Codec() {
    tables_ = NarInfoCodec::Tables();
    for (size_t t = 1; t < tables_.size(); ++t) {
      RecordTable& table = tables_[t];
      table.columns[0] = "narinfo_hash";
      table.key_column = "narinfo_hash";
      table.conflict_columns = {"narinfo_hash", "position"};
      table.key_source = KeySource::kRecordKey;
    }
  }
  const std::vector<RecordTable>& Tables() const override { return tables_; }
  Result<std::vector<CodecMigration>> Migrations(Dialect dialect) const override {
    FERRY_ASSIGN_OR_RETURN(std::vector<CodecMigration> all, NarInfoCodec::Migrations(dialect));
    all.resize(1);
    return all;
  }
  Status Parse(std::string_view object_key, std::string_view bytes,
               std::vector<Record>* out) const override {
    size_t first = out->size();
    FERRY_RETURN_IF_ERROR(NarInfoCodec::Parse(object_key, bytes, out));
    for (size_t i = first; i < out->size(); ++i) {
      Record& r = (*out)[i];
      for (size_t t = 1; t < r.rows.size(); ++t) {
        for (Row& row : r.rows[t]) row[0] = Value(r.key);
      }
    }
    return Status::OK();
  }

 private:
  std::vector<RecordTable> tables_;
};

// Writes narinfos of seeds [0, n) through the migration-1 codec.
inline void FillAtMigration1(const std::string& db_url, int n) {
  NarInfoV1Codec v1;
  auto db = OpenDatabase(db_url, Env::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  auto schema = EnsureCodecSchema(db->get(), db_url, v1, Env::Default());
  ASSERT_TRUE(schema.ok()) << schema.status().ToString();
  ASSERT_EQ(schema->applied.size(), 1u);
  std::vector<std::vector<Record>> objects(n);
  std::vector<std::vector<Record>*> batch;
  for (int i = 0; i < n; ++i) {
    NarInfo info = GenerateNarInfo(static_cast<uint64_t>(i));
    ASSERT_TRUE(v1.Parse(NarInfoObjectKey(info.hash), GenerateNarInfoText(i), &objects[i]).ok());
    batch.push_back(&objects[i]);
  }
  RecordWriter writer(db->get(), &v1);
  std::vector<WriteOutcome> outcomes;
  std::vector<Status> errors;
  ASSERT_TRUE(writer.WriteBatch(batch, &outcomes, &errors).ok());
  for (WriteOutcome o : outcomes) ASSERT_EQ(o, WriteOutcome::kInserted);
  auto hashed = (*db)->Query("SELECT COUNT(*) FROM narinfo_references WHERE narinfo_hash IS NOT NULL", {});
  ASSERT_TRUE(hashed.ok()) << hashed.status().ToString();
}

// Every narinfo of seeds [0, n) reads back through the current codec's
// SelectRowsSql and FromRecord exactly as generated.
inline void ExpectNarInfosReadBack(const std::string& db_url, int n) {
  NarInfoCodec codec;
  auto db = OpenDatabase(db_url, Env::Default());
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  int64_t refs = 0, sigs = 0;
  for (int i = 0; i < n; ++i) {
    NarInfo want = GenerateNarInfo(static_cast<uint64_t>(i));
    refs += static_cast<int64_t>(want.references.size());
    sigs += static_cast<int64_t>(want.signatures.size());
    Record r;
    r.key = want.hash;
    r.rows.resize(codec.Tables().size());
    for (size_t t = 0; t < codec.Tables().size(); ++t) {
      auto rows = (*db)->Query(codec.SelectRowsSql(t), {Value(want.hash)});
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      r.rows[t] = std::move(rows->rows);
    }
    Result<NarInfo> got = NarInfoCodec::FromRecord(r);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(*got, want) << "seed " << i;
  }
  auto count = [&](const char* sql) {
    auto rows = (*db)->Query(sql, {});
    EXPECT_TRUE(rows.ok()) << rows.status().ToString();
    return rows.ok() ? rows->GetInt(0, 0).value_or(-1) : -1;
  };
  EXPECT_EQ(count("SELECT COUNT(*) FROM narinfos"), n);
  EXPECT_EQ(count("SELECT COUNT(*) FROM narinfo_references"), refs);
  EXPECT_EQ(count("SELECT COUNT(*) FROM narinfo_signatures"), sigs);
  // Every child row names an existing parent by id.
  EXPECT_EQ(count("SELECT COUNT(*) FROM narinfo_references r LEFT JOIN narinfos n ON n.id = "
                  "r.narinfo_id WHERE n.id IS NULL"),
            0);
  EXPECT_EQ(count("SELECT COUNT(*) FROM narinfo_signatures s LEFT JOIN narinfos n ON n.id = "
                  "s.narinfo_id WHERE n.id IS NULL"),
            0);
  // The hash column is gone.
  EXPECT_FALSE((*db)->Query("SELECT narinfo_hash FROM narinfo_references", {}).ok());
}

}  // namespace ferry::testing
