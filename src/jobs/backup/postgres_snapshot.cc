// PostgreSQL snapshots copied in block ranges beside their read-back
// (CreatePostgresSnapshotInRanges, snapshot_steps.h; PostgreSQL 14 or later).
//
// One backend that copies the table and then reads the source and the copy
// for their checksums does three passes one after the other (the read-back
// cannot start before the copy commits, nor run beside it in one backend).
// Here they overlap, on three connections:
//   main    tx0: the empty copy (CREATE TABLE ... LIKE) and its catalog row
//           `pending`, committed. Then, on its own thread, the copier: the
//           source's heap cut into block ranges, each copied by one
//           transaction that imports the snapshot, copies the range (INSERT
//           ... SELECT ... WHERE ctid in it: a TID range scan) and commits.
//           At the end, the flip to `verified`.
//   holder  tx1 (REPEATABLE READ, read only): LOCK the source IN ACCESS
//           SHARE MODE, then pg_export_snapshot(); the source's checksum in
//           that snapshot, beside the copy; the source side of the spot
//           checks.
//   reader  each committed range's rows read back and hashed as soon as it
//           commits, while the next is copied (block windows of the copy:
//           their sums add up to the copy's checksum); the copy side of the
//           spot checks.
// The copy runs on the caller's connection, which has usually touched the
// shared buffers already (a fresh backend pays a page fault for each one
// the INSERT's buffer churn touches first). The reader follows one range
// behind, so the pages it reads are still in shared buffers, and already
// dirty when it sets their hint bits (hashing them after they were written
// out would dirty and write them again). What is left after the copy is the
// last range's read-back.
//
// Why every promise still holds:
// - One consistent copy: every range reads the one exported snapshot, so no
//   row written to the source after it reaches the copy. The lock, taken
//   before the snapshot (LOCK takes none), keeps what is not MVCC-safe
//   (TRUNCATE, ALTER TABLE rewrites, VACUUM FULL, DROP) off the source until
//   tx1 ends, after the last range.
// - Verified for real: the copy's checksum is read back from the committed
//   copy, with the source's method, and compared with the source's in the
//   snapshot. A range's rows are those its transaction inserted (xmin) in
//   the blocks from the page the previous range ended in to the copy's end
//   after its commit: the copier appends. A row put elsewhere (free space
//   reused from an earlier page, which varying row sizes allow) is missed
//   by the range sums, the counts then differ, and the whole copy hashed in
//   one statement decides. Rows some other session might insert into the
//   copy before the flip are not the backup's and are not counted; `backup
//   verify` would report them, as it would after the flip.
// - A crash never leaves something that looks complete: until the flip the
//   row says `pending` (listed PENDING, never restored, removed by cleanup
//   after a day). Any failure drops the copy and its row again.
// - No deadlock: an ALTER TABLE on the source queues behind tx1's lock, and
//   the copier's next range would queue behind the ALTER. The copier's
//   lock_timeout (SET LOCAL, per range) turns that into an error; the backup
//   fails cleanly and the ALTER proceeds.
#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <future>
#include <mutex>
#include <thread>

#include "jobs/backup/backup_catalog.h"
#include "jobs/backup/snapshot_steps.h"

