#include "screening/watchlist.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <set>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "screening/text_normalise.h"
#include "screening/watchlist_internal.h"

namespace cordon {
namespace {

using nlohmann::json;
using watchlist_internal::kMatchThreshold;
using watchlist_internal::NameSimilarity;
using watchlist_internal::NameWords;

WatchlistEntry Entry(const std::string& id, const std::string& name,
                     const std::string& country = "", double weight = 0.6) {
  WatchlistEntry entry;
  entry.id = id;
  entry.name = name;
  entry.country = country;
  entry.weight = weight;
  entry.source = "analyst";
  return entry;
}

std::shared_ptr<const WatchlistIndex> MustBuild(std::vector<WatchlistEntry> entries) {
  auto built = WatchlistIndex::Build(std::move(entries));
  EXPECT_TRUE(built.ok()) << built.error().ToString();
  if (!built.ok()) return nullptr;
  return std::move(built).value();
}

Declaration WithConsignor(const std::string& name, const std::string& country = "CN") {
  Declaration declaration;
  declaration.id = "D1";
  declaration.consignor = {name, "", country};
  return declaration;
}

class WatchlistTest : public ::testing::Test {
 protected:
  void SetUp() override {
    index_ = MustBuild({
        Entry("wle_bright", "Shenzhen Bright Trading Co., Ltd.", "CN", 0.7),
        Entry("wle_nord", "Nordhandel GmbH", "DE"),
        Entry("wle_societe", "Société Générale d'Importation SARL", "FR"),
        Entry("wle_zentra", "Zentra Logistics B.V.", ""),
        Entry("wle_acme", "Acme Trading", ""),
        Entry("wle_88", "Lucky 88 Import Export", ""),
        Entry("wle_alfa", "Alfa Polska Sp. z o.o.", "PL"),
    });
    ASSERT_NE(index_, nullptr);
  }

  // The entry ids hit by a consignor name (any similarity).
  std::vector<std::string> HitIds(const std::string& name, const std::string& country = "") {
    std::vector<std::string> ids;
    for (const WatchlistHit& hit : index_->Match(WithConsignor(name, country))) {
      ids.push_back(hit.entry_id);
    }
    return ids;
  }

  double SimilarityOf(const std::string& name, const std::string& id,
                      const std::string& country = "") {
    for (const WatchlistHit& hit : index_->Match(WithConsignor(name, country))) {
      if (hit.entry_id == id) return hit.similarity;
    }
    return 0;
  }

  std::shared_ptr<const WatchlistIndex> index_;
};

using Ids = std::vector<std::string>;

TEST_F(WatchlistTest, ExactNameHitsWithSimilarityOne) {
  const std::vector<WatchlistHit> hits =
      index_->Match(WithConsignor("Shenzhen Bright Trading Co., Ltd.", "CN"));
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].entry_id, "wle_bright");
  EXPECT_EQ(hits[0].listed_name, "Shenzhen Bright Trading Co., Ltd.");
  EXPECT_EQ(hits[0].party, "consignor");
  EXPECT_EQ(hits[0].found, "Shenzhen Bright Trading Co., Ltd.");
  EXPECT_DOUBLE_EQ(hits[0].similarity, 1.0);
  EXPECT_DOUBLE_EQ(hits[0].weight, 0.7);
  EXPECT_EQ(index_->size(), 7u);
}

