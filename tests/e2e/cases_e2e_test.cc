// Detention cases end to end through the real binary over HTTP: every path of
// the procedure (destroyed with agreement, deemed agreement, opposition then
// court, release after no answer, small consignments), 409s naming state and
// action, fields named in problems, who sees what, evidence, the queue, and
// the clock acting at server start-up. On each path the holder's notices
// reach its webhook, a real receiver on 127.0.0.1 that refuses the first
// attempt of every delivery.
//
// The server runs on a fixed day (hidden --clock-start) so deadlines are known:
// Monday 2 March 2026 on the DE calendar gives response_due 16 March. The
// clock-driven paths restart the server on the same database "on" 17 March;
// its start-up sweep moves the due cases before it listens.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <csignal>
#include <memory>
#include <set>
#include <thread>

#include "e2e/harness.h"
#include "e2e/webhook_receiver.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

constexpr char kMonday[] = "2026-03-02T09:00:00Z";
constexpr char kDayAfterResponseDue[] = "2026-03-17T08:00:00Z";

class CasesE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("cordon-cases-e2e");
    Start(kMonday);
    officer_ = As("officer@customs-de.demo");
    zentra_ = As("legal@zentra.demo");
    Response hook = zentra_->Post("/api/v1/webhooks", {{"url", hooks_.Url()}});
    ASSERT_EQ(hook.status, 201) << hook.raw;
    application_id_ = GrantedApplication();
  }

  void Start(const std::string& clock_start) {
    server_.reset();  // stops the previous one (SIGTERM), keeping the database
    server_ = std::make_unique<Server>(dir_->path() / "cases.db",
                                       std::vector<std::string>{"--demo", "--clock-start", clock_start,
                                                                "--delivery-retry-base-ms", "50",
                                                                "--delivery-retry-cap-ms", "200"},
                                       dir_->path());
  }

  Client As(const std::string& email) {
    Client client(server_->port());
    client.Login(email);
    return client;
  }

  // Zentra files the example with Customs DE, which grants it.
  std::string GrantedApplication() {
    json body = ExampleApplication();
    body["filed_with"] = "DE";
    Response created = zentra_->Post("/api/v1/applications", body);
    EXPECT_EQ(created.status, 201) << created.raw;
    std::string id = created.body.value("id", "");
    EXPECT_EQ(zentra_->Post("/api/v1/applications/" + id + "/submit").status, 200);
    Response granted = officer_->Post("/api/v1/applications/" + id + "/decision",
                                      {{"decision", "grant"}, {"valid_until", "2027-03-01"}});
    EXPECT_EQ(granted.status, 200) << granted.raw;
    return id;
  }

  json CaseBody(bool small_consignment = false) {
    return {{"office", "DEHAM"},
            {"procedure", "application"},
            {"application_id", application_id_},
            {"declaration_id", "26DE000000000042"},
            {"small_consignment", small_consignment},
            {"declarant", {{"name", "Hafen Zoll Service GmbH"}, {"address", "Kai 1, Hamburg"}, {"country", "DE"}}},
            {"holder_of_goods", {{"name", "Nordhandel GmbH"}, {"address", "Weg 2, Bremen"}, {"country", "DE"}}},
            {"goods",
             {{{"description", "sports shoes bearing the ZENTRA mark"}, {"hs", "640411"},
               {"quantity", 1200}, {"unit", "pairs"}, {"product_category", "shoes"},
               {"ipr_type", "trademark"}, {"mark", "ZENTRA"}, {"estimated_value_eur", 54000}}}}};
  }

  std::string OpenCase(const json& body) {
    Response opened = officer_->Post("/api/v1/cases", body);
    EXPECT_EQ(opened.status, 201) << opened.raw;
    EXPECT_FALSE(opened.Header("Location").empty());
    return opened.body.value("id", "");
  }

  Response Act(Client& client, const std::string& id, const json& body) {
    return client.Post("/api/v1/cases/" + id + "/actions", body);
  }

  json Get(Client& client, const std::string& id) {
    Response read = client.Get("/api/v1/cases/" + id);
    EXPECT_EQ(read.status, 200) << read.raw;
    return read.body;
  }

  // "suspension" for a "case.suspension_notice" to `role`.
  static std::vector<std::string> NoticeKinds(const json& view, const std::string& role) {
    std::vector<std::string> kinds;
    for (const json& notice : view["notices"]) {
      if (notice["recipient_role"] != role) continue;
      std::string kind = notice["kind"];
      kinds.push_back(kind.substr(5, kind.size() - 5 - std::string("_notice").size()));
    }
    return kinds;
  }

  // Waits until every notice of case `id` addressed to the holder reached
  // its webhook (each after one refused attempt), and returns their kinds
  // as the webhook received them, in order.
  std::vector<std::string> KindsDeliveredToHolderWebhook(const std::string& id) {
    json notices;
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (std::chrono::steady_clock::now() < deadline) {
      notices = Get(*zentra_, id)["notices"];
      bool all = true;
      for (const json& notice : notices) {
        bool delivered = false;
        for (const json& delivery : notice["deliveries"]) {
          delivered |= delivery["channel"] == "webhook" && delivery["status"] == "delivered";
        }
        all &= delivered;
      }
      if (all) break;
      std::this_thread::sleep_for(std::chrono::milliseconds(20));
    }
    std::vector<std::string> kinds;
    std::vector<httplib::Request> requests = hooks_.Requests();
    for (const json& notice : notices) {
      for (const json& delivery : notice["deliveries"]) {
        if (delivery["channel"] != "webhook") continue;
        EXPECT_EQ(delivery["status"], "delivered") << notice.dump(2);
        std::vector<httplib::Request> attempts = AttemptsOf(requests, delivery["id"]);
        EXPECT_EQ(attempts.size(), 2u) << "one refused, one acknowledged: " << notice.dump(2);
        if (attempts.empty()) continue;
        json payload = json::parse(attempts.back().body);
        EXPECT_EQ(payload["data"]["object"]["id"], id);
        std::string kind = payload["data"]["kind"];
        kinds.push_back(kind.substr(5, kind.size() - 5 - std::string("_notice").size()));
      }
    }
    return kinds;
  }

  WebhookReceiver hooks_{/*failures=*/1};
  std::unique_ptr<TempDir> dir_;
  std::unique_ptr<Server> server_;
  std::optional<Client> officer_;
  std::optional<Client> zentra_;
  std::string application_id_;
};

