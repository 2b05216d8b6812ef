// Notices: signature scheme, retry schedule, legal content of the case
// notices, creation in a unit of work, the inbox and webhook endpoints, on a
// real (in-memory SQLite) store.
#include "notify/notify.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <string>
#include <vector>

#include "notify/delivery.h"
#include "store/sqlite_store.h"

namespace cordon {
namespace {

using json = nlohmann::json;
using std::chrono::hours;
using std::chrono::milliseconds;
using std::chrono::seconds;

Date D(const char* text) { return *ParseDate(text); }

std::vector<std::string> Fields(const Error& error) {
  std::vector<std::string> fields;
  for (const FieldError& field : error.fields()) fields.push_back(field.field);
  return fields;
}

// --- signature

// The Standard Webhooks reference example (svix's test vector). The expected
// value was also computed by hand with Python's hmac module:
//   hmac.new(base64.b64decode("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"),
//            b'msg_p5jXN8AQM9LWM0D4loKWxJek.1614265330.{"test": 2432232314}',
//            hashlib.sha256)
TEST(WebhookSignature, MatchesTheStandardWebhooksVector) {
  Result<std::string> signature =
      SignWebhook("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "msg_p5jXN8AQM9LWM0D4loKWxJek",
                  1614265330, R"({"test": 2432232314})");
  ASSERT_TRUE(signature.ok()) << signature.error().ToString();
  EXPECT_EQ(*signature, "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=");
}

// The same scheme computed with OpenSSL (a second, independent HMAC), for a
// freshly generated secret and a body with non-ASCII text.
TEST(WebhookSignature, AgreesWithOpenSslForGeneratedSecrets) {
  SeededRng rng(7);
  std::string secret = NewWebhookSecret(rng);
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u);
  std::string body = R"({"subject":"Zollbehörde — 海关"})";
  Result<std::string> signature = SignWebhook(secret, "dlv_abc", 1700000000, body);
  ASSERT_TRUE(signature.ok());

  std::string encoded = secret.substr(6);
  std::vector<unsigned char> key(encoded.size());
  int key_length = EVP_DecodeBlock(key.data(), reinterpret_cast<const unsigned char*>(encoded.data()),
                                   static_cast<int>(encoded.size()));
  ASSERT_GT(key_length, 0);
  key_length -= static_cast<int>(std::count(encoded.end() - 2, encoded.end(), '='));
  EXPECT_EQ(key_length, 32);
  std::string content = "dlv_abc.1700000000." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key.data(), key_length, reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac, &mac_length);
  std::vector<unsigned char> text(4 * ((mac_length + 2) / 3) + 1);
  EVP_EncodeBlock(text.data(), mac, static_cast<int>(mac_length));
  EXPECT_EQ(*signature, "v1," + std::string(reinterpret_cast<char*>(text.data())));
}

TEST(WebhookSignature, RejectsMalformedSecrets) {
  EXPECT_FALSE(SignWebhook("MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw", "id", 1, "{}").ok());
  EXPECT_FALSE(SignWebhook("whsec_", "id", 1, "{}").ok());
  EXPECT_FALSE(SignWebhook("whsec_not base64!", "id", 1, "{}").ok());
}

TEST(WebhookSignature, SecretsDiffer) {
  SystemRng rng;
  EXPECT_NE(NewWebhookSecret(rng), NewWebhookSecret(rng));
}

// --- retry schedule

TEST(RetryDelay, DoublesFromTheBaseUpToTheCap) {
  BackoffPolicy policy;  // 10 s, capped at 1 h
  std::vector<long long> expected = {10, 20, 40, 80, 160, 320, 640, 1280, 2560, 3600, 3600};
  for (size_t index = 0; index < expected.size(); ++index) {
    EXPECT_EQ(RetryDelay(policy, static_cast<int>(index + 1)), seconds(expected[index]))
        << "after " << index + 1 << " failures";
  }
  EXPECT_EQ(RetryDelay(policy, 10000), hours(1));  // no overflow however long it fails
  EXPECT_EQ(RetryDelay(policy, 0), seconds(10));
  BackoffPolicy quick{milliseconds(50), milliseconds(300)};
  EXPECT_EQ(RetryDelay(quick, 1), milliseconds(50));
  EXPECT_EQ(RetryDelay(quick, 3), milliseconds(200));
  EXPECT_EQ(RetryDelay(quick, 4), milliseconds(300));
}

