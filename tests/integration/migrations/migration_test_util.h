// Helpers for the migration tests: run the real `ferry` binary as a
// subprocess, scratch folders, engines (a SQLite file or a fresh PostgreSQL
// database), and a schema fingerprint to compare "before" and "after".
//
// FERRY_BINARY (compile definition) is the path of the ferry CLI under test;
// FERRY_TEST_DATA is tests/data.
#pragma once

#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "conformance/database/pg_scratch_database.h"
#include "db/database.h"
#include "integration/servers.h"

namespace ferry::testing {

namespace fs = std::filesystem;

struct RunResult {
  int code = -1;       // exit code; 128+N when killed by signal N
  std::string out, err;
  double seconds = 0;  // wall time
  std::string all() const { return out + err; }
};

inline std::string ReadAll(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline void WriteFile(const std::string& path, const std::string& text) {
  fs::create_directories(fs::path(path).parent_path());
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

// A directory removed when the object dies.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = (fs::temp_directory_path() /
             ("ferry_mig_" + std::to_string(::getpid()) + "_" + std::to_string(rd())))
                .string();
    fs::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    fs::permissions(path_, fs::perms::owner_all, fs::perm_options::add, ec);
    fs::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

struct RunOptions {
  std::map<std::string, std::string> env;  // added to a clean environment
  std::string cwd;                         // empty: inherit
  double timeout_seconds = 120;
};

// Starts ferry with args; returns the pid. stdout/stderr go to out_path/err_path.
inline pid_t SpawnFerry(const std::vector<std::string>& args, const RunOptions& opts,
                        const std::string& out_path, const std::string& err_path) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int o = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    int e = ::open(err_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    ::dup2(o, 1);
    ::dup2(e, 2);
    if (!opts.cwd.empty() && ::chdir(opts.cwd.c_str()) != 0) ::_exit(127);
    // A clean environment: the ferry variables of the test runner never leak in.
    std::vector<std::string> envs = {"PATH=/usr/bin:/bin", "HOME=/tmp", "LANG=C.UTF-8"};
    for (auto& [k, v] : opts.env) envs.push_back(k + "=" + v);
    std::vector<char*> envp;
    for (auto& s : envs) envp.push_back(s.data());
    envp.push_back(nullptr);
    std::vector<std::string> argv_s = {FERRY_BINARY};
    argv_s.insert(argv_s.end(), args.begin(), args.end());
    std::vector<char*> argv;
    for (auto& s : argv_s) argv.push_back(s.data());
    argv.push_back(nullptr);
    ::execve(FERRY_BINARY, argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

inline int WaitExit(pid_t pid, double timeout_seconds, bool* timed_out = nullptr) {
  auto deadline = std::chrono::steady_clock::now() +
                  std::chrono::milliseconds(static_cast<int64_t>(timeout_seconds * 1000));
  int status = 0;
  while (true) {
    pid_t r = ::waitpid(pid, &status, WNOHANG);
    if (r == pid) break;
    if (std::chrono::steady_clock::now() > deadline) {
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
      if (timed_out) *timed_out = true;
      break;
    }
    ::usleep(2000);
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  if (WIFSIGNALED(status)) return 128 + WTERMSIG(status);
  return -1;
}

inline RunResult RunFerry(const std::vector<std::string>& args, const RunOptions& opts = {}) {
  static int counter = 0;
  std::string base = (fs::temp_directory_path() / ("ferry_run_" + std::to_string(::getpid()) +
                                                   "_" + std::to_string(counter++)))
                         .string();
  auto t0 = std::chrono::steady_clock::now();
  pid_t pid = SpawnFerry(args, opts, base + ".out", base + ".err");
  bool timed_out = false;
  RunResult r;
  r.code = WaitExit(pid, opts.timeout_seconds, &timed_out);
  r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  r.out = ReadAll(base + ".out");
  r.err = ReadAll(base + ".err");
  if (timed_out) r.err += "\n[test: ferry timed out and was killed]";
  fs::remove(base + ".out");
  fs::remove(base + ".err");
  return r;
}

inline std::string Describe(const RunResult& r) {
  return "exit " + std::to_string(r.code) + "\n--- stdout:\n" + r.out + "\n--- stderr:\n" + r.err;
}

// One database to migrate: a SQLite file in a temp dir, or a fresh
// PostgreSQL database (dropped with the object).
class TestEngine {
 public:
  // "sqlite" or "postgres". For postgres, skips (or fails under
  // FERRY_TEST_REQUIRE_SERVERS=1) when no server is configured: check
  // ready() after the call, as GTEST_SKIP only returns from this function.
  explicit TestEngine(const std::string& kind) : kind_(kind) {
    if (kind == "sqlite") {
      url_ = "sqlite:" + dir_ / "app.db";
      ready_ = true;
      return;
    }
    std::string admin = ServerFromEnv("FERRY_TEST_PG_URL");
    if (admin.empty()) return;
    auto s = PgScratchDatabase::Create(admin);
    if (!s.ok()) {
      error_ = s.status().ToString();
      return;
    }
    scratch_ = std::move(s).value();
    url_ = scratch_->url();
    ready_ = true;
  }
  bool ready() const { return ready_; }
  const std::string& error() const { return error_; }
  const std::string& kind() const { return kind_; }
  bool is_pg() const { return kind_ == "postgres"; }
  const std::string& url() const { return url_; }
  const TempDir& dir() const { return dir_; }

  std::unique_ptr<Database> Open() {
    auto db = OpenDatabase(url_, Env::Default());
    EXPECT_TRUE(db.ok()) << db.status().ToString();
    return db.ok() ? std::move(db).value() : nullptr;
  }

  // A single integer from a query; -1 on error.
  int64_t QueryInt(const std::string& sql) {
    auto db = Open();
    if (!db) return -1;
    auto rows = db->Query(sql, {});
    if (!rows.ok() || rows->rows.empty()) {
      ADD_FAILURE() << sql << ": " << (rows.ok() ? "no rows" : rows.status().ToString());
      return -1;
    }
    return rows->GetInt(0, 0).value_or(-1);
  }

  std::vector<std::vector<std::string>> QueryText(const std::string& sql) {
    std::vector<std::vector<std::string>> out;
    auto db = Open();
    if (!db) return out;
    auto rows = db->Query(sql, {});
    if (!rows.ok()) {
      ADD_FAILURE() << sql << ": " << rows.status().ToString();
      return out;
    }
    for (size_t i = 0; i < rows->rows.size(); ++i) {
      std::vector<std::string> r;
      for (size_t c = 0; c < rows->columns.size(); ++c) r.push_back(rows->GetText(i, c).value_or("NULL"));
      out.push_back(std::move(r));
    }
    return out;
  }

  bool TableExists(const std::string& table) {
    auto db = Open();
    if (!db) return false;
    auto r = db->TableExists(table);
    return r.ok() && *r;
  }

  // The user schema (tables, columns, indexes, views, triggers, types,
  // functions) as text; the ledger table is excluded. Two equal dumps mean
  // "nothing changed".
  std::string SchemaDump() {
    std::string sql;
    if (!is_pg()) {
      sql =
          "SELECT type || ' ' || name || ' ' || coalesce(sql, '') FROM sqlite_master "
          "WHERE name NOT LIKE 'ferry_%' AND name NOT LIKE 'sqlite_%' ORDER BY type, name";
    } else {
      sql =
          "SELECT * FROM ("
          " SELECT 'rel ' || c.relkind::text || ' ' || c.relname::text || ' ' ||"
          "   coalesce((SELECT string_agg(a.attname || ':' || format_type(a.atttypid, a.atttypmod),"
          "   ',' ORDER BY a.attnum) FROM pg_attribute a WHERE a.attrelid = c.oid AND a.attnum > 0"
          "   AND NOT a.attisdropped), '') AS x"
          " FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
          " WHERE n.nspname = 'public' AND c.relname NOT LIKE 'ferry\\_%'"
          " UNION ALL SELECT 'type ' || t.typname || ' ' || coalesce((SELECT string_agg(e.enumlabel,"
          "   ',' ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid), '')"
          " FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"
          " WHERE n.nspname = 'public' AND t.typname NOT LIKE '%ferry\\_%'"
          " UNION ALL SELECT 'func ' || p.proname || '(' || pg_get_function_identity_arguments(p.oid)"
          "   || ')' FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace"
          " WHERE n.nspname = 'public'"
          " UNION ALL SELECT 'trigger ' || tgname FROM pg_trigger WHERE NOT tgisinternal"
          " UNION ALL SELECT 'ext ' || extname FROM pg_extension WHERE extname <> 'plpgsql'"
          ") s ORDER BY 1";
    }
    std::string out;
    for (auto& row : QueryText(sql)) out += row[0] + "\n";
    return out;
  }

  // version|state rows of the ledger, in order; "" when the ledger is absent.
  std::string LedgerDump() {
    if (!TableExists("ferry_schema_migrations")) return "";
    std::string out;
    for (auto& row : QueryText(
             "SELECT version, state, checksum FROM ferry_schema_migrations ORDER BY version"))
      out += row[0] + "|" + row[1] + "|" + row[2] + "\n";
    return out;
  }

 private:
  std::string kind_;
  TempDir dir_;
  std::string url_;
  std::string error_;
  bool ready_ = false;
  std::unique_ptr<PgScratchDatabase> scratch_;
};

// For a TEST_P over {"sqlite", "postgres"}: creates the engine or skips.
#define FERRY_ENGINE_OR_SKIP(engine_ptr, kind)                                      \
  do {                                                                             \
    if ((kind) == std::string("postgres") &&                                       \
        ::ferry::testing::ServerFromEnv("FERRY_TEST_PG_URL").empty()) {            \
      if (::ferry::testing::ServersRequired()) FAIL() << "FERRY_TEST_PG_URL is not set"; \
      GTEST_SKIP() << "FERRY_TEST_PG_URL is not set: start servers with scripts/test-servers.sh"; \
    }                                                                              \
    engine_ptr = std::make_unique<::ferry::testing::TestEngine>(kind);             \
    ASSERT_TRUE(engine_ptr->ready()) << engine_ptr->error();                       \
  } while (0)

inline std::string DataDir() { return FERRY_TEST_DATA; }

// Copies a fixture folder under tests/data into dest.
inline void CopyFixture(const std::string& name, const std::string& dest) {
  fs::create_directories(dest);
  fs::copy(DataDir() + "/" + name, dest, fs::copy_options::recursive | fs::copy_options::overwrite_existing);
}

}  // namespace ferry::testing
