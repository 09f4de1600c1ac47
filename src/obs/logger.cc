#include "obs/logger.h"

#include <unistd.h>

#include <cctype>
#include <cmath>
#include <cstdio>
#include <ctime>
#include <nlohmann/json.hpp>
#include <spdlog/logger.h>
#include <spdlog/pattern_formatter.h>
#include <spdlog/sinks/base_sink.h>
#include <spdlog/sinks/stdout_sinks.h>

#include "db/database_url.h"

namespace ferry {

// Appends everything written to a string; read back by Logger::Captured().
class Logger::CaptureSink : public spdlog::sinks::base_sink<std::mutex> {
 public:
  std::string Text() {
    std::lock_guard<std::mutex> lock(mutex_);
    return text_;
  }

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    spdlog::memory_buf_t buf;
    formatter_->format(msg, buf);
    text_.append(buf.data(), buf.size());
  }
  void flush_() override {}

 private:
  std::string text_;
};

namespace {

std::string Timestamp(std::chrono::system_clock::time_point t) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(t.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  int millis = static_cast<int>(ms % 1000);
  if (millis < 0) {  // before 1970: floor, not truncate
    millis += 1000;
    secs -= 1;
  }
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char buf[64];
  std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", tm.tm_year + 1900,
                tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, millis);
  return buf;
}

// Escapes control characters so a message stays on one line.
std::string OneLine(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (char c : s) {
    switch (c) {
      case '\n': out += "\\n"; break;
      case '\r': out += "\\r"; break;
      case '\t': out += "\\t"; break;
      default:
        if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) {
          char buf[8];
          std::snprintf(buf, sizeof(buf), "\\x%02x", static_cast<unsigned char>(c));
          out += buf;
        } else {
          out += c;
        }
    }
  }
  return out;
}

bool NeedsQuotes(std::string_view s) {
  if (s.empty()) return true;
  for (char c : s) {
    auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || c == '"' || c == '=' || c == '\\' || u == 0x7f) return true;
  }
  return false;
}

std::string LogfmtValue(const std::string& s) {
  if (!NeedsQuotes(s)) return s;
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') {
      out += '\\';
      out += c;
    } else {
      out += OneLine(std::string_view(&c, 1));
    }
  }
  out += '"';
  return out;
}

std::string LogfmtKey(const std::string& key) {
  std::string out;
  for (char c : key) {
    auto u = static_cast<unsigned char>(c);
    out += (u <= 0x20 || c == '"' || c == '=' || u == 0x7f) ? '_' : c;
  }
  return out.empty() ? "_" : out;
}

nlohmann::ordered_json JsonValue(const LogValue& v) {
  return std::visit(
      [](const auto& x) -> nlohmann::ordered_json {
        using T = std::decay_t<decltype(x)>;
        if constexpr (std::is_same_v<T, std::string>) {
          return RedactSecrets(x);
        } else if constexpr (std::is_same_v<T, LogDuration>) {
          return FormatSeconds(x.seconds);
        } else if constexpr (std::is_same_v<T, double>) {
          if (!std::isfinite(x)) return LogValue(x).ToText();  // JSON has no NaN/Inf
          return x;
        } else {
          return x;
        }
      },
      v.storage());
}

spdlog::level::level_enum SpdLevel(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return spdlog::level::debug;
    case LogLevel::kInfo: return spdlog::level::info;
    case LogLevel::kWarn: return spdlog::level::warn;
    case LogLevel::kError: return spdlog::level::err;
  }
  return spdlog::level::info;
}

std::shared_ptr<spdlog::logger> MakeSpdLogger(spdlog::sink_ptr sink) {
  auto logger = std::make_shared<spdlog::logger>("ferry", std::move(sink));
  // We render whole lines ourselves (the timestamp comes from Env): spdlog
  // only writes them, adding nothing, not even the newline.
  logger->set_formatter(
      std::make_unique<spdlog::pattern_formatter>("%v", spdlog::pattern_time_type::utc, ""));
  logger->set_level(spdlog::level::trace);
  logger->flush_on(spdlog::level::trace);
  return logger;
}

}  // namespace

Result<LogLevel> ParseLogLevel(std::string_view text) {
  if (text == "debug") return LogLevel::kDebug;
  if (text == "info") return LogLevel::kInfo;
  if (text == "warn" || text == "warning") return LogLevel::kWarn;
  if (text == "error") return LogLevel::kError;
  return InvalidArgument("unknown log level \"" + std::string(text) +
                         "\" (want debug, info, warn or error)");
}

