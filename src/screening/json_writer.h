// Internal to the screening module: JSON written straight into a
// std::string, for what runs once per declaration at high rates (result
// lines, stored declarations and model inputs), where building a
// nlohmann::json DOM per declaration cost more than the rest of the work.
// Strings are always valid JSON and escaped exactly as nlohmann::json's
// dump(-1, ' ', false, error_handler_t::replace) escapes them, and
// DumpedNumber writes a double as that dump does, so text once built through
// nlohmann (stored declarations, model inputs) keeps its bytes.
//
// Thread safety: a JsonWriter belongs to one thread; the functions are pure.
#pragma once

#include <algorithm>
#include <bit>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include <fmt/format.h>

namespace cordon::json_internal {

// The longest text WriteDumpedNumber writes ("-2.2250738585072014e-308").
inline constexpr size_t kMaxDumpedNumber = 32;
// Writes `value` at `at` as nlohmann::json's dump does (JsonWriter::DumpedNumber)
// and returns the end; writes at most kMaxDumpedNumber bytes.
char* WriteDumpedNumber(char* at, double value);

// Length of the valid UTF-8 sequence starting at text[pos], or 0.
inline size_t Utf8SequenceLength(std::string_view text, size_t pos) {
  auto byte = [&text](size_t at) { return static_cast<unsigned char>(text[at]); };
  unsigned char lead = byte(pos);
  size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : lead >= 0xC2 ? 2 : 0;
  if (lead > 0xF4 || length == 0 || pos + length > text.size()) return 0;
  for (size_t offset = 1; offset < length; ++offset) {
    if ((byte(pos + offset) & 0xC0) != 0x80) return 0;
  }
  unsigned char second = byte(pos + 1);
  // Overlong forms, UTF-16 surrogates and code points above U+10FFFF.
  if ((lead == 0xE0 && second < 0xA0) || (lead == 0xED && second > 0x9F) ||
      (lead == 0xF0 && second < 0x90) || (lead == 0xF4 && second > 0x8F)) {
    return 0;
  }
  return length;
}

// Length of the invalid sequence at text[pos] that one U+FFFD replaces: the
// longest prefix of a well-formed sequence found there (to the end of the
// text if it stops there), at least one byte. This is Unicode's "maximal
// subpart" practice, and what nlohmann::json's dump with
// error_handler_t::replace does, whose output the stored declarations and
// model inputs must keep byte for byte.
inline size_t InvalidSubpartLength(std::string_view text, size_t pos) {
  auto byte = [&text](size_t at) { return static_cast<unsigned char>(text[at]); };
  const unsigned char lead = byte(pos);
  if (lead < 0xC2 || lead > 0xF4) return 1;
  const size_t length = lead >= 0xF0 ? 4 : lead >= 0xE0 ? 3 : 2;
  unsigned char low = lead == 0xE0 ? 0xA0 : lead == 0xF0 ? 0x90 : 0x80;
  unsigned char high = lead == 0xED ? 0x9F : lead == 0xF4 ? 0x8F : 0xBF;
  size_t at = pos + 1;
  for (; at < pos + length && at < text.size(); ++at) {
    if (byte(at) < low || byte(at) > high) break;
    low = 0x80;
    high = 0xBF;
  }
  return at - pos;
}

// Flags the bytes of `word` that a JSON string cannot hold as they are: a
// control character, '"', '\\' or a byte of 0x80 or more (which may start
// invalid UTF-8). The lowest flagged byte is always a true match (bytes above
// it may be flagged falsely), so a word without flags has no such byte.
inline uint64_t SpecialBytes(uint64_t word) {
  constexpr uint64_t kOnes = 0x0101010101010101ULL;
  constexpr uint64_t kHighs = 0x8080808080808080ULL;
  auto zero_bytes = [](uint64_t bytes) { return (bytes - kOnes) & ~bytes & kHighs; };
  return ((word - kOnes * 0x20) & ~word & kHighs) | (word & kHighs) |
         zero_bytes(word ^ (kOnes * '"')) | zero_bytes(word ^ (kOnes * '\\'));
}

template <typename Word>
inline Word LoadWord(const char* at) {
  Word word;
  std::memcpy(&word, at, sizeof word);
  return word;
}

// Where the first byte of text[pos, end) that needs escaping stands, or
// text.size(). Eight bytes at a time; a tail of fewer than eight is tested
// with overlapping loads, so a short plain text (most are) takes no loop.
inline size_t PlainEnd(std::string_view text, size_t pos) {
  static_assert(std::endian::native == std::endian::little);
  const char* data = text.data();
  const size_t size = text.size();
  for (; pos + 8 <= size; pos += 8) {
    if (uint64_t found = SpecialBytes(LoadWord<uint64_t>(data + pos)); found != 0) {
      return pos + static_cast<size_t>(std::countr_zero(found) / 8);
    }
  }
  const size_t rest = size - pos;
  if (rest == 0) return size;
  if (size >= 8) {
    // The last eight bytes, of which the first 8 - rest were tested above.
    // When a flag is left, the byte loop below finds the first true one: a
    // special byte among those tested above (the one before `pos`, say) can
    // flag a byte after it falsely (']' after '\\').
    uint64_t found = SpecialBytes(LoadWord<uint64_t>(data + size - 8)) >> (8 * (8 - rest));
    if (found == 0) return size;
  } else if (rest >= 4) {
    uint64_t word = LoadWord<uint32_t>(data + pos) |
                    uint64_t{LoadWord<uint32_t>(data + size - 4)} << 32;
    if (SpecialBytes(word) == 0) return size;
  }
  for (; pos < size; ++pos) {
    unsigned char c = static_cast<unsigned char>(data[pos]);
    if (c < 0x20 || c >= 0x80 || c == '"' || c == '\\') break;
  }
  return pos;
}

// Appends to a std::string through a buffer on the stack, flushed when full
// and by Finish(): a result is dozens of small pieces, and each append or
// push_back on the string itself checks its capacity and writes its
// terminating zero. (Not flushed by a destructor, which must not throw.)
class JsonWriter {
 public:
  explicit JsonWriter(std::string* out) : out_(out) {}
  JsonWriter(const JsonWriter&) = delete;
  JsonWriter& operator=(const JsonWriter&) = delete;

