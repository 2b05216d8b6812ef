// Internal to the cases module: reading the calendar and rule-set data files
// so that every bad field is named by its path ("years[2].holidays[3].date")
// and unknown keys are reported (a misspelt "holiday" must not silently drop a
// holiday from a legal calendar). Not part of the public API.
//
// Thread safety: FieldErrors and ObjectReader are values used by one parse.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon::cases_internal {

// At most this many field errors are listed in one error, so a hostile file
// cannot make the error itself huge.
inline constexpr size_t kMaxFieldErrors = 100;

class FieldErrors {
 public:
  void Add(std::string field, std::string message) {
    if (errors_.size() < kMaxFieldErrors) {
      errors_.push_back(FieldError{std::move(field), std::move(message)});
    } else {
      truncated_ = true;
    }
  }
  bool empty() const { return errors_.empty(); }

  // One kInvalidInput error carrying every field; the message names the
  // document and quotes the first problem.
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
  bool truncated_ = false;
};

inline std::string JoinPath(const std::string& parent, std::string_view key) {
  if (parent.empty()) return std::string(key);
  return parent + "." + std::string(key);
}

inline std::string IndexPath(const std::string& parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

// Reads the members of one JSON object. Every key asked for is remembered, so
// RejectUnknown() can report the ones nobody asked for.
class ObjectReader {
 public:
  ObjectReader(const nlohmann::json& value, std::string path, FieldErrors& errors)
      : value_(value), path_(std::move(path)), errors_(errors) {
    if (!value_.is_object()) {
      errors_.Add(path_.empty() ? "(document)" : path_, "must be an object");
      is_object_ = false;
    }
  }

  bool is_object() const { return is_object_; }
  std::string Path(std::string_view key) const { return JoinPath(path_, key); }

  // The member, or nullptr when absent or null (reported when required).
  const nlohmann::json* Get(std::string_view key, bool required) {
    known_.insert(std::string(key));
    if (!is_object_) return nullptr;
    auto it = value_.find(key);
    if (it == value_.end() || it->is_null()) {
      if (required) errors_.Add(Path(key), "is required");
      return nullptr;
    }
    return &*it;
  }

  bool Has(std::string_view key) const {
    if (!is_object_) return false;
    auto it = value_.find(key);
    return it != value_.end() && !it->is_null();
  }

  std::optional<std::string> String(std::string_view key, bool required) {
    const nlohmann::json* member = Get(key, required);
    if (member == nullptr) return std::nullopt;
    if (!member->is_string()) {
      errors_.Add(Path(key), "must be a string");
      return std::nullopt;
    }
    std::string text = member->get<std::string>();
    if (required && text.empty()) {
      errors_.Add(Path(key), "must not be empty");
      return std::nullopt;
    }
    return text;
  }

  std::optional<int> Int(std::string_view key, bool required, int min, int max) {
    const nlohmann::json* member = Get(key, required);
    if (member == nullptr) return std::nullopt;
    if (!member->is_number_integer()) {
      errors_.Add(Path(key), "must be an integer");
      return std::nullopt;
    }
    long long number = member->get<long long>();
    if (number < min || number > max) {
      errors_.Add(Path(key), "must be between " + std::to_string(min) + " and " +
                                 std::to_string(max) + " (is " + std::to_string(number) + ")");
      return std::nullopt;
    }
    return static_cast<int>(number);
  }

  std::optional<bool> Bool(std::string_view key, bool required) {
    const nlohmann::json* member = Get(key, required);
    if (member == nullptr) return std::nullopt;
    if (!member->is_boolean()) {
      errors_.Add(Path(key), "must be true or false");
      return std::nullopt;
    }
    return member->get<bool>();
  }

  // An array member; nullptr when absent (reported when required) or not an
  // array (reported).
  const nlohmann::json* Array(std::string_view key, bool required) {
    const nlohmann::json* member = Get(key, required);
    if (member == nullptr) return nullptr;
    if (!member->is_array()) {
      errors_.Add(Path(key), "must be an array");
      return nullptr;
    }
    return member;
  }

  // A list of strings; entries that are not strings are reported.
  std::optional<std::vector<std::string>> StringList(std::string_view key, bool required) {
    const nlohmann::json* list = Array(key, required);
    if (list == nullptr) return std::nullopt;
    std::vector<std::string> out;
    bool good = true;
    for (size_t index = 0; index < list->size(); ++index) {
      const nlohmann::json& item = (*list)[index];
      if (!item.is_string()) {
        errors_.Add(IndexPath(Path(key), index), "must be a string");
        good = false;
        continue;
      }
      out.push_back(item.get<std::string>());
    }
    if (!good) return std::nullopt;
    return out;
  }

  // A "YYYY-MM-DD" member naming a real calendar day.
  std::optional<Date> DateMember(std::string_view key, bool required) {
    std::optional<std::string> text = String(key, required);
    if (!text) return std::nullopt;
    std::optional<Date> date = ParseDate(*text);
    if (!date) errors_.Add(Path(key), "must be a date YYYY-MM-DD naming a real day");
    return date;
  }

  // Reports every member that no Get/String/... call asked for.
  void RejectUnknown() {
    if (!is_object_) return;
    for (auto it = value_.begin(); it != value_.end(); ++it) {
      if (known_.count(it.key()) == 0) errors_.Add(Path(it.key()), "unknown field");
    }
  }

 private:
  const nlohmann::json& value_;
  std::string path_;
  FieldErrors& errors_;
  std::set<std::string> known_;
  bool is_object_ = true;
};

// Lower-case ASCII letters, digits and '_', starting with a letter: the form
// of state, action and time-limit names, so they are safe in URLs and logs.
inline bool IsSnakeName(std::string_view name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
    if (!ok) return false;
  }
  return true;
}

// Parses JSON text; kInvalidInput naming the byte offset when malformed.
// nlohmann::json reports the offset only through its exception, which is
// caught here and never escapes.
inline Result<nlohmann::json> ParseJsonText(std::string_view text, std::string_view what) {
  try {
    return nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& error) {
    return InvalidInput("invalid " + std::string(what) + ": not JSON (at byte " +
                        std::to_string(error.byte) + ")");
  }
}

}  // namespace cordon::cases_internal
