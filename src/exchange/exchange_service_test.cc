// The exchange service over two real SQLite stores (two nodes): partners,
// sending, the inbox's checks and receipts, duplicates and replays, accepting
// messages, and the delivery worker against a transport that hands the
// envelope to the other node's inbox (or fails).
#include <gtest/gtest.h>

#include "exchange/exchange.h"
#include "stats/stats.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon::exchange {
namespace {

using nlohmann::json;
using test_support::TempDir;

const Timestamp kStart = *ParseTimestamp("2026-11-22T10:00:00.000Z");

struct Node {
  std::unique_ptr<Store> store;
  std::unique_ptr<ExchangeService> service;
  std::string org_id;
  Caller admin;
  Caller analyst;
  Caller officer;
};

class ExchangeServiceTest : public ::testing::Test {
 protected:
  ExchangeServiceTest() : clock_(kStart), rng_(7) {}

  void SetUp() override {
    de_ = MakeNode("DE-ZOLL", "DE");
    cn_ = MakeNode("CN-GACC", "CN");
    fr_ = MakeNode("FR-DGDDI", "FR");
  }

  Node MakeNode(const std::string& node_id, const std::string& country) {
    Node node;
    SqliteOptions options;
    options.path = dir_.File(node_id + ".db");
    node.store = std::move(OpenSqliteStore(options)).value();
    Organisation org;
    org.id = "org_" + country;
    org.name = "Customs " + country;
    org.kind = OrgKind::kCustoms;
    org.country = country;
    org.jurisdiction = "EU";
    org.created_at = kStart;
    EXPECT_TRUE(node.store->Write([&](WriteTx& tx) { return tx.InsertOrganisation(org); }).ok());
    node.org_id = org.id;
    NodeKeys keys = *InitNodeKeys(dir_.File(node_id + ".keys"), node_id, org.id, kStart);
    node.service = std::make_unique<ExchangeService>(*node.store, clock_, rng_, std::move(keys));
    for (auto [caller, role] : {std::pair{&node.admin, Role::kAdmin},
                                std::pair{&node.analyst, Role::kRiskAnalyst},
                                std::pair{&node.officer, Role::kIprOfficer}}) {
      caller->org_id = org.id;
      caller->org_kind = OrgKind::kCustoms;
      caller->role = role;
      caller->user_id = "usr_" + country + std::to_string(static_cast<int>(role));
    }
    return node;
  }

  // `at` registers `partner` with the given allowed types (both ways).
  void Register(Node& at, Node& partner, std::vector<std::string> allow_send,
                std::vector<std::string> allow_receive) {
    json body = {{"id", partner.service->keys().node_id},
                 {"inbox", "http://127.0.0.1:9/api/v1/exchange/inbox"},
                 {"jwks", partner.service->Jwks()},
                 {"legal_basis", "EU-CN CMAA (2009)"},
                 {"allow_send", allow_send},
                 {"allow_receive", allow_receive}};
    Result<ExchangePartnerRecord> added = at.service->AddPartner(at.admin, body);
    ASSERT_TRUE(added.ok()) << added.error().ToString();
  }

  void RegisterAll() {
    const std::vector<std::string> all = MessageTypes();
    Register(de_, cn_, all, all);
    Register(cn_, de_, all, all);
    Register(de_, fr_, {"alert"}, {"alert"});
    Register(fr_, de_, {"alert"}, {"alert"});
  }

  static json Alert() { return {{"title", "Fake bearings"}, {"summary", "Via Piraeus"}}; }
  static json Referral() {
    return {{"case_reference", "cas_1"},
            {"goods", {{{"description", "ball bearings"}, {"hs", "848210"}, {"quantity", 400}}}},
            {"parties",
             {{{"role", "consignor"}, {"name", "Shenzhen Rolling Co"}, {"country", "CN"}}}}};
  }

  std::string EnvelopeFor(Node& from, const std::string& to, const std::string& type,
                          const json& payload) {
    SendRequest request;
    request.type = type;
    request.to = to;
    request.payload = payload;
    Result<std::string> envelope = from.service->Envelope(request);
    EXPECT_TRUE(envelope.ok()) << envelope.error().ToString();
    return envelope.ok() ? *envelope : "";
  }

