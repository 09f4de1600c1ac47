#include "core/migration_source.h"

#include <algorithm>
#include <map>

#include "core/checksum.h"
#include "core/file_name.h"
#include "util/strings.h"

namespace ferry {
namespace {

enum class Marker { kNone, kUp, kDown };

Marker LineMarker(std::string_view line) {
  std::string l = ToLower(TrimView(line));
  if (!StartsWith(l, "--")) return Marker::kNone;
  std::string_view rest = TrimView(std::string_view(l).substr(2));
  if (rest == "+up" || rest == "+goose up" || rest == "+migrate up" || rest == "+ferry up")
    return Marker::kUp;
  if (rest == "+down" || rest == "+goose down" || rest == "+migrate down" || rest == "+ferry down")
    return Marker::kDown;
  return Marker::kNone;
}

// Splits a ferry-format file into its -- +up and -- +down sections. A file
// without markers is all "up" with no down.
Status SplitSections(const std::string& path, const std::string& text, MigrationScript* up,
                     std::optional<MigrationScript>* down) {
  up->path = path;
  std::vector<std::string> lines = Split(text, '\n');
  int up_line = 0, down_line = 0;
  for (size_t i = 0; i < lines.size(); ++i) {
    Marker m = LineMarker(lines[i]);
    int n = static_cast<int>(i) + 1;
    if (m == Marker::kUp) {
      if (up_line)
        return InvalidArgument(path + ":" + std::to_string(n) + ": second -- +up marker");
      if (down_line)
        return InvalidArgument(path + ":" + std::to_string(n) + ": -- +up after -- +down");
      up_line = n;
    } else if (m == Marker::kDown) {
      if (down_line)
        return InvalidArgument(path + ":" + std::to_string(n) + ": second -- +down marker");
      down_line = n;
    }
  }
  auto join = [&](int from, int to) {  // 1-based inclusive line range
    std::string out;
    for (int i = from; i <= to && i <= static_cast<int>(lines.size()); ++i) {
      out += lines[static_cast<size_t>(i - 1)];
      if (i < static_cast<int>(lines.size())) out += '\n';
    }
    return out;
  };
  int total = static_cast<int>(lines.size());
  if (!up_line && !down_line) {
    up->sql = text;
    up->first_line = 1;
    return Status::OK();
  }
  if (!up_line) return InvalidArgument(path + ": has -- +down but no -- +up section");
  // Lines before the up marker (comments, directives) belong to the up section.
  up->sql = join(1, (down_line ? down_line - 1 : total));
  up->first_line = 1;
  if (down_line) {
    MigrationScript d;
    d.path = path;
    d.sql = join(down_line + 1, total);
    d.first_line = down_line + 1;
    *down = std::move(d);
  }
  return Status::OK();
}

class FolderSource final : public MigrationSource {
 public:
  FolderSource(std::string dir, Env* env) : dir_(std::move(dir)), env_(env) {}

  Result<MigrationSet> Load() override {
    auto entries = env_->ListDir(dir_);
    if (!entries.ok()) {
      return entries.status().WithContext("migrations folder");
    }
    std::vector<SourceFile> files;
    for (const DirEntry& e : *entries) {
      if (e.is_dir) continue;
      std::string path = dir_ + "/" + e.name;
      if (!EndsWith(ToLower(e.name), ".sql")) {
        files.push_back({e.name, path, std::string()});
        continue;
      }
      files.push_back({e.name, path, env_->ReadFile(path)});
    }
    return BuildMigrationSet(std::move(files));
  }
  std::string Describe() const override { return dir_; }

 private:
  std::string dir_;
  Env* env_;
};

class EmbeddedSource final : public MigrationSource {
 public:
  explicit EmbeddedSource(EmbeddedFileSet files) : files_(files) {}
  Result<MigrationSet> Load() override {
    std::vector<SourceFile> files;
    for (const EmbeddedFile& f : files_) {
      files.push_back({f.name, std::string("embedded:") + f.name, std::string(f.data)});
    }
    return BuildMigrationSet(std::move(files));
  }
  std::string Describe() const override { return "embedded migrations"; }

