// Exchange between three real nodes (issue 7): separate `cordon serve`
// processes and databases for DE, CN and FR on 127.0.0.1. Each node's keys
// come from `cordon keys init`; partners are registered by each admin with
// the JWK Set the other node serves (trust set out of band: the test is the
// out-of-band channel). Shows: a referral DE -> CN and its parties
// watchlisted at CN, feedback CN -> DE, an alert to a group, a joint profile
// accepted at CN that then hits in CN's screening, statistics CN -> DE, the
// receiver killed with messages in flight and every message delivered exactly
// once after its restart, rejections over HTTP, and the CLI (`exchange
// envelope|open`) checked with the `jose` tool.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <chrono>
#include <csignal>
#include <fstream>
#include <set>
#include <sstream>
#include <string>
#include <thread>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::steady_clock;

constexpr const char* kPassword = "exchange-test-password";

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::string Lower(std::string text) {
  for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return text;
}

struct NodeSetup {
  std::string node_id;
  std::string country;
  std::filesystem::path db;
  std::unique_ptr<Server> server;
  std::string Inbox() const {
    return "http://127.0.0.1:" + std::to_string(server->port()) + "/api/v1/exchange/inbox";
  }
  Client As(const std::string& role) const {
    Client client(server->port());
    client.Login(role + "@" + Lower(node_id) + ".test", kPassword);
    return client;
  }
};

class ExchangeE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    de_ = Prepare("DE-ZOLL", "DE");
    cn_ = Prepare("CN-GACC", "CN");
    fr_ = Prepare("FR-DGDDI", "FR");
    for (NodeSetup* node : {&de_, &cn_, &fr_}) Start(*node, "127.0.0.1:0");
    const std::vector<std::string> all = {"referral", "feedback", "alert", "joint_profile",
                                          "statistics"};
    Register(de_, cn_, all, all);
    Register(cn_, de_, all, all);
    Register(de_, fr_, {"alert"}, {"alert"});
    Register(fr_, de_, {"alert"}, {"alert"});
  }

  NodeSetup Prepare(const std::string& node_id, const std::string& country) {
    NodeSetup node;
    node.node_id = node_id;
    node.country = country;
    node.db = dir_.path() / (node_id + ".db");
    const std::string db = node.db.string();
    CommandResult org = RunCordon({"orgs", "add", "--db", db, "--name", "Customs " + country,
                                   "--kind", "customs", "--country", country, "--jurisdiction",
                                   country == "CN" ? "CN" : "EU", "--office", country + "HAM"},
                                  dir_.path());
    EXPECT_EQ(org.exit_code, 0) << org.err;
    for (const char* role : {"admin", "ipr_officer", "risk_analyst"}) {
      CommandResult user = RunCordon(
          {"users", "add", "--db", db, "--org", "Customs " + country, "--email",
           std::string(role) + "@" + Lower(node_id) + ".test", "--role", role, "--name",
           std::string(role) + " of " + node_id},
          dir_.path(), std::string(kPassword) + "\n");
      EXPECT_EQ(user.exit_code, 0) << user.err;
    }
    CommandResult keys = RunCordon({"keys", "init", "--db", db, "--node-id", node_id}, dir_.path());
    EXPECT_EQ(keys.exit_code, 0) << keys.err;
    return node;
  }

  void Start(NodeSetup& node, const std::string& listen) {
    node.server = std::make_unique<Server>(
        node.db,
        std::vector<std::string>{"--exchange-retry-base-ms", "100", "--exchange-retry-cap-ms",
                                 "400"},
        dir_.path(), listen);
  }

  // `at`'s admin registers `partner`, with the JWK Set `partner` serves.
  void Register(NodeSetup& at, NodeSetup& partner, const std::vector<std::string>& send,
                const std::vector<std::string>& receive) {
    Client anonymous(partner.server->port());
    Response jwks = anonymous.Get("/api/v1/exchange/jwks");
    ASSERT_EQ(jwks.status, 200) << jwks.raw;
    Client admin = at.As("admin");
    Response added = admin.Post("/api/v1/exchange/partners",
                                {{"id", partner.node_id},
                                 {"inbox", partner.Inbox()},
                                 {"jwks", jwks.body},
                                 {"legal_basis", "EU-CN CMAA (2009), Art. 4"},
                                 {"country", partner.country},
                                 {"allow_send", send},
                                 {"allow_receive", receive}});
    ASSERT_EQ(added.status, 201) << added.raw;
  }

  // Polls until `done` holds (deliveries run in the background).
  template <typename Done>
  bool WaitFor(Done done) {
    const auto deadline = steady_clock::now() + std::chrono::seconds(30);
    while (steady_clock::now() < deadline) {
      if (done()) return true;
      std::this_thread::sleep_for(milliseconds(50));
    }
    return done();
  }

  static json Messages(Client& client, const std::string& query) {
    Response listed = client.Get("/api/v1/exchange/messages?limit=1000" + query);
    EXPECT_EQ(listed.status, 200) << listed.raw;
    return listed.body["items"];
  }

  static json Referral() {
    return {{"case_reference", "cas_de_0042"},
            {"summary", "2,400 counterfeit ball bearings detained at Hamburg"},
            {"office", "DEHAM"},
            {"goods", {{{"description", "ball bearings bearing the mark KRONLAGER"},
                        {"hs", "848210"},
                        {"quantity", 2400},
                        {"unit", "pieces"}}}},
            {"route", {"CNNGB", "GRPIR", "DEHAM"}},
            {"containers", {"MSCU1234567"}},
            {"parties",
             {{{"role", "consignor"}, {"name", "Ningbo Precision Rolling Co"}, {"country", "CN"}},
              {{"role", "manufacturer"}, {"name", "Yuyao Bearing Works"}, {"country", "CN"}}}}};
  }

  TempDir dir_;
  NodeSetup de_, cn_, fr_;
};