  std::string RejectionOf(const InboxOutcome& outcome) {
    EXPECT_FALSE(outcome.accepted);
    return outcome.rejected ? RejectionName(outcome.rejected->reason) : "accepted";
  }

  TempDir dir_;
  FakeClock clock_;
  SeededRng rng_;
  Node de_, cn_, fr_;
};

TEST_F(ExchangeServiceTest, PartnerRegistrationValidatesEveryField) {
  json body = {{"id", "x"},
               {"inbox", "ftp://nowhere"},
               {"jwks", {{"keys", json::array()}}},
               {"allow_send", {"referral", "gossip"}},
               {"country", "China"},
               {"status", "maybe"}};
  Result<ExchangePartnerRecord> added = de_.service->AddPartner(de_.admin, body);
  ASSERT_FALSE(added.ok());
  std::set<std::string> fields;
  for (const FieldError& error : added.error().fields()) fields.insert(error.field);
  EXPECT_EQ(fields, (std::set<std::string>{"id", "inbox", "jwks.keys", "allow_send[1]", "status",
                                           "legal_basis", "country"}));
  EXPECT_EQ(de_.service->AddPartner(de_.officer, body).error().code(), ErrorCode::kForbidden);
  RegisterAll();
  json again = {{"id", "CN-GACC"}, {"inbox", "http://127.0.0.1:1/x"}, {"jwks", cn_.service->Jwks()},
                {"legal_basis", "x"}};
  EXPECT_EQ(de_.service->AddPartner(de_.admin, again).error().code(), ErrorCode::kConflict);
}

TEST_F(ExchangeServiceTest, SendQueuesOneMessagePerRecipientWithValidatedPayload) {
  RegisterAll();
  ASSERT_TRUE(de_.service->PutGroup(de_.admin, "op-bearings",
                                    {{"members", {"CN-GACC", "FR-DGDDI"}}})
                  .ok());
  Result<std::vector<ExchangeMessageRecord>> queued = de_.service->Send(
      de_.analyst, {{"type", "alert"}, {"group", "op-bearings"}, {"payload", Alert()}});
  ASSERT_TRUE(queued.ok()) << queued.error().ToString();
  ASSERT_EQ(queued->size(), 2u);
  EXPECT_EQ((*queued)[0].partner, "CN-GACC");
  EXPECT_EQ((*queued)[1].partner, "FR-DGDDI");
  EXPECT_EQ((*queued)[0].state, "pending");
  // A bad payload names its fields; nothing is queued.
  json bad = Referral();
  bad["goods"][0]["hs"] = "84";
  bad["parties"][0].erase("name");
  Result<std::vector<ExchangeMessageRecord>> refused =
      de_.service->Send(de_.officer, {{"type", "referral"}, {"to", "CN-GACC"}, {"payload", bad}});
  ASSERT_FALSE(refused.ok());
  ASSERT_EQ(refused.error().fields().size(), 2u);
  EXPECT_EQ(refused.error().fields()[0].field, "payload.goods[0].hs");
  EXPECT_EQ(refused.error().fields()[1].field, "payload.parties[0].name");
  // FR may only get alerts.
  EXPECT_EQ(de_.service
                ->Send(de_.officer, {{"type", "referral"}, {"to", "FR-DGDDI"}, {"payload", Referral()}})
                .error()
                .code(),
            ErrorCode::kForbidden);
  ExchangeMessageFilter filter;
  EXPECT_EQ(de_.service->ListMessages(de_.admin, filter)->items.size(), 2u);
}

TEST_F(ExchangeServiceTest, InboxStoresOnceAndAnswersDuplicatesWithTheSameReceipt) {
  RegisterAll();
  const std::string envelope = EnvelopeFor(de_, "CN-GACC", "referral", Referral());
  InboxOutcome first = cn_.service->Receive(envelope);
  ASSERT_TRUE(first.accepted) << first.rejected->detail;
  EXPECT_FALSE(first.duplicate);
  InboxOutcome second = cn_.service->Receive(envelope);
  ASSERT_TRUE(second.accepted);
  EXPECT_TRUE(second.duplicate);
  EXPECT_EQ(second.receipt, first.receipt);
  EXPECT_EQ(second.message_local_id, first.message_local_id);
  ExchangeMessageFilter inbox;
  inbox.direction = "in";
  EXPECT_EQ(cn_.service->ListMessages(cn_.officer, inbox)->items.size(), 1u);
  // The receipt is CN's signature over the message id, readable by DE.
  OpenResult receipt = de_.service->Inspect(first.receipt);
  ASSERT_TRUE(receipt.rejected.has_value());  // DE does not accept receipts in its inbox...
  EXPECT_EQ(receipt.rejected->reason, Rejection::kTypeNotAllowed);  // ...but it verified them
}

TEST_F(ExchangeServiceTest, InboxRejectsEachCaseAndLogsTheReason) {
  RegisterAll();
  // Unknown sender: FR is not registered at CN.
  Register(fr_, cn_, {"alert"}, {"alert"});
  EXPECT_EQ(RejectionOf(cn_.service->Receive(EnvelopeFor(fr_, "CN-GACC", "alert", Alert()))),
            "unknown_sender");
  // Type not allowed: FR may send alerts only; DE lets FR send referrals, DE's side says no.
  ASSERT_TRUE(fr_.service->UpdatePartner(fr_.admin, "DE-ZOLL", {{"allow_send", {"alert", "referral"}}})
                  .ok());
  EXPECT_EQ(RejectionOf(de_.service->Receive(EnvelopeFor(fr_, "DE-ZOLL", "referral", Referral()))),
            "type_not_allowed");
  // Inactive sender.
  ASSERT_TRUE(cn_.service->UpdatePartner(cn_.admin, "DE-ZOLL", {{"status", "suspended"}}).ok());
  EXPECT_EQ(RejectionOf(cn_.service->Receive(EnvelopeFor(de_, "CN-GACC", "alert", Alert()))),
            "sender_inactive");
  ASSERT_TRUE(cn_.service->UpdatePartner(cn_.admin, "DE-ZOLL", {{"status", "active"}}).ok());
  // Expired: sealed now, delivered fifteen days later (validity is 14 days).
  const std::string late = EnvelopeFor(de_, "CN-GACC", "alert", Alert());
  clock_.Set(kStart + std::chrono::hours(24 * 15));
  EXPECT_EQ(RejectionOf(cn_.service->Receive(late)), "expired");
  clock_.Set(kStart);
  // Truncated and altered ciphertext.
  const std::string good = EnvelopeFor(de_, "CN-GACC", "alert", Alert());
  const size_t tag_dot = good.rfind('.');
  EXPECT_EQ(RejectionOf(cn_.service->Receive(good.substr(0, tag_dot - 8) + good.substr(tag_dot))),
            "decryption_failed");
  std::string altered = good;
  altered[tag_dot - 5] = altered[tag_dot - 5] == 'A' ? 'B' : 'A';
  EXPECT_EQ(RejectionOf(cn_.service->Receive(altered)), "decryption_failed");
  // Not for CN at all.
  EXPECT_EQ(RejectionOf(cn_.service->Receive(EnvelopeFor(de_, "FR-DGDDI", "alert", Alert()))),
            "decryption_failed");
  EXPECT_EQ(RejectionOf(cn_.service->Receive("garbage")), "malformed");
  // Replayed: a message id seen before, with other content. (Envelope()
  // draws ids from the shared seeded Rng, so reuse the stored id by hand.)
  InboxOutcome stored = cn_.service->Receive(good);
  ASSERT_TRUE(stored.accepted);
  Result<ExchangeMessageRecord> received = cn_.service->GetMessage(cn_.admin, stored.message_local_id);
  ASSERT_TRUE(received.ok());
  EnvelopeHeader header;
  header.type = "alert";
  header.message_id = received->message_id;
  header.sender = "DE-ZOLL";
  header.recipient = "CN-GACC";
  header.issued_at = kStart;
  header.expires_at = kStart + std::chrono::hours(1);
  const std::string replay =
      *Seal(de_.service->keys(), cn_.service->Jwks(), header, Alert().dump());
  EXPECT_EQ(RejectionOf(cn_.service->Receive(replay)), "replayed");
  // Encrypted for CN but addressed to FR; signed by FR's key in DE's name.
  header.message_id = "xmsg_misaddressed";
  header.recipient = "FR-DGDDI";
  EXPECT_EQ(RejectionOf(cn_.service->Receive(
                *Seal(de_.service->keys(), cn_.service->Jwks(), header, Alert().dump()))),
            "wrong_recipient");
  header.message_id = "xmsg_forged";
  header.recipient = "CN-GACC";
  EXPECT_EQ(RejectionOf(cn_.service->Receive(
                *Seal(fr_.service->keys(), cn_.service->Jwks(), header, Alert().dump()))),
            "bad_signature");
  // Invalid payload: an alert carrying personal data.
  header.message_id = "xmsg_other";
  json with_person = Alert();
  with_person["parties"] = json::array({{{"name", "Someone"}}});
  const std::string personal =
      *Seal(de_.service->keys(), cn_.service->Jwks(), header, with_person.dump());
  InboxOutcome invalid = cn_.service->Receive(personal);
  EXPECT_EQ(RejectionOf(invalid), "invalid_payload");
  EXPECT_NE(invalid.rejected->detail.find("payload.parties"), std::string::npos);

  Result<std::vector<ExchangeRejectionRecord>> log = cn_.service->ListRejections(cn_.admin, 100);
  ASSERT_TRUE(log.ok());
  std::multiset<std::string> reasons;
  for (const auto& rejection : *log) reasons.insert(rejection.reason);
  EXPECT_EQ(reasons, (std::multiset<std::string>{"unknown_sender", "sender_inactive", "expired",
                                                 "decryption_failed", "decryption_failed",
                                                 "decryption_failed", "malformed", "replayed",
                                                 "wrong_recipient", "bad_signature",
                                                 "invalid_payload"}));
  EXPECT_EQ(cn_.service->ListRejections(cn_.officer, 10).error().code(), ErrorCode::kForbidden);
}

TEST_F(ExchangeServiceTest, AcceptingAReferralWatchlistsItsPartiesAndAProfileJoinsScreening) {
  RegisterAll();
  InboxOutcome referral = cn_.service->Receive(EnvelopeFor(de_, "CN-GACC", "referral", Referral()));
  ASSERT_TRUE(referral.accepted);
  Result<ExchangeMessageRecord> accepted = cn_.service->Accept(cn_.officer, referral.message_local_id);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  EXPECT_EQ(accepted->state, "accepted");
  json result = json::parse(accepted->result);
  ASSERT_EQ(result["watchlist_entries"].size(), 1u);
  std::vector<WatchlistEntryRecord> watchlist;
  ASSERT_TRUE(cn_.store->Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(watchlist, tx.ListWatchlistEntries(Scope{cn_.org_id}));
    return Status::Ok();
  }).ok());
  ASSERT_EQ(watchlist.size(), 1u);
  EXPECT_EQ(watchlist[0].name, "Shenzhen Rolling Co");
  EXPECT_EQ(cn_.service->Accept(cn_.officer, referral.message_local_id).error().code(),
            ErrorCode::kConflict);

  json profile = {{"profile",
                   {{"name", "Bearings from CN via GR"},
                    {"weight", 0.7},
                    {"rule", {{"field", "item.hs"}, {"op", "prefix"}, {"value", "8482"}}}}}};
  InboxOutcome offered = cn_.service->Receive(EnvelopeFor(de_, "CN-GACC", "joint_profile", profile));
  ASSERT_TRUE(offered.accepted) << offered.rejected->detail;
  EXPECT_EQ(cn_.service->Accept(cn_.officer, offered.message_local_id).error().code(),
            ErrorCode::kForbidden);  // an analyst reviews profiles
  Result<ExchangeMessageRecord> joined = cn_.service->Accept(cn_.analyst, offered.message_local_id);
  ASSERT_TRUE(joined.ok()) << joined.error().ToString();
  const std::string profile_id = json::parse(joined->result)["profile_id"];
  RiskProfileRecord stored;
  ASSERT_TRUE(cn_.store->Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(stored, tx.GetRiskProfile(Scope{cn_.org_id}, profile_id));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(stored.name, "[DE-ZOLL] Bearings from CN via GR");
  EXPECT_TRUE(stored.active);
}

