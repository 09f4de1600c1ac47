#include "jobs/backup/archive_file.h"

#include <archive.h>
#include <archive_entry.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <memory>

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
// write); the first error is kept to be reported as it was.
struct EnvSink {
  WritableFile* file;
  Status error;
  Status Or(const Status& fallback) const { return error.ok() ? fallback : error; }
};

la_ssize_t EnvSinkWrite(struct archive* a, void* client, const void* buf, size_t n) {
  auto* sink = static_cast<EnvSink*>(client);
  Status st = sink->file->Append(std::string_view(static_cast<const char*>(buf), n));
  if (!st.ok()) {
    if (sink->error.ok()) sink->error = st;
    archive_set_error(a, EIO, "%s", st.message().c_str());
    return -1;
  }
  return static_cast<la_ssize_t>(n);
}

Status WriteMembers(struct archive* a, const std::string& partial,
                    const std::vector<ArchiveMember>& members) {
  std::unique_ptr<struct archive_entry, EntryDeleter> entry(archive_entry_new());
  std::string buf(kChunk, '\0');
  for (const auto& m : members) {
    if (!IsSafeMemberName(m.name)) return Internal("unsafe member name " + m.name);
    int fd = -1;
    int64_t size = static_cast<int64_t>(m.data.size());
    if (!m.source_path.empty()) {
      fd = ::open(m.source_path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd < 0) return Errno(m.source_path, errno);
      struct stat st;
      if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return Errno(m.source_path, errno);
      }
      size = st.st_size;
    }
    archive_entry_clear(entry.get());
    archive_entry_set_pathname(entry.get(), m.name.c_str());
    archive_entry_set_size(entry.get(), size);
    archive_entry_set_filetype(entry.get(), AE_IFREG);
    archive_entry_set_perm(entry.get(), 0600);
    if (archive_write_header(a, entry.get()) != ARCHIVE_OK) {
      if (fd >= 0) ::close(fd);
      return IOError(partial + ": " + ArchiveError(a));
    }
    if (fd < 0) {
      if (archive_write_data(a, m.data.data(), m.data.size()) < 0)
        return IOError(partial + ": " + ArchiveError(a));
      continue;
    }
    int64_t left = size;
    while (left > 0) {
      ssize_t n = ::read(fd, buf.data(), buf.size());
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) {
        int err = errno;
        ::close(fd);
        return n == 0 ? IOError(m.source_path + ": changed size while archiving")
                      : Errno(m.source_path, err);
      }
      if (archive_write_data(a, buf.data(), static_cast<size_t>(n)) < 0) {
        ::close(fd);
        return IOError(partial + ": " + ArchiveError(a));
      }
      left -= n;
    }
    ::close(fd);
  }
  return Status::OK();
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
                        const std::vector<ArchiveMember>& members) {
  const std::string partial = path + ".partial";
  FERRY_ASSIGN_OR_RETURN(std::unique_ptr<WritableFile> file,
                         env->NewWritableFile(partial, FileMode::kOwnerOnly));
  EnvSink sink{file.get(), Status::OK()};
  std::unique_ptr<struct archive, WriterDeleter> a(archive_write_new());
  Status st;
  archive_write_set_format_pax_restricted(a.get());
  int rc = compression == Compression::kZstd ? archive_write_add_filter_zstd(a.get())
                                             : archive_write_add_filter_gzip(a.get());
  if (rc != ARCHIVE_OK) st = Internal("libarchive: " + ArchiveError(a.get()));
  if (st.ok() && archive_write_set_bytes_in_last_block(a.get(), 1) != ARCHIVE_OK)
    st = Internal("libarchive: " + ArchiveError(a.get()));
  if (st.ok() && archive_write_open2(a.get(), &sink, nullptr, EnvSinkWrite, nullptr, nullptr) !=
                     ARCHIVE_OK)
    st = sink.Or(IOError(partial + ": " + ArchiveError(a.get())));
  if (st.ok()) st = WriteMembers(a.get(), partial, members);
  if (st.ok() && archive_write_close(a.get()) != ARCHIVE_OK)
    st = IOError(partial + ": " + ArchiveError(a.get()));
  // The Env's own error (ENOSPC naming the file) says more than libarchive's.
  if (!st.ok()) st = sink.Or(st);
  if (st.ok()) st = file->Sync();
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
Result<std::vector<ArchiveEntry>> WalkArchive(const std::string& path, const std::string* dest,
                                              std::string* manifest) {
  std::unique_ptr<struct archive, ReaderDeleter> a(archive_read_new());
  archive_read_support_format_tar(a.get());
  archive_read_support_filter_zstd(a.get());
  archive_read_support_filter_gzip(a.get());
  if (archive_read_open_filename(a.get(), path.c_str(), kChunk) != ARCHIVE_OK)
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
  std::string buf(kChunk, '\0');
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
    Sha256 h;
    const bool is_manifest = ent.name == "manifest.json";
    for (;;) {
      la_ssize_t n = archive_read_data(a.get(), buf.data(), buf.size());
      if (n < 0)
        return Corruption(path + ": entry " + ent.name + " is damaged or truncated: " +
                          ArchiveError(a.get()));
      if (n == 0) break;
      h.Update(std::string_view(buf.data(), static_cast<size_t>(n)));
      if (is_manifest && manifest) manifest->append(buf.data(), static_cast<size_t>(n));
      if (dest && archive_write_data(disk.get(), buf.data(), static_cast<size_t>(n)) != n)
        return IOError(target + ": " + ArchiveError(disk.get()));
      ent.size += n;
    }
    if (dest && archive_write_finish_entry(disk.get()) != ARCHIVE_OK)
      return IOError(target + ": " + ArchiveError(disk.get()));
    if (archive_entry_size_is_set(e) && archive_entry_size(e) != ent.size)
      return Corruption(path + ": entry " + ent.name + " is truncated (" +
                        std::to_string(ent.size) + " of " +
                        std::to_string(archive_entry_size(e)) + " bytes)");
    ent.sha256 = h.HexDigest();
    out.push_back(std::move(ent));
  }
  if (dest && archive_write_close(disk.get()) != ARCHIVE_OK)
    return IOError(*dest + ": " + ArchiveError(disk.get()));
  return out;
}

}  // namespace

Result<std::vector<ArchiveEntry>> ScanArchiveFile(const std::string& path, std::string* manifest) {
  return WalkArchive(path, nullptr, manifest);
}

Status ExtractArchiveFile(const std::string& path, const std::string& dest) {
  // First pass: every entry checked before a byte is written.
  FERRY_RETURN_IF_ERROR(WalkArchive(path, nullptr, nullptr).status());
  return WalkArchive(path, &dest, nullptr).status();
}

Result<std::vector<ArchiveEntry>> ExtractArchiveFileHashed(const std::string& path,
                                                           const std::string& dest,
                                                           std::string* manifest) {
  return WalkArchive(path, &dest, manifest);
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
