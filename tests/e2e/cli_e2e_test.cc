// The command line: bootstrap organisations and users, bulk import and export
// of applications (all or nothing), and clear errors for bad input.
#include <gtest/gtest.h>

#include <fstream>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

json ImportEntry(const std::string& holder, const std::string& mark) {
  json entry = ExampleApplication();
  entry["holder"]["name"] = holder;
  entry["rights"][0]["marks"] = json::array({mark});
  return entry;
}

void WriteJson(const std::filesystem::path& path, const json& document) {
  std::ofstream(path) << document.dump(2);
}

class CliE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = (dir_.path() / "cli.db").string();
    CommandResult org = RunCordon({"orgs", "add", "--db", db_, "--name", "Customs DE", "--kind",
                                   "customs", "--country", "DE", "--jurisdiction", "EU",
                                   "--office", "DEHAM", "--office", "DEFRA"},
                                  dir_.path());
    ASSERT_EQ(org.exit_code, 0) << org.err;
    ASSERT_EQ(org.out.rfind("org_", 0), 0u) << org.out;
  }

  json Export(const std::string& db) {
    CommandResult exported =
        RunCordon({"applications", "export", "--db", db, "--org", "Customs DE"}, dir_.path());
    EXPECT_EQ(exported.exit_code, 0) << exported.err;
    json document = json::parse(exported.out, nullptr, false);
    EXPECT_TRUE(document.is_array()) << exported.out;
    return document;
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(CliE2E, ImportIsAllOrNothing) {
  json entries = json::array({ImportEntry("Zentra Sportswear GmbH", "ZENTRA"),
                              ImportEntry("Lumio Electronics Ltd", "LUMIO"),
                              ImportEntry("Aurelle Cosmetiques SA", "AURELLE")});
  entries[1]["rights"][0]["nice_classes"] = json::array({9, 99});
  entries[2]["goods"][0]["hs"] = json::array({"3"});
  std::filesystem::path file = dir_.path() / "bad.json";
  WriteJson(file, entries);
  CommandResult result = RunCordon({"applications", "import", file.string(), "--db", db_,
                                    "--filed-with", "Customs DE"},
                                   dir_.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("[1].rights[0].nice_classes[1]"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("[2].goods[0].hs[0]"), std::string::npos) << result.err;
  EXPECT_TRUE(Export(db_).empty()) << "a rejected import must store nothing";
}

TEST_F(CliE2E, ImportMigratesGrantsAndExportRoundTrips) {
  json entries = json::array({ImportEntry("Zentra Sportswear GmbH", "ZENTRA"),
                              ImportEntry("Lumio Electronics Ltd", "LUMIO"),
                              ImportEntry("Aurelle Cosmetiques SA", "AURELLE")});
  entries[0]["status"] = "granted";
  entries[0]["valid_until"] = "2099-12-31";
  entries[1]["status"] = "granted";
  entries[1]["valid_until"] = "2001-01-31";  // an old grant, expired since
  entries[2]["status"] = "submitted";
  std::filesystem::path file = dir_.path() / "good.json";
  WriteJson(file, entries);
  CommandResult result = RunCordon({"applications", "import", file.string(), "--db", db_,
                                    "--filed-with", "Customs DE"},
                                   dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("imported 3"), std::string::npos) << result.out;

  json exported = Export(db_);
  ASSERT_EQ(exported.size(), 3u) << exported.dump(2);
  std::map<std::string, std::string> status_by_mark;
  for (const json& app : exported) {
    status_by_mark[app["rights"][0]["marks"][0]] = app["status"];
  }
  EXPECT_EQ(status_by_mark["ZENTRA"], "granted");
  EXPECT_EQ(status_by_mark["LUMIO"], "expired");
  EXPECT_EQ(status_by_mark["AURELLE"], "submitted");

  // The export imports into a fresh database and exports the same content.
  std::string second_db = (dir_.path() / "second.db").string();
  ASSERT_EQ(RunCordon({"orgs", "add", "--db", second_db, "--name", "Customs DE", "--kind",
                       "customs", "--country", "DE", "--jurisdiction", "EU"},
                      dir_.path())
                .exit_code,
            0);
  std::filesystem::path export_file = dir_.path() / "export.json";
  WriteJson(export_file, exported);
  CommandResult reimport = RunCordon({"applications", "import", export_file.string(), "--db",
                                      second_db, "--filed-with", "Customs DE"},
                                     dir_.path());
  ASSERT_EQ(reimport.exit_code, 0) << reimport.err;
  json again = Export(second_db);
  ASSERT_EQ(again.size(), 3u);
  for (const json& app : again) {
    const std::string mark = app["rights"][0]["marks"][0];
    EXPECT_EQ(app["status"], status_by_mark[mark]) << mark;
    EXPECT_EQ(app["goods"], exported[0]["goods"]);
  }
}

TEST_F(CliE2E, ExportToFileWritesValidJson) {
  std::filesystem::path out = dir_.path() / "out.json";
  CommandResult result = RunCordon(
      {"applications", "export", "--db", db_, "--org", "Customs DE", "--out", out.string()},
      dir_.path());
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::ifstream file(out);
  json document = json::parse(file, nullptr, false);
  EXPECT_TRUE(document.is_array());
}

TEST_F(CliE2E, BadInputGetsClearErrors) {
  CommandResult bad_country = RunCordon({"orgs", "add", "--db", db_, "--name", "Customs XX",
                                         "--kind", "customs", "--country", "XX", "--jurisdiction",
                                         "EU"},
                                        dir_.path());
  EXPECT_EQ(bad_country.exit_code, 1);
  EXPECT_NE(bad_country.err.find("country"), std::string::npos) << bad_country.err;

  CommandResult duplicate = RunCordon({"orgs", "add", "--db", db_, "--name", "Customs DE",
                                       "--kind", "customs", "--country", "DE", "--jurisdiction",
                                       "EU"},
                                      dir_.path());
  EXPECT_EQ(duplicate.exit_code, 1);

  CommandResult bad_kind =
      RunCordon({"orgs", "add", "--db", db_, "--name", "X", "--kind", "pirate"}, dir_.path());
  EXPECT_EQ(bad_kind.exit_code, 2);

  std::filesystem::path not_json = dir_.path() / "not.json";
  std::ofstream(not_json) << "[{\"kind\": ";
  CommandResult garbage =
      RunCordon({"applications", "import", not_json.string(), "--db", db_}, dir_.path());
  EXPECT_EQ(garbage.exit_code, 1);
  EXPECT_NE(garbage.err.find("JSON"), std::string::npos) << garbage.err;

  CommandResult missing_file =
      RunCordon({"applications", "import", "/nonexistent/file.json", "--db", db_}, dir_.path());
  EXPECT_EQ(missing_file.exit_code, 1);

  CommandResult bad_listen =
      RunCordon({"serve", "--db", db_, "--listen", "localhost"}, dir_.path());
  EXPECT_EQ(bad_listen.exit_code, 1);
  EXPECT_NE(bad_listen.err.find("listen"), std::string::npos) << bad_listen.err;

  // A database path whose folder cannot be made (a file stands in the way).
  std::filesystem::path blocker = dir_.path() / "blocker";
  std::ofstream(blocker) << "not a folder";
  CommandResult bad_db = RunCordon(
      {"serve", "--db", (blocker / "x" / "cordon.db").string(), "--listen", "127.0.0.1:0"},
      dir_.path());
  EXPECT_EQ(bad_db.exit_code, 1);
  EXPECT_NE(bad_db.err.find(blocker.string()), std::string::npos) << bad_db.err;

  // A file that is not a database is refused, not overwritten.
  std::filesystem::path not_db = dir_.path() / "notes.txt";
  std::ofstream(not_db) << "meeting notes, not a database, and long enough to have a header";
  CommandResult wrong_file =
      RunCordon({"serve", "--db", not_db.string(), "--listen", "127.0.0.1:0"}, dir_.path());
  EXPECT_EQ(wrong_file.exit_code, 1);
  EXPECT_NE(wrong_file.err.find("corrupt"), std::string::npos) << wrong_file.err;
}

TEST_F(CliE2E, UsersAddedOnTheCommandLineCanLogIn) {
  CommandResult user = RunCordon({"users", "add", "--db", db_, "--org", "Customs DE", "--email",
                                  "chief@customs-de.example", "--role", "admin", "--name",
                                  "Chief"},
                                 dir_.path(), "a-long-password\n");
  ASSERT_EQ(user.exit_code, 0) << user.err;
  CommandResult short_password = RunCordon({"users", "add", "--db", db_, "--org", "Customs DE",
                                            "--email", "x@customs-de.example", "--role", "admin"},
                                           dir_.path(), "short\n");
  EXPECT_EQ(short_password.exit_code, 1);
  EXPECT_NE(short_password.err.find("password"), std::string::npos) << short_password.err;

  Server server(db_, {}, dir_.path());
  Client client(server.port());
  client.Login("chief@customs-de.example", "a-long-password");
  Response me = client.Get("/api/v1/me");
  ASSERT_EQ(me.status, 200);
  EXPECT_EQ(me.body["user"]["role"], "admin");
}

}  // namespace
}  // namespace cordon::e2e
