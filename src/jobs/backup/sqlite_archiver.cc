// SQLite archiver: the online backup API (sqlite3_backup_*).
//
// The Database adapter hides its sqlite3* handle, so this file opens the
// database file itself with sqlite3_open_v2. The backup API copies a
// consistent snapshot even while other connections write (it restarts when
// the source changes under it, which WAL readers never see), and, used in
// the other direction, replaces the live database in one write transaction:
// readers see the old contents until it commits and the new ones after.
#include <sqlite3.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <set>

#include "jobs/backup/archive_file.h"
#include "jobs/backup/archive_manifest.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/sqlite_batch_vfs.h"
#include "jobs/backup/sqlite_stream_vfs.h"

namespace ferry {
namespace {

constexpr const char* kDataFile = "database.sqlite3";

struct Closer {
  void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
};
using Handle = std::unique_ptr<sqlite3, Closer>;

Result<Handle> OpenFile(const std::string& path, int flags, const char* vfs = nullptr) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags | SQLITE_OPEN_NOMUTEX, vfs);
  Handle h(raw);
  if (rc != SQLITE_OK)
    return IOError("sqlite: " + path + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
  sqlite3_busy_timeout(raw, 30000);
  return h;
}

// A private copy (staging or extracted, which nothing else opens), read
// only. Not memory-mapped: that saved little here and made every page read
// count as the process's resident memory (1.3 GB "peak RSS" for a 684 MB
// database in verify --deep). Through "ferry-peek", which passes reads
// through, or, for a copy an extraction is still writing (a GrowingFile),
// makes them wait for their bytes.
Result<Handle> OpenPrivateCopy(const std::string& path) {
  RegisterSqliteStreamVfs();
  PrivateCopyOpen private_copy;  // read ahead: nothing else writes it
  return OpenFile(path, SQLITE_OPEN_READONLY, "ferry-peek");
}

// Copies all of `from` into `to` in one go (retrying while locked).
Status CopyDatabase(sqlite3* to, sqlite3* from, Env* env, const std::string& what) {
  sqlite3_backup* b = sqlite3_backup_init(to, "main", from, "main");
  if (b == nullptr) return IOError("sqlite backup " + what + ": " + sqlite3_errmsg(to));
  int rc;
  for (;;) {
    rc = sqlite3_backup_step(b, -1);
    if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
      env->SleepFor(std::chrono::milliseconds(20));
      continue;
    }
    break;
  }
  int fin = sqlite3_backup_finish(b);
  if (rc != SQLITE_DONE) return IOError("sqlite backup " + what + ": " + sqlite3_errstr(rc));
  if (fin != SQLITE_OK) return IOError("sqlite backup " + what + ": " + sqlite3_errmsg(to));
  return Status::OK();
}

Status Exec(sqlite3* db, const char* sql, const std::string& what) {
  char* err = nullptr;
  if (sqlite3_exec(db, sql, nullptr, nullptr, &err) == SQLITE_OK) return Status::OK();
  std::string m = err ? err : sqlite3_errmsg(db);
  sqlite3_free(err);
  return IOError("sqlite: " + what + ": " + m);
}

Result<TableRows> CountRows(sqlite3* db, const std::string& what) {
  TableRows out;
  std::vector<std::string> tables;
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db,
                         "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE "
                         "'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                         -1, &st, nullptr) != SQLITE_OK)
    return Corruption("sqlite: " + what + ": " + sqlite3_errmsg(db));
  while (sqlite3_step(st) == SQLITE_ROW)
    tables.emplace_back(reinterpret_cast<const char*>(sqlite3_column_text(st, 0)));
  sqlite3_finalize(st);
  for (const auto& t : tables) {
    std::string q = "\"";
    for (char c : t) q += c == '"' ? std::string("\"\"") : std::string(1, c);
    q += "\"";
    std::string sql = "SELECT count(*) FROM " + q;
    if (sqlite3_prepare_v2(db, sql.c_str(), -1, &st, nullptr) != SQLITE_OK)
      return Corruption("sqlite: " + what + ": table " + t + ": " + sqlite3_errmsg(db));
    if (sqlite3_step(st) != SQLITE_ROW) {
      std::string m = sqlite3_errmsg(db);
      sqlite3_finalize(st);
      return Corruption("sqlite: " + what + ": table " + t + ": " + m);
    }
    out[t] = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
  }
  return out;
}

