// Targeting models in the screening service (issue 4), on a real SQLite
// store: training data from recorded findings, upload with validation, the
// active model in screening (a model hit that explains itself), activation
// and roll-back with their audit trail, roles and tenant isolation, and a
// model's round trip through the store (same bytes, same scores).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <set>
#include <string>
#include <vector>

#include "identity/identity.h"
#include "screening/model_inputs.h"
#include "screening/screening_service.h"
#include "store/sqlite_store.h"
#include "support/test_support.h"

namespace cordon {
namespace {

using json = nlohmann::json;

Caller MakeCaller(const Organisation& org, Role role, const std::string& user_id) {
  Caller caller;
  caller.user_id = user_id;
  caller.org_id = org.id;
  caller.org_kind = org.kind;
  caller.role = role;
  caller.country = org.country;
  caller.jurisdiction = org.jurisdiction;
  return caller;
}

// A declaration whose risk the findings below tie to the origin and the seller.
json Declaration(int index) {
  const bool risky = index % 3 == 0;
  json declaration = json::parse(R"({"type":"import","lodged_at":"2026-03-01T09:00:00Z",
    "office":"DEHAM","transport_mode":"sea","destination":"DE",
    "consignee":{"name":"Nordhandel GmbH","country":"DE"},
    "declarant":{"name":"Hafen Zoll Service GmbH"},
    "items":[{"hs":"640411","description":"sport shoes","quantity":100,"gross_kg":80,
              "value":900,"currency":"USD"}]})");
  declaration["id"] = "D" + std::to_string(index);
  declaration["origin"] = risky ? "CN" : "VN";
  declaration["dispatch"] = declaration["origin"];
  declaration["consignor"] = {{"name", risky ? "Bright Trading" : "Saigon Footwear"},
                              {"country", declaration["origin"]}};
  declaration["items"][0]["value"] = risky ? 300 + index : 900 + index;
  return declaration;
}

class ModelServiceTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto opened = OpenSqliteStore(SqliteOptions{dir_.File("cordon.db")});
    ASSERT_TRUE(opened.ok()) << opened.error().ToString();
    store_ = std::move(opened).value();
    identity_ = std::make_unique<IdentityService>(*store_, clock_, rng_);
    ScreeningServiceOptions options;
    options.scoring.model_contributions = 1000;  // every feature: the sum is checked
    service_ = std::make_unique<ScreeningService>(*store_, clock_, rng_, options);
    de_ = CreateOrg("Customs DE", "DE");
    cn_ = CreateOrg("Customs CN", "CN");
    analyst_ = MakeCaller(de_, Role::kRiskAnalyst, "usr_analyst");
    frontline_ = MakeCaller(de_, Role::kFrontlineOfficer, "usr_frontline");
    cn_analyst_ = MakeCaller(cn_, Role::kRiskAnalyst, "usr_cn_analyst");
  }

  Organisation CreateOrg(const std::string& name, const std::string& country) {
    NewOrganisation input;
    input.name = name;
    input.kind = OrgKind::kCustoms;
    input.country = country;
    input.jurisdiction = country == "CN" ? "CN" : "EU";
    input.offices = {country == "CN" ? "CNSHA" : "DEHAM"};
    Result<Organisation> org = identity_->CreateOrganisation(input);
    EXPECT_TRUE(org.ok()) << org.error().ToString();
    return org.ok() ? *org : Organisation{};
  }

  // Screens and stores `count` declarations, all selected (a weak profile hits
  // every import, the budget is 100 %), and records their findings: risky
  // ones are infringements.
  void ScreenAndInspect(int count) {
    auto profile = service_->CreateProfile(
        analyst_, json{{"name", "imports"},
                       {"weight", 0.1},
                       {"rule", {{"field", "type"}, {"op", "eq"}, {"value", "import"}}}});
    ASSERT_TRUE(profile.ok()) << profile.error().ToString();
    BatchRequest request;
    request.store = true;
    request.budget_percent = 100;
    for (int index = 0; index < count; ++index) {
      request.declarations.push_back(Declaration(index).dump());
    }
    Result<BatchOutcome> outcome = service_->ScreenBatch(analyst_, request);
    ASSERT_TRUE(outcome.ok()) << outcome.error().ToString();
    ASSERT_EQ(outcome->summary.selected, count);
    SelectionQuery query;
    query.limit = 1000;
    Result<Page<Selection>> queue = service_->ListSelections(frontline_, query);
    ASSERT_TRUE(queue.ok());
    for (const Selection& selection : queue->items) {
      const int index = std::stoi(selection.result.declaration_id.substr(1));
      const char* outcome_name = index % 3 == 0 ? "suspected_ipr_infringement" : "no_irregularity";
      ASSERT_TRUE(
          service_->RecordFinding(frontline_, selection.result.id, {{"outcome", outcome_name}})
              .ok());
    }
  }

  std::string TrainBytes(uint64_t seed) {
    Result<StoredTrainingData> data = service_->TrainingData(de_.id);
    EXPECT_TRUE(data.ok()) << data.error().ToString();
    if (!data.ok()) return {};
    targeting::TrainOptions options;
    options.seed = seed;
    options.rounds_without_valid = 20;
    options.max_depth = 3;
    options.folds = 3;
    Result<targeting::Model> model =
        targeting::Train(data->data, nullptr, StoredScreeningsMapping(), options, clock_);
    EXPECT_TRUE(model.ok()) << model.error().ToString();
    return model.ok() ? model->ToBytes() : std::string();
  }

  std::vector<std::string> AuditActions(const std::string& object_id) {
    std::vector<AuditEvent> events;
    EXPECT_TRUE(store_
                    ->Read([&](ReadTx& tx) -> Status {
                      CORDON_ASSIGN_OR_RETURN(events, tx.ListAuditEvents({de_.id}, object_id));
                      return Status::Ok();
                    })
                    .ok());
    std::vector<std::string> actions;
    for (const AuditEvent& event : events) actions.push_back(event.action);
    return actions;
  }

  test_support::TempDir dir_{"cordon-model-service"};
  FakeClock clock_{*ParseTimestamp("2026-03-02T09:00:00Z")};
  SeededRng rng_{7};
  std::unique_ptr<Store> store_;
  std::unique_ptr<IdentityService> identity_;
  std::unique_ptr<ScreeningService> service_;
  Organisation de_, cn_;
  Caller analyst_, frontline_, cn_analyst_;
};

