// The column mapping file (docs/targeting.md, "Mapping") and the training
// options it may carry.
#include <algorithm>
#include <fstream>
#include <limits>
#include <set>
#include <sstream>

#include "targeting/internal.h"
#include "targeting/targeting.h"

namespace cordon::targeting {
namespace {

using nlohmann::ordered_json;

Error MappingError(const std::string& key, const std::string& message) {
  return InvalidInput("mapping: \"" + key + "\" " + message, {{key, message}});
}

bool IsRoleName(const std::string& name) {
  if (name.empty() || name.size() > 64 || name[0] < 'a' || name[0] > 'z') return false;
  return std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool IsHsLevel(const std::string& name) {
  return std::find(std::begin(internal::kHsLevels), std::end(internal::kHsLevels), name) !=
         std::end(internal::kHsLevels);
}

// An optional member naming a column: absent or null → "", else a non-empty string.
Result<std::string> OptionalColumn(const ordered_json& document, const std::string& key) {
  auto found = document.find(key);
  if (found == document.end() || found->is_null()) return std::string();
  if (!found->is_string() || found->get<std::string>().empty()) {
    return MappingError(key, "must be a column name (a non-empty string) or null");
  }
  return found->get<std::string>();
}

// Reads a {role: column} object into pairs, in file order.
Result<std::vector<std::pair<std::string, std::string>>> RoleColumns(const ordered_json& value,
                                                                     const std::string& key) {
  if (!value.is_object()) return MappingError(key, "must be an object of role: column");
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& [role, column] : value.items()) {
    std::string where = key + "." + role;
    if (!IsRoleName(role)) {
      return MappingError(where, "is not a role name (lower-case letters, digits, _)");
    }
    if (!column.is_string() || column.get<std::string>().empty()) {
      return MappingError(where, "must be a column name (a non-empty string)");
    }
    out.emplace_back(role, column.get<std::string>());
  }
  return out;
}

template <typename T>
Status ReadNumber(const ordered_json& object, const std::string& where, const char* name, T& into) {
  auto found = object.find(name);
  if (found == object.end()) return Status::Ok();
  std::string key = where + "." + name;
  if constexpr (std::is_same_v<T, bool>) {
    if (!found->is_boolean()) return MappingError(key, "must be true or false");
    into = found->get<bool>();
  } else if constexpr (std::is_unsigned_v<T>) {
    if (!found->is_number_unsigned()) return MappingError(key, "must be a whole number, 0 or more");
    into = found->get<T>();
  } else if constexpr (std::is_integral_v<T>) {
    if (!found->is_number_integer() || found->get<int64_t>() < std::numeric_limits<T>::min() ||
        found->get<int64_t>() > std::numeric_limits<T>::max()) {
      return MappingError(key, "must be a whole number");
    }
    into = static_cast<T>(found->get<int64_t>());
  } else {
    if (!found->is_number()) return MappingError(key, "must be a number");
    into = found->get<T>();
  }
  return Status::Ok();
}

}  // namespace

namespace internal {

ordered_json TrainOptionsToJson(const TrainOptions& options) {
  return ordered_json{
      {"seed", options.seed},
      {"folds", options.folds},
      {"fold_scheme", options.fold_scheme == FoldScheme::kTime ? "time" : "random"},
      {"prior_weight", options.prior_weight},
      {"count_features", options.count_features},
      {"date_features", options.date_features},
      {"max_rounds", options.max_rounds},
      {"rounds_without_valid", options.rounds_without_valid},
      {"early_stopping_rounds", options.early_stopping_rounds},
      {"learning_rate", options.learning_rate},
      {"max_depth", options.max_depth},
      {"min_child_weight", options.min_child_weight},
      {"subsample", options.subsample},
      {"colsample_bytree", options.colsample_bytree},
      {"reg_lambda", options.reg_lambda},
      {"reg_alpha", options.reg_alpha},
      {"max_bin", options.max_bin},
      {"threads", options.threads},
  };
}

Status TrainOptionsFromJson(const ordered_json& object, const std::string& where,
                            TrainOptions& into) {
  if (!object.is_object()) return MappingError(where, "must be an object");
  static const std::set<std::string> kKnown = {"seed",
                                               "folds",
                                               "fold_scheme",
                                               "prior_weight",
                                               "count_features",
                                               "date_features",
                                               "max_rounds",
                                               "rounds_without_valid",
                                               "early_stopping_rounds",
                                               "learning_rate",
                                               "max_depth",
                                               "min_child_weight",
                                               "subsample",
                                               "colsample_bytree",
                                               "reg_lambda",
                                               "reg_alpha",
                                               "max_bin",
                                               "threads"};
  for (const auto& [name, value] : object.items()) {
    if (!kKnown.contains(name)) return MappingError(where + "." + name, "is not a training option");
  }
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "seed", into.seed));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "folds", into.folds));
  if (auto scheme = object.find("fold_scheme"); scheme != object.end()) {
    if (*scheme == "random") {
      into.fold_scheme = FoldScheme::kRandom;
    } else if (*scheme == "time") {
      into.fold_scheme = FoldScheme::kTime;
    } else {
      return MappingError(where + ".fold_scheme", "must be \"random\" or \"time\"");
    }
  }
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "prior_weight", into.prior_weight));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "count_features", into.count_features));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "date_features", into.date_features));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "max_rounds", into.max_rounds));
  CORDON_RETURN_IF_ERROR(
      ReadNumber(object, where, "rounds_without_valid", into.rounds_without_valid));
  CORDON_RETURN_IF_ERROR(
      ReadNumber(object, where, "early_stopping_rounds", into.early_stopping_rounds));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "learning_rate", into.learning_rate));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "max_depth", into.max_depth));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "min_child_weight", into.min_child_weight));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "subsample", into.subsample));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "colsample_bytree", into.colsample_bytree));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "reg_lambda", into.reg_lambda));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "reg_alpha", into.reg_alpha));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "max_bin", into.max_bin));
  CORDON_RETURN_IF_ERROR(ReadNumber(object, where, "threads", into.threads));
  Status valid = ValidateTrainOptions(into);
  if (!valid.ok()) {
    Error error = valid.error();
    return error.Prefix("mapping: " + where + ": ");
  }
  return Status::Ok();
}

