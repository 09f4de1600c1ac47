// FakeBlobStore: an in-memory BlobStore (sorted map) for ingest unit tests,
// with fault injection: the Nth Get / Delete (1-based, counted over all
// threads) fails with the given status, once.
#pragma once

#include <atomic>
#include <map>
#include <mutex>
#include <string>
#include <vector>

#include "store/blob_store.h"

namespace ferry::testing {

class FakeBlobStore : public BlobStore {
 public:
  Status List(const ListOptions& options, Deadline, const ListPageFn& on_page) override {
    std::string after = options.start_after;
    for (;;) {
      std::vector<std::string> page;
      {
        std::lock_guard<std::mutex> l(mu_);
        for (auto it = objects_.upper_bound(after);
             it != objects_.end() && page.size() < options.page_size; ++it) {
          if (it->first.compare(0, options.prefix.size(), options.prefix) != 0) continue;
          page.push_back(it->first);
        }
      }
      if (page.empty()) return Status::OK();
      after = page.back();
      ++list_pages;
      Status st = on_page(std::move(page));
      if (!st.ok()) return st;
    }
  }
  Result<std::string> Get(const std::string& key, Deadline) override {
    int n = ++gets;
    if (n == fail_get_n) return fail_get_status;
    std::lock_guard<std::mutex> l(mu_);
    auto it = objects_.find(key);
    if (it == objects_.end()) return NotFound("fake: " + key);
    return it->second;
  }
  Status Delete(const std::string& key, Deadline) override {
    int n = ++deletes;
    if (n == fail_delete_n) return fail_delete_status;
    std::lock_guard<std::mutex> l(mu_);
    objects_.erase(key);
    return Status::OK();
  }
  Status Put(const std::string& key, const std::string& data, Deadline) override {
    std::lock_guard<std::mutex> l(mu_);
    objects_[key] = data;
    return Status::OK();
  }
  std::string Describe() const override { return "fake://"; }

  bool Has(const std::string& key) {
    std::lock_guard<std::mutex> l(mu_);
    return objects_.count(key) > 0;
  }
  size_t Size() {
    std::lock_guard<std::mutex> l(mu_);
    return objects_.size();
  }

  std::atomic<int> gets{0}, deletes{0}, list_pages{0};
  int fail_get_n = 0;
  Status fail_get_status = Unavailable("fake: injected GET failure");
  int fail_delete_n = 0;
  Status fail_delete_status = Unavailable("fake: injected DELETE failure");

 private:
  std::mutex mu_;
  std::map<std::string, std::string> objects_;
};

}  // namespace ferry::testing
