// Notices end to end: the real `cordon serve` delivers a notice to a real
// webhook receiver on 127.0.0.1 that fails the first attempts, signed so the
// receiver can verify it with its own HMAC (OpenSSL here, independent of
// Cordon's libsodium code); e-mails it through a real SMTP conversation; shows
// it in the recipient's inbox only; and finishes a pending delivery after a
// restart.
#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/sha.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "e2e/harness.h"
#include "e2e/webhook_receiver.h"
#include "support/smtp_receiver.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;
using std::chrono::milliseconds;
using std::chrono::seconds;
using std::chrono::steady_clock;

// The receiver's own verification, as docs/notifications.md tells receivers
// to do it: HMAC-SHA256 keyed with base64-decode(secret without "whsec_")
// over "<webhook-id>.<webhook-timestamp>.<body>", base64, prefixed "v1,".
std::string ExpectedSignature(const std::string& secret, const std::string& id,
                              const std::string& timestamp, const std::string& body) {
  std::string encoded = secret.substr(std::string("whsec_").size());
  std::vector<unsigned char> key(encoded.size());
  int length = EVP_DecodeBlock(key.data(), reinterpret_cast<const unsigned char*>(encoded.data()),
                               static_cast<int>(encoded.size()));
  if (length <= 0) return "";
  while (!encoded.empty() && encoded.back() == '=') {
    encoded.pop_back();
    --length;
  }
  std::string content = id + "." + timestamp + "." + body;
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_length = 0;
  HMAC(EVP_sha256(), key.data(), length, reinterpret_cast<const unsigned char*>(content.data()),
       content.size(), mac, &mac_length);
  std::vector<unsigned char> text(4 * ((mac_length + 2) / 3) + 1);
  EVP_EncodeBlock(text.data(), mac, static_cast<int>(mac_length));
  return "v1," + std::string(reinterpret_cast<char*>(text.data()));
}

// The signature `request` should carry when signed with `secret`.
std::string ExpectedSignature(const std::string& secret, const httplib::Request& request) {
  return ExpectedSignature(secret, request.get_header_value("webhook-id"),
                           request.get_header_value("webhook-timestamp"), request.body);
}

Client As(int port, const std::string& email) {
  Client client(port);
  client.Login(email);
  return client;
}

// Files, submits and rejects the example application as Zentra / Customs DE:
// the decision is notified to Zentra (608/2013 Art. 9). Returns the
// application id.
std::string DecideExample(Client& zentra, Client& officer) {
  Response created = zentra.Post("/api/v1/applications", ExampleApplication());
  EXPECT_EQ(created.status, 201) << created.raw;
  std::string id = created.body.value("id", "");
  EXPECT_EQ(zentra.Post("/api/v1/applications/" + id + "/submit").status, 200);
  Response decided = officer.Post("/api/v1/applications/" + id + "/decision",
                                  {{"decision", "reject"}, {"reason", "no proof of the right"}});
  EXPECT_EQ(decided.status, 200) << decided.raw;
  return id;
}

// The notice about `object_id` in the caller's box, or null.
json FindNotice(Client& client, const std::string& object_id, const std::string& query = "") {
  std::string cursor;
  for (int page = 0; page < 100; ++page) {
    std::string path = "/api/v1/notifications?limit=50" + query;
    if (!cursor.empty()) path += "&cursor=" + cursor;
    Response listed = client.Get(path);
    EXPECT_EQ(listed.status, 200) << listed.raw;
    if (listed.status != 200) return nullptr;
    for (const json& notice : listed.body["items"]) {
      if (notice["object"]["id"] == object_id) return notice;
    }
    if (listed.body["next_cursor"].is_null()) return nullptr;
    cursor = listed.body["next_cursor"];
  }
  return nullptr;
}

// Polls GET /notifications/{id} until every delivery is delivered.
json WaitDelivered(Client& client, const std::string& notice_id, size_t deliveries) {
  json notice;
  auto deadline = steady_clock::now() + seconds(60);
  while (steady_clock::now() < deadline) {
    Response got = client.Get("/api/v1/notifications/" + notice_id);
    if (got.status != 200) return got.body;
    notice = got.body;
    size_t delivered = 0;
    for (const json& delivery : notice["deliveries"]) delivered += delivery["status"] == "delivered";
    if (notice["deliveries"].size() == deliveries && delivered == deliveries) return notice;
    std::this_thread::sleep_for(milliseconds(20));
  }
  return notice;
}

