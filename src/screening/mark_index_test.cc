#include "screening/mark_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <random>
#include <set>
#include <thread>
#include <tuple>

#include "rights/rights.h"
#include "screening/embedded_data.h"
#include "screening/mark_index_reference.h"
#include "screening/text_normalise.h"

namespace cordon {
namespace {

// The brute-force reading of the rules, shared with fuzz/mark_index_fuzz.cc.
using mark_index_reference::BruteForceMatcher;
using mark_index_reference::HitTuple;
using mark_index_reference::Show;
using mark_index_reference::Tuples;

std::vector<IndexedApplication> DemoApplications() {
  std::vector<IndexedApplication> applications;
  applications.push_back(IndexedApplication{
      "app-zentra",
      {{"ZENTRA", 0, {25, 28}}, {"ZENTRA AIR RUNNER", 0, {25, 28}}, {"ZX-PRO", 1, {25}}},
      {"6402", "6403", "6404", "6109", "9506"},
      {{"Zentra Logistics B.V.", "NL"}, {"Sporthaus Nord GmbH", "DE"}}});
  applications.push_back(
      IndexedApplication{"app-lumio",
                         {{"LUMIO", 0, {9}}, {"LUMIO POWERCELL", 0, {9}}, {"LUMIOBEAM", 0, {9}}},
                         {"8504", "8507", "8517", "8518"},
                         {{"Lumio Distribution GmbH", "DE"}}});
  applications.push_back(IndexedApplication{
      "app-velocita", {{"VELOCITA", 0, {12, 9}}, {"VLC RACING", 0, {12}}}, {"8714", "6506"}, {}});
  applications.push_back(IndexedApplication{
      "app-hanfeng", {{"HANFENG", 0, {7, 8}}, {"IRONCLAW", 0, {7, 8}}}, {"8203", "8467"}, {}});
  applications.push_back(
      IndexedApplication{"app-kestrel", {{"KESTRELIN", 0, {5}}, {"ORAVEX", 0, {5}}}, {"3004"}, {}});
  applications.push_back(IndexedApplication{"app-nordvik",
                                            {{"NORDVIK", 0, {22, 25}}, {"FJELLTOPP", 0, {25}}},
                                            {"6201", "6202", "6306"},
                                            {{"Nordvik Retail GmbH", "DE"}}});
  applications.push_back(IndexedApplication{"app-short", {{"KIVO", 0, {25}}}, {"6109"}, {}});
  // A second administration's application for the same mark.
  applications.push_back(IndexedApplication{"app-zentra-cn", {{"ZENTRA", 0, {25}}}, {"64"}, {}});
  return applications;
}

class MarkIndexTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto built = MarkIndex::Build(DemoApplications());
    ASSERT_TRUE(built.ok()) << built.error().ToString();
    index_ = new std::shared_ptr<const MarkIndex>(std::move(built).value());
  }
  static void TearDownTestSuite() {
    delete index_;
    index_ = nullptr;
  }

  std::vector<MarkHit> Match(std::string_view description, std::string_view hs = "640411",
                             PartyRef consignor = {}, PartyRef consignee = {}) {
    if (!scratch_) {
      auto scratch = (*index_)->NewScratch();
      EXPECT_TRUE(scratch.ok());
      scratch_.emplace(std::move(scratch).value());
    }
    return (*index_)->Match(description, hs, consignor, consignee, *scratch_);
  }

  // The hits of one application.
  std::vector<MarkHit> HitsOf(const std::vector<MarkHit>& hits, const std::string& application) {
    std::vector<MarkHit> selected;
    for (const MarkHit& hit : hits) {
      if (hit.application_id == application) selected.push_back(hit);
    }
    return selected;
  }

  static std::shared_ptr<const MarkIndex>* index_;
  std::optional<MarkIndex::Scratch> scratch_;
};

std::shared_ptr<const MarkIndex>* MarkIndexTest::index_ = nullptr;

TEST_F(MarkIndexTest, FindsAnExactMarkAndQuotesIt) {
  const auto hits = HitsOf(Match("sport shoes ZENTRA men"), "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].mark, "ZENTRA");
  EXPECT_EQ(hits[0].found, "ZENTRA");
  EXPECT_EQ(hits[0].found_begin, 12u);
  EXPECT_EQ(hits[0].found_end, 18u);
  EXPECT_EQ(hits[0].distance, 0);
  EXPECT_EQ(hits[0].relevance, Relevance::kListedGoods);
  EXPECT_FALSE(hits[0].authorised);
}

TEST_F(MarkIndexTest, ReportsEveryApplicationOfTheMark) {
  const auto hits = Match("ZENTRA");
  ASSERT_EQ(hits.size(), 2u);
  EXPECT_EQ(hits[0].application_id, "app-zentra");
  EXPECT_EQ(hits[1].application_id, "app-zentra-cn");
}

TEST_F(MarkIndexTest, EachDisguiseIsFound) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"case", "sport shoes zEnTrA"},
      {"accent", "sport shoes ZÉNTRÂ"},
      {"cyrillic", "sport shoes ZЕNТRА"},
      {"greek", "sport shoes ΖΕΝΤRΑ"},
      {"digits", "sport shoes Z3NTRA"},
      {"dots", "sport shoes Z.E.N.T.R.A"},
      {"spaces", "sport shoes Z E N T R A"},
      {"hyphens", "sport shoes Z-E-N-T-R-A"},
      {"zero width", "sport shoes ZEN\xE2\x80\x8BTRA"},
      {"full width", "sport shoes ＺＥＮＴＲＡ"},
      {"symbol", "sport shoes ZENTRA®"},
  };
  for (const auto& [name, description] : cases) {
    const auto hits = HitsOf(Match(description), "app-zentra");
    ASSERT_EQ(hits.size(), 1u) << name;
    EXPECT_EQ(hits[0].mark, "ZENTRA") << name;
    EXPECT_EQ(hits[0].distance, 0) << name;
    EXPECT_EQ(description.substr(hits[0].found_begin, hits[0].found_end - hits[0].found_begin),
              hits[0].found)
        << name;
    EXPECT_EQ(hits[0].found_begin, 12u) << name;
  }
  const auto symbol = HitsOf(Match("sport shoes ZENTRA®"), "app-zentra");
  EXPECT_EQ(symbol[0].found, "ZENTRA");
  const auto dots = HitsOf(Match("sport shoes Z.E.N.T.R.A"), "app-zentra");
  EXPECT_EQ(dots[0].found, "Z.E.N.T.R.A");
}

