// Risk screening end to end (issue 3): `cordon screen` on JSON Lines and CSV
// files against a rights file and against the demo database, selection under
// a budget and capacities, and over HTTP the analyst's profiles and batches,
// the frontline officer's selection queue and findings, and tenant isolation.
// Test data: tests/data/screening/e2e/.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <set>
#include <sstream>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

const std::filesystem::path kData =
    std::filesystem::path(CORDON_SOURCE_ROOT) / "tests" / "data" / "screening" / "e2e";

std::string Data(const std::string& name) { return (kData / name).string(); }

std::vector<json> ReadLines(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::vector<json> lines;
  std::string line;
  while (std::getline(file, line)) {
    json parsed = json::parse(line, nullptr, false);
    EXPECT_FALSE(parsed.is_discarded()) << "not JSON: " << line;
    lines.push_back(parsed);
  }
  return lines;
}

std::string ReadText(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

// The "summary {...}" line `cordon screen` writes to standard error.
json Summary(const std::string& err) {
  size_t at = err.rfind("summary {");
  if (at == std::string::npos) return nullptr;
  size_t end = err.find('\n', at);
  return json::parse(err.substr(at + 8, end == std::string::npos ? end : end - at - 8), nullptr,
                     false);
}

// Declaration ids of the selected results, in output order.
std::vector<std::string> SelectedIds(const std::vector<json>& lines) {
  std::vector<std::string> ids;
  for (const json& line : lines) {
    if (line.value("selected", false)) ids.push_back(line["id"]);
  }
  return ids;
}

// ---------------------------------------------------------------- CLI, files

class ScreenFilesE2E : public ::testing::Test {
 protected:
  CommandResult Screen(const std::string& in, std::vector<std::string> extra = {},
                       const std::string& out_name = "out.jsonl") {
    std::vector<std::string> args = {"screen", "--rights", Data("rights.json"), "--in",
                                     in,       "--out",    Out(out_name)};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCordon(args, dir_.path());
  }
  std::string Out(const std::string& name) const { return dir_.File(name); }

  TempDir dir_;
};

TEST_F(ScreenFilesE2E, JsonLinesInInputOrderWithErrorRecordsAndSummary) {
  CommandResult result = Screen(Data("declarations.jsonl"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<json> lines = ReadLines(Out("out.jsonl"));
  ASSERT_EQ(lines.size(), 10u) << "one line per input record";
  const std::vector<std::string> ids = {"D-001", "D-002", "D-003", "D-004", "D-005",
                                        "D-006", "",      "D-008", "D-009", "D-010"};
  for (size_t index = 0; index < ids.size(); ++index) {
    if (ids[index].empty()) continue;
    EXPECT_EQ(lines[index]["id"], ids[index]) << index;
  }
  // The malformed records: their line numbers and reasons.
  EXPECT_EQ(lines[2]["line"], 3);
  EXPECT_EQ(lines[2]["id"], "D-003");
  EXPECT_NE(lines[2]["error"].get<std::string>().find("items[0].hs"), std::string::npos);
  EXPECT_EQ(lines[6]["line"], 7);
  EXPECT_TRUE(lines[6]["id"].is_null());
  EXPECT_TRUE(lines[6]["error"].is_string());

  // What each declaration shows.
  EXPECT_EQ(lines[0]["channel"], "red");
  EXPECT_EQ(lines[0]["hits"][0]["mark"], "ZENTRA");
  EXPECT_EQ(lines[0]["hits"][0]["application"], "app_zentra");
  EXPECT_EQ(lines[0]["hits"][0]["relevance"], "listed_goods");
  EXPECT_EQ(lines[3]["hits"][0]["found"], "LUMI0");  // a digit for a letter
  EXPECT_EQ(lines[4]["hits"][0]["found"], "Z3NTRA");
  EXPECT_EQ(lines[5]["hits"][0]["relevance"], "unrelated");  // lumio scented candles
  EXPECT_EQ(lines[5]["score"], 0);
  EXPECT_EQ(lines[7]["hits"][0]["distance"], 1);  // ZENTRAA
  EXPECT_EQ(lines[8]["hits"][0]["kind"], "small_consignment");
  EXPECT_EQ(lines[9]["hits"][0]["authorised"], true);  // Zentra Logistics BV, NL
  EXPECT_EQ(lines[9]["score"], 0);
  EXPECT_EQ(SelectedIds(lines), (std::vector<std::string>{"D-001", "D-004", "D-005", "D-008"}));

  json summary = Summary(result.err);
  ASSERT_TRUE(summary.is_object()) << result.err;
  EXPECT_EQ(summary["declarations"], 10);
  EXPECT_EQ(summary["screened"], 8);
  EXPECT_EQ(summary["errors"], 2);
  EXPECT_EQ(summary["selected"], 4);
  EXPECT_EQ(summary["by_channel"], json({{"green", 4}, {"yellow", 0}, {"red", 4}}));
  EXPECT_TRUE(summary.contains("seconds"));
  EXPECT_TRUE(summary.contains("per_second"));

  // Same input, same output; and the same across threads and chunk sizes.
  const std::string once = ReadText(Out("out.jsonl"));
  ASSERT_EQ(Screen(Data("declarations.jsonl"), {"--threads", "3", "--chunk", "2"}, "threads.jsonl")
                .exit_code,
            0);
  EXPECT_EQ(ReadText(Out("threads.jsonl")), once);
  EXPECT_FALSE(std::filesystem::exists(Out("out.jsonl.partial")));
}

TEST_F(ScreenFilesE2E, CsvWithOneItemPerRow) {
  CommandResult result = Screen(Data("declarations.csv"));
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::vector<json> lines = ReadLines(Out("out.jsonl"));
  ASSERT_EQ(lines.size(), 4u);
  EXPECT_EQ(lines[0]["id"], "C-001");
  EXPECT_EQ(lines[0]["channel"], "red");
  // C-002 spans two rows: the mark is in its second item.
  EXPECT_EQ(lines[1]["id"], "C-002");
  EXPECT_EQ(lines[1]["hits"][0]["item"], 1);
  EXPECT_EQ(lines[1]["hits"][0]["mark"], "LUMIO");
  // C-003 starts on line 5 (header, C-001, two rows of C-002).
  EXPECT_EQ(lines[2]["line"], 5);
  EXPECT_EQ(lines[2]["id"], "C-003");
  EXPECT_NE(lines[2]["error"].get<std::string>().find("item_hs"), std::string::npos);
  EXPECT_EQ(lines[3]["id"], "C-004");
  json summary = Summary(result.err);
  EXPECT_EQ(summary["declarations"], 4);
  EXPECT_EQ(summary["errors"], 1);
  EXPECT_EQ(summary["selected"], 2);
}

TEST_F(ScreenFilesE2E, BudgetSelectsExactlyTheCeilingWithTiesByInputOrder) {
  // Eight screened: D-001, D-004, D-005 score 0.9, D-008 0.75, the rest 0.
  CommandResult result = Screen(Data("declarations.jsonl"), {"--budget", "25%"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(SelectedIds(ReadLines(Out("out.jsonl"))),
            (std::vector<std::string>{"D-001", "D-004"}));  // ceil(2.0); D-005 loses the tie
  EXPECT_EQ(Summary(result.err)["selected"], 2);

  result = Screen(Data("declarations.jsonl"), {"--budget", "30", "--threads", "2", "--chunk", "3"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(SelectedIds(ReadLines(Out("out.jsonl"))),
            (std::vector<std::string>{"D-001", "D-004", "D-005"}));  // ceil(2.4)
  EXPECT_FALSE(std::filesystem::exists(Out("out.jsonl.pass1")));

  // Score 0 is never selected, whatever the budget.
  result = Screen(Data("declarations.jsonl"), {"--budget", "100%"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(SelectedIds(ReadLines(Out("out.jsonl"))).size(), 4u);
}

TEST_F(ScreenFilesE2E, CapacityPerOffice) {
  CommandResult result = Screen(Data("declarations.jsonl"), {"--capacity", "DEHAM=1,DEFRA=1"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(SelectedIds(ReadLines(Out("out.jsonl"))), (std::vector<std::string>{"D-001", "D-004"}));
  result = Screen(Data("declarations.jsonl"), {"--capacity", "DEHAM=5"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(SelectedIds(ReadLines(Out("out.jsonl"))),
            (std::vector<std::string>{"D-001", "D-008"}));  // DEFRA has no capacity
}

TEST_F(ScreenFilesE2E, ProfilesAndWatchlistFromFiles) {
  std::ofstream(dir_.File("profiles.json"))
      << R"([{"id":"prf_tshirts","name":"T-shirts from CN","weight":0.4,
              "rule":{"all":[{"field":"origin","op":"eq","value":"CN"},
                             {"field":"item.hs","op":"prefix","value":["6109"]}]}}])";
  std::ofstream(dir_.File("watchlist.json"))
      << R"([{"name":"Ningbo Cotton Mill Co., Ltd.","country":"CN","weight":0.5}])";
  CommandResult result = Screen(
      Data("declarations.jsonl"),
      {"--profiles", dir_.File("profiles.json"), "--watchlist", dir_.File("watchlist.json")});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const json d002 = ReadLines(Out("out.jsonl"))[1];
  ASSERT_EQ(d002["id"], "D-002");
  std::set<std::string> kinds;
  for (const json& hit : d002["hits"]) kinds.insert(hit["kind"]);
  EXPECT_EQ(kinds, (std::set<std::string>{"profile", "watchlist"})) << d002.dump();
  EXPECT_GT(d002["score"].get<double>(), 0.4);

  // item.price_ratio reads the --reference-prices file.
  std::ofstream(dir_.File("cheap.json"))
      << R"([{"id":"prf_cheap","name":"Far below the usual price","weight":0.3,
              "rule":{"field":"item.price_ratio","op":"lt","value":0.001}}])";
  std::ofstream(dir_.File("prices.json"))
      << R"({"reference_prices":[{"hs_prefix":"0","eur_per_unit":1e9},
                                 {"hs_prefix":"1","eur_per_unit":1e9},
                                 {"hs_prefix":"2","eur_per_unit":1e9},
                                 {"hs_prefix":"3","eur_per_unit":1e9},
                                 {"hs_prefix":"4","eur_per_unit":1e9},
                                 {"hs_prefix":"5","eur_per_unit":1e9},
                                 {"hs_prefix":"6","eur_per_unit":1e9},
                                 {"hs_prefix":"7","eur_per_unit":1e9},
                                 {"hs_prefix":"8","eur_per_unit":1e9},
                                 {"hs_prefix":"9","eur_per_unit":1e9}]})";
  auto profile_hits = [&](const std::vector<std::string>& extra) {
    std::vector<std::string> args = {"--profiles", dir_.File("cheap.json")};
    args.insert(args.end(), extra.begin(), extra.end());
    CommandResult run = Screen(Data("declarations.jsonl"), args);
    EXPECT_EQ(run.exit_code, 0) << run.err;
    size_t count = 0;
    for (const json& line : ReadLines(Out("out.jsonl"))) {
      if (!line.contains("hits")) continue;
      for (const json& hit : line["hits"]) count += hit["kind"] == "profile";
    }
    return count;
  };
  EXPECT_EQ(profile_hits({}), 0u) << "no reference price: the ratio is undefined";
  EXPECT_GT(profile_hits({"--reference-prices", dir_.File("prices.json")}), 0u);
  std::ofstream(dir_.File("bad_prices.json"))
      << R"({"reference_prices":[{"hs_prefix":"64","eur_per_unit":"cheap"}]})";
  result = Screen(Data("declarations.jsonl"), {"--profiles", dir_.File("cheap.json"),
                                               "--reference-prices", dir_.File("bad_prices.json")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("reference_prices[0].eur_per_unit"), std::string::npos) << result.err;
  EXPECT_EQ(Screen(Data("declarations.jsonl"), {"--reference-prices", dir_.File("prices.json")})
                .exit_code,
            2)
      << "--reference-prices without --profiles";

  std::ofstream(dir_.File("bad_profiles.json"))
      << R"([{"name":"ok","rule":{"field":"origin","op":"eq","value":"CN"}},
             {"name":"bad","rule":{"field":"orign","op":"eq","value":"CN"}}])";
  result = Screen(Data("declarations.jsonl"), {"--profiles", dir_.File("bad_profiles.json")});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("[1].rule"), std::string::npos) << result.err;
}

TEST_F(ScreenFilesE2E, BadOptionsAndFiles) {
  // Usage errors: exit 2.
  EXPECT_EQ(RunCordon({"screen", "--in", Data("declarations.jsonl"), "--out", Out("x.jsonl")},
                      dir_.path())
                .exit_code,
            2);
  EXPECT_EQ(Screen(Data("declarations.jsonl"), {"--db", dir_.File("x.db")}).exit_code, 2);
  EXPECT_EQ(Screen(Data("rights.json") + ".txt").exit_code, 2) << "unknown format";
  EXPECT_EQ(
      Screen(Data("declarations.jsonl"), {"--budget", "5%", "--capacity", "DEHAM=1"}).exit_code, 2);
  EXPECT_EQ(Screen(Data("declarations.jsonl"), {"--format", "xml"}).exit_code, 2);
  EXPECT_EQ(Screen(Data("declarations.jsonl"), {"--threads", "0"}).exit_code, 2);

  // Bad values and files: exit 1, naming what is wrong.
  CommandResult result = Screen(Data("declarations.jsonl"), {"--budget", "150%"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("budget"), std::string::npos) << result.err;
  result = Screen(Data("declarations.jsonl"), {"--capacity", "Hamburg=3"});
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("capacity"), std::string::npos) << result.err;
  result = Screen(dir_.File("missing.jsonl"));
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("missing.jsonl"), std::string::npos) << result.err;

  json rights = json::parse(ReadText(Data("rights.json")));
  rights[1]["rights"][0]["nice_classes"] = json::array({9, 77});
  // "mark" for "marks": an unknown field, so a trademark without marks.
  json misspelt = rights[0];
  misspelt["id"] = "app_misspelt";
  misspelt["rights"][0]["mark"] = misspelt["rights"][0]["marks"];
  misspelt["rights"][0].erase("marks");
  rights.push_back(misspelt);
  rights[0]["holder"]["country"] = "Germany";
  std::ofstream(dir_.File("bad_rights.json")) << rights.dump();
  result = RunCordon({"screen", "--rights", dir_.File("bad_rights.json"), "--in",
                      Data("declarations.jsonl"), "--out", Out("x.jsonl")},
                     dir_.path());
  EXPECT_EQ(result.exit_code, 1);
  EXPECT_NE(result.err.find("[1].rights[0].nice_classes[1]"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("[0].holder.country"), std::string::npos) << result.err;
  EXPECT_NE(result.err.find("[2].rights[0].marks: a trademark needs at least one mark"),
            std::string::npos)
      << result.err;
  EXPECT_NE(result.err.find("bad_rights.json (--rights) has 3 invalid fields"), std::string::npos)
      << result.err;
  EXPECT_FALSE(std::filesystem::exists(Out("x.jsonl")));
}

// ---------------------------------------------------------------- the demo database

class ScreeningDbE2E : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new TempDir();
    db_ = (dir_->path() / "demo.db").string();
    CommandResult loaded = RunCordon({"demo", "load", "--db", db_}, dir_->path());
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
    // A risk analyst at Customs CN, for isolation checks.
    CommandResult added =
        RunCordon({"users", "add", "--db", db_, "--org", "Customs CN", "--email",
                   "analyst@customs-cn.demo", "--name", "Wang Fang", "--role", "risk_analyst"},
                  dir_->path(), "cordon-demo\n");
    ASSERT_EQ(added.exit_code, 0) << added.err;
    server_ = new Server(db_, {}, dir_->path());
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

  static CommandResult ScreenDb(std::vector<std::string> extra, const std::string& out) {
    std::vector<std::string> args = {"screen",
                                     "--db",
                                     db_,
                                     "--in",
                                     Data("declarations.jsonl"),
                                     "--out",
                                     (dir_->path() / out).string()};
    args.insert(args.end(), extra.begin(), extra.end());
    return RunCordon(args, dir_->path());
  }

  // Every selection the client sees (all pages), with the given query.
  static std::vector<json> Queue(Client& client, const std::string& query = "") {
    std::vector<json> items;
    std::string cursor;
    do {
      std::string path = "/api/v1/selections?limit=2" + query;
      if (!cursor.empty()) path += "&cursor=" + cursor;
      Response page = client.Get(path);
      EXPECT_EQ(page.status, 200) << page.raw;
      if (page.status != 200) break;
      for (const json& item : page.body["items"]) items.push_back(item);
      cursor =
          page.body["next_cursor"].is_string() ? page.body["next_cursor"].get<std::string>() : "";
    } while (!cursor.empty());
    return items;
  }

  static std::vector<std::string> DeclarationsOfRun(const std::vector<json>& queue,
                                                    const std::string& run_id) {
    std::vector<std::string> ids;
    for (const json& item : queue) {
      if (item["run_id"] == run_id) ids.push_back(item["declaration_id"]);
    }
    std::sort(ids.begin(), ids.end());
    return ids;
  }

  static TempDir* dir_;
  static std::string db_;
  static Server* server_;
};

TempDir* ScreeningDbE2E::dir_ = nullptr;
std::string ScreeningDbE2E::db_;
Server* ScreeningDbE2E::server_ = nullptr;

TEST_F(ScreeningDbE2E, ScreenWithDbStoresARunThatFeedsTheQueue) {
  // The demo has three customs administrations: the CLI must be told which.
  CommandResult ambiguous = ScreenDb({}, "ambiguous.jsonl");
  EXPECT_EQ(ambiguous.exit_code, 1);
  EXPECT_NE(ambiguous.err.find("--org"), std::string::npos) << ambiguous.err;

  CommandResult result = ScreenDb({"--org", "Customs DE"}, "db.jsonl");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json summary = Summary(result.err);
  ASSERT_TRUE(summary.is_object()) << result.err;
  EXPECT_EQ(summary["declarations"], 10);
  EXPECT_EQ(summary["errors"], 2);
  EXPECT_EQ(summary["duplicates"], 0);
  const std::string run_id = summary["run_id"];
  std::vector<json> lines = ReadLines(dir_->path() / "db.jsonl");
  ASSERT_EQ(lines.size(), 10u);
  std::vector<std::string> selected = SelectedIds(lines);
  std::sort(selected.begin(), selected.end());
  EXPECT_FALSE(selected.empty());

  // The selected results are the frontline officer's queue, per office.
  Client frontline = As("frontline@customs-de.demo");
  EXPECT_EQ(DeclarationsOfRun(Queue(frontline), run_id), selected);
  for (const json& item : Queue(frontline, "&office=DEFRA")) {
    EXPECT_EQ(item["office"], "DEFRA");
  }
  std::vector<std::string> hamburg = DeclarationsOfRun(Queue(frontline, "&office=DEHAM"), run_id);
  EXPECT_NE(std::find(hamburg.begin(), hamburg.end(), "D-001"), hamburg.end());
  EXPECT_EQ(std::find(hamburg.begin(), hamburg.end(), "D-004"), hamburg.end()) << "D-004 is DEFRA";

  // The same file again is a new run: declaration ids are unique per run only.
  CommandResult again = ScreenDb({"--org", "Customs DE"}, "db2.jsonl");
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(Summary(again.err)["run_id"], run_id);
}

TEST_F(ScreeningDbE2E, BudgetAndCapacityRunsSelectInTheStoreToo) {
  CommandResult result = ScreenDb({"--org", "Customs DE", "--budget", "25%"}, "budget.jsonl");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  json summary = Summary(result.err);
  EXPECT_EQ(summary["selected"], 2);  // ceil(25% of 8)
  std::vector<std::string> selected = SelectedIds(ReadLines(dir_->path() / "budget.jsonl"));
  ASSERT_EQ(selected.size(), 2u);
  std::sort(selected.begin(), selected.end());
  Client analyst = As("analyst@customs-de.demo");
  EXPECT_EQ(DeclarationsOfRun(Queue(analyst), summary["run_id"]), selected);

  result = ScreenDb({"--org", "Customs DE", "--capacity", "DEFRA=1"}, "capacity.jsonl");
  ASSERT_EQ(result.exit_code, 0) << result.err;
  summary = Summary(result.err);
  std::vector<std::string> in_queue = DeclarationsOfRun(Queue(analyst), summary["run_id"]);
  ASSERT_EQ(in_queue.size(), 1u);
  EXPECT_TRUE(in_queue[0] == "D-004" || in_queue[0] == "D-005") << in_queue[0];
}

TEST_F(ScreeningDbE2E, AnalystProfilesAndBatchesFrontlineQueueAndFindings) {
  Client analyst = As("analyst@customs-de.demo");
  Client zentra = As("legal@zentra.demo");

  // Profiles: the analyst's to write; not a right holder's.
  json profile = {{"name", "Sports shoes from VN"},
                  {"weight", 0.5},
                  {"rule",
                   {{"all",
                     {{{"field", "origin"}, {"op", "eq"}, {"value", "VN"}},
                      {{"field", "item.hs"}, {"op", "prefix"}, {"value", {"6404"}}}}}}}};
  EXPECT_EQ(zentra.Post("/api/v1/profiles", profile).status, 403);
  EXPECT_EQ(zentra.Get("/api/v1/profiles").status, 403);
  Response created = analyst.Post("/api/v1/profiles", profile);
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string profile_id = created.body["id"];
  EXPECT_EQ(created.Header("Location"), "/api/v1/profiles/" + profile_id);
  Response listed = analyst.Get("/api/v1/profiles");
  ASSERT_EQ(listed.status, 200);
  bool listed_it = false;
  for (const json& item : listed.body["items"]) listed_it |= item["id"] == profile_id;
  EXPECT_TRUE(listed_it);
  json renamed = profile;
  renamed["name"] = "Shoes from VN";
  renamed["version"] = 1;
  Response updated = analyst.Put("/api/v1/profiles/" + profile_id, renamed);
  ASSERT_EQ(updated.status, 200) << updated.raw;
  EXPECT_EQ(updated.body["version"], 2);
  EXPECT_EQ(analyst.Put("/api/v1/profiles/" + profile_id, renamed).status, 409);
  Response entry = analyst.Post(
      "/api/v1/watchlist",
      {{"name", "Saigon Footwear JSC"}, {"country", "VN"}, {"reason", "two seizures in 2025"}});
  ASSERT_EQ(entry.status, 201) << entry.raw;

  // A batch by the analyst, stored: the profile and the watchlist raise D-008.
  json batch = {{"declarations", json::array()}, {"store", true}};
  std::ifstream file(Data("declarations.jsonl"));
  std::string line;
  while (std::getline(file, line)) {
    json declaration = json::parse(line, nullptr, false);
    if (declaration.is_discarded()) continue;
    declaration["id"] = "API-" + declaration.value("id", "x");
    batch["declarations"].push_back(declaration);
  }
  Response screened = analyst.Post("/api/v1/screenings", batch);
  ASSERT_EQ(screened.status, 200) << screened.raw;
  EXPECT_EQ(screened.body["summary"]["declarations"], 9);
  EXPECT_EQ(screened.body["summary"]["errors"], 1);  // D-003's HS code
  EXPECT_EQ(screened.body["errors"][0]["id"], "API-D-003");
  const std::string run_id = screened.body["run_id"];
  json d008;
  for (const json& result : screened.body["results"]) {
    if (result["id"] == "API-D-008") d008 = result;
  }
  std::set<std::string> kinds;
  for (const json& hit : d008["hits"]) kinds.insert(hit["kind"]);
  EXPECT_EQ(kinds, (std::set<std::string>{"mark", "profile", "watchlist"})) << d008.dump();
  EXPECT_GT(d008["score"].get<double>(), 0.9);

  // The frontline officer's queue at Hamburg holds it; a finding, once.
  Client frontline = As("frontline@customs-de.demo");
  std::string selection_id;
  for (const json& item : Queue(frontline, "&office=DEHAM&status=open")) {
    EXPECT_EQ(item["office"], "DEHAM");
    EXPECT_EQ(item["status"], "open");
    if (item["run_id"] == run_id && item["declaration_id"] == "API-D-008")
      selection_id = item["id"];
  }
  ASSERT_FALSE(selection_id.empty());
  Response one = frontline.Get("/api/v1/selections/" + selection_id);
  ASSERT_EQ(one.status, 200) << one.raw;
  EXPECT_EQ(one.body["profiles"], json::array({profile_id}));
  EXPECT_TRUE(one.body["finding"].is_null());

  Response bad = frontline.Post("/api/v1/selections/" + selection_id + "/finding",
                                {{"outcome", "seized"}, {"notes", 3}});
  EXPECT_EQ(bad.status, 422);
  std::vector<std::string> fields = ErrorFields(bad.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"notes", "outcome"}));
  EXPECT_EQ(
      analyst
          .Post("/api/v1/selections/" + selection_id + "/finding", {{"outcome", "no_irregularity"}})
          .status,
      403);
  Response finding =
      frontline.Post("/api/v1/selections/" + selection_id + "/finding",
                     {{"outcome", "suspected_ipr_infringement"},
                      {"notes", "ZENTRAA sneakers, no hologram on the box; goods detained"}});
  ASSERT_EQ(finding.status, 201) << finding.raw;
  EXPECT_EQ(finding.body["outcome"], "suspected_ipr_infringement");
  Response second = frontline.Post("/api/v1/selections/" + selection_id + "/finding",
                                   {{"outcome", "no_irregularity"}});
  EXPECT_EQ(second.status, 409) << second.raw;
  EXPECT_EQ(second.body["type"], "/problems/conflict");
  one = frontline.Get("/api/v1/selections/" + selection_id);
  EXPECT_EQ(one.body["status"], "done");
  EXPECT_EQ(one.body["finding"]["notes"],
            "ZENTRAA sneakers, no hologram on the box; goods detained");
  for (const json& item : Queue(frontline, "&status=done")) EXPECT_EQ(item["status"], "done");

  // Customs CN sees none of Customs DE's selections or profiles.
  Client cn_officer = As("officer@customs-cn.demo");
  Client cn_analyst = As("analyst@customs-cn.demo");
  for (const json& item : Queue(cn_officer)) EXPECT_NE(item["run_id"], run_id);
  EXPECT_EQ(cn_officer.Get("/api/v1/selections/" + selection_id).status, 404);
  EXPECT_EQ(
      cn_officer.Post("/api/v1/selections/" + selection_id + "/finding", {{"outcome", "other"}})
          .status,
      404);
  Response cn_profiles = cn_analyst.Get("/api/v1/profiles");
  ASSERT_EQ(cn_profiles.status, 200);
  for (const json& item : cn_profiles.body["items"]) EXPECT_NE(item["id"], profile_id);
  EXPECT_EQ(cn_analyst.Get("/api/v1/profiles/" + profile_id).status, 404);
  EXPECT_EQ(cn_analyst.Put("/api/v1/profiles/" + profile_id, renamed).status, 404);
  EXPECT_EQ(cn_analyst.Delete("/api/v1/profiles/" + profile_id).status, 404);
  Response cn_watchlist = cn_analyst.Get("/api/v1/watchlist");
  ASSERT_EQ(cn_watchlist.status, 200);
  for (const json& item : cn_watchlist.body["items"]) {
    EXPECT_NE(item["id"], entry.body["id"]);
  }

  // The analyst deletes the profile; its hits stay recorded on the selection.
  EXPECT_EQ(analyst.Delete("/api/v1/profiles/" + profile_id).status, 204);
  EXPECT_EQ(analyst.Get("/api/v1/profiles/" + profile_id).status, 404);
  EXPECT_EQ(frontline.Get("/api/v1/selections/" + selection_id).body["profiles"],
            json::array({profile_id}));
}

