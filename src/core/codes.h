// Validation of the standard codes Cordon speaks (see DESIGN.md "Standards").
// Pure functions; thread-safe.
#pragma once

#include <string_view>

namespace cordon {

// ISO 3166-1 alpha-2, upper case, officially assigned codes only ("DE", not "de", not "XX").
bool IsCountryCode(std::string_view code);
// ISO 4217 alphabetic currency code, upper case ("EUR").
bool IsCurrencyCode(std::string_view code);
// UN/LOCODE: an ISO country code plus three characters from [A-Z2-9] ("DEHAM").
bool IsUnLocode(std::string_view code);
// HS code as digits only, 2 to 10 digits ("6402", "640411").
bool IsHsCode(std::string_view code);
// Nice classification class, 1 to 45.
bool IsNiceClass(long long nice_class);
// A plausible e-mail address: one '@', non-empty local part, a dot in the domain.
bool IsEmailAddress(std::string_view text);

}  // namespace cordon
