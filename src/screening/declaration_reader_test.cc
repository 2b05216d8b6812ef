// Tests of the declaration readers (issue 3, "Declarations in"): the issue's
// example, aliases, every validation message naming its field, bad lines
// amid good ones, CSV quoting and grouping, limits; and a property test that
// random valid declarations survive the round trip through both formats;
// the stored forms (DeclarationToJson, ModelInputsJson) against the
// nlohmann::json dumps they replaced.
#include <gtest/gtest.h>
#include <rapidcheck.h>
#include <rapidcheck/gtest.h>

#include <algorithm>
#include <bit>
#include <cstdint>
#include <cstdio>
#include <cmath>
#include <functional>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/time.h"
#include "screening/declaration.h"
#include "screening/declaration_internal.h"
#include "screening/declaration_test_util.h"
#include "screening/json_writer.h"
#include "screening/model_inputs.h"

namespace cordon {
namespace {

using declaration_test::AppendCsvRows;
using declaration_test::AppendJsonLine;
using declaration_test::CsvHeader;
using declaration_test::SameDeclaration;
using nlohmann::json;

// One record as a reader returned it.
struct Record {
  ReadOutcome outcome = ReadOutcome::kEnd;
  Declaration declaration;
  ReadError error;
};

std::vector<Record> ReadAll(DeclarationSource& source) {
  std::vector<Record> records;
  // One Declaration reused across calls, as a screening loop would: the
  // readers must not leak fields from one record into the next.
  Declaration declaration;
  ReadError error;
  while (true) {
    ReadOutcome outcome = source.Next(&declaration, &error);
    if (outcome == ReadOutcome::kEnd) break;
    Record record;
    record.outcome = outcome;
    if (outcome == ReadOutcome::kDeclaration) record.declaration = declaration;
    if (outcome == ReadOutcome::kError) record.error = error;
    records.push_back(std::move(record));
    if (records.size() > 100000) break;  // a reader that never ends fails below
  }
  // The end stays the end.
  EXPECT_EQ(source.Next(&declaration, &error), ReadOutcome::kEnd);
  return records;
}

std::vector<Record> ReadJsonLines(const std::string& text) {
  std::istringstream input(text);
  auto source = OpenJsonLines(input);
  return ReadAll(*source);
}

std::vector<Record> ReadCsv(const std::string& text) {
  std::istringstream input(text);
  auto source = OpenCsv(input);
  return ReadAll(*source);
}

// The issue's example, verbatim (on one line).
const char kIssueExample[] =
    R"({"id":"DE-2025-000123","type":"import","lodged_at":"2025-03-04T09:12:00Z","office":"DEHAM",)"
    R"( "transport_mode":"sea","origin":"CN","dispatch":"CN","destination":"DE","e_commerce":false,)"
    R"( "consignor":{"name":"Shenzhen Bright Trading Co., Ltd.","address":"...","country":"CN"},)"
    R"( "consignee":{"name":"Nordhandel GmbH","address":"...","country":"DE"},)"
    R"( "declarant":{"name":"..."},"route":["CNSZX","SGSIN","DEHAM"],"containers":["MSCU1234567"],)"
    R"( "items":[{"hs":"640411","description":"sport shoes ZENTRA air runner","quantity":1200,)"
    R"(           "unit":"pairs","gross_kg":900.0,"value":4800.0,"currency":"USD"}]})";

Declaration IssueExampleDeclaration() {
  Declaration d;
  d.id = "DE-2025-000123";
  d.type = "import";
  d.lodged_at = ParseTimestamp("2025-03-04T09:12:00Z");
  d.office = "DEHAM";
  d.transport_mode = "sea";
  d.origin = "CN";
  d.dispatch = "CN";
  d.destination = "DE";
  d.e_commerce = false;
  d.consignor = {"Shenzhen Bright Trading Co., Ltd.", "...", "CN"};
  d.consignee = {"Nordhandel GmbH", "...", "DE"};
  d.declarant = {"...", "", ""};
  d.route = {"CNSZX", "SGSIN", "DEHAM"};
  d.containers = {"MSCU1234567"};
  DeclarationItem item;
  item.hs = "640411";
  item.description = "sport shoes ZENTRA air runner";
  item.quantity = 1200;
  item.unit = "pairs";
  item.gross_kg = 900.0;
  item.value = 4800.0;
  item.currency = "USD";
  d.items = {item};
  return d;
}

// A valid declaration as JSON, for tests that break one field at a time.
json BaseJson() { return json::parse(kIssueExample); }

// The reason a JSON text is rejected with, through ParseDeclarationJson; ""
// when it is accepted.
std::string Reason(const std::string& text) {
  Result<Declaration> result = ParseDeclarationJson(text);
  return result.ok() ? std::string() : result.error().message();
}

// ----------------------------------------------------------------------------
// JSON

TEST(DeclarationJson, IssueExampleParsesExactly) {
  Result<Declaration> parsed = ParseDeclarationJson(kIssueExample);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  const Declaration& d = *parsed;
  EXPECT_EQ(d.id, "DE-2025-000123");
  EXPECT_EQ(d.type, "import");
  ASSERT_TRUE(d.lodged_at.has_value());
  EXPECT_EQ(FormatTimestamp(*d.lodged_at), "2025-03-04T09:12:00.000Z");
  EXPECT_EQ(d.office, "DEHAM");
  EXPECT_EQ(d.transport_mode, "sea");
  EXPECT_EQ(d.origin, "CN");
  EXPECT_EQ(d.dispatch, "CN");
  EXPECT_EQ(d.destination, "DE");
  EXPECT_FALSE(d.e_commerce);
  EXPECT_EQ(d.consignor.name, "Shenzhen Bright Trading Co., Ltd.");
  EXPECT_EQ(d.consignor.address, "...");
  EXPECT_EQ(d.consignor.country, "CN");
  EXPECT_EQ(d.consignee.name, "Nordhandel GmbH");
  EXPECT_EQ(d.consignee.country, "DE");
  EXPECT_EQ(d.declarant.name, "...");
  EXPECT_EQ(d.declarant.country, "");
  EXPECT_EQ(d.route, (std::vector<std::string>{"CNSZX", "SGSIN", "DEHAM"}));
  EXPECT_EQ(d.containers, (std::vector<std::string>{"MSCU1234567"}));
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].hs, "640411");
  EXPECT_EQ(d.items[0].description, "sport shoes ZENTRA air runner");
  EXPECT_EQ(d.items[0].brand, "");
  EXPECT_EQ(d.items[0].quantity, 1200);
  EXPECT_EQ(d.items[0].unit, "pairs");
  EXPECT_EQ(d.items[0].gross_kg, 900.0);
  EXPECT_EQ(d.items[0].value, 4800.0);
  EXPECT_EQ(d.items[0].currency, "USD");
  EXPECT_TRUE(SameDeclaration(d, IssueExampleDeclaration()));
}

TEST(DeclarationJson, IssueExampleThroughJsonLines) {
  std::vector<Record> records = ReadJsonLines(std::string(kIssueExample) + "\n");
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
  EXPECT_TRUE(SameDeclaration(records[0].declaration, IssueExampleDeclaration()));
}

TEST(DeclarationJson, WcoAliasesReadLikeTheShortNames) {
  const char* aliased =
      R"({"declaration_id":"DE-2025-000123","declaration_type":"import",)"
      R"("lodged_at":"2025-03-04T09:12:00Z","customs_office":"DEHAM","mode_of_transport":"sea",)"
      R"("country_of_origin":"CN","country_of_dispatch":"CN","country_of_destination":"DE",)"
      R"("e_commerce":false,)"
      R"("consignor":{"name":"Shenzhen Bright Trading Co., Ltd.","address":"...","country":"CN"},)"
      R"("consignee":{"name":"Nordhandel GmbH","address":"...","country":"DE"},)"
      R"("declarant":{"name":"..."},"route":["CNSZX","SGSIN","DEHAM"],)"
      R"("containers":["MSCU1234567"],)"
      R"("goods_items":[{"commodity_code":"640411","goods_description":"sport shoes ZENTRA air runner",)"
      R"("quantity":1200,"unit":"pairs","gross_mass":900.0,"invoice_amount":4800.0,)"
      R"("invoice_currency":"USD"}]})";
  Result<Declaration> parsed = ParseDeclarationJson(aliased);
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(SameDeclaration(*parsed, IssueExampleDeclaration()));
}

TEST(DeclarationJson, AFieldGivenTwiceThroughAnAliasIsAnError) {
  json body = BaseJson();
  body["country_of_origin"] = "VN";
  EXPECT_EQ(Reason(body.dump()), "origin: given more than once (directly or through an alias)");
  body = BaseJson();
  body["items"][0]["commodity_code"] = "640411";
  EXPECT_EQ(Reason(body.dump()),
            "items[0].hs: given more than once (directly or through an alias)");
}

TEST(DeclarationJson, DuplicateKeysInTheTextAreAnError) {
  std::string text = kIssueExample;
  text.insert(1, R"("office":"DEBRV",)");
  // The first one counts; the second is reported under its own name.
  EXPECT_EQ(Reason(text), "office: given more than once (directly or through an alias)");
}

struct FieldCase {
  const char* name;
  std::function<void(json&)> change;
  const char* reason;
};

