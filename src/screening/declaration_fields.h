// Internal to the declaration readers (declaration_json.cc,
// declaration_csv.cc): the limits, messages and field checks both formats
// share, the reset of a reused Declaration, and the field-name table. Not a
// public interface; include only from those readers and their tests.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/codes.h"
#include "core/result.h"
#include "screening/declaration.h"

// For the small checks run on every field of every declaration, which GCC
// otherwise leaves as calls (profiles showed the calls' cost).
#define CORDON_ALWAYS_INLINE __attribute__((always_inline)) inline

namespace cordon::declaration_fields {


// The most input one declaration may take: one JSON Lines line (without its
// line ending), or all CSV rows of one declaration together. Bounds memory
// whatever the input.
inline constexpr size_t kMaxDeclarationBytes = size_t{1} << 20;
inline constexpr std::string_view kTooLongMessage = "is longer than 1048576 bytes (1 MiB), the limit";
inline constexpr std::string_view kRowsTooLongMessage =
    "its rows together are longer than 1048576 bytes (1 MiB), the limit";

inline constexpr std::array<std::string_view, 3> kTypes = {"import", "export", "transit"};
inline constexpr std::array<std::string_view, 7> kTransportModes = {"sea",    "air",     "road", "rail",
                                                             "postal", "express", "other"};

inline constexpr std::string_view kRequired = "is required";
inline constexpr std::string_view kNotEmpty = "must not be empty";
inline constexpr std::string_view kTypeMessage = "must be import, export or transit";
inline constexpr std::string_view kTransportModeMessage =
    "must be one of sea, air, road, rail, postal, express, other";
inline constexpr std::string_view kTimestampMessage =
    "must be an RFC 3339 timestamp such as 2025-03-04T09:12:00Z";
inline constexpr std::string_view kCountryMessage = "must be an ISO 3166-1 alpha-2 country code";
inline constexpr std::string_view kLocodeMessage = "must be a UN/LOCODE such as DEHAM";
inline constexpr std::string_view kHsMessage = "must be 2 to 10 digits";
inline constexpr std::string_view kCurrencyMessage = "must be an ISO 4217 currency code";
inline constexpr std::string_view kContainerMessage = "must be non-empty and must not contain '|'";
inline constexpr std::string_view kNegativeMessage = "must not be negative";
inline constexpr std::string_view kFiniteMessage = "must be a finite number";

// ---------------------------------------------------------------------------
// Problems and the checks both formats share.

// The bad fields of one record, in the order found.
class Problems {
 public:
  void Add(std::string field, std::string_view message) {
    fields_.push_back(FieldError{std::move(field), std::string(message)});
  }
  bool empty() const { return fields_.empty(); }
  size_t size() const { return fields_.size(); }
  void Clear() { fields_.clear(); }

  // "items[0].hs: must be 2 to 10 digits; office: is required".
  std::string Joined() const {
    std::string text;
    for (const FieldError& field : fields_) {
      if (!text.empty()) text += "; ";
      if (!field.field.empty()) {
        text += field.field;
        text += ": ";
      }
      text += field.message;
    }
    return text;
  }
  std::vector<FieldError> Take() { return std::move(fields_); }

 private:
  std::vector<FieldError> fields_;
};

inline bool IsBlank(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v';
  });
}

// Equality of short texts (field names, codes), which profiles of the JSON
// Lines reader showed as a hot spot when done by memcmp calls or byte loops:
// two overlapping word loads cover 4 to 16 bytes without reading past either
// text.
template <typename Word>
Word LoadWord(const char* at) {
  Word word;
  std::memcpy(&word, at, sizeof(word));
  return word;
}
inline bool SameText(std::string_view a, std::string_view b) {
  size_t size = a.size();
  if (size != b.size()) return false;
  const char* x = a.data();
  const char* y = b.data();
  if (size >= 8) {
    for (size_t at = 0; at + 8 < size; at += 8) {
      if (LoadWord<uint64_t>(x + at) != LoadWord<uint64_t>(y + at)) return false;
    }
    return LoadWord<uint64_t>(x + size - 8) == LoadWord<uint64_t>(y + size - 8);
  }
  if (size >= 4) {
    return LoadWord<uint32_t>(x) == LoadWord<uint32_t>(y) &&
           LoadWord<uint32_t>(x + size - 4) == LoadWord<uint32_t>(y + size - 4);
  }
  for (size_t index = 0; index < size; ++index) {
    if (x[index] != y[index]) return false;
  }
  return true;
}