// CN's quarterly statistics document for 2026Q3, exported by the statistics
// module from seizure records imported on CN's node: 3 cases CN -> DE.
json ExportedStatistics(Store& store, const Clock& clock, const Caller& analyst) {
  StatsService stats(store, clock);
  std::string csv =
      "case_id,detained_on,office,reporting_country,procedure,transport_mode,origin,dispatch,"
      "destination,product_category,ipr_type,articles,estimated_value_eur,small_consignment,"
      "e_commerce,outcome\n";
  for (int index = 0; index < 3; ++index) {
    csv += "CN-" + std::to_string(index) + ",2026-08-1" + std::to_string(index) +
           ",CNNGB,CN,ex_officio,sea,CN,CN,DE,other,trademark,100,250,false,false,destroyed\n";
  }
  Result<SeizureImportReport> imported = stats.ImportCsv(analyst, csv, {});
  EXPECT_TRUE(imported.ok()) << imported.error().ToString();
  Result<StatisticsExchange> exported = stats.ExportQuarter(analyst, "2026Q3", 3);
  EXPECT_TRUE(exported.ok()) << exported.error().ToString();
  return exported.ok() ? StatisticsExchangeToJson(*exported) : json();
}

std::vector<PartnerStatisticsRecord> PartnerStatistics(Node& node) {
  std::vector<PartnerStatisticsRecord> records;
  EXPECT_TRUE(node.store->Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(records, tx.ListPartnerStatistics(Scope{node.org_id}));
    return Status::Ok();
  }).ok());
  return records;
}