Status IntegrityCheck(sqlite3* db, const std::string& what) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA quick_check", -1, &st, nullptr) != SQLITE_OK)
    return Corruption("sqlite: " + what + ": " + sqlite3_errmsg(db));
  std::string result;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    result = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  else
    result = sqlite3_errmsg(db);
  sqlite3_finalize(st);
  if (result != "ok") return Corruption("sqlite: " + what + " fails quick_check: " + result);
  return Status::OK();
}

Result<int64_t> PragmaInt(sqlite3* db, const char* sql, const std::string& what) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &st, nullptr) != SQLITE_OK)
    return IOError("sqlite: " + what + ": " + sqlite3_errmsg(db));
  int64_t v = -1;
  if (sqlite3_step(st) == SQLITE_ROW) v = sqlite3_column_int64(st, 0);
  std::string err = sqlite3_errmsg(db);
  sqlite3_finalize(st);
  if (v < 0) return IOError("sqlite: " + what + ": " + sql + ": " + err);
  return v;
}

// Holds off every writer of `path` for a moment (a write transaction that
// writes nothing), where it can at once: a read-only file, or a writer
// already at work, and it is simply not held (held() false).
class WriterHold {
 public:
  explicit WriterHold(Handle h) : h_(std::move(h)) {}
  bool held() const { return h_ != nullptr; }
  void Release() {
    if (h_) (void)sqlite3_exec(h_.get(), "ROLLBACK", nullptr, nullptr, nullptr);
    h_.reset();
  }
  ~WriterHold() { Release(); }

 private:
  Handle h_;
};

WriterHold HoldWriters(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  Handle h(raw);
  if (rc != SQLITE_OK) return WriterHold(nullptr);
  // Short: waiting here would delay the backup behind a long writer, which
  // the copy alone (WAL) does not wait for; the count then runs in the
  // copy's own transaction instead.
  sqlite3_busy_timeout(raw, 200);
  if (sqlite3_exec(raw, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK)
    return WriterHold(nullptr);
  return WriterHold(std::move(h));
}

// Live files whose write lock a restore of this process holds, from its
// start to its swap or abandon (SqliteStagedRestore): no writer can commit
// there, so the safety archive taken meanwhile needs no WriterHold (which
// would wait 200 ms for a lock it cannot get) to count on the copy's state.
std::mutex restoring_mu;
std::multiset<std::string> restoring;

bool RestoreHoldsWriters(const std::string& live) {
  std::lock_guard<std::mutex> l(restoring_mu);
  return restoring.count(live) > 0;
}

// A read transaction begun now (while writers are held off: on the same
// state as the copy's), or null.
std::shared_ptr<sqlite3> SameStateReader(const std::string& path) {
  sqlite3* raw = nullptr;
  // Through "ferry-peek": its count reads ahead (ReadAheadInTransaction).
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                           "ferry-peek");
  std::shared_ptr<sqlite3> h(raw, [](sqlite3* db) { sqlite3_close_v2(db); });
  if (rc != SQLITE_OK) return nullptr;
  sqlite3_busy_timeout(raw, 30000);
  // BEGIN alone takes no snapshot: the first read does.
  if (sqlite3_exec(raw, "BEGIN; SELECT count(*) FROM sqlite_master", nullptr, nullptr,
                   nullptr) != SQLITE_OK)
    return nullptr;
  return h;
}

// One streamed copy: the source connection holding the read transaction
// the copy is made in (opened by DumpStreamed, used by the member's
// producer, closed with this).
struct StreamState {
  Handle src;
  std::string live;
  int64_t page_size = 0, page_count = 0;
  std::string source_page1;
  StreamTarget target;
  bool produced = false;
};