TEST_F(MarkIndexTest, TypingVariantsWithinTheLimits) {
  // 6 letters: one edit.
  auto hits = HitsOf(Match("ZENTRAS trainers"), "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].distance, 1);
  EXPECT_EQ(hits[0].found, "ZENTRAS");
  EXPECT_EQ(HitsOf(Match("ZENTA trainers"), "app-zentra").size(), 1u);
  EXPECT_EQ(HitsOf(Match("XENTRA trainers"), "app-zentra").size(), 1u);
  EXPECT_EQ(HitsOf(Match("ZEN TRA trainers"), "app-zentra").size(), 1u);
  EXPECT_TRUE(HitsOf(Match("XENTRAS trainers"), "app-zentra").empty());  // two edits
  // A swap of neighbours is two edits.
  EXPECT_TRUE(HitsOf(Match("ZETNRA trainers"), "app-zentra").empty());
  // 9 letters: two edits.
  hits = HitsOf(Match("KESTRELLINE tablets", "300490"), "app-kestrel");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].distance, 2);
  EXPECT_TRUE(HitsOf(Match("KASTRALLINE tablets", "300490"), "app-kestrel").empty());
  // Multi-word marks, 15 letters: two edits.
  hits = HitsOf(Match("ZENTRA AIRE RUNNERS"), "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].mark, "ZENTRA AIR RUNNER");
  EXPECT_EQ(hits[0].distance, 2);
}

TEST_F(MarkIndexTest, ShortMarksAreExactOnly) {
  EXPECT_EQ(HitsOf(Match("t-shirt KIVO cotton", "610910"), "app-short").size(), 1u);
  EXPECT_EQ(HitsOf(Match("t-shirt K1VO cotton", "610910"), "app-short").size(), 1u);
  EXPECT_TRUE(HitsOf(Match("t-shirt KIVA cotton", "610910"), "app-short").empty());
  EXPECT_TRUE(HitsOf(Match("t-shirt KIVOS cotton", "610910"), "app-short").empty());
  EXPECT_TRUE(HitsOf(Match("t-shirt KIVOTEX cotton", "610910"), "app-short").empty());
}

TEST_F(MarkIndexTest, MatchesWholeWordsOnly) {
  EXPECT_TRUE(HitsOf(Match("KAZENTRAL heating unit"), "app-zentra").empty());
  EXPECT_TRUE(HitsOf(Match("ZENTRALHEIZUNG"), "app-zentra").empty());
  // LUMIOBEAM is its own mark, not LUMIO inside a longer word.
  const auto hits = Match("torch LUMIOBEAM 2000", "851310");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].mark, "LUMIOBEAM");
}

TEST_F(MarkIndexTest, LongerMarkOfTheSameApplicationWins) {
  const auto hits = HitsOf(Match("sport shoes ZENTRA air runner"), "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].mark, "ZENTRA AIR RUNNER");
  EXPECT_EQ(hits[0].found, "ZENTRA air runner");
  // The shorter mark elsewhere in the text is still reported.
  const auto both = HitsOf(Match("ZENTRA air runner and ZENTRA socks"), "app-zentra");
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[0].mark, "ZENTRA AIR RUNNER");
  EXPECT_EQ(both[1].mark, "ZENTRA");
  EXPECT_EQ(both[1].found_begin, 22u);
}

// Regression: a fuzzy span of the same mark that reaches into the next word
// ("ZENTRA t" of "ZENTRA t-shirts") must not hide the exact occurrence.
TEST_F(MarkIndexTest, ExactOccurrenceWinsOverAFuzzySpanOfTheSameMark) {
  const auto hits = HitsOf(Match("KESTRELIN t-shirts", "300490"), "app-kestrel");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].found, "KESTRELIN");
  EXPECT_EQ(hits[0].distance, 0);
}

