#include "screening/text_normalise.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <cstdlib>
#include <cstring>

namespace cordon {
namespace {

// Letters of other scripts (and Latin letters without a Unicode
// decomposition) that a reader takes for a Latin letter. Applied before case
// folding because the look-alike can differ between cases: Greek "Η" looks like
// H, its lower case "η" like n. Sources: the Unicode confusables data
// (https://www.unicode.org/Public/security/latest/confusables.txt, UTS #39),
// restricted to letters that look alike in ordinary text fonts; characters
// whose only look-alike is a digit (Cyrillic "З") are left out.
struct Confusable {
  char32_t code_point;
  const char* latin;
};
constexpr Confusable kConfusables[] = {
    // Latin letters that NFKD does not decompose.
    {0x00C6, "ae"},  // Æ
    {0x00D8, "o"},   // Ø
    {0x00E6, "ae"},  // æ
    {0x00F8, "o"},   // ø
    {0x0110, "d"},   // Đ
    {0x0111, "d"},   // đ
    {0x0126, "h"},   // Ħ
    {0x0127, "h"},   // ħ
    {0x0131, "i"},   // ı dotless i
    {0x0141, "l"},   // Ł
    {0x0142, "l"},   // ł
    {0x0152, "oe"},  // Œ
    {0x0153, "oe"},  // œ
    {0x0166, "t"},   // Ŧ
    {0x0167, "t"},   // ŧ
    {0x0180, "b"},   // ƀ
    {0x0251, "a"},   // ɑ
    {0x0261, "g"},   // ɡ
    {0x0269, "i"},   // ɩ
    {0x026A, "i"},   // ɪ small capital I
    {0x0299, "b"},   // ʙ small capital B
    {0x029C, "h"},   // ʜ small capital H
    // Greek.
    {0x037F, "j"},  // Ϳ
    {0x0391, "a"},  // Α
    {0x0392, "b"},  // Β
    {0x0395, "e"},  // Ε
    {0x0396, "z"},  // Ζ
    {0x0397, "h"},  // Η
    {0x0399, "i"},  // Ι
    {0x039A, "k"},  // Κ
    {0x039C, "m"},  // Μ
    {0x039D, "n"},  // Ν
    {0x039F, "o"},  // Ο
    {0x03A1, "p"},  // Ρ
    {0x03A4, "t"},  // Τ
    {0x03A5, "y"},  // Υ
    {0x03A7, "x"},  // Χ
    {0x03B1, "a"},  // α
    {0x03B2, "b"},  // β
    {0x03B3, "y"},  // γ
    {0x03B5, "e"},  // ε
    {0x03B7, "n"},  // η
    {0x03B9, "i"},  // ι
    {0x03BA, "k"},  // κ
    {0x03BD, "v"},  // ν
    {0x03BF, "o"},  // ο
    {0x03C1, "p"},  // ρ
    {0x03C4, "t"},  // τ
    {0x03C5, "u"},  // υ
    {0x03C7, "x"},  // χ
    {0x03C9, "w"},  // ω
    {0x03F2, "c"},  // ϲ lunate sigma
    {0x03F3, "j"},  // ϳ
    {0x03F9, "c"},  // Ϲ
    // Cyrillic.
    {0x0405, "s"},  // Ѕ
    {0x0406, "i"},  // І
    {0x0408, "j"},  // Ј
    {0x0410, "a"},  // А
    {0x0412, "b"},  // В
    {0x0415, "e"},  // Е
    {0x041A, "k"},  // К
    {0x041C, "m"},  // М
    {0x041D, "h"},  // Н
    {0x041E, "o"},  // О
    {0x0420, "p"},  // Р
    {0x0421, "c"},  // С
    {0x0422, "t"},  // Т
    {0x0423, "y"},  // У
    {0x0425, "x"},  // Х
    {0x0430, "a"},  // а
    {0x0432, "b"},  // в
    {0x0433, "r"},  // г
    {0x0435, "e"},  // е
    {0x043A, "k"},  // к
    {0x043C, "m"},  // м
    {0x043D, "h"},  // н
    {0x043E, "o"},  // о
    {0x043F, "n"},  // п
    {0x0440, "p"},  // р
    {0x0441, "c"},  // с
    {0x0442, "t"},  // т
    {0x0443, "y"},  // у
    {0x0445, "x"},  // х
    {0x044C, "b"},  // ь
    {0x0455, "s"},  // ѕ
    {0x0456, "i"},  // і
    {0x0458, "j"},  // ј
    {0x0474, "v"},  // Ѵ
    {0x0475, "v"},  // ѵ
    {0x04AE, "y"},  // Ү
    {0x04AF, "y"},  // ү
    {0x04BA, "h"},  // Һ
    {0x04BB, "h"},  // һ
    {0x04C0, "l"},  // Ӏ palochka
    {0x04CF, "l"},  // ӏ
    {0x0500, "d"},  // Ԁ
    {0x0501, "d"},  // ԁ
    {0x051A, "q"},  // Ԛ
    {0x051B, "q"},  // ԛ
    {0x051C, "w"},  // Ԝ
    {0x051D, "w"},  // ԝ
    // Armenian.
    {0x0566, "q"},  // զ
    {0x0570, "h"},  // հ
    {0x0578, "n"},  // ո
    {0x057D, "u"},  // ս
    {0x0581, "g"},  // ց
    {0x0585, "o"},  // օ
    // Latin small capitals.
    {0x1D00, "a"},  // ᴀ
    {0x1D04, "c"},  // ᴄ
    {0x1D05, "d"},  // ᴅ
    {0x1D07, "e"},  // ᴇ
    {0x1D0B, "k"},  // ᴋ
    {0x1D0D, "m"},  // ᴍ
    {0x1D0F, "o"},  // ᴏ
    {0x1D18, "p"},  // ᴘ
    {0x1D1B, "t"},  // ᴛ
    {0x1D1C, "u"},  // ᴜ
    {0x1D20, "v"},  // ᴠ
    {0x1D21, "w"},  // ᴡ
    {0x1D22, "z"},  // ᴢ
};

const char* LookAlike(char32_t code_point) {
  static_assert(std::is_sorted(std::begin(kConfusables), std::end(kConfusables),
                               [](const Confusable& a, const Confusable& b) {
                                 return a.code_point < b.code_point;
                               }),
                "kConfusables must be sorted by code point");
  const auto* it = std::lower_bound(
      std::begin(kConfusables), std::end(kConfusables), code_point,
      [](const Confusable& entry, char32_t value) { return entry.code_point < value; });
  if (it == std::end(kConfusables) || it->code_point != code_point) return nullptr;
  return it->latin;
}

// Rule 8 of the header: digits that stand for letters inside a word.
constexpr char DigitAsLetter(char digit) {
  switch (digit) {
    case '0':
      return 'o';
    case '1':
      return 'i';
    case '3':
      return 'e';
    case '4':
      return 'a';
    case '5':
      return 's';
    case '7':
      return 't';
    case '8':
      return 'b';
    default:
      return digit;
  }
}

enum class UnitKind : uint8_t { kLetter, kDigit, kSeparator };
enum class UnitCase : uint8_t { kNone, kUpper, kLower };

// One character of the key before words are formed: an ASCII letter or digit,
// or the UTF-8 bytes of a letter of another script (up to 4 bytes).
struct Unit {
  uint32_t begin;
  uint32_t end;
  UnitKind kind;
  UnitCase letter_case;
  uint8_t size;  // bytes in `bytes`
  char bytes[4];
};

class UnitWriter {
 public:
  explicit UnitWriter(std::vector<Unit>* units) : units_(units) {}

