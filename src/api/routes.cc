#include "api/routes.h"

#include <spdlog/spdlog.h>

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <tuple>
#include <utility>
#include <vector>

#include "api/problem.h"
#include "audit/audit_service.h"
#include "cases/case_service.h"
#include "exchange/exchange.h"
#include "notify/notify.h"
#include "screening/screening.h"
#include "screening/screening_service.h"
#include "stats/stats.h"

namespace cordon::api {
namespace {

using json = nlohmann::json;

constexpr std::string_view kApplicationsPath = "/api/v1/applications";
constexpr std::string_view kProfilesPath = "/api/v1/profiles";
constexpr std::string_view kWatchlistPath = "/api/v1/watchlist";
// POST /api/v1/screenings: declarations per request (issue 3).
constexpr size_t kMaxBatchDeclarations = 10000;
// Bodies nest a few levels (application -> rights -> marks); anything deeper
// than this is not a Cordon document, and refusing it early keeps recursive
// consumers of the parsed value far from the stack's end.
constexpr int kMaxJsonDepth = 64;
constexpr int kMaxPageLimit = 1000;
constexpr std::string_view kApplicationStatuses[] = {
    "draft", "submitted", "granted", "rejected", "suspended", "revoked", "expired",
};

HttpResponse JsonResponse(int status, const json& body) {
  HttpResponse response;
  response.status = status;
  response.content_type = "application/json";
  response.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
  return response;
}

HttpResponse NoContent() {
  HttpResponse response;
  response.status = 204;
  return response;
}

HttpResponse InvalidQuery(std::vector<FieldError> errors, const RequestContext& context) {
  return ProblemFor(InvalidInput("invalid query parameters", std::move(errors)),
                    context.request.path);
}

// The body of a list response: {"items": [...]}, each item as `to_json` gives
// it (by default the ToJson overload for its type).
struct DefaultToJson {
  template <typename T>
  json operator()(const T& item) const {
    return ToJson(item);
  }
};
template <typename Items, typename ToJsonFn = DefaultToJson>
json ItemsJson(const Items& items, ToJsonFn to_json = {}) {
  json array = json::array();
  for (const auto& item : items) array.push_back(to_json(item));
  return {{"items", std::move(array)}};
}

json NextCursor(const std::string& cursor) { return cursor.empty() ? json(nullptr) : json(cursor); }
// One page of a cursor-paginated list: the items and next_cursor (null on the last).
template <typename Page, typename ToJsonFn = DefaultToJson>
json PageJson(const Page& page, ToJsonFn to_json = {}) {
  json body = ItemsJson(page.items, to_json);
  body["next_cursor"] = NextCursor(page.next_cursor);
  return body;
}

// Continuations for Respond(): answer `status` with to_json(value), or 200
// with a list or a page of such values.
template <typename ToJsonFn = DefaultToJson>
auto AsJson(int status, ToJsonFn to_json = {}) {
  return [status, to_json](const auto& value) { return JsonResponse(status, to_json(value)); };
}
template <typename ToJsonFn = DefaultToJson>
auto AsItems(ToJsonFn to_json = {}) {
  return [to_json](const auto& items) { return JsonResponse(200, ItemsJson(items, to_json)); };
}
template <typename ToJsonFn = DefaultToJson>
auto AsPage(ToJsonFn to_json = {}) {
  return [to_json](const auto& page) { return JsonResponse(200, PageJson(page, to_json)); };
}

json TimestampOrNull(const std::optional<Timestamp>& timestamp) {
  return timestamp ? json(FormatTimestamp(*timestamp)) : json(nullptr);
}

json OrganisationJson(const Organisation& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"kind", OrgKindName(org.kind)},
          {"country", org.country},
          {"jurisdiction", org.jurisdiction},
          {"offices", org.offices}};
}

json UserJson(const User& user) {
  return {
      {"id", user.id}, {"email", user.email}, {"name", user.name}, {"role", RoleName(user.role)}};
}

json ApiTokenJson(const Credential& credential) {
  return {{"id", credential.id},
          {"name", credential.name},
          {"user_id", credential.user_id},
          {"created_at", FormatTimestamp(credential.created_at)},
          {"expires_at", TimestampOrNull(credential.expires_at)},
          {"revoked_at", TimestampOrNull(credential.revoked_at)}};
}

// True when arrays/objects in `text` nest deeper than `max_depth`. Brackets
// inside strings do not count. Runs before parsing, in linear time.
bool NestsDeeperThan(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '[' || c == '{') {
      if (++depth > max_depth) return true;
    } else if (c == ']' || c == '}') {
      --depth;
    }
  }
  return false;
}

bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(),
                     [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

enum class BodyRule {
  kRequired,  // a JSON object must be sent
  kOptional,  // an empty body means {}; a non-empty one must be a JSON object
};

// The request body as a JSON object, or the 400 problem to answer with.
struct ParsedBody {
  json value;
  std::optional<HttpResponse> problem;
};

ParsedBody ParseBody(const RequestContext& context, BodyRule rule) {
  const std::string& text = context.request.body;
  const std::string& path = context.request.path;
  ParsedBody parsed;
  if (IsBlank(text)) {
    if (rule == BodyRule::kOptional) {
      parsed.value = json::object();
    } else {
      parsed.problem = MalformedJsonProblem("a JSON object body is required", path);
    }
    return parsed;
  }
  if (NestsDeeperThan(text, kMaxJsonDepth)) {
    parsed.problem = MalformedJsonProblem("the JSON body nests too deeply", path);
    return parsed;
  }
  parsed.value = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (parsed.value.is_discarded()) {
    parsed.problem = MalformedJsonProblem("the body is not valid JSON", path);
  } else if (!parsed.value.is_object()) {
    parsed.problem = MalformedJsonProblem("the body must be a JSON object", path);
  }
  return parsed;
}

// Reads an optional string member: absent or null -> nullopt; another type is
// a field error.
std::optional<std::string> OptionalString(const json& body, const char* key,
                                          std::vector<FieldError>& errors) {
  auto found = body.find(key);
  if (found == body.end() || found->is_null()) return std::nullopt;
  if (!found->is_string()) {
    errors.push_back({key, "must be a string"});
    return std::nullopt;
  }
  return found->get<std::string>();
}

std::string RequiredString(const json& body, const char* key, std::vector<FieldError>& errors) {
  auto found = body.find(key);
  if (found == body.end() || found->is_null()) {
    errors.push_back({key, "is required"});
    return {};
  }
  if (!found->is_string()) {
    errors.push_back({key, "must be a string"});
    return {};
  }
  std::string value = found->get<std::string>();
  if (value.empty()) errors.push_back({key, "must not be empty"});
  return value;
}

// Answers with on_success(value) or the problem for the error.
template <typename T, typename OnSuccess>
HttpResponse Respond(const Result<T>& result, const RequestContext& context,
                     OnSuccess&& on_success) {
  if (!result.ok()) return ProblemFor(result.error(), context.request.path);
  return on_success(result.value());
}

HttpResponse RespondStatus(const Status& status, const RequestContext& context) {
  if (!status.ok()) return ProblemFor(status.error(), context.request.path);
  return NoContent();
}

// --- health and documentation

HttpResponse Health(const ApiServices& services, const RequestContext& context) {
  // A trivial read proves the store answers; a missing row is a healthy answer.
  Status probe = services.store.Read([](ReadTx& tx) -> Status {
    Result<Organisation> org = tx.GetOrganisation("org_health_probe");
    if (org.ok() || org.error().code() == ErrorCode::kNotFound) return Status::Ok();
    return org.error();
  });
  if (!probe.ok()) {
    spdlog::error("health check: store read failed: {}", probe.error().ToString());
    return ProblemFor(Unavailable("the store is not available"), context.request.path);
  }
  return JsonResponse(200, {{"status", "ok"},
                            {"version", kApiVersion},
                            {"time", FormatTimestamp(services.clock.Now())}});
}

HttpResponse OpenApi(const RequestContext&) {
  static const std::string document = OpenApiDocument();
  HttpResponse response;
  response.content_type = "application/json";
  response.body = document;
  return response;
}

// --- sessions, me, tokens, organisations

HttpResponse Login(const ApiServices& services, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  std::vector<FieldError> errors;
  std::string email = RequiredString(body.value, "email", errors);
  std::string password = RequiredString(body.value, "password", errors);
  if (!errors.empty()) {
    return ProblemFor(InvalidInput("invalid login request", std::move(errors)),
                      context.request.path);
  }
  return Respond(services.identity.Login(email, password), context, [](const IssuedToken& token) {
    return JsonResponse(
        201, {{"token", token.token}, {"expires_at", TimestampOrNull(token.expires_at)}});
  });
}

HttpResponse Logout(const ApiServices& services, const RequestContext& context) {
  return RespondStatus(services.identity.Logout(*context.caller), context);
}

HttpResponse Me(const ApiServices& services, const RequestContext& context) {
  const Caller& caller = *context.caller;
  Result<User> user = services.identity.GetUser(caller, caller.user_id);
  if (!user.ok()) return ProblemFor(user.error(), context.request.path);
  return Respond(services.identity.GetOrganisation(caller.org_id), context,
                 [&](const Organisation& org) {
                   return JsonResponse(
                       200, {{"user", UserJson(*user)}, {"organisation", OrganisationJson(org)}});
                 });
}

HttpResponse CreateToken(const ApiServices& services, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  std::vector<FieldError> errors;
  std::optional<std::string> name = OptionalString(body.value, "name", errors);
  if (!name && errors.empty()) errors.push_back({"name", "is required"});
  std::optional<std::string> user_id = OptionalString(body.value, "user_id", errors);
  std::optional<Timestamp> expires_at;
  if (std::optional<std::string> text = OptionalString(body.value, "expires_at", errors)) {
    expires_at = ParseTimestamp(*text);
    if (!expires_at) errors.push_back({"expires_at", "must be an RFC 3339 timestamp"});
  }
  if (!errors.empty()) {
    return ProblemFor(InvalidInput("invalid API token request", std::move(errors)),
                      context.request.path);
  }
  return Respond(
      services.identity.CreateApiToken(*context.caller, name.value_or(""), user_id, expires_at),
      context, [](const IssuedToken& token) {
        return JsonResponse(201, {{"id", token.id},
                                  {"token", token.token},
                                  {"expires_at", TimestampOrNull(token.expires_at)}});
      });
}

HttpResponse ListTokens(const ApiServices& services, const RequestContext& context) {
  return Respond(services.identity.ListApiTokens(*context.caller), context, AsItems(ApiTokenJson));
}

HttpResponse RevokeToken(const ApiServices& services, const RequestContext& context) {
  return RespondStatus(services.identity.RevokeApiToken(*context.caller, context.Param("id")),
                       context);
}

HttpResponse ListOrganisations(const ApiServices& services, const RequestContext& context) {
  // The directory is unscoped by design (names and kinds are not confidential).
  std::vector<Organisation> orgs;
  Status status = services.store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(orgs, tx.ListOrganisations());
    return Status::Ok();
  });
  if (!status.ok()) return ProblemFor(status.error(), context.request.path);
  std::sort(orgs.begin(), orgs.end(), [](const Organisation& left, const Organisation& right) {
    return std::tie(left.name, left.id) < std::tie(right.name, right.id);
  });
  return JsonResponse(200, ItemsJson(orgs, OrganisationJson));
}

// --- applications for action

HttpResponse CreateApplication(const ApiServices& services, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(services.applications.Create(*context.caller, body.value), context,
                 [](const Application& app) {
                   HttpResponse response = JsonResponse(201, ToJson(app));
                   response.headers.emplace_back("Location",
                                                 std::string(kApplicationsPath) + "/" + app.id);
                   return response;
                 });
}

HttpResponse ListApplications(const ApiServices& services, const RequestContext& context) {
  ApplicationQuery query;
  std::vector<FieldError> errors;
  if (std::optional<std::string> status = context.request.Query("status")) {
    if (std::find(std::begin(kApplicationStatuses), std::end(kApplicationStatuses), *status) ==
        std::end(kApplicationStatuses)) {
      errors.push_back({"status",
                        "must be one of draft, submitted, granted, rejected, suspended, revoked, "
                        "expired"});
    } else {
      query.status = *status;
    }
  }
  if (std::optional<std::string> limit_text = context.request.Query("limit")) {
    int limit = 0;
    const char* end = limit_text->data() + limit_text->size();
    auto [parsed_end, error] = std::from_chars(limit_text->data(), end, limit);
    if (limit_text->empty() || error != std::errc() || parsed_end != end || limit < 1 ||
        limit > kMaxPageLimit) {
      errors.push_back({"limit", "must be an integer between 1 and 1000"});
    } else {
      query.limit = limit;
    }
  }
  if (std::optional<std::string> order = context.request.Query("order")) {
    if (*order == "newest") {
      query.newest_first = true;
    } else if (*order != "oldest") {
      errors.push_back({"order", "must be oldest or newest"});
    }
  }
  if (std::optional<std::string> cursor = context.request.Query("cursor")) query.cursor = *cursor;
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(services.applications.List(*context.caller, query), context, AsPage());
}

HttpResponse GetApplication(const ApiServices& services, const RequestContext& context) {
  return Respond(services.applications.Get(*context.caller, context.Param("id")), context,
                 AsJson(200));
}

// An upload's media type: its Content-Type without parameters or trailing
// spaces, in lower case ("Image/PNG; q=1" -> "image/png").
std::string UploadMediaType(const RequestContext& context) {
  std::string media_type = context.request.Header("Content-Type").value_or("");
  media_type = media_type.substr(0, media_type.find(';'));
  while (!media_type.empty() && media_type.back() == ' ') media_type.pop_back();
  for (char& c : media_type) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return media_type;
}

// POST /api/v1/applications/{id}/photos: the raw bytes are the body;
// Content-Type names the type; ?filename= and ?description= describe it.
HttpResponse AddApplicationPhoto(const ApiServices& services, const RequestContext& context) {
  PhotoUpload upload;
  upload.media_type = UploadMediaType(context);
  upload.filename = context.request.Query("filename").value_or("");
  upload.description = context.request.Query("description").value_or("");
  upload.content = context.request.body;
  const std::string id = context.Param("id");
  return Respond(services.applications.AddPhoto(*context.caller, id, upload), context,
                 [&](const ApplicationPhotoRecord& photo) {
                   HttpResponse response = JsonResponse(201, ToJson(photo));
                   response.headers.emplace_back("Location", std::string(kApplicationsPath) + "/" +
                                                                 id + "/photos/" + photo.id);
                   return response;
                 });
}

HttpResponse ListApplicationPhotos(const ApiServices& services, const RequestContext& context) {
  return Respond(services.applications.ListPhotos(*context.caller, context.Param("id")), context,
                 [](const std::vector<ApplicationPhotoRecord>& photos) {
                   json items = json::array();
                   for (const ApplicationPhotoRecord& photo : photos) items.push_back(ToJson(photo));
                   return JsonResponse(200, {{"items", std::move(items)}});
                 });
}

// The bytes as stored, with their type; immutable (a photo never changes).
HttpResponse GetApplicationPhoto(const ApiServices& services, const RequestContext& context) {
  return Respond(services.applications.GetPhoto(*context.caller, context.Param("id"),
                                                context.Param("photo_id")),
                 context, [](const PhotoContent& photo) {
                   HttpResponse response;
                   response.status = 200;
                   response.content_type = photo.record.media_type;
                   response.body = photo.content;
                   response.headers.emplace_back(
                       "Content-Disposition", "inline; filename=\"" + photo.record.filename + "\"");
                   response.headers.emplace_back("ETag", "\"" + photo.record.sha256 + "\"");
                   response.headers.emplace_back("Cache-Control", "private, max-age=86400");
                   return response;
                 });
}