TEST(NotificationsE2E, NoticeReachesAFailingWebhookThenTheInboxAndTheMailbox) {
  TempDir dir;
  test_support::SmtpReceiver smtp;
  WebhookReceiver receiver(/*failures=*/2);
  Server server(dir.path() / "notices.db",
                {"--demo", "--smtp-url", smtp.Url(), "--mail-from", "notices@customs-de.demo",
                 "--delivery-retry-base-ms", "100", "--delivery-retry-cap-ms", "1000"},
                dir.path());
  Client zentra = As(server.port(), "legal@zentra.demo");
  Client officer = As(server.port(), "officer@customs-de.demo");
  Client lumio = As(server.port(), "legal@lumio.demo");

  // Webhook registration: validated, the secret shown once.
  Response bad = zentra.Post("/api/v1/webhooks", {{"url", "ftp://127.0.0.1/x"}});
  EXPECT_EQ(bad.status, 422) << bad.raw;
  EXPECT_EQ(ErrorFields(bad.body), std::vector<std::string>{"url"});
  Response hook = zentra.Post("/api/v1/webhooks", {{"url", receiver.Url()}, {"description", "ERP"}});
  ASSERT_EQ(hook.status, 201) << hook.raw;
  std::string secret = hook.body.value("secret", "");
  ASSERT_EQ(secret.rfind("whsec_", 0), 0u) << hook.raw;
  EXPECT_EQ(hook.Header("Location"), "/api/v1/webhooks/" + hook.body["id"].get<std::string>());
  Response hooks = zentra.Get("/api/v1/webhooks");
  ASSERT_EQ(hooks.status, 200);
  ASSERT_EQ(hooks.body["items"].size(), 1u);
  EXPECT_FALSE(hooks.body["items"][0].contains("secret"));
  EXPECT_TRUE(lumio.Get("/api/v1/webhooks").body["items"].empty());
  EXPECT_EQ(lumio.Delete("/api/v1/webhooks/" + hook.body["id"].get<std::string>()).status, 404);

  std::string application_id = DecideExample(zentra, officer);

  // The receiver gets the notice on the third attempt, each attempt signed,
  // all under one idempotency id.
  std::vector<httplib::Request> requests = receiver.WaitFor(3);
  ASSERT_GE(requests.size(), 3u) 
      << zentra.Get("/api/v1/notifications/" + FindNotice(zentra, application_id).value("id", ""))
             .raw
      << server.Log();
  std::set<std::string> ids;
  for (const httplib::Request& request : requests) {
    ids.insert(request.get_header_value("webhook-id"));
    EXPECT_EQ(request.get_header_value("webhook-signature"), ExpectedSignature(secret, request));
    json payload = json::parse(request.body);
    EXPECT_EQ(payload["type"], "notice.created");
    EXPECT_EQ(payload["data"]["kind"], "application.rejected_notice");
    EXPECT_EQ(payload["data"]["object"]["id"], application_id);
    EXPECT_NE(payload["data"]["body"].get<std::string>().find("no proof of the right"),
              std::string::npos);
  }
  EXPECT_EQ(ids.size(), 1u);

  // Zentra's inbox shows it, unread; the attempts are recorded, and exactly
  // one acknowledgement.
  json listed = FindNotice(zentra, application_id, "&unread=true");
  ASSERT_TRUE(listed.is_object()) << "notice not in Zentra's inbox";
  std::string notice_id = listed["id"];
  EXPECT_TRUE(listed["read_at"].is_null());
  EXPECT_EQ(listed["recipient_role"], "applicant");
  json notice = WaitDelivered(zentra, notice_id, 2);  // the webhook and the rep's e-mail
  json webhook_delivery;
  json mail_delivery;
  for (const json& delivery : notice["deliveries"]) {
    (delivery["channel"] == "webhook" ? webhook_delivery : mail_delivery) = delivery;
  }
  ASSERT_TRUE(webhook_delivery.is_object()) << notice.dump(2);
  EXPECT_EQ(webhook_delivery["id"], *ids.begin());
  EXPECT_EQ(webhook_delivery["status"], "delivered") << notice.dump(2);
  EXPECT_EQ(webhook_delivery["attempts"], 3);
  ASSERT_EQ(webhook_delivery["attempt_log"].size(), 3u);
  std::vector<int> statuses;
  int acknowledged = 0;
  for (const json& attempt : webhook_delivery["attempt_log"]) {
    statuses.push_back(attempt["http_status"]);
    acknowledged += attempt["outcome"] == "acknowledged";
  }
  EXPECT_EQ(statuses, (std::vector<int>{500, 500, 200}));
  EXPECT_EQ(acknowledged, 1);
  EXPECT_FALSE(webhook_delivery.contains("address")) << "the URL is not echoed";

  // The e-mail went to Zentra's representative through the SMTP server.
  ASSERT_TRUE(mail_delivery.is_object()) << notice.dump(2);
  EXPECT_EQ(mail_delivery["address"], "legal@zentra.demo");
  std::vector<test_support::ReceivedMail> mails = smtp.WaitFor(1, seconds(30));
  bool mailed = false;
  for (const test_support::ReceivedMail& mail : mails) {
    if (mail.data.find(application_id) != std::string::npos &&
        mail.to == std::vector<std::string>{"<legal@zentra.demo>"}) {
      mailed = true;
      EXPECT_EQ(mail.from, "<notices@customs-de.demo>");
      EXPECT_NE(mail.data.find("Regulation (EU) No 608/2013 Art. 9"), std::string::npos);
    }
  }
  EXPECT_TRUE(mailed);

  // Another organisation cannot see it; the sender sees it in its sent box.
  EXPECT_EQ(lumio.Get("/api/v1/notifications/" + notice_id).status, 404);
  EXPECT_EQ(lumio.Post("/api/v1/notifications/" + notice_id + "/read").status, 404);
  EXPECT_TRUE(FindNotice(lumio, application_id).is_null());
  EXPECT_TRUE(FindNotice(officer, application_id, "&box=sent").is_object());
  EXPECT_TRUE(FindNotice(officer, application_id).is_null()) << "not in the sender's inbox";

  // Reading: once, the first time kept; then it leaves the unread filter.
  Response read = zentra.Post("/api/v1/notifications/" + notice_id + "/read");
  ASSERT_EQ(read.status, 200) << read.raw;
  ASSERT_TRUE(read.body["read_at"].is_string());
  Response again = zentra.Post("/api/v1/notifications/" + notice_id + "/read");
  EXPECT_EQ(again.body["read_at"], read.body["read_at"]);
  EXPECT_TRUE(FindNotice(zentra, application_id, "&unread=true").is_null());
  EXPECT_TRUE(FindNotice(zentra, application_id).is_object());
  EXPECT_EQ(officer.Post("/api/v1/notifications/" + notice_id + "/read").status, 409);

  // Bad queries name their parameter.
  Response bad_query = zentra.Get("/api/v1/notifications?unread=yes&limit=0&box=outbox");
  EXPECT_EQ(bad_query.status, 422);
  EXPECT_EQ(ErrorFields(bad_query.body), (std::vector<std::string>{"box", "unread", "limit"}));
  // Roles that do not handle notices are refused.
  Client reader = As(server.port(), "reader@police-de.demo");
  EXPECT_EQ(reader.Get("/api/v1/notifications").status, 403);
  // Acknowledged once, never sent again (the fake-clock unit test proves it
  // for any wait; here the rest of the scenario ran meanwhile).
  EXPECT_EQ(receiver.Requests().size(), 3u);
}