  // Appends what is still buffered; call once at the end.
  void Finish() { Flush(); }

  void Char(char c) {
    if (used_ == kCapacity) Flush();
    buffer_[used_++] = c;
  }
  // A literal: its length is known when compiling, so the copy is inlined.
  template <size_t N>
  void Literal(const char (&text)[N]) {
    static_assert(N - 1 <= kCapacity);
    Room(N - 1);
    std::memcpy(buffer_ + used_, text, N - 1);
    used_ += N - 1;
  }
  void Raw(std::string_view text) {
    if (text.size() > kCapacity - used_) {
      Flush();
      if (text.size() > kCapacity) {
        out_->append(text);
        return;
      }
    }
    std::memcpy(buffer_ + used_, text.data(), text.size());
    used_ += text.size();
  }
  void Bool(bool value) {
    if (value) {
      Literal("true");
    } else {
      Literal("false");
    }
  }

  // A JSON string, escaped per RFC 8259 as nlohmann::json's dump escapes
  // (\b \f \n \r \t short, other control characters \u00xx, nothing
  // else); each maximal invalid UTF-8 subpart (InvalidSubpartLength) becomes
  // one U+FFFD.
  [[gnu::always_inline]] void String(std::string_view text) {
    // Most strings are short and need no escapes: one test of their bytes
    // and a copy by fixed-size moves, without a call to memcpy.
    if (text.size() <= kShortString && kCapacity - used_ >= kShortString + 2 &&
        PlainEnd(text, 0) == text.size()) {
      char* at = buffer_ + used_;
      *at = '"';
      CopyShort(at + 1, text.data(), text.size());
      at[text.size() + 1] = '"';
      used_ += text.size() + 2;
      return;
    }
    EscapedString(text);
  }