// Regression: random case that looks like camel case ("HanFeng") splits the
// word, but the split space is free when measuring the distance.
TEST_F(MarkIndexTest, CamelCaseSplitCostsNothing) {
  auto hits = HitsOf(Match("HanFeng pliers", "820320"), "app-hanfeng");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].distance, 0);
  hits = HitsOf(Match("ZentraAirRunner shoes"), "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].mark, "ZENTRA AIR RUNNER");
  EXPECT_EQ(hits[0].distance, 0);
}

TEST_F(MarkIndexTest, GenericWordsDoNotCountAsTypingVariants) {
  EXPECT_TRUE(Match("velocity sensor for bicycles", "871495").empty());
  EXPECT_TRUE(Match("ironclad storage box", "820300").empty());
  EXPECT_TRUE(Match("kestrel figurine", "300490").empty());
  // An exact mark is never dropped.
  EXPECT_EQ(Match("VELOCITA helmet", "650610").size(), 1u);
  // A non-word variant is still a hit.
  EXPECT_EQ(Match("VELOCITTA helmet", "650610").size(), 1u);
}

TEST_F(MarkIndexTest, RelevanceFollowsGoodsAndNiceClasses) {
  auto hits = Match("LUMIO charger 20W", "850440");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].relevance, Relevance::kListedGoods);
  hits = Match("LUMIO laptop", "847130");  // class 9 covers chapter 84
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].relevance, Relevance::kClassRelated);
  hits = Match("lumio scented candles", "340600");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].relevance, Relevance::kUnrelated);
  EXPECT_STREQ(RelevanceName(hits[0].relevance), "unrelated");
  hits = Match("LUMIO", "85");  // shorter item code: prefix of a listed heading
  EXPECT_EQ(hits[0].relevance, Relevance::kListedGoods);
  hits = Match("LUMIO", "");  // unknown HS: nothing shows the goods unrelated
  EXPECT_EQ(hits[0].relevance, Relevance::kClassRelated);
  hits = Match("LUMIO", "8504.40.30");  // punctuation in the code is ignored
  EXPECT_EQ(hits[0].relevance, Relevance::kListedGoods);
}

TEST_F(MarkIndexTest, AuthorisedPartiesByNameWithoutLegalFormAndCountry) {
  auto hits =
      HitsOf(Match("ZENTRA shoes", "640411", {"Factory X", "CN"}, {"ZENTRA LOGISTICS BV", "NL"}),
             "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_TRUE(hits[0].authorised);
  hits = HitsOf(Match("ZENTRA shoes", "640411", {"Sporthaus Nord", "de"}, {}), "app-zentra");
  EXPECT_TRUE(hits[0].authorised);
  // Same name, other country: not authorised.
  hits = HitsOf(Match("ZENTRA shoes", "640411", {}, {"Zentra Logistics B.V.", "DE"}), "app-zentra");
  EXPECT_FALSE(hits[0].authorised);
  // Another company.
  hits = HitsOf(Match("ZENTRA shoes", "640411", {"Zentra Logistix B.V.", "NL"}, {}), "app-zentra");
  EXPECT_FALSE(hits[0].authorised);
  // Authorisation is per application.
  hits =
      HitsOf(Match("ZENTRA shoes", "640411", {}, {"Zentra Logistics B.V.", "NL"}), "app-zentra-cn");
  EXPECT_FALSE(hits[0].authorised);
}

// The index skips normalising a party name whose letters and digits cannot
// make the authorised party's key; whatever the spelling, a party is
// authorised exactly when NormalisePartyName gives the same key.
TEST_F(MarkIndexTest, AuthorisedExactlyWhenPartyKeysAreEqual) {
  const std::string authorised_key = NormalisePartyName("Zentra Logistics B.V.");
  const std::vector<std::string> names = {
      "Zentra Logistics B.V.",
      "ZENTRA LOGISTICS BV",
      "zentra-logistics, b.v.",
      "Zentra Lógistics BV",                     // accent removed
      "\xEF\xBC\xBA\xEF\xBC\xA5NTRA Logistics",  // fullwidth Z, E (NFKC)
      "Zentra Logistic BV",
      "Zentra Logitics BV",           // a letter missing
      "Zentra Logistics Trading BV",  // more letters
      "Logistics Zentra BV",
      "Zentra Logistics 2 BV",
      "ZentraLogistics",
      "BV",
      ""};
  for (const std::string& name : names) {
    const bool expected = !name.empty() && NormalisePartyName(name) == authorised_key;
    auto hits = HitsOf(Match("ZENTRA shoes", "640411", {}, {name, "NL"}), "app-zentra");
    ASSERT_EQ(hits.size(), 1u) << name;
    EXPECT_EQ(hits[0].authorised, expected) << name;
    hits =
        HitsOf(Match("ZENTRA shoes", "640411", {name, "nl"}, {"Other GmbH", "NL"}), "app-zentra");
    ASSERT_EQ(hits.size(), 1u) << name;
    EXPECT_EQ(hits[0].authorised, expected) << name;
  }
  EXPECT_TRUE(
      HitsOf(Match("ZENTRA shoes", "640411", {}, {"Zentra Lógistics BV", "NL"}), "app-zentra")[0]
          .authorised);
}

TEST_F(MarkIndexTest, ArbitraryBytesNeverFail) {
  const std::string bytes("\xFF\xFE\x00ZENTRA\x80\xC3", 11);
  const auto hits = HitsOf(Match(bytes), "app-zentra");
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].found, "ZENTRA");
  EXPECT_TRUE(Match("").empty());
  EXPECT_TRUE(Match(std::string(10000, 'z')).empty());
}