Status ValidateTrainOptions(const TrainOptions& options) {
  auto bad = [](const std::string& name, const std::string& message) -> Status {
    return InvalidInput(name + " " + message, {{name, message}});
  };
  if (options.folds < 2 || options.folds > 50) return bad("folds", "must be from 2 to 50");
  if (!(options.prior_weight >= 0 && options.prior_weight <= 1e6)) {
    return bad("prior_weight", "must be from 0 to 1e6");
  }
  if (options.max_rounds < 1 || options.max_rounds > 100000) {
    return bad("max_rounds", "must be from 1 to 100000");
  }
  if (options.rounds_without_valid < 1 || options.rounds_without_valid > 100000) {
    return bad("rounds_without_valid", "must be from 1 to 100000");
  }
  if (options.early_stopping_rounds < 1) return bad("early_stopping_rounds", "must be at least 1");
  if (!(options.learning_rate > 0 && options.learning_rate <= 1)) {
    return bad("learning_rate", "must be in (0, 1]");
  }
  if (options.max_depth < 1 || options.max_depth > 20) return bad("max_depth", "must be 1 to 20");
  if (!(options.min_child_weight >= 0)) return bad("min_child_weight", "must be at least 0");
  if (!(options.subsample > 0 && options.subsample <= 1))
    return bad("subsample", "must be in (0, 1]");
  if (!(options.colsample_bytree > 0 && options.colsample_bytree <= 1)) {
    return bad("colsample_bytree", "must be in (0, 1]");
  }
  if (!(options.reg_lambda >= 0)) return bad("reg_lambda", "must be at least 0");
  if (!(options.reg_alpha >= 0)) return bad("reg_alpha", "must be at least 0");
  if (options.max_bin < 2 || options.max_bin > 65536) return bad("max_bin", "must be 2 to 65536");
  if (options.threads < 1 || options.threads > 256) return bad("threads", "must be 1 to 256");
  return Status::Ok();
}

ordered_json MappingToJsonValue(const Mapping& mapping) {
  ordered_json document = ordered_json::object();
  document["version"] = 1;
  auto column = [](const std::string& name) {
    return name.empty() ? ordered_json(nullptr) : ordered_json(name);
  };
  document["id"] = column(mapping.id_column);
  document["date"] = column(mapping.date_column);
  document["label"] = column(mapping.label_column);
  document["revenue"] = column(mapping.revenue_column);
  ordered_json keys = ordered_json::object();
  for (const KeyColumn& key : mapping.keys) keys[key.name] = key.column;
  document["keys"] = keys;
  ordered_json numeric = ordered_json::object();
  for (const NumericColumn& number : mapping.numeric) numeric[number.name] = number.column;
  document["numeric"] = numeric;
  document["interactions"] = mapping.interactions;
  document["train"] = TrainOptionsToJson(mapping.train);
  return document;
}

