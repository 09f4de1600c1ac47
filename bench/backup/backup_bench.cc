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
//   verify    VerifyArchive --deep (checksums + scratch restore); and the
//             checksum pass alone beside `zstd -t` (archive MB/s)
//   restore   RestoreArchive (safety archive + extract + load + counts)
//   engine    sqlite3 .backup / pg_dump | pg_restore
// and prints medians as Markdown rows: seconds, rows/s, MB/s (of table data)
// and peak RSS. Peak RSS of a ferry step is this process's high-water mark
// (VmHWM) over the step alone: reset before it through /proc/self/clear_refs
// ("5", Linux >= 4.0) and read after it. It counts SQLite (in process) but
// not the PostgreSQL server's backends, nor children ferry itself starts
// (pg_dump with FERRY_BENCH_PG_METHOD=pg_dump). An engine tool run as a
// child is measured by /usr/bin/time -f %M (the child and what it waits for).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <string>
#include <vector>

#include <unistd.h>

#include "db/database.h"
#include "jobs/backup/backup.h"
#include "jobs/backup/backup_catalog.h"
#include "obs/logger.h"

using namespace ferry;

namespace {

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

// Peak RSS (KiB) of the child commands Shell() ran in the current step.
int64_t g_child_peak_kb = 0;

int64_t SelfPeakKb() {
  std::ifstream in("/proc/self/status");
  std::string line;
  while (std::getline(in, line))
    if (line.rfind("VmHWM:", 0) == 0) return std::atoll(line.c_str() + 6);
  return 0;
}

// Times f; with `peak_kb`, also appends the step's peak RSS in KiB: the
// child command's when the step ran one (an engine tool), else this
// process's (high-water mark reset first, so it starts from the RSS the
// bench already holds, printed as "baseline").
double Time(const std::function<void()>& f, std::vector<int64_t>* peak_kb = nullptr) {
  std::ofstream("/proc/self/clear_refs") << "5";
  g_child_peak_kb = 0;
  auto t0 = std::chrono::steady_clock::now();
  f();
  double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (peak_kb) peak_kb->push_back(g_child_peak_kb > 0 ? g_child_peak_kb : SelfPeakKb());
  return s;
}

void Check(const Status& st, const char* what) {
  if (!st.ok()) {
    std::cerr << what << ": " << st.ToString() << "\n";
    std::exit(1);
  }
}

// Runs cmd under /usr/bin/time, keeping its peak RSS in g_child_peak_kb.
void Shell(const std::string& cmd) {
  const std::string rss_file = std::filesystem::temp_directory_path() /
                               ("backup_bench_rss." + std::to_string(::getpid()));
  std::string quoted;
  for (char c : cmd) quoted += c == '\'' ? std::string("'\\''") : std::string(1, c);
  const std::string timed = "/usr/bin/time -f %M -o " + rss_file + " sh -c '" + quoted + "'";
  if (std::system(timed.c_str()) != 0) {
    std::cerr << "command failed: " << cmd << "\n";
    std::exit(1);
  }
  std::ifstream in(rss_file);
  int64_t kb = 0;
  in >> kb;
  g_child_peak_kb = std::max(g_child_peak_kb, kb);
  std::filesystem::remove(rss_file);
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
  // FERRY_BENCH_PHASES=1: each archive job's "... phases" debug line on
  // stderr (where its time goes; costs two clock reads per phase).
  std::unique_ptr<Logger> phase_log;
  if (std::getenv("FERRY_BENCH_PHASES") != nullptr) {
    LoggerOptions lo;
    lo.min_level = LogLevel::kDebug;
    lo.status_line = StatusLineMode::kNever;
    phase_log = Logger::Stderr(lo);
  }

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
  // The generator's one big INSERT left a WAL as large as the table: give
  // the space back (the bench needs ~4 GB of /tmp as it is).
  if (!pg) (void)db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");
  std::cerr << "generated " << rows << " rows, " << mb << " MB in " << gen << " s\n";
  std::ofstream("/proc/self/clear_refs") << "5";
  const double baseline_mb = SelfPeakKb() / 1024.0;

  std::vector<double> snap, ctas, ctas_verify, arch, verify, restore, eng_dump, eng_restore;
  std::vector<double> snap_1tx;  // PostgreSQL: the one-transaction snapshot path
  std::vector<int64_t> snap_1tx_kb;
  std::vector<int64_t> snap_kb, ctas_kb, ctas_verify_kb, arch_kb, verify_kb, restore_kb, eng_dump_kb,
      eng_restore_kb;
  // SQLite has no compressed backup of its own: the same product made with
  // the engine's tools is `.backup` then `zstd` (same level and threads as
  // ferry), and a restore with a safety copy is `.backup` + unzstd + `.restore`.
  std::vector<double> eng_zdump, eng_zrestore;
  // SQLite: the checkpoint that follows the engine's restores, timed. The
  // backup API commits the restored pages into the WAL and stops there;
  // the shell's .restore checkpoints only when it closes the file's last
  // connection, which this bench (holding `db` open) never lets it be.
  // ferry's restore runs that checkpoint before it returns, so the rows
  // "+ checkpoint" add it to the engine's side for the same work.
  std::vector<double> eng_restore_ckpt, eng_zrestore_ckpt;
  std::vector<int64_t> eng_zdump_kb, eng_zrestore_kb;
  const bool have_zstd_cli = std::system("command -v zstd >/dev/null 2>&1") == 0;
  const bool have_zstd = !pg && have_zstd_cli;
  std::vector<double> verify_sums, eng_ztest;
  std::vector<int64_t> verify_sums_kb;
  double archive_mb = 0;
  for (int i = 0; i < runs; ++i) {
    if (!archive_only) {
      SnapshotOptions so;
      so.name = "chunks_bench_snap";
      so.logger = phase_log.get();  // "snapshot create ... phases" too
      // PostgreSQL: the one-transaction path too (servers before 14;
      // ferry's PostgreSQL snapshots until session 6), for the before/after
      // in one run; which goes first alternates (the WAL of the previous
      // step sets off checkpoints that the next one pays for).
      for (int k = 0; k < (pg ? 2 : 1); ++k) {
        so.one_transaction = pg && (k + i) % 2 == 1;
        auto& times = so.one_transaction ? snap_1tx : snap;
        times.push_back(Time([&] { Check(CreateVerifiedSnapshot(db.get(), env, "chunks", so).status(), "snapshot"); },
                             so.one_transaction ? &snap_1tx_kb : &snap_kb));
        Check(db->Exec("DROP TABLE chunks_bench_snap"), "drop");
        Check(BackupCatalog(db.get()).Remove("chunks_bench_snap"), "uncatalog");
      }
      ctas.push_back(Time([&] { Check(db->Exec("CREATE TABLE chunks_ctas AS SELECT * FROM chunks"), "ctas"); }, &ctas_kb));
      Check(db->Exec("DROP TABLE chunks_ctas"), "drop");
      if (pg) {
        ctas_verify.push_back(Time([&] {
          Check(db->Exec("BEGIN ISOLATION LEVEL REPEATABLE READ"), "begin");
          Check(db->Query("SELECT count(*), sum(hash_record_extended(t, 0)) FROM chunks t", {}).status(), "sum");
          Check(db->Exec("CREATE TABLE chunks_ctas AS SELECT * FROM chunks"), "ctas");
          Check(db->Query("SELECT count(*), sum(hash_record_extended(t, 0)) FROM chunks_ctas t", {}).status(), "sum");
          Check(db->Exec("ROLLBACK"), "rollback");
        }, &ctas_verify_kb));
      } else if (std::getenv("FERRY_BENCH_SHA3") != nullptr) {
        // Slow (software SHA-3 in the shell, ~12 s a pass for 1M rows): only
        // when asked.
        ctas_verify.push_back(Time([&] {
          Shell("sqlite3 '" + db->url().path + "' \"BEGIN IMMEDIATE; SELECT count(*), length(sha3_query("
                "'SELECT * FROM chunks')) FROM chunks; CREATE TABLE chunks_ctas AS SELECT * FROM chunks;"
                " SELECT count(*), length(sha3_query('SELECT * FROM chunks_ctas')) FROM chunks_ctas;"
                " ROLLBACK;\" >/dev/null");
        }, &ctas_verify_kb));
      }
    }  // !archive_only
    if (snapshot_only) continue;

    ArchiveOptions ao;
    ao.dir = work + "/archives";
    if (pg) ao.method = *ParseArchiveMethod(pg_method);
    ao.logger = phase_log.get();
    std::filesystem::remove_all(ao.dir);
    std::string path;
    arch.push_back(Time([&] {
      auto a = CreateArchive(db.get(), env, ao);
      Check(a.status(), "archive");
      path = a->location;
    }, &arch_kb));
    verify.push_back(Time([&] { Check(VerifyArchive(db.get(), env, path, VerifyDepth::kDeep, phase_log.get()).status(), "verify"); }, &verify_kb));
    // "Archive verification at disk speed": the checksum pass alone (every
    // entry decompressed and hashed, the file's own SHA-256), beside
    // zstd's own test of the same file, in archive bytes per second.
    archive_mb = static_cast<double>(std::filesystem::file_size(path)) / 1e6;
    verify_sums.push_back(Time([&] { Check(VerifyArchive(db.get(), env, path, VerifyDepth::kChecksums, nullptr).status(), "verify"); }, &verify_sums_kb));
    if (have_zstd_cli) eng_ztest.push_back(Time([&] { Shell("zstd -q -t '" + path + "'"); }, nullptr));
    restore.push_back(Time([&] { Check(RestoreArchive(db.get(), env, path, ao.dir, phase_log.get()).status(), "restore"); }, &restore_kb));
    // A restore leaves a WAL as large as the database: checkpointed here,
    // untimed, so the next step (the engine's, or ferry's next create, whose
    // catalog insert would otherwise pay for it) starts as the first did.
    if (!pg) (void)db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");

    // The engine's own tools on the same data.
    const DatabaseUrl& u = db->url();
    std::string out = work + "/engine.dump";
    std::filesystem::remove(out);
    if (pg) {
      std::string envs = "PGHOST=" + u.host + " PGPORT=" + std::to_string(u.port) + " PGUSER=" + u.user;
      eng_dump.push_back(Time([&] { Shell(envs + " pg_dump -Fc -f " + out + " " + u.database); }, &eng_dump_kb));
      Shell(envs + " psql -q -c 'DROP DATABASE IF EXISTS ferry_bench_restore' postgres");
      Shell(envs + " psql -q -c 'CREATE DATABASE ferry_bench_restore' postgres");
      eng_restore.push_back(Time([&] { Shell(envs + " pg_restore --single-transaction -d ferry_bench_restore " + out); }, &eng_restore_kb));
      Shell(envs + " psql -q -c 'DROP DATABASE ferry_bench_restore' postgres");
    } else {
      eng_dump.push_back(Time([&] { Shell("sqlite3 '" + u.path + "' \".backup '" + out + "'\""); }, &eng_dump_kb));
      std::string tgt = work + "/engine-restore.db";
      std::filesystem::remove(tgt);
      Shell("cp '" + out + "' '" + tgt + "'");
      eng_restore.push_back(Time([&] { Shell("sqlite3 '" + u.path + "' \".restore '" + out + "'\""); }, &eng_restore_kb));
      eng_restore_ckpt.push_back(Time([&] { Check(db->Exec("PRAGMA wal_checkpoint(PASSIVE)"), "checkpoint"); }, nullptr));
      std::filesystem::remove(tgt);  // not used again: 684 MB of /tmp back
      (void)db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");  // as after ferry's restore
      if (have_zstd) {
        const std::string z = out + ".zst", safety = work + "/engine-safety.db";
        std::filesystem::remove(out);
        eng_zdump.push_back(Time([&] {
          Shell("sqlite3 '" + u.path + "' \".backup '" + out + "'\" && zstd -q -f -1 -T2 --rm '" +
                out + "' -o '" + z + "'");
        }, &eng_zdump_kb));
        eng_zrestore.push_back(Time([&] {
          Shell("sqlite3 '" + u.path + "' \".backup '" + safety + "'\" && zstd -q -f -d '" + z +
                "' -o '" + out + "' && sqlite3 '" + u.path + "' \".restore '" + out + "'\"");
        }, &eng_zrestore_kb));
        eng_zrestore_ckpt.push_back(Time([&] { Check(db->Exec("PRAGMA wal_checkpoint(PASSIVE)"), "checkpoint"); }, nullptr));
        (void)db->Exec("PRAGMA wal_checkpoint(TRUNCATE)");  // as after ferry's restore
        std::filesystem::remove(z);
        std::filesystem::remove(safety);
      }
    }
    std::filesystem::remove(out);
  }
  // Peak RSS: median over the runs, MB ("-" when not measured). On
  // PostgreSQL, CREATE TABLE AS runs in the server: only the client counts.
  auto peak = [](const std::vector<int64_t>& kb) -> std::string {
    if (kb.empty()) return "-";
    std::vector<double> v(kb.begin(), kb.end());
    char buf[32];
    std::snprintf(buf, sizeof buf, "%.1f", Median(v) / 1024);
    return buf;
  };
  auto row = [&](const char* what, double s, const std::vector<int64_t>& kb, const char* peer,
                 double ps, const std::vector<int64_t>& peer_kb) {
    std::printf("| %s | %s | %.2f | %.0f | %.0f | %s | %s | %.2f | %s | %.2fx |\n",
                db->engine().data(), what, s, rows / s, mb / s, peak(kb).c_str(), peer, ps,
                peak(peer_kb).c_str(), s / ps);
  };
  std::printf("| engine | step | median s | rows/s | MB/s | peak RSS MB | engine's own | its s |"
              " its peak RSS MB | ratio |\n");
  std::printf("|---|---|---|---|---|---|---|---|---|---|\n");
  if (!snap.empty())
    row("snapshot create+verify", Median(snap), snap_kb, "CREATE TABLE AS", Median(ctas), ctas_kb);
  if (!snap_1tx.empty())
    row("snapshot create+verify (one transaction)", Median(snap_1tx), snap_1tx_kb,
        "CREATE TABLE AS", Median(ctas), ctas_kb);
  if (!ctas_verify.empty()) {
    row("snapshot create+verify", Median(snap), snap_kb,
        pg ? "CREATE TABLE AS + sum(hash_record_extended) x2" : "CREATE TABLE AS + sha3_query x2",
        Median(ctas_verify), ctas_verify_kb);
  }
  if (snapshot_only) {
    std::printf("\n%lld rows, %.0f MB table data, %d runs each, medians; bench process baseline "
                "RSS %.1f MB.\n",
                static_cast<long long>(rows), mb, runs, baseline_mb);
    return 0;
  }
  if (pg) std::printf("| postgres | (archive method: %s) | | | | | | | | |\n", pg_method.c_str());
  row("archive create (+read-back verify)", Median(arch), arch_kb,
      pg ? "pg_dump -Fc" : "sqlite3 .backup", Median(eng_dump), eng_dump_kb);
  row("archive verify --deep", Median(verify), verify_kb,
      pg ? "pg_restore (scratch db)" : "sqlite3 .backup", pg ? Median(eng_restore) : Median(eng_dump),
      pg ? eng_restore_kb : eng_dump_kb);
  if (!eng_ztest.empty()) {
    std::printf("| %s | archive verify (checksums) | %.2f | %.0f | %.0f archive MB/s | %s | zstd -t"
                " | %.2f | - | %.2fx |\n",
                db->engine().data(), Median(verify_sums), rows / Median(verify_sums),
                archive_mb / Median(verify_sums), peak(verify_sums_kb).c_str(), Median(eng_ztest),
                Median(verify_sums) / Median(eng_ztest));
  }
  row("archive restore (+safety archive)", Median(restore), restore_kb,
      pg ? "pg_restore" : "sqlite3 .restore", Median(eng_restore), eng_restore_kb);
  // Run by run, the engine's restore and the checkpoint after it, summed.
  auto plus = [](const std::vector<double>& a, const std::vector<double>& b) {
    std::vector<double> out;
    for (size_t i = 0; i < a.size() && i < b.size(); ++i) out.push_back(a[i] + b[i]);
    return out;
  };
  if (!eng_restore_ckpt.empty())
    row("archive restore (+safety archive)", Median(restore), restore_kb,
        "sqlite3 .restore + checkpoint", Median(plus(eng_restore, eng_restore_ckpt)),
        eng_restore_kb);
  if (!eng_zdump.empty()) {
    row("archive create (+read-back verify)", Median(arch), arch_kb, "sqlite3 .backup + zstd -1 -T2",
        Median(eng_zdump), eng_zdump_kb);
    row("archive restore (+safety archive)", Median(restore), restore_kb,
        "sqlite3 .backup (safety) + unzstd + .restore", Median(eng_zrestore), eng_zrestore_kb);
    row("archive restore (+safety archive)", Median(restore), restore_kb,
        "sqlite3 .backup (safety) + unzstd + .restore + checkpoint",
        Median(plus(eng_zrestore, eng_zrestore_ckpt)), eng_zrestore_kb);
  }
  {
    // The whole cycle: ferry's create + verify --deep + restore (which makes
    // two dumps and two loads: the safety archive and the test restore)
    // against the engine's one dump and one restore.
    std::vector<double> total, eng_total;
    std::vector<int64_t> total_kb, eng_total_kb;  // the largest step of each run
    for (size_t i = 0; i < arch.size(); ++i) {
      total.push_back(arch[i] + verify[i] + restore[i]);
      eng_total.push_back(eng_dump[i] + eng_restore[i] +
                          (i < eng_restore_ckpt.size() ? eng_restore_ckpt[i] : 0));
      total_kb.push_back(std::max({arch_kb[i], verify_kb[i], restore_kb[i]}));
      eng_total_kb.push_back(std::max(eng_dump_kb[i], eng_restore_kb[i]));
    }
    row("archive create+verify+restore", Median(total), total_kb,
        pg ? "pg_dump -Fc + pg_restore" : "sqlite3 .backup + .restore + checkpoint",
        Median(eng_total), eng_total_kb);
  }
  std::printf("\n%lld rows, %.0f MB table data, %d runs each, medians; bench process baseline RSS "
              "%.1f MB.\n",
              static_cast<long long>(rows), mb, runs, baseline_mb);
  return 0;
}
