// S3Store against a loopback fake server that misbehaves on purpose: 5xx
// answers (retried with backoff), a stalled response (timeout ->
// Unavailable), a refused connection, 4xx (not retried), deadlines.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>

#include "store/blob_store.h"
#include "unit/store/fake_http_server.h"

namespace ferry {
namespace {

using testing::CapturedRequest;
using testing::FakeHttpServer;
using testing::FakeReply;

StoreOptions FastOptions() {
  StoreOptions o;
  o.access_key_id = "AKID";
  o.secret_access_key = "SECRET";
  o.max_attempts = 4;
  o.initial_backoff = std::chrono::milliseconds(10);
  o.max_backoff = std::chrono::milliseconds(40);
  o.connect_timeout = std::chrono::milliseconds(1000);
  o.request_timeout = std::chrono::milliseconds(1000);
  o.low_speed_time = std::chrono::seconds(1);
  return o;
}

std::unique_ptr<BlobStore> Open(const std::string& base, const StoreOptions& o = FastOptions()) {
  auto s = OpenBlobStore("s3://ferry-bucket?endpoint=" + base, Env::Default(), o);
  EXPECT_TRUE(s.ok()) << s.status().ToString();
  return s.ok() ? std::move(s).value() : nullptr;
}

TEST(S3FaultTest, RetriesTwo503sThenSucceeds) {
  std::atomic<int> n{0};
  FakeHttpServer server([&](const CapturedRequest&) {
    return ++n <= 2 ? FakeReply{503, "<Error><Code>SlowDown</Code></Error>", false}
                    : FakeReply{200, "payload", false};
  });
  auto store = Open(server.base());
  auto got = store->Get("k", Deadline::Never());
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, "payload");
  EXPECT_EQ(server.requests().size(), 3u);
}

TEST(S3FaultTest, PersistentServerErrorIsUnavailableAfterMaxAttempts) {
  FakeHttpServer server([](const CapturedRequest&) { return FakeReply{500, "", false}; });
  auto store = Open(server.base());
  Status st = store->Delete("k", Deadline::Never());
  EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
  EXPECT_NE(st.message().find("4 attempt"), std::string::npos) << st.ToString();
  EXPECT_EQ(server.requests().size(), 4u);
  EXPECT_EQ(st.message().find("SECRET"), std::string::npos);
}

TEST(S3FaultTest, StalledServerTimesOutAsUnavailable) {
  FakeHttpServer server([](const CapturedRequest&) { return FakeReply{200, "", true}; });
  StoreOptions o = FastOptions();
  o.max_attempts = 2;
  auto store = Open(server.base(), o);
  auto start = std::chrono::steady_clock::now();
  auto got = store->Get("k", Deadline::Never());
  double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(got.status().code(), Code::kUnavailable) << got.status().ToString();
  EXPECT_EQ(server.requests().size(), 2u);
  EXPECT_LT(secs, 6.0);
}

TEST(S3FaultTest, ConnectionRefusedIsUnavailable) {
  int port;
  {
    FakeHttpServer gone([](const CapturedRequest&) { return FakeReply{}; });
    port = gone.port();
  }  // closed: nothing listens on `port` now
  auto store = Open("http://127.0.0.1:" + std::to_string(port));
  Status st = store->Put("k", "v", Deadline::Never());
  EXPECT_EQ(st.code(), Code::kUnavailable) << st.ToString();
}

TEST(S3FaultTest, ClientErrorsAreNotRetried) {
  FakeHttpServer server([](const CapturedRequest&) {
    return FakeReply{403, "<Error><Code>AccessDenied</Code><Message>no</Message></Error>", false};
  });
  auto store = Open(server.base());
  auto got = store->Get("k", Deadline::Never());
  EXPECT_EQ(got.status().code(), Code::kInvalidArgument);
  EXPECT_NE(got.status().message().find("AccessDenied"), std::string::npos) << got.status().ToString();
  EXPECT_EQ(server.requests().size(), 1u);
}

TEST(S3FaultTest, DeleteTreats204And404AsDone) {
  for (int code : {200, 204, 404}) {
    FakeHttpServer server([&](const CapturedRequest&) { return FakeReply{code, "", false}; });
    auto store = Open(server.base());
    EXPECT_TRUE(store->Delete("k", Deadline::Never()).ok()) << code;
    ASSERT_EQ(server.requests().size(), 1u);
    EXPECT_EQ(server.requests()[0].method, "DELETE");
  }
}

TEST(S3FaultTest, DeadlineStopsRetrying) {
  FakeHttpServer server([](const CapturedRequest&) { return FakeReply{503, "", false}; });
  StoreOptions o = FastOptions();
  o.max_attempts = 100;
  o.initial_backoff = std::chrono::milliseconds(100);
  o.max_backoff = std::chrono::milliseconds(100);
  auto store = Open(server.base(), o);
  auto got = store->Get("k", Deadline::After(Env::Default(), std::chrono::milliseconds(400)));
  EXPECT_EQ(got.status().code(), Code::kTimeout) << got.status().ToString();
  EXPECT_LT(server.requests().size(), 10u);
}

TEST(S3FaultTest, GarbledListingIsAnError) {
  FakeHttpServer server([](const CapturedRequest&) { return FakeReply{200, "<ListBucketResult><IsTru", false}; });
  auto store = Open(server.base());
  Status st = store->List({}, Deadline::Never(), [](std::vector<std::string>) { return Status::OK(); });
  EXPECT_EQ(st.code(), Code::kIOError) << st.ToString();
}

}  // namespace
}  // namespace ferry
