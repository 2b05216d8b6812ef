#include "api/api.h"

#include <gtest/gtest.h>
#include <brotli/decode.h>
#include <httplib.h>
#include <zlib.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>
#include <stdlib.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "api/problem.h"
#include "api/router.h"
#include "screening/screening_service.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;
using std::chrono::hours;
using std::chrono::seconds;

constexpr char kPassword[] = "cordon-test-password";

// The body from issue #2 that the API must accept from a right holder rep.
const std::string kApplicationBody = test_support::IssueExampleApplication().dump();

Timestamp StartTime() { return *ParseTimestamp("2026-03-02T09:00:00Z"); }

// A store whose every unit of work fails, as a dead database would.
class DeadStore final : public Store {
 public:
  Status Write(const std::function<Status(WriteTx&)>&) override {
    return Unavailable("database is locked");
  }
  Status Read(const std::function<Status(ReadTx&)>&) override {
    return Internal("disk I/O error at /secret/path/cordon.db");
  }
};

// Everything a server needs, over a real SQLite store in a temporary directory.
struct Backend {
  Backend() {
    Result<std::unique_ptr<Store>> opened = OpenSqliteStore(SqliteOptions{dir.File("cordon.db")});
    EXPECT_TRUE(opened.ok()) << opened.error().ToString();
    store = std::move(opened).value();
    identity = std::make_unique<IdentityService>(*store, clock, rng);
    applications = std::make_unique<ApplicationService>(*store, clock, rng);
    screening = std::make_unique<ScreeningService>(*store, clock, rng);
  }
  ~Backend() {
    screening.reset();
    applications.reset();
    identity.reset();
    store.reset();
  }
  ApiServices Services() {
    return ApiServices{*store, clock, *identity, *applications, screening.get()};
  }

  test_support::TempDir dir{"cordon-api"};  // declared first: outlives the store
  FakeClock clock{StartTime()};
  SystemRng rng;
  std::unique_ptr<Store> store;
  std::unique_ptr<IdentityService> identity;
  std::unique_ptr<ApplicationService> applications;
  std::unique_ptr<ScreeningService> screening;
};

// ---------------------------------------------------------------- OpenAPI

const std::set<std::string> kHttpMethods = {"get",   "put",     "post", "delete",
                                            "patch", "options", "head", "trace"};

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

void CollectRefs(const json& node, std::vector<std::string>& refs) {
  if (node.is_object()) {
    for (auto it = node.begin(); it != node.end(); ++it) {
      if (it.key() == "$ref" && it->is_string()) refs.push_back(it->get<std::string>());
      CollectRefs(*it, refs);
    }
  } else if (node.is_array()) {
    for (const json& item : node) CollectRefs(item, refs);
  }
}

TEST(OpenApiTest, EveryRouteIsDocumentedAndEveryOperationIsRouted) {
  Backend backend;
  ApiServer server(backend.Services());
  const std::vector<RouteInfo> routes = server.Routes();
  const json doc = json::parse(OpenApiDocument());
  ASSERT_TRUE(doc.contains("paths"));

  std::set<std::pair<std::string, std::string>> routed;
  for (const RouteInfo& route : routes) {
    EXPECT_TRUE(routed.insert({Lower(route.method), route.pattern}).second)
        << "route registered twice: " << route.method << " " << route.pattern;
    const json* operation = nullptr;
    if (doc["paths"].contains(route.pattern) &&
        doc["paths"][route.pattern].contains(Lower(route.method))) {
      operation = &doc["paths"][route.pattern][Lower(route.method)];
    }
    ASSERT_NE(operation, nullptr) << "undocumented route " << route.method << " " << route.pattern;
    // Public routes override the global bearerAuth with an empty requirement.
    const bool documented_public =
        operation->contains("security") && (*operation)["security"].empty();
    EXPECT_EQ(documented_public, !route.requires_auth) << route.method << " " << route.pattern;
    if (route.requires_auth) {
      EXPECT_TRUE((*operation)["responses"].contains("401")) << route.pattern;
    }
    // Every {param} of the pattern is declared as a path parameter.
    for (const std::string& segment : api::SplitPath(route.pattern)) {
      if (segment.front() != '{') continue;
      const std::string name = segment.substr(1, segment.size() - 2);
      bool declared = false;
      for (const json& parameter : operation->value("parameters", json::array())) {
        declared |= parameter["in"] == "path" && parameter["name"] == name;
      }
      EXPECT_TRUE(declared) << route.pattern << " does not declare " << name;
    }
  }
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      if (!kHttpMethods.count(method)) continue;
      EXPECT_TRUE(routed.count({method, path}))
          << "documented but not routed: " << method << " " << path;
      EXPECT_TRUE(operation.contains("summary")) << path;
      EXPECT_TRUE(operation.contains("operationId")) << path;
    }
  }
}

TEST(OpenApiTest, IsOpenApi31WithResolvableReferences) {
  const json doc = json::parse(OpenApiDocument());
  EXPECT_EQ(doc["openapi"], "3.1.0");
  EXPECT_EQ(doc["components"]["securitySchemes"]["bearerAuth"]["scheme"], "bearer");
  std::vector<std::string> refs;
  CollectRefs(doc, refs);
  EXPECT_FALSE(refs.empty());
  for (const std::string& ref : refs) {
    ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
    EXPECT_TRUE(doc.contains(json::json_pointer(ref.substr(1)))) << "dangling " << ref;
  }
  std::set<std::string> operation_ids;
  for (const auto& [path, item] : doc["paths"].items()) {
    for (const auto& [method, operation] : item.items()) {
      EXPECT_TRUE(operation_ids.insert(operation["operationId"].get<std::string>()).second)
          << "duplicate operationId at " << method << " " << path;
    }
  }
  const json& application = doc["components"]["schemas"]["ApplicationInput"]["properties"];
  for (const char* field :
       {"kind", "holder", "contact", "rights", "goods", "authentic_features", "product_codes",
        "authorised_parties", "small_consignments", "accepts_liability_and_costs", "filed_with"}) {
    EXPECT_TRUE(application.contains(field)) << field;
  }
}

// ---------------------------------------------------------------- problems

TEST(ProblemTest, MapsEveryErrorCodeToOneStatus) {
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kInvalidInput), 422);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kUnauthenticated), 401);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kForbidden), 403);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kNotFound), 404);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kConflict), 409);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kUnavailable), 503);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kCorrupt), 500);
  EXPECT_EQ(api::HttpStatusFor(ErrorCode::kInternal), 500);
}

