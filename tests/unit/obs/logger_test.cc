#include "obs/logger.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "unit/obs/manual_clock_env.h"

namespace ferry {
namespace {

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(LoggerTest, TextFormat) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});
  log->Info("migration progress", {{"found", 10}, {"processed", 5}, {"rate", 12.5}});
  EXPECT_EQ(log->Captured(),
            "2026-11-22T00:09:11.123Z INFO migration progress found=10 processed=5 rate=12.5\n");
}

TEST(LoggerTest, TextQuotesValuesThatNeedIt) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kDebug, &env});
  log->Warn("copy failed", {{"error", "relation \"users\" does not exist"},
                            {"empty", ""},
                            {"eq", "a=b"},
                            {"multi", "line1\nline2"},
                            {"ok", true},
                            {"neg", -3},
                            {"took", std::chrono::milliseconds(98500)}});
  EXPECT_EQ(log->Captured(),
            "2026-11-22T00:09:11.123Z WARN copy failed "
            "error=\"relation \\\"users\\\" does not exist\" empty=\"\" eq=\"a=b\" "
            "multi=\"line1\\nline2\" ok=true neg=-3 took=98.5s\n");
}

TEST(LoggerTest, JsonFormatParsesBack) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kJson, LogLevel::kInfo, &env});
  log->Info("migration progress", {{"found", 10}, {"rate", 12.5}, {"table", "users"},
                                   {"elapsed", std::chrono::seconds(15)}, {"msg", "clash"}});
  log->Error("boom", {{"big", uint64_t{18446744073709551615ULL}}});
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 2u);
  auto j = nlohmann::json::parse(lines[0]);
  EXPECT_EQ(j["ts"], "2026-11-22T00:09:11.123Z");
  EXPECT_EQ(j["level"], "info");
  EXPECT_EQ(j["msg"], "migration progress");
  EXPECT_EQ(j["found"], 10);
  EXPECT_DOUBLE_EQ(j["rate"].get<double>(), 12.5);
  EXPECT_EQ(j["table"], "users");
  EXPECT_EQ(j["elapsed"], "15s");
  EXPECT_EQ(j["_msg"], "clash");
  // ts, level, msg come first, then the fields in the order given.
  EXPECT_EQ(lines[0].rfind("{\"ts\":", 0), 0u);
  auto j2 = nlohmann::json::parse(lines[1]);
  EXPECT_EQ(j2["level"], "error");
  EXPECT_EQ(j2["big"].get<uint64_t>(), 18446744073709551615ULL);
}

TEST(LoggerTest, JsonSurvivesInvalidUtf8) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kJson, LogLevel::kInfo, &env});
  log->Info("bad \xff bytes", {{"v", "\xfe"}});
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 1u);
  EXPECT_TRUE(nlohmann::json::accept(lines[0])) << lines[0];
}

TEST(LoggerTest, RedactsSecretsInMessageAndFields) {
  for (LogFormat format : {LogFormat::kText, LogFormat::kJson}) {
    testing::ManualClockEnv env;
    auto log = Logger::Capturing({format, LogLevel::kInfo, &env});
    log->Info("connecting to postgres://u:secret@h/db", {{"url", "postgres://u:secret@h:5432/db"},
                                                        {"dsn", "host=h password=secret"}});
    std::string out = log->Captured();
    EXPECT_EQ(out.find("secret"), std::string::npos) << out;
    EXPECT_NE(out.find("postgres://u:***@h/db"), std::string::npos) << out;
    EXPECT_NE(out.find("postgres://u:***@h:5432/db"), std::string::npos) << out;
  }
}

TEST(LoggerTest, LevelFilter) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kWarn, &env});
  log->Debug("d");
  log->Info("i");
  log->Warn("w");
  log->Error("e");
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_NE(lines[0].find(" WARN w"), std::string::npos);
  EXPECT_NE(lines[1].find(" ERROR e"), std::string::npos);
  EXPECT_FALSE(log->Enabled(LogLevel::kInfo));
}

TEST(LoggerTest, ParseLevelAndFormat) {
  EXPECT_EQ(*ParseLogLevel("debug"), LogLevel::kDebug);
  EXPECT_EQ(*ParseLogLevel("warning"), LogLevel::kWarn);
  EXPECT_FALSE(ParseLogLevel("loud").ok());
  EXPECT_EQ(*ParseLogFormat("json"), LogFormat::kJson);
  EXPECT_EQ(ParseLogFormat("xml").status().code(), Code::kInvalidArgument);
}

TEST(LoggerTest, ConcurrentLinesStayWhole) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kJson, LogLevel::kInfo, &env});
  constexpr int kThreads = 4, kPerThread = 500;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) log->Info("tick", {{"thread", t}, {"i", i}});
    });
  }
  for (auto& th : threads) th.join();
  auto lines = Lines(log->Captured());
  ASSERT_EQ(lines.size(), static_cast<size_t>(kThreads * kPerThread));
  std::vector<int> per_thread(kThreads);
  for (const auto& l : lines) {
    auto j = nlohmann::json::parse(l);
    int t = j["thread"];
    EXPECT_EQ(j["i"].get<int>(), per_thread[t]++);  // in order within a thread
  }
}

TEST(LoggerTest, StatusLineIsClearedAroundLogLines) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env, StatusLineMode::kAlways});
  ASSERT_TRUE(log->StatusLineEnabled());
  log->SetStatusLine("[##..] 50%");
  log->Info("hello");
  log->ClearStatusLine();
  EXPECT_EQ(log->Captured(),
            "\r\x1b[K[##..] 50%"
            "\r\x1b[K2026-11-22T00:09:11.123Z INFO hello\n[##..] 50%"
            "\r\x1b[K");
}

TEST(LoggerTest, NoStatusLineWhenNotATerminal) {
  testing::ManualClockEnv env;
  auto log = Logger::Capturing({LogFormat::kText, LogLevel::kInfo, &env});  // kAuto
  EXPECT_FALSE(log->StatusLineEnabled());
  log->SetStatusLine("[##..] 50%");
  log->ClearStatusLine();
  EXPECT_EQ(log->Captured(), "");
}

}  // namespace
}  // namespace ferry
