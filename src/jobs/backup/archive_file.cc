#include "jobs/backup/archive_file.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zstd.h>

#include <cerrno>
#include <algorithm>
#include <condition_variable>
#include <cstring>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>

#include "util/sha256.h"

namespace ferry {
namespace {

constexpr size_t kChunk = 1 << 20;

struct WriterDeleter {
  void operator()(struct archive* a) const { archive_write_free(a); }
};
struct ReaderDeleter {
  void operator()(struct archive* a) const { archive_read_free(a); }
};
struct EntryDeleter {
  void operator()(struct archive_entry* e) const { archive_entry_free(e); }
};

Status Errno(const std::string& path, int err) {
  return IOError(path + ": " + std::strerror(err));
}

std::string ArchiveError(struct archive* a) {
  const char* m = archive_error_string(a);
  return m ? m : "unknown libarchive error";
}

std::string DirOf(const std::string& path) {
  size_t slash = path.rfind('/');
  return slash == std::string::npos ? "." : path.substr(0, slash == 0 ? 1 : slash);
}

// libarchive's output goes through the Env (so tests can fail the Nth
// write); the first error is kept to be reported as it was. For .tar.zst
// libarchive writes a plain tar and this sink compresses it itself (see
// ZstdStream); .tar.gz goes through libarchive's gzip filter.
struct EnvSink {
  WritableFile* file;
  Status error;
  Status Or(const Status& fallback) const { return error.ok() ? fallback : error; }
  Status Append(std::string_view bytes) {
    Status st = file->Append(bytes);
    if (!st.ok() && error.ok()) error = st;
    return st;
  }
};

// zstd through libzstd directly rather than libarchive's filter: that
// filter compresses on the calling thread at level 3, which was most of an
// archive's time (14 s of 25 for a 684 MB SQLite file). Level 1 with two
// worker threads is ~4x faster here and, on database pages, about as small
// (319 MB against 331 MB at level 3 for that file). The output is one
// ordinary zstd frame: every zstd reader (libarchive, `zstd -d`) reads it.
constexpr int kZstdLevel = 1;
constexpr int kZstdWorkers = 2;

class ZstdStream {
 public:
  // Output is written in 128 KiB pieces (libzstd's own streaming size).
  explicit ZstdStream(EnvSink* sink)
      : sink_(sink), cctx_(ZSTD_createCCtx()), out_(128 << 10, '\0') {}
  ~ZstdStream() { ZSTD_freeCCtx(cctx_); }
  ZstdStream(const ZstdStream&) = delete;
  ZstdStream& operator=(const ZstdStream&) = delete;

  Status Init() {
    if (cctx_ == nullptr) return Internal("zstd: cannot allocate a compression context");
    size_t rc = ZSTD_CCtx_setParameter(cctx_, ZSTD_c_compressionLevel, kZstdLevel);
    if (ZSTD_isError(rc)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(rc));
    // A libzstd built without threads refuses workers: compress inline then.
    (void)ZSTD_CCtx_setParameter(cctx_, ZSTD_c_nbWorkers, kZstdWorkers);
    (void)ZSTD_CCtx_setParameter(cctx_, ZSTD_c_checksumFlag, 1);
    return Status::OK();
  }
  Status Write(std::string_view data) { return Run(data, ZSTD_e_continue); }
  Status Finish() { return Run({}, ZSTD_e_end); }

 private:
  Status Run(std::string_view data, ZSTD_EndDirective mode) {
    ZSTD_inBuffer in{data.data(), data.size(), 0};
    for (;;) {
      ZSTD_outBuffer out{out_.data(), out_.size(), used_};
      size_t left = ZSTD_compressStream2(cctx_, &out, &in, mode);
      if (ZSTD_isError(left)) return Internal(std::string("zstd: ") + ZSTD_getErrorName(left));
      used_ = out.pos;
      // Written in whole buffers: fewer, larger writes.
      if (used_ == out_.size() || (mode == ZSTD_e_end && used_ > 0)) {
        FERRY_RETURN_IF_ERROR(sink_->Append(std::string_view(out_.data(), used_)));
        used_ = 0;
      }
      const bool done = mode == ZSTD_e_end ? left == 0 : in.pos == in.size;
      if (done && (mode != ZSTD_e_end || used_ == 0)) return Status::OK();
    }
  }

