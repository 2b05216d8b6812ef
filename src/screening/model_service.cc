// Targeting models in the screening service (issue 4): upload, list,
// activate, roll back, the active model for screening, and training data
// from the findings recorded on stored results. See screening_service.h.
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <initializer_list>

#include "core/digest.h"
#include "screening/screening_service.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr std::initializer_list<Role> kModelRoles = {Role::kRiskAnalyst, Role::kAdmin};
constexpr size_t kMaxDescriptionChars = 1000;

Status RequireModelRole(const Caller& caller, std::string_view action) {
  const bool allowed = caller.org_kind == OrgKind::kCustoms && !caller.org_id.empty() &&
                       std::find(kModelRoles.begin(), kModelRoles.end(), caller.role) !=
                           kModelRoles.end();
  if (allowed) return Status::Ok();
  return Forbidden(fmt::format("only a customs risk_analyst or admin may {}", action));
}

json MetricsJson(const targeting::Metrics& metrics) {
  return json::parse(targeting::MetricsToJson(metrics), nullptr, false);
}

// What the API shows of a model: its training figures and the roles it reads.
json ModelMetrics(const targeting::Model& model) {
  const targeting::TrainingInfo& info = model.info();
  json roles = json::array();
  for (const targeting::KeyColumn& key : model.mapping().keys) roles.push_back(key.name);
  json numbers = json::array();
  for (const targeting::NumericColumn& number : model.mapping().numeric) {
    numbers.push_back(number.name);
  }
  return {{"format_version", targeting::Model::kFormatVersion},
          {"trained_at", info.created_at},
          {"seed", info.seed},
          {"label_column", info.label_column},
          {"train_rows", info.train_rows},
          {"train_positives", info.train_positives},
          {"valid_rows", info.valid_rows},
          {"valid", info.valid ? MetricsJson(*info.valid) : json()},
          {"trees", info.rounds},
          {"features", model.feature_names().size()},
          {"key_roles", std::move(roles)},
          {"numeric_roles", std::move(numbers)}};
}

std::string Label(const TargetingModelRecord& record) {
  return fmt::format("{} v{}", record.id, record.version);
}

}  // namespace

json ToJson(const TargetingModelRecord& model) {
  json metrics = json::parse(model.metrics, nullptr, false);
  if (metrics.is_discarded()) metrics = json::object();
  return {{"id", model.id},
          {"version", model.version},
          {"sha256", model.sha256},
          {"size", model.size},
          {"description", model.description},
          {"created_by", model.created_by},
          {"created_at", FormatTimestamp(model.created_at)},
          {"active", model.active},
          {"metrics", std::move(metrics)}};
}

json ToJson(const ModelActivationRecord& activation) {
  return {{"seq", activation.seq},
          {"action", activation.action},
          {"model_id", activation.model_id},
          {"previous_model_id",
           activation.previous_model_id.empty() ? json() : json(activation.previous_model_id)},
          {"user_id", activation.user_id},
          {"at", FormatTimestamp(activation.at)}};
}

Result<std::shared_ptr<const targeting::Model>> ScreeningService::ActiveModel(
    const std::string& org_id, std::string* label) {
  std::string active_id;
  TargetingModelRecord record;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(ScreeningInputsVersion version,
                            tx.GetScreeningInputsVersion(Scope{org_id}));
    active_id = version.active_model_id;
    if (active_id.empty()) return Status::Ok();
    {
      std::lock_guard lock(model_mutex_);
      if (models_.count(active_id) > 0) return Status::Ok();
    }
    CORDON_ASSIGN_OR_RETURN(record, tx.GetActiveTargetingModel(Scope{org_id}));
    return Status::Ok();
  }));
  if (active_id.empty()) return std::shared_ptr<const targeting::Model>();
  std::lock_guard lock(model_mutex_);
  auto cached = models_.find(active_id);
  if (cached == models_.end()) {
    Result<targeting::Model> model = targeting::Model::FromBytes(record.bytes);
    if (!model.ok()) {
      Error error = model.error();
      return error.Prefix(fmt::format("the active targeting model {}: ", Label(record)));
    }
    LoadedModel loaded{std::make_shared<const targeting::Model>(std::move(model).value()),
                       Label(record)};
    cached = models_.emplace(active_id, std::move(loaded)).first;
  }
  if (label) *label = cached->second.label;
  return cached->second.model;
}

