#include "ferry/status.h"

namespace ferry {

std::string_view CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "OK";
    case Code::kInvalidArgument:
      return "InvalidArgument";
    case Code::kNotFound:
      return "NotFound";
    case Code::kLocked:
      return "Locked";
    case Code::kCorruption:
      return "Corruption";
    case Code::kSchemaTooNew:
      return "SchemaTooNew";
    case Code::kUnavailable:
      return "Unavailable";
    case Code::kTimeout:
      return "Timeout";
    case Code::kCancelled:
      return "Cancelled";
    case Code::kIOError:
      return "IOError";
    case Code::kFailedPrecondition:
      return "FailedPrecondition";
    case Code::kExecutionFailed:
      return "ExecutionFailed";
    case Code::kInternal:
      return "Internal";
  }
  return "Unknown";
}

Status Status::WithContext(std::string_view context) const {
  if (ok() || context.empty()) return *this;
  std::string m(context);
  m += ": ";
  m += message_;
  return Status(code_, std::move(m));
}

std::string Status::ToString() const {
  if (ok()) return "OK";
  std::string s(CodeName(code_));
  s += ": ";
  s += message_;
  return s;
}

}  // namespace ferry
