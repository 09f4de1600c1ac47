// The COPY-based PostgreSQL archive (--method copy; no pg_dump) on a real
// server: round trip of awkward types and hostile names with identical
// per-table checksums, schema pieces (constraints, indexes, sequences,
// identity/generated columns, enums, another schema), a restore that views
// block left unchanged, and kill -9 during create and during restore.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

#include "integration/pg_scratch_test.h"
#include "integration/servers.h"
#include "jobs/backup/archive_manifest.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_manager.h"
#include "jobs/backup/table_checksum.h"
#include "unit/backup/backup_test_util.h"

namespace ferry {
namespace {

const std::string kHostile = "we\"ird; DROP TABLE x; -- na\tme";

class PostgresCopyArchiveTest : public testing::PgScratchTest {
 protected:
  void Exec(const std::string& sql) { ASSERT_TRUE(db_->Exec(sql).ok()) << sql << ": " << db_->Exec(sql).ToString(); }
  int64_t Int(const std::string& sql) {
    auto r = db_->Query(sql, {});
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && !r->empty() ? r->GetInt(0, 0).value_or(-1) : -1;
  }
  std::string Text(const std::string& sql) {
    auto r = db_->Query(sql, {});
    EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
    return r.ok() && !r->empty() ? r->GetText(0, 0).value_or("NULL") : "";
  }
  TableChecksum Sum(const std::string& t) {
    auto s = ComputeTableChecksum(db_.get(), t);
    EXPECT_TRUE(s.ok()) << t << ": " << s.status().ToString();
    return s.ok() ? *s : TableChecksum{};
  }
  std::string Q(const std::string& name) { return db_->QuoteIdentifier(name); }

  // Every awkward type, a hostile table name, constraints, indexes,
  // sequences, an enum, identity and generated columns, another schema.
  void MakeSchema() {
    Exec("CREATE TYPE mood AS ENUM ('sad', 'o''k', 'happy')");
    Exec("CREATE TABLE " + Q(kHostile) +
         " (id BIGSERIAL PRIMARY KEY, body BYTEA, note TEXT, at TIMESTAMPTZ, doc JSON, docb JSONB,"
         " n NUMERIC(30,10), tags TEXT[], grid INT[], f FLOAT8, span INTERVAL, u UUID, m mood,"
         " moods mood[], d DATE, ok BOOLEAN NOT NULL DEFAULT true, label TEXT COLLATE \"C\","
         " CONSTRAINT positive_n CHECK (n IS NULL OR n > -1000000))");
    Exec("CREATE INDEX ON " + Q(kHostile) + " (lower(note)) WHERE note IS NOT NULL");
    Exec("INSERT INTO " + Q(kHostile) +
         " (body, note, at, doc, docb, n, tags, grid, f, span, u, m, moods, d, label) VALUES"
         " ('\\x00ff00'::bytea, E'tab\\there\\nnew line\\\\back\\\\slash \\r cr', '2024-02-29 23:59:59.123456+05:30',"
         "  '{\"a\": [1, 2, {\"b\": null}], \"k\": \"v\\tw\"}', '{\"z\": 1, \"a\": \"\\u00e9\"}',"
         "  12345678901234567890.0123456789, ARRAY['a b', 'c,d', E'e\"f', NULL, ''],"
         "  ARRAY[[1,2],[3,4]], 1e-300, '1 year 2 mons -3 days 04:05:06.789', "
         "  'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11', 'o''k', ARRAY['sad','happy']::mood[], '0001-01-01 BC', 'zz'),"
         " (NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),"
         " ('\\x'::bytea, '', 'infinity', 'null', '[]', 'NaN', '{}', '{}', 'NaN', '0', NULL, 'sad', '{}',"
         "  'infinity', ''),"
         " (decode(repeat('00', 1000), 'hex'), repeat(E'\\\\N\\t', 500), '-infinity', '\"x\"', '0',"
         "  -0.0000000001, ARRAY['\\N', 'NULL'], NULL, '-Infinity', '-178000000 years', NULL, 'happy',"
         "  NULL, '5874897-12-31', E'\\u00e9\\u4e2d')");
    Exec("INSERT INTO " + Q(kHostile) + " (body, note, n, f, ok) SELECT decode(md5(i::text), 'hex'),"
         " 'row ' || i || E'\\n', i * 0.5, i / 7.0, i % 2 = 0 FROM generate_series(1, 3000) i");
    Exec("SELECT setval(pg_get_serial_sequence(" + std::string("'") + "public." +
         "\"we\"\"ird; DROP TABLE x; -- na\tme\"" + "', 'id'), 5000)");
    // Identity, generated column, unique constraint, foreign key to the
    // hostile table, standalone sequence used by a default.
    Exec("CREATE SEQUENCE ticket_seq START 100 INCREMENT 10");
    Exec("SELECT nextval('ticket_seq'), nextval('ticket_seq')");
    Exec("CREATE TABLE items (id INT GENERATED ALWAYS AS IDENTITY (START WITH 7) PRIMARY KEY,"
         " owner BIGINT REFERENCES " + Q(kHostile) + " (id), name TEXT NOT NULL,"
         " upper_name TEXT GENERATED ALWAYS AS (upper(name)) STORED,"
         " ticket BIGINT DEFAULT nextval('ticket_seq'), CONSTRAINT items_name_key UNIQUE (name))");
    Exec("INSERT INTO items (owner, name) SELECT 1 + i % 4, 'item ' || i FROM generate_series(1, 500) i");
    Exec("CREATE SCHEMA \"Other Schema\"");
    Exec("CREATE TABLE \"Other Schema\".\"T\" (k TEXT PRIMARY KEY, v mood)");
    Exec("INSERT INTO \"Other Schema\".\"T\" VALUES ('a', 'sad'), (E'b\\nc', NULL)");
    Exec("CREATE TABLE empty_one (x INT)");
  }

