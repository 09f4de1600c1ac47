// MysqlScratchDatabase: a fresh MySQL/MariaDB database for one test process,
// as PgScratchDatabase is for PostgreSQL.
//
// Created on the server named by FERRY_TEST_MYSQL_URL (whose user may create
// databases: scripts/test-servers.sh grants it) with a unique name
// (ferry_t_<pid>_<random>), CHARACTER SET utf8mb4 and the server's default
// collation, and dropped when the object dies.
//
//   std::string admin;
//   FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_MYSQL_URL");
//   auto scratch = MysqlScratchDatabase::Create(admin);   // Result<unique_ptr<..>>
//   OpenDatabase(scratch.value()->url(), Env::Default());
#pragma once

#include <unistd.h>

#include <memory>
#include <random>
#include <string>

#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"

namespace ferry::testing {

class MysqlScratchDatabase {
 public:
  static Result<std::unique_ptr<MysqlScratchDatabase>> Create(const std::string& admin_url) {
    std::random_device rd;
    std::string name = "ferry_t_" + std::to_string(::getpid()) + "_" + std::to_string(rd() % 1000000);
    FERRY_ASSIGN_OR_RETURN(auto admin, OpenDatabase(admin_url, Env::Default()));
    FERRY_RETURN_IF_ERROR(
        admin->Exec("CREATE DATABASE " + admin->QuoteIdentifier(name) + " CHARACTER SET utf8mb4"));
    return std::unique_ptr<MysqlScratchDatabase>(new MysqlScratchDatabase(
        admin_url, name, PgScratchDatabase::WithDatabase(admin_url, name)));
  }

  ~MysqlScratchDatabase() {
    auto admin = OpenDatabase(admin_url_, Env::Default());
    if (admin.ok()) (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + (*admin)->QuoteIdentifier(name_));
  }

  // mysql://...@host:port/<name>?<the admin URL's query>
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

 private:
  MysqlScratchDatabase(std::string admin_url, std::string name, std::string url)
      : admin_url_(std::move(admin_url)), name_(std::move(name)), url_(std::move(url)) {}

  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace ferry::testing