TEST_F(ModelServiceTest, TrainingNeedsFindingsOfBothOutcomes) {
  Result<StoredTrainingData> none = service_->TrainingData(de_.id);
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(none.error().message().find("both outcomes"), std::string::npos)
      << none.error().message();

  ScreenAndInspect(30);
  Result<StoredTrainingData> data = service_->TrainingData(de_.id);
  ASSERT_TRUE(data.ok()) << data.error().ToString();
  EXPECT_EQ(data->results, 30u);
  ASSERT_EQ(data->data.rows, 30u);
  size_t positives = 0;
  for (float label : data->data.labels) positives += label > 0 ? 1 : 0;
  EXPECT_EQ(positives, 10u);
  // The stored inputs are the declaration's, by role.
  const auto& names = data->data.key_names;
  size_t origin = std::find(names.begin(), names.end(), "origin") - names.begin();
  size_t seller = std::find(names.begin(), names.end(), "seller") - names.begin();
  ASSERT_LT(origin, names.size());
  ASSERT_LT(seller, names.size());
  std::multiset<std::string> origins(data->data.keys[origin].begin(), data->data.keys[origin].end());
  EXPECT_EQ(origins.count("CN"), 10u);
  EXPECT_EQ(origins.count("VN"), 20u);
  std::set<std::string> sellers(data->data.keys[seller].begin(), data->data.keys[seller].end());
  EXPECT_EQ(sellers, (std::set<std::string>{"BRIGHT TRADING", "SAIGON FOOTWEAR"}));
}