namespace ferry {
namespace {

constexpr int kMaxRanges = 32;
constexpr int64_t kMinRangeBlocks = 1024;  // 8 MB of 8 kB pages
// Tables under this many heap blocks (128 MB of 8 kB pages) are copied in
// one transaction: what would overlap is little, and the connections and
// commits cost more (chunks rows, same runs: 68 MB 0.56 s in ranges vs
// 0.45 s, 137 MB 0.73 vs 0.86 s, 205 MB 1.04 vs 1.22 s). A test setting
// SnapshotOptions::range_blocks overrides it.
constexpr int64_t kMinRangedBlocks = 16384;
// The copier waits no longer than this for a lock: while tx1 holds the
// source's, a wait means a conflicting request queued behind tx1 (see above).
constexpr const char* kCopierLockTimeout = "5s";

// Session settings that change how values print as text (the spot checks
// and the text checksum compare text made on different connections), and
// the search_path that resolves a bare table name.
constexpr const char* kSessionSettings[] = {"search_path",   "DateStyle",          "IntervalStyle",
                                            "TimeZone",      "extra_float_digits", "bytea_output",
                                            "lc_monetary"};

// `db`'s settings above on `other`: one query to read them, one to set.
Status CopySessionSettings(Database* db, Database* other) {
  std::string read, write;
  std::vector<Value> names;
  for (const char* name : kSessionSettings) {
    const std::string n = std::to_string(names.size() + 1);
    read += (names.empty() ? "SELECT " : ", ") + ("current_setting($" + n + ")");
    names.emplace_back(std::string(name));
  }
  FERRY_ASSIGN_OR_RETURN(Rows r, db->Query(read, names));
  std::vector<Value> params;
  for (size_t i = 0; i < names.size(); ++i) {
    write += (i ? ", " : "SELECT ") + ("set_config($" + std::to_string(2 * i + 1) + ", $" +
                                       std::to_string(2 * i + 2) + ", false)");
    params.push_back(names[i]);
    params.emplace_back(r.GetText(0, i).value_or(""));
  }
  return other->Query(write, params).status();
}

std::string BlockRange(int64_t first, int64_t end) {
  std::string w = " WHERE ctid >= '(" + std::to_string(first) + ",0)'::tid";
  if (end >= 0) w += " AND ctid < '(" + std::to_string(end) + ",0)'::tid";
  return w;
}

// Where one committed range's rows are in the copy: blocks [first, end),
// inserted by transaction `xid`.
struct CopiedRange {
  int64_t first = 0, end = 0;
  std::string xid;
};

// What the copier thread tells the hashing one.
struct CopyProgress {
  std::mutex mu;
  std::condition_variable changed;
  std::vector<CopiedRange> committed;
  int64_t copied = 0;       // rows the committed ranges inserted
  bool done = false;
  Status status;            // the copier's error, if any
  std::atomic<bool> stop{false};
};

struct CopierJob {
  Database* db;
  std::string insert;       // INSERT ... SELECT ... FROM source (no WHERE yet)
  std::string snapshot_id;  // checked by IsPostgresSnapshotId
  std::string copy_regclass;
  int64_t block_size;
  std::vector<int64_t> bounds;  // range i is [bounds[i], bounds[i + 1]); the last is open
  const SnapshotOptions* opts;
};

Status CopyOneRange(const CopierJob& job, int i, int64_t* copied, CopiedRange* where) {
  Database* db = job.db;
  const bool last = i + 2 == static_cast<int>(job.bounds.size());
  if (job.opts->before_range) FERRY_RETURN_IF_ERROR(job.opts->before_range(i));
  Transaction tx(db);
  FERRY_RETURN_IF_ERROR(tx.Begin());
  // One round trip; the snapshot id was checked by IsPostgresSnapshotId.
  FERRY_RETURN_IF_ERROR(db->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ; SET TRANSACTION"
                                 " SNAPSHOT '" + job.snapshot_id + "'; SET LOCAL lock_timeout = '" +
                                 kCopierLockTimeout + "'"));
  FERRY_ASSIGN_OR_RETURN(
      *copied, db->Execute(job.insert + BlockRange(job.bounds[i], last ? -1 : job.bounds[i + 1]), {}));
  FERRY_ASSIGN_OR_RETURN(Rows x, db->Query("SELECT xid(pg_current_xact_id())::text", {}));
  where->xid = x.GetText(0, 0).value_or("");
  FERRY_RETURN_IF_ERROR(tx.Commit());
  FERRY_ASSIGN_OR_RETURN(Rows r, db->Query("SELECT pg_relation_size($1::regclass)", {job.copy_regclass}));
  where->end = r.GetInt(0, 0).value_or(0) / job.block_size;
  return Status::OK();
}

void RunCopier(const CopierJob& job, CopyProgress* p) {
  Status st;
  int64_t end = 0;  // the copy's size in blocks after the last range
  const int n = static_cast<int>(job.bounds.size()) - 1;
  for (int i = 0; i < n && st.ok(); ++i) {
    if (p->stop.load()) {
      st = Cancelled("copy stopped");
      break;
    }
    int64_t copied = 0;
    CopiedRange where;
    // The range starts in the page the last one ended in (the copier's
    // target page carries over).
    where.first = std::max<int64_t>(0, end - 1);
    st = CopyOneRange(job, i, &copied, &where);
    if (!st.ok()) {
      st = st.WithContext("copying blocks " + std::to_string(job.bounds[i]) + ".." +
                          (i + 1 == n ? std::string("end") : std::to_string(job.bounds[i + 1])));
      break;
    }
    end = where.end;
    std::lock_guard<std::mutex> lock(p->mu);
    p->copied += copied;
    p->committed.push_back(std::move(where));
    p->changed.notify_all();
  }
  std::lock_guard<std::mutex> lock(p->mu);
  p->status = st;
  p->done = true;
  p->changed.notify_all();
}

// The copier's thread; joined (after asking it to stop) when this goes.
class CopierThread {
 public:
  CopierThread(CopierJob job, CopyProgress* p)
      : progress_(p), thread_([job = std::move(job), p] { RunCopier(job, p); }) {}
  CopierThread(const CopierThread&) = delete;
  CopierThread& operator=(const CopierThread&) = delete;
  ~CopierThread() { Join(); }
  void Join() {
    progress_->stop.store(true);
    if (thread_.joinable()) thread_.join();
  }