  std::string OtherSchemaRows() {
    return Text("SELECT string_agg(k || '=' || coalesce(v::text, 'NULL'), ';' ORDER BY k)"
                " FROM \"Other Schema\".\"T\"");
  }

  testing::TempDir dir_;
};

ArchiveOptions CopyOptions(const std::string& dir) {
  ArchiveOptions o;
  o.dir = dir;
  o.method = ArchiveMethod::kCopy;
  return o;
}

TEST_F(PostgresCopyArchiveTest, RoundTripTypesHostileNamesAndSchema) {
  MakeSchema();
  const TableChecksum hostile = Sum(kHostile), items = Sum("items");
  const std::string other = OtherSchemaRows();
  const int64_t seq_before = Int("SELECT last_value FROM ticket_seq");

  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir_ / "backups"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->method, "copy");
  EXPECT_EQ(a->state, BackupState::kVerified);
  struct stat st;
  ASSERT_EQ(::stat(a->location.c_str(), &st), 0);
  EXPECT_EQ(st.st_mode & 0777, 0600);
  auto m = CheckArchiveManifest(a->location);
  ASSERT_TRUE(m.ok()) << m.status().ToString();
  EXPECT_EQ(m->method, "copy");
  EXPECT_TRUE(m->json.contains("not_captured"));
  EXPECT_TRUE(m->files.count("schema.json"));
  EXPECT_EQ(m->tables.at(kHostile), 3004);
  EXPECT_EQ(m->tables.at("items"), 500);
  EXPECT_EQ(m->tables.at("Other Schema.T"), 2);
  EXPECT_EQ(m->tables.at("empty_one"), 0);

  auto v = VerifyArchive(db_.get(), Env::Default(), a->location, VerifyDepth::kDeep);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  EXPECT_TRUE(v->test_restored);
  EXPECT_EQ(Int("SELECT count(*) FROM pg_database WHERE datname LIKE 'ferry_verify_%'"), 0);

  // Wreck: rows, a dropped table, a sequence moved on, a row in another schema.
  auto other_session = Open();  // connected and idle during the restore
  ASSERT_NE(other_session, nullptr);
  Exec("DELETE FROM items WHERE id % 3 = 0");
  Exec("DELETE FROM " + Q(kHostile) + " WHERE id > 100 AND id NOT IN (SELECT owner FROM items)");
  Exec("UPDATE " + Q(kHostile) + " SET note = 'wrecked' WHERE id <= 2");
  Exec("DROP TABLE \"Other Schema\".\"T\"");
  Exec("SELECT nextval('ticket_seq') FROM generate_series(1, 50)");

  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Sum(kHostile), hostile);
  EXPECT_EQ(Sum("items"), items);
  EXPECT_EQ(OtherSchemaRows(), other);
  EXPECT_EQ(Int("SELECT last_value FROM ticket_seq"), seq_before);
  EXPECT_EQ(Int("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ferry_restore_%'"), 0);
  EXPECT_EQ((*other_session).Query("SELECT count(*) FROM items", {})->GetInt(0, 0), 500);

