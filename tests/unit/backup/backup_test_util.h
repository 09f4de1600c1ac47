// Helpers for the backup tests: a scratch directory and hostile archives.
#pragma once

#include <archive.h>
#include <archive_entry.h>
#include <unistd.h>

#include <filesystem>
#include <random>
#include <string>

namespace ferry::testing {

class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = (std::filesystem::temp_directory_path() /
             ("ferry-backup-test-" + std::to_string(::getpid()) + "-" + std::to_string(rd())))
                .string();
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

struct RawEntry {
  std::string name;
  std::string data;
  std::string symlink;   // non-empty: a symlink to this
  std::string hardlink;  // non-empty: a hard link to this
};

// Writes a .tar.zst holding exactly these entries, unchecked.
inline void WriteRawArchive(const std::string& path, const std::vector<RawEntry>& entries) {
  struct archive* a = archive_write_new();
  archive_write_set_format_pax_restricted(a);
  archive_write_add_filter_zstd(a);
  archive_write_open_filename(a, path.c_str());
  for (const auto& e : entries) {
    struct archive_entry* en = archive_entry_new();
    archive_entry_set_pathname(en, e.name.c_str());
    if (!e.symlink.empty()) {
      archive_entry_set_filetype(en, AE_IFLNK);
      archive_entry_set_symlink(en, e.symlink.c_str());
      archive_entry_set_size(en, 0);
    } else if (!e.hardlink.empty()) {
      archive_entry_set_filetype(en, AE_IFREG);
      archive_entry_set_hardlink(en, e.hardlink.c_str());
      archive_entry_set_size(en, 0);
    } else {
      archive_entry_set_filetype(en, AE_IFREG);
      archive_entry_set_size(en, static_cast<la_int64_t>(e.data.size()));
    }
    archive_entry_set_perm(en, 0644);
    archive_write_header(a, en);
    if (!e.data.empty()) archive_write_data(a, e.data.data(), e.data.size());
    archive_entry_free(en);
  }
  archive_write_close(a);
  archive_write_free(a);
}

}  // namespace ferry::testing