 private:
  CopyProgress* progress_;
  std::thread thread_;
};

// Everything after tx0 committed the copy and its `pending` row. `b` is that
// row; on success it comes back `verified` (the caller flips the catalog).
struct RangedFill {
  Database* db;
  Env* env;
  const std::string& table;
  const SnapshotOptions& opts;
  BackupInfo* b;
  ArchivePhases* phases;
  std::unique_ptr<Database> holder, reader;  // `db` is the copier
};

Status FillVerifyAndCheck(RangedFill& f) {
  Database* holder = f.holder.get();
  Transaction tx1(holder);
  FERRY_RETURN_IF_ERROR(tx1.Begin());
  // The copier's ranges import the snapshot while tx1 lives; it idles
  // between its source hash and the spot checks, which a server's idle
  // timeout must not end.
  FERRY_RETURN_IF_ERROR(holder->Exec("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY;"
                                     " SET LOCAL idle_in_transaction_session_timeout = 0"));
  // Before the snapshot: LOCK takes none, the next statement does.
  FERRY_RETURN_IF_ERROR(
      holder->Exec("LOCK TABLE " + holder->QuoteIdentifier(f.table) + " IN ACCESS SHARE MODE"));
  FERRY_ASSIGN_OR_RETURN(
      Rows r, holder->Query("SELECT pg_export_snapshot(), pg_relation_size($1::regclass),"
                            " current_setting('block_size')::bigint",
                            {holder->QuoteIdentifier(f.table)}));
  const std::string id = r.GetText(0, 0).value_or("");
  if (!IsPostgresSnapshotId(id)) return Internal("pg_export_snapshot() returned \"" + id + "\"");
  const int64_t block_size = std::max<int64_t>(1, r.GetInt(0, 2).value_or(8192));
  const int64_t blocks = r.GetInt(0, 1).value_or(0) / block_size;
  // The method first (one row), so the copy's blocks can be hashed before
  // the source's checksum is in.
  FERRY_ASSIGN_OR_RETURN(const std::string method, PostgresChecksumMethod(holder, f.table));
  // About kMaxRanges ranges, none under kMinRangeBlocks; the last is
  // open-ended (rows in blocks added after the size was read, though
  // invisible to the snapshot, are still covered).
  const int64_t per =
      f.opts.range_blocks > 0
          ? f.opts.range_blocks
          : std::max<int64_t>(kMinRangeBlocks, (blocks + kMaxRanges - 1) / kMaxRanges);
  CopierJob job;
  job.db = f.db;
  FERRY_ASSIGN_OR_RETURN(job.insert, InsertSelectSql(f.db, f.b->name, f.table));
  job.snapshot_id = id;
  job.copy_regclass = f.db->QuoteIdentifier(f.b->name);
  job.block_size = block_size;
  job.opts = &f.opts;
  for (int64_t at = 0; at < blocks || job.bounds.empty(); at += per) job.bounds.push_back(at);
  job.bounds.push_back(-1);
  const int ranges = static_cast<int>(job.bounds.size()) - 1;
  f.b->method = "CREATE TABLE (LIKE) + INSERT SELECT in " + std::to_string(ranges) +
                " block range" + (ranges == 1 ? "" : "s");
  f.phases->Mark("export");

  // Three at once: the copier; the source's checksum in the snapshot (one
  // process: parallel workers would take the copier's core); on this
  // thread, each range's rows in the copy as soon as the copier commits it.
  // Destroyed in reverse: the source hash is waited for, the copier joined,
  // then tx1 ends.
  CopyProgress progress;
  CopierThread copier(std::move(job), &progress);
  FERRY_RETURN_IF_ERROR(holder->Exec("SET LOCAL max_parallel_workers_per_gather = 0"));
  std::future<Result<TableChecksum>> source_hash =
      std::async(std::launch::async, [holder, &f, &method] {
        return ComputeTableChecksumLike(holder, f.table, method);
      });
  FilledCopy filled;
  TableChecksum copy;
  size_t next = 0;
  bool copy_done = false;
  Status copier_status;
  for (;;) {
    CopiedRange range;
    {
      std::unique_lock<std::mutex> lock(progress.mu);
      progress.changed.wait(lock, [&] { return progress.done || next < progress.committed.size(); });
      if (progress.done && !copy_done) {
        copy_done = true;
        copier_status = progress.status;
        filled.copied = progress.copied;
        f.phases->Mark("copy||hashes");
      }
      if (next == progress.committed.size() || !copier_status.ok()) break;
      range = progress.committed[next++];
    }
    FERRY_ASSIGN_OR_RETURN(
        TableChecksum part, PostgresBlockRangeChecksum(f.reader.get(), f.b->name, method,
                                                       range.first, range.end, range.xid));
    FERRY_ASSIGN_OR_RETURN(copy, AddTableChecksums(copy, part));
  }
  FERRY_RETURN_IF_ERROR(copier_status);
  copier.Join();
  f.phases->Mark("copy_hash_rest");
  FERRY_ASSIGN_OR_RETURN(filled.source, source_hash.get());
  f.phases->Mark("source_hash_rest");
  if (Status st = CheckCopy(filled, copy); !st.ok()) {
    // A row outside its range's window (see the top of the file), or a
    // real difference: the whole copy in one statement decides.
    FERRY_RETURN_IF_ERROR(f.reader->Exec("RESET max_parallel_workers_per_gather"));
    FERRY_ASSIGN_OR_RETURN(copy, ComputeTableChecksumLike(f.reader.get(), f.b->name, method));
    f.phases->Mark("copy_hash_whole");
    FERRY_RETURN_IF_ERROR(CheckCopy(filled, copy));
  }
  // Rows of the committed copy, looked up in the source as of the snapshot.
  FERRY_ASSIGN_OR_RETURN(int checked,
                         SpotCheckRowsAcross(f.reader.get(), holder, f.table, f.b->name,
                                             f.opts.spot_checks, f.env->Random64(),
                                             filled.source.rows));
  f.phases->Mark("spot_checks");
  FERRY_RETURN_IF_ERROR(tx1.Commit());
  f.b->row_count = filled.source.rows;
  f.b->checksum = filled.source.checksum;
  f.b->notes.push_back("verified: " + std::to_string(f.b->row_count) +
                       " rows, checksum of the committed copy equal to the source's in the"
                       " snapshot it was copied from, " +
                       std::to_string(checked) + " sampled rows compared by key");
  return Status::OK();
}

}  // namespace

