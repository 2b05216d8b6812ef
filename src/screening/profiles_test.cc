#include "screening/profiles.h"

#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <cctype>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace cordon {
namespace {

using nlohmann::json;

Date D(int year, unsigned month, unsigned day) {
  return Date{std::chrono::year{year}, std::chrono::month{month}, std::chrono::day{day}};
}

const Date kToday = D(2025, 3, 4);

// The declaration of issue 3, plus a second item and the fields the rules read.
Declaration SampleDeclaration() {
  Declaration declaration;
  declaration.id = "DE-2025-000123";
  declaration.type = "import";
  declaration.office = "DEHAM";
  declaration.transport_mode = "sea";
  declaration.origin = "CN";
  declaration.dispatch = "HK";
  declaration.destination = "DE";
  declaration.e_commerce = false;
  declaration.consignor = {"Shenzhen Bright Trading Co., Ltd.", "Futian", "CN"};
  declaration.consignee = {"Nordhandel GmbH", "Hamburg", "DE"};
  declaration.declarant = {"Zollagentur Müller", "", "DE"};
  declaration.route = {"CNSZX", "SGSIN", "DEHAM"};
  declaration.containers = {"MSCU1234567"};
  // Item 0: shoes at 4800 USD for 1200 pairs, 900 kg (5.33/kg, 4/pair).
  declaration.items.push_back(DeclarationItem{"640411", "sport shoes ZENTRA air runner", "ZENTRA",
                                              1200, "pairs", 900.0, 4800.0, "USD"});
  // Item 1: handbags at 20000 EUR for 500 pieces, 400 kg (50/kg, 40/piece).
  declaration.items.push_back(DeclarationItem{"420221", "Ladies' handbags, leather", "", 500,
                                              "pieces", 400.0, 20000.0, "EUR"});
  return declaration;
}

RiskProfile Profile(const std::string& id, json rule, double weight = 0.5) {
  RiskProfile profile;
  profile.id = id;
  profile.name = "profile " + id;
  profile.weight = weight;
  profile.rule = std::move(rule);
  return profile;
}

std::shared_ptr<const ProfileSet> MustCompile(const std::vector<RiskProfile>& profiles,
                                              std::vector<ReferencePrice> prices = {}) {
  auto compiled = ProfileSet::Compile(profiles, std::move(prices));
  EXPECT_TRUE(compiled.ok()) << compiled.error().ToString();
  if (!compiled.ok()) return nullptr;
  return std::move(compiled).value();
}

// The hit of a one-profile set, or nullopt.
std::optional<ProfileHit> HitOf(const json& rule, const Declaration& declaration,
                                std::vector<ReferencePrice> prices = {}) {
  auto set = MustCompile({Profile("prf_t", rule)}, std::move(prices));
  if (set == nullptr) return std::nullopt;
  std::vector<ProfileHit> hits = set->Evaluate(declaration, kToday);
  if (hits.empty()) return std::nullopt;
  return hits.front();
}

json Cond(const std::string& field, const std::string& op, json value) {
  return json{{"field", field}, {"op", op}, {"value", std::move(value)}};
}

// ---------------------------------------------------------------------------
// Every field with its operators, against SampleDeclaration().

struct OperatorCase {
  json rule;
  bool hits;
};

class OperatorTest : public ::testing::TestWithParam<OperatorCase> {};

TEST_P(OperatorTest, HitsAsExpected) {
  const OperatorCase& test = GetParam();
  const std::optional<ProfileHit> hit = HitOf(test.rule, SampleDeclaration());
  EXPECT_EQ(hit.has_value(), test.hits) << test.rule.dump();
}

std::vector<OperatorCase> OperatorCases() {
  return {
      // Codes: eq, ne, in, not_in.
      {Cond("type", "eq", "import"), true},
      {Cond("type", "ne", "import"), false},
      {Cond("type", "in", {"export", "transit"}), false},
      {Cond("type", "not_in", {"export", "transit"}), true},
      {Cond("office", "eq", "DEHAM"), true},
      {Cond("office", "in", {"DEBRV", "NLRTM"}), false},
      {Cond("office", "prefix", "DE"), true},
      {Cond("office", "prefix", {"NL", "BE"}), false},
      {Cond("transport_mode", "eq", "sea"), true},
      {Cond("transport_mode", "in", {"postal", "express"}), false},
      {Cond("origin", "eq", "CN"), true},
      {Cond("origin", "ne", "CN"), false},
      {Cond("origin", "in", {"HK", "CN"}), true},
      {Cond("origin", "not_in", {"HK", "CN"}), false},
      {Cond("dispatch", "eq", "HK"), true},
      {Cond("destination", "in", {"FR", "IT"}), false},
      {Cond("consignor.country", "eq", "CN"), true},
      {Cond("consignee.country", "eq", "CN"), false},
      {Cond("declarant.country", "in", {"DE"}), true},
      {Cond("e_commerce", "is", false), true},
      {Cond("e_commerce", "is", true), false},
      // Route: any port.
      {Cond("route", "eq", "SGSIN"), true},
      {Cond("route", "in", {"AEJEA", "SGSIN"}), true},
      {Cond("route", "in", {"AEJEA", "TRIST"}), false},
      {Cond("route", "ne", "SGSIN"), false},
      {Cond("route", "not_in", {"AEJEA", "TRIST"}), true},
      {Cond("route", "prefix", "CNSZ"), true},
      {Cond("route", "prefix", {"AE", "TR"}), false},
      // Texts: folded (case, accents, white space).
      {Cond("consignor.name", "contains", "BRIGHT trading"), true},
      {Cond("consignor.name", "contains", {"light", "bright"}), true},
      {Cond("consignor.name", "contains", "light"), false},
      {Cond("consignee.name", "eq", "nordhandel  gmbh"), true},
      {Cond("consignee.name", "ne", "Nordhandel GmbH"), false},
      {Cond("consignee.name", "in", {"Südhandel GmbH", "NORDHANDEL GMBH"}), true},
      {Cond("consignee.name", "not_in", {"Südhandel GmbH"}), true},
      {Cond("consignee.name", "prefix", "nord"), true},
      {Cond("declarant.name", "contains", "muller"), true},
      {Cond("declarant.name", "contains", "MÜLLER"), true},
      {Cond("item.description", "contains", "Air Runner"), true},
      {Cond("item.description", "contains", "ladies' handbags"), true},
      {Cond("item.description", "contains", "sneaker"), false},
      {Cond("item.brand", "eq", "zentra"), true},
      {Cond("item.brand", "contains", "lumio"), false},
      // Item codes.
      {Cond("item.hs", "prefix", "6404"), true},
      {Cond("item.hs", "prefix", {"61", "62"}), false},
      {Cond("item.hs", "eq", "420221"), true},
      {Cond("item.hs", "in", {"640411", "640412"}), true},
      {Cond("item.hs", "not_in", {"640411"}), true},  // item 1 is not 640411
      {Cond("item.currency", "eq", "EUR"), true},
      {Cond("item.currency", "in", {"CNY", "HKD"}), false},
      // Declaration numbers.
      {Cond("item_count", "eq", 2), true},
      {Cond("item_count", "gt", 2), false},
      {Cond("total_value", "ge", 24800), true},
      {Cond("total_value", "gt", 24800), false},
      {Cond("total_gross_kg", "between", {1000, 1400}), true},
      {Cond("total_gross_kg", "lt", 1300), false},
      // Item numbers.
      {Cond("item.quantity", "le", 500), true},
      {Cond("item.quantity", "lt", 500), false},
      {Cond("item.gross_kg", "gt", 900), false},
      {Cond("item.gross_kg", "ge", 900), true},
      {Cond("item.value", "eq", 4800), true},
      {Cond("item.value", "ne", 4800), true},  // item 1
      {Cond("item.value", "between", {5000, 10000}), false},
      {Cond("item.unit_value", "eq", 4), true},
      {Cond("item.unit_value", "between", {5, 39}), false},
      {Cond("item.value_per_kg", "lt", 5), false},
      {Cond("item.value_per_kg", "lt", 5.34), true},
      {Cond("item.value_per_kg", "gt", 50), false},
      {Cond("item.value_per_kg", "ge", 50), true},
  };
}

INSTANTIATE_TEST_SUITE_P(Fields, OperatorTest, ::testing::ValuesIn(OperatorCases()));

// ---------------------------------------------------------------------------
// Composites and item semantics.

TEST(ProfilesTest, AllAnyNot) {
  const Declaration declaration = SampleDeclaration();
  const json cn = Cond("origin", "eq", "CN");
  const json tr = Cond("origin", "eq", "TR");
  EXPECT_TRUE(HitOf({{"all", {cn, Cond("type", "eq", "import")}}}, declaration));
  EXPECT_FALSE(HitOf({{"all", {cn, tr}}}, declaration));
  EXPECT_TRUE(HitOf({{"any", {tr, cn}}}, declaration));
  EXPECT_FALSE(HitOf({{"any", {tr, Cond("type", "eq", "export")}}}, declaration));
  EXPECT_FALSE(HitOf({{"not", cn}}, declaration));
  EXPECT_TRUE(HitOf({{"not", tr}}, declaration));
  EXPECT_TRUE(HitOf({{"not", {{"not", cn}}}}, declaration));
  EXPECT_TRUE(HitOf({{"all", {{{"any", {tr, cn}}}, {{"not", tr}}}}}, declaration));
}

TEST(ProfilesTest, DeclarationLevelRuleReportsNoItem) {
  const std::optional<ProfileHit> hit = HitOf(Cond("origin", "eq", "CN"), SampleDeclaration());
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, -1);
  EXPECT_EQ(hit->profile_id, "prf_t");
  EXPECT_EQ(hit->name, "profile prf_t");
  EXPECT_DOUBLE_EQ(hit->weight, 0.5);
}

