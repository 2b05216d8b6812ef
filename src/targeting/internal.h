// Internals shared by the targeting module's source files. Not part of the
// public API: other modules include targeting/targeting.h only.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

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

// Key names the "hs" key derives; usable in interactions.
inline constexpr const char* kHsLevels[] = {"hs6", "hs4", "hs2"};

// Formats a rate in percent as the shortest text that reads back the same
// ("1", "2.5"), for "precision@2.5".
std::string FormatRate(double rate_percent);

}  // namespace cordon::targeting::internal
