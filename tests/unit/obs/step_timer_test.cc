#include "obs/step_timer.h"

#include <gtest/gtest.h>

#include <sstream>

#include "unit/obs/manual_clock_env.h"

namespace ferry {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(StepTimerTest, NamedTimedSteps) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});
  StepTimer steps(&env, log.get());
  {
    auto step = steps.Begin("copy rows");
    env.Advance(std::chrono::milliseconds(1200));
  }  // finished at scope exit
  {
    auto step = steps.Begin("build index");
    env.Advance(std::chrono::milliseconds(250));
    Status s = step.Finish(ExecutionFailed("relation \"users\" does not exist"));
    EXPECT_EQ(s.code(), Code::kExecutionFailed);  // passed through
    env.Advance(std::chrono::seconds(9));
    (void)step.Finish();  // only the first call counts
  }
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 4u) << log->Captured();
  EXPECT_EQ(lines[0], "2026-11-22T00:09:11.123Z INFO step started step=\"copy rows\"");
  EXPECT_EQ(lines[1], "2026-11-22T00:09:12.323Z INFO step finished step=\"copy rows\" duration=1.2s");
  EXPECT_EQ(lines[2], "2026-11-22T00:09:12.323Z INFO step started step=\"build index\"");
  EXPECT_EQ(lines[3],
            "2026-11-22T00:09:12.573Z ERROR step failed step=\"build index\" duration=0.25s "
            "error=\"ExecutionFailed: relation \\\"users\\\" does not exist\"");
  auto records = steps.Records();
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].name, "copy rows");
  EXPECT_DOUBLE_EQ(records[0].seconds, 1.2);
  EXPECT_TRUE(records[0].ok);
  EXPECT_FALSE(records[1].ok);
  EXPECT_TRUE(records[1].finished);
}

TEST(StepTimerTest, MovedStepFinishesOnce) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});
  StepTimer steps(&env, log.get());
  {
    auto a = steps.Begin("plan");
    auto b = std::move(a);
    EXPECT_FALSE(steps.Records()[0].finished);
  }
  EXPECT_EQ(Lines(log->Captured()).size(), 2u);
  EXPECT_TRUE(steps.Records()[0].finished);
}

}  // namespace
}  // namespace ferry
