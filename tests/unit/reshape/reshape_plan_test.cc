#include <gtest/gtest.h>

#include "jobs/reshape/reshape_plan.h"
#include "jobs/reshape/reshape_sql.h"

namespace ferry {
namespace {

const char* kPlan = R"toml(table = "chunks"
key = ["id"]
ddl = "CREATE TABLE {new} (id bigint, c bigint, p int, PRIMARY KEY (id, p)) PARTITION BY LIST (p)"
select = "id, c, abs(hashtext(c::text)) % 4 AS p"
indexes = ["CREATE INDEX x ON {new} (c)"]
[partitions]
count = 4
column = "p"
[[check]]
sql = "SELECT count(DISTINCT c) FROM {table}"
)toml";

TEST(ReshapePlan, ParsesAndDefaults) {
  auto p = ParseReshapePlan(kPlan, "p.toml");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_EQ(p->table, "chunks");
  EXPECT_EQ(p->name, "chunks");
  EXPECT_EQ(p->new_table, "chunks_reshape_new");
  EXPECT_EQ(p->batch_size, 10000);
  EXPECT_EQ(p->partition_count, 4);
  EXPECT_EQ(p->partition_method, PartitionMethod::kList);
  ASSERT_EQ(p->checks.size(), 1u);
}

TEST(ReshapePlan, SyntaxErrorNamesFileAndLine) {
  auto p = ParseReshapePlan("table = \"t\"\nkey = [\"id\"\nddl = 1\n", "bad.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("bad.toml:"), std::string::npos) << p.status().message();
}

TEST(ReshapePlan, SemanticErrorNamesLine) {
  auto p = ParseReshapePlan("table = \"t\"\nkey = [\"id\"]\nddl = \"CREATE TABLE {new} (id int)\"\n"
                            "select = \"id\"\nbatch_size = -3\n",
                            "b.toml");
  ASSERT_FALSE(p.ok());
  EXPECT_NE(p.status().message().find("b.toml:5:"), std::string::npos) << p.status().message();
  auto q = ParseReshapePlan("table = \"t\"\nkey = [\"id\"]\nselect = \"id\"\n", "c.toml");
  ASSERT_FALSE(q.ok());
  EXPECT_NE(q.status().message().find("ddl"), std::string::npos);
  auto u = ParseReshapePlan("tabel = \"t\"\n", "d.toml");
  ASSERT_FALSE(u.ok());
  EXPECT_NE(u.status().message().find("d.toml:1: unknown key \"tabel\""), std::string::npos)
      << u.status().message();
}

TEST(ReshapeSql, KeysetCopyAndPartitions) {
  auto p = ParseReshapePlan(kPlan, "p.toml");
  ASSERT_TRUE(p.ok());
  ReshapeSql sql(Dialect::kPostgres, *p);
  using F = ReshapeSql::CopyForm;
  EXPECT_EQ(sql.CopyBatch(true, true),
            "INSERT INTO \"chunks_reshape_new\" SELECT id, c, abs(hashtext(c::text)) % 4 AS p FROM"
            " (SELECT * FROM \"chunks\" WHERE \"id\" > $1 AND \"id\" <= $2 ORDER BY \"id\" FOR"
            " SHARE) AS o ON CONFLICT DO NOTHING");
  // --copy-lock table: no row locks, no ON CONFLICT; keys the trigger wrote
  // are skipped by a hashed NOT IN over the same range.
  // --copy-lock rows, first try: row locks, but a plain INSERT with NOT IN.
  EXPECT_EQ(sql.CopyBatch(true, true, F::kRowLocked),
            "INSERT INTO \"chunks_reshape_new\" SELECT id, c, abs(hashtext(c::text)) % 4 AS p FROM"
            " (SELECT * FROM \"chunks\" WHERE \"id\" > $1 AND \"id\" <= $2 ORDER BY \"id\" FOR"
            " SHARE) AS o WHERE o.\"id\" NOT IN (SELECT \"id\" FROM \"chunks_reshape_new\" WHERE"
            " \"id\" > $1 AND \"id\" <= $2)");
  EXPECT_EQ(sql.CopyBatch(true, true, F::kTableLocked),
            "INSERT INTO \"chunks_reshape_new\" SELECT id, c, abs(hashtext(c::text)) % 4 AS p FROM"
            " (SELECT * FROM \"chunks\" WHERE \"id\" > $1 AND \"id\" <= $2) AS o WHERE o.\"id\""
            " NOT IN (SELECT \"id\" FROM \"chunks_reshape_new\" WHERE \"id\" > $1 AND \"id\" <= $2)");
  EXPECT_EQ(sql.LockForCopy(), "LOCK TABLE \"chunks\" IN SHARE MODE");
  auto create = sql.CreateNewTable();
  ASSERT_EQ(create.size(), 5u);
  EXPECT_EQ(create[4],
            "CREATE TABLE \"chunks_reshape_new_p3\" PARTITION OF \"chunks_reshape_new\" FOR VALUES IN (3)");
  EXPECT_EQ(sql.Describe().size(), 9u);
  ReshapePlan two = *p;
  two.key = {"a", "b"};
  ReshapeSql s2(Dialect::kSqlite, two, {"a", "b", "c"});
  EXPECT_NE(s2.BatchUpperBound(true).find("(\"a\", \"b\") > ($1, $2)"), std::string::npos);
  ReshapeSql p2(Dialect::kPostgres, two);
  EXPECT_NE(p2.CopyBatch(false, true, F::kTableLocked).find("(o.\"a\", o.\"b\") NOT IN (SELECT \"a\", \"b\""),
            std::string::npos)
      << p2.CopyBatch(false, true, F::kTableLocked);
}

}  // namespace
}  // namespace ferry
