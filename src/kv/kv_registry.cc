// The one table from URL scheme to key-value engine (compare
// src/db/registry.cc for SQL engines).
#include "kv/kv_store.h"

#ifdef FERRY_WITH_ROCKSDB
#include "kv/rocksdb/rocksdb_store.h"
#endif

namespace ferry {
namespace {

using Factory = Result<std::unique_ptr<KvStore>> (*)(const std::string& path, KvOpenMode, Env*);

struct Entry {
  const char* scheme;
  const char* option;  // the CMake option that builds it in
  Factory open;        // null when not built in
};

constexpr Entry kEngines[] = {
#ifdef FERRY_WITH_ROCKSDB
    {"rocksdb", "FERRY_WITH_ROCKSDB", &OpenRocksDbStore},
#else
    {"rocksdb", "FERRY_WITH_ROCKSDB", nullptr},
#endif
};

std::string_view SchemeOf(std::string_view url) {
  size_t colon = url.find(':');
  return colon == std::string_view::npos ? std::string_view() : url.substr(0, colon);
}

// "rocksdb:/a", "rocksdb:///a" -> "/a"; "rocksdb:a" -> "a".
std::string PathOf(std::string_view url) {
  std::string_view rest = url.substr(url.find(':') + 1);
  if (rest.substr(0, 2) == "//") rest.remove_prefix(2);
  std::string path(rest);
  while (path.size() > 1 && path.back() == '/') path.pop_back();
  return path;
}

class EmptyIterator final : public KvIterator {
 public:
  void Seek(std::string_view) override {}
  bool Valid() const override { return false; }
  void Next() override {}
  std::string_view key() const override { return {}; }
  std::string_view value() const override { return {}; }
  Status status() const override { return Status::OK(); }
};

class EmptyKvStore final : public KvStore {
 public:
  EmptyKvStore(std::string engine, std::string path) : engine_(std::move(engine)), path_(std::move(path)) {}
  std::string_view engine() const override { return engine_; }
  const std::string& path() const override { return path_; }
  Result<std::optional<std::string>> Get(std::string_view) override { return std::optional<std::string>(); }
  Status Write(const KvBatch&) override {
    return InvalidArgument(engine_ + ": " + path_ + ": opened read-only (dry run): nothing is written");
  }
  std::unique_ptr<KvIterator> NewIterator() override { return std::make_unique<EmptyIterator>(); }
  Status Checkpoint(const std::string&) override {
    return NotFound(engine_ + ": " + path_ + ": no store there");
  }

 private:
  std::string engine_;
  std::string path_;
};

}  // namespace

std::unique_ptr<KvStore> NewEmptyKvStore(std::string engine, std::string path) {
  return std::make_unique<EmptyKvStore>(std::move(engine), std::move(path));
}

bool IsKvUrl(std::string_view url) {
  std::string_view s = SchemeOf(url);
  for (const Entry& e : kEngines)
    if (s == e.scheme) return true;
  return false;
}

std::vector<std::string> KvSchemes() {
  std::vector<std::string> out;
  for (const Entry& e : kEngines)
    if (e.open) out.emplace_back(e.scheme);
  return out;
}

Result<std::unique_ptr<KvStore>> OpenKvStore(const std::string& url, KvOpenMode mode, Env* env) {
  std::string_view scheme = SchemeOf(url);
  for (const Entry& e : kEngines) {
    if (scheme != e.scheme) continue;
    if (!e.open)
      return NotFound(std::string(e.scheme) + ": this ferry was built without " + e.scheme +
                      " (install librocksdb-dev and configure with -D" + e.option + "=ON)");
    std::string path = PathOf(url);
    if (path.empty())
      return InvalidArgument("bad URL \"" + url + "\": " + e.scheme +
                             " wants a directory, e.g. " + e.scheme + ":/var/lib/app/kv");
    return e.open(path, mode, env);
  }
  return NotFound("no key-value engine for \"" + std::string(scheme) + "\" in " + url);
}

}  // namespace ferry
