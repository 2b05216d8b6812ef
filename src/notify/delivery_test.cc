// The delivery worker against real receivers on 127.0.0.1 (a cpp-httplib
// webhook receiver that fails the first attempts, a small SMTP server), on a
// real store, driven pass by pass with a fake clock.
#include "notify/delivery.h"

#include <gtest/gtest.h>
#include <httplib.h>
#include <sqlite3.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "notify/notify.h"
#include "store/sqlite_store.h"
#include "support/smtp_receiver.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;

// A webhook receiver answering `failures` times with 500, then 200.
class Receiver {
 public:
  explicit Receiver(int failures) : failures_(failures) {
    server_.Post("/hook", [this](const httplib::Request& request, httplib::Response& response) {
      std::lock_guard<std::mutex> lock(mutex_);
      requests_.push_back(request);
      response.status = static_cast<int>(requests_.size()) <= failures_ ? 500 : 200;
    });
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
    while (!server_.is_running()) std::this_thread::sleep_for(milliseconds(1));
  }
  ~Receiver() {
    server_.stop();
    thread_.join();
  }
  std::string Url() const { return "http://127.0.0.1:" + std::to_string(port_) + "/hook"; }
  std::vector<httplib::Request> Requests() {
    std::lock_guard<std::mutex> lock(mutex_);
    return requests_;
  }

 private:
  int failures_;
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
  std::mutex mutex_;
  std::vector<httplib::Request> requests_;
};

class DeliveryTest : public ::testing::Test {
 protected:
  void SetUp() override {
    // A file, so tests can read and alter the stored rows with SQLite directly.
    SqliteOptions options;
    options.path = db_path_;
    store_ = std::move(OpenSqliteStore(options)).value();
    ASSERT_TRUE(store_->Write([&](WriteTx& tx) -> Status {
                         for (auto [id, kind] : {std::pair{"org_customs", OrgKind::kCustoms},
                                                 std::pair{"org_holder", OrgKind::kRightHolder}}) {
                           Organisation org;
                           org.id = id;
                           org.name = id;
                           org.kind = kind;
                           org.created_at = clock_.Now();
                           CORDON_RETURN_IF_ERROR(tx.InsertOrganisation(org));
                         }
                         User rep;
                         rep.id = "usr_rep";
                         rep.org_id = "org_holder";
                         rep.email = "legal@holder.example";
                         rep.role = Role::kRightHolderRep;
                         rep.created_at = clock_.Now();
                         CORDON_RETURN_IF_ERROR(tx.InsertUser(rep));
                         User reader = rep;
                         reader.id = "usr_reader";
                         reader.email = "reader@holder.example";
                         reader.role = Role::kAgencyReader;
                         return tx.InsertUser(reader);
                       }).ok());
  }

  Result<NoticeRecord> CreateOne(const std::string& recipient_org, const NoticeParty& party = {}) {
    NoticeDraft draft;
    draft.sender_org_id = "org_customs";
    draft.recipient_org_id = recipient_org;
    draft.recipient_role = recipient_org.empty() ? "declarant" : "right_holder";
    draft.recipient_party = party;
    draft.kind = "case.suspension_notice";
    draft.subject = "Notice of suspension (case cas_1)";
    draft.body = "Customs have suspended the release of the goods.\n.\nLegal basis: Art. 17(3).";
    draft.object_type = "case";
    draft.object_id = "cas_1";
    Result<NoticeRecord> created = Internal("not run");
    Status status = store_->Write([&](WriteTx& tx) -> Status {
      created = CreateNotice(tx, rng_, clock_.Now(), draft);
      return created.status();
    });
    if (!status.ok()) return status.error();
    return created;
  }

  NoticeView View(const std::string& org, const std::string& id) {
    NotificationService service(*store_, clock_, rng_, secrets_key_);
    Caller caller;
    caller.org_id = org;
    caller.role = Role::kIprOfficer;
    return std::move(service.Get(caller, id)).value();
  }