TEST(NotificationsE2E, CaseNoticesReachTheHolderThroughAFailingWebhookAndTheDeclarantByMail) {
  TempDir dir;
  test_support::SmtpReceiver smtp;
  WebhookReceiver receiver(/*failures=*/2);
  // Monday 2 March 2026 on the DE calendar: response_due is 16 March.
  Server server(dir.path() / "case-notices.db",
                {"--demo", "--clock-start", "2026-03-02T09:00:00Z", "--smtp-url", smtp.Url(),
                 "--mail-from", "notices@customs-de.demo", "--delivery-retry-base-ms", "100",
                 "--delivery-retry-cap-ms", "1000"},
                dir.path());
  Client zentra = As(server.port(), "legal@zentra.demo");
  Client officer = As(server.port(), "officer@customs-de.demo");
  ASSERT_EQ(zentra.Post("/api/v1/webhooks", {{"url", receiver.Url()}}).status, 201);

  json application = ExampleApplication();
  application["filed_with"] = "DE";
  Response filed = zentra.Post("/api/v1/applications", application);
  ASSERT_EQ(filed.status, 201) << filed.raw;
  std::string application_id = filed.body["id"];
  ASSERT_EQ(zentra.Post("/api/v1/applications/" + application_id + "/submit").status, 200);
  ASSERT_EQ(officer
                .Post("/api/v1/applications/" + application_id + "/decision",
                      {{"decision", "grant"}, {"valid_until", "2027-03-01"}})
                .status,
            200);

  json case_body = {
      {"office", "DEHAM"},
      {"procedure", "application"},
      {"application_id", application_id},
      {"declarant",
       {{"name", "Hafen Zoll Service GmbH"}, {"address", "Kai 1, Hamburg"}, {"country", "DE"},
        {"email", "customs@hafen-zoll.example"}}},
      {"goods",
       {{{"description", "sports shoes bearing the ZENTRA mark"}, {"hs", "640411"},
         {"quantity", 1200}, {"unit", "pairs"}, {"product_category", "shoes"},
         {"ipr_type", "trademark"}, {"mark", "ZENTRA"}, {"estimated_value_eur", 54000}}}}};
  json bad_body = case_body;
  bad_body["declarant"]["email"] = "not an address";
  Response refused = officer.Post("/api/v1/cases", bad_body);
  EXPECT_EQ(refused.status, 422) << refused.raw;
  EXPECT_EQ(ErrorFields(refused.body), std::vector<std::string>{"declarant.email"});

  Response opened = officer.Post("/api/v1/cases", case_body);
  ASSERT_EQ(opened.status, 201) << opened.raw;
  std::string case_id = opened.body["id"];
  std::string holder_notice, declarant_notice;
  for (const json& notice : opened.body["notices"]) {
    EXPECT_EQ(notice["kind"], "case.suspension_notice");
    EXPECT_EQ(notice["object"]["id"], case_id);
    (notice["recipient_role"] == "right_holder" ? holder_notice : declarant_notice) = notice["id"];
  }
  ASSERT_FALSE(holder_notice.empty()) << opened.raw;
  ASSERT_FALSE(declarant_notice.empty()) << opened.raw;

  // The holder's notice: its webhook failed twice and took it on the third
  // attempt; its representative was e-mailed too.
  json holder = WaitDelivered(zentra, holder_notice, 2);
  json webhook;
  for (const json& delivery : holder["deliveries"]) {
    if (delivery["channel"] == "webhook") webhook = delivery;
  }
  ASSERT_TRUE(webhook.is_object()) << holder.dump(2);
  EXPECT_EQ(webhook["status"], "delivered") << holder.dump(2);
  std::vector<int> statuses;
  for (const json& attempt : webhook["attempt_log"]) statuses.push_back(attempt["http_status"]);
  EXPECT_EQ(statuses, (std::vector<int>{500, 500, 200}));
  std::vector<httplib::Request> attempts = AttemptsOf(receiver.Requests(), webhook["id"]);
  ASSERT_EQ(attempts.size(), 3u);
  json payload = json::parse(attempts.back().body);
  EXPECT_EQ(payload["data"]["kind"], "case.suspension_notice");
  EXPECT_EQ(payload["data"]["object"]["id"], case_id);
  std::string text = payload["data"]["body"];
  EXPECT_NE(text.find("2026-03-16"), std::string::npos) << text;  // response_due
  EXPECT_NE(text.find("Art. 23(1)(a)-(b)"), std::string::npos) << text;
  EXPECT_EQ(payload["data"]["data"]["deadlines"]["response_due"]["due"], "2026-03-16");

  // The declarant's notice went by e-mail to the address given in the case.
  json declarant = WaitDelivered(officer, declarant_notice, 1);
  ASSERT_EQ(declarant["deliveries"].size(), 1u) << declarant.dump(2);
  EXPECT_EQ(declarant["deliveries"][0]["channel"], "email");
  EXPECT_EQ(declarant["deliveries"][0]["address"], "customs@hafen-zoll.example");
  EXPECT_EQ(declarant["deliveries"][0]["status"], "delivered") << declarant.dump(2);
  bool mailed = false;
  for (const test_support::ReceivedMail& mail : smtp.WaitFor(2, seconds(30))) {
    if (mail.to == std::vector<std::string>{"<customs@hafen-zoll.example>"}) {
      mailed = true;
      EXPECT_NE(mail.data.find(case_id), std::string::npos);
      EXPECT_NE(mail.data.find("Art. 23(1)(c)"), std::string::npos);
    }
  }
  EXPECT_TRUE(mailed);
  EXPECT_TRUE(FindNotice(zentra, case_id).is_object()) << "in the holder's inbox";

  // The case shows its notices with their deliveries: all of them to the
  // administration, the holder's own to the holder.
  Response seen = officer.Get("/api/v1/cases/" + case_id);
  ASSERT_EQ(seen.status, 200);
  ASSERT_EQ(seen.body["notices"].size(), 2u);
  for (const json& notice : seen.body["notices"]) {
    ASSERT_FALSE(notice["deliveries"].empty()) << notice.dump(2);
    for (const json& delivery : notice["deliveries"]) EXPECT_EQ(delivery["status"], "delivered");
  }
  Response holder_view = zentra.Get("/api/v1/cases/" + case_id);
  ASSERT_EQ(holder_view.status, 200);
  ASSERT_EQ(holder_view.body["notices"].size(), 1u);
  EXPECT_EQ(holder_view.body["notices"][0]["id"], holder_notice);
}

