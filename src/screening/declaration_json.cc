// The JSON reader of declarations: JSON Lines (OpenJsonLines), one
// declaration (ParseDeclarationJson) and the stored form (DeclarationToJson).
// The format is documented for users in docs/declarations.md; keep it in
// step with declaration_csv.cc (field names, aliases, messages, limits: the
// shared checks are in declaration_fields.h).
//
// Most lines are read in one pass straight from their text
// (DirectDeclarationReader, below); a line it does not take (any problem to
// report, escaped surrogates, exponents, ...) is read through simdjson's DOM
// (JsonDeclarationParser), which decides what is accepted and words every
// message, and the two are tested to agree on every line the direct reader
// takes.
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
// The reader reuses its buffers and the capacity of the caller's
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
#include "screening/declaration_fields.h"
#include "screening/declaration_internal.h"
#include "screening/json_writer.h"

namespace cordon {
namespace {

using namespace declaration_fields;  // NOLINT(google-build-using-namespace): the readers' own internals

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

  // The direct reader's fast path: when the text at `at` is the expected
  // name written as `"name":` (no spaces), takes it, moves `at` past the
  // colon and returns true (*key set). The names are letters and '_' only,
  // so the quote after them closes the string in any line. The next
  // position then follows from `at` by a constant, instead of waiting on
  // the search for the closing quote (and the load of the byte after it),
  // which chained every name of a line to the one before.
  CORDON_ALWAYS_INLINE bool TakeLiteral(const char*& at, uint8_t* key) {
    const Expected& expected = order_[position_];
    const uint64_t differ =
        ((LoadWord<uint64_t>(at) ^ expected.literal[0]) & expected.mask[0]) |
        ((LoadWord<uint64_t>(at + 8) ^ expected.literal[1]) & expected.mask[1]) |
        ((LoadWord<uint64_t>(at + 16) ^ expected.literal[2]) & expected.mask[2]);
    if (differ != 0) return false;
    at += expected.literal_size;
    ++position_;
    *key = expected.key;
    return true;
  }

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
      SetLiteral(slot);
    }
    return spec.key;
  }

  static constexpr size_t kLiteralBytes = 24;

  // A remembered name; an unknown one is not remembered (kNoName). What
  // TakeLiteral reads comes first, in the entry's first cache line.
  struct alignas(64) Expected {
    // `"name":`: its bytes and which of them count, and its size. Without
    // one, a first byte of 1 (a control byte: such a line never gets here)
    // never matches.
    std::array<uint64_t, 3> literal{1, 0, 0};
    std::array<uint64_t, 3> mask{0xFF, 0, 0};
    size_t literal_size = 0;
    uint8_t key = KeyTable::kUnknown;
    NameWords words;  // when size <= kMaxWordsName
    size_t size = kNoName;
    std::string_view name;
  };

  // `"name":` as up to three words and masks; none for an unknown name or
  // one too long for them.
  static void SetLiteral(Expected& slot) {
    slot.literal = {1, 0, 0};
    slot.mask = {0xFF, 0, 0};
    slot.literal_size = 0;
    if (slot.size == kNoName || slot.size + 3 > kLiteralBytes) return;
    slot.literal = {};
    slot.mask = {};
    std::array<char, kLiteralBytes> bytes{};
    bytes[0] = '"';
    std::memcpy(bytes.data() + 1, slot.name.data(), slot.size);
    bytes[slot.size + 1] = '"';
    bytes[slot.size + 2] = ':';
    slot.literal_size = slot.size + 3;
    for (size_t word = 0; word < 3; ++word) {
      std::memcpy(&slot.literal[word], bytes.data() + 8 * word, 8);
      for (size_t at = 8 * word; at < 8 * word + 8 && at < slot.literal_size; ++at) {
        slot.mask[word] |= uint64_t{0xFF} << (8 * (at - 8 * word));
      }
    }
  }

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
      uint8_t key;
      if (!keys.TakeLiteral(at_, &key)) {
        std::string_view name;
        if (!String<E>(&name) || !Take(':')) return false;
        key = keys.Find(name);
      }
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
      if (!Item<E>(ItemSlot(items, count++))) return false;
    } while (More(']', &ok));
    // Items past the count are kept for later declarations rather than
    // destroyed: their strings keep their capacity, so a file whose
    // declarations have one item, then three, then two does not free and
    // allocate descriptions over and over.
    while (items.size() > count) {
      if (spare_items_.size() < kMaxSpareItems) spare_items_.push_back(std::move(items.back()));
      items.pop_back();
    }
    return ok;
  }

  // SlotAt, taking a spare item before making a new one.
  DeclarationItem& ItemSlot(std::vector<DeclarationItem>& items, size_t index) {
    if (index < items.size()) return items[index];
    if (spare_items_.empty()) return items.emplace_back();
    items.push_back(std::move(spare_items_.back()));
    spare_items_.pop_back();
    return items.back();
  }
  static constexpr size_t kMaxSpareItems = 1024;

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
  std::vector<DeclarationItem> spare_items_;  // Items()
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

}  // namespace

std::unique_ptr<DeclarationSource> OpenJsonLines(std::istream& input) {
  return std::make_unique<JsonLinesSource>(input);
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

bool ReadDirectly(std::string_view json_text, Declaration* declaration,
                  std::string_view line_before) {
  DirectDeclarationReader reader;
  auto read = [&reader, declaration](std::string_view text) {
    std::vector<char> padded(text.size() + simdjson::SIMDJSON_PADDING);
    std::memcpy(padded.data(), text.data(), text.size());
    return reader.Read(padded.data(), text.size(), *declaration);
  };
  if (!line_before.empty()) read(line_before);
  return read(json_text);
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