std::optional<std::string> HeaderOf(const api::HttpResponse& response, const std::string& name) {
  for (const auto& [key, value] : response.headers) {
    if (key == name) return value;
  }
  return std::nullopt;
}

TEST(ProblemTest, InvalidInputListsFields) {
  api::HttpResponse response = api::ProblemFor(
      InvalidInput("invalid application", {{"rights[0].nice_classes[1]", "must be 1 to 45"}}),
      "/api/v1/applications");
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(response.content_type, "application/problem+json");
  json body = json::parse(response.body);
  EXPECT_EQ(body, json::parse(R"({
    "type": "/problems/invalid_input", "title": "Invalid input", "status": 422,
    "detail": "invalid application", "instance": "/api/v1/applications",
    "errors": [{"field": "rights[0].nice_classes[1]", "message": "must be 1 to 45"}]})"));
}

TEST(ProblemTest, NoErrorsMemberWithoutFieldErrors) {
  json body = json::parse(api::ProblemFor(NotFound("application app_x not found"), "/x").body);
  EXPECT_EQ(body["type"], "/problems/not_found");
  EXPECT_EQ(body["status"], 404);
  EXPECT_FALSE(body.contains("errors"));
}

TEST(ProblemTest, UnauthenticatedAsksForBearer) {
  api::HttpResponse response = api::ProblemFor(Unauthenticated("no"), "/api/v1/me");
  EXPECT_EQ(response.status, 401);
  EXPECT_EQ(HeaderOf(response, "WWW-Authenticate"), "Bearer");
}

TEST(ProblemTest, RateLimitedCarriesRetryAfter) {
  Error error(ErrorCode::kRateLimited, "slow down");
  error.WithRetryAfter(8);
  api::HttpResponse response = api::ProblemFor(error, "/api/v1/sessions");
  EXPECT_EQ(response.status, 429);
  EXPECT_EQ(HeaderOf(response, "Retry-After"), "8");
  EXPECT_EQ(json::parse(response.body)["type"], "/problems/rate_limited");
}

TEST(ProblemTest, ServerFailuresDoNotLeakTheirMessage) {
  for (const Error& error : {Internal("sqlite3_step: no such table users at /var/lib/x.db"),
                             Corrupt("checksum mismatch in /var/lib/x.db")}) {
    api::HttpResponse response = api::ProblemFor(error, "/api/v1/me");
    EXPECT_EQ(response.status, 500);
    EXPECT_EQ(response.body.find("/var/lib"), std::string::npos) << response.body;
  }
}

TEST(ProblemTest, ProtocolLevelProblems) {
  EXPECT_EQ(json::parse(api::MalformedJsonProblem("bad", "/p").body)["type"],
            "/problems/malformed_json");
  EXPECT_EQ(api::MalformedJsonProblem("bad", "/p").status, 400);
  api::HttpResponse not_allowed = api::MethodNotAllowedProblem({"GET", "PUT"}, "/p");
  EXPECT_EQ(not_allowed.status, 405);
  EXPECT_EQ(HeaderOf(not_allowed, "Allow"), "GET, PUT");
  EXPECT_EQ(api::ProtocolProblem(413, "/p").status, 413);
  EXPECT_EQ(json::parse(api::ProtocolProblem(413, "/p").body)["type"],
            "/problems/payload_too_large");
}

// ---------------------------------------------------------------- router

TEST(RouterTest, MatchesPatternsAndReportsAllowedMethods) {
  api::Router router;
  auto handler = [](const api::RequestContext&) { return api::HttpResponse{}; };
  router.Add({"GET", "/api/v1/applications/{id}", true}, handler);
  router.Add({"PUT", "/api/v1/applications/{id}", true}, handler);
  router.Add({"POST", "/api/v1/applications/{id}/renewal/decision", true}, handler);
  router.Add({"DELETE", "/api/v1/sessions/current", true}, handler);
  router.Add({"DELETE", "/api/v1/sessions/{id}", true}, handler);

  api::Router::Match match = router.Find("GET", "/api/v1/applications/app_123");
  ASSERT_NE(match.info, nullptr);
  EXPECT_EQ(match.info->pattern, "/api/v1/applications/{id}");
  EXPECT_EQ(match.params["id"], "app_123");

  match = router.Find("HEAD", "/api/v1/applications/app_123");
  EXPECT_NE(match.info, nullptr);

  match = router.Find("POST", "/api/v1/applications/app_1/renewal/decision");
  ASSERT_NE(match.info, nullptr);
  EXPECT_EQ(match.params["id"], "app_1");

  match = router.Find("DELETE", "/api/v1/applications/app_123");
  EXPECT_EQ(match.info, nullptr);
  EXPECT_EQ(match.allowed_methods, (std::vector<std::string>{"GET", "PUT"}));

  // A literal segment beats a parameter.
  match = router.Find("DELETE", "/api/v1/sessions/current");
  ASSERT_NE(match.info, nullptr);
  EXPECT_EQ(match.info->pattern, "/api/v1/sessions/current");

  for (const char* unknown : {"/api/v1/applications/", "/api/v1/applications/x/", "/api/v2/x", "/",
                              "/api/v1/applications//submit"}) {
    match = router.Find("GET", unknown);
    EXPECT_EQ(match.info, nullptr) << unknown;
    EXPECT_TRUE(match.allowed_methods.empty()) << unknown;
  }
}

// ---------------------------------------------------------------- over HTTP

class ApiServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // Capture the access log to check what it says and what it never says.
    log_sink_ = std::make_shared<spdlog::sinks::ostream_sink_mt>(log_);
    previous_logger_ = spdlog::default_logger();
    spdlog::set_default_logger(std::make_shared<spdlog::logger>("api_test", log_sink_));

    IdentityService& identity = *backend_.identity;
    NewOrganisation customs;
    customs.name = "Customs DE";
    customs.kind = OrgKind::kCustoms;
    customs.country = "DE";
    customs.jurisdiction = "EU";
    customs.offices = {"DEHAM"};
    Result<Organisation> customs_org = identity.CreateOrganisation(customs);
    ASSERT_TRUE(customs_org.ok()) << customs_org.error().ToString();
    NewOrganisation holder;
    holder.name = "Zentra Sportswear GmbH";
    holder.kind = OrgKind::kRightHolder;
    holder.country = "DE";
    Result<Organisation> holder_org = identity.CreateOrganisation(holder);
    ASSERT_TRUE(holder_org.ok()) << holder_org.error().ToString();
    customs_id_ = customs_org->id;
    holder_id_ = holder_org->id;
    AddUser(customs_id_, "officer@customs-de.demo", Role::kIprOfficer);
    AddUser(customs_id_, "admin@customs-de.demo", Role::kAdmin);
    AddUser(holder_id_, "legal@zentra.demo", Role::kRightHolderRep);

    StartServer(backend_.Services());
  }

  void TearDown() override {
    StopServer();
    spdlog::set_default_logger(previous_logger_);
  }

  void AddUser(const std::string& org_id, const std::string& email, Role role) {
    NewUser user;
    user.org_id = org_id;
    user.email = email;
    user.name = "Test " + email;
    user.role = role;
    user.password = kPassword;
    Result<User> created = backend_.identity->CreateUser(user);
    ASSERT_TRUE(created.ok()) << created.error().ToString();
  }

  void StartServer(ApiServices services) {
    server_ = std::make_unique<ApiServer>(services);
    Result<int> port = server_->Bind("127.0.0.1", 0);
    ASSERT_TRUE(port.ok()) << port.error().ToString();
    port_ = *port;
    thread_ = std::thread([this] { server_->Run(); });
    client_ = std::make_unique<httplib::Client>("127.0.0.1", port_);
    client_->set_connection_timeout(seconds(5));
    client_->set_read_timeout(seconds(30));
  }

  void StopServer() {
    if (server_) server_->Stop();
    if (thread_.joinable()) thread_.join();
    server_.reset();
  }

  std::string Login(const std::string& email) {
    httplib::Result result =
        client_->Post("/api/v1/sessions", json({{"email", email}, {"password", kPassword}}).dump(),
                      "application/json");
    EXPECT_TRUE(result) << "no response";
    if (!result) return {};
    EXPECT_EQ(result->status, 201) << result->body;
    return json::parse(result->body).value("token", "");
  }

  httplib::Headers Bearer(const std::string& token) {
    return {{"Authorization", "Bearer " + token}};
  }

  static json Body(const httplib::Result& result) {
    return result ? json::parse(result->body, nullptr, false) : json();
  }

  Backend backend_;
  std::string customs_id_;
  std::string holder_id_;
  std::unique_ptr<ApiServer> server_;
  std::thread thread_;
  int port_ = 0;
  std::unique_ptr<httplib::Client> client_;
  std::ostringstream log_;
  std::shared_ptr<spdlog::sinks::ostream_sink_mt> log_sink_;
  std::shared_ptr<spdlog::logger> previous_logger_;
};

// With a web root the dashboard is served at / while /api/ stays the API:
// its answers keep Cache-Control: no-store, the files say their own.
TEST_F(ApiServerTest, ServesTheDashboardBesideTheApi) {
  const std::filesystem::path root = backend_.dir.path() / "dist";
  std::filesystem::create_directories(root / "assets");
  std::ofstream(root / "index.html") << "<!doctype html><title>Cordon</title>";
  std::ofstream(root / "assets" / "app-1a2b.js") << "export {}";
  StopServer();
  ApiServices services = backend_.Services();
  services.web_root = root;
  StartServer(services);

  httplib::Result index = client_->Get("/");
  ASSERT_TRUE(index);
  EXPECT_EQ(index->status, 200);
  EXPECT_EQ(index->get_header_value("Content-Type"), "text/html; charset=utf-8");
  EXPECT_EQ(index->get_header_value("Cache-Control"), "no-cache");
  httplib::Result route = client_->Get("/applications/app_1");
  ASSERT_TRUE(route);
  EXPECT_EQ(route->body, "<!doctype html><title>Cordon</title>");
  httplib::Result asset = client_->Get("/assets/app-1a2b.js");
  ASSERT_TRUE(asset);
  EXPECT_EQ(asset->get_header_value("Cache-Control"), "public, max-age=31536000, immutable");
  httplib::Result head = client_->Head("/assets/app-1a2b.js");
  ASSERT_TRUE(head);
  EXPECT_EQ(head->status, 200);

  httplib::Result health = client_->Get("/api/v1/health");
  ASSERT_TRUE(health);
  EXPECT_EQ(health->status, 200);
  EXPECT_EQ(health->get_header_value("Cache-Control"), "no-store");
  httplib::Result unknown = client_->Get("/api/v1/no-such-thing");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(unknown->get_header_value("Content-Type"), "application/problem+json");
  // Other methods outside /api/ are not the dashboard's.
  httplib::Result post = client_->Post("/", "", "text/plain");
  ASSERT_TRUE(post);
  EXPECT_EQ(post->status, 404);
}