// Every validation rule, one field at a time, with the exact reason.
TEST(DeclarationJson, EveryValidationErrorNamesItsField) {
  const std::vector<FieldCase> cases = {
      {"id missing", [](json& b) { b.erase("id"); }, "id: is required"},
      {"id empty", [](json& b) { b["id"] = " "; }, "id: must not be empty"},
      {"id number", [](json& b) { b["id"] = 123; }, "id: must be a string"},
      {"type missing", [](json& b) { b.erase("type"); }, "type: is required"},
      {"type unknown", [](json& b) { b["type"] = "IM"; },
       "type: must be import, export or transit"},
      {"lodged_at date only", [](json& b) { b["lodged_at"] = "2025-03-04"; },
       "lodged_at: must be an RFC 3339 timestamp such as 2025-03-04T09:12:00Z"},
      {"lodged_at number", [](json& b) { b["lodged_at"] = 1741079520; },
       "lodged_at: must be a string"},
      {"office missing", [](json& b) { b.erase("office"); }, "office: is required"},
      {"office empty", [](json& b) { b["office"] = ""; }, "office: is required"},
      {"office not a locode", [](json& b) { b["office"] = "Hamburg"; },
       "office: must be a UN/LOCODE such as DEHAM"},
      {"transport_mode unknown", [](json& b) { b["transport_mode"] = "boat"; },
       "transport_mode: must be one of sea, air, road, rail, postal, express, other"},
      {"origin unknown", [](json& b) { b["origin"] = "XX"; },
       "origin: must be an ISO 3166-1 alpha-2 country code"},
      {"dispatch lower case", [](json& b) { b["dispatch"] = "cn"; },
       "dispatch: must be an ISO 3166-1 alpha-2 country code"},
      {"destination number", [](json& b) { b["destination"] = 276; },
       "destination: must be a string"},
      {"e_commerce string", [](json& b) { b["e_commerce"] = "yes"; },
       "e_commerce: must be true or false"},
      {"consignor not an object", [](json& b) { b["consignor"] = "Shenzhen Bright"; },
       "consignor: must be an object"},
      {"consignor country", [](json& b) { b["consignor"]["country"] = "China"; },
       "consignor.country: must be an ISO 3166-1 alpha-2 country code"},
      {"consignee name number", [](json& b) { b["consignee"]["name"] = 7; },
       "consignee.name: must be a string"},
      {"declarant address array", [](json& b) { b["declarant"]["address"] = json::array(); },
       "declarant.address: must be a string"},
      {"route not an array", [](json& b) { b["route"] = "CNSZX SGSIN"; },
       "route: must be an array"},
      {"route entry", [](json& b) { b["route"][1] = "Singapore"; },
       "route[1]: must be a UN/LOCODE such as DEHAM"},
      {"route entry number", [](json& b) { b["route"][2] = 5; }, "route[2]: must be a string"},
      {"containers entry empty", [](json& b) { b["containers"][0] = ""; },
       "containers[0]: must be non-empty and must not contain '|'"},
      {"containers entry with separator", [](json& b) { b["containers"][0] = "A|B"; },
       "containers[0]: must be non-empty and must not contain '|'"},
      {"items missing", [](json& b) { b.erase("items"); }, "items: is required"},
      {"items empty", [](json& b) { b["items"] = json::array(); },
       "items: must have at least one item"},
      {"items object", [](json& b) { b["items"] = json::object(); }, "items: must be an array"},
      {"item not an object", [](json& b) { b["items"][0] = "shoes"; },
       "items[0]: must be an object"},
      {"hs missing", [](json& b) { b["items"][0].erase("hs"); }, "items[0].hs: is required"},
      {"hs empty", [](json& b) { b["items"][0]["hs"] = ""; }, "items[0].hs: is required"},
      {"hs dotted", [](json& b) { b["items"][0]["hs"] = "6404.11"; },
       "items[0].hs: must be 2 to 10 digits"},
      {"hs too long", [](json& b) { b["items"][0]["hs"] = "64041100001"; },
       "items[0].hs: must be 2 to 10 digits"},
      {"hs number", [](json& b) { b["items"][0]["hs"] = 640411; }, "items[0].hs: must be a string"},
      {"description missing", [](json& b) { b["items"][0].erase("description"); },
       "items[0].description: is required"},
      {"description blank", [](json& b) { b["items"][0]["description"] = " \t"; },
       "items[0].description: must not be empty"},
      {"brand number", [](json& b) { b["items"][0]["brand"] = 1; },
       "items[0].brand: must be a string"},
      {"quantity negative", [](json& b) { b["items"][0]["quantity"] = -1; },
       "items[0].quantity: must not be negative"},
      {"quantity as string", [](json& b) { b["items"][0]["quantity"] = "1200"; },
       "items[0].quantity: must be a number"},
      {"unit number", [](json& b) { b["items"][0]["unit"] = 2; },
       "items[0].unit: must be a string"},
      {"gross_kg bool", [](json& b) { b["items"][0]["gross_kg"] = true; },
       "items[0].gross_kg: must be a number"},
      {"value negative", [](json& b) { b["items"][0]["value"] = -0.5; },
       "items[0].value: must not be negative"},
      {"value as string", [](json& b) { b["items"][0]["value"] = "4800.00"; },
       "items[0].value: must be a number"},
      {"currency lower case", [](json& b) { b["items"][0]["currency"] = "usd"; },
       "items[0].currency: must be an ISO 4217 currency code"},
      {"second item",
       [](json& b) {
         b["items"].push_back(b["items"][0]);
         b["items"][1]["hs"] = "x";
       },
       "items[1].hs: must be 2 to 10 digits"},
  };
  for (const FieldCase& test_case : cases) {
    json body = BaseJson();
    test_case.change(body);
    EXPECT_EQ(Reason(body.dump()), test_case.reason) << test_case.name;
    // The same through the JSON Lines reader, as an error record.
    std::vector<Record> records = ReadJsonLines(body.dump() + "\n");
    ASSERT_EQ(records.size(), 1u) << test_case.name;
    EXPECT_EQ(records[0].outcome, ReadOutcome::kError) << test_case.name;
    EXPECT_EQ(records[0].error.reason, test_case.reason) << test_case.name;
    EXPECT_EQ(records[0].error.line, 1) << test_case.name;
  }
}

TEST(DeclarationJson, OptionalFieldsMayBeAbsentEmptyOrNull) {
  json body = {{"id", "A1"},
               {"type", "transit"},
               {"office", "NLRTM"},
               {"origin", ""},
               {"lodged_at", nullptr},
               {"consignor", nullptr},
               {"items", {{{"hs", "42"}, {"description", "bags"}, {"currency", ""}}}}};
  Result<Declaration> parsed = ParseDeclarationJson(body.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_FALSE(parsed->lodged_at.has_value());
  EXPECT_EQ(parsed->origin, "");
  EXPECT_EQ(parsed->items[0].quantity, 0);
  EXPECT_EQ(parsed->transport_mode, "");
}

TEST(DeclarationJson, TimestampsWithOffsetsAreConvertedToUtc) {
  json body = BaseJson();
  body["lodged_at"] = "2025-03-04T10:12:00.250+01:00";
  Result<Declaration> parsed = ParseDeclarationJson(body.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(FormatTimestamp(*parsed->lodged_at), "2025-03-04T09:12:00.250Z");
}

TEST(DeclarationJson, SeveralProblemsAreJoinedAndListedAsFields) {
  // In the order of the text.
  std::string text = kIssueExample;
  text.replace(text.find("\"DEHAM\""), 7, "\"Hamburg\"");
  text.replace(text.find("\"640411\""), 8, "\"64.04\"");
  text.replace(text.find("\"USD\""), 5, "\"dollars\"");
  Result<Declaration> parsed = ParseDeclarationJson(text);
  ASSERT_FALSE(parsed.ok());
  EXPECT_EQ(parsed.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(parsed.error().message(),
            "office: must be a UN/LOCODE such as DEHAM; items[0].hs: must be 2 to 10 digits; "
            "items[0].currency: must be an ISO 4217 currency code");
  ASSERT_EQ(parsed.error().fields().size(), 3u);
  EXPECT_EQ(parsed.error().fields()[0].field, "office");
  EXPECT_EQ(parsed.error().fields()[1].field, "items[0].hs");
  EXPECT_EQ(parsed.error().fields()[2].field, "items[0].currency");
}

TEST(DeclarationJson, UnknownFieldsAreIgnoredAtEveryLevel) {
  json body = BaseJson();
  body["remarks"] = {{"free", {1, 2, {{"deep", nullptr}}}}};
  body["consignor"]["eori"] = "CN1234";
  body["items"][0]["origin_criterion"] = 3;
  Result<Declaration> parsed = ParseDeclarationJson(body.dump());
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_TRUE(SameDeclaration(*parsed, IssueExampleDeclaration()));
}

TEST(DeclarationJson, InvalidJsonInsideAnIgnoredFieldIsStillAnError) {
  std::string text = kIssueExample;
  text.insert(1, R"("remarks":tru,)");
  EXPECT_EQ(Reason(text).rfind("invalid JSON: ", 0), 0u) << Reason(text);
}

TEST(DeclarationJson, NumbersAsStringsAreRejected) {
  std::string text = kIssueExample;
  text.replace(text.find("1200"), 4, "\"1200\"");
  text.replace(text.find("900.0"), 5, "\"900.0\"");
  EXPECT_EQ(Reason(text),
            "items[0].quantity: must be a number; items[0].gross_kg: must be a number");
}

TEST(DeclarationJson, ALineThatIsNotAnObjectIsAnError) {
  EXPECT_EQ(Reason("[1,2]"), "must be a JSON object, not an array");
  EXPECT_EQ(Reason("\"DE-1\""), "must be a JSON object, not a string");
  EXPECT_EQ(Reason("42"), "must be a JSON object, not a number");
  EXPECT_EQ(Reason("null"), "must be a JSON object, not null");
  EXPECT_EQ(Reason("true"), "must be a JSON object, not true or false");
}

TEST(DeclarationJson, TruncatedAndBrokenJsonIsAnError) {
  std::string example = kIssueExample;
  for (size_t cut : {size_t{1}, size_t{30}, example.size() / 2, example.size() - 1}) {
    std::string reason = Reason(example.substr(0, cut));
    EXPECT_EQ(reason.rfind("invalid JSON: ", 0), 0u) << cut << ": " << reason;
  }
  EXPECT_EQ(Reason("{\"id\":\"A\"} trailing").rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(Reason("").rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(Reason("{\"id\":\"\xff\"}").rfind("invalid JSON: ", 0), 0u);  // not UTF-8
}

TEST(DeclarationJson, EscapesAndUnicodeAreDecoded) {
  json body = BaseJson();
  body["items"][0]["description"] = "Chaussures \"ZENTRA\" \xC3\xA9t\xC3\xA9\n\xE4\xB8\xAD";
  Result<Declaration> parsed = ParseDeclarationJson(body.dump());
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(parsed->items[0].description, "Chaussures \"ZENTRA\" \xC3\xA9t\xC3\xA9\n\xE4\xB8\xAD");
  parsed = ParseDeclarationJson(
      R"({"\u0069d":"A","type":"import","office":"DEHAM","items":[{"hs":"64","description":"caf\u00e9"}]})");
  ASSERT_TRUE(parsed.ok()) << parsed.error().message();
  EXPECT_EQ(parsed->id, "A");
  EXPECT_EQ(parsed->items[0].description, "caf\xC3\xA9");
}

TEST(DeclarationJson, HugeNumbersAreRejected) {
  json body = BaseJson();
  std::string text = body.dump();
  size_t at = text.find("1200");
  text.replace(at, 4, "1e999");
  EXPECT_FALSE(Reason(text).empty());
}

TEST(DeclarationJson, TooLongTextIsAnErrorNotACrash) {
  std::string text = R"({"id":"A","pad":")" + std::string(size_t{1} << 20, 'x') + "\"}";
  EXPECT_EQ(Reason(text), "declaration is longer than 1048576 bytes (1 MiB), the limit");
}

// ----------------------------------------------------------------------------
// JSON Lines

std::string Line(const std::string& id, const std::string& hs = "640411") {
  json body = BaseJson();
  body["id"] = id;
  body["items"][0]["hs"] = hs;
  return body.dump();
}

TEST(DeclarationJsonLines, AMalformedLineInTheMiddleIsAnErrorAndReadingGoesOn) {
  std::string text = Line("A") + "\n" + Line("B", "64x") + "\n" + "{\"id\":\"C\",\n" + Line("D") +
                     "\n" + "not json\n" + Line("E") + "\n";
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), 6u);
  EXPECT_EQ(records[0].outcome, ReadOutcome::kDeclaration);
  EXPECT_EQ(records[0].declaration.id, "A");
  EXPECT_EQ(records[1].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[1].error.line, 2);
  EXPECT_EQ(records[1].error.id, "B");
  EXPECT_EQ(records[1].error.reason, "items[0].hs: must be 2 to 10 digits");
  EXPECT_EQ(records[2].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[2].error.line, 3);
  EXPECT_EQ(records[2].error.id, "");
  EXPECT_EQ(records[2].error.reason.rfind("invalid JSON: ", 0), 0u);
  EXPECT_EQ(records[3].outcome, ReadOutcome::kDeclaration);
  EXPECT_EQ(records[3].declaration.id, "D");
  EXPECT_EQ(records[4].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[4].error.line, 5);
  EXPECT_EQ(records[5].outcome, ReadOutcome::kDeclaration);
  EXPECT_EQ(records[5].declaration.id, "E");
}

TEST(DeclarationJsonLines, BlankLinesAreSkippedButCounted) {
  std::string text = "\n   \n" + Line("A") + "\n\t\n\n" + Line("B", "") + "\n\n";
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].declaration.id, "A");
  EXPECT_EQ(records[1].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[1].error.line, 6);
  EXPECT_TRUE(ReadJsonLines("").empty());
  EXPECT_TRUE(ReadJsonLines("\n\r\n  \n").empty());
}

