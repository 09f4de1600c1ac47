// The codec seam through the registry: records, tables, migrations and the
// SQL it hands ingest, run against a real in-memory SQLite database.
#include <gtest/gtest.h>

#include "db/database.h"
#include "store/codecs/codec.h"
#include "store/codecs/narinfo_codec.h"
#include "store/codecs/narinfo_generator.h"
#include "util/strings.h"

namespace ferry {
namespace {

std::unique_ptr<Codec> Narinfo() {
  Result<std::unique_ptr<Codec>> c = MakeCodec("narinfo");
  EXPECT_TRUE(c.ok()) << c.status().ToString();
  return std::move(c).value();
}

TEST(CodecRegistry, KnowsNarinfoAndNamesItOnUnknown) {
  EXPECT_EQ(Narinfo()->name(), "narinfo");
  Result<std::unique_ptr<Codec>> bad = MakeCodec("jsonl");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), Code::kNotFound);
  EXPECT_NE(bad.status().message().find("known: narinfo"), std::string::npos);
  EXPECT_EQ(CodecNames(), std::vector<std::string>{"narinfo"});
}

TEST(NarInfoCodec, AcceptsOnlyNarinfoKeys) {
  auto c = Narinfo();
  EXPECT_TRUE(c->Accepts("store/narinfo/a/ab/abc.narinfo"));
  EXPECT_FALSE(c->Accepts("store/nar/abc.nar.xz"));
  EXPECT_FALSE(c->Accepts("nix-cache-info"));
}

TEST(NarInfoCodec, RecordShape) {
  auto c = Narinfo();
  NarInfo n = GenerateNarInfo(7);
  Result<Record> r = c->ParseOne(NarInfoObjectKey(n.hash), RenderNarInfo(n));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->key, n.hash);
  ASSERT_EQ(r->rows.size(), c->Tables().size());
  ASSERT_EQ(r->rows[0].size(), 1u);
  for (size_t t = 0; t < c->Tables().size(); ++t) {
    const RecordTable& table = c->Tables()[t];
    size_t key_col = static_cast<size_t>(
        std::find(table.columns.begin(), table.columns.end(), table.key_column) - table.columns.begin());
    ASSERT_LT(key_col, table.columns.size()) << table.name;
    for (const Row& row : r->rows[t]) {
      ASSERT_EQ(row.size(), table.columns.size()) << table.name;
      if (table.key_source == KeySource::kRecordKey) {
        EXPECT_EQ(std::get<std::string>(row[key_col]), n.hash) << table.name;
      } else {
        // The writer fills in the parent's generated id.
        EXPECT_TRUE(IsNull(row[key_col])) << table.name;
      }
    }
  }
  EXPECT_EQ(c->Tables()[0].id_column, "id");
  EXPECT_TRUE(c->ChildrenUseParentId());
  EXPECT_EQ(c->Tables()[1].key_source, KeySource::kParentId);
  EXPECT_EQ(c->SelectRowsSql(1),
            "SELECT narinfo_id, position, reference FROM narinfo_references WHERE narinfo_id = "
            "(SELECT id FROM narinfos WHERE hash = $1)");
  EXPECT_EQ(r->rows[1].size(), n.references.size());
  EXPECT_EQ(r->rows[2].size(), n.signatures.size());
  EXPECT_EQ(c->KeyExistsSql(), "SELECT 1 FROM narinfos WHERE hash = $1");
}

TEST(NarInfoCodec, ErrorLeavesOutputUntouched) {
  auto c = Narinfo();
  std::vector<Record> out(1);
  out[0].key = "earlier";
  Status st = c->Parse("k.narinfo", "StorePath: /nix/store/x\n", &out);
  EXPECT_EQ(st.code(), Code::kInvalidArgument);
  EXPECT_TRUE(StartsWith(st.message(), "k.narinfo:1: ")) << st.message();
  ASSERT_EQ(out.size(), 1u);
  EXPECT_EQ(out[0].key, "earlier");
}

TEST(NarInfoCodec, FromRecordRejectsWrongShapes) {
  Record r;
  r.key = "abc";
  EXPECT_EQ(NarInfoCodec::FromRecord(r).status().code(), Code::kInvalidArgument);
  r = NarInfoCodec::ToRecord(GenerateNarInfo(1));
  r.rows[1].push_back(Row{Value(r.key)});
  EXPECT_EQ(NarInfoCodec::FromRecord(r).status().code(), Code::kInvalidArgument);
}

TEST(NarInfoCodec, MigrationsOnlyForKnownDialects) {
  auto c = Narinfo();
  EXPECT_TRUE(c->Migrations(Dialect::kPostgres).ok());
  EXPECT_EQ(c->Migrations(Dialect::kMysql).status().code(), Code::kInvalidArgument);
}

TEST(InsertSql, MultiRowWithConflictClause) {
  RecordTable t{"t", {"a", "b"}, "a", {"a"}};
  EXPECT_EQ(InsertSql(t, 2),
            "INSERT INTO t (a, b) VALUES ($1, $2), ($3, $4) ON CONFLICT (a) DO NOTHING");
}