HttpResponse DeleteApplicationPhoto(const ApiServices& services, const RequestContext& context) {
  return RespondStatus(services.applications.DeletePhoto(*context.caller, context.Param("id"),
                                                        context.Param("photo_id")),
                       context);
}

// An action on one application answered with its new state.
using ApplicationAction = std::function<Result<Application>(
    ApplicationService&, const Caller&, const std::string& id, const json& body)>;

Handler ApplicationActionHandler(const ApiServices& services, BodyRule rule,
                                 ApplicationAction action) {
  return [&services, rule, action = std::move(action)](const RequestContext& context) {
    ParsedBody body = ParseBody(context, rule);
    if (body.problem) return *body.problem;
    return Respond(action(services.applications, *context.caller, context.Param("id"), body.value),
                   context, AsJson(200));
  };
}

// --- risk screening

// Parses ?limit= (1..1000) into *limit, or adds a field error.
void ParseLimit(const RequestContext& context, int* limit, std::vector<FieldError>& errors) {
  std::optional<std::string> text = context.request.Query("limit");
  if (!text) return;
  int value = 0;
  const char* end = text->data() + text->size();
  auto [parsed_end, error] = std::from_chars(text->data(), end, value);
  if (text->empty() || error != std::errc() || parsed_end != end || value < 1 ||
      value > kMaxPageLimit) {
    errors.push_back({"limit", "must be an integer between 1 and 1000"});
  } else {
    *limit = value;
  }
}

// Routes of a service a server may run without (screening, audit, notices,
// cases): while ApiServices holds no such service they answer 503 with
// `unavailable` rather than crashing.
template <typename Service>
Handler WithService(const ApiServices& services, Service* ApiServices::*member,
                    const char* unavailable,
                    HttpResponse (*handler)(Service&, const RequestContext&)) {
  return [&services, member, unavailable, handler](const RequestContext& context) {
    Service* service = services.*member;
    if (service == nullptr) return ProblemFor(Unavailable(unavailable), context.request.path);
    return handler(*service, context);
  };
}

// Screening routes need the screening service; a server started without it
// answers 503 rather than crashing.
using ScreeningHandler = HttpResponse (*)(ScreeningService&, const RequestContext&);

Handler WithScreening(const ApiServices& services, ScreeningHandler handler) {
  return WithService(services, &ApiServices::screening,
                     "risk screening is not configured on this server", handler);
}

// {"declarations":[...], "budget":"5%"|5, "capacity":{"DEHAM":20}, "store":true}
HttpResponse Screen(ScreeningService& screening, const RequestContext& context) {
  // Read by the screening module with simdjson rather than through ParseBody's
  // DOM: a batch of 10,000 declarations is megabytes (ParseBatchRequestJson).
  const std::string& body = context.request.body;
  const std::string& path = context.request.path;
  if (IsBlank(body)) return MalformedJsonProblem("a JSON object body is required", path);
  if (NestsDeeperThan(body, kMaxJsonDepth)) {
    return MalformedJsonProblem("the JSON body nests too deeply", path);
  }
  Result<BatchRequest> parsed = ParseBatchRequestJson(body, kMaxBatchDeclarations);
  if (!parsed.ok()) {
    return parsed.error().fields().empty() ? MalformedJsonProblem(parsed.error().message(), path)
                                           : ProblemFor(parsed.error(), path);
  }
  const BatchRequest& request = *parsed;
  Result<BatchOutcome> outcome = screening.ScreenBatch(*context.caller, request);
  if (!outcome.ok()) return ProblemFor(outcome.error(), context.request.path);

  // Results are written as AppendResultJson writes them for files (the same
  // bytes as `cordon screen`), without a DOM per result.
  HttpResponse response;
  response.status = 200;
  response.content_type = "application/json";
  std::string& text = response.body;
  text = "{\"results\":[";
  for (size_t index = 0; index < outcome->results.size(); ++index) {
    if (index > 0) text += ',';
    AppendResultJson(outcome->results[index], &text);
  }
  text += "],\"errors\":";
  json error_list = json::array();
  for (const BatchError& error : outcome->errors) {
    error_list.push_back({{"index", error.index},
                          {"id", error.id.empty() ? json(nullptr) : json(error.id)},
                          {"error", error.error}});
  }
  text += error_list.dump(-1, ' ', false, json::error_handler_t::replace);
  const ScreeningSummary& summary = outcome->summary;
  json summary_json = {{"declarations", summary.declarations},
                       {"screened", summary.screened},
                       {"errors", summary.errors},
                       {"selected", summary.selected},
                       {"by_channel", summary.by_channel}};
  text += ",\"summary\":" + summary_json.dump();
  text += ",\"run_id\":" +
          (outcome->run_id.empty() ? std::string("null") : json(outcome->run_id).dump());
  text += '}';
  return response;
}

HttpResponse CreatedAt(std::string_view collection, const std::string& id, json body) {
  HttpResponse response = JsonResponse(201, body);
  response.headers.emplace_back("Location", std::string(collection) + "/" + id);
  return response;
}

HttpResponse ListProfiles(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.ListProfiles(*context.caller), context, AsItems());
}

HttpResponse CreateProfile(ScreeningService& screening, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.CreateProfile(*context.caller, body.value), context,
                 [](const StoredProfile& profile) {
                   return CreatedAt(kProfilesPath, profile.profile.id, ToJson(profile));
                 });
}

// An integer query parameter within [min, max]; absent leaves *value.
void ParseIntQuery(const RequestContext& context, const char* name, int min, int max, int* value,
                   std::vector<FieldError>& errors) {
  std::optional<std::string> text = context.request.Query(name);
  if (!text) return;
  int parsed = 0;
  const char* end = text->data() + text->size();
  auto [parsed_end, error] = std::from_chars(text->data(), end, parsed);
  if (text->empty() || error != std::errc() || parsed_end != end || parsed < min || parsed > max) {
    errors.push_back({name, "must be an integer from " + std::to_string(min) + " to " +
                                std::to_string(max)});
  } else {
    *value = parsed;
  }
}

// POST /api/v1/profiles/test?declarations=N&samples=M: a draft profile
// evaluated against the most recent stored declarations; nothing is stored.
HttpResponse TestProfile(ScreeningService& screening, const RequestContext& context) {
  ProfileTestQuery query;
  std::vector<FieldError> errors;
  ParseIntQuery(context, "declarations", 1, 10000, &query.declarations, errors);
  ParseIntQuery(context, "samples", 0, 100, &query.samples, errors);
  if (!errors.empty()) {
    return ProblemFor(InvalidInput("invalid query parameters", std::move(errors)),
                      context.request.path);
  }
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.TestProfile(*context.caller, body.value, query), context,
                 [](const ProfileTestOutcome& outcome) { return JsonResponse(200, ToJson(outcome)); });
}

HttpResponse GetProfile(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.GetProfile(*context.caller, context.Param("id")), context, AsJson(200));
}

HttpResponse UpdateProfile(ScreeningService& screening, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.UpdateProfile(*context.caller, context.Param("id"), body.value), context,
                 AsJson(200));
}

HttpResponse DeleteProfile(ScreeningService& screening, const RequestContext& context) {
  return RespondStatus(screening.DeleteProfile(*context.caller, context.Param("id")), context);
}

HttpResponse GetReferencePrices(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.GetReferencePrices(*context.caller), context, AsJson(200));
}

HttpResponse PutReferencePrices(ScreeningService& screening, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.PutReferencePrices(*context.caller, body.value), context, AsJson(200));
}

HttpResponse ListWatchlist(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.ListWatchlist(*context.caller), context, AsItems());
}

