// Internal to the stats module: what its .cc files share. Nothing outside
// src/stats includes this header.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/identity_types.h"
#include "core/result.h"
#include "core/time.h"
#include "stats/seizure_cube.h"
#include "stats/stats.h"
#include "store/store.h"

namespace cordon::stats_internal {

// data/stats/product_categories.json, compiled in.
std::string_view ProductCategoriesJson();

// Readers of the statistics: admin, risk_analyst, ipr_officer,
// frontline_officer of a customs administration. Writers (imports, exports):
// admin, risk_analyst, ipr_officer.
Status CheckReader(const Caller& caller);
Status CheckWriter(const Caller& caller);

// EUR cents as a JSON number of euros.
double Euros(long long cents);

}  // namespace cordon::stats_internal

namespace cordon {

struct StatsService::Impl {
  Store& store;
  const Clock& clock;
  std::mutex mutex;
  // The organisation's current cube; rebuilt when its generation moved.
  std::map<std::string, std::shared_ptr<const stats_internal::SeizureCube>> cubes;

  Impl(Store& store_in, const Clock& clock_in) : store(store_in), clock(clock_in) {}

  Result<std::shared_ptr<const stats_internal::SeizureCube>> Cube(const std::string& org_id);
};

}  // namespace cordon
