// RunProcess for executable tenant migrations: runs a program (no shell) in a
// process group of its own, with extra environment variables, capturing its
// stdout and stderr together (the last 16 KiB), and kills the whole group
// (SIGTERM, then SIGKILL a second later) when the timeout passes, so a hung
// script and the children it started never outlive the run.
//
// The child starts with no file descriptors but 0, 1 and 2, so database
// sockets of other workers never leak into it.
//
// Thread-safe: many workers may run processes at once.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "ferry/env.h"
#include "ferry/status.h"

namespace ferry {

struct ProcessSpec {
  std::vector<std::string> argv;  // argv[0] is a path to an executable
  std::vector<std::pair<std::string, std::string>> env;  // added to (or replacing in) ours
  std::chrono::milliseconds timeout{std::chrono::minutes(10)};  // <= 0: none
  // Called about every `tick_every` while the process runs (lease heartbeats).
  std::function<void()> on_tick;
  std::chrono::milliseconds tick_every{std::chrono::seconds(10)};
};

struct ProcessOutcome {
  int exit_code = -1;     // when it exited
  int signal = 0;         // when a signal ended it
  bool timed_out = false;
  std::string output;     // stdout+stderr, the last 16 KiB
  double seconds = 0;

  bool ok() const { return exit_code == 0 && signal == 0 && !timed_out; }
  // "exited with status 3", "killed by signal 9", "timed out after 5s".
  std::string Describe() const;
};

// IOError when the process cannot be started (fork/exec failures are
// reported by the child's exit code 127 and its message in `output`).
Result<ProcessOutcome> RunProcess(const ProcessSpec& spec, Env* env);

}  // namespace ferry