TEST_F(ScreeningDbE2E, BadInputNamesTheFields) {
  Client analyst = As("analyst@customs-de.demo");
  Response response = analyst.Post("/api/v1/screenings", {{"declarations", "D-001"}});
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(ErrorFields(response.body), (std::vector<std::string>{"declarations"}));

  json too_many = {{"declarations", json::array()}};
  for (int index = 0; index < 10001; ++index) too_many["declarations"].push_back({{"id", "x"}});
  response = analyst.Post("/api/v1/screenings", too_many);
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(ErrorFields(response.body), (std::vector<std::string>{"declarations"}));

  response = analyst.Post(
      "/api/v1/screenings",
      {{"declarations", json::array()}, {"budget", "five"}, {"capacity", {{"DEHAM", "many"}}}});
  EXPECT_EQ(response.status, 422);
  std::vector<std::string> fields = ErrorFields(response.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"budget", "capacity.DEHAM"}));

  response =
      analyst.Post("/api/v1/profiles",
                   {{"name", "x"},
                    {"weight", 1.5},
                    {"rule", {{"all", {{{"field", "orign"}, {"op", "eq"}, {"value", "CN"}}}}}}});
  EXPECT_EQ(response.status, 422);
  fields = ErrorFields(response.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"rule.all[0].field", "weight"})) << response.raw;

  response = analyst.Post("/api/v1/watchlist", {{"name", ""}, {"country", "Vietnam"}});
  EXPECT_EQ(response.status, 422);
  fields = ErrorFields(response.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"country", "name"})) << response.raw;

  response = analyst.Put("/api/v1/reference-prices",
                         {{"reference_prices",
                           {{{"hs_prefix", "6404"}, {"eur_per_unit", 0}},
                            {{"hs_prefix", "6404."}, {"eur_per_unit", 12.5}}}}});
  EXPECT_EQ(response.status, 422);
  fields = ErrorFields(response.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"reference_prices[0].eur_per_unit",
                                              "reference_prices[1].hs_prefix"}))
      << response.raw;
  response = analyst.Get("/api/v1/reference-prices");
  ASSERT_EQ(response.status, 200) << response.raw;
  const long long version = response.body["version"].get<long long>();
  response = analyst.Put("/api/v1/reference-prices",
                         {{"version", version},
                          {"reference_prices", {{{"hs_prefix", "6404"}, {"eur_per_unit", 12.5}}}}});
  ASSERT_EQ(response.status, 200) << response.raw;
  EXPECT_EQ(response.body["version"], version + 1);
  EXPECT_EQ(analyst.Get("/api/v1/reference-prices").body["reference_prices"][0]["eur_per_unit"],
            12.5);
  EXPECT_EQ(analyst.Put("/api/v1/reference-prices",
                        {{"version", version}, {"reference_prices", json::array()}})
                .status,
            409);

  Client frontline = As("frontline@customs-de.demo");
  EXPECT_EQ(frontline.Get("/api/v1/reference-prices").status, 403);
  response = frontline.Get("/api/v1/selections?office=Hamburg&status=closed&limit=5000");
  EXPECT_EQ(response.status, 422);
  EXPECT_EQ(ErrorFields(response.body), (std::vector<std::string>{"limit"}));
  response = frontline.Get("/api/v1/selections?office=Hamburg&status=closed");
  fields = ErrorFields(response.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"office", "status"}));
}

}  // namespace
}  // namespace cordon::e2e
