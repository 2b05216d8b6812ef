#include "core/result.h"

namespace cordon {

const char* ErrorCodeName(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidInput: return "invalid_input";
    case ErrorCode::kUnauthenticated: return "unauthenticated";
    case ErrorCode::kForbidden: return "forbidden";
    case ErrorCode::kNotFound: return "not_found";
    case ErrorCode::kConflict: return "conflict";
    case ErrorCode::kRateLimited: return "rate_limited";
    case ErrorCode::kUnavailable: return "unavailable";
    case ErrorCode::kCorrupt: return "corrupt";
    case ErrorCode::kInternal: return "internal";
  }
  return "internal";
}

std::string Error::ToString() const {
  std::string text = std::string(ErrorCodeName(code_)) + ": " + message_;
  for (const FieldError& field : fields_) {
    text += "\n  " + field.field + ": " + field.message;
  }
  return text;
}

Error InvalidInput(std::string message, std::vector<FieldError> fields) {
  return Error(ErrorCode::kInvalidInput, std::move(message), std::move(fields));
}
Error NotFound(std::string message) { return Error(ErrorCode::kNotFound, std::move(message)); }
Error Forbidden(std::string message) { return Error(ErrorCode::kForbidden, std::move(message)); }
Error Conflict(std::string message) { return Error(ErrorCode::kConflict, std::move(message)); }
Error Unauthenticated(std::string message) {
  return Error(ErrorCode::kUnauthenticated, std::move(message));
}
Error Internal(std::string message) { return Error(ErrorCode::kInternal, std::move(message)); }
Error Unavailable(std::string message) {
  return Error(ErrorCode::kUnavailable, std::move(message));
}
Error Corrupt(std::string message) { return Error(ErrorCode::kCorrupt, std::move(message)); }

}  // namespace cordon
