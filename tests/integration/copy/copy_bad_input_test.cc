// Every refusal of copy: its message and exit code; and a server that goes
// away mid-copy (retried, then failing with the checkpoint kept).
#include <atomic>

#include "integration/copy/copy_test_util.h"
#include "jobs/copy/copier.h"

namespace ferry::testing {
namespace {

class CopyBadInput : public ::testing::Test {
 protected:
  void SetUp() override {
    FERRY_REQUIRE_SERVER(admin_, "FERRY_TEST_PG_URL");
    auto s = PgScratchDatabase::Create(admin_);
    ASSERT_TRUE(s.ok()) << s.status().message();
    pg_ = std::move(s).value();
    auto db = OpenDatabase(dir_.SqliteUrl("src.db"), Env::Default());
    ASSERT_TRUE(db.ok());
    src_ = std::move(db).value();
  }
  std::string admin_;
  std::unique_ptr<PgScratchDatabase> pg_;
  ScratchDir dir_;
  std::unique_ptr<Database> src_;
};

TEST_F(CopyBadInput, TableWithoutPrimaryKeyExplainsAndOffersOrderBy) {
  ASSERT_TRUE(src_->Exec("CREATE TABLE nopk (code TEXT NOT NULL, qty INTEGER)").ok());
  ASSERT_TRUE(src_->Exec("INSERT INTO nopk VALUES ('a', 1), ('b', 2), ('c', NULL)").ok());
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--create-schema"});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("table nopk has no primary key"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("--order-by nopk.COLUMN"), std::string::npos) << r.err;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--create-schema",
                "--order-by", "nopk.code", "--batch", "2"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  EXPECT_NE(r.out.find("nopk: 3 rows copied"), std::string::npos) << r.out;
}

TEST_F(CopyBadInput, TargetWithAnotherShapeIsAClearError) {
  CreateChunks(src_.get(), 5);
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE chunks (id bigint PRIMARY KEY, doc integer, seq int)").ok());
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url()});
  EXPECT_EQ(r.code, 10) << r.err;
  EXPECT_NE(r.err.find("target table chunks exists with another shape"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("column doc is integer (integer) on the target but text on the source"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("column body is missing on the target"), std::string::npos) << r.err;
  EXPECT_EQ(CountRows(pg->get(), "chunks"), 0);
}

TEST_F(CopyBadInput, MissingTargetTableNonEmptyTargetAndTruncate) {
  CreateChunks(src_.get(), 5);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url()});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("target table chunks does not exist: pass --create-schema"), std::string::npos)
      << r.err;
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE chunks (id bigint PRIMARY KEY, doc text NOT NULL, seq int, "
                          "body text)").ok());
  ASSERT_TRUE((*pg)->Exec("INSERT INTO chunks VALUES (1000, 'old', 1, 'old')").ok());
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url()});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("already holds 1 rows and no copy checkpoint: pass --truncate"),
            std::string::npos)
      << r.err;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--truncate"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(CountRows(pg->get(), "chunks"), 5);
  // A second plain copy refuses (the checkpoint says done); --resume skips.
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url()});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("an earlier copy finished after 5 rows"), std::string::npos) << r.err;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--resume"});
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("already copied (5 rows), skipped"), std::string::npos) << r.out;
}

TEST_F(CopyBadInput, UnmappableTypeNamesTheColumnUnlessMapped) {
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("CREATE TABLE jobs (id int PRIMARY KEY, every interval, tags text[])").ok());
  ASSERT_TRUE((*pg)->Exec("INSERT INTO jobs VALUES (1, '1 day 02:00', '{a,b}'), (2, NULL, '{}')").ok());
  auto r = RunFerry({"copy", "--from", pg_->url(), "--to", dir_.SqliteUrl("t.db"), "--create-schema"});
  EXPECT_EQ(r.code, 10);
  EXPECT_NE(r.err.find("cannot map the type of jobs.every (interval), jobs.tags (text[])"),
            std::string::npos)
      << r.err;
  r = RunFerry({"copy", "--from", pg_->url(), "--to", dir_.SqliteUrl("t.db"), "--create-schema",
                "--map", "jobs.every=text", "--map", "tags=text"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"verify", "--from", pg_->url(), "--to", dir_.SqliteUrl("t.db"), "--map",
                "every=text", "--map", "tags=text"});
  EXPECT_EQ(r.code, 0) << r.out << r.err;
  r = RunFerry({"copy", "--from", pg_->url(), "--to", dir_.SqliteUrl("u.db"), "--map", "x=weird"});
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown type \"weird\""), std::string::npos) << r.err;
}

TEST_F(CopyBadInput, UnreachableServerBeforeStartIsExit9) {
  CreateChunks(src_.get(), 5);
  auto r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to",
                     "postgres://nobody:secretpw@127.0.0.1:1/x?connect_timeout=2"});
  EXPECT_EQ(r.code, 9) << r.err;
  EXPECT_EQ(r.err.find("secretpw"), std::string::npos) << r.err;
  r = RunFerry({"copy", "--from", dir_.SqliteUrl("src.db"), "--to", pg_->url(), "--tables", "nope"});
  EXPECT_EQ(r.code, 11) << r.err;
  EXPECT_NE(r.err.find("source table nope does not exist"), std::string::npos) << r.err;
}