TEST_F(ExchangeE2eTest, ReferralFeedbackAlertProfileAndStatisticsBetweenThreeNodes) {
  Client de_officer = de_.As("ipr_officer");
  Client cn_officer = cn_.As("ipr_officer");
  Client cn_analyst = cn_.As("risk_analyst");
  Client fr_officer = fr_.As("ipr_officer");

  // Referral DE -> CN.
  Response sent = de_officer.Post("/api/v1/exchange/messages",
                                  {{"type", "referral"}, {"to", "CN-GACC"}, {"payload", Referral()}});
  ASSERT_EQ(sent.status, 202) << sent.raw;
  const std::string referral_id = sent.body["items"][0]["message_id"];
  ASSERT_TRUE(WaitFor([&] {
    json out = Messages(de_officer, "&direction=out");
    return out.size() == 1 && out[0]["state"] == "delivered";
  }));
  json delivered = de_officer.Get("/api/v1/exchange/messages/" + referral_id).body;
  EXPECT_TRUE(delivered["receipt"].is_string());
  EXPECT_EQ(delivered["attempts"], 1);
  json cn_inbox = Messages(cn_officer, "&direction=in");
  ASSERT_EQ(cn_inbox.size(), 1u);
  EXPECT_EQ(cn_inbox[0]["from"], "DE-ZOLL");
  EXPECT_EQ(cn_inbox[0]["message_id"], referral_id);
  EXPECT_EQ(cn_inbox[0]["payload"], Referral());
  // One action puts the referral's parties on CN's watchlist.
  Response accepted =
      cn_officer.Post("/api/v1/exchange/messages/" + cn_inbox[0]["id"].get<std::string>() + "/accept");
  ASSERT_EQ(accepted.status, 200) << accepted.raw;
  EXPECT_EQ(accepted.body["result"]["watchlist_entries"].size(), 2u);
  Response watchlist = cn_analyst.Get("/api/v1/watchlist");
  ASSERT_EQ(watchlist.status, 200) << watchlist.raw;
  std::set<std::string> names;
  for (const json& entry : watchlist.body["items"]) names.insert(entry["name"]);
  EXPECT_EQ(names, (std::set<std::string>{"Ningbo Precision Rolling Co", "Yuyao Bearing Works"}));

  // Feedback CN -> DE, in reply to the referral.
  Response feedback = cn_officer.Post(
      "/api/v1/exchange/messages",
      {{"type", "feedback"},
       {"to", "DE-ZOLL"},
       {"in_reply_to", referral_id},
       {"payload",
        {{"referral", referral_id},
         {"actions", {{{"kind", "seizure"}, {"date", "2026-11-20"}, {"quantity", 18000}}}}}}});
  ASSERT_EQ(feedback.status, 202) << feedback.raw;
  ASSERT_TRUE(WaitFor([&] {
    json in = Messages(de_officer, "&direction=in&type=feedback");
    return in.size() == 1 && in[0]["in_reply_to"] == referral_id;
  }));

  // An alert to a closed user group: each member gets it once.
  Client de_admin = de_.As("admin");
  Response group = de_admin.Put("/api/v1/exchange/groups/op-kronlager",
                                {{"description", "Operation Kronlager"},
                                 {"members", {"CN-GACC", "FR-DGDDI"}}});
  ASSERT_EQ(group.status, 200) << group.raw;
  Response alert = de_officer.Post(
      "/api/v1/exchange/messages",
      {{"type", "alert"},
       {"group", "op-kronlager"},
       {"payload",
        {{"title", "Counterfeit bearings routed via Piraeus"},
         {"summary", "Bearings declared as generic machine parts, transhipped at GRPIR"},
         {"routes", {"CNNGB", "GRPIR"}},
         {"hs", {"8482"}},
         {"indicators", {"new consignee", "value under 1 EUR per piece"}}}}});
  ASSERT_EQ(alert.status, 202) << alert.raw;
  EXPECT_EQ(alert.body["items"].size(), 2u);
  ASSERT_TRUE(WaitFor([&] {
    return Messages(cn_officer, "&direction=in&type=alert").size() == 1 &&
           Messages(fr_officer, "&direction=in&type=alert").size() == 1;
  }));

  // A joint profile: reviewed and accepted by CN's analyst, then it hits in CN's screening.
  Client de_analyst = de_.As("risk_analyst");
  json profile = {{"name", "Bearings declared cheap from Ningbo"},
                  {"weight", 0.8},
                  {"rule",
                   {{"all",
                     {{{"field", "item.hs"}, {"op", "prefix"}, {"value", "8482"}},
                      {{"field", "consignor.country"}, {"op", "eq"}, {"value", "CN"}}}}}}};
  ASSERT_EQ(de_analyst
                .Post("/api/v1/exchange/messages",
                      {{"type", "joint_profile"},
                       {"to", "CN-GACC"},
                       {"payload", {{"profile", profile}, {"rationale", "three seizures"}}}})
                .status,
            202);
  json offered;
  ASSERT_TRUE(WaitFor([&] {
    json in = Messages(cn_analyst, "&direction=in&type=joint_profile");
    if (in.size() == 1) offered = in[0];
    return in.size() == 1;
  }));
  EXPECT_EQ(cn_analyst.Get("/api/v1/profiles").body["items"].size(), 0u);  // not before review
  Response joined =
      cn_analyst.Post("/api/v1/exchange/messages/" + offered["id"].get<std::string>() + "/accept");
  ASSERT_EQ(joined.status, 200) << joined.raw;
  const std::string profile_id = joined.body["result"]["profile_id"];
  json declaration = {
      {"id", "CN-EXP-1"},
      {"type", "export"},
      {"office", "CNHAM"},
      {"transport_mode", "sea"},
      {"origin", "CN"},
      {"consignor", {{"name", "Some Exporter"}, {"country", "CN"}}},
      {"consignee", {{"name", "Piraeus Trading"}, {"country", "GR"}}},
      {"items", {{{"hs", "848210"}, {"description", "bearings"}, {"quantity", 1000},
                  {"gross_kg", 300}, {"value", 500}, {"currency", "USD"}}}}};
  Response screened = cn_analyst.Post("/api/v1/screenings",
                                      {{"declarations", json::array({declaration})}});
  ASSERT_EQ(screened.status, 200) << screened.raw;
  bool profile_hit = false;
  for (const json& hit : screened.body["results"][0]["hits"]) {
    if (hit["kind"] == "profile" && hit.value("profile", "") == profile_id) profile_hit = true;
  }
  EXPECT_TRUE(profile_hit) << screened.body.dump();

  // Statistics CN -> DE: CN's quarterly exchange document, exported by CN's
  // node from its seizure records, joins DE's joint view beside DE's own.
  auto import_seizures = [&](const NodeSetup& node, const std::string& rows) {
    const std::filesystem::path csv = dir_.path() / (node.node_id + "-seizures.csv");
    std::ofstream(csv) << "case_id,detained_on,office,reporting_country,procedure,transport_mode,"
                          "origin,dispatch,destination,product_category,ipr_type,articles,"
                          "estimated_value_eur,small_consignment,e_commerce,outcome\n"
                       << rows;
    CommandResult imported = RunCordon({"stats", "import", csv.string(), "--db", node.db.string(),
                                        "--org", "Customs " + node.country},
                                       dir_.path());
    EXPECT_EQ(imported.exit_code, 0) << imported.err;
  };
  std::string cn_rows;
  for (int index = 0; index < 3; ++index) {  // 3 cases CN -> DE, 1 CN -> FR (suppressed)
    cn_rows += "CN-" + std::to_string(index) + ",2026-08-1" + std::to_string(index) +
               ",CNNGB,CN,ex_officio,sea,CN,CN,DE,other,trademark,2000,5000,false,false,"
               "destroyed\n";
  }
  cn_rows += "CN-9,2026-09-01,CNNGB,CN,ex_officio,sea,CN,CN,FR,other,trademark,5,5,false,false,"
             "destroyed\n";
  for (int index = 0; index < 3; ++index) {  // 3 small ones CN -> IT: withheld with FR's
    cn_rows += "CN-IT-" + std::to_string(index) + ",2026-09-0" + std::to_string(index + 2) +
               ",CNNGB,CN,ex_officio,sea,CN,CN,IT,other,trademark,5,5,false,false,destroyed\n";
  }
  import_seizures(cn_, cn_rows);
  import_seizures(de_, "DE-1,2026-08-20,DEHAM,DE,application,sea,CN,CN,DE,other,trademark,400,"
                       "1200,false,false,destroyed\n");
  Response exported = cn_analyst.Get("/api/v1/stats/exchange/2026Q3");
  ASSERT_EQ(exported.status, 200) << exported.raw;
  EXPECT_EQ(exported.body["reporting_country"], "CN");
  EXPECT_EQ(exported.body["suppression"]["min_cases"], 3);
  ASSERT_EQ(cn_analyst
                .Post("/api/v1/exchange/messages",
                      {{"type", "statistics"},
                       {"to", "DE-ZOLL"},
                       {"payload", {{"period", "2026Q3"}, {"file", exported.body}}}})
                .status,
            202);
  ASSERT_TRUE(WaitFor([&] { return Messages(de_analyst, "&direction=in&type=statistics").size() == 1; }));
  json stats = Messages(de_analyst, "&direction=in&type=statistics")[0];
  EXPECT_EQ(stats["payload"]["file"], exported.body);
  const std::string joint_path = "/api/v1/stats/joint?by=route&from_quarter=2026Q3&to_quarter=2026Q3";
  Response before = de_analyst.Get(joint_path);
  ASSERT_EQ(before.status, 200) << before.raw;
  EXPECT_EQ(before.body["rows"][0]["partners"], json::object());  // not before it is accepted
  Response stats_accepted =
      de_analyst.Post("/api/v1/exchange/messages/" + stats["id"].get<std::string>() + "/accept");
  ASSERT_EQ(stats_accepted.status, 200) << stats_accepted.raw;
  EXPECT_EQ(stats_accepted.body["result"]["period"], "2026Q3");
  EXPECT_EQ(stats_accepted.body["result"]["partner_statistics"]["changed"], true);
  Response joint = de_analyst.Get(joint_path);
  ASSERT_EQ(joint.status, 200) << joint.raw;
  EXPECT_EQ(joint.body["rows"], json::parse(R"([
      {"quarter":"2026Q3","origin":"CN","destination":"DE",
       "own":{"cases":1,"articles":400,"value":1200.0},
       "partners":{"CN":{"cases":3,"articles":6000,"value":15000.0}}}])"));
}