TEST(ProfilesTest, ItemRuleReportsTheFirstItemThatSatisfiesIt) {
  const Declaration declaration = SampleDeclaration();
  std::optional<ProfileHit> hit = HitOf(Cond("item.hs", "prefix", "42"), declaration);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 1);
  hit = HitOf(Cond("item.quantity", "gt", 100), declaration);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 0);
  // Decided by the declaration alone: every item satisfies it; the first is reported.
  hit =
      HitOf({{"any", {Cond("origin", "eq", "CN"), Cond("item.hs", "prefix", "42")}}}, declaration);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 0);
}

TEST(ProfilesTest, ConditionsOnDifferentItemsDoNotCombine) {
  // Shoes (item 0) are at 5.33/kg; only the handbags (item 1) are cheap per
  // unit... no item is both footwear and under 5 per kg.
  const Declaration declaration = SampleDeclaration();
  const json shoes_under_5_per_kg = {
      {"all", {Cond("item.hs", "prefix", "6403"), Cond("item.value_per_kg", "lt", 5)}}};
  EXPECT_FALSE(HitOf(shoes_under_5_per_kg, declaration));
  const json footwear_and_heavy_value = {
      {"all", {Cond("item.hs", "prefix", "64"), Cond("item.value", "gt", 10000)}}};
  EXPECT_FALSE(HitOf(footwear_and_heavy_value, declaration));  // the 20000 is the bags
  const json bags_and_heavy_value = {
      {"all", {Cond("item.hs", "prefix", "42"), Cond("item.value", "gt", 10000)}}};
  const std::optional<ProfileHit> hit = HitOf(bags_and_heavy_value, declaration);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 1);

  // Same shape with a cheap shoe item second: now one item satisfies both.
  Declaration cheap = declaration;
  cheap.items.push_back(DeclarationItem{"640399", "shoes", "", 100, "pairs", 80, 300, "EUR"});
  const json footwear_6403_cheap = {
      {"all", {Cond("item.hs", "prefix", "6403"), Cond("item.value_per_kg", "lt", 5)}}};
  const std::optional<ProfileHit> cheap_hit = HitOf(footwear_6403_cheap, cheap);
  ASSERT_TRUE(cheap_hit);
  EXPECT_EQ(cheap_hit->item, 2);
}

