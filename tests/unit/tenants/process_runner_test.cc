#include "jobs/tenants/process_runner.h"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/stat.h>

#include <cstdlib>
#include <fstream>

namespace ferry {
namespace {

std::string Script(const std::string& name, const std::string& body) {
  std::string path = "/tmp/ferry_proc_" + std::to_string(::getpid()) + "_" + name;
  std::ofstream(path) << "#!/bin/sh\n" << body;
  ::chmod(path.c_str(), 0755);
  return path;
}

TEST(RunProcess, PassesEnvironmentAndCapturesOutput) {
  ProcessSpec s;
  s.argv = {Script("ok", "echo tenant=$FERRY_TENANT; echo oops >&2; exit 0\n")};
  s.env = {{"FERRY_TENANT", "kb 7"}};
  auto r = RunProcess(s, Env::Default());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->ok());
  EXPECT_NE(r->output.find("tenant=kb 7"), std::string::npos);
  EXPECT_NE(r->output.find("oops"), std::string::npos);
}

TEST(RunProcess, ExitCode) {
  ProcessSpec s;
  s.argv = {Script("fail", "echo bad input; exit 3\n")};
  auto r = RunProcess(s, Env::Default());
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->exit_code, 3);
  EXPECT_EQ(r->Describe(), "exited with status 3");
}

TEST(RunProcess, TimeoutKillsTheWholeGroup) {
  std::string pidfile = "/tmp/ferry_proc_" + std::to_string(::getpid()) + "_child.pid";
  ProcessSpec s;
  // The script starts a child that would outlive it, then hangs itself;
  // SIGTERM is ignored so only SIGKILL of the group ends it.
  s.argv = {Script("hang", "trap '' TERM\nsleep 300 &\necho $! > " + pidfile + "\nwhile :; do sleep 1; done\n")};
  s.timeout = std::chrono::milliseconds(300);
  int ticks = 0;
  s.on_tick = [&] { ++ticks; };
  s.tick_every = std::chrono::milliseconds(50);
  auto start = std::chrono::steady_clock::now();
  auto r = RunProcess(s, Env::Default());
  ASSERT_TRUE(r.ok());
  EXPECT_TRUE(r->timed_out);
  EXPECT_FALSE(r->ok());
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
  EXPECT_GT(ticks, 0);
  std::ifstream in(pidfile);
  pid_t child = 0;
  in >> child;
  ASSERT_GT(child, 0);
  // The grandchild is gone too (or a zombie about to be reaped by init).
  for (int i = 0; i < 50 && ::kill(child, 0) == 0; ++i) ::usleep(20000);
  std::ifstream stat("/proc/" + std::to_string(child) + "/stat");
  std::string line;
  std::getline(stat, line);
  EXPECT_TRUE(line.empty() || line.find(") Z") != std::string::npos) << line;
}

}  // namespace
}  // namespace ferry
