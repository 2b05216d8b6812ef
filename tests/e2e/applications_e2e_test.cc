// Applications for action end to end: the whole life cycle, every validation
// error the issue lists, and tenant isolation, through the real binary over HTTP.
#include <gtest/gtest.h>

#include <algorithm>
#include <memory>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

class ApplicationsE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    server_ = new Server(dir_->path() / "e2e.db", {"--demo"}, dir_->path());
  }
  static void TearDownTestSuite() {
    delete server_;
    delete dir_;
  }

  static Client As(const std::string& email) {
    Client client(server_->port());
    client.Login(email);
    return client;
  }

  // Creates the example as Zentra and returns its id.
  static std::string CreateExample(Client& zentra) {
    Response created = zentra.Post("/api/v1/applications", ExampleApplication());
    EXPECT_EQ(created.status, 201) << created.raw;
    EXPECT_EQ(created.body.value("status", ""), "draft");
    return created.body.value("id", "");
  }

  static bool ListContains(Client& client, const std::string& id,
                           const std::string& query = "") {
    std::string cursor;
    do {
      std::string path = "/api/v1/applications?limit=100" + query;
      if (!cursor.empty()) path += "&cursor=" + cursor;
      Response page = client.Get(path);
      EXPECT_EQ(page.status, 200) << page.raw;
      if (page.status != 200) return false;
      for (const json& item : page.body["items"]) {
        if (item["id"] == id) return true;
      }
      cursor = page.body["next_cursor"].is_string() ? page.body["next_cursor"].get<std::string>()
                                                    : "";
    } while (!cursor.empty());
    return false;
  }

  static TempDir* dir_;
  static Server* server_;
};

TempDir* ApplicationsE2E::dir_ = nullptr;
Server* ApplicationsE2E::server_ = nullptr;