std::vector<std::string> FieldsOf(const Error& error) {
  std::vector<std::string> fields;
  for (const FieldError& field : error.fields()) fields.push_back(field.field);
  return fields;
}

TEST_F(ExchangeServiceTest, AcceptedStatisticsJoinThePartnerStatisticsOnce) {
  RegisterAll();
  const json file = ExportedStatistics(*cn_.store, clock_, cn_.analyst);
  ASSERT_EQ(file["reporting_country"], "CN");
  Result<std::vector<ExchangeMessageRecord>> sent = cn_.service->Send(
      cn_.analyst,
      {{"type", "statistics"}, {"to", "DE-ZOLL"}, {"payload", {{"period", "2026Q3"}, {"file", file}}}});
  ASSERT_TRUE(sent.ok()) << sent.error().ToString();
  InboxOutcome received = de_.service->Receive(sent->front().envelope);
  ASSERT_TRUE(received.accepted) << received.rejected->detail;
  EXPECT_TRUE(PartnerStatistics(de_).empty());  // not before an analyst accepts it
  EXPECT_EQ(de_.service->Accept(de_.officer, received.message_local_id).error().code(),
            ErrorCode::kForbidden);
  Result<ExchangeMessageRecord> accepted = de_.service->Accept(de_.analyst, received.message_local_id);
  ASSERT_TRUE(accepted.ok()) << accepted.error().ToString();
  json result = json::parse(accepted->result);
  EXPECT_EQ(result["period"], "2026Q3");
  EXPECT_EQ(result["partner_statistics"],
            json({{"partner", "CN"}, {"quarter", "2026Q3"}, {"cells", file["cells"].size()},
                  {"changed", true}}));
  std::vector<PartnerStatisticsRecord> stored = PartnerStatistics(de_);
  ASSERT_EQ(stored.size(), 1u);
  EXPECT_EQ(stored[0].partner, "CN");
  EXPECT_EQ(stored[0].quarter, "2026Q3");
  // DE's joint view shows CN's figures for the route.
  StatsService de_stats(*de_.store, clock_);
  Result<json> joint = de_stats.JointView(de_.analyst, "route", "2026Q3", "2026Q3");
  ASSERT_TRUE(joint.ok()) << joint.error().ToString();
  EXPECT_EQ((*joint)["rows"], json::parse(R"([{"quarter":"2026Q3","origin":"CN",
      "destination":"DE","own":null,"partners":{"CN":{"cases":3,"articles":300,"value":750.0}}}])"));

  // Delivered again (a lost receipt): the same receipt, nothing new.
  InboxOutcome again = de_.service->Receive(sent->front().envelope);
  EXPECT_TRUE(again.duplicate);
  EXPECT_EQ(again.receipt, received.receipt);
  // The same file in another message (the draft period form YYYY-Qn is read
  // as the same quarter): accepted, and the statistics are not loaded twice.
  Result<std::vector<ExchangeMessageRecord>> resent = cn_.service->Send(
      cn_.analyst,
      {{"type", "statistics"}, {"to", "DE-ZOLL"}, {"payload", {{"period", "2026-Q3"}, {"file", file}}}});
  ASSERT_TRUE(resent.ok()) << resent.error().ToString();
  InboxOutcome second = de_.service->Receive(resent->front().envelope);
  ASSERT_TRUE(second.accepted) << second.rejected->detail;
  EXPECT_FALSE(second.duplicate);
  Result<ExchangeMessageRecord> reaccepted = de_.service->Accept(de_.analyst, second.message_local_id);
  ASSERT_TRUE(reaccepted.ok()) << reaccepted.error().ToString();
  EXPECT_EQ(json::parse(reaccepted->result)["partner_statistics"]["changed"], false);
  EXPECT_EQ(json::parse(reaccepted->result)["period"], "2026Q3");
  EXPECT_EQ(PartnerStatistics(de_).size(), 1u);
}

