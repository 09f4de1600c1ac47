// MigrationSource: where migrations come from — a folder on disk, or files
// compiled into the program (cmake/FerryEmbedMigrations.cmake).
//
// Load() returns every migration, sorted by version, or InvalidArgument naming
// the offending file: a *.sql name no layout accepts, two files with one
// version, a folder mixing layouts, an unreadable file, a down without an up.
// Problems that do not stop a run (a golang-migrate up without its down) come
// back as warnings.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/migration.h"
#include "ferry/env.h"
#include "ferry/migrator.h"
#include "ferry/status.h"

namespace ferry {

struct MigrationSet {
  SourceFormat format = SourceFormat::kEmpty;
  std::vector<Migration> migrations;  // ascending versions, no duplicates
  std::vector<std::string> warnings;

  const Migration* Find(const Version& v) const;
  std::optional<Version> Latest() const;
};

class MigrationSource {
 public:
  virtual ~MigrationSource() = default;
  virtual Result<MigrationSet> Load() = 0;
  virtual std::string Describe() const = 0;
};

std::unique_ptr<MigrationSource> NewFolderSource(std::string dir, Env* env);
std::unique_ptr<MigrationSource> NewEmbeddedSource(EmbeddedFileSet files);

// One file's name and content; `content` is a Status when it could not be read.
struct SourceFile {
  std::string name;  // file name only
  std::string path;  // for messages
  Result<std::string> content;
};

// The shared half of every source: names -> migrations. Exposed for tests.
Result<MigrationSet> BuildMigrationSet(std::vector<SourceFile> files);

}  // namespace ferry