Result<std::optional<BackupInfo>> CreatePostgresSnapshotInRanges(
    Database* db, Env* env, const std::string& table, const SnapshotOptions& opts, BackupInfo b,
    ArchivePhases* phases, std::string* why_not) {
  // Where this path cannot run, nothing has been done yet.
  FERRY_ASSIGN_OR_RETURN(
      Rows info, db->Query("SELECT current_setting('server_version_num')::int, c.relkind::text,"
                           " c.relpersistence::text, pg_relation_size(c.oid),"
                           " current_setting('block_size')::bigint"
                           " FROM pg_class c WHERE c.oid = $1::regclass",
                           {db->QuoteIdentifier(table)}));
  if (info.empty()) return NotFound("backup: table " + table + " does not exist");
  if (info.GetInt(0, 0).value_or(0) < 140000) {
    *why_not = "TID range scans need PostgreSQL 14";
    return std::optional<BackupInfo>();
  }
  // A partitioned table's ctid is per partition; a temporary one is
  // invisible to other connections.
  if (info.GetText(0, 1).value_or("") != "r" || info.GetText(0, 2).value_or("") == "t") {
    *why_not = "not a plain permanent table";
    return std::optional<BackupInfo>();
  }
  const int64_t block_size = std::max<int64_t>(1, info.GetInt(0, 4).value_or(8192));
  if (opts.range_blocks == 0 && info.GetInt(0, 3).value_or(0) / block_size < kMinRangedBlocks) {
    *why_not = "a small table is quicker in one transaction";
    return std::optional<BackupInfo>();
  }
  RangedFill f{db, env, table, opts, &b, phases, nullptr, nullptr};
  for (auto* conn : {&f.holder, &f.reader}) {
    auto opened = OpenDatabase(db->url(), env);
    Status st = opened.ok() ? CopySessionSettings(db, opened->get()) : opened.status();
    if (!st.ok()) {
      *why_not = "no second connection: " + st.ToString();
      return std::optional<BackupInfo>();
    }
    *conn = std::move(*opened);
  }
  // Range hashes are TID range scans, which run in one process anyway.
  FERRY_RETURN_IF_ERROR(f.reader->Exec("SET max_parallel_workers_per_gather = 0"));
  phases->Mark("connect");

  // tx0: the empty copy and its `pending` row, committed so the copier's
  // transactions see the table. From here a failure removes both.
  BackupCatalog catalog(db);
  {
    Transaction tx0(db);
    FERRY_RETURN_IF_ERROR(tx0.Begin());
    const std::string base = b.name;
    FERRY_ASSIGN_OR_RETURN(b.name, FreeTableName(db, base));
    FERRY_ASSIGN_OR_RETURN(b.indexes_recreated, CreateCopyTable(db, table, b.name, opts.with_indexes));
    FERRY_ASSIGN_OR_RETURN(b.id, catalog.NextId());
    b.state = BackupState::kPending;
    b.method = "CREATE TABLE (LIKE) + INSERT SELECT in block ranges";
    b.notes.push_back(std::string("indexes ") + (b.indexes_recreated
                                                     ? "recreated on the backup"
                                                     : "not recreated (use --with-indexes)"));
    FERRY_RETURN_IF_ERROR(catalog.Insert(b));
    FERRY_RETURN_IF_ERROR(tx0.Commit());
  }
  phases->Mark("ddl+pending");
  auto fail = [&](const Status& st) {
    f.holder.reset();
    f.reader.reset();
    if (db->InTransaction()) (void)db->Rollback();
    DiscardCommittedSnapshot(db, &b);
    return st.WithContext("backup " + table + " -> " + b.name);
  };
  if (Status st = FillVerifyAndCheck(f); !st.ok()) return fail(st);
  f.holder.reset();
  f.reader.reset();
  auto size = db->Query("SELECT pg_total_relation_size($1::regclass)", {db->QuoteIdentifier(b.name)});
  if (!size.ok()) return fail(size.status());
  b.size_bytes = size->GetInt(0, 0).value_or(0);
  b.state = BackupState::kVerified;
  b.verified_at = env->WallSeconds();
  if (Status st = catalog.Update(b); !st.ok()) return fail(st);
  phases->Mark("flip");
  return std::optional<BackupInfo>(std::move(b));
}

}  // namespace ferry
