// Test-only: the brute-force reading of MarkIndex's matching rules
// (mark_index.h), shared by the differential tests (mark_index_test.cc) and
// the mark_index fuzz target (fuzz/mark_index_fuzz.cc). Every word-aligned
// span of a description is compared with every key with a full Levenshtein
// table, so it is slow and only for small registers. Not part of the
// library's public headers: nothing under src/ outside tests includes it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "screening/embedded_data.h"
#include "screening/mark_index.h"
#include "screening/text_normalise.h"

namespace cordon::mark_index_reference {

// A hit as compared: application, mark as filed, quoted range, distance.
using HitTuple = std::tuple<std::string, std::string, size_t, size_t, int>;

inline int FullLevenshtein(std::string_view a, std::string_view b) {
  std::vector<int> previous(b.size() + 1);
  std::vector<int> current(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) previous[j] = static_cast<int>(j);
  for (size_t i = 1; i <= a.size(); ++i) {
    current[0] = static_cast<int>(i);
    for (size_t j = 1; j <= b.size(); ++j) {
      current[j] = std::min(
          {previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(previous, current);
  }
  return previous[b.size()];
}

class BruteForceMatcher {
 public:
  BruteForceMatcher(const std::vector<IndexedApplication>& applications,
                    const MarkIndexOptions& options)
      : applications_(applications), drop_generic_(options.drop_generic_variants) {
    auto add_generic = [this](std::string_view word) {
      const std::string key = NormaliseForMatching(word).text;
      if (!key.empty() && key.find(' ') == std::string::npos) generic_.insert(key);
    };
    for (const std::string_view word : embedded::GenericWords()) add_generic(word);
    for (const std::string& word : options.extra_generic_words) add_generic(word);
    for (size_t a = 0; a < applications.size(); ++a) {
      for (size_t m = 0; m < applications[a].marks.size(); ++m) {
        const std::string key = NormaliseForMatching(applications[a].marks[m].text).text;
        auto [it, inserted] = key_ids_.try_emplace(key, keys_.size());
        if (inserted) keys_.push_back(Key{key, Limit(key), {}});
        keys_[it->second].occurrences.emplace_back(a, m);
      }
    }
  }

  std::vector<HitTuple> Match(std::string_view description) const {
    const NormalisedText normalised = NormaliseForMatching(description);
    if (normalised.text.empty()) return {};
    const std::string padded = " " + normalised.text + " ";
    std::vector<std::pair<size_t, size_t>> words;  // [begin, end) in padded
    size_t begin = 1;
    for (size_t p = 1; p < padded.size(); ++p) {
      if (padded[p] == ' ') {
        words.emplace_back(begin, p);
        begin = p + 1;
      }
    }
    auto camel = [&](size_t p) {  // a space the normaliser put at a camel-case boundary
      return normalised.source_begin[p - 1] == normalised.source_end[p - 1];
    };
    struct Candidate {
      size_t key, begin, end;
      int distance;
    };
    std::vector<Candidate> candidates;
    for (size_t first = 0; first < words.size(); ++first) {
      for (size_t last = first; last < words.size(); ++last) {
        const size_t b = words[first].first;
        const size_t e = words[last].second;
        const std::string span = padded.substr(b, e - b);
        std::string joined;
        for (size_t p = b; p < e; ++p) {
          if (!(padded[p] == ' ' && camel(p))) joined.push_back(padded[p]);
        }
        bool all_generic = true;
        for (size_t w = first; w <= last; ++w) {
          const std::string word = padded.substr(words[w].first, words[w].second - words[w].first);
          if (!generic_.count(word)) all_generic = false;
        }
        for (size_t k = 0; k < keys_.size(); ++k) {
          const Key& key = keys_[k];
          const auto size_gap = [&](const std::string& s) {
            return s.size() > key.text.size() ? s.size() - key.text.size()
                                              : key.text.size() - s.size();
          };
          int distance = size_gap(span) <= static_cast<size_t>(key.limit)
                             ? FullLevenshtein(span, key.text)
                             : 99;
          if (key.limit > 0 && joined != span &&
              size_gap(joined) <= static_cast<size_t>(key.limit)) {
            distance = std::min(distance, FullLevenshtein(joined, key.text));
          }
          if (distance > key.limit) continue;
          if (distance > 0 && drop_generic_ && all_generic) continue;
          candidates.push_back(Candidate{k, b, e, distance});
        }
      }
    }
    struct Hit {
      size_t application, key, mark, begin, end;
      int distance;
    };
    std::vector<Hit> hits;
    for (const Candidate& c : candidates) {
      for (const auto& [application, mark] : keys_[c.key].occurrences) {
        hits.push_back(Hit{application, c.key, mark, c.begin, c.end, c.distance});
      }
    }
    std::map<std::pair<size_t, size_t>, Hit> best;  // (application, key) -> best hit
    for (const Hit& hit : hits) {
      bool contained = false;
      for (const Hit& outer : hits) {
        if (outer.application == hit.application && outer.key != hit.key &&
            outer.begin <= hit.begin && hit.end <= outer.end &&
            outer.end - outer.begin > hit.end - hit.begin) {
          contained = true;
        }
      }
      if (contained) continue;
      auto [it, inserted] = best.try_emplace({hit.application, hit.key}, hit);
      if (!inserted &&
          std::tie(hit.distance, hit.begin, hit.end, hit.mark) <
              std::tie(it->second.distance, it->second.begin, it->second.end, it->second.mark)) {
        it->second = hit;
      }
    }
    std::vector<Hit> kept;
    for (const auto& [unused, hit] : best) kept.push_back(hit);
    std::sort(kept.begin(), kept.end(), [](const Hit& a, const Hit& b) {
      return std::tie(a.begin, a.end, a.application, a.mark) <
             std::tie(b.begin, b.end, b.application, b.mark);
    });
    std::vector<HitTuple> result;
    for (const Hit& hit : kept) {
      const auto [found_begin, found_end] = normalised.SourceRange(hit.begin - 1, hit.end - 1);
      result.emplace_back(applications_[hit.application].id,
                          applications_[hit.application].marks[hit.mark].text, found_begin,
                          found_end, hit.distance);
    }
    return result;
  }

 private:
  struct Key {
    std::string text;
    int limit;
    std::vector<std::pair<size_t, size_t>> occurrences;  // (application, mark)
  };
  static int Limit(std::string_view key) {
    size_t letters = 0;
    for (char c : key) {
      if (c == ' ') continue;
      if (static_cast<unsigned char>(c) >= 0x80) return 0;
      ++letters;
    }
    return letters >= 9 ? 2 : letters >= 5 ? 1 : 0;
  }
  std::vector<IndexedApplication> applications_;
  bool drop_generic_;
  std::set<std::string> generic_;
  std::map<std::string, size_t> key_ids_;
  std::vector<Key> keys_;
};

inline std::vector<HitTuple> Tuples(const std::vector<MarkHit>& hits) {
  std::vector<HitTuple> tuples;
  for (const MarkHit& hit : hits) {
    tuples.emplace_back(hit.application_id, hit.mark, hit.found_begin, hit.found_end, hit.distance);
  }
  return tuples;
}

inline std::string Show(const std::vector<HitTuple>& hits) {
  std::string text;
  for (const auto& [application, mark, begin, end, distance] : hits) {
    text += application + ":" + mark + "@" + std::to_string(begin) + "-" + std::to_string(end) +
            "/d" + std::to_string(distance) + " ";
  }
  return text;
}

}  // namespace cordon::mark_index_reference