TEST(MarkIndex, EmptyIndexMatchesNothing) {
  auto index = MarkIndex::Build({});
  ASSERT_TRUE(index.ok());
  auto scratch = (*index)->NewScratch();
  ASSERT_TRUE(scratch.ok());
  EXPECT_TRUE((*index)->Match("ZENTRA", "6404", {}, {}, *scratch).empty());
  EXPECT_EQ((*index)->mark_count(), 0u);
}

TEST(MarkIndex, BadInputNamesEveryField) {
  std::vector<IndexedApplication> applications = {
      {"a", {{"™", 0, {25}}, {"OK", 0, {46}}}, {"64x"}, {}}};
  auto index = MarkIndex::Build(applications);
  ASSERT_FALSE(index.ok());
  EXPECT_EQ(index.error().code(), ErrorCode::kInvalidInput);
  std::vector<std::string> fields;
  for (const FieldError& field : index.error().fields()) fields.push_back(field.field);
  EXPECT_EQ(fields, (std::vector<std::string>{"applications[0].goods_hs[0]",
                                              "applications[0].marks[0].text",
                                              "applications[0].marks[1].nice_classes[0]"}));
  MarkIndexOptions options;
  options.nice_hs_path = "/nonexistent.json";
  EXPECT_EQ(MarkIndex::Build({}, options).error().code(), ErrorCode::kNotFound);
  options = {};
  options.fuzzy_engine = FuzzyEngine::kHyperscanEditDistance;
  options.max_edit_distance_marks = 3;
  EXPECT_EQ(MarkIndex::Build(DemoApplications(), options).error().code(), ErrorCode::kInvalidInput);
}

// Hyperscan's own edit-distance matching is the oracle for the pigeonhole
// engine: on the same marks both must give the same hits.
TEST(MarkIndex, PigeonholeAgreesWithHyperscanEditDistance) {
  MarkIndexOptions options;
  options.fuzzy_engine = FuzzyEngine::kHyperscanEditDistance;
  auto oracle = MarkIndex::Build(DemoApplications(), options);
  ASSERT_TRUE(oracle.ok()) << oracle.error().ToString();
  auto index = MarkIndex::Build(DemoApplications());
  ASSERT_TRUE(index.ok());
  auto oracle_scratch = (*oracle)->NewScratch();
  auto scratch = (*index)->NewScratch();
  ASSERT_TRUE(oracle_scratch.ok() && scratch.ok());
  const std::vector<std::string> descriptions = {"ZENTRAS",
                                                 "ZENTA",
                                                 "XENTRA",
                                                 "ZEN TRA",
                                                 "Z ENTRA",
                                                 "ZENTRAA AIR RUNNER",
                                                 "ZENTR AIR RUNNR",
                                                 "ZENTRAAIR RUNNER",
                                                 "LUMIOO",
                                                 "LUMO",
                                                 "LUMIO BEAM",
                                                 "LUMIOBEEM",
                                                 "LUMIO POWER CELL",
                                                 "LUMIO POWERCEL",
                                                 "VELOCIT",
                                                 "VELOCITTA",
                                                 "VLC RACNG",
                                                 "VLCRACING",
                                                 "HANFENGG",
                                                 "HANGFENG",
                                                 "IRONCLAWS",
                                                 "IRON CLAW",
                                                 "KESTRELLINE",
                                                 "KESTREL IN",
                                                 "ORAVEXX",
                                                 "ORAVIX",
                                                 "NORDVIK",
                                                 "NORDVIKK",
                                                 "FJELTOP",
                                                 "FJELL TOPP",
                                                 "ZX PRO",
                                                 "ZXPRO",
                                                 "ZX-PROO",
                                                 "random words only",
                                                 "KIVO",
                                                 "KIV0",
                                                 "sport KAZENTRAL",
                                                 "a b c d e f g"};
  for (const std::string& description : descriptions) {
    const auto expected = (*oracle)->Match(description, "6404", {}, {}, *oracle_scratch);
    const auto actual = (*index)->Match(description, "6404", {}, {}, *scratch);
    ASSERT_EQ(actual.size(), expected.size()) << description;
    for (size_t i = 0; i < actual.size(); ++i) {
      EXPECT_EQ(actual[i].mark, expected[i].mark) << description;
      EXPECT_EQ(actual[i].application_id, expected[i].application_id) << description;
      EXPECT_EQ(actual[i].found, expected[i].found) << description;
      EXPECT_EQ(actual[i].distance, expected[i].distance) << description;
    }
  }
}

// ---------------------------------------------------------------------------
// Differential tests: the fast engine against a brute-force reference that
// follows the header's rules literally (every word-aligned span against
// every key with a full Levenshtein table), on random, deliberately crowded
// registers. Speed work on the index must never drop or add a hit.

// Random registers crowded on purpose (a small alphabet, so many marks are
// within an edit or two of each other and of the text), and descriptions
// made of mutated marks, camel case, separators and generic words.
class RandomCase {
 public:
  explicit RandomCase(uint64_t seed) : rng_(seed) {}

