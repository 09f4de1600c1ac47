#include "jobs/tenants/process_runner.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <map>

#include "util/duration.h"
#include "util/strings.h"

extern char** environ;

namespace ferry {
namespace {

constexpr size_t kKeepOutput = 16 * 1024;

void Append(std::string* out, const char* data, size_t n) {
  out->append(data, n);
  if (out->size() > 2 * kKeepOutput) out->erase(0, out->size() - kKeepOutput);
}

}  // namespace

std::string ProcessOutcome::Describe() const {
  if (timed_out) return "timed out after " + FormatDuration(seconds) + " (process group killed)";
  if (signal != 0) return "killed by signal " + std::to_string(signal);
  return "exited with status " + std::to_string(exit_code);
}

Result<ProcessOutcome> RunProcess(const ProcessSpec& spec, Env* env) {
  if (spec.argv.empty()) return InvalidArgument("RunProcess: empty argv");
  // Everything the child needs is built before fork(): after it, in a
  // threaded process, only async-signal-safe calls are allowed.
  std::map<std::string, std::string> vars;
  for (char** e = environ; e && *e; ++e) {
    std::string kv(*e);
    size_t eq = kv.find('=');
    if (eq != std::string::npos) vars[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  for (const auto& [k, v] : spec.env) vars[k] = v;
  std::vector<std::string> env_strings;
  for (const auto& [k, v] : vars) env_strings.push_back(k + "=" + v);
  std::vector<char*> envp, argv;
  for (std::string& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<std::string> args = spec.argv;
  for (std::string& s : args) argv.push_back(s.data());
  argv.push_back(nullptr);

  int fds[2];
  if (::pipe2(fds, O_CLOEXEC) != 0) return IOError(std::string("pipe: ") + std::strerror(errno));
  auto start = env->Now();
  pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return IOError(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    int devnull = ::open("/dev/null", O_RDONLY);
    if (devnull >= 0) ::dup2(devnull, 0);
    ::dup2(fds[1], 1);
    ::dup2(fds[1], 2);
    ::close_range(3, ~0U, 0);
    ::execve(argv[0], argv.data(), envp.data());
    const char* msg = "ferry: cannot execute migration: ";
    (void)!::write(2, msg, std::strlen(msg));
    const char* why = std::strerror(errno);
    (void)!::write(2, why, std::strlen(why));
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists before any kill
  ::close(fds[1]);
  ::fcntl(fds[0], F_SETFL, O_NONBLOCK);

  ProcessOutcome out;
  auto last_tick = start;
  bool killed = false;
  std::chrono::steady_clock::time_point term_sent{};
  int wstatus = 0;
  bool pipe_open = true;
  char buf[4096];
  while (true) {
    if (pipe_open) {
      pollfd p{fds[0], POLLIN, 0};
      ::poll(&p, 1, 20);
      while (true) {
        ssize_t n = ::read(fds[0], buf, sizeof buf);
        if (n > 0) {
          Append(&out.output, buf, static_cast<size_t>(n));
          continue;
        }
        if (n == 0) pipe_open = false;
        break;
      }
    } else {
      env->SleepFor(std::chrono::milliseconds(20));
    }
    pid_t r = ::waitpid(pid, &wstatus, WNOHANG);
    if (r == pid) break;
    auto now = env->Now();
    if (spec.timeout.count() > 0 && !killed && now - start >= spec.timeout) {
      out.timed_out = true;
      killed = true;
      term_sent = now;
      ::kill(-pid, SIGTERM);
    } else if (killed && now - term_sent >= std::chrono::seconds(1)) {
      ::kill(-pid, SIGKILL);
    }
    if (spec.on_tick && now - last_tick >= spec.tick_every) {
      last_tick = now;
      spec.on_tick();
    }
  }
  // Drain what is already buffered; children of the script that keep the pipe
  // open are not waited for.
  while (true) {
    ssize_t n = ::read(fds[0], buf, sizeof buf);
    if (n <= 0) break;
    Append(&out.output, buf, static_cast<size_t>(n));
  }
  ::close(fds[0]);
  if (out.timed_out) ::kill(-pid, SIGKILL);  // grandchildren still in the group
  if (out.output.size() > kKeepOutput) out.output.erase(0, out.output.size() - kKeepOutput);
  out.seconds = Seconds(env->Now() - start);
  if (WIFEXITED(wstatus)) out.exit_code = WEXITSTATUS(wstatus);
  if (WIFSIGNALED(wstatus)) out.signal = WTERMSIG(wstatus);
  return out;
}

}  // namespace ferry
