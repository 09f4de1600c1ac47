#include "obs/metrics_server.h"

#include <curl/curl.h>
#include <gtest/gtest.h>

namespace ferry {
namespace {

size_t Append(char* data, size_t size, size_t n, void* out) {
  static_cast<std::string*>(out)->append(data, size * n);
  return size * n;
}

struct HttpReply {
  long status = 0;
  std::string body;
  std::string content_type;
  CURLcode code = CURLE_OK;
};

HttpReply Get(const std::string& url) {
  HttpReply r;
  CURL* curl = curl_easy_init();
  curl_easy_setopt(curl, CURLOPT_URL, url.c_str());
  curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, Append);
  curl_easy_setopt(curl, CURLOPT_WRITEDATA, &r.body);
  curl_easy_setopt(curl, CURLOPT_TIMEOUT_MS, 5000L);
  curl_easy_setopt(curl, CURLOPT_NOPROXY, "*");
  r.code = curl_easy_perform(curl);
  curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &r.status);
  char* ct = nullptr;
  curl_easy_getinfo(curl, CURLINFO_CONTENT_TYPE, &ct);
  if (ct) r.content_type = ct;
  curl_easy_cleanup(curl);
  return r;
}

TEST(MetricsServerTest, ServesMetricsOnEphemeralLoopbackPort) {
  MetricsRegistry registry;
  auto c = registry.Counter("ferry_migration_items_total", "Items.", {{"result", "success"}});
  c.Inc(41);
  auto server = MetricsServer::Start(&registry, {});
  ASSERT_TRUE(server.ok()) << server.status().ToString();
  EXPECT_EQ((*server)->host(), "127.0.0.1");
  EXPECT_GT((*server)->port(), 0);
  c.Inc();  // the scrape sees the live value
  HttpReply r = Get((*server)->Url());
  ASSERT_EQ(r.code, CURLE_OK) << curl_easy_strerror(r.code);
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.content_type, MetricsRegistry::kContentType);
  EXPECT_EQ(r.body, registry.TextExposition());
  EXPECT_NE(r.body.find("ferry_migration_items_total{result=\"success\"} 42\n"), std::string::npos);

  HttpReply other = Get("http://127.0.0.1:" + std::to_string((*server)->port()) + "/nope");
  EXPECT_EQ(other.status, 404);
}

TEST(MetricsServerTest, StopsWhenDestroyed) {
  MetricsRegistry registry;
  std::string url;
  {
    auto server = MetricsServer::Start(&registry, {});
    ASSERT_TRUE(server.ok());
    url = (*server)->Url();
    EXPECT_EQ(Get(url).status, 200);
  }
  HttpReply r = Get(url);
  EXPECT_EQ(r.code, CURLE_COULDNT_CONNECT) << curl_easy_strerror(r.code);
}

TEST(MetricsServerTest, PortInUseIsUnavailable) {
  MetricsRegistry registry;
  auto first = MetricsServer::Start(&registry, {});
  ASSERT_TRUE(first.ok());
  MetricsServerOptions options;
  options.port = (*first)->port();
  auto second = MetricsServer::Start(&registry, options);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), Code::kUnavailable);
  EXPECT_NE(second.status().message().find(std::to_string(options.port)), std::string::npos);
}

}  // namespace
}  // namespace ferry