TEST(DeclarationJsonLines, CrlfLineEndingsAndAByteOrderMark) {
  std::string text = "\xEF\xBB\xBF" + Line("A") + "\r\n" + Line("B", "1") + "\r\n" + Line("C");
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[0].declaration.id, "A");
  EXPECT_EQ(records[1].error.line, 2);
  EXPECT_EQ(records[2].outcome, ReadOutcome::kDeclaration);  // no final line ending
  EXPECT_EQ(records[2].declaration.id, "C");
}

TEST(DeclarationJsonLines, ATruncatedLastLineIsAnError) {
  std::string text = Line("A") + "\n" + Line("B").substr(0, 40);
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[1].error.line, 2);
  EXPECT_EQ(records[1].error.reason.rfind("invalid JSON: ", 0), 0u);
}

TEST(DeclarationJsonLines, AHugeLineIsAnErrorAndTheNextLinesAreRead) {
  std::string huge = R"({"id":"H","pad":")" + std::string(3 << 20, 'x') + "\"}";
  std::string text = Line("A") + "\n" + huge + "\n" + Line("B") + "\n" + huge;
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].declaration.id, "A");
  EXPECT_EQ(records[1].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[1].error.line, 2);
  EXPECT_EQ(records[1].error.reason, "line is longer than 1048576 bytes (1 MiB), the limit");
  EXPECT_EQ(records[2].outcome, ReadOutcome::kDeclaration);
  EXPECT_EQ(records[2].declaration.id, "B");
  EXPECT_EQ(records[3].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[3].error.line, 4);
}

TEST(DeclarationJsonLines, ALineJustUnderTheLimitIsRead) {
  std::string line = Line("A");
  line.insert(1, "\"pad\":\"\",");
  line.insert(8, std::string((size_t{1} << 20) - line.size(), 'x'));
  ASSERT_EQ(line.size(), size_t{1} << 20);
  std::vector<Record> records = ReadJsonLines(Line("0") + "\n" + line + "\n" + Line("B") + "\n");
  ASSERT_EQ(records.size(), 3u);
  EXPECT_EQ(records[1].outcome, ReadOutcome::kDeclaration) << records[1].error.reason;
  EXPECT_EQ(records[1].declaration.id, "A");
  EXPECT_EQ(records[2].declaration.id, "B");
}

TEST(DeclarationJsonLines, ManyLinesAcrossBufferRefills) {
  std::string text;
  for (int index = 0; index < 20000; ++index) text += Line("D" + std::to_string(index)) + "\n";
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), 20000u);
  for (int index = 0; index < 20000; ++index) {
    ASSERT_EQ(records[index].outcome, ReadOutcome::kDeclaration);
    ASSERT_EQ(records[index].declaration.id, "D" + std::to_string(index));
  }
}

TEST(DeclarationJsonLines, FieldsOfOneRecordDoNotLeakIntoTheNext) {
  json full = BaseJson();
  full["items"].push_back(full["items"][0]);
  full["items"][1]["brand"] = "ZENTRA";
  json minimal = {{"id", "M"},
                  {"type", "export"},
                  {"office", "DEHAM"},
                  {"route", nullptr},
                  {"items", {{{"hs", "42"}, {"description", "bags"}}}}};
  std::vector<Record> records = ReadJsonLines(full.dump() + "\n" + minimal.dump() + "\n");
  ASSERT_EQ(records.size(), 2u);
  const Declaration& d = records[1].declaration;
  EXPECT_EQ(d.id, "M");
  EXPECT_FALSE(d.lodged_at.has_value());
  EXPECT_EQ(d.origin, "");
  EXPECT_EQ(d.consignor.name, "");
  EXPECT_TRUE(d.route.empty());
  EXPECT_TRUE(d.containers.empty());
  ASSERT_EQ(d.items.size(), 1u);
  EXPECT_EQ(d.items[0].unit, "");
  EXPECT_EQ(d.items[0].quantity, 0);
  EXPECT_EQ(d.items[0].brand, "");
}

// The reader expects each line's keys in the order of the line before (the
// order a producer writes); lines that change it, swap keys of the same
// length at the same place, switch between names and their aliases (short
// and long), or add unknown keys must still be read field by field.
TEST(DeclarationJsonLines, KeysInAnyOrderFromLineToLine) {
  const std::string lines =
      R"({"id":"A","type":"import","office":"DEHAM","origin":"CN","dispatch":"VN",)"
      R"("consignor":{"name":"Bright","country":"CN"},"consignee":{"name":"Nord"},)"
      R"("items":[{"hs":"6404","description":"shoes","quantity":3,"gross_kg":2,"brand":"ZENTRA"}]})"
      "\n"
      // Same-length keys swapped in place: origin/office, consignee/consignor,
      // gross_kg/quantity, value/brand.
      R"({"id":"B","type":"export","origin":"FR","office":"NLRTM","dispatch":"IT",)"
      R"("consignee":{"name":"Sud"},"consignor":{"country":"IT","name":"Lumio"},)"
      R"("items":[{"hs":"8504","description":"chargers","gross_kg":7,"quantity":5,"value":9}]})"
      "\n"
      R"({"declaration_id":"C","x":1,"declaration_type":"transit","customs_office":"BEANR",)"
      R"("country_of_dispatch":"PL","country_of_origin":"CZ","goods_items":[)"
      R"({"unit":"kg","commodity_code":"42","goods_description":"bags"},{"hs":"61","y":null,)"
      R"("description":"shirts","invoice_amount":4}]})"
      "\n"
      R"({"id":"D","type":"import","office":"DEHAM","origin":"CN","dispatch":"VN",)"
      R"("items":[{"hs":"6404","description":"shoes","quantity":3,"gross_kg":2}]})"
      "\n";
  std::vector<Record> records = ReadJsonLines(lines);
  ASSERT_EQ(records.size(), 4u);
  for (const Record& record : records) {
    ASSERT_EQ(record.outcome, ReadOutcome::kDeclaration) << record.error.reason;
  }
  const Declaration& b = records[1].declaration;
  EXPECT_EQ(b.id, "B");
  EXPECT_EQ(b.type, "export");
  EXPECT_EQ(b.office, "NLRTM");
  EXPECT_EQ(b.origin, "FR");
  EXPECT_EQ(b.dispatch, "IT");
  EXPECT_EQ(b.consignor.name, "Lumio");
  EXPECT_EQ(b.consignor.country, "IT");
  EXPECT_EQ(b.consignee.name, "Sud");
  EXPECT_EQ(b.consignee.country, "");
  ASSERT_EQ(b.items.size(), 1u);
  EXPECT_EQ(b.items[0].quantity, 5);
  EXPECT_EQ(b.items[0].gross_kg, 7);
  EXPECT_EQ(b.items[0].value, 9);
  EXPECT_EQ(b.items[0].brand, "");
  const Declaration& c = records[2].declaration;
  EXPECT_EQ(c.id, "C");
  EXPECT_EQ(c.type, "transit");
  EXPECT_EQ(c.office, "BEANR");
  EXPECT_EQ(c.origin, "CZ");
  EXPECT_EQ(c.dispatch, "PL");
  ASSERT_EQ(c.items.size(), 2u);
  EXPECT_EQ(c.items[0].hs, "42");
  EXPECT_EQ(c.items[0].unit, "kg");
  EXPECT_EQ(c.items[0].description, "bags");
  EXPECT_EQ(c.items[1].hs, "61");
  EXPECT_EQ(c.items[1].description, "shirts");
  EXPECT_EQ(c.items[1].value, 4);
  const Declaration& d = records[3].declaration;
  EXPECT_EQ(d.id, "D");
  EXPECT_EQ(d.office, "DEHAM");
  EXPECT_EQ(d.origin, "CN");
  EXPECT_EQ(d.consignor.name, "");
  EXPECT_EQ(d.items[0].quantity, 3);
  EXPECT_EQ(d.items[0].gross_kg, 2);
}

// ----------------------------------------------------------------------------
// The direct reader: ParseDeclarationJson and the JSON Lines reader read
// plain valid declarations in one pass and give everything else to simdjson's
// DOM. Whatever the direct reader accepts, the DOM must accept as the same
// declaration, bit for bit.

