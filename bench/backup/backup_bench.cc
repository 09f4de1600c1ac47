// backup_bench ENGINE_URL ROWS RUNS WORKDIR [snapshot|archive]
// ("snapshot": only the snapshot rows, not the archive ones; "archive": only
// the archive ones). PostgreSQL archives use FERRY_BENCH_PG_METHOD (copy,
// the default, or pg_dump).
//
// Generates `chunks` (ROWS rows, ~600 bytes each: id, tenant, hash, 560
// hex chars of body, created_at), then times, RUNS times each:
//   snapshot  CreateVerifiedSnapshot (copy + checksums + spot checks + record)
//   engine    CREATE TABLE AS SELECT (the engine's own copy, no verification)
//   engine+v  CREATE TABLE AS SELECT plus the engine's cheapest whole-table
//             checksum of source and copy, in one transaction (PostgreSQL:
//             count + sum(hash_record_extended); SQLite: the sqlite3 shell's
//             sha3_query, SQLite having no hash function of its own)
//   archive   CreateArchive (dump + tar.zst + read-back verification)
//   verify    VerifyArchive --deep (checksums + scratch restore)
//   restore   RestoreArchive (safety archive + extract + load + counts)
//   engine    sqlite3 .backup / pg_dump | pg_restore
// and prints medians as Markdown rows: seconds, rows/s, MB/s (of table data).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include "db/database.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"

using namespace ferry;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double Time(const std::function<void()>& f) {
  auto t0 = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::cerr << what << ": " << st.ToString() << "\n";
    std::exit(1);
  }
}

void Shell(const std::string& cmd) {
  if (std::system(cmd.c_str()) != 0) {
    std::cerr << "command failed: " << cmd << "\n";
    std::exit(1);
  }
}

}  // namespace