  // The schema came back: indexes, constraints, defaults, sequences.
  EXPECT_EQ(Int("SELECT count(*) FROM pg_indexes WHERE schemaname = 'public' AND tablename = " +
                std::string("'we\"ird; DROP TABLE x; -- na\tme'")),
            2);  // primary key + partial expression index
  EXPECT_EQ(Int("SELECT count(*) FROM pg_constraint WHERE conrelid = 'items'::regclass AND contype IN ('p', 'u', 'f')"), 3);
  Exec("INSERT INTO items (owner, name) VALUES (1, 'fresh')");
  EXPECT_EQ(Int("SELECT id FROM items WHERE name = 'fresh'"), 7 + 500);  // identity continues
  EXPECT_EQ(Text("SELECT upper_name FROM items WHERE name = 'fresh'"), "FRESH");
  EXPECT_EQ(Int("SELECT ticket FROM items WHERE name = 'fresh'"), seq_before + 10);
  // (after the fresh row: a failed insert still consumes sequence values)
  EXPECT_FALSE(db_->Exec("INSERT INTO items (owner, name) VALUES (999999, 'no owner')").ok());
  EXPECT_FALSE(db_->Exec("INSERT INTO items (owner, name) VALUES (1, 'item 1')").ok());
  Exec("INSERT INTO " + Q(kHostile) + " (note) VALUES ('new')");
  EXPECT_EQ(Int("SELECT id FROM " + Q(kHostile) + " WHERE note = 'new'"), 5001);  // serial continues
  EXPECT_EQ(Text("SELECT ok::text FROM " + Q(kHostile) + " WHERE note = 'new'"), "true");  // default
  EXPECT_FALSE(db_->Exec("INSERT INTO " + Q(kHostile) + " (n) VALUES (-2000000)").ok());  // check
  EXPECT_EQ(Text("SELECT label FROM " + Q(kHostile) + " ORDER BY label COLLATE \"C\" LIMIT 1"), "");
  ASSERT_TRUE(r->safety.has_value());
  EXPECT_EQ(r->safety->method, "copy");
  EXPECT_TRUE(std::filesystem::exists(r->safety->location));
}

// A view on a restored table would have to be dropped: the restore refuses,
// and the database is exactly as before.
TEST_F(PostgresCopyArchiveTest, DependentViewBlocksRestoreAndChangesNothing) {
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks SELECT i, md5(i::text) FROM generate_series(1, 1000) i");
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir_ / "backups"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Exec("DELETE FROM chunks WHERE id > 10");
  Exec("CREATE VIEW small AS SELECT id FROM chunks");
  const TableChecksum wrecked = Sum("chunks");
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("depend"), std::string::npos) << r.status().ToString();
  EXPECT_EQ(Sum("chunks"), wrecked);
  EXPECT_EQ(Int("SELECT count(*) FROM small"), 10);
  EXPECT_EQ(Int("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ferry_restore_%'"), 0);
}

// What the copy method cannot archive faithfully is refused up front.
TEST_F(PostgresCopyArchiveTest, RefusesWhatItCannotRestore) {
  Exec("CREATE DOMAIN posint AS INT CHECK (VALUE > 0)");
  Exec("CREATE TABLE d (x posint)");
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir_ / "backups"));
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().code(), Code::kFailedPrecondition);
  EXPECT_NE(a.status().message().find("posint"), std::string::npos) << a.status().ToString();
  auto list = ListBackups(db_.get());
  ASSERT_TRUE(list.ok());
  for (const auto& b : *list) EXPECT_NE(b.state, BackupState::kVerified) << b.name;
}

// Runs `body` in a forked child (its own connection) and returns its pid.
template <typename F>
pid_t Fork(F body) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int code = body();
    ::_exit(code);
  }
  return pid;
}

// Waits (generously: the machine may be loaded) until `cond` holds.
template <typename F>
bool WaitFor(F cond, std::chrono::seconds limit = std::chrono::seconds(120)) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (cond()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return false;
}