TEST_F(WatchlistTest, LegalFormVariantsAreTheSameName) {
  for (const char* name :
       {"Shenzhen Bright Trading Co Ltd", "SHENZHEN BRIGHT TRADING LIMITED",
        "Shenzhen Bright Trading Company Limited", "Shenzhen Bright Trading Co.,Ltd",
        "Shenzhen Bright Trading Corp.", "Shenzhen Bright Trading"}) {
    EXPECT_DOUBLE_EQ(SimilarityOf(name, "wle_bright", "CN"), 1.0) << name;
  }
  EXPECT_DOUBLE_EQ(SimilarityOf("NORDHANDEL G.m.b.H.", "wle_nord", "DE"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("Zentra Logistics BV", "wle_zentra"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("Zentra Logistics B. V.", "wle_zentra"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("Alfa Polska SP Z O O", "wle_alfa", "PL"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("ALFA POLSKA SP. Z O.O.", "wle_alfa", "PL"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("Alfa Polska", "wle_alfa", "PL"), 1.0);
}

TEST_F(WatchlistTest, PunctuationAndSpacing) {
  EXPECT_DOUBLE_EQ(SimilarityOf("Shenzhen-Bright-Trading Co. Ltd.", "wle_bright"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("\"Shenzhen Bright Trading\" (Co., Ltd.)", "wle_bright"), 1.0);
  // Spacing inside a word: same letters, not quite the same name.
  EXPECT_DOUBLE_EQ(SimilarityOf("Nord Handel GmbH", "wle_nord", "DE"), 0.99);
  EXPECT_DOUBLE_EQ(SimilarityOf("NORD-HANDEL", "wle_nord", "DE"), 0.99);
}

TEST_F(WatchlistTest, AccentsAndCase) {
  EXPECT_DOUBLE_EQ(SimilarityOf("SOCIETE GENERALE D'IMPORTATION", "wle_societe", "FR"), 1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("société générale d’importation s.a.r.l.", "wle_societe", "FR"),
                   1.0);
  EXPECT_DOUBLE_EQ(SimilarityOf("ＳＨＥＮＺＨＥＮ ＢＲＩＧＨＴ ＴＲＡＤＩＮＧ", "wle_bright"), 1.0);
}

TEST_F(WatchlistTest, SmallTyposInDistinctiveWords) {
  // A swap, a deletion, an insertion, a substitution.
  for (const char* name : {"Shenzhen Brigth Trading Co., Ltd.", "Shenzhen Brght Trading",
                           "Shenzhen Brightt Trading", "Shenzhen Bripht Trading"}) {
    const double similarity = SimilarityOf(name, "wle_bright", "CN");
    EXPECT_GE(similarity, kMatchThreshold) << name;
    EXPECT_LT(similarity, 1.0) << name;
  }
  EXPECT_GE(SimilarityOf("Nordhandle GmbH", "wle_nord", "DE"), kMatchThreshold);
  EXPECT_GE(SimilarityOf("Shenzen Bright Trading", "wle_bright", "CN"), kMatchThreshold);
  EXPECT_GE(SimilarityOf("Zentra Logistic", "wle_zentra"), kMatchThreshold);
  // Two typos in one word are too many.
  EXPECT_EQ(HitIds("Shenzhen Brihgtt Trading", "CN"), Ids{});
}

TEST_F(WatchlistTest, WordOrderDoesNotMatter) {
  EXPECT_DOUBLE_EQ(SimilarityOf("Bright Trading Shenzhen", "wle_bright"), 0.99);
  EXPECT_DOUBLE_EQ(SimilarityOf("Logistics Zentra", "wle_zentra"), 0.99);
}

TEST_F(WatchlistTest, GenericWordsMayBeMissingOrExtra) {
  EXPECT_GE(SimilarityOf("Bright Trading Co., Ltd.", "wle_bright"), kMatchThreshold);
  EXPECT_GE(SimilarityOf("Shenzhen Bright International Trading", "wle_bright"), kMatchThreshold);
  EXPECT_GE(SimilarityOf("Nordhandel Import Export GmbH", "wle_nord", "DE"), kMatchThreshold);
}

TEST_F(WatchlistTest, CountryMustAgreeWhenBothHaveOne) {
  EXPECT_EQ(HitIds("Nordhandel GmbH", "DE"), Ids{"wle_nord"});
  EXPECT_EQ(HitIds("Nordhandel GmbH", "AT"), Ids{});
  EXPECT_EQ(HitIds("Nordhandel GmbH", ""), Ids{"wle_nord"});
  // An entry without a country matches a party of any country.
  EXPECT_EQ(HitIds("Zentra Logistics BV", "NL"), Ids{"wle_zentra"});
  EXPECT_EQ(HitIds("Zentra Logistics BV", "CN"), Ids{"wle_zentra"});
}

// A party that matched nothing is remembered with its country: the same
// name from the listed entry's country must still hit, however often it was
// missed from another country before.
TEST_F(WatchlistTest, RememberedMissesKeepTheirCountry) {
  for (int pass = 0; pass < 4; ++pass) {
    EXPECT_EQ(HitIds("Nordhandel GmbH", "AT"), Ids{}) << "pass " << pass;
    EXPECT_EQ(HitIds("Nordhandel GmbH", "CH"), Ids{}) << "pass " << pass;
  }
  for (int pass = 0; pass < 4; ++pass) {
    EXPECT_EQ(HitIds("Nordhandel GmbH", "DE"), Ids{"wle_nord"}) << "pass " << pass;
    EXPECT_EQ(HitIds("Nordhandel GmbH", ""), Ids{"wle_nord"}) << "pass " << pass;
    EXPECT_EQ(HitIds("Nordhandel GmbH", "AT"), Ids{}) << "pass " << pass;
  }
}

TEST_F(WatchlistTest, HardNegatives) {
  // Different distinctive word, same generic words.
  EXPECT_EQ(HitIds("Shenzhen Light Trading Co., Ltd.", "CN"), Ids{});
  EXPECT_EQ(HitIds("Shenzhen Great Wall Trading Co., Ltd.", "CN"), Ids{});
  EXPECT_EQ(HitIds("Guangzhou Star Trading Co.", "CN"), Ids{});
  // A distinctive word more or less is another company.
  EXPECT_EQ(HitIds("Shenzhen Bright Star Trading", "CN"), Ids{});
  EXPECT_EQ(HitIds("Zentra Air", ""), Ids{});
  EXPECT_EQ(HitIds("Zentra", ""), Ids{"wle_zentra"});               // "logistics" is generic
  EXPECT_EQ(HitIds("Nordhandel Sud GmbH", "DE"), Ids{"wle_nord"});  // "sud" is generic
  EXPECT_EQ(HitIds("Nordhandel Baltic GmbH", "DE"), Ids{});
  // Short words and numbers are compared exactly.
  EXPECT_EQ(HitIds("Acne Trading"), Ids{});
  EXPECT_EQ(HitIds("Acme Trading"), Ids{"wle_acme"});
  EXPECT_EQ(HitIds("Lucky 89 Import Export"), Ids{});
  EXPECT_EQ(HitIds("Lucky 88 Imp. Exp."), Ids{"wle_88"});
  // Only generic words in common.
  EXPECT_EQ(HitIds("Trading Co., Ltd."), Ids{});
  EXPECT_EQ(HitIds("International Trading Logistics"), Ids{});
}

TEST_F(WatchlistTest, AllPartiesAreChecked) {
  Declaration declaration;
  declaration.consignor = {"Shenzhen Bright Trading", "", "CN"};
  declaration.consignee = {"Nordhandel GmbH", "", "DE"};
  declaration.declarant = {"Zentra Logistics", "", ""};
  const std::vector<WatchlistHit> hits = index_->Match(declaration);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].party, "consignor");
  EXPECT_EQ(hits[0].entry_id, "wle_bright");
  EXPECT_EQ(hits[1].party, "consignee");
  EXPECT_EQ(hits[1].entry_id, "wle_nord");
  EXPECT_EQ(hits[2].party, "declarant");
  EXPECT_EQ(hits[2].entry_id, "wle_zentra");
  EXPECT_TRUE(index_->Match(Declaration{}).empty());
}

// A thread remembers parties that matched no entry, per index: a name
// unlisted in one index must still hit in another used on the same thread,
// and a listed name is never remembered as unlisted.
TEST(WatchlistIndexTest, RememberedUnlistedNamesBelongToTheirIndex) {
  auto first = MustBuild({Entry("wle_a", "Alpha Trading", "")});
  auto second = MustBuild({Entry("wle_b", "Bright Star Logistics", "")});
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  const Declaration declaration = WithConsignor("Bright Star Logistics GmbH", "");
  // Several passes: a name is remembered the second time it is missed.
  for (int pass = 0; pass < 3; ++pass) {
    for (int again = 0; again < 3; ++again) EXPECT_TRUE(first->Match(declaration).empty());
    const std::vector<WatchlistHit> hits = second->Match(declaration);
    ASSERT_EQ(hits.size(), 1u) << "pass " << pass;
    EXPECT_EQ(hits[0].entry_id, "wle_b");
  }
  // A new index on the same thread starts with nothing remembered.
  auto third = MustBuild({Entry("wle_c", "Alpha Trading", "")});
  ASSERT_NE(third, nullptr);
  for (int pass = 0; pass < 3; ++pass) {
    EXPECT_EQ(third->Match(WithConsignor("Alpha Trading Ltd", "")).size(), 1u);
    EXPECT_TRUE(third->Match(declaration).empty());
    EXPECT_EQ(second->Match(declaration).size(), 1u);
  }
}

TEST_F(WatchlistTest, MatchingIsSafeFromSeveralThreads) {
  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      const Declaration declaration =
          WithConsignor(t % 2 == 0 ? "Shenzhen Brigth Trading" : "Shenzhen Light Trading", "CN");
      for (int round = 0; round < 500; ++round) {
        hits[static_cast<size_t>(t)] += static_cast<int>(index_->Match(declaration).size());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(hits, (std::vector<int>{500, 0, 500, 0}));
}

TEST(WatchlistNamesTest, WordsOfAName) {
  using Words = std::vector<std::string>;
  EXPECT_EQ(NameWords("Shenzhen Bright Trading Co., Ltd."),
            (Words{"shenzhen", "bright", "trading"}));
  EXPECT_EQ(NameWords("AB Volvo"), Words{"volvo"});
  EXPECT_EQ(NameWords("GmbH"), Words{"gmbh"});  // only a legal form: kept
  EXPECT_EQ(NameWords("Ferrari S.p.A."), Words{"ferrari"});
  EXPECT_EQ(NameWords("Ferrari S. p. A."), Words{"ferrari"});
  EXPECT_EQ(NameWords("Møller-Mærsk A/S"), (Words{"møller", "mærsk"}));
  EXPECT_EQ(NameWords("O'Neill & Sons Ltd"), (Words{"oneill", "sons"}));
  EXPECT_EQ(NameWords("Grupo Bimbo, S.A.B. de C.V."), (Words{"grupo", "bimbo", "sab"}));
  EXPECT_EQ(NameWords("!!!"), Words{});
  Words many = NameWords("a1 a2 a3 a4 a5 a6 a7 a8 a9 a10 a11 a12 a13 a14");
  EXPECT_EQ(many.size(), 12u);
}

TEST(WatchlistNamesTest, AgreesWithAuthorisedPartyNormalisation) {
  // Where legal forms stand at the ends, the words are those of
  // NormalisePartyName (used for authorised parties), so both say the same
  // about "same company name".
  for (const char* name :
       {"Zentra Logistics B.V.", "Sporthaus Nord GmbH", "Lumio Distribution GmbH",
        "Shenzhen Bright Trading Co., Ltd.", "Ferrari S.p.A.", "ACME INC.", "Nordic AS",
        "Müller Handels GmbH & Co. KG", "OOO Romashka", "Tata Motors Pvt. Ltd."}) {
    std::string joined;
    for (const std::string& word : NameWords(name)) {
      if (!joined.empty()) joined += ' ';
      joined += word;
    }
    EXPECT_EQ(joined, NormalisePartyName(name)) << name;
  }
}

TEST(WatchlistNamesTest, SimilarityIsSymmetricEnoughAndBounded) {
  EXPECT_DOUBLE_EQ(NameSimilarity("Nordhandel GmbH", "Nordhandel GmbH"), 1.0);
  EXPECT_DOUBLE_EQ(NameSimilarity("Nordhandel GmbH", "Sudhandel GmbH"), 0.0);
  EXPECT_LT(NameSimilarity("Shenzhen Bright Trading", "Shenzhen Light Trading"), 0.5);
  EXPECT_DOUBLE_EQ(NameSimilarity("Bright Trading", "Shenzhen Bright Trading"),
                   NameSimilarity("Shenzhen Bright Trading", "Bright Trading"));
  EXPECT_DOUBLE_EQ(NameSimilarity("", "Bright"), 0.0);
}

// ---------------------------------------------------------------------------
// Entries from outside.

TEST(WatchlistEntryFromJsonTest, AcceptsAndRoundTrips) {
  auto entry = WatchlistEntryFromJson(json{{"name", "Nordhandel GmbH"},
                                           {"address", "Hafenstr. 1, Hamburg"},
                                           {"country", "DE"},
                                           {"reason", "two seizures of counterfeit shoes in 2024"},
                                           {"weight", 0.8},
                                           {"id", "wle_ignored"}});
  ASSERT_TRUE(entry.ok()) << entry.error().ToString();
  EXPECT_EQ(entry->name, "Nordhandel GmbH");
  EXPECT_EQ(entry->country, "DE");
  EXPECT_EQ(entry->source, "analyst");
  EXPECT_EQ(entry->id, "");
  EXPECT_DOUBLE_EQ(entry->weight, 0.8);
  auto again = WatchlistEntryFromJson(ToJson(*entry));
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(ToJson(*again), ToJson(*entry));

  auto minimal = WatchlistEntryFromJson(json{{"name", "Acme"}, {"source", "referral:ref_12"}});
  ASSERT_TRUE(minimal.ok());
  EXPECT_DOUBLE_EQ(minimal->weight, 0.6);
  EXPECT_EQ(minimal->source, "referral:ref_12");
  EXPECT_EQ(ToJson(*minimal)["country"], nullptr);
}

TEST(WatchlistEntryFromJsonTest, NamesEveryBadField) {
  auto result = WatchlistEntryFromJson(json{
      {"country", "Germany"}, {"weight", 1.2}, {"address", std::string(501, 'x')}, {"reason", 7}});
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
  std::vector<std::string> fields;
  for (const FieldError& error : result.error().fields()) fields.push_back(error.field);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"address", "country", "name", "reason", "weight"}));
  for (const FieldError& error : result.error().fields()) {
    if (error.field == "country") {
      EXPECT_EQ(error.message, "must be an ISO 3166-1 alpha-2 country code");
    }
  }

  auto lower = WatchlistEntryFromJson(json{{"name", "Acme"}, {"country", "de"}});
  ASSERT_FALSE(lower.ok());
  EXPECT_EQ(lower.error().fields().at(0).field, "country");
  EXPECT_EQ(lower.error().fields().at(0).message, "must be an ISO 3166-1 alpha-2 country code");
  auto punctuation = WatchlistEntryFromJson(json{{"name", "!!! ..."}});
  ASSERT_FALSE(punctuation.ok());
  EXPECT_EQ(punctuation.error().fields().at(0).message, "must contain letters or digits");
  auto long_name = WatchlistEntryFromJson(json{{"name", std::string(201, 'a')}});
  ASSERT_FALSE(long_name.ok());
  EXPECT_EQ(long_name.error().fields().at(0).message, "must be at most 200 characters");
  EXPECT_FALSE(WatchlistEntryFromJson(json("Acme")).ok());
}

TEST(WatchlistIndexTest, BuildValidatesEveryEntry) {
  auto built = WatchlistIndex::Build(
      {Entry("wle_1", "Acme"), Entry("wle_2", "Beta", "XX"), Entry("wle_3", " ", "", 2)});
  ASSERT_FALSE(built.ok());
  std::vector<std::string> fields;
  for (const FieldError& error : built.error().fields()) fields.push_back(error.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"entries[1].country", "entries[2].name",
                                              "entries[2].weight"}));
  auto empty = WatchlistIndex::Build({});
  ASSERT_TRUE(empty.ok());
  EXPECT_TRUE((*empty)->Match(WithConsignor("Acme")).empty());
}

