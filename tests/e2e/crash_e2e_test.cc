// Crash safety: the server is killed with SIGKILL in the middle of a burst of
// writes; after a restart every acknowledged write is there, complete, and
// nothing is half-written.
#include <gtest/gtest.h>
#include <signal.h>
#include <sqlite3.h>

#include <atomic>
#include <mutex>
#include <thread>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

struct Acknowledged {
  std::string id;
  std::string marker;
  bool submitted = false;
};

std::string QueryText(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  std::string value = "<error>";
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) == SQLITE_OK &&
      sqlite3_step(statement) == SQLITE_ROW) {
    const unsigned char* text = sqlite3_column_text(statement, 0);
    value = text ? reinterpret_cast<const char*>(text) : "";
  }
  sqlite3_finalize(statement);
  return value;
}

int CountRows(sqlite3* db, const char* sql) {
  sqlite3_stmt* statement = nullptr;
  if (sqlite3_prepare_v2(db, sql, -1, &statement, nullptr) != SQLITE_OK) return -1;
  int rows = 0;
  while (sqlite3_step(statement) == SQLITE_ROW) ++rows;
  sqlite3_finalize(statement);
  return rows;
}

TEST(CrashE2E, SigkillDuringWritesLosesNoAcknowledgedWrite) {
  TempDir dir;
  std::filesystem::path db = dir.path() / "crash.db";
  auto server = std::make_unique<Server>(db, std::vector<std::string>{"--demo"}, dir.path());
  const int port = server->port();

  constexpr int kWriters = 4;
  std::mutex mutex;
  std::vector<Acknowledged> acknowledged;
  std::atomic<int> created{0};
  std::atomic<int> logged_in{0};
  std::atomic<bool> stop{false};
  std::vector<std::thread> writers;
  for (int writer = 0; writer < kWriters; ++writer) {
    writers.emplace_back([&, writer] {
      Client client(port);
      client.Login(writer % 2 == 0 ? "legal@zentra.demo" : "legal@lumio.demo");
      ++logged_in;
      for (int sequence = 0; !stop; ++sequence) {
        json body = ExampleApplication();
        std::string marker = "crash w" + std::to_string(writer) + " n" + std::to_string(sequence);
        body["authentic_features"] = marker;
        body["rights"][0]["registration"] = "REG " + marker;
        Response response = client.Post("/api/v1/applications", body);
        if (response.status != 201) break;  // the server is gone
        Acknowledged ack{response.body["id"], marker, false};
        if (sequence % 2 == 0) {
          Response submitted = client.Post("/api/v1/applications/" + ack.id + "/submit");
          if (submitted.status == 200) ack.submitted = true;
        }
        {
          std::lock_guard<std::mutex> lock(mutex);
          acknowledged.push_back(ack);
        }
        ++created;
      }
    });
  }
  // Kill in the middle of the burst, once every writer is signed in (a login
  // cut off by the kill is not a write) and a good number of writes landed.
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while ((logged_in < kWriters || created < 60) && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  int wait_status = server->Kill(SIGKILL);
  stop = true;
  for (std::thread& thread : writers) thread.join();
  ASSERT_TRUE(WIFSIGNALED(wait_status)) << "the server must die by SIGKILL";
  ASSERT_GE(acknowledged.size(), 20u) << "too few writes landed before the kill";

  server = std::make_unique<Server>(db, std::vector<std::string>{}, dir.path());
  Client zentra(server->port());
  zentra.Login("legal@zentra.demo");
  Client lumio(server->port());
  lumio.Login("legal@lumio.demo");
  for (const Acknowledged& ack : acknowledged) {
    Client& client = ack.marker.find("w0") != std::string::npos ||
                             ack.marker.find("w2") != std::string::npos
                         ? zentra
                         : lumio;
    Response read = client.Get("/api/v1/applications/" + ack.id);
    ASSERT_EQ(read.status, 200) << "acknowledged write lost: " << ack.id << " " << read.raw;
    EXPECT_EQ(read.body["authentic_features"], ack.marker);
    EXPECT_EQ(read.body["rights"][0]["registration"], "REG " + ack.marker);
    EXPECT_EQ(read.body["goods"][0]["hs"].size(), 5u);
    if (ack.submitted) {
      EXPECT_EQ(read.body["status"], "submitted") << ack.id;
    }
  }

  // Nothing half-written: the database is intact, every stored application is
  // complete, and every submission has its audit event (same transaction).
  sqlite3* handle = nullptr;
  ASSERT_EQ(sqlite3_open_v2(db.c_str(), &handle, SQLITE_OPEN_READONLY, nullptr), SQLITE_OK);
  EXPECT_EQ(QueryText(handle, "PRAGMA integrity_check"), "ok");
  EXPECT_EQ(CountRows(handle, "PRAGMA foreign_key_check"), 0) << "foreign key violations";
  EXPECT_EQ(QueryText(handle,
                      "SELECT count(*) FROM applications a WHERE a.status = 'submitted' AND NOT "
                      "EXISTS (SELECT 1 FROM audit_events e WHERE e.object_id = a.id AND "
                      "e.action = 'application.submitted')"),
            "0");
  EXPECT_EQ(QueryText(handle,
                      "SELECT count(*) FROM applications a WHERE NOT EXISTS (SELECT 1 FROM "
                      "application_access x WHERE x.application_id = a.id)"),
            "0");
  sqlite3_close(handle);

  for (Client* client : {&zentra, &lumio}) {
    std::string cursor;
    do {
      Response page = client->Get("/api/v1/applications?limit=200" +
                                  (cursor.empty() ? "" : "&cursor=" + cursor));
      ASSERT_EQ(page.status, 200) << page.raw;
      for (const json& item : page.body["items"]) {
        EXPECT_FALSE(item["rights"].empty()) << item.dump();
        EXPECT_FALSE(item["goods"].empty()) << item.dump();
      }
      cursor = page.body["next_cursor"].is_string() ? page.body["next_cursor"].get<std::string>()
                                                    : "";
    } while (!cursor.empty());
  }
}

}  // namespace
}  // namespace cordon::e2e