// --- legal content

CaseNoticeFacts EuFacts() {
  CaseNoticeFacts facts;
  facts.jurisdiction = "EU";
  facts.case_id = "cas_1";
  facts.administration = "Customs DE";
  facts.office = "DEHAM";
  facts.suspended_on = D("2026-12-21");
  facts.notified_on = D("2026-12-21");
  facts.application_id = "app_9";
  facts.goods = "240 pairs of sports shoes bearing the mark ZENTRA";
  facts.holder_name = "Zentra Sportswear GmbH";
  facts.declarant_name = "Harbour Imports Ltd";
  facts.deadlines = {{"response_due", D("2027-01-06"), "Regulation (EU) No 608/2013 Art. 23(1)"}};
  return facts;
}

TEST(CaseNotices, EuSuspensionToTheHolderStatesPeriodDueDateAndSources) {
  Result<RenderedNotice> notice =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, EuFacts());
  ASSERT_TRUE(notice.ok()) << notice.error().ToString();
  EXPECT_EQ(notice->kind, "case.suspension_notice");
  EXPECT_NE(notice->subject.find("cas_1"), std::string::npos);
  for (const char* expected :
       {"ten working days", "2027-01-06", "Art. 23(1)(a)-(b)", "Art. 23(3)", "Art. 23(4)",
        "Art. 17(4)", "Art. 29", "app_9", "Zentra Sportswear GmbH", "DEHAM", "ZENTRA"}) {
    EXPECT_NE(notice->body.find(expected), std::string::npos) << expected << "\n" << notice->body;
  }
  EXPECT_EQ(notice->data["deadlines"]["response_due"]["due"], "2027-01-06");
  EXPECT_EQ(notice->data["addressee"], "right_holder");
}

TEST(CaseNotices, EuSuspensionToTheDeclarantCitesOneWorkingDayAndDeemedAgreement) {
  Result<RenderedNotice> notice =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kDeclarant, EuFacts());
  ASSERT_TRUE(notice.ok());
  for (const char* expected : {"one working day", "Art. 17(3)", "Art. 23(1)(c)", "deemed",
                               "2027-01-06", "Harbour Imports Ltd"}) {
    EXPECT_NE(notice->body.find(expected), std::string::npos) << expected << "\n" << notice->body;
  }
  EXPECT_EQ(notice->body.find("Zentra Sportswear GmbH"), std::string::npos)
      << "the declarant's notice does not name the holder's representative";
}

TEST(CaseNotices, PerishableGoodsHaveThreeDaysAndNoExtension) {
  CaseNoticeFacts facts = EuFacts();
  facts.perishable = true;
  Result<RenderedNotice> notice =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, facts);
  ASSERT_TRUE(notice.ok());
  EXPECT_NE(notice->body.find("three working days"), std::string::npos);
  EXPECT_NE(notice->body.find("cannot be extended"), std::string::npos);
  Result<RenderedNotice> extension =
      RenderCaseNotice(CaseNoticeKind::kExtension, NoticeAddressee::kRightHolder, facts);
  ASSERT_FALSE(extension.ok());
  EXPECT_EQ(Fields(extension.error()), std::vector<std::string>{"kind"});
}

TEST(CaseNotices, EuExOfficioGivesTheHolderFourWorkingDaysToApply) {
  CaseNoticeFacts facts = EuFacts();
  facts.procedure = "ex_officio";
  facts.application_id.clear();
  facts.deadlines = {{"application_due", D("2026-12-28"), "Art. 5(3)(a)"}};
  Result<RenderedNotice> notice =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, facts);
  ASSERT_TRUE(notice.ok());
  for (const char* expected : {"four working days", "2026-12-28", "Art. 5(3)(a)", "Art. 18(4)(b)"}) {
    EXPECT_NE(notice->body.find(expected), std::string::npos) << expected;
  }
}

