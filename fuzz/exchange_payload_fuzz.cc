// Fuzz target: the payload of a message a partner node sent, after the
// envelope was opened and its signature checked (the crypto is not fuzzed).
// Input: the message type on the first line ("referral", "feedback", "alert",
// "joint_profile", "statistics", "receipt" or anything else), the payload JSON
// after it. The inbox's validator must never crash; a payload it accepts must
// survive what happens to it next: it is stored as JSON text and read back,
// and accepting it (ExchangeService::Accept) puts a referral's parties on the
// watchlist, a joint profile among the profiles (compiled), a statistics file
// among the partner statistics, with the readers the validator used.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "exchange/exchange.h"
#include "exchange/exchange_internal.h"
#include "screening/profiles.h"
#include "screening/watchlist.h"
#include "stats/stats.h"

namespace {

using nlohmann::json;

void Fail() { __builtin_trap(); }

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  const size_t newline = text.find('\n');
  if (newline == std::string::npos) return 0;
  const std::string type = text.substr(0, newline);
  json payload = json::parse(text.substr(newline + 1), nullptr, false);
  if (payload.is_discarded()) return 0;
  const cordon::Status valid = cordon::exchange::ValidatePayload(type, 1, payload);
  if (!valid.ok()) {
    if (valid.error().message().empty()) Fail();
    return 0;
  }
  // The inbox stores the payload as text; accepting reads it back.
  const json stored = json::parse(payload.dump());
  if (stored != payload) Fail();
  if (type == "referral") {
    const json parties = stored.value("parties", json::array());
    for (const json& party : parties) {
      json body = cordon::exchange::exchange_internal::WatchlistBodyOfParty(party);
      body["reason"] = "referral msg_fuzz from XX-FUZZ";
      body["source"] = "referral:exm_fuzz";
      cordon::Result<cordon::WatchlistEntry> entry = cordon::WatchlistEntryFromJson(body);
      if (!entry.ok()) Fail();
      entry->id = "wle_fuzz";
      if (!cordon::WatchlistIndex::Build({*entry}).ok()) Fail();
    }
  } else if (type == "joint_profile") {
    cordon::Result<cordon::RiskProfile> profile =
        cordon::exchange::exchange_internal::ReceivedProfile(stored.value("profile", json()),
                                                             "XX-FUZZ");
    if (!profile.ok()) Fail();
    profile->id = "prf_fuzz";
    if (!cordon::ProfileSet::Compile({*profile}).ok()) Fail();
  } else if (type == "statistics") {
    if (!cordon::ParseStatisticsExchange(stored.value("file", json())).ok()) Fail();
  }
  return 0;
}