  std::unique_ptr<DeliveryWorker> Worker(std::unique_ptr<MailTransport> mail = nullptr) {
    DeliveryOptions options;
    options.backoff = {seconds(10), seconds(60)};
    options.mail = std::move(mail);
    options.mail_from = "notices@customs.example";
    return std::make_unique<DeliveryWorker>(*store_, clock_, rng_, secrets_key_,
                                            NewHttpWebhookTransport(), std::move(options));
  }

  // The stored `secret` column of one endpoint, read from the file directly.
  std::string RawSecret(const std::string& endpoint_id) {
    return RunSql("SELECT secret FROM webhook_endpoints WHERE id = '" + endpoint_id + "'");
  }
  // Runs one statement on the database file behind the store's back; returns
  // the first column of the first row ("" when none).
  std::string RunSql(const std::string& sql) {
    sqlite3* db = nullptr;
    EXPECT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
    sqlite3_stmt* statement = nullptr;
    EXPECT_EQ(sqlite3_prepare_v2(db, sql.c_str(), -1, &statement, nullptr), SQLITE_OK)
        << sqlite3_errmsg(db);
    std::string first;
    int step = sqlite3_step(statement);
    EXPECT_TRUE(step == SQLITE_ROW || step == SQLITE_DONE) << sqlite3_errmsg(db);
    if (step == SQLITE_ROW && sqlite3_column_text(statement, 0) != nullptr) {
      first = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
    }
    sqlite3_finalize(statement);
    sqlite3_close(db);
    return first;
  }

  test_support::TempDir dir_;
  std::string db_path_ = (dir_.path() / "notices.db").string();
  FakeClock clock_{*ParseTimestamp("2026-12-21T09:00:00Z")};
  SeededRng rng_{3};
  SecretsKey secrets_key_ = SecretsKey::Generate(rng_);
  std::unique_ptr<Store> store_;
};

TEST_F(DeliveryTest, RetriesWithBackoffUntilAcknowledgedAndRecordsEveryAttempt) {
  Receiver receiver(/*failures=*/2);
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Caller holder;
  holder.org_id = "org_holder";
  holder.role = Role::kRightHolderRep;
  Result<CreatedWebhook> hook = service.CreateWebhook(holder, {{"url", receiver.Url()}});
  ASSERT_TRUE(hook.ok()) << hook.error().ToString();
  Result<NoticeRecord> notice = CreateOne("org_holder");
  ASSERT_TRUE(notice.ok());
  std::unique_ptr<DeliveryWorker> worker = Worker();

  EXPECT_EQ(*worker->RunOnce(), 1);  // 500
  EXPECT_EQ(*worker->RunOnce(), 0);  // not due before the backoff passes
  clock_.Advance(seconds(9));
  EXPECT_EQ(*worker->RunOnce(), 0);
  clock_.Advance(seconds(1));
  EXPECT_EQ(*worker->RunOnce(), 1);  // 500; next after 20 s
  clock_.Advance(seconds(19));
  EXPECT_EQ(*worker->RunOnce(), 0);
  clock_.Advance(seconds(1));
  EXPECT_EQ(*worker->RunOnce(), 1);  // 200
  clock_.Advance(seconds(3600));
  EXPECT_EQ(*worker->RunOnce(), 0);  // acknowledged: never sent again

  std::vector<httplib::Request> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 3u);
  std::set<std::string> ids;
  for (const httplib::Request& request : requests) {
    ids.insert(request.get_header_value("webhook-id"));
    std::string timestamp = request.get_header_value("webhook-timestamp");
    Result<std::string> expected = SignWebhook(hook->secret, request.get_header_value("webhook-id"),
                                               std::stoll(timestamp), request.body);
    ASSERT_TRUE(expected.ok());
    EXPECT_EQ(request.get_header_value("webhook-signature"), *expected);
    json payload = json::parse(request.body);
    EXPECT_EQ(payload["type"], "notice.created");
    EXPECT_EQ(payload["data"]["id"], notice->id);
    EXPECT_EQ(payload["data"]["body"], notice->body);
  }
  EXPECT_EQ(ids.size(), 1u) << "the idempotency id is the same on every retry";

  NoticeView view = View("org_customs", notice->id);
  ASSERT_EQ(view.deliveries.size(), 1u);
  const NoticeDeliveryRecord& delivery = view.deliveries[0];
  EXPECT_EQ(delivery.id, *ids.begin());
  EXPECT_EQ(delivery.status, "delivered");
  EXPECT_EQ(delivery.attempts, 3);
  ASSERT_EQ(delivery.attempt_log.size(), 3u);
  EXPECT_EQ(delivery.attempt_log[0].http_status, 500);
  EXPECT_EQ(delivery.attempt_log[0].outcome, "failed");
  EXPECT_EQ(delivery.attempt_log[0].error, "HTTP 500");
  EXPECT_EQ(delivery.attempt_log[1].at - delivery.attempt_log[0].at, seconds(10));
  EXPECT_EQ(delivery.attempt_log[2].at - delivery.attempt_log[1].at, seconds(20));
  EXPECT_EQ(delivery.attempt_log[2].http_status, 200);
  EXPECT_EQ(delivery.attempt_log[2].outcome, "acknowledged");
  EXPECT_EQ(delivery.delivered_at, delivery.attempt_log[2].at);

  std::vector<AuditEvent> events;
  ASSERT_TRUE(store_->Read([&](ReadTx& tx) -> Status {
                       CORDON_ASSIGN_OR_RETURN(events, tx.ListAuditEvents(Scope{"org_customs"},
                                                                          notice->id));
                       return Status::Ok();
                     }).ok());
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].action, "notice.created");
  EXPECT_EQ(events[1].action, "notice.delivered");
}

