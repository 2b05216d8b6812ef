// Internals shared by the targeting module's source files. Not part of the
// public API: other modules include targeting/targeting.h only.
#pragma once

#include <cstdint>
#include <limits>
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "core/result.h"
#include "targeting/targeting.h"

namespace cordon::targeting::internal {

// TrainOptions <-> JSON object. Reading checks types and ranges and names the
// bad member as `<where>.<member>`; members absent keep the values in `into`.
nlohmann::ordered_json TrainOptionsToJson(const TrainOptions& options);
Status TrainOptionsFromJson(const nlohmann::ordered_json& object, const std::string& where,
                            TrainOptions& into);
Status ValidateTrainOptions(const TrainOptions& options);

nlohmann::ordered_json MappingToJsonValue(const Mapping& mapping);
Result<Mapping> MappingFromJsonValue(const nlohmann::ordered_json& document);

nlohmann::ordered_json MetricsToJsonValue(const Metrics& metrics);
Result<Metrics> MetricsFromJsonValue(const nlohmann::ordered_json& value);

// A whole number read from a model file that must fit T. nlohmann's get<int>()
// converts a float such as 1e10 with a cast that is undefined behaviour out
// of range, and wraps -1 into a huge unsigned; this refuses both. Throws
// std::invalid_argument naming `what` (the readers turn it into kCorrupt).
// Found by fuzz/targeting_model_fuzz.cc.
template <typename T, typename Json>
T WholeNumber(const Json& value, const std::string& what) {
  static_assert(std::is_integral_v<T> && !std::is_same_v<T, bool>);
  if (value.is_number_unsigned()) {
    const uint64_t number = value.template get<uint64_t>();
    if (number <= static_cast<uint64_t>(std::numeric_limits<T>::max())) {
      return static_cast<T>(number);
    }
  } else if (value.is_number_integer()) {
    const int64_t number = value.template get<int64_t>();
    const bool fits = std::is_unsigned_v<T>
                          ? number >= 0 && static_cast<uint64_t>(number) <=
                                               static_cast<uint64_t>(std::numeric_limits<T>::max())
                          : number >= static_cast<int64_t>(std::numeric_limits<T>::min()) &&
                                number <= static_cast<int64_t>(std::numeric_limits<T>::max());
    if (fits) return static_cast<T>(number);
  }
  throw std::invalid_argument(
      what + " must be a whole number from " + std::to_string(std::numeric_limits<T>::min()) +
      " to " + std::to_string(std::numeric_limits<T>::max()) + ", not " + value.dump());
}

// An array of such numbers.
template <typename T, typename Json>
std::vector<T> WholeNumbers(const Json& array, const std::string& what) {
  if (!array.is_array()) throw std::invalid_argument(what + " must be an array");
  std::vector<T> numbers;
  numbers.reserve(array.size());
  for (size_t index = 0; index < array.size(); ++index) {
    numbers.push_back(WholeNumber<T>(array[index], what + "[" + std::to_string(index) + "]"));
  }
  return numbers;
}

// Key names the "hs" key derives; usable in interactions.
inline constexpr const char* kHsLevels[] = {"hs6", "hs4", "hs2"};

// Formats a rate in percent as the shortest text that reads back the same
// ("1", "2.5"), for "precision@2.5".
std::string FormatRate(double rate_percent);

}  // namespace cordon::targeting::internal
