// The fixed map from declarations to targeting roles (model_inputs.h).
#include "screening/model_inputs.h"

#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

namespace cordon {
namespace {

// Names as categories: trimmed, inner runs of white space as one space, ASCII
// upper case, so "Acme  Trading" and "ACME TRADING" are one trader.
std::string NameKey(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = !out.empty();
      continue;
    }
    if (space) out.push_back(' ');
    space = false;
    out.push_back(c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c);
  }
  return out;
}

double Declared(double value) {
  return value > 0 && std::isfinite(value) ? value : std::numeric_limits<double>::quiet_NaN();
}

}  // namespace

std::vector<targeting::RoleValues> ModelInputs(const Declaration& declaration) {
  targeting::RoleValues common;
  common.keys = {
      {"importer", NameKey(declaration.consignee.name)},
      {"seller", NameKey(declaration.consignor.name)},
      {"declarant", NameKey(declaration.declarant.name)},
      {"seller_country", declaration.consignor.country},
      {"origin", declaration.origin},
      {"departure", declaration.dispatch},
      {"destination", declaration.destination},
      {"office", declaration.office},
      {"transport_mode", declaration.transport_mode},
      {"declaration_type", declaration.type},
      {"e_commerce", declaration.e_commerce ? "yes" : "no"},
  };
  common.numbers["items"] = static_cast<double>(declaration.items.size());
  if (declaration.lodged_at) {
    common.day = static_cast<int32_t>(
        std::chrono::floor<std::chrono::days>(*declaration.lodged_at).time_since_epoch().count());
  }
  std::vector<targeting::RoleValues> rows;
  rows.reserve(declaration.items.size());
  for (const DeclarationItem& item : declaration.items) {
    targeting::RoleValues row = common;
    row.keys["hs"] = item.hs;
    row.keys["brand"] = NameKey(item.brand);
    row.keys["currency"] = item.currency;
    row.numbers["value"] = Declared(item.value);
    row.numbers["mass"] = Declared(item.gross_kg);
    row.numbers["quantity"] = Declared(item.quantity);
    rows.push_back(std::move(row));
  }
  return rows;
}

std::string ModelInputsToJson(const std::vector<targeting::RoleValues>& rows) {
  nlohmann::json out = nlohmann::json::array();
  for (const targeting::RoleValues& row : rows) {
    nlohmann::json keys = nlohmann::json::object();
    for (const auto& [role, text] : row.keys) keys[role] = text;
    nlohmann::json numbers = nlohmann::json::object();
    for (const auto& [role, value] : row.numbers) {
      numbers[role] = std::isfinite(value) ? nlohmann::json(value) : nlohmann::json();
    }
    out.push_back({{"keys", std::move(keys)},
                   {"numbers", std::move(numbers)},
                   {"day", row.day == INT32_MIN ? nlohmann::json() : nlohmann::json(row.day)}});
  }
  return out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

Result<std::vector<targeting::RoleValues>> ModelInputsFromJson(std::string_view json_text) {
  nlohmann::json document = nlohmann::json::parse(json_text, nullptr, false);
  if (!document.is_array()) return InvalidInput("stored model inputs: not a JSON array");
  std::vector<targeting::RoleValues> rows;
  for (size_t index = 0; index < document.size(); ++index) {
    const nlohmann::json& entry = document[index];
    const std::string where = "stored model inputs[" + std::to_string(index) + "]";
    if (!entry.is_object() || !entry.contains("keys") || !entry["keys"].is_object() ||
        !entry.contains("numbers") || !entry["numbers"].is_object()) {
      return InvalidInput(where + ": needs the objects \"keys\" and \"numbers\"");
    }
    targeting::RoleValues row;
    for (const auto& [role, text] : entry["keys"].items()) {
      if (!text.is_string()) return InvalidInput(where + ".keys." + role + ": not a string");
      row.keys[role] = text.get<std::string>();
    }
    for (const auto& [role, value] : entry["numbers"].items()) {
      if (value.is_null()) {
        row.numbers[role] = std::numeric_limits<double>::quiet_NaN();
      } else if (value.is_number()) {
        row.numbers[role] = value.get<double>();
      } else {
        return InvalidInput(where + ".numbers." + role + ": not a number");
      }
    }
    if (entry.contains("day") && entry["day"].is_number_integer()) {
      row.day = entry["day"].get<int32_t>();
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

targeting::Mapping StoredScreeningsMapping() {
  targeting::Mapping mapping;
  mapping.date_column = "date";
  mapping.label_column = "outcome";
  for (const char* role : {"importer", "seller", "declarant", "seller_country", "hs", "origin",
                           "departure", "destination", "office", "transport_mode",
                           "declaration_type", "e_commerce", "brand", "currency"}) {
    mapping.keys.push_back({role, role});
  }
  for (const char* role : {"value", "mass", "quantity", "items"}) {
    mapping.numeric.push_back({role, role});
  }
  mapping.interactions = {{"origin", "hs6"},   {"office", "hs6"},   {"importer", "hs6"},
                          {"seller", "hs6"},   {"brand", "hs6"},    {"origin", "departure", "hs6"},
                          {"declarant", "importer"}, {"brand", "origin"}};
  return mapping;
}

}  // namespace cordon