TEST_F(ExchangeServiceTest, BadStatisticsFilesAreRefusedNamingTheFieldAndWriteNothing) {
  RegisterAll();
  const json file = ExportedStatistics(*cn_.store, clock_, cn_.analyst);
  auto send = [&](const json& payload) {
    return cn_.service->Send(cn_.analyst,
                             {{"type", "statistics"}, {"to", "DE-ZOLL"}, {"payload", payload}});
  };
  // The sender's checks: the statistics module's reader, the period, the country.
  json small = file;
  small["cells"][0]["cases"] = 1;  // below the document's own min_cases
  EXPECT_EQ(FieldsOf(send({{"period", "2026Q3"}, {"file", small}}).error()),
            std::vector<std::string>{"payload.file.cells[0].cases"});
  EXPECT_EQ(FieldsOf(send({{"period", "2026Q2"}, {"file", file}}).error()),
            std::vector<std::string>{"payload.period"});
  EXPECT_EQ(FieldsOf(send({{"period", "Q3/2026"}, {"file", file}}).error()),
            std::vector<std::string>{"payload.period"});
  EXPECT_EQ(FieldsOf(send({{"period", "2026Q3"}, {"file", {{"detentions", 412}}}}).error()).at(0),
            "payload.file.detentions");
  json german = file;
  german["reporting_country"] = "DE";
  EXPECT_EQ(FieldsOf(send({{"period", "2026Q3"}, {"file", german}}).error()),
            std::vector<std::string>{"payload.file.reporting_country"});

  // The receiver's: envelopes sealed by CN's keys without the sender's checks.
  EnvelopeHeader header;
  header.type = "statistics";
  header.sender = "CN-GACC";
  header.recipient = "DE-ZOLL";
  header.issued_at = kStart;
  header.expires_at = kStart + std::chrono::hours(1);
  auto deliver = [&](const std::string& id, const json& payload) {
    header.message_id = id;
    return de_.service->Receive(
        *Seal(cn_.service->keys(), de_.service->Jwks(), header, payload.dump()));
  };
  InboxOutcome unsuppressed = deliver("xmsg_small", {{"period", "2026Q3"}, {"file", small}});
  EXPECT_EQ(RejectionOf(unsuppressed), "invalid_payload");
  EXPECT_NE(unsuppressed.rejected->detail.find("payload.file.cells[0].cases"), std::string::npos)
      << unsuppressed.rejected->detail;
  InboxOutcome own = deliver("xmsg_own", {{"period", "2026Q3"}, {"file", german}});
  EXPECT_EQ(RejectionOf(own), "invalid_payload");
  EXPECT_NE(own.rejected->detail.find("payload.file.reporting_country"), std::string::npos)
      << own.rejected->detail;
  // Once DE has registered CN's country, CN cannot pass off another
  // country's figures (they would replace that partner's).
  Result<ExchangePartnerRecord> with_country =
      de_.service->UpdatePartner(de_.admin, "CN-GACC", {{"country", "CN"}});
  ASSERT_TRUE(with_country.ok()) << with_country.error().ToString();
  EXPECT_EQ(PartnerJson(*with_country)["country"], "CN");
  json french = file;
  french["reporting_country"] = "FR";
  InboxOutcome other = deliver("xmsg_other", {{"period", "2026Q3"}, {"file", french}});
  EXPECT_EQ(RejectionOf(other), "invalid_payload");
  EXPECT_NE(other.rejected->detail.find("payload.file.reporting_country: must be CN"),
            std::string::npos)
      << other.rejected->detail;
  ExchangeMessageFilter inbox;
  inbox.direction = "in";
  EXPECT_TRUE(de_.service->ListMessages(de_.admin, inbox)->items.empty());

  // A stored message whose file no longer reads (kept from before this
  // check): accepting it fails naming the field, and writes nothing.
  InboxOutcome good = deliver("xmsg_good", {{"period", "2026Q3"}, {"file", file}});
  ASSERT_TRUE(good.accepted) << good.rejected->detail;
  ExchangeMessageRecord stale = *de_.service->GetMessage(de_.admin, good.message_local_id);
  stale.id = "xmsg_stale";
  stale.message_id = "xmsg_stale";
  stale.envelope_sha256 = std::string(64, '0');
  stale.payload = json({{"period", "2026Q3"}, {"file", small}}).dump();
  ASSERT_TRUE(de_.store->Write([&](WriteTx& tx) { return tx.InsertExchangeMessage(stale); }).ok());
  Result<ExchangeMessageRecord> refused = de_.service->Accept(de_.analyst, "xmsg_stale");
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(FieldsOf(refused.error()), std::vector<std::string>{"payload.file.cells[0].cases"});
  EXPECT_EQ(de_.service->GetMessage(de_.admin, "xmsg_stale")->state, "received");
  EXPECT_TRUE(PartnerStatistics(de_).empty());
}

