// RocksDB as a copy target and source: SQLite -> RocksDB -> PostgreSQL ->
// SQLite with every type and edge value, each hop verified equal by the same
// canonical checksum as SQL <-> SQL; verify finding a real difference across
// engines; bad URLs, unknown tables and corrupt stores with clear errors and
// their exit codes; a checkpoint archive through `ferry backup`.
#include <filesystem>
#include <fstream>
#include <map>

#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copy_endpoint.h"

namespace ferry::testing {
namespace {

class RocksCopy : public ::testing::Test {
 protected:
  std::string Kv(const std::string& name) const { return "rocksdb:" + dir_.File(name); }
  ScratchDir dir_;
};

TEST_F(RocksCopy, SqliteToRocksToPostgresToSqliteEveryTypeVerifiedEqual) {
  std::string admin;
  FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
  auto scratch = PgScratchDatabase::Create(admin);
  ASSERT_TRUE(scratch.ok()) << scratch.status().message();
  const std::string pg = (*scratch)->url();

  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  ASSERT_TRUE(src.ok());
  const int n = CreateEdgeTable(src->get());
  CreateChunks(src->get(), 2500);
  src->reset();

  // SQLite -> RocksDB, in small batches so paging and checkpoints are used.
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"),
                     "--create-schema", "--batch", "4"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("edge: " + std::to_string(n) + " rows copied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("chunks: 2500 rows copied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all 2 table(s) equal"), std::string::npos) << r.out;

  // The rows really are "<table>:<key>" entries in RocksDB.
  {
    auto ep = OpenCopyEndpoint(Kv("kv"), EndpointRole::kSource, DatabaseOpener(), Env::Default());
    ASSERT_TRUE(ep.ok()) << ep.status().message();
    EXPECT_EQ(*(*ep)->CountRows("edge"), n);
    EXPECT_EQ(*(*ep)->CountRows("chunks"), 2500);
    EXPECT_EQ(*(*ep)->ListTables(), (std::vector<std::string>{"chunks", "edge"}));
  }

  // verify SQLite <-> RocksDB as its own command, both directions.
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", Kv("kv"), "--to", dir_.SqliteUrl("src.db")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  const std::string sqlite_sum = r.out;

  // RocksDB -> PostgreSQL: the schema comes from the store's schema entry.
  r = RunFerry({"copy", "--from", Kv("kv"), "--to", pg, "--create-schema", "--batch", "3"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("all 2 table(s) equal"), std::string::npos) << r.out;
  {
    auto db = OpenDatabase(pg, Env::Default());
    ASSERT_TRUE(db.ok());
    auto types = (*db)->Query(
        "SELECT column_name, data_type FROM information_schema.columns WHERE table_name = 'edge' "
        "AND column_name IN ('b', 'tstz', 'j', 'u', 'n') ORDER BY column_name", {});
    ASSERT_TRUE(types.ok()) << types.status().message();
    ASSERT_EQ(types->size(), 5u);
    EXPECT_EQ(*types->GetText(0, 1), "bytea");
    EXPECT_EQ(*types->GetText(1, 1), "jsonb");
    EXPECT_EQ(*types->GetText(2, 1), "numeric");
    EXPECT_EQ(*types->GetText(3, 1), "timestamp with time zone");
    EXPECT_EQ(*types->GetText(4, 1), "uuid");
    auto rows = (*db)->Query("SELECT i, b, length(t), r::text FROM edge ORDER BY id", {});
    ASSERT_TRUE(rows.ok()) << rows.status().message();
    EXPECT_EQ(std::get<int64_t>(rows->rows[1][0]), std::numeric_limits<int64_t>::min());
    EXPECT_EQ(std::get<int64_t>(rows->rows[2][0]), std::numeric_limits<int64_t>::max());
    EXPECT_EQ(std::get<Blob>(rows->rows[1][1]).bytes, std::string("\0\x01\xff\0", 4));
    EXPECT_EQ(std::get<Blob>(rows->rows[2][1]).bytes, std::string(70000, '\0'));
    EXPECT_GT(*rows->GetInt(2, 2), 500000);  // the huge text, whole (chars, not bytes)
    EXPECT_EQ(*rows->GetText(3, 3), "NaN");
    EXPECT_EQ(*rows->GetText(2, 3), "Infinity");
  }
  r = RunFerry({"verify", "--from", Kv("kv"), "--to", pg});
  ASSERT_EQ(r.code, 0) << r.out << r.err;

  // PostgreSQL -> SQLite, then the end equals the start.
  r = RunFerry({"copy", "--from", pg, "--to", dir_.SqliteUrl("end.db"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", dir_.SqliteUrl("end.db")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  // And the checksums printed SQLite<->RocksDB and SQLite<->SQLite are the same numbers.
  auto sum_of = [](const std::string& out, const std::string& table) {
    size_t p = out.find(table + ": equal");
    if (p == std::string::npos) return std::string("?");
    p = out.find("checksum ", p);
    return out.substr(p + 9, 32);
  };
  EXPECT_EQ(sum_of(sqlite_sum, "edge"), sum_of(r.out, "edge")) << sqlite_sum << r.out;
  EXPECT_EQ(sum_of(sqlite_sum, "chunks"), sum_of(r.out, "chunks"));

  // A changed row on PostgreSQL is found by verify against RocksDB, by key.
  {
    auto db = OpenDatabase(pg, Env::Default());
    ASSERT_TRUE((*db)->Exec("UPDATE edge SET t = 'changed' WHERE id = 4").ok());
    ASSERT_TRUE((*db)->Exec("DELETE FROM chunks WHERE id = 77").ok());
  }
  r = RunFerry({"verify", "--from", Kv("kv"), "--to", pg});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("id=4: differs"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("id=77: missing on the target"), std::string::npos) << r.out;
}

TEST_F(RocksCopy, RerunNeedsResumeOrTruncateAndTruncateReplaces) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  ASSERT_TRUE(src.ok());
  CreateChunks(src->get(), 300);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv")});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  EXPECT_NE(r.err.find("pass --resume to continue it or --truncate"), std::string::npos) << r.err;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--resume"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("already copied (300 rows), skipped"), std::string::npos) << r.out;
  CreateChunks(src->get(), 50, 301);
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--truncate"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("chunks: 350 rows copied"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("all 1 table(s) equal"), std::string::npos) << r.out;
  // dry run into a new table of the store names the layout and writes nothing.
  ASSERT_TRUE((*src)->Exec("CREATE TABLE other (k TEXT PRIMARY KEY, v REAL)").ok());
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--tables", "other",
                "--create-schema", "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rows as \"other:<key>\""), std::string::npos) << r.out;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--tables", "other"});
  EXPECT_EQ(r.code, 5) << r.out << r.err;
  EXPECT_NE(r.out.find("does not exist on the target"), std::string::npos) << r.out;
}

TEST_F(RocksCopy, BadUrlUnknownTableMissingAndCorruptStoresAreClearErrors) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  ASSERT_TRUE(src.ok());
  CreateChunks(src->get(), 10);
  ASSERT_TRUE((*src)->Exec("CREATE TABLE \"a:b\" (id INTEGER PRIMARY KEY)").ok());

  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", "rocksdb:", "--create-schema"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("rocksdb wants a directory"), std::string::npos) << r.err;

  r = RunFerry({"copy", "--from", Kv("missing"), "--to", dir_.SqliteUrl("t.db"), "--create-schema"});
  EXPECT_EQ(r.code, 11) << r.err;
  EXPECT_NE(r.err.find("no RocksDB store there"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("missing")));

  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--tables", "chunks",
                "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"copy", "--from", Kv("kv"), "--to", dir_.SqliteUrl("t.db"), "--tables", "nope",
                "--create-schema"});
  EXPECT_EQ(r.code, 11) << r.err;
  EXPECT_NE(r.err.find("source table nope does not exist in rocksdb:"), std::string::npos) << r.err;
  r = RunFerry({"verify", "--from", Kv("kv"), "--to", dir_.SqliteUrl("src.db"), "--tables", "nope"});
  EXPECT_EQ(r.code, 11) << r.err;

  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--tables", "a:b",
                "--create-schema"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("its name contains ':'"), std::string::npos) << r.err;

  std::filesystem::create_directories(dir_.File("corrupt"));
  std::ofstream(dir_.File("corrupt/CURRENT")) << "garbage\n";
  r = RunFerry({"verify", "--from", Kv("corrupt"), "--to", dir_.SqliteUrl("src.db")});
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("rocksdb: " + dir_.File("corrupt")), std::string::npos) << r.err;
}

