// Declarations as screening reads them, and the readers for JSON Lines and CSV
// (issue 3, "Declarations in"). Field names follow the WCO Data Model where it
// has one; docs/declarations.md lists them, their aliases and the CSV columns.
//
// Readers never stop at a bad record: a malformed line or row yields a
// ReadError with its line number and reason, and reading goes on with the
// next one, so nothing is silently dropped.
//
// Thread safety: Declaration is a plain value. A DeclarationSource is used by
// one thread at a time.
#pragma once

#include <istream>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon {

struct DeclarationParty {
  std::string name;
  std::string address;
  std::string country;  // ISO 3166-1 alpha-2, may be empty when not declared
};

struct DeclarationItem {
  std::string hs;           // 2..10 digits (WCO: CommodityCode)
  std::string description;  // goods description as declared
  std::string brand;        // optional brand field
  double quantity = 0;      // in `unit`
  std::string unit;
  double gross_kg = 0;
  double value = 0;          // declared value in `currency`
  std::string currency;      // ISO 4217
};

struct Declaration {
  std::string id;
  std::string type;  // import | export | transit
  std::optional<Timestamp> lodged_at;
  std::string office;          // UN/LOCODE of the customs office
  std::string transport_mode;  // sea | air | road | rail | postal | express | other
  std::string origin;          // country codes
  std::string dispatch;
  std::string destination;
  bool e_commerce = false;
  DeclarationParty consignor;
  DeclarationParty consignee;
  DeclarationParty declarant;
  std::vector<std::string> route;  // UN/LOCODEs of ports passed
  std::vector<std::string> containers;
  std::vector<DeclarationItem> items;  // at least one
};

// A record that could not be read. `line` is 1-based (the physical line of a
// JSONL file; the line where a CSV row starts); `id` is the declaration id when
// it could still be read.
struct ReadError {
  long long line = 0;
  std::string id;
  std::string reason;  // names the field: "items[0].hs: must be 2 to 10 digits"
};

enum class ReadOutcome { kDeclaration, kError, kEnd };

class DeclarationSource {
 public:
  virtual ~DeclarationSource() = default;
  // Reads the next record: fills *declaration (kDeclaration) or *error
  // (kError); kEnd at the end of input. For CSV, consecutive rows with the
  // same declaration id form one declaration with several items.
  virtual ReadOutcome Next(Declaration* declaration, ReadError* error) = 0;
};

// JSON Lines: one declaration object per line; blank lines are skipped.
std::unique_ptr<DeclarationSource> OpenJsonLines(std::istream& input);
// CSV with a header row naming the columns (declaration fields repeated on
// every row, item fields prefixed `item_`; see docs/declarations.md).
// A header that lacks a required column makes the first Next() return kError
// with line 1 and then kEnd.
std::unique_ptr<DeclarationSource> OpenCsv(std::istream& input);

// One declaration from one JSON text (for API batches and tests); the error
// names every bad field.
Result<Declaration> ParseDeclarationJson(std::string_view json_text);

// The declaration as one JSON object text in the primary field names, which
// ParseDeclarationJson reads back to an equal declaration (empty optional
// fields left out). Stored with screening results for testing draft profiles.
std::string DeclarationToJson(const Declaration& declaration);

}  // namespace cordon
