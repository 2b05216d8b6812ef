// Internals of the rights module shared by application_json.cc and rights.cc.
// Not part of the module's public interface: only files in src/rights include it.
//
// Thread safety: plain functions over values; FieldErrors is a value (one per
// validation run).
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "rights/rights.h"

namespace cordon::rights_internal {

// Caps on input sizes, so that absurd documents are refused by field rather
// than stored (or matched against in screening).
inline constexpr size_t kMaxStringChars = 1000;  // names, numbers, codes, ...
inline constexpr size_t kMaxTextChars = 10000;   // authentic_features, reasons
inline constexpr size_t kMaxListEntries = 1000;  // every array
inline constexpr size_t kMaxFieldErrors = 1000;  // errors listed in one response

inline constexpr std::string_view kRightTypes[] = {
    "trademark",     "design",        "copyright",  "patent",     "geographical_indication",
    "plant_variety", "utility_model", "topography", "trade_name",
};

// Collects every bad field of one input document (up to kMaxFieldErrors).
class FieldErrors {
 public:
  void Add(std::string field, std::string message);
  void Append(const std::vector<FieldError>& fields);
  bool empty() const { return errors_.empty(); }
  size_t size() const { return errors_.size(); }
  const std::vector<FieldError>& list() const { return errors_; }
  // One kInvalidInput error carrying every collected field; `what` names the
  // document ("application", "decision", "import file").
  Error ToError(std::string_view what) const;

 private:
  std::vector<FieldError> errors_;
};

// "holder" + "country" -> "holder.country"; "" + "holder" -> "holder".
std::string FieldPath(const std::string& parent, std::string_view key);
// "rights" + 0 -> "rights[0]"; "" + 3 -> "[3]".
std::string IndexPath(const std::string& parent, size_t index);
// Re-roots an error path under `prefix`: ("[3]", "holder.name") -> "[3].holder.name".
std::string PrefixPath(const std::string& prefix, const std::string& field);

// Small readers over a JSON object. Absent and null mean "not given". Each
// reports its field's problem to `errors` and returns what it could read.
//
// A string: nullopt when absent/null/not a string. When `required`, an absent
// or blank value is reported as "is required". Over-long values are reported
// and still returned.
std::optional<std::string> ReadString(const nlohmann::json& object, std::string_view key,
                                      const std::string& path, bool required, size_t max_chars,
                                      FieldErrors& errors);
// A calendar date "YYYY-MM-DD".
std::optional<Date> ReadDate(const nlohmann::json& object, std::string_view key,
                             const std::string& path, bool required, FieldErrors& errors);
// An RFC 3339 timestamp.
std::optional<Timestamp> ReadTimestamp(const nlohmann::json& object, std::string_view key,
                                       const std::string& path, FieldErrors& errors);

// Parses the client-controlled content of an application body found at
// `path` ("" for a request body, "[3]" for an import entry) into `app`.
// Server-managed fields (id, status, holder_org_id, timestamps, version, ...)
// are ignored. The raw `filed_with` (an organisation id or a country code) is
// left in app.filed_with_org_id for the service to resolve. Values with a bad
// format are reported and, where their type allows, still assigned (so that a
// lenient reader of stored documents keeps them).
void ParseApplicationContent(const nlohmann::json& body, const std::string& path, Application& app,
                             FieldErrors& errors);

// What an application must hold before it can be submitted (Regulation (EU)
// No 608/2013 Art. 6(3); TRIPS Art. 52), reported under `path`.
void CheckComplete(const Application& app, const std::string& path, FieldErrors& errors);

// True for the statuses an application can be stored in.
bool IsStoredStatus(std::string_view status);

}  // namespace cordon::rights_internal
