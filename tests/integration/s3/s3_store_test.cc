// S3Store against a real S3 server (s3rver on loopback, started by
// scripts/test-servers.sh). Each test works under its own random prefix.
//
// s3rver 3.7.1 encrypts continuation tokens with DES, which Node 17+ refuses
// unless started with --openssl-legacy-provider: without it every truncated
// listing answers HTTP 500 InternalError (ERR_OSSL_EVP_UNSUPPORTED), and
// PutThenListPagesOf1000 fails after retrying.
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <set>
#include <thread>

#include "integration/servers.h"
#include "store/blob_store.h"

namespace ferry {
namespace {

class S3StoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    std::string endpoint;
    std::string bucket;
    FERRY_REQUIRE_SERVER(endpoint, "FERRY_TEST_S3_ENDPOINT");
    FERRY_REQUIRE_SERVER(bucket, "FERRY_TEST_S3_BUCKET");
    root_ = "ferry-test-" + std::to_string(Env::Default()->Random64() % 1000000000) + "/";
    base_url_ = "s3://" + bucket + "/" + root_ + "?endpoint=" + endpoint + "&region=us-east-1";
    StoreOptions opts;
    opts.access_key_id = "S3RVER";
    opts.secret_access_key = "S3RVER";
    opts.request_timeout = std::chrono::seconds(30);
    auto s = OpenBlobStore(base_url_, Env::Default(), opts);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    store_ = std::move(s).value();
  }

  void TearDown() override {
    if (!store_) return;
    std::vector<std::string> left = ListAll({});
    for (const std::string& k : left) EXPECT_TRUE(store_->Delete(k, Deadline::Never()).ok()) << k;
  }

  std::vector<std::string> ListAll(ListOptions opts, std::vector<size_t>* sizes = nullptr) {
    std::vector<std::string> out;
    Status st = store_->List(opts, Deadline::Never(), [&](std::vector<std::string> page) {
      if (sizes) sizes->push_back(page.size());
      out.insert(out.end(), page.begin(), page.end());
      return Status::OK();
    });
    EXPECT_TRUE(st.ok()) << st.ToString();
    return out;
  }

  std::string root_;
  std::string base_url_;
  std::unique_ptr<BlobStore> store_;
};

TEST_F(S3StoreTest, PutThenListPagesOf1000) {
  constexpr int kKeys = 2500;
  std::vector<std::string> keys;
  for (int i = 0; i < kKeys; ++i) {
    char name[64];
    std::snprintf(name, sizeof(name), "store/narinfo/%02x/k%05d.narinfo", i % 7, i);
    keys.push_back(name);
  }
  // Eight writers at once: the store is shared by worker threads in ingest.
  std::atomic<size_t> next{0};
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 8; ++t) {
    threads.emplace_back([&] {
      for (size_t i = next++; i < keys.size(); i = next++) {
        if (!store_->Put(keys[i], "v" + keys[i], Deadline::Never()).ok()) ++failures;
      }
    });
  }
  for (auto& t : threads) t.join();
  ASSERT_EQ(failures.load(), 0);

  std::vector<size_t> sizes;
  ListOptions opts;
  opts.page_size = 1000;
  std::vector<std::string> got = ListAll(opts, &sizes);
  std::sort(keys.begin(), keys.end());
  EXPECT_EQ(got, keys);
  EXPECT_EQ(sizes, (std::vector<size_t>{1000, 1000, 500}));

  // Resume after the 1234th key: exactly the rest, in order.
  opts.start_after = keys[1233];
  std::vector<std::string> rest = ListAll(opts);
  EXPECT_EQ(rest, std::vector<std::string>(keys.begin() + 1234, keys.end()));

  // A prefix narrows the listing.
  ListOptions pre;
  pre.prefix = "store/narinfo/03/";
  std::vector<std::string> three = ListAll(pre);
  EXPECT_EQ(three.size(), static_cast<size_t>(std::count_if(keys.begin(), keys.end(), [](const std::string& k) {
              return k.rfind("store/narinfo/03/", 0) == 0;
            })));
}

TEST_F(S3StoreTest, AwkwardKeysRoundTrip) {
  std::vector<std::string> keys = {
      "with space/a b.narinfo",   "plus/a+b+c",         "unicode/\xC3\xBC\xE2\x82\xAC\xF0\x9F\x98\x80",
      "amp/a&b<c>\"d'",          "percent/100%25 %",   "tilde~/x=y;z,@!$",
      "deep/a/b/c/d/e/f/g.narinfo", "query?like#frag",
  };
  for (const std::string& k : keys) {
    Status st = store_->Put(k, "body of " + k, Deadline::Never());
    ASSERT_TRUE(st.ok()) << k << ": " << st.ToString();
  }
  std::vector<std::string> want = keys;
  std::sort(want.begin(), want.end());
  EXPECT_EQ(ListAll({}), want);
  for (const std::string& k : keys) {
    auto got = store_->Get(k, Deadline::Never());
    ASSERT_TRUE(got.ok()) << k << ": " << got.status().ToString();
    EXPECT_EQ(*got, "body of " + k);
  }
  for (const std::string& k : keys) {
    ASSERT_TRUE(store_->Delete(k, Deadline::Never()).ok()) << k;
    EXPECT_EQ(store_->Get(k, Deadline::Never()).status().code(), Code::kNotFound) << k;
    EXPECT_TRUE(store_->Delete(k, Deadline::Never()).ok()) << "delete again: " << k;
  }
  EXPECT_TRUE(ListAll({}).empty());
}

TEST_F(S3StoreTest, BinaryBodyAndOverwrite) {
  std::string body;
  for (int i = 0; i < 300000; ++i) body.push_back(static_cast<char>(i * 7));
  ASSERT_TRUE(store_->Put("bin", body, Deadline::Never()).ok());
  EXPECT_EQ(*store_->Get("bin", Deadline::Never()), body);
  ASSERT_TRUE(store_->Put("bin", "small", Deadline::Never()).ok());
  EXPECT_EQ(*store_->Get("bin", Deadline::Never()), "small");
}

TEST_F(S3StoreTest, MissingObjectAndBucket) {
  auto got = store_->Get("nope/never", Deadline::Never());
  EXPECT_EQ(got.status().code(), Code::kNotFound);
  EXPECT_NE(got.status().message().find("nope/never"), std::string::npos) << got.status().message();
  EXPECT_TRUE(store_->Delete("nope/never", Deadline::Never()).ok());

  std::string endpoint = ::ferry::testing::ServerFromEnv("FERRY_TEST_S3_ENDPOINT");
  StoreOptions opts;
  opts.access_key_id = "S3RVER";
  opts.secret_access_key = "S3RVER";
  auto other = OpenBlobStore("s3://no-such-bucket-ferry?endpoint=" + endpoint, Env::Default(), opts);
  ASSERT_TRUE(other.ok());
  Status st = (*other)->List({}, Deadline::Never(), [](std::vector<std::string>) { return Status::OK(); });
  EXPECT_EQ(st.code(), Code::kNotFound) << st.ToString();
  EXPECT_NE(st.message().find("NoSuchBucket"), std::string::npos) << st.ToString();
}

}  // namespace
}  // namespace ferry
