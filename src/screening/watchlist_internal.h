// Internal to the screening module: the name comparison behind
// WatchlistIndex, exposed for tests and docs/profiles.md ("Watchlists").
//
// Thread safety: pure functions; safe from any number of threads.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace cordon::watchlist_internal {

// Names whose similarity reaches this are reported. docs/profiles.md says
// why 0.85: one typo per distinctive word and up to two extra or missing
// generic words pass; a different or missing distinctive word fails.
inline constexpr double kMatchThreshold = 0.85;

// The words a company name is compared by: NFKC, case-folded, accents
// removed, "." and apostrophes deleted, other punctuation a word break, legal
// forms removed (unless nothing else is left), at most 12 words.
std::vector<std::string> NameWords(std::string_view name);

// A name reduced to its words once, to compare it with many others.
class PreparedName {
 public:
  explicit PreparedName(std::string_view name);
  const std::vector<std::string>& words() const { return words_; }

 private:
  std::vector<std::string> words_;
};

// The similarity Match reports for two names (0..1; 1 only when the words
// are the same in the same order).
double NameSimilarity(std::string_view listed_name, std::string_view party_name);
double NameSimilarity(const PreparedName& listed_name, const PreparedName& party_name);

}  // namespace cordon::watchlist_internal
