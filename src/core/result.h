// Errors as values. Every expected failure in Cordon is returned as an Error
// inside a Status or Result<T>; exceptions are reserved for what must abort the
// whole process (programmer errors, out of memory).
//
// Thread safety: plain values; safe to copy and move between threads.
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <variant>
#include <vector>

namespace cordon {

// The closed set of failure kinds. The API maps each to one HTTP status in
// exactly one place (api/problem.cc).
enum class ErrorCode {
  kInvalidInput,     // 400/422: the caller sent something malformed or not allowed
  kUnauthenticated,  // 401: no or bad credentials
  kForbidden,        // 403: authenticated, but the role may not do this
  kNotFound,         // 404: does not exist, or is not visible to the caller
  kConflict,         // 409: the object's state does not allow the action
  kRateLimited,      // 429: slowed down (e.g. repeated failed logins)
  kUnavailable,      // 503: a dependency is down or busy; retrying may help
  kCorrupt,          // 500: stored data failed an integrity check
  kInternal,         // 500: a bug or an unexpected failure
};

// Stable lower-case name of a code ("invalid_input", "not_found", ...).
const char* ErrorCodeName(ErrorCode code);

// One bad field of an input document. `field` is a JSON path in dotted and
// indexed form, e.g. "rights[0].nice_classes[1]".
struct FieldError {
  std::string field;
  std::string message;
  bool operator==(const FieldError&) const = default;
};

class Error {
 public:
  Error(ErrorCode code, std::string message) : code_(code), message_(std::move(message)) {}
  Error(ErrorCode code, std::string message, std::vector<FieldError> fields)
      : code_(code), message_(std::move(message)), fields_(std::move(fields)) {}

  ErrorCode code() const { return code_; }
  const std::string& message() const { return message_; }
  const std::vector<FieldError>& fields() const { return fields_; }
  // Seconds after which a retry makes sense (rate limiting, unavailability).
  std::optional<int> retry_after_seconds() const { return retry_after_seconds_; }
  Error& WithRetryAfter(int seconds) {
    retry_after_seconds_ = seconds;
    return *this;
  }
  // Prefixes context onto the message: "importing entry 3: " + message.
  Error& Prefix(const std::string& context) {
    message_ = context + message_;
    return *this;
  }

  std::string ToString() const;

 private:
  ErrorCode code_;
  std::string message_;
  std::vector<FieldError> fields_;
  std::optional<int> retry_after_seconds_;
};

// Convenience constructors.
Error InvalidInput(std::string message, std::vector<FieldError> fields = {});
Error NotFound(std::string message);
Error Forbidden(std::string message);
Error Conflict(std::string message);
Error Unauthenticated(std::string message);
Error Internal(std::string message);
Error Unavailable(std::string message);
Error Corrupt(std::string message);

// Success or an Error.
class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Error error) : error_(std::move(error)) {}  // NOLINT: implicit by design
  static Status Ok() { return Status(); }

  bool ok() const { return !error_.has_value(); }
  const Error& error() const { return *error_; }

 private:
  std::optional<Error> error_;
};

// A value of T or an Error.
template <typename T>
class [[nodiscard]] Result {
 public:
  Result(T value) : data_(std::move(value)) {}      // NOLINT: implicit by design
  Result(Error error) : data_(std::move(error)) {}  // NOLINT: implicit by design

  bool ok() const { return std::holds_alternative<T>(data_); }
  const T& value() const& { return std::get<T>(data_); }
  T& value() & { return std::get<T>(data_); }
  // By value, not T&&: `for (auto& x : F().value())` must not dangle.
  T value() && { return std::get<T>(std::move(data_)); }
  const Error& error() const { return std::get<Error>(data_); }
  Status status() const { return ok() ? Status() : Status(error()); }

  const T& operator*() const& { return value(); }
  T& operator*() & { return value(); }
  const T* operator->() const { return &value(); }
  T* operator->() { return &value(); }

 private:
  std::variant<T, Error> data_;
};

}  // namespace cordon

#define CORDON_CONCAT_INNER(a, b) a##b
#define CORDON_CONCAT(a, b) CORDON_CONCAT_INNER(a, b)

// Returns the error of a Status-returning expression from the enclosing function.
#define CORDON_RETURN_IF_ERROR(expr)                                     \
  do {                                                                   \
    ::cordon::Status cordon_status_ = (expr);                            \
    if (!cordon_status_.ok()) return cordon_status_.error();             \
  } while (false)

// `CORDON_ASSIGN_OR_RETURN(auto x, F());` binds x to F()'s value or returns its error.
#define CORDON_ASSIGN_OR_RETURN(lhs, expr) \
  CORDON_ASSIGN_OR_RETURN_IMPL(CORDON_CONCAT(cordon_result_, __LINE__), lhs, expr)
#define CORDON_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                                 \
  if (!tmp.ok()) return tmp.error();                 \
  lhs = std::move(tmp).value()