  EnvSink* sink_;
  ZSTD_CCtx* cctx_;
  std::string out_;
  size_t used_ = 0;
};

struct WriteTarget {
  EnvSink* sink;
  ZstdStream* zstd;  // null: libarchive compresses (gzip)
};

la_ssize_t TargetWrite(struct archive* a, void* client, const void* buf, size_t n) {
  auto* t = static_cast<WriteTarget*>(client);
  std::string_view bytes(static_cast<const char*>(buf), n);
  Status st = t->zstd ? t->zstd->Write(bytes) : t->sink->Append(bytes);
  if (!st.ok()) {
    archive_set_error(a, EIO, "%s", st.message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

// Writes one member, hashing its bytes as they go in: the SHA-256 a
// manifest written after it records costs no second read of the file.
Status WriteMember(struct archive* a, struct archive_entry* entry, const std::string& partial,
                   const ArchiveMember& m, std::string& buf, ArchiveEntry* written) {
  if (!IsSafeMemberName(m.name)) return Internal("unsafe member name " + m.name);
  int fd = -1;
  int64_t size = m.produce ? m.size : static_cast<int64_t>(m.data.size());
  if (!m.produce && !m.source_path.empty()) {
    fd = ::open(m.source_path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Errno(m.source_path, errno);
    struct stat st;
    if (::fstat(fd, &st) != 0) {
      ::close(fd);
      return Errno(m.source_path, errno);
    }
    size = st.st_size;
  }
  archive_entry_clear(entry);
  archive_entry_set_pathname(entry, m.name.c_str());
  archive_entry_set_size(entry, size);
  archive_entry_set_filetype(entry, AE_IFREG);
  archive_entry_set_perm(entry, 0600);
  written->name = m.name;
  written->size = size;
  if (archive_write_header(a, entry) != ARCHIVE_OK) {
    if (fd >= 0) ::close(fd);
    return IOError(partial + ": " + ArchiveError(a));
  }
  Sha256 h;
  if (m.produce) {
    int64_t got = 0;
    Status st = m.produce([&](std::string_view bytes) -> Status {
      if (got + static_cast<int64_t>(bytes.size()) > size)
        return Internal(m.name + ": more bytes than the " + std::to_string(size) + " announced");
      h.Update(bytes);
      if (archive_write_data(a, bytes.data(), bytes.size()) < 0)
        return IOError(partial + ": " + ArchiveError(a));
      got += static_cast<int64_t>(bytes.size());
      return Status::OK();
    });
    FERRY_RETURN_IF_ERROR(st);
    if (got != size)
      return Internal(m.name + ": " + std::to_string(got) + " bytes produced of the " +
                      std::to_string(size) + " announced");
    written->sha256 = h.HexDigest();
    return Status::OK();
  }
  if (fd < 0) {
    h.Update(m.data);
    written->sha256 = h.HexDigest();
    if (archive_write_data(a, m.data.data(), m.data.size()) < 0)
      return IOError(partial + ": " + ArchiveError(a));
    return Status::OK();
  }
  int64_t left = size;
  while (left > 0) {
    ssize_t n = ::read(fd, buf.data(), static_cast<size_t>(std::min<int64_t>(left, buf.size())));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      int err = errno;
      ::close(fd);
      return n == 0 ? IOError(m.source_path + ": changed size while archiving")
                    : Errno(m.source_path, err);
    }
    h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    if (archive_write_data(a, buf.data(), static_cast<size_t>(n)) < 0) {
      ::close(fd);
      return IOError(partial + ": " + ArchiveError(a));
    }
    left -= n;
  }
  ::close(fd);
  written->sha256 = h.HexDigest();
  return Status::OK();
}

Status WriteMembers(struct archive* a, const std::string& partial,
                    const std::vector<ArchiveMember>& members, const ArchiveTrailer& trailer) {
  std::unique_ptr<struct archive_entry, EntryDeleter> entry(archive_entry_new());
  std::string buf(kChunk, '\0');
  std::vector<ArchiveEntry> written(members.size());
  for (size_t i = 0; i < members.size(); ++i)
    FERRY_RETURN_IF_ERROR(WriteMember(a, entry.get(), partial, members[i], buf, &written[i]));
  if (!trailer.make) return Status::OK();
  FERRY_ASSIGN_OR_RETURN(std::string text, trailer.make(written));
  ArchiveEntry unused;
  return WriteMember(a, entry.get(), partial, ArchiveMember{trailer.name, "", std::move(text)}, buf,
                     &unused);
}

// Why an entry may not be trusted, or "" when it may.
std::string EntryProblem(struct archive_entry* e) {
  const char* p = archive_entry_pathname(e);
  std::string name = p ? p : "";
  if (archive_entry_symlink(e) != nullptr) return "is a symbolic link";
  if (archive_entry_hardlink(e) != nullptr) return "is a hard link";
  if (archive_entry_filetype(e) != AE_IFREG) return "is not a regular file";
  if (!name.empty() && name[0] == '/') return "has an absolute path";
  if (name.find("..") != std::string::npos) return "climbs out of the target with ..";
  if (!IsSafeMemberName(name)) return "is not a plain file name";
  return "";
}

}  // namespace

bool IsSafeMemberName(const std::string& name) {
  if (name.empty() || name.size() > 200 || name == "." || name == "..") return false;
  if (name.find("..") != std::string::npos) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

Status WriteArchiveFile(Env* env, const std::string& path, Compression compression,
                        const std::vector<ArchiveMember>& members, const ArchiveTrailer& trailer,
                        const ArchiveReadBack& read_back) {
  const std::string partial = path + ".partial";
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                         env->NewWritableFile(partial, FileMode::kOwnerOnly));
  EnvSink sink{file.get(), Status::OK()};
  std::unique_ptr<ZstdStream> zstd;
  Status st;
  if (compression == Compression::kZstd) {
    zstd = std::make_unique<ZstdStream>(&sink);
    st = zstd->Init();
  }
  WriteTarget target{&sink, zstd.get()};
  std::unique_ptr<struct archive, WriterDeleter> a(archive_write_new());
  archive_write_set_format_pax_restricted(a.get());
  if (st.ok() && compression == Compression::kGzip &&
      archive_write_add_filter_gzip(a.get()) != ARCHIVE_OK)
    st = Internal("libarchive: " + ArchiveError(a.get()));
  // Blocks of 64 KiB instead of 10 KiB: fewer calls into the compressor.
  if (st.ok() && archive_write_set_bytes_per_block(a.get(), 64 << 10) != ARCHIVE_OK)
    st = Internal("libarchive: " + ArchiveError(a.get()));
  if (st.ok() && archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK)
    st = Internal("libarchive: " + ArchiveError(a.get()));
  if (st.ok() && archive_write_open2(a.get(), &target, nullptr, TargetWrite, nullptr, nullptr) !=
                     ARCHIVE_OK)
    st = sink.Or(IOError(partial + ": " + ArchiveError(a.get())));
  if (st.ok()) st = WriteMembers(a.get(), partial, members, trailer);
  if (st.ok() && archive_write_close(a.get()) != ARCHIVE_OK)
    st = IOError(partial + ": " + ArchiveError(a.get()));
  if (st.ok() && zstd) st = zstd->Finish();
  // The Env's own error (ENOSPC naming the file) says more than libarchive's.
  if (!st.ok()) st = sink.Or(st);
  // The compressor's buffers (several MB with its workers) go before the
  // read-back allocates its own.
  a.reset();
  zstd.reset();
  if (st.ok() && read_back) {
    // Both wait on the disk or the CPU, not on each other (2 cores).
    auto synced = std::async(std::launch::async, [&file] { return file->Sync(); });
    Status checked = read_back(partial);
    st = synced.get();
    if (st.ok()) st = checked;
  } else if (st.ok()) {
    st = file->Sync();
  }
  if (Status c = file->Close(); st.ok()) st = c;
  if (st.ok()) st = env->RenameFile(partial, path);
  if (st.ok()) st = env->SyncDir(DirOf(path));
  if (!st.ok()) (void)env->RemoveFile(partial);
  return st;
}

namespace {

// The one walk over an archive's entries: every entry checked (EntryProblem),
// hashed and its size checked against its header; with `dest`, also written
// below it (0600). Scan, extract and extract-while-hashing are this walk.
// The archive file as libarchive reads it, hashed on the way in: the
// whole-file SHA-256 a catalog records comes from the same read that checks
// every entry.
struct HashedSource {
  int fd = -1;
  std::string buf;
  Sha256 hash;
  int64_t size = 0;
  ~HashedSource() {
    if (fd >= 0) ::close(fd);
  }
};

la_ssize_t HashedRead(struct archive* a, void* client, const void** out) {
  auto* src = static_cast<HashedSource*>(client);
  for (;;) {
    ssize_t n = ::read(src->fd, src->buf.data(), src->buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      archive_set_error(a, errno, "read: %s", std::strerror(errno));
      return -1;
    }
    src->hash.Update(std::string_view(src->buf.data(), static_cast<size_t>(n)));
    src->size += n;
    *out = src->buf.data();
    return n;
  }
}

// Whatever libarchive did not read (the zero blocks after the last entry)
// still belongs to the whole-file hash.
Status HashRest(HashedSource* src, const std::string& path) {
  for (;;) {
    ssize_t n = ::read(src->fd, src->buf.data(), src->buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(path, errno);
    if (n == 0) return Status::OK();
    src->hash.Update(std::string_view(src->buf.data(), static_cast<size_t>(n)));
    src->size += n;
  }
}

// Hashes, on a second thread, what the walk decompressed: on two cores the
// SHA-256 of every entry then costs the walk no time (it was a third of a
// read-back). The walk reads into the buffers of a small ring and hands
// each over; a buffer is reused only once it is hashed, so memory stays at
// kRing buffers whatever the archive's size. Each entry's hash is taken
// (HexDigest) only after Drain().
class HashWorker {
 public:
  HashWorker() {
    for (auto& b : ring_) b.assign(kChunk, '\0');
    thread_ = std::thread([this] { Run(); });
  }
  ~HashWorker() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  HashWorker(const HashWorker&) = delete;
  HashWorker& operator=(const HashWorker&) = delete;

  // The buffer to read into next (waits until it is free).
  std::string& Next() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return submitted_ - hashed_ < kRing; });
    return ring_[submitted_ % kRing];
  }
  // Hands the first `n` bytes of the buffer Next() returned to `h`.
  void Submit(Sha256* h, size_t n) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      jobs_[submitted_ % kRing] = {h, n};
      ++submitted_;
    }
    cv_.notify_all();
  }
  // Waits until everything submitted is hashed.
  void Drain() {
    std::unique_lock<std::mutex> lock(mu_);
    cv_.wait(lock, [&] { return hashed_ == submitted_; });
  }

