// PgScratchDatabase: a fresh PostgreSQL database for one test process.
//
// Tests share the servers scripts/test-servers.sh starts, so each test
// process works in a database of its own, created on the server named by
// FERRY_TEST_PG_URL with a unique name (ferry_t_<pid>_<random>) and dropped
// (WITH (FORCE), so leftover sessions do not block it) when the object dies.
// ctest runs every test case as its own process, so test cases never see each
// other's tables even under `ctest -j`.
//
//   std::string admin;
//   FERRY_REQUIRE_SERVER(admin, "FERRY_TEST_PG_URL");
//   auto scratch = PgScratchDatabase::Create(admin);   // Result<unique_ptr<..>>
//   OpenDatabase(scratch.value()->url(), Env::Default());
//
// A crashed test leaves its database behind; they are easy to spot by the
// prefix and are removed with the server's data by `rm -rf /tmp/ferry-test`.
#pragma once

#include <unistd.h>

#include <memory>
#include <random>
#include <string>

#include "db/database.h"

namespace ferry::testing {

class PgScratchDatabase {
 public:
  static Result<std::unique_ptr<PgScratchDatabase>> Create(const std::string& admin_url) {
    std::random_device rd;
    std::string name = "ferry_t_" + std::to_string(::getpid()) + "_" + std::to_string(rd() % 1000000);
    FERRY_ASSIGN_OR_RETURN(auto admin, OpenDatabase(admin_url, Env::Default()));
    FERRY_RETURN_IF_ERROR(admin->Exec("CREATE DATABASE " + admin->QuoteIdentifier(name)));
    return std::unique_ptr<PgScratchDatabase>(
        new PgScratchDatabase(admin_url, name, WithDatabase(admin_url, name)));
  }

  ~PgScratchDatabase() {
    auto admin = OpenDatabase(admin_url_, Env::Default());
    if (admin.ok())
      (void)(*admin)->Exec("DROP DATABASE IF EXISTS " + (*admin)->QuoteIdentifier(name_) +
                           " WITH (FORCE)");
  }

  // postgres://...@host:port/<name>?<the admin URL's query>
  const std::string& url() const { return url_; }
  const std::string& name() const { return name_; }

  // `url` with its database part replaced by `database`.
  static std::string WithDatabase(const std::string& url, const std::string& database) {
    size_t scheme_end = url.find("://");
    size_t start = scheme_end == std::string::npos ? 0 : scheme_end + 3;
    size_t query = url.find('?', start);
    size_t slash = url.find('/', start);
    if (slash != std::string::npos && query != std::string::npos && slash > query)
      slash = std::string::npos;
    size_t base_end = slash != std::string::npos ? slash
                      : query != std::string::npos ? query
                                                   : url.size();
    std::string tail = query == std::string::npos ? "" : url.substr(query);
    return url.substr(0, base_end) + "/" + database + tail;
  }

 private:
  PgScratchDatabase(std::string admin_url, std::string name, std::string url)
      : admin_url_(std::move(admin_url)), name_(std::move(name)), url_(std::move(url)) {}

  std::string admin_url_;
  std::string name_;
  std::string url_;
};

}  // namespace ferry::testing