TEST(ProfilesTest, NotOverItemConditionsMeansSomeItemIsNot) {
  const Declaration declaration = SampleDeclaration();
  // Item 1 is not footwear, so "not footwear" holds for some item.
  const std::optional<ProfileHit> hit =
      HitOf({{"not", Cond("item.hs", "prefix", "64")}}, declaration);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 1);
  // "No item is footwear" is written with not_in over all items... it cannot
  // be: it is a declaration-wide statement; a rule with only footwear items
  // does not hit.
  Declaration only_shoes = declaration;
  only_shoes.items.resize(1);
  EXPECT_FALSE(HitOf({{"not", Cond("item.hs", "prefix", "64")}}, only_shoes));
}

TEST(ProfilesTest, ItemRuleNeverHitsADeclarationWithoutItems) {
  Declaration declaration = SampleDeclaration();
  declaration.items.clear();
  EXPECT_FALSE(
      HitOf({{"any", {Cond("origin", "eq", "CN"), Cond("item.hs", "prefix", "64")}}}, declaration));
  EXPECT_TRUE(HitOf(Cond("origin", "eq", "CN"), declaration));
}

TEST(ProfilesTest, UndefinedNumbersMakeTheConditionFalse) {
  Declaration declaration = SampleDeclaration();
  declaration.items.resize(1);
  declaration.items[0].quantity = 0;
  declaration.items[0].gross_kg = 0;
  for (const char* field : {"item.unit_value", "item.value_per_kg", "item.price_ratio"}) {
    EXPECT_FALSE(HitOf(Cond(field, "lt", 1e9), declaration)) << field;
    EXPECT_FALSE(HitOf(Cond(field, "ne", 1), declaration)) << field;
    EXPECT_TRUE(HitOf({{"not", Cond(field, "lt", 1e9)}}, declaration)) << field;
  }
}

TEST(ProfilesTest, CurrencyIsComparedAsDeclared) {
  // No FX conversion: 4800 USD is compared as 4800.
  const Declaration declaration = SampleDeclaration();
  const json cheap_in_eur = {
      {"all", {Cond("item.currency", "eq", "EUR"), Cond("item.value", "lt", 5000)}}};
  EXPECT_FALSE(HitOf(cheap_in_eur, declaration));
  const json cheap_in_usd = {
      {"all", {Cond("item.currency", "eq", "USD"), Cond("item.value", "lt", 5000)}}};
  EXPECT_TRUE(HitOf(cheap_in_usd, declaration));
}

// ---------------------------------------------------------------------------
// Reference prices.

TEST(ProfilesTest, PriceRatioUsesTheLongestReferencePrefix) {
  const Declaration declaration = SampleDeclaration();  // shoes at 4 per pair, 640411
  const std::vector<ReferencePrice> prices = {{"64", 8.0}, {"6404", 40.0}, {"42", 20.0}};
  // 4 / 40 = 0.1 (6404 wins over 64, where it would be 0.5).
  std::optional<ProfileHit> hit = HitOf(Cond("item.price_ratio", "lt", 0.2), declaration, prices);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 0);
  EXPECT_FALSE(HitOf(Cond("item.price_ratio", "between", {0.4, 0.6}), declaration,
                     {{"64", 8.0}, {"6404", 40.0}}));
  EXPECT_TRUE(HitOf(Cond("item.price_ratio", "between", {0.4, 0.6}), declaration,
                    {{"64", 8.0}, {"6405", 40.0}}));
  // Bags: 40 / 20 = 2.
  hit = HitOf(Cond("item.price_ratio", "ge", 2), declaration, prices);
  ASSERT_TRUE(hit);
  EXPECT_EQ(hit->item, 1);
  // No reference price for the goods: false, whatever the operator.
  EXPECT_FALSE(HitOf(Cond("item.price_ratio", "lt", 100), declaration, {{"85", 10.0}}));
  EXPECT_FALSE(HitOf(Cond("item.price_ratio", "lt", 100), declaration));
}

TEST(ProfilesTest, ReferencePricesAreValidated) {
  auto bad_prefix = ProfileSet::Compile({}, {{"64A", 1.0}});
  ASSERT_FALSE(bad_prefix.ok());
  EXPECT_EQ(bad_prefix.error().fields().at(0).field, "reference_prices[0].hs_prefix");
  auto bad_price = ProfileSet::Compile({}, {{"64", 1.0}, {"42", 0.0}});
  ASSERT_FALSE(bad_price.ok());
  EXPECT_EQ(bad_price.error().fields().at(0).field, "reference_prices[1].eur_per_unit");
}

// ---------------------------------------------------------------------------
// Profiles: dates, activity, order, the example of docs/profiles.md.

TEST(ProfilesTest, ValidityDatesAreInclusive) {
  RiskProfile profile = Profile("prf_dates", Cond("origin", "eq", "CN"));
  profile.valid_from = D(2025, 3, 1);
  profile.valid_to = D(2025, 3, 31);
  auto set = MustCompile({profile});
  ASSERT_NE(set, nullptr);
  const Declaration declaration = SampleDeclaration();
  EXPECT_TRUE(set->Evaluate(declaration, D(2025, 2, 28)).empty());
  EXPECT_EQ(set->Evaluate(declaration, D(2025, 3, 1)).size(), 1u);
  EXPECT_EQ(set->Evaluate(declaration, D(2025, 3, 31)).size(), 1u);
  EXPECT_TRUE(set->Evaluate(declaration, D(2025, 4, 1)).empty());
}