// Equal as stored: strings, and amounts bit for bit (so -0 differs from 0).
bool Identical(const Declaration& a, const Declaration& b) {
  if (!SameDeclaration(a, b)) return false;
  for (size_t index = 0; index < a.items.size(); ++index) {
    const DeclarationItem& x = a.items[index];
    const DeclarationItem& y = b.items[index];
    if (std::bit_cast<uint64_t>(x.quantity) != std::bit_cast<uint64_t>(y.quantity) ||
        std::bit_cast<uint64_t>(x.gross_kg) != std::bit_cast<uint64_t>(y.gross_kg) ||
        std::bit_cast<uint64_t>(x.value) != std::bit_cast<uint64_t>(y.value)) {
      return false;
    }
  }
  return true;
}

// Whether the direct reader took `text`; fails the test when it took a text
// the DOM rejects or reads differently. Through ParseDeclarationJson, the
// result must always be the DOM's: the same declaration, or the same message
// and fields.
// With `line_before`, the direct reader reads that text first, into the
// same Declaration (as in a file: it then expects that line's keys).
bool DirectAgreesWithDom(const std::string& text, std::string_view line_before = {}) {
  Result<Declaration> dom = declaration_internal::ParseDeclarationJsonThroughDom(text);
  Declaration direct;
  const bool took = declaration_internal::ReadDirectly(text, &direct, line_before);
  if (took) {
    EXPECT_TRUE(dom.ok()) << text << "\n" << (dom.ok() ? "" : dom.error().message());
    if (dom.ok()) {
      EXPECT_TRUE(Identical(direct, *dom)) << text;
    }
  }
  Result<Declaration> parsed = ParseDeclarationJson(text);
  EXPECT_EQ(parsed.ok(), dom.ok()) << text;
  if (parsed.ok() && dom.ok()) {
    EXPECT_TRUE(Identical(*parsed, *dom)) << text;
  } else if (!parsed.ok() && !dom.ok()) {
    EXPECT_EQ(parsed.error().message(), dom.error().message()) << text;
    EXPECT_EQ(parsed.error().fields().size(), dom.error().fields().size()) << text;
  }
  return took;
}

// Texts the direct reader takes, each exercising something else: spaces
// everywhere JSON allows them, aliases, nulls, unknown fields of every kind,
// non-ASCII text, empty optional values, many items.
std::vector<std::string> DirectTexts() {
  return {
      kIssueExample,
      R"( { "declaration_id" : "X-1" , "declaration_type" : "export" , "customs_office" : "NLRTM" ,)"
      " \"goods_items\" : [ { \"commodity_code\" : \"6404\" , \"goods_description\" : \"caf\xC3\xA9 "
      "\xE4\xB8\xAD\xF0\x9F\x98\x80\" , \"gross_mass\" : 0.5 , \"invoice_amount\" : 12 ,"
      R"( "invoice_currency" : "EUR" } ] , "lodged_at" : "" , "consignor" : null , "route" : [ ] } )",
      R"({"id":"U","type":"transit","office":"DEHAM","remarks":{"a":[1,-2.5,0,true,false,null,"x",)"
      R"({}, [], {"b":{"c":[[["deep"]]]}}],"d":")" "\xC3\xA9" R"("},"transport_mode":null,"origin":"",)"
      R"("items":[{"hs":"12","description":"a","quantity":0,"value":0.0,"extra":[1.25]},)"
      R"({"hs":"1234567890","description":"b","brand":"","unit":"kg","gross_kg":123456789012345678,)"
      R"("value":1234.5600000000001,"currency":""},{"hs":"99","description":" c ","quantity":)"
      R"(0.1234567890123456}],"e_commerce":true,"containers":["MSCU1","A B"],"consignee":{}})",
      // The one-character escapes, in known and ignored fields and keys, and
      // an escaped backslash just before a closing quote.
      R"({"id":"E\"1\\","type":"import","office":"DEHAM","n\/te":"a\"b\\\"c","consignor":)"
      R"({"name":"Caf)" "\xC3\xA9" R"( \"Star\" \\ \/ \b\f\n\r\t","address":"\\"},"items":[{"hs":"64",)"
      R"("description":"shoes \"ZENTRA\"","brand":"\\\\"}]})",
      // \u escapes outside the surrogates, in keys too, in both cases of hex.
      R"({"\u0069d":"\u0055\u00e9\u00E9\u4e2D\uFFFD\u0000.","type":"import","office":"DE\u0048AM",)"
      R"("items":[{"hs":"64","description":"caf\u00e9 \u20AC","re\u006darks":"\u007f"}]})",
  };
}

TEST(DeclarationDirectReader, TakesPlainDeclarationsAndReadsThemAsTheDomDoes) {
  for (const std::string& text : DirectTexts()) {
    EXPECT_TRUE(DirectAgreesWithDom(text)) << text;
  }
  // Escaped surrogates (pairs and lone ones), bad hex digits and whitespace
  // other than spaces are left to the DOM.
  for (const char* escape : {R"(\ud83d\ude00)", R"(\ud83d)", R"(\ude00)", R"(\ud83dx)", R"(\u00g9)",
                             R"(\u00e)", R"(\x41)"}) {
    EXPECT_FALSE(DirectAgreesWithDom(
        std::string(R"({"id":"A","type":"import","office":"DEHAM","items":[{"hs":"64",)") +
        R"("description":"d)" + escape + R"("}]})"))
        << escape;
  }
  EXPECT_FALSE(DirectAgreesWithDom(
      "{\"id\":\"A\",\t\"type\":\"import\",\"office\":\"DEHAM\",\"items\":[{\"hs\":\"64\","
      "\"description\":\"d\"}]}\r\n"));
}

TEST(DeclarationDirectReader, AmountsAreTheDomsNumbersBitForBit) {
  const std::string head =
      R"({"id":"N","type":"import","office":"DEHAM","items":[{"hs":"64","description":"d","value":)";
  std::mt19937_64 random(7);
  std::vector<std::string> numbers = {"0",   "0.0",  "-0",    "-0.0", "1",     "00",  "01",
                                      "1.",  ".5",   "1e2",   "1E2",  "1.5e-3", "-1", "+1",
                                      "0.1", "0.30000000000000004", "9007199254740993",
                                      "123456789012345678", "1234567890123456789",
                                      "18446744073709551616", "1.7976931348623157e308"};
  for (int round = 0; round < 3000; ++round) {
    std::string number = std::to_string(random() % 1000000000000ULL);
    number.resize(1 + random() % number.size());
    if (random() % 2 == 0) {
      std::string fraction = std::to_string(random());
      fraction.resize(1 + random() % fraction.size());
      number += "." + fraction;
    }
    numbers.push_back(number);
  }
  int taken = 0;
  for (const std::string& number : numbers) taken += DirectAgreesWithDom(head + number + "}]}");
  EXPECT_GT(taken, 2000);
}

TEST(DeclarationDirectReader, EscapedCodePointsAreTheDomsBytes) {
  std::mt19937 random(11);
  int taken = 0;
  for (int round = 0; round < 2000; ++round) {
    std::string escapes;
    for (int count = 0; count < 3; ++count) {
      const uint32_t code = round < 1000 ? random() % 0x10000 : random() % 0x800;
      char hex[8];
      std::snprintf(hex, sizeof(hex), random() % 2 ? "\\u%04x" : "\\u%04X", code);
      escapes += hex;
    }
    taken += DirectAgreesWithDom(
        R"({"id":"A","type":"import","office":"DEHAM","items":[{"hs":"64","description":"d)" +
        escapes + R"("}]})");
  }
  EXPECT_GT(taken, 1500);  // those without a surrogate
}

// Every byte of typical texts deleted, replaced or preceded by bytes that
// matter to JSON: whatever the direct reader still takes must read as the
// DOM reads it, and everything else as the DOM words it.
TEST(DeclarationDirectReader, AgreesWithTheDomOnEverySmallChange) {
  const std::string bytes = std::string("\"\\{}[],:0-.e n\xC3\t", 16) + '\0';
  int taken = 0;
  int texts = 0;
  for (const std::string& text : DirectTexts()) {
    for (size_t at = 0; at < text.size(); ++at) {
      std::string changed = text;
      changed.erase(at, 1);
      taken += DirectAgreesWithDom(changed);
      ++texts;
      for (char byte : bytes) {
        changed = text;
        changed[at] = byte;
        taken += DirectAgreesWithDom(changed);
        changed = text;
        changed.insert(at, 1, byte);
        taken += DirectAgreesWithDom(changed);
        texts += 2;
      }
    }
  }
  // Some changes keep the text valid (a digit, a space), most do not.
  EXPECT_GT(taken, 100);
  EXPECT_LT(taken, texts / 2);
}

// The same after the unchanged text, so that the reader expects its keys
// (and takes a key written exactly as expected, `"name":`, without
// searching for its closing quote): a change in or next to a key must still
// be read as the DOM reads it.
TEST(DeclarationDirectReader, AgreesWithTheDomOnEverySmallChangeAfterTheUnchangedLine) {
  const std::string bytes = "\":\\ x";
  int taken = 0;
  int texts = 0;
  for (const std::string& text : DirectTexts()) {
    EXPECT_TRUE(DirectAgreesWithDom(text, text));
    for (size_t at = 0; at < text.size(); ++at) {
      std::string changed = text;
      changed.erase(at, 1);
      taken += DirectAgreesWithDom(changed, text);
      ++texts;
      for (char byte : bytes) {
        changed = text;
        changed[at] = byte;
        taken += DirectAgreesWithDom(changed, text);
        changed = text;
        changed.insert(at, 1, byte);
        taken += DirectAgreesWithDom(changed, text);
        texts += 2;
      }
    }
  }
  EXPECT_GT(taken, 100);
  EXPECT_LT(taken, texts / 2);
}

// A string without its closing quote, at every length, after a line with
// quotes everywhere (the reader's map of quotes is reused from line to line).
TEST(DeclarationDirectReader, AnUnterminatedStringAfterALineFullOfQuotes) {
  std::string quotes = "{";
  for (int index = 0; index < 60; ++index) quotes += "\"k" + std::to_string(index) + "\":\"\",";
  quotes += "\"id\":\"Q\"}";
  for (size_t length = 0; length < 300; ++length) {
    DirectAgreesWithDom(quotes);
    const std::string open = "{\"id\":\"" + std::string(length, 'x');
    EXPECT_FALSE(DirectAgreesWithDom(open)) << length;
    EXPECT_FALSE(DirectAgreesWithDom(open + "}")) << length;
  }
}