TEST_F(ExchangeE2eTest, ReferringACaseQueuesTheReferralWithTheCaseEvent) {
  Client de_officer = de_.As("ipr_officer");
  json case_body = {
      {"office", "DEHAM"},
      {"procedure", "ex_officio"},
      {"declaration_id", "26DE000000000077"},
      {"declarant", {{"name", "Hafen Zoll Service GmbH"}, {"address", "Kai 1, Hamburg"}, {"country", "DE"}}},
      {"holder_of_goods", {{"name", "Nordhandel GmbH"}, {"address", "Weg 2, Bremen"}, {"country", "DE"}}},
      {"goods",
       {{{"description", "ball bearings bearing the KRONLAGER mark"}, {"hs", "848210"},
         {"quantity", 2400}, {"unit", "pieces"}, {"product_category", "other"},
         {"ipr_type", "trademark"}, {"mark", "KRONLAGER"}, {"estimated_value_eur", 9600}}}}};
  Response opened = de_officer.Post("/api/v1/cases", case_body);
  ASSERT_EQ(opened.status, 201) << opened.raw;
  const std::string case_id = opened.body["id"];
  Response bad = de_officer.Post("/api/v1/cases/" + case_id + "/referral",
                                 {{"to", "CN-GACC"}, {"containers", {"not-a-container"}}});
  ASSERT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(ErrorFields(bad.body), (std::vector<std::string>{"payload.containers[0]"}));
  EXPECT_EQ(de_officer.Post("/api/v1/cases/" + case_id + "/referral", {{"to", "FR-DGDDI"}}).status,
            403);  // FR gets alerts only
  Response referred = de_officer.Post(
      "/api/v1/cases/" + case_id + "/referral",
      {{"to", "CN-GACC"}, {"include_parties", true}, {"route", {"CNNGB", "DEHAM"}}});
  ASSERT_EQ(referred.status, 202) << referred.raw;
  EXPECT_EQ(referred.body["object"]["id"], case_id);
  Response history = de_officer.Get("/api/v1/cases/" + case_id);
  ASSERT_EQ(history.status, 200);
  EXPECT_NE(history.raw.find("case.referred"), std::string::npos) << history.raw;
  Client cn_officer = cn_.As("ipr_officer");
  ASSERT_TRUE(WaitFor([&] { return Messages(cn_officer, "&direction=in&type=referral").size() == 1; }));
  json payload = Messages(cn_officer, "&direction=in&type=referral")[0]["payload"];
  EXPECT_EQ(payload["case_reference"], case_id);
  EXPECT_EQ(payload["goods"][0]["hs"], "848210");
  EXPECT_EQ(payload["route"], json({"CNNGB", "DEHAM"}));
  ASSERT_EQ(payload["parties"].size(), 2u);
  EXPECT_EQ(payload["parties"][0]["name"], "Hafen Zoll Service GmbH");
}

