// Seizure statistics end to end through the real binary: `cordon stats
// import` (line-numbered errors, all or nothing, idempotent re-import) and
// `cordon stats query` on the database a running `cordon serve` uses, the
// API's GET /api/v1/stats/seizures (JSON and CSV, problems naming bad
// parameters, roles and tenants), and a case opened over the API showing up
// in the statistics at once.
#include <gtest/gtest.h>

#include <algorithm>
#include <fstream>
#include <memory>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

constexpr char kHeader[] =
    "case_id,detained_on,office,reporting_country,procedure,transport_mode,origin,dispatch,"
    "destination,product_category,ipr_type,articles,estimated_value_eur,small_consignment,"
    "e_commerce,outcome\n";

class StatsE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::make_unique<TempDir>("cordon-stats-e2e");
    db_ = dir_->path() / "stats.db";
    server_ = std::make_unique<Server>(
        db_, std::vector<std::string>{"--demo", "--clock-start", "2026-03-02T09:00:00Z"},
        dir_->path());
    analyst_ = std::make_unique<Client>(server_->port());
    analyst_->Login("analyst@customs-de.demo");
  }

  std::string WriteFile(const std::string& name, const std::string& text) {
    std::string path = dir_->File(name);
    std::ofstream(path) << text;
    return path;
  }

  CommandResult Stats(std::vector<std::string> args) {
    args.insert(args.begin(), "stats");
    args.insert(args.end(), {"--db", db_.string(), "--org", "Customs DE"});
    return RunCordon(args, dir_->path());
  }

  std::unique_ptr<TempDir> dir_;
  std::filesystem::path db_;
  std::unique_ptr<Server> server_;
  std::unique_ptr<Client> analyst_;
};

TEST_F(StatsE2E, ImportedRecordsAreQueriedOverTheApiAndTheCli) {
  std::string good = std::string(kHeader) +
                     "H-1,2025-07-03,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,100,"
                     "2500.50,false,false,destroyed\n"
                     "H-1,2025-07-03,DEHAM,DE,application,sea,CN,CN,DE,watches,trademark,5,"
                     "500,false,false,destroyed\n"
                     "H-2,2025-08-10,DEFRA,DE,ex_officio,express,HK,HK,DE,toys,design,7,70,"
                     "true,true,released\n"
                     "H-3,2025-10-01,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,1,10,"
                     "false,false,pending\n";
  CommandResult imported = Stats({"import", WriteFile("good.csv", good)});
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  EXPECT_NE(imported.out.find("4 rows, 4 inserted"), std::string::npos) << imported.out;
  CommandResult again = Stats({"import", WriteFile("good.csv", good)});
  ASSERT_EQ(again.exit_code, 0) << again.err;
  EXPECT_NE(again.out.find("0 inserted, 0 updated, 4 unchanged"), std::string::npos) << again.out;

  std::string bad = std::string(kHeader) +
                    "B-1,2025-07-03,DEHAM,DE,application,sea,CN,CN,DE,shoes,trademark,1,1,false,"
                    "false,destroyed\n"
                    "B-2,2025-07-03,DEHAM,DE,application,sea,CN,CN,DE,hats,trademark,1,1,false,"
                    "false,destroyed\n";
  CommandResult rejected = Stats({"import", WriteFile("bad.csv", bad)});
  EXPECT_EQ(rejected.exit_code, 1);
  EXPECT_NE(rejected.err.find("line 3: product_category"), std::string::npos) << rejected.err;

  Response table =
      analyst_->Get("/api/v1/stats/seizures?group_by=quarter,origin&from=2025-07-01&to=2025-12-31");
  ASSERT_EQ(table.status, 200) << table.raw;
  EXPECT_EQ(table.body, json::parse(R"({"rows":[
      {"quarter":"2025Q3","origin":"CN","cases":1,"articles":105,"value":3000.5},
      {"quarter":"2025Q3","origin":"HK","cases":1,"articles":7,"value":70.0},
      {"quarter":"2025Q4","origin":"CN","cases":1,"articles":1,"value":10.0}]})"));

  Response filtered = analyst_->Get(
      "/api/v1/stats/seizures?group_by=product_category&measures=cases&filter[origin]=CN"
      "&to=2025-12-31&format=csv");
  ASSERT_EQ(filtered.status, 200) << filtered.raw;
  EXPECT_EQ(filtered.Header("Content-Type").rfind("text/csv", 0), 0u);
  EXPECT_EQ(filtered.raw, "product_category,cases\nshoes,2\nwatches,1\n");

  CommandResult cli = Stats({"query", "--group-by", "outcome", "--to", "2025-12-31", "--format",
                             "csv", "--filter", "office=DEHAM,DEFRA"});
  ASSERT_EQ(cli.exit_code, 0) << cli.err;
  EXPECT_EQ(cli.out,
            "outcome,cases,articles,value\ndestroyed,1,105,3000.50\npending,1,1,10.00\n"
            "released,1,7,70.00\n");

  Response problem = analyst_->Get("/api/v1/stats/seizures?group_by=colour&from=yesterday");
  EXPECT_EQ(problem.status, 422);
  std::vector<std::string> fields = ErrorFields(problem.body);
  std::sort(fields.begin(), fields.end());
  EXPECT_EQ(fields, (std::vector<std::string>{"from", "group_by"}));
}

