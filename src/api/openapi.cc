// The OpenAPI 3.1 description of /api/v1. Every operation here must be a
// route in routes.cc and vice versa; api_test compares the two.
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "api/api.h"
#include "api/routes.h"

namespace cordon {
namespace {

using json = nlohmann::json;

json Ref(const std::string& schema) { return {{"$ref", "#/components/schemas/" + schema}}; }
json ResponseRef(const std::string& response) {
  return {{"$ref", "#/components/responses/" + response}};
}
json String() { return {{"type", "string"}}; }
json DateTime() { return {{"type", "string"}, {"format", "date-time"}}; }
json DateTimeOrNull() {
  return {{"type", json::array({"string", "null"})}, {"format", "date-time"}};
}
json DateOrNull() { return {{"type", json::array({"string", "null"})}, {"format", "date"}}; }
json Boolean() { return {{"type", "boolean"}}; }
json ArrayOf(json items) { return {{"type", "array"}, {"items", std::move(items)}}; }
json Enum(std::vector<std::string> values) { return {{"type", "string"}, {"enum", values}}; }
json Country() {
  return {{"type", "string"},
          {"pattern", "^[A-Z]{2}$"},
          {"description", "ISO 3166-1 alpha-2 country code"}};
}
json Object(json properties, std::vector<std::string> required = {}) {
  json schema = {{"type", "object"}, {"properties", std::move(properties)}};
  if (!required.empty()) schema["required"] = required;
  return schema;
}

// --- notices and webhooks (issue 5)
void AddNotificationSchemas(json& schemas) {
  json party = Object({{"name", String()},
                       {"address", String()},
                       {"country", String()},
                       {"email", String()}});
  json attempt = Object({{"attempt", {{"type", "integer"}}},
                         {"at", DateTime()},
                         {"http_status", {{"type", json::array({"integer", "null"})}}},
                         {"outcome", Enum({"acknowledged", "failed"})},
                         {"error", String()}},
                        {"attempt", "at", "outcome"});
  schemas["NoticeDelivery"] = Object(
      {{"id", {{"type", "string"}, {"description", "dlv_...; the webhook-id header"}}},
       {"channel", Enum({"webhook", "email"})},
       {"endpoint_id", {{"type", "string"}, {"description", "webhook deliveries"}}},
       {"address", {{"type", "string"}, {"description", "e-mail deliveries"}}},
       {"status", Enum({"pending", "delivered", "cancelled"})},
       {"attempts", {{"type", "integer"}}},
       {"next_attempt_at", DateTimeOrNull()},
       {"delivered_at", DateTimeOrNull()},
       {"last_error", String()},
       {"attempt_log", ArrayOf(attempt)}},
      {"id", "channel", "status", "attempts"});
  json notice_properties = {
      {"id", {{"type", "string"}, {"description", "ntc_..."}}},
      {"kind", {{"type", "string"}, {"description", "e.g. case.suspension_notice"}}},
      {"subject", String()},
      {"body", {{"type", "string"}, {"description", "the legal text, plain UTF-8"}}},
      {"data",
       {{"type", "object"}, {"description", "structured facts: deadlines, references, ids"}}},
      {"sender_org_id", String()},
      {"recipient_org_id", {{"type", json::array({"string", "null"})}}},
      {"recipient_role", Enum({"right_holder", "declarant", "applicant"})},
      {"recipient_party", party},
      {"object", Object({{"type", String()}, {"id", String()}}, {"type", "id"})},
      {"created_at", DateTime()},
      {"due_by", DateOrNull()},
      {"read_at", DateTimeOrNull()}};
  schemas["Notice"] = Object(notice_properties, {"id", "kind", "subject", "body", "created_at"});
  notice_properties["deliveries"] = ArrayOf(Ref("NoticeDelivery"));
  schemas["NoticeWithDeliveries"] =
      Object(notice_properties, {"id", "kind", "subject", "body", "created_at", "deliveries"});
  schemas["NoticeList"] =
      Object({{"items", ArrayOf(Ref("Notice"))},
              {"next_cursor",
               {{"type", json::array({"string", "null"})},
                {"description", "pass as ?cursor= for the next page; null on the last"}}}},
             {"items", "next_cursor"});
  schemas["WebhookInput"] = Object(
      {{"url", {{"type", "string"}, {"format", "uri"}, {"description", "absolute http(s) URL"}}},
       {"description", String()}},
      {"url"});
  json webhook = {{"id", {{"type", "string"}, {"description", "whk_..."}}},
                  {"url", String()},
                  {"description", String()},
                  {"created_at", DateTime()}};
  schemas["Webhook"] = Object(webhook, {"id", "url", "created_at"});
  webhook["secret"] = {{"type", "string"},
                       {"description",
                        "whsec_ + base64 signing key; shown only in this response"}};
  schemas["CreatedWebhook"] = Object(webhook, {"id", "url", "created_at", "secret"});
  schemas["WebhookList"] = Object({{"items", ArrayOf(Ref("Webhook"))}}, {"items"});
}

// --- seizure statistics (issue 6, docs/stats.md)
void AddStatsSchemas(json& schemas) {
  json row = {{"type", "object"},
              {"description",
               "one group: a property per group_by dimension (null: unknown), then the measures"},
              {"properties",
               {{"cases", {{"type", "integer"}, {"description", "distinct cases"}}},
                {"articles", {{"type", "integer"}}},
                {"value", {{"type", "number"}, {"description", "estimated value, EUR"}}}}},
              {"additionalProperties", {{"type", json::array({"string", "null"})}}}};
  schemas["SeizureTable"] = Object({{"rows", ArrayOf(row)}}, {"rows"});
  json cell = Object(
      {{"breakdown", Enum({"total", "route", "product_category", "ipr_type", "transport_mode",
                           "route_product_category"})},
       {"keys", {{"type", "object"},
                 {"additionalProperties", {{"type", json::array({"string", "null"})}}}}},
       {"cases", {{"type", "integer"}}},
       {"articles", {{"type", "integer"}}},
       {"value_eur", {{"type", "number"}}}},
      {"breakdown", "keys", "cases", "articles", "value_eur"});
  schemas["StatisticsExchange"] = Object(
      {{"format", Enum({"cordon-seizure-statistics"})},
       {"format_version",
        {{"type", "integer"},
         {"enum", json::array({1, 2})},
         {"description", "2 is written; 1 (no primary_cells, secondary_cells) is still read"}}},
       {"reporting_country", Country()},
       {"quarter", {{"type", "string"}, {"pattern", "^[0-9]{4}Q[1-4]$"}}},
       {"period", Object({{"from", String()}, {"to", String()}}, {"from", "to"})},
       {"generated_at", DateTime()},
       {"taxonomy", {{"type", "object"}}},
       {"suppression",
        Object({{"min_cases", {{"type", "integer"}, {"minimum", 1}}},
                {"suppressed_cells", {{"type", "integer"}, {"description", "primary + secondary"}}},
                {"primary_cells",
                 {{"type", "integer"},
                  {"description", "cells with fewer than min_cases cases (version 2)"}}},
                {"secondary_cells",
                 {{"type", "integer"},
                  {"description", "complements withheld against subtraction (version 2)"}}}},
               {"min_cases", "suppressed_cells"})},
       {"cells", ArrayOf(cell)}},
      {"format", "format_version", "reporting_country", "quarter", "period", "suppression",
       "cells"});
  schemas["PartnerImport"] = Object({{"partner", Country()},
                                     {"quarter", String()},
                                     {"cells", {{"type", "integer"}}},
                                     {"changed", Boolean()}});
  schemas["StatisticsAnalysis"] = {
      {"type", "object"},
      {"description", "the analysis document; its fields are described in docs/stats.md"}};
}

// --- exchange between nodes (issue 7; docs/exchange.md)
void AddExchangeSchemas(json& schemas) {
  const json types = Enum({"referral", "feedback", "alert", "joint_profile", "statistics"});
  schemas["Jwks"] = Object({{"keys", ArrayOf({{"type", "object"}})}}, {"keys"});
  schemas["ExchangeMessage"] = Object(
      {{"id", {{"type", "string"}, {"description", "xmsg_...; local id"}}},
       {"direction", Enum({"in", "out"})},
       {"message_id", {{"type", "string"}, {"description", "the envelope's jti"}}},
       {"to", {{"type", "string"}, {"description", "recipient node (out)"}}},
       {"from", {{"type", "string"}, {"description", "sender node (in)"}}},
       {"type", types},
       {"version", {{"type", "integer"}}},
       {"in_reply_to", {{"type", json::array({"string", "null"})}}},
       {"group", {{"type", json::array({"string", "null"})}}},
       {"state", Enum({"pending", "delivered", "rejected", "expired", "received", "accepted",
                       "declined"})},
       {"payload", {{"type", "object"}}},
       {"envelope_sha256", String()},
       {"attempts", {{"type", "integer"}}},
       {"next_attempt_at", DateTimeOrNull()},
       {"last_error", String()},
       {"receipt", {{"type", json::array({"string", "null"})},
                    {"description", "the partner's signed receipt (compact JWE)"}}},
       {"result", {{"type", "object"},
                   {"description", "what accepting it created: watchlist_entries (referral), "
                                   "profile_id (joint_profile), period and partner_statistics "
                                   "{partner, quarter, cells, changed} (statistics); "
                                   "docs/exchange.md"}}},
       {"created_at", DateTime()},
       {"expires_at", DateTime()},
       {"updated_at", DateTime()}},
      {"id", "direction", "message_id", "type", "state", "payload"});
  schemas["ExchangeMessageList"] = Object(
      {{"items", ArrayOf(Ref("ExchangeMessage"))},
       {"next_cursor", {{"type", json::array({"string", "null"})}}}},
      {"items"});
  schemas["ExchangeSendInput"] = Object({{"type", types},
                                         {"to", String()},
                                         {"group", String()},
                                         {"payload", {{"type", "object"}}},
                                         {"in_reply_to", String()}},
                                        {"type", "payload"});
  schemas["CaseReferralInput"] = Object({{"to", String()},
                                         {"summary", String()},
                                         {"include_parties", Boolean()},
                                         {"route", ArrayOf(String())},
                                         {"containers", ArrayOf(String())},
                                         {"photo_hashes", ArrayOf(String())}},
                                        {"to"});
  json partner = {{"id", String()},
                  {"name", String()},
                  {"inbox", String()},
                  {"jwks", Ref("Jwks")},
                  {"legal_basis", String()},
                  {"country", {{"type", json::array({"string", "null"})},
                               {"description", "ISO 3166-1 alpha-2 the partner speaks for; "
                                               "its statistics must be that country's"}}},
                  {"allow_send", ArrayOf(types)},
                  {"allow_receive", ArrayOf(types)},
                  {"status", Enum({"active", "suspended"})}};
  schemas["ExchangePartnerInput"] = Object(partner, {"id", "inbox", "jwks", "legal_basis"});
  partner["created_at"] = DateTime();
  partner["updated_at"] = DateTime();
  schemas["ExchangePartner"] = Object(partner, {"id", "inbox", "jwks", "status"});
  schemas["ExchangePartnerList"] = Object({{"items", ArrayOf(Ref("ExchangePartner"))}}, {"items"});
  schemas["ExchangeGroupInput"] =
      Object({{"description", String()}, {"members", ArrayOf(String())}}, {"members"});
  schemas["ExchangeGroup"] = Object({{"name", String()},
                                     {"description", String()},
                                     {"members", ArrayOf(String())},
                                     {"created_at", DateTime()}},
                                    {"name", "members"});
  schemas["ExchangeGroupList"] = Object({{"items", ArrayOf(Ref("ExchangeGroup"))}}, {"items"});
  schemas["ExchangeRejection"] = Object({{"id", String()},
                                         {"at", DateTime()},
                                         {"reason", String()},
                                         {"detail", String()},
                                         {"sender", String()},
                                         {"message_id", String()},
                                         {"envelope_sha256", String()}},
                                        {"id", "at", "reason"});
  schemas["ExchangeRejectionList"] =
      Object({{"items", ArrayOf(Ref("ExchangeRejection"))}}, {"items"});
}

json Schemas() {
  json schemas;
  schemas["FieldError"] =
      Object({{"field",
               {{"type", "string"}, {"description", "JSON path, e.g. rights[0].nice_classes[1]"}}},
              {"message", String()}},
             {"field", "message"});
  schemas["Problem"] = Object(
      {{"type",
        {{"type", "string"}, {"description", "/problems/<code>, e.g. /problems/invalid_input"}}},
       {"title", String()},
       {"status", {{"type", "integer"}}},
       {"detail", String()},
       {"instance", {{"type", "string"}, {"description", "the request path"}}},
       {"errors", ArrayOf(Ref("FieldError"))}},
      {"type", "title", "status"});
  schemas["Health"] =
      Object({{"status", Enum({"ok"})}, {"version", String()}, {"time", DateTime()}},
             {"status", "version", "time"});

  schemas["LoginRequest"] =
      Object({{"email", {{"type", "string"}, {"format", "email"}}}, {"password", String()}},
             {"email", "password"});
  schemas["Session"] = Object({{"token", {{"type", "string"}, {"description", "bearer token"}}},
                               {"expires_at", DateTime()}},
                              {"token", "expires_at"});
  schemas["ApiTokenRequest"] =
      Object({{"name", {{"type", "string"}, {"description", "label, 1-100 characters"}}},
              {"user_id",
               {{"type", "string"},
                {"description", "a user of the admin's organisation; default: the admin"}}},
              {"expires_at", DateTimeOrNull()}},
             {"name"});
  schemas["IssuedApiToken"] =
      Object({{"id", String()},
              {"token", {{"type", "string"}, {"description", "bearer token; shown only once"}}},
              {"expires_at", DateTimeOrNull()}},
             {"id", "token", "expires_at"});
  schemas["ApiToken"] = Object({{"id", String()},
                                {"name", String()},
                                {"user_id", String()},
                                {"created_at", DateTime()},
                                {"expires_at", DateTimeOrNull()},
                                {"revoked_at", DateTimeOrNull()}},
                               {"id", "name", "user_id", "created_at", "expires_at", "revoked_at"});
  schemas["ApiTokenList"] = Object({{"items", ArrayOf(Ref("ApiToken"))}}, {"items"});

  schemas["Organisation"] = Object(
      {{"id", String()},
       {"name", String()},
       {"kind", Enum({"customs", "right_holder", "agency", "secretariat"})},
       {"country", {{"type", "string"}, {"description", "ISO 3166-1 alpha-2; may be empty"}}},
       {"jurisdiction", {{"type", "string"}, {"description", "rule set (customs), e.g. EU"}}},
       {"offices", ArrayOf({{"type", "string"}, {"description", "UN/LOCODE"}})}},
      {"id", "name", "kind", "country", "jurisdiction", "offices"});
  schemas["OrganisationList"] = Object({{"items", ArrayOf(Ref("Organisation"))}}, {"items"});
  schemas["User"] =
      Object({{"id", String()},
              {"email", String()},
              {"name", String()},
              {"role", Enum({"admin", "ipr_officer", "risk_analyst", "frontline_officer",
                             "right_holder_rep", "agency_reader", "secretariat_analyst"})}},
             {"id", "email", "name", "role"});
  schemas["Me"] = Object({{"user", Ref("User")}, {"organisation", Ref("Organisation")}},
                         {"user", "organisation"});

  schemas["Party"] =
      Object({{"name", String()},
              {"address", String()},
              {"country", Country()},
              {"role",
               {{"type", "string"},
                {"description",
                 "authorised parties: manufacturer, licensee, importer, distributor, ..."}}}},
             {"name"});
  schemas["Contact"] = Object({{"name", String()},
                               {"email", {{"type", "string"}, {"format", "email"}}},
                               {"phone", String()}},
                              {"name"});
  schemas["Right"] = Object(
      {{"type", Enum({"trademark", "design", "copyright", "patent", "geographical_indication",
                      "plant_variety", "utility_model", "topography", "trade_name"})},
       {"registration", String()},
       {"office", String()},
       {"marks", ArrayOf(String())},
       {"nice_classes", ArrayOf({{"type", "integer"}, {"minimum", 1}, {"maximum", 45}})},
       {"expires_on", DateOrNull()}},
      {"type"});
  schemas["Goods"] = Object({{"description", String()},
                             {"hs", ArrayOf({{"type", "string"}, {"pattern", "^[0-9]{2,10}$"}})}},
                            {"description"});
  schemas["Renewal"] = Object({{"requested_at", DateTime()},
                               {"status", Enum({"pending", "granted", "rejected"})},
                               {"previous_valid_until", DateOrNull()},
                               {"reason", String()}});

  // What a right holder sends (POST, PUT). Server-managed fields are ignored.
  json application_input_properties = {
      {"kind", Enum({"national", "union"})},
      {"filed_with",
       {{"type", "string"},
        {"description",
         "organisation id or country code of the customs administration; default: the customs "
         "administration of the holder's country"}}},
      {"member_states",
       {{"type", "array"},
        {"items", Country()},
        {"description", "union applications only: the member states covered"}}},
      {"holder", Ref("Party")},
      {"contact", Ref("Contact")},
      {"contacts", ArrayOf(Ref("Contact"))},
      {"representative", Ref("Party")},
      {"rights", ArrayOf(Ref("Right"))},
      {"goods", ArrayOf(Ref("Goods"))},
      {"authentic_features", String()},
      {"product_codes", ArrayOf(String())},
      {"authorised_parties", ArrayOf(Ref("Party"))},
      {"known_routes", ArrayOf(String())},
      {"known_infringers", ArrayOf(Ref("Party"))},
      {"small_consignments", Boolean()},
      {"accepts_liability_and_costs",
       {{"type", "boolean"},
        {"description", "must be true to submit (Regulation 608/2013 Art. 6(3)(q))"}}},
  };
  schemas["ApplicationInput"] = Object(application_input_properties, {"holder"});

  json application_properties = application_input_properties;
  application_properties.erase("contact");
  application_properties["id"] = String();
  application_properties["status"] =
      Enum({"draft", "submitted", "granted", "rejected", "suspended", "revoked", "expired"});
  application_properties["holder_org_id"] = String();
  application_properties["filed_with_org_id"] = String();
  application_properties["representative"] = {
      {"oneOf", json::array({Ref("Party"), {{"type", "null"}}})}};
  application_properties["submitted_at"] = DateTimeOrNull();
  application_properties["decided_at"] = DateTimeOrNull();
  application_properties["valid_until"] = DateOrNull();
  application_properties["decision_reason"] = String();
  application_properties["renewal"] = {
      {"oneOf", json::array({Ref("Renewal"), {{"type", "null"}}})}};
  application_properties["created_at"] = DateTime();
  application_properties["updated_at"] = DateTime();
  application_properties["version"] = {{"type", "integer"}};
  schemas["Application"] = Object(application_properties, {"id", "status", "kind", "holder"});
  schemas["ApplicationList"] =
      Object({{"items", ArrayOf(Ref("Application"))},
              {"next_cursor",
               {{"type", json::array({"string", "null"})},
                {"description", "pass as ?cursor= for the next page; null on the last"}}}},
             {"items", "next_cursor"});

  schemas["Decision"] = Object({{"decision", Enum({"grant", "reject"})},
                                {"valid_until",
                                 {{"type", "string"},
                                  {"format", "date"},
                                  {"description",
                                   "grant: at most one year from "
                                   "the day after the decision"}}},
                                {"reason", {{"type", "string"}, {"description", "reject: why"}}}},
                               {"decision"});
  schemas["Reason"] = Object({{"reason", String()}}, {"reason"});
  schemas["OptionalReason"] = Object({{"reason", String()}});
  // --- risk screening
  schemas["Declaration"] = {
      {"type", "object"},
      {"description",
       "a declaration in the shape of issue 3 (id, type, lodged_at, office, transport_mode, "
       "origin, dispatch, destination, e_commerce, consignor, consignee, declarant, route, "
       "containers, items[hs, description, brand, quantity, unit, gross_kg, value, currency]); "
       "see docs/declarations.md"},
      {"required", json::array({"id", "items"})}};
  schemas["ScreeningRequest"] = Object(
      {{"declarations", {{"type", "array"}, {"items", Ref("Declaration")}, {"maxItems", 10000}}},
       {"budget",
        {{"type", json::array({"string", "number"})},
         {"description", "select the top P % by score, e.g. \"5%\" or 5"}}},
       {"capacity",
        {{"type", "object"},
         {"additionalProperties", {{"type", "integer"}, {"minimum", 0}}},
         {"description", "per office (UN/LOCODE): how many declarations it can inspect"}}},
       {"store",
        {{"type", "boolean"},
         {"description", "store the results as a run; selected ones join the selection queue"}}}},
      {"declarations"});
  schemas["ScreeningHit"] = Object(
      {{"kind", Enum({"mark", "profile", "watchlist", "small_consignment", "model"})},
       {"item", {{"type", "integer"}, {"description", "item index; absent for the declaration"}}},
       {"field", Enum({"description", "brand"})},
       {"mark", {{"type", "string"}, {"description", "the recorded mark as filed"}}},
       {"application", String()},
       {"found", {{"type", "string"}, {"description", "the text as it stood in the declaration"}}},
       {"distance", {{"type", "integer"}}},
       {"relevance", Enum({"listed_goods", "class_related", "unrelated"})},
       {"authorised", Boolean()},
       {"profile", String()},
       {"entry", String()},
       {"name", String()},
       {"party", Enum({"consignor", "consignee", "declarant"})},
       {"similarity", {{"type", "number"}}},
       {"reason", String()},
       {"model", {{"type", "string"}, {"description", "model hits: the model (id and version, "
                                                      "or file name)"}}},
       {"probability", {{"type", "number"}, {"minimum", 0}, {"maximum", 1},
                        {"description", "model hits: the model's probability for the item"}}},
       {"bias", {{"type", "number"},
                 {"description", "model hits: log-odds before any feature; bias plus every "
                                 "feature's contribution is the log-odds of probability"}}},
       {"contributions",
        ArrayOf(Object({{"feature", String()},
                        {"value", {{"type", json::array({"number", "null"})}}},
                        {"contribution", {{"type", "number"},
                                          {"description", "to the log-odds (path attribution)"}}},
                        {"detail", {{"type", "string"},
                                    {"description", "the inputs behind the feature"}}}},
                       {"feature", "contribution"}))},
       {"weight", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}}},
      {"kind", "weight"});
  schemas["ScreeningResult"] =
      Object({{"id", {{"type", "string"}, {"description", "the declaration id"}}},
              {"score", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
              {"channel", Enum({"green", "yellow", "red"})},
              {"selected", Boolean()},
              {"office", String()},
              {"hits", ArrayOf(Ref("ScreeningHit"))}},
             {"id", "score", "channel", "selected", "hits"});
  schemas["ScreeningError"] =
      Object({{"index", {{"type", "integer"}, {"description", "position in declarations"}}},
              {"id", {{"type", json::array({"string", "null"})}}},
              {"error", {{"type", "string"}, {"description", "names the field"}}}},
             {"index", "id", "error"});
  schemas["ScreeningSummary"] = Object(
      {{"declarations", {{"type", "integer"}}},
       {"screened", {{"type", "integer"}}},
       {"errors", {{"type", "integer"}}},
       {"selected", {{"type", "integer"}}},
       {"by_channel", {{"type", "object"}, {"additionalProperties", {{"type", "integer"}}}}}},
      {"declarations", "screened", "errors", "selected", "by_channel"});
  schemas["ScreeningResponse"] = Object({{"results", ArrayOf(Ref("ScreeningResult"))},
                                         {"errors", ArrayOf(Ref("ScreeningError"))},
                                         {"summary", Ref("ScreeningSummary")},
                                         {"run_id",
                                          {{"type", json::array({"string", "null"})},
                                           {"description", "the stored run when store was true"}}}},
                                        {"results", "errors", "summary", "run_id"});

  json profile_input = {
      {"name", String()},
      {"description", String()},
      {"weight", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
      {"valid_from", DateOrNull()},
      {"valid_to", DateOrNull()},
      {"share_with_partners", Boolean()},
      {"active", Boolean()},
      {"rule",
       {{"type", "object"},
        {"description",
         "a condition ({field, op, value}) or all/any/not of rules; see docs/profiles.md"}}},
      {"version",
       {{"type", "integer"},
        {"description", "on update: the version read; a different stored version gives 409"}}}};
  schemas["RiskProfileInput"] = Object(profile_input, {"name", "rule"});
  json profile = profile_input;
  profile["id"] = String();
  profile["owner_org_id"] = String();
  profile["owner_user_id"] = String();
  profile["created_at"] = DateTime();
  profile["updated_at"] = DateTime();
  schemas["RiskProfile"] = Object(profile, {"id", "name", "weight", "rule", "version"});
  schemas["RiskProfileList"] = Object({{"items", ArrayOf(Ref("RiskProfile"))}}, {"items"});
  json integer = {{"type", "integer"}};
  schemas["ProfileTestHit"] = Object(
      {{"result_id", String()},
       {"run_id", String()},
       {"declaration_id", String()},
       {"office", String()},
       {"screened_at", DateTime()},
       {"score", {{"type", "number"}, {"description", "the stored result's score"}}},
       {"channel", Enum({"green", "yellow", "red"})},
       {"selected", Boolean()},
       {"origin", String()},
       {"transport_mode", String()},
       {"consignor", String()},
       {"item", {{"type", json::array({"integer", "null"})},
                 {"description", "the item that met the item conditions; null: none used"}}},
       {"goods", Object({{"hs", String()},
                         {"description", String()},
                         {"quantity", {{"type", "number"}}},
                         {"value", {{"type", "number"}}},
                         {"currency", String()}})}},
      {"result_id", "declaration_id", "screened_at", "selected", "item"});
  schemas["ProfileTestResult"] = Object(
      {{"profile", Ref("RiskProfileInput")},
       {"declarations", {{"type", "integer"}, {"description", "stored declarations tested"}}},
       {"hits", {{"type", "integer"}, {"description", "of those, the draft hit"}}},
       {"hit_rate", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
       {"selected_hits", {{"type", "integer"}, {"description", "hits screening had selected"}}},
       {"unreadable", integer},
       {"from", DateTimeOrNull()},
       {"to", DateTimeOrNull()},
       {"samples", ArrayOf(Ref("ProfileTestHit"))}},
      {"profile", "declarations", "hits", "hit_rate", "selected_hits", "samples"});

  json price = {{"hs_prefix", {{"type", "string"}, {"pattern", "^[0-9]{1,10}$"}}},
                {"eur_per_unit", {{"type", "number"}, {"exclusiveMinimum", 0}}},
                {"note", String()}};
  json price_list_input = {
      {"reference_prices", ArrayOf(Object(price, {"hs_prefix", "eur_per_unit"}))},
      {"version",
       {{"type", "integer"},
        {"description", "the version read (0 before the first list); a different stored version "
                        "gives 409"}}}};
  schemas["ReferencePricesInput"] = Object(price_list_input, {"reference_prices"});
  json price_list = price_list_input;
  price_list["updated_at"] = {{"type", json::array({"string", "null"})}, {"format", "date-time"}};
  price_list["updated_by"] = String();
  schemas["ReferencePrices"] = Object(price_list, {"reference_prices", "version"});

  json entry_input = {
      {"name", String()},
      {"address", String()},
      {"country", {{"type", json::array({"string", "null"})}, {"pattern", "^[A-Z]{2}$"}}},
      {"reason", String()},
      {"source", {{"type", "string"}, {"description", "analyst (default), referral:<id>, ..."}}},
      {"weight", {{"type", "number"}, {"minimum", 0}, {"maximum", 1}}},
      {"version", {{"type", "integer"}, {"description", "on update: the version read"}}}};
  schemas["WatchlistEntryInput"] = Object(entry_input, {"name"});
  json entry = entry_input;
  entry["id"] = String();
  entry["owner_org_id"] = String();
  entry["created_at"] = DateTime();
  entry["updated_at"] = DateTime();
  schemas["WatchlistEntry"] = Object(entry, {"id", "name", "weight", "version"});
  schemas["WatchlistEntryList"] = Object({{"items", ArrayOf(Ref("WatchlistEntry"))}}, {"items"});

  schemas["TargetingModel"] = Object(
      {{"id", String()},
       {"version", {{"type", "integer"}, {"description", "the administration's uploads, from 1"}}},
       {"sha256", {{"type", "string"}, {"description", "hex SHA-256 of the model file"}}},
       {"size", {{"type", "integer"}, {"description", "bytes"}}},
       {"description", String()},
       {"created_by", String()},
       {"created_at", DateTime()},
       {"active", Boolean()},
       {"metrics",
        {{"type", "object"},
         {"description", "training figures: rows, positives, validation AUC and precision/recall "
                         "at 1, 2, 5, 10 %, trees, features, the roles the model reads"}}}},
      {"id", "version", "sha256", "size", "created_at", "active", "metrics"});
  schemas["ModelActivation"] =
      Object({{"seq", {{"type", "integer"}}},
              {"action", Enum({"activate", "rollback"})},
              {"model_id", {{"type", "string"}, {"description", "active after it"}}},
              {"previous_model_id", {{"type", json::array({"string", "null"})}}},
              {"user_id", String()},
              {"at", DateTime()}},
             {"seq", "action", "model_id", "previous_model_id", "user_id", "at"});
  schemas["TargetingModelList"] =
      Object({{"items", ArrayOf(Ref("TargetingModel"))},
              {"active_model_id", {{"type", json::array({"string", "null"})}}},
              {"activations", ArrayOf(Ref("ModelActivation"))}},
             {"items", "active_model_id", "activations"});

  schemas["FindingInput"] =
      Object({{"outcome", Enum({"no_irregularity", "suspected_ipr_infringement", "other"})},
              {"notes", {{"type", "string"}, {"maxLength", 10000}}}},
             {"outcome"});
  schemas["Finding"] =
      Object({{"id", String()},
              {"selection_id", String()},
              {"outcome", Enum({"no_irregularity", "suspected_ipr_infringement", "other"})},
              {"notes", String()},
              {"officer_id", String()},
              {"at", DateTime()}},
             {"id", "selection_id", "outcome", "notes", "officer_id", "at"});
  schemas["Selection"] =
      Object({{"id", String()},
              {"run_id", String()},
              {"declaration_id", String()},
              {"office", String()},
              {"score", {{"type", "number"}}},
              {"channel", Enum({"green", "yellow", "red"})},
              {"selected", Boolean()},
              {"status", Enum({"open", "done"})},
              {"hits", ArrayOf(Ref("ScreeningHit"))},
              {"profiles", ArrayOf(String())},
              {"created_at", DateTime()},
              {"finding", {{"oneOf", json::array({Ref("Finding"), {{"type", "null"}}})}}}},
             {"id", "run_id", "declaration_id", "office", "score", "channel", "status", "hits",
              "finding"});
  schemas["SelectionList"] =
      Object({{"items", ArrayOf(Ref("Selection"))},
              {"next_cursor",
               {{"type", json::array({"string", "null"})},
                {"description", "pass as ?cursor= for the next page; null on the last"}}}},
             {"items", "next_cursor"});
  // --- detention cases
  json case_party = Object({{"name", String()},
                            {"address", String()},
                            {"country", Country()},
                            {"email", {{"type", "string"},
                                       {"description", "optional: the party's notices are also e-mailed here"}}}},
                           {"name", "address", "country"});
  schemas["CaseParty"] = case_party;
  json product_categories = Enum({"clothing", "shoes", "bags_and_personal_accessories", "watches",
                                  "jewellery", "mobile_phones_and_accessories", "electronics",
                                  "toys", "games", "sports_goods", "medicines", "body_care",
                                  "foodstuffs", "tobacco", "alcoholic_drinks",
                                  "packaging_material", "labels_and_tags", "other"});
  json ipr_types = Enum({"trademark", "design", "copyright", "patent", "geographical_indication",
                         "plant_variety", "utility_model", "topography", "trade_name"});
  schemas["CaseGoods"] = Object(
      {{"description", String()},
       {"hs", {{"type", "string"}, {"pattern", "^[0-9]{4,10}$"}}},
       {"quantity", {{"type", "number"}, {"exclusiveMinimum", 0}}},
       {"unit", String()},
       {"product_category", product_categories},
       {"ipr_type", ipr_types},
       {"mark", String()},
       {"estimated_value_eur", {{"type", "number"}, {"minimum", 0}}}},
      {"description", "hs", "quantity", "unit", "product_category", "ipr_type"});
  json date = {{"type", "string"}, {"format", "date"}};
  schemas["CaseInput"] = Object(
      {{"office", {{"type", "string"}, {"description", "UN/LOCODE of one of the administration's offices"}}},
       {"procedure", Enum({"application", "ex_officio"})},
       {"application_id", {{"type", "string"}, {"description", "required for procedure application: a granted application covering the goods"}}},
       {"declaration_id", String()},
       {"selection_id", {{"type", "string"}, {"description", "the selection (res_...) the case comes from"}}},
       {"perishable", Boolean()},
       {"small_consignment", {{"type", "boolean"}, {"description", "Regulation (EU) No 608/2013 Art. 26; the application must have opted in"}}},
       {"suspended_on", {{"type", "string"}, {"format", "date"}, {"description", "default today"}}},
       {"notified_on", {{"type", "string"}, {"format", "date"}, {"description", "default today"}}},
       {"transport_mode", Enum({"sea", "air", "road", "rail", "postal", "express", "passenger"})},
       {"origin", Country()},
       {"dispatch", Country()},
       {"destination", Country()},
       {"e_commerce", {{"type", "boolean"}, {"description", "goods sold online (for the seizure statistics)"}}},
       {"declarant", Ref("CaseParty")},
       {"holder_of_goods", Ref("CaseParty")},
       {"goods", {{"type", "array"}, {"minItems", 1}, {"items", Ref("CaseGoods")}}}},
      {"office", "procedure", "declarant", "goods"});
  schemas["Case"] = Object(
      {{"id", String()},
       {"administration_id", String()},
       {"office", String()},
       {"procedure", Enum({"application", "ex_officio"})},
       {"application_id", {{"type", json::array({"string", "null"})}}},
       {"holder_org_id", {{"type", json::array({"string", "null"})}}},
       {"state", {{"type", "string"}, {"description", "a state of the jurisdiction's rule set (docs/procedure.md)"}}},
       {"open", Boolean()},
       {"perishable", Boolean()},
       {"small_consignment", Boolean()},
       {"jurisdiction", String()},
       {"calendar", String()},
       {"suspended_on", date},
       {"notified_on", date},
       {"deadlines", {{"type", "object"}, {"additionalProperties", date},
                      {"description", "time limit name -> last day (ISO date), e.g. response_due"}}},
       {"next_deadline", {{"type", json::array({"object", "null"})}}},
       {"parties_disclosed", Boolean()},
       {"declarant", {{"oneOf", json::array({Ref("CaseParty"), {{"type", "null"}}})}}},
       {"holder_of_goods", {{"oneOf", json::array({Ref("CaseParty"), {{"type", "null"}}})}}},
       {"goods", ArrayOf(Ref("CaseGoods"))},
       {"allowed_actions", ArrayOf({{"type", "object"}})},
       {"costs", {{"type", "object"}}},
       {"history", ArrayOf({{"type", "object"}})},
       {"notices", ArrayOf(Ref("NoticeWithDeliveries"))},
       {"evidence", ArrayOf(Ref("Evidence"))},
       {"version", {{"type", "integer"}}}},
      {"id", "state", "deadlines", "goods"});
  schemas["CaseList"] =
      Object({{"items", ArrayOf(Ref("Case"))},
              {"next_cursor",
               {{"type", json::array({"string", "null"})},
                {"description", "pass as ?cursor= for the next page; null on the last"}}}},
             {"items", "next_cursor"});
  schemas["CaseAction"] = Object(
      {{"action", {{"type", "string"},
                   {"description", "notify, accept_application, reject_application, "
                                   "confirm_infringement, agree, oppose, notify_opposition, "
                                   "request_samples, start_proceedings, extend, destroy, release, "
                                   "hand_over, record_cost (docs/cases.md lists each one's fields)"}}},
       {"party", {{"type", "string"}, {"enum", {"customs", "right_holder", "declarant"}},
                  {"description", "an officer recording a party's written act; default customs"}}},
       {"note", String()}},
      {"action"});
  schemas["CaseExtension"] = Object({{"reason", String()}}, {"reason"});
  schemas["Evidence"] = Object({{"id", String()},
                                {"sha256", String()},
                                {"media_type", String()},
                                {"size", {{"type", "integer"}}},
                                {"filename", String()},
                                {"description", String()},
                                {"uploaded_by", String()},
                                {"created_at", DateTime()}},
                               {"id", "sha256", "media_type", "size"});
  schemas["EvidenceList"] = Object({{"items", ArrayOf(Ref("Evidence"))}}, {"items"});
  schemas["ApplicationPhoto"] = Object({{"id", String()},
                                        {"application_id", String()},
                                        {"sha256", String()},
                                        {"media_type", Enum({"image/jpeg", "image/png", "image/webp"})},
                                        {"size", {{"type", "integer"}}},
                                        {"filename", String()},
                                        {"description", String()},
                                        {"uploaded_by", String()},
                                        {"created_at", DateTime()}},
                                       {"id", "application_id", "sha256", "media_type", "size"});
  schemas["ApplicationPhotoList"] =
      Object({{"items", ArrayOf(Ref("ApplicationPhoto"))}}, {"items"});
  schemas["Empty"] = Object(json::object());
  schemas["OpenApiDocument"] = {{"type", "object"}, {"description", "an OpenAPI 3.1 document"}};

  // The tamper-evident audit log (RFC 9162; docs/audit.md).
  const json base64_hash = {{"type", "string"},
                            {"contentEncoding", "base64"},
                            {"description", "32-byte SHA-256 hash, standard padded base64"}};
  const json size = {{"type", "integer"}, {"minimum", 0}};
  schemas["AuditKey"] = Object(
      {{"verifier_key",
        {{"type", "string"},
         {"description", "C2SP signed-note verifier key: <origin>+<key id hex>+<base64 key>"}}},
       {"origin", String()},
       {"key_id", {{"type", "string"}, {"pattern", "^[0-9a-f]{8}$"}}},
       {"algorithm", Enum({"Ed25519"})}},
      {"verifier_key", "origin", "key_id", "algorithm"});
  schemas["AuditCheckpoint"] =
      Object({{"tree_size", size},
              {"root_hash", base64_hash},
              {"signed_note",
               {{"type", "string"},
                {"description",
                 "C2SP tlog-checkpoint signed with the node's Ed25519 key; the only signed part"}}},
              {"verifier_key", String()}},
             {"tree_size", "root_hash", "signed_note", "verifier_key"});
  schemas["AuditEntry"] = Object(
      {{"index", size},
       {"leaf_hash", base64_hash},
       {"withheld",
        {{"type", "boolean"},
         {"description", "true: recorded by another organisation; only the leaf hash is given"}}},
       {"leaf_input",
        {{"type", "string"},
         {"contentEncoding", "base64"},
         {"description", "the exact entry bytes hashed (absent when withheld)"}}},
       {"entry",
        {{"type", "object"},
         {"description", "leaf_input decoded (canonical JSON); absent when withheld"}}}},
      {"index", "leaf_hash", "withheld"});
  schemas["AuditEntryList"] = Object({{"tree_size", size}, {"entries", ArrayOf(Ref("AuditEntry"))}},
                                     {"tree_size", "entries"});
  schemas["AuditInclusionProof"] = Object({{"index", size},
                                           {"tree_size", size},
                                           {"leaf_hash", base64_hash},
                                           {"audit_path", ArrayOf(base64_hash)}},
                                          {"index", "tree_size", "leaf_hash", "audit_path"});
  schemas["AuditConsistencyProof"] =
      Object({{"first", size}, {"second", size}, {"consistency_path", ArrayOf(base64_hash)}},
             {"first", "second", "consistency_path"});
  AddNotificationSchemas(schemas);
  AddStatsSchemas(schemas);
  AddExchangeSchemas(schemas);
  return schemas;
}

json ProblemResponseObject(const std::string& description) {
  return {{"description", description},
          {"content", {{"application/problem+json", {{"schema", Ref("Problem")}}}}}};
}

json Responses() {
  json responses;
  responses["MalformedJson"] = ProblemResponseObject("The body is not a JSON object");
  responses["Unauthenticated"] =
      ProblemResponseObject("Missing, unknown, expired or revoked token");
  responses["Forbidden"] = ProblemResponseObject("The caller's role may not do this");
  responses["NotFound"] = ProblemResponseObject("No such object, or not visible to the caller");
  responses["Conflict"] = ProblemResponseObject("The object's state does not allow this");
  responses["PayloadTooLarge"] = ProblemResponseObject("The body exceeds 16 MiB");
  responses["InvalidInput"] = ProblemResponseObject("Invalid fields, listed in errors");
  responses["RateLimited"] = ProblemResponseObject("Slowed down; see Retry-After");
  responses["Unavailable"] = ProblemResponseObject("A dependency (the store) is unavailable");
  responses["InternalError"] = ProblemResponseObject("Server failure (details are only logged)");
  return responses;
}

json JsonContent(const std::string& schema) {
  return {{"application/json", {{"schema", Ref(schema)}}}};
}

json PathParameter(const std::string& name, const std::string& description) {
  return {{"name", name},
          {"in", "path"},
          {"required", true},
          {"description", description},
          {"schema", {{"type", "string"}}}};
}
json PathId(const std::string& description) { return PathParameter("id", description); }

// An optional query parameter (`required` for the few that must be given); an
// empty description is left out.
json QueryParameter(const std::string& name, json schema, const std::string& description,
                    bool required = false) {
  json parameter = {{"name", name}, {"in", "query"}, {"required", required}};
  if (!description.empty()) parameter["description"] = description;
  parameter["schema"] = std::move(schema);
  return parameter;
}
// The pagination pair of the cursor-paginated lists.
json CursorParameter() {
  return QueryParameter("cursor", String(), "next_cursor of the previous page");
}
json PageSize() {
  return {{"type", "integer"}, {"minimum", 1}, {"maximum", 1000}, {"default", 50}};
}
json LimitParameter() { return QueryParameter("limit", PageSize(), "page size"); }

struct Operation {
  std::string method;  // lower case, as OpenAPI keys them
  std::string path;
  std::string operation_id;
  std::string summary;
  std::string tag;
  bool auth = true;
  std::string request_schema;  // empty: no body
  bool binary_body = false;    // the body is a file (application/octet-stream)
  bool request_required = true;
  int success_status = 200;
  std::string success_schema;         // empty: no content
  // Non-JSON bodies (evidence bytes): media types of a binary request body /
  // success response; used instead of request_schema / success_schema.
  std::vector<std::string> request_media_types;
  std::vector<std::string> success_media_types;
  std::vector<std::string> problems;  // component response names besides the defaults
  json parameters = json::array();

  Operation& Public() {
    auth = false;
    return *this;
  }
  Operation& Body(std::string schema, bool required = true) {
    request_schema = std::move(schema);
    request_required = required;
    return *this;
  }
  Operation& BinaryBody() {
    binary_body = true;
    return *this;
  }
  Operation& Returns(int status, std::string schema = "") {
    success_status = status;
    success_schema = std::move(schema);
    return *this;
  }
  Operation& Problems(std::vector<std::string> names) {
    problems = std::move(names);
    return *this;
  }
  Operation& BinaryBody(std::vector<std::string> media_types) {
    request_media_types = std::move(media_types);
    return *this;
  }
  Operation& ReturnsBinary(int status, std::vector<std::string> media_types) {
    success_status = status;
    success_media_types = std::move(media_types);
    return *this;
  }
  Operation& Parameters(json list) {
    parameters = std::move(list);
    return *this;
  }
};

Operation Op(std::string method, std::string path, std::string operation_id, std::string summary,
             std::string tag) {
  Operation op;
  op.method = std::move(method);
  op.path = std::move(path);
  op.operation_id = std::move(operation_id);
  op.summary = std::move(summary);
  op.tag = std::move(tag);
  return op;
}

json BuildOperation(const Operation& op) {
  json operation = {{"operationId", op.operation_id}, {"summary", op.summary}, {"tags", {op.tag}}};
  if (!op.auth) operation["security"] = json::array();  // overrides the global bearerAuth
  if (!op.parameters.empty()) operation["parameters"] = op.parameters;
  if (!op.request_schema.empty()) {
    operation["requestBody"] = {{"required", op.request_required},
                                {"content", JsonContent(op.request_schema)}};
  }
  if (op.binary_body) {
    operation["requestBody"] = {
        {"required", true},
        {"content",
         {{"application/octet-stream", {{"schema", {{"type", "string"}, {"format", "binary"}}}}}}}};
  }
  const json binary = {{"type", "string"}, {"format", "binary"}};
  if (!op.request_media_types.empty()) {
    json content = json::object();
    for (const std::string& type : op.request_media_types) content[type] = {{"schema", binary}};
    operation["requestBody"] = {{"required", true}, {"content", std::move(content)}};
  }
  json responses;
  json success = {{"description", op.success_status == 204 ? "Done" : "Success"}};
  if (!op.success_schema.empty()) success["content"] = JsonContent(op.success_schema);
  if (!op.success_media_types.empty()) {
    json content = json::object();
    for (const std::string& type : op.success_media_types) content[type] = {{"schema", binary}};
    success["content"] = std::move(content);
  }
  if (op.success_status == 201 &&
      (op.path == "/api/v1/applications" || op.path == "/api/v1/profiles" ||
       op.path == "/api/v1/watchlist" || op.path == "/api/v1/models" ||
       op.path == "/api/v1/webhooks" || op.path == "/api/v1/cases" ||
       op.path == "/api/v1/cases/{id}/evidence" || op.path == "/api/v1/exchange/partners" ||
       op.path == "/api/v1/applications/{id}/photos")) {
    success["headers"] = {
        {"Location", {{"description", "URL of the new object"}, {"schema", {{"type", "string"}}}}}};
  }
  responses[std::to_string(op.success_status)] = std::move(success);
  std::vector<std::string> problems = op.problems;
  if (op.auth) problems.push_back("Unauthenticated");
  if (!op.request_media_types.empty()) problems.push_back("PayloadTooLarge");
  if (!op.request_schema.empty()) {
    problems.push_back("MalformedJson");
    problems.push_back("PayloadTooLarge");
  }
  if (op.binary_body) problems.push_back("PayloadTooLarge");
  problems.push_back("InternalError");
  const std::vector<std::pair<std::string, std::string>> kStatusOf = {
      {"MalformedJson", "400"}, {"Unauthenticated", "401"}, {"Forbidden", "403"},
      {"NotFound", "404"},      {"Conflict", "409"},        {"PayloadTooLarge", "413"},
      {"InvalidInput", "422"},  {"RateLimited", "429"},     {"InternalError", "500"},
      {"Unavailable", "503"},
  };
  for (const std::string& problem : problems) {
    for (const auto& [name, status] : kStatusOf) {
      if (name == problem) responses[status] = ResponseRef(name);
    }
  }
  operation["responses"] = std::move(responses);
  return operation;
}

std::vector<Operation> Operations() {
  const json application_id = json::array({PathId("application id (app_...)")});
  const json list_parameters = json::array(
      {QueryParameter(
           "status",
           Enum({"draft", "submitted", "granted", "rejected", "suspended", "revoked", "expired"}),
           ""),
       QueryParameter("order", Enum({"oldest", "newest"}),
                      "by filing (creation): oldest (default) or newest first"),
       CursorParameter(), QueryParameter("limit", PageSize(), "")});
  const std::vector<std::string> state_change = {"Forbidden", "NotFound", "Conflict",
                                                 "InvalidInput"};
  const json profile_id = json::array({PathId("risk profile id (prf_...)")});
  const json entry_id = json::array({PathId("watchlist entry id (wle_...)")});
  const json selection_id = json::array({PathId("selection id (res_...)")});
  const json model_id = json::array({PathId("model id (mdl_...)")});
  const json selection_parameters = json::array(
      {QueryParameter("office", {{"type", "string"}, {"pattern", "^[A-Z]{2}[A-Z2-9]{3}$"}},
                      "only this office (UN/LOCODE)"),
       QueryParameter("status", Enum({"open", "done"}), "open: no finding yet"), CursorParameter(),
       LimitParameter()});
  auto required_index = [](const char* name, const char* description) {
    return QueryParameter(name, {{"type", "integer"}, {"minimum", 0}}, description, true);
  };
  const json case_id = json::array({PathId("case id (cas_...)")});
  const json case_list_parameters =
      json::array({QueryParameter("state", {{"type", "string"}}, "only cases in this state"),
                   QueryParameter("office", {{"type", "string"}}, "only this office (UN/LOCODE)"),
                   QueryParameter("open", Enum({"true", "false"}), "true: only open cases"),
                   CursorParameter(), LimitParameter()});
  const json case_queue_parameters =
      json::array({QueryParameter("office", {{"type", "string"}}, "only this office (UN/LOCODE)"),
                   CursorParameter(), LimitParameter()});
  const json photo_parameters = json::array(
      {PathId("application id (app_...)"), PathParameter("photo_id", "photo id (pho_...)")});
  const json evidence_upload_parameters = json::array(
      {PathId("case id (cas_...)"), QueryParameter("filename", {{"type", "string"}}, "file name"),
       QueryParameter("description", {{"type", "string"}}, "what it shows")});
  const json evidence_parameters = json::array(
      {PathId("case id (cas_...)"), PathParameter("evidence_id", "evidence id (evd_...)")});
  return {
      Op("get", "/api/v1/health", "getHealth", "Liveness and store check", "system")
          .Public()
          .Returns(200, "Health")
          .Problems({"Unavailable"}),
      Op("get", "/api/v1/openapi.json", "getOpenApi", "This OpenAPI document", "system")
          .Public()
          .Returns(200, "OpenApiDocument"),
      Op("post", "/api/v1/sessions", "createSession",
         "Log in with e-mail and password; returns a 12-hour bearer token", "auth")
          .Public()
          .Body("LoginRequest")
          .Returns(201, "Session")
          .Problems({"Unauthenticated", "InvalidInput", "RateLimited"}),
      Op("delete", "/api/v1/sessions/current", "deleteSession",
         "Log out: revoke the token this request authenticated with", "auth")
          .Returns(204),
      Op("get", "/api/v1/me", "getMe", "The calling user and organisation", "auth")
          .Returns(200, "Me"),
      Op("post", "/api/v1/tokens", "createApiToken",
         "Create a long-lived API token for a user of the organisation (admin)", "auth")
          .Body("ApiTokenRequest")
          .Returns(201, "IssuedApiToken")
          .Problems({"Forbidden", "NotFound", "InvalidInput"}),
      Op("get", "/api/v1/tokens", "listApiTokens",
         "The organisation's API tokens, without secrets (admin)", "auth")
          .Returns(200, "ApiTokenList")
          .Problems({"Forbidden"}),
      Op("delete", "/api/v1/tokens/{id}", "revokeApiToken", "Revoke an API token (admin)", "auth")
          .Returns(204)
          .Problems({"Forbidden", "NotFound"})
          .Parameters(json::array({PathId("API token id (tok_...)")})),
      Op("get", "/api/v1/organisations", "listOrganisations", "Directory of organisations",
         "organisations")
          .Returns(200, "OrganisationList"),

      Op("post", "/api/v1/applications", "createApplication",
         "File a draft application for action (right holder)", "applications")
          .Body("ApplicationInput")
          .Returns(201, "Application")
          .Problems({"Forbidden", "InvalidInput"}),
      Op("get", "/api/v1/applications", "listApplications",
         "Applications visible to the caller, oldest or newest first, cursor-paginated",
         "applications")
          .Returns(200, "ApplicationList")
          .Problems({"InvalidInput"})
          .Parameters(list_parameters),
      Op("get", "/api/v1/applications/{id}", "getApplication", "One application", "applications")
          .Returns(200, "Application")
          .Problems({"NotFound"})
          .Parameters(application_id),
      Op("put", "/api/v1/applications/{id}", "updateApplication",
         "Replace the content of a draft (right holder)", "applications")
          .Body("ApplicationInput")
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/submit", "submitApplication",
         "Submit a draft (right holder)", "applications")
          .Body("Empty", false)
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/decision", "decideApplication",
         "Grant (with valid_until) or reject (with reason) a submitted application (IPR officer "
         "of the administration it is filed with)",
         "applications")
          .Body("Decision")
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/renewal", "requestRenewal",
         "Request renewal of a granted application before it expires (right holder)",
         "applications")
          .Body("OptionalReason", false)
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/renewal/decision", "decideRenewal",
         "Grant or reject a pending renewal (IPR officer)", "applications")
          .Body("Decision")
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/suspend", "suspendApplication",
         "Suspend a granted application (IPR officer)", "applications")
          .Body("Reason")
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/reinstate", "reinstateApplication",
         "Reinstate a suspended application (IPR officer)", "applications")
          .Body("Empty", false)
          .Returns(200, "Application")
          .Problems({"Forbidden", "NotFound", "Conflict"})
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/revoke", "revokeApplication",
         "Revoke a granted or suspended application (IPR officer)", "applications")
          .Body("Reason")
          .Returns(200, "Application")
          .Problems(state_change)
          .Parameters(application_id),
      Op("post", "/api/v1/applications/{id}/photos", "addApplicationPhoto",
         "Attach a photo of the authentic goods (the raw bytes; ?filename=, ?description=): "
         "JPEG, PNG or WebP, at most 5 MiB, 20 per application; the right holder, while the "
         "application is a draft or submitted",
         "applications")
          .BinaryBody({"image/jpeg", "image/png", "image/webp"})
          .Returns(201, "ApplicationPhoto")
          .Problems(state_change)
          .Parameters(json::array(
              {PathId("application id (app_...)"),
               QueryParameter("filename", {{"type", "string"}}, "file name"),
               QueryParameter("description", {{"type", "string"}}, "what it shows")})),
      Op("get", "/api/v1/applications/{id}/photos", "listApplicationPhotos",
         "The photos of an application, oldest first", "applications")
          .Returns(200, "ApplicationPhotoList")
          .Problems({"NotFound"})
          .Parameters(application_id),
      Op("get", "/api/v1/applications/{id}/photos/{photo_id}", "getApplicationPhoto",
         "The bytes of one photo, exactly as uploaded", "applications")
          .ReturnsBinary(200, {"image/jpeg", "image/png", "image/webp"})
          .Problems({"NotFound"})
          .Parameters(photo_parameters),
      Op("delete", "/api/v1/applications/{id}/photos/{photo_id}", "deleteApplicationPhoto",
         "Remove a photo (the right holder, while the application is a draft or submitted)",
         "applications")
          .Returns(204)
          .Problems(state_change)
          .Parameters(photo_parameters),

      Op("post", "/api/v1/screenings", "screenDeclarations",
         "Screen a batch of up to 10,000 declarations against the administration's recorded "
         "marks, risk profiles and watchlist (risk analyst); malformed declarations are listed "
         "in errors, the others screened",
         "screening")
          .Body("ScreeningRequest")
          .Returns(200, "ScreeningResponse")
          .Problems({"Forbidden", "InvalidInput"}),
      Op("get", "/api/v1/profiles", "listProfiles",
         "The administration's risk profiles (risk analyst)", "screening")
          .Returns(200, "RiskProfileList")
          .Problems({"Forbidden"}),
      Op("post", "/api/v1/profiles", "createProfile", "Create a risk profile (risk analyst)",
         "screening")
          .Body("RiskProfileInput")
          .Returns(201, "RiskProfile")
          .Problems({"Forbidden", "InvalidInput"}),
      Op("post", "/api/v1/profiles/test", "testProfile",
         "Evaluate a draft risk profile (not stored; active, validity dates ignored) against the "
         "administration's most recently stored declarations: hit count and sample hits "
         "(risk analyst)",
         "screening")
          .Body("RiskProfileInput")
          .Returns(200, "ProfileTestResult")
          .Problems({"Forbidden", "InvalidInput"})
          .Parameters(json::array(
              {QueryParameter("declarations",
                               {{"type", "integer"}, {"minimum", 1}, {"maximum", 10000},
                                {"default", 1000}},
                               "how many of the most recent stored declarations"),
               QueryParameter("samples",
                               {{"type", "integer"}, {"minimum", 0}, {"maximum", 100},
                                {"default", 20}},
                               "hits returned, newest first")})),
      Op("get", "/api/v1/profiles/{id}", "getProfile", "One risk profile (risk analyst)",
         "screening")
          .Returns(200, "RiskProfile")
          .Problems({"Forbidden", "NotFound"})
          .Parameters(profile_id),
      Op("put", "/api/v1/profiles/{id}", "updateProfile",
         "Replace a risk profile (risk analyst); optimistic concurrency through version",
         "screening")
          .Body("RiskProfileInput")
          .Returns(200, "RiskProfile")
          .Problems(state_change)
          .Parameters(profile_id),
      Op("delete", "/api/v1/profiles/{id}", "deleteProfile",
         "Delete a risk profile (risk analyst); its recorded hits are kept", "screening")
          .Returns(204)
          .Problems({"Forbidden", "NotFound"})
          .Parameters(profile_id),
      Op("get", "/api/v1/reference-prices", "getReferencePrices",
         "The administration's reference prices per HS prefix, for item.price_ratio conditions "
         "(risk analyst)",
         "screening")
          .Returns(200, "ReferencePrices")
          .Problems({"Forbidden"}),
      Op("put", "/api/v1/reference-prices", "putReferencePrices",
         "Replace the reference price list as a whole (risk analyst); optimistic concurrency "
         "through version",
         "screening")
          .Body("ReferencePricesInput")
          .Returns(200, "ReferencePrices")
          .Problems({"Forbidden", "InvalidInput", "Conflict"}),
      Op("get", "/api/v1/watchlist", "listWatchlist",
         "The administration's watchlist of traders (risk analyst)", "screening")
          .Returns(200, "WatchlistEntryList")
          .Problems({"Forbidden"}),
      Op("post", "/api/v1/watchlist", "createWatchlistEntry",
         "Put a trader on the watchlist (risk analyst)", "screening")
          .Body("WatchlistEntryInput")
          .Returns(201, "WatchlistEntry")
          .Problems({"Forbidden", "InvalidInput"}),
      Op("get", "/api/v1/watchlist/{id}", "getWatchlistEntry", "One watchlist entry", "screening")
          .Returns(200, "WatchlistEntry")
          .Problems({"Forbidden", "NotFound"})
          .Parameters(entry_id),
      Op("put", "/api/v1/watchlist/{id}", "updateWatchlistEntry",
         "Replace a watchlist entry (risk analyst); optimistic concurrency through version",
         "screening")
          .Body("WatchlistEntryInput")
          .Returns(200, "WatchlistEntry")
          .Problems(state_change)
          .Parameters(entry_id),
      Op("delete", "/api/v1/watchlist/{id}", "deleteWatchlistEntry",
         "Take a trader off the watchlist (risk analyst)", "screening")
          .Returns(204)
          .Problems({"Forbidden", "NotFound"})
          .Parameters(entry_id),
      Op("get", "/api/v1/selections", "listSelections",
         "The selection queue: declarations selected for inspection, best score first, "
         "cursor-paginated (frontline officer, IPR officer, risk analyst)",
         "screening")
          .Returns(200, "SelectionList")
          .Problems({"Forbidden", "InvalidInput"})
          .Parameters(selection_parameters),
      Op("get", "/api/v1/selections/{id}", "getSelection",
         "One selection with its hits and finding", "screening")
          .Returns(200, "Selection")
          .Problems({"Forbidden", "NotFound"})
          .Parameters(selection_id),
      Op("post", "/api/v1/selections/{id}/finding", "recordFinding",
         "Record the inspection outcome of a selection, once (frontline or IPR officer)",
         "screening")
          .Body("FindingInput")
          .Returns(201, "Finding")
          .Problems(state_change)
          .Parameters(selection_id),

      Op("get", "/api/v1/audit/key", "getAuditKey",
         "The node's public key, to verify audit checkpoints", "audit")
          .Returns(200, "AuditKey"),
      Op("get", "/api/v1/audit/checkpoint", "getAuditCheckpoint",
         "The current head of the audit log as a signed checkpoint", "audit")
          .Returns(200, "AuditCheckpoint")
          .Problems({"Unavailable"}),
      Op("get", "/api/v1/audit/entries", "getAuditEntries",
         "Audit log entries start..end inclusive, at most 1000 (customs admins and IPR "
         "officers; entries of other organisations withheld to their leaf hash)",
         "audit")
          .Returns(200, "AuditEntryList")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(json::array({required_index("start", "index of the first entry"),
                                   required_index("end", "index of the last entry (inclusive)")})),
      Op("get", "/api/v1/audit/proof/inclusion", "getAuditInclusionProof",
         "RFC 9162 inclusion proof (audit path) of an entry in a tree size", "audit")
          .Returns(200, "AuditInclusionProof")
          .Problems({"InvalidInput", "Unavailable"})
          .Parameters(json::array({required_index("index", "the entry"),
                                   required_index("tree_size", "a tree size up to the log's")})),
      Op("get", "/api/v1/audit/proof/consistency", "getAuditConsistencyProof",
         "RFC 9162 consistency proof between two tree sizes", "audit")
          .Returns(200, "AuditConsistencyProof")
          .Problems({"InvalidInput", "Unavailable"})
          .Parameters(json::array({required_index("first", "the smaller tree size"),
                                   required_index("second", "the larger tree size")})),
      Op("post", "/api/v1/models", "uploadModel",
         "Upload a targeting model file (cordon train --out) as application/octet-stream, "
         "optionally ?description=; checked and stored inactive with the next version (risk "
         "analyst)",
         "models")
          .BinaryBody()
          .Returns(201, "TargetingModel")
          .Problems({"Forbidden", "InvalidInput"})
          .Parameters(json::array({QueryParameter(
              "description", {{"type", "string"}, {"maxLength", 1000}}, "a label for the model")})),
      Op("get", "/api/v1/models", "listModels",
         "The administration's targeting models, newest first, and the activation history "
         "(risk analyst)",
         "models")
          .Returns(200, "TargetingModelList")
          .Problems({"Forbidden"}),
      Op("get", "/api/v1/models/{id}", "getModel", "One model's metadata and training figures",
         "models")
          .Returns(200, "TargetingModel")
          .Problems({"Forbidden", "NotFound"})
          .Parameters(model_id),
      Op("post", "/api/v1/models/{id}/activate", "activateModel",
         "Make a model the one POST /screenings uses (risk analyst); audited", "models")
          .Returns(200, "TargetingModel")
          .Problems({"Forbidden", "NotFound"})
          .Parameters(model_id),
      Op("post", "/api/v1/models/rollback", "rollbackModel",
         "Go back to the model active before the current one was activated (risk analyst); "
         "audited",
         "models")
          .Returns(200, "TargetingModel")
          .Problems({"Forbidden", "Conflict"}),
      Op("post", "/api/v1/cases", "openCase",
         "Open a detention case: goods suspended and parties notified (IPR officer)", "cases")
          .Body("CaseInput")
          .Returns(201, "Case")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"}),
      Op("get", "/api/v1/cases", "listCases",
         "Cases visible to the caller (the administration's; a right holder's on its "
         "applications), oldest first, cursor-paginated",
         "cases")
          .Returns(200, "CaseList")
          .Problems({"InvalidInput"})
          .Parameters(case_list_parameters),
      Op("get", "/api/v1/cases/queue", "caseQueue",
         "Open cases ordered by their next deadline (cases where nothing runs last)", "cases")
          .Returns(200, "CaseList")
          .Problems({"InvalidInput"})
          .Parameters(case_queue_parameters),
      Op("get", "/api/v1/cases/{id}", "getCase",
         "One case with state, deadlines, allowed actions, history, notices and evidence", "cases")
          .Returns(200, "Case")
          .Problems({"NotFound"})
          .Parameters(case_id),
      Op("post", "/api/v1/cases/{id}/extension", "extendCase",
         "Extend response_due once by 10 working days from the original due date (Regulation "
         "(EU) No 608/2013 Art. 23(4); not for perishable goods)",
         "cases")
          .Body("CaseExtension")
          .Returns(200, "Case")
          .Problems(state_change)
          .Parameters(case_id),
      Op("post", "/api/v1/cases/{id}/actions", "actOnCase",
         "Take one act of the procedure; 409 names the state and the action when the rule set "
         "does not allow it",
         "cases")
          .Body("CaseAction")
          .Returns(200, "Case")
          .Problems(state_change)
          .Parameters(case_id),
      Op("post", "/api/v1/cases/{id}/evidence", "addEvidence",
         "Attach a photo or document (the raw bytes; ?filename=, ?description=); stored by "
         "SHA-256, at most 10 MiB",
         "cases")
          .BinaryBody({"image/jpeg", "image/png", "image/webp", "image/tiff", "application/pdf"})
          .Returns(201, "Evidence")
          .Problems({"Forbidden", "NotFound", "InvalidInput"})
          .Parameters(evidence_upload_parameters),
      Op("get", "/api/v1/cases/{id}/evidence", "listEvidence", "The evidence of a case", "cases")
          .Returns(200, "EvidenceList")
          .Problems({"NotFound"})
          .Parameters(case_id),
      Op("get", "/api/v1/cases/{id}/evidence/{evidence_id}", "getEvidence",
         "The bytes of one piece of evidence", "cases")
          .ReturnsBinary(200,
                         {"image/jpeg", "image/png", "image/webp", "image/tiff", "application/pdf"})
          .Problems({"NotFound"})
          .Parameters(evidence_parameters),
  };
}