TEST(CaseNotices, SmallConsignmentsFollowArticle26) {
  CaseNoticeFacts facts = EuFacts();
  facts.small_consignment = true;
  Result<RenderedNotice> declarant =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kDeclarant, facts);
  ASSERT_TRUE(declarant.ok());
  EXPECT_NE(declarant->body.find("Art. 26(4)"), std::string::npos);
  EXPECT_NE(declarant->body.find("Art. 26(5)-(6)"), std::string::npos);
  facts.deadlines.push_back({"proceedings_due", D("2027-01-20"), "Art. 26(9)"});
  Result<RenderedNotice> opposition =
      RenderCaseNotice(CaseNoticeKind::kOpposition, NoticeAddressee::kRightHolder, facts);
  ASSERT_TRUE(opposition.ok());
  EXPECT_NE(opposition->body.find("2027-01-20"), std::string::npos);
  EXPECT_NE(opposition->body.find("Art. 26(9)"), std::string::npos);
  EXPECT_FALSE(
      RenderCaseNotice(CaseNoticeKind::kOpposition, NoticeAddressee::kDeclarant, facts).ok());
}

TEST(CaseNotices, DeemedAgreementDestructionAndReleaseCiteTheirArticles) {
  CaseNoticeFacts facts = EuFacts();
  facts.event_on = D("2027-01-12");
  Result<RenderedNotice> deemed =
      RenderCaseNotice(CaseNoticeKind::kDeemedAgreement, NoticeAddressee::kDeclarant, facts);
  ASSERT_TRUE(deemed.ok());
  EXPECT_NE(deemed->body.find("second subparagraph"), std::string::npos);
  Result<RenderedNotice> destroyed =
      RenderCaseNotice(CaseNoticeKind::kDestruction, NoticeAddressee::kRightHolder, facts);
  ASSERT_TRUE(destroyed.ok());
  EXPECT_NE(destroyed->body.find("2027-01-12"), std::string::npos);
  EXPECT_NE(destroyed->body.find("Art. 29"), std::string::npos);
  Result<RenderedNotice> released =
      RenderCaseNotice(CaseNoticeKind::kRelease, NoticeAddressee::kDeclarant, facts);
  ASSERT_TRUE(released.ok());
  EXPECT_NE(released->body.find("Art. 23(5)"), std::string::npos);
  EXPECT_EQ(released->kind, "case.release_notice");
}

TEST(CaseNotices, HandoverNamesTheCompetentAuthorityInEachJurisdiction) {
  CaseNoticeFacts facts = EuFacts();
  facts.event_on = D("2027-02-01");
  for (const char* jurisdiction : {"EU", "TRIPS", "CN"}) {
    facts.jurisdiction = jurisdiction;
    Result<RenderedNotice> handover =
        RenderCaseNotice(CaseNoticeKind::kHandover, NoticeAddressee::kRightHolder, facts);
    ASSERT_TRUE(handover.ok()) << jurisdiction;
    EXPECT_EQ(handover->kind, "case.handover_notice");
    EXPECT_NE(handover->body.find("2027-02-01"), std::string::npos) << jurisdiction;
  }
  facts.jurisdiction = "EU";
  EXPECT_NE(RenderCaseNotice(CaseNoticeKind::kHandover, NoticeAddressee::kDeclarant, facts)
                ->body.find("Art. 23(3)"),
            std::string::npos);
  facts.jurisdiction = "CN";
  EXPECT_NE(RenderCaseNotice(CaseNoticeKind::kHandover, NoticeAddressee::kDeclarant, facts)
                ->body.find("people's court"),
            std::string::npos);
}