 private:
  static constexpr size_t kRing = 4;
  struct Job {
    Sha256* h = nullptr;
    size_t n = 0;
  };
  void Run() {
    std::unique_lock<std::mutex> lock(mu_);
    for (;;) {
      cv_.wait(lock, [&] { return done_ || hashed_ < submitted_; });
      // Done: whatever is left was abandoned by an error (the walk drains
      // before it reads a hash), and its Sha256 may be gone.
      if (done_) return;
      const size_t slot = hashed_ % kRing;
      Job job = jobs_[slot];
      lock.unlock();
      job.h->Update(std::string_view(ring_[slot].data(), job.n));
      lock.lock();
      ++hashed_;
      cv_.notify_all();
    }
  }

  std::string ring_[kRing];
  Job jobs_[kRing];
  size_t submitted_ = 0, hashed_ = 0;
  bool done_ = false;
  std::mutex mu_;
  std::condition_variable cv_;
  std::thread thread_;
};

// Calls the observer's `ended(name, false)` for an entry it was told had
// begun, unless the entry completed: every way out of the walk says so.
class EntryEnd {
 public:
  EntryEnd(const ExtractObserver* o, std::string name, int64_t size)
      : o_(o), name_(std::move(name)) {
    if (o_ && o_->begun) o_->begun(name_, size);
  }
  ~EntryEnd() {
    if (o_ && o_->ended) o_->ended(name_, complete_);
  }
  EntryEnd(const EntryEnd&) = delete;
  EntryEnd& operator=(const EntryEnd&) = delete;
  void Complete() { complete_ = true; }