// ---------------------------------------------------------------------------
// Many entries: the index finds what a comparison with every entry finds.

// Seeded, deterministic names: a distinctive word or two made of syllables,
// generic words and a legal form around them.
class NameGenerator {
 public:
  explicit NameGenerator(unsigned seed) : rng_(seed) {}

  std::string Distinctive() {
    static const char* kSyllables[] = {"ka",  "lo",  "mi",  "ren", "tas", "vor", "bel", "dun",
                                       "fei", "gor", "hal", "jin", "kor", "lum", "nex", "pra",
                                       "sil", "tor", "zen", "wu",  "xia", "yan", "qin", "mar"};
    std::string word;
    const int syllables = 2 + Below(2);
    for (int s = 0; s < syllables; ++s) word += kSyllables[Below(std::size(kSyllables))];
    return word;
  }

  std::string Name() {
    static const char* kPlaces[] = {"Shenzhen", "Yiwu", "Ningbo", "Hong Kong", "Istanbul", ""};
    static const char* kBusiness[] = {
        "Trading", "Import Export", "International", "Industrial", "Logistics", "Textile", ""};
    static const char* kForms[] = {"Co., Ltd.", "GmbH", "LLC", "S.A.", "Ltd", "", "B.V."};
    std::string name = kPlaces[Below(std::size(kPlaces))];
    name += " " + Capitalised(Distinctive());
    if (Below(3) == 0) name += " " + Capitalised(Distinctive());
    name += " " + std::string(kBusiness[Below(std::size(kBusiness))]);
    name += " " + std::string(kForms[Below(std::size(kForms))]);
    return name;
  }