TEST_F(CasesE2E, DestroyedWithAgreement) {
  Response opened = officer_->Post("/api/v1/cases", CaseBody());
  ASSERT_EQ(opened.status, 201) << opened.raw;
  EXPECT_EQ(opened.body["state"], "notified");
  EXPECT_EQ(opened.body["deadlines"]["response_due"], "2026-03-16");
  std::string id = opened.body["id"];

  Response confirmed = Act(*zentra_, id, {{"action", "confirm_infringement"}});
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  EXPECT_EQ(confirmed.body["state"], "holder_confirmed");
  Response agreed = Act(*officer_, id, {{"action", "agree"}, {"party", "declarant"}});
  ASSERT_EQ(agreed.status, 200) << agreed.raw;
  EXPECT_EQ(agreed.body["state"], "destruction_agreed");
  Response destroyed = Act(*officer_, id,
                           {{"action", "destroy"}, {"date", "2026-03-02"},
                            {"place", "Hamburg incineration plant"}, {"method", "incineration"},
                            {"environmental_handling", "energy recovery"},
                            {"witness", "J. Weber"}, {"quantity", 1200}, {"cost_eur", 400}});
  ASSERT_EQ(destroyed.status, 200) << destroyed.raw;
  EXPECT_EQ(destroyed.body["state"], "destroyed");
  json holder_view = Get(*zentra_, id);
  EXPECT_EQ(holder_view["state"], "destroyed");
  EXPECT_EQ(holder_view["costs"]["total_eur"], 400.0);
  EXPECT_EQ(NoticeKinds(holder_view, "right_holder"),
            (std::vector<std::string>{"suspension", "destruction"}));
  EXPECT_EQ(KindsDeliveredToHolderWebhook(id),
            (std::vector<std::string>{"suspension", "destruction"}));
}