// Copies the database in `s` (read transaction open) into `write` through
// "ferry-stream": page 1 as predicted first, then SQLite's own pages.
Status ProduceStream(StreamState* s, Env* env, const ArchiveByteSink& write) {
  s->produced = true;
  // The read transaction ends with the copy, whatever its outcome.
  struct EndRead {
    StreamState* s;
    ~EndRead() { s->src.reset(); }
  } end_read{s};
  // The copy's pages, read ahead in its one read transaction (ended by
  // end_read, after this).
  ReadAheadInTransaction ahead(s->src.get());
  StreamTarget& t = s->target;
  t.page_size = s->page_size;
  t.total = s->page_size * s->page_count;
  t.page1 = PredictBackupPageOne(s->source_page1, s->page_count);
  t.sink = write;
  t.next = s->page_size;
  FERRY_RETURN_IF_ERROR(write(t.page1));
  const std::string name = RegisterStreamTarget(&t);
  struct Unregister {
    std::string name;
    ~Unregister() { UnregisterStreamTarget(name); }
  } unregister{name};
  Status copied = [&]() -> Status {
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(name.c_str(), &raw,
                             SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                             "ferry-stream");
    Handle dst(raw);
    if (rc != SQLITE_OK)
      return IOError("sqlite: streamed copy: " + std::string(raw ? sqlite3_errmsg(raw)
                                                                 : sqlite3_errstr(rc)));
    // Nothing to journal or sync: the stream is the archive's, which is
    // fsynced and renamed as a whole.
    FERRY_RETURN_IF_ERROR(
        Exec(dst.get(), "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", "streamed copy"));
    return CopyDatabase(dst.get(), s->src.get(), env, s->live + " -> archive");
  }();
  if (!t.sink_error.ok()) return t.sink_error;
  if (!t.failure.empty()) return IOError("sqlite: streamed copy of " + s->live + ": " + t.failure);
  FERRY_RETURN_IF_ERROR(copied);
  if (!t.Complete())
    return IOError("sqlite: streamed copy of " + s->live + ": " + std::to_string(t.next) +
                   " of " + std::to_string(t.total) + " bytes, page 1 " +
                   (t.page1_written ? "written" : "never written"));
  return Status::OK();
}

// The live database's journal mode ("wal", "delete", ...), "" when unknown.
std::string JournalMode(sqlite3* db) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(db, "PRAGMA journal_mode", -1, &st, nullptr) != SQLITE_OK) return "";
  std::string mode;
  if (sqlite3_step(st) == SQLITE_ROW && sqlite3_column_text(st, 0))
    mode = reinterpret_cast<const char*>(sqlite3_column_text(st, 0));
  sqlite3_finalize(st);
  return mode;
}