// Every file under `dir` with its size and modification time, to show a
// dry run touched nothing.
std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> Listing(
    const std::string& dir) {
  std::map<std::string, std::pair<uintmax_t, std::filesystem::file_time_type>> out;
  for (const auto& e : std::filesystem::recursive_directory_iterator(dir))
    out[e.path().string()] = {e.is_regular_file() ? e.file_size() : 0, e.last_write_time()};
  return out;
}

TEST_F(RocksCopy, DryRunWritesNothingIntoAMissingOrAnExistingStore) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  ASSERT_TRUE(src.ok());
  CreateChunks(src->get(), 20);

  // A store that does not exist yet: the plan is shown, the directory is not made.
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("new/kv"),
                     "--create-schema", "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rows as \"chunks:<key>\""), std::string::npos) << r.out;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("new/kv")));
  EXPECT_FALSE(std::filesystem::exists(dir_.File("new")));
  // Without --create-schema the missing table is still reported, not created.
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("new/kv"), "--dry-run"});
  EXPECT_EQ(r.code, 10) << r.out << r.err;
  EXPECT_NE(r.err.find("pass --create-schema"), std::string::npos) << r.err;
  EXPECT_FALSE(std::filesystem::exists(dir_.File("new")));

  // An existing store: not one file created, grown or touched (no LOG, no
  // OPTIONS, no MANIFEST, no LOCK), and a real copy afterwards still works.
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE((*src)->Exec("CREATE TABLE other (k TEXT PRIMARY KEY, v REAL)").ok());
  const auto before = Listing(dir_.File("kv"));
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--create-schema",
                "--dry-run"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rows as \"other:<key>\""), std::string::npos) << r.out;
  EXPECT_TRUE(before == Listing(dir_.File("kv"))) << "the dry run changed the store's files";
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--tables", "other",
                "--create-schema"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
}