TEST_F(CasesE2E, OppositionThenCourt) {
  std::string id = OpenCase(CaseBody());
  Response opposed = Act(*officer_, id, {{"action", "oppose"}, {"party", "declarant"}});
  ASSERT_EQ(opposed.status, 200) << opposed.raw;
  EXPECT_EQ(opposed.body["state"], "declarant_opposed");
  Response missing = Act(*zentra_, id, {{"action", "start_proceedings"}});
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(ErrorFields(missing.body), std::vector<std::string>{"reference"});
  Response court = Act(*zentra_, id, {{"action", "start_proceedings"}, {"reference", "LG Hamburg 312 O 1/26"}});
  ASSERT_EQ(court.status, 200) << court.raw;
  EXPECT_EQ(court.body["state"], "court_proceedings");
  Response handed = Act(*officer_, id, {{"action", "hand_over"}, {"authority", "Landgericht Hamburg"}});
  ASSERT_EQ(handed.status, 200) << handed.raw;
  EXPECT_EQ(handed.body["state"], "handed_over");
  EXPECT_EQ(KindsDeliveredToHolderWebhook(id),
            (std::vector<std::string>{"suspension", "opposition", "handover"}));
}

TEST_F(CasesE2E, InvalidTransitionIs409NamingStateAndAction) {
  std::string id = OpenCase(CaseBody());
  Response destroy = Act(*officer_, id, {{"action", "destroy"}, {"date", "2026-03-02"}});
  EXPECT_EQ(destroy.status, 409) << destroy.raw;
  std::string detail = destroy.body.value("detail", "");
  EXPECT_NE(detail.find("\"destroy\""), std::string::npos) << detail;
  EXPECT_NE(detail.find("\"notified\""), std::string::npos) << detail;
  Response extended = officer_->Post("/api/v1/cases/" + id + "/extension", {{"reason", "holder asked on 2 March"}});
  ASSERT_EQ(extended.status, 200) << extended.raw;
  EXPECT_EQ(extended.body["deadlines"]["response_due"], "2026-03-30");
  Response again = officer_->Post("/api/v1/cases/" + id + "/extension", {{"reason", "again"}});
  EXPECT_EQ(again.status, 409) << again.raw;
}

TEST_F(CasesE2E, BadFieldsAreNamed) {
  json body = CaseBody();
  body["goods"][0]["hs"] = "64";
  body["goods"][0]["product_category"] = "footwear";
  body["declarant"].erase("address");
  body["declarant"]["email"] = "two@a.example, three@b.example";
  body["notified_on"] = "2026-13-01";
  body["procedure"] = "by_chance";
  Response refused = officer_->Post("/api/v1/cases", body);
  ASSERT_EQ(refused.status, 422) << refused.raw;
  std::vector<std::string> fields = ErrorFields(refused.body);
  for (const char* field : {"goods[0].hs", "goods[0].product_category", "declarant.address",
                            "declarant.email", "notified_on", "procedure"}) {
    EXPECT_NE(std::find(fields.begin(), fields.end(), field), fields.end()) << field << refused.raw;
  }
  Response by_holder = zentra_->Post("/api/v1/cases", CaseBody());
  EXPECT_EQ(by_holder.status, 403);
}

TEST_F(CasesE2E, RightHolderSeesItsCasesOtherHoldersGet404) {
  std::string id = OpenCase(CaseBody());
  json seen = Get(*zentra_, id);
  EXPECT_EQ(seen["declarant"]["name"], "Hafen Zoll Service GmbH");
  Client lumio = As("legal@lumio.demo");
  EXPECT_EQ(lumio.Get("/api/v1/cases/" + id).status, 404);
  EXPECT_EQ(Act(lumio, id, {{"action", "confirm_infringement"}}).status, 404);
  Response listed = lumio.Get("/api/v1/cases?limit=1000");
  ASSERT_EQ(listed.status, 200);
  for (const json& item : listed.body["items"]) EXPECT_NE(item["id"], id);
  Client nl = As("officer@customs-nl.demo");
  EXPECT_EQ(nl.Get("/api/v1/cases/" + id).status, 404);
  // The holder may not act for the declarant.
  EXPECT_EQ(Act(*zentra_, id, {{"action", "agree"}, {"party", "declarant"}}).status, 403);
}