TEST_F(ApiServerTest, HealthNeedsNoAuth) {
  httplib::Result result = client_->Get("/api/v1/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(result->get_header_value("Content-Type"), "application/json");
  EXPECT_EQ(
      Body(result),
      json({{"status", "ok"}, {"version", CORDON_VERSION}, {"time", "2026-03-02T09:00:00.000Z"}}));
}

TEST_F(ApiServerTest, HealthReportsADeadStoreAs503) {
  StopServer();
  DeadStore dead;
  ApiServices services = backend_.Services();
  StartServer(ApiServices{dead, services.clock, services.identity, services.applications});
  httplib::Result result = client_->Get("/api/v1/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(Body(result)["type"], "/problems/unavailable");
  EXPECT_EQ(result->body.find("/secret/path"), std::string::npos);
}

TEST_F(ApiServerTest, ServesTheOpenApiDocument) {
  httplib::Result result = client_->Get("/api/v1/openapi.json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_EQ(Body(result), json::parse(OpenApiDocument()));
}

TEST_F(ApiServerTest, LoginThenMe) {
  httplib::Result login = client_->Post(
      "/api/v1/sessions", json({{"email", "legal@zentra.demo"}, {"password", kPassword}}).dump(),
      "application/json");
  ASSERT_TRUE(login);
  ASSERT_EQ(login->status, 201) << login->body;
  json session = Body(login);
  EXPECT_EQ(session["expires_at"], "2026-03-02T21:00:00.000Z");
  const std::string token = session["token"];
  EXPECT_EQ(token.rfind("cdn_s_", 0), 0u);
  EXPECT_EQ(login->get_header_value("Cache-Control"), "no-store");

  httplib::Result me = client_->Get("/api/v1/me", Bearer(token));
  ASSERT_TRUE(me);
  ASSERT_EQ(me->status, 200) << me->body;
  json body = Body(me);
  EXPECT_EQ(body["user"]["email"], "legal@zentra.demo");
  EXPECT_EQ(body["user"]["role"], "right_holder_rep");
  EXPECT_TRUE(body["user"].contains("id"));
  EXPECT_TRUE(body["user"].contains("name"));
  EXPECT_FALSE(body["user"].contains("password_hash"));
  EXPECT_EQ(body["organisation"], json({{"id", holder_id_},
                                        {"name", "Zentra Sportswear GmbH"},
                                        {"kind", "right_holder"},
                                        {"country", "DE"},
                                        {"jurisdiction", ""},
                                        {"offices", json::array()}}));

  // The access log names the request and the user, never the secrets.
  const std::string log = log_.str();
  EXPECT_NE(log.find("POST /api/v1/sessions 201"), std::string::npos) << log;
  EXPECT_NE(log.find("GET /api/v1/me 200"), std::string::npos) << log;
  EXPECT_NE(log.find(body["user"]["id"].get<std::string>()), std::string::npos) << log;
  EXPECT_EQ(log.find(token), std::string::npos);
  EXPECT_EQ(log.find(kPassword), std::string::npos);
}

TEST_F(ApiServerTest, MissingOrBadTokenIs401WithBearerChallenge) {
  for (const httplib::Headers& headers :
       {httplib::Headers{}, httplib::Headers{{"Authorization", "Bearer cdn_s_forged"}},
        httplib::Headers{{"Authorization", "Basic dXNlcjpwYXNz"}}}) {
    httplib::Result result = client_->Get("/api/v1/me", headers);
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401);
    EXPECT_EQ(result->get_header_value("WWW-Authenticate"), "Bearer");
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/problem+json");
    json body = Body(result);
    EXPECT_EQ(body["type"], "/problems/unauthenticated");
    EXPECT_EQ(body["status"], 401);
    EXPECT_EQ(body["instance"], "/api/v1/me");
  }
}

TEST_F(ApiServerTest, WrongPasswordIs401AndThrottledLoginIs429) {
  const std::string bad = json({{"email", "legal@zentra.demo"}, {"password", "nope"}}).dump();
  for (int attempt = 0; attempt < IdentityService::kFreeFailures; ++attempt) {
    httplib::Result result = client_->Post("/api/v1/sessions", bad, "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 401);
  }
  const std::string good = json({{"email", "legal@zentra.demo"}, {"password", kPassword}}).dump();
  httplib::Result throttled = client_->Post("/api/v1/sessions", good, "application/json");
  ASSERT_TRUE(throttled);
  EXPECT_EQ(throttled->status, 429);
  EXPECT_EQ(throttled->get_header_value("Retry-After"), "1");
  EXPECT_EQ(Body(throttled)["type"], "/problems/rate_limited");

  backend_.clock.Advance(IdentityService::kFailureWindow + seconds(1));
  httplib::Result later = client_->Post("/api/v1/sessions", good, "application/json");
  ASSERT_TRUE(later);
  EXPECT_EQ(later->status, 201);
}

TEST_F(ApiServerTest, LoginBodyIsValidated) {
  httplib::Result result = client_->Post("/api/v1/sessions", R"({"email": 5})", "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422);
  json body = Body(result);
  EXPECT_EQ(body["type"], "/problems/invalid_input");
  EXPECT_EQ(body["errors"], json::parse(R"([{"field": "email", "message": "must be a string"},
                                            {"field": "password", "message": "is required"}])"));
}

TEST_F(ApiServerTest, MalformedJsonIs400) {
  for (const char* text : {"{\"email\": ", "[1, 2]", "\"text\"", "",
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[[["
                           "[[[[[[[[[[[[[[[[[[[[[[[[[[["
                           "[[[[[[[[[[[[[[[[[[[[[[[[[["}) {
    httplib::Result result = client_->Post("/api/v1/sessions", text, "application/json");
    ASSERT_TRUE(result);
    EXPECT_EQ(result->status, 400) << text;
    EXPECT_EQ(Body(result)["type"], "/problems/malformed_json") << text;
  }
}

TEST_F(ApiServerTest, UnknownRouteIs404AndWrongMethodIs405) {
  httplib::Result unknown = client_->Get("/api/v1/nothing-here");
  ASSERT_TRUE(unknown);
  EXPECT_EQ(unknown->status, 404);
  EXPECT_EQ(Body(unknown)["type"], "/problems/not_found");
  EXPECT_EQ(unknown->get_header_value("Content-Type"), "application/problem+json");

  httplib::Result wrong_method = client_->Delete("/api/v1/me");
  ASSERT_TRUE(wrong_method);
  EXPECT_EQ(wrong_method->status, 405);
  EXPECT_EQ(wrong_method->get_header_value("Allow"), "GET");
  EXPECT_EQ(Body(wrong_method)["type"], "/problems/method_not_allowed");

  httplib::Result patch = client_->Patch("/api/v1/applications/app_x", "{}", "application/json");
  ASSERT_TRUE(patch);
  EXPECT_EQ(patch->status, 405);
  EXPECT_EQ(patch->get_header_value("Allow"), "GET, PUT");
}

TEST_F(ApiServerTest, VeryLongPathIsAnsweredWithAProblem) {
  // Near httplib's 8 KiB request-line limit, and beyond it.
  for (size_t length : {size_t{8000}, size_t{20000}}) {
    httplib::Result result = client_->Get("/api/v1/" + std::string(length, 'a'));
    ASSERT_TRUE(result) << length;
    EXPECT_TRUE(result->status == 404 || result->status == 414) << result->status;
    EXPECT_EQ(result->get_header_value("Content-Type"), "application/problem+json") << length;
  }
}

TEST_F(ApiServerTest, HeadIsServedLikeGet) {
  httplib::Result result = client_->Head("/api/v1/health");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 200);
  EXPECT_TRUE(result->body.empty());
}

// Cordon encodes API bodies itself (httplib would use Brotli at its
// slowest quality): of 1 KiB or more, Brotli for clients that accept it,
// else gzip, else as they are; the client decodes them to the very same
// body. "br;q=0" refuses Brotli; small bodies go as they are.
TEST_F(ApiServerTest, LargeBodiesAreCompressedAsTheClientAccepts) {
  client_->set_decompress(false);
  httplib::Result plain = client_->Get("/api/v1/openapi.json");
  ASSERT_TRUE(plain);
  ASSERT_EQ(plain->status, 200);
  EXPECT_FALSE(plain->has_header("Content-Encoding"));
  ASSERT_GT(plain->body.size(), 1024u);

  struct Case {
    const char* accept;
    const char* coding;  // "" for none
  };
  for (const Case& c : {Case{"gzip, deflate, br", "br"}, Case{"br;q=0.8, gzip;q=1", "br"},
                        Case{"BR", "br"}, Case{"gzip, deflate", "gzip"},
                        Case{"br;q=0, gzip", "gzip"}, Case{"*", "br"},
                        Case{"br;q=0, identity", ""}, Case{"deflate", ""}}) {
    httplib::Result encoded = client_->Get("/api/v1/openapi.json", {{"Accept-Encoding", c.accept}});
    ASSERT_TRUE(encoded) << c.accept;
    EXPECT_EQ(encoded->get_header_value("Content-Encoding"), c.coding) << c.accept;
    EXPECT_EQ(encoded->get_header_value("Vary"), "Accept-Encoding") << c.accept;
    std::string decoded;
    if (std::string_view(c.coding) == "br") {
      EXPECT_LT(encoded->body.size(), plain->body.size() / 4) << c.accept;
      decoded.resize(plain->body.size());
      size_t decoded_size = decoded.size();
      ASSERT_EQ(BrotliDecoderDecompress(encoded->body.size(),
                                        reinterpret_cast<const uint8_t*>(encoded->body.data()),
                                        &decoded_size, reinterpret_cast<uint8_t*>(decoded.data())),
                BROTLI_DECODER_RESULT_SUCCESS)
          << c.accept;
      decoded.resize(decoded_size);
    } else if (std::string_view(c.coding) == "gzip") {
      EXPECT_LT(encoded->body.size(), plain->body.size() / 4) << c.accept;
      z_stream stream{};
      ASSERT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
      decoded.resize(plain->body.size() + 1);
      stream.next_in = reinterpret_cast<Bytef*>(encoded->body.data());
      stream.avail_in = static_cast<uInt>(encoded->body.size());
      stream.next_out = reinterpret_cast<Bytef*>(decoded.data());
      stream.avail_out = static_cast<uInt>(decoded.size());
      EXPECT_EQ(inflate(&stream, Z_FINISH), Z_STREAM_END) << c.accept;
      decoded.resize(stream.total_out);
      inflateEnd(&stream);
    } else {
      decoded = encoded->body;
    }
    // Not EXPECT_EQ: on failure it would print 200 KB twice.
    EXPECT_TRUE(decoded == plain->body) << c.accept << ": the decoded body differs";
  }

  httplib::Result small = client_->Get("/api/v1/health", {{"Accept-Encoding", "gzip, br"}});
  ASSERT_TRUE(small);
  EXPECT_EQ(small->status, 200);
  EXPECT_FALSE(small->has_header("Content-Encoding"));
}

TEST_F(ApiServerTest, BodyOver16MiBIs413) {
  const std::string token = Login("legal@zentra.demo");
  std::string huge = "{\"x\": \"" + std::string(16 * 1024 * 1024, 'a') + "\"}";
  httplib::Result result =
      client_->Post("/api/v1/applications", Bearer(token), huge, "application/json");
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 413);
  EXPECT_EQ(Body(result)["type"], "/problems/payload_too_large");
}

TEST_F(ApiServerTest, LogoutRevokesTheSession) {
  const std::string token = Login("legal@zentra.demo");
  httplib::Result logout = client_->Delete("/api/v1/sessions/current", Bearer(token));
  ASSERT_TRUE(logout);
  EXPECT_EQ(logout->status, 204);
  EXPECT_TRUE(logout->body.empty());
  httplib::Result me = client_->Get("/api/v1/me", Bearer(token));
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 401);
}

TEST_F(ApiServerTest, SessionExpiresAfterTwelveHours) {
  const std::string token = Login("legal@zentra.demo");
  backend_.clock.Advance(hours(12));
  httplib::Result me = client_->Get("/api/v1/me", Bearer(token));
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 401);
}

TEST_F(ApiServerTest, ApiTokensAreAdminOnly) {
  const std::string officer = Login("officer@customs-de.demo");
  httplib::Result forbidden =
      client_->Post("/api/v1/tokens", Bearer(officer), R"({"name": "robot"})", "application/json");
  ASSERT_TRUE(forbidden);
  EXPECT_EQ(forbidden->status, 403);
  EXPECT_EQ(Body(forbidden)["type"], "/problems/forbidden");

  const std::string admin = Login("admin@customs-de.demo");
  httplib::Result created = client_->Post(
      "/api/v1/tokens", Bearer(admin),
      R"({"name": "screening robot", "expires_at": "2027-01-01T00:00:00Z"})", "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json issued = Body(created);
  EXPECT_EQ(issued["expires_at"], "2027-01-01T00:00:00.000Z");
  const std::string api_token = issued["token"];
  EXPECT_EQ(api_token.rfind("cdn_t_", 0), 0u);

  httplib::Result me = client_->Get("/api/v1/me", Bearer(api_token));
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 200);

  httplib::Result listed = client_->Get("/api/v1/tokens", Bearer(admin));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200);
  json items = Body(listed)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_EQ(items[0]["id"], issued["id"]);
  EXPECT_EQ(items[0]["name"], "screening robot");
  EXPECT_TRUE(items[0]["revoked_at"].is_null());
  EXPECT_EQ(listed->body.find(api_token), std::string::npos);

  httplib::Result revoked =
      client_->Delete("/api/v1/tokens/" + issued["id"].get<std::string>(), Bearer(admin));
  ASSERT_TRUE(revoked);
  EXPECT_EQ(revoked->status, 204);
  me = client_->Get("/api/v1/me", Bearer(api_token));
  ASSERT_TRUE(me);
  EXPECT_EQ(me->status, 401);

  httplib::Result bad =
      client_->Post("/api/v1/tokens", Bearer(admin), R"({"name": 1, "expires_at": "tomorrow"})",
                    "application/json");
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
  EXPECT_EQ(Body(bad)["errors"].size(), 2u);
}

TEST_F(ApiServerTest, OrganisationDirectory) {
  const std::string token = Login("legal@zentra.demo");
  httplib::Result result = client_->Get("/api/v1/organisations", Bearer(token));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200);
  json items = Body(result)["items"];
  ASSERT_EQ(items.size(), 2u);
  EXPECT_EQ(items[0]["name"], "Customs DE");
  EXPECT_EQ(items[0]["kind"], "customs");
  EXPECT_EQ(items[0]["jurisdiction"], "EU");
  EXPECT_EQ(items[0]["offices"], json::array({"DEHAM"}));
}

TEST_F(ApiServerTest, ApplicationLifeCycle) {
  const std::string rep = Login("legal@zentra.demo");
  httplib::Result created =
      client_->Post("/api/v1/applications", Bearer(rep), kApplicationBody, "application/json");
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json app = Body(created);
  const std::string id = app["id"];
  EXPECT_EQ(app["status"], "draft");
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/applications/" + id);

  httplib::Result fetched = client_->Get("/api/v1/applications/" + id, Bearer(rep));
  ASSERT_TRUE(fetched);
  EXPECT_EQ(fetched->status, 200);
  EXPECT_EQ(Body(fetched)["id"], id);

  httplib::Result listed = client_->Get("/api/v1/applications?limit=10", Bearer(rep));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200) << listed->body;
  EXPECT_EQ(Body(listed)["items"].size(), 1u);
  EXPECT_TRUE(Body(listed)["next_cursor"].is_null());

  httplib::Result submitted =
      client_->Post("/api/v1/applications/" + id + "/submit", Bearer(rep), "", "application/json");
  ASSERT_TRUE(submitted);
  ASSERT_EQ(submitted->status, 200) << submitted->body;
  EXPECT_EQ(Body(submitted)["status"], "submitted");

  // The holder may not decide its own application.
  httplib::Result self_grant =
      client_->Post("/api/v1/applications/" + id + "/decision", Bearer(rep),
                    R"({"decision":"grant","valid_until":"2027-03-01"})", "application/json");
  ASSERT_TRUE(self_grant);
  EXPECT_EQ(self_grant->status, 403);

  const std::string officer = Login("officer@customs-de.demo");
  httplib::Result granted =
      client_->Post("/api/v1/applications/" + id + "/decision", Bearer(officer),
                    R"({"decision":"grant","valid_until":"2027-03-01"})", "application/json");
  ASSERT_TRUE(granted);
  ASSERT_EQ(granted->status, 200) << granted->body;
  EXPECT_EQ(Body(granted)["status"], "granted");
  EXPECT_EQ(Body(granted)["valid_until"], "2027-03-01");

  httplib::Result again =
      client_->Post("/api/v1/applications/" + id + "/submit", Bearer(rep), "", "application/json");
  ASSERT_TRUE(again);
  EXPECT_EQ(again->status, 409);
  EXPECT_EQ(Body(again)["type"], "/problems/conflict");
}