TEST(NotificationsE2E, APendingDeliveryIsCompletedAfterARestart) {
  TempDir dir;
  WebhookReceiver receiver(/*failures=*/0);
  receiver.SetRefusing(true);
  std::string notice_id;
  std::string application_id;
  {
    Server server(dir.path() / "restart.db",
                  {"--demo", "--delivery-retry-base-ms", "50", "--delivery-retry-cap-ms", "200"},
                  dir.path());
    Client zentra = As(server.port(), "legal@zentra.demo");
    Client officer = As(server.port(), "officer@customs-de.demo");
    ASSERT_EQ(zentra.Post("/api/v1/webhooks", {{"url", receiver.Url()}}).status, 201);
    application_id = DecideExample(zentra, officer);
    ASSERT_GE(receiver.WaitFor(2).size(), 2u);  // refused twice: still pending
    json listed = FindNotice(zentra, application_id);
    ASSERT_TRUE(listed.is_object());
    notice_id = listed["id"];
    Response pending = zentra.Get("/api/v1/notifications/" + notice_id);
    ASSERT_EQ(pending.status, 200);
    EXPECT_EQ(pending.body["deliveries"][0]["status"], "pending");
    EXPECT_EQ(server.Kill(SIGTERM), 0);
  }
  size_t before_restart = receiver.Requests().size();
  receiver.SetRefusing(false);
  Server restarted(dir.path() / "restart.db",
                   {"--delivery-retry-base-ms", "50", "--delivery-retry-cap-ms", "200"},
                   dir.path());
  Client zentra = As(restarted.port(), "legal@zentra.demo");
  json notice = WaitDelivered(zentra, notice_id, 1);
  ASSERT_EQ(notice["deliveries"].size(), 1u) << notice.dump(2);
  const json& delivery = notice["deliveries"][0];
  EXPECT_EQ(delivery["status"], "delivered") << notice.dump(2);
  EXPECT_EQ(delivery["attempt_log"].size(), before_restart + 1);
  EXPECT_EQ(delivery["attempt_log"].back()["http_status"], 200);
  EXPECT_EQ(receiver.Requests().size(), before_restart + 1);
}