TEST_F(DeliveryTest, AnUnreachableEndpointIsRetriedAndDeletingItCancels) {
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Caller holder;
  holder.org_id = "org_holder";
  holder.role = Role::kRightHolderRep;
  // Port 9 on loopback: nothing listens there (connection refused).
  Result<CreatedWebhook> hook =
      service.CreateWebhook(holder, {{"url", "http://127.0.0.1:9/hook"}});
  ASSERT_TRUE(hook.ok());
  Result<NoticeRecord> notice = CreateOne("org_holder");
  ASSERT_TRUE(notice.ok());
  std::unique_ptr<DeliveryWorker> worker = Worker();
  EXPECT_EQ(*worker->RunOnce(), 1);
  NoticeView view = View("org_holder", notice->id);
  ASSERT_EQ(view.deliveries.size(), 1u);
  EXPECT_EQ(view.deliveries[0].status, "pending");
  EXPECT_FALSE(view.deliveries[0].attempt_log[0].http_status.has_value());
  EXPECT_FALSE(view.deliveries[0].last_error.empty());
  EXPECT_EQ(view.deliveries[0].next_attempt_at, clock_.Now() + seconds(10));

  ASSERT_TRUE(service.DeleteWebhook(holder, hook->endpoint.id).ok());
  clock_.Advance(seconds(60));
  EXPECT_EQ(*worker->RunOnce(), 0);
  EXPECT_EQ(View("org_holder", notice->id).deliveries[0].status, "cancelled");
}