Result<Mapping> MappingFromJsonValue(const ordered_json& document) {
  if (!document.is_object()) return InvalidInput("mapping: the document must be a JSON object");
  static const std::set<std::string> kKnown = {"version",      "description", "id",   "date",
                                               "label",        "revenue",     "keys", "numeric",
                                               "interactions", "train"};
  for (const auto& [name, value] : document.items()) {
    if (!kKnown.contains(name)) {
      return MappingError(name,
                          "is not a mapping key (expected one of: version, description, "
                          "id, date, label, revenue, keys, numeric, interactions, train)");
    }
  }
  if (auto version = document.find("version"); version != document.end()) {
    if (*version != 1) return MappingError("version", "must be 1 (the only mapping version)");
  }
  if (auto description = document.find("description");
      description != document.end() && !description->is_string()) {
    return MappingError("description", "must be a string");
  }
  Mapping mapping;
  CORDON_ASSIGN_OR_RETURN(mapping.id_column, OptionalColumn(document, "id"));
  CORDON_ASSIGN_OR_RETURN(mapping.date_column, OptionalColumn(document, "date"));
  CORDON_ASSIGN_OR_RETURN(mapping.label_column, OptionalColumn(document, "label"));
  CORDON_ASSIGN_OR_RETURN(mapping.revenue_column, OptionalColumn(document, "revenue"));

  auto keys = document.find("keys");
  if (keys == document.end()) return MappingError("keys", "is required (role: column object)");
  CORDON_ASSIGN_OR_RETURN(auto key_pairs, RoleColumns(*keys, "keys"));
  if (key_pairs.empty()) return MappingError("keys", "must name at least one categorical column");
  std::set<std::string> roles;
  for (auto& [role, column] : key_pairs) {
    if (IsHsLevel(role)) {
      return MappingError("keys." + role,
                          "is derived from the \"hs\" key; map the HS column as \"hs\"");
    }
    roles.insert(role);
    mapping.keys.push_back({role, column});
  }
  if (auto numeric = document.find("numeric"); numeric != document.end()) {
    CORDON_ASSIGN_OR_RETURN(auto numeric_pairs, RoleColumns(*numeric, "numeric"));
    for (auto& [role, column] : numeric_pairs) {
      if (roles.contains(role)) {
        return MappingError("numeric." + role, "reuses the name of a key; role names must differ");
      }
      mapping.numeric.push_back({role, column});
    }
  }
  // The outcome must never be an input: that is the one leak a mapping can make.
  for (const std::string* outcome : {&mapping.label_column, &mapping.revenue_column}) {
    if (outcome->empty()) continue;
    for (const KeyColumn& key : mapping.keys) {
      if (key.column == *outcome) {
        return MappingError("keys." + key.name, "reads the outcome column \"" + *outcome + "\"");
      }
    }
    for (const NumericColumn& number : mapping.numeric) {
      if (number.column == *outcome) {
        return MappingError("numeric." + number.name,
                            "reads the outcome column \"" + *outcome + "\"");
      }
    }
  }

  bool has_hs = roles.contains("hs");
  if (auto interactions = document.find("interactions"); interactions != document.end()) {
    if (!interactions->is_array()) {
      return MappingError("interactions", "must be an array of arrays of 2 to 4 key names");
    }
    std::set<std::vector<std::string>> seen;
    for (size_t index = 0; index < interactions->size(); ++index) {
      const ordered_json& entry = (*interactions)[index];
      std::string where = "interactions[" + std::to_string(index) + "]";
      if (!entry.is_array() || entry.size() < 2 || entry.size() > 4) {
        return MappingError(where, "must be an array of 2 to 4 key names");
      }
      std::vector<std::string> names;
      int hs_count = 0;
      for (size_t part = 0; part < entry.size(); ++part) {
        std::string part_where = where + "[" + std::to_string(part) + "]";
        if (!entry[part].is_string()) return MappingError(part_where, "must be a key name");
        std::string name = entry[part].get<std::string>();
        if (IsHsLevel(name)) {
          if (!has_hs)
            return MappingError(part_where, "names " + name + " but no \"hs\" key is mapped");
          ++hs_count;
        } else if (!roles.contains(name) || name == "hs") {
          return MappingError(part_where, "names \"" + name +
                                              "\", which is not a mapped key (use hs6, hs4 or "
                                              "hs2 for the HS levels)");
        }
        if (std::find(names.begin(), names.end(), name) != names.end()) {
          return MappingError(part_where, "repeats \"" + name + "\"");
        }
        names.push_back(name);
      }
      if (hs_count > 1) return MappingError(where, "may use only one HS level");
      std::vector<std::string> sorted = names;
      std::sort(sorted.begin(), sorted.end());
      if (!seen.insert(sorted).second) return MappingError(where, "is listed twice");
      mapping.interactions.push_back(names);
    }
  }
  if (auto train = document.find("train"); train != document.end()) {
    CORDON_RETURN_IF_ERROR(TrainOptionsFromJson(*train, "train", mapping.train));
  }
  return mapping;
}

}  // namespace internal

Result<Mapping> ParseMapping(std::string_view json_text) {
  ordered_json document = ordered_json::parse(json_text, nullptr, false);
  if (document.is_discarded()) return InvalidInput("mapping: not valid JSON");
  return internal::MappingFromJsonValue(document);
}

Result<Mapping> LoadMapping(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file)
    return InvalidInput("cannot open the mapping file " + path, {{"mapping", "cannot be opened"}});
  std::stringstream content;
  content << file.rdbuf();
  Result<Mapping> mapping = ParseMapping(content.str());
  if (!mapping.ok()) {
    Error error = mapping.error();
    return error.Prefix(path + ": ");
  }
  return mapping;
}

std::string MappingToJson(const Mapping& mapping) {
  return internal::MappingToJsonValue(mapping).dump(2);
}

}  // namespace cordon::targeting