TEST_F(ExchangeServiceTest, ReferralPartiesAndJointProfilesAreCheckedByScreeningsValidators) {
  RegisterAll();
  // A party the watchlist could not hold is refused when sent, not when accepted.
  json referral = Referral();
  referral["parties"][0]["name"] = std::string(250, 'A');
  referral["parties"].push_back({{"role", "consignee"}, {"name", "---"}, {"country", "XX"}});
  Result<std::vector<ExchangeMessageRecord>> refused = de_.service->Send(
      de_.officer, {{"type", "referral"}, {"to", "CN-GACC"}, {"payload", referral}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(FieldsOf(refused.error()),
            (std::vector<std::string>{"payload.parties[0].name", "payload.parties[1].name",
                                      "payload.parties[1].country"}));
  // A joint profile's rule is screening's rule language.
  json profile = {{"name", "x"}, {"rule", {{"field", "item.colour"}, {"op", "eq"}, {"value", "red"}}}};
  refused = de_.service->Send(de_.analyst, {{"type", "joint_profile"}, {"to", "CN-GACC"},
                                            {"payload", {{"profile", profile}}}});
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(FieldsOf(refused.error()).at(0).rfind("payload.profile.rule", 0), 0u)
      << refused.error().ToString();
  // A name of the longest length joins with the partner's prefix, cut to
  // 200 characters (not bytes: "é" is two).
  profile = {{"name", std::string(199, 'e') + "\xC3\xA9"},
             {"share_with_partners", true},
             {"active", false},
             {"rule", {{"field", "item.hs"}, {"op", "prefix"}, {"value", "8482"}}}};
  InboxOutcome offered = cn_.service->Receive(
      EnvelopeFor(de_, "CN-GACC", "joint_profile", {{"profile", profile}}));
  ASSERT_TRUE(offered.accepted) << offered.rejected->detail;
  Result<ExchangeMessageRecord> joined = cn_.service->Accept(cn_.analyst, offered.message_local_id);
  ASSERT_TRUE(joined.ok()) << joined.error().ToString();
  RiskProfileRecord stored;
  ASSERT_TRUE(cn_.store->Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(
        stored, tx.GetRiskProfile(Scope{cn_.org_id}, json::parse(joined->result)["profile_id"]));
    return Status::Ok();
  }).ok());
  EXPECT_EQ(stored.name, "[DE-ZOLL] " + std::string(190, 'e'));
  EXPECT_TRUE(stored.active);  // accepting is the review that activates it
  const json body = json::parse(stored.body);
  EXPECT_EQ(body["name"], stored.name);
  EXPECT_EQ(body["active"], true);
  EXPECT_EQ(body["owner_org_id"], cn_.org_id);
  EXPECT_EQ(body["rule"], profile["rule"]);
}