TEST_F(RocksCopy, BackupArchiveOfAStoreVerifiesAndRestores) {
  auto src = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
  ASSERT_TRUE(src.ok());
  CreateChunks(src->get(), 400);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--create-schema"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"backup", "create", "--archive", "--db", Kv("kv"), "--dir", dir_.File("bk")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("rocksdb_checkpoint"), std::string::npos) << r.out;
  std::string archive;
  for (const auto& e : std::filesystem::directory_iterator(dir_.File("bk")))
    if (e.path().string().find(".tar.zst") != std::string::npos) archive = e.path().string();
  ASSERT_FALSE(archive.empty());
  r = RunFerry({"backup", "verify", archive, "--deep", "--db", Kv("kv")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("chunks: 400 rows (test restore matches)"), std::string::npos) << r.out;
  // Restore over a store that has since changed; verify against the source again.
  CreateChunks(src->get(), 20, 401);
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv"), "--truncate"});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  ASSERT_TRUE((*src)->Exec("DELETE FROM chunks WHERE id > 400").ok());
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv")});
  EXPECT_EQ(r.code, 5) << r.out;
  r = RunFerry({"backup", "restore", archive, "--db", Kv("kv"), "--safety-dir", dir_.File("safety")});
  ASSERT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", dir_.SqliteUrl("src.db"), "--to", Kv("kv")});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_FALSE(std::filesystem::is_empty(dir_.File("safety")));
}

}  // namespace
}  // namespace ferry::testing