// The `secret` column of one endpoint, read from (or written to) the
// database file with SQLite directly; "" when there is no such row.
std::string StoredSecret(const std::filesystem::path& db_path, const std::string& endpoint_id,
                         const std::string& new_value = "") {
  sqlite3* db = nullptr;
  EXPECT_EQ(sqlite3_open(db_path.c_str(), &db), SQLITE_OK);
  sqlite3_busy_timeout(db, 5000);
  const char* sql = new_value.empty() ? "SELECT secret FROM webhook_endpoints WHERE id = ?1"
                                      : "UPDATE webhook_endpoints SET secret = ?2 WHERE id = ?1";
  sqlite3_stmt* statement = nullptr;
  EXPECT_EQ(sqlite3_prepare_v2(db, sql, -1, &statement, nullptr), SQLITE_OK) << sqlite3_errmsg(db);
  sqlite3_bind_text(statement, 1, endpoint_id.c_str(), -1, SQLITE_TRANSIENT);
  if (!new_value.empty()) sqlite3_bind_text(statement, 2, new_value.c_str(), -1, SQLITE_TRANSIENT);
  std::string value;
  const int step = sqlite3_step(statement);
  EXPECT_TRUE(step == SQLITE_ROW || step == SQLITE_DONE) << sqlite3_errmsg(db);
  if (step == SQLITE_ROW) value = reinterpret_cast<const char*>(sqlite3_column_text(statement, 0));
  sqlite3_finalize(statement);
  sqlite3_close(db);
  return value;
}

