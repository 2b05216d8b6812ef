// Tests of the JSON form of applications for action and its validation: every
// bad field is reported under its JSON path, all at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "rights/rights.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using nlohmann::json;

// The body the issue requires the API to accept, verbatim.
json IssueExampleBody() { return test_support::IssueExampleApplication(); }

std::vector<FieldError> FieldsOf(const Result<Application>& result) {
  if (result.ok()) return {};
  return result.error().fields();
}

// The message reported for `field`, or "<not reported>".
std::string MessageFor(const Result<Application>& result, const std::string& field) {
  for (const FieldError& error : FieldsOf(result)) {
    if (error.field == field) return error.message;
  }
  return "<not reported>";
}

std::vector<std::string> FieldNames(const Result<Application>& result) {
  std::vector<std::string> names;
  for (const FieldError& error : FieldsOf(result)) names.push_back(error.field);
  std::sort(names.begin(), names.end());
  return names;
}

// Parses `body` and expects exactly one bad field, `field`, with `message`.
void ExpectOnlyError(const json& body, const std::string& field, const std::string& message) {
  Result<Application> result = ApplicationFromJson(body);
  ASSERT_FALSE(result.ok()) << "expected an error on " << field;
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
  ASSERT_EQ(result.error().fields().size(), 1u) << result.error().ToString();
  EXPECT_EQ(result.error().fields()[0].field, field) << result.error().ToString();
  EXPECT_EQ(result.error().fields()[0].message, message) << result.error().ToString();
}

TEST(ApplicationFromJson, AcceptsTheIssueExampleBody) {
  Result<Application> result = ApplicationFromJson(IssueExampleBody());
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  const Application& app = *result;
  EXPECT_EQ(app.kind, "national");
  EXPECT_EQ(app.holder.name, "Zentra Sportswear GmbH");
  EXPECT_EQ(app.holder.address, "Musterstr. 1, 10115 Berlin");
  EXPECT_EQ(app.holder.country, "DE");
  ASSERT_EQ(app.contacts.size(), 1u);
  EXPECT_EQ(app.contacts[0].name, "Ana Example");
  EXPECT_EQ(app.contacts[0].email, "legal@zentra.demo");
  EXPECT_EQ(app.contacts[0].phone, "+49 30 1234567");
  ASSERT_EQ(app.rights.size(), 1u);
  EXPECT_EQ(app.rights[0].type, "trademark");
  EXPECT_EQ(app.rights[0].registration, "EUTM 018000001");
  EXPECT_EQ(app.rights[0].office, "EUIPO");
  EXPECT_EQ(app.rights[0].marks, std::vector<std::string>{"ZENTRA"});
  EXPECT_EQ(app.rights[0].nice_classes, (std::vector<int>{25, 28}));
  EXPECT_EQ(app.rights[0].expires_on, ParseDate("2031-05-01"));
  ASSERT_EQ(app.goods.size(), 1u);
  EXPECT_EQ(app.goods[0].description, "sports footwear and apparel");
  EXPECT_EQ(app.goods[0].hs, (std::vector<std::string>{"6402", "6403", "6404", "6109", "6110"}));
  EXPECT_EQ(app.authentic_features, "Woven label inside the tongue; hologram on the box");
  EXPECT_EQ(app.product_codes, std::vector<std::string>{"4006381"});
  ASSERT_EQ(app.authorised_parties.size(), 1u);
  EXPECT_EQ(app.authorised_parties[0].name, "Zentra Logistics B.V.");
  EXPECT_EQ(app.authorised_parties[0].country, "NL");
  EXPECT_EQ(app.authorised_parties[0].role, "importer");
  EXPECT_TRUE(app.small_consignments);
  EXPECT_TRUE(app.accepts_liability_and_costs);
  EXPECT_FALSE(app.representative.has_value());
  EXPECT_TRUE(app.filed_with_org_id.empty());
}