std::vector<Operation> NotificationOperations() {
  const json notice_id = json::array({PathId("notice id (ntc_...)")});
  const json webhook_id = json::array({PathId("webhook endpoint id (whk_...)")});
  const json list_parameters = json::array(
      {QueryParameter("box", Enum({"inbox", "sent"}),
                      "inbox (default): notices addressed to your organisation; sent: notices "
                      "it gave"),
       QueryParameter("unread", Enum({"true", "false"}), "inbox: only notices not yet read"),
       CursorParameter(), LimitParameter()});
  return {
      Op("get", "/api/v1/notifications", "listNotifications",
         "Your organisation's notices, newest first, cursor-paginated (admin, IPR officer, "
         "right holder representative)",
         "notifications")
          .Returns(200, "NoticeList")
          .Problems({"Forbidden", "InvalidInput"})
          .Parameters(list_parameters),
      Op("get", "/api/v1/notifications/{id}", "getNotification",
         "One notice with its deliveries and every delivery attempt", "notifications")
          .Returns(200, "NoticeWithDeliveries")
          .Problems({"Forbidden", "NotFound"})
          .Parameters(notice_id),
      Op("post", "/api/v1/notifications/{id}/read", "markNotificationRead",
         "Mark a notice addressed to your organisation read (idempotent)", "notifications")
          .Returns(200, "NoticeWithDeliveries")
          .Problems({"Forbidden", "NotFound", "Conflict"})
          .Parameters(notice_id),
      Op("post", "/api/v1/webhooks", "createWebhook",
         "Register a webhook endpoint for your organisation's notices; the signing secret is "
         "returned once",
         "notifications")
          .Body("WebhookInput")
          .Returns(201, "CreatedWebhook")
          .Problems({"Forbidden", "InvalidInput", "Conflict"}),
      Op("get", "/api/v1/webhooks", "listWebhooks", "Your organisation's webhook endpoints",
         "notifications")
          .Returns(200, "WebhookList")
          .Problems({"Forbidden"}),
      Op("delete", "/api/v1/webhooks/{id}", "deleteWebhook",
         "Delete a webhook endpoint; its pending deliveries are cancelled", "notifications")
          .Returns(204)
          .Problems({"Forbidden", "NotFound"})
          .Parameters(webhook_id),
  };
}