TEST_F(ExchangeE2eTest, ReceiverKilledWithMessagesInFlightGetsEachExactlyOnce) {
  Client de_officer = de_.As("ipr_officer");
  const int port = cn_.server->port();
  cn_.server->Kill(SIGKILL);
  constexpr int kMessages = 12;
  for (int i = 0; i < kMessages; ++i) {
    json payload = {{"title", "alert " + std::to_string(i)}, {"summary", "in flight"}};
    ASSERT_EQ(de_officer
                  .Post("/api/v1/exchange/messages",
                        {{"type", "alert"}, {"to", "CN-GACC"}, {"payload", payload}})
                  .status,
              202);
    if (i == kMessages / 2) {
      // Half-way, CN comes back on its address, then dies again mid-stream.
      Start(cn_, "127.0.0.1:" + std::to_string(port));
      std::this_thread::sleep_for(milliseconds(150));
      cn_.server->Kill(SIGKILL);
    }
  }
  // Retries failed while CN was down.
  ASSERT_TRUE(WaitFor([&] {
    for (const json& message : Messages(de_officer, "&direction=out&state=pending")) {
      if (message["attempts"].get<int>() >= 1 && !message["last_error"].get<std::string>().empty())
        return true;
    }
    return false;
  }));
  Start(cn_, "127.0.0.1:" + std::to_string(port));
  ASSERT_TRUE(WaitFor([&] {
    json out = Messages(de_officer, "&direction=out");
    int delivered = 0;
    for (const json& message : out) delivered += message["state"] == "delivered";
    return delivered == kMessages;
  }));
  Client cn_officer = cn_.As("ipr_officer");
  json in = Messages(cn_officer, "&direction=in");
  ASSERT_EQ(in.size(), static_cast<size_t>(kMessages));
  std::set<std::string> titles;
  std::set<std::string> ids;
  for (const json& message : in) {
    titles.insert(message["payload"]["title"]);
    ids.insert(message["message_id"]);
  }
  EXPECT_EQ(titles.size(), static_cast<size_t>(kMessages));
  EXPECT_EQ(ids.size(), static_cast<size_t>(kMessages));
}