  void Separator(uint32_t begin, uint32_t end) {
    units_->push_back(Unit{begin, end, UnitKind::kSeparator, UnitCase::kNone, 0, {}});
  }
  void Ascii(char c, uint32_t begin, uint32_t end, UnitCase letter_case) {
    Unit unit{begin, end, UnitKind::kSeparator, letter_case, 1, {c, 0, 0, 0}};
    if (c >= 'a' && c <= 'z') {
      unit.kind = UnitKind::kLetter;
    } else if (c >= '0' && c <= '9') {
      unit.kind = UnitKind::kDigit;
      unit.letter_case = UnitCase::kNone;
    } else {
      unit.size = 0;
      unit.letter_case = UnitCase::kNone;
    }
    units_->push_back(unit);
  }
  void Latin(const char* latin, uint32_t begin, uint32_t end, UnitCase letter_case) {
    for (const char* c = latin; *c != '\0'; ++c) Ascii(*c, begin, end, letter_case);
  }
  void Other(char32_t code_point, uint32_t begin, uint32_t end, UnitCase letter_case) {
    Unit unit{begin, end, UnitKind::kLetter, letter_case, 0, {}};
    utf8proc_uint8_t encoded[4];
    const auto size = utf8proc_encode_char(static_cast<utf8proc_int32_t>(code_point), encoded);
    if (size <= 0) {
      Separator(begin, end);
      return;
    }
    unit.size = static_cast<uint8_t>(size);
    std::memcpy(unit.bytes, encoded, static_cast<size_t>(size));
    units_->push_back(unit);
  }
  // A combining mark that follows a character belongs to it: the quoted text
  // of a hit must include the accent.
  void ExtendLast(uint32_t end) {
    if (!units_->empty() && units_->back().kind != UnitKind::kSeparator) units_->back().end = end;
  }