// A transport that hands envelopes to another node's inbox, as HTTP would.
class DirectTransport final : public InboxTransport {
 public:
  explicit DirectTransport(ExchangeService& inbox) : inbox_(inbox) {}
  InboxReply Post(const std::string&, const std::string& envelope) override {
    ++posts;
    if (down) return {0, "", "connection refused"};
    InboxOutcome outcome = inbox_.Receive(envelope);
    if (lose_answer) return {0, "", "read timeout"};  // stored, but the receipt is lost
    if (outcome.accepted) return {200, outcome.receipt, ""};
    return {422, json({{"reason", RejectionName(outcome.rejected->reason)}}).dump(), ""};
  }
  ExchangeService& inbox_;
  bool down = false;
  bool lose_answer = false;
  int posts = 0;
};

TEST_F(ExchangeServiceTest, WorkerRetriesUntilTheReceiptAndDeliversExactlyOnce) {
  RegisterAll();
  auto transport = std::make_unique<DirectTransport>(*cn_.service);
  DirectTransport* link = transport.get();
  ExchangeDeliveryOptions options;
  options.retry_base = std::chrono::seconds(1);
  options.retry_cap = std::chrono::seconds(4);
  ExchangeDeliveryWorker worker(*de_.service, *de_.store, clock_, std::move(transport), options);
  ASSERT_TRUE(de_.service->Send(de_.officer, {{"type", "referral"}, {"to", "CN-GACC"},
                                              {"payload", Referral()}})
                  .ok());
  link->down = true;
  EXPECT_EQ(*worker.RunOnce(), 1);
  EXPECT_EQ(*worker.RunOnce(), 0);  // not due before the backoff
  // The receiver stores it but the answer is lost: the retry gets the same receipt.
  link->down = false;
  link->lose_answer = true;
  clock_.Set(kStart + std::chrono::seconds(1));
  EXPECT_EQ(*worker.RunOnce(), 1);
  link->lose_answer = false;
  clock_.Set(kStart + std::chrono::seconds(3));
  EXPECT_EQ(*worker.RunOnce(), 1);
  ExchangeMessageFilter out;
  out.direction = "out";
  auto sent = de_.service->ListMessages(de_.admin, out)->items;
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].state, "delivered");
  EXPECT_EQ(sent[0].attempts, 3);
  EXPECT_FALSE(sent[0].receipt.empty());
  ExchangeMessageFilter in;
  in.direction = "in";
  EXPECT_EQ(cn_.service->ListMessages(cn_.admin, in)->items.size(), 1u);
  clock_.Set(kStart + std::chrono::hours(1));
  EXPECT_EQ(*worker.RunOnce(), 0);
  EXPECT_EQ(link->posts, 3);
}

