// Internal to the screening module: small helpers for validating JSON bodies
// from outside (risk profiles, watchlist entries) so that every bad field is
// named by its path, e.g. "rule.all[2].op". Not part of the public API.
//
// Thread safety: FieldErrorList is a value used by one validation run.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon::screening_internal {

// At most this many field errors are listed in one error, so a hostile body
// cannot make the error itself huge.
inline constexpr size_t kMaxFieldErrors = 200;

class FieldErrorList {
 public:
  void Add(std::string field, std::string message) {
    ++count_;
    if (errors_.size() < kMaxFieldErrors) {
      errors_.push_back(FieldError{std::move(field), std::move(message)});
    } else {
      truncated_ = true;
    }
  }
  bool empty() const { return errors_.empty(); }
  // Errors added so far, including those beyond the listed maximum.
  size_t count() const { return count_; }
  const std::vector<FieldError>& list() const { return errors_; }

  // One kInvalidInput error carrying every collected field; the message names
  // the document and quotes the first problem.
  Error ToError(std::string_view what) const {
    std::string message = "invalid " + std::string(what);
    if (!errors_.empty()) {
      message += ": " + errors_.front().field + ": " + errors_.front().message;
      if (errors_.size() > 1) {
        message += " (and " + std::to_string(errors_.size() - 1) + " more";
        message += truncated_ ? ", list truncated)" : ")";
      }
    }
    return InvalidInput(std::move(message), errors_);
  }

 private:
  std::vector<FieldError> errors_;
  size_t count_ = 0;
  bool truncated_ = false;
};

inline std::string FieldPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

inline std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// Code points of a UTF-8 string (nlohmann::json holds valid UTF-8 only, so
// counting non-continuation bytes is exact).
inline size_t CharCount(std::string_view text) {
  return static_cast<size_t>(std::count_if(text.begin(), text.end(), [](char c) {
    return (static_cast<unsigned char>(c) & 0xC0) != 0x80;
  }));
}

inline bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// object[key] when present and not null.
inline const nlohmann::json* Member(const nlohmann::json& object, std::string_view key) {
  auto it = object.find(key);
  if (it == object.end() || it->is_null()) return nullptr;
  return &*it;
}

// A string member: reported when not a string, blank while required, or
// longer than max_chars; nullopt when absent or not a string.
inline std::optional<std::string> ReadString(const nlohmann::json& object, std::string_view key,
                                             const std::string& path, bool required,
                                             size_t max_chars, FieldErrorList& errors) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) {
    if (required) errors.Add(path, "is required");
    return std::nullopt;
  }
  if (!value->is_string()) {
    errors.Add(path, "must be a string");
    return std::nullopt;
  }
  std::string text = value->get<std::string>();
  if (required && IsBlank(text)) {
    errors.Add(path, "is required");
  } else if (CharCount(text) > max_chars) {
    errors.Add(path, "must be at most " + std::to_string(max_chars) + " characters");
  }
  return text;
}

inline std::optional<bool> ReadBool(const nlohmann::json& object, std::string_view key,
                                    const std::string& path, FieldErrorList& errors) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_boolean()) {
    errors.Add(path, "must be true or false");
    return std::nullopt;
  }
  return value->get<bool>();
}

// A weight in [0, 1]; nullopt when absent or bad (reported).
inline std::optional<double> ReadWeight(const nlohmann::json& object, std::string_view key,
                                        const std::string& path, FieldErrorList& errors) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  if (!value->is_number()) {
    errors.Add(path, "must be a number from 0 to 1");
    return std::nullopt;
  }
  const double weight = value->get<double>();
  if (!std::isfinite(weight) || weight < 0 || weight > 1) {
    errors.Add(path, "must be a number from 0 to 1");
    return std::nullopt;
  }
  return weight;
}

inline std::optional<Date> ReadDate(const nlohmann::json& object, std::string_view key,
                                    const std::string& path, FieldErrorList& errors) {
  const nlohmann::json* value = Member(object, key);
  if (value == nullptr) return std::nullopt;
  std::optional<Date> date;
  if (value->is_string()) date = ParseDate(value->get<std::string>());
  if (!date) errors.Add(path, "must be a date in the form YYYY-MM-DD");
  return date;
}

}  // namespace cordon::screening_internal