 private:
  std::vector<Unit>* units_;
};

UnitCase CaseOf(utf8proc_category_t category) {
  switch (category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LT:
      return UnitCase::kUpper;
    case UTF8PROC_CATEGORY_LL:
      return UnitCase::kLower;
    default:
      return UnitCase::kNone;
  }
}

bool IsLetterOrNumber(utf8proc_category_t category) {
  switch (category) {
    case UTF8PROC_CATEGORY_LU:
    case UTF8PROC_CATEGORY_LL:
    case UTF8PROC_CATEGORY_LT:
    case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO:
    case UTF8PROC_CATEGORY_ND:
    case UTF8PROC_CATEGORY_NL:
    case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

bool IsMark(utf8proc_category_t category) {
  return category == UTF8PROC_CATEGORY_MN || category == UTF8PROC_CATEGORY_MC ||
         category == UTF8PROC_CATEGORY_ME;
}

// Steps 1-5 of the header for one non-ASCII code point.
void WriteCodePoint(char32_t code_point, uint32_t begin, uint32_t end, UnitWriter& writer) {
  const auto cp = static_cast<utf8proc_int32_t>(code_point);
  const utf8proc_property_t* property = utf8proc_get_property(cp);
  const auto category = static_cast<utf8proc_category_t>(property->category);
  const UnitCase letter_case = CaseOf(category);
  if (const char* latin = LookAlike(code_point)) {
    writer.Latin(latin, begin, end, letter_case);
    return;
  }
  if (property->ignorable) return;  // zero-width characters, soft hyphen
  if (IsMark(category)) {
    writer.ExtendLast(end);
    return;
  }
  if (!IsLetterOrNumber(category)) {
    writer.Separator(begin, end);
    return;
  }
  // NFKD without marks; each resulting code point is looked up again (an
  // accented Cyrillic letter decomposes to a confusable one) and case-folded.
  std::array<utf8proc_int32_t, 32> decomposed;
  utf8proc_int32_t last_boundclass = 0;
  const auto count =
      utf8proc_decompose_char(cp, decomposed.data(), decomposed.size(),
                              static_cast<utf8proc_option_t>(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                                             UTF8PROC_STRIPMARK | UTF8PROC_IGNORE),
                              &last_boundclass);
  if (count < 0 || static_cast<size_t>(count) > decomposed.size()) {
    writer.Separator(begin, end);
    return;
  }
  for (utf8proc_ssize_t index = 0; index < count; ++index) {
    const utf8proc_int32_t part = decomposed[index];
    if (const char* latin = LookAlike(static_cast<char32_t>(part))) {
      writer.Latin(latin, begin, end, letter_case);
      continue;
    }
    if (part < 0x80) {
      char c = static_cast<char>(part);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
      writer.Ascii(c, begin, end, letter_case);
      continue;
    }
    std::array<utf8proc_int32_t, 8> folded;
    const auto folded_count = utf8proc_decompose_char(
        part, folded.data(), folded.size(),
        static_cast<utf8proc_option_t>(UTF8PROC_CASEFOLD | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
                                       UTF8PROC_STRIPMARK),
        &last_boundclass);
    if (folded_count < 0 || static_cast<size_t>(folded_count) > folded.size()) {
      writer.Separator(begin, end);
      continue;
    }
    for (utf8proc_ssize_t f = 0; f < folded_count; ++f) {
      const utf8proc_int32_t folded_part = folded[f];
      if (const char* latin = LookAlike(static_cast<char32_t>(folded_part))) {
        writer.Latin(latin, begin, end, letter_case);
      } else if (folded_part < 0x80) {
        writer.Ascii(static_cast<char>(folded_part), begin, end, letter_case);
      } else if (IsLetterOrNumber(utf8proc_category(folded_part))) {
        writer.Other(static_cast<char32_t>(folded_part), begin, end, letter_case);
      } else {
        writer.Separator(begin, end);
      }
    }
  }
}

// A word of the key: units [first, last], possibly produced by camel-case
// splitting or by collapsing single characters.
struct Word {
  size_t first;
  size_t last;
};

// Per-thread buffers so the hot path does not allocate once warmed up.
struct Buffers {
  std::vector<Unit> units;
  std::vector<Word> words;
  std::vector<Word> merged;
};

Buffers& ThreadBuffers() {
  thread_local Buffers buffers;
  return buffers;
}

bool IsLower(const Unit& unit) {
  return unit.kind == UnitKind::kLetter && unit.letter_case == UnitCase::kLower;
}
bool IsUpper(const Unit& unit) {
  return unit.kind == UnitKind::kLetter && unit.letter_case == UnitCase::kUpper;
}

bool IsAscii(std::string_view input) {
  const char* data = input.data();
  size_t size = input.size();
  uint64_t any_high = 0;
  while (size >= 8) {
    uint64_t chunk;
    std::memcpy(&chunk, data, 8);
    any_high |= chunk;
    data += 8;
    size -= 8;
  }
  while (size > 0) {
    any_high |= static_cast<unsigned char>(*data);
    ++data;
    --size;
  }
  return (any_high & 0x8080808080808080ULL) == 0;
}

// Byte classes of the ASCII fast path, and the key byte of each letter
// (lower case, "l" read as "i", rule 9) and of each digit used as a letter
// (rule 8).
enum AsciiClass : uint8_t { kSeparatorByte = 0, kLowerByte = 1, kUpperByte = 2, kDigitByte = 4 };

constexpr std::array<uint8_t, 128> kAsciiClass = [] {
  std::array<uint8_t, 128> classes{};
  for (int c = 'a'; c <= 'z'; ++c) classes[c] = kLowerByte;
  for (int c = 'A'; c <= 'Z'; ++c) classes[c] = kUpperByte;
  for (int c = '0'; c <= '9'; ++c) classes[c] = kDigitByte;
  return classes;
}();

constexpr std::array<char, 128> kAsciiKey = [] {
  std::array<char, 128> keys{};
  for (int c = 'a'; c <= 'z'; ++c) keys[c] = static_cast<char>(c == 'l' ? 'i' : c);
  for (int c = 'A'; c <= 'Z'; ++c) keys[c] = keys[c - 'A' + 'a'];
  for (int c = '0'; c <= '9'; ++c) keys[c] = DigitAsLetter(static_cast<char>(c));
  return keys;
}();

// A word of the fast path: bytes [first, last], and whether it has a letter.
struct AsciiWord {
  uint32_t first;
  uint32_t last;
  uint32_t has_letter;
};

// Steps 5-9 of the header for input that is all ASCII (the usual
// description): every byte is one unit, so the rules run on the bytes
// directly, with lookup tables, without utf8proc and without building units.
// Must give exactly what the general path gives (text_normalise_test.cc
// checks this on random input by comparing with the same input plus a
// non-ASCII separator).
void NormaliseAscii(std::string_view input, NormalisedText* out, std::vector<AsciiWord>& words,
                    std::vector<AsciiWord>& merged) {
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  const auto size = static_cast<uint32_t>(input.size());
  auto kind = [bytes](uint32_t index) { return kAsciiClass[bytes[index]]; };

  // Step 6: words, split at camel-case boundaries: an upper-case letter with
  // two lower-case letters before it (in the same part) and two after.
  if (words.size() < size + 1) words.resize(size + 1);
  size_t word_count = 0;
  bool any_single = false;  // a one-character word: step 7 may collapse a run
  uint32_t index = 0;
  while (index < size) {
    if (kind(index) == kSeparatorByte) {
      ++index;
      continue;
    }
    uint32_t first = index;
    uint32_t classes = 0;
    while (index < size) {
      const uint8_t here = kind(index);
      if (here == kSeparatorByte) break;
      if (here == kUpperByte && index >= first + 2 && index + 2 < size &&
          kind(index - 1) == kLowerByte && kind(index - 2) == kLowerByte &&
          kind(index + 1) == kLowerByte && kind(index + 2) == kLowerByte) {
        words[word_count++] = AsciiWord{first, index - 1, 1};
        first = index;
        classes = 0;
      }
      classes |= here;
      ++index;
    }
    any_single |= first == index - 1;
    words[word_count++] = AsciiWord{first, index - 1, (classes & (kLowerByte | kUpperByte)) != 0};
  }

  // Step 7: runs of three or more single characters separated by exactly
  // one byte collapse into one word (the only words with separators inside).
  const AsciiWord* final_words = words.data();
  size_t final_count = word_count;
  bool collapsed = false;
  if (any_single) {
    if (merged.size() < word_count + 1) merged.resize(word_count + 1);
    size_t merged_count = 0;
    size_t word_index = 0;
    while (word_index < word_count) {
      size_t run_end = word_index;
      if (words[word_index].first == words[word_index].last) {
        while (run_end + 1 < word_count && words[run_end + 1].first == words[run_end + 1].last &&
               words[run_end + 1].first == words[run_end].last + 2) {
          ++run_end;
        }
      }
      if (run_end - word_index + 1 >= 3) {
        uint32_t has_letter = 0;
        for (size_t w = word_index; w <= run_end; ++w) has_letter |= words[w].has_letter;
        merged[merged_count++] =
            AsciiWord{words[word_index].first, words[run_end].last, has_letter};
        collapsed = true;
      } else {
        run_end = word_index;
        merged[merged_count++] = words[word_index];
      }
      word_index = run_end + 1;
    }
    final_words = merged.data();
    final_count = merged_count;
  }

  // Steps 8-9. At most one key byte per input byte plus one space per word.
  const size_t bound = size + final_count;
  out->text.resize(bound);
  out->source_begin.resize(bound);
  out->source_end.resize(bound);
  char* text = out->text.data();
  uint32_t* source_begin = out->source_begin.data();
  uint32_t* source_end = out->source_end.data();
  size_t length = 0;
  for (size_t w = 0; w < final_count; ++w) {
    const AsciiWord& word = final_words[w];
    if (w > 0) {
      // The space stands for whatever separated the words in the input.
      const uint32_t gap_begin = final_words[w - 1].last + 1;
      text[length] = ' ';
      source_begin[length] = gap_begin;
      source_end[length] = std::max(gap_begin, word.first);
      ++length;
    }
    if (!collapsed && word.has_letter != 0) {
      // The common word: letters (and digits read as letters), no separator.
      for (uint32_t u = word.first; u <= word.last; ++u) {
        text[length] = kAsciiKey[bytes[u]];
        source_begin[length] = u;
        source_end[length] = u + 1;
        ++length;
      }
      continue;
    }
    for (uint32_t u = word.first; u <= word.last; ++u) {
      const unsigned char byte = bytes[u];
      const uint8_t here = kAsciiClass[byte];
      if (here == kSeparatorByte) continue;  // inside a collapsed run
      text[length] =
          here == kDigitByte && word.has_letter == 0 ? static_cast<char>(byte) : kAsciiKey[byte];
      source_begin[length] = u;
      source_end[length] = u + 1;
      ++length;
    }
  }
  out->text.resize(length);
  out->source_begin.resize(length);
  out->source_end.resize(length);
}

}  // namespace

void NormaliseForMatching(std::string_view input, NormalisedText* out) {
  Buffers& buffers = ThreadBuffers();
  if (IsAscii(input)) {
    thread_local std::vector<AsciiWord> ascii_words;
    thread_local std::vector<AsciiWord> ascii_merged;
    NormaliseAscii(input, out, ascii_words, ascii_merged);
    return;
  }
  out->text.clear();
  out->source_begin.clear();
  out->source_end.clear();
  std::vector<Unit>& units = buffers.units;
  units.clear();
  UnitWriter writer(&units);

  // Steps 1-5: characters to units.
  const auto* bytes = reinterpret_cast<const unsigned char*>(input.data());
  const size_t size = input.size();
  size_t position = 0;
  while (position < size) {
    const unsigned char byte = bytes[position];
    const auto begin = static_cast<uint32_t>(position);
    if (byte < 0x80) {
      if (byte >= 'A' && byte <= 'Z') {
        writer.Ascii(static_cast<char>(byte - 'A' + 'a'), begin, begin + 1, UnitCase::kUpper);
      } else if (byte >= 'a' && byte <= 'z') {
        writer.Ascii(static_cast<char>(byte), begin, begin + 1, UnitCase::kLower);
      } else if (byte >= '0' && byte <= '9') {
        writer.Ascii(static_cast<char>(byte), begin, begin + 1, UnitCase::kNone);
      } else {
        writer.Separator(begin, begin + 1);
      }
      ++position;
      continue;
    }
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(
        bytes + position, static_cast<utf8proc_ssize_t>(size - position), &code_point);
    if (length <= 0) {
      writer.Separator(begin, begin + 1);
      ++position;
      continue;
    }
    position += static_cast<size_t>(length);
    WriteCodePoint(static_cast<char32_t>(code_point), begin, static_cast<uint32_t>(position),
                   writer);
  }

  // Step 6: words, split at camel-case boundaries.
  std::vector<Word>& words = buffers.words;
  words.clear();
  size_t index = 0;
  while (index < units.size()) {
    if (units[index].kind == UnitKind::kSeparator) {
      ++index;
      continue;
    }
    size_t first = index;
    while (index < units.size() && units[index].kind != UnitKind::kSeparator) {
      if (index >= first + 2 && index + 2 < units.size() && IsUpper(units[index]) &&
          IsLower(units[index - 1]) && IsLower(units[index - 2]) && IsLower(units[index + 1]) &&
          IsLower(units[index + 2])) {
        words.push_back(Word{first, index - 1});
        first = index;
      }
      ++index;
    }
    words.push_back(Word{first, index - 1});
  }

  // Step 7: collapse runs of single characters separated by exactly one
  // separator unit ("Z.E.N.T.R.A").
  std::vector<Word>& merged = buffers.merged;
  merged.clear();
  size_t word_index = 0;
  while (word_index < words.size()) {
    size_t run_end = word_index;
    if (words[word_index].first == words[word_index].last) {
      while (run_end + 1 < words.size() && words[run_end + 1].first == words[run_end + 1].last &&
             words[run_end + 1].first == words[run_end].last + 2) {
        ++run_end;
      }
    }
    if (run_end - word_index + 1 >= 3) {
      merged.push_back(Word{words[word_index].first, words[run_end].last});
    } else {
      run_end = word_index;
      merged.push_back(words[word_index]);
    }
    word_index = run_end + 1;
  }

  // Steps 8-9: emit the key.
  std::string& text = out->text;
  text.reserve(size + 8);
  out->source_begin.reserve(size + 8);
  out->source_end.reserve(size + 8);
  for (size_t w = 0; w < merged.size(); ++w) {
    const Word& word = merged[w];
    bool has_letter = false;
    for (size_t u = word.first; u <= word.last; ++u) {
      if (units[u].kind == UnitKind::kLetter) {
        has_letter = true;
        break;
      }
    }
    if (w > 0) {
      // The space stands for whatever separated the words in the input.
      const uint32_t gap_begin = units[merged[w - 1].last].end;
      const uint32_t gap_end = std::max(gap_begin, units[word.first].begin);
      text.push_back(' ');
      out->source_begin.push_back(gap_begin);
      out->source_end.push_back(gap_end);
    }
    for (size_t u = word.first; u <= word.last; ++u) {
      const Unit& unit = units[u];
      if (unit.kind == UnitKind::kSeparator) continue;  // inside a collapsed run
      for (uint8_t b = 0; b < unit.size; ++b) {
        char c = unit.bytes[b];
        if (unit.kind == UnitKind::kDigit && has_letter) c = DigitAsLetter(c);
        if (c == 'l') c = 'i';
        text.push_back(c);
        out->source_begin.push_back(unit.begin);
        out->source_end.push_back(unit.end);
      }
    }
  }
}

NormalisedText NormaliseForMatching(std::string_view input) {
  NormalisedText out;
  NormaliseForMatching(input, &out);
  return out;
}

namespace {

// Legal forms removed from company names before comparing (ISO 20275 Entity
// Legal Forms lists the official ones per jurisdiction; these are the
// abbreviations seen on trade documents, after "." is deleted and case folded).
constexpr std::string_view kLegalForms[] = {
    "ab",  "ad",   "ag",           "aps",  "as",      "asa",  "bhd",         "bv",   "bvba",
    "cie", "cjsc", "co",           "comp", "company", "corp", "corporation", "cv",   "dd",
    "doo", "eg",   "ehf",          "eirl", "eood",    "ev",   "gbr",         "gk",   "gmbh",
    "hf",  "inc",  "incorporated", "jsc",  "kft",     "kg",   "kgaa",        "kk",   "limited",
    "llc", "llp",  "lp",           "ltd",  "ltda",    "mbh",  "nv",          "nyrt", "oao",
    "ohg", "ojsc", "ood",          "ooo",  "oy",      "oyj",  "pao",         "pjsc", "plc",
    "pt",  "pte",  "pty",          "pvt",  "sa",      "sae",  "sal",         "sarl", "sas",
    "sau", "sdn",  "se",           "sl",   "slu",     "snc",  "sp",          "spa",  "spzoo",
    "srl", "sro",  "tbk",          "tov",  "ug",      "vof",  "zao",         "zoo",  "zrt"};

// A word of up to 8 bytes as one integer, for comparing words in one step.
constexpr uint64_t PackWord(std::string_view word) {
  uint64_t packed = 0;
  for (size_t i = 0; i < word.size(); ++i) {
    packed |= uint64_t{static_cast<unsigned char>(word[i])} << (8 * i);
  }
  return packed;
}

// kLegalForms of up to 8 bytes, packed and sorted.
constexpr auto kPackedLegalForms = [] {
  std::array<uint64_t, std::size(kLegalForms)> packed{};
  size_t count = 0;
  for (std::string_view form : kLegalForms) {
    if (form.size() <= 8) packed[count++] = PackWord(form);
  }
  for (size_t i = count; i < packed.size(); ++i) packed[i] = ~uint64_t{0};
  std::sort(packed.begin(), packed.end());
  return packed;
}();

bool IsLegalForm(std::string_view word) {
  static_assert(std::is_sorted(std::begin(kLegalForms), std::end(kLegalForms)),
                "kLegalForms must be sorted for binary search");
  if (word.empty()) return false;
  if (word.size() <= 8) {
    return std::binary_search(kPackedLegalForms.begin(), kPackedLegalForms.end(), PackWord(word));
  }
  return std::binary_search(std::begin(kLegalForms), std::end(kLegalForms), word);
}

}  // namespace

std::string NormalisePartyName(std::string_view name) {
  std::string key;
  NormalisePartyName(name, &key);
  return key;
}

void NormalisePartyName(std::string_view name, std::string* key) {
  // Case folding: plain ASCII (most trade names) needs no utf8proc: NFKC,
  // mark stripping and ignorable removal do nothing to ASCII, and folding is
  // A-Z -> a-z, done below byte by byte.
  thread_local std::string folded;
  std::string_view source = name;
  if (!IsAscii(name)) {
    utf8proc_uint8_t* mapped = nullptr;
    const utf8proc_ssize_t mapped_size = utf8proc_map(
        reinterpret_cast<const utf8proc_uint8_t*>(name.data()),
        static_cast<utf8proc_ssize_t>(name.size()), &mapped,
        static_cast<utf8proc_option_t>(UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_COMPOSE |
                                       UTF8PROC_CASEFOLD | UTF8PROC_STRIPMARK | UTF8PROC_IGNORE));
    if (mapped_size >= 0 && mapped != nullptr) {
      folded.assign(reinterpret_cast<const char*>(mapped), static_cast<size_t>(mapped_size));
    } else {
      folded.assign(name);  // invalid UTF-8: compare the bytes as they are
    }
    std::free(mapped);
    source = folded;
  }

  // Words, written to *key joined by single spaces ("." and "'" deleted,
  // other punctuation ends a word); `words` holds their [begin, end) there.
  thread_local std::vector<std::pair<uint32_t, uint32_t>> words;
  words.clear();
  key->clear();
  key->reserve(source.size() + 1);
  bool in_word = false;
  for (const char c : source) {
    auto byte = static_cast<unsigned char>(c);
    if (byte == '.' || byte == '\'') continue;
    if (byte >= 'A' && byte <= 'Z') byte = static_cast<unsigned char>(byte - 'A' + 'a');
    const bool word_byte =
        byte >= 0x80 || (byte >= 'a' && byte <= 'z') || (byte >= '0' && byte <= '9');
    if (word_byte) {
      if (!in_word) {
        if (!words.empty()) key->push_back(' ');
        words.emplace_back(static_cast<uint32_t>(key->size()), 0);
        in_word = true;
      }
      key->push_back(static_cast<char>(byte));
    } else if (in_word) {
      words.back().second = static_cast<uint32_t>(key->size());
      in_word = false;
    }
  }
  if (in_word) words.back().second = static_cast<uint32_t>(key->size());
  auto word = [&key](size_t index) {
    return std::string_view(key->data() + words[index].first,
                            words[index].second - words[index].first);
  };

  // Legal forms off the end, then off the start; at least one word stays.
  size_t first = 0;
  size_t last = words.size();
  while (last > first + 1 && IsLegalForm(word(last - 1))) --last;
  while (last > first + 1 && IsLegalForm(word(first))) ++first;
  if (last == 0) return;
  key->resize(words[last - 1].second);
  key->erase(0, words[first].first);
}

}  // namespace cordon
