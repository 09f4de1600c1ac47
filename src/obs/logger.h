// Logger: structured log lines on stderr, as text or JSON.
//
// There is no global logger: a Logger is made once (by the CLI, or by a
// program that embeds ferry) and passed around in the context with the Env
// and the metrics registry.
//
// Formats (one line per call):
//   text  2026-11-22T00:09:11.123Z INFO migration progress found=10 rate=12.5
//   json  {"ts":"2026-11-22T00:09:11.123Z","level":"info","msg":"migration progress","found":10,"rate":12.5}
// Text values holding spaces, quotes, '=' or control characters are quoted
// and escaped (logfmt). In JSON a field named ts, level or msg is written as
// _ts, _level, _msg so it cannot hide the line's own.
//
// Secrets: the message and every string field (keys too) pass through
// RedactSecrets (db/database_url.h) before anything is written, so a
// postgres://user:password@host URL in an error message never reaches a log.
//
// Status line: when the output is a terminal, a caller (ProgressReporter) may
// keep one live line at the bottom, redrawn with '\r'. The logger clears it
// before writing a log line and redraws it after, so the two never mix. When
// the output is not a terminal the status line is ignored.
//
// Thread-safety: every method may be called from many threads; lines are
// written whole, never interleaved.
#pragma once

#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "ferry/env.h"
#include "ferry/status.h"
#include "obs/log_value.h"

namespace spdlog {
class logger;
}

namespace ferry {

enum class LogLevel { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };
enum class LogFormat { kText, kJson };
// kAuto: draw the status line only when the output is a terminal (isatty).
enum class StatusLineMode { kAuto, kAlways, kNever };

// "debug", "info", "warn" (or "warning"), "error"; InvalidArgument otherwise.
Result<LogLevel> ParseLogLevel(std::string_view text);
// "text" or "json"; InvalidArgument otherwise.
Result<LogFormat> ParseLogFormat(std::string_view text);
std::string_view LogLevelName(LogLevel level);  // "debug", "info", ...

struct LoggerOptions {
  LogFormat format = LogFormat::kText;
  LogLevel min_level = LogLevel::kInfo;  // lines below it are dropped
  // Clock for timestamps (WallNow); Env::Default() when null. Not owned.
  Env* env = nullptr;
  StatusLineMode status_line = StatusLineMode::kAuto;
};

class Logger {
 public:
  // Writes to stderr.
  static std::unique_ptr<Logger> Stderr(const LoggerOptions& options);
  // Writes to an in-memory buffer read back with Captured(); for tests.
  // kAuto status line mode means "never" here (a buffer is no terminal).
  static std::unique_ptr<Logger> Capturing(const LoggerOptions& options);

  ~Logger();
  Logger(const Logger&) = delete;
  Logger& operator=(const Logger&) = delete;

  void Log(LogLevel level, std::string_view msg, const LogFields& fields = {});
  void Debug(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kDebug, msg, fields); }
  void Info(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kInfo, msg, fields); }
  void Warn(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kWarn, msg, fields); }
  void Error(std::string_view msg, const LogFields& fields = {}) { Log(LogLevel::kError, msg, fields); }

  bool Enabled(LogLevel level) const { return level >= options_.min_level; }
  LogFormat format() const { return options_.format; }

  // The line Log() would write (without the newline); exposed for tests and
  // for callers that want the same rendering elsewhere. Already redacted.
  std::string Render(LogLevel level, std::string_view msg, const LogFields& fields) const;

  // Status line (see above). SetStatusLine draws or replaces it; it must be
  // one line (newlines are replaced). ClearStatusLine erases it. No-ops when
  // StatusLineEnabled() is false.
  bool StatusLineEnabled() const { return status_line_enabled_; }
  void SetStatusLine(std::string_view line);
  void ClearStatusLine();

  // Everything written so far (Capturing loggers only; "" otherwise).
  std::string Captured() const;

 private:
  class CaptureSink;
  Logger(const LoggerOptions& options, std::shared_ptr<spdlog::logger> out,
         std::shared_ptr<CaptureSink> capture, bool status_line_enabled);
  void WriteRaw(std::string_view text);  // requires mu_

  LoggerOptions options_;
  std::shared_ptr<spdlog::logger> out_;
  std::shared_ptr<CaptureSink> capture_;
  bool status_line_enabled_;

  std::mutex mu_;           // orders lines and status line redraws
  std::string status_line_;  // GUARDED_BY(mu_): what is on screen now
};

}  // namespace ferry