int main(int argc, char** argv) {
  if (argc != 5 && argc != 6) {
    std::cerr << "usage: backup_bench URL ROWS RUNS WORKDIR [snapshot]\n";
    return 2;
  }
  const std::string url = argv[1];
  const int64_t rows = std::atoll(argv[2]);
  const int runs = std::atoi(argv[3]);
  const std::string work = argv[4];
  const bool snapshot_only = argc == 6 && std::string(argv[5]) == "snapshot";
  const bool archive_only = argc == 6 && std::string(argv[5]) == "archive";
  const char* pg_method_env = std::getenv("FERRY_BENCH_PG_METHOD");
  const std::string pg_method = pg_method_env ? pg_method_env : "copy";
  std::filesystem::create_directories(work);
  Env* env = Env::Default();
  auto dbr = OpenDatabase(url, env);
  Check(dbr.status(), "open");
  auto db = std::move(dbr).value();
  const bool pg = db->dialect() == Dialect::kPostgres;

  // --- generate ---
  (void)db->Exec("DROP TABLE IF EXISTS chunks");
  (void)db->Exec("DROP TABLE IF EXISTS ferry_backups");
  double gen = Time([&] {
    if (pg) {
      Check(db->Exec("CREATE TABLE chunks (id BIGINT PRIMARY KEY, tenant TEXT NOT NULL, hash TEXT,"
                     " body TEXT, created_at TIMESTAMPTZ)"), "create");
      Check(db->Exec("INSERT INTO chunks SELECT i, 't' || (i % 100), md5(i::text),"
                     " repeat(md5(random()::text), 17) || substr(md5(i::text), 1, 16),"
                     " now() - i * interval '1 second' FROM generate_series(1, " +
                     std::to_string(rows) + ") AS i"), "fill");
      Check(db->Exec("VACUUM ANALYZE chunks"), "vacuum");
    } else {
      Check(db->Exec("CREATE TABLE chunks (id INTEGER PRIMARY KEY, tenant TEXT NOT NULL, hash TEXT,"
                     " body TEXT, created_at TEXT)"), "create");
      Check(db->Exec("WITH RECURSIVE c(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM c WHERE i < " +
                     std::to_string(rows) + ") INSERT INTO chunks SELECT i, 't' || (i % 100),"
                     " hex(randomblob(16)), hex(randomblob(280)), datetime(1700000000 - i, 'unixepoch')"
                     " FROM c"), "fill");
    }
  });
  int64_t bytes = 0;
  if (pg) {
    bytes = db->Query("SELECT pg_table_size('chunks')", {})->GetInt(0, 0).value_or(0);
  } else {
    auto r = db->Query("SELECT sum(pgsize) FROM dbstat WHERE name = 'chunks'", {});
    bytes = r.ok() ? r->GetInt(0, 0).value_or(0)
                   : static_cast<int64_t>(std::filesystem::file_size(db->url().path));
  }
  const double mb = bytes / 1e6;
  std::cerr << "generated " << rows << " rows, " << mb << " MB in " << gen << " s\n";

  std::vector<double> snap, ctas, ctas_verify, arch, verify, restore, eng_dump, eng_restore;
  for (int i = 0; i < runs; ++i) {
    if (!archive_only) {
      SnapshotOptions so;
      so.name = "chunks_bench_snap";
      snap.push_back(Time([&] { Check(CreateVerifiedSnapshot(db.get(), env, "chunks", so).status(), "snapshot"); }));
      Check(db->Exec("DROP TABLE chunks_bench_snap"), "drop");
      Check(BackupCatalog(db.get()).Remove("chunks_bench_snap"), "uncatalog");
      ctas.push_back(Time([&] { Check(db->Exec("CREATE TABLE chunks_ctas AS SELECT * FROM chunks"), "ctas"); }));
      Check(db->Exec("DROP TABLE chunks_ctas"), "drop");
      if (pg) {
        ctas_verify.push_back(Time([&] {
          Check(db->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ"), "begin");
          Check(db->Query("SELECT count(*), sum(hash_record_extended(t, 0)) FROM chunks t", {}).status(), "sum");
          Check(db->Exec("CREATE TABLE chunks_ctas AS SELECT * FROM chunks"), "ctas");
          Check(db->Query("SELECT count(*), sum(hash_record_extended(t, 0)) FROM chunks_ctas t", {}).status(), "sum");
          Check(db->Exec("ROLLBACK"), "rollback");
        }));
      } else if (std::getenv("FERRY_BENCH_SHA3") != nullptr) {
        // Slow (software SHA-3 in the shell, ~12 s a pass for 1M rows): only
        // when asked.
        ctas_verify.push_back(Time([&] {
          Shell("sqlite3 '" + db->url().path + "' \"BEGIN IMMEDIATE; SELECT count(*), length(sha3_query("
                "'SELECT * FROM chunks')) FROM chunks; CREATE TABLE chunks_ctas AS SELECT * FROM chunks;"
                " SELECT count(*), length(sha3_query('SELECT * FROM chunks_ctas')) FROM chunks_ctas;"
                " ROLLBACK;\" >/dev/null");
        }));
      }
    }  // !archive_only
    if (snapshot_only) continue;

    ArchiveOptions ao;
    ao.dir = work + "/archives";
    if (pg) ao.method = *ParseArchiveMethod(pg_method);
    std::filesystem::remove_all(ao.dir);
    std::string path;
    arch.push_back(Time([&] {
      auto a = CreateArchive(db.get(), env, ao);
      Check(a.status(), "archive");
      path = a->location;
    }));
    verify.push_back(Time([&] { Check(VerifyArchive(db.get(), env, path, VerifyDepth::kDeep).status(), "verify"); }));
    restore.push_back(Time([&] { Check(RestoreArchive(db.get(), env, path, ao.dir).status(), "restore"); }));

    // The engine's own tools on the same data.
    const DatabaseUrl& u = db->url();
    std::string out = work + "/engine.dump";
    std::filesystem::remove(out);
    if (pg) {
      std::string envs = "PGHOST=" + u.host + " PGPORT=" + std::to_string(u.port) + " PGUSER=" + u.user;
      eng_dump.push_back(Time([&] { Shell(envs + " pg_dump -Fc -f " + out + " " + u.database); }));
      Shell(envs + " psql -q -c 'DROP DATABASE IF EXISTS ferry_bench_restore' postgres");
      Shell(envs + " psql -q -c 'CREATE DATABASE ferry_bench_restore' postgres");
      eng_restore.push_back(Time([&] { Shell(envs + " pg_restore --single-transaction -d ferry_bench_restore " + out); }));
      Shell(envs + " psql -q -c 'DROP DATABASE ferry_bench_restore' postgres");
    } else {
      eng_dump.push_back(Time([&] { Shell("sqlite3 '" + u.path + "' \".backup '" + out + "'\""); }));
      std::string tgt = work + "/engine-restore.db";
      std::filesystem::remove(tgt);
      Shell("cp '" + out + "' '" + tgt + "'");
      eng_restore.push_back(Time([&] { Shell("sqlite3 '" + u.path + "' \".restore '" + out + "'\""); }));
    }
    std::filesystem::remove(out);
  }
  auto row = [&](const char* what, double s, const char* peer, double ps) {
    std::printf("| %s | %s | %.2f | %.0f | %.0f | %s | %.2f | %.2fx |\n", db->engine().data(), what,
                s, rows / s, mb / s, peer, ps, s / ps);
  };
  std::printf("| engine | step | median s | rows/s | MB/s | engine's own | its s | ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|\n");
  if (!snap.empty()) row("snapshot create+verify", Median(snap), "CREATE TABLE AS", Median(ctas));
  if (!ctas_verify.empty()) {
    row("snapshot create+verify", Median(snap),
        pg ? "CREATE TABLE AS + sum(hash_record_extended) x2" : "CREATE TABLE AS + sha3_query x2",
        Median(ctas_verify));
  }
  if (snapshot_only) {
    std::printf("\n%lld rows, %.0f MB table data, %d runs each, medians.\n",
                static_cast<long long>(rows), mb, runs);
    return 0;
  }
  if (pg) std::printf("| postgres | (archive method: %s) | | | | | | |\n", pg_method.c_str());
  row("archive create (+read-back verify)", Median(arch), pg ? "pg_dump -Fc" : "sqlite3 .backup", Median(eng_dump));
  row("archive verify --deep", Median(verify), pg ? "pg_restore (scratch db)" : "sqlite3 .backup", pg ? Median(eng_restore) : Median(eng_dump));
  row("archive restore (+safety archive)", Median(restore), pg ? "pg_restore" : "sqlite3 .restore", Median(eng_restore));
  if (pg) {
    // The whole cycle: ferry's create + verify --deep + restore (which makes
    // two dumps and two loads: the safety archive and the test restore)
    // against one pg_dump | pg_restore.
    std::vector<double> total, eng_total;
    for (size_t i = 0; i < arch.size(); ++i) {
      total.push_back(arch[i] + verify[i] + restore[i]);
      eng_total.push_back(eng_dump[i] + eng_restore[i]);
    }
    row("archive create+verify+restore", Median(total), "pg_dump -Fc + pg_restore", Median(eng_total));
  }
  std::printf("\n%lld rows, %.0f MB table data, %d runs each, medians.\n", static_cast<long long>(rows), mb, runs);
  return 0;
}
