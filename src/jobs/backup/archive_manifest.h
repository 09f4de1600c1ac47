// manifest.json of an archive (database or key-value store): parsing, the
// check of every entry against it, and the comparison of row counts with
// what it recorded. One implementation for every archive kind, so a damaged
// archive is reported the same way whatever it holds.
#pragma once

#include <map>
#include <string>
#include <utility>

#include <nlohmann/json.hpp>

#include "ferry/status.h"
#include "jobs/backup/archive_file.h"
#include "jobs/backup/archiver.h"

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
Result<ArchiveManifest> ExtractCheckedArchive(const std::string& path, const std::string& dest);

// Every table of `want` is in `got` with the same row count; with `exact`,
// `got` holds no other table either. Corruption prefixed by `what`.
Status CompareTableRows(const std::string& what, const TableRows& want, const TableRows& got,
                        bool exact);

}  // namespace ferry