TEST_F(StatsE2E, CasesCountAtOnceAndOnlyTheAdministrationSeesItsFigures) {
  Client officer(server_->port());
  officer.Login("officer@customs-de.demo");
  Response before = analyst_->Get("/api/v1/stats/seizures?filter[origin]=VN");
  ASSERT_EQ(before.status, 200) << before.raw;
  ASSERT_TRUE(before.body["rows"].empty()) << before.raw;
  json body = {
      {"office", "DEMUC"},
      {"procedure", "ex_officio"},
      {"transport_mode", "air"},
      {"origin", "VN"},
      {"declarant", {{"name", "Someone"}, {"address", "Street 1"}, {"country", "DE"}}},
      {"goods",
       {{{"description", "handbags"}, {"hs", "4202"}, {"quantity", 30}, {"unit", "pieces"},
         {"product_category", "bags_and_personal_accessories"}, {"ipr_type", "trademark"},
         {"estimated_value_eur", 900}}}}};
  Response opened = officer.Post("/api/v1/cases", body);
  ASSERT_EQ(opened.status, 201) << opened.raw;
  Response after = analyst_->Get(
      "/api/v1/stats/seizures?group_by=office,transport_mode,outcome&filter[origin]=VN");
  ASSERT_EQ(after.status, 200) << after.raw;
  EXPECT_EQ(after.body, json::parse(R"({"rows":[{"office":"DEMUC","transport_mode":"air",
      "outcome":"pending","cases":1,"articles":30,"value":900.0}]})"));

  Client nl(server_->port());
  nl.Login("officer@customs-nl.demo");
  Response other = nl.Get("/api/v1/stats/seizures?filter[origin]=VN");
  ASSERT_EQ(other.status, 200);
  EXPECT_TRUE(other.body["rows"].empty()) << other.raw;
  Client holder(server_->port());
  holder.Login("legal@zentra.demo");
  EXPECT_EQ(holder.Get("/api/v1/stats/seizures").status, 403);
}

