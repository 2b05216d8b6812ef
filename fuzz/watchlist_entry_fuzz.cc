// Fuzz target: a watchlist entry body from an analyst (API, `--watchlist`
// file) or a partner's referral. WatchlistEntryFromJson must never crash; an
// entry it accepts must read back from its JSON to the same entry, build an
// index (alone and next to a fixed entry) and match a fixed declaration whose
// parties carry the entry's own name, without crashing.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "screening/declaration.h"
#include "screening/watchlist.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (body.is_discarded()) return 0;
  cordon::Result<cordon::WatchlistEntry> entry = cordon::WatchlistEntryFromJson(body);
  if (!entry.ok()) return 0;
  entry->id = "wle_fuzz";
  const nlohmann::json written = cordon::ToJson(*entry);
  cordon::Result<cordon::WatchlistEntry> again =
      cordon::WatchlistEntryFromJson(nlohmann::json::parse(written.dump()));
  if (!again.ok()) __builtin_trap();
  again->id = entry->id;
  if (cordon::ToJson(*again) != written) __builtin_trap();

  cordon::WatchlistEntry fixed;
  fixed.id = "wle_fixed";
  fixed.name = "Shenzhen Bright Trading Co., Ltd.";
  fixed.country = "CN";
  cordon::Declaration declaration;
  declaration.id = "DE-1";
  declaration.type = "import";
  declaration.consignor = {"Shenzhen Bright Tradng Co", "1 Road", "CN"};
  declaration.consignee = {entry->name, entry->address, entry->country};
  declaration.declarant = {entry->name + " GmbH", "", ""};
  declaration.items.push_back({"640411", "shoes", "", 1, "pairs", 1, 1, "EUR"});
  for (std::vector<cordon::WatchlistEntry> entries :
       {std::vector<cordon::WatchlistEntry>{*entry},
        std::vector<cordon::WatchlistEntry>{fixed, *entry}}) {
    cordon::Result<std::shared_ptr<const cordon::WatchlistIndex>> index =
        cordon::WatchlistIndex::Build(std::move(entries));
    if (!index.ok()) __builtin_trap();
    for (const cordon::WatchlistHit& hit : (*index)->Match(declaration)) {
      if (!(hit.similarity >= 0 && hit.similarity <= 1)) __builtin_trap();
    }
  }
  return 0;
}