  // String() for the rest: long strings, and strings with bytes to escape.
  [[gnu::noinline]] void EscapedString(std::string_view text) {
    Char('"');
    size_t pos = 0;
    while (true) {
      // A run of bytes that need no escaping, appended at once.
      size_t plain = PlainEnd(text, pos);
      Raw(text.substr(pos, plain - pos));
      pos = plain;
      if (pos == text.size()) break;
      unsigned char c = static_cast<unsigned char>(text[pos]);
      if (c == '"' || c == '\\') {
        Char('\\');
        Char(static_cast<char>(c));
        ++pos;
      } else if (c < 0x20) {
        switch (c) {
          case '\b': Literal("\\b"); break;
          case '\f': Literal("\\f"); break;
          case '\n': Literal("\\n"); break;
          case '\r': Literal("\\r"); break;
          case '\t': Literal("\\t"); break;
          default: {
            constexpr char kHex[] = "0123456789abcdef";
            Literal("\\u00");
            Char(kHex[c >> 4]);
            Char(kHex[c & 0xF]);
          }
        }
        ++pos;
      } else if (size_t length = Utf8SequenceLength(text, pos); length > 0) {
        Raw(text.substr(pos, length));
        pos += length;
      } else {
        Literal("\xEF\xBF\xBD");  // U+FFFD REPLACEMENT CHARACTER
        pos += InvalidSubpartLength(text, pos);
      }
    }
    Char('"');
  }

  template <typename Int>
  void Integer(Int value) {
    Room(24);
    used_ = static_cast<size_t>(
        std::to_chars(buffer_ + used_, buffer_ + kCapacity, value).ptr - buffer_);
  }

  // A number rounded to 4 decimals, written as fmt's "{}" writes the rounded
  // double (its shortest round-trip form). Below 1e11 that form is the exact
  // decimal k/10^4 without trailing zeros: a decimal of at most 15
  // significant digits is the only one of that length or shorter that reads
  // back to its nearest double. Larger values go through fmt.
  void Number(double value) {
    if (!std::isfinite(value)) value = 0;
    const double scaled = std::round(value * 10000);
    if (!(std::fabs(scaled) < 1e15)) {
      Room(32);
      used_ += std::min<size_t>(fmt::format_to_n(buffer_ + used_, 32, "{}", scaled / 10000).size, 32);
      return;
    }
    Room(24);
    char* at = buffer_ + used_;
    if (std::signbit(scaled)) *at++ = '-';  // fmt writes -0 too
    const auto units = static_cast<uint64_t>(std::fabs(scaled));
    at = std::to_chars(at, buffer_ + kCapacity, units / 10000).ptr;
    if (uint64_t fraction = units % 10000; fraction != 0) {
      *at++ = '.';
      for (uint64_t place = 1000; fraction != 0; place /= 10) {
        *at++ = static_cast<char>('0' + fraction / place);
        fraction %= place;
      }
    }
    used_ = static_cast<size_t>(at - buffer_);
  }

  // A double as nlohmann::json's dump writes it: its shortest round-trip
  // digits (Grisu2), "1200.0" for a whole number, exponent from 1e15 and
  // below 1e-4 ("1e+15", "1.5e-05"), null when not finite.
  void DumpedNumber(double value) {
    Room(kMaxDumpedNumber);
    used_ = static_cast<size_t>(WriteDumpedNumber(buffer_ + used_, value) - buffer_);
  }

 private:
  static constexpr size_t kCapacity = 1024;
  static constexpr size_t kShortString = 64;

  // Copies `size` (at most kShortString) bytes by overlapping fixed-size
  // moves, reading nothing outside [from, from + size).
  static void CopyShort(char* to, const char* from, size_t size) {
    if (size >= 16) {
      for (size_t at = 0; at + 16 < size; at += 16) std::memcpy(to + at, from + at, 16);
      std::memcpy(to + size - 16, from + size - 16, 16);
    } else if (size >= 8) {
      std::memcpy(to, from, 8);
      std::memcpy(to + size - 8, from + size - 8, 8);
    } else if (size >= 4) {
      std::memcpy(to, from, 4);
      std::memcpy(to + size - 4, from + size - 4, 4);
    } else if (size > 0) {
      to[0] = from[0];
      to[size / 2] = from[size / 2];
      to[size - 1] = from[size - 1];
    }
  }

  void Room(size_t bytes) {
    if (bytes > kCapacity - used_) Flush();
  }
  void Flush() {
    out_->append(buffer_, used_);
    used_ = 0;
  }

  std::string* out_;
  size_t used_ = 0;
  char buffer_[kCapacity];
};

}  // namespace cordon::json_internal
