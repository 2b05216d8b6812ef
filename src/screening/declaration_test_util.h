// Writers of declarations as JSON Lines and CSV, in the formats the readers
// accept (docs/declarations.md). For tests, fuzz targets and benchmarks only:
// they let a declaration make the round trip text -> Declaration -> text.
//
// Thread safety: pure functions.
#pragma once

#include <charconv>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "core/time.h"
#include "screening/declaration.h"

namespace cordon::declaration_test {

// Shortest text that reads back as exactly `number`.
inline void AppendNumber(std::string& out, double number) {
  char text[64];
  auto result = std::to_chars(text, text + sizeof(text), number);
  out.append(text, result.ptr);
}

inline void AppendJsonString(std::string& out, std::string_view text) {
  out += '"';
  for (char c : text) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          char escaped[8];
          std::snprintf(escaped, sizeof(escaped), "\\u%04x", static_cast<unsigned>(c));
          out += escaped;
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

// `"key":"value",` appended; with `comma` false the comma is left out.
inline void AppendJsonField(std::string& out, std::string_view key, std::string_view value,
                            bool comma = true) {
  AppendJsonString(out, key);
  out += ':';
  AppendJsonString(out, value);
  if (comma) out += ',';
}

inline void AppendJsonParty(std::string& out, std::string_view key, const DeclarationParty& party) {
  AppendJsonString(out, key);
  out += ":{";
  AppendJsonField(out, "name", party.name);
  AppendJsonField(out, "address", party.address);
  AppendJsonField(out, "country", party.country, false);
  out += "},";
}

inline void AppendJsonList(std::string& out, std::string_view key,
                           const std::vector<std::string>& list) {
  AppendJsonString(out, key);
  out += ":[";
  for (size_t index = 0; index < list.size(); ++index) {
    if (index > 0) out += ',';
    AppendJsonString(out, list[index]);
  }
  out += "],";
}

// One JSON object on one line, with every field, followed by '\n'.
inline void AppendJsonLine(std::string& out, const Declaration& d) {
  out += '{';
  AppendJsonField(out, "id", d.id);
  AppendJsonField(out, "type", d.type);
  if (d.lodged_at) AppendJsonField(out, "lodged_at", FormatTimestamp(*d.lodged_at));
  AppendJsonField(out, "office", d.office);
  AppendJsonField(out, "transport_mode", d.transport_mode);
  AppendJsonField(out, "origin", d.origin);
  AppendJsonField(out, "dispatch", d.dispatch);
  AppendJsonField(out, "destination", d.destination);
  out += d.e_commerce ? "\"e_commerce\":true," : "\"e_commerce\":false,";
  AppendJsonParty(out, "consignor", d.consignor);
  AppendJsonParty(out, "consignee", d.consignee);
  AppendJsonParty(out, "declarant", d.declarant);
  AppendJsonList(out, "route", d.route);
  AppendJsonList(out, "containers", d.containers);
  out += "\"items\":[";
  for (size_t index = 0; index < d.items.size(); ++index) {
    const DeclarationItem& item = d.items[index];
    if (index > 0) out += ',';
    out += '{';
    AppendJsonField(out, "hs", item.hs);
    AppendJsonField(out, "description", item.description);
    AppendJsonField(out, "brand", item.brand);
    out += "\"quantity\":";
    AppendNumber(out, item.quantity);
    out += ',';
    AppendJsonField(out, "unit", item.unit);
    out += "\"gross_kg\":";
    AppendNumber(out, item.gross_kg);
    out += ",\"value\":";
    AppendNumber(out, item.value);
    out += ',';
    AppendJsonField(out, "currency", item.currency, false);
    out += '}';
  }
  out += "]}\n";
}

// The header row naming every column the CSV reader knows, with "\r\n".
inline std::string CsvHeader() {
  return "id,type,lodged_at,office,transport_mode,origin,dispatch,destination,e_commerce,"
         "consignor_name,consignor_address,consignor_country,consignee_name,consignee_address,"
         "consignee_country,declarant_name,declarant_address,declarant_country,route,containers,"
         "item_hs,item_description,item_brand,item_quantity,item_unit,item_gross_kg,item_value,"
         "item_currency\r\n";
}

// A field, quoted when it holds a separator, quote or line break.
inline void AppendCsvField(std::string& out, std::string_view text, bool comma = true) {
  if (text.find_first_of(",\"\r\n") == std::string_view::npos) {
    out += text;
  } else {
    out += '"';
    for (char c : text) {
      if (c == '"') out += '"';
      out += c;
    }
    out += '"';
  }
  if (comma) out += ',';
}

inline std::string JoinCsvList(const std::vector<std::string>& list) {
  std::string text;
  for (size_t index = 0; index < list.size(); ++index) {
    if (index > 0) text += '|';
    text += list[index];
  }
  return text;
}

// One row per item (declaration fields repeated), in CsvHeader()'s column order.
inline void AppendCsvRows(std::string& out, const Declaration& d) {
  std::string lodged_at = d.lodged_at ? FormatTimestamp(*d.lodged_at) : std::string();
  std::string route = JoinCsvList(d.route);
  std::string containers = JoinCsvList(d.containers);
  for (const DeclarationItem& item : d.items) {
    AppendCsvField(out, d.id);
    AppendCsvField(out, d.type);
    AppendCsvField(out, lodged_at);
    AppendCsvField(out, d.office);
    AppendCsvField(out, d.transport_mode);
    AppendCsvField(out, d.origin);
    AppendCsvField(out, d.dispatch);
    AppendCsvField(out, d.destination);
    AppendCsvField(out, d.e_commerce ? "true" : "false");
    for (const DeclarationParty* party : {&d.consignor, &d.consignee, &d.declarant}) {
      AppendCsvField(out, party->name);
      AppendCsvField(out, party->address);
      AppendCsvField(out, party->country);
    }
    AppendCsvField(out, route);
    AppendCsvField(out, containers);
    AppendCsvField(out, item.hs);
    AppendCsvField(out, item.description);
    AppendCsvField(out, item.brand);
    AppendNumber(out, item.quantity);
    out += ',';
    AppendCsvField(out, item.unit);
    AppendNumber(out, item.gross_kg);
    out += ',';
    AppendNumber(out, item.value);
    out += ',';
    AppendCsvField(out, item.currency, false);
    out += "\r\n";
  }
}

inline bool SameParty(const DeclarationParty& a, const DeclarationParty& b) {
  return a.name == b.name && a.address == b.address && a.country == b.country;
}

inline bool SameItem(const DeclarationItem& a, const DeclarationItem& b) {
  return a.hs == b.hs && a.description == b.description && a.brand == b.brand &&
         a.quantity == b.quantity && a.unit == b.unit && a.gross_kg == b.gross_kg &&
         a.value == b.value && a.currency == b.currency;
}

// Field-by-field equality (Declaration has no operator==).
inline bool SameDeclaration(const Declaration& a, const Declaration& b) {
  if (a.items.size() != b.items.size()) return false;
  for (size_t index = 0; index < a.items.size(); ++index) {
    if (!SameItem(a.items[index], b.items[index])) return false;
  }
  return a.id == b.id && a.type == b.type && a.lodged_at == b.lodged_at && a.office == b.office &&
         a.transport_mode == b.transport_mode && a.origin == b.origin && a.dispatch == b.dispatch &&
         a.destination == b.destination && a.e_commerce == b.e_commerce &&
         SameParty(a.consignor, b.consignor) && SameParty(a.consignee, b.consignee) &&
         SameParty(a.declarant, b.declarant) && a.route == b.route && a.containers == b.containers;
}

}  // namespace cordon::declaration_test
