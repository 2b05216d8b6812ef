// Risk profiles: validation of the JSON rule language and its compilation
// into a flat, allocation-free evaluator. docs/profiles.md documents the
// language for analysts; keep both in step.
//
// How a rule runs (the reasons are performance: screening must keep up with
// 500,000 declarations per second per core, so a profile costs nanoseconds):
//  - The JSON tree is validated once and compiled into a pre-order array of
//    nodes; a node's subtree is the next `size` nodes, so evaluation walks
//    the array without pointers or allocation. Constants are pre-normalised:
//    country lists become a 676-bit set, other codes one packed integer each
//    (PackCode), HS codes (length, number) pairs (HsConstant), texts are
//    folded once, prefix lists sorted and prefix-free.
//  - Children of all/any are reordered by cost (cheap declaration-level tests
//    first, item-level and text tests last). Conditions have no side effects,
//    so the order changes speed only, never the result.
//  - Candidate selection (below, "Candidate selection"): an index over the
//    code conditions every profile needs leaves, per declaration, only the
//    profiles that can still hit; the others are not evaluated at all.
//  - Item semantics: a rule that uses item fields hits when SOME item makes
//    the whole rule true. It is first evaluated once with the item unknown
//    (three-valued, Kleene logic): declaration-level conditions are computed
//    exactly once, and most rules are decided here (a wrong origin is false
//    whatever the items). Only an undecided rule is evaluated per item, and
//    then only its undecided nodes, reusing the first pass's results.
#include "screening/profiles.h"

#include <fmt/format.h>
#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <bit>
#include <bitset>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/codes.h"
#include "screening/json_fields.h"