TEST_F(ApiServerTest, BadApplicationNamesTheField) {
  const std::string rep = Login("legal@zentra.demo");
  json body = json::parse(kApplicationBody);
  body["rights"][0]["nice_classes"][1] = 46;
  httplib::Result result =
      client_->Post("/api/v1/applications", Bearer(rep), body.dump(), "application/json");
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 422) << result->body;
  bool named = false;
  const json problem = Body(result);
  for (const json& error : problem["errors"]) {
    named |= error["field"] == "rights[0].nice_classes[1]";
  }
  EXPECT_TRUE(named) << result->body;

  httplib::Result missing = client_->Get("/api/v1/applications/app_doesnotexist", Bearer(rep));
  ASSERT_TRUE(missing);
  EXPECT_EQ(missing->status, 404);
}

TEST_F(ApiServerTest, ListQueryIsValidated) {
  const std::string rep = Login("legal@zentra.demo");
  httplib::Result result = client_->Get("/api/v1/applications?limit=0&status=bogus", Bearer(rep));
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 422);
  std::set<std::string> fields;
  const json problem = Body(result);
  for (const json& error : problem["errors"]) fields.insert(error["field"]);
  EXPECT_EQ(fields, (std::set<std::string>{"limit", "status"}));

  for (const char* limit : {"1001", "abc", "5x", ""}) {
    httplib::Result bad =
        client_->Get(std::string("/api/v1/applications?limit=") + limit, Bearer(rep));
    ASSERT_TRUE(bad);
    EXPECT_EQ(bad->status, 422) << limit;
  }
}