TEST_F(StatsE2E, QuarterlyExchangeBetweenTwoAdministrationsAndTheAnalysis) {
  // Customs NL's records: 4 cases CN -> NL, 1 VN -> NL (below the
  // threshold) and 3 TR -> NL (withheld with it, or the total minus CN would
  // give VN away) in 2025Q3.
  std::string nl_rows = kHeader;
  for (int index = 0; index < 8; ++index) {
    std::string origin = index < 4 ? "CN" : index < 5 ? "VN" : "TR";
    nl_rows += "NL-" + std::to_string(index) + ",2025-08-1" + std::to_string(index) +
               ",NLRTM,NL,application,sea," + origin + "," + origin +
               ",NL,toys,trademark,10,100,false,false,destroyed\n";
  }
  CommandResult imported =
      RunCordon({"stats", "import", WriteFile("nl.csv", nl_rows), "--db", db_.string(), "--org",
                 "Customs NL"},
                dir_->path());
  ASSERT_EQ(imported.exit_code, 0) << imported.err;
  std::string exported_path = dir_->File("nl-2025Q3.json");
  CommandResult exported =
      RunCordon({"stats", "export", "--quarter", "2025Q3", "--out", exported_path, "--db",
                 db_.string(), "--org", "Customs NL"},
                dir_->path());
  ASSERT_EQ(exported.exit_code, 0) << exported.err;
  EXPECT_NE(exported.out.find("4 suppressed (2 with fewer than 3 cases, 2 complementary)"),
            std::string::npos)
      << exported.out;
  std::ifstream file(exported_path);
  json document = json::parse(file);
  EXPECT_EQ(document["format_version"], 2);
  EXPECT_EQ(document["suppression"], json::parse(R"({"min_cases":3,"suppressed_cells":4,
      "primary_cells":2,"secondary_cells":2})"));
  EXPECT_EQ(document["reporting_country"], "NL");
  for (const json& cell : document["cells"]) EXPECT_GE(cell["cases"].get<int>(), 3) << cell;

  // Customs DE loads it over the API, twice: the second changes nothing.
  Response loaded = analyst_->Post("/api/v1/stats/partners", document);
  ASSERT_EQ(loaded.status, 201) << loaded.raw;
  EXPECT_EQ(loaded.body["partner"], "NL");
  Response reloaded = analyst_->Post("/api/v1/stats/partners", document);
  ASSERT_EQ(reloaded.status, 200) << reloaded.raw;
  EXPECT_EQ(reloaded.body["changed"], false);
  json tampered = document;
  tampered["cells"][1]["cases"] = 1;
  Response refused = analyst_->Post("/api/v1/stats/partners", tampered);
  EXPECT_EQ(refused.status, 422);
  EXPECT_EQ(ErrorFields(refused.body), (std::vector<std::string>{"cells[1].cases"}));

  std::string de_rows = std::string(kHeader) +
                        "D-1,2025-07-03,DEHAM,DE,application,sea,CN,CN,NL,toys,trademark,1,1,"
                        "false,false,destroyed\n";
  ASSERT_EQ(Stats({"import", WriteFile("de.csv", de_rows)}).exit_code, 0);
  Response joint =
      analyst_->Get("/api/v1/stats/joint?by=route&from_quarter=2025Q3&to_quarter=2025Q3");
  ASSERT_EQ(joint.status, 200) << joint.raw;
  EXPECT_EQ(joint.body["rows"], json::parse(R"([
      {"quarter":"2025Q3","origin":"CN","destination":"NL",
       "own":{"cases":1,"articles":1,"value":1.0},
       "partners":{"NL":{"cases":4,"articles":40,"value":400.0}}}])"));

  Response csv = analyst_->Get("/api/v1/stats/exchange/2025Q3?min_cases=1&format=csv");
  ASSERT_EQ(csv.status, 200) << csv.raw;
  EXPECT_NE(csv.raw.find("2,DE,2025Q3,1,route,CN,NL,,,,1,1,1.00\n"), std::string::npos) << csv.raw;
  Response bad_quarter = analyst_->Get("/api/v1/stats/exchange/2025Q5");
  EXPECT_EQ(bad_quarter.status, 422);

  Response trends = analyst_->Get("/api/v1/stats/trends?dimension=origin&quarter=2025Q3");
  ASSERT_EQ(trends.status, 200) << trends.raw;
  EXPECT_EQ(trends.body["quarter"], "2025Q3");
  EXPECT_TRUE(trends.body["test"]["description"].get<std::string>().find("Poisson") !=
              std::string::npos);
  Response incidence = analyst_->Get("/api/v1/stats/incidence?capacity=10&from=2025-01-01");
  ASSERT_EQ(incidence.status, 200) << incidence.raw;
  Response effectiveness = analyst_->Get("/api/v1/stats/effectiveness?from=2020-01-01");
  ASSERT_EQ(effectiveness.status, 200) << effectiveness.raw;
  EXPECT_TRUE(effectiveness.body.contains("profiles"));
  Response unknown = analyst_->Get("/api/v1/stats/effectiveness?since=2020-01-01");
  EXPECT_EQ(unknown.status, 422);
  EXPECT_EQ(ErrorFields(unknown.body), (std::vector<std::string>{"since"}));
}

}  // namespace
}  // namespace cordon::e2e