  size_t Uniform(size_t n) { return std::uniform_int_distribution<size_t>(0, n - 1)(rng_); }
  bool Chance(double p) { return std::uniform_real_distribution<double>(0, 1)(rng_) < p; }

  std::string Word(size_t min_size, size_t max_size) {
    static const std::string kLetters = "aeiknorstz";
    std::string word;
    const size_t size = min_size + Uniform(max_size - min_size + 1);
    for (size_t i = 0; i < size; ++i) word.push_back(kLetters[Uniform(kLetters.size())]);
    return word;
  }

  std::string Mark() {
    switch (Uniform(8)) {
      case 0:
        return Word(2, 4);  // exact only
      case 1:
      case 2:
        return Word(5, 8);  // one edit
      case 3:
      case 4:
        return Word(9, 13);  // two edits
      case 5:
        return Word(2, 6) + " " + Word(2, 7);
      case 6:
        return Word(3, 5) + " " + Word(1, 3) + " " + Word(3, 6);
      default:
        return Word(3, 6) + "\xD0\xB4";  // a Cyrillic letter: exact only
    }
  }

  std::vector<IndexedApplication> Applications(size_t count) {
    std::vector<IndexedApplication> applications;
    std::vector<std::string> marks;
    for (size_t a = 0; a < count; ++a) {
      IndexedApplication application;
      application.id = "app-" + std::to_string(a);
      const size_t mark_count = 1 + Uniform(3);
      for (size_t m = 0; m < mark_count; ++m) {
        std::string mark;
        if (!marks.empty() && Chance(0.3)) {
          mark = Mutate(marks[Uniform(marks.size())], 1 + Uniform(2));  // a near neighbour
        } else if (!marks.empty() && Chance(0.1)) {
          mark = marks[Uniform(marks.size())];  // the same mark in another application
        } else {
          mark = Mark();
        }
        if (NormaliseForMatching(mark).text.empty()) mark = Word(5, 8);
        marks.push_back(mark);
        application.marks.push_back(RecordedMark{Upper(mark), static_cast<int>(m), {25}});
      }
      applications.push_back(std::move(application));
    }
    return applications;
  }

  // `edits` random insertions, deletions or substitutions (spaces included).
  std::string Mutate(std::string text, size_t edits) {
    static const std::string kAlphabet = "aeiknorstz ";
    for (size_t e = 0; e < edits; ++e) {
      const size_t kind = Uniform(3);
      if (kind == 0 || text.empty()) {
        text.insert(text.begin() + static_cast<long>(Uniform(text.size() + 1)),
                    kAlphabet[Uniform(kAlphabet.size())]);
      } else if (kind == 1) {
        text.erase(Uniform(text.size()), 1);
      } else {
        text[Uniform(text.size())] = kAlphabet[Uniform(kAlphabet.size())];
      }
    }
    return text;
  }

  static std::string Upper(std::string text) {
    for (char& c : text) {
      if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    }
    return text;
  }

  // Camel case: "zentrarun" -> "ZenTrarun"-like mixes that split words.
  std::string Camel(std::string text) {
    for (size_t i = 0; i < text.size(); ++i) {
      if (text[i] >= 'a' && text[i] <= 'z' && (i == 0 || Chance(0.25))) {
        text[i] = static_cast<char>(text[i] - 'a' + 'A');
      }
    }
    return text;
  }

  std::string Description(const std::vector<IndexedApplication>& applications) {
    static const std::vector<std::string> kFiller = {
        "shoes", "cotton", "for", "men", "t-shirts", "set of 3", "size 42", "velocity", "kestrel",
        "storm", "iron",   "ka",  "z",   "n",        "sport",    "star",    "tiger",    "zone"};
    std::string text;
    const size_t parts = 1 + Uniform(4);
    for (size_t p = 0; p < parts; ++p) {
      if (!text.empty()) text += Chance(0.8) ? " " : (Chance(0.5) ? ", " : "-");
      if (Chance(0.55)) {
        const IndexedApplication& application = applications[Uniform(applications.size())];
        std::string mark = application.marks[Uniform(application.marks.size())].text;
        for (char& c : mark) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        mark = Mutate(mark, Chance(0.4) ? 0 : 1 + Uniform(3));
        if (Chance(0.3)) mark = Camel(mark);
        if (Chance(0.1)) mark = Upper(mark);
        if (Chance(0.05) && mark.size() >= 3) {  // separators inside the word
          std::string dotted;
          for (char c : mark) {
            if (!dotted.empty()) dotted.push_back('.');
            dotted.push_back(c);
          }
          mark = dotted;
        }
        text += mark;
      } else if (Chance(0.5)) {
        text += kFiller[Uniform(kFiller.size())];
      } else {
        text += Chance(0.3) ? Camel(Word(3, 12)) : Word(1, 12);
      }
    }
    return text;
  }

 private:
  std::mt19937_64 rng_;
};