// kill -9 while create is inside its snapshot (held at the table lock by a
// migration-like ACCESS EXCLUSIVE lock here, so the kill lands there on any
// machine): nothing is listed as good, no archive file has its final name,
// and the next create works.
TEST_F(PostgresCopyArchiveTest, KillDuringCreateLeavesNothingGood) {
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks SELECT i, md5(i::text) FROM generate_series(1, 20000) i");
  const std::string dir = dir_ / "backups";
  auto blocker = Open();
  ASSERT_TRUE(blocker->Begin().ok());
  ASSERT_TRUE(blocker->Exec("LOCK TABLE chunks IN ACCESS EXCLUSIVE MODE").ok());
  const std::string url = scratch_->url();
  pid_t child = Fork([&] {
    auto db = OpenDatabase(url, Env::Default());
    if (!db.ok()) return 3;
    return CreateArchive(db->get(), Env::Default(), CopyOptions(dir)).ok() ? 0 : 4;
  });
  ASSERT_GT(child, 0);
  // The child is waiting for our lock: its pending row is committed and its
  // snapshot transaction open.
  bool waiting = WaitFor([&] {
    auto r = db_->Query("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'chunks'::regclass", {});
    return r.ok() && r->GetInt(0, 0).value_or(0) > 0;
  });
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(waiting) << "the child never reached the table lock";
  ASSERT_TRUE(blocker->Rollback().ok());

  auto list = ListBackups(db_.get());
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 1u);
  EXPECT_EQ((*list)[0].state, BackupState::kPending);
  EXPECT_NE(BackupStatusLabel((*list)[0], std::time(nullptr)), "ACTIVE");
  EXPECT_FALSE(std::filesystem::exists((*list)[0].location));
  EXPECT_FALSE(FindBackupAt(db_.get(), std::time(nullptr) + 60, "").ok());

  auto again = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  auto newest = FindBackupAt(db_.get(), std::time(nullptr) + 60, "");
  ASSERT_TRUE(newest.ok());
  EXPECT_EQ(newest->name, again->name);
}

// kill -9 while restore holds everything loaded in its private schema and
// waits to swap (a reader's open transaction holds the live table): the
// live database is untouched and usable, and no staging schema survives.
TEST_F(PostgresCopyArchiveTest, KillDuringRestoreLeavesOldDatabase) {
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks SELECT i, md5(i::text) FROM generate_series(1, 20000) i");
  const std::string dir = dir_ / "backups";
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Exec("DELETE FROM chunks WHERE id % 2 = 0");
  const TableChecksum wrecked = Sum("chunks");

  auto reader = Open();
  ASSERT_TRUE(reader->Begin().ok());
  ASSERT_TRUE(reader->Query("SELECT count(*) FROM chunks", {}).ok());
  const std::string url = scratch_->url(), path = a->location;
  pid_t child = Fork([&] {
    auto db = OpenDatabase(url, Env::Default());
    if (!db.ok()) return 3;
    return RestoreArchive(db->get(), Env::Default(), path, dir).ok() ? 0 : 4;
  });
  ASSERT_GT(child, 0);
  bool waiting = WaitFor([&] {
    auto r = db_->Query("SELECT count(*) FROM pg_locks WHERE NOT granted AND relation = 'chunks'::regclass", {});
    return r.ok() && r->GetInt(0, 0).value_or(0) > 0;
  });
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_TRUE(waiting) << "the restore never reached the swap";
  ASSERT_TRUE(reader->Rollback().ok());

  // The server ends the killed session's transaction once it notices the
  // closed socket; wait for that rather than assume it is immediate.
  EXPECT_TRUE(WaitFor([&] {
    return Int("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ferry_restore_%'") == 0;
  }));
  EXPECT_EQ(Sum("chunks"), wrecked);
  Exec("INSERT INTO chunks VALUES (100000, 'still usable')");
  Exec("DELETE FROM chunks WHERE id = 100000");
  // And a restore run to the end works.
  auto r = RestoreArchive(db_.get(), Env::Default(), path, dir);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM chunks"), 20000);
}

// A standalone sequence keeps its value when the swap fails: setval() is not
// undone by a rollback, so the restore sets it only at the very end.
TEST_F(PostgresCopyArchiveTest, FailedSwapLeavesStandaloneSequenceAlone) {
  Exec("CREATE SEQUENCE ticket_seq START 100");
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, ticket BIGINT DEFAULT nextval('ticket_seq'))");
  Exec("INSERT INTO chunks (id) SELECT i FROM generate_series(1, 100) i");
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir_ / "backups"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Exec("INSERT INTO chunks (id) SELECT i FROM generate_series(101, 150) i");
  Exec("CREATE VIEW v AS SELECT id FROM chunks");  // blocks the swap
  const int64_t seq = Int("SELECT last_value FROM ticket_seq");
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Int("SELECT last_value FROM ticket_seq"), seq);
  EXPECT_EQ(Int("SELECT count(*) FROM chunks"), 150);
  Exec("DROP VIEW v");
  r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Int("SELECT last_value FROM ticket_seq"), 199);
  EXPECT_EQ(Int("SELECT count(*) FROM chunks"), 100);
}

