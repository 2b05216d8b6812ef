#include "screening/mark_index.h"

#include <gtest/gtest.h>

#include <thread>

#include "rights/rights.h"

namespace cordon {
namespace {

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
  const auto indexed = FromApplications({application});
  ASSERT_EQ(indexed.size(), 1u);
  EXPECT_EQ(indexed[0].id, "app-1");
  ASSERT_EQ(indexed[0].marks.size(), 3u);
  EXPECT_EQ(indexed[0].marks[2].text, "ZENTRA KIDS");
  EXPECT_EQ(indexed[0].marks[2].right_index, 1);
  EXPECT_EQ(indexed[0].marks[2].nice_classes, std::vector<int>{28});
  EXPECT_EQ(indexed[0].goods_hs, (std::vector<std::string>{"6402", "6404"}));
  ASSERT_EQ(indexed[0].authorised_parties.size(), 1u);
  EXPECT_EQ(indexed[0].authorised_parties[0].country, "NL");
}

}  // namespace
}  // namespace cordon