TEST(CaseNotices, TripsUsesArticles54To55AndHasNoDeemedAgreement) {
  CaseNoticeFacts facts = EuFacts();
  facts.jurisdiction = "TRIPS";
  facts.deadlines = {{"response_due", D("2027-01-06"), "TRIPS Art. 55"}};
  Result<RenderedNotice> notice =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, facts);
  ASSERT_TRUE(notice.ok());
  EXPECT_NE(notice->body.find("TRIPS Art. 54"), std::string::npos);
  EXPECT_NE(notice->body.find("TRIPS Art. 55"), std::string::npos);
  EXPECT_NE(notice->body.find("2027-01-06"), std::string::npos);
  EXPECT_EQ(notice->body.find("608/2013"), std::string::npos);
  Result<RenderedNotice> deemed =
      RenderCaseNotice(CaseNoticeKind::kDeemedAgreement, NoticeAddressee::kDeclarant, facts);
  ASSERT_FALSE(deemed.ok());
  EXPECT_EQ(Fields(deemed.error()), std::vector<std::string>{"kind"});
}

TEST(CaseNotices, CnExOfficioGivesTheHolderThreeWorkingDays) {
  CaseNoticeFacts facts = EuFacts();
  facts.jurisdiction = "CN";
  facts.procedure = "ex_officio";
  facts.deadlines = {{"application_due", D("2027-02-03"), "Art. 16"}};
  Result<RenderedNotice> notice =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, facts);
  ASSERT_TRUE(notice.ok());
  EXPECT_NE(notice->body.find("three working days"), std::string::npos);
  EXPECT_NE(notice->body.find("2027-02-03"), std::string::npos);
  EXPECT_NE(notice->body.find("Art. 16"), std::string::npos);
  EXPECT_FALSE(
      RenderCaseNotice(CaseNoticeKind::kExtension, NoticeAddressee::kRightHolder, facts).ok());
}

TEST(CaseNotices, RefusesUnknownJurisdictionAndMissingCase) {
  CaseNoticeFacts facts = EuFacts();
  facts.jurisdiction = "US";
  Result<RenderedNotice> unknown =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, facts);
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(Fields(unknown.error()), std::vector<std::string>{"jurisdiction"});
  facts = EuFacts();
  facts.case_id.clear();
  Result<RenderedNotice> no_case =
      RenderCaseNotice(CaseNoticeKind::kSuspension, NoticeAddressee::kRightHolder, facts);
  ASSERT_FALSE(no_case.ok());
  EXPECT_EQ(Fields(no_case.error()), std::vector<std::string>{"case_id"});
}

// --- creation, inbox, webhooks on a real store

class NoticeStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    SqliteOptions options;
    options.path = ":memory:";
    store_ = std::move(OpenSqliteStore(options)).value();
    ASSERT_TRUE(store_->Write([&](WriteTx& tx) -> Status {
                         for (auto [id, kind] :
                              {std::pair{"org_customs", OrgKind::kCustoms},
                               std::pair{"org_holder", OrgKind::kRightHolder},
                               std::pair{"org_other", OrgKind::kRightHolder}}) {
                           Organisation org;
                           org.id = id;
                           org.name = id;
                           org.kind = kind;
                           org.country = "DE";
                           org.created_at = clock_.Now();
                           CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(org));
                         }
                         return Status::Ok();
                       }).ok());
  }

  Caller CallerOf(const std::string& org, Role role = Role::kRightHolderRep) {
    Caller caller;
    caller.user_id = "usr_" + org;
    caller.org_id = org;
    caller.role = role;
    return caller;
  }

  NoticeDraft Draft() {
    NoticeDraft draft;
    draft.sender_org_id = "org_customs";
    draft.recipient_org_id = "org_holder";
    draft.recipient_role = "right_holder";
    draft.kind = "case.suspension_notice";
    draft.subject = "Notice of suspension";
    draft.body = "Legal text";
    draft.object_type = "case";
    draft.object_id = "cas_1";
    draft.due_by = D("2026-12-22");
    return draft;
  }

  Result<NoticeRecord> Create(const NoticeDraft& draft) {
    Result<NoticeRecord> created = Internal("not run");
    Status status = store_->Write([&](WriteTx& tx) -> Status {
      created = CreateNotice(tx, rng_, clock_.Now(), draft);
      return created.status();
    });
    if (!status.ok()) return status.error();
    return created;
  }

  FakeClock clock_{*ParseTimestamp("2026-12-21T09:00:00Z")};
  SeededRng rng_{42};
  SecretsKey secrets_key_ = SecretsKey::Generate(rng_);
  std::unique_ptr<Store> store_;
};