// The safety archive is taken while the restore loads (another connection);
// when it cannot be written the restore stops before the swap and the
// loaded stage is rolled back.
TEST_F(PostgresCopyArchiveTest, FailedSafetyArchiveChangesNothing) {
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks SELECT i, md5(i::text) FROM generate_series(1, 2000) i");
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir_ / "backups"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Exec("DELETE FROM chunks WHERE id > 10");
  const TableChecksum wrecked = Sum("chunks");
  const std::string not_a_dir = dir_ / "plain-file";
  { std::ofstream(not_a_dir) << "x"; }
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, not_a_dir);
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(Sum("chunks"), wrecked);
  EXPECT_EQ(Int("SELECT count(*) FROM pg_namespace WHERE nspname LIKE 'ferry_restore_%'"), 0);
  Exec("INSERT INTO chunks VALUES (100000, 'still writable')");
}

// Writers run through a restore: every row whose INSERT committed is either
// in the safety archive or in the restored table afterwards. The restore
// holds writers of the tables it replaces from before the safety snapshot
// until its commit, so no commit falls between the two (before, a row
// committed after the safety snapshot and before the swap was in neither).
TEST_F(PostgresCopyArchiveTest, RowsWrittenDuringRestoreAreNeverLost) {
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks SELECT i, repeat(md5(i::text), 8) FROM generate_series(1, 30000) i");
  const std::string dir = dir_ / "backups";
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  Exec("DELETE FROM chunks WHERE id > 20000");

  std::atomic<bool> stop{false};
  std::atomic<int64_t> committed{0};
  std::atomic<bool> failed{false};
  std::string writer_error;  // written before `failed` is set
  auto writer_db = Open();
  ASSERT_NE(writer_db, nullptr);
  std::thread writer([&] {
    for (int64_t id = 1000000; !stop.load(); ++id) {
      Status st = writer_db->Exec("INSERT INTO chunks VALUES (" + std::to_string(id) + ", 'w')");
      if (!st.ok()) {
        writer_error = st.ToString();
        failed = true;
        return;
      }
      committed.fetch_add(1);
    }
  });
  // The writer is running before the restore starts.
  ASSERT_TRUE(WaitFor([&] { return committed.load() > 0 || failed.load(); }));
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir);
  // And it keeps committing after the restore: writes that waited went on.
  const int64_t at_end = committed.load();
  EXPECT_TRUE(WaitFor([&] { return committed.load() > at_end + 5 || failed.load(); }));
  stop = true;
  writer.join();
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_TRUE(writer_error.empty()) << writer_error;
  ASSERT_TRUE(r->safety.has_value());
  auto safety =
      VerifyArchive(nullptr, Env::Default(), r->safety->location, VerifyDepth::kChecksums);
  ASSERT_TRUE(safety.ok()) << safety.status().ToString();
  const int64_t in_safety = safety->table_rows.at("chunks") - 20000;
  const int64_t after_swap = Int("SELECT count(*) FROM chunks WHERE id >= 1000000");
  EXPECT_EQ(Int("SELECT count(*) FROM chunks WHERE id < 1000000"), 30000);
  EXPECT_EQ(in_safety + after_swap, committed.load())
      << in_safety << " rows in the safety archive, " << after_swap << " after the swap";
}

// The catalog found through the search path in another schema than public:
// the restore must not hold it (the safety archive records itself there
// while the restore waits for it), and the restore completes.
TEST_F(PostgresCopyArchiveTest, CatalogInAnotherSchemaIsNotHeld) {
  Exec("CREATE SCHEMA app");
  Exec("ALTER DATABASE " + Q(db_->url().database) + " SET search_path = app, public");
  db_ = Open();  // the new search path applies to new sessions
  ASSERT_NE(db_, nullptr);
  Exec("CREATE TABLE chunks (id INT PRIMARY KEY, body TEXT)");
  Exec("INSERT INTO chunks SELECT i, md5(i::text) FROM generate_series(1, 500) i");
  auto a = CreateArchive(db_.get(), Env::Default(), CopyOptions(dir_ / "backups"));
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(Int("SELECT count(*) FROM pg_tables WHERE schemaname = 'app'"
                " AND tablename = 'ferry_backups'"),
            1);
  Exec("DELETE FROM chunks WHERE id > 10");
  auto r = RestoreArchive(db_.get(), Env::Default(), a->location, dir_ / "backups");
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(Int("SELECT count(*) FROM chunks"), 500);
  auto list = ListBackups(db_.get());
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  EXPECT_EQ(list->size(), 2u);  // the archive and the safety archive
}

}  // namespace
}  // namespace ferry