TEST_F(DeliveryTest, NoticesAreEmailedToThePartyAndTheOrganisationsHandlers) {
  test_support::SmtpReceiver smtp;
  ASSERT_TRUE(ValidateSmtpUrl(smtp.Url()).ok());
  std::unique_ptr<DeliveryWorker> worker = Worker(NewSmtpMailTransport(smtp.Url()));
  Result<NoticeRecord> to_holder = CreateOne("org_holder");
  Result<NoticeRecord> to_declarant =
      CreateOne("", {"Harbour Imports Ltd", "1 Quay", "DE", "ops@harbour.example"});
  ASSERT_TRUE(to_holder.ok() && to_declarant.ok());
  EXPECT_EQ(*worker->RunOnce(), 2);
  std::vector<test_support::ReceivedMail> mails = smtp.WaitFor(2, seconds(10));
  ASSERT_EQ(mails.size(), 2u);
  std::set<std::string> recipients;
  for (const test_support::ReceivedMail& mail : mails) {
    ASSERT_EQ(mail.to.size(), 1u);
    recipients.insert(mail.to[0]);
    EXPECT_EQ(mail.from, "<notices@customs.example>");
    EXPECT_NE(mail.data.find("Subject: Notice of suspension (case cas_1)"), std::string::npos);
    // The body arrives intact, including a line holding only "." (dot-stuffed
    // by the client, unstuffed by the server).
    EXPECT_NE(mail.data.find("\r\n\r\nCustoms have suspended the release of the goods.\r\n.\r\n"
                             "Legal basis: Art. 17(3)."),
              std::string::npos)
        << mail.data;
  }
  // The reader role does not handle notices, so it gets no e-mail.
  EXPECT_EQ(recipients,
            (std::set<std::string>{"<legal@holder.example>", "<ops@harbour.example>"}));
  NoticeView view = View("org_customs", to_declarant->id);
  ASSERT_EQ(view.deliveries.size(), 1u);
  EXPECT_EQ(view.deliveries[0].channel, "email");
  EXPECT_EQ(view.deliveries[0].status, "delivered");
}

TEST_F(DeliveryTest, AMailServerThatIsDownIsRetried) {
  std::unique_ptr<DeliveryWorker> worker = Worker(NewSmtpMailTransport("smtp://127.0.0.1:9"));
  Result<NoticeRecord> notice = CreateOne("org_holder");
  ASSERT_TRUE(notice.ok());
  EXPECT_EQ(*worker->RunOnce(), 1);
  NoticeView view = View("org_customs", notice->id);
  ASSERT_EQ(view.deliveries.size(), 1u);
  EXPECT_EQ(view.deliveries[0].status, "pending");
  EXPECT_EQ(view.deliveries[0].attempt_log[0].outcome, "failed");
  EXPECT_NE(view.deliveries[0].last_error.find("SMTP"), std::string::npos);
}

// Regression: planning and listing reused one prepared statement across
// rows without a reset, so a notice with more than one delivery could not be
// planned (and blocked the notices after it).
TEST_F(DeliveryTest, ANoticeWithSeveralDeliveriesIsPlannedAndListed) {
  Receiver first(0);
  Receiver second(0);
  test_support::SmtpReceiver smtp;
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Caller holder;
  holder.org_id = "org_holder";
  holder.role = Role::kRightHolderRep;
  ASSERT_TRUE(service.CreateWebhook(holder, {{"url", first.Url()}}).ok());
  ASSERT_TRUE(service.CreateWebhook(holder, {{"url", second.Url()}}).ok());
  Result<NoticeRecord> notice = CreateOne("org_holder");
  Result<NoticeRecord> later = CreateOne("org_holder");
  ASSERT_TRUE(notice.ok() && later.ok());
  std::unique_ptr<DeliveryWorker> worker = Worker(NewSmtpMailTransport(smtp.Url()));
  EXPECT_EQ(*worker->RunOnce(), 6);
  for (const std::string& id : {notice->id, later->id}) {
    NoticeView view = View("org_holder", id);
    ASSERT_EQ(view.deliveries.size(), 3u);
    for (const NoticeDeliveryRecord& delivery : view.deliveries) {
      EXPECT_EQ(delivery.status, "delivered") << delivery.channel;
      EXPECT_EQ(delivery.attempt_log.size(), 1u);
    }
  }
  EXPECT_EQ(first.Requests().size(), 2u);
  EXPECT_EQ(second.Requests().size(), 2u);
  EXPECT_EQ(smtp.WaitFor(2, seconds(10)).size(), 2u);
}

// --- Webhook secrets at rest (docs/notifications.md "Secrets at rest")

Caller HolderRep() {
  Caller holder;
  holder.org_id = "org_holder";
  holder.role = Role::kRightHolderRep;
  return holder;
}

