// Internal to the case engine: what a case needs to know of an application
// for action, read through the rights module's public types. Kept in its own
// file, so the rest of the engine does not depend on the rights module.
//
// Thread safety: plain functions over values.
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon::cases_internal {

struct CoveringApplication {
  std::string id;
  std::string status;  // effective status on the day asked ("granted", "expired", ...)
  std::string holder_org_id;
  std::string holder_name;
  bool small_consignments = false;        // Art. 26 opt-in
  std::vector<std::string> goods_hs;      // HS codes of the goods it lists
  std::vector<std::string> right_types;   // trademark, design, ...
};

// kCorrupt when the stored application cannot be read.
Result<CoveringApplication> ReadCoveringApplication(const ApplicationRecord& record, Date today);

}  // namespace cordon::cases_internal