TEST_F(ModelServiceTest, UploadActivateScreenAndRollBack) {
  ScreenAndInspect(60);
  const std::string first_bytes = TrainBytes(1);
  const std::string second_bytes = TrainBytes(2);
  ASSERT_FALSE(first_bytes.empty());
  ASSERT_NE(first_bytes, second_bytes);

  Result<TargetingModelRecord> first = service_->UploadModel(analyst_, first_bytes, "seed 1");
  ASSERT_TRUE(first.ok()) << first.error().ToString();
  EXPECT_EQ(first->version, 1);
  EXPECT_EQ(first->sha256.size(), 64u);
  EXPECT_FALSE(first->active);
  json shown = ToJson(*first);
  EXPECT_EQ(shown["metrics"]["train_rows"], 60);
  EXPECT_EQ(shown["metrics"]["train_positives"], 20);
  EXPECT_EQ(shown["description"], "seed 1");
  // Uploaded but not active: no model hit yet.
  Result<std::shared_ptr<const targeting::Model>> none = service_->ActiveModel(de_.id);
  ASSERT_TRUE(none.ok());
  EXPECT_EQ(*none, nullptr);

  ASSERT_TRUE(service_->ActivateModel(analyst_, first->id).ok());
  BatchRequest request;
  request.declarations = {Declaration(3).dump(), Declaration(4).dump()};
  Result<BatchOutcome> screened = service_->ScreenBatch(analyst_, request);
  ASSERT_TRUE(screened.ok()) << screened.error().ToString();
  std::vector<double> probabilities;
  for (const ScreeningResult& result : screened->results) {
    const ScreeningHit* model_hit = nullptr;
    for (const ScreeningHit& hit : result.hits) {
      if (hit.kind == "model") model_hit = &hit;
    }
    ASSERT_NE(model_hit, nullptr) << result.id;
    EXPECT_EQ(model_hit->name, first->id + " v1");
    EXPECT_EQ(model_hit->item, 0);
    EXPECT_DOUBLE_EQ(model_hit->weight, model_hit->probability);
    // Bias plus every contribution is the model's log-odds.
    ASSERT_FALSE(model_hit->contributions.empty());
    double sum = model_hit->bias;
    for (const targeting::Contribution& contribution : model_hit->contributions) {
      sum += contribution.contribution;
    }
    const double p = model_hit->probability;
    EXPECT_NEAR(sum, std::log(p / (1 - p)), 1e-6);
    // The score combines the profile (0.1) and the model as a noisy-OR.
    EXPECT_NEAR(result.score, std::round((1 - 0.9 * (1 - p)) * 10000) / 10000, 1e-9);
    probabilities.push_back(p);
    std::string line;
    AppendResultJson(result, &line);
    json parsed = json::parse(line);
    EXPECT_EQ(parsed["hits"].back()["kind"], "model");
    EXPECT_TRUE(parsed["hits"].back().contains("contributions"));
  }
  EXPECT_GT(probabilities[0], 0.5) << "D3 has the risky origin and seller";
  EXPECT_LT(probabilities[1], 0.5);

  // Round trip through the store: the same bytes, the same scores.
  TargetingModelRecord stored;
  ASSERT_TRUE(store_
                  ->Read([&](ReadTx& tx) -> Status {
                    CORDON_ASSIGN_OR_RETURN(stored, tx.GetActiveTargetingModel({de_.id}));
                    return Status::Ok();
                  })
                  .ok());
  EXPECT_EQ(stored.bytes, first_bytes);
  Result<std::shared_ptr<const targeting::Model>> active = service_->ActiveModel(de_.id);
  ASSERT_TRUE(active.ok() && *active);
  Result<targeting::Model> original = targeting::Model::FromBytes(first_bytes);
  ASSERT_TRUE(original.ok());
  Result<StoredTrainingData> data = service_->TrainingData(de_.id);
  ASSERT_TRUE(data.ok());
  Result<std::vector<double>> before = original->ScoreBatch(data->data);
  Result<std::vector<double>> after = (*active)->ScoreBatch(data->data);
  ASSERT_TRUE(before.ok() && after.ok());
  EXPECT_EQ(*before, *after);
  EXPECT_EQ((*active)->ToBytes(), first_bytes);

  // A second model, then roll back to the first, and no further.
  Result<TargetingModelRecord> second = service_->UploadModel(analyst_, second_bytes, "");
  ASSERT_TRUE(second.ok());
  EXPECT_EQ(second->version, 2);
  ASSERT_TRUE(service_->ActivateModel(analyst_, second->id).ok());
  std::string label;
  ASSERT_TRUE(service_->ActiveModel(de_.id, &label).ok());
  EXPECT_EQ(label, second->id + " v2");
  Result<TargetingModelRecord> back = service_->RollbackModel(analyst_);
  ASSERT_TRUE(back.ok()) << back.error().ToString();
  EXPECT_EQ(back->id, first->id);
  ASSERT_TRUE(service_->ActiveModel(de_.id, &label).ok());
  EXPECT_EQ(label, first->id + " v1");
  Result<TargetingModelRecord> again = service_->RollbackModel(analyst_);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);

  Result<std::vector<ModelActivationRecord>> history = service_->ListModelActivations(analyst_);
  ASSERT_TRUE(history.ok());
  ASSERT_EQ(history->size(), 3u);
  EXPECT_EQ((*history)[2].action, "rollback");
  EXPECT_EQ((*history)[2].model_id, first->id);
  EXPECT_EQ((*history)[2].previous_model_id, second->id);
  EXPECT_EQ(AuditActions(first->id),
            (std::vector<std::string>{"model.uploaded", "model.activated", "model.rolled_back"}));
  EXPECT_EQ(AuditActions(second->id),
            (std::vector<std::string>{"model.uploaded", "model.activated"}));
}