Result<StoredTrainingData> ScreeningService::TrainingData(const std::string& org_id) {
  std::vector<LabelledScreening> labelled;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(labelled, tx.ListLabelledScreenings(Scope{org_id}));
    return Status::Ok();
  }));
  std::vector<targeting::RoleValues> rows;
  std::vector<float> labels;
  size_t positives = 0;
  for (const LabelledScreening& item : labelled) {
    Result<std::vector<targeting::RoleValues>> inputs = ModelInputsFromJson(item.inputs);
    if (!inputs.ok()) {
      return Corrupt(fmt::format("result {}: {}", item.result_id, inputs.error().message()));
    }
    const float label = item.outcome == "no_irregularity" ? 0.0f : 1.0f;
    if (label > 0) ++positives;
    for (targeting::RoleValues& row : *inputs) {
      rows.push_back(std::move(row));
      labels.push_back(label);
    }
  }
  const size_t negatives = labelled.size() - positives;
  if (positives == 0 || negatives == 0) {
    return InvalidInput(
        fmt::format("too few labelled results to train on: {} finding(s) with no irregularity "
                    "and {} with one (suspected_ipr_infringement or other); training needs both "
                    "outcomes, and the model improves with hundreds of each",
                    negatives, positives),
        {{"findings", "need both outcomes"}});
  }
  StoredTrainingData out;
  out.results = labelled.size();
  out.data = targeting::DatasetFromRoles(StoredScreeningsMapping(), rows);
  out.data.labels = std::move(labels);
  out.data.label_column = "outcome";
  return out;
}

Result<TargetingModelRecord> ScreeningService::UploadModel(const Caller& caller,
                                                           std::string_view bytes,
                                                           const std::string& description) {
  CORDON_RETURN_IF_ERROR(RequireModelRole(caller, "upload targeting models"));
  if (bytes.empty()) {
    return InvalidInput("the request body is empty: send the model file (cordon train --out)",
                        {{"model", "is required"}});
  }
  if (bytes.size() > options_.max_model_bytes) {
    return InvalidInput(fmt::format("the model file has {} bytes; at most {} are accepted",
                                    bytes.size(), options_.max_model_bytes),
                        {{"model", "is too large"}});
  }
  if (description.size() > kMaxDescriptionChars) {
    return InvalidInput("the description is too long",
                        {{"description", fmt::format("must be at most {} characters",
                                                     kMaxDescriptionChars)}});
  }
  Result<targeting::Model> model = targeting::Model::FromBytes(bytes);
  if (!model.ok()) {
    return InvalidInput("not a usable model file: " + model.error().message(),
                        {{"model", model.error().message()}});
  }
  TargetingModelRecord record;
  {
    std::lock_guard lock(rng_mutex_);
    record.id = NewId(rng_, "mdl");
  }
  record.owner_org_id = caller.org_id;
  record.sha256 = Sha256Hex(bytes);
  record.size = static_cast<long long>(bytes.size());
  record.bytes.assign(bytes);
  record.metrics = ModelMetrics(*model).dump();
  record.description = description;
  record.created_by = caller.user_id;
  record.created_at = clock_.Now();
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(record.version, tx.InsertTargetingModel(record));
    AuditEvent event;
    event.at = record.created_at;
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.action = "model.uploaded";
    event.object_type = "targeting_model";
    event.object_id = record.id;
    event.detail = json{{"version", record.version}, {"sha256", record.sha256},
                        {"size", record.size}}
                       .dump();
    return tx.AppendAuditEvent(event).status();
  }));
  record.bytes.clear();
  return record;
}

