// PostgreSQL archiver: pg_dump (custom format) pinned to a snapshot that
// ferry exports, so the row counts in the manifest describe exactly the
// dumped data; pg_restore --single-transaction loads it back atomically.
//
// Connection details go to the tools as PG* environment variables (the
// password never appears on a command line). When pg_dump is not on PATH
// this archiver is Unavailable and MakeArchiver picks the COPY-based one
// (postgres_copy_archiver.cc) unless pg_dump was asked for.
#include <random>

#include "jobs/backup/archiver.h"
#include "jobs/backup/subprocess.h"

namespace ferry {
namespace {

constexpr const char* kDataFile = "database.pgdump";

std::vector<std::string> PgEnv(const DatabaseUrl& u, const std::string& database) {
  std::vector<std::string> env;
  if (!u.host.empty()) env.push_back("PGHOST=" + u.host);
  if (u.port != 0) env.push_back("PGPORT=" + std::to_string(u.port));
  if (!u.user.empty()) env.push_back("PGUSER=" + u.user);
  if (!u.password.empty()) env.push_back("PGPASSWORD=" + u.password);
  env.push_back("PGDATABASE=" + database);
  if (auto it = u.params.find("sslmode"); it != u.params.end()) env.push_back("PGSSLMODE=" + it->second);
  if (auto it = u.params.find("connect_timeout"); it != u.params.end())
    env.push_back("PGCONNECT_TIMEOUT=" + it->second);
  return env;
}

Result<TableRows> CountRows(Database* db) {
  FERRY_ASSIGN_OR_RETURN(
      Rows tables, db->Query("SELECT schemaname, tablename FROM pg_tables WHERE schemaname NOT IN"
                             " ('pg_catalog', 'information_schema') ORDER BY 1, 2",
                             {}));
  TableRows out;
  for (size_t i = 0; i < tables.size(); ++i) {
    std::string schema = tables.GetText(i, 0).value_or(""), name = tables.GetText(i, 1).value_or("");
    FERRY_ASSIGN_OR_RETURN(Rows c, db->Query("SELECT count(*) FROM " + db->QuoteIdentifier(schema) +
                                                 "." + db->QuoteIdentifier(name),
                                             {}));
    out[schema == "public" ? name : schema + "." + name] = c.GetInt(0, 0).value_or(0);
  }
  return out;
}

class PostgresArchiver : public Archiver {
 public:
  PostgresArchiver(Database* db, Env* env) : db_(db), env_(env) {}

  Result<DumpResult> Dump(const std::string& dir) override {
    if (db_->InTransaction()) return FailedPrecondition("pg archive: a transaction is open");
    FERRY_RETURN_IF_ERROR(db_->Begin());
    auto r = DumpInSnapshot(dir);
    (void)db_->Rollback();  // read-only: nothing to keep
    return r;
  }

  Result<TableRows> Restore(const std::string& dir) override {
    const DatabaseUrl& u = db_->url();
    FERRY_RETURN_IF_ERROR(RunProcess({"pg_restore", "--clean", "--if-exists", "--single-transaction",
                                      "--no-owner", "--exit-on-error", "-d", u.database,
                                      dir + "/" + kDataFile},
                                     PgEnv(u, u.database)));
    return CountRows(db_);
  }

  Result<TableRows> TestRestore(const std::string& dir) override {
    const DatabaseUrl& u = db_->url();
    std::string scratch = "ferry_verify_" + std::to_string(env_->Random64() % 100000000);
    FERRY_RETURN_IF_ERROR(db_->Exec("CREATE DATABASE " + db_->QuoteIdentifier(scratch)));
    auto rows = [&]() -> Result<TableRows> {
      FERRY_RETURN_IF_ERROR(RunProcess({"pg_restore", "--no-owner", "--exit-on-error",
                                        "--single-transaction", "-d", scratch,
                                        dir + "/" + kDataFile},
                                       PgEnv(u, scratch)));
      DatabaseUrl su = u;
      su.database = scratch;
      FERRY_ASSIGN_OR_RETURN(auto sdb, OpenDatabase(su, env_));
      return CountRows(sdb.get());
    }();
    (void)db_->Exec("DROP DATABASE IF EXISTS " + db_->QuoteIdentifier(scratch) + " WITH (FORCE)");
    return rows;
  }

 private:
  Result<DumpResult> DumpInSnapshot(const std::string& dir) {
    FERRY_RETURN_IF_ERROR(
        db_->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY"));
    FERRY_ASSIGN_OR_RETURN(Rows snap, db_->Query("SELECT pg_export_snapshot()", {}));
    std::string snapshot = snap.GetText(0, 0).value_or("");
    DumpResult r;
    // Counted in the exported snapshot: the same rows pg_dump writes.
    FERRY_ASSIGN_OR_RETURN(r.tables, CountRows(db_));
    const DatabaseUrl& u = db_->url();
    const std::string out = dir + "/" + kDataFile;
    FERRY_RETURN_IF_ERROR(RunProcess({"pg_dump", "--format=custom", "--no-owner",
                                      "--snapshot=" + snapshot, "--file=" + out, u.database},
                                     PgEnv(u, u.database)));
    r.files.push_back(kDataFile);
    r.method = "pg_dump";
    return r;
  }

  Database* db_;
  Env* env_;
};

}  // namespace

Result<std::unique_ptr<Archiver>> NewPostgresArchiver(Database* db, Env* env) {
  if (!ProgramOnPath("pg_dump") || !ProgramOnPath("pg_restore"))
    return Unavailable(
        "postgres archive: pg_dump/pg_restore not found on PATH (--method copy needs neither)");
  return std::unique_ptr<Archiver>(std::make_unique<PostgresArchiver>(db, env));
}

}  // namespace ferry
