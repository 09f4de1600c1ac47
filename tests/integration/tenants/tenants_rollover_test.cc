// Rollover tenant migrations (NNNN_name.reshape.toml): each tenant's table is
// rebuilt into a new shape through Reshape and swapped, on PostgreSQL (schema
// per tenant) and SQLite (database per tenant). One tenant has a duplicate key:
// its rollover fails, it is marked failed with the error and keeps its table;
// the others are done. Also: --dry-run lists the rollover; a crash between the
// swap and the version advance reruns nothing; query tenants are refused.
#include <sys/stat.h>

#include "integration/tenants/tenants_test_util.h"

namespace ferry::testing {
namespace {

constexpr int kTenants = 20;
constexpr int kRows = 50;

std::string RolloverPlan(const std::string& id_type) {
  return "# documents gets a BIGINT key and the tenant's id in each row\n"
         "table = \"documents\"\n"
         "key = [\"id\"]\n"
         "batch_size = 16\n"
         "ddl = \"CREATE TABLE {new} (id " + id_type +
         " PRIMARY KEY, title TEXT NOT NULL, tenant TEXT NOT NULL)\"\n"
         "select = \"id, title, :tenant AS tenant\"\n"
         "indexes = [\"CREATE INDEX documents_title_idx ON {new} (title)\"]\n"
         "[[check]]\n"
         "name = \"titles\"\n"
         "sql = \"SELECT count(DISTINCT title) FROM {table}\"\n";
}

// Rows of `table` as "id|title" lines in id order (the old shape's columns).
std::vector<std::string> IdTitles(Database* db, const std::string& table) {
  auto r = db->Query("SELECT id, title FROM " + table + " ORDER BY id, title", {});
  EXPECT_TRUE(r.ok()) << table << ": " << r.status().ToString();
  std::vector<std::string> out;
  if (!r.ok()) return out;
  for (size_t i = 0; i < r->size(); ++i) {
    out.push_back(std::to_string(r->GetInt(i, 0).value_or(-1)) + "|" + r->GetText(i, 1).value_or(""));
  }
  return out;
}

std::string Text(Database* db, const std::string& sql) {
  auto r = db->Query(sql, {});
  EXPECT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  if (!r.ok() || r->empty()) return "";
  return r->GetText(0, 0).value_or("");
}

class PgRollover : public PgScratchTest {
 protected:
  void SetUp() override {
    PgScratchTest::SetUp();
    if (HasFatalFailure() || IsSkipped()) return;
    dir_ = tmp_ / "tenant_migrations";
    for (int i = 1; i <= kTenants; ++i) {
      ASSERT_TRUE(db_->Exec("CREATE SCHEMA kb_" + std::to_string(i)).ok());
    }
    // A same-named table outside the tenants' schemas must not be touched.
    ASSERT_TRUE(db_->Exec("CREATE TABLE public.documents (id INT NOT NULL, title TEXT)").ok());
    WriteFile(dir_ + "/0001_documents.sql",
              "CREATE TABLE documents (id INT NOT NULL, title TEXT NOT NULL);\n"
              "INSERT INTO documents SELECT g, 'doc ' || g FROM generate_series(1, " +
                  std::to_string(kRows) + ") g;\n"
              "INSERT INTO documents SELECT 7, 'duplicate' WHERE :tenant = 'kb_13';\n");
    WriteFile(dir_ + "/0002_rollover_documents.reshape.toml", RolloverPlan("BIGINT"));
    // Runs after the swap: the new shape is what later migrations see.
    WriteFile(dir_ + "/0003_after.sql",
              "INSERT INTO documents (id, title, tenant) VALUES (1000, 'after', :tenant);\n");
  }
  std::vector<std::string> Flags(std::vector<std::string> extra = {}) {
    std::vector<std::string> f = {"--db", scratch_->url(), "--tenant-migrations", dir_,
                                  "--tenants-schemas", "kb\\_%"};
    f.insert(f.end(), extra.begin(), extra.end());
    return f;
  }
  TempDir tmp_;
  std::string dir_;
};

TEST_F(PgRollover, TwentySchemasRebuiltOneDuplicateKeyFails) {
  RunResult r = Tenants("up", Flags({"--dry-run"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_NE(r.out.find("rollover_documents"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("rollover: reshape documents into a new table and swap"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("20 of 20 tenant(s) would get 60 migration(s)"), std::string::npos) << r.out;
  r = Tenants("up", Flags({"--dry-run"}), true);
  nlohmann::json plan = ParseJson(r);
  ASSERT_EQ(plan["migrations"].size(), 3u) << r.out;
  EXPECT_EQ(plan["migrations"][1]["kind"], "rollover");
  EXPECT_EQ(plan["migrations"][0]["kind"], "sql");

  r = Tenants("up", Flags({"--concurrency", "4", "--max-attempts", "2", "--backoff", "0.001"}));
  ASSERT_EQ(r.code, 14) << Describe(r);
  auto st = StatusMap(Flags());
  ASSERT_EQ(st.size(), static_cast<size_t>(kTenants));
  for (int i = 1; i <= kTenants; ++i) {
    const std::string s = "kb_" + std::to_string(i);
    if (i == 13) {
      EXPECT_EQ(st[s], std::make_pair(std::string("1"), std::string("failed")));
      continue;
    }
    EXPECT_EQ(st[s], std::make_pair(std::string("3"), std::string("done"))) << s;
    // New shape: the tenant column holds the tenant, the key is BIGINT.
    EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM " + s + ".documents WHERE tenant = '" + s + "'"),
              kRows + 1) << s;
    EXPECT_EQ(Text(db_.get(), "SELECT data_type FROM information_schema.columns WHERE table_schema = '" +
                                  s + "' AND table_name = 'documents' AND column_name = 'id'"),
              "bigint") << s;
    // Same rows as the kept old table (plus the one 0003 added).
    std::string old = Text(db_.get(), "SELECT old_table FROM " + s + ".ferry_reshapes WHERE status = 'done'");
    ASSERT_FALSE(old.empty()) << s;
    std::vector<std::string> before = IdTitles(db_.get(), s + ".\"" + old + "\"");
    std::vector<std::string> after = IdTitles(db_.get(), s + ".documents WHERE id <> 1000");
    EXPECT_EQ(before.size(), static_cast<size_t>(kRows)) << s;
    EXPECT_EQ(before, after) << s;
    EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM " + s + ".ferry_reshapes"), 1) << s;
  }
  // The failed tenant: its error says why, its table is as it was.
  auto row = db_->Query("SELECT attempts, last_error FROM ferry_tenants WHERE tenant = 'kb_13'", {});
  ASSERT_TRUE(row.ok());
  EXPECT_EQ(row->GetInt(0, 0), 2);
  std::string err = row->GetText(0, 1).value_or("");
  EXPECT_NE(err.find("0002_rollover_documents.reshape.toml"), std::string::npos) << err;
  EXPECT_NE(err.find("appears 2 times"), std::string::npos) << err;
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM information_schema.columns WHERE "
                                "table_schema = 'kb_13' AND table_name = 'documents'"),
            2);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM kb_13.documents"), kRows + 1);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM information_schema.columns WHERE "
                                "table_schema = 'public' AND table_name = 'documents'"),
            2);

  // A crash after kb_2's swap but before its version moved (and before 0003):
  // the rerun finds the swap done and rebuilds nothing.
  ASSERT_TRUE(db_->Exec("DELETE FROM kb_2.documents WHERE id = 1000").ok());
  ASSERT_TRUE(db_->Exec("UPDATE ferry_tenants SET version = '1', state = 'pending' WHERE tenant = 'kb_2'").ok());
  r = Tenants("up", Flags({"--backoff", "0.001"}));
  EXPECT_EQ(r.code, 14) << Describe(r);  // kb_13 is still failed
  EXPECT_EQ(StatusMap(Flags())["kb_2"], std::make_pair(std::string("3"), std::string("done")));
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM kb_2.ferry_reshapes"), 1);
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM kb_2.documents"), kRows + 1);

  // Fix the tenant's data, retry: the rollover runs for it and it catches up.
  ASSERT_TRUE(db_->Exec("DELETE FROM kb_13.documents WHERE title = 'duplicate'").ok());
  r = Tenants("retry", Flags({"--backoff", "0.001"}));
  ASSERT_EQ(r.code, 0) << Describe(r);
  EXPECT_EQ(StatusMap(Flags())["kb_13"], std::make_pair(std::string("3"), std::string("done")));
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM kb_13.documents WHERE tenant = 'kb_13'"), kRows + 1);
}

TEST_F(PgRollover, QueryTenantsAreRefused) {
  ASSERT_TRUE(CreateQueryTenants(db_.get(), 2).ok());
  RunResult r = Tenants("up", {"--db", scratch_->url(), "--tenant-migrations", dir_,
                               "--tenants-query", "SELECT id FROM knowledge_boxes"});
  EXPECT_EQ(r.code, 10) << Describe(r);  // invalid input, before anything ran
  EXPECT_NE(r.err.find("0002_rollover_documents.reshape.toml"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("schema-per-tenant"), std::string::npos) << r.err;
  EXPECT_EQ(QueryInt(db_.get(), "SELECT count(*) FROM pg_tables WHERE tablename = 'ferry_tenants'"), 0);
}

TEST(SqliteRollover, TwentyDatabasesRebuiltOneDuplicateKeyFails) {
  TempDir tmp;
  std::string tenants = tmp / "tenants";
  for (int i = 1; i <= kTenants; ++i) WriteFile(tenants + "/kb" + std::to_string(i) + ".db", "");
  std::string dir = tmp / "tm";
  WriteFile(dir + "/0001_documents.sql",
            "CREATE TABLE documents (id INTEGER NOT NULL, title TEXT NOT NULL);\n"
            "WITH RECURSIVE g(n) AS (SELECT 1 UNION ALL SELECT n + 1 FROM g WHERE n < " +
                std::to_string(kRows) + ")\n"
            "INSERT INTO documents SELECT n, 'doc ' || n FROM g;\n"
            "INSERT INTO documents SELECT 7, 'duplicate' WHERE :tenant = 'kb13';\n");
  WriteFile(dir + "/0002_rollover_documents.reshape.toml", RolloverPlan("INTEGER"));
  WriteFile(dir + "/0003_after.sql",
            "INSERT INTO documents (id, title, tenant) VALUES (1000, 'after', :tenant);\n");
  std::string main = "sqlite:" + (tmp / "main.db");
  std::vector<std::string> flags = {"--db", main, "--tenant-migrations", dir, "--tenants-dir", tenants};
  std::vector<std::string> run_flags = flags;
  for (const char* f : {"--concurrency", "5", "--max-attempts", "2", "--backoff", "0.001"}) {
    run_flags.push_back(f);
  }
  RunResult r = Tenants("up", run_flags);
  ASSERT_EQ(r.code, 14) << Describe(r);
  auto st = StatusMap(flags);
  ASSERT_EQ(st.size(), static_cast<size_t>(kTenants));
  for (int i = 1; i <= kTenants; ++i) {
    const std::string id = "kb" + std::to_string(i);
    auto db = OpenDatabase("sqlite:" + tenants + "/" + id + ".db", Env::Default());
    ASSERT_TRUE(db.ok()) << db.status().ToString();
    if (i == 13) {
      EXPECT_EQ(st[id], std::make_pair(std::string("1"), std::string("failed")));
      EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM pragma_table_info('documents')"), 2);
      EXPECT_EQ(Text(db->get(), "SELECT version FROM ferry_tenant_version"), "1");
      continue;
    }
    EXPECT_EQ(st[id], std::make_pair(std::string("3"), std::string("done"))) << id;
    EXPECT_EQ(Text(db->get(), "SELECT version FROM ferry_tenant_version"), "3") << id;
    EXPECT_EQ(QueryInt(db->get(), "SELECT count(*) FROM documents WHERE tenant = '" + id + "'"),
              kRows + 1) << id;
    EXPECT_EQ(Text(db->get(), "SELECT type FROM pragma_table_info('documents') WHERE pk = 1"), "INTEGER")
        << id;
    std::string old = Text(db->get(), "SELECT old_table FROM ferry_reshapes WHERE status = 'done'");
    ASSERT_FALSE(old.empty()) << id;
    EXPECT_EQ(IdTitles(db->get(), "\"" + old + "\""), IdTitles(db->get(), "documents WHERE id <> 1000"))
        << id;
  }
  auto mdb = OpenDatabase(main, Env::Default());
  ASSERT_TRUE(mdb.ok());
  std::string err = Text(mdb->get(), "SELECT last_error FROM ferry_tenants WHERE tenant = 'kb13'");
  EXPECT_NE(err.find("appears 2 times"), std::string::npos) << err;

  // The dry run shows the rollover still due for kb13 (after `retry`).
  std::vector<std::string> dry = flags;
  dry.push_back("--dry-run");
  r = Tenants("retry", dry, true);
  ASSERT_EQ(r.code, 0) << Describe(r);
  nlohmann::json j = ParseJson(r);
  EXPECT_EQ(j["migrations"][1]["kind"], "rollover");
  for (auto& t : j["tenants"]) {
    if (t["tenant"] == "kb13") {
      EXPECT_EQ(t["pending"], nlohmann::json::array({"2", "3"}));
    } else {
      EXPECT_TRUE(t["pending"].empty()) << t.dump();
    }
  }
}

}  // namespace
}  // namespace ferry::testing