TEST(MarkIndexDifferential, DeletionIndexAgreesWithBruteForceOnRandomRegisters) {
  size_t descriptions_checked = 0;
  size_t hits_checked = 0;
  size_t typing_variants = 0;
  size_t camel_case = 0;
  for (uint64_t seed = 1; seed <= 24; ++seed) {
    RandomCase random(seed);
    const auto applications = random.Applications(8 + random.Uniform(40));
    MarkIndexOptions options;
    options.drop_generic_variants = seed % 5 != 0;
    if (seed % 3 == 0) options.extra_generic_words = {"zone", "star", "tiger"};
    // The span cache on, tiny (constant eviction) and off.
    options.span_cache_entries = seed % 3 == 1 ? 4096 : seed % 3 == 2 ? 16 : 0;
    // The cache of descriptions without hits likewise, independently.
    options.description_cache_entries = seed % 4 == 0 ? 4096 : seed % 4 == 1 ? 16 : 0;
    auto built = MarkIndex::Build(applications, options);
    ASSERT_TRUE(built.ok()) << built.error().ToString();
    auto scratch = (*built)->NewScratch();
    ASSERT_TRUE(scratch.ok());
    const BruteForceMatcher reference(applications, options);
    for (int d = 0; d < 150; ++d) {
      const std::string description = random.Description(applications);
      const auto expected = reference.Match(description);
      // Three times: a span (or a description without hits) is stored in
      // its cache the second time it is missed, so the third match reads
      // it from there.
      for (int pass = 0; pass < 3; ++pass) {
        const auto actual = Tuples((*built)->Match(description, "", {}, {}, *scratch));
        ASSERT_EQ(actual, expected)
            << "seed " << seed << ", pass " << pass << ", description \"" << description
            << "\"\n  engine:    " << Show(actual) << "\n  reference: " << Show(expected);
      }
      ++descriptions_checked;
      hits_checked += expected.size();
      for (const HitTuple& hit : expected) typing_variants += std::get<4>(hit) > 0 ? 1 : 0;
      camel_case += description != RandomCase::Upper(description) &&
                            NormaliseForMatching(description).text.size() >
                                NormaliseForMatching(RandomCase::Upper(description)).text.size()
                        ? 1
                        : 0;
    }
  }
  // The generator must exercise what it is meant to.
  EXPECT_GT(hits_checked, descriptions_checked / 2);
  EXPECT_GT(typing_variants, hits_checked / 5);
  EXPECT_GT(camel_case, descriptions_checked / 20);
  std::printf("  %zu descriptions, %zu hits (%zu typing variants, %zu with camel case)\n",
              descriptions_checked, hits_checked, typing_variants, camel_case);
}