TEST_F(ApiServerTest, StopBeforeRunDoesNotHang) {
  StopServer();
  ApiServer server(backend_.Services());
  ASSERT_TRUE(server.Bind("127.0.0.1", 0).ok());
  server.Stop();
  std::thread runner([&] { server.Run(); });
  runner.join();
}

// ---------------------------------------------------------------- screening

// Customs DE with an analyst and a frontline officer, and ZENTRA granted.
class ScreeningApiTest : public ApiServerTest {
 protected:
  void SetUp() override {
    ApiServerTest::SetUp();
    AddUser(customs_id_, "analyst@customs-de.demo", Role::kRiskAnalyst);
    AddUser(customs_id_, "frontline@customs-de.demo", Role::kFrontlineOfficer);
    analyst_ = Login("analyst@customs-de.demo");
    frontline_ = Login("frontline@customs-de.demo");
    const std::string rep = Login("legal@zentra.demo");
    const std::string officer = Login("officer@customs-de.demo");
    httplib::Result created =
        client_->Post("/api/v1/applications", Bearer(rep), kApplicationBody, "application/json");
    ASSERT_TRUE(created);
    const std::string id = Body(created)["id"];
    ASSERT_EQ(
        client_->Post("/api/v1/applications/" + id + "/submit", Bearer(rep), "", "application/json")
            ->status,
        200);
    ASSERT_EQ(client_
                  ->Post("/api/v1/applications/" + id + "/decision", Bearer(officer),
                         R"({"decision":"grant","valid_until":"2027-03-01"})", "application/json")
                  ->status,
              200);
  }