TEST(ApplicationFromJson, IgnoresUnknownAndServerManagedFields) {
  json body = IssueExampleBody();
  body["id"] = 12;
  body["status"] = "granted";
  body["version"] = "x";
  body["valid_until"] = "not a date";
  body["holder_org_id"] = "org_someone_else";
  body["favourite_colour"] = "teal";
  Result<Application> result = ApplicationFromJson(body);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_TRUE(result->id.empty());
  EXPECT_TRUE(result->holder_org_id.empty());
  EXPECT_FALSE(result->valid_until.has_value());
}

TEST(ApplicationFromJson, BodyMustBeAnObject) {
  ExpectOnlyError(json::array(), "", "must be a JSON object");
  ExpectOnlyError(json("text"), "", "must be a JSON object");
}

TEST(ApplicationFromJson, HolderIsRequired) {
  json body = IssueExampleBody();
  body.erase("holder");
  ExpectOnlyError(body, "holder", "is required");
  body["holder"] = "Zentra";
  ExpectOnlyError(body, "holder", "must be an object");
  body["holder"] = {{"country", "DE"}};
  ExpectOnlyError(body, "holder.name", "is required");
  body["holder"] = {{"name", "Zentra"}};
  ExpectOnlyError(body, "holder.country", "is required");
}

TEST(ApplicationFromJson, CountryCodesAreChecked) {
  json body = IssueExampleBody();
  body["holder"]["country"] = "XX";
  ExpectOnlyError(body, "holder.country", "must be an ISO 3166-1 alpha-2 country code");
  body["holder"]["country"] = "de";
  ExpectOnlyError(body, "holder.country", "must be an ISO 3166-1 alpha-2 country code");
  body = IssueExampleBody();
  body["authorised_parties"][0]["country"] = "Netherlands";
  ExpectOnlyError(body, "authorised_parties[0].country",
                  "must be an ISO 3166-1 alpha-2 country code");
}

TEST(ApplicationFromJson, NiceClassesMustBeBetween1And45) {
  for (json bad : {json(46), json(0), json(-3), json("25"), json(2.5), json(1ULL << 63)}) {
    json body = IssueExampleBody();
    body["rights"][0]["nice_classes"] = json::array({25, bad});
    ExpectOnlyError(body, "rights[0].nice_classes[1]", "must be a Nice class between 1 and 45");
  }
}

TEST(ApplicationFromJson, HsCodesMustBe2To10Digits) {
  json body = IssueExampleBody();
  body["goods"][0]["hs"][2] = "64A4";
  ExpectOnlyError(body, "goods[0].hs[2]", "must be 2 to 10 digits");
  body["goods"][0]["hs"][2] = "6";
  ExpectOnlyError(body, "goods[0].hs[2]", "must be 2 to 10 digits");
  body["goods"][0]["hs"][2] = "64041100001";
  ExpectOnlyError(body, "goods[0].hs[2]", "must be 2 to 10 digits");
  body["goods"][0]["hs"][2] = 6404;
  ExpectOnlyError(body, "goods[0].hs[2]", "must be a string of 2 to 10 digits");
}

TEST(ApplicationFromJson, ContactEmailIsChecked) {
  json body = IssueExampleBody();
  body["contact"]["email"] = "legal-at-zentra";
  ExpectOnlyError(body, "contact.email", "must be an e-mail address");

  body = IssueExampleBody();
  body.erase("contact");
  body["contacts"] = json::array(
      {{{"name", "Ana"}, {"email", "ana@zentra.demo"}}, {{"name", "Ben"}, {"email", "ben"}}});
  ExpectOnlyError(body, "contacts[1].email", "must be an e-mail address");
}

TEST(ApplicationFromJson, ContactOrContactsNotBoth) {
  json body = IssueExampleBody();
  body["contacts"] = json::array();
  ExpectOnlyError(body, "contact", "give either contact or contacts, not both");
}

TEST(ApplicationFromJson, UnknownRightTypeListsTheAllowedOnes) {
  json body = IssueExampleBody();
  body["rights"][0]["type"] = "brand";
  ExpectOnlyError(body, "rights[0].type",
                  "must be one of: trademark, design, copyright, patent, "
                  "geographical_indication, plant_variety, utility_model, topography, trade_name");
  body["rights"][0].erase("type");
  ExpectOnlyError(body, "rights[0].type", "is required");
}

