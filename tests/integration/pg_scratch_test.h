// A test fixture whose every case works in a PostgreSQL database of its
// own (PgScratchDatabase, dropped afterwards) through `db_`; Open() gives
// further connections to it. Skips, or fails where servers are required,
// without FERRY_TEST_PG_URL.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>

#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"
#include "integration/servers.h"

namespace ferry::testing {

class PgScratchTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string admin;
    FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
    auto s = PgScratchDatabase::Create(admin);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    scratch_ = std::move(s).value();
    db_ = Open();
    ASSERT_NE(db_, nullptr);
  }
  void TearDown() override { db_.reset(); }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(scratch_->url(), Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  std::unique_ptr<PgScratchDatabase> scratch_;
  std::unique_ptr<Database> db_;
};

}  // namespace ferry::testing