TEST_F(NoticeStoreTest, CreatedNoticeIsInTheRecipientsInboxAndTheSendersSentBox) {
  Result<NoticeRecord> created = Create(Draft());
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  NotificationService service(*store_, clock_, rng_, secrets_key_);

  Result<Page<NoticeRecord>> inbox = service.List(CallerOf("org_holder"), {});
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->items.size(), 1u);
  EXPECT_EQ(inbox->items[0].id, created->id);
  EXPECT_EQ(inbox->items[0].due_by, D("2026-12-22"));

  NoticeQuery sent;
  sent.box = "sent";
  Result<Page<NoticeRecord>> sent_box = service.List(CallerOf("org_customs", Role::kIprOfficer), sent);
  ASSERT_TRUE(sent_box.ok());
  ASSERT_EQ(sent_box->items.size(), 1u);
  Result<Page<NoticeRecord>> customs_inbox =
      service.List(CallerOf("org_customs", Role::kIprOfficer), {});
  ASSERT_TRUE(customs_inbox.ok());
  EXPECT_TRUE(customs_inbox->items.empty());

  // Another organisation neither lists nor reads it: not found, like a
  // notice that does not exist.
  Result<Page<NoticeRecord>> other = service.List(CallerOf("org_other"), {});
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->items.empty());
  Result<NoticeView> peek = service.Get(CallerOf("org_other"), created->id);
  ASSERT_FALSE(peek.ok());
  EXPECT_EQ(peek.error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(service.MarkRead(CallerOf("org_other"), created->id).error().code(),
            ErrorCode::kNotFound);

  // The audit log records the notice.
  std::vector<AuditEvent> events;
  ASSERT_TRUE(store_->Read([&](ReadTx& tx) -> Status {
                       CORDON_ASSIGN_OR_RETURN(events, tx.ListAuditEvents(Scope{"org_customs"},
                                                                          created->id));
                       return Status::Ok();
                     }).ok());
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].action, "notice.created");
}

TEST_F(NoticeStoreTest, ReadingKeepsTheFirstTimeAndUnreadFilters) {
  Result<NoticeRecord> first = Create(Draft());
  clock_.Advance(seconds(1));
  Result<NoticeRecord> second = Create(Draft());
  ASSERT_TRUE(first.ok() && second.ok());
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Caller holder = CallerOf("org_holder");
  Result<NoticeView> read = service.MarkRead(holder, first->id);
  ASSERT_TRUE(read.ok());
  ASSERT_TRUE(read->notice.read_at.has_value());
  Timestamp first_read = *read->notice.read_at;
  clock_.Advance(seconds(5));
  EXPECT_EQ(*service.MarkRead(holder, first->id)->notice.read_at, first_read);

  NoticeQuery unread;
  unread.unread_only = true;
  Result<Page<NoticeRecord>> page = service.List(holder, unread);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->items.size(), 1u);
  EXPECT_EQ(page->items[0].id, second->id);

  // The sender sees the notice but cannot mark the recipient's copy read.
  Result<NoticeView> by_sender = service.MarkRead(CallerOf("org_customs", Role::kIprOfficer),
                                                  second->id);
  ASSERT_FALSE(by_sender.ok());
  EXPECT_EQ(by_sender.error().code(), ErrorCode::kConflict);
}