TEST(ApplicationFromJson, UnknownKindIsNamed) {
  json body = IssueExampleBody();
  body["kind"] = "regional";
  ExpectOnlyError(body, "kind", "must be one of: national, union");
}

TEST(ApplicationFromJson, DatesMustBeIsoCalendarDays) {
  for (const char* bad : {"01.05.2031", "2031-13-01", "2031-02-30", "2031-5-1"}) {
    json body = IssueExampleBody();
    body["rights"][0]["expires_on"] = bad;
    ExpectOnlyError(body, "rights[0].expires_on", "must be a date in the form YYYY-MM-DD");
  }
  json body = IssueExampleBody();
  body["rights"][0]["expires_on"] = nullptr;  // null: not given
  EXPECT_TRUE(ApplicationFromJson(body).ok());
}

TEST(ApplicationFromJson, WrongTypesAreNamed) {
  json body = IssueExampleBody();
  body["rights"] = {{"type", "trademark"}};
  ExpectOnlyError(body, "rights", "must be an array");
  body = IssueExampleBody();
  body["small_consignments"] = "yes";
  ExpectOnlyError(body, "small_consignments", "must be true or false");
  body = IssueExampleBody();
  body["rights"][0]["marks"] = json::array({"ZENTRA", 7});
  ExpectOnlyError(body, "rights[0].marks[1]", "must be a string");
  body = IssueExampleBody();
  body["holder"]["name"] = 42;
  ExpectOnlyError(body, "holder.name", "must be a string");
  body = IssueExampleBody();
  body["goods"][0] = "shoes";
  ExpectOnlyError(body, "goods[0]", "must be an object");
  body = IssueExampleBody();
  body["authentic_features"] = json::array({"label"});
  ExpectOnlyError(body, "authentic_features", "must be a string");
}

TEST(ApplicationFromJson, AbsurdLengthsAreRefused) {
  json body = IssueExampleBody();
  body["holder"]["name"] = std::string(1001, 'Z');
  ExpectOnlyError(body, "holder.name", "must be at most 1000 characters");
  body["holder"]["name"] = std::string(1000, 'Z');
  EXPECT_TRUE(ApplicationFromJson(body).ok());

  body = IssueExampleBody();
  body["product_codes"] = json::array();
  for (int i = 0; i < 1001; ++i) body["product_codes"].push_back("400638" + std::to_string(i));
  ExpectOnlyError(body, "product_codes", "must have at most 1000 entries");

  body = IssueExampleBody();
  body["authentic_features"] = std::string(10001, 'x');
  ExpectOnlyError(body, "authentic_features", "must be at most 10000 characters");
}

TEST(ApplicationFromJson, ReportsEveryBadFieldAtOnce) {
  json body = IssueExampleBody();
  body["kind"] = "regional";
  body["holder"]["country"] = "XX";
  body["contact"]["email"] = "nope";
  body["rights"][0]["nice_classes"] = json::array({25, 99});
  body["rights"].push_back({{"type", "brand"}, {"expires_on", "soon"}});
  body["goods"][0]["hs"][2] = "64-04";
  body["authorised_parties"][0]["country"] = "Holland";
  body["accepts_liability_and_costs"] = "yes";
  body["filed_with"] = 49;  // must be a string
  Result<Application> result = ApplicationFromJson(body);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(FieldNames(result), (std::vector<std::string>{
                                    "accepts_liability_and_costs",
                                    "authorised_parties[0].country",
                                    "contact.email",
                                    "filed_with",
                                    "goods[0].hs[2]",
                                    "holder.country",
                                    "kind",
                                    "rights[0].nice_classes[1]",
                                    "rights[1].expires_on",
                                    "rights[1].type",
                                }));
  EXPECT_EQ(MessageFor(result, "rights[0].nice_classes[1]"),
            "must be a Nice class between 1 and 45");
}