template <size_t N>
inline bool IsOneOf(std::string_view text, const std::array<std::string_view, N>& allowed) {
  return std::any_of(allowed.begin(), allowed.end(),
                     [&](std::string_view value) { return SameText(value, text); });
}

// Code tables for the hot path, filled once from core/codes.h (which stays
// the one definition of valid codes): a bit per two-letter country code and
// per three-letter currency code, so a check is a bounds test and one load
// instead of a binary search over string_views.
class CodeTables {
 public:
  CORDON_ALWAYS_INLINE static const CodeTables& Get() {
    static const CodeTables tables;
    return tables;
  }
  bool IsCountry(std::string_view code) const {
    return code.size() == 2 && IsUpper(code[0]) && IsUpper(code[1]) &&
           countries_[Letter(code[0]) * 26 + Letter(code[1])];
  }
  bool IsCurrency(std::string_view code) const {
    return code.size() == 3 && IsUpper(code[0]) && IsUpper(code[1]) && IsUpper(code[2]) &&
           currencies_[(Letter(code[0]) * 26 + Letter(code[1])) * 26 + Letter(code[2])];
  }
  // Same rule as IsUnLocode: a country code and three of [A-Z2-9].
  bool IsLocode(std::string_view code) const {
    if (code.size() != 5 || !IsCountry(code.substr(0, 2))) return false;
    for (size_t index = 2; index < 5; ++index) {
      char c = code[index];
      if (!IsUpper(c) && !(c >= '2' && c <= '9')) return false;
    }
    return true;
  }

 private:
  CodeTables() {
    char text[3];
    for (char a = 'A'; a <= 'Z'; ++a) {
      for (char b = 'A'; b <= 'Z'; ++b) {
        text[0] = a;
        text[1] = b;
        countries_[Letter(a) * 26 + Letter(b)] = IsCountryCode(std::string_view(text, 2));
        for (char c = 'A'; c <= 'Z'; ++c) {
          text[2] = c;
          currencies_[(Letter(a) * 26 + Letter(b)) * 26 + Letter(c)] =
              IsCurrencyCode(std::string_view(text, 3));
        }
      }
    }
  }
  static bool IsUpper(char c) { return c >= 'A' && c <= 'Z'; }
  static size_t Letter(char c) { return static_cast<size_t>(c - 'A'); }

  std::array<bool, 26 * 26> countries_{};
  std::array<bool, 26 * 26 * 26> currencies_{};
};

// Each check returns the message for a bad value, or an empty view when the
// value is acceptable. Empty text means "not declared" for optional fields;
// the callers decide what is required.
CORDON_ALWAYS_INLINE std::string_view CheckType(std::string_view type) {
  return IsOneOf(type, kTypes) ? std::string_view() : kTypeMessage;
}
CORDON_ALWAYS_INLINE std::string_view CheckTransportMode(std::string_view mode) {
  return mode.empty() || IsOneOf(mode, kTransportModes) ? std::string_view()
                                                        : kTransportModeMessage;
}
CORDON_ALWAYS_INLINE std::string_view CheckCountry(std::string_view code) {
  return code.empty() || CodeTables::Get().IsCountry(code) ? std::string_view() : kCountryMessage;
}
CORDON_ALWAYS_INLINE std::string_view CheckLocode(std::string_view code) {
  return CodeTables::Get().IsLocode(code) ? std::string_view() : kLocodeMessage;
}
inline std::string_view CheckHs(std::string_view code) {
  return IsHsCode(code) ? std::string_view() : kHsMessage;
}
CORDON_ALWAYS_INLINE std::string_view CheckCurrency(std::string_view code) {
  return code.empty() || CodeTables::Get().IsCurrency(code) ? std::string_view() : kCurrencyMessage;
}
inline std::string_view CheckContainer(std::string_view container) {
  return IsBlank(container) || container.find('|') != std::string_view::npos ? kContainerMessage
                                                                             : std::string_view();
}
inline std::string_view CheckAmount(double amount) {
  if (!std::isfinite(amount)) return kFiniteMessage;
  return amount < 0 ? kNegativeMessage : std::string_view();
}

