#include "store/store_url.h"

#include <gtest/gtest.h>

#include "store/blob_store.h"

namespace ferry {
namespace {

TEST(StoreUrlTest, FileForms) {
  auto a = StoreUrl::Parse("file:///var/lib/ncps/");
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->scheme, "file");
  EXPECT_EQ(a->path, "/var/lib/ncps");
  auto b = StoreUrl::Parse("file:rel/dir");
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(b->path, "rel/dir");
  auto c = StoreUrl::Parse("file://localhost/srv");
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->path, "/srv");
  EXPECT_EQ(StoreUrl::Parse("file://relative").status().code(), Code::kInvalidArgument);
  EXPECT_EQ(StoreUrl::Parse("file:").status().code(), Code::kInvalidArgument);
}

TEST(StoreUrlTest, S3WithEndpoint) {
  auto u = StoreUrl::Parse("s3://ncps-cache/some/prefix?endpoint=http://127.0.0.1:9000&region=eu-west-1");
  ASSERT_TRUE(u.ok()) << u.status().ToString();
  EXPECT_EQ(u->bucket, "ncps-cache");
  EXPECT_EQ(u->prefix, "some/prefix/");
  EXPECT_EQ(u->endpoint, "http://127.0.0.1:9000");
  EXPECT_EQ(u->region, "eu-west-1");
  EXPECT_TRUE(u->path_style);
}

TEST(StoreUrlTest, S3AwsDefaults) {
  auto u = StoreUrl::Parse("s3://bucket");
  ASSERT_TRUE(u.ok());
  EXPECT_EQ(u->prefix, "");
  EXPECT_EQ(u->endpoint, "");
  EXPECT_EQ(u->region, "us-east-1");
  EXPECT_FALSE(u->path_style);
  auto p = StoreUrl::Parse("s3://bucket/?force_path_style=true&endpoint=https%3A%2F%2Fs3.example.com");
  ASSERT_TRUE(p.ok()) << p.status().ToString();
  EXPECT_TRUE(p->path_style);
  EXPECT_EQ(p->endpoint, "https://s3.example.com");
}

TEST(StoreUrlTest, BadUrlsAreInvalidArgumentAndRedacted) {
  for (const char* bad : {"", "nothing", "s3:bucket", "s3://B!", "s3://bucket?endpoint=ftp://x",
                          "s3://bucket?regoin=us", "s3://bucket?force_path_style=maybe",
                          "gs://bucket", "s3://bucket?endpoint=http://h:1/path"}) {
    auto u = StoreUrl::Parse(bad);
    EXPECT_EQ(u.status().code(), Code::kInvalidArgument) << bad;
  }
  auto secret = OpenBlobStore("s3://key:hunter2@bucket", Env::Default());
  EXPECT_EQ(secret.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(secret.status().message().find("hunter2"), std::string::npos) << secret.status().message();
  auto unknown = OpenBlobStore("ftp://user:hunter2@host/x", Env::Default());
  EXPECT_EQ(unknown.status().code(), Code::kInvalidArgument);
  EXPECT_EQ(unknown.status().message().find("hunter2"), std::string::npos);
  EXPECT_NE(unknown.status().message().find("ftp://user:***@host/x"), std::string::npos)
      << unknown.status().message();
}

TEST(StoreUrlTest, FactoryPicksTheStore) {
  auto f = OpenBlobStore("file:///tmp/x", Env::Default());
  ASSERT_TRUE(f.ok());
  EXPECT_EQ((*f)->Describe(), "file:///tmp/x");
  StoreOptions opts;
  opts.access_key_id = "AKID";
  opts.secret_access_key = "very-secret";
  auto s = OpenBlobStore("s3://bucket/p?endpoint=http://127.0.0.1:1", Env::Default(), opts);
  ASSERT_TRUE(s.ok());
  EXPECT_EQ((*s)->Describe(), "s3://bucket/p/ (endpoint=http://127.0.0.1:1, region=us-east-1)");
  EXPECT_EQ((*s)->Describe().find("very-secret"), std::string::npos);
  EXPECT_EQ(BlobStoreSchemes(), (std::vector<std::string>{"file", "s3"}));
}

}  // namespace
}  // namespace ferry
