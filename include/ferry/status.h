// Status and Result<T>: errors as values.
//
// Every fallible call in ferry returns a Status or a Result<T>. A Status is a
// code from a small closed set plus a message; each layer that passes an error
// up adds what it knows (the file, the line, the record) with WithContext(), so
// the message a user finally reads names where things went wrong:
//   migrations/0042_add_index.sql:17: postgres: relation "users" does not exist
//
// The code decides what a caller can do about it (retry Unavailable, ask the
// user to run `repair` on FailedPrecondition, ...); the CLI maps codes to exit
// codes in one place (src/cli/exit_codes.cc). Library code never throws.
#pragma once

#include <cassert>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <variant>

namespace ferry {

enum class Code {
  kOk = 0,
  kInvalidArgument,     // bad input: a file, URL, name or value we cannot accept
  kNotFound,            // a table, file, version or object that does not exist
  kLocked,              // someone else holds the lock; try later
  kCorruption,          // stored data is not what it claims (checksum, format)
  kSchemaTooNew,        // the database is ahead of what this program knows
  kUnavailable,         // a server or resource is down; retrying may help
  kTimeout,             // a deadline passed (lock wait, statement)
  kCancelled,           // the caller asked us to stop
  kIOError,             // the OS refused a read or write
  kFailedPrecondition,  // state forbids the step (a failed migration needs repair)
  kExecutionFailed,     // the engine rejected a statement we sent
  kInternal,            // a bug of ours
};

std::string_view CodeName(Code code);

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status OK() { return Status(); }

  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string& message() const { return message_; }

  // Prefixes the message with context: "ctx: message". No-op when ok().
  Status WithContext(std::string_view context) const;
  // "NotFound: migrations/0001.sql: ..." for logs; "OK" when ok().
  std::string ToString() const;

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

inline Status InvalidArgument(std::string m) { return {Code::kInvalidArgument, std::move(m)}; }
inline Status NotFound(std::string m) { return {Code::kNotFound, std::move(m)}; }
inline Status Locked(std::string m) { return {Code::kLocked, std::move(m)}; }
inline Status Corruption(std::string m) { return {Code::kCorruption, std::move(m)}; }
inline Status SchemaTooNew(std::string m) { return {Code::kSchemaTooNew, std::move(m)}; }
inline Status Unavailable(std::string m) { return {Code::kUnavailable, std::move(m)}; }
inline Status Timeout(std::string m) { return {Code::kTimeout, std::move(m)}; }
inline Status Cancelled(std::string m) { return {Code::kCancelled, std::move(m)}; }
inline Status IOError(std::string m) { return {Code::kIOError, std::move(m)}; }
inline Status FailedPrecondition(std::string m) {
  return {Code::kFailedPrecondition, std::move(m)};
}
inline Status ExecutionFailed(std::string m) { return {Code::kExecutionFailed, std::move(m)}; }
inline Status Internal(std::string m) { return {Code::kInternal, std::move(m)}; }

// Result<T>: a T or a non-OK Status.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}        // NOLINT: implicit by design
  Result(Status status) : v_(std::move(status)) {  // NOLINT
    assert(!std::get<Status>(v_).ok() && "Result built from an OK Status");
  }

  bool ok() const { return std::holds_alternative<T>(v_); }
  const Status& status() const {
    static const Status kOk;
    return ok() ? kOk : std::get<Status>(v_);
  }
  T& value() & { return std::get<T>(v_); }
  const T& value() const& { return std::get<T>(v_); }
  T&& value() && { return std::get<T>(std::move(v_)); }
  T* operator->() { return &value(); }
  const T* operator->() const { return &value(); }
  T& operator*() & { return value(); }
  const T& operator*() const& { return value(); }

 private:
  std::variant<T, Status> v_;
};

}  // namespace ferry

// Early-return helpers, as in LevelDB/Abseil.
#define FERRY_CONCAT_INNER(a, b) a##b
#define FERRY_CONCAT(a, b) FERRY_CONCAT_INNER(a, b)

#define FERRY_RETURN_IF_ERROR(expr) \
  do {                              \
    ::ferry::Status _st = (expr);   \
    if (!_st.ok()) return _st;      \
  } while (0)

#define FERRY_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                \
  if (!tmp.ok()) return tmp.status();               \
  lhs = std::move(tmp).value()

#define FERRY_ASSIGN_OR_RETURN(lhs, expr) \
  FERRY_ASSIGN_OR_RETURN_IMPL(FERRY_CONCAT(_res_, __LINE__), lhs, expr)
