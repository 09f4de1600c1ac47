// Shared by the reshape integration and crash tests: a `chunks` table on
// SQLite (temp file) or PostgreSQL (scratch database), the example plans,
// a writer that inserts/updates/deletes at full speed, and the row-for-row
// comparison of the reshaped table with the kept old table.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <thread>

#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"
#include "integration/servers.h"
#include "jobs/reshape/reshape.h"

namespace ferry::testing {

inline std::string ReadExample(const std::string& name) {
  std::ifstream in(std::string(FERRY_SOURCE_DIR) + "/examples/reshape/" + name);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

inline std::string WithBatch(std::string text, int batch) {
  auto pos = text.find("batch_size = 10000");
  if (pos != std::string::npos) text.replace(pos, 18, "batch_size = " + std::to_string(batch));
  return text;
}

struct Target {
  std::string url;
  std::unique_ptr<PgScratchDatabase> scratch;
  bool pg = false;
  std::string plan_text;
};

// Creates chunks with `rows` rows over `collections` collections.
inline Status FillChunks(Database* db, bool pg, int rows, int collections) {
  FERRY_RETURN_IF_ERROR(db->Exec(
      pg ? "CREATE TABLE chunks (id bigserial PRIMARY KEY, collection_id bigint NOT NULL,"
           " document_id bigint NOT NULL, chunk_index integer NOT NULL, content text NOT NULL,"
           " created_at timestamptz NOT NULL DEFAULT now())"
         : "CREATE TABLE chunks (id INTEGER PRIMARY KEY, collection_id INTEGER NOT NULL,"
           " document_id INTEGER NOT NULL, chunk_index INTEGER NOT NULL, content TEXT NOT NULL)"));
  if (rows == 0) return Status::OK();
  if (pg)
    return db->Exec("INSERT INTO chunks (collection_id, document_id, chunk_index, content)"
                    " SELECT g % " + std::to_string(collections) + ", g / 10, g % 10, repeat(md5(g::text), 4)"
                    " FROM generate_series(1, " + std::to_string(rows) + ") g");
  return db->Exec("WITH RECURSIVE g(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM g WHERE x < " +
                  std::to_string(rows) + ") INSERT INTO chunks (collection_id, document_id,"
                  " chunk_index, content) SELECT x % " + std::to_string(collections) +
                  ", x / 10, x % 10, hex(randomblob(64)) FROM g");
}

// Writes until `stop`: 50% insert, 30% update (content and collection), 20% delete.
inline void Writer(std::string url, std::atomic<bool>* stop, std::atomic<int64_t>* ops,
                   std::atomic<int64_t>* errors, uint64_t seed) {
  auto db = OpenDatabase(url, Env::Default());
  if (!db.ok()) {
    ++*errors;
    return;
  }
  std::mt19937_64 rng(seed);
  while (!stop->load()) {
    int op = static_cast<int>(rng() % 10);
    int64_t id = 1 + static_cast<int64_t>(rng() % 20000);
    int64_t coll = static_cast<int64_t>(rng() % 500);
    Result<int64_t> r = int64_t{0};
    if (op < 5) {
      r = (*db)->Execute("INSERT INTO chunks (collection_id, document_id, chunk_index, content)"
                         " VALUES ($1, $2, 0, $3)",
                         {coll, id, std::string("w") + std::to_string(rng())});
    } else if (op < 8) {
      r = (*db)->Execute("UPDATE chunks SET content = $1, collection_id = $2 WHERE id = $3",
                         {std::string("u") + std::to_string(rng()), coll, id});
    } else {
      r = (*db)->Execute("DELETE FROM chunks WHERE id = $1", {id});
    }
    if (r.ok()) ++*ops; else ++*errors;
  }
}

inline std::string MappedOldSql(bool pg, const std::string& old) {
  return pg ? "SELECT id, collection_id, document_id, chunk_index, content, created_at::text,"
              " abs(hashtext(collection_id::text)) % 100 FROM \"" + old + "\" ORDER BY id"
            : "SELECT id, collection_id, document_id, chunk_index, content, length(content),"
              " collection_id % 100 FROM \"" + old + "\" ORDER BY id";
}
inline std::string NewSql(bool pg) {
  return pg ? "SELECT id, collection_id, document_id, chunk_index, content, created_at::text,"
              " partition_key FROM chunks ORDER BY id"
            : "SELECT id, collection_id, document_id, chunk_index, content, content_len, shard"
              " FROM chunks ORDER BY id";
}

// Row for row: the live (reshaped) table equals the mapped kept old table.
inline void ExpectSameRows(Database* db, bool pg, const std::string& old) {
  auto a = db->Query(MappedOldSql(pg, old), {});
  auto b = db->Query(NewSql(pg), {});
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_TRUE(b.ok()) << b.status().ToString();
  ASSERT_EQ(a->size(), b->size());
  for (size_t i = 0; i < a->size(); ++i)
    ASSERT_EQ(a->rows[i], b->rows[i]) << "row " << i << " id " << ValueToDisplay(a->rows[i][0]);
}

}  // namespace ferry::testing
