// Targeting models end to end (issue 4) through the real binary: a model
// trained with `cordon train`, uploaded by a risk analyst over HTTP,
// activated, used by POST /api/v1/screenings (a model hit that explains
// itself) and by `cordon screen --db`, rolled back; clear errors for bad
// uploads and wrong roles; and `cordon train --db` learning from the findings
// recorded on stored screenings.
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "e2e/harness.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;

std::filesystem::path RepoRoot() { return CORDON_SOURCE_ROOT; }

std::string Fixture(const std::string& path) { return (RepoRoot() / "tests/data" / path).string(); }

std::string ReadBytes(const std::filesystem::path& path) {
  std::ifstream file(path, std::ios::binary);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

std::vector<json> ReadLines(const std::filesystem::path& path) {
  std::ifstream file(path);
  std::vector<json> lines;
  std::string line;
  while (std::getline(file, line)) lines.push_back(json::parse(line, nullptr, false));
  return lines;
}

// The model hit of a result, or null.
json ModelHit(const json& result) {
  for (const json& hit : result["hits"]) {
    if (hit["kind"] == "model") return hit;
  }
  return nullptr;
}

class ModelE2E : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = dir_.File("demo.db");
    CommandResult loaded = RunCordon({"demo", "load", "--db", db_}, dir_.path());
    ASSERT_EQ(loaded.exit_code, 0) << loaded.err;
  }

  // A model trained on the small targeting fixture; its roles (importer,
  // declarant, hs, origin, office) are among those screening fills.
  std::string TrainModel(const std::string& name, const std::string& seed) {
    std::string out = dir_.File(name);
    CommandResult trained = RunCordon({"train", "--data", Fixture("targeting/train.csv"),
                                       "--mapping", Fixture("targeting/mapping.json"), "--out",
                                       out, "--seed", seed},
                                      dir_.path());
    EXPECT_EQ(trained.exit_code, 0) << trained.err;
    return out;
  }

  json ScreenOne(Client& client) {
    std::ifstream file(Fixture("screening/e2e/declarations.jsonl"));
    std::string first;
    std::getline(file, first);
    Response response =
        client.Post("/api/v1/screenings", {{"declarations", json::array({json::parse(first)})}});
    EXPECT_EQ(response.status, 200) << response.raw;
    return response.body["results"][0];
  }

  TempDir dir_;
  std::string db_;
};

TEST_F(ModelE2E, UploadActivateScreenAndRollBackOverHttp) {
  const std::string first_path = TrainModel("first.cordon", "1");
  const std::string second_path = TrainModel("second.cordon", "2");
  Server server(db_, {}, dir_.path());
  Client analyst(server.port());
  analyst.Login("analyst@customs-de.demo");
  Client frontline(server.port());
  frontline.Login("frontline@customs-de.demo");

  // No model yet: no model hit.
  EXPECT_TRUE(ModelHit(ScreenOne(analyst)).is_null());

  // Bad uploads and wrong roles.
  Response wrong_type = analyst.PostRaw("/api/v1/models", ReadBytes(first_path), "application/json");
  EXPECT_EQ(wrong_type.status, 422) << wrong_type.raw;
  EXPECT_EQ(ErrorFields(wrong_type.body), (std::vector<std::string>{"Content-Type"}));
  Response junk = analyst.PostRaw("/api/v1/models", "not a model", "application/octet-stream");
  EXPECT_EQ(junk.status, 422) << junk.raw;
  EXPECT_EQ(ErrorFields(junk.body), (std::vector<std::string>{"model"}));
  std::string future = ReadBytes(first_path);
  future[8] = 9;
  Response version = analyst.PostRaw("/api/v1/models", future, "application/octet-stream");
  EXPECT_EQ(version.status, 422);
  EXPECT_NE(version.raw.find("version 9 is not supported"), std::string::npos) << version.raw;
  EXPECT_EQ(
      frontline.PostRaw("/api/v1/models", ReadBytes(first_path), "application/octet-stream").status,
      403);

  // Upload two, activate the first: screenings show its hit.
  Response first = analyst.PostRaw("/api/v1/models?description=fixture%20seed%201",
                                   ReadBytes(first_path), "application/octet-stream");
  ASSERT_EQ(first.status, 201) << first.raw;
  const std::string first_id = first.body["id"];
  EXPECT_EQ(first.Header("Location"), "/api/v1/models/" + first_id);
  EXPECT_EQ(first.body["version"], 1);
  EXPECT_EQ(first.body["description"], "fixture seed 1");
  EXPECT_EQ(first.body["active"], false);
  EXPECT_GT(first.body["metrics"]["train_rows"].get<int>(), 0);
  Response second =
      analyst.PostRaw("/api/v1/models", ReadBytes(second_path), "application/octet-stream");
  ASSERT_EQ(second.status, 201) << second.raw;
  const std::string second_id = second.body["id"];
  EXPECT_EQ(second.body["version"], 2);
  EXPECT_EQ(analyst.Get("/api/v1/models/" + first_id).body["sha256"], first.body["sha256"]);
  EXPECT_EQ(analyst.Get("/api/v1/models/mdl_nope").status, 404);
  EXPECT_EQ(frontline.Post("/api/v1/models/" + first_id + "/activate").status, 403);

  Response activated = analyst.Post("/api/v1/models/" + first_id + "/activate");
  ASSERT_EQ(activated.status, 200) << activated.raw;
  EXPECT_EQ(activated.body["active"], true);
  json result = ScreenOne(analyst);
  json hit = ModelHit(result);
  ASSERT_TRUE(hit.is_object()) << result.dump();
  EXPECT_EQ(hit["model"], first_id + " v1");
  const double probability = hit["probability"];
  EXPECT_GT(probability, 0.0);
  EXPECT_LT(probability, 1.0);
  EXPECT_DOUBLE_EQ(hit["weight"].get<double>(), probability);
  ASSERT_FALSE(hit["contributions"].empty());
  EXPECT_TRUE(hit["contributions"][0].contains("feature"));
  EXPECT_TRUE(hit["contributions"][0].contains("detail"));

  // `cordon screen --db` uses the active model too; --model overrides it.
  CommandResult screened =
      RunCordon({"screen", "--db", db_, "--org", "Customs DE", "--in", Fixture("screening/e2e/declarations.jsonl"), "--out",
                 dir_.File("out.jsonl")},
                dir_.path());
  ASSERT_EQ(screened.exit_code, 0) << screened.err;
  json from_cli = ModelHit(ReadLines(dir_.File("out.jsonl"))[0]);
  ASSERT_TRUE(from_cli.is_object());
  EXPECT_EQ(from_cli["model"], first_id + " v1");
  EXPECT_EQ(from_cli["probability"], hit["probability"]);
  screened = RunCordon({"screen", "--db", db_, "--org", "Customs DE", "--in", Fixture("screening/e2e/declarations.jsonl"),
                        "--out", dir_.File("override.jsonl"), "--model", second_path},
                       dir_.path());
  ASSERT_EQ(screened.exit_code, 0) << screened.err;
  EXPECT_EQ(ModelHit(ReadLines(dir_.File("override.jsonl"))[0])["model"], "second.cordon");

  // Activate the second, then roll back to the first.
  ASSERT_EQ(analyst.Post("/api/v1/models/" + second_id + "/activate").status, 200);
  EXPECT_EQ(ModelHit(ScreenOne(analyst))["model"], second_id + " v2");
  Response rolled = analyst.Post("/api/v1/models/rollback");
  ASSERT_EQ(rolled.status, 200) << rolled.raw;
  EXPECT_EQ(rolled.body["id"], first_id);
  json after = ModelHit(ScreenOne(analyst));
  EXPECT_EQ(after["model"], first_id + " v1");
  EXPECT_EQ(after["probability"], hit["probability"]);
  Response nothing_left = analyst.Post("/api/v1/models/rollback");
  EXPECT_EQ(nothing_left.status, 409) << nothing_left.raw;

  Response listed = analyst.Get("/api/v1/models");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.body["active_model_id"], first_id);
  ASSERT_EQ(listed.body["items"].size(), 2u);
  EXPECT_EQ(listed.body["items"][0]["id"], second_id);  // newest first
  ASSERT_EQ(listed.body["activations"].size(), 3u);
  EXPECT_EQ(listed.body["activations"][2]["action"], "rollback");
  EXPECT_EQ(listed.body["activations"][2]["previous_model_id"], second_id);
}