TEST(ProfilesTest, InactiveProfilesAreLeftOutEvenWhenInvalid) {
  RiskProfile inactive = Profile("prf_off", Cond("origin", "eq", "CN"));
  inactive.active = false;
  RiskProfile broken = Profile("prf_broken", Cond("origin", "gte", "CN"));
  broken.active = false;
  auto set = MustCompile({inactive, broken, Profile("prf_on", Cond("origin", "eq", "CN"))});
  ASSERT_NE(set, nullptr);
  EXPECT_EQ(set->size(), 1u);
  const std::vector<ProfileHit> hits = set->Evaluate(SampleDeclaration(), kToday);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].profile_id, "prf_on");
}

TEST(ProfilesTest, HitsComeInTheOrderProfilesWereGiven) {
  auto set = MustCompile({Profile("prf_c", Cond("origin", "eq", "CN"), 0.3),
                          Profile("prf_x", Cond("origin", "eq", "TR")),
                          Profile("prf_a", Cond("item.hs", "prefix", "42"), 0.9),
                          Profile("prf_b", Cond("type", "eq", "import"), 0.1)});
  ASSERT_NE(set, nullptr);
  const std::vector<ProfileHit> hits = set->Evaluate(SampleDeclaration(), kToday);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].profile_id, "prf_c");
  EXPECT_EQ(hits[1].profile_id, "prf_a");
  EXPECT_EQ(hits[1].item, 1);
  EXPECT_DOUBLE_EQ(hits[1].weight, 0.9);
  EXPECT_EQ(hits[2].profile_id, "prf_b");
}

TEST(ProfilesTest, SportsShoesFromChinaUnderFiveEurosPerKilogram) {
  // The first example of docs/profiles.md.
  const json body = json::parse(R"({
    "name": "Sports shoes from CN under 5 EUR/kg",
    "weight": 0.4,
    "valid_from": "2025-01-01",
    "rule": {"all": [
      {"field": "origin", "op": "in", "value": ["CN", "HK"]},
      {"field": "item.hs", "op": "prefix", "value": ["6402", "6404"]},
      {"field": "item.currency", "op": "eq", "value": "EUR"},
      {"field": "item.value_per_kg", "op": "lt", "value": 5}
    ]}
  })");
  auto profile = ProfileFromJson(body);
  ASSERT_TRUE(profile.ok()) << profile.error().ToString();
  auto set = MustCompile({*profile});
  ASSERT_NE(set, nullptr);
  Declaration declaration = SampleDeclaration();
  EXPECT_TRUE(set->Evaluate(declaration, kToday).empty());  // 5.33 USD/kg
  declaration.items[0].currency = "EUR";
  declaration.items[0].value = 3600;  // 4 EUR/kg
  const std::vector<ProfileHit> hits = set->Evaluate(declaration, kToday);
  ASSERT_EQ(hits.size(), 1u);
  EXPECT_EQ(hits[0].item, 0);
  EXPECT_EQ(hits[0].name, "Sports shoes from CN under 5 EUR/kg");
  EXPECT_DOUBLE_EQ(hits[0].weight, 0.4);
}

TEST(ProfilesTest, EvaluationIsSafeFromSeveralThreads) {
  auto set = MustCompile({Profile("prf_text", Cond("item.description", "contains", "zentra")),
                          Profile("prf_name", Cond("consignee.name", "contains", "nordhandel"))});
  ASSERT_NE(set, nullptr);
  std::vector<std::thread> threads;
  std::vector<int> hits(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      Declaration declaration = SampleDeclaration();
      if (t % 2 == 1) declaration.items[0].description = "plain shoes";
      for (int round = 0; round < 500; ++round) {
        hits[static_cast<size_t>(t)] += static_cast<int>(set->Evaluate(declaration, kToday).size());
      }
    });
  }
  for (std::thread& thread : threads) thread.join();
  EXPECT_EQ(hits[0], 1000);
  EXPECT_EQ(hits[1], 500);
  EXPECT_EQ(hits[2], 1000);
  EXPECT_EQ(hits[3], 500);
}

// ---------------------------------------------------------------------------
// ProfileFromJson and validation by path.

json ValidBody() {
  return json{{"name", "Shoes"}, {"weight", 0.4}, {"rule", Cond("origin", "eq", "CN")}};
}

// field -> message of a rejected body.
std::vector<FieldError> ErrorsOf(const json& body) {
  auto result = ProfileFromJson(body);
  EXPECT_FALSE(result.ok()) << body.dump();
  if (result.ok()) return {};
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
  return result.error().fields();
}

std::string MessageFor(const std::vector<FieldError>& errors, const std::string& field) {
  for (const FieldError& error : errors) {
    if (error.field == field) return error.message;
  }
  std::string all;
  for (const FieldError& error : errors) all += error.field + ": " + error.message + "; ";
  return "<no error for " + field + "; got " + all + ">";
}

TEST(ProfileFromJsonTest, AcceptsAValidBodyAndRoundTrips) {
  json body = ValidBody();
  body["description"] = "footwear, 2025 campaign";
  body["valid_from"] = "2025-01-01";
  body["valid_to"] = "2025-12-31";
  body["share_with_partners"] = true;
  body["active"] = false;
  body["id"] = "prf_ignored";  // server-managed
  auto profile = ProfileFromJson(body);
  ASSERT_TRUE(profile.ok()) << profile.error().ToString();
  EXPECT_EQ(profile->name, "Shoes");
  EXPECT_EQ(profile->id, "");
  EXPECT_DOUBLE_EQ(profile->weight, 0.4);
  EXPECT_EQ(profile->valid_from, D(2025, 1, 1));
  EXPECT_EQ(profile->valid_to, D(2025, 12, 31));
  EXPECT_TRUE(profile->share_with_partners);
  EXPECT_FALSE(profile->active);
  EXPECT_EQ(profile->rule, Cond("origin", "eq", "CN"));

  const json out = ToJson(*profile);
  EXPECT_EQ(out["valid_from"], "2025-01-01");
  auto again = ProfileFromJson(out);
  ASSERT_TRUE(again.ok()) << again.error().ToString();
  EXPECT_EQ(ToJson(*again), out);

  auto defaults = ProfileFromJson(json{{"name", "x"}, {"rule", Cond("origin", "eq", "CN")}});
  ASSERT_TRUE(defaults.ok());
  EXPECT_DOUBLE_EQ(defaults->weight, 0.5);
  EXPECT_TRUE(defaults->active);
  EXPECT_EQ(ToJson(*defaults)["valid_to"], nullptr);
}

