// The fixed map from declarations to targeting roles (model_inputs.h).
#include "screening/model_inputs.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <limits>
#include <nlohmann/json.hpp>

#include "screening/json_writer.h"

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

namespace {

// The declaration's parties as keys, the same for each of its rows.
struct PartyKeys {
  explicit PartyKeys(const Declaration& declaration)
      : importer(NameKey(declaration.consignee.name)),
        seller(NameKey(declaration.consignor.name)),
        declarant(NameKey(declaration.declarant.name)) {}
  std::string importer, seller, declarant;
};

// The one list of what the model reads from a declaration (model_inputs.h):
// calls key(role, text) and number(role, value) for each role of the row of
// `item` (`parties`: the declaration's PartyKeys), and returns the row's day
// (INT32_MIN: none).
template <typename KeyFn, typename NumberFn>
int32_t VisitRoles(const Declaration& declaration, const PartyKeys& parties,
                   const DeclarationItem& item, KeyFn&& key, NumberFn&& number) {
  key("importer", parties.importer);
  key("seller", parties.seller);
  key("declarant", parties.declarant);
  key("seller_country", declaration.consignor.country);
  key("origin", declaration.origin);
  key("departure", declaration.dispatch);
  key("destination", declaration.destination);
  key("office", declaration.office);
  key("transport_mode", declaration.transport_mode);
  key("declaration_type", declaration.type);
  key("e_commerce", declaration.e_commerce ? "yes" : "no");
  key("hs", item.hs);
  key("brand", NameKey(item.brand));
  key("currency", item.currency);
  number("items", static_cast<double>(declaration.items.size()));
  number("value", Declared(item.value));
  number("mass", Declared(item.gross_kg));
  number("quantity", Declared(item.quantity));
  if (!declaration.lodged_at) return INT32_MIN;
  return static_cast<int32_t>(
      std::chrono::floor<std::chrono::days>(*declaration.lodged_at).time_since_epoch().count());
}

}  // namespace

std::vector<targeting::RoleValues> ModelInputs(const Declaration& declaration) {
  std::vector<targeting::RoleValues> rows;
  rows.reserve(declaration.items.size());
  const PartyKeys parties(declaration);
  for (const DeclarationItem& item : declaration.items) {
    targeting::RoleValues& row = rows.emplace_back();
    row.day = VisitRoles(
        declaration, parties, item,
        [&row](std::string_view role, std::string_view text) {
          row.keys.insert_or_assign(std::string(role), std::string(text));
        },
        [&row](std::string_view role, double value) {
          row.numbers.insert_or_assign(std::string(role), value);
        });
  }
  return rows;
}

targeting::Dataset ModelDataset(const targeting::Mapping& mapping,
                                std::span<const Declaration* const> declarations,
                                std::vector<size_t>& group_ends) {
  targeting::RowsByRole rows(mapping);
  size_t items = 0;
  for (const Declaration* declaration : declarations) items += declaration->items.size();
  rows.Reserve(items);
  group_ends.clear();
  size_t count = 0;
  for (const Declaration* declaration : declarations) {
    const PartyKeys parties(*declaration);
    for (const DeclarationItem& item : declaration->items) {
      rows.StartRow();
      rows.Day(VisitRoles(
          *declaration, parties, item,
          [&rows](std::string_view role, std::string_view text) { rows.Key(role, text); },
          [&rows](std::string_view role, double value) { rows.Number(role, value); }));
      ++count;
    }
    group_ends.push_back(count);
  }
  return std::move(rows).Take();
}

std::string ModelInputsJson(const Declaration& declaration) {
  // Each row's roles in the byte order of their names, as the std::map of
  // nlohmann::json's objects wrote them (the bytes stored before stay the
  // same); a role given twice keeps its last value, as a map would.
  struct Key {
    std::string_view role;
    std::string text;
  };
  struct Number {
    std::string_view role;
    double value;
  };
  std::vector<Key> keys;
  std::vector<Number> numbers;
  auto sorted = [](auto& entries) {
    std::stable_sort(entries.begin(), entries.end(),
                     [](const auto& a, const auto& b) { return a.role < b.role; });
  };
  // An object's members: each role once (its last value), `write_value`
  // writing the value.
  auto members = [](json_internal::JsonWriter& writer, const auto& entries, auto&& write_value) {
    bool first = true;
    for (size_t index = 0; index < entries.size(); ++index) {
      if (index + 1 < entries.size() && entries[index + 1].role == entries[index].role) continue;
      if (!first) writer.Char(',');
      first = false;
      writer.String(entries[index].role);
      writer.Char(':');
      write_value(entries[index]);
    }
  };
  std::string out;
  json_internal::JsonWriter writer(&out);
  writer.Char('[');
  const PartyKeys parties(declaration);
  for (size_t item_index = 0; item_index < declaration.items.size(); ++item_index) {
    size_t key_count = 0;
    numbers.clear();
    const int32_t day = VisitRoles(
        declaration, parties, declaration.items[item_index],
        [&keys, &key_count](std::string_view role, std::string_view text) {
          if (key_count == keys.size()) keys.emplace_back();
          keys[key_count].role = role;
          keys[key_count].text.assign(text);  // reuses the string's capacity
          ++key_count;
        },
        [&numbers](std::string_view role, double value) {
          numbers.push_back({role, value});
        });
    keys.resize(key_count);
    sorted(keys);
    sorted(numbers);
    if (item_index > 0) writer.Char(',');
    writer.Literal("{\"day\":");
    if (day == INT32_MIN) {
      writer.Literal("null");
    } else {
      writer.Integer(day);
    }
    writer.Literal(",\"keys\":{");
    members(writer, keys, [&writer](const Key& key) { writer.String(key.text); });
    writer.Literal("},\"numbers\":{");
    members(writer, numbers,
            [&writer](const Number& number) { writer.DumpedNumber(number.value); });
    writer.Literal("}}");
  }
  writer.Char(']');
  writer.Finish();
  return out;
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
  mapping.interactions = {{"origin", "hs6"},         {"office", "hs6"},
                          {"importer", "hs6"},       {"seller", "hs6"},
                          {"brand", "hs6"},          {"origin", "departure", "hs6"},
                          {"declarant", "importer"}, {"brand", "origin"}};
  return mapping;
}

}  // namespace cordon