TEST_F(NoticeStoreTest, PagesNewestFirstWithACursor) {
  std::vector<std::string> ids;
  for (int index = 0; index < 5; ++index) {
    Result<NoticeRecord> created = Create(Draft());
    ASSERT_TRUE(created.ok());
    ids.push_back(created->id);
    if (index != 2) clock_.Advance(seconds(1));  // two share a timestamp
  }
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  NoticeQuery query;
  query.limit = 2;
  std::vector<std::string> seen;
  for (int page_number = 0; page_number < 10; ++page_number) {
    Result<Page<NoticeRecord>> page = service.List(CallerOf("org_holder"), query);
    ASSERT_TRUE(page.ok()) << page.error().ToString();
    for (const NoticeRecord& notice : page->items) seen.push_back(notice.id);
    if (page->next_cursor.empty()) break;
    query.cursor = page->next_cursor;
  }
  ASSERT_EQ(seen.size(), 5u);
  EXPECT_EQ(seen.front(), ids.back());
  EXPECT_EQ(seen.back(), ids.front());
  EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()).size(), 5u);

  query.cursor = "zz";
  Result<Page<NoticeRecord>> bad = service.List(CallerOf("org_holder"), query);
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(Fields(bad.error()), std::vector<std::string>{"cursor"});
}

TEST_F(NoticeStoreTest, IncompleteDraftsAreRefusedNamingTheField) {
  NoticeDraft draft = Draft();
  draft.recipient_org_id.clear();
  draft.recipient_role = "declarant";
  draft.recipient_party.email = "two@a.example, three@b.example";
  Result<NoticeRecord> refused = Create(draft);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(Fields(refused.error()),
            (std::vector<std::string>{"recipient_party.name", "recipient_party.email"}));

  draft.recipient_party = {"Harbour Imports Ltd", "1 Quay, Hamburg", "DE", "ops@harbour.example"};
  Result<NoticeRecord> party = Create(draft);
  ASSERT_TRUE(party.ok()) << party.error().ToString();
  EXPECT_EQ(json::parse(party->recipient_party)["email"], "ops@harbour.example");

  NoticeDraft missing_org = Draft();
  missing_org.recipient_org_id = "org_nowhere";
  EXPECT_EQ(Create(missing_org).error().code(), ErrorCode::kNotFound);
}

TEST_F(NoticeStoreTest, WebhookEndpointsAreValidatedScopedAndShowTheSecretOnce) {
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Caller holder = CallerOf("org_holder");
  for (const char* bad : {"ftp://example.com/x", "https://", "https://user:pw@example.com/",
                          "https://example.com/#frag", "https://exa mple.com/", "example.com/hook",
                          "https://example.com:0/", "https://example.com:99999/"}) {
    Result<CreatedWebhook> refused = service.CreateWebhook(holder, {{"url", bad}});
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(Fields(refused.error()), std::vector<std::string>{"url"}) << bad;
  }
  Result<CreatedWebhook> unknown_field =
      service.CreateWebhook(holder, {{"url", "https://example.com/"}, {"secret", "mine"}});
  ASSERT_FALSE(unknown_field.ok());
  EXPECT_EQ(Fields(unknown_field.error()), std::vector<std::string>{"secret"});

  Result<CreatedWebhook> created = service.CreateWebhook(
      holder, {{"url", "https://hooks.example.com:8443/cordon?x=1"}, {"description", "ERP"}});
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  EXPECT_EQ(CreatedWebhookJson(*created)["secret"].get<std::string>().rfind("whsec_", 0), 0u);
  Result<std::vector<WebhookEndpointRecord>> listed = service.ListWebhooks(holder);
  ASSERT_TRUE(listed.ok());
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_FALSE(WebhookJson((*listed)[0]).contains("secret"));

  EXPECT_TRUE(service.ListWebhooks(CallerOf("org_other"))->empty());
  EXPECT_EQ(service.DeleteWebhook(CallerOf("org_other"), created->endpoint.id).error().code(),
            ErrorCode::kNotFound);
  EXPECT_EQ(service.ListWebhooks(CallerOf("org_holder", Role::kAgencyReader)).error().code(),
            ErrorCode::kForbidden);
  EXPECT_TRUE(service.DeleteWebhook(holder, created->endpoint.id).ok());
  EXPECT_TRUE(service.ListWebhooks(holder)->empty());
  EXPECT_EQ(service.DeleteWebhook(holder, created->endpoint.id).error().code(),
            ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cordon