  // One typing edit inside the first distinctive word of at least 5 letters.
  std::string WithTypo(const std::string& name) {
    size_t start = 0;
    while (start < name.size()) {
      size_t end = name.find(' ', start);
      if (end == std::string::npos) end = name.size();
      const std::string word = name.substr(start, end - start);
      const bool distinctive =
          word.size() >= 6 && std::islower(static_cast<unsigned char>(word[1])) &&
          !NameWords(word).empty() && word != "Shenzhen" && word != "Trading" &&
          word != "Istanbul" && word != "Logistics" && word != "Textile" &&
          word != "International" && word != "Industrial" && word != "Import" && word != "Export" &&
          word != "Ningbo";
      if (distinctive) {
        std::string edited = name;
        const size_t at = start + 2 + Below(word.size() - 3);
        switch (Below(3)) {
          case 0:
            std::swap(edited[at], edited[at + 1]);
            break;
          case 1:
            edited.erase(at, 1);
            break;
          default:
            edited[at] = edited[at] == 'q' ? 'w' : 'q';
            break;
        }
        return edited;
      }
      start = end + 1;
    }
    return name;
  }

  size_t Below(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }

 private:
  static std::string Capitalised(std::string word) {
    word[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(word[0])));
    return word;
  }
  std::mt19937 rng_;
};