// The direct reader reuses the day of the previous line's lodged_at when the
// date is the same: times on that day, good and bad, read as ParseTimestamp
// reads them.
TEST(DeclarationDirectReader, TimestampsOnTheSameDayAsTheLineBefore) {
  const std::vector<std::string> stamps = {
      "2025-03-04T09:12:00Z", "2025-03-04T23:59:60Z", "2025-03-04T00:00:00Z",
      "2025-03-04T24:00:00Z", "2025-03-04T09:60:00Z", "2025-03-04T09:12:61Z",
      "2025-03-04T9:12:00Z",  "2025-03-04T09:1a:00Z", "2025-03-04t09:12:00Z",
      "2025-03-04T09:12:00z", "2025-03-04T09:12:00.5Z", "2025-03-04T09:12:00+01:00",
      "2025-03-04T09:12:00",  "2025-03-04 09:12:00Z", "2025-03-05T01:02:03Z",
      "2025-03-05T01:02:04Z", "2025-02-29T01:02:03Z", "2024-02-29T01:02:03Z",
      "2024-02-29T23:02:03Z"};
  std::string text;
  for (const std::string& stamp : stamps) {
    json body = BaseJson();
    body["lodged_at"] = stamp;
    text += body.dump() + "\n";
  }
  std::vector<Record> records = ReadJsonLines(text);
  ASSERT_EQ(records.size(), stamps.size());
  for (size_t index = 0; index < stamps.size(); ++index) {
    std::optional<Timestamp> expected = ParseTimestamp(stamps[index]);
    const Record& record = records[index];
    ASSERT_EQ(record.outcome == ReadOutcome::kDeclaration, expected.has_value()) << stamps[index];
    if (expected) {
      EXPECT_EQ(record.declaration.lodged_at, expected) << stamps[index];
    } else {
      EXPECT_EQ(record.error.reason, "lodged_at: must be an RFC 3339 timestamp such as 2025-03-04T09:12:00Z");
    }
  }
}

// The JSON Lines reader takes each line in place in its buffer (the direct
// reader marks the line's end there): lines across buffer refills, longer
// than a refill, with CRLF, and a last line without its newline.
TEST(DeclarationDirectReader, JsonLinesReadInPlaceMatchTheDomLineByLine) {
  std::vector<std::string> lines;
  for (int index = 0; index < 400; ++index) {
    json body = BaseJson();
    body["id"] = "L-" + std::to_string(index);
    body["consignor"]["address"] = std::string(static_cast<size_t>(index * 37 % 300), 'a');
    if (index % 50 == 7) body["remarks"] = std::string(size_t{100} << 10, 'r');  // > 64 KiB
    if (index % 9 == 4) body["items"][0]["quantity"] = -1;                      // an error
    // Fields given on one line and absent or null on the next: the reader
    // overwrites the Declaration it is given, and must clear what is not.
    if (index % 3 == 1) body.erase("lodged_at");
    if (index % 3 == 2) body["consignor"].erase("address");
    if (index % 4 == 1) body["route"] = nullptr;
    if (index % 4 == 2) body["e_commerce"] = true;
    if (index % 5 == 3) body.erase("consignee");
    if (index % 5 == 4) body["declarant"]["country"] = "DE";
    if (index % 6 == 5) body["items"].push_back(body["items"][0]);
    // Item counts going up and down: items past the count are kept by the
    // reader for later lines, and must not bring their fields along.
    if (index % 10 == 9) {
      json item = {{"hs", "6402"},      {"description", std::string(40 + index % 7, 'd')},
                   {"brand", "LUMIO"},  {"unit", "pairs"},
                   {"currency", "EUR"}, {"value", 2.5}};
      body["items"].push_back(item);
      body["items"].push_back(item);
    }
    if (index % 7 == 6) body["items"][0]["brand"] = "ZENTRA";
    if (index % 7 == 0) body["items"][0].erase("gross_kg");
    if (index % 8 == 3) body["items"][0]["currency"] = nullptr;
    lines.push_back(body.dump());
  }
  for (bool crlf : {false, true}) {
    std::string text;
    for (const std::string& line : lines) text += line + (crlf ? "\r\n" : "\n");
    text.resize(text.size() - (crlf ? 2 : 1));  // the last line ends without a newline
    std::vector<Record> records = ReadJsonLines(text);
    ASSERT_EQ(records.size(), lines.size());
    for (size_t index = 0; index < lines.size(); ++index) {
      Result<Declaration> dom = declaration_internal::ParseDeclarationJsonThroughDom(lines[index]);
      const Record& record = records[index];
      ASSERT_EQ(record.outcome == ReadOutcome::kDeclaration, dom.ok()) << index;
      if (dom.ok()) {
        EXPECT_TRUE(Identical(record.declaration, *dom)) << index;
      } else {
        EXPECT_EQ(record.error.reason, dom.error().message()) << index;
        EXPECT_EQ(record.error.line, static_cast<long long>(index) + 1);
      }
    }
  }
}

// ----------------------------------------------------------------------------
// CSV

const std::string kCsvHeader =
    "id,type,lodged_at,office,transport_mode,origin,dispatch,destination,e_commerce,"
    "consignor_name,consignor_address,consignor_country,consignee_name,consignee_address,"
    "consignee_country,declarant_name,declarant_address,declarant_country,route,containers,"
    "item_hs,item_description,item_brand,item_quantity,item_unit,item_gross_kg,item_value,"
    "item_currency\n";

// The issue's example as one CSV row.
const std::string kCsvExampleRow =
    "DE-2025-000123,import,2025-03-04T09:12:00Z,DEHAM,sea,CN,CN,DE,false,"
    "\"Shenzhen Bright Trading Co., Ltd.\",...,CN,Nordhandel GmbH,...,DE,...,,,"
    "CNSZX|SGSIN|DEHAM,MSCU1234567,640411,sport shoes ZENTRA air runner,,1200,pairs,900.0,"
    "4800.0,USD\n";

TEST(DeclarationCsv, TheIssueExampleAsOneRow) {
  std::vector<Record> records = ReadCsv(kCsvHeader + kCsvExampleRow);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
  EXPECT_TRUE(SameDeclaration(records[0].declaration, IssueExampleDeclaration()));
}

// The example of docs/declarations.md, verbatim.
TEST(DeclarationCsv, TheDocumentedExample) {
  const std::string text =
      R"csv(id,type,lodged_at,office,transport_mode,origin,dispatch,destination,e_commerce,consignor_name,consignor_address,consignor_country,consignee_name,consignee_address,consignee_country,declarant_name,route,containers,item_hs,item_description,item_brand,item_quantity,item_unit,item_gross_kg,item_value,item_currency
DE-2025-000123,import,2025-03-04T09:12:00Z,DEHAM,sea,CN,CN,DE,false,"Shenzhen Bright Trading Co., Ltd.",...,CN,Nordhandel GmbH,...,DE,...,CNSZX|SGSIN|DEHAM,MSCU1234567,640411,sport shoes ZENTRA air runner,,1200,pairs,900.0,4800.0,USD
DE-2025-000123,import,2025-03-04T09:12:00Z,DEHAM,sea,CN,CN,DE,false,"Shenzhen Bright Trading Co., Ltd.",...,CN,Nordhandel GmbH,...,DE,...,CNSZX|SGSIN|DEHAM,MSCU1234567,420222,"handbags, ""ZENTRA"" logo",ZENTRA,300,pcs,210.5,2650.0,USD
DE-2025-000124,import,2025-03-04T09:15:00Z,DELEJ,express,CN,CN,DE,true,Yiwu Star Trading Ltd.,Yiwu,CN,Anna Muster,"Hauptstr. 1
04109 Leipzig",DE,Express Clearance GmbH,,,910211,wrist watch,,1,pcs,0.2,19.9,EUR
)csv";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
  Declaration expected = IssueExampleDeclaration();
  DeclarationItem bags;
  bags.hs = "420222";
  bags.description = "handbags, \"ZENTRA\" logo";
  bags.brand = "ZENTRA";
  bags.quantity = 300;
  bags.unit = "pcs";
  bags.gross_kg = 210.5;
  bags.value = 2650.0;
  bags.currency = "USD";
  expected.items.push_back(bags);
  EXPECT_TRUE(SameDeclaration(records[0].declaration, expected));
  ASSERT_EQ(records[1].outcome, ReadOutcome::kDeclaration) << records[1].error.reason;
  EXPECT_EQ(records[1].declaration.consignee.address, "Hauptstr. 1\n04109 Leipzig");
  EXPECT_TRUE(records[1].declaration.e_commerce);
  EXPECT_EQ(records[1].declaration.items[0].value, 19.9);
}

TEST(DeclarationCsv, ConsecutiveRowsWithTheSameIdFormOneDeclaration) {
  std::string text =
      "id,type,office,item_hs,item_description,item_quantity\n"
      "A,import,DEHAM,640411,shoes,10\n"
      "A,import,DEHAM,420222,bags,20\n"
      "A,import,DEHAM,610910,t-shirts,30\n"
      "B,export,DEHAM,8517,phones,1\n"
      "A,import,DEHAM,9102,watches,2\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 3u);
  const Declaration& a = records[0].declaration;
  EXPECT_EQ(a.id, "A");
  ASSERT_EQ(a.items.size(), 3u);
  EXPECT_EQ(a.items[0].hs, "640411");
  EXPECT_EQ(a.items[1].description, "bags");
  EXPECT_EQ(a.items[2].quantity, 30);
  EXPECT_EQ(records[1].declaration.id, "B");
  ASSERT_EQ(records[1].declaration.items.size(), 1u);
  // Not consecutive: a declaration of its own (the reader does not look back).
  EXPECT_EQ(records[2].declaration.id, "A");
  ASSERT_EQ(records[2].declaration.items.size(), 1u);
  EXPECT_EQ(records[2].declaration.items[0].hs, "9102");
}

TEST(DeclarationCsv, DeclarationFieldsThatDifferBetweenRowsAreAnErrorNamingTheColumn) {
  std::string text =
      "id,type,office,origin,item_hs,item_description\n"
      "A,import,DEHAM,CN,640411,shoes\n"
      "A,import,DEHAM,VN,420222,bags\n"
      "B,import,DEHAM,CN,420222,bags\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[0].error.line, 2);
  EXPECT_EQ(records[0].error.id, "A");
  EXPECT_EQ(records[0].error.reason,
            "origin (line 3): differs from the declaration's first row (line 2)");
  EXPECT_EQ(records[1].declaration.id, "B");
}