TEST_F(DeliveryTest, WebhookSecretIsStoredSealedAndOpenedOnlyToSign) {
  Receiver receiver(/*failures=*/0);
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Result<CreatedWebhook> hook = service.CreateWebhook(HolderRep(), {{"url", receiver.Url()}});
  ASSERT_TRUE(hook.ok()) << hook.error().ToString();
  ASSERT_EQ(hook->secret.rfind("whsec_", 0), 0u);

  // The row in the file: the sealed form, nothing of the secret.
  const std::string stored = RawSecret(hook->endpoint.id);
  EXPECT_EQ(stored.rfind("v1:" + secrets_key_.key_id() + ":", 0), 0u) << stored;
  EXPECT_EQ(stored.find(hook->secret.substr(6, 12)), std::string::npos) << stored;
  EXPECT_EQ(RunSql("SELECT count(*) FROM webhook_endpoints WHERE secret LIKE '%" +
                   hook->secret.substr(6) + "%'"),
            "0");
  EXPECT_EQ(OpenWebhookSecret(secrets_key_, hook->endpoint).value(), hook->secret);

  ASSERT_TRUE(CreateOne("org_holder").ok());
  EXPECT_EQ(*Worker()->RunOnce(), 1);
  std::vector<httplib::Request> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  Result<std::string> expected =
      SignWebhook(hook->secret, requests[0].get_header_value("webhook-id"),
                  std::stoll(requests[0].get_header_value("webhook-timestamp")), requests[0].body);
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(requests[0].get_header_value("webhook-signature"), *expected);
}

TEST_F(DeliveryTest, AWrongKeySendsNothingAndRecordsWhyNamingTheEndpoint) {
  Receiver receiver(/*failures=*/0);
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Result<CreatedWebhook> hook = service.CreateWebhook(HolderRep(), {{"url", receiver.Url()}});
  ASSERT_TRUE(hook.ok());
  Result<NoticeRecord> notice = CreateOne("org_holder");
  ASSERT_TRUE(notice.ok());

  SecretsKey other_key = SecretsKey::Generate(rng_);
  DeliveryOptions options;
  options.backoff = {seconds(10), seconds(60)};
  DeliveryWorker wrong(*store_, clock_, rng_, other_key, NewHttpWebhookTransport(),
                       std::move(options));
  EXPECT_EQ(*wrong.RunOnce(), 1);
  EXPECT_TRUE(receiver.Requests().empty()) << "nothing is sent, signed or not";

  NoticeView view = View("org_customs", notice->id);
  ASSERT_EQ(view.deliveries.size(), 1u);
  EXPECT_EQ(view.deliveries[0].status, "pending");
  ASSERT_EQ(view.deliveries[0].attempt_log.size(), 1u);
  const DeliveryAttemptRecord& attempt = view.deliveries[0].attempt_log[0];
  EXPECT_EQ(attempt.outcome, "failed");
  EXPECT_FALSE(attempt.http_status.has_value());
  EXPECT_NE(attempt.error.find("not sent"), std::string::npos) << attempt.error;
  EXPECT_NE(attempt.error.find(hook->endpoint.id), std::string::npos) << attempt.error;
  EXPECT_NE(attempt.error.find(other_key.key_id()), std::string::npos) << attempt.error;

  // With the right key back, the retry goes out, correctly signed.
  clock_.Advance(seconds(10));
  EXPECT_EQ(*Worker()->RunOnce(), 1);
  std::vector<httplib::Request> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(
      requests[0].get_header_value("webhook-signature"),
      SignWebhook(hook->secret, requests[0].get_header_value("webhook-id"),
                  std::stoll(requests[0].get_header_value("webhook-timestamp")), requests[0].body)
          .value());
  EXPECT_EQ(View("org_customs", notice->id).deliveries[0].status, "delivered");
}