TEST(ProfileFromJsonTest, NamesEveryBadTopLevelField) {
  const std::vector<FieldError> errors = ErrorsOf(json{{"weight", 1.5},
                                                       {"valid_from", "2025-13-01"},
                                                       {"valid_to", "yesterday"},
                                                       {"active", "yes"},
                                                       {"description", 3}});
  EXPECT_EQ(MessageFor(errors, "name"), "is required");
  EXPECT_EQ(MessageFor(errors, "weight"), "must be a number from 0 to 1");
  EXPECT_EQ(MessageFor(errors, "valid_from"), "must be a date in the form YYYY-MM-DD");
  EXPECT_EQ(MessageFor(errors, "valid_to"), "must be a date in the form YYYY-MM-DD");
  EXPECT_EQ(MessageFor(errors, "active"), "must be true or false");
  EXPECT_EQ(MessageFor(errors, "description"), "must be a string");
  EXPECT_EQ(MessageFor(errors, "rule"), "is required");

  json reversed = ValidBody();
  reversed["valid_from"] = "2025-06-01";
  reversed["valid_to"] = "2025-05-31";
  EXPECT_EQ(MessageFor(ErrorsOf(reversed), "valid_to"), "must not be before valid_from");
  json blank = ValidBody();
  blank["name"] = "   ";
  EXPECT_EQ(MessageFor(ErrorsOf(blank), "name"), "is required");
  EXPECT_FALSE(ProfileFromJson(json::array()).ok());
}

TEST(ProfileFromJsonTest, NamesRuleErrorsByPath) {
  json body = ValidBody();
  body["rule"] = {
      {"all",
       {Cond("origin", "in", {"CN", "XX"}),
        Cond("orign", "eq", "CN"),
        Cond("item.value", "gte", 5),
        Cond("origin", "lt", 5),
        Cond("item.value", "lt", "cheap"),
        Cond("origin", "in", json::array()),
        Cond("origin", "in", "CN"),
        Cond("origin", "eq", {"CN"}),
        Cond("office", "eq", "Hamburg"),
        Cond("item.hs", "prefix", "64a"),
        Cond("item.hs", "eq", "6"),
        Cond("e_commerce", "is", "true"),
        Cond("item.value", "between", {10, 5}),
        Cond("item.description", "contains", ""),
        Cond("item.currency", "eq", "EURO"),
        Cond("type", "eq", "imports"),
        Cond("office", "prefix", "D3"),
        json{{"field", "origin"}, {"op", "eq"}},
        json{{"field", "origin"}, {"op", "eq"}, {"value", "CN"}, {"valu", 1}},
        json{{"all", json::array()}},
        json{{"any", {Cond("origin", "eq", "CN")}}, {"not", Cond("origin", "eq", "CN")}},
        json{{"not", "origin"}},
        json{{"anything", 1}},
        json(42)}}};
  const std::vector<FieldError> errors = ErrorsOf(body);
  EXPECT_EQ(MessageFor(errors, "rule.all[0].value[1]"),
            "must be an ISO 3166-1 alpha-2 country code such as \"CN\"");
  EXPECT_EQ(MessageFor(errors, "rule.all[1].field"),
            "unknown field \"orign\" (did you mean \"origin\"?)");
  EXPECT_EQ(MessageFor(errors, "rule.all[2].op"),
            "unknown operator \"gte\" (did you mean \"ge\"?)");
  EXPECT_EQ(MessageFor(errors, "rule.all[3].op"),
            "operator \"lt\" does not apply to field \"origin\" (use eq, ne, in, not_in)");
  EXPECT_EQ(MessageFor(errors, "rule.all[4].value"), "must be a number");
  EXPECT_EQ(MessageFor(errors, "rule.all[5].value"), "must be a non-empty list of strings");
  EXPECT_EQ(MessageFor(errors, "rule.all[6].value"), "must be a non-empty list of strings");
  EXPECT_EQ(MessageFor(errors, "rule.all[7].value"), "must be a string (use \"in\" for a list)");
  EXPECT_EQ(MessageFor(errors, "rule.all[8].value"), "must be a UN/LOCODE such as \"DEHAM\"");
  EXPECT_EQ(MessageFor(errors, "rule.all[9].value"), "must be an HS code prefix of 1 to 10 digits");
  EXPECT_EQ(MessageFor(errors, "rule.all[10].value"), "must be an HS code of 2 to 10 digits");
  EXPECT_EQ(MessageFor(errors, "rule.all[11].value"), "must be true or false");
  EXPECT_EQ(MessageFor(errors, "rule.all[12].value"), "low must not be greater than high");
  EXPECT_EQ(MessageFor(errors, "rule.all[13].value"), "must not be empty");
  EXPECT_EQ(MessageFor(errors, "rule.all[14].value"),
            "must be an ISO 4217 currency code such as \"EUR\"");
  EXPECT_EQ(MessageFor(errors, "rule.all[15].value"), "must be one of import, export, transit");
  EXPECT_EQ(MessageFor(errors, "rule.all[16].value"),
            "must be the start of a UN/LOCODE (1 to 5 characters, such as \"DE\" or \"CNSZ\")");
  EXPECT_EQ(MessageFor(errors, "rule.all[17].value"), "is required");
  EXPECT_EQ(MessageFor(errors, "rule.all[18].valu"),
            "unknown key in a condition (a condition has \"field\", \"op\" and \"value\")");
  EXPECT_EQ(MessageFor(errors, "rule.all[19].all"), "must be a non-empty array of rules");
  EXPECT_EQ(MessageFor(errors, "rule.all[20]"),
            "must have exactly one of \"all\", \"any\", \"not\" or \"field\"");
  EXPECT_EQ(MessageFor(errors, "rule.all[21].not"),
            "must be a JSON object with \"all\", \"any\", \"not\" or \"field\"");
  EXPECT_EQ(MessageFor(errors, "rule.all[22]"),
            "must have one of \"all\", \"any\", \"not\" or \"field\"");
  EXPECT_EQ(MessageFor(errors, "rule.all[23]"),
            "must be a JSON object with \"all\", \"any\", \"not\" or \"field\"");
  EXPECT_EQ(errors.size(), 24u);

  // The error message quotes the first problem.
  auto result = ProfileFromJson(body);
  ASSERT_FALSE(result.ok());
  EXPECT_NE(result.error().message().find("rule.all[0].value[1]"), std::string::npos);
}