TEST(DeclarationCsv, QuotedFieldsWithCommasQuotesAndLineBreaks) {
  std::string text =
      "\xEF\xBB\xBFid,type,office,item_hs,item_description,item_brand\r\n"
      "A,import,DEHAM,640411,\"shoes, sport\",\"the \"\"best\"\" brand\"\r\n"
      "B,import,DEHAM,640411,\"two\r\nlines\nhere\",\"\"\r\n"
      "C,import,DEHAM,64x,shoes,\r\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 3u);
  ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
  EXPECT_EQ(records[0].declaration.items[0].description, "shoes, sport");
  EXPECT_EQ(records[0].declaration.items[0].brand, "the \"best\" brand");
  ASSERT_EQ(records[1].outcome, ReadOutcome::kDeclaration) << records[1].error.reason;
  EXPECT_EQ(records[1].declaration.items[0].description, "two\r\nlines\nhere");
  EXPECT_EQ(records[1].declaration.items[0].brand, "");
  // Line numbers count the line breaks inside quotes.
  EXPECT_EQ(records[2].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[2].error.line, 6);
  EXPECT_EQ(records[2].error.reason, "item_hs: must be 2 to 10 digits");
}

TEST(DeclarationCsv, ALoneQuoteInsideAnUnquotedFieldIsData) {
  std::string text =
      "id,type,office,item_hs,item_description\n"
      "A,import,DEHAM,8528,27\" monitor\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
  EXPECT_EQ(records[0].declaration.items[0].description, "27\" monitor");
}

TEST(DeclarationCsv, TextAfterAClosingQuoteIsAnErrorAndTheNextRowIsRead) {
  std::string text =
      "id,type,office,item_hs,item_description\n"
      "A,import,DEHAM,8528,\"monitor\" 27\n"
      "B,import,DEHAM,8528,monitor\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[0].error.line, 2);
  EXPECT_EQ(records[0].error.id, "A");
  EXPECT_EQ(records[0].error.reason,
            "row: unexpected character after the closing quote of field 5");
  EXPECT_EQ(records[1].declaration.id, "B");
}

TEST(DeclarationCsv, AnUnterminatedQuoteIsAnError) {
  std::string text =
      "id,type,office,item_hs,item_description\n"
      "A,import,DEHAM,8528,monitor\n"
      "B,import,DEHAM,8528,\"monitor\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[1].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[1].error.line, 3);
  EXPECT_EQ(records[1].error.reason, "row: unterminated quoted field");
}

TEST(DeclarationCsv, ARowWithTheWrongNumberOfFieldsIsAnErrorWithItsLine) {
  std::string text =
      "id,type,office,item_hs,item_description\n"
      "A,import,DEHAM,640411,shoes\n"
      "B,import,DEHAM,640411\n"
      "C,import,DEHAM,640411,shoes,extra\n"
      "D,import,DEHAM,640411,shoes\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].declaration.id, "A");
  EXPECT_EQ(records[1].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[1].error.line, 3);
  EXPECT_EQ(records[1].error.id, "B");
  EXPECT_EQ(records[1].error.reason, "row: has 4 fields where the header has 5");
  EXPECT_EQ(records[2].error.line, 4);
  EXPECT_EQ(records[2].error.reason, "row: has 6 fields where the header has 5");
  EXPECT_EQ(records[3].declaration.id, "D");
}

TEST(DeclarationCsv, ABadRowInsideADeclarationRejectsTheWholeDeclaration) {
  // Screening a declaration without one of its items would hide that item.
  std::string text =
      "id,type,office,item_hs,item_description\n"
      "A,import,DEHAM,640411,shoes\n"
      "A,import,DEHAM,640411\n"
      "A,import,DEHAM,4202,bags\n"
      "B,import,DEHAM,640411,shoes\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[0].error.line, 2);
  EXPECT_EQ(records[0].error.id, "A");
  EXPECT_EQ(records[0].error.reason, "row (line 3): has 4 fields where the header has 5");
  EXPECT_EQ(records[1].declaration.id, "B");
}

TEST(DeclarationCsv, MissingRequiredColumnsFailTheHeader) {
  std::string text = "type,office,item_description,origin\nimport,DEHAM,shoes,CN\n";
  std::istringstream input(text);
  auto source = OpenCsv(input);
  Declaration declaration;
  ReadError error;
  ASSERT_EQ(source->Next(&declaration, &error), ReadOutcome::kError);
  EXPECT_EQ(error.line, 1);
  EXPECT_EQ(error.reason, "header: missing required column(s) id, item_hs");
  EXPECT_EQ(source->Next(&declaration, &error), ReadOutcome::kEnd);
  EXPECT_EQ(source->Next(&declaration, &error), ReadOutcome::kEnd);
}

TEST(DeclarationCsv, AColumnGivenTwiceFailsTheHeader) {
  std::vector<Record> records =
      ReadCsv("id,type,office,origin,item_hs,item_description,country_of_origin\n");
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error.line, 1);
  EXPECT_EQ(records[0].error.reason, "header: column country_of_origin repeats column origin");
}

TEST(DeclarationCsv, EmptyInputHasNoRecords) {
  EXPECT_TRUE(ReadCsv("").empty());
  EXPECT_TRUE(ReadCsv("\xEF\xBB\xBF").empty());
  EXPECT_TRUE(ReadCsv("id,type,office,item_hs,item_description\n").empty());
}

TEST(DeclarationCsv, HeaderNamesAreCaseInsensitiveInAnyOrderWithAliasesAndUnknownColumns) {
  std::string text =
      " Item_Commodity_Code ,Customs_Office,remarks,DECLARATION_ID,type,item_goods_description,"
      "item_gross_mass,item_invoice_amount,item_invoice_currency,country_of_origin\n"
      "640411,DEHAM,whatever,A,import,shoes,12.5,100,EUR,CN\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 1u);
  ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
  const Declaration& d = records[0].declaration;
  EXPECT_EQ(d.id, "A");
  EXPECT_EQ(d.office, "DEHAM");
  EXPECT_EQ(d.origin, "CN");
  EXPECT_EQ(d.items[0].hs, "640411");
  EXPECT_EQ(d.items[0].gross_kg, 12.5);
  EXPECT_EQ(d.items[0].value, 100);
  EXPECT_EQ(d.items[0].currency, "EUR");
}

TEST(DeclarationCsv, EveryValidationErrorNamesItsColumn) {
  struct CsvCase {
    std::string column;
    std::string value;
    std::string reason;
  };
  const std::vector<CsvCase> cases = {
      {"id", "", "id: is required"},
      {"type", "IM", "type: must be import, export or transit"},
      {"type", "", "type: is required"},
      {"lodged_at", "04/03/2025",
       "lodged_at: must be an RFC 3339 timestamp such as 2025-03-04T09:12:00Z"},
      {"office", "", "office: is required"},
      {"office", "Hamburg", "office: must be a UN/LOCODE such as DEHAM"},
      {"transport_mode", "boat",
       "transport_mode: must be one of sea, air, road, rail, postal, express, other"},
      {"origin", "XX", "origin: must be an ISO 3166-1 alpha-2 country code"},
      {"e_commerce", "yes", "e_commerce: must be true, false or empty"},
      {"consignor_country", "China",
       "consignor_country: must be an ISO 3166-1 alpha-2 country code"},
      {"route", "CNSZX|Singapore", "route[1]: must be a UN/LOCODE such as DEHAM"},
      {"route", "CNSZX|", "route[1]: must be a UN/LOCODE such as DEHAM"},
      {"containers", "MSCU1|", "containers[1]: must be non-empty and must not contain '|'"},
      {"item_hs", "", "item_hs: is required"},
      {"item_hs", "6404.11", "item_hs: must be 2 to 10 digits"},
      {"item_description", " ", "item_description: is required"},
      {"item_quantity", "12 pairs", "item_quantity: must be a number such as 1200 or 900.5"},
      {"item_quantity", "-3", "item_quantity: must not be negative"},
      {"item_gross_kg", "nan", "item_gross_kg: must be a finite number"},
      {"item_value", "1,5", "row: has 7 fields where the header has 6"},
      {"item_value", "\"1,5\"", "item_value: must be a number such as 1200 or 900.5"},
      {"item_currency", "usd", "item_currency: must be an ISO 4217 currency code"},
      {"item_brand", "\xff", "item_brand: must be valid UTF-8"},
  };
  for (const CsvCase& test_case : cases) {
    std::string header = "id,type,office,item_hs,item_description";
    std::string row = "A,import,DEHAM,640411,shoes";
    std::vector<std::string> base_columns = {"id", "type", "office", "item_hs", "item_description"};
    auto position = std::find(base_columns.begin(), base_columns.end(), test_case.column);
    if (position == base_columns.end()) {
      header += "," + test_case.column;
      row += "," + test_case.value;
    } else {
      // Rebuild the row with the value in place.
      row.clear();
      const std::vector<std::string> values = {"A", "import", "DEHAM", "640411", "shoes"};
      for (size_t index = 0; index < values.size(); ++index) {
        if (index > 0) row += ",";
        row += base_columns[index] == test_case.column ? test_case.value : values[index];
      }
    }
    std::vector<Record> records = ReadCsv(header + "\n" + row + "\n");
    ASSERT_EQ(records.size(), 1u) << test_case.column << "=" << test_case.value;
    EXPECT_EQ(records[0].outcome, ReadOutcome::kError) << test_case.column;
    EXPECT_EQ(records[0].error.line, 2) << test_case.column;
    EXPECT_EQ(records[0].error.reason, test_case.reason)
        << test_case.column << "=" << test_case.value;
  }
}

// A byte that is not UTF-8 is found wherever it stands in a cell, short or
// long (cells are checked eight bytes at a time, the tail apart); valid
// multi-byte characters anywhere are accepted.
TEST(DeclarationCsv, InvalidUtf8IsFoundAtAnyPositionOfACell) {
  const std::string header = "id,type,office,item_hs,item_description,item_brand\n";
  for (size_t size = 1; size <= 20; ++size) {
    for (size_t at = 0; at < size; ++at) {
      std::string bad(size, 'b');
      bad[at] = '\xFF';
      std::vector<Record> records = ReadCsv(header + "A,import,DEHAM,640411,shoes," + bad + "\n");
      ASSERT_EQ(records.size(), 1u);
      EXPECT_EQ(records[0].outcome, ReadOutcome::kError) << size << " " << at;
      EXPECT_EQ(records[0].error.reason, "item_brand: must be valid UTF-8") << size << " " << at;
      std::string good(size, 'g');
      good.replace(at, 1, "\xC3\xA9");
      records = ReadCsv(header + "A,import,DEHAM,640411,shoes," + good + "\n");
      ASSERT_EQ(records.size(), 1u);
      ASSERT_EQ(records[0].outcome, ReadOutcome::kDeclaration) << records[0].error.reason;
      EXPECT_EQ(records[0].declaration.items[0].brand, good);
    }
  }
}