// --- seizure statistics (issue 6, docs/stats.md)
std::vector<Operation> StatsOperations() {
  const json date = {{"type", "string"}, {"format", "date"}};
  const json seizure_parameters = json::array(
      {QueryParameter("group_by", String(),
                      "comma-separated dimensions: office, reporting_country, procedure, "
                      "transport_mode, origin, dispatch, destination, product_category, ipr_type, "
                      "small_consignment, e_commerce, outcome, month, quarter, year"),
       QueryParameter("from", date, "first detention day"),
       QueryParameter("to", date, "last detention day"),
       QueryParameter("measures", String(),
                      "comma-separated: cases, articles, value (default all)"),
       {{"name", "filter"},
        {"in", "query"},
        {"required", false},
        {"style", "deepObject"},
        {"explode", true},
        {"description", "filter[dimension]=value[,value...] on record dimensions"},
        {"schema", {{"type", "object"}, {"additionalProperties", String()}}}},
       QueryParameter("format", Enum({"json", "csv"}), "representation (default json)")});
  return {
      Op("get", "/api/v1/stats/seizures", "querySeizures",
         "Seizure statistics of your administration: one row per group with distinct cases, "
         "articles and value",
         "statistics")
          .Returns(200, "SeizureTable")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(seizure_parameters),
      Op("get", "/api/v1/stats/exchange/{quarter}", "exportStatistics",
         "The quarter's aggregates for partners (the exchange document), cells of fewer than "
         "min_cases cases suppressed",
         "statistics")
          .Returns(200, "StatisticsExchange")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(json::array(
              {PathParameter("quarter", "YYYYQn"),
               QueryParameter("min_cases", {{"type", "integer"}, {"minimum", 1}, {"default", 3}},
                              "suppression threshold"),
               QueryParameter("format", Enum({"json", "csv"}), "representation (default json)")})),
      Op("post", "/api/v1/stats/partners", "importPartnerStatistics",
         "Load a partner administration's exchange document (201 when it changed what is "
         "stored, 200 when the same document was already loaded)",
         "statistics")
          .Body("StatisticsExchange")
          .Returns(201, "PartnerImport")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"}),
      Op("get", "/api/v1/stats/joint", "jointStatistics",
         "Own and partner statistics side by side per quarter and route or category", "statistics")
          .Returns(200, "StatisticsAnalysis")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(json::array(
              {QueryParameter("by", Enum({"route", "product_category"}), "default route"),
               QueryParameter("from_quarter", String(), "first quarter, YYYYQn"),
               QueryParameter("to_quarter", String(), "last quarter, YYYYQn")})),
      Op("get", "/api/v1/stats/trends", "statisticsTrends",
         "Quarter-on-quarter and year-on-year change per value of a dimension, and the "
         "anomalies with their test",
         "statistics")
          .Returns(200, "StatisticsAnalysis")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(json::array(
              {QueryParameter("dimension", String(), "a record dimension (default origin)"),
               QueryParameter("quarter", String(), "YYYYQn (default: the latest with data)"),
               QueryParameter("history", {{"type", "integer"}, {"minimum", 2}, {"maximum", 20}},
                              "prior quarters forming the expected level (default 4)"),
               QueryParameter("alpha", {{"type", "number"}},
                              "significance level (default 0.01)")})),
      Op("get", "/api/v1/stats/incidence", "statisticsIncidence",
         "Detentions per thousand declarations screened per office and route, and a split of "
         "an inspection capacity across offices maximising expected detections",
         "statistics")
          .Returns(200, "StatisticsAnalysis")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(json::array({QueryParameter("from", date, "first day (default: a year back)"),
                                   QueryParameter("to", date, "last day (default today)"),
                                   QueryParameter("capacity", {{"type", "integer"}, {"minimum", 0}},
                                                  "inspections to split")})),
      Op("get", "/api/v1/stats/effectiveness", "statisticsEffectiveness",
         "Per risk profile and targeting model version: declarations hit, inspected, found "
         "infringing, hit rate",
         "statistics")
          .Returns(200, "StatisticsAnalysis")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(json::array({QueryParameter("from", date, "first day (default: a year back)"),
                                   QueryParameter("to", date, "last day (default today)")})),
  };
}

