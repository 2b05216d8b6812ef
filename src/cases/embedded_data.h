// Internal to the cases module: the data files compiled into the binary at
// build time (src/cases/CMakeLists.txt reads them with file(READ) and writes
// embedded_data.cc from embedded_data.cc.in), so data/calendars/ and
// data/rules/ stay the one source of truth and the binary works without them.
// Thread safety: immutable.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::cases_internal {

// data/calendars/<code>.json as it was at build time; nullopt for another code.
std::optional<std::string_view> EmbeddedCalendarJson(std::string_view code);
std::vector<std::string> EmbeddedCalendarCodes();

// data/rules/<jurisdiction>.json as it was at build time; nullopt otherwise.
std::optional<std::string_view> EmbeddedRulesJson(std::string_view jurisdiction);
std::vector<std::string> EmbeddedRulesNames();

}  // namespace cordon::cases_internal
