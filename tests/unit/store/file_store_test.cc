#include "store/file/file_store.h"

#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>

#include "store/blob_store.h"

namespace ferry {
namespace {

class FileStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char tmpl[] = "/tmp/ferry-file-store-XXXXXX";
    ASSERT_NE(::mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
    auto s = OpenBlobStore("file://" + dir_, Env::Default());
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  void PutAll(const std::vector<std::string>& keys) {
    for (const std::string& k : keys) {
      ASSERT_TRUE(store_->Put(k, "data:" + k, Deadline::Never()).ok()) << k;
    }
  }

  std::vector<std::string> ListAll(ListOptions opts = {}, std::vector<size_t>* page_sizes = nullptr) {
    std::vector<std::string> out;
    Status st = store_->List(opts, Deadline::Never(), [&](std::vector<std::string> keys) {
      EXPECT_FALSE(keys.empty());
      if (page_sizes) page_sizes->push_back(keys.size());
      for (auto& k : keys) out.push_back(std::move(k));
      return Status::OK();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::string dir_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(FileStoreTest, WalksNestedTreeInByteOrder) {
  // "a-b" sorts before "a/x" byte-wise ('-' < '/'), although the directory
  // "a" sorts before the file "a-b" by name: the walk must follow key order.
  PutAll({"store/narinfo/b/bc/bcd.narinfo", "a/x", "a-b", "store/narinfo/a/ab/abc.narinfo",
          "store/narinfo/a/ab/abd.narinfo", "z", "a/y/z", "A"});
  std::vector<std::string> want = {"A",
                                   "a-b",
                                   "a/x",
                                   "a/y/z",
                                   "store/narinfo/a/ab/abc.narinfo",
                                   "store/narinfo/a/ab/abd.narinfo",
                                   "store/narinfo/b/bc/bcd.narinfo",
                                   "z"};
  EXPECT_EQ(ListAll(), want);
  EXPECT_TRUE(std::is_sorted(want.begin(), want.end()));
}

TEST_F(FileStoreTest, PagesAreBoundedAndCoverEverything) {
  std::vector<std::string> keys;
  for (int i = 0; i < 25; ++i) keys.push_back("d" + std::to_string(i % 3) + "/k" + std::to_string(i));
  PutAll(keys);
  std::vector<size_t> sizes;
  ListOptions opts;
  opts.page_size = 7;
  std::vector<std::string> got = ListAll(opts, &sizes);
  EXPECT_EQ(got.size(), 25u);
  EXPECT_EQ(sizes, (std::vector<size_t>{7, 7, 7, 4}));
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(got, keys);
}

TEST_F(FileStoreTest, PrefixAndStartAfterResume) {
  PutAll({"a/1", "a/2", "b/1", "b/2", "b/3/x", "c"});
  ListOptions opts;
  opts.prefix = "b/";
  EXPECT_EQ(ListAll(opts), (std::vector<std::string>{"b/1", "b/2", "b/3/x"}));
  opts.prefix = "";
  opts.start_after = "b/1";
  EXPECT_EQ(ListAll(opts), (std::vector<std::string>{"b/2", "b/3/x", "c"}));
  // Resuming from a key that no longer exists still continues after it.
  opts.start_after = "a/15";
  EXPECT_EQ(ListAll(opts), (std::vector<std::string>{"a/2", "b/1", "b/2", "b/3/x", "c"}));
  // A resume inside a deeper directory.
  opts.start_after = "b/3";
  EXPECT_EQ(ListAll(opts), (std::vector<std::string>{"b/3/x", "c"}));
}

TEST_F(FileStoreTest, CallbackErrorStopsListing) {
  PutAll({"a", "b", "c"});
  ListOptions opts;
  opts.page_size = 1;
  int pages = 0;
  Status st = store_->List(opts, Deadline::Never(), [&](std::vector<std::string>) {
    ++pages;
    return Cancelled("enough");
  });
  EXPECT_EQ(st.code(), Code::kCancelled);
  EXPECT_EQ(pages, 1);
}

TEST_F(FileStoreTest, GetPutDelete) {
  ASSERT_TRUE(store_->Put("x/y.narinfo", "hello", Deadline::Never()).ok());
  auto got = store_->Get("x/y.narinfo", Deadline::Never());
  ASSERT_TRUE(got.ok());
  EXPECT_EQ(*got, "hello");
  ASSERT_TRUE(store_->Put("x/y.narinfo", "again", Deadline::Never()).ok());
  EXPECT_EQ(*store_->Get("x/y.narinfo", Deadline::Never()), "again");
  ASSERT_TRUE(store_->Delete("x/y.narinfo", Deadline::Never()).ok());
  auto missing = store_->Get("x/y.narinfo", Deadline::Never());
  EXPECT_EQ(missing.status().code(), Code::kNotFound);
  EXPECT_NE(missing.status().message().find("x/y.narinfo"), std::string::npos);
  // Deleting again (a re-run) is fine.
  EXPECT_TRUE(store_->Delete("x/y.narinfo", Deadline::Never()).ok());
  EXPECT_TRUE(store_->Delete("never/was", Deadline::Never()).ok());
}

TEST_F(FileStoreTest, RejectsKeysEscapingTheRoot) {
  for (const char* key : {"../etc/passwd", "/abs", "a//b", "a/./b", "", "a/.."}) {
    EXPECT_EQ(store_->Get(key, Deadline::Never()).status().code(), Code::kInvalidArgument) << key;
    EXPECT_EQ(store_->Put(key, "x", Deadline::Never()).code(), Code::kInvalidArgument) << key;
    EXPECT_EQ(store_->Delete(key, Deadline::Never()).code(), Code::kInvalidArgument) << key;
  }
}

TEST_F(FileStoreTest, MissingRootIsNotFound) {
  auto s = OpenBlobStore("file://" + dir_ + "/does-not-exist", Env::Default());
  ASSERT_TRUE(s.ok());
  Status st = (*s)->List({}, Deadline::Never(), [](std::vector<std::string>) { return Status::OK(); });
  EXPECT_EQ(st.code(), Code::kNotFound) << st.ToString();
  EXPECT_NE(st.message().find("does-not-exist"), std::string::npos);
}

TEST_F(FileStoreTest, EmptyStoreCallsNothing) {
  int pages = 0;
  EXPECT_TRUE(store_->List({}, Deadline::Never(), [&](std::vector<std::string>) {
                      ++pages;
                      return Status::OK();
                    }).ok());
  EXPECT_EQ(pages, 0);
}

TEST_F(FileStoreTest, ExpiredDeadlineIsTimeout) {
  PutAll({"a"});
  Deadline past{Env::Default()->Now() - std::chrono::seconds(1)};
  EXPECT_EQ(store_->Get("a", past).status().code(), Code::kTimeout);
  EXPECT_EQ(store_->List({}, past, [](std::vector<std::string>) { return Status::OK(); }).code(),
            Code::kTimeout);
}

TEST_F(FileStoreTest, DescribeNamesTheDirectory) {
  EXPECT_EQ(store_->Describe(), "file://" + dir_);
}

}  // namespace
}  // namespace ferry