TEST(ProfileFromJsonTest, LimitsDepthAndSize) {
  json deep = Cond("origin", "eq", "CN");
  for (int level = 0; level < 16; ++level) deep = json{{"not", deep}};
  json body = ValidBody();
  body["rule"] = deep;  // 17 levels: 16 "not" and the condition
  const std::vector<FieldError> errors = ErrorsOf(body);
  ASSERT_EQ(errors.size(), 1u);
  std::string path = "rule";
  for (int level = 0; level < 16; ++level) path += ".not";
  EXPECT_EQ(errors[0].field, path);
  EXPECT_EQ(errors[0].message, "is nested more than 16 levels deep");

  json shallow = Cond("origin", "eq", "CN");
  for (int level = 0; level < 15; ++level) shallow = json{{"not", shallow}};
  body["rule"] = shallow;
  EXPECT_TRUE(ProfileFromJson(body).ok());

  json wide = json::array();
  for (int index = 0; index < 257; ++index) wide.push_back(Cond("item.value", "gt", index));
  body["rule"] = {{"any", wide}};
  const std::vector<FieldError> too_many = ErrorsOf(body);
  ASSERT_EQ(too_many.size(), 1u);
  EXPECT_EQ(too_many[0].field, "rule.any[256]");
  EXPECT_EQ(too_many[0].message, "the rule has more than 256 conditions");
  wide.erase(wide.end() - 1);
  body["rule"] = {{"any", wide}};
  EXPECT_TRUE(ProfileFromJson(body).ok());
}

