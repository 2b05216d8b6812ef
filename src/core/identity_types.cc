#include "core/identity_types.h"

#include <array>
#include <utility>

namespace cordon {
namespace {

constexpr std::array<std::pair<OrgKind, const char*>, 4> kOrgKinds = {{
    {OrgKind::kCustoms, "customs"},
    {OrgKind::kRightHolder, "right_holder"},
    {OrgKind::kAgency, "agency"},
    {OrgKind::kSecretariat, "secretariat"},
}};

constexpr std::array<std::pair<Role, const char*>, 7> kRoles = {{
    {Role::kAdmin, "admin"},
    {Role::kIprOfficer, "ipr_officer"},
    {Role::kRiskAnalyst, "risk_analyst"},
    {Role::kFrontlineOfficer, "frontline_officer"},
    {Role::kRightHolderRep, "right_holder_rep"},
    {Role::kAgencyReader, "agency_reader"},
    {Role::kSecretariatAnalyst, "secretariat_analyst"},
}};

template <typename Enum, size_t N>
const char* NameOf(const std::array<std::pair<Enum, const char*>, N>& table, Enum value) {
  for (const auto& [candidate, name] : table) {
    if (candidate == value) return name;
  }
  return "unknown";
}

template <typename Enum, size_t N>
std::optional<Enum> ValueOf(const std::array<std::pair<Enum, const char*>, N>& table,
                            std::string_view name) {
  for (const auto& [candidate, candidate_name] : table) {
    if (name == candidate_name) return candidate;
  }
  return std::nullopt;
}

}  // namespace

const char* OrgKindName(OrgKind kind) { return NameOf(kOrgKinds, kind); }
std::optional<OrgKind> ParseOrgKind(std::string_view name) { return ValueOf(kOrgKinds, name); }
const char* RoleName(Role role) { return NameOf(kRoles, role); }
std::optional<Role> ParseRole(std::string_view name) { return ValueOf(kRoles, name); }

}  // namespace cordon