TEST(WatchlistIndexTest, TenThousandEntriesAgreeWithComparingEveryEntry) {
  NameGenerator generator(20250304);
  static const char* kCountries[] = {"CN", "HK", "TR", "DE", ""};
  std::vector<WatchlistEntry> entries;
  for (int i = 0; i < 10000; ++i) {
    entries.push_back(Entry("wle_" + std::to_string(i), generator.Name(),
                            kCountries[generator.Below(std::size(kCountries))]));
  }
  const std::vector<WatchlistEntry> listed = entries;
  auto index = MustBuild(std::move(entries));
  ASSERT_NE(index, nullptr);
  ASSERT_EQ(index->size(), 10000u);

  // Every entry reached by brute force is reported by the index, and nothing else.
  std::vector<watchlist_internal::PreparedName> prepared;
  for (const WatchlistEntry& entry : listed) prepared.emplace_back(entry.name);
  auto brute_force = [&](const std::string& name, const std::string& country) {
    const watchlist_internal::PreparedName party(name);
    std::set<std::string> ids;
    for (size_t i = 0; i < listed.size(); ++i) {
      const WatchlistEntry& entry = listed[i];
      if (!entry.country.empty() && !country.empty() && entry.country != country) continue;
      if (NameSimilarity(prepared[i], party) >= kMatchThreshold) ids.insert(entry.id);
    }
    return ids;
  };
  auto indexed = [&](const std::string& name, const std::string& country) {
    std::set<std::string> ids;
    for (const WatchlistHit& hit : index->Match(WithConsignor(name, country))) {
      EXPECT_GE(hit.similarity, kMatchThreshold);
      ids.insert(hit.entry_id);
    }
    return ids;
  };

  int typo_found = 0;
  for (int query = 0; query < 40; ++query) {
    const WatchlistEntry& entry = listed[generator.Below(listed.size())];
    const std::string country = entry.country;
    // The listed name, a typo of it, and an unrelated generated name.
    const std::set<std::string> exact = indexed(entry.name, country);
    EXPECT_TRUE(exact.count(entry.id)) << entry.name;
    EXPECT_EQ(exact, brute_force(entry.name, country)) << entry.name;
    const std::string typo = generator.WithTypo(entry.name);
    const std::set<std::string> fuzzy = indexed(typo, country);
    EXPECT_EQ(fuzzy, brute_force(typo, country)) << typo;
    if (fuzzy.count(entry.id)) ++typo_found;
    const std::string other = generator.Name();
    EXPECT_EQ(indexed(other, ""), brute_force(other, "")) << other;
  }
  // One typo in a distinctive word of 6+ letters scores at least
  // 1 - 0.5 / 6 = 0.92 for that word, so the entry is always found.
  EXPECT_EQ(typo_found, 40);
}