std::string FileText(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// "cordon-secrets-key+<key id>+<base64 key>\n" -> the key id.
std::string KeyIdOfKeyFile(const std::filesystem::path& path) {
  const std::string text = FileText(path);
  const size_t first = text.find('+');
  const size_t second = text.find('+', first + 1);
  if (first == std::string::npos || second == std::string::npos) return "";
  return text.substr(first + 1, second - first - 1);
}

// A secrets key file for 32 bytes of 0x07, written as docs/notifications.md
// describes it (key id = SHA-256("cordon-secrets-key\n" || key)[:4]).
std::string WriteOtherKeyFile(const std::filesystem::path& path) {
  const std::string key(32, '\x07');
  const std::string hashed = "cordon-secrets-key\n" + key;
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(hashed.data()), hashed.size(), digest);
  char key_id[9];
  std::snprintf(key_id, sizeof key_id, "%02x%02x%02x%02x", digest[0], digest[1], digest[2],
                digest[3]);
  unsigned char encoded[64] = {};
  EVP_EncodeBlock(encoded, reinterpret_cast<const unsigned char*>(key.data()), 32);
  {
    std::ofstream out(path);
    out << "cordon-secrets-key+" << key_id << "+" << encoded << "\n";
  }
  EXPECT_EQ(chmod(path.c_str(), 0600), 0);
  return key_id;
}