TEST_F(ApplicationsE2E, ExampleBodyIsAcceptedAndReadBack) {
  Client zentra = As("legal@zentra.demo");
  Response created = zentra.Post("/api/v1/applications", ExampleApplication());
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  EXPECT_EQ(created.body["status"], "draft");
  EXPECT_FALSE(created.Header("Location").empty());

  Response read = zentra.Get("/api/v1/applications/" + id);
  ASSERT_EQ(read.status, 200) << read.raw;
  EXPECT_EQ(read.body["holder"]["name"], "Zentra Sportswear GmbH");
  EXPECT_EQ(read.body["rights"][0]["marks"][0], "ZENTRA");
  EXPECT_EQ(read.body["rights"][0]["nice_classes"], json::array({25, 28}));
  EXPECT_EQ(read.body["goods"][0]["hs"].size(), 5u);
  EXPECT_EQ(read.body["authorised_parties"][0]["name"], "Zentra Logistics B.V.");
  EXPECT_EQ(read.body["small_consignments"], true);
  EXPECT_EQ(read.body["product_codes"][0], "4006381");
  // Filed with the customs administration of the holder's country by default.
  Response me = As("officer@customs-de.demo").Get("/api/v1/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(read.body["filed_with"], me.body["organisation"]["id"]);
}

TEST_F(ApplicationsE2E, WholeLifeCycle) {
  Client zentra = As("legal@zentra.demo");
  Client officer = As("officer@customs-de.demo");
  std::string id = CreateExample(zentra);
  std::string path = "/api/v1/applications/" + id;

  // Edit the draft.
  json edited = ExampleApplication();
  edited["rights"][0]["marks"] = json::array({"ZENTRA", "ZENTRA AIR"});
  Response put = zentra.Put(path, edited);
  ASSERT_EQ(put.status, 200) << put.raw;
  EXPECT_EQ(put.body["rights"][0]["marks"].size(), 2u);

  // A draft is the holder's alone: customs do not even see it yet.
  EXPECT_EQ(officer.Get(path).status, 404);
  EXPECT_EQ(officer.Post(path + "/decision", {{"decision", "grant"}, {"valid_until", "2030-01-01"}})
                .status,
            404);

  Response submitted = zentra.Post(path + "/submit");
  ASSERT_EQ(submitted.status, 200) << submitted.raw;
  EXPECT_EQ(submitted.body["status"], "submitted");
  EXPECT_EQ(zentra.Put(path, edited).status, 409);  // no edits after submission
  EXPECT_EQ(zentra.Post(path + "/submit").status, 409);

  Response holder_decides = zentra.Post(path + "/decision", {{"decision", "reject"},
                                                             {"reason", "self-serving"}});
  EXPECT_EQ(holder_decides.status, 403) << holder_decides.raw;

  // A grant may not exceed one year from the day after the decision.
  Response too_long =
      officer.Post(path + "/decision", {{"decision", "grant"}, {"valid_until", "2099-01-01"}});
  EXPECT_EQ(too_long.status, 422) << too_long.raw;
  EXPECT_EQ(ErrorFields(too_long.body), std::vector<std::string>{"valid_until"});

  Response me = officer.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200);
  Response health = officer.Get("/api/v1/health");
  std::string today = health.body.value("time", "").substr(0, 10);
  ASSERT_EQ(today.size(), 10u) << health.raw;
  // valid_until: half a year ahead, well within the limit.
  int year = std::stoi(today.substr(0, 4));
  int month = std::stoi(today.substr(5, 2));
  char valid_until[32];
  std::snprintf(valid_until, sizeof valid_until, "%04d-%02d-15", month > 6 ? year + 1 : year,
                month > 6 ? month - 6 : month + 6);
  Response granted =
      officer.Post(path + "/decision", {{"decision", "grant"}, {"valid_until", valid_until}});
  ASSERT_EQ(granted.status, 200) << granted.raw;
  EXPECT_EQ(granted.body["status"], "granted");
  EXPECT_EQ(granted.body["valid_until"], valid_until);
  EXPECT_EQ(officer.Post(path + "/decision", {{"decision", "reject"}, {"reason", "again"}}).status,
            409);

  // Renewal: requested by the holder before expiry, decided by customs.
  Response renewal = zentra.Post(path + "/renewal", {{"reason", "still in force"}});
  ASSERT_EQ(renewal.status, 200) << renewal.raw;
  EXPECT_EQ(renewal.body["renewal"]["status"], "pending");
  EXPECT_EQ(zentra.Post(path + "/renewal", json::object()).status, 409);
  std::string renewed_until = std::to_string(std::stoi(std::string(valid_until).substr(0, 4)) + 1) +
                              std::string(valid_until).substr(4);
  Response renewed = officer.Post(path + "/renewal/decision",
                                  {{"decision", "grant"}, {"valid_until", renewed_until}});
  ASSERT_EQ(renewed.status, 200) << renewed.raw;
  EXPECT_EQ(renewed.body["valid_until"], renewed_until);
  EXPECT_EQ(renewed.body["renewal"]["status"], "granted");

  // Suspend, reinstate, revoke.
  EXPECT_EQ(officer.Post(path + "/suspend", json::object()).status, 422);  // reason required
  Response suspended = officer.Post(path + "/suspend", {{"reason", "authorised parties outdated"}});
  ASSERT_EQ(suspended.status, 200) << suspended.raw;
  EXPECT_EQ(suspended.body["status"], "suspended");
  EXPECT_EQ(zentra.Post(path + "/suspend", {{"reason", "x"}}).status, 403);
  Response reinstated = officer.Post(path + "/reinstate");
  ASSERT_EQ(reinstated.status, 200) << reinstated.raw;
  EXPECT_EQ(reinstated.body["status"], "granted");
  Response revoked = officer.Post(path + "/revoke", {{"reason", "right declared invalid"}});
  ASSERT_EQ(revoked.status, 200) << revoked.raw;
  EXPECT_EQ(revoked.body["status"], "revoked");
  Response after = officer.Post(path + "/reinstate");
  EXPECT_EQ(after.status, 409);
  EXPECT_NE(after.body.value("detail", "").find("revoked"), std::string::npos) << after.raw;

  // The holder reads the final state.
  EXPECT_EQ(zentra.Get(path).body["status"], "revoked");
}

TEST_F(ApplicationsE2E, RejectionNeedsAReason) {
  Client zentra = As("legal@zentra.demo");
  Client officer = As("officer@customs-de.demo");
  std::string id = CreateExample(zentra);
  std::string path = "/api/v1/applications/" + id;
  ASSERT_EQ(zentra.Post(path + "/submit").status, 200);
  Response no_reason = officer.Post(path + "/decision", {{"decision", "reject"}});
  EXPECT_EQ(no_reason.status, 422);
  EXPECT_EQ(ErrorFields(no_reason.body), std::vector<std::string>{"reason"});
  Response bad_decision = officer.Post(path + "/decision", {{"decision", "maybe"}});
  EXPECT_EQ(bad_decision.status, 422);
  EXPECT_EQ(ErrorFields(bad_decision.body), std::vector<std::string>{"decision"});
  Response rejected =
      officer.Post(path + "/decision", {{"decision", "reject"}, {"reason", "no evidence of use"}});
  ASSERT_EQ(rejected.status, 200) << rejected.raw;
  EXPECT_EQ(rejected.body["status"], "rejected");
  EXPECT_EQ(zentra.Post(path + "/renewal", json::object()).status, 409);
}

