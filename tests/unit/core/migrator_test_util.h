// Helpers for migrator tests: migrations held in memory, a temp SQLite file.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "core/migration_source.h"
#include "core/migrator_internal.h"
#include "ferry/migrator.h"

namespace ferry::testing {

// Owns file texts and exposes them as an EmbeddedFileSet.
class MemoryFolder {
 public:
  void Add(std::string name, std::string body) {
    names_.push_back(std::make_unique<std::string>(std::move(name)));
    bodies_.push_back(std::make_unique<std::string>(std::move(body)));
    Rebuild();
  }
  void Replace(const std::string& name, std::string body) {
    for (size_t i = 0; i < names_.size(); ++i)
      if (*names_[i] == name) *bodies_[i] = std::move(body);
    Rebuild();
  }
  EmbeddedFileSet files() const { return EmbeddedFileSet(files_.data(), files_.size()); }

 private:
  void Rebuild() {
    files_.clear();
    for (size_t i = 0; i < names_.size(); ++i) files_.push_back({names_[i]->c_str(), *bodies_[i]});
  }
  std::vector<std::unique_ptr<std::string>> names_, bodies_;
  std::vector<EmbeddedFile> files_;
};

class TempDir {
 public:
  TempDir() {
    path_ = std::filesystem::temp_directory_path() /
            ("ferry_test_" + std::to_string(::getpid()) + "_" + std::to_string(counter_++));
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() { std::filesystem::remove_all(path_); }
  std::string path() const { return path_.string(); }

 private:
  static inline int counter_ = 0;
  std::filesystem::path path_;
};

}  // namespace ferry::testing
