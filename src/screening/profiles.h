// Risk profiles: rules written by risk analysts in a small JSON language over
// declaration and item fields (issue 3, point 4). docs/profiles.md documents
// the language; every evaluation reports which profiles hit, so their
// effectiveness can be measured later.
//
// Thread safety: RiskProfile is a plain value; a compiled ProfileSet is
// immutable and safe to share between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "screening/declaration.h"

namespace cordon {

struct RiskProfile {
  std::string id;    // "prf_..."
  std::string name;  // human-readable
  std::string description;
  std::string owner_org_id;
  std::string owner_user_id;
  double weight = 0.5;  // contribution to the score, 0..1
  std::optional<Date> valid_from;
  std::optional<Date> valid_to;  // inclusive
  bool share_with_partners = false;
  bool active = true;
  nlohmann::json rule;  // the condition tree, see docs/profiles.md
};

// Validates a profile body from outside (API/file): every bad field named, e.g.
// "rule.all[2].field: unknown field \"orign\"". Server-managed fields (id,
// owners) are not read.
Result<RiskProfile> ProfileFromJson(const nlohmann::json& body);
nlohmann::json ToJson(const RiskProfile& profile);

struct ProfileHit {
  std::string profile_id;
  std::string name;
  double weight = 0;
  int item = -1;  // the first item that satisfied the item-level conditions; -1 if none used
};

// Reference prices for "declared vs reference price" conditions: unit price
// in EUR per HS code prefix (longest prefix wins).
struct ReferencePrice {
  std::string hs_prefix;
  double eur_per_unit = 0;
  std::string note = {};  // optional: where the price comes from
};

// A reference price list as JSON: {"reference_prices":[{"hs_prefix":"4202",
// "eur_per_unit":45.0,"note":"..."}, ...]} (docs/profiles.md). Every bad
// field is named ("reference_prices[3].hs_prefix"); a prefix given twice is
// an error; at most kMaxReferencePrices entries.
inline constexpr size_t kMaxReferencePrices = 100000;
Result<std::vector<ReferencePrice>> ReferencePricesFromJson(const nlohmann::json& body);
nlohmann::json ToJson(const std::vector<ReferencePrice>& prices);

class ProfileSet {
 public:
  // Compiles active profiles; kInvalidInput naming the profile and field when a
  // rule is invalid.
  static Result<std::shared_ptr<const ProfileSet>> Compile(
      const std::vector<RiskProfile>& profiles, std::vector<ReferencePrice> reference_prices = {});
  virtual ~ProfileSet() = default;

  // The profiles that hit the declaration on `today` (validity dates applied),
  // in the order they were given.
  virtual std::vector<ProfileHit> Evaluate(const Declaration& declaration, Date today) const = 0;
  virtual size_t size() const = 0;
};

}  // namespace cordon
