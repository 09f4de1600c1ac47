#include "jobs/tenants/tenant_migration.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace ferry {
namespace {

TenantMigration Sql(const std::string& text) {
  TenantMigration m;
  m.path = "tenant_migrations/0001_x.sql";
  m.sql = text;
  return m;
}

std::vector<BoundStatement> Bind(const std::string& text, Dialect d = Dialect::kPostgres,
                                 const std::string& schema = "") {
  auto r = BindTenantSql(Sql(text), d, {schema});
  EXPECT_TRUE(r.ok()) << r.status().ToString();
  return r.ok() ? *r : std::vector<BoundStatement>{};
}

TEST(BindTenantSql, RewritesTenantOutsideStringsAndComments) {
  auto s = Bind("UPDATE kb SET v = 1 WHERE id = :tenant AND note = ':tenant' -- :tenant\n"
                "AND x = \":tenant\" /* :tenant */ AND y::text = :tenant;");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].text,
            "UPDATE kb SET v = 1 WHERE id = $1 AND note = ':tenant' -- :tenant\n"
            "AND x = \":tenant\" /* :tenant */ AND y::text = $1");
  EXPECT_TRUE(s[0].uses_tenant);
}

TEST(BindTenantSql, LeavesCastsLongerNamesAndDollarQuotesAlone) {
  auto s = Bind("SELECT x::tenant, :tenant_id, $$ :tenant $$, $f$ :tenant $f$, E'\\' :tenant';");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].text, "SELECT x::tenant, :tenant_id, $$ :tenant $$, $f$ :tenant $f$, E'\\' :tenant'");
  EXPECT_FALSE(s[0].uses_tenant);
}

TEST(BindTenantSql, SplitsAndNumbersLines) {
  TenantMigration m = Sql("CREATE TABLE t (x int);\n\nINSERT INTO t VALUES (:tenant);\n");
  m.first_line = 3;
  auto r = BindTenantSql(m, Dialect::kSqlite, {});
  ASSERT_TRUE(r.ok());
  ASSERT_EQ(r->size(), 2u);
  EXPECT_FALSE((*r)[0].uses_tenant);
  EXPECT_EQ((*r)[1].text, "INSERT INTO t VALUES ($1)");
  EXPECT_EQ((*r)[1].line, 5);
}

TEST(BindTenantSql, SchemaMarker) {
  auto s = Bind("CREATE TABLE {{tenant_schema}}.t (x int);", Dialect::kPostgres, "\"kb_1\"");
  ASSERT_EQ(s.size(), 1u);
  EXPECT_EQ(s[0].text, "CREATE TABLE \"kb_1\".t (x int)");
  auto bad = BindTenantSql(Sql("\nCREATE TABLE {{tenant_schema}}.t (x int);"), Dialect::kPostgres, {});
  ASSERT_FALSE(bad.ok());
  EXPECT_NE(bad.status().message().find("0001_x.sql:2"), std::string::npos) << bad.status().message();
}

TEST(BindTenantSql, MixingParametersIsAnError) {
  auto r = BindTenantSql(Sql("SELECT $1, :tenant;"), Dialect::kPostgres, {});
  EXPECT_FALSE(r.ok());
}

class TempFolder {
 public:
  TempFolder() {
    char tmpl[] = "/tmp/ferry_tenants_XXXXXX";
    path_ = ::mkdtemp(tmpl);
  }
  ~TempFolder() { (void)std::system(("rm -rf " + path_).c_str()); }
  void Write(const std::string& name, const std::string& text, bool exec = false) {
    std::ofstream(path_ + "/" + name) << text;
    if (exec) ::chmod((path_ + "/" + name).c_str(), 0755);
  }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

TEST(LoadTenantMigrations, SqlAndExecutablesInOrder) {
  TempFolder d;
  d.Write("0001_a.sql", "-- +up\nCREATE TABLE a (x int);\n-- +down\nDROP TABLE a;\n");
  d.Write("0003_reindex.sh", "#!/bin/sh\nexit 0\n", true);
  d.Write("0002_b.sql", "CREATE TABLE b (x int);\n");
  d.Write("README.md", "notes");
  d.Write("notes.txt", "not executable");
  auto r = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  ASSERT_EQ(r->migrations.size(), 3u);
  EXPECT_EQ(r->migrations[0].sql.find("DROP"), std::string::npos);  // up section only
  EXPECT_EQ(r->migrations[2].kind, TenantMigrationKind::kExecutable);
  EXPECT_EQ(r->migrations[2].name, "reindex");
  EXPECT_EQ(r->LatestVersion(), "3");
  auto p = r->PendingAfter("1");
  ASSERT_TRUE(p.ok());
  ASSERT_EQ(p->size(), 2u);
  EXPECT_EQ((*p)[0]->name, "b");
  EXPECT_EQ(r->PendingAfter("")->size(), 3u);
  EXPECT_EQ(r->PendingAfter("9").status().code(), Code::kSchemaTooNew);
}

TEST(LoadTenantMigrations, DuplicateVersionAcrossKinds) {
  TempFolder d;
  d.Write("0001_a.sql", "SELECT 1;");
  d.Write("0001_a.py", "#!/usr/bin/env python3\n", true);
  auto r = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("duplicate"), std::string::npos);
}

TEST(LoadTenantMigrations, BadNamesAndMissingFolder) {
  TempFolder d;
  d.Write("reindex.sh", "#!/bin/sh\n", true);
  auto r = LoadTenantMigrations(d.path(), Env::Default());
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("reindex.sh"), std::string::npos);
  auto missing = LoadTenantMigrations(d.path() + "/nope", Env::Default());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
}

}  // namespace
}  // namespace ferry
