// The delivery worker against real receivers on 127.0.0.1 (a cpp-httplib
// webhook receiver that fails the first attempts, a small SMTP server), on a
// real store, driven pass by pass with a fake clock.
#include <gtest/gtest.h>
#include <httplib.h>

#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "notify/delivery.h"
#include "notify/notify.h"
#include "store/sqlite_store.h"
#include "support/smtp_receiver.h"

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
    SqliteOptions options;
    options.path = ":memory:";
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
    NotificationService service(*store_, clock_, rng_);
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
    return std::make_unique<DeliveryWorker>(*store_, clock_, rng_, NewHttpWebhookTransport(),
                                            std::move(options));
  }

  FakeClock clock_{*ParseTimestamp("2026-12-21T09:00:00Z")};
  SeededRng rng_{3};
  std::unique_ptr<Store> store_;
};

TEST_F(DeliveryTest, RetriesWithBackoffUntilAcknowledgedAndRecordsEveryAttempt) {
  Receiver receiver(/*failures=*/2);
  NotificationService service(*store_, clock_, rng_);
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
    Result<std::string> expected = SignWebhook(hook->endpoint.secret,
                                               request.get_header_value("webhook-id"),
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
  NotificationService service(*store_, clock_, rng_);
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
  NotificationService service(*store_, clock_, rng_);
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

TEST(SmtpUrl, IsValidated) {
  EXPECT_TRUE(ValidateSmtpUrl("smtp://mail.example:25").ok());
  EXPECT_TRUE(ValidateSmtpUrl("smtps://mail.example").ok());
  EXPECT_FALSE(ValidateSmtpUrl("http://mail.example").ok());
  EXPECT_FALSE(ValidateSmtpUrl("smtp://").ok());
  EXPECT_FALSE(ValidateSmtpUrl("smtp://:25").ok());
}

}  // namespace
}  // namespace cordon