 private:
  EmbeddedFileSet files_;
};

}  // namespace

const Migration* MigrationSet::Find(const Version& v) const {
  auto it = std::lower_bound(migrations.begin(), migrations.end(), v,
                             [](const Migration& m, const Version& x) { return m.version < x; });
  return it != migrations.end() && it->version == v ? &*it : nullptr;
}

std::optional<Version> MigrationSet::Latest() const {
  if (migrations.empty()) return std::nullopt;
  return migrations.back().version;
}

std::unique_ptr<MigrationSource> NewFolderSource(std::string dir, Env* env) {
  return std::make_unique<FolderSource>(std::move(dir), env);
}
std::unique_ptr<MigrationSource> NewEmbeddedSource(EmbeddedFileSet files) {
  return std::make_unique<EmbeddedSource>(files);
}

Result<MigrationSet> BuildMigrationSet(std::vector<SourceFile> files) {
  std::sort(files.begin(), files.end(),
            [](const SourceFile& a, const SourceFile& b) { return a.name < b.name; });
  MigrationSet set;
  struct Pending {
    ParsedFileName up_name, down_name;
    const SourceFile* up = nullptr;
    const SourceFile* down = nullptr;
  };
  std::map<Version, Pending> by_version;
  std::map<SourceFormat, std::string> first_of_format;
  for (const SourceFile& f : files) {
    ParsedFileName parsed;
    std::string why;
    NameMatch match = ParseMigrationFileName(f.name, &parsed, &why);
    if (match == NameMatch::kIgnored) continue;
    if (match == NameMatch::kInvalid) return InvalidArgument(f.path + ": " + why);
    if (!f.content.ok()) return f.content.status().WithContext("cannot read migration");
    first_of_format.emplace(parsed.format, f.path);
    Pending& p = by_version[parsed.version];
    bool as_up = parsed.role != FileRole::kDown;
    const SourceFile*& slot = as_up ? p.up : p.down;
    if (slot != nullptr) {
      return InvalidArgument("duplicate migration version " + parsed.version.ToString() + ": " +
                             slot->path + " and " + f.path);
    }
    // A ferry-style file carries both sections: it also conflicts with a down file.
    if (parsed.role == FileRole::kBoth && p.down != nullptr) {
      return InvalidArgument("duplicate migration version " + parsed.version.ToString() + ": " +
                             p.down->path + " and " + f.path);
    }
    if (parsed.role == FileRole::kDown && p.up != nullptr && p.up_name.role == FileRole::kBoth) {
      return InvalidArgument("duplicate migration version " + parsed.version.ToString() + ": " +
                             p.up->path + " and " + f.path);
    }
    slot = &f;
    (as_up ? p.up_name : p.down_name) = parsed;
  }
  if (first_of_format.size() > 1) {
    std::string list;
    for (auto& [fmt, path] : first_of_format)
      list += (list.empty() ? "" : ", ") + std::string(SourceFormatName(fmt)) + " (" + path + ")";
    return InvalidArgument("migrations folder mixes file layouts: " + list);
  }
  if (!first_of_format.empty()) set.format = first_of_format.begin()->first;

  for (auto& [version, p] : by_version) {
    if (p.up == nullptr) {
      return InvalidArgument(p.down->path +
                             ": down migration without an up migration for version " +
                             version.ToString());
    }
    if (p.down != nullptr && p.down_name.name != p.up_name.name &&
        set.format == SourceFormat::kGolangMigrate) {
      return InvalidArgument("version " + version.ToString() + ": up and down files disagree on " +
                             "the name: " + p.up->path + " vs " + p.down->path);
    }
    Migration m;
    m.version = version;
    m.name = p.up_name.name;
    std::string text = NormalizeNewlines(p.up->content.value());
    if (p.up_name.role == FileRole::kBoth) {
      FERRY_RETURN_IF_ERROR(SplitSections(p.up->path, text, &m.up, &m.down));
    } else {
      m.up = {p.up->path, text, 1};
      if (p.down != nullptr) {
        m.down = MigrationScript{p.down->path, NormalizeNewlines(p.down->content.value()), 1};
      } else if (set.format == SourceFormat::kGolangMigrate) {
        set.warnings.push_back(p.up->path + ": no matching .down.sql file");
      }
    }
    set.migrations.push_back(std::move(m));
  }
  return set;
}

}  // namespace ferry