// Delegates to a real database; Begin() turns Unavailable once `*dead` is set
// (as a server that went away), or just at the Nth Begin when `once`.
class FlakyDatabase final : public Database {
 public:
  FlakyDatabase(std::unique_ptr<Database> inner, std::atomic<int>* begins, int fail_at, bool once)
      : inner_(std::move(inner)), begins_(begins), fail_at_(fail_at), once_(once) {}
  const DatabaseUrl& url() const override { return inner_->url(); }
  std::string_view engine() const override { return inner_->engine(); }
  Dialect dialect() const override { return inner_->dialect(); }
  Capabilities capabilities() const override { return inner_->capabilities(); }
  Status Exec(std::string_view sql) override { return inner_->Exec(sql); }
  Result<int64_t> Execute(std::string_view sql, const std::vector<Value>& p) override {
    return inner_->Execute(sql, p);
  }
  Result<Rows> Query(std::string_view sql, const std::vector<Value>& p) override {
    return inner_->Query(sql, p);
  }
  Result<std::unique_ptr<PreparedStatement>> Prepare(std::string_view sql) override {
    return inner_->Prepare(sql);
  }
  Status Begin() override {
    int n = ++*begins_;
    if (once_ ? n == fail_at_ : n >= fail_at_)
      return Unavailable("postgres: server closed the connection unexpectedly (injected)");
    return inner_->Begin();
  }
  Status Commit() override { return inner_->Commit(); }
  Status Rollback() override { return inner_->Rollback(); }
  bool InTransaction() const override { return inner_->InTransaction(); }
  std::string QuoteIdentifier(std::string_view n) const override { return inner_->QuoteIdentifier(n); }
  Result<bool> TableExists(std::string_view t) override { return inner_->TableExists(t); }

 private:
  std::unique_ptr<Database> inner_;
  std::atomic<int>* begins_;
  int fail_at_;
  bool once_;
};

TEST_F(CopyBadInput, ServerLostMidCopyIsRetriedThenFailsWithCheckpointKept) {
  CreateChunks(src_.get(), 1000);
  std::unique_ptr<Logger> logger = Logger::Capturing({});
  CopyOptions o;
  o.from_url = dir_.SqliteUrl("src.db");
  o.to_url = pg_->url();
  o.create_schema = true;
  o.batch = 100;
  o.retry_backoff = std::chrono::milliseconds(1);

  // 1. A blip: the 4th transaction fails once; the retry reconnects and the copy completes.
  std::atomic<int> begins{0};
  bool reconnect_refused = false;
  CopyDeps d;
  d.logger = logger.get();
  d.open = [&](const std::string& url) -> Result<std::unique_ptr<Database>> {
    FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase(url, Env::Default()));
    if (url != o.to_url) return db;
    if (reconnect_refused && begins > 0) return Unavailable("postgres: connection refused (injected)");
    return std::unique_ptr<Database>(new FlakyDatabase(std::move(db), &begins, 4, /*once=*/true));
  };
  auto rep = RunCopy(o, d);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_TRUE(rep->verify.ok()) << rep->verify.Summary();
  EXPECT_EQ(rep->tables[0].rows_copied, 1000);
  EXPECT_NE(logger->Captured().find("target unavailable, retrying"), std::string::npos);

  // 2. The server goes away for good after 3 batches: retries, then the copy
  // fails as Unavailable and the checkpoint keeps the 3 committed batches.
  auto pg = OpenDatabase(pg_->url(), Env::Default());
  ASSERT_TRUE((*pg)->Exec("DROP TABLE chunks; DROP TABLE ferry_copy_checkpoints").ok());
  begins = 0;
  reconnect_refused = true;
  d.open = [&](const std::string& url) -> Result<std::unique_ptr<Database>> {
    FERRY_ASSIGN_OR_RETURN(auto db, OpenDatabase(url, Env::Default()));
    if (url != o.to_url) return db;
    if (begins >= 4) return Unavailable("postgres: connection refused (injected)");
    return std::unique_ptr<Database>(new FlakyDatabase(std::move(db), &begins, 4, /*once=*/false));
  };
  rep = RunCopy(o, d);
  ASSERT_FALSE(rep.ok());
  EXPECT_EQ(rep.status().code(), Code::kUnavailable) << rep.status().message();
  EXPECT_NE(rep.status().message().find("the checkpoint is kept: rerun with --resume"),
            std::string::npos)
      << rep.status().message();
  EXPECT_EQ(CountRows(pg->get(), "chunks"), 300);
  auto cp = (*pg)->Query("SELECT rows_copied, done, last_key FROM ferry_copy_checkpoints", {});
  ASSERT_TRUE(cp.ok());
  EXPECT_EQ(*cp->GetInt(0, 0), 300);
  EXPECT_EQ(*cp->GetInt(0, 1), 0);
  EXPECT_EQ(*cp->GetText(0, 2), "[300]");

  // 3. The server is back: --resume finishes with nothing lost or doubled.
  o.resume = true;
  d.open = nullptr;
  rep = RunCopy(o, d);
  ASSERT_TRUE(rep.ok()) << rep.status().message();
  EXPECT_TRUE(rep->tables[0].resumed);
  EXPECT_EQ(rep->tables[0].rows_copied, 700);
  EXPECT_TRUE(rep->verify.ok()) << rep->verify.Summary();
  EXPECT_EQ(CountRows(pg->get(), "chunks"), 1000);
}

}  // namespace
}  // namespace ferry::testing