HttpResponse CreateWatchlistEntry(ScreeningService& screening, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.CreateWatchlistEntry(*context.caller, body.value), context,
                 [](const StoredWatchlistEntry& entry) {
                   return CreatedAt(kWatchlistPath, entry.entry.id, ToJson(entry));
                 });
}

HttpResponse GetWatchlistEntry(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.GetWatchlistEntry(*context.caller, context.Param("id")), context,
                 AsJson(200));
}

HttpResponse UpdateWatchlistEntry(ScreeningService& screening, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.UpdateWatchlistEntry(*context.caller, context.Param("id"), body.value),
                 context, AsJson(200));
}

HttpResponse DeleteWatchlistEntry(ScreeningService& screening, const RequestContext& context) {
  return RespondStatus(screening.DeleteWatchlistEntry(*context.caller, context.Param("id")),
                       context);
}

HttpResponse ListSelections(ScreeningService& screening, const RequestContext& context) {
  SelectionQuery query;
  std::vector<FieldError> errors;
  query.office = context.request.Query("office");
  query.status = context.request.Query("status");
  if (std::optional<std::string> cursor = context.request.Query("cursor")) query.cursor = *cursor;
  ParseLimit(context, &query.limit, errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(screening.ListSelections(*context.caller, query), context, AsPage());
}

HttpResponse GetSelection(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.GetSelection(*context.caller, context.Param("id")), context,
                 AsJson(200));
}

HttpResponse RecordFinding(ScreeningService& screening, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(screening.RecordFinding(*context.caller, context.Param("id"), body.value), context,
                 AsJson(201));
}

// --- the audit log (docs/audit.md)

// A required query parameter holding a tree index or size (decimal, no sign).
std::optional<uint64_t> RequiredIndex(const RequestContext& context, const char* name,
                                      std::vector<FieldError>& errors) {
  std::optional<std::string> text = context.request.Query(name);
  if (!text) {
    errors.push_back({name, "is required"});
    return std::nullopt;
  }
  uint64_t value = 0;
  const char* end = text->data() + text->size();
  auto [parsed_end, error] = std::from_chars(text->data(), end, value);
  if (text->empty() || error != std::errc() || parsed_end != end) {
    errors.push_back({name, "must be a non-negative integer"});
    return std::nullopt;
  }
  return value;
}

json HashList(const MerkleProof& proof) {
  json list = json::array();
  for (const MerkleHash& hash : proof) list.push_back(MerkleHashToBase64(hash));
  return list;
}

HttpResponse GetAuditKey(AuditService& audit, const RequestContext&) {
  const CheckpointVerifier& key = audit.verifier();
  char key_id[9];
  std::snprintf(key_id, sizeof key_id, "%08x", key.key_id());
  return JsonResponse(200, {{"verifier_key", key.VerifierKey()},
                            {"origin", key.name()},
                            {"key_id", key_id},
                            {"algorithm", "Ed25519"}});
}

HttpResponse GetAuditCheckpoint(AuditService& audit, const RequestContext& context) {
  return Respond(audit.CurrentHead(*context.caller), context, [&audit](const AuditHead& head) {
    return JsonResponse(200, {{"tree_size", head.checkpoint.tree_size},
                              {"root_hash", MerkleHashToBase64(head.checkpoint.root_hash)},
                              {"signed_note", head.signed_note},
                              {"verifier_key", audit.verifier().VerifierKey()}});
  });
}