// Whether every byte is below 0x80 (and the text therefore valid UTF-8):
// most cells are, and this is much cheaper than a full UTF-8 validation.
// The tail of fewer than eight bytes is covered by overlapping loads (most
// cells are short, and a byte loop over the tail cost more than the words).
inline bool IsAscii(std::string_view text) {
  const char* data = text.data();
  const size_t size = text.size();
  uint64_t bits = 0;
  if (size >= 8) {
    for (size_t at = 0; at + 8 < size; at += 8) bits |= LoadWord<uint64_t>(data + at);
    bits |= LoadWord<uint64_t>(data + size - 8);
  } else if (size >= 4) {
    bits = LoadWord<uint32_t>(data) | LoadWord<uint32_t>(data + size - 4);
  } else {
    for (size_t at = 0; at < size; ++at) bits |= static_cast<uint8_t>(data[at]);
  }
  return (bits & 0x8080808080808080ULL) == 0;
}

// Copies text into a string whose capacity is reused from record to record.
// clear() + append() takes libstdc++'s short append path; assign() goes
// through the general _M_replace, which profiles showed as a hot spot.
inline void SetText(std::string& out, std::string_view text) {
  out.clear();
  out.append(text.data(), text.size());
}

// Sets `*out` to the element at `index`, reusing an element (and the capacity
// of its strings) left from an earlier declaration.
template <typename T>
T& SlotAt(std::vector<T>& list, size_t index) {
  if (index < list.size()) return list[index];
  list.emplace_back();
  return list.back();
}

inline void ClearParty(DeclarationParty& party) {
  party.name.clear();
  party.address.clear();
  party.country.clear();
}

inline void ClearItem(DeclarationItem& item) {
  item.hs.clear();
  item.description.clear();
  item.brand.clear();
  item.quantity = 0;
  item.unit.clear();
  item.gross_kg = 0;
  item.value = 0;
  item.currency.clear();
}

// Empties *declaration but keeps the capacity of its strings and lists, which
// the next record overwrites (lists are trimmed to size at the end).
inline void ResetDeclaration(Declaration& declaration) {
  declaration.id.clear();
  declaration.type.clear();
  declaration.lodged_at.reset();
  declaration.office.clear();
  declaration.transport_mode.clear();
  declaration.origin.clear();
  declaration.dispatch.clear();
  declaration.destination.clear();
  declaration.e_commerce = false;
  ClearParty(declaration.consignor);
  ClearParty(declaration.consignee);
  ClearParty(declaration.declarant);
}

// ---------------------------------------------------------------------------
// Field names and their aliases.

// A field name as it may appear in input, and what it means.
struct KeySpec {
  std::string_view name;
  uint8_t key = 0;
};

// A small open-addressing map from field name to key: per-field dispatch is in
// the hot path (about 30 lookups per declaration), so no std::map or linear scan.
class KeyTable {
 public:
  static constexpr uint8_t kUnknown = 0xFF;

  // constexpr, so the tables are built by the compiler: no start-up code and
  // no guard check per lookup.
  template <size_t N>
  constexpr explicit KeyTable(const std::array<KeySpec, N>& specs) {
    static_assert(N * 2 <= kSlots, "the table must stay sparse");
    for (const KeySpec& spec : specs) {
      size_t slot = Hash(spec.name);
      while (!slots_[slot].name.empty()) slot = (slot + 1) & (kSlots - 1);
      slots_[slot] = spec;
    }
  }

  uint8_t Find(std::string_view name) const { return FindSpec(name).key; }

  // The entry for `name` (its text is static), or an empty one with kUnknown.
  KeySpec FindSpec(std::string_view name) const {
    if (name.empty()) return KeySpec{{}, kUnknown};
    for (size_t slot = Hash(name);; slot = (slot + 1) & (kSlots - 1)) {
      const KeySpec& spec = slots_[slot];
      if (spec.name.empty()) return KeySpec{{}, kUnknown};
      if (SameText(spec.name, name)) return spec;
    }
  }

 private:
  static constexpr size_t kSlots = 128;
  static constexpr size_t Hash(std::string_view name) {
    auto byte = [&](size_t index) {
      return static_cast<size_t>(static_cast<uint8_t>(name[index]));
    };
    return (name.size() * 131 + byte(0) * 31 + byte(name.size() - 1) * 7 + byte(name.size() / 2)) &
           (kSlots - 1);
  }
  std::array<KeySpec, kSlots> slots_{};
};

}  // namespace cordon::declaration_fields