TEST(ApplicationFromJson, UnionApplicationsNameMemberStates) {
  json body = IssueExampleBody();
  body["kind"] = "union";
  ExpectOnlyError(body, "member_states", "is required for a union application");
  body["member_states"] = json::array();
  ExpectOnlyError(body, "member_states", "is required for a union application");
  body["member_states"] = json::array({"DE", "EU"});
  ExpectOnlyError(body, "member_states[1]", "must be an ISO 3166-1 alpha-2 country code");
  body["member_states"] = json::array({"DE", "NL", "DE"});
  Result<Application> result = ApplicationFromJson(body);
  ASSERT_TRUE(result.ok()) << result.error().ToString();
  EXPECT_EQ(result->member_states, (std::vector<std::string>{"DE", "NL"}));

  body["kind"] = "national";
  ExpectOnlyError(body, "member_states",
                  "is only allowed for a union application (kind \"union\")");
}

TEST(ApplicationFromJson, FiledWithIsAnOrganisationIdCountryCodeOrName) {
  json body = IssueExampleBody();
  body["filed_with"] = "NL";
  ASSERT_TRUE(ApplicationFromJson(body).ok());
  EXPECT_EQ(ApplicationFromJson(body)->filed_with_org_id, "NL");
  body["filed_with"] = "org_customs_nl";
  EXPECT_EQ(ApplicationFromJson(body)->filed_with_org_id, "org_customs_nl");
  // A name is kept for the service to resolve (exports name administrations).
  body["filed_with"] = "Customs NL";
  EXPECT_EQ(ApplicationFromJson(body)->filed_with_org_id, "Customs NL");
  body["filed_with"] = 7;
  EXPECT_FALSE(ApplicationFromJson(body).ok());
}

TEST(ApplicationFromJson, PartiesNeedNames) {
  json body = IssueExampleBody();
  body["representative"] = {{"address", "Kanzlei, Berlin"}};
  ExpectOnlyError(body, "representative.name", "is required");
  body = IssueExampleBody();
  body["known_infringers"] = json::array({{{"name", "   "}}});
  ExpectOnlyError(body, "known_infringers[0].name", "is required");
  body = IssueExampleBody();
  body["goods"].push_back({{"hs", {"6403"}}});
  ExpectOnlyError(body, "goods[1].description", "is required");
}

TEST(ApplicationJson, ToJsonOutputParsesBackToTheSameContent) {
  json body = IssueExampleBody();
  body["representative"] = {{"name", "Kanzlei Muster"}, {"address", "Berlin"}, {"country", "DE"}};
  body["known_routes"] = json::array({"CNSHA", "via Istanbul"});
  body["known_infringers"] = json::array({{{"name", "Fake Co"}, {"country", "CN"}}});
  body["filed_with"] = "org_customs_de";
  Result<Application> first = ApplicationFromJson(body);
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  Application app = *first;
  app.id = "app_1";
  app.status = "granted";
  app.holder_org_id = "org_zentra";
  app.valid_until = ParseDate("2027-03-10");
  json out = ToJson(app);
  EXPECT_EQ(out["id"], "app_1");
  EXPECT_EQ(out["status"], "granted");
  EXPECT_EQ(out["filed_with"], "org_customs_de");
  EXPECT_EQ(out["filed_with_org_id"], "org_customs_de");
  EXPECT_EQ(out["valid_until"], "2027-03-10");
  EXPECT_EQ(out["renewal"], nullptr);
  EXPECT_EQ(out["contacts"][0]["email"], "legal@zentra.demo");
  EXPECT_EQ(out["rights"][0]["nice_classes"], json::array({25, 28}));

  Result<Application> second = ApplicationFromJson(out);
  ASSERT_TRUE(second.ok()) << second.error().ToString();
  Application again = *second;
  again.id = app.id;
  again.status = app.status;
  again.holder_org_id = app.holder_org_id;
  again.valid_until = app.valid_until;
  EXPECT_EQ(ToJson(again), out);
}

}  // namespace
}  // namespace cordon
