#include "obs/progress.h"

#include <gtest/gtest.h>

#include <sstream>
#include <thread>

#include "unit/obs/manual_clock_env.h"

namespace ferry {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

constexpr const char* kTs0 = "2026-11-22T00:09:11.123Z";

ProgressOptions Manual() {
  ProgressOptions o;
  o.background = ProgressThread::kOff;
  return o;
}

TEST(ProgressTest, ReportsLikeTheNcpsGuide) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});
  ProgressReporter progress(&env, log.get(), Manual());
  progress.Start();
  progress.AddFound(1523);
  progress.AddProcessed(1523);
  progress.AddSucceeded(1520);
  progress.AddFailed(3);
  env.Advance(seconds(15));
  progress.Tick();
  env.Advance(milliseconds(83500));
  progress.AddFound(10000 - 1523);
  progress.AddProcessed(10000 - 1523);
  progress.AddSucceeded(9987 - 1520);
  progress.AddFailed(10);
  ProgressSnapshot s = progress.Finish();
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 3u) << log->Captured();
  EXPECT_EQ(lines[0], std::string(kTs0) + " INFO starting migration");
  EXPECT_EQ(lines[1], "2026-11-22T00:09:26.123Z INFO migration progress found=1523 processed=1523 "
                      "succeeded=1520 failed=3 skipped=0 elapsed=15s rate=101.53");
  EXPECT_EQ(lines[2], "2026-11-22T00:10:49.623Z INFO migration completed found=10000 "
                      "processed=10000 succeeded=9987 failed=13 skipped=0 duration=98.5s "
                      "rate=101.52");
  EXPECT_EQ(s.processed, 10000u);
  EXPECT_DOUBLE_EQ(s.rate, 101.52);
  // Finish twice: same snapshot, no second line.
  EXPECT_EQ(progress.Finish().processed, 10000u);
  EXPECT_EQ(Lines(log->Captured()).size(), 3u);
}

TEST(ProgressTest, PollLogsOnlyWhenTheIntervalHasPassed) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});
  ProgressReporter progress(&env, log.get(), Manual());
  progress.Start();
  progress.Poll();  // 0 s: nothing due
  env.Advance(seconds(4));
  progress.Poll();  // 4 s: nothing due
  EXPECT_EQ(Lines(log->Captured()).size(), 1u);
  env.Advance(seconds(1));
  progress.AddProcessed(50);
  progress.Poll();  // 5 s: due
  env.Advance(seconds(3));
  progress.Poll();  // 8 s: not due (3 s since the last line)
  env.Advance(seconds(2));
  progress.Poll();  // 10 s: due
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 3u) << log->Captured();
  EXPECT_NE(lines[1].find("processed=50 succeeded=0 failed=0 skipped=0 elapsed=5s rate=10"),
            std::string::npos)
      << lines[1];
  EXPECT_NE(lines[2].find("elapsed=10s rate=5"), std::string::npos) << lines[2];
}

TEST(ProgressTest, TotalAndCustomOperation) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kJson, LogLevel::kInfo, &env});
  ProgressOptions o = Manual();
  o.operation = "copy";
  o.total = 200;
  ProgressReporter progress(&env, log.get(), o);
  progress.Start();
  progress.AddProcessed(100);
  progress.AddSkipped(2);
  env.Advance(seconds(10));
  progress.Tick();
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[1], std::string("{\"ts\":\"2026-11-22T00:09:21.123Z\",\"level\":\"info\","
                                  "\"msg\":\"copy progress\",\"found\":0,\"processed\":100,"
                                  "\"succeeded\":0,\"failed\":0,\"skipped\":2,\"elapsed\":\"10s\","
                                  "\"rate\":10.0,\"total\":200}"));
}

TEST(ProgressTest, BarOnlyOnATerminal) {
  testing::ManualClockEnv env;
  {
    auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});  // not a TTY
    ProgressReporter progress(&env, log.get(), Manual());
    progress.Start();
    progress.Poll();
    progress.Finish();
    EXPECT_EQ(log->Captured().find('\r'), std::string::npos);
  }
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env, StatusLineMode::kAlways});
  ProgressOptions o = Manual();
  o.total = 10000;
  ProgressReporter progress(&env, log.get(), o);
  progress.Start();
  progress.AddProcessed(4500);
  progress.AddFailed(3);
  env.Advance(seconds(45));
  progress.Poll();  // a line is due and the bar is drawn after it
  std::string out = log->Captured();
  EXPECT_NE(out.find("\r\x1b[K[#########...........] 45.0% 4500/10000 failed=3 100.0/s ETA 55s"),
            std::string::npos)
      << out;
  progress.Finish();
  out = log->Captured();
  // The bar is erased before the summary, and the summary is the last thing written.
  EXPECT_NE(out.find("\r\x1b[K2026"), std::string::npos) << out;
  EXPECT_TRUE(out.ends_with(" duration=45s rate=100 total=10000\n")) << out;
}

TEST(ProgressTest, BarText) {
  ProgressSnapshot s;
  s.processed = 50;
  s.found = 60;
  s.rate = 12.5;
  s.elapsed_seconds = 4;
  EXPECT_EQ(ProgressReporter::BarText(s), "processed=50 found=60 12.5/s elapsed 4s");
  s.total = 100;
  s.skipped = 1;
  EXPECT_EQ(ProgressReporter::BarText(s),
            "[##########..........] 50.0% 50/100 skipped=1 12.5/s ETA 4s");
  s.processed = 100;
  EXPECT_EQ(ProgressReporter::BarText(s),
            "[####################] 100.0% 100/100 skipped=1 12.5/s ETA 0s");
}

TEST(ProgressTest, WorkersBumpCountersConcurrently) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});
  ProgressOptions o;
  o.interval = milliseconds(1);  // the real thread polls while workers run
  ProgressReporter progress(&env, log.get(), o);
  progress.Start();
  std::vector<std::thread> workers;
  for (int t = 0; t < 4; ++t) {
    workers.emplace_back([&] {
      for (int i = 0; i < 10000; ++i) {
        progress.AddFound();
        progress.AddProcessed();
        progress.AddSucceeded();
        if (i % 2 == 0) env.Advance(milliseconds(1));
      }
    });
  }
  for (auto& w : workers) w.join();
  ProgressSnapshot s = progress.Finish();
  EXPECT_EQ(s.found, 40000u);
  EXPECT_EQ(s.processed, 40000u);
  EXPECT_EQ(s.succeeded, 40000u);
  auto lines = Lines(log->Captured());
  EXPECT_NE(lines.back().find("migration completed found=40000 processed=40000"),
            std::string::npos)
      << lines.back();
}

}  // namespace
}  // namespace ferry