Result<LogFormat> ParseLogFormat(std::string_view text) {
  if (text == "text") return LogFormat::kText;
  if (text == "json") return LogFormat::kJson;
  return InvalidArgument("unknown log format \"" + std::string(text) + "\" (want text or json)");
}

std::string_view LogLevelName(LogLevel level) {
  switch (level) {
    case LogLevel::kDebug: return "debug";
    case LogLevel::kInfo: return "info";
    case LogLevel::kWarn: return "warn";
    case LogLevel::kError: return "error";
  }
  return "info";
}

std::unique_ptr<Logger> Logger::Stderr(const LoggerOptions& options) {
  bool status = options.status_line == StatusLineMode::kAlways ||
                (options.status_line == StatusLineMode::kAuto && ::isatty(STDERR_FILENO) == 1);
  auto sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  return std::unique_ptr<Logger>(new Logger(options, MakeSpdLogger(sink), nullptr, status));
}

std::unique_ptr<Logger> Logger::Capturing(const LoggerOptions& options) {
  auto sink = std::make_shared<CaptureSink>();
  bool status = options.status_line == StatusLineMode::kAlways;
  return std::unique_ptr<Logger>(new Logger(options, MakeSpdLogger(sink), sink, status));
}

Logger::Logger(const LoggerOptions& options, std::shared_ptr<spdlog::logger> out,
               std::shared_ptr<CaptureSink> capture, bool status_line_enabled)
    : options_(options),
      out_(std::move(out)),
      capture_(std::move(capture)),
      status_line_enabled_(status_line_enabled) {
  if (options_.env == nullptr) options_.env = Env::Default();
}

Logger::~Logger() {
  std::lock_guard<std::mutex> lock(mu_);
  if (!status_line_.empty()) WriteRaw("\r\x1b[K");
  status_line_.clear();
}

std::string Logger::Render(LogLevel level, std::string_view msg, const LogFields& fields) const {
  std::string ts = Timestamp(options_.env->WallNow());
  std::string clean_msg = RedactSecrets(std::string(msg));
  if (options_.format == LogFormat::kJson) {
    nlohmann::ordered_json j;
    j["ts"] = ts;
    j["level"] = LogLevelName(level);
    j["msg"] = clean_msg;
    for (const LogField& f : fields) {
      std::string key = RedactSecrets(f.key);
      if (key == "ts" || key == "level" || key == "msg") key = "_" + key;
      j[key] = JsonValue(f.value);
    }
    // Invalid UTF-8 is replaced rather than thrown about: a log line must
    // never take the program down.
    return j.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
  }
  std::string line = ts;
  line += ' ';
  std::string upper(LogLevelName(level));
  for (char& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  line += upper;
  line += ' ';
  line += OneLine(clean_msg);
  for (const LogField& f : fields) {
    line += ' ';
    line += LogfmtKey(RedactSecrets(f.key));
    line += '=';
    line += LogfmtValue(RedactSecrets(f.value.ToText()));
  }
  return line;
}

void Logger::Log(LogLevel level, std::string_view msg, const LogFields& fields) {
  if (!Enabled(level)) return;
  std::string line = Render(level, msg, fields);
  line += '\n';
  std::lock_guard<std::mutex> lock(mu_);
  if (!status_line_.empty()) {
    // Erase the live line, write the log line, draw the live line again
    // below it: one write, so the terminal never shows them mixed.
    std::string text = "\r\x1b[K" + line + status_line_;
    out_->log(SpdLevel(level), spdlog::string_view_t(text.data(), text.size()));
    return;
  }
  out_->log(SpdLevel(level), spdlog::string_view_t(line.data(), line.size()));
}

void Logger::SetStatusLine(std::string_view line) {
  if (!status_line_enabled_) return;
  std::string clean = OneLine(RedactSecrets(std::string(line)));
  std::lock_guard<std::mutex> lock(mu_);
  status_line_ = clean;
  WriteRaw("\r\x1b[K" + clean);
}

void Logger::ClearStatusLine() {
  if (!status_line_enabled_) return;
  std::lock_guard<std::mutex> lock(mu_);
  if (status_line_.empty()) return;
  status_line_.clear();
  WriteRaw("\r\x1b[K");
}

void Logger::WriteRaw(std::string_view text) {
  out_->log(spdlog::level::info, spdlog::string_view_t(text.data(), text.size()));
}

std::string Logger::Captured() const { return capture_ ? capture_->Text() : std::string(); }

}  // namespace ferry
