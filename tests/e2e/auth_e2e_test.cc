// Sessions, API tokens, throttling, health and the OpenAPI document, end to end.
#include <gtest/gtest.h>

#include <set>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

class AuthE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new Server(dir_->path() / "auth.db", {"--demo"}, dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }
  static TempDir* dir_;
  static Server* server_;
};

TempDir* AuthE2E::dir_ = nullptr;
Server* AuthE2E::server_ = nullptr;

TEST_F(AuthE2E, HealthNeedsNoLogin) {
  Client anonymous(server_->port());
  Response health = anonymous.Get("/api/v1/health");
  ASSERT_EQ(health.status, 200) << health.raw;
  EXPECT_EQ(health.body["status"], "ok");
}

TEST_F(AuthE2E, EverythingElseNeedsABearerToken) {
  Client anonymous(server_->port());
  Response me = anonymous.Get("/api/v1/me");
  EXPECT_EQ(me.status, 401);
  EXPECT_EQ(me.Header("Content-Type").rfind("application/problem+json", 0), 0u);
  EXPECT_FALSE(me.Header("WWW-Authenticate").empty());
  EXPECT_EQ(anonymous.Get("/api/v1/applications").status, 401);
  anonymous.SetToken("cdn_s_forged-token-value");
  EXPECT_EQ(anonymous.Get("/api/v1/me").status, 401);
}

TEST_F(AuthE2E, LoginMeLogout) {
  Client client(server_->port());
  Response login = client.Post("/api/v1/sessions",
                               {{"email", "Officer@Customs-DE.demo"}, {"password", "cordon-demo"}});
  ASSERT_EQ(login.status, 201) << login.raw;
  ASSERT_TRUE(login.body["token"].is_string());
  ASSERT_TRUE(login.body["expires_at"].is_string());
  client.SetToken(login.body["token"]);
  Response me = client.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["user"]["email"], "officer@customs-de.demo");
  EXPECT_EQ(me.body["user"]["role"], "ipr_officer");
  EXPECT_EQ(me.body["organisation"]["name"], "Customs DE");
  EXPECT_EQ(me.body["organisation"]["kind"], "customs");
  EXPECT_EQ(me.body["organisation"]["country"], "DE");
  EXPECT_EQ(me.body["organisation"]["jurisdiction"], "EU");
  std::set<std::string> offices(me.body["organisation"]["offices"].begin(),
                                me.body["organisation"]["offices"].end());
  EXPECT_EQ(offices, (std::set<std::string>{"DEHAM", "DEFRA", "DEMUC", "DELEJ"}));

  Response logout = client.Delete("/api/v1/sessions/current");
  EXPECT_EQ(logout.status, 204) << logout.raw;
  EXPECT_EQ(client.Get("/api/v1/me").status, 401);
}

TEST_F(AuthE2E, BadLoginsAreRefusedAlike) {
  Client client(server_->port());
  Response wrong_password =
      client.Post("/api/v1/sessions", {{"email", "legal@lumio.demo"}, {"password", "nope-nope"}});
  Response unknown_user =
      client.Post("/api/v1/sessions", {{"email", "ghost@nowhere.demo"}, {"password", "nope-nope"}});
  EXPECT_EQ(wrong_password.status, 401);
  EXPECT_EQ(unknown_user.status, 401);
  EXPECT_EQ(wrong_password.body["detail"], unknown_user.body["detail"]);
  Response missing = client.Post("/api/v1/sessions", {{"email", 42}});
  EXPECT_EQ(missing.status, 422) << missing.raw;
  std::vector<std::string> fields = ErrorFields(missing.body);
  EXPECT_NE(std::find(fields.begin(), fields.end(), "email"), fields.end());
  EXPECT_NE(std::find(fields.begin(), fields.end(), "password"), fields.end());
}

TEST_F(AuthE2E, RepeatedFailedLoginsAreSlowedDown) {
  Client client(server_->port());
  const json bad = {{"email", "analyst@secretariat.demo"}, {"password", "wrong-password"}};
  for (int attempt = 0; attempt < 5; ++attempt) {
    EXPECT_EQ(client.Post("/api/v1/sessions", bad).status, 401) << "attempt " << attempt;
  }
  Response throttled = client.Post("/api/v1/sessions", bad);
  EXPECT_EQ(throttled.status, 429) << throttled.raw;
  EXPECT_FALSE(throttled.Header("Retry-After").empty());
  // Even the right password waits now.
  Response right = client.Post("/api/v1/sessions",
                               {{"email", "analyst@secretariat.demo"}, {"password", "cordon-demo"}});
  EXPECT_EQ(right.status, 429);
  // Other accounts are not affected.
  EXPECT_EQ(client.Post("/api/v1/sessions",
                        {{"email", "analyst@customs-de.demo"}, {"password", "cordon-demo"}})
                .status,
            201);
}