 private:
  const ExtractObserver* o_;
  std::string name_;
  bool complete_ = false;
};

Result<std::vector<ArchiveEntry>> WalkArchive(const std::string& path, const std::string* dest,
                                              std::string* manifest, ArchiveEntry* whole,
                                              const ExtractObserver* observer = nullptr) {
  HashedSource src;
  src.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (src.fd < 0) return Corruption(path + ": cannot open as an archive: " + std::strerror(errno));
  src.buf.assign(kChunk, '\0');
  std::unique_ptr<struct archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_gzip(a.get());
  if (archive_read_open(a.get(), &src, nullptr, HashedRead, nullptr) != ARCHIVE_OK)
    return Corruption(path + ": cannot open as an archive: " + ArchiveError(a.get()));
  std::unique_ptr<struct archive, WriterDeleter> disk;
  if (dest) {
    disk.reset(archive_write_disk_new());
    // NOABSOLUTEPATHS would also refuse our own dest-prefixed names (see
    // DEPENDENCIES.md); absolute names are refused by EntryProblem instead.
    archive_write_disk_set_options(disk.get(), ARCHIVE_EXTRACT_SECURE_NODOTDOT |
                                                   ARCHIVE_EXTRACT_SECURE_SYMLINKS |
                                                   ARCHIVE_EXTRACT_NO_OVERWRITE);
  }
  std::vector<ArchiveEntry> out;
  HashWorker hasher;
  struct archive_entry* e = nullptr;
  for (;;) {
    int rc = archive_read_next_header(a.get(), &e);
    if (rc == ARCHIVE_EOF) break;
    if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
      return Corruption(path + ": damaged archive after " + std::to_string(out.size()) +
                        " entries: " + ArchiveError(a.get()));
    ArchiveEntry ent;
    ent.name = archive_entry_pathname(e) ? archive_entry_pathname(e) : "";
    if (std::string why = EntryProblem(e); !why.empty())
      return Corruption(path + ": entry \"" + ent.name + "\" " + why + "; refusing the archive");
    std::string target;
    if (dest) {
      target = *dest + "/" + ent.name;
      archive_entry_set_pathname(e, target.c_str());
      archive_entry_set_perm(e, 0600);
      if (archive_write_header(disk.get(), e) != ARCHIVE_OK)
        return IOError(target + ": " + ArchiveError(disk.get()));
    }
    std::optional<EntryEnd> told;  // the observer's view of this entry
    if (dest && observer)
      told.emplace(observer, ent.name, archive_entry_size_is_set(e) ? archive_entry_size(e) : -1);
    Sha256 h;
    const bool is_manifest = ent.name == "manifest.json";
    for (;;) {
      std::string& buf = hasher.Next();
      la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n < 0) {
        hasher.Drain();  // `h` is in use on the other thread until then
        return Corruption(path + ": entry " + ent.name + " is damaged or truncated: " +
                          ArchiveError(a.get()));
      }
      if (n == 0) break;
      if (is_manifest && manifest) manifest->append(buf.data(), static_cast<size_t>(n));
      if (dest && archive_write_data(disk.get(), buf.data(), static_cast<size_t>(n)) != n) {
        hasher.Drain();
        return IOError(target + ": " + ArchiveError(disk.get()));
      }
      hasher.Submit(&h, static_cast<size_t>(n));
      ent.size += n;
      if (told && observer->wrote) observer->wrote(ent.name, ent.size);
    }
    hasher.Drain();
    if (dest && archive_write_finish_entry(disk.get()) != ARCHIVE_OK)
      return IOError(target + ": " + ArchiveError(disk.get()));
    if (archive_entry_size_is_set(e) && archive_entry_size(e) != ent.size)
      return Corruption(path + ": entry " + ent.name + " is truncated (" +
                        std::to_string(ent.size) + " of " +
                        std::to_string(archive_entry_size(e)) + " bytes)");
    ent.sha256 = h.HexDigest();
    if (told) told->Complete();
    out.push_back(std::move(ent));
  }
  if (dest && archive_write_close(disk.get()) != ARCHIVE_OK)
    return IOError(*dest + ": " + ArchiveError(disk.get()));
  if (whole) {
    FERRY_RETURN_IF_ERROR(HashRest(&src, path));
    size_t slash = path.rfind('/');
    whole->name = slash == std::string::npos ? path : path.substr(slash + 1);
    whole->size = src.size;
    whole->sha256 = src.hash.HexDigest();
  }
  return out;
}

}  // namespace