// Every validation error the issue names, each reported with its field path,
// and nothing stored.
TEST_F(ApplicationsE2E, ValidationErrorsNameEveryField) {
  Client zentra = As("legal@zentra.demo");
  auto count = [&] {
    int total = 0;
    std::string cursor;
    do {
      Response page = zentra.Get("/api/v1/applications?limit=1000" +
                                 (cursor.empty() ? "" : "&cursor=" + cursor));
      total += static_cast<int>(page.body["items"].size());
      cursor = page.body["next_cursor"].is_string() ? page.body["next_cursor"].get<std::string>()
                                                    : "";
    } while (!cursor.empty());
    return total;
  };
  int before = count();

  json bad = ExampleApplication();
  bad["holder"]["country"] = "XX";
  bad["rights"][0]["nice_classes"] = json::array({25, 46, 0});
  bad["goods"][0]["hs"] = json::array({"6402", "6", "64041100001", "64a2"});
  bad["authorised_parties"][0]["country"] = "Germany";
  bad["rights"][0]["type"] = "brand";
  bad["rights"][0]["expires_on"] = "2031-02-30";
  bad["kind"] = "global";
  bad["contact"]["email"] = "not-an-email";
  Response response = zentra.Post("/api/v1/applications", bad);
  ASSERT_EQ(response.status, 422) << response.raw;
  EXPECT_EQ(response.Header("Content-Type").rfind("application/problem+json", 0), 0u);
  EXPECT_EQ(response.body["status"], 422);
  EXPECT_TRUE(response.body.contains("title"));
  EXPECT_TRUE(response.body.contains("type"));
  std::vector<std::string> fields = ErrorFields(response.body);
  for (const char* expected :
       {"holder.country", "rights[0].nice_classes[1]", "rights[0].nice_classes[2]",
        "goods[0].hs[1]", "goods[0].hs[2]", "goods[0].hs[3]", "authorised_parties[0].country",
        "rights[0].type", "rights[0].expires_on", "kind", "contact.email"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), expected), fields.end())
        << "missing " << expected << " in " << response.raw;
  }
  EXPECT_EQ(std::find(fields.begin(), fields.end(), "goods[0].hs[0]"), fields.end());
  EXPECT_EQ(std::find(fields.begin(), fields.end(), "rights[0].nice_classes[0]"), fields.end());

  // Wrong JSON types are named too.
  json wrong_types = ExampleApplication();
  wrong_types["rights"] = "ZENTRA";
  wrong_types["small_consignments"] = "yes";
  Response typed = zentra.Post("/api/v1/applications", wrong_types);
  ASSERT_EQ(typed.status, 422) << typed.raw;
  std::vector<std::string> typed_fields = ErrorFields(typed.body);
  EXPECT_NE(std::find(typed_fields.begin(), typed_fields.end(), "rights"), typed_fields.end());
  EXPECT_NE(std::find(typed_fields.begin(), typed_fields.end(), "small_consignments"),
            typed_fields.end());

  // Malformed JSON is a 400 problem.
  Response malformed = zentra.PostRaw("/api/v1/applications", "{\"kind\": ");
  EXPECT_EQ(malformed.status, 400) << malformed.raw;
  EXPECT_EQ(malformed.Header("Content-Type").rfind("application/problem+json", 0), 0u);
  EXPECT_EQ(zentra.PostRaw("/api/v1/applications", "[1,2]").status, 400);

  // Unknown filed_with administration.
  json unknown_admin = ExampleApplication();
  unknown_admin["filed_with"] = "org_doesnotexist0000000";
  Response admin_response = zentra.Post("/api/v1/applications", unknown_admin);
  EXPECT_EQ(admin_response.status, 422) << admin_response.raw;
  EXPECT_EQ(ErrorFields(admin_response.body), std::vector<std::string>{"filed_with"});

  // Submitting without accepting liability and costs.
  json no_costs = ExampleApplication();
  no_costs["accepts_liability_and_costs"] = false;
  Response draft = zentra.Post("/api/v1/applications", no_costs);
  ASSERT_EQ(draft.status, 201) << draft.raw;
  std::string id = draft.body["id"];
  Response submit = zentra.Post("/api/v1/applications/" + id + "/submit");
  EXPECT_EQ(submit.status, 422) << submit.raw;
  std::vector<std::string> submit_fields = ErrorFields(submit.body);
  EXPECT_NE(std::find(submit_fields.begin(), submit_fields.end(), "accepts_liability_and_costs"),
            submit_fields.end())
      << submit.raw;
  EXPECT_EQ(zentra.Get("/api/v1/applications/" + id).body["status"], "draft");

  // Only the one valid draft was stored.
  EXPECT_EQ(count(), before + 1);

  // Query parameters are validated as well.
  Response bad_limit = zentra.Get("/api/v1/applications?limit=0");
  EXPECT_EQ(bad_limit.status, 422);
  EXPECT_EQ(ErrorFields(bad_limit.body), std::vector<std::string>{"limit"});
  Response bad_status = zentra.Get("/api/v1/applications?status=pending-ish");
  EXPECT_EQ(bad_status.status, 422);
  EXPECT_EQ(ErrorFields(bad_status.body), std::vector<std::string>{"status"});
  Response bad_order = zentra.Get("/api/v1/applications?order=alphabetical");
  EXPECT_EQ(bad_order.status, 422);
  EXPECT_EQ(ErrorFields(bad_order.body), std::vector<std::string>{"order"});

  // order=newest: the same applications, newest filing first, over pages.
  std::vector<std::string> oldest;
  Response everything = zentra.Get("/api/v1/applications?limit=1000");
  ASSERT_EQ(everything.status, 200) << everything.raw;
  for (const json& app : everything.body["items"]) oldest.push_back(app["id"]);
  std::vector<std::string> newest;
  std::string cursor;
  for (int guard = 0; guard < 100; ++guard) {
    Response page = zentra.Get("/api/v1/applications?order=newest&limit=2" +
                               (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.raw;
    for (const json& app : page.body["items"]) newest.push_back(app["id"]);
    if (page.body["next_cursor"].is_null()) break;
    cursor = page.body["next_cursor"];
  }
  ASSERT_GE(oldest.size(), 2u);
  EXPECT_EQ(newest, std::vector<std::string>(oldest.rbegin(), oldest.rend()));
}

TEST_F(ApplicationsE2E, RightHoldersNeverSeeEachOthersApplications) {
  Client zentra = As("legal@zentra.demo");
  Client lumio = As("legal@lumio.demo");
  std::string id = CreateExample(zentra);
  Response by_id = lumio.Get("/api/v1/applications/" + id);
  EXPECT_EQ(by_id.status, 404) << by_id.raw;
  EXPECT_FALSE(ListContains(lumio, id));
  EXPECT_TRUE(ListContains(zentra, id));
  // Nor act on them.
  EXPECT_EQ(lumio.Post("/api/v1/applications/" + id + "/submit").status, 404);
  EXPECT_EQ(lumio.Put("/api/v1/applications/" + id, ExampleApplication()).status, 404);
  // Everything Lumio lists is Lumio's.
  Response mine = lumio.Get("/api/v1/applications?limit=1000");
  ASSERT_EQ(mine.status, 200);
  ASSERT_FALSE(mine.body["items"].empty());
  for (const json& item : mine.body["items"]) {
    EXPECT_EQ(item["holder"]["name"], "Lumio Electronics Ltd") << item.dump();
  }
}

TEST_F(ApplicationsE2E, AdministrationsSeeOnlyWhatIsFiledWithThem) {
  Client zentra = As("legal@zentra.demo");
  Client officer_de = As("officer@customs-de.demo");
  Client officer_cn = As("officer@customs-cn.demo");
  Client officer_nl = As("officer@customs-nl.demo");
  std::string id = CreateExample(zentra);
  ASSERT_EQ(zentra.Post("/api/v1/applications/" + id + "/submit").status, 200);

  EXPECT_EQ(officer_de.Get("/api/v1/applications/" + id).status, 200);
  EXPECT_TRUE(ListContains(officer_de, id));
  Response cn_read = officer_cn.Get("/api/v1/applications/" + id);
  EXPECT_EQ(cn_read.status, 404);
  EXPECT_FALSE(ListContains(officer_cn, id));
  EXPECT_FALSE(ListContains(officer_cn, id, "&status=submitted"));
  EXPECT_EQ(officer_cn
                .Post("/api/v1/applications/" + id + "/decision",
                      {{"decision", "reject"}, {"reason", "not ours"}})
                .status,
            404);
  EXPECT_EQ(officer_nl.Get("/api/v1/applications/" + id).status, 404);

  // Guessing: an id that exists elsewhere and one that exists nowhere look the same.
  Response missing = officer_cn.Get("/api/v1/applications/app_00000000000000000000");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.body["title"], cn_read.body["title"]);
  EXPECT_EQ(missing.body["type"], cn_read.body["type"]);

  // Everything CN lists is filed with CN.
  Response cn_me = officer_cn.Get("/api/v1/me");
  Response cn_list = officer_cn.Get("/api/v1/applications?limit=1000");
  ASSERT_EQ(cn_list.status, 200);
  ASSERT_FALSE(cn_list.body["items"].empty());
  for (const json& item : cn_list.body["items"]) {
    EXPECT_EQ(item["filed_with"], cn_me.body["organisation"]["id"]) << item.dump();
  }

  // Agencies and the secretariat see no applications.
  Client police = As("reader@police-de.demo");
  EXPECT_EQ(police.Get("/api/v1/applications/" + id).status, 404);
  Response police_list = police.Get("/api/v1/applications");
  ASSERT_EQ(police_list.status, 200);
  EXPECT_TRUE(police_list.body["items"].empty());
  EXPECT_EQ(police.Post("/api/v1/applications", ExampleApplication()).status, 403);
}