  static json Declaration(const std::string& id, const std::string& description,
                          const std::string& office = "DEHAM") {
    json declaration = json::parse(R"({"type":"import","transport_mode":"sea","origin":"CN",
      "consignor":{"name":"Shenzhen Bright Trading Co., Ltd.","country":"CN"},
      "consignee":{"name":"Nordhandel GmbH","country":"DE"},
      "items":[{"hs":"640411","quantity":1200,"unit":"pairs","gross_kg":900,"value":4800,
                "currency":"USD"}]})");
    declaration["id"] = id;
    declaration["office"] = office;
    declaration["items"][0]["description"] = description;
    return declaration;
  }

  httplib::Result PostJson(const std::string& path, const std::string& token, const json& body) {
    return client_->Post(path, Bearer(token), body.dump(), "application/json");
  }

  static std::set<std::string> Fields(const httplib::Result& result) {
    std::set<std::string> fields;
    const json problem = Body(result);
    for (const json& error : problem["errors"]) fields.insert(error["field"]);
    return fields;
  }

  std::string analyst_;
  std::string frontline_;
};

TEST_F(ScreeningApiTest, ScreensABatchWithResultsErrorsAndSummary) {
  json bad = Declaration("D2", "shoes");
  bad["items"][0]["hs"] = "64x";
  json body = {
      {"declarations", json::array({Declaration("D1", "sport shoes ZENTRA air runner"), bad,
                                    "not an object", Declaration("D3", "plain cotton socks")})}};
  httplib::Result result = PostJson("/api/v1/screenings", analyst_, body);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  const json response = Body(result);
  ASSERT_EQ(response["results"].size(), 2u);
  EXPECT_EQ(response["results"][0]["id"], "D1");
  EXPECT_EQ(response["results"][0]["channel"], "red");
  EXPECT_EQ(response["results"][0]["selected"], true);
  EXPECT_EQ(response["results"][0]["hits"][0]["kind"], "mark");
  EXPECT_EQ(response["results"][0]["hits"][0]["mark"], "ZENTRA");
  EXPECT_EQ(response["results"][0]["hits"][0]["relevance"], "listed_goods");
  EXPECT_EQ(response["results"][1]["id"], "D3");
  ASSERT_EQ(response["errors"].size(), 2u);
  EXPECT_EQ(response["errors"][0]["index"], 1);
  EXPECT_EQ(response["errors"][0]["id"], "D2");
  EXPECT_NE(response["errors"][0]["error"].get<std::string>().find("items[0].hs"),
            std::string::npos);
  EXPECT_EQ(response["errors"][1]["index"], 2);
  EXPECT_TRUE(response["errors"][1]["id"].is_null());
  EXPECT_EQ(response["summary"], json::parse(R"({"declarations":4,"screened":2,"errors":2,
    "selected":1,"by_channel":{"green":1,"yellow":0,"red":1}})"));
  EXPECT_TRUE(response["run_id"].is_null());

  // Budget selection over the batch.
  body = {{"declarations",
           json::array({Declaration("D1", "ZENTRA shoes"), Declaration("D2", "plain socks"),
                        Declaration("D3", "ZENTRA shoes")})},
          {"budget", "34%"}};
  result = PostJson("/api/v1/screenings", analyst_, body);
  ASSERT_TRUE(result);
  ASSERT_EQ(result->status, 200) << result->body;
  EXPECT_EQ(Body(result)["summary"]["selected"], 2);  // ceil(1.02)
}

TEST_F(ScreeningApiTest, BadScreeningRequestsNameTheirFields) {
  httplib::Result result = PostJson("/api/v1/screenings", analyst_, json::object());
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422);
  EXPECT_EQ(Fields(result), (std::set<std::string>{"declarations"}));

  json too_many = {{"declarations", json::array()}};
  for (int index = 0; index < 10001; ++index) too_many["declarations"].push_back(json::object());
  result = PostJson("/api/v1/screenings", analyst_, too_many);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422);
  EXPECT_EQ(Fields(result), (std::set<std::string>{"declarations"}));

  json options = {{"declarations", json::array({Declaration("D1", "shoes")})},
                  {"budget", "lots"},
                  {"capacity", {{"DEHAM", -1}}},
                  {"store", "yes"}};
  result = PostJson("/api/v1/screenings", analyst_, options);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422);
  EXPECT_EQ(Fields(result), (std::set<std::string>{"budget", "capacity.DEHAM", "store"}));

  options = {{"declarations", json::array({Declaration("D1", "shoes")})},
             {"budget", 5},
             {"capacity", {{"DEHAM", 1}}}};
  result = PostJson("/api/v1/screenings", analyst_, options);
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 422);
  EXPECT_EQ(Fields(result), (std::set<std::string>{"capacity"}));

  // Right holders and frontline officers do not screen.
  const std::string rep = Login("legal@zentra.demo");
  EXPECT_EQ(PostJson("/api/v1/screenings", rep, {{"declarations", json::array()}})->status, 403);
  EXPECT_EQ(PostJson("/api/v1/screenings", frontline_, {{"declarations", json::array()}})->status,
            403);
}