TEST_F(DeliveryTest, ASealedSecretAlteredOrMovedToAnotherEndpointDoesNotOpen) {
  Receiver first(/*failures=*/0);
  Receiver second(/*failures=*/0);
  NotificationService service(*store_, clock_, rng_, secrets_key_);
  Result<CreatedWebhook> hook1 = service.CreateWebhook(HolderRep(), {{"url", first.Url()}});
  Result<CreatedWebhook> hook2 = service.CreateWebhook(HolderRep(), {{"url", second.Url()}});
  ASSERT_TRUE(hook1.ok() && hook2.ok());

  // Endpoint 2 gets endpoint 1's sealed secret (same key, valid ciphertext):
  // the associated data binds it to endpoint 1.
  RunSql("UPDATE webhook_endpoints SET secret = '" + RawSecret(hook1->endpoint.id) +
         "' WHERE id = '" + hook2->endpoint.id + "'");
  Result<NoticeRecord> notice = CreateOne("org_holder");
  ASSERT_TRUE(notice.ok());
  EXPECT_EQ(*Worker()->RunOnce(), 2);
  EXPECT_EQ(first.Requests().size(), 1u);
  EXPECT_TRUE(second.Requests().empty());
  for (const NoticeDeliveryRecord& delivery : View("org_holder", notice->id).deliveries) {
    if (delivery.endpoint_id == hook1->endpoint.id) {
      EXPECT_EQ(delivery.status, "delivered");
      continue;
    }
    EXPECT_EQ(delivery.status, "pending");
    ASSERT_EQ(delivery.attempt_log.size(), 1u);
    EXPECT_NE(delivery.attempt_log[0].error.find(hook2->endpoint.id), std::string::npos)
        << delivery.attempt_log[0].error;
    EXPECT_NE(delivery.attempt_log[0].error.find("altered or belongs to another record"),
              std::string::npos)
        << delivery.attempt_log[0].error;
  }

  // One character of endpoint 1's ciphertext changed.
  std::string tampered = RawSecret(hook1->endpoint.id);
  tampered[tampered.size() - 5] = tampered[tampered.size() - 5] == 'A' ? 'B' : 'A';
  RunSql("UPDATE webhook_endpoints SET secret = '" + tampered + "' WHERE id = '" +
         hook1->endpoint.id + "'");
  Result<NoticeRecord> later = CreateOne("org_holder");
  ASSERT_TRUE(later.ok());
  clock_.Advance(seconds(1));
  EXPECT_EQ(*Worker()->RunOnce(), 2);
  EXPECT_EQ(first.Requests().size(), 1u) << "no request for the altered secret";
  for (const NoticeDeliveryRecord& delivery : View("org_holder", later->id).deliveries) {
    EXPECT_EQ(delivery.status, "pending");
    ASSERT_EQ(delivery.attempt_log.size(), 1u);
    EXPECT_NE(delivery.attempt_log[0].error.find(delivery.endpoint_id), std::string::npos);
  }
}

