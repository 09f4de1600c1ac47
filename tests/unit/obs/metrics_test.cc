#include "obs/metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <thread>

namespace ferry {
namespace {

TEST(MetricsTest, ExactExposition) {
  MetricsRegistry r;
  // Labels in any order; the output sorts them by name.
  r.Counter("ferry_migration_items_total", "Items migrated.",
            {{"result", "success"}, {"operation", "migrate"}})
      .Inc(3);
  r.Counter("ferry_migration_items_total", "Items migrated.",
            {{"operation", "migrate"}, {"result", "failure"}})
      .Inc();
  r.Gauge("ferry_workers_busy", "Workers busy now.").Set(2.5);
  auto h = r.Histogram("ferry_batch_seconds", "Time per batch.", {{"table", "users"}},
                       {0.1, 1, 10});
  h.Observe(0.05);
  h.Observe(0.1);  // le is inclusive
  h.Observe(3);
  h.Observe(100);
  EXPECT_EQ(r.TextExposition(),
            "# HELP ferry_batch_seconds Time per batch.\n"
            "# TYPE ferry_batch_seconds histogram\n"
            "ferry_batch_seconds_bucket{table=\"users\",le=\"0.1\"} 2\n"
            "ferry_batch_seconds_bucket{table=\"users\",le=\"1\"} 2\n"
            "ferry_batch_seconds_bucket{table=\"users\",le=\"10\"} 3\n"
            "ferry_batch_seconds_bucket{table=\"users\",le=\"+Inf\"} 4\n"
            "ferry_batch_seconds_sum{table=\"users\"} 103.15\n"
            "ferry_batch_seconds_count{table=\"users\"} 4\n"
            "# HELP ferry_migration_items_total Items migrated.\n"
            "# TYPE ferry_migration_items_total counter\n"
            "ferry_migration_items_total{operation=\"migrate\",result=\"failure\"} 1\n"
            "ferry_migration_items_total{operation=\"migrate\",result=\"success\"} 3\n"
            "# HELP ferry_workers_busy Workers busy now.\n"
            "# TYPE ferry_workers_busy gauge\n"
            "ferry_workers_busy 2.5\n");
  EXPECT_TRUE(r.FirstError().ok());
}

TEST(MetricsTest, Escaping) {
  MetricsRegistry r;
  r.Counter("x_total", "Help with \\ and\nnewline.", {{"path", "a\"b\\c\nd"}}).Inc();
  EXPECT_EQ(r.TextExposition(),
            "# HELP x_total Help with \\\\ and\\nnewline.\n"
            "# TYPE x_total counter\n"
            "x_total{path=\"a\\\"b\\\\c\\nd\"} 1\n");
}

TEST(MetricsTest, DefaultBucketsAreSeconds) {
  MetricsRegistry r;
  auto h = r.Histogram("d_seconds", "d");
  h.Observe(0.003);
  h.Observe(42);
  std::string text = r.TextExposition();
  EXPECT_NE(text.find("d_seconds_bucket{le=\"0.005\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"30\"} 1\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"60\"} 2\n"), std::string::npos) << text;
  EXPECT_NE(text.find("d_seconds_bucket{le=\"+Inf\"} 2\n"), std::string::npos) << text;
  EXPECT_EQ(h.Count(), 2u);
  EXPECT_DOUBLE_EQ(h.Sum(), 42.003);
}

TEST(MetricsTest, BucketHelpers) {
  EXPECT_EQ(ExponentialBuckets(1, 2, 4), (std::vector<double>{1, 2, 4, 8}));
  EXPECT_EQ(LinearBuckets(10, 5, 3), (std::vector<double>{10, 15, 20}));
  MetricsRegistry r;
  // Unsorted, duplicated and +Inf bounds are normalized.
  r.Histogram("b", "b", {}, {5, 1, 1, std::numeric_limits<double>::infinity()}).Observe(2);
  EXPECT_EQ(r.TextExposition(),
            "# HELP b b\n# TYPE b histogram\n"
            "b_bucket{le=\"1\"} 0\nb_bucket{le=\"5\"} 1\nb_bucket{le=\"+Inf\"} 1\n"
            "b_sum 2\nb_count 1\n");
}

TEST(MetricsTest, SameSeriesSameHandle) {
  MetricsRegistry r;
  auto a = r.Counter("c_total", "c", {{"k", "v"}});
  auto b = r.Counter("c_total", "c", {{"k", "v"}});
  a.Inc();
  b.Inc(2);
  EXPECT_EQ(a.Value(), 3);
  a.Inc(-5);  // counters never go down
  EXPECT_EQ(b.Value(), 3);
  Counter none;
  none.Inc();  // a default handle does nothing, and does not crash
  EXPECT_EQ(none.Value(), 0);
}

TEST(MetricsTest, MisuseIsRecordedNotExported) {
  MetricsRegistry r;
  r.Counter("m_total", "m").Inc();
  auto g = r.Gauge("m_total", "m");  // same name, other type
  g.Set(7);
  EXPECT_EQ(g.Value(), 7);  // the handle still works...
  EXPECT_EQ(r.FirstError().code(), Code::kInvalidArgument);
  EXPECT_NE(r.FirstError().message().find("m_total"), std::string::npos);
  EXPECT_EQ(r.TextExposition().find("7"), std::string::npos);  // ...but is not exported
  MetricsRegistry r2;
  r2.Counter("bad-name", "x");
  EXPECT_FALSE(r2.FirstError().ok());
  MetricsRegistry r3;
  r3.Counter("ok_total", "x", {{"le", "1"}});
  EXPECT_FALSE(r3.FirstError().ok());
  MetricsRegistry r4;
  r4.Counter("ok_total", "x", {{"a", "1"}});
  r4.Counter("ok_total", "x", {{"b", "1"}});
  EXPECT_FALSE(r4.FirstError().ok());
}

TEST(MetricsTest, ConcurrentIncrementsAddUp) {
  MetricsRegistry r;
  constexpr int kThreads = 4, kPerThread = 100000;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&r, t] {
      // Half register once, half look up every time: both must add up.
      auto c = r.Counter("n_total", "n", {{"op", "x"}});
      auto h = r.Histogram("h_seconds", "h", {}, {0.5});
      auto g = r.Gauge("g", "g");
      for (int i = 0; i < kPerThread; ++i) {
        if (t % 2 == 0) {
          c.Inc();
        } else {
          r.Counter("n_total", "n", {{"op", "x"}}).Inc();
        }
        h.Observe(i % 2 == 0 ? 0.25 : 1.0);
        g.Inc();
        g.Dec();
      }
    });
  }
  for (auto& th : threads) th.join();
  EXPECT_EQ(r.Counter("n_total", "n", {{"op", "x"}}).Value(), kThreads * kPerThread);
  auto h = r.Histogram("h_seconds", "h", {}, {0.5});
  EXPECT_EQ(h.Count(), static_cast<uint64_t>(kThreads * kPerThread));
  EXPECT_DOUBLE_EQ(h.Sum(), kThreads * kPerThread / 2 * 1.25);
  EXPECT_EQ(r.Gauge("g", "g").Value(), 0);
  std::string text = r.TextExposition();
  EXPECT_NE(text.find("h_seconds_bucket{le=\"0.5\"} 200000\n"), std::string::npos) << text;
  EXPECT_NE(text.find("n_total{op=\"x\"} 400000\n"), std::string::npos) << text;
}

TEST(MetricsTest, WriteTextFileIsAtomicAndReplaces) {
  std::string dir = ::testing::TempDir() + "/ferry_metrics_" + std::to_string(::getpid());
  std::filesystem::create_directories(dir);
  std::string path = dir + "/ferry.prom";
  MetricsRegistry r;
  auto c = r.Counter("f_total", "f");
  c.Inc();
  ASSERT_TRUE(r.WriteTextFile(Env::Default(), path).ok());
  c.Inc();
  ASSERT_TRUE(r.WriteTextFile(Env::Default(), path).ok());
  auto text = Env::Default()->ReadFile(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(*text, r.TextExposition());
  EXPECT_NE(text->find("f_total 2\n"), std::string::npos);
  // Only the file itself: no temp file left behind.
  auto entries = Env::Default()->ListDir(dir);
  ASSERT_TRUE(entries.ok());
  EXPECT_EQ(entries->size(), 1u);
  // A directory that does not exist: an error naming the path.
  Status s = r.WriteTextFile(Env::Default(), dir + "/missing/ferry.prom");
  EXPECT_FALSE(s.ok());
  EXPECT_NE(s.message().find("missing/ferry.prom"), std::string::npos) << s.ToString();
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace ferry