TEST_F(CasesE2E, EvidenceByContentHashAndQueueByDeadline) {
  std::string id = OpenCase(CaseBody());
  std::string png = std::string("\x89PNG\r\n\x1A\n", 8) + std::string(64, 'x');
  Response added = officer_->PostRaw("/api/v1/cases/" + id + "/evidence?filename=shoe.png", png, "image/png");
  ASSERT_EQ(added.status, 201) << added.raw;
  EXPECT_EQ(added.body["size"], 72);
  Response bytes = zentra_->Get("/api/v1/cases/" + id + "/evidence/" + added.body["id"].get<std::string>());
  ASSERT_EQ(bytes.status, 200);
  EXPECT_EQ(bytes.raw, png);
  EXPECT_EQ(bytes.Header("Content-Type"), "image/png");
  Response html = officer_->PostRaw("/api/v1/cases/" + id + "/evidence", "<html></html>", "text/html");
  EXPECT_EQ(html.status, 422);
  EXPECT_EQ(ErrorFields(html.body), std::vector<std::string>{"content_type"});

  json perishable = CaseBody();
  perishable["perishable"] = true;
  std::string soon = OpenCase(perishable);  // response_due 5 March
  Response queue = officer_->Get("/api/v1/cases/queue?limit=1000");
  ASSERT_EQ(queue.status, 200) << queue.raw;
  std::vector<std::string> dues;
  for (const json& item : queue.body["items"]) {
    if (item["next_deadline"].is_object()) dues.push_back(item["next_deadline"]["due"]);
  }
  EXPECT_TRUE(std::is_sorted(dues.begin(), dues.end()));
  ASSERT_FALSE(queue.body["items"].empty());
  EXPECT_EQ(queue.body["items"][0]["id"], soon);
}

TEST_F(CasesE2E, ClockMakesDeemedAgreementAndReleasesAtStartUp) {
  std::string confirmed = OpenCase(CaseBody());
  ASSERT_EQ(Act(*zentra_, confirmed, {{"action", "confirm_infringement"}}).status, 200);
  std::string silent = OpenCase(CaseBody());
  std::string small = OpenCase(CaseBody(/*small_consignment=*/true));
  json small_view = Get(*officer_, small);
  EXPECT_EQ(NoticeKinds(small_view, "right_holder"), std::vector<std::string>{});
  std::string small_opposed = OpenCase(CaseBody(true));
  ASSERT_EQ(Act(*officer_, small_opposed, {{"action", "oppose"}, {"party", "declarant"}}).status, 200);

  // The same database, two weeks later: the start-up sweep acts.
  Start(kDayAfterResponseDue);
  officer_ = As("officer@customs-de.demo");
  zentra_ = As("legal@zentra.demo");
  json deemed = Get(*officer_, confirmed);
  EXPECT_EQ(deemed["state"], "deemed_agreement");
  EXPECT_EQ(deemed["history"].back()["party"], "clock");
  json released = Get(*officer_, silent);
  EXPECT_EQ(released["state"], "released");
  EXPECT_EQ(released["release"]["by"], "clock");
  EXPECT_EQ(NoticeKinds(Get(*zentra_, silent), "right_holder"),
            (std::vector<std::string>{"suspension", "release"}));
  EXPECT_EQ(Get(*officer_, small)["state"], "deemed_agreement");  // Art. 26(6)
  // proceedings_due runs to 16 March from the opposition on 2 March.
  EXPECT_EQ(Get(*officer_, small_opposed)["state"], "released");
  // After deemed agreement customs destroy.
  Response destroyed = Act(*officer_, confirmed,
                           {{"action", "destroy"}, {"date", "2026-03-17"}, {"place", "Hamburg"},
                            {"method", "shredding"}, {"environmental_handling", "recycled"},
                            {"witness", "J. Weber"}, {"quantity", 1200}});
  ASSERT_EQ(destroyed.status, 200) << destroyed.raw;
  EXPECT_EQ(destroyed.body["state"], "destroyed");

  // Every one of these notices reached the holder's webhook, those given by
  // the clock included.
  EXPECT_EQ(KindsDeliveredToHolderWebhook(confirmed),
            (std::vector<std::string>{"suspension", "deemed_agreement", "destruction"}));
  EXPECT_EQ(KindsDeliveredToHolderWebhook(silent),
            (std::vector<std::string>{"suspension", "release"}));
  EXPECT_EQ(KindsDeliveredToHolderWebhook(small), (std::vector<std::string>{"deemed_agreement"}));
  EXPECT_EQ(KindsDeliveredToHolderWebhook(small_opposed),
            (std::vector<std::string>{"opposition", "release"}));
}

}  // namespace
}  // namespace cordon::e2e
