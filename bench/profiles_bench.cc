// Risk profiles and watchlists (issue 3, points 4 and 5): how many
// declarations per second 200 realistic profiles evaluate, and how many
// parties per second a 10,000-entry watchlist matches, on one core.
// Data are generated from a fixed seed, so runs compare.
#include <benchmark/benchmark.h>

#include <random>
#include <string>
#include <vector>

#include "screening/profiles.h"
#include "screening/watchlist.h"

namespace cordon {
namespace {

using nlohmann::json;

constexpr unsigned kSeed = 20250304;

class Generator {
 public:
  explicit Generator(unsigned seed) : rng_(seed) {}

  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  double Uniform(double lo, double hi) {
    return std::uniform_real_distribution<double>(lo, hi)(rng_);
  }
  template <typename T>
  const T& Pick(const std::vector<T>& choices) {
    return choices[Below(choices.size())];
  }
  // A sample of k distinct-ish picks.
  json Some(const std::vector<std::string>& choices, size_t max_count) {
    json out = json::array();
    const size_t count = 1 + Below(max_count);
    for (size_t i = 0; i < count; ++i) out.push_back(Pick(choices));
    return out;
  }

  // A made-up distinctive word. Listed traders (watchlist entries) and the
  // parties of generated declarations draw from disjoint syllables, so an
  // unlisted party never matches by accident and the hit rate is the one
  // set below.
  std::string Word(bool listed = false) {
    static const std::vector<std::string> kListed = {
        "ka",  "lo",  "mi",  "ren", "tas", "vor", "bel", "dun", "fei", "gor", "hal", "jin",
        "kor", "lum", "nex", "pra", "sil", "tor", "zen", "wu",  "xia", "yan", "qin", "mar"};
    static const std::vector<std::string> kUnlisted = {
        "ba", "de", "fu", "gi", "ho",  "ju",  "ke",  "li",  "mo",  "nu",  "pe",  "ri",
        "sa", "te", "vi", "zo", "cha", "dro", "ske", "ple", "tri", "gla", "bru", "fle"};
    const std::vector<std::string>& syllables = listed ? kListed : kUnlisted;
    std::string word;
    const size_t count = 2 + Below(3);
    for (size_t s = 0; s < count; ++s) word += Pick(syllables);
    word[0] = static_cast<char>(word[0] - 'a' + 'A');
    return word;
  }

  std::string CompanyName(bool listed = false) {
    static const std::vector<std::string> kPlaces = {"Shenzhen", "Yiwu", "Ningbo", "Guangzhou",
                                                     "Istanbul", "",     "",       ""};
    static const std::vector<std::string> kBusiness = {
        "Trading", "Import Export", "International", "Industrial", "Logistics", "Textile", ""};
    static const std::vector<std::string> kForms = {"Co., Ltd.", "GmbH", "LLC", "S.A.",
                                                    "Ltd",       "",     "B.V."};
    std::string name = Pick(kPlaces);
    name += (name.empty() ? "" : " ") + Word(listed);
    if (Below(3) == 0) name += " " + Word(listed);
    name += " " + Pick(kBusiness) + " " + Pick(kForms);
    return name;
  }