TEST_F(AuthE2E, AdminsIssueApiTokens) {
  Client admin(server_->port());
  admin.Login("admin@customs-de.demo");
  Response created = admin.Post("/api/v1/tokens", {{"name", "declaration feed"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string token = created.body["token"];
  std::string token_id = created.body["id"];

  Client machine(server_->port());
  machine.SetToken(token);
  Response me = machine.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200) << me.raw;
  EXPECT_EQ(me.body["organisation"]["name"], "Customs DE");

  Response listed = admin.Get("/api/v1/tokens");
  ASSERT_EQ(listed.status, 200) << listed.raw;
  EXPECT_EQ(listed.raw.find(token), std::string::npos) << "secrets must never be listed";
  bool found = false;
  for (const json& item : listed.body["items"]) found = found || item["id"] == token_id;
  EXPECT_TRUE(found) << listed.raw;

  Client officer(server_->port());
  officer.Login("officer@customs-de.demo");
  EXPECT_EQ(officer.Post("/api/v1/tokens", {{"name", "mine"}}).status, 403);
  EXPECT_EQ(admin.Post("/api/v1/tokens", {{"name", 7}}).status, 422);

  EXPECT_EQ(admin.Delete("/api/v1/tokens/" + token_id).status, 204);
  EXPECT_EQ(machine.Get("/api/v1/me").status, 401);
}

TEST_F(AuthE2E, UnknownRoutesAndMethodsAreProblems) {
  Client client(server_->port());
  client.Login("officer@customs-nl.demo");
  Response unknown = client.Get("/api/v1/nothing-here");
  EXPECT_EQ(unknown.status, 404);
  EXPECT_EQ(unknown.Header("Content-Type").rfind("application/problem+json", 0), 0u);
  Response wrong_method = client.Delete("/api/v1/applications");
  EXPECT_EQ(wrong_method.status, 405);
  EXPECT_FALSE(wrong_method.Header("Allow").empty());
}

TEST_F(AuthE2E, OpenApiDocumentsTheServedRoutes) {
  Client client(server_->port());
  Response openapi = client.Get("/api/v1/openapi.json");
  ASSERT_EQ(openapi.status, 200);
  ASSERT_TRUE(openapi.body.is_object()) << openapi.raw.substr(0, 200);
  EXPECT_EQ(openapi.body["openapi"].get<std::string>().substr(0, 2), "3.");
  const json& paths = openapi.body["paths"];
  for (const char* path : {"/api/v1/health", "/api/v1/sessions", "/api/v1/sessions/current",
                           "/api/v1/tokens", "/api/v1/applications", "/api/v1/applications/{id}",
                           "/api/v1/applications/{id}/submit", "/api/v1/applications/{id}/decision",
                           "/api/v1/applications/{id}/renewal"}) {
    EXPECT_TRUE(paths.contains(path)) << path;
  }
  // Every documented GET without path parameters answers something other
  // than 404/405 when called with a valid token.
  client.Login("officer@customs-nl.demo");
  for (const auto& [path, operations] : paths.items()) {
    if (path.find('{') != std::string::npos || !operations.contains("get")) continue;
    int status = client.Get(path).status;
    EXPECT_NE(status, 404) << path;
    EXPECT_NE(status, 405) << path;
  }
}

TEST_F(AuthE2E, OrganisationDirectoryListsDemoOrganisations) {
  Client client(server_->port());
  client.Login("legal@zentra.demo");
  Response orgs = client.Get("/api/v1/organisations");
  ASSERT_EQ(orgs.status, 200) << orgs.raw;
  std::set<std::string> names;
  for (const json& org : orgs.body["items"]) names.insert(org["name"]);
  for (const char* name : {"Customs DE", "Customs NL", "Customs CN", "Zentra Sportswear GmbH",
                           "Lumio Electronics Ltd", "Police DE", "Secretariat"}) {
    EXPECT_TRUE(names.count(name)) << name;
  }
  EXPECT_GE(names.size(), 12u);
}

}  // namespace
}  // namespace cordon::e2e
