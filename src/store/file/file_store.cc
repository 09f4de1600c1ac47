#include "store/file/file_store.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "util/strings.h"

namespace ferry {
namespace {

constexpr size_t kMaxDepth = 64;

// One directory on the walk's current path.
struct Cursor {
  std::string rel;  // "" for the root, else "a/ab/" (ends with '/')
  std::vector<DirEntry> entries;  // sorted by SortKey
  size_t next = 0;
};

// A directory sorts as "name/" so depth-first order equals byte-wise key
// order ("a-b" < "a/x" because '-' < '/').
std::string SortKey(const DirEntry& e) { return e.is_dir ? e.name + "/" : e.name; }

// True when some key below directory `dir_key` ("a/ab/") can start with
// `prefix`.
bool DirMayMatch(const std::string& dir_key, const std::string& prefix) {
  return StartsWith(dir_key, prefix) || StartsWith(prefix, dir_key);
}

// True when some key below `dir_key` can be > `start_after`: either the whole
// subtree sorts after it, or start_after falls inside the subtree.
bool DirMayFollow(const std::string& dir_key, const std::string& start_after) {
  return start_after.empty() || dir_key > start_after || StartsWith(start_after, dir_key);
}

}  // namespace

FileStore::FileStore(std::string root, Env* env) : root_(std::move(root)), env_(env) {}

Result<std::string> FileStore::PathFor(const std::string& key) const {
  auto bad = [&](const char* why) {
    return InvalidArgument(Describe() + ": bad key \"" + key + "\": " + why);
  };
  if (key.empty()) return bad("empty");
  if (key.find('\0') != std::string::npos) return bad("contains NUL");
  if (key.front() == '/') return bad("absolute");
  for (const std::string& seg : Split(key, '/')) {
    if (seg.empty()) return bad("empty path segment");
    if (seg == "." || seg == "..") return bad("'.' or '..' segment");
  }
  return root_ + "/" + key;
}

Status FileStore::List(const ListOptions& options, Deadline deadline, const ListPageFn& on_page) {
  const size_t page_size = std::max<size_t>(1, options.page_size);
  std::vector<Cursor> stack;
  auto open_dir = [&](const std::string& rel) -> Status {
    if (stack.size() >= kMaxDepth) {
      return IOError(Describe() + ": " + rel + ": deeper than " + std::to_string(kMaxDepth) +
                     " levels (a symlink cycle?)");
    }
    std::string dir = rel.empty() ? root_ : root_ + "/" + rel.substr(0, rel.size() - 1);
    Result<std::vector<DirEntry>> listed = env_->ListDir(dir);
    if (!listed.ok()) return listed.status().WithContext(Describe() + ": listing");
    Cursor c;
    c.rel = rel;
    c.entries = std::move(listed).value();
    std::sort(c.entries.begin(), c.entries.end(),
              [](const DirEntry& a, const DirEntry& b) { return SortKey(a) < SortKey(b); });
    stack.push_back(std::move(c));
    return Status::OK();
  };

  FERRY_RETURN_IF_ERROR(open_dir(""));
  std::vector<std::string> page;
  page.reserve(std::min<size_t>(page_size, 4096));
  while (!stack.empty()) {
    Cursor& top = stack.back();
    if (top.next >= top.entries.size()) {
      stack.pop_back();
      continue;
    }
    const DirEntry& e = top.entries[top.next++];
    std::string key = top.rel + e.name;
    if (e.is_dir) {
      std::string dir_key = key + "/";
      if (!DirMayMatch(dir_key, options.prefix) || !DirMayFollow(dir_key, options.start_after)) {
        continue;
      }
      // A directory removed since its parent was read is simply skipped.
      Status st = open_dir(dir_key);
      if (st.code() == Code::kNotFound) continue;
      FERRY_RETURN_IF_ERROR(st);
      continue;
    }
    if (!StartsWith(key, options.prefix)) continue;
    if (!options.start_after.empty() && key <= options.start_after) continue;
    page.push_back(std::move(key));
    if (page.size() >= page_size) {
      if (deadline.Expired(env_)) return Timeout(Describe() + ": listing: deadline passed");
      FERRY_RETURN_IF_ERROR(on_page(std::move(page)));
      page = {};
    }
  }
  if (!page.empty()) {
    if (deadline.Expired(env_)) return Timeout(Describe() + ": listing: deadline passed");
    FERRY_RETURN_IF_ERROR(on_page(std::move(page)));
  }
  return Status::OK();
}

Result<std::string> FileStore::Get(const std::string& key, Deadline deadline) {
  FERRY_ASSIGN_OR_RETURN(std::string path, PathFor(key));
  if (deadline.Expired(env_)) return Timeout(Describe() + ": get " + key + ": deadline passed");
  Result<std::string> data = env_->ReadFile(path);
  if (!data.ok()) return data.status().WithContext(Describe() + ": get " + key);
  return data;
}

Status FileStore::Delete(const std::string& key, Deadline deadline) {
  FERRY_ASSIGN_OR_RETURN(std::string path, PathFor(key));
  if (deadline.Expired(env_)) return Timeout(Describe() + ": delete " + key + ": deadline passed");
  Status st = env_->RemoveFile(path);
  if (st.code() == Code::kNotFound) return Status::OK();  // already gone: idempotent
  return st.WithContext(Describe() + ": delete " + key);
}

Status FileStore::Put(const std::string& key, const std::string& data, Deadline deadline) {
  FERRY_ASSIGN_OR_RETURN(std::string path, PathFor(key));
  if (deadline.Expired(env_)) return Timeout(Describe() + ": put " + key + ": deadline passed");
  std::string dir = path.substr(0, path.rfind('/'));
  FERRY_RETURN_IF_ERROR(env_->CreateDirs(dir).WithContext(Describe() + ": put " + key));
  return env_->WriteFileAtomic(path, data).WithContext(Describe() + ": put " + key);
}

std::string FileStore::Describe() const {
  return StartsWith(root_, "/") ? "file://" + root_ : "file:" + root_;
}

Result<std::unique_ptr<BlobStore>> OpenFileStore(const StoreUrl& url, Env* env,
                                                 const StoreOptions& /*options*/) {
  return std::unique_ptr<BlobStore>(std::make_unique<FileStore>(url.path, env));
}

}  // namespace ferry