TEST_F(ApplicationsE2E, UnionApplicationsReachEveryMemberAdministration) {
  Client zentra = As("legal@zentra.demo");
  json body = ExampleApplication();
  body["kind"] = "union";
  body["member_states"] = json::array({"DE", "NL"});
  Response created = zentra.Post("/api/v1/applications", body);
  ASSERT_EQ(created.status, 201) << created.raw;
  std::string id = created.body["id"];
  // Drafts are the holder's alone.
  EXPECT_EQ(As("officer@customs-nl.demo").Get("/api/v1/applications/" + id).status, 404);
  ASSERT_EQ(zentra.Post("/api/v1/applications/" + id + "/submit").status, 200);
  EXPECT_EQ(As("officer@customs-nl.demo").Get("/api/v1/applications/" + id).status, 200);
  EXPECT_EQ(As("officer@customs-de.demo").Get("/api/v1/applications/" + id).status, 200);
  EXPECT_EQ(As("officer@customs-cn.demo").Get("/api/v1/applications/" + id).status, 404);
}

TEST_F(ApplicationsE2E, DemoDataCoversEveryState) {
  Client officer = As("officer@customs-de.demo");
  for (const char* status : {"draft", "submitted", "granted", "rejected", "suspended", "revoked",
                             "expired"}) {
    Response page = officer.Get(std::string("/api/v1/applications?limit=1000&status=") + status);
    ASSERT_EQ(page.status, 200) << page.raw;
    if (std::string(status) == "draft") {
      EXPECT_TRUE(page.body["items"].empty()) << "customs must not see drafts";
      continue;
    }
    EXPECT_FALSE(page.body["items"].empty()) << "no demo application in state " << status;
    for (const json& item : page.body["items"]) EXPECT_EQ(item["status"], status);
  }
  Client zentra = As("legal@zentra.demo");
  Response drafts = zentra.Get("/api/v1/applications?status=draft");
  ASSERT_EQ(drafts.status, 200);
  EXPECT_FALSE(drafts.body["items"].empty());
}

