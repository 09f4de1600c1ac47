// Reading and writing the archive file itself (libarchive: pax tar, zstd or
// gzip), with the checks that make it safe to trust and to extract.
//
// Writing: the tar goes to `<path>.partial` created exclusively with mode
// 0600, is fsynced, renamed to `<path>` and the directory fsynced, every step
// through the Env (so fault-injection tests can fail the Nth write). A crash
// or an error (disk full) leaves at most a `.partial` file, which no listing
// treats as a backup; on error the partial file is removed and the Env's
// error (naming the file, e.g. "No space left on device") is returned.
//
// Members are flat file names ([A-Za-z0-9._-], no '/'): the reader refuses
// any other entry (`../x`, `/etc/x`, `a/b`, symlinks, hard links, devices),
// before anything is written, naming the archive and the entry.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"
#include "jobs/backup/backup.h"

namespace ferry {

// Receives a produced member's bytes, in order.
using ArchiveByteSink = std::function<Status(std::string_view)>;

struct ArchiveMember {
  std::string name;         // name inside the archive
  std::string source_path;  // file on disk to copy in; empty: use `data` (or `produce`)
  std::string data;
  // When set, the member's bytes come from this call instead: it passes
  // exactly `size` bytes to `write`, in order (the tar header, written
  // first, needs the size). How a SQLite copy goes into the archive
  // without a staging file (sqlite_stream_vfs.h).
  std::function<Status(const ArchiveByteSink& write)> produce;
  int64_t size = 0;
};

struct ArchiveEntry {
  std::string name;
  int64_t size = 0;
  std::string sha256;
};

// A last member made from what was written before it: `make` gets every
// member's name, size and SHA-256 as written (hashed while they were read
// for the archive) and returns the member's text. This is how ferry writes
// manifest.json last, reading each file once. Readers accept the manifest
// anywhere (archives before session 4 have it first).
struct ArchiveTrailer {
  std::string name;
  std::function<Result<std::string>(const std::vector<ArchiveEntry>& written)> make;
};

// The caller's check of the bytes written (its read-back), given the path
// they are at until the rename.
using ArchiveReadBack = std::function<Status(const std::string& written)>;

// .tar.zst: level 1 on two worker threads (libzstd directly); .tar.gz:
// libarchive's gzip filter. `read_back`, when given, runs beside the fsync
// (on the same bytes: the page cache the fsync writes out); both must pass
// before the rename, so a file that fails it is never at `path`.
Status WriteArchiveFile(Env* env, const std::string& path, Compression compression,
                        const std::vector<ArchiveMember>& members,
                        const ArchiveTrailer& trailer = {},
                        const ArchiveReadBack& read_back = {});
// The same through the real file system (Env::Default()).
inline Status WriteArchiveFile(const std::string& path, Compression compression,
                               const std::vector<ArchiveMember>& members) {
  return WriteArchiveFile(Env::Default(), path, compression, members);
}

// Reads every entry, streaming its bytes through SHA-256. `manifest` gets the
// text of manifest.json if present; `whole` (may be null) the size and
// SHA-256 of the archive file itself, from the same read. Corruption (naming
// path and entry) for a damaged or truncated archive or an unsafe entry.
Result<std::vector<ArchiveEntry>> ScanArchiveFile(const std::string& path, std::string* manifest,
                                                  ArchiveEntry* whole = nullptr);

// Extracts every entry into the existing directory `dest` (files 0600).
// The same entry checks as ScanArchiveFile run first, on every entry, and
// libarchive's SECURE_NODOTDOT / SECURE_SYMLINKS flags stay on as a second
// line of defence.
Status ExtractArchiveFile(const std::string& path, const std::string& dest);

// One pass instead of ExtractArchiveFile's two plus a checksum scan:
// extracts every entry into `dest` while hashing it (as ScanArchiveFile
// reports it) and collecting manifest.json's text into `manifest`. Each
// entry is checked (EntryProblem) before it is written, but earlier entries
// are already on disk when a later one is refused or found damaged: `dest`
// must be a private directory the caller removes on error.
//
// `observer` (may be null) is told how far each entry's file is written, so
// another thread can read it while it grows (a restore loading its copy):
// `begun` once the file exists (size from the tar header, -1 if none),
// `wrote` after every write (bytes on disk so far), and `ended` once no
// more bytes will come, complete or not (a damaged entry, a failed walk).
// The bytes are checked against the manifest only after the walk.
struct ExtractObserver {
  std::function<void(const std::string& name, int64_t size)> begun;
  std::function<void(const std::string& name, int64_t written)> wrote;
  std::function<void(const std::string& name, bool complete)> ended;
};
Result<std::vector<ArchiveEntry>> ExtractArchiveFileHashed(
    const std::string& path, const std::string& dest, std::string* manifest,
    const ExtractObserver* observer = nullptr);

// Whether a member name is one ferry writes and extracts (flat, plain).
bool IsSafeMemberName(const std::string& name);

// SHA-256 and size of a file on disk, streamed.
Result<ArchiveEntry> HashFile(const std::string& path);

}  // namespace ferry