// A database written before secrets were sealed holds them in clear; the
// rows here are written with SQL as that version wrote them.
TEST_F(DeliveryTest, ClearSecretsOfAnEarlierVersionAreSealedAtStartAllAtOnce) {
  const std::string secret1 = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string secret2 = "whsec_AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=";
  Receiver receiver(/*failures=*/0);
  RunSql(
      "INSERT INTO webhook_endpoints (id, org_id, url, description, secret, created_at, "
      "deleted_at) VALUES ('whk_old1', 'org_holder', '" +
      receiver.Url() + "', '', '" + secret1 + "', '2026-01-01T00:00:00.000Z', NULL)");
  RunSql(
      "INSERT INTO webhook_endpoints (id, org_id, url, description, secret, created_at, "
      "deleted_at) VALUES ('whk_old2', 'org_holder', 'https://gone.example/', '', '" +
      secret2 + "', '2026-01-02T00:00:00.000Z', '2026-02-01T00:00:00.000Z')");
  EXPECT_EQ(WebhookSecretsSealedKeyId(*store_).value(), std::nullopt);

  // A third row that is neither clear nor sealed stops the whole conversion:
  // nothing is half-written.
  RunSql(
      "INSERT INTO webhook_endpoints (id, org_id, url, description, secret, created_at, "
      "deleted_at) VALUES ('whk_bad', 'org_holder', 'https://bad.example/', '', 'garbage', "
      "'2026-01-03T00:00:00.000Z', '2026-02-01T00:00:00.000Z')");
  Result<int> refused = PrepareWebhookSecrets(*store_, secrets_key_, rng_);
  ASSERT_FALSE(refused.ok());
  EXPECT_EQ(refused.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(refused.error().message().find("whk_bad"), std::string::npos);
  EXPECT_EQ(RawSecret("whk_old1"), secret1);
  EXPECT_EQ(RawSecret("whk_old2"), secret2);
  RunSql("DELETE FROM webhook_endpoints WHERE id = 'whk_bad'");

  Result<int> sealed = PrepareWebhookSecrets(*store_, secrets_key_, rng_);
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  EXPECT_EQ(*sealed, 2) << "the deleted endpoint's secret too";
  for (const auto& [endpoint_id, secret] :
       {std::pair{std::string("whk_old1"), secret1}, std::pair{std::string("whk_old2"), secret2}}) {
    const std::string id = endpoint_id;  // not a structured binding: captured below
    const std::string stored = RawSecret(id);
    EXPECT_EQ(stored.rfind("v1:" + secrets_key_.key_id() + ":", 0), 0u) << stored;
    EXPECT_EQ(stored.find(secret.substr(6, 12)), std::string::npos);
    WebhookEndpointRecord endpoint;
    ASSERT_TRUE(store_
                    ->Read([&](ReadTx& tx) -> Status {
                      CORDON_ASSIGN_OR_RETURN(endpoint, tx.GetWebhookEndpointForDelivery(id));
                      return Status::Ok();
                    })
                    .ok());
    EXPECT_EQ(OpenWebhookSecret(secrets_key_, endpoint).value(), secret);
  }
  EXPECT_EQ(WebhookSecretsSealedKeyId(*store_).value(), secrets_key_.key_id());
  EXPECT_EQ(PrepareWebhookSecrets(*store_, secrets_key_, rng_).value(), 0) << "idempotent";

  // Deliveries are signed with the secret the receiver was given long ago.
  ASSERT_TRUE(CreateOne("org_holder").ok());
  EXPECT_EQ(*Worker()->RunOnce(), 1);
  std::vector<httplib::Request> requests = receiver.Requests();
  ASSERT_EQ(requests.size(), 1u);
  EXPECT_EQ(
      requests[0].get_header_value("webhook-signature"),
      SignWebhook(secret1, requests[0].get_header_value("webhook-id"),
                  std::stoll(requests[0].get_header_value("webhook-timestamp")), requests[0].body)
          .value());

  // Secrets sealed with one key and another key at start: refused, naming
  // both keys, and the clear row added meanwhile stays as it was.
  RunSql(
      "INSERT INTO webhook_endpoints (id, org_id, url, description, secret, created_at, "
      "deleted_at) VALUES ('whk_old3', 'org_holder', 'https://late.example/', '', '" +
      secret1 + "', '2026-01-04T00:00:00.000Z', NULL)");
  SecretsKey other_key = SecretsKey::Generate(rng_);
  Result<int> mismatch = PrepareWebhookSecrets(*store_, other_key, rng_);
  ASSERT_FALSE(mismatch.ok());
  EXPECT_EQ(mismatch.error().code(), ErrorCode::kConflict);
  EXPECT_NE(mismatch.error().message().find(secrets_key_.key_id()), std::string::npos);
  EXPECT_NE(mismatch.error().message().find(other_key.key_id()), std::string::npos);
  EXPECT_EQ(RawSecret("whk_old3"), secret1);
}

TEST(SmtpUrl, IsValidated) {
  EXPECT_TRUE(ValidateSmtpUrl("smtp://mail.example:25").ok());
  EXPECT_TRUE(ValidateSmtpUrl("smtps://mail.example").ok());
  EXPECT_FALSE(ValidateSmtpUrl("http://mail.example").ok());
  EXPECT_FALSE(ValidateSmtpUrl("smtp://").ok());
  EXPECT_FALSE(ValidateSmtpUrl("smtp://:25").ok());
}

}  // namespace
}  // namespace cordon
