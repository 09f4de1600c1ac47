// manifest.json of an archive (database or key-value store): parsing, the
// check of every entry against it, and the comparison of row counts with
// what it recorded. One implementation for every archive kind, so a damaged
// archive is reported the same way whatever it holds.
#pragma once

#include <condition_variable>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <utility>

#include <nlohmann/json.hpp>

#include "ferry/status.h"
#include "jobs/backup/archive_file.h"
#include "jobs/backup/archiver.h"
#include "jobs/backup/growing_file.h"

namespace ferry {

struct ArchiveManifest {
  nlohmann::json json;
  std::string engine, method, schema_version;
  std::map<std::string, std::pair<int64_t, std::string>> files;  // name -> size, sha256
  TableRows tables;
};

// Reads `path`, parses manifest.json and checks every entry's size and
// SHA-256 against it, and that no listed file is missing. Corruption names
// the archive and the entry. The manifest may be any entry (first in older
// archives, last in newer ones). `whole` (may be null) gets the archive
// file's own size and SHA-256 from the same read.
Result<ArchiveManifest> CheckArchiveManifest(const std::string& path,
                                             ArchiveEntry* whole = nullptr);

// The same checks while extracting into `dest` in one pass (a restore's or
// a deep verify's staging directory, which the caller removes on error):
// Corruption as above, after which `dest` holds partial files.
// `observer` (may be null): as for ExtractArchiveFileHashed.
Result<ArchiveManifest> ExtractCheckedArchive(const std::string& path, const std::string& dest,
                                              const ExtractObserver* observer = nullptr);

// ExtractCheckedArchive on a thread of its own, with one member (`follow`)
// readable while it is written: from the moment its file exists, a
// GrowingFile registered under its path in `dest` (growing_file.h). A
// restore loads that member as it arrives, and has the archive's verdict
// (Finish) before it swaps.
class ArchiveExtraction {
 public:
  ArchiveExtraction(std::string path, std::string dest, std::string follow);
  ~ArchiveExtraction();  // waits for the walk; readers of the member must be closed
  ArchiveExtraction(const ArchiveExtraction&) = delete;
  ArchiveExtraction& operator=(const ArchiveExtraction&) = delete;

  // Waits until the member's file exists (true), or the walk ended
  // without it (false: an archive of another kind, or a damaged one).
  bool WaitForMember();
  // Waits for the end of the walk: the manifest, with every entry checked
  // as ExtractCheckedArchive checks them.
  Result<ArchiveManifest> Finish();

 private:
  void Run();

  const std::string path_, dest_, follow_;
  std::mutex mu_;
  std::condition_variable cv_;
  std::unique_ptr<GrowingFile> growing_;  // set once, on the walk's thread
  bool followed_ = false;                 // the member's bytes ended (further entries by that name are not it)
  bool done_ = false;
  Result<ArchiveManifest> result_ = Internal("extraction not finished");
  std::thread thread_;
};

// Every table of `want` is in `got` with the same row count; with `exact`,
// `got` holds no other table either. Corruption prefixed by `what`.
Status CompareTableRows(const std::string& what, const TableRows& want, const TableRows& got,
                        bool exact);

}  // namespace ferry