TEST_F(ApplicationsE2E, PaginationWalksEveryItemOnce) {
  Client officer = As("officer@customs-de.demo");
  std::vector<std::string> seen;
  std::string cursor;
  int pages = 0;
  do {
    Response page = officer.Get("/api/v1/applications?limit=7" +
                                (cursor.empty() ? "" : "&cursor=" + cursor));
    ASSERT_EQ(page.status, 200) << page.raw;
    ASSERT_LE(page.body["items"].size(), 7u);
    for (const json& item : page.body["items"]) seen.push_back(item["id"]);
    cursor = page.body["next_cursor"].is_string() ? page.body["next_cursor"].get<std::string>()
                                                  : "";
    ++pages;
  } while (!cursor.empty() && pages < 100);
  std::vector<std::string> sorted = seen;
  std::sort(sorted.begin(), sorted.end());
  EXPECT_EQ(std::unique(sorted.begin(), sorted.end()), sorted.end()) << "duplicates across pages";
  Response all = officer.Get("/api/v1/applications?limit=1000");
  EXPECT_EQ(seen.size(), all.body["items"].size());
  EXPECT_GT(pages, 2);
  EXPECT_EQ(officer.Get("/api/v1/applications?cursor=!!garbage!!").status, 422);
}

}  // namespace
}  // namespace cordon::e2e