// Names of ASCII bytes only take a shorter way into words (one pass that
// also hashes them): it must give the words, and the hits, of the general
// way, which a soft hyphen (U+00AD, ignored by NFKC case folding) forces.
TEST(WatchlistNamesTest, AsciiNamesGiveTheWordsOfTheGeneralWay) {
  auto index = MustBuild({
      Entry("wle_bright", "Shenzhen Bright Trading Co., Ltd.", "CN"),
      Entry("wle_oneil", "O'Neil & Sons S.p.A.", ""),
      Entry("wle_lucky", "Lucky 88 Import Export", ""),
      Entry("wle_nord", "Nordhandel GmbH", ""),
  });
  ASSERT_NE(index, nullptr);
  const std::string kSoftHyphen = "\xC2\xAD";
  std::mt19937 rng(7);
  static const char kBytes[] =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,'&-/()";
  std::vector<std::string> names = {"Shenzhen Bright Trading Co., Ltd.",
                                    "shenzhen  BRIGHT trading",
                                    "Shenzhen Brigth Trading",
                                    "O'Neil & Sons S.p.A.",
                                    "ONeil and Sons",
                                    "Lucky 88 Import-Export",
                                    "Nord Handel GmbH",
                                    "Sp. z o.o.",
                                    "...",
                                    "'",
                                    "GmbH",
                                    "A",
                                    "a.b.c. d'e",
                                    "Co., Ltd. Bright"};
  for (int i = 0; i < 300; ++i) {
    std::string name;
    const size_t length = 1 + rng() % 40;
    for (size_t c = 0; c < length; ++c) name += kBytes[rng() % (sizeof(kBytes) - 1)];
    names.push_back(name);
  }
  for (const std::string& name : names) {
    const std::string general = name + kSoftHyphen;
    EXPECT_EQ(NameWords(name), NameWords(general)) << name;
    EXPECT_EQ(NameWords(name), NameWords(kSoftHyphen + name)) << name;
    std::vector<std::pair<std::string, double>> ascii_hits;
    std::vector<std::pair<std::string, double>> general_hits;
    for (const WatchlistHit& hit : index->Match(WithConsignor(name, ""))) {
      ascii_hits.emplace_back(hit.entry_id, hit.similarity);
    }
    for (const WatchlistHit& hit : index->Match(WithConsignor(general, ""))) {
      general_hits.emplace_back(hit.entry_id, hit.similarity);
    }
    EXPECT_EQ(ascii_hits, general_hits) << name;
  }
  EXPECT_EQ(NameWords("Shenzhen Bright Trading Co., Ltd."),
            (std::vector<std::string>{"shenzhen", "bright", "trading"}));
}

