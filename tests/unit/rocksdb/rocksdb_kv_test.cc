// RocksDB as a key-value engine: the order-preserving key encoding, the row
// format (every edge value exactly), the store's errors, and the copy
// endpoint's paging, checkpoints and truncate.
#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <limits>
#include <random>
#include <cstring>
#include <unistd.h>

#include <gtest/gtest.h>

#include "jobs/copy/copy_endpoint.h"
#include "jobs/copy/kv_table_codec.h"
#include "kv/kv_store.h"

namespace ferry {
namespace {

class TempDir {
 public:
  TempDir() {
    path_ = (std::filesystem::temp_directory_path() /
             ("ferry_rocks_" + std::to_string(::getpid()) + "_" + std::to_string(std::random_device{}())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string Sub(const std::string& n) const { return path_ + "/" + n; }

 private:
  std::string path_;
};

// Sorting by encoded key must give the values' own order.
template <typename T>
void ExpectOrderPreserved(std::vector<T> sorted) {
  std::vector<std::string> enc;
  for (const auto& v : sorted) enc.push_back(EncodeKvKey({Value(v)}));
  for (size_t i = 1; i < enc.size(); ++i) EXPECT_LT(enc[i - 1], enc[i]) << "at " << i;
}

TEST(KvKey, IntegersSortNumerically) {
  ExpectOrderPreserved<int64_t>({std::numeric_limits<int64_t>::min(), -1000000, -2, -1, 0, 1, 2,
                                 255, 256, 65536, std::numeric_limits<int64_t>::max()});
}

TEST(KvKey, RealsSortNumericallyNanLast) {
  const double inf = std::numeric_limits<double>::infinity();
  ExpectOrderPreserved<double>({-inf, -1e300, -1.5, -1e-300, 0.0, 1e-300, 1.5, 1e300, inf,
                                std::numeric_limits<double>::quiet_NaN()});
}

TEST(KvKey, TextSortsBytewiseWithNulBytes) {
  ExpectOrderPreserved<std::string>(
      {"", std::string("\0", 1), std::string("\0\0", 2), "a", std::string("a\0", 2),
       std::string("a\0b", 3), "a\x01", "ab", "b", "ünï", "\xff", "\xff\xff"});
}

TEST(KvKey, CompositeKeysSortColumnByColumnAndDecode) {
  std::vector<std::vector<Value>> keys = {
      {int64_t{1}, std::string("b")}, {int64_t{1}, std::string("c")},
      {int64_t{1}, std::string("c\0", 2)}, {int64_t{2}, std::string("")},
      {int64_t{2}, std::string("a")}};
  for (size_t i = 1; i < keys.size(); ++i)
    EXPECT_LT(EncodeKvKey(keys[i - 1]), EncodeKvKey(keys[i]));
  for (const auto& k : keys) {
    auto d = DecodeKvKey(EncodeKvKey(k));
    ASSERT_TRUE(d.ok()) << d.status().message();
    EXPECT_EQ(*d, k);
  }
  std::vector<Value> mixed = {std::monostate{}, 3.25, Blob{std::string("\0\xff\0", 3)},
                              int64_t{-7}};
  auto d = DecodeKvKey(EncodeKvKey(mixed));
  ASSERT_TRUE(d.ok());
  EXPECT_EQ(*d, mixed);
  EXPECT_EQ(DecodeKvKey("\x04" "abc").status().code(), Code::kCorruption);  // no terminator
  EXPECT_EQ(DecodeKvKey("\x09").status().code(), Code::kCorruption);
}

std::vector<Value> EdgeRow() {
  std::string huge;
  while (huge.size() < (1 << 20)) huge += "λx→ ünïcødé 😀\t\"q\",\n";
  return {std::monostate{},
          std::numeric_limits<int64_t>::min(),
          std::numeric_limits<int64_t>::max(),
          std::numeric_limits<double>::quiet_NaN(),
          std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(),
          -0.0,
          std::numeric_limits<double>::denorm_min(),
          std::string(""),
          huge,
          Blob{std::string("\0\x01\xff\0", 4)},
          Blob{std::string(70000, '\0')},
          Blob{""}};
}

TEST(KvRow, EveryEdgeValueRoundTripsBitExactly) {
  auto row = EdgeRow();
  auto back = DecodeKvRow(EncodeKvRow(row), row.size());
  ASSERT_TRUE(back.ok()) << back.status().message();
  ASSERT_EQ(back->size(), row.size());
  for (size_t i = 0; i < row.size(); ++i) {
    if (auto* d = std::get_if<double>(&row[i])) {
      auto* e = std::get_if<double>(&(*back)[i]);
      ASSERT_NE(e, nullptr) << i;
      EXPECT_EQ(std::memcmp(d, e, 8), 0) << "column " << i;  // NaN and -0 bit for bit
    } else {
      EXPECT_EQ(row[i], (*back)[i]) << "column " << i;
    }
  }
}

TEST(KvRow, DamagedBytesAreCorruption) {
  std::string enc = EncodeKvRow(EdgeRow());
  EXPECT_EQ(DecodeKvRow(enc, 3).status().code(), Code::kCorruption);  // wrong column count
  EXPECT_EQ(DecodeKvRow(enc.substr(0, enc.size() - 1), 13).status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeKvRow(enc + "x", 13).status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeKvRow("", 0).status().code(), Code::kCorruption);
  EXPECT_EQ(DecodeKvRow("{\"json\":1}", 1).status().code(), Code::kCorruption);
}

TEST(KvTableName, ColonAndNulAreRejected) {
  EXPECT_TRUE(CheckKvTableName("users").ok());
  EXPECT_EQ(CheckKvTableName("a:b").code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckKvTableName(std::string("a\0b", 3)).code(), Code::kInvalidArgument);
  EXPECT_EQ(CheckKvTableName("").code(), Code::kInvalidArgument);
  EXPECT_EQ(KvPrefixEnd("t:"), "t;");
}

TEST(RocksDbStore, BadUrlsAndMissingOrCorruptStoresSayWhat) {
  TempDir dir;
  Env* env = Env::Default();
  auto bad = OpenKvStore("rocksdb:", KvOpenMode::kCreateIfMissing, env);
  EXPECT_EQ(bad.status().code(), Code::kInvalidArgument);
  EXPECT_NE(bad.status().message().find("wants a directory"), std::string::npos);

  auto missing = OpenKvStore("rocksdb:" + dir.Sub("nope"), KvOpenMode::kExisting, env);
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("no RocksDB store"), std::string::npos);
  EXPECT_FALSE(std::filesystem::exists(dir.Sub("nope")));  // nothing created

  std::filesystem::create_directories(dir.Sub("bad"));
  std::ofstream(dir.Sub("bad/CURRENT")) << "not a manifest name";
  auto corrupt = OpenKvStore("rocksdb:" + dir.Sub("bad"), KvOpenMode::kExisting, env);
  EXPECT_FALSE(corrupt.ok());
  EXPECT_NE(corrupt.status().message().find(dir.Sub("bad")), std::string::npos)
      << corrupt.status().message();

  auto a = OpenKvStore("rocksdb://" + dir.Sub("kv"), KvOpenMode::kCreateIfMissing, env);
  ASSERT_TRUE(a.ok()) << a.status().message();
  auto b = OpenKvStore("rocksdb:" + dir.Sub("kv"), KvOpenMode::kExisting, env);
  EXPECT_EQ(b.status().code(), Code::kLocked) << b.status().message();
}

TEST(RocksDbStore, BatchesAreAtomicAndCheckpointsOpen) {
  TempDir dir;
  Env* env = Env::Default();
  {
    auto s = OpenKvStore("rocksdb:" + dir.Sub("kv"), KvOpenMode::kCreateIfMissing, env);
    ASSERT_TRUE(s.ok()) << s.status().message();
    KvBatch b;
    for (int i = 0; i < 100; ++i) b.Put("t:" + std::to_string(1000 + i), std::string(i, 'x'));
    b.Put("u:1", "other table");
    ASSERT_TRUE((*s)->Write(b).ok());
    KvBatch del;
    del.DeleteRange("t:", KvPrefixEnd("t:"));
    ASSERT_TRUE((*s)->Write(del).ok());
    auto it = (*s)->NewIterator();
    it->Seek("");
    ASSERT_TRUE(it->Valid());
    EXPECT_EQ(it->key(), "u:1");  // the range delete took t: only
    KvBatch again;
    again.Put("t:1", "one");
    ASSERT_TRUE((*s)->Write(again).ok());
    EXPECT_EQ((*s)->Checkpoint(dir.Sub("kv")).code(), Code::kInvalidArgument);  // exists
    ASSERT_TRUE((*s)->Checkpoint(dir.Sub("cp")).ok());
  }
  auto cp = OpenKvStore("rocksdb:" + dir.Sub("cp"), KvOpenMode::kExisting, env);
  ASSERT_TRUE(cp.ok()) << cp.status().message();
  auto v = (*cp)->Get("t:1");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->value_or(""), "one");
}

TableSchema Schema() {
  TableSchema s;
  s.name = "items";
  s.columns = {{"name", "TEXT", true, LogicalType::kText, ""},
               {"id", "BIGINT", true, LogicalType::kInteger, ""},
               {"score", "REAL", false, LogicalType::kReal, ""}};
  s.primary_key = {"id"};
  return s;
}

TEST(KvEndpoint, PagesInKeyOrderResumesAfterAKeyAndTruncates) {
  TempDir dir;
  DatabaseOpener none;
  auto ep = OpenCopyEndpoint("rocksdb:" + dir.Sub("kv"), EndpointRole::kTarget, none, Env::Default());
  ASSERT_TRUE(ep.ok()) << ep.status().message();
  CopyEndpoint* kv = ep->get();
  EXPECT_FALSE(*kv->TableExists("items"));
  ASSERT_TRUE(kv->CreateTable(Schema(), {"id"}).ok());
  ASSERT_TRUE(kv->BeginTable(Schema(), {"id"}).ok());
  EXPECT_FALSE(kv->ReadCheckpoint("items")->has_value());
  // Two batches, keys out of order and negative: the store orders them.
  std::vector<std::vector<Value>> b1, b2;
  for (int64_t i : {5, -3, 100, 7}) b1.push_back({"n" + std::to_string(i), i, 0.5 * i});
  for (int64_t i : {-1000, 42}) b2.push_back({"n" + std::to_string(i), i, std::monostate{}});
  ASSERT_TRUE(kv->WriteBatch("items", b1, {{int64_t{7}}, 4, false, "sqlite:x"}).ok());
  ASSERT_TRUE(kv->WriteBatch("items", b2, {{int64_t{42}}, 6, false, "sqlite:x"}).ok());
  auto cp = kv->ReadCheckpoint("items");
  ASSERT_TRUE(cp.ok() && cp->has_value());
  EXPECT_EQ((*cp)->rows, 6);
  EXPECT_EQ((*cp)->last_key, std::vector<Value>{int64_t{42}});
  EXPECT_EQ(*kv->CountRows("items"), 6);
  EXPECT_EQ(*kv->ListTables(), std::vector<std::string>{"items"});

  auto reader = kv->OpenReader("items", {"id", "score"}, {"id"}, 4,
                               CopyEndpoint::ReaderConnection::kShared);
  ASSERT_TRUE(reader.ok());
  std::vector<std::vector<Value>> page;
  ASSERT_TRUE(*(*reader)->Next(&page));
  ASSERT_EQ(page.size(), 4u);
  EXPECT_EQ(page[0][0], Value(int64_t{-1000}));
  EXPECT_EQ(page[3][0], Value(int64_t{7}));
  EXPECT_EQ((*reader)->last_key(), std::vector<Value>{int64_t{7}});
  // A new reader resuming after id=7 sees 42 and 100 only.
  auto again = kv->OpenReader("items", {"id"}, {"id"}, 10, CopyEndpoint::ReaderConnection::kShared);
  (*again)->SeekAfter({int64_t{7}});
  ASSERT_TRUE(*(*again)->Next(&page));
  ASSERT_EQ(page.size(), 2u);
  EXPECT_EQ(page[0][0], Value(int64_t{42}));
  EXPECT_EQ(page[1][0], Value(int64_t{100}));
  EXPECT_FALSE(*(*again)->Next(&page));

  auto schema = kv->ReadSourceSchema("items", {});
  ASSERT_TRUE(schema.ok());
  EXPECT_EQ(schema->ColumnNames(), Schema().ColumnNames());
  EXPECT_EQ(schema->columns[2].type, LogicalType::kReal);
  EXPECT_EQ(kv->ReadSourceSchema("nope", {}).status().code(), Code::kNotFound);
  EXPECT_EQ(kv->CreateTable([] {
                auto s = Schema();
                s.name = "a:b";
                return s;
              }(), {"id"}).code(),
            Code::kInvalidArgument);
  EXPECT_EQ(kv->BeginTable(Schema(), {"name"}).code(), Code::kInvalidArgument);  // other key

  ASSERT_TRUE(kv->Truncate("items").ok());
  EXPECT_EQ(*kv->CountRows("items"), 0);
  EXPECT_FALSE(kv->ReadCheckpoint("items")->has_value());
  EXPECT_TRUE(*kv->TableExists("items"));  // the schema stays
}

TEST(KvEndpoint, ADamagedRowIsCorruptionNamingTableAndKey) {
  TempDir dir;
  const std::string url = "rocksdb:" + dir.Sub("kv");
  {
    auto ep = OpenCopyEndpoint(url, EndpointRole::kTarget, DatabaseOpener(), Env::Default());
    ASSERT_TRUE(ep.ok()) << ep.status().message();
    ASSERT_TRUE((*ep)->CreateTable(Schema(), {"id"}).ok());
    ASSERT_TRUE((*ep)->BeginTable(Schema(), {"id"}).ok());
    ASSERT_TRUE((*ep)->WriteBatch("items", {{std::string("a"), int64_t{1}, 1.0}},
                                  {{int64_t{1}}, 1, false, ""}).ok());
  }
  {
    auto store = OpenKvStore(url, KvOpenMode::kExisting, Env::Default());
    ASSERT_TRUE(store.ok());
    KvBatch b;
    b.Put(KvRowPrefix("items") + EncodeKvKey({int64_t{2}}), "\x01\x03I");  // truncated
    ASSERT_TRUE((*store)->Write(b).ok());
  }
  auto ep = OpenCopyEndpoint(url, EndpointRole::kSource, DatabaseOpener(), Env::Default());
  ASSERT_TRUE(ep.ok());
  auto reader = (*ep)->OpenReader("items", {"id"}, {"id"}, 10, CopyEndpoint::ReaderConnection::kShared);
  ASSERT_TRUE(reader.ok());
  std::vector<std::vector<Value>> rows;
  auto more = (*reader)->Next(&rows);
  ASSERT_FALSE(more.ok());
  EXPECT_EQ(more.status().code(), Code::kCorruption);
  EXPECT_NE(more.status().message().find("table items, key "), std::string::npos)
      << more.status().message();
}

}  // namespace
}  // namespace ferry