TEST(ProfileSetTest, CompileNamesTheProfileAndField) {
  RiskProfile good = Profile("prf_good", Cond("origin", "eq", "CN"));
  RiskProfile bad = Profile(
      "prf_bad",
      {{"all",
        {Cond("origin", "eq", "CN"), Cond("item.value", "gt", 1), Cond("item.value", "gte", 1)}}});
  bad.name = "Cheap shoes";
  auto compiled = ProfileSet::Compile({good, bad});
  ASSERT_FALSE(compiled.ok());
  EXPECT_EQ(compiled.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(compiled.error().message().find("prf_bad"), std::string::npos);
  EXPECT_NE(compiled.error().message().find("Cheap shoes"), std::string::npos);
  ASSERT_EQ(compiled.error().fields().size(), 1u);
  EXPECT_EQ(compiled.error().fields()[0].field, "rule.all[2].op");

  RiskProfile heavy = Profile("prf_heavy", Cond("origin", "eq", "CN"), 2.0);
  auto weight = ProfileSet::Compile({heavy});
  ASSERT_FALSE(weight.ok());
  EXPECT_EQ(weight.error().fields().at(0).field, "weight");
}

// ---------------------------------------------------------------------------
// Properties on random declarations and random rules, against a direct
// interpreter of the language (the semantics of docs/profiles.md written as
// plainly as possible).

const std::vector<ReferencePrice> kPrices = {{"64", 10.0}, {"6403", 30.0}};

double PriceFor(const std::string& hs) {
  double price = 0;
  size_t best = 0;
  for (const ReferencePrice& reference : kPrices) {
    if (hs.starts_with(reference.hs_prefix) && reference.hs_prefix.size() > best) {
      best = reference.hs_prefix.size();
      price = reference.eur_per_unit;
    }
  }
  return price;
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

bool UsesItems(const json& rule) {
  if (rule.contains("field")) return rule["field"].get<std::string>().starts_with("item.");
  for (const char* key : {"all", "any"}) {
    if (rule.contains(key)) {
      for (const json& child : rule[key]) {
        if (UsesItems(child)) return true;
      }
    }
  }
  return rule.contains("not") && UsesItems(rule["not"]);
}

bool StringOp(const std::string& op, const std::string& actual, const json& value) {
  if (op == "eq") return actual == value.get<std::string>();
  if (op == "ne") return actual != value.get<std::string>();
  std::vector<std::string> list;
  if (value.is_array()) {
    for (const json& entry : value) list.push_back(entry.get<std::string>());
  } else {
    list.push_back(value.get<std::string>());
  }
  const bool in = std::find(list.begin(), list.end(), actual) != list.end();
  if (op == "in") return in;
  if (op == "not_in") return !in;
  bool found = false;
  for (const std::string& entry : list) {
    if (op == "prefix" && actual.starts_with(entry)) found = true;
    if (op == "contains" && Lower(actual).find(Lower(entry)) != std::string::npos) found = true;
  }
  return found;
}

bool NumberOp(const std::string& op, std::optional<double> actual, const json& value) {
  if (!actual) return false;
  if (op == "between")
    return *actual >= value[0].get<double>() && *actual <= value[1].get<double>();
  const double v = value.get<double>();
  if (op == "eq") return *actual == v;
  if (op == "ne") return *actual != v;
  if (op == "lt") return *actual < v;
  if (op == "le") return *actual <= v;
  if (op == "gt") return *actual > v;
  return *actual >= v;
}

std::optional<double> Divide(double a, double b) {
  if (b > 0) return a / b;
  return std::nullopt;
}

bool Interpret(const json& rule, const Declaration& d, const DeclarationItem* item) {
  if (rule.contains("all")) {
    for (const json& child : rule["all"]) {
      if (!Interpret(child, d, item)) return false;
    }
    return true;
  }
  if (rule.contains("any")) {
    for (const json& child : rule["any"]) {
      if (Interpret(child, d, item)) return true;
    }
    return false;
  }
  if (rule.contains("not")) return !Interpret(rule["not"], d, item);
  const std::string field = rule["field"];
  const std::string op = rule["op"];
  const json& value = rule["value"];
  if (field == "origin") return StringOp(op, d.origin, value);
  if (field == "transport_mode") return StringOp(op, d.transport_mode, value);
  if (field == "office") return StringOp(op, d.office, value);
  if (field == "consignor.name") return StringOp(op, d.consignor.name, value);
  if (field == "e_commerce") return d.e_commerce == value.get<bool>();
  if (field == "route") {
    bool any = false;
    const std::string positive = op == "ne" ? "eq" : op == "not_in" ? "in" : op;
    for (const std::string& port : d.route) any = any || StringOp(positive, port, value);
    return positive == op ? any : !any;
  }
  if (field == "total_value") {
    double total = 0;
    for (const DeclarationItem& i : d.items) total += i.value;
    return NumberOp(op, total, value);
  }
  if (field == "item_count") return NumberOp(op, static_cast<double>(d.items.size()), value);
  if (field == "item.hs") return StringOp(op, item->hs, value);
  if (field == "item.currency") return StringOp(op, item->currency, value);
  if (field == "item.description") return StringOp(op, item->description, value);
  if (field == "item.quantity") return NumberOp(op, item->quantity, value);
  if (field == "item.value_per_kg") return NumberOp(op, Divide(item->value, item->gross_kg), value);
  if (field == "item.unit_value") return NumberOp(op, Divide(item->value, item->quantity), value);
  if (field == "item.price_ratio") {
    const std::optional<double> unit = Divide(item->value, item->quantity);
    const double price = PriceFor(item->hs);
    if (!unit || price == 0) return false;
    return NumberOp(op, *unit / price, value);
  }
  ADD_FAILURE() << "interpreter lacks field " << field;
  return false;
}

// The item the interpreter reports: -1 for a declaration-level rule, the
// first item that makes the rule true otherwise; nullopt when no hit.
std::optional<int> InterpretHit(const json& rule, const Declaration& d) {
  if (!UsesItems(rule)) {
    if (Interpret(rule, d, nullptr)) return -1;
    return std::nullopt;
  }
  for (size_t i = 0; i < d.items.size(); ++i) {
    if (Interpret(rule, d, &d.items[i])) return static_cast<int>(i);
  }
  return std::nullopt;
}

std::optional<int> CompiledHit(const json& rule, const Declaration& d) {
  auto set = ProfileSet::Compile({Profile("prf_p", rule)}, kPrices);
  RC_ASSERT(set.ok());
  std::vector<ProfileHit> hits = (*set)->Evaluate(d, kToday);
  if (hits.empty()) return std::nullopt;
  return hits[0].item;
}

template <typename T>
T Pick(const std::vector<T>& choices) {
  return choices[*rc::gen::inRange<size_t>(0, choices.size())];
}

Declaration RandomDeclaration() {
  Declaration d;
  d.type = "import";
  // Offices, ports and HS codes include values longer than any constant and
  // codes with a letter, for the candidate keys' packed look-ups.
  d.office = Pick<std::string>({"DEHAM", "DEFRA", "CNSHA", "", "DEHAMBURG"});
  d.origin = Pick<std::string>({"CN", "HK", "DE", "TR", ""});
  d.transport_mode = Pick<std::string>({"sea", "air", "postal", "express"});
  d.e_commerce = *rc::gen::arbitrary<bool>();
  d.consignor.name =
      Pick<std::string>({"Shenzhen Bright Trading", "ZENTRA Logistics", "nordhandel gmbh", ""});
  for (const std::string port : {"CNSZX", "SGSIN", "DEHAM", "TRIST", "SGSINGAPORE"}) {
    if (*rc::gen::arbitrary<bool>()) d.route.push_back(port);
  }
  const size_t items = *rc::gen::inRange<size_t>(0, 4);
  for (size_t i = 0; i < items; ++i) {
    DeclarationItem item;
    item.hs = Pick<std::string>(
        {"640411", "640399", "420221", "851712", "6403", "64A411", "42022100001"});
    item.description = Pick<std::string>({"sport shoes", "Leather BAGS", "phone", ""});
    item.quantity = Pick<double>({0, 1, 10, 100});
    item.gross_kg = Pick<double>({0, 0.5, 20});
    item.value = Pick<double>({0, 10, 1000});
    item.currency = Pick<std::string>({"EUR", "USD"});
    d.items.push_back(item);
  }
  return d;
}

json RandomCondition() {
  switch (*rc::gen::inRange(0, 16)) {
    case 0:
      return Cond("origin", Pick<std::string>({"eq", "ne"}), Pick<std::string>({"CN", "DE"}));
    case 1:
      return Cond("origin", Pick<std::string>({"in", "not_in"}), {"CN", "HK"});
    case 2:
      return Cond("transport_mode", Pick<std::string>({"in", "not_in"}), {"postal", "express"});
    case 3:
      return Cond("consignor.name", "contains", Pick<std::string>({"bright", "GMBH", "zentra"}));
    case 4:
      return Cond("e_commerce", "is", *rc::gen::arbitrary<bool>());
    case 5:
      return Cond("route", Pick<std::string>({"eq", "ne", "prefix"}),
                  Pick<std::string>({"SGSIN", "TRIST"}));
    case 6:
      return Cond("total_value", Pick<std::string>({"gt", "le"}), Pick<double>({0, 500, 1500}));
    case 7:
      return Cond("item_count", Pick<std::string>({"ge", "lt"}), Pick<double>({1, 2}));
    case 8:
      return Cond("item.hs", Pick<std::string>({"prefix", "eq", "not_in"}),
                  Pick<std::string>({"64", "6403", "420221"}) == "64"
                      ? json("64")
                      : json(Pick<std::string>({"6403", "420221"})));
    case 9:
      return Cond("item.currency", Pick<std::string>({"eq", "ne"}), "EUR");
    case 10:
      return Cond("item.description", "contains", Pick<std::string>({"shoes", "bags"}));
    case 11:
      return Cond("item.value_per_kg", Pick<std::string>({"lt", "ge", "ne"}),
                  Pick<double>({5, 20, 2000}));
    case 12:
      return Cond("item.unit_value", "between", {1, 100});
    case 13: {
      const std::string op = Pick<std::string>({"eq", "ne", "prefix"});
      return Cond("office", op,
                  op == "prefix" ? Pick<std::string>({"DE", "DEH", "CN", "DEHAM"}) : "DEHAM");
    }
    case 14: {
      const std::string op = Pick<std::string>({"prefix", "in"});
      return Cond("route", op,
                  op == "prefix" ? json(Pick<std::string>({"SG", "DE", "SGSIN"}))
                                 : json::array({"DEHAM", "CNSZX"}));
    }
    default:
      return Cond("item.price_ratio", Pick<std::string>({"lt", "ge"}), Pick<double>({0.5, 2}));
  }
}

json RandomRule(int depth) {
  const int kind = depth >= 3 ? 0 : *rc::gen::inRange(0, 4);
  if (kind == 0) {
    json condition = RandomCondition();
    // `in`/`not_in` of item.hs need a list; `eq` a string.
    if (condition["op"] == "not_in" && condition["value"].is_string()) {
      condition["value"] = json::array({condition["value"]});
    }
    return condition;
  }
  if (kind == 3) return json{{"not", RandomRule(depth + 1)}};
  json children = json::array();
  const int count = *rc::gen::inRange(1, 4);
  for (int i = 0; i < count; ++i) children.push_back(RandomRule(depth + 1));
  return json{{kind == 1 ? "all" : "any", children}};
}

RC_GTEST_PROP(ProfileProperties, CompiledRulesAgreeWithTheInterpreter, ()) {
  const Declaration d = RandomDeclaration();
  const json rule = RandomRule(0);
  RC_ASSERT(ProfileFromJson(json{{"name", "p"}, {"rule", rule}}).ok());
  RC_ASSERT(CompiledHit(rule, d) == InterpretHit(rule, d));
}

RC_GTEST_PROP(ProfileProperties, DoubleNegationIsIdentity, ()) {
  const Declaration d = RandomDeclaration();
  const json rule = RandomRule(1);
  RC_ASSERT(CompiledHit(json{{"not", {{"not", rule}}}}, d) == CompiledHit(rule, d));
}

RC_GTEST_PROP(ProfileProperties, SingleChildAllAndAnyAreIdentity, ()) {
  const Declaration d = RandomDeclaration();
  const json rule = RandomRule(1);
  RC_ASSERT(CompiledHit(json{{"all", {rule}}}, d) == CompiledHit(rule, d));
  RC_ASSERT(CompiledHit(json{{"any", {rule}}}, d) == CompiledHit(rule, d));
}

RC_GTEST_PROP(ProfileProperties, DeMorgan, ()) {
  const Declaration d = RandomDeclaration();
  const json a = RandomRule(1);
  const json b = RandomRule(1);
  RC_ASSERT(CompiledHit(json{{"not", {{"all", {a, b}}}}}, d) ==
            CompiledHit(json{{"any", {json{{"not", a}}, json{{"not", b}}}}}, d));
  RC_ASSERT(CompiledHit(json{{"not", {{"any", {a, b}}}}}, d) ==
            CompiledHit(json{{"all", {json{{"not", a}}, json{{"not", b}}}}}, d));
}

RC_GTEST_PROP(ProfileProperties, ManyProfilesInOneSetAgreeWithEachAlone, ()) {
  // More than 64 profiles, so candidate selection spans several bitset words.
  const size_t count = *rc::gen::inRange<size_t>(65, 140);
  std::vector<json> rules;
  std::vector<RiskProfile> profiles;
  for (size_t i = 0; i < count; ++i) {
    rules.push_back(RandomRule(1));
    profiles.push_back(Profile("prf_" + std::to_string(i), rules.back()));
  }
  auto set = ProfileSet::Compile(profiles, kPrices);
  RC_ASSERT(set.ok());
  RC_ASSERT((*set)->size() == count);
  for (int round = 0; round < 5; ++round) {
    const Declaration d = RandomDeclaration();
    const std::vector<ProfileHit> hits = (*set)->Evaluate(d, kToday);
    size_t next = 0;
    for (size_t i = 0; i < count; ++i) {
      const std::optional<int> expected = InterpretHit(rules[i], d);
      if (!expected) continue;
      RC_ASSERT(next < hits.size());
      RC_ASSERT(hits[next].profile_id == "prf_" + std::to_string(i));
      RC_ASSERT(hits[next].item == *expected);
      ++next;
    }
    RC_ASSERT(next == hits.size());
  }
}

RC_GTEST_PROP(ProfileProperties, NeAndNotInNegateEqAndIn, ()) {
  const Declaration d = RandomDeclaration();
  const std::string code = Pick<std::string>({"CN", "DE", "HK"});
  RC_ASSERT(CompiledHit(Cond("origin", "ne", code), d) ==
            CompiledHit(json{{"not", Cond("origin", "eq", code)}}, d));
  RC_ASSERT(CompiledHit(Cond("route", "not_in", {"SGSIN", "TRIST"}), d) ==
            CompiledHit(json{{"not", Cond("route", "in", {"SGSIN", "TRIST"})}}, d));
}

}  // namespace
}  // namespace cordon
