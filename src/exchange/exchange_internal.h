// Inside the exchange module: how a received payload becomes screening
// objects. The inbox validates a payload with the same functions that
// accepting it uses, so a message stored as received can always be accepted.
#pragma once

#include <nlohmann/json.hpp>

#include <string>

#include "core/result.h"
#include "screening/profiles.h"

namespace cordon::exchange::exchange_internal {

// The watchlist entry body (screening's WatchlistEntryFromJson) of a
// referral's party: its name, address and country as given.
nlohmann::json WatchlistBodyOfParty(const nlohmann::json& party);

// The joint profile `body` as it joins the recipient's screening: validated
// by screening's ProfileFromJson (the rule language with the rest), active,
// named "[<partner>] <name>" (cut to the 200 characters a name may have).
Result<RiskProfile> ReceivedProfile(const nlohmann::json& body, const std::string& partner);

}  // namespace cordon::exchange::exchange_internal