TEST_F(ScreeningApiTest, ProfilesAndWatchlistCrud) {
  json body = {{"name", "Shoes from CN"},
               {"weight", 0.4},
               {"rule", {{"field", "origin"}, {"op", "eq"}, {"value", "CN"}}}};
  httplib::Result created = PostJson("/api/v1/profiles", analyst_, body);
  ASSERT_TRUE(created);
  ASSERT_EQ(created->status, 201) << created->body;
  json profile = Body(created);
  const std::string id = profile["id"];
  EXPECT_EQ(created->get_header_value("Location"), "/api/v1/profiles/" + id);
  EXPECT_EQ(profile["version"], 1);
  EXPECT_EQ(profile["owner_org_id"], customs_id_);

  httplib::Result listed = client_->Get("/api/v1/profiles", Bearer(analyst_));
  ASSERT_TRUE(listed);
  ASSERT_EQ(listed->status, 200);
  EXPECT_EQ(Body(listed)["items"].size(), 1u);

  body["name"] = "Shoes from CN or HK";
  body["version"] = 1;
  httplib::Result updated =
      client_->Put("/api/v1/profiles/" + id, Bearer(analyst_), body.dump(), "application/json");
  ASSERT_TRUE(updated);
  ASSERT_EQ(updated->status, 200) << updated->body;
  EXPECT_EQ(Body(updated)["version"], 2);
  updated =
      client_->Put("/api/v1/profiles/" + id, Bearer(analyst_), body.dump(), "application/json");
  ASSERT_TRUE(updated);
  EXPECT_EQ(updated->status, 409);

  json bad = {{"name", "x"}, {"rule", {{"field", "orign"}, {"op", "eq"}, {"value", "CN"}}}};
  httplib::Result refused = PostJson("/api/v1/profiles", analyst_, bad);
  ASSERT_TRUE(refused);
  EXPECT_EQ(refused->status, 422);
  EXPECT_EQ(Fields(refused), (std::set<std::string>{"rule.field"}));

  const std::string rep = Login("legal@zentra.demo");
  EXPECT_EQ(client_->Get("/api/v1/profiles", Bearer(rep))->status, 403);
  EXPECT_EQ(PostJson("/api/v1/profiles", rep, body)->status, 403);

  httplib::Result deleted = client_->Delete("/api/v1/profiles/" + id, Bearer(analyst_));
  ASSERT_TRUE(deleted);
  EXPECT_EQ(deleted->status, 204);
  EXPECT_EQ(client_->Get("/api/v1/profiles/" + id, Bearer(analyst_))->status, 404);

  httplib::Result entry = PostJson("/api/v1/watchlist", analyst_,
                                   {{"name", "Shenzhen Bright Trading Co., Ltd."},
                                    {"country", "CN"},
                                    {"reason", "earlier seizures"}});
  ASSERT_TRUE(entry);
  ASSERT_EQ(entry->status, 201) << entry->body;
  const std::string entry_id = Body(entry)["id"];
  EXPECT_EQ(entry->get_header_value("Location"), "/api/v1/watchlist/" + entry_id);
  httplib::Result fetched = client_->Get("/api/v1/watchlist/" + entry_id, Bearer(analyst_));
  ASSERT_TRUE(fetched);
  EXPECT_EQ(Body(fetched)["reason"], "earlier seizures");
  httplib::Result renamed =
      client_->Put("/api/v1/watchlist/" + entry_id, Bearer(analyst_),
                   json({{"name", "Bright Trading"}, {"version", 1}}).dump(), "application/json");
  ASSERT_TRUE(renamed);
  EXPECT_EQ(renamed->status, 200) << renamed->body;
  EXPECT_EQ(client_->Get("/api/v1/watchlist", Bearer(analyst_))->status, 200);
  EXPECT_EQ(client_->Get("/api/v1/watchlist", Bearer(frontline_))->status, 403);
  EXPECT_EQ(client_->Delete("/api/v1/watchlist/" + entry_id, Bearer(analyst_))->status, 204);
  EXPECT_EQ(client_->Delete("/api/v1/watchlist/" + entry_id, Bearer(analyst_))->status, 404);
}

TEST_F(ScreeningApiTest, SelectionQueueAndFindings) {
  json body = {{"declarations", json::array({Declaration("D1", "ZENTRA shoes", "DEHAM"),
                                             Declaration("D2", "plain socks", "DEHAM")})},
               {"store", true}};
  httplib::Result screened = PostJson("/api/v1/screenings", analyst_, body);
  ASSERT_TRUE(screened);
  ASSERT_EQ(screened->status, 200) << screened->body;
  EXPECT_TRUE(Body(screened)["run_id"].is_string());

  httplib::Result queue =
      client_->Get("/api/v1/selections?office=DEHAM&status=open&limit=10", Bearer(frontline_));
  ASSERT_TRUE(queue);
  ASSERT_EQ(queue->status, 200) << queue->body;
  json items = Body(queue)["items"];
  ASSERT_EQ(items.size(), 1u);
  EXPECT_TRUE(Body(queue)["next_cursor"].is_null());
  EXPECT_EQ(items[0]["declaration_id"], "D1");
  EXPECT_EQ(items[0]["status"], "open");
  EXPECT_TRUE(items[0]["finding"].is_null());
  const std::string id = items[0]["id"];

  httplib::Result one = client_->Get("/api/v1/selections/" + id, Bearer(frontline_));
  ASSERT_TRUE(one);
  EXPECT_EQ(Body(one)["hits"][0]["mark"], "ZENTRA");

  httplib::Result bad =
      PostJson("/api/v1/selections/" + id + "/finding", frontline_, {{"outcome", "fine"}});
  ASSERT_TRUE(bad);
  EXPECT_EQ(bad->status, 422);
  EXPECT_EQ(Fields(bad), (std::set<std::string>{"outcome"}));
  httplib::Result finding =
      PostJson("/api/v1/selections/" + id + "/finding", frontline_,
               {{"outcome", "suspected_ipr_infringement"}, {"notes", "no hologram on the box"}});
  ASSERT_TRUE(finding);
  ASSERT_EQ(finding->status, 201) << finding->body;
  EXPECT_EQ(Body(finding)["selection_id"], id);
  httplib::Result second = PostJson("/api/v1/selections/" + id + "/finding", frontline_,
                                    {{"outcome", "no_irregularity"}});
  ASSERT_TRUE(second);
  EXPECT_EQ(second->status, 409);

  one = client_->Get("/api/v1/selections/" + id, Bearer(frontline_));
  ASSERT_TRUE(one);
  EXPECT_EQ(Body(one)["status"], "done");
  EXPECT_EQ(Body(one)["finding"]["outcome"], "suspected_ipr_infringement");

  httplib::Result bad_query =
      client_->Get("/api/v1/selections?office=hamburg&status=x&limit=0", Bearer(frontline_));
  ASSERT_TRUE(bad_query);
  EXPECT_EQ(bad_query->status, 422);
  EXPECT_EQ(Fields(bad_query), (std::set<std::string>{"limit"}));
  bad_query = client_->Get("/api/v1/selections?office=hamburg&status=x", Bearer(frontline_));
  ASSERT_TRUE(bad_query);
  EXPECT_EQ(Fields(bad_query), (std::set<std::string>{"office", "status"}));
  const std::string rep = Login("legal@zentra.demo");
  EXPECT_EQ(client_->Get("/api/v1/selections", Bearer(rep))->status, 403);
  EXPECT_EQ(client_->Get("/api/v1/selections/res_nothing", Bearer(frontline_))->status, 404);
}

TEST_F(ScreeningApiTest, ScreeningRoutesAnswer503WithoutTheService) {
  StopServer();
  ApiServices services = backend_.Services();
  services.screening = nullptr;
  StartServer(services);
  const std::string analyst = Login("analyst@customs-de.demo");
  httplib::Result result = client_->Get("/api/v1/profiles", Bearer(analyst));
  ASSERT_TRUE(result);
  EXPECT_EQ(result->status, 503);
  EXPECT_EQ(Body(result)["type"], "/problems/unavailable");
}

}  // namespace
}  // namespace cordon
