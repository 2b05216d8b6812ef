// Who acts in Cordon: organisations, their users and roles, and the Caller that
// every domain call and every store query is scoped by.
// Plain value types; thread-safe to copy.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"

namespace cordon {

enum class OrgKind { kCustoms, kRightHolder, kAgency, kSecretariat };
enum class Role {
  kAdmin,
  kIprOfficer,
  kRiskAnalyst,
  kFrontlineOfficer,
  kRightHolderRep,
  kAgencyReader,
  kSecretariatAnalyst,
};

// Wire names: "customs", "right_holder", "agency", "secretariat".
const char* OrgKindName(OrgKind kind);
std::optional<OrgKind> ParseOrgKind(std::string_view name);
// Wire names: "admin", "ipr_officer", "risk_analyst", "frontline_officer",
// "right_holder_rep", "agency_reader", "secretariat_analyst".
const char* RoleName(Role role);
std::optional<Role> ParseRole(std::string_view name);

struct Organisation {
  std::string id;  // "org_..."
  std::string name;
  OrgKind kind = OrgKind::kRightHolder;
  std::string country;       // ISO 3166-1 alpha-2; required for customs, optional otherwise
  std::string jurisdiction;  // rule set name for customs ("EU", "CN", "TRIPS"); empty otherwise
  std::vector<std::string> offices;  // UN/LOCODEs, customs only
  std::string address;
  Timestamp created_at{};
};

struct User {
  std::string id;  // "usr_..."
  std::string org_id;
  std::string email;  // stored lower-cased; unique
  std::string name;
  Role role = Role::kRightHolderRep;
  std::string password_hash;  // Argon2id, libsodium crypto_pwhash_str format
  bool active = true;
  Timestamp created_at{};
};

// The authenticated actor of a request or command: a user of an organisation.
// Domain services check roles against it; the store scopes queries by org_id.
struct Caller {
  std::string user_id;
  std::string org_id;
  OrgKind org_kind = OrgKind::kRightHolder;
  Role role = Role::kRightHolderRep;
  std::string country;
  std::string jurisdiction;
  std::string credential_id;  // the session or API token used; empty for CLI/system
};

}  // namespace cordon
