// Watchlists of traders (issue 3, point 5): names, addresses and countries
// from risk analysts now and from partners' referrals later, matched fuzzily
// against the parties of a declaration.
//
// Thread safety: a built WatchlistIndex is immutable and safe to share.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <memory>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "screening/declaration.h"

namespace cordon {

struct WatchlistEntry {
  std::string id;  // "wle_..."
  std::string name;
  std::string address;
  std::string country;  // ISO 3166-1 alpha-2 or empty (any)
  std::string reason;
  std::string source;  // "analyst" | "referral:<id>" | ...
  std::string owner_org_id;
  double weight = 0.6;  // contribution to the score, 0..1
};

// Validates an entry body from outside; every bad field named.
Result<WatchlistEntry> WatchlistEntryFromJson(const nlohmann::json& body);
nlohmann::json ToJson(const WatchlistEntry& entry);

struct WatchlistHit {
  std::string entry_id;
  std::string listed_name;  // as on the watchlist
  std::string party;        // consignor | consignee | declarant
  std::string found;        // the party name as declared
  double similarity = 0;    // 0..1 (1: same name after normalisation)
  double weight = 0;
};

// A hit of MatchBatch: `declaration` is the position of the declaration in
// the batch.
struct WatchlistBatchHit {
  size_t declaration = 0;
  WatchlistHit hit;
};

class WatchlistIndex {
 public:
  static Result<std::shared_ptr<const WatchlistIndex>> Build(std::vector<WatchlistEntry> entries);
  virtual ~WatchlistIndex() = default;
  // Hits for the declaration's consignor, consignee and declarant: company
  // names compared after removing legal forms and punctuation, tolerant to
  // small spelling differences; an entry with a country only matches a party
  // of that country (or one without a country).
  virtual std::vector<WatchlistHit> Match(const Declaration& declaration) const = 0;
  // The hits Match gives for each of `declarations`, appended to `hits`
  // declaration after declaration (each declaration's in Match's order).
  // Faster than one Match per declaration: the parties of the batch are
  // looked up a few at a time, so that their waits on memory overlap.
  virtual void MatchBatch(std::span<const Declaration* const> declarations,
                          std::vector<WatchlistBatchHit>& hits) const = 0;
  virtual size_t size() const = 0;
};

}  // namespace cordon
