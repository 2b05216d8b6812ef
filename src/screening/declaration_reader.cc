// Readers of declarations: JSON Lines through simdjson, CSV per RFC 4180.
// The formats are documented for users in docs/declarations.md; keep both in
// step (field names, aliases, messages, limits).
//
// Why simdjson's DOM API and not On-Demand: Debian's libsimdjson dispatches
// the DOM parser at run time to the best kernel of the machine (AVX-512 or
// AVX2), while On-Demand's stage 2 is inlined into our code and compiled for
// the kernel simdjson.h picks at compile time, which with Debian's header is
// the scalar "fallback" one. Measured on the benchmark's declarations, DOM
// plus a walk of every field took about 1.3 us per declaration, On-Demand
// with a schema-driven walk 2.6 to 3 us. DOM also validates the whole line, so
// a syntax error inside an ignored field is still reported (On-Demand skips
// unread values without validating them).
//
// Both readers reuse their buffers and the capacity of the caller's
// Declaration (strings are assigned, not rebuilt), so a steady stream of
// declarations costs no heap allocation beyond strings that grow.
#include <simdjson.h>

#include <algorithm>
#include <array>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif
#if defined(__x86_64__)
#include <immintrin.h>
#endif

#include "core/codes.h"
#include "screening/declaration.h"
#include "screening/declaration_internal.h"
#include "screening/json_writer.h"

// For the small checks run on every field of every declaration, which GCC
// otherwise leaves as calls (profiles showed the calls' cost).
#define CORDON_ALWAYS_INLINE __attribute__((always_inline)) inline