// A restore into a live WAL database in steps, through one backup object
// (live <- extracted copy). The first step opens the live file's write
// transaction, which the backup API keeps open between steps and commits
// only when the last page is copied: from then on no other writer commits,
// so a safety archive whose read transaction begins after Start holds every
// row the swap discards. Load copies all pages but the last into the WAL as
// uncommitted frames (readers, the safety archive among them, keep reading
// their snapshot; the page cache spills, memory stays flat); Swap copies the
// rest and commits. Abandoned (destroyed before Swap, or killed): the
// backup is finished without its last step, which rolls the transaction
// back, and WAL frames never committed are ignored after a crash.
class SqliteStagedRestore : public StagedRestore {
 public:
  static Result<std::unique_ptr<StagedRestore>> Start(const std::string& copy,
                                                      const std::string& live, Env* env) {
    auto r = std::unique_ptr<SqliteStagedRestore>(new SqliteStagedRestore(copy, live, env));
    FERRY_ASSIGN_OR_RETURN(r->src_, OpenPrivateCopy(copy));
    // Through "ferry-batch": the load and the checkpoint batch their page
    // reads and writes (sqlite_batch_vfs.h); everything else, the commit
    // among them, passes straight through.
    RegisterSqliteBatchVfs();
    FERRY_ASSIGN_OR_RETURN(r->dst_, OpenFile(live, SQLITE_OPEN_READWRITE, "ferry-batch"));
    // Asked on this connection before the backup uses it (the backup API
    // wants the destination connection left alone meanwhile): once it has
    // the WAL open, its shared lock keeps any other connection from
    // leaving WAL mode, whose writer could not spill a page while the
    // safety archive's reader holds SHARED.
    if (JournalMode(r->dst_.get()) != "wal")
      return FailedPrecondition("sqlite restore: " + live +
                                " is no longer in WAL mode; run the restore again");
    // The backup API writes into a WAL database only pages of its own size
    // (otherwise it fails with "attempt to write a readonly database").
    FERRY_ASSIGN_OR_RETURN(int64_t copy_page, PragmaInt(r->src_.get(), "PRAGMA page_size", copy));
    FERRY_ASSIGN_OR_RETURN(int64_t live_page, PragmaInt(r->dst_.get(), "PRAGMA page_size", live));
    if (copy_page != live_page)
      return InvalidArgument(
          "sqlite restore: the archived database has " + std::to_string(copy_page) +
          "-byte pages and " + live + " has " + std::to_string(live_page) +
          "-byte pages; SQLite changes a database's page size only outside WAL mode. Nothing "
          "was changed. Restore with --db 'sqlite:" + live +
          "?journal_mode=delete' while nothing else has the file open, or into a database with " +
          std::to_string(copy_page) + "-byte pages");
    // Asked now: after the commit, any statement on this connection would
    // run SQLite's automatic checkpoint itself, unbatched.
    auto sync = PragmaInt(r->dst_.get(), "PRAGMA synchronous", live);
    r->synchronous_ = sync.ok() && *sync > 0;
    r->b_ = sqlite3_backup_init(r->dst_.get(), "main", r->src_.get(), "main");
    if (r->b_ == nullptr)
      return IOError("sqlite restore " + copy + " -> " + live + ": " +
                     sqlite3_errmsg(r->dst_.get()));
    // No page: this takes the write lock (waiting out a writer at work)
    // and copies nothing. A step of one page did both, and for a copy of
    // one page (a database without tables) it also committed, before the
    // safety archive and before the archive's checks had finished.
    FERRY_RETURN_IF_ERROR(r->Step(0));
    {
      std::lock_guard<std::mutex> l(restoring_mu);
      restoring.insert(live);
      r->registered_ = true;
    }
    return std::unique_ptr<StagedRestore>(std::move(r));
  }

  ~SqliteStagedRestore() override {
    if (counting_.valid()) counting_.wait();
    if (b_ != nullptr) sqlite3_backup_finish(b_);  // not done: rolls back
    Unregister();
  }

  Status Load() override {
    // The commit at the swap fsyncs the WAL, every frame the load wrote
    // into it: flushed here, beside the safety archive, as they are
    // written (an fsync of uncommitted frames is only early, never wrong),
    // the swap's fsync finds little left to write.
    const int wal = ::open((live_ + "-wal").c_str(), O_RDONLY | O_CLOEXEC);
    struct CloseWal {
      int fd;
      ~CloseWal() {
        if (fd >= 0) ::close(fd);
      }
    } close_wal{wal};
    // The rows are counted on the copy meanwhile (a connection of its own,
    // another core): its pages are the ones the commit makes live, byte for
    // byte, and no writer commits in between. Counting the live file after
    // the commit read every page again through the WAL (0.47 s of a 0.59 s
    // swap at 200,000 rows).
    counting_ = std::async(std::launch::async, [copy = copy_]() -> Result<TableRows> {
      FERRY_ASSIGN_OR_RETURN(Handle h, OpenPrivateCopy(copy));
      FERRY_ASSIGN_OR_RETURN(int64_t pages, PragmaInt(h.get(), "PRAGMA page_count", copy));
      FERRY_ASSIGN_OR_RETURN(TableRows rows, CountRows(h.get(), copy));
      rows[""] = pages;  // taken out again by Swap
      return rows;
    });
    // Bounded steps (each a few MB) until one page is left for Swap. The
    // write transaction is open and nothing of it is committed: its reads
    // of the old pages and its WAL frames are batched (sqlite_batch_vfs.h).
    BatchedIo batched(dst_.get());
    int64_t since_sync = 0;
    while (sqlite3_backup_remaining(b_) > 1) {
      const int n = std::min(sqlite3_backup_remaining(b_) - 1, 1024);
      FERRY_RETURN_IF_ERROR(Step(n));
      since_sync += n;
      if (wal >= 0 && since_sync >= 8192) {
        FERRY_RETURN_IF_ERROR(batched.Flush());
        (void)::fdatasync(wal);
        since_sync = 0;
      }
    }
    FERRY_RETURN_IF_ERROR(batched.End());
    if (wal >= 0) (void)::fdatasync(wal);
    return Status::OK();
  }