TEST_F(ExchangeE2eTest, InboxRefusesBadEnvelopesOverHttpAndTheAdminSeesWhy) {
  // Envelopes made with the CLI of each node: DE -> CN is fine; FR is
  // unknown at CN; DE -> FR is for another node.
  std::ofstream(dir_.path() / "alert.json") << R"({"title":"t","summary":"s"})";
  std::ofstream(dir_.path() / "referral.json") << Referral().dump();
  auto envelope = [&](const NodeSetup& from, const std::string& to, const std::string& type,
                      const std::string& file) {
    const std::string out = (dir_.path() / (from.node_id + "-" + to + "-" + type + ".jwe")).string();
    CommandResult made = RunCordon({"exchange", "envelope", "--db", from.db.string(), "--to", to,
                                    "--type", type, "--payload", (dir_.path() / file).string(),
                                    "--out", out},
                                   dir_.path());
    EXPECT_EQ(made.exit_code, 0) << made.err;
    return ReadText(out);
  };
  Client anonymous(cn_.server->port());
  const std::string good = envelope(de_, "CN-GACC", "alert", "alert.json");
  Response first = anonymous.PostRaw("/api/v1/exchange/inbox", good, "application/jose");
  ASSERT_EQ(first.status, 200) << first.raw;
  Response again = anonymous.PostRaw("/api/v1/exchange/inbox", good, "application/jose");
  ASSERT_EQ(again.status, 200);
  EXPECT_EQ(again.raw, first.raw);  // the same receipt, nothing new
  EXPECT_EQ(again.Header("Cordon-Duplicate"), "true");

  auto reason = [&](const std::string& body) {
    Response refused = anonymous.PostRaw("/api/v1/exchange/inbox", body, "application/jose");
    EXPECT_EQ(refused.status, 422) << refused.raw;
    return refused.body.value("reason", std::string());
  };
  EXPECT_EQ(reason(envelope(de_, "FR-DGDDI", "alert", "alert.json")), "decryption_failed");
  const size_t tag_dot = good.rfind('.');
  EXPECT_EQ(reason(good.substr(0, tag_dot - 8) + good.substr(tag_dot)), "decryption_failed");
  EXPECT_EQ(reason("not.a.jwe"), "malformed");
  // FR registers CN on its side, but CN does not know FR.
  Register(fr_, cn_, {"alert"}, {"alert"});
  EXPECT_EQ(reason(envelope(fr_, "CN-GACC", "alert", "alert.json")), "unknown_sender");
  // CN suspends DE.
  Client cn_admin = cn_.As("admin");
  ASSERT_EQ(cn_admin.Post("/api/v1/exchange/partners", json::object()).status, 422);
  httplib::Client patcher("127.0.0.1", cn_.server->port());
  httplib::Headers auth = {{"Authorization", "Bearer " + cn_admin.token()}};
  auto patched = patcher.Patch("/api/v1/exchange/partners/DE-ZOLL", auth,
                               R"({"status":"suspended"})", "application/json");
  ASSERT_TRUE(patched);
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(reason(envelope(de_, "CN-GACC", "alert", "alert.json")), "sender_inactive");
  patched = patcher.Patch("/api/v1/exchange/partners/DE-ZOLL", auth,
                          R"({"status":"active","allow_receive":["alert"]})", "application/json");
  ASSERT_EQ(patched->status, 200) << patched->body;
  EXPECT_EQ(reason(envelope(de_, "CN-GACC", "referral", "referral.json")), "type_not_allowed");

  Response log = cn_admin.Get("/api/v1/exchange/rejections");
  ASSERT_EQ(log.status, 200) << log.raw;
  std::multiset<std::string> reasons;
  for (const json& item : log.body["items"]) reasons.insert(item["reason"]);
  EXPECT_EQ(reasons, (std::multiset<std::string>{"decryption_failed", "decryption_failed",
                                                 "malformed", "unknown_sender",
                                                 "sender_inactive", "type_not_allowed"}));
  EXPECT_EQ(cn_.As("ipr_officer").Get("/api/v1/exchange/rejections").status, 403);
  // The rejections are in the CLI listing too.
  CommandResult listed =
      RunCordon({"exchange", "rejections", "--db", cn_.db.string(), "--json"}, dir_.path());
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_EQ(json::parse(listed.out).size(), 6u);
}