TEST_F(ExchangeServiceTest, WorkerMarksRefusedAndExpiredMessages) {
  RegisterAll();
  ExchangeDeliveryOptions options;
  auto transport = std::make_unique<DirectTransport>(*cn_.service);
  DirectTransport* link = transport.get();
  ExchangeDeliveryWorker worker(*de_.service, *de_.store, clock_, std::move(transport), options);
  // CN stops accepting alerts from DE after DE queued one: refused, final.
  ASSERT_TRUE(cn_.service->UpdatePartner(cn_.admin, "DE-ZOLL", {{"allow_receive", {"referral"}}}).ok());
  ASSERT_TRUE(de_.service->Send(de_.officer, {{"type", "alert"}, {"to", "CN-GACC"}, {"payload", Alert()}})
                  .ok());
  EXPECT_EQ(*worker.RunOnce(), 1);
  ExchangeMessageFilter out;
  out.direction = "out";
  auto sent = de_.service->ListMessages(de_.admin, out)->items;
  EXPECT_EQ(sent[0].state, "rejected");
  EXPECT_NE(sent[0].last_error.find("type_not_allowed"), std::string::npos);
  // A message never acknowledged expires with its envelope.
  link->down = true;
  ASSERT_TRUE(de_.service->Send(de_.officer, {{"type", "referral"}, {"to", "CN-GACC"}, {"payload", Referral()}})
                  .ok());
  EXPECT_EQ(*worker.RunOnce(), 1);
  clock_.Set(kStart + std::chrono::hours(24 * 15));
  EXPECT_EQ(*worker.RunOnce(), 1);
  out.state = "expired";
  EXPECT_EQ(de_.service->ListMessages(de_.admin, out)->items.size(), 1u);
}

}  // namespace
}  // namespace cordon::exchange