TEST(NotificationsE2E, WebhookSecretsAreSealedAtRestWithTheKeyFileBesideTheDatabase) {
  TempDir dir;
  const std::filesystem::path db = dir.path() / "sealed.db";
  const std::string key_path = db.string() + ".secrets-key";
  const std::vector<std::string> fast = {"--delivery-retry-base-ms", "50",
                                         "--delivery-retry-cap-ms", "200"};
  WebhookReceiver receiver(/*failures=*/0);
  std::string hook_id;
  std::string secret;
  std::string key_id;
  {
    std::vector<std::string> args = fast;
    args.push_back("--demo");
    Server server(db, args, dir.path());
    Client zentra = As(server.port(), "legal@zentra.demo");
    Client officer = As(server.port(), "officer@customs-de.demo");
    Response hook = zentra.Post("/api/v1/webhooks", {{"url", receiver.Url()}});
    ASSERT_EQ(hook.status, 201) << hook.raw;
    hook_id = hook.body["id"];
    secret = hook.body["secret"];

    // The key file was created on first start, private.
    struct stat info;
    ASSERT_EQ(stat(key_path.c_str(), &info), 0) << server.Log();
    EXPECT_EQ(info.st_mode & 0777, 0600u);
    key_id = KeyIdOfKeyFile(key_path);
    ASSERT_EQ(key_id.size(), 8u) << FileText(key_path);
    const std::string stored = StoredSecret(db, hook_id);
    EXPECT_EQ(stored.rfind("v1:" + key_id + ":", 0), 0u) << stored;
    EXPECT_EQ(stored.find(secret.substr(6, 12)), std::string::npos);

    DecideExample(zentra, officer);
    std::vector<httplib::Request> requests = receiver.WaitFor(1);
    ASSERT_EQ(requests.size(), 1u) << server.Log();
    EXPECT_EQ(requests[0].get_header_value("webhook-signature"),
              ExpectedSignature(secret, requests[0]));
    EXPECT_EQ(server.Kill(SIGTERM), 0);
  }
  // Nowhere in the database files.
  for (const char* suffix : {"", "-wal"}) {
    const std::filesystem::path file = db.string() + suffix;
    if (std::filesystem::exists(file)) {
      EXPECT_EQ(FileText(file).find(secret.substr(6)), std::string::npos) << file;
    }
  }

  // The database without its key file: refused, and no new key is made.
  std::filesystem::rename(key_path, key_path + ".backup");
  CommandResult missing =
      RunCordon({"serve", "--db", db.string(), "--listen", "127.0.0.1:0"}, dir.path());
  EXPECT_EQ(missing.exit_code, 1);
  EXPECT_NE(missing.err.find(key_path + " does not exist"), std::string::npos) << missing.err;
  EXPECT_NE(missing.err.find("sealed with secrets key " + key_id), std::string::npos)
      << missing.err;
  EXPECT_FALSE(std::filesystem::exists(key_path));
  std::filesystem::rename(key_path + ".backup", key_path);

  // A key file others can read: refused with the chmod to run.
  ASSERT_EQ(chmod(key_path.c_str(), 0644), 0);
  CommandResult exposed =
      RunCordon({"serve", "--db", db.string(), "--listen", "127.0.0.1:0"}, dir.path());
  EXPECT_EQ(exposed.exit_code, 1);
  EXPECT_NE(exposed.err.find("chmod 600 " + key_path), std::string::npos) << exposed.err;
  ASSERT_EQ(chmod(key_path.c_str(), 0600), 0);

  // Another key: refused, naming both.
  const std::filesystem::path other = dir.path() / "other.secrets-key";
  const std::string other_id = WriteOtherKeyFile(other);
  CommandResult wrong = RunCordon(
      {"serve", "--db", db.string(), "--listen", "127.0.0.1:0", "--secrets-key", other.string()},
      dir.path());
  EXPECT_EQ(wrong.exit_code, 1);
  EXPECT_NE(wrong.err.find("sealed with secrets key " + key_id), std::string::npos) << wrong.err;
  EXPECT_NE(wrong.err.find("holds key " + other_id), std::string::npos) << wrong.err;

  // The database as the version before sealing left it: the secret in
  // clear, no key file. The first start seals it with a new key, and the
  // receiver still verifies deliveries with the secret it was given.
  const std::string old_secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  StoredSecret(db, hook_id, old_secret);
  ASSERT_EQ(StoredSecret(db, hook_id), old_secret);
  std::filesystem::remove(key_path);
  Server upgraded(db, fast, dir.path());
  const std::string new_key_id = KeyIdOfKeyFile(key_path);
  ASSERT_EQ(new_key_id.size(), 8u);
  EXPECT_NE(new_key_id, key_id);
  EXPECT_EQ(StoredSecret(db, hook_id).rfind("v1:" + new_key_id + ":", 0), 0u);
  EXPECT_NE(upgraded.Log().find("sealed 1 webhook secrets"), std::string::npos) << upgraded.Log();
  Client zentra = As(upgraded.port(), "legal@zentra.demo");
  Client officer = As(upgraded.port(), "officer@customs-de.demo");
  DecideExample(zentra, officer);
  std::vector<httplib::Request> requests = receiver.WaitFor(2);
  ASSERT_EQ(requests.size(), 2u) << upgraded.Log();
  EXPECT_EQ(requests[1].get_header_value("webhook-signature"),
            ExpectedSignature(old_secret, requests[1]));
}

}  // namespace
}  // namespace cordon::e2e