// Separators and line ends are found wherever they stand in a row (the
// tokenizer scans 16, then 8 bytes at a time, then byte by byte).
TEST(DeclarationCsv, SeparatorsAndLineEndsAtAnyOffset) {
  std::string text = "id,type,office,item_hs,item_description,item_brand\n";
  for (size_t size = 1; size <= 40; ++size) {
    text += "D" + std::to_string(size) + ",import,DEHAM,640411," + std::string(size, 'd') + "," +
            std::string(41 - size, 'b') + (size % 2 == 0 ? "\r\n" : "\n");
  }
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 40u);
  for (size_t size = 1; size <= 40; ++size) {
    const Record& record = records[size - 1];
    ASSERT_EQ(record.outcome, ReadOutcome::kDeclaration) << record.error.reason;
    EXPECT_EQ(record.declaration.id, "D" + std::to_string(size));
    ASSERT_EQ(record.declaration.items.size(), 1u);
    EXPECT_EQ(record.declaration.items[0].description, std::string(size, 'd'));
    EXPECT_EQ(record.declaration.items[0].brand, std::string(41 - size, 'b'));
  }
}

TEST(DeclarationCsv, ItemErrorsInLaterRowsNameTheirLine) {
  std::string text =
      "id,type,office,item_hs,item_description,item_currency\n"
      "A,import,DEHAM,640411,shoes,USD\n"
      "A,import,DEHAM,4202,bags,dollars\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 1u);
  EXPECT_EQ(records[0].error.line, 2);
  EXPECT_EQ(records[0].error.reason, "item_currency (line 3): must be an ISO 4217 currency code");
}

TEST(DeclarationCsv, BlankLinesAreSkippedButCounted) {
  std::string text =
      "\r\nid,type,office,item_hs,item_description\n\n"
      "A,import,DEHAM,640411,shoes\n\r\n\n"
      "B,import,DEHAM,6x,shoes\n\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].declaration.id, "A");
  EXPECT_EQ(records[1].error.line, 7);
}

TEST(DeclarationCsv, AnOverlongRowIsAnErrorAndTheNextRowIsRead) {
  std::string text =
      "id,type,office,item_hs,item_description\n"
      "A,import,DEHAM,640411," +
      std::string((size_t{1} << 20) + 10, 'x') + "\n" + "B,import,DEHAM,640411,\"" +
      std::string(3 << 20, ',') + "\"\n" + "C,import,DEHAM,640411," + std::string(3 << 20, ',') +
      "\n" + "D,import,DEHAM,640411,shoes\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 4u);
  EXPECT_EQ(records[0].error.line, 2);
  EXPECT_EQ(records[0].error.id, "A");
  EXPECT_EQ(records[0].error.reason, "row: is longer than 1048576 bytes (1 MiB), the limit");
  EXPECT_EQ(records[1].error.line, 3);
  EXPECT_EQ(records[2].error.line, 4);
  EXPECT_EQ(records[3].declaration.id, "D");
}

TEST(DeclarationCsv, ADeclarationOverTheLimitInTotalIsAnError) {
  std::string text = "id,type,office,item_hs,item_description\n";
  std::string row = "A,import,DEHAM,640411," + std::string(100000, 'x') + "\n";
  for (int index = 0; index < 12; ++index) text += row;
  text += "B,import,DEHAM,640411,shoes\n";
  std::vector<Record> records = ReadCsv(text);
  ASSERT_EQ(records.size(), 2u);
  EXPECT_EQ(records[0].outcome, ReadOutcome::kError);
  EXPECT_EQ(records[0].error.reason,
            "declaration: its rows together are longer than 1048576 bytes (1 MiB), the limit");
  EXPECT_EQ(records[1].declaration.id, "B");
}

// ----------------------------------------------------------------------------
// Round trip: random valid declarations written as JSON Lines and as CSV read
// back equal.

rc::Gen<std::string> GenText(bool non_blank) {
  // Pieces chosen to exercise escaping and quoting: separators, quotes, line
  // breaks, list separators, multi-byte UTF-8, control characters.
  static const std::vector<std::string> kPieces = {
      "a",
      "Z",
      "shoe",
      "ZENTRA",
      " ",
      ",",
      "\"",
      "\n",
      "\r\n",
      "\r",
      "|",
      ";",
      "\t",
      "'",
      "\\",
      "{",
      "}",
      "[",
      "0",
      "9",
      "\xC3\xA9",
      "\xE4\xB8\xAD",
      "\xF0\x9F\x98\x80",
      "\x01",
      "/",
  };
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kPieces)),
                      [non_blank](const std::vector<std::string>& pieces) {
                        std::string text;
                        for (const std::string& piece : pieces) text += piece;
                        bool blank = text.find_first_not_of(" \t\r\n\f\v") == std::string::npos;
                        if (non_blank && blank) text += "x";
                        return text;
                      });
}

rc::Gen<std::string> GenOptional(std::vector<std::string> values) {
  values.push_back("");
  return rc::gen::elementOf(values);
}

const std::vector<std::string> kCountries = {"CN", "DE", "VN", "US", "TR", "FR", "HK"};
const std::vector<std::string> kLocodes = {"DEHAM", "CNSZX", "SGSIN", "NLRTM", "USLAX", "FRLEH"};

rc::Gen<double> GenAmount() {
  return rc::gen::map(rc::gen::arbitrary<double>(), [](double number) {
    return std::isfinite(number) ? std::fabs(number) : 0.0;
  });
}

rc::Gen<DeclarationItem> GenItem() {
  return rc::gen::apply(
      [](std::string hs, std::string description, std::string brand, double quantity,
         std::string unit, double gross_kg, double value, std::string currency) {
        DeclarationItem item;
        item.hs = std::move(hs);
        item.description = std::move(description);
        item.brand = std::move(brand);
        item.quantity = quantity;
        item.unit = std::move(unit);
        item.gross_kg = gross_kg;
        item.value = value;
        item.currency = std::move(currency);
        return item;
      },
      rc::gen::elementOf(std::vector<std::string>{"64", "6404", "640411", "6404110000", "4202"}),
      GenText(true), GenText(false), GenAmount(), GenText(false), GenAmount(), GenAmount(),
      GenOptional({"USD", "EUR", "CNY"}));
}

rc::Gen<DeclarationParty> GenParty() {
  return rc::gen::apply(
      [](std::string name, std::string address, std::string country) {
        return DeclarationParty{std::move(name), std::move(address), std::move(country)};
      },
      GenText(false), GenText(false), GenOptional(kCountries));
}

Declaration GenDeclaration(int serial) {
  Declaration d;
  d.id = *GenText(true) + "#" + std::to_string(serial);  // distinct, so CSV rows do not merge
  d.type = *rc::gen::elementOf(std::vector<std::string>{"import", "export", "transit"});
  if (*rc::gen::arbitrary<bool>()) {
    d.lodged_at =
        Timestamp(std::chrono::milliseconds(*rc::gen::inRange<long long>(0, 4102444800000LL)));
  }
  d.office = *rc::gen::elementOf(kLocodes);
  d.transport_mode = *GenOptional({"sea", "air", "road", "rail", "postal", "express", "other"});
  d.origin = *GenOptional(kCountries);
  d.dispatch = *GenOptional(kCountries);
  d.destination = *GenOptional(kCountries);
  d.e_commerce = *rc::gen::arbitrary<bool>();
  d.consignor = *GenParty();
  d.consignee = *GenParty();
  d.declarant = *GenParty();
  d.route = *rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kLocodes));
  d.containers = *rc::gen::container<std::vector<std::string>>(
      rc::gen::elementOf(std::vector<std::string>{"MSCU1234567", "TGHU7654321", "c-1", "X"}));
  d.items = *rc::gen::resize(
      6, rc::gen::nonEmpty(rc::gen::container<std::vector<DeclarationItem>>(GenItem())));
  return d;
}

// DeclarationToJson (the stored form of a screened declaration) reads back
// through ParseDeclarationJson to the same declaration.
RC_GTEST_PROP(DeclarationRoundTrip, DeclarationToJsonReadsBackEqual, ()) {
  const Declaration declaration = GenDeclaration(*rc::gen::inRange(0, 1000));
  Result<Declaration> read = ParseDeclarationJson(DeclarationToJson(declaration));
  if (!read.ok()) RC_FAIL(read.error().message() + " in " + DeclarationToJson(declaration));
  RC_ASSERT(SameDeclaration(*read, declaration));
}

TEST(DeclarationJson, ToJsonLeavesOutWhatWasNotDeclared) {
  Declaration declaration = IssueExampleDeclaration();
  declaration.dispatch.clear();
  declaration.consignee = {};
  declaration.lodged_at.reset();
  const json written = json::parse(DeclarationToJson(declaration));
  EXPECT_FALSE(written.contains("dispatch"));
  EXPECT_FALSE(written.contains("consignee"));
  EXPECT_FALSE(written.contains("lodged_at"));
  EXPECT_EQ(written["items"][0]["hs"], "640411");
  EXPECT_EQ(written["consignor"]["country"], "CN");
}

// ----------------------------------------------------------------------------
// Stored forms: DeclarationToJson and ModelInputsJson are written by hand
// (json_writer.h) in the bytes the nlohmann::json DOMs they replaced dumped,
// so stored text keeps its form. These are those DOMs, as reference.