Result<std::vector<TargetingModelRecord>> ScreeningService::ListModels(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireModelRole(caller, "read targeting models"));
  std::vector<TargetingModelRecord> models;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(models, tx.ListTargetingModels(Scope{caller.org_id}));
    return Status::Ok();
  }));
  return models;
}

Result<TargetingModelRecord> ScreeningService::GetModel(const Caller& caller,
                                                        const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireModelRole(caller, "read targeting models"));
  TargetingModelRecord model;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(model, tx.GetTargetingModel(Scope{caller.org_id}, id, false));
    return Status::Ok();
  }));
  return model;
}

Result<std::vector<ModelActivationRecord>> ScreeningService::ListModelActivations(
    const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireModelRole(caller, "read targeting models"));
  std::vector<ModelActivationRecord> history;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(history, tx.ListModelActivations(Scope{caller.org_id}));
    return Status::Ok();
  }));
  return history;
}

Result<TargetingModelRecord> ScreeningService::ActivateModel(const Caller& caller,
                                                             const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireModelRole(caller, "activate targeting models"));
  return ChangeActiveModel(caller, id, "activate");
}

Result<TargetingModelRecord> ScreeningService::RollbackModel(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireModelRole(caller, "roll back targeting models"));
  return ChangeActiveModel(caller, "", "rollback");
}

// One unit of work: reads the history, decides, writes the activation and
// its audit event, so two analysts acting at once cannot both roll back to
// the same state.
Result<TargetingModelRecord> ScreeningService::ChangeActiveModel(const Caller& caller,
                                                                 const std::string& model_id,
                                                                 const std::string& action) {
  const Scope scope{caller.org_id};
  TargetingModelRecord target;
  bool changed = false;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    changed = false;
    CORDON_ASSIGN_OR_RETURN(std::vector<ModelActivationRecord> history,
                            tx.ListModelActivations(scope));
    // Activations push, roll-backs pop.
    std::vector<std::string> stack;
    for (const ModelActivationRecord& entry : history) {
      if (entry.action == "rollback") {
        if (!stack.empty()) stack.pop_back();
      } else {
        stack.push_back(entry.model_id);
      }
    }
    const std::string current = stack.empty() ? std::string() : stack.back();
    std::string next = model_id;
    if (action == "rollback") {
      if (stack.size() < 2) {
        return Conflict(current.empty()
                            ? "no targeting model is active, so there is nothing to roll back"
                            : fmt::format("model {} is the first one activated; there is no "
                                          "earlier model to roll back to",
                                          current));
      }
      next = stack[stack.size() - 2];
    }
    CORDON_ASSIGN_OR_RETURN(target, tx.GetTargetingModel(scope, next, false));
    if (action == "activate" && next == current) return Status::Ok();  // already active
    ModelActivationRecord record;
    record.org_id = caller.org_id;
    record.model_id = next;
    record.previous_model_id = current;
    record.action = action;
    record.user_id = caller.user_id;
    record.at = clock_.Now();
    CORDON_ASSIGN_OR_RETURN(record.seq, tx.InsertModelActivation(scope, record));
    AuditEvent event;
    event.at = record.at;
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.action = action == "rollback" ? "model.rolled_back" : "model.activated";
    event.object_type = "targeting_model";
    event.object_id = next;
    event.detail = json{{"version", target.version},
                        {"previous_model_id", current.empty() ? json() : json(current)}}
                       .dump();
    CORDON_RETURN_IF_ERROR(tx.AppendAuditEvent(event).status());
    target.active = true;
    changed = true;
    return Status::Ok();
  }));
  if (!changed) return target;
  spdlog::info("targeting model of {}: {} {}", caller.org_id, action, Label(target));
  return target;
}

}  // namespace cordon