namespace cordon {

using nlohmann::json;
using screening_internal::FieldErrorList;
using screening_internal::FieldPath;
using screening_internal::IndexPath;

namespace {

// Limits that keep one profile cheap to evaluate and its errors readable.
constexpr int kMaxDepth = 16;            // nesting of all/any/not
constexpr size_t kMaxConditions = 256;   // conditions in one rule
constexpr size_t kMaxNodes = 512;        // conditions plus all/any/not nodes
constexpr size_t kMaxListValues = 1000;  // entries of one `in` list
constexpr size_t kMaxValueChars = 200;   // one string constant
constexpr size_t kMaxNameChars = 200;    // profile name
constexpr size_t kMaxDescriptionChars = 4000;

// ---------------------------------------------------------------------------
// Text folding for `contains` and the other text operators: Unicode NFKC
// compatibility forms, case folded, accents removed, runs of white space as
// one space, trimmed. Punctuation stays ("t-shirt" must still find
// "T-Shirt"). Both the constants (at compile time) and the declared text (at
// evaluation) go through this one function.

void AppendUtf8(utf8proc_int32_t code_point, std::string* out) {
  std::array<utf8proc_uint8_t, 4> bytes;
  const utf8proc_ssize_t length = utf8proc_encode_char(code_point, bytes.data());
  out->append(reinterpret_cast<const char*>(bytes.data()), static_cast<size_t>(length));
}

void FoldText(std::string_view input, std::string* out) {
  out->clear();
  bool pending_space = false;
  auto push = [&](char c) {
    if (pending_space && !out->empty()) out->push_back(' ');
    pending_space = false;
    out->push_back(c);
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  size_t position = 0;
  while (position < input.size()) {
    const unsigned char byte = bytes[position];
    if (byte < 0x80) {
      if (byte <= 0x20 || byte == 0x7f) {
        pending_space = true;
      } else if (byte >= 'A' && byte <= 'Z') {
        push(static_cast<char>(byte - 'A' + 'a'));
      } else {
        push(static_cast<char>(byte));
      }
      ++position;
      continue;
    }
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(
        bytes + position, static_cast<utf8proc_ssize_t>(input.size() - position), &code_point);
    if (length <= 0) {  // invalid UTF-8 byte: a separator
      pending_space = true;
      ++position;
      continue;
    }
    position += static_cast<size_t>(length);
    std::array<utf8proc_int32_t, 32> decomposed;
    int last_boundclass = 0;
    const utf8proc_ssize_t count = utf8proc_decompose_char(
        code_point, decomposed.data(), static_cast<utf8proc_ssize_t>(decomposed.size()),
        static_cast<utf8proc_option_t>(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
                                       UTF8PROC_STRIPMARK | UTF8PROC_IGNORE),
        &last_boundclass);
    if (count < 0 || static_cast<size_t>(count) > decomposed.size()) {
      pending_space = true;
      continue;
    }
    for (utf8proc_ssize_t index = 0; index < count; ++index) {
      const utf8proc_int32_t part = decomposed[static_cast<size_t>(index)];
      if (part < 0x80) {
        const auto c = static_cast<unsigned char>(part);
        if (c <= 0x20 || c == 0x7f) {
          pending_space = true;
        } else {
          push(static_cast<char>(c >= 'A' && c <= 'Z' ? c - 'A' + 'a' : c));
        }
      } else if (utf8proc_category(part) == UTF8PROC_CATEGORY_ZS ||
                 utf8proc_category(part) == UTF8PROC_CATEGORY_ZL ||
                 utf8proc_category(part) == UTF8PROC_CATEGORY_ZP) {
        pending_space = true;
      } else {
        if (pending_space && !out->empty()) out->push_back(' ');
        pending_space = false;
        AppendUtf8(part, out);
      }
    }
  }
}

std::string Folded(std::string_view input) {
  std::string out;
  FoldText(input, &out);
  return out;
}

// ---------------------------------------------------------------------------
// Fields and operators.

enum class Field : uint8_t {
  kType,
  kOffice,
  kTransportMode,
  kOrigin,
  kDispatch,
  kDestination,
  kECommerce,
  kConsignorName,
  kConsignorCountry,
  kConsigneeName,
  kConsigneeCountry,
  kDeclarantName,
  kDeclarantCountry,
  kRoute,
  kItemCount,
  kTotalValue,
  kTotalGrossKg,
  kItemHs,
  kItemDescription,
  kItemBrand,
  kItemQuantity,
  kItemGrossKg,
  kItemValue,
  kItemCurrency,
  kItemUnitValue,
  kItemValuePerKg,
  kItemPriceRatio,
};

enum class Kind : uint8_t { kCode, kText, kNumber, kBool };

// What a code field's constants must look like.
enum class CodeSyntax : uint8_t {
  kNone,
  kCountry,
  kLocode,
  kHs,
  kCurrency,
  kDeclarationType,
  kTransportMode
};

struct FieldSpec {
  std::string_view name;
  Field field;
  Kind kind;
  CodeSyntax syntax;
  bool item_level;
  bool prefix_allowed;
  int cost;  // relative evaluation cost, for ordering children
};

constexpr FieldSpec kFields[] = {
    {"type", Field::kType, Kind::kCode, CodeSyntax::kDeclarationType, false, false, 2},
    {"office", Field::kOffice, Kind::kCode, CodeSyntax::kLocode, false, true, 2},
    {"transport_mode", Field::kTransportMode, Kind::kCode, CodeSyntax::kTransportMode, false, false,
     2},
    {"origin", Field::kOrigin, Kind::kCode, CodeSyntax::kCountry, false, false, 1},
    {"dispatch", Field::kDispatch, Kind::kCode, CodeSyntax::kCountry, false, false, 1},
    {"destination", Field::kDestination, Kind::kCode, CodeSyntax::kCountry, false, false, 1},
    {"e_commerce", Field::kECommerce, Kind::kBool, CodeSyntax::kNone, false, false, 1},
    {"consignor.name", Field::kConsignorName, Kind::kText, CodeSyntax::kNone, false, false, 8},
    {"consignor.country", Field::kConsignorCountry, Kind::kCode, CodeSyntax::kCountry, false, false,
     1},
    {"consignee.name", Field::kConsigneeName, Kind::kText, CodeSyntax::kNone, false, false, 8},
    {"consignee.country", Field::kConsigneeCountry, Kind::kCode, CodeSyntax::kCountry, false, false,
     1},
    {"declarant.name", Field::kDeclarantName, Kind::kText, CodeSyntax::kNone, false, false, 8},
    {"declarant.country", Field::kDeclarantCountry, Kind::kCode, CodeSyntax::kCountry, false, false,
     1},
    {"route", Field::kRoute, Kind::kCode, CodeSyntax::kLocode, false, true, 3},
    {"item_count", Field::kItemCount, Kind::kNumber, CodeSyntax::kNone, false, false, 1},
    {"total_value", Field::kTotalValue, Kind::kNumber, CodeSyntax::kNone, false, false, 1},
    {"total_gross_kg", Field::kTotalGrossKg, Kind::kNumber, CodeSyntax::kNone, false, false, 1},
    {"item.hs", Field::kItemHs, Kind::kCode, CodeSyntax::kHs, true, true, 12},
    {"item.description", Field::kItemDescription, Kind::kText, CodeSyntax::kNone, true, false, 20},
    {"item.brand", Field::kItemBrand, Kind::kText, CodeSyntax::kNone, true, false, 16},
    {"item.quantity", Field::kItemQuantity, Kind::kNumber, CodeSyntax::kNone, true, false, 10},
    {"item.gross_kg", Field::kItemGrossKg, Kind::kNumber, CodeSyntax::kNone, true, false, 10},
    {"item.value", Field::kItemValue, Kind::kNumber, CodeSyntax::kNone, true, false, 10},
    {"item.currency", Field::kItemCurrency, Kind::kCode, CodeSyntax::kCurrency, true, false, 11},
    {"item.unit_value", Field::kItemUnitValue, Kind::kNumber, CodeSyntax::kNone, true, false, 10},
    {"item.value_per_kg", Field::kItemValuePerKg, Kind::kNumber, CodeSyntax::kNone, true, false,
     10},
    {"item.price_ratio", Field::kItemPriceRatio, Kind::kNumber, CodeSyntax::kNone, true, false, 14},
};

enum class Op : uint8_t {
  kEq,
  kNe,
  kIn,
  kNotIn,
  kPrefix,
  kContains,
  kLt,
  kLe,
  kGt,
  kGe,
  kBetween,
  kIs
};

struct OpSpec {
  std::string_view name;
  Op op;
};

constexpr OpSpec kOps[] = {
    {"eq", Op::kEq},        {"ne", Op::kNe},           {"in", Op::kIn},
    {"not_in", Op::kNotIn}, {"prefix", Op::kPrefix},   {"contains", Op::kContains},
    {"lt", Op::kLt},        {"le", Op::kLe},           {"gt", Op::kGt},
    {"ge", Op::kGe},        {"between", Op::kBetween}, {"is", Op::kIs},
};

constexpr std::string_view kDeclarationTypes[] = {"import", "export", "transit"};
constexpr std::string_view kTransportModes[] = {"sea",    "air",     "road", "rail",
                                                "postal", "express", "other"};

const FieldSpec* FindField(std::string_view name) {
  for (const FieldSpec& spec : kFields) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

const OpSpec* FindOp(std::string_view name) {
  for (const OpSpec& spec : kOps) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

bool OpAllowed(const FieldSpec& field, Op op) {
  switch (field.kind) {
    case Kind::kCode:
      return op == Op::kEq || op == Op::kNe || op == Op::kIn || op == Op::kNotIn ||
             (op == Op::kPrefix && field.prefix_allowed);
    case Kind::kText:
      return op == Op::kEq || op == Op::kNe || op == Op::kIn || op == Op::kNotIn ||
             op == Op::kPrefix || op == Op::kContains;
    case Kind::kNumber:
      return op == Op::kEq || op == Op::kNe || op == Op::kLt || op == Op::kLe || op == Op::kGt ||
             op == Op::kGe || op == Op::kBetween;
    case Kind::kBool:
      return op == Op::kIs;
  }
  return false;
}

std::string AllowedOps(const FieldSpec& field) {
  std::string text;
  for (const OpSpec& spec : kOps) {
    if (!OpAllowed(field, spec.op)) continue;
    if (!text.empty()) text += ", ";
    text += spec.name;
  }
  return text;
}

// Levenshtein distance of short identifiers, for "did you mean" hints.
size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      const size_t above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

// Operators as other languages spell them.
constexpr std::pair<std::string_view, std::string_view> kOpSpellings[] = {
    {"gte", "ge"},
    {"lte", "le"},
    {">=", "ge"},
    {"<=", "le"},
    {">", "gt"},
    {"<", "lt"},
    {"==", "eq"},
    {"=", "eq"},
    {"!=", "ne"},
    {"neq", "ne"},
    {"nin", "not_in"},
    {"notin", "not_in"},
    {"starts_with", "prefix"},
    {"startswith", "prefix"},
};

template <typename Specs>
std::string Suggestion(std::string_view wrong, const Specs& specs) {
  std::string_view best;
  size_t best_distance = 3;
  for (const auto& spec : specs) {
    const size_t distance = EditDistance(wrong, spec.name);
    if (distance < best_distance) {
      best_distance = distance;
      best = spec.name;
    }
  }
  if (best.empty()) return "";
  return " (did you mean \"" + std::string(best) + "\"?)";
}

std::string OpSuggestion(std::string_view wrong) {
  for (const auto& [spelling, op] : kOpSpellings) {
    if (wrong == spelling) return " (did you mean \"" + std::string(op) + "\"?)";
  }
  return Suggestion(wrong, kOps);
}

// ---------------------------------------------------------------------------
// Compiled form.

enum class Test : uint8_t {
  kCountryIn,     // country code in a 676-bit set
  kCodeIn,        // packed code in a sorted list (route: any port)
  kCodePrefix,    // packed code starts with one of a list (route: any port)
  kHsIn,          // HS code equal to one of a sorted list of (length, number)
  kHsPrefix,      // HS code starts with one of a sorted list of (length, number)
  kTextIn,        // folded text equal to one of a sorted list
  kTextPrefix,    // folded text starts with one of a sorted prefix-free list
  kTextContains,  // folded text contains one of a list
  kNumberRange,   // number within [lo, hi] (ends open or closed)
  kBoolIs,
};

struct Condition {
  Field field;
  Test test;
  bool negate = false;  // ne / not_in: the negation of eq / in
  bool lo_open = false;
  bool hi_open = false;
  bool bool_value = false;
  uint16_t hs_lengths = 0;    // kHsPrefix: bit L set when a prefix has L digits
  uint32_t first_string = 0;  // text tests: into ProfileSetImpl::strings_
  uint32_t string_count = 0;
  uint32_t first_code = 0;  // code and HS tests: into ProfileSetImpl::codes_
  uint32_t code_count = 0;
  uint32_t country_set = 0;  // into ProfileSetImpl::country_sets_
  double lo = -std::numeric_limits<double>::infinity();
  double hi = std::numeric_limits<double>::infinity();
};

enum class NodeKind : uint8_t { kAll, kAny, kNot, kCondition };

// One node of the pre-order array; its subtree is nodes [this, this + size).
struct Node {
  NodeKind kind;
  bool item_level;  // the subtree reads an item field
  uint16_t size;
  uint32_t condition;  // kCondition only
};

using CountrySet = std::bitset<26 * 26>;

// Index of an upper-case two-letter code in a CountrySet, or -1.
int CountryIndex(std::string_view code) {
  if (code.size() != 2 || code[0] < 'A' || code[0] > 'Z' || code[1] < 'A' || code[1] > 'Z') {
    return -1;
  }
  return (code[0] - 'A') * 26 + (code[1] - 'A');
}

// Short codes (UN/LOCODE, currency, declaration type, transport mode: at
// most 7 characters once validated) packed into one integer: characters in
// bytes 0-6, the length (capped at 255) in byte 7. Equality is then one
// comparison, a prefix of L characters one masked comparison, and a declared
// value longer than 7 characters never equals a constant (its length differs).
uint64_t PackCode(std::string_view code) {
  uint64_t packed = 0;
  const size_t stored = std::min<size_t>(code.size(), 7);
  for (size_t index = 0; index < stored; ++index) {
    packed |= uint64_t{static_cast<unsigned char>(code[index])} << (8 * index);
  }
  return packed | uint64_t{std::min<size_t>(code.size(), 255)} << 56;
}

bool PackedHasPrefix(uint64_t value, uint64_t prefix) {
  const uint64_t length = prefix >> 56;  // at most 5 for validated prefixes
  const uint64_t mask = (uint64_t{1} << (8 * length)) - 1;
  return (value >> 56) >= length && ((value ^ prefix) & mask) == 0;
}

// HS codes as numbers: a constant of L digits is (L << 56) | its value, so
// one integer comparison tests a prefix. An item's code is read once per
// evaluation into the numbers formed by its first 1..10 digits.
uint64_t HsKey(size_t length, uint64_t number) { return uint64_t{length} << 56 | number; }

uint64_t HsConstant(std::string_view digits) {
  uint64_t number = 0;
  for (char c : digits) number = number * 10 + static_cast<uint64_t>(c - '0');
  return HsKey(digits.size(), number);
}

struct HsDigits {
  size_t digits = 0;                  // leading digits, at most 10
  bool all_digits = false;            // the whole code is those digits
  std::array<uint64_t, 11> prefix{};  // prefix[L]: number of the first L digits
};

void ReadHs(std::string_view hs, HsDigits* out) {
  out->digits = 0;
  uint64_t number = 0;
  for (char c : hs) {
    if (c < '0' || c > '9' || out->digits == 10) break;
    number = number * 10 + static_cast<uint64_t>(c - '0');
    out->prefix[++out->digits] = number;
  }
  out->all_digits = out->digits == hs.size() && out->digits > 0;
}

// Sorts and removes duplicates and strings that have another list member as
// prefix, so that "s has a prefix in the list" is decided by looking at the
// greatest member <= s only (see HasPrefixIn).
void MakePrefixFree(std::vector<std::string>* list) {
  std::sort(list->begin(), list->end());
  std::vector<std::string> kept;
  for (std::string& text : *list) {
    if (!kept.empty() && std::string_view(text).starts_with(kept.back())) continue;
    kept.push_back(std::move(text));
  }
  *list = std::move(kept);
}

// In a sorted prefix-free list, if some member p is a prefix of s then p is the
// greatest member <= s: any q with p < q <= s would either extend p (not
// prefix-free) or differ from p inside p, and then also from s, making q > s.
bool HasPrefixIn(std::string_view text, const std::string* first, size_t count) {
  const std::string* last = first + count;
  const std::string* it =
      std::upper_bound(first, last, text, [](std::string_view value, const std::string& member) {
        return value < std::string_view(member);
      });
  if (it == first) return false;
  return text.starts_with(*(it - 1));
}

bool IsIn(std::string_view text, const std::string* first, size_t count) {
  const std::string* last = first + count;
  const std::string* it =
      std::lower_bound(first, last, text, [](const std::string& member, std::string_view value) {
        return std::string_view(member) < value;
      });
  return it != last && std::string_view(*it) == text;
}

// A rule while it is being compiled: a tree, reordered by cost, then
// flattened into Nodes.
struct TreeNode {
  NodeKind kind = NodeKind::kCondition;
  Condition condition;
  std::vector<std::string> strings;  // constants of the condition (also for keys)
  std::vector<uint64_t> codes;       // packed code or HS constants
  CountrySet countries;
  std::vector<TreeNode> children;
  bool item_level = false;
  int cost = 0;
};

// The parser/validator of rule JSON. Collects every error by path and counts
// conditions and nodes against the limits.
class RuleParser {
 public:
  explicit RuleParser(FieldErrorList& errors) : errors_(errors) {}

  // nullopt when the node is invalid (errors added).
  std::optional<TreeNode> Parse(const json& value, const std::string& path, int depth) {
    if (depth > kMaxDepth) {
      errors_.Add(path, "is nested more than " + std::to_string(kMaxDepth) + " levels deep");
      return std::nullopt;
    }
    if (!value.is_object()) {
      errors_.Add(path, "must be a JSON object with \"all\", \"any\", \"not\" or \"field\"");
      return std::nullopt;
    }
    if (++nodes_ == kMaxNodes + 1) {
      errors_.Add(path, "the rule has more than " + std::to_string(kMaxNodes) + " nodes");
    }
    const bool has_all = value.contains("all");
    const bool has_any = value.contains("any");
    const bool has_not = value.contains("not");
    const bool has_field = value.contains("field") || value.contains("op");
    const int kinds = int{has_all} + int{has_any} + int{has_not} + int{has_field};
    if (kinds != 1) {
      errors_.Add(path, kinds == 0 ? "must have one of \"all\", \"any\", \"not\" or \"field\""
                                   : "must have exactly one of \"all\", \"any\", \"not\" or "
                                     "\"field\"");
      return std::nullopt;
    }
    if (has_field) return ParseCondition(value, path);
    const char* key = has_all ? "all" : has_any ? "any" : "not";
    bool ok = true;
    for (const auto& [member, unused] : value.items()) {
      if (member != key) {
        errors_.Add(FieldPath(path, member), "unknown key next to \"" + std::string(key) + "\"");
        ok = false;
      }
    }
    const std::string child_path = FieldPath(path, key);
    const json& child = value.at(key);
    TreeNode node;
    if (has_not) {
      node.kind = NodeKind::kNot;
      std::optional<TreeNode> inner = Parse(child, child_path, depth + 1);
      if (!inner || !ok) return std::nullopt;
      node.children.push_back(std::move(*inner));
    } else {
      node.kind = has_all ? NodeKind::kAll : NodeKind::kAny;
      if (!child.is_array() || child.empty()) {
        errors_.Add(child_path, "must be a non-empty array of rules");
        return std::nullopt;
      }
      for (size_t index = 0; index < child.size(); ++index) {
        std::optional<TreeNode> inner =
            Parse(child[index], IndexPath(child_path, index), depth + 1);
        if (!inner) {
          ok = false;
          continue;
        }
        node.children.push_back(std::move(*inner));
      }
      if (!ok) return std::nullopt;
    }
    for (const TreeNode& inner : node.children) {
      node.item_level = node.item_level || inner.item_level;
      node.cost += inner.cost;
    }
    return node;
  }

  bool uses_totals() const { return uses_totals_; }
  bool uses_hs() const { return uses_hs_; }

 private:
  std::optional<TreeNode> ParseCondition(const json& value, const std::string& path) {
    if (++conditions_ == kMaxConditions + 1) {
      errors_.Add(path, "the rule has more than " + std::to_string(kMaxConditions) + " conditions");
    }
    bool ok = true;
    for (const auto& [member, unused] : value.items()) {
      if (member != "field" && member != "op" && member != "value") {
        errors_.Add(FieldPath(path, member),
                    "unknown key in a condition (a condition has \"field\", \"op\" and "
                    "\"value\")");
        ok = false;
      }
    }
    const FieldSpec* field = nullptr;
    const std::string field_path = FieldPath(path, "field");
    const json* field_value = screening_internal::Member(value, "field");
    if (field_value == nullptr) {
      errors_.Add(field_path, "is required");
    } else if (!field_value->is_string()) {
      errors_.Add(field_path, "must be a string naming a field");
    } else {
      const std::string name = field_value->get<std::string>();
      field = FindField(name);
      if (field == nullptr) {
        errors_.Add(field_path, "unknown field \"" + name + "\"" + Suggestion(name, kFields));
      }
    }
    const OpSpec* op = nullptr;
    const std::string op_path = FieldPath(path, "op");
    const json* op_value = screening_internal::Member(value, "op");
    if (op_value == nullptr) {
      errors_.Add(op_path, "is required");
    } else if (!op_value->is_string()) {
      errors_.Add(op_path, "must be a string naming an operator");
    } else {
      const std::string name = op_value->get<std::string>();
      op = FindOp(name);
      if (op == nullptr) {
        errors_.Add(op_path, "unknown operator \"" + name + "\"" + OpSuggestion(name));
      } else if (field != nullptr && !OpAllowed(*field, op->op)) {
        errors_.Add(op_path, "operator \"" + name + "\" does not apply to field \"" +
                                 std::string(field->name) + "\" (use " + AllowedOps(*field) + ")");
        op = nullptr;
      }
    }
    const std::string value_path = FieldPath(path, "value");
    const json* constant = screening_internal::Member(value, "value");
    if (constant == nullptr) {
      errors_.Add(value_path, "is required");
      return std::nullopt;
    }
    if (field == nullptr || op == nullptr || !ok) return std::nullopt;

    TreeNode node;
    node.kind = NodeKind::kCondition;
    node.item_level = field->item_level;
    node.cost = field->cost;
    node.condition.field = field->field;
    if (field->field == Field::kItemCount || field->field == Field::kTotalValue ||
        field->field == Field::kTotalGrossKg) {
      uses_totals_ = true;
    }
    if (field->field == Field::kItemHs) uses_hs_ = true;
    bool value_ok = false;
    switch (field->kind) {
      case Kind::kCode:
        value_ok = CompileCode(*field, op->op, *constant, value_path, node);
        break;
      case Kind::kText:
        value_ok = CompileText(op->op, *constant, value_path, node);
        break;
      case Kind::kNumber:
        value_ok = CompileNumber(op->op, *constant, value_path, node);
        break;
      case Kind::kBool:
        if (constant->is_boolean()) {
          node.condition.test = Test::kBoolIs;
          node.condition.bool_value = constant->get<bool>();
          value_ok = true;
        } else {
          errors_.Add(value_path, "must be true or false");
        }
        break;
    }
    if (!value_ok) return std::nullopt;
    return node;
  }

  // The string constants of eq/ne (one string) or in/not_in (a non-empty
  // list) or prefix/contains (either); nullopt when reported.
  std::optional<std::vector<std::string>> ReadStrings(Op op, const json& constant,
                                                      const std::string& path) {
    std::vector<std::string> out;
    const bool single = op == Op::kEq || op == Op::kNe;
    const bool list = op == Op::kIn || op == Op::kNotIn;
    if (constant.is_string()) {
      if (list) {
        errors_.Add(path, "must be a non-empty list of strings");
        return std::nullopt;
      }
      out.push_back(constant.get<std::string>());
      if (!CheckLength(out.back(), path)) return std::nullopt;
      return out;
    }
    if (!constant.is_array() || single) {
      errors_.Add(path, single ? "must be a string (use \"in\" for a list)"
                        : list ? "must be a non-empty list of strings"
                               : "must be a string or a non-empty list of strings");
      return std::nullopt;
    }
    if (constant.empty()) {
      errors_.Add(path, "must be a non-empty list of strings");
      return std::nullopt;
    }
    if (constant.size() > kMaxListValues) {
      errors_.Add(path, "must have at most " + std::to_string(kMaxListValues) + " entries");
      return std::nullopt;
    }
    bool ok = true;
    for (size_t index = 0; index < constant.size(); ++index) {
      if (!constant[index].is_string()) {
        errors_.Add(IndexPath(path, index), "must be a string");
        ok = false;
        continue;
      }
      out.push_back(constant[index].get<std::string>());
      ok = CheckLength(out.back(), IndexPath(path, index)) && ok;
    }
    if (!ok) return std::nullopt;
    return out;
  }

  bool CheckLength(const std::string& text, const std::string& path) {
    if (screening_internal::IsBlank(text)) {
      errors_.Add(path, "must not be empty");
      return false;
    }
    if (screening_internal::CharCount(text) > kMaxValueChars) {
      errors_.Add(path, "must be at most " + std::to_string(kMaxValueChars) + " characters");
      return false;
    }
    return true;
  }

  // Checks one code constant against its field's syntax; reports and returns
  // false when it does not fit.
  bool CheckCode(const FieldSpec& field, bool prefix, const std::string& code,
                 const std::string& path) {
    switch (field.syntax) {
      case CodeSyntax::kCountry:
        if (IsCountryCode(code)) return true;
        errors_.Add(path, "must be an ISO 3166-1 alpha-2 country code such as \"CN\"");
        return false;
      case CodeSyntax::kLocode:
        if (prefix ? IsLocodePrefix(code) : IsUnLocode(code)) return true;
        errors_.Add(path, prefix ? "must be the start of a UN/LOCODE (1 to 5 characters, "
                                   "such as \"DE\" or \"CNSZ\")"
                                 : "must be a UN/LOCODE such as \"DEHAM\"");
        return false;
      case CodeSyntax::kHs:
        if (prefix ? IsHsPrefix(code) : IsHsCode(code)) return true;
        errors_.Add(path, prefix ? "must be an HS code prefix of 1 to 10 digits"
                                 : "must be an HS code of 2 to 10 digits");
        return false;
      case CodeSyntax::kCurrency:
        if (IsCurrencyCode(code)) return true;
        errors_.Add(path, "must be an ISO 4217 currency code such as \"EUR\"");
        return false;
      case CodeSyntax::kDeclarationType:
        if (std::find(std::begin(kDeclarationTypes), std::end(kDeclarationTypes), code) !=
            std::end(kDeclarationTypes)) {
          return true;
        }
        errors_.Add(path, "must be one of import, export, transit");
        return false;
      case CodeSyntax::kTransportMode:
        if (std::find(std::begin(kTransportModes), std::end(kTransportModes), code) !=
            std::end(kTransportModes)) {
          return true;
        }
        errors_.Add(path, "must be one of sea, air, road, rail, postal, express, other");
        return false;
      case CodeSyntax::kNone:
        return true;
    }
    return true;
  }

  static bool IsHsPrefix(std::string_view code) {
    return !code.empty() && code.size() <= 10 &&
           std::all_of(code.begin(), code.end(), [](char c) { return c >= '0' && c <= '9'; });
  }

  static bool IsLocodePrefix(std::string_view code) {
    if (code.empty() || code.size() > 5) return false;
    for (size_t index = 0; index < code.size(); ++index) {
      const char c = code[index];
      const bool letter = c >= 'A' && c <= 'Z';
      const bool digit = c >= '2' && c <= '9';
      if (index < 2 ? !letter : !(letter || digit)) return false;
    }
    return true;
  }

  bool CompileCode(const FieldSpec& field, Op op, const json& constant, const std::string& path,
                   TreeNode& node) {
    std::optional<std::vector<std::string>> strings = ReadStrings(op, constant, path);
    if (!strings) return false;
    const bool prefix = op == Op::kPrefix;
    bool ok = true;
    for (size_t index = 0; index < strings->size(); ++index) {
      const std::string entry_path = constant.is_array() ? IndexPath(path, index) : path;
      ok = CheckCode(field, prefix, (*strings)[index], entry_path) && ok;
    }
    if (!ok) return false;
    Condition& condition = node.condition;
    condition.negate = op == Op::kNe || op == Op::kNotIn;
    if (field.syntax == CodeSyntax::kCountry) {
      condition.test = Test::kCountryIn;
      for (const std::string& code : *strings) node.countries.set(CountryIndex(code));
      return true;
    }
    if (prefix) {
      MakePrefixFree(&*strings);
    } else {
      std::sort(strings->begin(), strings->end());
      strings->erase(std::unique(strings->begin(), strings->end()), strings->end());
    }
    const bool hs = field.syntax == CodeSyntax::kHs;
    condition.test = hs ? (prefix ? Test::kHsPrefix : Test::kHsIn)
                        : (prefix ? Test::kCodePrefix : Test::kCodeIn);
    for (const std::string& code : *strings) {
      node.codes.push_back(hs ? HsConstant(code) : PackCode(code));
      if (hs && prefix) condition.hs_lengths |= static_cast<uint16_t>(1u << code.size());
    }
    std::sort(node.codes.begin(), node.codes.end());
    node.strings = std::move(*strings);
    return true;
  }

  bool CompileText(Op op, const json& constant, const std::string& path, TreeNode& node) {
    std::optional<std::vector<std::string>> strings = ReadStrings(op, constant, path);
    if (!strings) return false;
    bool ok = true;
    for (size_t index = 0; index < strings->size(); ++index) {
      std::string folded = Folded((*strings)[index]);
      if (folded.empty()) {
        errors_.Add(constant.is_array() ? IndexPath(path, index) : path,
                    "must contain letters, digits or punctuation");
        ok = false;
      }
      (*strings)[index] = std::move(folded);
    }
    if (!ok) return false;
    Condition& condition = node.condition;
    condition.negate = op == Op::kNe || op == Op::kNotIn;
    if (op == Op::kContains) {
      condition.test = Test::kTextContains;
      std::sort(strings->begin(), strings->end());
      strings->erase(std::unique(strings->begin(), strings->end()), strings->end());
      node.cost += 4 * static_cast<int>(std::min<size_t>(strings->size(), 16));
    } else if (op == Op::kPrefix) {
      condition.test = Test::kTextPrefix;
      MakePrefixFree(&*strings);
    } else {
      condition.test = Test::kTextIn;
      std::sort(strings->begin(), strings->end());
      strings->erase(std::unique(strings->begin(), strings->end()), strings->end());
    }
    node.strings = std::move(*strings);
    return true;
  }

  std::optional<double> ReadNumber(const json& constant, const std::string& path) {
    if (!constant.is_number()) {
      errors_.Add(path, "must be a number");
      return std::nullopt;
    }
    const double number = constant.get<double>();
    if (!std::isfinite(number)) {
      errors_.Add(path, "must be a finite number");
      return std::nullopt;
    }
    return number;
  }

  bool CompileNumber(Op op, const json& constant, const std::string& path, TreeNode& node) {
    Condition& condition = node.condition;
    condition.test = Test::kNumberRange;
    if (op == Op::kBetween) {
      if (!constant.is_array() || constant.size() != 2) {
        errors_.Add(path, "must be a list of two numbers [low, high]");
        return false;
      }
      std::optional<double> low = ReadNumber(constant[0], IndexPath(path, 0));
      std::optional<double> high = ReadNumber(constant[1], IndexPath(path, 1));
      if (!low || !high) return false;
      if (*low > *high) {
        errors_.Add(path, "low must not be greater than high");
        return false;
      }
      condition.lo = *low;
      condition.hi = *high;
      return true;
    }
    std::optional<double> number = ReadNumber(constant, path);
    if (!number) return false;
    switch (op) {
      case Op::kEq:
      case Op::kNe:
        condition.lo = condition.hi = *number;
        condition.negate = op == Op::kNe;
        break;
      case Op::kLt:
        condition.hi = *number;
        condition.hi_open = true;
        break;
      case Op::kLe:
        condition.hi = *number;
        break;
      case Op::kGt:
        condition.lo = *number;
        condition.lo_open = true;
        break;
      case Op::kGe:
        condition.lo = *number;
        break;
      default:
        return false;
    }
    return true;
  }

  FieldErrorList& errors_;
  size_t nodes_ = 0;
  size_t conditions_ = 0;
  bool uses_totals_ = false;
  bool uses_hs_ = false;
};

// Cheap, declaration-level children first: all/any stop at the first child
// that decides them, and a first pass with the item unknown decides most
// rules from declaration fields alone. Stable, so equal costs keep the
// analyst's order.
void OrderByCost(TreeNode& node) {
  for (TreeNode& child : node.children) OrderByCost(child);
  std::stable_sort(node.children.begin(), node.children.end(),
                   [](const TreeNode& a, const TreeNode& b) {
                     if (a.item_level != b.item_level) return !a.item_level;
                     return a.cost < b.cost;
                   });
}

// The whole rule of one profile, validated. Fields are reported under
// `path` ("rule").
struct ParsedRule {
  TreeNode root;
  bool uses_totals = false;
  bool uses_hs = false;
};

std::optional<ParsedRule> ParseRule(const json& rule, const std::string& path,
                                    FieldErrorList& errors) {
  RuleParser parser(errors);
  const size_t errors_before = errors.count();
  std::optional<TreeNode> root = parser.Parse(rule, path, 1);
  if (!root || errors.count() != errors_before) return std::nullopt;
  return ParsedRule{std::move(*root), parser.uses_totals(), parser.uses_hs()};
}

// ---------------------------------------------------------------------------
// Reference prices: a digit trie over HS prefixes, so the longest prefix of
// an item's HS code is found in at most 10 steps.

class PriceTrie {
 public:
  PriceTrie() : nodes_(1) {}

  void Add(std::string_view prefix, double eur_per_unit) {
    size_t node = 0;
    for (char c : prefix) {
      const int digit = c - '0';
      if (nodes_[node].child[digit] == 0) {
        nodes_[node].child[digit] = static_cast<uint32_t>(nodes_.size());
        nodes_.emplace_back();
      }
      node = nodes_[node].child[digit];
    }
    nodes_[node].price = eur_per_unit;
    nodes_[node].has_price = true;
  }

  // The price of the longest prefix of `hs` that has one; 0 when none does.
  double Lookup(std::string_view hs) const {
    double price = 0;
    size_t node = 0;
    for (char c : hs) {
      if (c < '0' || c > '9') break;
      node = nodes_[node].child[c - '0'];
      if (node == 0) break;
      if (nodes_[node].has_price) price = nodes_[node].price;
    }
    return price;
  }

  bool empty() const { return nodes_.size() == 1; }

 private:
  struct TrieNode {
    std::array<uint32_t, 10> child{};  // 0: none (the root is never a child)
    double price = 0;
    bool has_price = false;
  };
  std::vector<TrieNode> nodes_;
};

// ---------------------------------------------------------------------------
// Candidate selection. Evaluating every profile for every declaration costs
// too much with hundreds of profiles, and most profiles fail on a code at
// once (wrong origin, wrong goods). A profile's "keys" are the conditions it
// cannot hit without: the code conditions (eq / in / prefix, not negated) and
// e_commerce tests among the conjuncts of its root `all` (nested `all`s
// included). For item fields, some item must satisfy the key, which holds
// for the item that makes the rule true. Per field, a table maps each key
// constant to the bitset of profiles that have it; per declaration, a few
// look-ups per value give the profiles whose key on that field holds. Only profiles
// passing all their keys are evaluated, in their order; the evaluation
// itself still tests every condition, so keys only decide what to skip.

// A bitset over profiles, as words.
using ProfileBits = std::vector<uint64_t>;

// The key constants of one field, each with its mask of profiles: an open
// addressing table over the constants packed into one integer (a code of
// at most 7 characters as PackCode packs it, an HS code as HsKey numbers
// it), so a value costs one look-up for its exact keys and one per length
// of prefix keys the field has, instead of a walk down a trie of
// separately allocated nodes.
class KeyTable {
 public:
  // Whether `key` can be packed for `field` (every validated constant can;
  // a key that cannot is not indexed, so its profile is simply evaluated).
  static bool Packable(Field field, std::string_view key) {
    if (field == Field::kItemHs) {
      return !key.empty() && key.size() <= 10 &&
             std::all_of(key.begin(), key.end(), [](char c) { return c >= '0' && c <= '9'; });
    }
    return key.size() <= 7;
  }

  // The mask slot of the exact or prefix key `key` (Packable), created on
  // demand (-1 until the caller sets it).
  int& Slot(Field field, std::string_view key, bool prefix) {
    const uint64_t packed = Pack(field, key);
    if (prefix) prefix_lengths_ |= uint16_t{1} << key.size();
    for (Entry& entry : entries_) {
      if (entry.key == packed && entry.prefix == prefix) return entry.mask;
    }
    entries_.push_back(Entry{packed, prefix, -1});
    Rehash();
    return entries_.back().mask;
  }

  // Calls visit(mask) for every key of which the code `value` is an
  // instance: the prefix keys it starts with and the exact key equal to it.
  template <typename Visit>
  void VisitCode(std::string_view value, Visit visit) const {
    const uint64_t packed = PackCode(value);
    for (uint32_t lengths = prefix_lengths_; lengths != 0; lengths &= lengths - 1) {
      const auto length = static_cast<size_t>(std::countr_zero(lengths));
      if (length > value.size()) break;
      // Code keys have at most 7 characters (Packable), so `length` <= 7.
      const uint64_t low = packed & ((uint64_t{1} << (8 * length)) - 1);
      Visit1(low | uint64_t{length} << 56, true, visit);
    }
    Visit1(packed, false, visit);
  }

  // The same for an item's HS code, read into `hs` (ReadHs): keys are
  // digits only, so only the code's leading digits can be instances.
  template <typename Visit>
  void VisitHs(const HsDigits& hs, Visit visit) const {
    for (uint32_t lengths = prefix_lengths_; lengths != 0; lengths &= lengths - 1) {
      const auto length = static_cast<size_t>(std::countr_zero(lengths));
      if (length > hs.digits) break;
      Visit1(HsKey(length, hs.prefix[length]), true, visit);
    }
    if (hs.all_digits) Visit1(HsKey(hs.digits, hs.prefix[hs.digits]), false, visit);
  }

 private:
  struct Entry {
    uint64_t key;
    bool prefix;
    int mask;
  };

  static uint64_t Pack(Field field, std::string_view key) {
    return field == Field::kItemHs ? HsConstant(key) : PackCode(key);
  }

  size_t Home(uint64_t key, bool prefix) const {
    return static_cast<size_t>(((key ^ prefix) * 0x9E3779B97F4A7C15ULL) >> 32) & mask_;
  }

  template <typename Visit>
  void Visit1(uint64_t key, bool prefix, Visit& visit) const {
    for (size_t slot = Home(key, prefix);; slot = (slot + 1) & mask_) {
      const int32_t index = slots_[slot];
      if (index < 0) return;
      const Entry& entry = entries_[static_cast<size_t>(index)];
      if (entry.key == key && entry.prefix == prefix) {
        if (entry.mask >= 0) visit(entry.mask);
        return;
      }
    }
  }

  // Entries are few (a profile's constants); the table is rebuilt at each
  // insertion while compiling, at most half full.
  void Rehash() {
    size_t capacity = 4;
    while (capacity < 2 * entries_.size()) capacity *= 2;
    slots_.assign(capacity, -1);
    mask_ = capacity - 1;
    for (size_t index = 0; index < entries_.size(); ++index) {
      size_t slot = Home(entries_[index].key, entries_[index].prefix);
      while (slots_[slot] >= 0) slot = (slot + 1) & mask_;
      slots_[slot] = static_cast<int32_t>(index);
    }
  }

  std::vector<Entry> entries_;
  std::vector<int32_t> slots_ = std::vector<int32_t>(4, -1);  // into entries_; -1 empty
  size_t mask_ = 3;
  uint16_t prefix_lengths_ = 0;  // bit L: some prefix key has L characters
};

struct KeyField {
  Field field;
  KeyTable table;
  int keyed = -1;  // mask of the profiles with a key on this field
};

// One key of one profile, while compiling.
struct ProfileKey {
  Field field;
  std::vector<std::string> exact;
  std::vector<std::string> prefixes;
  const TreeNode* node = nullptr;   // the condition, while its tree lives
  uint32_t condition = UINT32_MAX;  // its index in ProfileSetImpl::conditions_, once added
  bool indexed = false;             // set by IndexKeys (false: not packable, not used)
};

bool IsKeyField(Field field) {
  switch (field) {
    case Field::kType:
    case Field::kOffice:
    case Field::kTransportMode:
    case Field::kOrigin:
    case Field::kDispatch:
    case Field::kDestination:
    case Field::kConsignorCountry:
    case Field::kConsigneeCountry:
    case Field::kDeclarantCountry:
    case Field::kECommerce:
    case Field::kRoute:
    case Field::kItemHs:
    case Field::kItemCurrency:
      return true;
    default:
      return false;
  }
}

// The keys of a rule (see above); at most one per field, the first found.
void CollectKeys(const TreeNode& node, std::vector<ProfileKey>& keys) {
  if (node.kind == NodeKind::kAll) {
    for (const TreeNode& child : node.children) CollectKeys(child, keys);
    return;
  }
  if (node.kind != NodeKind::kCondition) return;
  const Condition& condition = node.condition;
  if (condition.negate || !IsKeyField(condition.field)) return;
  for (const ProfileKey& key : keys) {
    if (key.field == condition.field) return;
  }
  ProfileKey key{condition.field, {}, {}, &node};
  switch (condition.test) {
    case Test::kCountryIn:
      for (size_t index = 0; index < node.countries.size(); ++index) {
        if (!node.countries.test(index)) continue;
        key.exact.push_back(
            std::string{static_cast<char>('A' + index / 26), static_cast<char>('A' + index % 26)});
      }
      break;
    case Test::kCodeIn:
    case Test::kHsIn:
      key.exact = node.strings;
      break;
    case Test::kCodePrefix:
    case Test::kHsPrefix:
      key.prefixes = node.strings;
      break;
    case Test::kBoolIs:
      key.exact.push_back(condition.bool_value ? "1" : "0");
      break;
    default:
      return;
  }
  keys.push_back(std::move(key));
}

// ---------------------------------------------------------------------------
// Evaluation.

// Folded texts of the declaration being evaluated, computed at most once per
// text and evaluation. Per thread, reused across evaluations so that
// evaluation allocates nothing once the buffers have grown.
struct FoldCache {
  struct Slot {
    uint64_t generation = 0;
    std::string text;
  };
  uint64_t generation = 0;
  std::vector<Slot> slots;

  // Slots: 0..2 party names; 3 + 2 * item: description; 4 + 2 * item: brand.
  std::string_view Get(size_t slot, std::string_view source) {
    if (slot >= slots.size()) slots.resize(slot + 1);
    Slot& entry = slots[slot];
    if (entry.generation != generation) {
      FoldText(source, &entry.text);
      entry.generation = generation;
    }
    return entry.text;
  }
};

FoldCache& ThreadFoldCache() {
  thread_local FoldCache cache;
  return cache;
}

enum Tri : uint8_t { kFalse = 0, kTrue = 1, kUnknown = 2 };

// What evaluation reads for every candidate profile; id and name live apart
// (ProfileSetImpl::labels_) and are read for hits only.
struct CompiledProfile {
  double weight = 0;
  int valid_from_days = std::numeric_limits<int>::min();
  int valid_to_days = std::numeric_limits<int>::max();
  uint32_t first_node = 0;
  bool item_level = false;
  // A rule that is one condition or an `all` of conditions (the usual
  // shape) is "flat": its conditions are listed from
  // ProfileSetImpl::flat_conditions_[flat_first], the declaration-level
  // ones first.
  bool flat = false;
  uint32_t flat_first = 0;
  uint16_t flat_declaration = 0;
  uint16_t flat_items = 0;
};

int DaysOf(Date date) { return std::chrono::sys_days(date).time_since_epoch().count(); }

class ProfileSetImpl final : public ProfileSet {
 public:
  std::vector<ProfileHit> Evaluate(const Declaration& declaration, Date today) const override;
  size_t size() const override { return profiles_.size(); }

  // Appends one compiled rule; returns its first node. `keys` (the
  // rule's, from CollectKeys) learn their conditions' indexes.
  uint32_t Add(const TreeNode& root, std::vector<ProfileKey>& keys) {
    const auto first = static_cast<uint32_t>(nodes_.size());
    Flatten(root, keys);
    return first;
  }

  // Lists the conditions of `profile`'s rule (added) when it is flat,
  // leaving out the declaration-level ones that are indexed keys (`keys`,
  // after IndexKeys): candidate selection has already found them to hold,
  // by the same comparison of the same constants.
  void MakeFlat(CompiledProfile& profile, const std::vector<ProfileKey>& keys) {
    const Node& root = nodes_[profile.first_node];
    std::vector<uint32_t> declaration_level;
    std::vector<uint32_t> item_level;
    auto verified = [&](uint32_t condition) {
      return std::any_of(keys.begin(), keys.end(), [&](const ProfileKey& key) {
        return key.indexed && key.condition == condition && key.field != Field::kItemHs &&
               key.field != Field::kItemCurrency;
      });
    };
    auto add = [&](const Node& node) {
      if (node.item_level) {
        item_level.push_back(node.condition);
      } else if (!verified(node.condition)) {
        declaration_level.push_back(node.condition);
      }
    };
    if (root.kind == NodeKind::kCondition) {
      add(root);
    } else if (root.kind == NodeKind::kAll) {
      for (uint32_t child = 1; child < root.size;
           child += nodes_[profile.first_node + child].size) {
        const Node& node = nodes_[profile.first_node + child];
        if (node.kind != NodeKind::kCondition) return;
        add(node);
      }
    } else {
      return;
    }
    profile.flat = true;
    profile.flat_first = static_cast<uint32_t>(flat_conditions_.size());
    profile.flat_declaration = static_cast<uint16_t>(declaration_level.size());
    profile.flat_items = static_cast<uint16_t>(item_level.size());
    flat_conditions_.insert(flat_conditions_.end(), declaration_level.begin(),
                            declaration_level.end());
    flat_conditions_.insert(flat_conditions_.end(), item_level.begin(), item_level.end());
  }

  // Builds the candidate index once every profile is added; keys[p] are
  // the keys of profiles_[p].
  void IndexKeys(std::vector<std::vector<ProfileKey>>& keys) {
    words_ = (profiles_.size() + 63) / 64;
    auto new_mask = [&]() {
      masks_.resize(masks_.size() + words_, 0);
      return static_cast<int>(masks_.size() / words_ - 1);
    };
    auto set_bit = [&](int mask, size_t profile) {
      masks_[static_cast<size_t>(mask) * words_ + profile / 64] |= uint64_t{1} << (profile % 64);
    };
    for (size_t profile = 0; profile < keys.size(); ++profile) {
      for (ProfileKey& key : keys[profile]) {
        auto packable = [&](const std::vector<std::string>& list) {
          return std::all_of(list.begin(), list.end(), [&](const std::string& constant) {
            return KeyTable::Packable(key.field, constant);
          });
        };
        if (!packable(key.exact) || !packable(key.prefixes)) continue;
        auto field = std::find_if(key_fields_.begin(), key_fields_.end(),
                                  [&](const KeyField& f) { return f.field == key.field; });
        if (field == key_fields_.end()) {
          key_fields_.push_back(KeyField{key.field, KeyTable(), -1});
          field = key_fields_.end() - 1;
        }
        if (field->keyed < 0) field->keyed = new_mask();
        set_bit(field->keyed, profile);
        key.indexed = true;
        if (key.field == Field::kItemHs) uses_hs_ = true;  // VisitHs reads ReadHs's digits
        for (const std::string& exact : key.exact) {
          int& mask = field->table.Slot(key.field, exact, false);
          if (mask < 0) mask = new_mask();
          set_bit(mask, profile);
        }
        for (const std::string& prefix : key.prefixes) {
          int& mask = field->table.Slot(key.field, prefix, true);
          if (mask < 0) mask = new_mask();
          set_bit(mask, profile);
        }
      }
    }
    // Cheapest fields first does not matter for the result; declaration
    // fields first keeps item walks for declarations already filtered out.
    std::stable_sort(
        key_fields_.begin(), key_fields_.end(), [](const KeyField& a, const KeyField& b) {
          const bool a_item = a.field == Field::kItemHs || a.field == Field::kItemCurrency;
          const bool b_item = b.field == Field::kItemHs || b.field == Field::kItemCurrency;
          return !a_item && b_item;
        });
  }

  std::vector<CompiledProfile> profiles_;
  std::vector<std::pair<std::string, std::string>> labels_;  // id, name per profile
  PriceTrie prices_;
  bool uses_totals_ = false;
  bool uses_hs_ = false;

 private:
  // The profiles worth evaluating for `declaration` (see "Candidate
  // selection"), into `candidates` (words_ words).
  // `hs` has each item's code read by ReadHs (uses_hs_ holds when some
  // profile has an item.hs key).
  void SelectCandidates(const Declaration& declaration, const HsDigits* hs, uint64_t* candidates,
                        uint64_t* accepted) const {
    for (size_t w = 0; w < words_; ++w) candidates[w] = ~uint64_t{0};
    if (profiles_.size() % 64 != 0) {
      candidates[words_ - 1] = (uint64_t{1} << (profiles_.size() % 64)) - 1;
    }
    auto accept = [&](int mask) {
      const uint64_t* bits = masks_.data() + static_cast<size_t>(mask) * words_;
      for (size_t w = 0; w < words_; ++w) accepted[w] |= bits[w];
    };
    for (const KeyField& key : key_fields_) {
      for (size_t w = 0; w < words_; ++w) accepted[w] = 0;
      switch (key.field) {
        case Field::kRoute:
          for (const std::string& port : declaration.route) key.table.VisitCode(port, accept);
          break;
        case Field::kItemHs:
          for (size_t item = 0; item < declaration.items.size(); ++item) {
            key.table.VisitHs(hs[item], accept);
          }
          break;
        case Field::kItemCurrency:
          for (const DeclarationItem& item : declaration.items) {
            key.table.VisitCode(item.currency, accept);
          }
          break;
        case Field::kECommerce:
          key.table.VisitCode(declaration.e_commerce ? "1" : "0", accept);
          break;
        default:
          key.table.VisitCode(DeclarationCode(declaration, key.field), accept);
          break;
      }
      const uint64_t* keyed = masks_.data() + static_cast<size_t>(key.keyed) * words_;
      uint64_t any = 0;
      for (size_t w = 0; w < words_; ++w) {
        candidates[w] &= ~keyed[w] | accepted[w];
        any |= candidates[w];
      }
      if (any == 0) return;
    }
  }

  static std::string_view DeclarationCode(const Declaration& declaration, Field field) {
    switch (field) {
      case Field::kType:
        return declaration.type;
      case Field::kOffice:
        return declaration.office;
      case Field::kTransportMode:
        return declaration.transport_mode;
      case Field::kOrigin:
        return declaration.origin;
      case Field::kDispatch:
        return declaration.dispatch;
      case Field::kDestination:
        return declaration.destination;
      case Field::kConsignorCountry:
        return declaration.consignor.country;
      case Field::kConsigneeCountry:
        return declaration.consignee.country;
      case Field::kDeclarantCountry:
        return declaration.declarant.country;
      default:
        return {};
    }
  }

  struct Context {
    const Declaration& declaration;
    FoldCache& folds;
    const HsDigits* hs = nullptr;  // per item, when some condition reads item.hs
    double item_count = 0;
    double total_value = 0;
    double total_gross_kg = 0;
  };

  void Flatten(const TreeNode& tree, std::vector<ProfileKey>& keys) {
    const size_t index = nodes_.size();
    nodes_.push_back(Node{tree.kind, tree.item_level, 1, 0});
    if (tree.kind == NodeKind::kCondition) {
      Condition condition = tree.condition;
      if (condition.test == Test::kTextIn || condition.test == Test::kTextPrefix ||
          condition.test == Test::kTextContains) {
        condition.first_string = static_cast<uint32_t>(strings_.size());
        condition.string_count = static_cast<uint32_t>(tree.strings.size());
        strings_.insert(strings_.end(), tree.strings.begin(), tree.strings.end());
      }
      condition.first_code = static_cast<uint32_t>(codes_.size());
      condition.code_count = static_cast<uint32_t>(tree.codes.size());
      codes_.insert(codes_.end(), tree.codes.begin(), tree.codes.end());
      if (condition.test == Test::kCountryIn) {
        condition.country_set = static_cast<uint32_t>(country_sets_.size());
        country_sets_.push_back(tree.countries);
      }
      nodes_[index].condition = static_cast<uint32_t>(conditions_.size());
      for (ProfileKey& key : keys) {
        if (key.node == &tree) key.condition = nodes_[index].condition;
      }
      conditions_.push_back(condition);
      return;
    }
    for (const TreeNode& child : tree.children) Flatten(child, keys);
    nodes_[index].size = static_cast<uint16_t>(nodes_.size() - index);
  }

  bool CodeTest(const Condition& condition, std::string_view code) const {
    const std::string* strings = strings_.data() + condition.first_string;
    const uint64_t* codes = codes_.data() + condition.first_code;
    switch (condition.test) {
      case Test::kCountryIn: {
        const int index = CountryIndex(code);
        return index >= 0 && country_sets_[condition.country_set].test(static_cast<size_t>(index));
      }
      case Test::kCodeIn: {
        const uint64_t packed = PackCode(code);
        if (condition.code_count <= 8) {
          for (uint32_t index = 0; index < condition.code_count; ++index) {
            if (codes[index] == packed) return true;
          }
          return false;
        }
        return std::binary_search(codes, codes + condition.code_count, packed);
      }
      case Test::kCodePrefix: {
        const uint64_t packed = PackCode(code);
        for (uint32_t index = 0; index < condition.code_count; ++index) {
          if (PackedHasPrefix(packed, codes[index])) return true;
        }
        return false;
      }
      case Test::kTextIn:
        return IsIn(code, strings, condition.string_count);
      case Test::kTextPrefix:
        return HasPrefixIn(code, strings, condition.string_count);
      case Test::kTextContains:
        for (uint32_t index = 0; index < condition.string_count; ++index) {
          if (code.find(strings[index]) != std::string_view::npos) return true;
        }
        return false;
      default:
        return false;
    }
  }

  bool HsTest(const Condition& condition, const HsDigits& hs) const {
    const uint64_t* codes = codes_.data() + condition.first_code;
    const uint64_t* end = codes + condition.code_count;
    if (condition.test == Test::kHsIn) {
      return hs.all_digits &&
             std::binary_search(codes, end, HsKey(hs.digits, hs.prefix[hs.digits]));
    }
    for (size_t length = 1; length <= hs.digits; ++length) {
      if ((condition.hs_lengths >> length & 1) == 0) continue;
      const uint64_t key = HsKey(length, hs.prefix[length]);
      if (condition.code_count <= 8 ? std::find(codes, end, key) != end
                                    : std::binary_search(codes, end, key)) {
        return true;
      }
    }
    return false;
  }

  // A number test; false for an undefined value (NaN) whatever the operator,
  // so `ne` is not simply the negation of `eq` there (documented).
  static bool NumberTest(const Condition& condition, double value) {
    if (!std::isfinite(value)) return false;
    const bool above = condition.lo_open ? value > condition.lo : value >= condition.lo;
    const bool below = condition.hi_open ? value < condition.hi : value <= condition.hi;
    return (above && below) != condition.negate;
  }

  static const DeclarationParty& PartyOf(const Declaration& declaration, Field field) {
    switch (field) {
      case Field::kConsignorName:
      case Field::kConsignorCountry:
        return declaration.consignor;
      case Field::kConsigneeName:
      case Field::kConsigneeCountry:
        return declaration.consignee;
      default:
        return declaration.declarant;
    }
  }

  static double Ratio(double numerator, double denominator) {
    if (!(denominator > 0) || !std::isfinite(numerator) || !std::isfinite(denominator)) {
      return std::numeric_limits<double>::quiet_NaN();
    }
    return numerator / denominator;
  }

  // One condition with `item` (nullptr for declaration-level conditions).
  bool Test(const Condition& condition, Context& context, const DeclarationItem* item,
            size_t item_index) const {
    const Declaration& declaration = context.declaration;
    auto code = [&](std::string_view value) {
      return CodeTest(condition, value) != condition.negate;
    };
    switch (condition.field) {
      case Field::kType:
        return code(declaration.type);
      case Field::kOffice:
        return code(declaration.office);
      case Field::kTransportMode:
        return code(declaration.transport_mode);
      case Field::kOrigin:
        return code(declaration.origin);
      case Field::kDispatch:
        return code(declaration.dispatch);
      case Field::kDestination:
        return code(declaration.destination);
      case Field::kConsignorCountry:
      case Field::kConsigneeCountry:
      case Field::kDeclarantCountry:
        return code(PartyOf(declaration, condition.field).country);
      case Field::kConsignorName:
        return code(context.folds.Get(0, declaration.consignor.name));
      case Field::kConsigneeName:
        return code(context.folds.Get(1, declaration.consignee.name));
      case Field::kDeclarantName:
        return code(context.folds.Get(2, declaration.declarant.name));
      case Field::kECommerce:
        return declaration.e_commerce == condition.bool_value;
      case Field::kRoute: {
        // Any port of the route; ne / not_in: no port.
        bool any = false;
        for (const std::string& port : declaration.route) {
          if (CodeTest(condition, port)) {
            any = true;
            break;
          }
        }
        return any != condition.negate;
      }
      case Field::kItemCount:
        return NumberTest(condition, context.item_count);
      case Field::kTotalValue:
        return NumberTest(condition, context.total_value);
      case Field::kTotalGrossKg:
        return NumberTest(condition, context.total_gross_kg);
      default:
        break;
    }
    if (item == nullptr) return false;  // unreachable: item fields are evaluated with an item
    switch (condition.field) {
      case Field::kItemHs:
        return HsTest(condition, context.hs[item_index]) != condition.negate;
      case Field::kItemCurrency:
        return code(item->currency);
      case Field::kItemDescription:
        return code(context.folds.Get(3 + 2 * item_index, item->description));
      case Field::kItemBrand:
        return code(context.folds.Get(4 + 2 * item_index, item->brand));
      case Field::kItemQuantity:
        return NumberTest(condition, item->quantity);
      case Field::kItemGrossKg:
        return NumberTest(condition, item->gross_kg);
      case Field::kItemValue:
        return NumberTest(condition, item->value);
      case Field::kItemUnitValue:
        return NumberTest(condition, Ratio(item->value, item->quantity));
      case Field::kItemValuePerKg:
        return NumberTest(condition, Ratio(item->value, item->gross_kg));
      case Field::kItemPriceRatio: {
        const double unit_value = Ratio(item->value, item->quantity);
        return NumberTest(condition, Ratio(unit_value, prices_.Lookup(item->hs)));
      }
      default:
        return false;
    }
  }

  // First pass, item unknown: three-valued (Kleene) logic. Records every
  // visited node's value in `memo` (indexed from the profile's first node).
  Tri Decide(uint32_t first, uint32_t index, Context& context, uint8_t* memo) const {
    const Node& node = nodes_[first + index];
    Tri result = kUnknown;
    switch (node.kind) {
      case NodeKind::kCondition:
        if (!node.item_level) {
          result = Test(conditions_[node.condition], context, nullptr, 0) ? kTrue : kFalse;
        }
        break;
      case NodeKind::kAll:
      case NodeKind::kAny: {
        const Tri stop = node.kind == NodeKind::kAll ? kFalse : kTrue;
        result = node.kind == NodeKind::kAll ? kTrue : kFalse;
        for (uint32_t child = index + 1; child < index + node.size;
             child += nodes_[first + child].size) {
          const Tri value = Decide(first, child, context, memo);
          if (value == stop) {
            result = stop;
            break;
          }
          if (value == kUnknown) result = kUnknown;
        }
        break;
      }
      case NodeKind::kNot: {
        const Tri value = Decide(first, index + 1, context, memo);
        result = value == kUnknown ? kUnknown : value == kTrue ? kFalse : kTrue;
        break;
      }
    }
    memo[index] = result;
    return result;
  }

  // Second pass with one item: only nodes the first pass left undecided are
  // evaluated (and those were all visited, since an undecided all/any did not
  // stop early).
  bool WithItem(uint32_t first, uint32_t index, Context& context, const uint8_t* memo,
                const DeclarationItem& item, size_t item_index) const {
    if (memo[index] != kUnknown) return memo[index] == kTrue;
    const Node& node = nodes_[first + index];
    switch (node.kind) {
      case NodeKind::kCondition:
        return Test(conditions_[node.condition], context, &item, item_index);
      case NodeKind::kAll:
      case NodeKind::kAny: {
        const bool stop = node.kind == NodeKind::kAny;
        for (uint32_t child = index + 1; child < index + node.size;
             child += nodes_[first + child].size) {
          if (WithItem(first, child, context, memo, item, item_index) == stop) return stop;
        }
        return !stop;
      }
      case NodeKind::kNot:
        return !WithItem(first, index + 1, context, memo, item, item_index);
    }
    return false;
  }

  // Whether a flat profile (MakeFlat) hits, and with which item (-1: the
  // rule reads no item field). The same as Decide and WithItem give, as
  // conditions have no side effects, without their three-valued pass: the
  // declaration-level conditions once, then the item-level ones item by
  // item until an item meets them all.
  bool FlatHits(const CompiledProfile& profile, Context& context, int* hit_item) const {
    const uint32_t* conditions = flat_conditions_.data() + profile.flat_first;
    for (uint32_t k = 0; k < profile.flat_declaration; ++k) {
      if (!Test(conditions_[conditions[k]], context, nullptr, 0)) return false;
    }
    *hit_item = -1;
    if (!profile.item_level) return true;
    const std::vector<DeclarationItem>& items = context.declaration.items;
    const uint32_t* item_conditions = conditions + profile.flat_declaration;
    for (size_t item = 0; item < items.size(); ++item) {
      bool all = true;
      for (uint32_t k = 0; k < profile.flat_items && all; ++k) {
        all = Test(conditions_[item_conditions[k]], context, &items[item], item);
      }
      if (all) {
        *hit_item = static_cast<int>(item);
        return true;
      }
    }
    return false;
  }

  std::vector<Node> nodes_;
  std::vector<uint32_t> flat_conditions_;  // of flat profiles, see CompiledProfile
  std::vector<Condition> conditions_;
  std::vector<std::string> strings_;
  std::vector<CountrySet> country_sets_;
  std::vector<uint64_t> codes_;
  std::vector<KeyField> key_fields_;
  std::vector<uint64_t> masks_;  // words_ words per mask
  size_t words_ = 0;
};

// Per-thread candidate bitsets, so evaluation does not allocate.
struct CandidateScratch {
  std::vector<uint64_t> candidates;
  std::vector<uint64_t> accepted;
  std::vector<HsDigits> hs;
};

CandidateScratch& ThreadCandidates() {
  thread_local CandidateScratch scratch;
  return scratch;
}

std::vector<ProfileHit> ProfileSetImpl::Evaluate(const Declaration& declaration, Date today) const {
  std::vector<ProfileHit> hits;
  FoldCache& folds = ThreadFoldCache();
  ++folds.generation;
  Context context{declaration, folds};
  if (uses_totals_) {
    context.item_count = static_cast<double>(declaration.items.size());
    for (const DeclarationItem& item : declaration.items) {
      context.total_value += item.value;
      context.total_gross_kg += item.gross_kg;
    }
  }
  const int today_days = DaysOf(today);
  CandidateScratch& scratch = ThreadCandidates();
  if (uses_hs_) {
    if (scratch.hs.size() < declaration.items.size()) scratch.hs.resize(declaration.items.size());
    for (size_t item = 0; item < declaration.items.size(); ++item) {
      ReadHs(declaration.items[item].hs, &scratch.hs[item]);
    }
    context.hs = scratch.hs.data();
  }
  scratch.candidates.resize(words_);
  scratch.accepted.resize(words_);
  SelectCandidates(declaration, context.hs, scratch.candidates.data(), scratch.accepted.data());
  std::array<uint8_t, kMaxNodes> memo;
  for (size_t word = 0; word < words_; ++word) {
    for (uint64_t bits = scratch.candidates[word]; bits != 0; bits &= bits - 1) {
      const CompiledProfile& profile =
          profiles_[word * 64 + static_cast<size_t>(std::countr_zero(bits))];
      if (today_days < profile.valid_from_days || today_days > profile.valid_to_days) continue;
      int hit_item = -1;
      if (profile.flat) {
        if (!FlatHits(profile, context, &hit_item)) continue;
        const auto& [id, name] = labels_[static_cast<size_t>(&profile - profiles_.data())];
        hits.push_back(ProfileHit{id, name, profile.weight, hit_item});
        continue;
      }
      const Tri decided = Decide(profile.first_node, 0, context, memo.data());
      if (decided == kFalse) continue;
      if (profile.item_level) {
        // Some item must make the rule true; when the declaration-level
        // conditions decided it, every item does, and the first is reported.
        if (declaration.items.empty()) continue;
        if (decided == kTrue) {
          hit_item = 0;
        } else {
          for (size_t item = 0; item < declaration.items.size(); ++item) {
            if (WithItem(profile.first_node, 0, context, memo.data(), declaration.items[item],
                         item)) {
              hit_item = static_cast<int>(item);
              break;
            }
          }
          if (hit_item < 0) continue;
        }
      }
      const auto& [id, name] = labels_[static_cast<size_t>(&profile - profiles_.data())];
      hits.push_back(ProfileHit{id, name, profile.weight, hit_item});
    }
  }
  return hits;
}

// Validates the top-level fields every profile needs (also for profiles built
// in code and passed to Compile).
void CheckWeightAndDates(double weight, const std::optional<Date>& from,
                         const std::optional<Date>& to, const std::string& path,
                         FieldErrorList& errors) {
  if (!std::isfinite(weight) || weight < 0 || weight > 1) {
    errors.Add(FieldPath(path, "weight"), "must be a number from 0 to 1");
  }
  if (from && to && *to < *from) {
    errors.Add(FieldPath(path, "valid_to"), "must not be before valid_from");
  }
}

json DateJson(const std::optional<Date>& date) {
  return date ? json(FormatDate(*date)) : json(nullptr);
}

}  // namespace

Result<RiskProfile> ProfileFromJson(const json& body) {
  FieldErrorList errors;
  if (!body.is_object()) {
    errors.Add("", "must be a JSON object");
    return errors.ToError("risk profile");
  }
  RiskProfile profile;
  if (auto name =
          screening_internal::ReadString(body, "name", "name", true, kMaxNameChars, errors)) {
    profile.name = std::move(*name);
  }
  if (auto description = screening_internal::ReadString(body, "description", "description", false,
                                                        kMaxDescriptionChars, errors)) {
    profile.description = std::move(*description);
  }
  if (auto weight = screening_internal::ReadWeight(body, "weight", "weight", errors)) {
    profile.weight = *weight;
  }
  profile.valid_from = screening_internal::ReadDate(body, "valid_from", "valid_from", errors);
  profile.valid_to = screening_internal::ReadDate(body, "valid_to", "valid_to", errors);
  if (auto share = screening_internal::ReadBool(body, "share_with_partners", "share_with_partners",
                                                errors)) {
    profile.share_with_partners = *share;
  }
  if (auto active = screening_internal::ReadBool(body, "active", "active", errors)) {
    profile.active = *active;
  }
  CheckWeightAndDates(profile.weight, profile.valid_from, profile.valid_to, "", errors);
  const json* rule = screening_internal::Member(body, "rule");
  if (rule == nullptr) {
    errors.Add("rule", "is required");
  } else {
    (void)ParseRule(*rule, "rule", errors);
    profile.rule = *rule;
  }
  if (!errors.empty()) return errors.ToError("risk profile");
  return profile;
}

json ToJson(const RiskProfile& profile) {
  return json{
      {"id", profile.id},
      {"name", profile.name},
      {"description", profile.description},
      {"owner_org_id", profile.owner_org_id},
      {"owner_user_id", profile.owner_user_id},
      {"weight", profile.weight},
      {"valid_from", DateJson(profile.valid_from)},
      {"valid_to", DateJson(profile.valid_to)},
      {"share_with_partners", profile.share_with_partners},
      {"active", profile.active},
      {"rule", profile.rule},
  };
}

Result<std::vector<ReferencePrice>> ReferencePricesFromJson(const json& body) {
  FieldErrorList errors;
  const json* list = body.is_object() ? screening_internal::Member(body, "reference_prices")
                                      : nullptr;
  if (!body.is_object()) {
    errors.Add("", "must be a JSON object");
  } else if (list == nullptr) {
    errors.Add("reference_prices", "is required (a list, empty to clear)");
  } else if (!list->is_array()) {
    errors.Add("reference_prices", "must be a list");
  } else if (list->size() > kMaxReferencePrices) {
    errors.Add("reference_prices", fmt::format("at most {} entries", kMaxReferencePrices));
  }
  if (!errors.empty()) return errors.ToError("reference prices");
  std::vector<ReferencePrice> prices;
  prices.reserve(list->size());
  std::map<std::string, size_t> first_index;
  for (size_t index = 0; index < list->size(); ++index) {
    const json& entry = (*list)[index];
    const std::string path = IndexPath("reference_prices", index);
    if (!entry.is_object()) {
      errors.Add(path, "must be an object");
      continue;
    }
    ReferencePrice price;
    if (auto prefix = screening_internal::ReadString(entry, "hs_prefix",
                                                     FieldPath(path, "hs_prefix"), true, 10,
                                                     errors)) {
      price.hs_prefix = std::move(*prefix);
      if (!std::all_of(price.hs_prefix.begin(), price.hs_prefix.end(),
                       [](char c) { return c >= '0' && c <= '9'; })) {
        errors.Add(FieldPath(path, "hs_prefix"), "must be an HS code prefix of 1 to 10 digits");
      } else if (auto [seen, inserted] = first_index.emplace(price.hs_prefix, index); !inserted) {
        errors.Add(FieldPath(path, "hs_prefix"),
                   fmt::format("\"{}\" is already priced at reference_prices[{}]",
                               price.hs_prefix, seen->second));
      }
    }
    const json* amount = screening_internal::Member(entry, "eur_per_unit");
    if (amount == nullptr) {
      errors.Add(FieldPath(path, "eur_per_unit"), "is required");
    } else if (!amount->is_number() || !std::isfinite(amount->get<double>()) ||
               amount->get<double>() <= 0) {
      errors.Add(FieldPath(path, "eur_per_unit"), "must be a positive number");
    } else {
      price.eur_per_unit = amount->get<double>();
    }
    if (auto note = screening_internal::ReadString(entry, "note", FieldPath(path, "note"), false,
                                                   kMaxDescriptionChars, errors)) {
      price.note = std::move(*note);
    }
    prices.push_back(std::move(price));
  }
  if (!errors.empty()) return errors.ToError("reference prices");
  return prices;
}

json ToJson(const std::vector<ReferencePrice>& prices) {
  json list = json::array();
  for (const ReferencePrice& price : prices) {
    list.push_back(
        {{"hs_prefix", price.hs_prefix}, {"eur_per_unit", price.eur_per_unit}, {"note", price.note}});
  }
  return json{{"reference_prices", std::move(list)}};
}

Result<std::shared_ptr<const ProfileSet>> ProfileSet::Compile(
    const std::vector<RiskProfile>& profiles, std::vector<ReferencePrice> reference_prices) {
  auto set = std::make_shared<ProfileSetImpl>();
  for (size_t index = 0; index < reference_prices.size(); ++index) {
    const ReferencePrice& price = reference_prices[index];
    const std::string path = IndexPath("reference_prices", index);
    const bool digits = !price.hs_prefix.empty() && price.hs_prefix.size() <= 10 &&
                        std::all_of(price.hs_prefix.begin(), price.hs_prefix.end(),
                                    [](char c) { return c >= '0' && c <= '9'; });
    if (!digits) {
      FieldErrorList errors;
      errors.Add(FieldPath(path, "hs_prefix"), "must be an HS code prefix of 1 to 10 digits");
      return errors.ToError("reference price");
    }
    if (!std::isfinite(price.eur_per_unit) || price.eur_per_unit <= 0) {
      FieldErrorList errors;
      errors.Add(FieldPath(path, "eur_per_unit"), "must be a positive number");
      return errors.ToError("reference price");
    }
    set->prices_.Add(price.hs_prefix, price.eur_per_unit);
  }
  std::vector<std::vector<ProfileKey>> keys;
  for (size_t index = 0; index < profiles.size(); ++index) {
    const RiskProfile& profile = profiles[index];
    if (!profile.active) continue;
    FieldErrorList errors;
    CheckWeightAndDates(profile.weight, profile.valid_from, profile.valid_to, "", errors);
    std::optional<ParsedRule> parsed = ParseRule(profile.rule, "rule", errors);
    if (!errors.empty() || !parsed) {
      std::string what = "risk profile " + (profile.id.empty() ? IndexPath("", index) : profile.id);
      if (!profile.name.empty()) what += " (\"" + profile.name + "\")";
      return errors.ToError(what);
    }
    OrderByCost(parsed->root);
    CompiledProfile compiled;
    set->labels_.emplace_back(profile.id, profile.name);
    compiled.weight = profile.weight;
    if (profile.valid_from) compiled.valid_from_days = DaysOf(*profile.valid_from);
    if (profile.valid_to) compiled.valid_to_days = DaysOf(*profile.valid_to);
    compiled.item_level = parsed->root.item_level;
    keys.emplace_back();
    CollectKeys(parsed->root, keys.back());
    compiled.first_node = set->Add(parsed->root, keys.back());
    for (ProfileKey& key : keys.back()) key.node = nullptr;  // the tree goes now
    set->uses_totals_ = set->uses_totals_ || parsed->uses_totals;
    set->uses_hs_ = set->uses_hs_ || parsed->uses_hs;
    set->profiles_.push_back(std::move(compiled));
  }
  set->IndexKeys(keys);
  for (size_t profile = 0; profile < keys.size(); ++profile) {
    set->MakeFlat(set->profiles_[profile], keys[profile]);
  }
  return std::shared_ptr<const ProfileSet>(std::move(set));
}

}  // namespace cordon