  // The copy's counts (taken beside the load) against the manifest's,
  // while nothing is committed yet.
  Status CheckRows(const TableRows& want) override {
    if (!counting_.valid()) return Status::OK();  // CheckRows without Load
    counted_ = counting_.get();
    FERRY_RETURN_IF_ERROR(counted_->status());
    TableRows rows = **counted_;
    rows.erase("");  // the page count, not a table
    return CompareTableRows(copy_ + ": the copy to restore", want, rows, /*exact=*/false);
  }

  Result<TableRows> Swap() override {
    Unregister();  // before the commit: writers may commit right after it
    FERRY_RETURN_IF_ERROR(Step(-1));
    if (!done_)
      return IOError("sqlite restore " + copy_ + " -> " + live_ + ": the copy did not finish");
    int fin = sqlite3_backup_finish(b_);
    b_ = nullptr;
    if (fin != SQLITE_OK)
      return IOError("sqlite restore " + copy_ + " -> " + live_ + ": " +
                     sqlite3_errmsg(dst_.get()));
    // Every restored page is in the WAL now. They are copied into the file
    // here, as part of the restore, in batched reads and writes
    // (sqlite_batch_vfs.h: safe with synchronous on, which fsyncs the file
    // before the checkpoint says how far it got). Left to SQLite's
    // automatic checkpoint, the application's next commit would do it
    // (1.8 s at 684 MB; the sqlite3 shell's .restore leaves them so when
    // another connection has the file open). The backup API's commit runs
    // no checkpoint itself. Best effort: pages a reader still needs stay in
    // the WAL until it is done, as with every SQLite checkpoint.
    // This is the first statement after the commit: SQLite's automatic
    // checkpoint, which any statement would run, runs inside it and finds
    // nothing left.
    {
      std::optional<BatchedIo> batched;  // ended (flushed) with this scope
      if (synchronous_) batched.emplace(dst_.get());
      (void)Exec(dst_.get(), "PRAGMA wal_checkpoint(PASSIVE)", live_);
    }
    if (counting_.valid()) counted_ = counting_.get();  // Swap without CheckRows
    if (!counted_.has_value()) return CountRows(dst_.get(), live_);  // Swap without Load
    FERRY_ASSIGN_OR_RETURN(TableRows rows, std::move(*counted_));
    const int64_t pages = rows[""];
    rows.erase("");
    // The live file is now the copy's size, page for page.
    FERRY_ASSIGN_OR_RETURN(int64_t live_pages, PragmaInt(dst_.get(), "PRAGMA page_count", live_));
    if (live_pages != pages)
      return Internal("sqlite restore " + copy_ + " -> " + live_ + ": " +
                      std::to_string(live_pages) + " pages live after the commit, the copy has " +
                      std::to_string(pages));
    return rows;
  }

 private:
  SqliteStagedRestore(std::string copy, std::string live, Env* env)
      : copy_(std::move(copy)), live_(std::move(live)), env_(env) {}

  Status Step(int pages) {
    for (;;) {
      int rc = sqlite3_backup_step(b_, pages);
      if (rc == SQLITE_BUSY || rc == SQLITE_LOCKED) {
        env_->SleepFor(std::chrono::milliseconds(20));
        continue;
      }
      if (rc == SQLITE_DONE) done_ = true;
      if (rc == SQLITE_OK || rc == SQLITE_DONE) return Status::OK();
      return IOError("sqlite restore " + copy_ + " -> " + live_ + ": " + sqlite3_errstr(rc));
    }
  }

  void Unregister() {
    if (!registered_) return;
    std::lock_guard<std::mutex> l(restoring_mu);
    restoring.erase(restoring.find(live_));
    registered_ = false;
  }

  std::string copy_, live_;
  Env* env_;
  bool registered_ = false;
  std::future<Result<TableRows>> counting_;  // started by Load; joined before the handles close
  std::optional<Result<TableRows>> counted_;  // its result, once taken (CheckRows or Swap)
  Handle src_, dst_;  // closed after b_ is finished (destructor body)
  sqlite3_backup* b_ = nullptr;
  bool done_ = false;
  bool synchronous_ = false;  // the live connection's synchronous is on (the checkpoint fsyncs)
};

