// Demo data: fictional customs administrations, right holders, agencies and
// users, applications for action in every state of their life cycle, and
// Customs DE's risk profiles, watchlist and a screened batch (so the
// selection queue has work), for `cordon serve --demo` and for tests. No real
// brands.
//
// Thread safety: LoadDemoData must not run concurrently with itself on one store.
#pragma once

#include <string>
#include <vector>

#include "core/random.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

struct DemoLogin {
  std::string email;
  std::string role;
  std::string organisation;
};

// The password of every demo user.
inline constexpr const char* kDemoPassword = "cordon-demo";

// Loads the demo data set unless it is already there. Returns true when it
// loaded something, false when the store already held it all (idempotent; a
// demo database from before screening gets the screening part only). kConflict when a
// previous load was interrupted half-way (the organisations exist but the
// completion marker does not): start from an empty database then.
// Dates are relative to clock.Today(), so states such as "expired" and
// "renewal pending" stay meaningful whenever the demo is started.
Result<bool> LoadDemoData(Store& store, const Clock& clock, Rng& rng);

// The demo users, for printing at start-up.
std::vector<DemoLogin> DemoLogins();

}  // namespace cordon