// Statements of a codec migration (no ';' inside our DDL strings).
std::vector<std::string> Statements(const std::string& sql) {
  std::vector<std::string> out;
  for (const std::string& s : Split(sql, ';')) {
    if (!TrimView(s).empty()) out.push_back(s);
  }
  return out;
}

class NarInfoSqliteTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto db = OpenDatabase("sqlite::memory:", Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    db_ = std::move(db).value();
    auto migrations = codec_->Migrations(db_->dialect());
    ASSERT_TRUE(migrations.ok());
    migrations_ = migrations.value();
    for (const CodecMigration& m : migrations_) {
      for (const std::string& s : Statements(m.up_sql)) ASSERT_TRUE(db_->Exec(s).ok()) << s;
    }
  }

  // Inserts the record's rows the way RecordWriter does (children only when
  // the parent row is new, with its generated id); returns the rows the
  // database took.
  int64_t Insert(const Record& r) {
    auto parent = db_->Query(InsertSql(codec_->Tables()[0], 1) + " RETURNING id", r.rows[0][0]);
    EXPECT_TRUE(parent.ok()) << parent.status().ToString();
    if (!parent.ok() || parent->empty()) return 0;
    const int64_t id = *parent->GetInt(0, 0);
    int64_t added = 1;
    for (size_t t = 1; t < r.rows.size(); ++t) {
      for (Row row : r.rows[t]) {
        row[0] = Value(id);
        auto n = db_->Execute(InsertSql(codec_->Tables()[t], 1), row);
        EXPECT_TRUE(n.ok()) << n.status().ToString();
        added += n.ok() ? n.value() : 0;
      }
    }
    return added;
  }

  std::unique_ptr<Codec> codec_ = Narinfo();
  std::unique_ptr<Database> db_;
  std::vector<CodecMigration> migrations_;
};

TEST_F(NarInfoSqliteTest, InsertIsIdempotentAndReadsBack) {
  NarInfo n = GenerateNarInfo(42);
  Result<Record> r = codec_->ParseOne(NarInfoObjectKey(n.hash), RenderNarInfo(n));
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(db_->Query(codec_->KeyExistsSql(), {Value(n.hash)})->empty());
  int64_t rows = static_cast<int64_t>(1 + n.references.size() + n.signatures.size());
  EXPECT_EQ(Insert(*r), rows);
  EXPECT_EQ(Insert(*r), 0);  // second run adds nothing
  EXPECT_EQ(db_->Query(codec_->KeyExistsSql(), {Value(n.hash)})->size(), 1u);

  // Read the record back the way the read-through server will.
  Record back;
  back.key = n.hash;
  back.rows.resize(3);
  for (size_t t = 0; t < 3; ++t) {
    Result<Rows> got = db_->Query(codec_->SelectRowsSql(t), {Value(n.hash)});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    back.rows[t] = got->rows;
  }
  Result<std::string> text = NarInfoCodec::RenderRecord(back);
  ASSERT_TRUE(text.ok()) << text.status().ToString();
  EXPECT_EQ(*text, RenderNarInfo(n));
  auto created = db_->Query("SELECT created_at FROM narinfos", {});
  ASSERT_TRUE(created.ok());
  EXPECT_TRUE(created->GetText(0, 0).has_value());
}

TEST_F(NarInfoSqliteTest, DownDropsTheTables) {
  for (auto m = migrations_.rbegin(); m != migrations_.rend(); ++m) {
    for (const std::string& s : Statements(m->down_sql)) ASSERT_TRUE(db_->Exec(s).ok()) << s;
  }
  for (const RecordTable& t : codec_->Tables()) EXPECT_FALSE(db_->TableExists(t.name).value());
}

// Migration 2's down step keys the children by hash again, keeping the rows;
// up again gives the same narinfo back.
TEST_F(NarInfoSqliteTest, Migration2DownAndUpKeepTheRows) {
  ASSERT_EQ(migrations_.size(), 2u);
  NarInfo n = GenerateNarInfo(9);
  Result<Record> r = codec_->ParseOne(NarInfoObjectKey(n.hash), RenderNarInfo(n));
  ASSERT_TRUE(r.ok());
  ASSERT_GT(Insert(*r), 1);
  for (const std::string& s : Statements(migrations_[1].down_sql)) ASSERT_TRUE(db_->Exec(s).ok()) << s;
  auto hashed = db_->Query("SELECT COUNT(*) FROM narinfo_references WHERE narinfo_hash = $1", {Value(n.hash)});
  ASSERT_TRUE(hashed.ok()) << hashed.status().ToString();
  EXPECT_EQ(hashed->GetInt(0, 0), static_cast<int64_t>(n.references.size()));
  for (const std::string& s : Statements(migrations_[1].up_sql)) ASSERT_TRUE(db_->Exec(s).ok()) << s;
  Record back;
  back.key = n.hash;
  back.rows.resize(3);
  for (size_t t = 0; t < 3; ++t) {
    Result<Rows> got = db_->Query(codec_->SelectRowsSql(t), {Value(n.hash)});
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    back.rows[t] = got->rows;
  }
  Result<NarInfo> again = NarInfoCodec::FromRecord(back);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(*again, n);
}

}  // namespace
}  // namespace ferry
