// FileStore: a directory tree as a BlobStore (file:///var/lib/ncps).
//
// Keys are paths relative to the root with '/' separators
// ("store/narinfo/a/ab/abc.narinfo"); any tree shape works. Everything goes
// through Env, so tests can run it on a FakeEnv.
//
// Listing walks the tree depth-first with a stack of directory cursors. Each
// directory's entries are sorted with a directory named "d" ordered as "d/",
// which makes the walk yield keys in plain byte-wise order -- the same order
// S3 uses -- so `start_after` can skip whole subtrees when resuming. Memory is
// one page plus the entries of the directories on the current path (a sorted
// order needs a whole directory; a Nix cache keeps each small).
//
// Symbolic links are followed; the walk stops with IOError below 64 levels,
// which also ends a symlink cycle. A Put in progress (or one interrupted by a
// crash) leaves "<key>.tmp" beside the key; listings show it like any file.
//
// Thread-safety: stateless apart from the root; all methods may run
// concurrently.
#pragma once

#include <memory>
#include <string>

#include "store/blob_store.h"
#include "store/store_url.h"

namespace ferry {

class FileStore final : public BlobStore {
 public:
  // `root` is the directory (need not exist yet); `env` must outlive this.
  FileStore(std::string root, Env* env);

  Status List(const ListOptions& options, Deadline deadline, const ListPageFn& on_page) override;
  Result<std::string> Get(const std::string& key, Deadline deadline) override;
  Status Delete(const std::string& key, Deadline deadline) override;
  Status Put(const std::string& key, const std::string& data, Deadline deadline) override;
  std::string Describe() const override;

 private:
  // The file a key names; InvalidArgument for keys that could escape the root
  // ("..", absolute, empty segments, NUL).
  Result<std::string> PathFor(const std::string& key) const;

  const std::string root_;
  Env* const env_;
};

Result<std::unique_ptr<BlobStore>> OpenFileStore(const StoreUrl& url, Env* env,
                                                 const StoreOptions& options);

}  // namespace ferry