 private:
  std::mt19937 rng_;
};

const std::vector<std::string> kCountries = {"CN", "CN", "CN", "HK", "TR", "VN", "IN",
                                             "US", "DE", "AE", "TH", "MY", "BD", "PK"};
const std::vector<std::string> kHs = {
    "640411", "640419", "640391", "640399", "640299", "420221", "420222", "420292", "610910",
    "611020", "620342", "620462", "851712", "851830", "850760", "950300", "950691", "330499",
    "330300", "910211", "711719", "871200", "392690", "847130", "401110", "870899"};
const std::vector<std::string> kChapters = {"64", "42", "61", "62", "85", "95",
                                            "33", "91", "71", "87", "39", "84"};
const std::vector<std::string> kHeadings = {"6403", "6404", "6402", "4202", "6109", "6110",
                                            "8517", "8518", "8507", "9503", "3304", "9102"};
const std::vector<std::string> kPorts = {"CNSZX", "CNSHA", "CNNGB", "HKHKG", "SGSIN", "AEJEA",
                                         "TRIST", "NLRTM", "DEHAM", "BEANR", "MYPKG", "LKCMB"};
const std::vector<std::string> kWords = {"shoes",   "sneakers", "bag",    "handbag", "watch",
                                         "t-shirt", "hoodie",   "phone",  "charger", "earphones",
                                         "toy",     "perfume",  "cream",  "jacket",  "cap",
                                         "wallet",  "battery",  "sample", "gift",    "replica"};
const std::vector<std::string> kBrands = {"zentra", "lumio", "velocita", "hanfeng", "nordvik"};

json C(const std::string& field, const std::string& op, json value) {
  return json{{"field", field}, {"op", op}, {"value", std::move(value)}};
}

RiskProfile MakeProfile(int number, json rule, Generator& g) {
  RiskProfile profile;
  profile.id = "prf_" + std::to_string(number);
  profile.name = "profile " + std::to_string(number);
  profile.weight = 0.2 + 0.6 * g.Uniform(0, 1);
  profile.rule = std::move(rule);
  return profile;
}

// 200 profiles of the shapes analysts write: each names goods and an origin,
// route, office or parcel stream, and a price, party or brand condition.
std::vector<RiskProfile> RealisticProfiles(Generator& g) {
  std::vector<RiskProfile> profiles;
  for (int i = 0; i < 200; ++i) {
    json rule;
    switch (i % 8) {
      case 0:
        rule = {{"all",
                 {C("origin", "in", g.Some(kCountries, 2)),
                  C("item.hs", "prefix", g.Some(kHeadings, 2)),
                  C("item.value_per_kg", "lt", g.Uniform(1, 6))}}};
        break;
      case 1:
        rule = {{"all",
                 {C("e_commerce", "is", true), C("transport_mode", "in", {"postal", "express"}),
                  C("origin", "in", g.Some(kCountries, 2)),
                  C("item.description", "contains", g.Some(kBrands, 2))}}};
        break;
      case 2:
        rule = {{"all",
                 {C("route", "in", g.Some(kPorts, 2)), C("origin", "eq", g.Pick(kCountries)),
                  C("item.hs", "prefix", g.Pick(kChapters))}}};
        break;
      case 3:
        rule = {{"all",
                 {C("destination", "eq", "DE"), C("origin", "in", g.Some(kCountries, 2)),
                  C("item.hs", "prefix", g.Some(kChapters, 2)),
                  C("consignor.name", "contains", g.Word())}}};
        break;
      case 4:
        rule = {
            {"all",
             {C("origin", "in", g.Some(kCountries, 3)), C("item.hs", "prefix", g.Pick(kHeadings)),
              C("item.price_ratio", "lt", g.Uniform(0.1, 0.4))}}};
        break;
      case 5:
        rule = {{"all",
                 {C("origin", "eq", g.Pick(kCountries)),
                  {{"any",
                    {C("item.brand", "in", g.Some(kBrands, 2)),
                     C("item.description", "contains", g.Some(kBrands, 2))}}},
                  {{"not", C("consignee.country", "in", {"FR", "IT"})}}}}};
        break;
      case 6:
        rule = {
            {"all",
             {C("office", "in", g.Some({"DEHAM", "DEBRV", "DEFRA", "NLRTM", "BEANR"}, 2)),
              C("item.hs", "prefix", g.Pick(kChapters)), C("total_value", "between", {1000, 50000}),
              C("item_count", "ge", 3), C("item.unit_value", "lt", g.Uniform(0.5, 3))}}};
        break;
      default:
        rule = {{"all",
                 {C("transport_mode", "eq", "air"),
                  C("dispatch", "in", g.Some(kCountries, 2)),
                  C("item.hs", "prefix", g.Pick(kChapters)),
                  {{"any",
                    {C("item.quantity", "gt", 5000),
                     {{"all", {C("item.currency", "eq", "USD"), C("item.value", "lt", 100)}}}}}}}}};
        break;
    }
    profiles.push_back(MakeProfile(i, std::move(rule), g));
  }
  return profiles;
}

// A stress case: 200 broad profiles that pass their code conditions for
// about a quarter of the declarations each (47 profiles to evaluate per
// declaration, 3 hits), which no sensible profile set does.
std::vector<RiskProfile> BroadProfiles(Generator& g) {
  std::vector<RiskProfile> profiles;
  for (int i = 0; i < 200; ++i) {
    json rule;
    switch (i % 8) {
      case 0:
        rule = {{"all",
                 {C("origin", "in", g.Some(kCountries, 3)),
                  C("item.hs", "prefix", g.Some(kHeadings, 3)),
                  C("item.value_per_kg", "lt", g.Uniform(2, 20))}}};
        break;
      case 1:
        rule = {{"all",
                 {C("e_commerce", "is", true), C("transport_mode", "in", {"postal", "express"}),
                  C("item.description", "contains", g.Some(kWords, 2))}}};
        break;
      case 2:
        rule = {{"all",
                 {C("route", "in", g.Some(kPorts, 2)), C("origin", "in", g.Some(kCountries, 2)),
                  C("item.hs", "prefix", g.Some(kChapters, 2))}}};
        break;
      case 3:
        rule = {{"all",
                 {C("destination", "eq", "DE"), C("consignor.name", "contains", g.Word()),
                  C("type", "eq", "import")}}};
        break;
      case 4:
        rule = {{"all",
                 {C("item.hs", "prefix", g.Some(kHeadings, 2)),
                  C("item.price_ratio", "lt", g.Uniform(0.1, 0.5))}}};
        break;
      case 5:
        rule = {{"all",
                 {C("origin", "in", g.Some(kCountries, 2)),
                  {{"any",
                    {C("item.brand", "in", g.Some(kBrands, 2)),
                     C("item.description", "contains", g.Some(kBrands, 2))}}},
                  {{"not", C("consignee.country", "in", {"FR", "IT"})}}}}};
        break;
      case 6:
        rule = {{"all",
                 {C("office", "prefix", "DE"), C("total_value", "between", {1000, 50000}),
                  C("item_count", "ge", 3), C("item.unit_value", "lt", g.Uniform(1, 10))}}};
        break;
      default:
        rule = {{"all",
                 {C("transport_mode", "eq", "air"),
                  {{"any",
                    {C("dispatch", "in", g.Some(kCountries, 2)),
                     {{"all",
                       {C("item.currency", "eq", "USD"), C("item.quantity", "gt", 5000),
                        C("item.hs", "prefix", g.Pick(kChapters))}}}}}}}}};
        break;
    }
    profiles.push_back(MakeProfile(i, std::move(rule), g));
  }
  return profiles;
}

std::vector<ReferencePrice> ReferencePrices() {
  std::vector<ReferencePrice> prices;
  for (size_t i = 0; i < kHeadings.size(); ++i) {
    prices.push_back({kHeadings[i], 5.0 + 3.0 * static_cast<double>(i)});
  }
  for (const std::string& hs : kHs) prices.push_back({hs, 12.0});
  return prices;
}

std::vector<Declaration> Declarations(Generator& g, size_t count) {
  std::vector<Declaration> out;
  const std::vector<std::string> kModes = {"sea", "sea", "air", "road", "postal", "express"};
  for (size_t n = 0; n < count; ++n) {
    Declaration d;
    d.id = "D-" + std::to_string(n);
    d.type = "import";
    d.office = g.Pick(std::vector<std::string>{"DEHAM", "DEBRV", "DEFRA", "NLRTM", "BEANR"});
    d.transport_mode = g.Pick(kModes);
    d.e_commerce = d.transport_mode == "postal" || d.transport_mode == "express";
    d.origin = g.Pick(kCountries);
    d.dispatch = g.Below(4) == 0 ? "HK" : d.origin;
    d.destination = g.Pick(std::vector<std::string>{"DE", "DE", "NL", "BE", "FR"});
    d.consignor = {g.CompanyName(), "", d.origin};
    d.consignee = {g.CompanyName(), "", d.destination};
    d.declarant = {g.CompanyName(), "", d.destination};
    for (size_t p = 0, hops = 1 + g.Below(3); p < hops; ++p) d.route.push_back(g.Pick(kPorts));
    const size_t items = d.e_commerce ? 1 : 1 + g.Below(5);
    for (size_t i = 0; i < items; ++i) {
      DeclarationItem item;
      item.hs = g.Pick(kHs);
      item.description = g.Pick(kWords) + " " + g.Pick(kWords);
      if (g.Below(5) == 0) item.description += " " + g.Pick(kBrands);
      if (g.Below(8) == 0) item.brand = g.Pick(kBrands);
      item.quantity = d.e_commerce ? 1 + static_cast<double>(g.Below(3))
                                   : static_cast<double>(10 + g.Below(10000));
      item.gross_kg = item.quantity * g.Uniform(0.05, 2.0);
      item.value = item.quantity * g.Uniform(0.5, 60);
      item.currency = g.Below(3) == 0 ? "USD" : "EUR";
      d.items.push_back(std::move(item));
    }
    out.push_back(std::move(d));
  }
  return out;
}

const Date kToday{std::chrono::year{2025}, std::chrono::month{3}, std::chrono::day{4}};

void EvaluateProfiles(benchmark::State& state, std::vector<RiskProfile> (*make)(Generator&),
                      size_t declaration_count = 512) {
  Generator g(kSeed);
  auto set = ProfileSet::Compile(make(g), ReferencePrices());
  if (!set.ok()) {
    state.SkipWithError(set.error().ToString().c_str());
    return;
  }
  // 512 declarations stay in the caches, as a declaration just parsed does in
  // the screening pipeline; BM_EvaluateProfilesColdDeclarations measures the
  // same from memory.
  const std::vector<Declaration> declarations = Declarations(g, declaration_count);
  size_t next = 0;
  size_t hits = 0;
  for (auto _ : state) {
    std::vector<ProfileHit> result = (*set)->Evaluate(declarations[next], kToday);
    hits += result.size();
    benchmark::DoNotOptimize(result);
    next = (next + 1) % declarations.size();
  }
  state.counters["declarations/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["hits/declaration"] =
      static_cast<double>(hits) / static_cast<double>(state.iterations());
  state.counters["profiles"] = static_cast<double>((*set)->size());
}

void BM_EvaluateProfiles(benchmark::State& state) { EvaluateProfiles(state, RealisticProfiles); }
BENCHMARK(BM_EvaluateProfiles);

void BM_EvaluateProfilesColdDeclarations(benchmark::State& state) {
  EvaluateProfiles(state, RealisticProfiles, 8192);
}
BENCHMARK(BM_EvaluateProfilesColdDeclarations);

void BM_EvaluateBroadProfiles(benchmark::State& state) { EvaluateProfiles(state, BroadProfiles); }
BENCHMARK(BM_EvaluateBroadProfiles);

void BM_CompileProfiles(benchmark::State& state) {
  Generator g(kSeed);
  const std::vector<RiskProfile> profiles = RealisticProfiles(g);
  const std::vector<ReferencePrice> prices = ReferencePrices();
  for (auto _ : state) {
    auto set = ProfileSet::Compile(profiles, prices);
    benchmark::DoNotOptimize(set);
  }
}
BENCHMARK(BM_CompileProfiles)->Unit(benchmark::kMillisecond);

std::vector<WatchlistEntry> WatchlistEntries(Generator& g, size_t count) {
  std::vector<WatchlistEntry> entries;
  for (size_t i = 0; i < count; ++i) {
    WatchlistEntry entry;
    entry.id = "wle_" + std::to_string(i);
    entry.name = g.CompanyName(/*listed=*/true);
    entry.country = g.Below(4) == 0 ? "" : g.Pick(kCountries);
    entries.push_back(std::move(entry));
  }
  return entries;
}

void BM_WatchlistMatch(benchmark::State& state) {
  Generator g(kSeed + 1);
  std::vector<WatchlistEntry> entries = WatchlistEntries(g, 10000);
  // Declarations whose parties are mostly unlisted; one in 20 names a listed
  // trader, half of those with a typo.
  // 512 declarations stay in the caches, as in the pipeline (see above).
  std::vector<Declaration> declarations = Declarations(g, 512);
  for (size_t n = 0; n < declarations.size(); n += 20) {
    std::string name = entries[g.Below(entries.size())].name;
    if (n % 40 == 0 && name.size() > 12) std::swap(name[9], name[10]);
    declarations[n].consignor.name = name;
    declarations[n].consignor.country = "";
  }
  auto index = WatchlistIndex::Build(std::move(entries));
  if (!index.ok()) {
    state.SkipWithError(index.error().ToString().c_str());
    return;
  }
  size_t next = 0;
  size_t hits = 0;
  for (auto _ : state) {
    std::vector<WatchlistHit> result = (*index)->Match(declarations[next]);
    hits += result.size();
    benchmark::DoNotOptimize(result);
    next = (next + 1) % declarations.size();
  }
  state.counters["parties/s"] =
      benchmark::Counter(static_cast<double>(3 * state.iterations()), benchmark::Counter::kIsRate);
  state.counters["declarations/s"] =
      benchmark::Counter(static_cast<double>(state.iterations()), benchmark::Counter::kIsRate);
  state.counters["hits/declaration"] =
      static_cast<double>(hits) / static_cast<double>(state.iterations());
}
BENCHMARK(BM_WatchlistMatch);

void BM_WatchlistBuild(benchmark::State& state) {
  Generator g(kSeed + 1);
  const std::vector<WatchlistEntry> entries = WatchlistEntries(g, 10000);
  for (auto _ : state) {
    auto index = WatchlistIndex::Build(entries);
    benchmark::DoNotOptimize(index);
  }
}
BENCHMARK(BM_WatchlistBuild)->Unit(benchmark::kMillisecond);

}  // namespace
}  // namespace cordon

BENCHMARK_MAIN();
