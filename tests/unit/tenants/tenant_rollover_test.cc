// Rollover tenant migrations: loading *.reshape.toml files and binding the
// tenant into the plan (the runs themselves are integration tests).
#include "jobs/tenants/tenant_rollover.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <fstream>

namespace ferry {
namespace {

class Folder {
 public:
  Folder() {
    char tmpl[] = "/tmp/ferry_rollover_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~Folder() { (void)std::system(("rm -rf " + path_).c_str()); }
  void Write(const std::string& name, const std::string& text) {
    std::ofstream(path_ + "/" + name) << text;
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

const char* kPlan =
    "table = \"documents\"\n"
    "key = [\"id\"]\n"
    "ddl = \"CREATE TABLE {new} (id BIGINT PRIMARY KEY, title TEXT, tenant TEXT DEFAULT :tenant)\"\n"
    "select = \"id, title, :tenant AS tenant\"\n"
    "indexes = [\"CREATE INDEX docs_t ON {{tenant_schema}}.{new} (title) WHERE title <> ':tenant'\"]\n"
    "[[check]]\n"
    "sql = \"SELECT count(*) FROM {table} WHERE title <> :tenant\"\n";

TEST(TenantRollover, LoadsPlanAsRolloverMigration) {
  Folder d;
  d.Write("0001_a.sql", "CREATE TABLE documents (id INT NOT NULL, title TEXT);\n");
  d.Write("0002_rollover_documents.reshape.toml", kPlan);
  auto r = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->migrations.size(), 2u);
  const TenantMigration& m = r->migrations[1];
  EXPECT_EQ(m.kind, TenantMigrationKind::kRollover);
  EXPECT_EQ(m.name, "rollover_documents");
  EXPECT_EQ(m.plan.table, "documents");
  // The run is named after the migration, not the table.
  EXPECT_EQ(m.plan.name, "0002_rollover_documents");
  EXPECT_EQ(TenantMigrationKindName(m.kind), "rollover");
}

TEST(TenantRollover, BadPlanNamesFileAndLine) {
  Folder d;
  d.Write("0002_rollover.reshape.toml", "table = \"documents\"\nkey = [\"id\"]\nddl = 5\n");
  auto r = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), Code::kInvalidArgument);
  EXPECT_NE(r.status().message().find("0002_rollover.reshape.toml:3"), std::string::npos)
      << r.status().message();
  Folder e;
  e.Write("rollover.reshape.toml", kPlan);
  auto bad_name = LoadTenantMigrations(e.path(), Env::Default());
  ASSERT_FALSE(bad_name.ok());
  EXPECT_NE(bad_name.status().message().find("NNNN_name.reshape.toml"), std::string::npos);
}

TEST(TenantRollover, DuplicateVersionWithSql) {
  Folder d;
  d.Write("0002_a.sql", "SELECT 1;\n");
  d.Write("0002_rollover.reshape.toml", kPlan);
  auto r = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("duplicate"), std::string::npos);
}

TEST(TenantRollover, BindsTenantIntoEverySqlKey) {
  Folder d;
  d.Write("0002_rollover_documents.reshape.toml", kPlan);
  auto set = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  const TenantMigration& m = set->migrations[0];
  auto p = BindRolloverPlan(m, Tenant{"kb_'1", "", "kb_'1"}, Dialect::kPostgres);
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->ddl, "CREATE TABLE {new} (id BIGINT PRIMARY KEY, title TEXT, tenant TEXT DEFAULT 'kb_''1')");
  EXPECT_EQ(p->select, "id, title, 'kb_''1' AS tenant");
  ASSERT_EQ(p->indexes.size(), 1u);
  // Inside a string literal :tenant is text, not a placeholder.
  EXPECT_EQ(p->indexes[0], "CREATE INDEX docs_t ON \"kb_'1\".{new} (title) WHERE title <> ':tenant'");
  ASSERT_EQ(p->checks.size(), 1u);
  EXPECT_EQ(p->checks[0].sql, "SELECT count(*) FROM {table} WHERE title <> 'kb_''1'");
  EXPECT_EQ(p->checksum, m.plan.checksum);  // one plan, whichever tenant
  // {{tenant_schema}} without schema-per-tenant names the file and the key.
  auto no_schema = BindRolloverPlan(m, Tenant{"kb1", "sqlite:kb1.db", ""}, Dialect::kSqlite);
  ASSERT_FALSE(no_schema.ok());
  EXPECT_NE(no_schema.status().message().find("0002_rollover_documents.reshape.toml: indexes"),
            std::string::npos)
      << no_schema.status().message();
}

}  // namespace
}  // namespace ferry