// Typing variants at the ends of a mark, where deletion variants lose their
// first or last bytes (deleted, substituted, added, swapped, a space put in,
// alone and in pairs), agree with the brute-force reading.
TEST(MarkIndexDifferential, EditsAtTheEndsOfMarksAgreeWithBruteForce) {
  size_t checked = 0;
  size_t hits = 0;
  for (uint64_t seed = 201; seed <= 201; ++seed) {
    RandomCase random(seed);
    const auto applications = random.Applications(20);
    auto built = MarkIndex::Build(applications);
    ASSERT_TRUE(built.ok()) << built.error().ToString();
    auto scratch = (*built)->NewScratch();
    ASSERT_TRUE(scratch.ok());
    const BruteForceMatcher reference(applications, MarkIndexOptions{});
    for (const IndexedApplication& application : applications) {
      for (const RecordedMark& recorded : application.marks) {
        const std::string mark = recorded.text;
        if (mark.size() < 9) continue;
        const size_t n = mark.size();
        const std::vector<std::string> variants = {
            mark.substr(1),                                          // first byte deleted
            mark.substr(0, n - 1),                                   // last byte deleted
            mark.substr(1, n - 2),                                   // both ends
            mark.substr(2),                                          // the first two
            mark.substr(0, n - 2),                                   // the last two
            "X" + mark.substr(1),                                    // first substituted
            mark.substr(0, n - 1) + "Q",                             // last substituted
            "K" + mark + "S",                                        // a byte added at each end
            mark.substr(1, 1) + mark.substr(0, 1) + mark.substr(2),  // first two swapped
            mark.substr(0, 1) + " " + mark.substr(1),                // a space after the first byte
            mark.substr(0, n - 1) + " " + mark.substr(n - 1),        // before the last
        };
        for (const std::string& variant : variants) {
          for (const std::string& description :
               {variant, "shoes " + variant + " model 12", "set " + variant}) {
            const auto expected = reference.Match(description);
            ASSERT_EQ(Tuples((*built)->Match(description, "", {}, {}, *scratch)), expected)
                << "seed " << seed << ", description \"" << description << "\"";
            ++checked;
            hits += expected.size();
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 100u);
  EXPECT_GT(hits, checked / 2);
}

// Spans with more spaces than any key of a limit plus that limit are not
// probed for keys of that limit (an edit adds or removes at most one space).
// Marks with no space and with one, of both limits, with spaces put in
// everywhere, once, twice and three times, and camel case read as absent:
// the same hits as the brute-force reading, including those at the edge.
TEST(MarkIndexDifferential, SpacesPutIntoMarksAgreeWithBruteForce) {
  const std::vector<IndexedApplication> applications = {
      {"app-1", {{"ZENTRAL AIRWAY", 0, {25}}, {"KORVEXA", 0, {25}}}, {}, {}},
      {"app-2", {{"LUMIO BAR", 0, {25}}, {"STORMWINDER", 0, {25}}}, {}, {}}};
  auto built = MarkIndex::Build(applications);
  ASSERT_TRUE(built.ok()) << built.error().ToString();
  auto scratch = (*built)->NewScratch();
  ASSERT_TRUE(scratch.ok());
  const BruteForceMatcher reference(applications, MarkIndexOptions{});
  size_t checked = 0;
  size_t hits = 0;
  size_t edge_hits = 0;  // a span with max_spaces + limit spaces
  for (const IndexedApplication& application : applications) {
    for (const RecordedMark& recorded : application.marks) {
      const std::string mark = recorded.text;
      std::vector<std::string> variants;
      for (size_t a = 1; a < mark.size(); ++a) {
        variants.push_back(mark.substr(0, a) + " " + mark.substr(a));
        for (size_t b = a + 1; b < mark.size(); ++b) {
          const std::string two =
              mark.substr(0, a) + " " + mark.substr(a, b - a) + " " + mark.substr(b);
          variants.push_back(two);
          variants.push_back(two.substr(0, 1) + " " + two.substr(1));
        }
        // Camel case: "ZentralAirway"-like, its boundaries read as absent.
        std::string camel = mark;
        for (size_t i = 1; i < camel.size(); ++i) {
          if (i != a && camel[i] >= 'A' && camel[i] <= 'Z')
            camel[i] = static_cast<char>(camel[i] + 32);
        }
        variants.push_back(camel);
      }
      for (const std::string& variant : variants) {
        for (const std::string& description : {variant, "sport " + variant + " model 3"}) {
          const auto expected = reference.Match(description);
          ASSERT_EQ(Tuples((*built)->Match(description, "", {}, {}, *scratch)), expected)
              << "description \"" << description << "\"";
          ++checked;
          hits += expected.size();
          for (const HitTuple& hit : expected) {
            const std::string found =
                description.substr(std::get<2>(hit), std::get<3>(hit) - std::get<2>(hit));
            if (std::count(found.begin(), found.end(), ' ') == 3) ++edge_hits;
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 500u);
  EXPECT_GT(hits, checked / 2);
  EXPECT_GT(edge_hits, 0u);
}

// A span's spaces are either all edits (then the span without them is
// probed, and the tables hold only residues without spaces) or one of them,
// any one, stands for a space of the mark. Marks of one and two spaces, of
// both limits: each space of the mark deleted or replaced by a letter, with
// a space put in anywhere else, or two spaces put in, alone and between
// other words, give the brute-force reading's hits.
TEST(MarkIndexDifferential, SpacesOfMarksMovedAgreeWithBruteForce) {
  const std::vector<IndexedApplication> applications = {
      {"app-1", {{"ZENTRA AIR RUNNER", 0, {25}}, {"KORVEX ONE", 0, {25}}}, {}, {}},
      {"app-2", {{"LUMIO BAR", 0, {25}}, {"TRAK SO VELO", 0, {25}}}, {}, {}}};
  auto built = MarkIndex::Build(applications);
  ASSERT_TRUE(built.ok()) << built.error().ToString();
  auto scratch = (*built)->NewScratch();
  ASSERT_TRUE(scratch.ok());
  const BruteForceMatcher reference(applications, MarkIndexOptions{});
  size_t checked = 0;
  size_t hits = 0;
  size_t moved = 0;  // hits on a variant with a mark's space gone and one put in elsewhere
  for (const IndexedApplication& application : applications) {
    for (const RecordedMark& recorded : application.marks) {
      const std::string mark = recorded.text;
      for (size_t space = 0; space < mark.size(); ++space) {
        if (mark[space] != ' ') continue;
        for (const std::string& gone : {mark.substr(0, space) + mark.substr(space + 1),
                                        mark.substr(0, space) + "E" + mark.substr(space + 1)}) {
          std::vector<std::string> variants = {gone};
          for (size_t a = 1; a < gone.size(); ++a) {
            if (gone[a] == ' ' || gone[a - 1] == ' ') continue;
            variants.push_back(gone.substr(0, a) + " " + gone.substr(a));
            for (size_t b = a + 1; b < gone.size(); ++b) {
              if (gone[b] == ' ' || gone[b - 1] == ' ') continue;
              variants.push_back(gone.substr(0, a) + " " + gone.substr(a, b - a) + " " +
                                 gone.substr(b));
            }
          }
          for (size_t v = 0; v < variants.size(); ++v) {
            for (const std::string& description :
                 {variants[v], "sport " + variants[v] + " model 3", "a " + variants[v] + " b"}) {
              const auto expected = reference.Match(description);
              ASSERT_EQ(Tuples((*built)->Match(description, "", {}, {}, *scratch)), expected)
                  << "description \"" << description << "\"";
              ++checked;
              hits += expected.size();
              if (v > 0) moved += expected.size();
            }
          }
        }
      }
    }
  }
  EXPECT_GT(checked, 500u);
  EXPECT_GT(hits, checked / 3);
  EXPECT_GT(moved, 0u);
}

// Without camel case (where the engines differ by design: the earlier
// engines never read a camel-case space as absent together with another
// edit), all three engines give the same hits on random registers.
TEST(MarkIndexDifferential, EnginesAgreeWithoutCamelCase) {
  for (uint64_t seed = 101; seed <= 106; ++seed) {
    RandomCase random(seed);
    const auto applications = random.Applications(6 + random.Uniform(10));
    auto fast = MarkIndex::Build(applications);
    MarkIndexOptions pigeonhole_options;
    pigeonhole_options.fuzzy_engine = FuzzyEngine::kPigeonhole;
    auto pigeonhole = MarkIndex::Build(applications, pigeonhole_options);
    MarkIndexOptions oracle_options;
    oracle_options.fuzzy_engine = FuzzyEngine::kHyperscanEditDistance;
    auto oracle = MarkIndex::Build(applications, oracle_options);
    ASSERT_TRUE(fast.ok() && pigeonhole.ok() && oracle.ok());
    auto fast_scratch = (*fast)->NewScratch();
    auto pigeonhole_scratch = (*pigeonhole)->NewScratch();
    auto oracle_scratch = (*oracle)->NewScratch();
    ASSERT_TRUE(fast_scratch.ok() && pigeonhole_scratch.ok() && oracle_scratch.ok());
    for (int d = 0; d < 100; ++d) {
      const std::string description = RandomCase::Upper(random.Description(applications));
      const auto expected = Tuples((*oracle)->Match(description, "", {}, {}, *oracle_scratch));
      ASSERT_EQ(Tuples((*fast)->Match(description, "", {}, {}, *fast_scratch)), expected)
          << "seed " << seed << ": " << description;
      ASSERT_EQ(Tuples((*pigeonhole)->Match(description, "", {}, {}, *pigeonhole_scratch)),
                expected)
          << "seed " << seed << ": " << description;
    }
  }
}

TEST(MarkIndex, SharedBetweenThreadsWithOneScratchEach) {
  auto built = MarkIndex::Build(DemoApplications());
  ASSERT_TRUE(built.ok());
  std::shared_ptr<const MarkIndex> index = std::move(built).value();
  const std::vector<std::string> descriptions = {"sport shoes Z3NTRA", "LUMIO charger",
                                                 "HANFENGG pliers", "plain cotton t-shirts"};
  std::vector<size_t> expected;
  {
    auto scratch = index->NewScratch();
    for (const auto& description : descriptions) {
      expected.push_back(index->Match(description, "", {}, {}, *scratch).size());
    }
  }
  std::vector<std::thread> threads;
  std::vector<int> failures(4, 0);
  for (int thread_index = 0; thread_index < 4; ++thread_index) {
    threads.emplace_back([&, thread_index] {
      auto scratch = index->NewScratch();
      if (!scratch.ok()) {
        ++failures[static_cast<size_t>(thread_index)];
        return;
      }
      for (int round = 0; round < 200; ++round) {
        for (size_t d = 0; d < descriptions.size(); ++d) {
          if (index->Match(descriptions[d], "", {}, {}, *scratch).size() != expected[d]) {
            ++failures[static_cast<size_t>(thread_index)];
          }
        }
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(failures, std::vector<int>(4, 0));
}

TEST(MarkIndex, FromApplicationsUsesRightsGoodsAndAuthorisedParties) {
  Application application;
  application.id = "app-1";
  application.rights.push_back(Right{"trademark", "EUTM 1", "EUIPO", {"ZENTRA"}, {25}, {}});
  application.rights.push_back(
      Right{"trademark", "EUTM 2", "EUIPO", {"ZX-PRO", "ZENTRA KIDS"}, {28}, {}});
  application.goods.push_back(Goods{"footwear", {"6402", "6404"}});
  application.authorised_parties.push_back(Party{"Zentra Logistics B.V.", "", "NL", "importer"});
  const Date today{std::chrono::year(2026) / 3 / 4};
  auto indexed = FromApplications({application}, today);
  ASSERT_EQ(indexed.size(), 1u);
  EXPECT_EQ(indexed[0].id, "app-1");
  ASSERT_EQ(indexed[0].marks.size(), 3u);
  EXPECT_EQ(indexed[0].marks[2].text, "ZENTRA KIDS");
  EXPECT_EQ(indexed[0].marks[2].right_index, 1);
  EXPECT_EQ(indexed[0].marks[2].nice_classes, std::vector<int>{28});
  EXPECT_EQ(indexed[0].goods_hs, (std::vector<std::string>{"6402", "6404"}));
  ASSERT_EQ(indexed[0].authorised_parties.size(), 1u);
  EXPECT_EQ(indexed[0].authorised_parties[0].country, "NL");

  // A right is screened through its expiry date, not after: its protection
  // has lapsed (the application's other rights still count).
  application.rights[1].expires_on = today;
  indexed = FromApplications({application}, today);
  ASSERT_EQ(indexed[0].marks.size(), 3u);
  application.rights[1].expires_on = std::chrono::sys_days(today) - std::chrono::days(1);
  indexed = FromApplications({application}, today);
  ASSERT_EQ(indexed[0].marks.size(), 1u);
  EXPECT_EQ(indexed[0].marks[0].text, "ZENTRA");
  EXPECT_EQ(indexed[0].goods_hs.size(), 2u);
}

}  // namespace
}  // namespace cordon