namespace cordon {
namespace {

// The most input one declaration may take: one JSON Lines line (without its
// line ending), or all CSV rows of one declaration together. Bounds memory
// whatever the input.
constexpr size_t kMaxDeclarationBytes = size_t{1} << 20;
constexpr std::string_view kTooLongMessage = "is longer than 1048576 bytes (1 MiB), the limit";
constexpr std::string_view kRowsTooLongMessage =
    "its rows together are longer than 1048576 bytes (1 MiB), the limit";

constexpr std::array<std::string_view, 3> kTypes = {"import", "export", "transit"};
constexpr std::array<std::string_view, 7> kTransportModes = {"sea",    "air",     "road", "rail",
                                                             "postal", "express", "other"};

constexpr std::string_view kRequired = "is required";
constexpr std::string_view kNotEmpty = "must not be empty";
constexpr std::string_view kTypeMessage = "must be import, export or transit";
constexpr std::string_view kTransportModeMessage =
    "must be one of sea, air, road, rail, postal, express, other";
constexpr std::string_view kTimestampMessage =
    "must be an RFC 3339 timestamp such as 2025-03-04T09:12:00Z";
constexpr std::string_view kCountryMessage = "must be an ISO 3166-1 alpha-2 country code";
constexpr std::string_view kLocodeMessage = "must be a UN/LOCODE such as DEHAM";
constexpr std::string_view kHsMessage = "must be 2 to 10 digits";
constexpr std::string_view kCurrencyMessage = "must be an ISO 4217 currency code";
constexpr std::string_view kContainerMessage = "must be non-empty and must not contain '|'";
constexpr std::string_view kNegativeMessage = "must not be negative";
constexpr std::string_view kFiniteMessage = "must be a finite number";

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

bool IsBlank(std::string_view text) {
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
bool SameText(std::string_view a, std::string_view b) {
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
bool IsOneOf(std::string_view text, const std::array<std::string_view, N>& allowed) {
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
std::string_view CheckHs(std::string_view code) {
  return IsHsCode(code) ? std::string_view() : kHsMessage;
}
CORDON_ALWAYS_INLINE std::string_view CheckCurrency(std::string_view code) {
  return code.empty() || CodeTables::Get().IsCurrency(code) ? std::string_view() : kCurrencyMessage;
}
std::string_view CheckContainer(std::string_view container) {
  return IsBlank(container) || container.find('|') != std::string_view::npos ? kContainerMessage
                                                                             : std::string_view();
}
std::string_view CheckAmount(double amount) {
  if (!std::isfinite(amount)) return kFiniteMessage;
  return amount < 0 ? kNegativeMessage : std::string_view();
}

// Whether every byte is below 0x80 (and the text therefore valid UTF-8):
// most cells are, and this is much cheaper than a full UTF-8 validation.
// The tail of fewer than eight bytes is covered by overlapping loads (most
// cells are short, and a byte loop over the tail cost more than the words).
bool IsAscii(std::string_view text) {
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
void SetText(std::string& out, std::string_view text) {
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

void ClearParty(DeclarationParty& party) {
  party.name.clear();
  party.address.clear();
  party.country.clear();
}

void ClearItem(DeclarationItem& item) {
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
void ResetDeclaration(Declaration& declaration) {
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

// Keys of a declaration object. docs/declarations.md lists the aliases (WCO
// Data Model names).
enum DeclarationKey : uint8_t {
  kId,
  kType,
  kLodgedAt,
  kOffice,
  kTransportMode,
  kOrigin,
  kDispatch,
  kDestination,
  kECommerce,
  kConsignor,
  kConsignee,
  kDeclarant,
  kRoute,
  kContainers,
  kItems,
};
constexpr std::array<KeySpec, 23> kDeclarationKeys = {{
    {"id", kId},
    {"declaration_id", kId},
    {"type", kType},
    {"declaration_type", kType},
    {"lodged_at", kLodgedAt},
    {"office", kOffice},
    {"customs_office", kOffice},
    {"transport_mode", kTransportMode},
    {"mode_of_transport", kTransportMode},
    {"origin", kOrigin},
    {"country_of_origin", kOrigin},
    {"dispatch", kDispatch},
    {"country_of_dispatch", kDispatch},
    {"destination", kDestination},
    {"country_of_destination", kDestination},
    {"e_commerce", kECommerce},
    {"consignor", kConsignor},
    {"consignee", kConsignee},
    {"declarant", kDeclarant},
    {"route", kRoute},
    {"containers", kContainers},
    {"items", kItems},
    {"goods_items", kItems},
}};

enum ItemKey : uint8_t {
  kItemHs,
  kItemDescription,
  kItemBrand,
  kItemQuantity,
  kItemUnit,
  kItemGrossKg,
  kItemValue,
  kItemCurrency,
};
constexpr std::array<KeySpec, 13> kItemKeys = {{
    {"hs", kItemHs},
    {"commodity_code", kItemHs},
    {"description", kItemDescription},
    {"goods_description", kItemDescription},
    {"brand", kItemBrand},
    {"quantity", kItemQuantity},
    {"unit", kItemUnit},
    {"gross_kg", kItemGrossKg},
    {"gross_mass", kItemGrossKg},
    {"value", kItemValue},
    {"invoice_amount", kItemValue},
    {"currency", kItemCurrency},
    {"invoice_currency", kItemCurrency},
}};

enum PartyKey : uint8_t { kPartyName, kPartyAddress, kPartyCountry };
constexpr std::array<KeySpec, 3> kPartyKeys = {{
    {"name", kPartyName},
    {"address", kPartyAddress},
    {"country", kPartyCountry},
}};

constexpr KeyTable kDeclarationTable(kDeclarationKeys);
constexpr KeyTable kItemTable(kItemKeys);
constexpr KeyTable kPartyTable(kPartyKeys);

// The bytes of a name of up to 16 bytes as two words, so that two such names
// compare with two integer comparisons once their sizes are known equal
// (overlapping loads; nothing is read outside the name).
struct NameWords {
  uint64_t head = 0;
  uint64_t tail = 0;
  bool operator==(const NameWords&) const = default;
};
constexpr size_t kMaxWordsName = 16;
CORDON_ALWAYS_INLINE NameWords WordsOf(std::string_view name) {
  const char* at = name.data();
  const size_t size = name.size();
  if (size >= 8) return {LoadWord<uint64_t>(at), LoadWord<uint64_t>(at + size - 8)};
  if (size >= 4) {
    return {LoadWord<uint32_t>(at) | uint64_t{LoadWord<uint32_t>(at + size - 4)} << 32, 0};
  }
  uint64_t word = 0;
  for (size_t index = 0; index < size; ++index) {
    word |= uint64_t{static_cast<uint8_t>(at[index])} << (8 * index);
  }
  return {word, 0};
}

// Looks names up in a KeyTable, remembering the order in which they came in
// the previous object of the same kind: producers write one fixed order, so a
// name usually costs one comparison with the expected one, made on words
// prepared when the name was remembered. (Profiles showed the hash lookup,
// stalled on loading the key's bytes, as the largest cost of walking a
// declaration, and then the comparisons.) Unknown names always take the
// table lookup.
class KeyPredictor {
 public:
  explicit KeyPredictor(const KeyTable& table) : table_(table) {}

  // Called at the start of each object.
  void Start() { position_ = 0; }

  // Inlined: the expected name matches almost always.
  CORDON_ALWAYS_INLINE uint8_t Find(std::string_view name) {
    const Expected& expected = order_[position_];
    if (expected.size == name.size() &&
        (expected.size <= kMaxWordsName ? WordsOf(name) == expected.words
                                        : SameText(expected.name, name))) {
      ++position_;
      return expected.key;
    }
    return Learn(name);
  }

 private:
  static constexpr size_t kRemembered = 32;
  static constexpr size_t kNoName = SIZE_MAX;  // never a name's size

  // Looks `name` up in the table and remembers it at this position.
  [[gnu::noinline]] uint8_t Learn(std::string_view name) {
    KeySpec spec = table_.FindSpec(name);
    if (position_ < kRemembered) {
      Expected& slot = order_[position_++];
      slot.name = spec.name;
      slot.size = spec.name.empty() ? kNoName : spec.name.size();
      slot.key = spec.key;
      if (slot.size <= kMaxWordsName) slot.words = WordsOf(spec.name);
    }
    return spec.key;
  }

  // A remembered name; an unknown one is not remembered (kNoName).
  struct Expected {
    NameWords words;  // when size <= kMaxWordsName
    size_t size = kNoName;
    std::string_view name;
    uint8_t key = KeyTable::kUnknown;
  };
  const KeyTable& table_;
  // One more than remembered, never filled, so that Find needs no bounds
  // check.
  std::array<Expected, kRemembered + 1> order_{};
  size_t position_ = 0;
};

// ---------------------------------------------------------------------------
// JSON.

namespace dom = simdjson::dom;

// Where a value sits in the JSON text, for messages: "items[0].hs",
// "consignor.country", "route[2]". Only turned into text on the error path.
struct JsonPath {
  std::string_view parent;  // "" at the top level
  long long index = -1;     // index in `parent` when it is an array, else -1
  std::string_view key;     // "" for an array entry

  std::string ToString() const {
    std::string text(parent);
    if (index >= 0) {
      text += '[';
      text += std::to_string(index);
      text += ']';
    }
    if (!key.empty()) {
      if (!text.empty()) text += '.';
      text += key;
    }
    return text;
  }
};

// Adds a problem at `path`. Kept out of line and marked cold, so that the
// error path (building the path's text) does not weigh on the readers, which
// run for every field of every declaration.
[[gnu::cold, gnu::noinline]] void Report(Problems& problems, const JsonPath& path,
                                         std::string_view message) {
  problems.Add(path.ToString(), message);
}

const char* JsonTypeName(dom::element_type type) {
  switch (type) {
    case dom::element_type::ARRAY:
      return "an array";
    case dom::element_type::OBJECT:
      return "an object";
    case dom::element_type::STRING:
      return "a string";
    case dom::element_type::INT64:
    case dom::element_type::UINT64:
    case dom::element_type::DOUBLE:
      return "a number";
    case dom::element_type::BOOL:
      return "true or false";
    case dom::element_type::NULL_VALUE:
      return "null";
  }
  return "something else";
}

// What a first pass over a line found.
enum class LineKind {
  kRefused,  // a control byte (invalid in strings, rare as whitespace) or invalid UTF-8
  kPlain,    // no backslash: no string needs unescaping
  kEscapes,  // backslashes (their quotes are still marked)
};

// Sets bit i of `quotes` (little-endian words as bytes) for each '"' at
// text[i], i < size, and says whether the line has backslashes, control
// bytes, or invalid UTF-8 (checked by simdjson when a byte is >= 0x80).
// `quotes` must hold size / 8 + 16 bytes.
LineKind ScanLineSse2(const char* text, size_t size, uint8_t* quotes) {
  uint32_t bad = 0;
  uint32_t escapes = 0;
  uint32_t high = 0;
#if defined(__SSE2__)
  const __m128i quote = _mm_set1_epi8('"');
  const __m128i backslash = _mm_set1_epi8('\\');
  const __m128i control = _mm_set1_epi8(0x1F);
  for (size_t at = 0; at < size; at += 16) {
    const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(text + at));
    const uint32_t keep = size - at >= 16 ? 0xFFFF : (uint32_t{1} << (size - at)) - 1;
    const uint32_t quotes_here =
        static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, quote))) & keep;
    bad |= static_cast<uint32_t>(_mm_movemask_epi8(
               _mm_cmpeq_epi8(_mm_max_epu8(bytes, control), control))) &
           keep;
    escapes |= static_cast<uint32_t>(_mm_movemask_epi8(_mm_cmpeq_epi8(bytes, backslash))) & keep;
    high |= static_cast<uint32_t>(_mm_movemask_epi8(bytes)) & keep;
    const uint16_t bits = static_cast<uint16_t>(quotes_here);
    std::memcpy(quotes + at / 8, &bits, sizeof(bits));
  }
#else
  std::memset(quotes, 0, size / 8 + 2);
  for (size_t at = 0; at < size; ++at) {
    const uint8_t byte = static_cast<uint8_t>(text[at]);
    if (byte == '"') quotes[at / 8] |= static_cast<uint8_t>(1u << (at % 8));
    bad |= byte < 0x20;
    escapes |= byte == '\\';
    high |= byte & 0x80;
  }
#endif
  if (bad != 0 || (high != 0 && !simdjson::validate_utf8(text, size))) return LineKind::kRefused;
  return escapes != 0 ? LineKind::kEscapes : LineKind::kPlain;
}

#if defined(__x86_64__)
// The same, 64 bytes at a time with AVX-512BW (checked at run time).
__attribute__((target("avx512f,avx512bw"))) LineKind ScanLineAvx512(const char* text,
                                                                      size_t size,
                                                                      uint8_t* quotes) {
  uint64_t bad = 0;
  uint64_t escapes = 0;
  uint64_t high = 0;
  const __m512i quote = _mm512_set1_epi8('"');
  const __m512i backslash = _mm512_set1_epi8('\\');
  const __m512i control = _mm512_set1_epi8(0x1F);
  for (size_t at = 0; at < size; at += 64) {
    const __m512i bytes = _mm512_loadu_si512(text + at);
    const uint64_t keep = size - at >= 64 ? ~uint64_t{0} : (uint64_t{1} << (size - at)) - 1;
    const uint64_t quotes_here = _mm512_cmpeq_epi8_mask(bytes, quote) & keep;
    bad |= _mm512_cmple_epu8_mask(bytes, control) & keep;
    escapes |= _mm512_cmpeq_epi8_mask(bytes, backslash) & keep;
    high |= _mm512_movepi8_mask(bytes) & keep;
    std::memcpy(quotes + at / 8, &quotes_here, sizeof(quotes_here));
  }
  if (bad != 0 || (high != 0 && !simdjson::validate_utf8(text, size))) return LineKind::kRefused;
  return escapes != 0 ? LineKind::kEscapes : LineKind::kPlain;
}
#endif

using ScanLineFn = LineKind (*)(const char*, size_t, uint8_t*);
ScanLineFn PickScanLine() {
#if defined(__x86_64__)
  if (__builtin_cpu_supports("avx512bw")) return ScanLineAvx512;
#endif
  return ScanLineSse2;
}

// Reads a declaration straight from its JSON text, for the common case: a
// valid declaration whose numbers are plain decimals, whose strings have no
// escaped surrogates, and whose only whitespace is spaces. It accepts a line
// only when simdjson's DOM and the walk of JsonDeclarationParser would
// accept it and produce the same Declaration; on anything else (a problem
// to report, a surrogate, an exponent, deep nesting in an ignored field,
// ...) it gives up, and the
// caller reads the line again through the DOM, which words the messages. So
// what is accepted, rejected and how errors read stay the DOM walk's.
// (Profiles showed simdjson's stage 2, building the tape, and the walk over
// it as two thirds of reading a declaration.)
//
// Every byte of the line is checked: a first pass over the whole line finds
// its quotes and refuses any control byte or invalid UTF-8; the structure is
// then checked by the grammar below, escapes as strings are read, numbers by
// the JSON grammar (a subset of it), and nothing may follow the object but
// spaces. (Without control bytes, the only JSON whitespace left is ' '.)
class DirectDeclarationReader {
 public:
  // text[size] must be '\0' and followed by 63 readable bytes: the '\0' stops
  // every scan at the end (it is valid nowhere in JSON).
  bool Read(const char* text, size_t size, Declaration& declaration) {
    if (quotes_.size() < size / 8 + 16) quotes_.resize(size / 8 + 16);
    const LineKind kind = scan_line_(text, size, quotes_.data());
    if (kind == LineKind::kRefused) return false;
    escapes_ = kind == LineKind::kEscapes;
    if (escapes_) UnmarkEscapedQuotes(text, size);
    // Zero bytes after the line's, for the window loads of String() (bits
    // past the end within the line's last byte are zero already).
    std::memset(quotes_.data() + (size + 7) / 8, 0, 15);
    base_ = text;
    size_ = size;
    at_ = text;
    // Two versions of the grammar: lines without escapes (almost all) skip
    // the test for them on every string.
    if (!(escapes_ ? ReadDeclaration<true>(declaration) : ReadDeclaration<false>(declaration))) {
      return false;
    }
    SkipSpace();
    return at_ == text + size;
  }

 private:
  // Nesting allowed in ignored fields before giving up (simdjson allows 1024).
  static constexpr int kMaxSkipDepth = 32;

  static bool IsDigit(char c) { return c >= '0' && c <= '9'; }

  // Spaces are rare in machine-written lines: every skip first tests the
  // expected byte and skips only when it is not there.
  CORDON_ALWAYS_INLINE void SkipSpace() {
    while (*at_ == ' ') ++at_;
  }
  CORDON_ALWAYS_INLINE bool Take(char c) {
    if (*at_ == c) {
      ++at_;
      return true;
    }
    SkipSpace();
    if (*at_ != c) return false;
    ++at_;
    return true;
  }

  // After a value: true at ',', false at `close` (each skipped); gives up
  // (*ok = false) on anything else.
  CORDON_ALWAYS_INLINE bool More(char close, bool* ok) {
    if (*at_ == ',') {
      ++at_;
      return true;
    }
    if (*at_ == close) {
      ++at_;
      return false;
    }
    SkipSpace();
    if (*at_ == ',') {
      ++at_;
      return true;
    }
    if (*at_ != close) *ok = false;
    ++at_;
    return false;
  }

  CORDON_ALWAYS_INLINE bool Literal(std::string_view word) {
    if (std::memcmp(at_, word.data(), word.size()) != 0) return false;
    at_ += word.size();
    return true;
  }

  // The position of the first quote at or after `from`, from the line's
  // quote bits; size_ when there is none.
  CORDON_ALWAYS_INLINE size_t NextQuote(size_t from) const {
    const uint64_t window = LoadWord<uint64_t>(reinterpret_cast<const char*>(quotes_.data()) + from / 8) >> (from % 8);
    if (window != 0) return from + static_cast<size_t>(std::countr_zero(window));
    return NextQuoteFar(from);
  }
  [[gnu::noinline]] size_t NextQuoteFar(size_t from) const {
    for (from = (from / 8 + 1) * 8; from < size_; from += 8) {
      const uint8_t byte = quotes_[from / 8];
      if (byte != 0) return from + static_cast<size_t>(std::countr_zero(byte));
    }
    return size_;
  }

  // A string at at_ (after spaces): its bytes (the line has no escapes).
  template <bool E>
  CORDON_ALWAYS_INLINE bool String(std::string_view* out) {
    if (*at_ != '"') {
      SkipSpace();
      if (*at_ != '"') return false;
    }
    const size_t from = static_cast<size_t>(at_ - base_) + 1;
    const size_t close = NextQuote(from);
    if (close >= size_) return false;
    std::string_view text(base_ + from, close - from);
    at_ = base_ + close + 1;
    if constexpr (E) {
      // (By value and through a member: a view passed by address would
      // have to live in memory in every caller.)
      if (!Unescape(text)) return false;
      text = unescaped_view_;
    }
    *out = text;
    return true;
  }

  // A backslash escapes the byte after it, so in a line with backslashes the
  // quotes they escape are no string's end. (Outside strings a backslash is
  // invalid, and the grammar stops at it before any quote after it counts.)
  void UnmarkEscapedQuotes(const char* text, size_t size) {
    const char* end = text + size;
    for (const char* at = text;
         (at = static_cast<const char*>(std::memchr(at, '\\', static_cast<size_t>(end - at))));
         at += 2) {
      const size_t escaped = static_cast<size_t>(at - text) + 1;
      if (escaped < size) {
        quotes_[escaped / 8] &= static_cast<uint8_t>(~(1u << (escaped % 8)));
      } else {
        break;
      }
    }
  }

  // `text` with its escapes decoded (when it has any) into unescaped_view_
  // (valid until the next string), as simdjson decodes them: the
  // one-character escapes, and \u escapes of code points outside the
  // surrogates (as UTF-8). Surrogates (pairs, and their errors) and bad hex
  // digits are left to the DOM.
  [[gnu::noinline]] bool Unescape(std::string_view text) {
    unescaped_view_ = text;
    const char* at = text.data();
    const char* end = at + text.size();
    if (std::memchr(at, '\\', text.size()) == nullptr) return true;
    unescaped_.clear();
    while (at < end) {
      const char* slash = static_cast<const char*>(std::memchr(at, '\\', static_cast<size_t>(end - at)));
      if (slash == nullptr) {
        unescaped_.append(at, static_cast<size_t>(end - at));
        break;
      }
      unescaped_.append(at, static_cast<size_t>(slash - at));
      if (slash + 1 >= end) return false;
      char decoded;
      switch (slash[1]) {
        case '"':
          decoded = '"';
          break;
        case '\\':
          decoded = '\\';
          break;
        case '/':
          decoded = '/';
          break;
        case 'b':
          decoded = '\b';
          break;
        case 'f':
          decoded = '\f';
          break;
        case 'n':
          decoded = '\n';
          break;
        case 'r':
          decoded = '\r';
          break;
        case 't':
          decoded = '\t';
          break;
        case 'u': {
          if (end - slash < 6) return false;
          uint32_t code = 0;
          for (int index = 2; index < 6; ++index) {
            const char c = slash[index];
            const uint32_t digit = c >= '0' && c <= '9'   ? static_cast<uint32_t>(c - '0')
                                   : c >= 'a' && c <= 'f' ? static_cast<uint32_t>(c - 'a' + 10)
                                   : c >= 'A' && c <= 'F' ? static_cast<uint32_t>(c - 'A' + 10)
                                                          : 16;
            if (digit == 16) return false;
            code = code * 16 + digit;
          }
          if (code >= 0xD800 && code <= 0xDFFF) return false;
          if (code < 0x80) {
            unescaped_.push_back(static_cast<char>(code));
          } else if (code < 0x800) {
            unescaped_.push_back(static_cast<char>(0xC0 | (code >> 6)));
            unescaped_.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          } else {
            unescaped_.push_back(static_cast<char>(0xE0 | (code >> 12)));
            unescaped_.push_back(static_cast<char>(0x80 | ((code >> 6) & 0x3F)));
            unescaped_.push_back(static_cast<char>(0x80 | (code & 0x3F)));
          }
          at = slash + 6;
          continue;
        }
        default:
          return false;
      }
      unescaped_.push_back(decoded);
      at = slash + 2;
    }
    unescaped_view_ = unescaped_;
    return true;
  }

  // A number in the subset -?(0|[1-9][0-9]*)(.[0-9]+)? with at most 18
  // digits in all, which simdjson always accepts.
  bool SkipNumber() {
    if (*at_ == '-') ++at_;
    const char* digits = at_;
    if (*at_ == '0') {
      ++at_;
    } else if (IsDigit(*at_)) {
      while (IsDigit(*at_)) ++at_;
    } else {
      return false;
    }
    ptrdiff_t count = at_ - digits;
    if (*at_ == '.') {
      ++at_;
      const char* fraction = at_;
      while (IsDigit(*at_)) ++at_;
      if (at_ == fraction) return false;
      count += at_ - fraction;
    }
    return count <= 18 && *at_ != 'e' && *at_ != 'E' && !IsDigit(*at_);
  }

  // Any JSON value of an ignored field, validated and passed over.
  template <bool E>
  bool SkipValue(int depth) {
    SkipSpace();
    switch (*at_) {
      case '"': {
        std::string_view text;
        return String<E>(&text);
      }
      case '{': {
        if (depth >= kMaxSkipDepth) return false;
        ++at_;
        SkipSpace();
        if (*at_ == '}') {
          ++at_;
          return true;
        }
        bool ok = true;
        do {
          std::string_view name;
          if (!String<E>(&name) || !Take(':') || !SkipValue<E>(depth + 1)) return false;
        } while (More('}', &ok));
        return ok;
      }
      case '[': {
        if (depth >= kMaxSkipDepth) return false;
        ++at_;
        SkipSpace();
        if (*at_ == ']') {
          ++at_;
          return true;
        }
        bool ok = true;
        do {
          if (!SkipValue<E>(depth + 1)) return false;
        } while (More(']', &ok));
        return ok;
      }
      case 't':
        return Literal("true");
      case 'f':
        return Literal("false");
      case 'n':
        return Literal("null");
      default:
        return SkipNumber();
    }
  }

  // Powers of ten that a double holds exactly.
  static constexpr std::array<double, 23> kPowersOfTen = {
      1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
      1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

  // Where the first byte that is not a digit is among the eight of `word`
  // (bytes in text order); 8 when all are digits.
  static size_t DigitsIn(uint64_t word) {
    constexpr uint64_t kHighNibbles = 0xF0F0F0F0F0F0F0F0ULL;
    constexpr uint64_t kThrees = 0x3030303030303030ULL;
    // A byte is a digit when its high nibble is 3, and still 3 after adding
    // 6 (which carries out of '9'). A carry can only go to later bytes.
    const uint64_t other = ((word & kHighNibbles) ^ kThrees) |
                           (((word + 0x0606060606060606ULL) & kHighNibbles) ^ kThrees);
    return other == 0 ? 8 : static_cast<size_t>(std::countr_zero(other)) / 8;
  }

  // The value of the first `count` (1 to 7) digits of `word`, by the
  // multiply-and-add of fast_float and simdjson on the digits moved to the
  // top of the word (leading zeros below them).
  static uint64_t DigitsValue(uint64_t word, size_t count) {
    uint64_t value = (word & 0x0F0F0F0F0F0F0F0FULL) << (8 * (8 - count));
    value = value * 10 + (value >> 8);
    value = (((value & 0x000000FF000000FFULL) * (100 + (1000000ULL << 32))) +
             (((value >> 16) & 0x000000FF000000FFULL) * (1 + (10000ULL << 32)))) >>
            32;
    return value;
  }

  // A non-negative amount: (0|[1-9][0-9]*)(.[0-9]+)? with at most 18 digits.
  // An integer is converted from int64 as simdjson's get_double() does; a
  // decimal is mantissa / 10^fraction digits, one correctly rounded division
  // when the mantissa is below 2^53 (the "fast path" simdjson takes too),
  // else std::from_chars, also correctly rounded. Negative amounts, exponents
  // and longer numbers are left to the DOM. Parts of up to seven digits (most
  // amounts) are read a word at a time.
  bool Amount(double* out) {
    const char* start = at_;
    const size_t whole = DigitsIn(LoadWord<uint64_t>(at_));
    if (whole == 0 || (whole > 1 && *at_ == '0')) return false;
    if (whole == 8) return LongAmount(out);
    uint64_t mantissa = DigitsValue(LoadWord<uint64_t>(at_), whole);
    at_ += whole;
    if (*at_ != '.') {
      if (*at_ == 'e' || *at_ == 'E') return false;
      *out = static_cast<double>(static_cast<int64_t>(mantissa));
      return true;
    }
    const size_t fraction = DigitsIn(LoadWord<uint64_t>(at_ + 1));
    if (fraction == 0) return false;
    if (fraction == 8) {
      at_ = start;
      return LongAmount(out);
    }
    mantissa = mantissa * static_cast<uint64_t>(kPowersOfTen[fraction]) +
               DigitsValue(LoadWord<uint64_t>(at_ + 1), fraction);
    at_ += 1 + fraction;
    if (*at_ == 'e' || *at_ == 'E') return false;
    // At most 14 digits: below 2^53.
    *out = static_cast<double>(mantissa) / kPowersOfTen[fraction];
    return true;
  }

  // Amount() for parts of eight digits or more, a digit at a time.
  [[gnu::noinline]] bool LongAmount(double* out) {
    const char* start = at_;
    uint64_t mantissa = 0;
    if (*at_ == '0') {
      ++at_;
    } else if (IsDigit(*at_)) {
      while (IsDigit(*at_)) mantissa = mantissa * 10 + static_cast<uint64_t>(*at_++ - '0');
    } else {
      return false;
    }
    const ptrdiff_t count = at_ - start;
    if (count > 18) return false;
    if (*at_ != '.') {
      if (*at_ == 'e' || *at_ == 'E' || IsDigit(*at_)) return false;
      *out = static_cast<double>(static_cast<int64_t>(mantissa));
      return true;
    }
    ++at_;
    const char* fraction = at_;
    while (IsDigit(*at_) && at_ - fraction < 19) {
      mantissa = mantissa * 10 + static_cast<uint64_t>(*at_++ - '0');
    }
    const ptrdiff_t fraction_digits = at_ - fraction;
    if (fraction_digits == 0 || count + fraction_digits > 18 || *at_ == 'e' || *at_ == 'E' ||
        IsDigit(*at_)) {
      return false;
    }
    if (mantissa < (uint64_t{1} << 53)) {
      *out = static_cast<double>(mantissa) / kPowersOfTen[static_cast<size_t>(fraction_digits)];
      return true;
    }
    std::from_chars_result result = std::from_chars(start, at_, *out);
    return result.ec == std::errc() && result.ptr == at_;
  }

  // Copies a value into `out`, which keeps its capacity from declaration to
  // declaration. A value of the same size as the one it replaces (codes,
  // mostly) is copied over it without a call into the string's code.
  CORDON_ALWAYS_INLINE static void Store(std::string& out, std::string_view text) {
    const size_t size = text.size();
    if (size != out.size()) {
      SetText(out, text);
      return;
    }
    char* to = out.data();
    const char* from = text.data();
    if (size > 16) {
      std::memcpy(to, from, size);
    } else if (size >= 8) {
      const uint64_t head = LoadWord<uint64_t>(from);
      const uint64_t tail = LoadWord<uint64_t>(from + size - 8);
      std::memcpy(to, &head, 8);
      std::memcpy(to + size - 8, &tail, 8);
    } else if (size >= 4) {
      const uint32_t head = LoadWord<uint32_t>(from);
      const uint32_t tail = LoadWord<uint32_t>(from + size - 4);
      std::memcpy(to, &head, 4);
      std::memcpy(to + size - 4, &tail, 4);
    } else if (size > 0) {
      to[0] = from[0];
      to[size / 2] = from[size / 2];
      to[size - 1] = from[size - 1];
    }
  }

  // A string value into `out`.
  template <bool E>
  CORDON_ALWAYS_INLINE bool Text(std::string& out) {
    std::string_view text;
    if (!String<E>(&text)) return false;
    Store(out, text);
    return true;
  }

  // A string that is empty or passes `Check`.
  template <bool E, std::string_view (*Check)(std::string_view)>
  CORDON_ALWAYS_INLINE bool Code(std::string& out) {
    std::string_view text;
    if (!String<E>(&text) || (!text.empty() && !Check(text).empty())) return false;
    Store(out, text);
    return true;
  }

  // Objects: calls field(key) for each known, first-time, non-null field at
  // at_ (the value's start); unknown fields are validated and skipped. Gives
  // up on a duplicate key (through an alias too).
  template <bool E, typename Field>
  CORDON_ALWAYS_INLINE bool Object(KeyPredictor& keys, uint32_t* read, Field&& field) {
    if (!Take('{')) return false;
    SkipSpace();
    if (*at_ == '}') {
      ++at_;
      return true;
    }
    keys.Start();
    uint32_t seen = 0;
    bool ok = true;
    do {
      std::string_view name;
      if (!String<E>(&name) || !Take(':')) return false;
      const uint8_t key = keys.Find(name);
      if (key == KeyTable::kUnknown) {
        if (!SkipValue<E>(0)) return false;
        continue;
      }
      const uint32_t bit = uint32_t{1} << key;
      if ((seen & bit) != 0) return false;
      seen |= bit;
      SkipSpace();
      if (*at_ == 'n') {
        if (!Literal("null")) return false;
        continue;
      }
      *read |= bit;
      if (!field(key)) return false;
    } while (More('}', &ok));
    return ok;
  }

  // A list of strings, each passing `Check`.
  template <bool E, std::string_view (*Check)(std::string_view)>
  bool StringList(std::vector<std::string>& list) {
    if (!Take('[')) return false;
    SkipSpace();
    size_t count = 0;
    bool ok = true;
    if (*at_ == ']') {
      ++at_;
    } else {
      do {
        std::string_view text;
        if (!String<E>(&text) || !Check(text).empty()) return false;
        Store(SlotAt(list, count++), text);
      } while (More(']', &ok));
    }
    list.resize(count);
    return ok;
  }

  // ParseTimestamp(text) into *out; false when it is not a timestamp. The
  // lines of a file mostly share their day: for the form
  // YYYY-MM-DDTHH:MM:SSZ, the day of the line before is reused when the date
  // is the same, and only the time is read (with ParseTimestamp's checks).
  bool LodgedAt(std::string_view text, std::optional<Timestamp>& out) {
    const bool utc = text.size() == 20 && text[10] == 'T' && text[13] == ':' &&
                     text[16] == ':' && text[19] == 'Z';
    if (utc && day_known_ && std::memcmp(text.data(), day_text_, 10) == 0) {
      auto two = [&](size_t at) {
        const char high = text[at];
        const char low = text[at + 1];
        return IsDigit(high) && IsDigit(low) ? (high - '0') * 10 + (low - '0') : -1;
      };
      const int hours = two(11);
      const int minutes = two(14);
      const int seconds = two(17);
      if (hours < 0 || hours > 23 || minutes < 0 || minutes > 59 || seconds < 0 || seconds > 60) {
        return false;
      }
      out = day_ + std::chrono::hours(hours) + std::chrono::minutes(minutes) +
            std::chrono::seconds(seconds);
      return true;
    }
    out = ParseTimestamp(text);
    if (!out) return false;
    if (utc) {
      std::memcpy(day_text_, text.data(), 10);
      day_ = Timestamp(std::chrono::sys_days(*ParseDate(text.substr(0, 10))));
      day_known_ = true;
    }
    return true;
  }

  // Fields are overwritten in place; those not given (or null) are cleared
  // at the end of their object.
  template <bool E>
  bool Party(DeclarationParty& party) {
    uint32_t read = 0;
    const bool ok = Object<E>(party_keys_, &read, [&](uint8_t key) {
      switch (key) {
        case kPartyName:
          return Text<E>(party.name);
        case kPartyAddress:
          return Text<E>(party.address);
        default:
          return Code<E, CheckCountry>(party.country);
      }
    });
    if (!Has(read, kPartyName)) party.name.clear();
    if (!Has(read, kPartyAddress)) party.address.clear();
    if (!Has(read, kPartyCountry)) party.country.clear();
    return ok;
  }

  static bool Has(uint32_t read, uint8_t key) { return (read & (uint32_t{1} << key)) != 0; }

  template <bool E>
  bool Item(DeclarationItem& item) {
    uint32_t read = 0;
    const bool ok = Object<E>(item_keys_, &read, [&](uint8_t key) {
      switch (key) {
        case kItemHs:
          return Text<E>(item.hs) && CheckHs(item.hs).empty();
        case kItemDescription:
          return Text<E>(item.description) && !IsBlank(item.description);
        case kItemBrand:
          return Text<E>(item.brand);
        case kItemQuantity:
          return Amount(&item.quantity);
        case kItemUnit:
          return Text<E>(item.unit);
        case kItemGrossKg:
          return Amount(&item.gross_kg);
        case kItemValue:
          return Amount(&item.value);
        default:
          return Code<E, CheckCurrency>(item.currency);
      }
    });
    // hs and description are required (and not empty when read).
    if (!ok || !Has(read, kItemHs) || !Has(read, kItemDescription)) return false;
    if (!Has(read, kItemBrand)) item.brand.clear();
    if (!Has(read, kItemQuantity)) item.quantity = 0;
    if (!Has(read, kItemUnit)) item.unit.clear();
    if (!Has(read, kItemGrossKg)) item.gross_kg = 0;
    if (!Has(read, kItemValue)) item.value = 0;
    if (!Has(read, kItemCurrency)) item.currency.clear();
    return true;
  }

  template <bool E>
  bool Items(std::vector<DeclarationItem>& items) {
    if (!Take('[')) return false;
    SkipSpace();
    if (*at_ == ']') return false;  // at least one item
    size_t count = 0;
    bool ok = true;
    do {
      if (!Item<E>(SlotAt(items, count++))) return false;
    } while (More(']', &ok));
    items.resize(count);
    return ok;
  }

  template <bool E>
  bool ReadDeclaration(Declaration& declaration) {
    uint32_t read = 0;
    const bool ok = Object<E>(declaration_keys_, &read, [&](uint8_t key) {
      switch (key) {
        case kId:
          return Text<E>(declaration.id) && !IsBlank(declaration.id);
        case kType:
          return Text<E>(declaration.type) && CheckType(declaration.type).empty();
        case kLodgedAt: {
          std::string_view text;
          if (!String<E>(&text)) return false;
          if (text.empty()) {
            declaration.lodged_at.reset();
            return true;
          }
          return LodgedAt(text, declaration.lodged_at);
        }
        case kOffice:
          return Code<E, CheckLocode>(declaration.office);
        case kTransportMode:
          return Code<E, CheckTransportMode>(declaration.transport_mode);
        case kOrigin:
          return Code<E, CheckCountry>(declaration.origin);
        case kDispatch:
          return Code<E, CheckCountry>(declaration.dispatch);
        case kDestination:
          return Code<E, CheckCountry>(declaration.destination);
        case kECommerce:
          if (Literal("true")) {
            declaration.e_commerce = true;
            return true;
          }
          declaration.e_commerce = false;
          return Literal("false");
        case kConsignor:
          return Party<E>(declaration.consignor);
        case kConsignee:
          return Party<E>(declaration.consignee);
        case kDeclarant:
          return Party<E>(declaration.declarant);
        case kRoute:
          return StringList<E, CheckLocode>(declaration.route);
        case kContainers:
          return StringList<E, CheckContainer>(declaration.containers);
        default:
          return Items<E>(declaration.items);
      }
    });
    // id, type, office and items are required (id and type are not empty
    // when read).
    if (!ok || !Has(read, kId) || !Has(read, kType) || !Has(read, kOffice) ||
        !Has(read, kItems) || declaration.office.empty()) {
      return false;
    }
    if (!Has(read, kLodgedAt)) declaration.lodged_at.reset();
    if (!Has(read, kTransportMode)) declaration.transport_mode.clear();
    if (!Has(read, kOrigin)) declaration.origin.clear();
    if (!Has(read, kDispatch)) declaration.dispatch.clear();
    if (!Has(read, kDestination)) declaration.destination.clear();
    if (!Has(read, kECommerce)) declaration.e_commerce = false;
    if (!Has(read, kConsignor)) ClearParty(declaration.consignor);
    if (!Has(read, kConsignee)) ClearParty(declaration.consignee);
    if (!Has(read, kDeclarant)) ClearParty(declaration.declarant);
    if (!Has(read, kRoute)) declaration.route.clear();
    if (!Has(read, kContainers)) declaration.containers.clear();
    return true;
  }

  const ScanLineFn scan_line_ = PickScanLine();
  std::vector<uint8_t> quotes_;  // bit i: text[i] is '"'
  const char* base_ = nullptr;
  size_t size_ = 0;
  const char* at_ = nullptr;
  bool escapes_ = false;     // whether the line has backslashes
  std::string unescaped_;    // the last string read that had escapes
  std::string_view unescaped_view_;  // the last string read in a line with escapes
  // The day of the last YYYY-MM-DDTHH:MM:SSZ timestamp read, and its text.
  bool day_known_ = false;
  char day_text_[10] = {};
  Timestamp day_{};
  KeyPredictor declaration_keys_{kDeclarationTable};
  KeyPredictor item_keys_{kItemTable};
  KeyPredictor party_keys_{kPartyTable};
};

// Turns one JSON declaration into a Declaration. One instance per thread: it
// owns simdjson's parser (and its buffers, reused from line to line).
class JsonDeclarationParser {
 public:
  // Parses text[0, size), which must be followed by simdjson::SIMDJSON_PADDING
  // writable bytes (their content does not matter; text[size] is overwritten).
  // On return `problems` is empty when *declaration is complete and valid;
  // otherwise *declaration holds what could be read (at least the id when it
  // was a string).
  // `direct` false reads through the DOM only (for tests comparing the two).
  void Parse(char* text, size_t size, Declaration* declaration, Problems* problems,
             bool direct = true) {
    text[size] = '\0';  // DirectDeclarationReader's end mark
    if (direct && direct_.Read(text, size, *declaration)) return;
    dom::element root;
    simdjson::error_code error = parser_.parse(text, size, /*realloc_if_needed=*/false).get(root);
    ResetDeclaration(*declaration);
    if (error != simdjson::SUCCESS) {
      problems->Add("", std::string("invalid JSON: ") + simdjson::error_message(error));
      return;
    }
    dom::object object;
    if (root.get_object().get(object) != simdjson::SUCCESS) {
      problems->Add("", std::string("must be a JSON object, not ") + JsonTypeName(root.type()));
      return;
    }
    ReadDeclaration(object, *declaration, *problems);
  }

 private:
  // A string value; false (reported) when it is of another type.
  static bool ReadString(dom::element value, const JsonPath& path, std::string& out,
                         Problems& problems) {
    std::string_view text;
    if (value.get_string().get(text) != simdjson::SUCCESS) {
      Report(problems, path, "must be a string");
      return false;
    }
    SetText(out, text);
    return true;
  }

  // A string that must pass `Check` when not empty; false when reported.
  // (The check is a template argument so that it is inlined: this runs for
  // about ten fields of every declaration.)
  template <std::string_view (*Check)(std::string_view)>
  static bool ReadCode(dom::element value, const JsonPath& path, std::string& out,
                       Problems& problems) {
    if (!ReadString(value, path, out, problems)) return false;
    if (out.empty()) return true;
    std::string_view message = Check(out);
    if (message.empty()) return true;
    Report(problems, path, message);
    return false;
  }

  static void ReadAmount(dom::element value, const JsonPath& path, double& out,
                         Problems& problems) {
    // Numbers given as strings ("1200") are rejected: a feed that quotes
    // numbers usually has other surprises, better caught than guessed at.
    if (value.get_double().get(out) != simdjson::SUCCESS) {
      Report(problems, path, "must be a number");
      out = 0;
      return;
    }
    std::string_view message = CheckAmount(out);
    if (!message.empty()) Report(problems, path, message);
  }

  void ReadParty(dom::element value, const JsonPath& path, DeclarationParty& party,
                 Problems& problems) {
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      Report(problems, path, "must be an object");
      return;
    }
    uint32_t seen = 0;
    party_keys_.Start();
    for (dom::key_value_pair field : object) {
      uint8_t key = party_keys_.Find(field.key);
      if (key == KeyTable::kUnknown) continue;
      JsonPath field_path{path.key, -1, field.key};
      if (!FirstTime(seen, key, field_path, problems) || field.value.is_null()) continue;
      switch (key) {
        case kPartyName:
          ReadString(field.value, field_path, party.name, problems);
          break;
        case kPartyAddress:
          ReadString(field.value, field_path, party.address, problems);
          break;
        case kPartyCountry:
          ReadCode<CheckCountry>(field.value, field_path, party.country, problems);
          break;
      }
    }
  }

  // A list of strings, each passing `Check`.
  template <std::string_view (*Check)(std::string_view)>
  static void ReadStringList(dom::element value, const JsonPath& path,
                             std::vector<std::string>& list, Problems& problems) {
    size_t count = 0;
    dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) {
      Report(problems, path, "must be an array");
    } else {
      for (dom::element entry : array) {
        JsonPath entry_path{path.key, static_cast<long long>(count), ""};
        std::string& slot = SlotAt(list, count);
        ++count;
        if (!ReadString(entry, entry_path, slot, problems)) continue;
        std::string_view message = Check(slot);
        if (!message.empty()) Report(problems, entry_path, message);
      }
    }
    list.resize(count);
  }

  // False (and reported) when the key, or an alias of it, was seen before in
  // the same object: the first one counts.
  static bool FirstTime(uint32_t& seen, uint8_t key, const JsonPath& path, Problems& problems) {
    uint32_t bit = uint32_t{1} << key;
    if ((seen & bit) != 0) {
      Report(problems, path, "given more than once (directly or through an alias)");
      return false;
    }
    seen |= bit;
    return true;
  }

  void ReadItem(dom::element value, const JsonPath& path, DeclarationItem& item,
                Problems& problems) {
    ClearItem(item);
    dom::object object;
    if (value.get_object().get(object) != simdjson::SUCCESS) {
      Report(problems, path, "must be an object");
      return;
    }
    uint32_t seen = 0;
    bool hs_reported = false;
    bool description_reported = false;
    item_keys_.Start();
    for (dom::key_value_pair field : object) {
      uint8_t key = item_keys_.Find(field.key);
      if (key == KeyTable::kUnknown) continue;
      JsonPath field_path{path.parent, path.index, field.key};  // "items[3].hs"
      if (!FirstTime(seen, key, field_path, problems) || field.value.is_null()) continue;
      switch (key) {
        case kItemHs:
          if (!ReadString(field.value, field_path, item.hs, problems)) {
            hs_reported = true;
          } else if (std::string_view message = item.hs.empty() ? kRequired : CheckHs(item.hs);
                     !message.empty()) {
            Report(problems, field_path, message);
            hs_reported = true;
          }
          break;
        case kItemDescription:
          if (!ReadString(field.value, field_path, item.description, problems)) {
            description_reported = true;
          } else if (IsBlank(item.description)) {
            Report(problems, field_path, kNotEmpty);
            description_reported = true;
          }
          break;
        case kItemBrand:
          ReadString(field.value, field_path, item.brand, problems);
          break;
        case kItemQuantity:
          ReadAmount(field.value, field_path, item.quantity, problems);
          break;
        case kItemUnit:
          ReadString(field.value, field_path, item.unit, problems);
          break;
        case kItemGrossKg:
          ReadAmount(field.value, field_path, item.gross_kg, problems);
          break;
        case kItemValue:
          ReadAmount(field.value, field_path, item.value, problems);
          break;
        case kItemCurrency:
          ReadCode<CheckCurrency>(field.value, field_path, item.currency, problems);
          break;
      }
    }
    if (item.hs.empty() && !hs_reported) {
      Report(problems, JsonPath{path.parent, path.index, "hs"}, kRequired);
    }
    if (item.description.empty() && !description_reported) {
      Report(problems, JsonPath{path.parent, path.index, "description"}, kRequired);
    }
  }

  // False when something in the items was reported.
  bool ReadItems(dom::element value, const JsonPath& path, std::vector<DeclarationItem>& items,
                 Problems& problems) {
    const size_t before = problems.size();
    size_t count = 0;
    dom::array array;
    if (value.get_array().get(array) != simdjson::SUCCESS) {
      Report(problems, path, "must be an array");
    } else {
      for (dom::element entry : array) {
        ReadItem(entry, JsonPath{path.key, static_cast<long long>(count), ""}, SlotAt(items, count),
                 problems);
        ++count;
      }
      if (count == 0) Report(problems, path, "must have at least one item");
    }
    items.resize(count);
    return problems.size() == before;
  }

  void ReadDeclaration(dom::object object, Declaration& declaration, Problems& problems) {
    uint32_t seen = 0;
    // Required keys that were present (not null) and already reported, so a
    // missing required field is not reported a second time as "is required".
    uint32_t reported = 0;
    // Keys whose value was read (present and not null).
    uint32_t read = 0;
    declaration_keys_.Start();
    for (dom::key_value_pair field : object) {
      uint8_t key = declaration_keys_.Find(field.key);
      if (key == KeyTable::kUnknown) continue;  // unknown fields are ignored
      JsonPath path{"", -1, field.key};
      if (!FirstTime(seen, key, path, problems) || field.value.is_null()) continue;
      read |= uint32_t{1} << key;
      dom::element value = field.value;
      // Whether a required field was read without a problem.
      bool clean = true;
      switch (key) {
        case kId:
          if (!ReadString(value, path, declaration.id, problems)) {
            clean = false;
          } else if (IsBlank(declaration.id)) {
            Report(problems, path, kNotEmpty);
            clean = false;
          }
          break;
        case kType:
          if (!ReadString(value, path, declaration.type, problems)) {
            clean = false;
          } else if (std::string_view message = CheckType(declaration.type); !message.empty()) {
            Report(problems, path, message);
            clean = false;
          }
          break;
        case kLodgedAt: {
          std::string_view text;
          if (value.get_string().get(text) != simdjson::SUCCESS) {
            Report(problems, path, "must be a string");
          } else if (!text.empty()) {
            declaration.lodged_at = ParseTimestamp(text);
            if (!declaration.lodged_at) Report(problems, path, kTimestampMessage);
          }
          break;
        }
        case kOffice:
          clean = ReadCode<CheckLocode>(value, path, declaration.office, problems);
          break;
        case kTransportMode:
          ReadCode<CheckTransportMode>(value, path, declaration.transport_mode, problems);
          break;
        case kOrigin:
          ReadCode<CheckCountry>(value, path, declaration.origin, problems);
          break;
        case kDispatch:
          ReadCode<CheckCountry>(value, path, declaration.dispatch, problems);
          break;
        case kDestination:
          ReadCode<CheckCountry>(value, path, declaration.destination, problems);
          break;
        case kECommerce:
          if (value.get_bool().get(declaration.e_commerce) != simdjson::SUCCESS) {
            Report(problems, path, "must be true or false");
            declaration.e_commerce = false;
          }
          break;
        case kConsignor:
          ReadParty(value, path, declaration.consignor, problems);
          break;
        case kConsignee:
          ReadParty(value, path, declaration.consignee, problems);
          break;
        case kDeclarant:
          ReadParty(value, path, declaration.declarant, problems);
          break;
        case kRoute:
          ReadStringList<CheckLocode>(value, path, declaration.route, problems);
          break;
        case kContainers:
          ReadStringList<CheckContainer>(value, path, declaration.containers, problems);
          break;
        case kItems:
          clean = ReadItems(value, path, declaration.items, problems);
          break;
      }
      if (!clean) reported |= uint32_t{1} << key;
    }
    // Lists that were absent or null must not keep entries of an earlier
    // declaration.
    bool items_read = (read & (uint32_t{1} << kItems)) != 0;
    if ((read & (uint32_t{1} << kRoute)) == 0) declaration.route.clear();
    if ((read & (uint32_t{1} << kContainers)) == 0) declaration.containers.clear();
    if (!items_read) declaration.items.clear();

    auto require = [&](bool missing, DeclarationKey key, std::string_view name) {
      if (missing && (reported & (uint32_t{1} << key)) == 0) {
        problems.Add(std::string(name), kRequired);
      }
    };
    require(declaration.id.empty(), kId, "id");
    require(declaration.type.empty(), kType, "type");
    require(declaration.office.empty(), kOffice, "office");
    require(!items_read, kItems, "items");
  }

  DirectDeclarationReader direct_;
  dom::parser parser_;
  KeyPredictor declaration_keys_{kDeclarationTable};
  KeyPredictor item_keys_{kItemTable};
  KeyPredictor party_keys_{kPartyTable};
};

// ---------------------------------------------------------------------------
// JSON Lines.

class JsonLinesSource final : public DeclarationSource {
 public:
  explicit JsonLinesSource(std::istream& input)
      : input_(input), buffer_(NewBuffer(kInitialBufferBytes)) {}

  ReadOutcome Next(Declaration* declaration, ReadError* error) override {
    while (true) {
      std::string_view line;
      LineStatus status = NextLine(&line);
      if (status == LineStatus::kEnd) return ReadOutcome::kEnd;
      if (status == LineStatus::kTooLong) {
        error->line = line_number_;
        error->id.clear();
        error->reason = "line ";
        error->reason += kTooLongMessage;
        return ReadOutcome::kError;
      }
      if (line_number_ == 1 && line.substr(0, 3) == "\xEF\xBB\xBF") line.remove_prefix(3);
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      if (IsBlank(line)) continue;

      problems_.Clear();
      // The line lies in buffer_, which is ours to write (Parse marks its end).
      char* text = buffer_.get() + (line.data() - buffer_.get());
      parser_.Parse(text, line.size(), declaration, &problems_);
      if (problems_.empty()) return ReadOutcome::kDeclaration;
      error->line = line_number_;
      error->id = declaration->id;
      error->reason = problems_.Joined();
      return ReadOutcome::kError;
    }
  }

 private:
  // The buffer starts small (opening a source is cheap) and grows, only for
  // long lines, up to one line of the limit plus as much again to read into,
  // so compacting moves at most one partial line per refill.
  static constexpr size_t kInitialBufferBytes = size_t{64} << 10;
  static constexpr size_t kMaxBufferBytes = 2 * kMaxDeclarationBytes;

  // Value-initialised, so the padding simdjson may read is defined bytes.
  static std::unique_ptr<char[]> NewBuffer(size_t capacity) {
    return std::make_unique<char[]>(capacity + simdjson::SIMDJSON_PADDING);
  }

  enum class LineStatus { kLine, kTooLong, kEnd };

  // The next physical line without its '\n'; it stays valid (with readable
  // padding after it) until the next call.
  LineStatus NextLine(std::string_view* line) {
    while (true) {
      const void* newline = std::memchr(buffer_.get() + scan_, '\n', end_ - scan_);
      if (newline != nullptr) {
        size_t stop = static_cast<size_t>(static_cast<const char*>(newline) - buffer_.get());
        *line = std::string_view(buffer_.get() + begin_, stop - begin_);
        begin_ = scan_ = stop + 1;
        ++line_number_;
        return line->size() > kMaxDeclarationBytes ? LineStatus::kTooLong : LineStatus::kLine;
      }
      scan_ = end_;
      if (end_ - begin_ > kMaxDeclarationBytes) {
        ++line_number_;
        SkipRestOfLine();
        return LineStatus::kTooLong;
      }
      if (eof_) {
        if (begin_ == end_) return LineStatus::kEnd;
        *line = std::string_view(buffer_.get() + begin_, end_ - begin_);
        begin_ = scan_ = end_;
        ++line_number_;
        return LineStatus::kLine;
      }
      Fill();
    }
  }

  // Drops the buffered part of an over-long line and reads on to its end, so
  // memory stays bounded whatever the line's length.
  void SkipRestOfLine() {
    while (true) {
      begin_ = scan_ = end_;
      if (eof_) return;
      Fill();
      const void* newline = std::memchr(buffer_.get() + begin_, '\n', end_ - begin_);
      if (newline != nullptr) {
        begin_ = scan_ = static_cast<size_t>(static_cast<const char*>(newline) - buffer_.get()) + 1;
        return;
      }
    }
  }

  // Moves the unread part to the front and reads as much as fits.
  void Fill() {
    if (begin_ > 0) {
      std::memmove(buffer_.get(), buffer_.get() + begin_, end_ - begin_);
      end_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    if (end_ > capacity_ / 2 && capacity_ < kMaxBufferBytes) {
      size_t capacity = std::min(2 * capacity_, kMaxBufferBytes);
      std::unique_ptr<char[]> bigger = NewBuffer(capacity);
      std::memcpy(bigger.get(), buffer_.get(), end_);
      buffer_ = std::move(bigger);
      capacity_ = capacity;
    }
    size_t wanted = capacity_ - end_;
    input_.read(buffer_.get() + end_, static_cast<std::streamsize>(wanted));
    size_t got = static_cast<size_t>(input_.gcount());
    end_ += got;
    // istream::read only returns short at the end of the input (or on error).
    if (got < wanted) eof_ = true;
  }

  std::istream& input_;
  std::unique_ptr<char[]> buffer_;  // capacity_ bytes plus simdjson's padding
  size_t capacity_ = kInitialBufferBytes;
  size_t begin_ = 0;  // start of the unread data
  size_t scan_ = 0;   // where the search for '\n' goes on
  size_t end_ = 0;    // end of the data read
  bool eof_ = false;
  long long line_number_ = 0;  // of the line returned last
  JsonDeclarationParser parser_;
  Problems problems_;
};

// ---------------------------------------------------------------------------
// CSV.

// One CSV record; `cells` is reused from record to record and only
// cells[0, count) belong to the current one.
struct CsvRecord {
  std::vector<std::string> cells;
  size_t count = 0;
  long long line = 0;   // physical line where the record starts
  size_t bytes = 0;     // input bytes the record took
  std::string problem;  // what is structurally wrong with it, empty when fine
};

// Splits a stream into RFC 4180 records. Resumable at any byte, so a record
// may span any number of buffer refills and is never copied twice.
class CsvTokenizer {
 public:
  explicit CsvTokenizer(std::istream& input)
      : input_(input), buffer_(std::make_unique<char[]>(kBufferBytes)) {}

  // The next record that is not a blank line; false at the end of the input.
  bool Next(CsvRecord* record) {
    while (true) {
      switch (ReadRecord(record)) {
        case Outcome::kRecord:
          return true;
        case Outcome::kBlank:
          continue;
        case Outcome::kEnd:
          return false;
      }
    }
  }

 private:
  static constexpr size_t kBufferBytes = size_t{64} << 10;

  enum class Outcome { kRecord, kBlank, kEnd };
  enum class State { kFieldStart, kUnquoted, kQuoted, kAfterQuote, kCarriageReturn };

  static bool IsSpecial(char c) { return c == ',' || c == '\n' || c == '\r'; }

  // Line feeds inside a quoted run are rare: memchr skips to them.
  static long long CountLineFeeds(std::string_view run) {
    long long count = 0;
    const char* at = run.data();
    const char* end = at + run.size();
    while (const void* found = std::memchr(at, '\n', static_cast<size_t>(end - at))) {
      ++count;
      at = static_cast<const char*>(found) + 1;
    }
    return count;
  }

  // The first of ',', '\n', '\r' in [at, end), or end. Sixteen bytes at a
  // time with SSE2, then eight at a time (the classic "has a zero byte" test
  // on the word XORed with each character; the lowest flagged byte is always
  // a true match), then one by one.
  static size_t FindSpecial(const char* data, size_t at, size_t end) {
#if defined(__SSE2__)
    // Sixteen bytes at a time where SSE2 is there (every x86-64).
    const __m128i comma = _mm_set1_epi8(',');
    const __m128i line_feed = _mm_set1_epi8('\n');
    const __m128i carriage_return = _mm_set1_epi8('\r');
    for (; at + 16 <= end; at += 16) {
      const __m128i bytes = _mm_loadu_si128(reinterpret_cast<const __m128i*>(data + at));
      const __m128i found =
          _mm_or_si128(_mm_or_si128(_mm_cmpeq_epi8(bytes, comma), _mm_cmpeq_epi8(bytes, line_feed)),
                       _mm_cmpeq_epi8(bytes, carriage_return));
      if (const int mask = _mm_movemask_epi8(found); mask != 0) {
        return at + static_cast<size_t>(std::countr_zero(static_cast<unsigned>(mask)));
      }
    }
#endif
    constexpr uint64_t kOnes = 0x0101010101010101ULL;
    constexpr uint64_t kHighs = 0x8080808080808080ULL;
    auto zero_bytes = [](uint64_t word) { return (word - kOnes) & ~word & kHighs; };
    for (; at + 8 <= end; at += 8) {
      uint64_t word = LoadWord<uint64_t>(data + at);
      uint64_t found = zero_bytes(word ^ (kOnes * ',')) | zero_bytes(word ^ (kOnes * '\n')) |
                       zero_bytes(word ^ (kOnes * '\r'));
      if (found != 0) {
        // Bytes are loaded little-endian on the targets Cordon supports.
        static_assert(std::endian::native == std::endian::little);
        return at + static_cast<size_t>(std::countr_zero(found) / 8);
      }
    }
    while (at < end && !IsSpecial(data[at])) ++at;
    return at;
  }

  Outcome ReadRecord(CsvRecord* record) {
    record->count = 0;
    record->bytes = 0;
    record->problem.clear();
    bool started = false;
    cell_quoted_ = false;
    State state = State::kFieldStart;
    while (true) {
      if (pos_ == end_ && !Refill()) {
        if (!started) return Outcome::kEnd;
        if (state == State::kQuoted) SetProblem(record, "unterminated quoted field");
        return Finish(record);
      }
      switch (state) {
        case State::kFieldStart:
          if (!started) {
            started = true;
            record->line = line_;
            StartCell(record);
          }
          cell_quoted_ = false;
          if (buffer_[pos_] == '"') {
            cell_quoted_ = true;
            ++pos_;
            ++record->bytes;
            state = State::kQuoted;
            break;
          }
          state = State::kUnquoted;
          [[fallthrough]];
        case State::kUnquoted: {
          size_t start = pos_;
          pos_ = FindSpecial(buffer_.get(), pos_, end_);
          // A quote inside an unquoted field is taken literally (as most
          // writers and readers do), not as an error.
          Append(record, std::string_view(buffer_.get() + start, pos_ - start));
          if (pos_ == end_) break;
          char c = buffer_[pos_++];
          ++record->bytes;
          if (c == ',') {
            StartCell(record);
            state = State::kFieldStart;
          } else if (c == '\n') {
            ++line_;
            return Finish(record);
          } else {
            state = State::kCarriageReturn;
          }
          break;
        }
        case State::kQuoted: {
          const void* quote = std::memchr(buffer_.get() + pos_, '"', end_ - pos_);
          size_t stop = quote != nullptr
                            ? static_cast<size_t>(static_cast<const char*>(quote) - buffer_.get())
                            : end_;
          std::string_view run(buffer_.get() + pos_, stop - pos_);
          line_ += CountLineFeeds(run);
          Append(record, run);
          pos_ = stop;
          if (quote != nullptr) {
            ++pos_;
            ++record->bytes;
            state = State::kAfterQuote;
          }
          break;
        }
        case State::kAfterQuote: {
          char c = buffer_[pos_++];
          ++record->bytes;
          if (c == '"') {
            Append(record, "\"");
            state = State::kQuoted;
          } else if (c == ',') {
            StartCell(record);
            state = State::kFieldStart;
          } else if (c == '\n') {
            ++line_;
            return Finish(record);
          } else if (c == '\r') {
            state = State::kCarriageReturn;
          } else {
            SetProblem(record, "unexpected character after the closing quote of field " +
                                   std::to_string(record->count));
            // Read on as plain text to find the record's end.
            Append(record, std::string_view(&c, 1));
            state = State::kUnquoted;
          }
          break;
        }
        case State::kCarriageReturn:
          if (buffer_[pos_] == '\n') {
            ++pos_;
            ++record->bytes;
            ++line_;
            return Finish(record);
          }
          // A carriage return not followed by a line feed is data.
          if (cell_quoted_) {
            SetProblem(record, "unexpected character after the closing quote of field " +
                                   std::to_string(record->count));
          }
          Append(record, "\r");
          state = State::kUnquoted;
          break;
      }
    }
  }

  Outcome Finish(CsvRecord* record) {
    bool blank = record->count == 1 && record->cells[0].empty() && !cell_quoted_;
    return blank && record->problem.empty() ? Outcome::kBlank : Outcome::kRecord;
  }

  static void SetProblem(CsvRecord* record, std::string problem) {
    if (record->problem.empty()) record->problem = std::move(problem);
  }

  // Cells and their bytes stop growing once the record passes the limit; the
  // record is then reported, and read to its end so the next one is found.
  void StartCell(CsvRecord* record) {
    if (record->bytes > kMaxDeclarationBytes) return;
    std::string& cell = SlotAt(record->cells, record->count);
    cell.clear();
    ++record->count;
  }

  void Append(CsvRecord* record, std::string_view text) {
    record->bytes += text.size();
    if (record->bytes > kMaxDeclarationBytes) {
      SetProblem(record, std::string(kTooLongMessage));
      return;
    }
    record->cells[record->count - 1].append(text);
  }

  bool Refill() {
    if (eof_) return false;
    input_.read(buffer_.get(), static_cast<std::streamsize>(kBufferBytes));
    end_ = static_cast<size_t>(input_.gcount());
    pos_ = 0;
    if (end_ < kBufferBytes) eof_ = true;
    if (first_read_) {
      first_read_ = false;
      if (std::string_view(buffer_.get(), end_).substr(0, 3) == "\xEF\xBB\xBF") pos_ = 3;
    }
    return pos_ < end_;
  }

  std::istream& input_;
  std::unique_ptr<char[]> buffer_;
  size_t pos_ = 0;
  size_t end_ = 0;
  bool eof_ = false;
  bool first_read_ = true;
  bool cell_quoted_ = false;  // the current cell started with a quote
  long long line_ = 1;        // physical line of the byte at pos_
};

// What a CSV column holds. Declaration-level columns come first; every
// column from kFirstItemColumn on is an item column.
enum class CsvColumn : uint8_t {
  kId,
  kType,
  kLodgedAt,
  kOffice,
  kTransportMode,
  kOrigin,
  kDispatch,
  kDestination,
  kECommerce,
  kConsignorName,
  kConsignorAddress,
  kConsignorCountry,
  kConsigneeName,
  kConsigneeAddress,
  kConsigneeCountry,
  kDeclarantName,
  kDeclarantAddress,
  kDeclarantCountry,
  kRoute,
  kContainers,
  kItemHs,
  kItemDescription,
  kItemBrand,
  kItemQuantity,
  kItemUnit,
  kItemGrossKg,
  kItemValue,
  kItemCurrency,
  kIgnored,
};
constexpr uint8_t kFirstItemColumn = static_cast<uint8_t>(CsvColumn::kItemHs);
constexpr size_t kCsvColumnCount = static_cast<size_t>(CsvColumn::kIgnored);

KeySpec Column(std::string_view name, CsvColumn column) {
  return KeySpec{name, static_cast<uint8_t>(column)};
}

const KeyTable& CsvColumns() {
  static const KeyTable table(std::array<KeySpec, 40>{{
      Column("id", CsvColumn::kId),
      Column("declaration_id", CsvColumn::kId),
      Column("type", CsvColumn::kType),
      Column("declaration_type", CsvColumn::kType),
      Column("lodged_at", CsvColumn::kLodgedAt),
      Column("office", CsvColumn::kOffice),
      Column("customs_office", CsvColumn::kOffice),
      Column("transport_mode", CsvColumn::kTransportMode),
      Column("mode_of_transport", CsvColumn::kTransportMode),
      Column("origin", CsvColumn::kOrigin),
      Column("country_of_origin", CsvColumn::kOrigin),
      Column("dispatch", CsvColumn::kDispatch),
      Column("country_of_dispatch", CsvColumn::kDispatch),
      Column("destination", CsvColumn::kDestination),
      Column("country_of_destination", CsvColumn::kDestination),
      Column("e_commerce", CsvColumn::kECommerce),
      Column("consignor_name", CsvColumn::kConsignorName),
      Column("consignor_address", CsvColumn::kConsignorAddress),
      Column("consignor_country", CsvColumn::kConsignorCountry),
      Column("consignee_name", CsvColumn::kConsigneeName),
      Column("consignee_address", CsvColumn::kConsigneeAddress),
      Column("consignee_country", CsvColumn::kConsigneeCountry),
      Column("declarant_name", CsvColumn::kDeclarantName),
      Column("declarant_address", CsvColumn::kDeclarantAddress),
      Column("declarant_country", CsvColumn::kDeclarantCountry),
      Column("route", CsvColumn::kRoute),
      Column("containers", CsvColumn::kContainers),
      Column("item_hs", CsvColumn::kItemHs),
      Column("item_commodity_code", CsvColumn::kItemHs),
      Column("item_description", CsvColumn::kItemDescription),
      Column("item_goods_description", CsvColumn::kItemDescription),
      Column("item_brand", CsvColumn::kItemBrand),
      Column("item_quantity", CsvColumn::kItemQuantity),
      Column("item_unit", CsvColumn::kItemUnit),
      Column("item_gross_kg", CsvColumn::kItemGrossKg),
      Column("item_gross_mass", CsvColumn::kItemGrossKg),
      Column("item_value", CsvColumn::kItemValue),
      Column("item_invoice_amount", CsvColumn::kItemValue),
      Column("item_currency", CsvColumn::kItemCurrency),
      Column("item_invoice_currency", CsvColumn::kItemCurrency),
  }});
  return table;
}

constexpr std::array<std::pair<CsvColumn, std::string_view>, 5> kRequiredCsvColumns = {{
    {CsvColumn::kId, "id"},
    {CsvColumn::kType, "type"},
    {CsvColumn::kOffice, "office"},
    {CsvColumn::kItemHs, "item_hs"},
    {CsvColumn::kItemDescription, "item_description"},
}};

// Separator of the entries of the route and containers columns.
constexpr char kCsvListSeparator = '|';

// A decimal number filling the whole cell; empty means 0 (not declared).
std::string_view ParseCsvAmount(std::string_view text, double& out) {
  out = 0;
  if (text.empty()) return {};
  auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), out);
  if (error != std::errc() || end != text.data() + text.size()) {
    out = 0;
    return "must be a number such as 1200 or 900.5";
  }
  return CheckAmount(out);
}

class CsvSource final : public DeclarationSource {
 public:
  explicit CsvSource(std::istream& input) : tokenizer_(input) {}

  ReadOutcome Next(Declaration* declaration, ReadError* error) override {
    if (!header_read_) {
      header_read_ = true;
      if (!ReadHeader(error)) {
        done_ = true;
        return error->reason.empty() ? ReadOutcome::kEnd : ReadOutcome::kError;
      }
    }
    if (done_) return ReadOutcome::kEnd;

    if (has_pending_) {
      std::swap(row_, pending_);
      has_pending_ = false;
    } else if (!tokenizer_.Next(&row_)) {
      done_ = true;
      return ReadOutcome::kEnd;
    }

    problems_.Clear();
    ResetDeclaration(*declaration);
    declaration->route.clear();
    declaration->containers.clear();
    group_line_ = row_.line;
    group_has_id_ = RowId(row_, &group_id_);
    size_t item_count = 0;
    bool first_well_formed = RowIsWellFormed(row_);
    if (first_well_formed) {
      for (size_t column = 0; column < columns_.size(); ++column) {
        if (columns_[column] < kFirstItemColumn) ReadDeclarationCell(column, *declaration);
      }
      ReadItemCells(row_, SlotAt(declaration->items, item_count++));
    }
    std::swap(first_, row_);
    size_t group_bytes = first_.bytes;
    bool too_long = false;

    // Rows with the same id that follow belong to the same declaration.
    while (group_has_id_) {
      if (!tokenizer_.Next(&row_)) break;
      std::string_view row_id;
      if (!RowId(row_, &row_id) || row_id != group_id_) {
        std::swap(row_, pending_);
        has_pending_ = true;
        break;
      }
      group_bytes += row_.bytes;
      if (group_bytes > kMaxDeclarationBytes) {
        if (!too_long) problems_.Add("declaration", kRowsTooLongMessage);
        too_long = true;
        continue;  // read on to the declaration's end, keeping nothing
      }
      if (!RowIsWellFormed(row_)) continue;
      for (size_t column = 0; first_well_formed && column < columns_.size(); ++column) {
        if (columns_[column] >= kFirstItemColumn) continue;
        if (row_.cells[column] != first_.cells[column]) {
          problems_.Add(CellName(column, row_.line),
                        "differs from the declaration's first row (line " +
                            std::to_string(first_.line) + ")");
        }
      }
      ReadItemCells(row_, SlotAt(declaration->items, item_count++));
    }
    declaration->items.resize(item_count);

    if (problems_.empty()) return ReadOutcome::kDeclaration;
    error->line = group_line_;
    // Only a readable id: error records end up in JSON output.
    bool readable_id = group_has_id_ && simdjson::validate_utf8(group_id_.data(), group_id_.size());
    error->id = readable_id ? group_id_ : std::string();
    error->reason = problems_.Joined();
    return ReadOutcome::kError;
  }

 private:
  // Reads the header row. False with error->reason empty on empty input,
  // false with an error filled in when the header is unusable.
  bool ReadHeader(ReadError* error) {
    error->id.clear();
    error->reason.clear();
    CsvRecord header;
    if (!tokenizer_.Next(&header)) return false;
    error->line = header.line;
    if (!header.problem.empty()) {
      error->reason = "header: " + header.problem;
      return false;
    }
    std::array<size_t, kCsvColumnCount> index_of;
    index_of.fill(SIZE_MAX);
    std::vector<std::string> problems;
    columns_.assign(header.count, static_cast<uint8_t>(CsvColumn::kIgnored));
    names_.resize(header.count);
    for (size_t column = 0; column < header.count; ++column) {
      std::string_view name = header.cells[column];
      while (!name.empty() && (name.front() == ' ' || name.front() == '\t')) name.remove_prefix(1);
      while (!name.empty() && (name.back() == ' ' || name.back() == '\t')) name.remove_suffix(1);
      std::string& lower = names_[column];
      lower.assign(name);
      std::transform(lower.begin(), lower.end(), lower.begin(), [](char c) {
        return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
      });
      uint8_t key = CsvColumns().Find(lower);
      if (key == KeyTable::kUnknown) continue;  // unknown columns are ignored
      if (index_of[key] != SIZE_MAX) {
        problems.push_back("column " + lower + " repeats column " + names_[index_of[key]]);
        continue;
      }
      index_of[key] = column;
      columns_[column] = key;
    }
    std::string missing;
    for (const auto& [column, name] : kRequiredCsvColumns) {
      if (index_of[static_cast<size_t>(column)] != SIZE_MAX) continue;
      if (!missing.empty()) missing += ", ";
      missing += name;
    }
    if (!missing.empty())
      problems.insert(problems.begin(), "missing required column(s) " + missing);
    if (!problems.empty()) {
      for (const std::string& problem : problems) {
        error->reason += error->reason.empty() ? "header: " : "; header: ";
        error->reason += problem;
      }
      return false;
    }
    id_column_ = index_of[static_cast<size_t>(CsvColumn::kId)];
    return true;
  }

  // The row's id cell, when the row has one.
  template <typename Out>
  bool RowId(const CsvRecord& row, Out* id) const {
    if (row.count <= id_column_) return false;
    *id = row.cells[id_column_];
    return true;
  }

  // Reports (and returns false for) a row whose cells cannot be trusted.
  bool RowIsWellFormed(const CsvRecord& row) {
    std::string name =
        row.line == group_line_ ? "row" : "row (line " + std::to_string(row.line) + ")";
    if (!row.problem.empty()) {
      problems_.Add(std::move(name), row.problem);
      return false;
    }
    if (row.count != columns_.size()) {
      problems_.Add(std::move(name), "has " + std::to_string(row.count) +
                                         " fields where the header has " +
                                         std::to_string(columns_.size()));
      return false;
    }
    return true;
  }

  // "item_hs", or "item_hs (line 7)" for a row after the declaration's first.
  std::string CellName(size_t column, long long line) const {
    if (line == group_line_) return names_[column];
    return names_[column] + " (line " + std::to_string(line) + ")";
  }

  // Checks a cell's UTF-8 and hands it out; false (reported) when invalid.
  bool Cell(const CsvRecord& row, size_t column, std::string_view* text) {
    const std::string& cell = row.cells[column];
    if (!IsAscii(cell) && !simdjson::validate_utf8(cell.data(), cell.size())) {
      problems_.Add(CellName(column, row.line), "must be valid UTF-8");
      return false;
    }
    *text = cell;
    return true;
  }

  void Report(size_t column, const CsvRecord& row, std::string_view message) {
    if (!message.empty()) problems_.Add(CellName(column, row.line), message);
  }

  // Entries separated by '|'; an empty cell is an empty list, and every entry
  // (including empty ones from doubled or trailing separators) is checked.
  void ReadList(size_t column, std::string_view text, std::vector<std::string>& list,
                std::string_view (*check)(std::string_view)) {
    list.clear();
    if (text.empty()) return;
    size_t start = 0;
    while (true) {
      size_t separator = text.find(kCsvListSeparator, start);
      std::string_view entry = text.substr(start, separator - start);
      std::string_view message = check(entry);
      if (!message.empty()) {
        problems_.Add(names_[column] + "[" + std::to_string(list.size()) + "]", message);
      }
      list.emplace_back(entry);
      if (separator == std::string_view::npos) break;
      start = separator + 1;
    }
  }

  void ReadDeclarationCell(size_t column, Declaration& declaration) {
    std::string_view text;
    if (!Cell(row_, column, &text)) return;
    auto code = [&](std::string& out, std::string_view (*check)(std::string_view)) {
      SetText(out, text);
      if (!text.empty()) Report(column, row_, check(text));
    };
    auto required_code = [&](std::string& out, std::string_view (*check)(std::string_view)) {
      SetText(out, text);
      Report(column, row_, text.empty() ? kRequired : check(text));
    };
    switch (static_cast<CsvColumn>(columns_[column])) {
      case CsvColumn::kId:
        SetText(declaration.id, text);
        if (IsBlank(text)) Report(column, row_, kRequired);
        break;
      case CsvColumn::kType:
        required_code(declaration.type, CheckType);
        break;
      case CsvColumn::kLodgedAt:
        if (!text.empty()) {
          declaration.lodged_at = ParseTimestamp(text);
          if (!declaration.lodged_at) Report(column, row_, kTimestampMessage);
        }
        break;
      case CsvColumn::kOffice:
        required_code(declaration.office, CheckLocode);
        break;
      case CsvColumn::kTransportMode:
        code(declaration.transport_mode, CheckTransportMode);
        break;
      case CsvColumn::kOrigin:
        code(declaration.origin, CheckCountry);
        break;
      case CsvColumn::kDispatch:
        code(declaration.dispatch, CheckCountry);
        break;
      case CsvColumn::kDestination:
        code(declaration.destination, CheckCountry);
        break;
      case CsvColumn::kECommerce:
        if (text == "true") {
          declaration.e_commerce = true;
        } else if (!text.empty() && text != "false") {
          Report(column, row_, "must be true, false or empty");
        }
        break;
      case CsvColumn::kConsignorName:
        SetText(declaration.consignor.name, text);
        break;
      case CsvColumn::kConsignorAddress:
        SetText(declaration.consignor.address, text);
        break;
      case CsvColumn::kConsignorCountry:
        code(declaration.consignor.country, CheckCountry);
        break;
      case CsvColumn::kConsigneeName:
        SetText(declaration.consignee.name, text);
        break;
      case CsvColumn::kConsigneeAddress:
        SetText(declaration.consignee.address, text);
        break;
      case CsvColumn::kConsigneeCountry:
        code(declaration.consignee.country, CheckCountry);
        break;
      case CsvColumn::kDeclarantName:
        SetText(declaration.declarant.name, text);
        break;
      case CsvColumn::kDeclarantAddress:
        SetText(declaration.declarant.address, text);
        break;
      case CsvColumn::kDeclarantCountry:
        code(declaration.declarant.country, CheckCountry);
        break;
      case CsvColumn::kRoute:
        ReadList(column, text, declaration.route, CheckLocode);
        break;
      case CsvColumn::kContainers:
        ReadList(column, text, declaration.containers, CheckContainer);
        break;
      default:
        break;
    }
  }

  void ReadItemCells(const CsvRecord& row, DeclarationItem& item) {
    ClearItem(item);
    for (size_t column = 0; column < columns_.size(); ++column) {
      if (columns_[column] < kFirstItemColumn || columns_[column] == kIgnoredColumn) continue;
      std::string_view text;
      if (!Cell(row, column, &text)) continue;
      switch (static_cast<CsvColumn>(columns_[column])) {
        case CsvColumn::kItemHs:
          SetText(item.hs, text);
          Report(column, row, text.empty() ? kRequired : CheckHs(text));
          break;
        case CsvColumn::kItemDescription:
          SetText(item.description, text);
          if (IsBlank(text)) Report(column, row, kRequired);
          break;
        case CsvColumn::kItemBrand:
          SetText(item.brand, text);
          break;
        case CsvColumn::kItemQuantity:
          Report(column, row, ParseCsvAmount(text, item.quantity));
          break;
        case CsvColumn::kItemUnit:
          SetText(item.unit, text);
          break;
        case CsvColumn::kItemGrossKg:
          Report(column, row, ParseCsvAmount(text, item.gross_kg));
          break;
        case CsvColumn::kItemValue:
          Report(column, row, ParseCsvAmount(text, item.value));
          break;
        case CsvColumn::kItemCurrency:
          SetText(item.currency, text);
          Report(column, row, CheckCurrency(text));
          break;
        default:
          break;
      }
    }
  }

  static constexpr uint8_t kIgnoredColumn = static_cast<uint8_t>(CsvColumn::kIgnored);

  CsvTokenizer tokenizer_;
  bool header_read_ = false;
  bool done_ = false;
  std::vector<uint8_t> columns_;    // CsvColumn of each header position
  std::vector<std::string> names_;  // column names as in the header (lower case)
  size_t id_column_ = 0;

  // The declaration's first row (for comparing the declaration-level cells
  // of the rows after it), the row being read, and a row read ahead that
  // starts the next declaration.
  CsvRecord first_;
  CsvRecord row_;
  CsvRecord pending_;
  bool has_pending_ = false;

  long long group_line_ = 0;
  bool group_has_id_ = false;
  std::string group_id_;
  Problems problems_;
};

}  // namespace

std::unique_ptr<DeclarationSource> OpenJsonLines(std::istream& input) {
  return std::make_unique<JsonLinesSource>(input);
}

std::unique_ptr<DeclarationSource> OpenCsv(std::istream& input) {
  return std::make_unique<CsvSource>(input);
}

namespace {

Result<Declaration> ParseOneJson(std::string_view json_text, bool direct) {
  if (json_text.size() > kMaxDeclarationBytes) {
    std::string message = std::string("declaration ") + std::string(kTooLongMessage);
    return InvalidInput(message, {FieldError{"", message}});
  }
  // One parser and padded copy per thread: API handlers call this for every
  // declaration of a batch.
  thread_local JsonDeclarationParser parser;
  thread_local std::vector<char> padded;
  padded.resize(json_text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), json_text.data(), json_text.size());
  Declaration declaration;
  Problems problems;
  parser.Parse(padded.data(), json_text.size(), &declaration, &problems, direct);
  if (!problems.empty()) {
    std::string message = problems.Joined();
    return InvalidInput(std::move(message), problems.Take());
  }
  return declaration;
}

}  // namespace

Result<Declaration> ParseDeclarationJson(std::string_view json_text) {
  return ParseOneJson(json_text, /*direct=*/true);
}

namespace declaration_internal {

Result<Declaration> ParseDeclarationJsonThroughDom(std::string_view json_text) {
  return ParseOneJson(json_text, /*direct=*/false);
}

bool ReadDirectly(std::string_view json_text, Declaration* declaration) {
  std::vector<char> padded(json_text.size() + simdjson::SIMDJSON_PADDING);
  std::memcpy(padded.data(), json_text.data(), json_text.size());
  DirectDeclarationReader reader;
  return reader.Read(padded.data(), json_text.size(), *declaration);
}

}  // namespace declaration_internal

// Written by hand (json_writer.h) in the bytes nlohmann::json's dump wrote
// before (its objects sorted their keys, so the keys go in byte order here;
// numbers in its format): the text is stored with every screened
// declaration, and a DOM per declaration cost about a fifth of `cordon
// screen --db`. declaration_reader_test compares it with that dump.
std::string DeclarationToJson(const Declaration& declaration) {
  std::string out;
  json_internal::JsonWriter writer(&out);
  char separator = '{';
  auto name = [&](std::string_view key) {
    writer.Char(separator);
    separator = ',';
    writer.String(key);
    writer.Char(':');
  };
  auto text = [&](std::string_view key, const std::string& value) {
    if (value.empty()) return;
    name(key);
    writer.String(value);
  };
  auto party = [&](std::string_view key, const DeclarationParty& value) {
    if (value.name.empty() && value.address.empty() && value.country.empty()) return;
    name(key);
    char inner = '{';
    for (auto [field, field_value] : {std::pair<std::string_view, const std::string*>{
                                          "address", &value.address},
                                      {"country", &value.country},
                                      {"name", &value.name}}) {
      if (field_value->empty()) continue;
      writer.Char(inner);
      inner = ',';
      writer.String(field);
      writer.Char(':');
      writer.String(*field_value);
    }
    writer.Char('}');
  };
  auto list = [&](std::string_view key, const std::vector<std::string>& values) {
    if (values.empty()) return;
    name(key);
    for (size_t index = 0; index < values.size(); ++index) {
      writer.Char(index == 0 ? '[' : ',');
      writer.String(values[index]);
    }
    writer.Char(']');
  };
  party("consignee", declaration.consignee);
  party("consignor", declaration.consignor);
  list("containers", declaration.containers);
  party("declarant", declaration.declarant);
  text("destination", declaration.destination);
  text("dispatch", declaration.dispatch);
  if (declaration.e_commerce) {
    name("e_commerce");
    writer.Literal("true");
  }
  name("id");
  writer.String(declaration.id);
  name("items");
  writer.Char('[');
  for (size_t index = 0; index < declaration.items.size(); ++index) {
    const DeclarationItem& item = declaration.items[index];
    if (index > 0) writer.Char(',');
    writer.Char('{');
    if (!item.brand.empty()) {
      writer.Literal("\"brand\":");
      writer.String(item.brand);
      writer.Char(',');
    }
    if (!item.currency.empty()) {
      writer.Literal("\"currency\":");
      writer.String(item.currency);
      writer.Char(',');
    }
    writer.Literal("\"description\":");
    writer.String(item.description);
    writer.Literal(",\"gross_kg\":");
    writer.DumpedNumber(item.gross_kg);
    writer.Literal(",\"hs\":");
    writer.String(item.hs);
    writer.Literal(",\"quantity\":");
    writer.DumpedNumber(item.quantity);
    if (!item.unit.empty()) {
      writer.Literal(",\"unit\":");
      writer.String(item.unit);
    }
    writer.Literal(",\"value\":");
    writer.DumpedNumber(item.value);
    writer.Char('}');
  }
  writer.Char(']');
  if (declaration.lodged_at) text("lodged_at", FormatTimestamp(*declaration.lodged_at));
  name("office");
  writer.String(declaration.office);
  text("origin", declaration.origin);
  list("route", declaration.route);
  text("transport_mode", declaration.transport_mode);
  name("type");
  writer.String(declaration.type);
  writer.Char('}');
  writer.Finish();
  return out;
}

}  // namespace cordon