class SqliteArchiver : public Archiver {
 public:
  SqliteArchiver(Database* db, Env* env) : db_(db), env_(env) {}

  // The copy is made while the archive is written (sqlite_stream_vfs.h),
  // inside one read transaction opened here: its page count fixes the
  // member's size for the tar header, and the row counts are taken in the
  // same transaction, so they describe exactly the copied state. Writers
  // can go on meanwhile (WAL) or wait for it (rollback journal), as with
  // the backup API alone.
  Result<std::optional<StreamedDump>> DumpStreamed() override {
    const std::string live = db_->url().path;
    if (live.empty() || live == ":memory:") return std::optional<StreamedDump>();  // Dump says why
    RegisterSqliteStreamVfs();
    auto s = std::make_shared<StreamState>();
    s->live = live;
    sqlite3* raw = nullptr;
    int rc = sqlite3_open_v2(live.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX,
                             "ferry-peek");
    s->src.reset(raw);
    if (rc != SQLITE_OK)
      return IOError("sqlite: " + live + ": " + (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_busy_timeout(raw, 30000);
    // The first read of this fresh connection's transaction reads page 1
    // from disk (file or WAL): that is the page the stream starts with.
    PageOneCapture capture;
    SetPageOneCapture(&capture);
    struct Uninstall {
      ~Uninstall() { SetPageOneCapture(nullptr); }
    } uninstall;
    // While no writer can commit (HoldWriters), the copy's transaction and
    // a second one, for counting beside the copy, begin on the same state.
    const bool restoring_here = RestoreHoldsWriters(live);
    WriterHold hold = restoring_here ? WriterHold(nullptr) : HoldWriters(live);
    FERRY_RETURN_IF_ERROR(Exec(raw, "BEGIN", live));
    FERRY_ASSIGN_OR_RETURN(s->page_count, PragmaInt(raw, "PRAGMA page_count", live));
    FERRY_ASSIGN_OR_RETURN(s->page_size, PragmaInt(raw, "PRAGMA page_size", live));
    SetPageOneCapture(nullptr);
    std::shared_ptr<sqlite3> counter;
    if (hold.held() || restoring_here) counter = SameStateReader(live);
    hold.Release();
    if (capture.reads == 0 || capture.differing ||
        static_cast<int64_t>(capture.page.size()) != s->page_size || s->page_count < 1)
      return std::optional<StreamedDump>();
    s->source_page1 = std::move(capture.page);
    StreamedDump d;
    if (counter) {
      // Run by the caller beside the copy (DumpResult::count_tables); the
      // counting transaction ends with it.
      d.result.count_tables = [counter, live]() mutable -> Result<TableRows> {
        Result<TableRows> rows = [&] {
          ReadAheadInTransaction ahead(counter.get());  // inside the counter's transaction
          return CountRows(counter.get(), live);
        }();
        counter.reset();
        return rows;
      };
    } else {
      FERRY_ASSIGN_OR_RETURN(d.result.tables, CountRows(raw, live));
    }
    d.result.files.push_back(kDataFile);
    d.result.method = "sqlite3_backup";
    ArchiveMember m;
    m.name = kDataFile;
    m.size = s->page_size * s->page_count;
    Env* env = env_;
    m.produce = [s, env](const ArchiveByteSink& write) { return ProduceStream(s.get(), env, write); };
    d.members.push_back(std::move(m));
    d.declined = [s]() -> std::string {
      if (!s->produced || !s->target.sink_error.ok()) return "";
      if (!s->target.failure.empty()) return s->target.failure;
      return s->target.Complete() ? "" : "the stream ended early";
    };
    return std::optional<StreamedDump>(std::move(d));
  }

  Result<DumpResult> Dump(const std::string& dir) override {
    const std::string live = db_->url().path;
    if (live.empty() || live == ":memory:")
      return InvalidArgument("sqlite archive: an in-memory database has no file to back up");
    const std::string out = dir + "/" + kDataFile;
    FERRY_ASSIGN_OR_RETURN(Handle src, OpenFile(live, SQLITE_OPEN_READONLY));
    FERRY_ASSIGN_OR_RETURN(Handle dst, OpenFile(out, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE));
    ::chmod(out.c_str(), 0600);
    // The copy is a scratch file nobody needs durable (the archive made from
    // it is what gets fsynced; a crash leaves only a staging leftover), so
    // no journal and no fsync for it.
    FERRY_RETURN_IF_ERROR(Exec(dst.get(), "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF", out));
    FERRY_RETURN_IF_ERROR(CopyDatabase(dst.get(), src.get(), env_, live + " -> " + out));
    dst.reset();
    DumpResult r;
    // Counted on the copy, which nothing changes any more: exactly the rows
    // the archive holds (run by the caller beside the compression).
    r.count_tables = [out]() -> Result<TableRows> {
      FERRY_ASSIGN_OR_RETURN(Handle copy, OpenPrivateCopy(out));
      return CountRows(copy.get(), out);
    };
    r.files.push_back(kDataFile);
    r.method = "sqlite3_backup";
    return r;
  }

  Status CheckCopy(const std::string& dir) override {
    const std::string copy = dir + "/" + kDataFile;
    FERRY_ASSIGN_OR_RETURN(Handle src, OpenPrivateCopy(copy));
    return IntegrityCheck(src.get(), copy);
  }

  Result<TableRows> Restore(const std::string& dir) override {
    const std::string copy = dir + "/" + kDataFile;
    FERRY_ASSIGN_OR_RETURN(Handle src, OpenPrivateCopy(copy));
    FERRY_ASSIGN_OR_RETURN(Handle live, OpenFile(db_->url().path, SQLITE_OPEN_READWRITE));
    FERRY_RETURN_IF_ERROR(CopyDatabase(live.get(), src.get(), env_, copy + " -> live database"));
    return CountRows(live.get(), db_->url().path);
  }

  // WAL only: the load then runs beside the safety archive
  // (SqliteStagedRestore). A rollback-journal file keeps the order safety
  // archive first, then the whole restore: its writer could not spill a
  // page while the safety archive's reader holds SHARED.
  bool LoadsBesideSafetyArchive() const override {
    const std::string live = db_->url().path;
    if (live.empty() || live == ":memory:") return false;
    auto h = OpenFile(live, SQLITE_OPEN_READONLY);
    return h.ok() && JournalMode(h->get()) == "wal";
  }

  // The copy is one database file: its pages are read in order by the
  // backup API, and through "ferry-peek" every read of it waits for its
  // bytes (OpenPrivateCopy).
  std::string MemberLoadedWhileExtracting() const override {
    return LoadsBesideSafetyArchive() ? kDataFile : "";
  }

  // The load's write transaction is the file's one write lock.
  bool RestoreHoldsCatalogWrites() const override { return true; }

  Result<std::unique_ptr<StagedRestore>> StartRestore(const std::string& dir) override {
    if (!LoadsBesideSafetyArchive()) return Archiver::StartRestore(dir);
    return SqliteStagedRestore::Start(dir + "/" + kDataFile, db_->url().path, env_);
  }

  // `dir` is already a private scratch copy (extracted for this check and
  // removed after it), so the database is opened there and checked as it
  // is: a copy of it through the backup API first would read and write
  // every page once more and check the same bytes.
  Result<TableRows> TestRestore(const std::string& dir) override {
    const std::string copy = dir + "/" + kDataFile;
    // The count runs on a second connection beside quick_check (two cores,
    // both only read); both must pass.
    auto counting = std::async(std::launch::async, [&copy]() -> Result<TableRows> {
      FERRY_ASSIGN_OR_RETURN(Handle db, OpenPrivateCopy(copy));
      return CountRows(db.get(), copy);
    });
    Status checked = [&]() -> Status {
      FERRY_ASSIGN_OR_RETURN(Handle db, OpenPrivateCopy(copy));
      return IntegrityCheck(db.get(), copy);
    }();
    Result<TableRows> rows = counting.get();
    FERRY_RETURN_IF_ERROR(checked);
    return rows;
  }

 private:
  Database* db_;
  Env* env_;
};

}  // namespace

std::unique_ptr<Archiver> NewSqliteArchiver(Database* db, Env* env) {
  return std::make_unique<SqliteArchiver>(db, env);
}

}  // namespace ferry