TEST_F(ModelServiceTest, UploadsAreCheckedAndModelsBelongToTheirAdministration) {
  ScreenAndInspect(30);
  const std::string bytes = TrainBytes(1);
  auto code = [](const auto& result) { return result.error().code(); };

  Result<TargetingModelRecord> empty = service_->UploadModel(analyst_, "", "");
  ASSERT_FALSE(empty.ok());
  EXPECT_EQ(code(empty), ErrorCode::kInvalidInput);
  EXPECT_EQ(empty.error().fields().front().field, "model");
  Result<TargetingModelRecord> junk = service_->UploadModel(analyst_, "not a model", "");
  ASSERT_FALSE(junk.ok());
  EXPECT_EQ(code(junk), ErrorCode::kInvalidInput);
  std::string damaged = bytes;
  damaged[damaged.size() / 2] ^= 0x55;
  Result<TargetingModelRecord> corrupt = service_->UploadModel(analyst_, damaged, "");
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(code(corrupt), ErrorCode::kInvalidInput);
  std::string future = bytes;
  future[8] = 2;  // the format version field follows the 8-byte magic
  Result<TargetingModelRecord> version = service_->UploadModel(analyst_, future, "");
  ASSERT_FALSE(version.ok());
  EXPECT_NE(version.error().message().find("version 2"), std::string::npos)
      << version.error().message();
  EXPECT_EQ(code(service_->UploadModel(analyst_, bytes, std::string(1001, 'x'))),
            ErrorCode::kInvalidInput);

  EXPECT_EQ(code(service_->UploadModel(frontline_, bytes, "")), ErrorCode::kForbidden);
  Result<TargetingModelRecord> model = service_->UploadModel(analyst_, bytes, "");
  ASSERT_TRUE(model.ok());
  EXPECT_EQ(code(service_->ActivateModel(frontline_, model->id)), ErrorCode::kForbidden);
  EXPECT_EQ(code(service_->ListModels(frontline_)), ErrorCode::kForbidden);
  EXPECT_EQ(code(service_->GetModel(cn_analyst_, model->id)), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->ActivateModel(cn_analyst_, model->id)), ErrorCode::kNotFound);
  EXPECT_EQ(code(service_->RollbackModel(analyst_)), ErrorCode::kConflict);
  Result<std::vector<TargetingModelRecord>> cn_models = service_->ListModels(cn_analyst_);
  ASSERT_TRUE(cn_models.ok());
  EXPECT_TRUE(cn_models->empty());
  // Activating the active model changes nothing.
  ASSERT_TRUE(service_->ActivateModel(analyst_, model->id).ok());
  ASSERT_TRUE(service_->ActivateModel(analyst_, model->id).ok());
  Result<std::vector<ModelActivationRecord>> history = service_->ListModelActivations(analyst_);
  ASSERT_TRUE(history.ok());
  EXPECT_EQ(history->size(), 1u);
}

}  // namespace
}  // namespace cordon