TEST_F(ExchangeE2eTest, CliEnvelopeOpensWithCordonAndTheJoseTool) {
  const std::string cn_db = cn_.db.string();
  const std::string de_db = de_.db.string();
  std::ofstream(dir_.path() / "alert.json") << R"({"title":"t","summary":"s"})";
  const std::string envelope_file = (dir_.path() / "alert.jwe").string();
  ASSERT_EQ(RunCordon({"exchange", "envelope", "--db", de_db, "--to", "CN-GACC", "--type", "alert",
                       "--payload", (dir_.path() / "alert.json").string(), "--out",
                       envelope_file},
                      dir_.path())
                .exit_code,
            0);
  CommandResult opened = RunCordon({"exchange", "open", "--db", cn_db, "--in", envelope_file},
                                   dir_.path());
  ASSERT_EQ(opened.exit_code, 0) << opened.err;
  json shown = json::parse(opened.out);
  EXPECT_EQ(shown["header"]["iss"], "DE-ZOLL");
  EXPECT_EQ(shown["header"]["typ"], "cordon.alert.v1");
  EXPECT_EQ(shown["payload"]["title"], "t");
  // Opened by the wrong node: refused, non-zero exit, the reason printed.
  CommandResult wrong = RunCordon({"exchange", "open", "--db", de_db, "--in", envelope_file},
                                  dir_.path());
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_EQ(json::parse(wrong.out)["rejected"], "decryption_failed");
  // The exported keys let the `jose` tool decrypt and verify it.
  const std::string private_file = (dir_.path() / "cn-private.jwks").string();
  ASSERT_EQ(RunCordon({"keys", "export-private", "--db", cn_db, "--out", private_file},
                      dir_.path())
                .exit_code,
            0);
  struct stat info {};
  ASSERT_EQ(::stat(private_file.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  CommandResult de_public = RunCordon({"keys", "export", "--db", de_db}, dir_.path());
  ASSERT_EQ(de_public.exit_code, 0);
  std::ofstream(dir_.path() / "de.jwks") << de_public.out;
  const std::string inner = (dir_.path() / "inner.jws").string();
  ASSERT_EQ(std::system(("jose jwe dec -i " + envelope_file + " -k " + private_file + " -O " +
                         inner)
                            .c_str()),
            0);
  const std::string verified = (dir_.path() / "verified.json").string();
  ASSERT_EQ(std::system(("jose jws ver -i " + inner + " -k " + (dir_.path() / "de.jwks").string() +
                         " -O " + verified + " 2>/dev/null")
                            .c_str()),
            0);
  EXPECT_EQ(json::parse(ReadText(verified))["title"], "t");
}

// A partner without Cordon: its keys and its envelope are made with the
// `jose` tool alone; CN's running inbox accepts the envelope, and the signed
// receipt CN answers opens with the same tool.
TEST_F(ExchangeE2eTest, PartnerUsingOnlyTheJoseToolIsAcceptedByTheInbox) {
  const std::filesystem::path dir = dir_.path();
  auto shell = [&](const std::string& command) { return std::system((command + " 2>&1").c_str()); };
  for (const char* use : {"sig", "enc"}) {
    ASSERT_EQ(shell("jose jwk gen -i '{\"kty\":\"EC\",\"crv\":\"P-256\"}' -o " +
                    (dir / (std::string("pl-") + use + ".jwk")).string()),
              0);
  }
  json public_set = {{"keys", json::array()}};
  for (const char* use : {"sig", "enc"}) {
    const std::filesystem::path file = dir / (std::string("pl-") + use + ".jwk");
    json key = json::parse(ReadText(file));
    key["kid"] = std::string("pl-") + use + "-1";
    key["use"] = use;
    key["alg"] = std::string(use) == "sig" ? "ES256" : "ECDH-ES+A256KW";
    std::ofstream(file) << key.dump();  // the private key, now with its kid
    key.erase("d");
    key.erase("key_ops");
    public_set["keys"].push_back(key);
  }
  Client cn_admin = cn_.As("admin");
  Response added = cn_admin.Post("/api/v1/exchange/partners",
                                 {{"id", "PL-KAS"},
                                  {"inbox", "http://127.0.0.1:9/inbox"},
                                  {"jwks", public_set},
                                  {"legal_basis", "EU customs cooperation"},
                                  {"allow_send", {"alert"}},
                                  {"allow_receive", {"alert"}}});
  ASSERT_EQ(added.status, 201) << added.raw;

  // The signed header (protected), then encryption for CN's current enc key.
  Response cn_jwks = Client(cn_.server->port()).Get("/api/v1/exchange/jwks");
  ASSERT_EQ(cn_jwks.status, 200);
  std::ofstream(dir / "cn.jwks") << cn_jwks.body.dump();
  for (const json& key : cn_jwks.body["keys"]) {
    if (key["use"] == "enc") std::ofstream(dir / "cn-enc.jwk") << key.dump();
  }
  const long long now = std::chrono::duration_cast<std::chrono::seconds>(
                            std::chrono::system_clock::now().time_since_epoch())
                            .count();
  const json signed_header = {{"protected",
                               {{"alg", "ES256"}, {"kid", "pl-sig-1"}, {"typ", "cordon.alert.v1"},
                                {"jti", "pl-0001"}, {"iss", "PL-KAS"}, {"aud", "CN-GACC"},
                                {"iat", now}, {"exp", now + 600}}}};
  const json encryption_header = {
      {"protected", {{"alg", "ECDH-ES+A256KW"}, {"enc", "A256GCM"}, {"cty", "JOSE"}}}};
  std::ofstream(dir / "pl-alert.json") << R"({"title":"Fake toys via Malaszewicze","summary":"rail"})";
  ASSERT_EQ(shell("jose jws sig -I " + (dir / "pl-alert.json").string() + " -k " +
                  (dir / "pl-sig.jwk").string() + " -s '" + signed_header.dump() + "' -c -o " +
                  (dir / "pl-inner.jws").string()),
            0);
  ASSERT_EQ(shell("jose jwe enc -I " + (dir / "pl-inner.jws").string() + " -k " +
                  (dir / "cn-enc.jwk").string() + " -i '" + encryption_header.dump() +
                  "' -c -o " + (dir / "pl-envelope.jwe").string()),
            0);

  Client anonymous(cn_.server->port());
  Response delivered = anonymous.PostRaw("/api/v1/exchange/inbox",
                                         ReadText(dir / "pl-envelope.jwe"), "application/jose");
  ASSERT_EQ(delivered.status, 200) << delivered.raw;
  json in = Messages(cn_admin, "&direction=in");
  ASSERT_EQ(in.size(), 1u);
  EXPECT_EQ(in[0]["from"], "PL-KAS");
  EXPECT_EQ(in[0]["message_id"], "pl-0001");
  EXPECT_EQ(in[0]["payload"]["title"], "Fake toys via Malaszewicze");

  // The receipt: decrypted with PL's key, verified with CN's published keys.
  std::ofstream(dir / "receipt.jwe") << delivered.raw;
  ASSERT_EQ(shell("jose jwe dec -i " + (dir / "receipt.jwe").string() + " -k " +
                  (dir / "pl-enc.jwk").string() + " -O " + (dir / "receipt.jws").string()),
            0);
  ASSERT_EQ(shell("jose jws ver -i " + (dir / "receipt.jws").string() + " -k " +
                  (dir / "cn.jwks").string() + " -O " + (dir / "receipt.json").string()),
            0);
  json receipt = json::parse(ReadText(dir / "receipt.json"));
  EXPECT_EQ(receipt["message_id"], "pl-0001");
  EXPECT_EQ(receipt["status"], "received");
}

}  // namespace
}  // namespace cordon::e2e