std::string NlohmannDeclarationToJson(const Declaration& declaration) {
  json out = {{"id", declaration.id}, {"type", declaration.type}, {"office", declaration.office}};
  if (declaration.lodged_at) out["lodged_at"] = FormatTimestamp(*declaration.lodged_at);
  auto text = [&out](const char* name, const std::string& value) {
    if (!value.empty()) out[name] = value;
  };
  text("transport_mode", declaration.transport_mode);
  text("origin", declaration.origin);
  text("dispatch", declaration.dispatch);
  text("destination", declaration.destination);
  if (declaration.e_commerce) out["e_commerce"] = true;
  auto party = [&out](const char* name, const DeclarationParty& value) {
    json object = json::object();
    if (!value.name.empty()) object["name"] = value.name;
    if (!value.address.empty()) object["address"] = value.address;
    if (!value.country.empty()) object["country"] = value.country;
    if (!object.empty()) out[name] = std::move(object);
  };
  party("consignor", declaration.consignor);
  party("consignee", declaration.consignee);
  party("declarant", declaration.declarant);
  if (!declaration.route.empty()) out["route"] = declaration.route;
  if (!declaration.containers.empty()) out["containers"] = declaration.containers;
  json items = json::array();
  for (const DeclarationItem& item : declaration.items) {
    json line = {{"hs", item.hs}, {"description", item.description}};
    if (!item.brand.empty()) line["brand"] = item.brand;
    line["quantity"] = item.quantity;
    if (!item.unit.empty()) line["unit"] = item.unit;
    line["gross_kg"] = item.gross_kg;
    line["value"] = item.value;
    if (!item.currency.empty()) line["currency"] = item.currency;
    items.push_back(std::move(line));
  }
  out["items"] = std::move(items);
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string NlohmannModelInputsToJson(const std::vector<targeting::RoleValues>& rows) {
  json out = json::array();
  for (const targeting::RoleValues& row : rows) {
    json keys = json::object();
    for (const auto& [role, text] : row.keys) keys[role] = text;
    json numbers = json::object();
    for (const auto& [role, value] : row.numbers) {
      numbers[role] = std::isfinite(value) ? json(value) : json();
    }
    out.push_back({{"keys", std::move(keys)},
                   {"numbers", std::move(numbers)},
                   {"day", row.day == INT32_MIN ? json() : json(row.day)}});
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Text that is hard to write: the pieces of GenText plus every escape JSON
// has, DEL, and invalid UTF-8 (CSV cells are not validated) of each kind:
// stray continuation bytes, overlong forms, surrogates, code points above
// U+10FFFF, sequences cut short (also at the end of the text).
rc::Gen<std::string> GenStoredText() {
  static const std::vector<std::string> kPieces = {
      "a", "ZENTRA", " ", "\"", "\\", "/", "\b", "\f", "\n", "\r", "\t", "\x01", "\x1f", "\x7f",
      "\xC3\xA9", "\xE4\xB8\xAD", "\xF0\x9F\x98\x80", "\xF4\x8F\xBF\xBF", "\xEF\xBF\xBD",
      "\x80", "\xBF", "\xC0\x80", "\xC1\xBF", "\xC2", "\xE0\x80\x80", "\xE0\xA0", "\xE2\x82",
      "\xED\xA0\x80", "\xF0\x80", "\xF0\x90\x80", "\xF4\x90\x80\x80", "\xF5", "\xFF",
      "abcdefghijklmnop",
  };
  return rc::gen::map(rc::gen::container<std::vector<std::string>>(rc::gen::elementOf(kPieces)),
                      [](const std::vector<std::string>& pieces) {
                        std::string text;
                        for (const std::string& piece : pieces) text += piece;
                        return text;
                      });
}

// Any double, with the cases nlohmann formats specially weighted up.
rc::Gen<double> GenStoredNumber() {
  return rc::gen::oneOf(
      rc::gen::arbitrary<double>(),
      rc::gen::elementOf(std::vector<double>{
          std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
          -std::numeric_limits<double>::infinity(), 0.0, -0.0, 1.0, 1200.0, 0.1, 1.0 / 3, 2.5e-5,
          1e-4, 1e-5, 123456789012345.0, 1e15, 1e16, 1.5e300, 5e-324,
          std::numeric_limits<double>::max(), std::numeric_limits<double>::min(), -42.125}),
      rc::gen::map(rc::gen::inRange<long long>(-100000000, 100000000),
                   [](long long cents) { return static_cast<double>(cents) / 100; }));
}

Declaration GenStoredDeclaration() {
  Declaration d = GenDeclaration(*rc::gen::inRange(0, 1000));
  for (std::string* text : {&d.id, &d.type, &d.office, &d.transport_mode, &d.origin, &d.dispatch,
                            &d.destination, &d.consignor.name, &d.consignor.address,
                            &d.consignor.country, &d.consignee.name, &d.declarant.name}) {
    if (*rc::gen::arbitrary<bool>()) *text = *GenStoredText();
  }
  if (*rc::gen::arbitrary<bool>()) {
    d.route = *rc::gen::container<std::vector<std::string>>(GenStoredText());
  }
  // No items, a few, or many.
  d.items.resize(*rc::gen::elementOf(std::vector<size_t>{0, 1, 2, 3, 7, 40}));
  for (DeclarationItem& item : d.items) {
    item.hs = *GenStoredText();
    item.description = *GenStoredText();
    item.brand = *GenStoredText();
    item.unit = *GenStoredText();
    item.currency = *GenStoredText();
    item.quantity = *GenStoredNumber();
    item.gross_kg = *GenStoredNumber();
    item.value = *GenStoredNumber();
  }
  return d;
}

RC_GTEST_PROP(StoredForms, DeclarationToJsonIsByteForByteTheNlohmannDump, ()) {
  const Declaration declaration = GenStoredDeclaration();
  RC_ASSERT(DeclarationToJson(declaration) == NlohmannDeclarationToJson(declaration));
}

RC_GTEST_PROP(StoredForms, ModelInputsJsonIsByteForByteTheNlohmannDumpOfModelInputs, ()) {
  const Declaration declaration = GenStoredDeclaration();
  RC_ASSERT(ModelInputsJson(declaration) == NlohmannModelInputsToJson(ModelInputs(declaration)));
}

bool SameRoleValues(const targeting::RoleValues& a, const targeting::RoleValues& b) {
  if (a.keys != b.keys || a.day != b.day || a.numbers.size() != b.numbers.size()) return false;
  for (const auto& [role, value] : a.numbers) {
    auto other = b.numbers.find(role);
    if (other == b.numbers.end()) return false;
    if (std::isnan(value) ? !std::isnan(other->second) : value != other->second) return false;
  }
  return true;
}

// What is stored reads back (ModelInputsFromJson) to the rows the model
// scored; the texts here are valid UTF-8, as JSON input always is.
RC_GTEST_PROP(StoredForms, ModelInputsJsonReadsBackToModelInputs, ()) {
  const Declaration declaration = GenDeclaration(*rc::gen::inRange(0, 1000));
  const std::vector<targeting::RoleValues> rows = ModelInputs(declaration);
  Result<std::vector<targeting::RoleValues>> read = ModelInputsFromJson(ModelInputsJson(declaration));
  RC_ASSERT(read.ok());
  RC_ASSERT(read->size() == rows.size());
  for (size_t index = 0; index < rows.size(); ++index) {
    RC_ASSERT(SameRoleValues((*read)[index], rows[index]));
  }
}

TEST(StoredForms, StringsAreEscapedAsNlohmannEscapesThemForEveryShortByteSequence) {
  // Every text of one or two bytes, and of three bytes from a lead byte on
  // (where the invalid UTF-8 cases are), alone and after a plain prefix
  // (which takes JsonWriter's word-at-a-time path).
  auto check = [](const std::string& text) {
    for (const std::string& prefix : {std::string(), std::string("0123456789")}) {
      std::string written;
      json_internal::JsonWriter writer(&written);
      writer.String(prefix + text);
      writer.Finish();
      ASSERT_EQ(written, json(prefix + text).dump(-1, ' ', false, json::error_handler_t::replace))
          << "bytes " << testing::PrintToString(text);
    }
  };
  for (int first = 0; first < 256; ++first) {
    check(std::string(1, static_cast<char>(first)));
    for (int second = 0; second < 256; ++second) {
      check({static_cast<char>(first), static_cast<char>(second)});
    }
  }
  for (int first = 0xC0; first < 0x100; ++first) {
    for (int second = 0x7F; second <= 0xC0; ++second) {
      for (int third : {0x41, 0x7F, 0x80, 0x9F, 0xA0, 0xBF, 0xC0, 0xE2}) {
        check({static_cast<char>(first), static_cast<char>(second), static_cast<char>(third)});
      }
    }
  }
}

TEST(StoredForms, NumbersAreWrittenAsNlohmannDumpsThem) {
  for (double value : {0.0, -0.0, 1.0, 1200.0, 0.1, 1.0 / 3, 1e-4, 1e-5, 1e15, 1e16, 1e21, 5e-324,
                       std::numeric_limits<double>::max(), -std::numeric_limits<double>::max(),
                       std::numeric_limits<double>::quiet_NaN(),
                       std::numeric_limits<double>::infinity(), 123456789.125}) {
    std::string written;
    json_internal::JsonWriter writer(&written);
    writer.DumpedNumber(value);
    writer.Finish();
    EXPECT_EQ(written, (std::isfinite(value) ? json(value) : json()).dump()) << value;
  }
  std::string written;
  json_internal::JsonWriter writer(&written);
  writer.DumpedNumber(1200.0);
  writer.Char(' ');
  writer.DumpedNumber(1e-5);
  writer.Char(' ');
  writer.DumpedNumber(std::numeric_limits<double>::quiet_NaN());
  writer.Finish();
  EXPECT_EQ(written, "1200.0 1e-05 null");
}

TEST(StoredForms, IssueExampleIsStoredInThisExactText) {
  const Declaration declaration = IssueExampleDeclaration();
  EXPECT_EQ(DeclarationToJson(declaration), NlohmannDeclarationToJson(declaration));
  EXPECT_EQ(ModelInputsJson(declaration), NlohmannModelInputsToJson(ModelInputs(declaration)));
  EXPECT_EQ(DeclarationToJson(Declaration{}), R"({"id":"","items":[],"office":"","type":""})");
  EXPECT_EQ(ModelInputsJson(Declaration{}), "[]");
}

RC_GTEST_PROP(DeclarationRoundTrip, RandomValidDeclarationsReadBackEqualFromJsonLinesAndCsv, ()) {
  int count = *rc::gen::inRange(1, 6);
  std::vector<Declaration> declarations;
  for (int serial = 0; serial < count; ++serial) declarations.push_back(GenDeclaration(serial));

  std::string jsonl;
  std::string csv = CsvHeader();
  for (const Declaration& d : declarations) {
    AppendJsonLine(jsonl, d);
    AppendCsvRows(csv, d);
  }
  for (const auto& [format, records] :
       {std::pair{"jsonl", ReadJsonLines(jsonl)}, std::pair{"csv", ReadCsv(csv)}}) {
    RC_ASSERT(records.size() == declarations.size());
    for (size_t index = 0; index < records.size(); ++index) {
      if (records[index].outcome != ReadOutcome::kDeclaration) {
        RC_FAIL(std::string(format) + " line " + std::to_string(records[index].error.line) + ": " +
                records[index].error.reason);
      }
      RC_ASSERT(SameDeclaration(records[index].declaration, declarations[index]));
    }
  }
  // And one at a time through the API entry point.
  size_t start = 0;
  for (const Declaration& d : declarations) {
    size_t end = jsonl.find('\n', start);
    Result<Declaration> parsed =
        ParseDeclarationJson(std::string_view(jsonl).substr(start, end - start));
    RC_ASSERT(parsed.ok());
    RC_ASSERT(SameDeclaration(*parsed, d));
    start = end + 1;
  }
}

}  // namespace
}  // namespace cordon