bool SameHit(const WatchlistHit& a, const WatchlistHit& b) {
  return a.entry_id == b.entry_id && a.listed_name == b.listed_name && a.party == b.party &&
         a.found == b.found && a.similarity == b.similarity && a.weight == b.weight;
}

// MatchBatch looks the parties of a batch up several at a time, ahead of
// the one it finishes, and remembers unlisted names per thread in two
// eight-way tables (8,192 short names, 1,024 long ones). Whatever the batch
// size, and whether names repeat (found remembered), crowd those tables
// (more names than ways in a set, more long names than slots), are listed
// (never remembered), empty, not ASCII, long or too long to be remembered,
// it gives the hits of Match one declaration at a time, in the same order.
TEST(WatchlistIndexTest, BatchesGiveTheHitsOfOneDeclarationAtATime) {
  NameGenerator generator(20261122);
  std::vector<WatchlistEntry> entries;
  for (int i = 0; i < 2000; ++i) {
    entries.push_back(Entry("wle_" + std::to_string(i), generator.Name(), i % 3 == 0 ? "CN" : ""));
  }
  const std::vector<WatchlistEntry> listed = entries;
  auto index = MustBuild(std::move(entries));
  ASSERT_NE(index, nullptr);

  // 12,000 unlisted names (more than the short names' slots), 2,000 of them
  // long (more than the long names' slots), drawn with repetition, listed
  // names and their typos, odd ones.
  std::vector<std::string> unlisted;
  for (int i = 0; i < 12000; ++i) {
    unlisted.push_back(i % 6 == 5 ? std::string(60 + i % 50, 'y') + " " + generator.Name()
                                  : generator.Name());
  }
  auto party_name = [&](size_t draw) -> std::string {
    switch (draw % 10) {
      case 0:
        return listed[generator.Below(listed.size())].name;
      case 1:
        return generator.WithTypo(listed[generator.Below(listed.size())].name);
      case 2:
        return draw % 20 == 2 ? "" : "Bright Ünïcode Trading Ltd";
      case 3:
        return std::string(150, 'x') + " " + listed[generator.Below(listed.size())].name;
      case 4:
        return "Hafen Zoll Service GmbH";
      default:
        return unlisted[generator.Below(draw % 2 == 0 ? 50 : unlisted.size())];
    }
  };
  static const char* kCountries[] = {"CN", "DE", ""};
  std::vector<Declaration> declarations(3000);
  for (size_t i = 0; i < declarations.size(); ++i) {
    Declaration& declaration = declarations[i];
    declaration.id = "D" + std::to_string(i);
    declaration.consignor = {party_name(generator.Below(1000)), "", kCountries[i % 3]};
    declaration.consignee = {party_name(generator.Below(1000)), "", kCountries[(i / 3) % 3]};
    declaration.declarant = {party_name(generator.Below(1000)), "", ""};
  }

  // Expected: one declaration at a time, on another thread (its own table).
  std::vector<std::vector<WatchlistHit>> expected(declarations.size());
  std::thread([&] {
    for (size_t i = 0; i < declarations.size(); ++i) expected[i] = index->Match(declarations[i]);
  }).join();
  size_t expected_hits = 0;
  std::set<std::string> roles;
  for (const auto& hits : expected) {
    expected_hits += hits.size();
    for (const WatchlistHit& hit : hits) roles.insert(hit.party);
  }
  ASSERT_GT(expected_hits, 500u);
  EXPECT_EQ(roles, (std::set<std::string>{"consignor", "consignee", "declarant"}));

  std::vector<const Declaration*> pointers;
  for (const Declaration& declaration : declarations) pointers.push_back(&declaration);
  for (size_t batch_size : {1, 2, 5, 7, 64, 256, 1024, 3000}) {
    std::vector<WatchlistBatchHit> hits;
    for (size_t first = 0; first < pointers.size(); first += batch_size) {
      const size_t count = std::min(batch_size, pointers.size() - first);
      const size_t before = hits.size();
      index->MatchBatch(std::span(pointers).subspan(first, count), hits);
      for (size_t h = before; h < hits.size(); ++h) hits[h].declaration += first;
    }
    ASSERT_EQ(hits.size(), expected_hits) << "batch size " << batch_size;
    size_t next = 0;
    for (size_t i = 0; i < declarations.size(); ++i) {
      for (const WatchlistHit& hit : expected[i]) {
        ASSERT_EQ(hits[next].declaration, i) << "batch size " << batch_size;
        EXPECT_TRUE(SameHit(hits[next].hit, hit))
            << "batch size " << batch_size << ", declaration " << i << ": "
            << hits[next].hit.entry_id << " for " << hit.entry_id;
        ++next;
      }
    }
  }
  // Hits are appended to what the vector holds; an empty batch adds none.
  std::vector<WatchlistBatchHit> hits(1);
  index->MatchBatch({}, hits);
  EXPECT_EQ(hits.size(), 1u);
}

}  // namespace
}  // namespace cordon