TEST_F(ModelE2E, TrainFromRecordedFindings) {
  // Nothing recorded yet: a clear error.
  CommandResult empty = RunCordon(
      {"train", "--db", db_, "--org", "Customs DE", "--out", dir_.File("db.cordon")}, dir_.path());
  EXPECT_EQ(empty.exit_code, 1);
  EXPECT_NE(empty.err.find("both outcomes"), std::string::npos) << empty.err;
  EXPECT_EQ(RunCordon({"train", "--db", db_, "--data", "x.csv", "--out", "m"}, dir_.path())
                .exit_code,
            2);

  // Screen with --db (the selected results join the queue), record findings.
  CommandResult screened =
      RunCordon({"screen", "--db", db_, "--org", "Customs DE", "--in", Fixture("screening/e2e/declarations.jsonl"), "--out",
                 dir_.File("out.jsonl")},
                dir_.path());
  ASSERT_EQ(screened.exit_code, 0) << screened.err;
  Server server(db_, {}, dir_.path());
  Client frontline(server.port());
  frontline.Login("frontline@customs-de.demo");
  Response queue = frontline.Get("/api/v1/selections?limit=100");
  ASSERT_EQ(queue.status, 200);
  ASSERT_GE(queue.body["items"].size(), 2u);
  int index = 0;
  for (const json& item : queue.body["items"]) {
    const char* outcome = index++ % 2 == 0 ? "suspected_ipr_infringement" : "no_irregularity";
    ASSERT_EQ(frontline.Post("/api/v1/selections/" + item["id"].get<std::string>() + "/finding",
                             {{"outcome", outcome}})
                  .status,
              201);
  }
  CommandResult trained = RunCordon(
      {"train", "--db", db_, "--org", "Customs DE", "--out", dir_.File("db.cordon"), "--json"},
      dir_.path());
  ASSERT_EQ(trained.exit_code, 0) << trained.err;
  json summary = json::parse(trained.out);
  EXPECT_EQ(summary["rows"], queue.body["items"].size());
  EXPECT_EQ(summary["positives"], (queue.body["items"].size() + 1) / 2);
  // The model reads screening's own roles: it scores the same declarations.
  CommandResult rescreened =
      RunCordon({"screen", "--db", db_, "--org", "Customs DE", "--in", Fixture("screening/e2e/declarations.jsonl"), "--out",
                 dir_.File("again.jsonl"), "--model", dir_.File("db.cordon")},
                dir_.path());
  ASSERT_EQ(rescreened.exit_code, 0) << rescreened.err;
  json hit = ModelHit(ReadLines(dir_.File("again.jsonl"))[0]);
  ASSERT_TRUE(hit.is_object());
  EXPECT_EQ(hit["model"], "db.cordon");
}

}  // namespace
}  // namespace cordon::e2e