HttpResponse GetAuditEntries(AuditService& audit, const RequestContext& context) {
  std::vector<FieldError> errors;
  std::optional<uint64_t> start = RequiredIndex(context, "start", errors);
  std::optional<uint64_t> end = RequiredIndex(context, "end", errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(
      audit.Entries(*context.caller, *start, *end), context, [](const AuditEntryPage& page) {
        json entries = json::array();
        for (const AuditEntryView& view : page.entries) {
          json item = {{"index", view.index},
                       {"leaf_hash", MerkleHashToBase64(view.leaf_hash)},
                       {"withheld", !view.entry.has_value()}};
          if (view.entry) {
            item["leaf_input"] = AuditBase64(*view.entry);
            item["entry"] = json::parse(*view.entry, nullptr, false);
          }
          entries.push_back(std::move(item));
        }
        return JsonResponse(200, {{"tree_size", page.tree_size}, {"entries", std::move(entries)}});
      });
}

HttpResponse GetAuditInclusionProof(AuditService& audit, const RequestContext& context) {
  std::vector<FieldError> errors;
  std::optional<uint64_t> index = RequiredIndex(context, "index", errors);
  std::optional<uint64_t> tree_size = RequiredIndex(context, "tree_size", errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(audit.InclusionProof(*context.caller, *index, *tree_size), context,
                 [](const AuditInclusionProof& proof) {
                   return JsonResponse(200, {{"index", proof.index},
                                             {"tree_size", proof.tree_size},
                                             {"leaf_hash", MerkleHashToBase64(proof.leaf_hash)},
                                             {"audit_path", HashList(proof.audit_path)}});
                 });
}

HttpResponse GetAuditConsistencyProof(AuditService& audit, const RequestContext& context) {
  std::vector<FieldError> errors;
  std::optional<uint64_t> first = RequiredIndex(context, "first", errors);
  std::optional<uint64_t> second = RequiredIndex(context, "second", errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(
      audit.ConsistencyProof(*context.caller, *first, *second), context,
      [&](const MerkleProof& proof) {
        return JsonResponse(
            200, {{"first", *first}, {"second", *second}, {"consistency_path", HashList(proof)}});
      });
}

// Audit routes need the audit service (the node's key); a server started
// without it answers 503.
using AuditHandler = HttpResponse (*)(AuditService&, const RequestContext&);

Handler WithAudit(const ApiServices& services, AuditHandler handler) {
  return WithService(services, &ApiServices::audit,
                     "the audit log is not configured on this server", handler);
}

// --- targeting models (issue 4; docs/targeting.md "Models in the store")

constexpr std::string_view kModelsPath = "/api/v1/models";

// The body is the model file itself (cordon train --out), sent as
// application/octet-stream; ?description= labels it.
HttpResponse UploadModel(ScreeningService& screening, const RequestContext& context) {
  std::optional<std::string> type = context.request.Header("Content-Type");
  std::string media = type ? type->substr(0, type->find(';')) : std::string();
  while (!media.empty() && media.back() == ' ') media.pop_back();
  if (media != "application/octet-stream") {
    return ProblemFor(
        InvalidInput("send the model file as the body with Content-Type application/octet-stream",
                     {{"Content-Type", "must be application/octet-stream"}}),
        context.request.path);
  }
  std::string description = context.request.Query("description").value_or("");
  return Respond(screening.UploadModel(*context.caller, context.request.body, description),
                 context, [](const TargetingModelRecord& model) {
                   return CreatedAt(kModelsPath, model.id, ToJson(model));
                 });
}

HttpResponse ListModels(ScreeningService& screening, const RequestContext& context) {
  Result<std::vector<TargetingModelRecord>> models = screening.ListModels(*context.caller);
  if (!models.ok()) return ProblemFor(models.error(), context.request.path);
  Result<std::vector<ModelActivationRecord>> history =
      screening.ListModelActivations(*context.caller);
  if (!history.ok()) return ProblemFor(history.error(), context.request.path);
  json items = json::array();
  json active = nullptr;
  for (const TargetingModelRecord& model : *models) {
    items.push_back(ToJson(model));
    if (model.active) active = model.id;
  }
  json activations = json::array();
  for (const ModelActivationRecord& activation : *history) activations.push_back(ToJson(activation));
  return JsonResponse(200, {{"items", std::move(items)},
                            {"active_model_id", std::move(active)},
                            {"activations", std::move(activations)}});
}

HttpResponse GetModel(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.GetModel(*context.caller, context.Param("id")), context, AsJson(200));
}

HttpResponse ActivateModel(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.ActivateModel(*context.caller, context.Param("id")), context,
                 AsJson(200));
}

HttpResponse RollbackModel(ScreeningService& screening, const RequestContext& context) {
  return Respond(screening.RollbackModel(*context.caller), context, AsJson(200));
}

// --- notices and webhooks (issue 5)

using NotificationHandler = HttpResponse (*)(NotificationService&, const RequestContext&);

Handler WithNotifications(const ApiServices& services, NotificationHandler handler) {
  return WithService(services, &ApiServices::notifications,
                     "notifications are not configured on this server", handler);
}

HttpResponse ListNotifications(NotificationService& notifications, const RequestContext& context) {
  NoticeQuery query;
  std::vector<FieldError> errors;
  if (std::optional<std::string> box = context.request.Query("box")) {
    if (*box != "inbox" && *box != "sent") {
      errors.push_back({"box", "must be inbox or sent"});
    } else {
      query.box = *box;
    }
  }
  if (std::optional<std::string> unread = context.request.Query("unread")) {
    if (*unread != "true" && *unread != "false") {
      errors.push_back({"unread", "must be true or false"});
    } else {
      query.unread_only = *unread == "true";
    }
  }
  if (std::optional<std::string> cursor = context.request.Query("cursor")) query.cursor = *cursor;
  ParseLimit(context, &query.limit, errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(notifications.List(*context.caller, query), context, AsPage(NoticeJson));
}

HttpResponse GetNotification(NotificationService& notifications, const RequestContext& context) {
  return Respond(notifications.Get(*context.caller, context.Param("id")), context,
                 AsJson(200, NoticeViewJson));
}

HttpResponse MarkNotificationRead(NotificationService& notifications,
                                  const RequestContext& context) {
  return Respond(notifications.MarkRead(*context.caller, context.Param("id")), context,
                 AsJson(200, NoticeViewJson));
}

HttpResponse CreateWebhook(NotificationService& notifications, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(notifications.CreateWebhook(*context.caller, body.value), context,
                 [](const CreatedWebhook& created) {
                   HttpResponse response = JsonResponse(201, CreatedWebhookJson(created));
                   response.headers.emplace_back("Location",
                                                 "/api/v1/webhooks/" + created.endpoint.id);
                   return response;
                 });
}

HttpResponse ListWebhooks(NotificationService& notifications, const RequestContext& context) {
  return Respond(notifications.ListWebhooks(*context.caller), context, AsItems(WebhookJson));
}

HttpResponse DeleteWebhook(NotificationService& notifications, const RequestContext& context) {
  return RespondStatus(notifications.DeleteWebhook(*context.caller, context.Param("id")), context);
}

// --- detention cases

constexpr std::string_view kCasesPath = "/api/v1/cases";

using CaseHandler = HttpResponse (*)(CaseService&, const RequestContext&);

Handler WithCases(const ApiServices& services, CaseHandler handler) {
  return WithService(services, &ApiServices::cases,
                     "detention cases are not configured on this server", handler);
}

HttpResponse CreateCase(CaseService& cases, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(cases.Open(*context.caller, body.value), context, [](const json& view) {
    return CreatedAt(kCasesPath, view.value("id", ""), view);
  });
}

// ?state=&office=&open=true|false&cursor=&limit= (list) or the queue.
HttpResponse ListCasesWith(CaseService& cases, const RequestContext& context, bool queue) {
  CaseQuery query;
  query.by_next_deadline = queue;
  std::vector<FieldError> errors;
  query.office = context.request.Query("office");
  if (!queue) query.state = context.request.Query("state");
  if (std::optional<std::string> open = context.request.Query("open"); open && !queue) {
    if (*open == "true") {
      query.open_only = true;
    } else if (*open != "false") {
      errors.push_back({"open", "must be true or false"});
    }
  }
  if (std::optional<std::string> cursor = context.request.Query("cursor")) query.cursor = *cursor;
  ParseLimit(context, &query.limit, errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(cases.List(*context.caller, query), context, [](const Page<json>& page) {
    return JsonResponse(200, {{"items", page.items}, {"next_cursor", NextCursor(page.next_cursor)}});
  });
}

HttpResponse ListCases(CaseService& cases, const RequestContext& context) {
  return ListCasesWith(cases, context, false);
}

HttpResponse CaseQueue(CaseService& cases, const RequestContext& context) {
  return ListCasesWith(cases, context, true);
}

HttpResponse GetCase(CaseService& cases, const RequestContext& context) {
  return Respond(cases.Get(*context.caller, context.Param("id")), context,
                 [](const json& view) { return JsonResponse(200, view); });
}

HttpResponse ExtendCase(CaseService& cases, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(cases.Extend(*context.caller, context.Param("id"), body.value), context,
                 [](const json& view) { return JsonResponse(200, view); });
}

HttpResponse ActOnCase(CaseService& cases, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(cases.Act(*context.caller, context.Param("id"), body.value), context,
                 [](const json& view) { return JsonResponse(200, view); });
}

// The raw bytes are the body; Content-Type names the type; ?filename= and
// ?description= describe it.
HttpResponse AddEvidence(CaseService& cases, const RequestContext& context) {
  EvidenceUpload upload;
  upload.media_type = UploadMediaType(context);
  upload.filename = context.request.Query("filename").value_or("");
  upload.description = context.request.Query("description").value_or("");
  upload.content = context.request.body;
  const std::string case_id = context.Param("id");
  return Respond(cases.AddEvidence(*context.caller, case_id, upload), context,
                 [&](const json& evidence) {
                   HttpResponse response = JsonResponse(201, evidence);
                   response.headers.emplace_back("Location", std::string(kCasesPath) + "/" +
                                                                 case_id + "/evidence/" +
                                                                 evidence.value("id", ""));
                   return response;
                 });
}

HttpResponse ListCaseEvidence(CaseService& cases, const RequestContext& context) {
  return Respond(cases.ListEvidence(*context.caller, context.Param("id")), context,
                 [](const json& items) { return JsonResponse(200, {{"items", items}}); });
}

HttpResponse GetCaseEvidence(CaseService& cases, const RequestContext& context) {
  return Respond(cases.GetEvidence(*context.caller, context.Param("id"),
                                   context.Param("evidence_id")),
                 context, [](const EvidenceContent& evidence) {
                   HttpResponse response;
                   response.status = 200;
                   response.content_type = evidence.record.media_type;
                   response.body = evidence.content;
                   response.headers.emplace_back("X-Content-Type-Options", "nosniff");
                   response.headers.emplace_back(
                       "Content-Disposition",
                       "attachment; filename=\"" + evidence.record.filename + "\"");
                   response.headers.emplace_back("ETag", "\"" + evidence.record.sha256 + "\"");
                   return response;
                 });
}

// --- seizure statistics (issue 6, docs/stats.md)

Handler WithStats(const ApiServices& services,
                  HttpResponse (*handler)(StatsService&, const RequestContext&)) {
  return WithService(services, &ApiServices::stats,
                     "seizure statistics are not configured on this server", handler);
}

// The query parameters without `format` (json, the default, or csv), which
// only chooses the representation.
std::optional<HttpResponse> SplitFormat(const RequestContext& context,
                                        std::vector<std::pair<std::string, std::string>>& rest,
                                        bool& csv) {
  csv = false;
  for (const auto& [name, value] : context.request.query) {
    if (name != "format") {
      rest.emplace_back(name, value);
    } else if (value == "csv") {
      csv = true;
    } else if (value != "json") {
      return InvalidQuery({{"format", "must be json or csv"}}, context);
    }
  }
  return std::nullopt;
}

// GET /api/v1/stats/seizures?group_by=&from=&to=&measures=&filter[dim]=&format=
HttpResponse QuerySeizures(StatsService& stats, const RequestContext& context) {
  std::vector<std::pair<std::string, std::string>> parameters;
  bool csv = false;
  if (std::optional<HttpResponse> problem = SplitFormat(context, parameters, csv)) return *problem;
  Result<SeizureQuery> query = ParseSeizureQuery(parameters);
  if (!query.ok()) return ProblemFor(query.error(), context.request.path);
  return Respond(stats.Query(*context.caller, *query), context, [csv](const SeizureTable& table) {
    if (!csv) return JsonResponse(200, table.ToJson());
    HttpResponse response;
    response.content_type = "text/csv; charset=utf-8";
    response.body = table.ToCsv();
    return response;
  });
}

// Query parameters of the analysis routes: only `allowed` ones, each at most
// once; numbers parsed strictly. Problems name the parameter.
class AnalysisParameters {
 public:
  AnalysisParameters(const RequestContext& context, std::vector<std::string> allowed)
      : context_(context) {
    for (const auto& [name, value] : context.request.query) {
      if (std::find(allowed.begin(), allowed.end(), name) == allowed.end()) {
        errors_.push_back({name, "is not a parameter of this route"});
      }
    }
  }
  std::optional<std::string> Text(const char* name) { return context_.request.Query(name); }
  std::optional<Date> DateParameter(const char* name) {
    std::optional<std::string> text = Text(name);
    if (!text) return std::nullopt;
    std::optional<Date> day = ParseDate(*text);
    if (!day) errors_.push_back({name, "must be a date YYYY-MM-DD"});
    return day;
  }
  std::optional<long long> Integer(const char* name, long long minimum, long long maximum) {
    std::optional<std::string> text = Text(name);
    if (!text) return std::nullopt;
    long long value = 0;
    const char* end = text->data() + text->size();
    auto [parsed_end, error] = std::from_chars(text->data(), end, value);
    if (text->empty() || error != std::errc() || parsed_end != end || value < minimum ||
        value > maximum) {
      errors_.push_back({name, "must be an integer from " + std::to_string(minimum) + " to " +
                                   std::to_string(maximum)});
      return std::nullopt;
    }
    return value;
  }
  std::optional<double> Number(const char* name) {
    std::optional<std::string> text = Text(name);
    if (!text) return std::nullopt;
    char* end = nullptr;
    double value = std::strtod(text->c_str(), &end);
    if (text->empty() || end != text->c_str() + text->size()) {
      errors_.push_back({name, "must be a number"});
      return std::nullopt;
    }
    return value;
  }
  std::optional<HttpResponse> Problem() const {
    if (errors_.empty()) return std::nullopt;
    return ProblemFor(InvalidInput("invalid query parameters", errors_), context_.request.path);
  }

 private:
  const RequestContext& context_;
  std::vector<FieldError> errors_;
};

// GET /api/v1/stats/exchange/{quarter}?min_cases=3&format=json|csv
HttpResponse ExportStatistics(StatsService& stats, const RequestContext& context) {
  AnalysisParameters parameters(context, {"min_cases", "format"});
  long long min_cases = parameters.Integer("min_cases", 1, 1000000).value_or(3);
  std::string format = parameters.Text("format").value_or("json");
  if (std::optional<HttpResponse> problem = parameters.Problem()) return *problem;
  if (format != "json" && format != "csv") {
    return InvalidQuery({{"format", "must be json or csv"}}, context);
  }
  return Respond(stats.ExportQuarter(*context.caller, context.Param("quarter"),
                                     static_cast<int>(min_cases)),
                 context, [&](const StatisticsExchange& exchange) {
                   if (format == "json") return JsonResponse(200, StatisticsExchangeToJson(exchange));
                   HttpResponse response;
                   response.content_type = "text/csv; charset=utf-8";
                   response.body = StatisticsExchangeToCsv(exchange);
                   return response;
                 });
}

// POST /api/v1/stats/partners: a partner's exchange document.
HttpResponse ImportPartnerStatistics(StatsService& stats, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(stats.ImportPartner(*context.caller, body.value), context,
                 [](const PartnerImportReport& report) {
                   return JsonResponse(report.changed ? 201 : 200,
                                       {{"partner", report.partner},
                                        {"quarter", report.quarter},
                                        {"cells", report.cells},
                                        {"changed", report.changed}});
                 });
}

// GET /api/v1/stats/joint?by=route|product_category&from_quarter=&to_quarter=
HttpResponse JointStatistics(StatsService& stats, const RequestContext& context) {
  AnalysisParameters parameters(context, {"by", "from_quarter", "to_quarter"});
  if (std::optional<HttpResponse> problem = parameters.Problem()) return *problem;
  return Respond(stats.JointView(*context.caller, parameters.Text("by").value_or("route"),
                                 parameters.Text("from_quarter").value_or(""),
                                 parameters.Text("to_quarter").value_or("")),
                 context, [](const json& view) { return JsonResponse(200, view); });
}

// GET /api/v1/stats/trends?dimension=&quarter=&history=&alpha=
HttpResponse StatisticsTrends(StatsService& stats, const RequestContext& context) {
  AnalysisParameters parameters(context, {"dimension", "quarter", "history", "alpha"});
  AnalysisOptions options;
  options.dimension = parameters.Text("dimension").value_or("origin");
  options.quarter = parameters.Text("quarter");
  options.history_quarters =
      static_cast<int>(parameters.Integer("history", 1, 100).value_or(options.history_quarters));
  options.alpha = parameters.Number("alpha").value_or(options.alpha);
  if (std::optional<HttpResponse> problem = parameters.Problem()) return *problem;
  return Respond(stats.Trends(*context.caller, options), context,
                 [](const json& view) { return JsonResponse(200, view); });
}

// GET /api/v1/stats/incidence?from=&to=&capacity=
HttpResponse StatisticsIncidence(StatsService& stats, const RequestContext& context) {
  AnalysisParameters parameters(context, {"from", "to", "capacity"});
  CapacityOptions options;
  options.from = parameters.DateParameter("from");
  options.to = parameters.DateParameter("to");
  options.capacity = parameters.Integer("capacity", 0, 1000000000).value_or(0);
  if (std::optional<HttpResponse> problem = parameters.Problem()) return *problem;
  return Respond(stats.Incidence(*context.caller, options), context,
                 [](const json& view) { return JsonResponse(200, view); });
}

// GET /api/v1/stats/effectiveness?from=&to=
HttpResponse StatisticsEffectiveness(StatsService& stats, const RequestContext& context) {
  AnalysisParameters parameters(context, {"from", "to"});
  std::optional<Date> from = parameters.DateParameter("from");
  std::optional<Date> to = parameters.DateParameter("to");
  if (std::optional<HttpResponse> problem = parameters.Problem()) return *problem;
  return Respond(stats.Effectiveness(*context.caller, from, to), context,
                 [](const json& view) { return JsonResponse(200, view); });
}


// --- exchange between nodes (issue 7)

using ExchangeHandler = HttpResponse (*)(exchange::ExchangeService&, const RequestContext&);

Handler WithExchange(const ApiServices& services, ExchangeHandler handler) {
  return WithService(services, &ApiServices::exchange,
                     "the exchange is not configured on this server (run cordon keys init)",
                     handler);
}

HttpResponse ExchangeJwks(exchange::ExchangeService& exchange, const RequestContext&) {
  HttpResponse response = JsonResponse(200, exchange.Jwks());
  response.content_type = "application/jwk-set+json";
  return response;
}

// The inbox: the body is the envelope itself (application/jose, or the
// flattened JSON serialisation); the answer is the signed receipt, or a 422
// problem whose "reason" names why the envelope was refused.
HttpResponse ExchangeInbox(exchange::ExchangeService& exchange, const RequestContext& context) {
  exchange::InboxOutcome outcome = exchange.Receive(context.request.body);
  if (outcome.accepted) {
    HttpResponse response;
    response.status = 200;
    response.content_type = "application/jose";
    response.body = outcome.receipt;
    if (outcome.duplicate) response.headers.emplace_back("Cordon-Duplicate", "true");
    return response;
  }
  const exchange::RejectionError& rejected = *outcome.rejected;
  HttpResponse response = JsonResponse(
      422, {{"type", "/problems/envelope_rejected"},
            {"title", "The envelope was refused"},
            {"status", 422},
            {"reason", exchange::RejectionName(rejected.reason)},
            {"detail", rejected.detail},
            {"instance", context.request.path}});
  response.content_type = "application/problem+json";
  return response;
}

HttpResponse ListExchangeMessages(exchange::ExchangeService& exchange,
                                  const RequestContext& context) {
  ExchangeMessageFilter filter;
  std::vector<FieldError> errors;
  if (std::optional<std::string> direction = context.request.Query("direction")) {
    if (*direction != "in" && *direction != "out") {
      errors.push_back({"direction", "must be in or out"});
    } else {
      filter.direction = *direction;
    }
  }
  if (std::optional<std::string> state = context.request.Query("state")) filter.state = *state;
  if (std::optional<std::string> type = context.request.Query("type")) filter.type = *type;
  if (std::optional<std::string> cursor = context.request.Query("cursor")) filter.after = *cursor;
  ParseLimit(context, &filter.limit, errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(exchange.ListMessages(*context.caller, filter), context,
                 AsPage(exchange::MessageJson));
}

json ExchangeMessageList(const std::vector<ExchangeMessageRecord>& messages) {
  return ItemsJson(messages, exchange::MessageJson);
}

HttpResponse SendExchangeMessage(exchange::ExchangeService& exchange,
                                 const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(exchange.Send(*context.caller, body.value), context,
                 AsJson(202, ExchangeMessageList));
}

HttpResponse GetExchangeMessage(exchange::ExchangeService& exchange,
                                const RequestContext& context) {
  return Respond(exchange.GetMessage(*context.caller, context.Param("id")), context,
                 AsJson(200, exchange::MessageJson));
}

HttpResponse AcceptExchangeMessage(exchange::ExchangeService& exchange,
                                   const RequestContext& context) {
  return Respond(exchange.Accept(*context.caller, context.Param("id")), context,
                 AsJson(200, exchange::MessageJson));
}

HttpResponse DeclineExchangeMessage(exchange::ExchangeService& exchange,
                                    const RequestContext& context) {
  return Respond(exchange.Decline(*context.caller, context.Param("id")), context,
                 AsJson(200, exchange::MessageJson));
}

HttpResponse ReferCase(exchange::ExchangeService& exchange, const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(exchange.ReferCase(*context.caller, context.Param("id"), body.value), context,
                 AsJson(202, exchange::MessageJson));
}

HttpResponse ListExchangePartners(exchange::ExchangeService& exchange,
                                  const RequestContext& context) {
  return Respond(exchange.ListPartners(*context.caller), context, AsItems(exchange::PartnerJson));
}

HttpResponse AddExchangePartner(exchange::ExchangeService& exchange,
                                const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(exchange.AddPartner(*context.caller, body.value), context,
                 [](const ExchangePartnerRecord& partner) {
                   HttpResponse response = JsonResponse(201, exchange::PartnerJson(partner));
                   response.headers.emplace_back("Location",
                                                 "/api/v1/exchange/partners/" + partner.node_id);
                   return response;
                 });
}

HttpResponse UpdateExchangePartner(exchange::ExchangeService& exchange,
                                   const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(exchange.UpdatePartner(*context.caller, context.Param("id"), body.value), context,
                 AsJson(200, exchange::PartnerJson));
}

HttpResponse ListExchangeGroups(exchange::ExchangeService& exchange,
                                const RequestContext& context) {
  return Respond(exchange.ListGroups(*context.caller), context, AsItems(exchange::GroupJson));
}

HttpResponse PutExchangeGroup(exchange::ExchangeService& exchange,
                              const RequestContext& context) {
  ParsedBody body = ParseBody(context, BodyRule::kRequired);
  if (body.problem) return *body.problem;
  return Respond(exchange.PutGroup(*context.caller, context.Param("name"), body.value), context,
                 AsJson(200, exchange::GroupJson));
}

HttpResponse ListExchangeRejections(exchange::ExchangeService& exchange,
                                    const RequestContext& context) {
  int limit = 100;
  std::vector<FieldError> errors;
  ParseLimit(context, &limit, errors);
  if (!errors.empty()) return InvalidQuery(std::move(errors), context);
  return Respond(exchange.ListRejections(*context.caller, limit), context,
                 AsItems(exchange::RejectionJson));
}

}  // namespace

void RegisterRoutes(Router& router, const ApiServices& services) {
  const ApiServices* svc = &services;
  auto with_services = [svc](HttpResponse (*handler)(const ApiServices&, const RequestContext&)) {
    return [svc, handler](const RequestContext& context) { return handler(*svc, context); };
  };
  constexpr bool kPublic = false;
  constexpr bool kAuth = true;

  router.Add({"GET", "/api/v1/health", kPublic}, with_services(Health));
  router.Add({"GET", "/api/v1/openapi.json", kPublic}, OpenApi);
  router.Add({"POST", "/api/v1/sessions", kPublic}, with_services(Login));
  router.Add({"DELETE", "/api/v1/sessions/current", kAuth}, with_services(Logout));
  router.Add({"GET", "/api/v1/me", kAuth}, with_services(Me));
  router.Add({"POST", "/api/v1/tokens", kAuth}, with_services(CreateToken));
  router.Add({"GET", "/api/v1/tokens", kAuth}, with_services(ListTokens));
  router.Add({"DELETE", "/api/v1/tokens/{id}", kAuth}, with_services(RevokeToken));
  router.Add({"GET", "/api/v1/organisations", kAuth}, with_services(ListOrganisations));

  router.Add({"POST", "/api/v1/applications", kAuth}, with_services(CreateApplication));
  router.Add({"GET", "/api/v1/applications", kAuth}, with_services(ListApplications));
  router.Add({"GET", "/api/v1/applications/{id}", kAuth}, with_services(GetApplication));
  router.Add({"PUT", "/api/v1/applications/{id}", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kRequired,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json& body) { return apps.Update(caller, id, body); }));
  router.Add({"POST", "/api/v1/applications/{id}/submit", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kOptional,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json&) { return apps.Submit(caller, id); }));
  router.Add({"POST", "/api/v1/applications/{id}/decision", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kRequired,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json& body) { return apps.Decide(caller, id, body); }));
  router.Add({"POST", "/api/v1/applications/{id}/renewal", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kOptional,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json& body) { return apps.RequestRenewal(caller, id, body); }));
  router.Add({"POST", "/api/v1/applications/{id}/renewal/decision", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kRequired,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json& body) { return apps.DecideRenewal(caller, id, body); }));
  router.Add({"POST", "/api/v1/applications/{id}/suspend", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kRequired,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json& body) { return apps.Suspend(caller, id, body); }));
  router.Add({"POST", "/api/v1/applications/{id}/reinstate", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kOptional,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json&) { return apps.Reinstate(caller, id); }));
  router.Add({"POST", "/api/v1/applications/{id}/revoke", kAuth},
             ApplicationActionHandler(
                 services, BodyRule::kRequired,
                 [](ApplicationService& apps, const Caller& caller, const std::string& id,
                    const json& body) { return apps.Revoke(caller, id, body); }));

  router.Add({"POST", "/api/v1/applications/{id}/photos", kAuth},
             with_services(AddApplicationPhoto));
  router.Add({"GET", "/api/v1/applications/{id}/photos", kAuth},
             with_services(ListApplicationPhotos));
  router.Add({"GET", "/api/v1/applications/{id}/photos/{photo_id}", kAuth},
             with_services(GetApplicationPhoto));
  router.Add({"DELETE", "/api/v1/applications/{id}/photos/{photo_id}", kAuth},
             with_services(DeleteApplicationPhoto));

  router.Add({"POST", "/api/v1/screenings", kAuth}, WithScreening(services, Screen));
  router.Add({"GET", "/api/v1/profiles", kAuth}, WithScreening(services, ListProfiles));
  router.Add({"POST", "/api/v1/profiles", kAuth}, WithScreening(services, CreateProfile));
  router.Add({"POST", "/api/v1/profiles/test", kAuth}, WithScreening(services, TestProfile));
  router.Add({"GET", "/api/v1/profiles/{id}", kAuth}, WithScreening(services, GetProfile));
  router.Add({"PUT", "/api/v1/profiles/{id}", kAuth}, WithScreening(services, UpdateProfile));
  router.Add({"DELETE", "/api/v1/profiles/{id}", kAuth}, WithScreening(services, DeleteProfile));
  router.Add({"GET", "/api/v1/reference-prices", kAuth},
             WithScreening(services, GetReferencePrices));
  router.Add({"PUT", "/api/v1/reference-prices", kAuth},
             WithScreening(services, PutReferencePrices));
  router.Add({"GET", "/api/v1/watchlist", kAuth}, WithScreening(services, ListWatchlist));
  router.Add({"POST", "/api/v1/watchlist", kAuth}, WithScreening(services, CreateWatchlistEntry));
  router.Add({"GET", "/api/v1/watchlist/{id}", kAuth}, WithScreening(services, GetWatchlistEntry));
  router.Add({"PUT", "/api/v1/watchlist/{id}", kAuth},
             WithScreening(services, UpdateWatchlistEntry));
  router.Add({"DELETE", "/api/v1/watchlist/{id}", kAuth},
             WithScreening(services, DeleteWatchlistEntry));
  router.Add({"GET", "/api/v1/selections", kAuth}, WithScreening(services, ListSelections));
  router.Add({"GET", "/api/v1/selections/{id}", kAuth}, WithScreening(services, GetSelection));
  router.Add({"POST", "/api/v1/selections/{id}/finding", kAuth},
             WithScreening(services, RecordFinding));

  router.Add({"GET", "/api/v1/audit/key", kAuth}, WithAudit(services, GetAuditKey));
  router.Add({"GET", "/api/v1/audit/checkpoint", kAuth}, WithAudit(services, GetAuditCheckpoint));
  router.Add({"GET", "/api/v1/audit/entries", kAuth}, WithAudit(services, GetAuditEntries));
  router.Add({"GET", "/api/v1/audit/proof/inclusion", kAuth},
             WithAudit(services, GetAuditInclusionProof));
  router.Add({"GET", "/api/v1/audit/proof/consistency", kAuth},
             WithAudit(services, GetAuditConsistencyProof));
  router.Add({"POST", "/api/v1/models", kAuth}, WithScreening(services, UploadModel));
  router.Add({"GET", "/api/v1/models", kAuth}, WithScreening(services, ListModels));
  router.Add({"GET", "/api/v1/models/{id}", kAuth}, WithScreening(services, GetModel));
  router.Add({"POST", "/api/v1/models/{id}/activate", kAuth},
             WithScreening(services, ActivateModel));
  router.Add({"POST", "/api/v1/models/rollback", kAuth}, WithScreening(services, RollbackModel));
  router.Add({"GET", "/api/v1/notifications", kAuth},
             WithNotifications(services, ListNotifications));
  router.Add({"GET", "/api/v1/notifications/{id}", kAuth},
             WithNotifications(services, GetNotification));
  router.Add({"POST", "/api/v1/notifications/{id}/read", kAuth},
             WithNotifications(services, MarkNotificationRead));
  router.Add({"POST", "/api/v1/webhooks", kAuth}, WithNotifications(services, CreateWebhook));
  router.Add({"GET", "/api/v1/webhooks", kAuth}, WithNotifications(services, ListWebhooks));
  router.Add({"DELETE", "/api/v1/webhooks/{id}", kAuth},
             WithNotifications(services, DeleteWebhook));
  router.Add({"POST", "/api/v1/cases", kAuth}, WithCases(services, CreateCase));
  router.Add({"GET", "/api/v1/cases", kAuth}, WithCases(services, ListCases));
  router.Add({"GET", "/api/v1/cases/queue", kAuth}, WithCases(services, CaseQueue));
  router.Add({"GET", "/api/v1/cases/{id}", kAuth}, WithCases(services, GetCase));
  router.Add({"POST", "/api/v1/cases/{id}/extension", kAuth}, WithCases(services, ExtendCase));
  router.Add({"POST", "/api/v1/cases/{id}/actions", kAuth}, WithCases(services, ActOnCase));
  router.Add({"POST", "/api/v1/cases/{id}/evidence", kAuth}, WithCases(services, AddEvidence));
  router.Add({"GET", "/api/v1/cases/{id}/evidence", kAuth}, WithCases(services, ListCaseEvidence));
  router.Add({"GET", "/api/v1/cases/{id}/evidence/{evidence_id}", kAuth},
             WithCases(services, GetCaseEvidence));
  router.Add({"GET", "/api/v1/stats/seizures", kAuth}, WithStats(services, QuerySeizures));
  router.Add({"GET", "/api/v1/stats/exchange/{quarter}", kAuth},
             WithStats(services, ExportStatistics));
  router.Add({"POST", "/api/v1/stats/partners", kAuth},
             WithStats(services, ImportPartnerStatistics));
  router.Add({"GET", "/api/v1/stats/joint", kAuth}, WithStats(services, JointStatistics));
  router.Add({"GET", "/api/v1/stats/trends", kAuth}, WithStats(services, StatisticsTrends));
  router.Add({"GET", "/api/v1/stats/incidence", kAuth}, WithStats(services, StatisticsIncidence));
  router.Add({"GET", "/api/v1/stats/effectiveness", kAuth},
             WithStats(services, StatisticsEffectiveness));

  // Exchange between nodes (issue 7). The JWK Set and the inbox are public:
  // an envelope authenticates itself by its signature.
  router.Add({"POST", "/api/v1/cases/{id}/referral", kAuth}, WithExchange(services, ReferCase));
  router.Add({"GET", "/api/v1/exchange/jwks", kPublic}, WithExchange(services, ExchangeJwks));
  router.Add({"POST", "/api/v1/exchange/inbox", kPublic}, WithExchange(services, ExchangeInbox));
  router.Add({"GET", "/api/v1/exchange/messages", kAuth},
             WithExchange(services, ListExchangeMessages));
  router.Add({"POST", "/api/v1/exchange/messages", kAuth},
             WithExchange(services, SendExchangeMessage));
  router.Add({"GET", "/api/v1/exchange/messages/{id}", kAuth},
             WithExchange(services, GetExchangeMessage));
  router.Add({"POST", "/api/v1/exchange/messages/{id}/accept", kAuth},
             WithExchange(services, AcceptExchangeMessage));
  router.Add({"POST", "/api/v1/exchange/messages/{id}/decline", kAuth},
             WithExchange(services, DeclineExchangeMessage));
  router.Add({"GET", "/api/v1/exchange/partners", kAuth},
             WithExchange(services, ListExchangePartners));
  router.Add({"POST", "/api/v1/exchange/partners", kAuth},
             WithExchange(services, AddExchangePartner));
  router.Add({"PATCH", "/api/v1/exchange/partners/{id}", kAuth},
             WithExchange(services, UpdateExchangePartner));
  router.Add({"GET", "/api/v1/exchange/groups", kAuth}, WithExchange(services, ListExchangeGroups));
  router.Add({"PUT", "/api/v1/exchange/groups/{name}", kAuth},
             WithExchange(services, PutExchangeGroup));
  router.Add({"GET", "/api/v1/exchange/rejections", kAuth},
             WithExchange(services, ListExchangeRejections));
}

}  // namespace cordon::api
