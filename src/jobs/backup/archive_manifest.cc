#include "jobs/backup/archive_manifest.h"

#include "jobs/backup/archive_file.h"

namespace ferry {
namespace {

Result<ArchiveManifest> ParseManifest(const std::string& path, const std::string& text) {
  ArchiveManifest m;
  try {
    m.json = nlohmann::json::parse(text);
    m.engine = m.json.at("engine").get<std::string>();
    m.method = m.json.value("method", "");
    m.schema_version = m.json.value("schema_version", "");
    for (const auto& f : m.json.at("files")) {
      m.files[f.at("name").get<std::string>()] = {f.at("size").get<int64_t>(),
                                                  f.at("sha256").get<std::string>()};
    }
    if (m.json.contains("tables")) {
      for (const auto& [k, v] : m.json.at("tables").items()) m.tables[k] = v.get<int64_t>();
    }
  } catch (const std::exception& e) {
    return Corruption(path + ": manifest.json is not readable: " + e.what());
  }
  return m;
}

// The entries as read against the manifest's list.
Result<ArchiveManifest> CheckEntries(const std::string& path, const std::vector<ArchiveEntry>& entries,
                                     const std::string& text) {
  bool has_manifest = false;
  for (const auto& e : entries) has_manifest |= e.name == "manifest.json";
  if (!has_manifest) return Corruption(path + ": manifest.json is missing");
  FERRY_ASSIGN_OR_RETURN(ArchiveManifest m, ParseManifest(path, text));
  std::map<std::string, bool> seen;
  for (const auto& e : entries) {
    if (e.name == "manifest.json") continue;
    auto it = m.files.find(e.name);
    if (it == m.files.end()) return Corruption(path + ": entry " + e.name + " is not in the manifest");
    if (it->second.first != e.size)
      return Corruption(path + ": " + e.name + ": size " + std::to_string(e.size) +
                        ", manifest says " + std::to_string(it->second.first));
    if (it->second.second != e.sha256)
      return Corruption(path + ": " + e.name + ": SHA-256 " + e.sha256 + " does not match the "
                        "manifest (" + it->second.second + ")");
    seen[e.name] = true;
  }
  for (const auto& [name, v] : m.files) {
    if (!seen.count(name)) return Corruption(path + ": " + name + " is in the manifest but not in the archive");
  }
  return m;
}

}  // namespace

Result<ArchiveManifest> CheckArchiveManifest(const std::string& path, ArchiveEntry* whole) {
  std::string text;
  FERRY_ASSIGN_OR_RETURN(auto entries, ScanArchiveFile(path, &text, whole));
  return CheckEntries(path, entries, text);
}

Result<ArchiveManifest> ExtractCheckedArchive(const std::string& path, const std::string& dest,
                                              const ExtractObserver* observer) {
  std::string text;
  FERRY_ASSIGN_OR_RETURN(auto entries, ExtractArchiveFileHashed(path, dest, &text, observer));
  return CheckEntries(path, entries, text);
}

ArchiveExtraction::ArchiveExtraction(std::string path, std::string dest, std::string follow)
    : path_(std::move(path)), dest_(std::move(dest)), follow_(std::move(follow)) {
  thread_ = std::thread([this] { Run(); });
}

ArchiveExtraction::~ArchiveExtraction() {
  if (thread_.joinable()) thread_.join();
  if (growing_) UnregisterGrowingFile(growing_.get());
}

void ArchiveExtraction::Run() {
  // All three run on this thread, in the walk's order.
  ExtractObserver o;
  o.begun = [this](const std::string& name, int64_t size) {
    // A size the tar header does not give cannot be followed: readers
    // need the final size first.
    if (name != follow_ || size < 0 || growing_ || followed_) return;
    auto g = std::make_unique<GrowingFile>(size);
    if (!RegisterGrowingFile(dest_ + "/" + name, g.get()).ok()) return;
    {
      std::lock_guard<std::mutex> lock(mu_);
      growing_ = std::move(g);
    }
    cv_.notify_all();
  };
  o.wrote = [this](const std::string& name, int64_t bytes) {
    if (name == follow_ && growing_ && !followed_) growing_->Wrote(bytes);
  };
  o.ended = [this](const std::string& name, bool complete) {
    if (name != follow_ || !growing_ || followed_) return;
    growing_->End(complete);
    followed_ = true;
  };
  Result<ArchiveManifest> m = ExtractCheckedArchive(path_, dest_, &o);
  {
    std::lock_guard<std::mutex> lock(mu_);
    result_ = std::move(m);
    done_ = true;
  }
  cv_.notify_all();
}

bool ArchiveExtraction::WaitForMember() {
  std::unique_lock<std::mutex> lock(mu_);
  cv_.wait(lock, [&] { return growing_ != nullptr || done_; });
  return growing_ != nullptr;
}

Result<ArchiveManifest> ArchiveExtraction::Finish() {
  if (thread_.joinable()) thread_.join();
  std::lock_guard<std::mutex> lock(mu_);
  return result_;
}

Status CompareTableRows(const std::string& what, const TableRows& want, const TableRows& got,
                        bool exact) {
  for (const auto& [t, n] : want) {
    auto it = got.find(t);
    if (it == got.end()) return Corruption(what + ": table " + t + " is missing");
    if (it->second != n)
      return Corruption(what + ": table " + t + " has " + std::to_string(it->second) +
                        " rows, the archive recorded " + std::to_string(n));
  }
  if (exact && got.size() != want.size())
    return Corruption(what + ": holds tables the archive did not record");
  return Status::OK();
}

}  // namespace ferry