Result<std::vector<ArchiveEntry>> ScanArchiveFile(const std::string& path, std::string* manifest,
                                                  ArchiveEntry* whole) {
  return WalkArchive(path, nullptr, manifest, whole);
}

Status ExtractArchiveFile(const std::string& path, const std::string& dest) {
  // First pass: every entry checked before a byte is written.
  FERRY_RETURN_IF_ERROR(WalkArchive(path, nullptr, nullptr, nullptr).status());
  return WalkArchive(path, &dest, nullptr, nullptr).status();
}

Result<std::vector<ArchiveEntry>> ExtractArchiveFileHashed(const std::string& path,
                                                           const std::string& dest,
                                                           std::string* manifest,
                                                           const ExtractObserver* observer) {
  return WalkArchive(path, &dest, manifest, nullptr, observer);
}

Result<ArchiveEntry> HashFile(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Errno(path, errno);
  ArchiveEntry out;
  size_t slash = path.rfind('/');
  out.name = slash == std::string::npos ? path : path.substr(slash + 1);
  Sha256 h;
  std::string buf(kChunk, '\0');
  for (;;) {
    ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      int err = errno;
      ::close(fd);
      return Errno(path, err);
    }
    if (n == 0) break;
    h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
    out.size += n;
  }
  ::close(fd);
  out.sha256 = h.HexDigest();
  return out;
}

}  // namespace ferry