std::vector<Operation> ExchangeOperations() {
  const json message_id = json::array({PathId("message id (xmsg_...)")});
  const json partner_id = json::array({PathId("partner node id, e.g. CN-GACC")});
  const json group_name = json::array({PathParameter("name", "group name")});
  return {
      Op("post", "/api/v1/cases/{id}/referral", "referCase",
         "Refer a detention case to a partner node: a referral queued with the case event "
         "(ipr_officer, admin)",
         "exchange")
          .Body("CaseReferralInput")
          .Returns(202, "ExchangeMessage")
          .Problems({"Forbidden", "NotFound", "InvalidInput", "Conflict", "Unavailable"})
          .Parameters(json::array({PathId("case id (cas_...)")})),
      Op("get", "/api/v1/exchange/jwks", "exchangeJwks",
         "This node's public JWK Set (signing and encryption keys)", "exchange")
          .Public()
          .Returns(200, "Jwks")
          .Problems({"Unavailable"}),
      Op("post", "/api/v1/exchange/inbox", "exchangeInbox",
         "A partner delivers an envelope (compact JWE); the answer is this node's signed receipt, "
         "or a 422 problem whose reason says why it was refused",
         "exchange")
          .Public()
          .BinaryBody({"application/jose", "application/jose+json"})
          .ReturnsBinary(200, {"application/jose"})
          .Problems({"InvalidInput", "Unavailable"}),
      Op("get", "/api/v1/exchange/messages", "listExchangeMessages",
         "Sent and received messages, newest first (?direction=in|out, ?state=, ?type=)",
         "exchange")
          .Returns(200, "ExchangeMessageList")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"}),
      Op("post", "/api/v1/exchange/messages", "sendExchangeMessage",
         "Queue a message to a partner or a group (ipr_officer, risk_analyst, admin)", "exchange")
          .Body("ExchangeSendInput")
          .Returns(202, "ExchangeMessageList")
          .Problems({"Forbidden", "InvalidInput", "Conflict", "Unavailable"}),
      Op("get", "/api/v1/exchange/messages/{id}", "getExchangeMessage", "One message", "exchange")
          .Returns(200, "ExchangeMessage")
          .Problems({"Forbidden", "NotFound", "Unavailable"})
          .Parameters(message_id),
      Op("post", "/api/v1/exchange/messages/{id}/accept", "acceptExchangeMessage",
         "Accept a received message: referral parties join the watchlist, a joint profile joins "
         "screening",
         "exchange")
          .Returns(200, "ExchangeMessage")
          .Problems({"Forbidden", "NotFound", "Conflict", "InvalidInput", "Unavailable"})
          .Parameters(message_id),
      Op("post", "/api/v1/exchange/messages/{id}/decline", "declineExchangeMessage",
         "Decline a received message", "exchange")
          .Returns(200, "ExchangeMessage")
          .Problems({"Forbidden", "NotFound", "Conflict", "Unavailable"})
          .Parameters(message_id),
      Op("get", "/api/v1/exchange/partners", "listExchangePartners", "Registered partner nodes",
         "exchange")
          .Returns(200, "ExchangePartnerList")
          .Problems({"Forbidden", "Unavailable"}),
      Op("post", "/api/v1/exchange/partners", "addExchangePartner",
         "Register a partner node with its public keys, legal basis and allowed types (admin)",
         "exchange")
          .Body("ExchangePartnerInput")
          .Returns(201, "ExchangePartner")
          .Problems({"Forbidden", "InvalidInput", "Conflict", "Unavailable"}),
      Op("patch", "/api/v1/exchange/partners/{id}", "updateExchangePartner",
         "Change a partner: status, keys, inbox, legal basis, allowed types (admin)", "exchange")
          .Body("ExchangePartnerInput")
          .Returns(200, "ExchangePartner")
          .Problems({"Forbidden", "NotFound", "InvalidInput", "Unavailable"})
          .Parameters(partner_id),
      Op("get", "/api/v1/exchange/groups", "listExchangeGroups", "Closed user groups", "exchange")
          .Returns(200, "ExchangeGroupList")
          .Problems({"Forbidden", "Unavailable"}),
      Op("put", "/api/v1/exchange/groups/{name}", "putExchangeGroup",
         "Create or replace a closed user group of partners (admin)", "exchange")
          .Body("ExchangeGroupInput")
          .Returns(200, "ExchangeGroup")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"})
          .Parameters(group_name),
      Op("get", "/api/v1/exchange/rejections", "listExchangeRejections",
         "Envelopes the inbox refused, newest first, with the reason (admin)", "exchange")
          .Returns(200, "ExchangeRejectionList")
          .Problems({"Forbidden", "InvalidInput", "Unavailable"}),
  };
}
}  // namespace

std::string OpenApiDocument() {
  json document = {
      {"openapi", "3.1.0"},
      {"info",
       {{"title", "Cordon API"},
        {"version", api::kApiVersion},
        {"description",
         "Customs IPR enforcement. JSON over HTTP; errors are RFC 9457 problem details "
         "(application/problem+json) whose errors list names every bad field."}}},
      {"security", json::array({{{"bearerAuth", json::array()}}})},
  };
  json paths = json::object();
  for (const Operation& op : Operations()) paths[op.path][op.method] = BuildOperation(op);
  for (const Operation& op : NotificationOperations()) {
    paths[op.path][op.method] = BuildOperation(op);
  }
  for (const Operation& op : StatsOperations()) paths[op.path][op.method] = BuildOperation(op);
  for (const Operation& op : ExchangeOperations()) paths[op.path][op.method] = BuildOperation(op);
  document["paths"] = std::move(paths);
  document["components"] = {
      {"securitySchemes",
       {{"bearerAuth",
         {{"type", "http"},
          {"scheme", "bearer"},
          {"description", "a session token from POST /api/v1/sessions or an API token"}}}}},
      {"schemas", Schemas()},
      {"responses", Responses()},
  };
  return document.dump(2);
}

}  // namespace cordon
