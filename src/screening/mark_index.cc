#include "screening/mark_index.h"

#include <hs/hs.h>
#include <sys/mman.h>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

#include <algorithm>
#include <array>
#include <bitset>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/codes.h"
#include "screening/embedded_data.h"
#include "screening/hit_cache.h"
#include "screening/text_normalise.h"

// Inlined into the probe loops, which run for every residue of every span.
#define CORDON_ALWAYS_INLINE __attribute__((always_inline))

namespace cordon {
namespace {

// Issue 3: "edit distance 1 for marks of 5-8 letters, 2 for 9 or more; short
// marks exact only". Letters and digits of the matching key, spaces not
// counted. Marks with characters outside ASCII after normalisation (e.g. a
// mark in Chinese characters) are matched exactly: a byte-level distance
// would not mean "one character".
int AllowedDistance(std::string_view key) {
  size_t letters = 0;
  for (char c : key) {
    if (c == ' ') continue;
    if (static_cast<unsigned char>(c) >= 0x80) return 0;
    ++letters;
  }
  if (letters >= 9) return 2;
  if (letters >= 5) return 1;
  return 0;
}

// What a Hyperscan id stands for (FuzzyEngine::kPigeonhole and
// kHyperscanEditDistance only).
enum class PieceKind : uint8_t {
  kWhole,         // literal " key ": an exact, word-aligned occurrence
  kPrefix,        // literal " " + key[0, length): a span starts here
  kMiddle,        // literal key[offset, offset + length), anywhere
  kSuffix,        // literal key[offset, n) + " ": a span ends here
  kEditDistance,  // Hyperscan edit_distance pattern of the whole key
};

struct PieceRef {
  uint32_t key;
  PieceKind kind;
  uint32_t offset;    // in the key
  uint32_t length;    // in the key, without padding spaces
  uint32_t key_size;  // bytes of the whole key
};

struct MarkData {
  std::string text;
  int right_index = 0;
  std::bitset<100> chapters;  // HS chapters covered by the right's Nice classes
};

// The ASCII letters (case folded) and digits of a text as bits 0-35, and
// kNonAscii when it has a byte outside ASCII.
constexpr uint64_t kNonAscii = uint64_t{1} << 63;
constexpr auto kCharacterBit = [] {
  std::array<uint64_t, 256> bits{};
  for (int c = 0; c < 256; ++c) {
    if (c >= 0x80) bits[c] = kNonAscii;
    if (c >= 'a' && c <= 'z') bits[c] = uint64_t{1} << (c - 'a');
    if (c >= 'A' && c <= 'Z') bits[c] = uint64_t{1} << (c - 'A');
    if (c >= '0' && c <= '9') bits[c] = uint64_t{1} << (26 + c - '0');
  }
  return bits;
}();
uint64_t CharacterBits(std::string_view text) {
  uint64_t bits = 0;
  for (const char c : text) bits |= kCharacterBit[static_cast<unsigned char>(c)];
  return bits;
}

struct PartyKey {
  std::string name_key;  // NormalisePartyName
  std::string country;   // upper case
  // CharacterBits(name_key) without kNonAscii. NormalisePartyName of an
  // ASCII name only deletes bytes, folds case and turns runs of other bytes
  // into spaces, so a name whose CharacterBits lack one of these cannot have
  // this key and needs no normalising.
  uint64_t characters = 0;
};

struct ApplicationData {
  std::string id;
  std::vector<std::string> goods_hs;
  std::vector<PartyKey> authorised;
  std::vector<MarkData> marks;
};

struct Occurrence {
  uint32_t application;
  uint32_t mark;
};

struct Key {
  std::string text;  // the matching key of the mark
  int max_distance = 0;
  std::vector<Occurrence> occurrences;
};

// `upper` (already upper case) and `country` are the same code, ignoring the
// case of `country`.
bool SameCountry(std::string_view upper, std::string_view country) {
  if (upper.size() != country.size()) return false;
  for (size_t i = 0; i < upper.size(); ++i) {
    char c = country[i];
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    if (c != upper[i]) return false;
  }
  return true;
}

std::string UpperAscii(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

// ---------------------------------------------------------------------------
// Flat hash tables of the deletion index. Open addressing with linear
// probing over power-of-two arrays, slots chosen by multiply-shift of a
// 64-bit value; no per-entry allocation and no pointers to chase.

constexpr uint32_t kNoValue = 0xFFFFFFFFu;
constexpr uint64_t kFnvOffset = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;

// FNV-1a, one byte at a time: spans are hashed incrementally as they grow
// word by word.
inline uint64_t HashByte(uint64_t hash, unsigned char byte) { return (hash ^ byte) * kFnvPrime; }

uint64_t HashBytes(std::string_view bytes) {
  uint64_t hash = kFnvOffset;
  for (char c : bytes) hash = HashByte(hash, static_cast<unsigned char>(c));
  return hash;
}

// Smallest power-of-two exponent with 2^bits >= wanted (at least 2^4).
int BitsFor(size_t wanted) {
  int bits = 4;
  while ((size_t{1} << bits) < wanted) ++bits;
  return bits;
}

// A set of distinct byte strings, each with its insertion index as value
// (the keys matched exactly, the generic words). A hit on the 64-bit hash is
// confirmed by comparing bytes, so collisions cost time, never correctness.
class StringTable {
 public:
  void Add(std::string_view text) {
    entries_.push_back(Entry{HashBytes(text), static_cast<uint32_t>(arena_.size()),
                             static_cast<uint32_t>(text.size())});
    arena_.append(text);
  }

  void Finish() {
    const int bits = BitsFor(entries_.size() * 2);
    shift_ = 64 - bits;
    slots_.assign(size_t{1} << bits, kNoValue);
    const size_t mask = slots_.size() - 1;
    for (uint32_t entry = 0; entry < entries_.size(); ++entry) {
      size_t slot = Slot(entries_[entry].hash);
      while (slots_[slot] != kNoValue) slot = (slot + 1) & mask;
      slots_[slot] = entry;
    }
  }

  // The value of `text` (whose HashBytes is `hash`), or kNoValue.
  uint32_t Find(std::string_view text, uint64_t hash) const {
    if (entries_.empty()) return kNoValue;
    const size_t mask = slots_.size() - 1;
    for (size_t slot = Slot(hash);; slot = (slot + 1) & mask) {
      const uint32_t entry = slots_[slot];
      if (entry == kNoValue) return kNoValue;
      const Entry& candidate = entries_[entry];
      if (candidate.hash == hash && candidate.size == text.size() &&
          std::memcmp(arena_.data() + candidate.offset, text.data(), text.size()) == 0) {
        return entry;
      }
    }
  }
  uint32_t Find(std::string_view text) const { return Find(text, HashBytes(text)); }

  size_t size() const { return entries_.size(); }
  size_t bytes() const {
    return arena_.capacity() + entries_.capacity() * sizeof(Entry) +
           slots_.capacity() * sizeof(uint32_t);
  }

 private:
  struct Entry {
    uint64_t hash;
    uint32_t offset;  // in arena_
    uint32_t size;
  };
  size_t Slot(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ULL) >> shift_);
  }
  std::string arena_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> slots_;
  int shift_ = 60;
};

// Polynomial hashes of byte strings (mod 2^64, odd base): from the prefix
// hashes of a text, the hash of any substring, and of a substring with a few
// bytes deleted or with its halves joined, costs a few multiplications, so a
// deletion variant is probed without being built. A collision only adds a
// candidate; every candidate is verified on the text.
constexpr uint64_t kBase = 0x9E3779B97F4A7C15ULL;  // odd

// Probe classes: the same bytes mean different things in different tables,
// so each class salts its hashes.
constexpr uint64_t kKeyClass = 0x243F6A8885A308D3ULL;      // every key as it stands
constexpr uint64_t kWhole1Class = 0x13198A2E03707344ULL;   // key, 1 deletion (keys of 5-8)
constexpr uint64_t kWhole2Class = 0xA4093822299F31D0ULL;   // key, <= 2 deletions (keys of 9+)
constexpr uint64_t kBeforeClass = 0x082EFA98EC4E6C89ULL;   // the part of a key before a space
constexpr uint64_t kAfterClass = 0x452821E638D01377ULL;    // the part after a space
constexpr uint64_t kBefore1Class = 0xBE5466CF34E90C6CULL;  // the same, <= 1 deletion (keys of 9+)
constexpr uint64_t kAfter1Class = 0xC0AC29B7C97C50DDULL;

// A polynomial hash is already well spread over its 64 bits; one
// multiplication spreads the salt too. Both the index and the probes use it.
inline uint64_t Salted(uint64_t hash, uint64_t probe_class) {
  return (hash ^ probe_class) * 0x9E3779B97F4A7C15ULL;
}

// A value in [0, range) from 32 random bits (Lemire's multiply-shift).
inline size_t Reduce(uint32_t bits, size_t range) {
  return static_cast<size_t>((uint64_t{bits} * range) >> 32);
}

// A fixed-size array of 64-bit words for the big tables, aligned to 2 MiB
// and (on Linux) marked for transparent huge pages: probes land at random
// in tens of MiB, and with 4 KiB pages nearly every one would also miss the
// TLB.
class HugeArray {
 public:
  HugeArray() = default;
  HugeArray(const HugeArray&) = delete;
  HugeArray& operator=(const HugeArray&) = delete;
  ~HugeArray() { std::free(data_); }

  void Assign(size_t size) {
    std::free(data_);
    constexpr size_t kHugePage = size_t{1} << 21;
    const size_t wanted = std::max<size_t>(64, size * sizeof(uint64_t));
    const size_t align = wanted >= kHugePage ? kHugePage : 64;
    const size_t bytes = (wanted + align - 1) / align * align;
    data_ = static_cast<uint64_t*>(std::aligned_alloc(align, bytes));
    if (data_ == nullptr) std::abort();  // out of memory
#ifdef MADV_HUGEPAGE
    if (align == kHugePage) madvise(data_, bytes, MADV_HUGEPAGE);
#endif
    std::memset(data_, 0, bytes);
    size_ = size;
    bytes_ = bytes;
  }
  uint64_t& operator[](size_t i) { return data_[i]; }
  uint64_t operator[](size_t i) const { return data_[i]; }
  const uint64_t* data() const { return data_; }
  size_t size() const { return size_; }
  size_t bytes() const { return bytes_; }

 private:
  uint64_t* data_ = nullptr;
  size_t size_ = 0;
  size_t bytes_ = 0;
};

// Salted hash -> the keys that have it. Slots are one 64-bit word each: a
// 32-bit fingerprint and either a key or (top bit set) a run of keys. A
// filter sits in front: one 64-bit word per hash with two bits set (about 16
// bits per distinct hash, ~2% false positives), so most probes of a
// description, which find nothing, cost one access to a few MiB and none to
// the slots. Probing is split in steps (FilterWord, Passes, Slot, Visit) so
// that a caller can issue the memory accesses of many probes before waiting
// for any.
class ProbeTable {
 public:
  // `entries` of (salted hash, key); duplicates allowed.
  void Build(std::vector<std::pair<uint64_t, uint32_t>> entries) {
    std::sort(entries.begin(), entries.end());
    entries.erase(std::unique(entries.begin(), entries.end()), entries.end());
    std::vector<std::pair<uint64_t, uint32_t>> distinct;  // (hash, value)
    for (size_t i = 0; i < entries.size();) {
      size_t end = i + 1;
      while (end < entries.size() && entries[end].first == entries[i].first) ++end;
      uint32_t value = entries[i].second;
      if (end - i > 1) {
        value = kRunFlag | static_cast<uint32_t>(run_begin_.size());
        run_begin_.push_back(static_cast<uint32_t>(run_keys_.size()));
        for (size_t j = i; j < end; ++j) run_keys_.push_back(entries[j].second);
      }
      distinct.emplace_back(entries[i].first, value);
      i = end;
    }
    run_begin_.push_back(static_cast<uint32_t>(run_keys_.size()));
    distinct_ = distinct.size();
    entries.clear();
    entries.shrink_to_fit();

    filter_.Assign(std::max<size_t>(8, distinct.size() / 4));
    slots_.Assign(std::max<size_t>(16, distinct.size() * 3 / 2));
    for (const auto& [hash, value] : distinct) {
      filter_[FilterWord(hash)] |= FilterBits(hash);
      size_t slot = Slot(hash);
      while (slots_[slot] != 0) slot = slot + 1 == slots_.size() ? 0 : slot + 1;
      slots_[slot] = (uint64_t{Fingerprint(hash)} << 32) | value;
    }
  }

  bool empty() const { return distinct_ == 0; }
  uint32_t FilterWord(uint64_t hash) const {
    return static_cast<uint32_t>(Reduce(static_cast<uint32_t>(hash), filter_.size()));
  }
  const uint64_t* FilterAddress(uint32_t word) const { return filter_.data() + word; }
  size_t filter_size() const { return filter_.size(); }
  bool Passes(uint64_t hash, uint32_t word) const {
    const uint64_t bits = FilterBits(hash);
    return (filter_[word] & bits) == bits;
  }
  bool Passes(uint64_t hash) const { return Passes(hash, FilterWord(hash)); }
  size_t Slot(uint64_t hash) const {
    return Reduce(static_cast<uint32_t>(hash >> 32), slots_.size());
  }
  const uint64_t* SlotAddress(size_t slot) const { return slots_.data() + slot; }

  // Calls `visit(key)` for every key stored under `hash` (a salted hash
  // that Passes), starting at its Slot.
  template <typename Visitor>
  void Visit(uint64_t hash, Visitor&& visit) const {
    const uint32_t fingerprint = Fingerprint(hash);
    for (size_t slot = Slot(hash);; slot = slot + 1 == slots_.size() ? 0 : slot + 1) {
      const uint64_t entry = slots_[slot];
      if (entry == 0) return;
      if (static_cast<uint32_t>(entry >> 32) != fingerprint) continue;
      const auto value = static_cast<uint32_t>(entry);
      if ((value & kRunFlag) == 0) {
        visit(value);
      } else {
        const uint32_t run = value & ~kRunFlag;
        for (uint32_t i = run_begin_[run]; i < run_begin_[run + 1]; ++i) visit(run_keys_[i]);
      }
      // Another distinct hash may share the fingerprint; keep looking.
    }
  }

  size_t distinct() const { return distinct_; }
  size_t bytes() const {
    return filter_.bytes() + slots_.bytes() +
           (run_begin_.capacity() + run_keys_.capacity()) * sizeof(uint32_t);
  }

 private:
  static constexpr uint32_t kRunFlag = 0x80000000u;
  static uint64_t FilterBits(uint64_t hash) {
    const uint64_t mixed = hash * 0x9E3779B97F4A7C15ULL;
    return (uint64_t{1} << (mixed >> 58)) | (uint64_t{1} << ((mixed >> 52) & 63));
  }
  static uint32_t Fingerprint(uint64_t hash) {
    return static_cast<uint32_t>((hash * 0xD6E8FEB86659FD93ULL) >> 32) | 1u;  // never 0
  }
  HugeArray filter_;
  HugeArray slots_;  // 0 = empty
  std::vector<uint32_t> run_begin_;
  std::vector<uint32_t> run_keys_;
  size_t distinct_ = 0;
};

// Up to two sorted positions left out of a piece of text.
struct Gaps {
  uint32_t position[2];
  uint32_t count;
};

// Prefix hashes of a text: prefix[i] is the hash of text[0, i).
void PrefixHashes(std::string_view text, std::vector<uint64_t>& prefix) {
  prefix.resize(text.size() + 1);
  uint64_t hash = 0;
  prefix[0] = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    hash = hash * kBase + static_cast<unsigned char>(text[i]);
    prefix[i + 1] = hash;
  }
}

// A text with its prefix hashes, and hashes of its pieces with a few bytes
// left out. `powers[i]` is kBase^i, for i up to the longest piece hashed.
struct HashedText {
  const char* text;
  const uint64_t* prefix;
  const uint64_t* powers;

  uint64_t Piece(uint32_t begin, uint32_t end) const {
    return prefix[end] - prefix[begin] * powers[end - begin];
  }
  uint64_t Join(uint64_t left, uint64_t right, uint32_t right_size) const {
    return left * powers[right_size] + right;
  }
  // [begin, end) without the byte at `gap`.
  uint64_t Without(uint32_t begin, uint32_t end, uint32_t gap) const {
    return Join(Piece(begin, gap), Piece(gap + 1, end), end - gap - 1);
  }
  // [begin, end) without the bytes at `first` < `second`.
  uint64_t Without(uint32_t begin, uint32_t end, uint32_t first, uint32_t second) const {
    return Join(Join(Piece(begin, first), Piece(first + 1, second), second - first - 1),
                Piece(second + 1, end), end - second - 1);
  }
  // The hash of [begin, end) without `gaps`.
  uint64_t Without(uint32_t begin, uint32_t end, const Gaps& gaps) const {
    switch (gaps.count) {
      case 0:
        return Piece(begin, end);
      case 1:
        return Without(begin, end, gaps.position[0]);
      default:
        return Without(begin, end, gaps.position[0], gaps.position[1]);
    }
  }
};

}  // namespace

namespace screening_internal {

// A verified occurrence of a key in the padded text: [begin, end) are word
// boundaries.
struct Candidate {
  uint32_t key;
  uint32_t begin;
  uint32_t end;
  int distance;
  bool operator<(const Candidate& other) const {
    return std::tie(key, begin, end, distance) <
           std::tie(other.key, other.begin, other.end, other.distance);
  }
  bool SameSpan(const Candidate& other) const {
    return key == other.key && begin == other.begin && end == other.end;
  }
};

struct ApplicationHit {
  uint32_t application;
  uint32_t key;
  uint32_t mark;
  uint32_t occurrence;  // in IndexData::occurrences
  uint32_t begin;
  uint32_t end;
  int distance;
};

// A word of the padded text: [begin, end).
struct TextWord {
  uint32_t begin;
  uint32_t end;
};

// A span of words [first, last] of the padded text; its size in bytes, and
// without camel-case spaces.
struct SpanRecord {
  uint32_t first;
  uint32_t last;
  uint32_t size;
  uint32_t joined_size;
  uint64_t hash;        // of the padded bytes, when the span cache can hold the span
  uint64_t exact_hash;  // kKeyClass probe of the padded bytes, when no longer than a key
  bool maybe_key;       // exact_hash passes the filter
};

// One probe of the deletion index: a salted hash, for a span.
struct ProbeRecord {
  uint64_t hash;
  uint32_t span;
  uint32_t filter_word;  // ProbeTable::FilterWord(hash)
};

// The probes of one description for one table, written without per-probe
// capacity checks (Reserve before each span's probes).
struct ProbeList {
  std::vector<ProbeRecord> records;
  size_t size = 0;

  void Reserve(size_t extra) {
    if (records.size() < size + extra) records.resize(std::max(records.size() * 2, size + extra));
  }
};

// A party name and its NormalisePartyName key, for reuse while the name
// stays the same.
struct PartyMemo {
  std::string name;
  std::string key;
  bool valid = false;

  void Normalise(std::string_view new_name) {
    if (valid && new_name == name) return;
    name.assign(new_name);
    NormalisePartyName(new_name, &key);
    valid = true;
  }
};

// The two HitCaches (hit_cache.h) of a Scratch:
//  - SpanCache: for a span without camel-case spaces, what probing and
//    verification find (keys and distances, after the generic-word rule)
//    depends on nothing else. Descriptions repeat their words and phrases
//    (Zipf), so most spans of a stream are found here and cost one lookup
//    instead of dozens of probes.
//  - DescriptionCache: whole descriptions in which nothing was found at
//    all. Declarations repeat their goods descriptions ("cotton t-shirts"),
//    and most of them contain no mark, so such a description then costs a
//    hash and one comparison instead of normalising and probing.
using SpanCache = HitCache<32, 5>;          // 64-byte entries
using DescriptionCache = HitCache<112, 1>;  // 128-byte entries, no hits kept

struct MatchBuffers {
  NormalisedText normalised;
  std::string padded;  // " " + key + " ": word boundaries are spaces
  std::string joined;  // a span without its camel-case spaces (Hyperscan engines)
  // Hyperscan engines, for typing variants: non_generic_before[p] counts the
  // words starting before padded position p that are not generic words
  // (computed lazily).
  std::vector<uint32_t> non_generic_before;
  bool generic_counted = false;
  // Deletion index: the words of `padded`; camel_before[p] counts the
  // camel-case spaces before padded position p (only when there are any);
  // `joined_text` is `padded` without them; prefix hashes of both;
  // word_generic[w] is -1 until looked up, then 0 or 1; the spans, probes
  // and (span, key) pairs of one description.
  std::vector<TextWord> words;
  bool has_camel = false;
  std::vector<uint32_t> camel_before;
  std::string joined_text;
  std::vector<uint64_t> padded_prefix;
  std::vector<uint64_t> joined_prefix;
  std::vector<int8_t> word_generic;
  std::vector<SpanRecord> spans;
  ProbeList probes;                    // in IndexData::probes
  ProbeList whole2_probes;             // in IndexData::whole2
  std::vector<uint64_t> pairs;         // (2 * span + joined) << 32 | key
  std::vector<uint32_t> cache_misses;  // spans to store after probing
  std::vector<uint32_t> to_probe;      // spans not found in the cache
  SpanCache cache;
  DescriptionCache descriptions;  // descriptions without any candidate
  std::vector<Candidate> candidates;
  std::vector<ApplicationHit> hits;
  std::vector<ApplicationHit> kept;
  // The parties' NormalisePartyName keys, kept for the next call: the items
  // of one declaration share their parties.
  PartyMemo consignor;
  PartyMemo consignee;
  std::string item_hs;
};

}  // namespace screening_internal

using screening_internal::ApplicationHit;
using screening_internal::Candidate;
using screening_internal::DescriptionCache;
using screening_internal::MatchBuffers;
using screening_internal::ProbeList;
using screening_internal::ProbeRecord;
using screening_internal::SpanCache;
using screening_internal::SpanRecord;
using screening_internal::TextWord;

namespace screening_internal {

struct IndexData {
  std::vector<ApplicationData> applications;
  std::vector<Key> keys;

  // What assembling hits reads, flat so that a hit costs a few cache lines
  // rather than a chain of pointers: per key (KeyRecord) its occurrences,
  // each an (application, mark) pair (marks numbered across applications,
  // in order) with what a MarkHit needs of that mark and application;
  // strings in one arena, laid out application by application.
  struct MarkRecord {
    uint32_t text_offset;
    uint32_t text_size;
    int right_index;
    std::bitset<100> chapters;
  };
  struct ApplicationRecord {
    uint32_t id_offset;
    uint32_t id_size;
    uint32_t goods_begin;  // into goods
    uint32_t goods_end;
    uint32_t parties_begin;  // into parties
    uint32_t parties_end;
  };
  // An occurrence of a key, with what a hit on it needs of its mark and
  // application (one cache line).
  struct Occurrence {
    uint32_t application;
    uint32_t mark;
    MarkRecord mark_record;
    ApplicationRecord application_record;
  };
  static_assert(sizeof(Occurrence) == 64);
  std::vector<uint32_t> occurrence_begin;  // keys + 1
  // What probing, verification and assembling read of key k, in one cache
  // line: its text (in key_arena; the first bytes, all of a key of up to
  // kHead bytes, also here), edit limit, occurrences and neighbours (keys
  // within their own limit of it: neighbours[neighbour_begin,
  // neighbour_end)), so that a span equal to a key reads its neighbours
  // straight after the record.
  struct alignas(64) KeyRecord {
    static constexpr size_t kHead = 39;
    uint32_t offset;  // in key_arena
    uint32_t size;
    uint32_t occurrence_begin;
    uint32_t occurrence_end;
    uint32_t neighbour_begin;
    uint32_t neighbour_end;
    uint8_t limit;
    char head[kHead];
  };
  static_assert(sizeof(KeyRecord) == 64);
  std::vector<KeyRecord> key_records;
  std::string key_arena;
  const char* KeyText(const KeyRecord& key) const {
    return key.size <= KeyRecord::kHead ? key.head : key_arena.data() + key.offset;
  }
  std::vector<Occurrence> occurrences;
  std::vector<std::pair<uint32_t, uint32_t>> goods;  // (offset, size) in strings
  std::vector<PartyKey> parties;
  std::string strings;

  std::string_view String(uint32_t offset, uint32_t size) const {
    return std::string_view(strings).substr(offset, size);
  }
  FuzzyEngine engine = FuzzyEngine::kDeletionIndex;
  StringTable generic_words;  // matching keys of data/generic_words.txt + extra
  bool drop_generic_variants = true;
  size_t span_cache_entries = 0;
  size_t description_cache_entries = 0;
  size_t max_key_size = 0;
  size_t mark_count = 0;
  size_t pattern_count = 0;
  size_t database_bytes = 0;

  // FuzzyEngine::kDeletionIndex: the residues of keys allowed two edits
  // (most entries) in `whole2`, every other probe class in `probes`; what
  // the length filter and verification need per key is in key_records.
  ProbeTable probes;
  ProbeTable whole2;
  std::vector<uint64_t> powers;  // kBase^i for i <= max_span
  // Keys within their own limit of each key, key by key (KeyRecord).
  std::vector<uint32_t> neighbours;
  size_t min_size1 = 0, max_size1 = 0;  // keys allowed one edit (0 when none)
  size_t min_size2 = 0, max_size2 = 0;  // keys allowed two edits (0 when none)
  size_t max_span = 0;                  // longest span that can be a hit
  bool has_parts = false;               // a fuzzy key has a space
  bool has_parts2 = false;              // a key allowed two edits has a space
  // The most spaces in a key allowed one edit, and two. An edit adds or
  // removes at most one space, so a span with more spaces than a key plus
  // the key's limit is not within the limit of it.
  size_t max_spaces1 = 0, max_spaces2 = 0;
  // The most spaces in a part of a key (before or after one of its
  // spaces): of any key allowed edits, and of keys allowed two.
  uint32_t max_part_spaces = 0, max_part_spaces2 = 0;

  // FuzzyEngine::kPigeonhole and kHyperscanEditDistance.
  // Hyperscan id -> refs [ref_begin[id], ref_begin[id + 1]).
  std::vector<uint32_t> ref_begin;
  std::vector<PieceRef> refs;
  hs_database_t* database = nullptr;
  hs_scratch_t* prototype_scratch = nullptr;
  std::mutex clone_mutex;  // hs_clone_scratch of the prototype, one at a time

  ~IndexData() {
    if (prototype_scratch != nullptr) hs_free_scratch(prototype_scratch);
    if (database != nullptr) hs_free_database(database);
  }

  bool IsGeneric(std::string_view word) const { return generic_words.Find(word) != kNoValue; }

  bool AllGeneric(std::string_view span) const {
    size_t start = 0;
    while (start <= span.size()) {
      size_t space = span.find(' ', start);
      if (space == std::string_view::npos) space = span.size();
      if (!IsGeneric(span.substr(start, space - start))) return false;
      start = space + 1;
    }
    return true;
  }
};

}  // namespace screening_internal

using screening_internal::IndexData;

namespace {

// Levenshtein distance of a and b when it is at most `limit` (<= 2 here),
// else limit + 1. Common prefix and suffix do not change the distance; once
// the first characters differ, an optimal alignment starts with substituting,
// deleting or inserting there, so at most 3 + 9 branches are tried, each
// stopping at the first mismatch. Much cheaper than a dynamic programme for
// the typical candidate, which fails within a few characters.
int BoundedLevenshtein(const char* a, size_t a_size, const char* b, size_t b_size, int limit) {
  while (a_size > 0 && b_size > 0 && *a == *b) {
    ++a;
    ++b;
    --a_size;
    --b_size;
  }
  while (a_size > 0 && b_size > 0 && a[a_size - 1] == b[b_size - 1]) {
    --a_size;
    --b_size;
  }
  const int too_far = limit + 1;
  if (a_size == 0 || b_size == 0) {
    const size_t rest = std::max(a_size, b_size);
    return rest <= static_cast<size_t>(limit) ? static_cast<int>(rest) : too_far;
  }
  if (limit == 0) return too_far;
  const size_t difference = a_size > b_size ? a_size - b_size : b_size - a_size;
  if (difference > static_cast<size_t>(limit)) return too_far;
  int best = too_far;
  best = std::min(best, 1 + BoundedLevenshtein(a + 1, a_size - 1, b + 1, b_size - 1, limit - 1));
  best = std::min(best, 1 + BoundedLevenshtein(a + 1, a_size - 1, b, b_size, limit - 1));
  best = std::min(best, 1 + BoundedLevenshtein(a, a_size, b + 1, b_size - 1, limit - 1));
  return std::min(best, too_far);
}

int BoundedLevenshtein(std::string_view a, std::string_view b, int limit) {
  return BoundedLevenshtein(a.data(), a.size(), b.data(), b.size(), limit);
}

// ---------------------------------------------------------------------------
// FuzzyEngine::kPigeonhole and kHyperscanEditDistance: candidates from
// Hyperscan matches.

bool IsWordStart(const std::string& padded, size_t position) {
  return position >= 1 && position + 1 < padded.size() && padded[position - 1] == ' ' &&
         padded[position] != ' ';
}

bool IsWordEnd(const std::string& padded, size_t position) {
  return position >= 2 && position < padded.size() && padded[position] == ' ' &&
         padded[position - 1] != ' ';
}

void CountGenericWords(const IndexData& impl, MatchBuffers& buffers) {
  const std::string& padded = buffers.padded;
  buffers.non_generic_before.assign(padded.size() + 1, 0);
  uint32_t count = 0;
  size_t position = 0;
  while (position < padded.size()) {
    buffers.non_generic_before[position] = count;
    if (IsWordStart(padded, position)) {
      const size_t word_end = padded.find(' ', position);
      const std::string_view word(padded.data() + position, word_end - position);
      if (!impl.IsGeneric(word)) ++count;
      for (size_t inside = position + 1; inside <= word_end; ++inside) {
        buffers.non_generic_before[inside] = count;
      }
      position = word_end;
      continue;
    }
    ++position;
  }
  buffers.non_generic_before[padded.size()] = count;
  buffers.generic_counted = true;
}

struct ScanContext {
  const IndexData* impl;
  MatchBuffers* buffers;
};

// Tries every word-aligned span [begin, end) with begin in [begin_low,
// begin_high] and end within the key's length +- its allowed distance (and in
// [end_low, end_high]); records those within the allowed distance.
void VerifySpans(const IndexData& impl, uint32_t key_id, long long begin_low, long long begin_high,
                 long long end_low, long long end_high, MatchBuffers& buffers) {
  const Key& key = impl.keys[key_id];
  const std::string& padded = buffers.padded;
  const auto key_size = static_cast<long long>(key.text.size());
  const long long limit = key.max_distance;
  begin_low = std::max(begin_low, 1LL);
  begin_high = std::min(begin_high, static_cast<long long>(padded.size()) - 2);
  if (impl.drop_generic_variants && !buffers.generic_counted) CountGenericWords(impl, buffers);
  for (long long begin = begin_low; begin <= begin_high; ++begin) {
    if (!IsWordStart(padded, static_cast<size_t>(begin))) continue;
    const long long first_end = std::max(end_low, begin + key_size - limit);
    const long long last_end =
        std::min({end_high, begin + key_size + limit, static_cast<long long>(padded.size()) - 1});
    for (long long end = first_end; end <= last_end; ++end) {
      if (end <= begin || !IsWordEnd(padded, static_cast<size_t>(end))) continue;
      // A span of generic words only is never a typing variant (its exact
      // occurrence comes from the whole-mark literal), so skip the check.
      if (impl.drop_generic_variants &&
          buffers.non_generic_before[static_cast<size_t>(end)] ==
              buffers.non_generic_before[static_cast<size_t>(begin)]) {
        continue;
      }
      const std::string_view span(padded.data() + begin, static_cast<size_t>(end - begin));
      int distance = BoundedLevenshtein(span, key.text, key.max_distance);
      if (distance > 0) {
        // A space the normaliser inserted at a camel-case boundary (it maps to
        // no input bytes) may also be read as no space: random case used as a
        // disguise ("UniBisK") can look like camel case.
        buffers.joined.clear();
        const NormalisedText& normalised = buffers.normalised;
        for (long long position = begin; position < end; ++position) {
          const auto key_position = static_cast<size_t>(position - 1);
          if (padded[static_cast<size_t>(position)] == ' ' &&
              normalised.source_begin[key_position] == normalised.source_end[key_position]) {
            continue;
          }
          buffers.joined.push_back(padded[static_cast<size_t>(position)]);
        }
        if (buffers.joined.size() != span.size()) {
          distance =
              std::min(distance, BoundedLevenshtein(buffers.joined, key.text, key.max_distance));
        }
      }
      if (distance <= key.max_distance) {
        buffers.candidates.push_back(
            Candidate{key_id, static_cast<uint32_t>(begin), static_cast<uint32_t>(end), distance});
      }
    }
  }
}

// Refs of one literal are sorted by (kind, key_size). For prefix and suffix
// pieces the span is anchored at one end, so only keys whose size is within
// kMaxDistance of a word-aligned span length from the anchor can match: a
// binary search skips the others (a short literal such as " ka" may stand for
// hundreds of marks).
constexpr long long kMaxDistance = 2;

const PieceRef* FirstWithSizeAtLeast(const PieceRef* first, const PieceRef* last, long long size) {
  return std::lower_bound(first, last, size, [](const PieceRef& ref, long long value) {
    return static_cast<long long>(ref.key_size) < value;
  });
}

int OnMatch(unsigned int id, unsigned long long /*from*/, unsigned long long to,
            unsigned int /*flags*/, void* context_pointer) {
  auto* context = static_cast<ScanContext*>(context_pointer);
  const IndexData& impl = *context->impl;
  MatchBuffers& buffers = *context->buffers;
  const std::string& padded = buffers.padded;
  const auto match_end = static_cast<long long>(to);
  constexpr long long kAny = -1;
  const auto text_end = static_cast<long long>(padded.size()) - 1;  // the closing space
  const long long longest_span = static_cast<long long>(impl.max_key_size) + kMaxDistance;
  const PieceRef* refs_end = impl.refs.data() + impl.ref_begin[id + 1];
  for (const PieceRef* group = impl.refs.data() + impl.ref_begin[id]; group < refs_end;) {
    const PieceKind kind = group->kind;
    const PieceRef* group_end = group;
    while (group_end < refs_end && group_end->kind == kind) ++group_end;
    switch (kind) {
      case PieceKind::kWhole:
        for (const PieceRef* ref = group; ref < group_end; ++ref) {
          const auto begin = static_cast<uint32_t>(match_end - ref->key_size - 1);
          buffers.candidates.push_back(
              Candidate{ref->key, begin, static_cast<uint32_t>(match_end - 1), 0});
        }
        break;
      case PieceKind::kPrefix: {
        const long long begin = match_end - static_cast<long long>(group->length);
        const PieceRef* cursor = group;
        for (long long end = begin + 1; end <= text_end && cursor < group_end; ++end) {
          if (!IsWordEnd(padded, static_cast<size_t>(end))) continue;
          const long long span = end - begin;
          if (span > longest_span) break;
          cursor = FirstWithSizeAtLeast(cursor, group_end, span - kMaxDistance);
          for (; cursor < group_end && cursor->key_size <= span + kMaxDistance; ++cursor) {
            VerifySpans(impl, cursor->key, begin, begin, kAny, text_end, buffers);
          }
        }
        break;
      }
      case PieceKind::kSuffix: {
        const long long end = match_end - 1;
        const PieceRef* cursor = group;
        for (long long begin = end - 1; begin >= 1 && cursor < group_end; --begin) {
          if (!IsWordStart(padded, static_cast<size_t>(begin))) continue;
          const long long span = end - begin;
          if (span > longest_span) break;
          cursor = FirstWithSizeAtLeast(cursor, group_end, span - kMaxDistance);
          for (; cursor < group_end && cursor->key_size <= span + kMaxDistance; ++cursor) {
            const long long key_size = cursor->key_size;
            const long long limit = impl.keys[cursor->key].max_distance;
            VerifySpans(impl, cursor->key, end - key_size - limit, end - key_size + limit, end, end,
                        buffers);
          }
        }
        break;
      }
      case PieceKind::kMiddle: {
        // Middle refs are sorted by offset: the span must start at a word
        // start within the key's distance of (piece position - offset).
        const long long piece_begin = match_end - static_cast<long long>(group->length);
        const PieceRef* cursor = group;
        for (long long begin = piece_begin + kMaxDistance; begin >= 1 && cursor < group_end;
             --begin) {
          if (!IsWordStart(padded, static_cast<size_t>(begin))) continue;
          const long long expected_offset = piece_begin - begin;
          if (expected_offset > longest_span) break;
          cursor = std::lower_bound(cursor, group_end, expected_offset - kMaxDistance,
                                    [](const PieceRef& ref, long long value) {
                                      return static_cast<long long>(ref.offset) < value;
                                    });
          for (const PieceRef* ref = cursor;
               ref < group_end &&
               static_cast<long long>(ref->offset) <= expected_offset + kMaxDistance;
               ++ref) {
            const long long limit = impl.keys[ref->key].max_distance;
            const long long shift = static_cast<long long>(ref->offset) - expected_offset;
            if (shift < -limit || shift > limit) continue;
            VerifySpans(impl, ref->key, begin, begin, match_end, text_end, buffers);
          }
        }
        break;
      }
      case PieceKind::kEditDistance:
        if (!IsWordEnd(padded, static_cast<size_t>(match_end))) break;
        for (const PieceRef* ref = group; ref < group_end; ++ref) {
          const long long key_size = ref->key_size;
          const long long limit = impl.keys[ref->key].max_distance;
          VerifySpans(impl, ref->key, match_end - key_size - limit, match_end - key_size + limit,
                      match_end, match_end, buffers);
        }
        break;
    }
    group = group_end;
  }
  return 0;  // continue scanning
}

// The pigeonhole pieces of a key of size n with allowed distance k: k + 1
// contiguous, disjoint pieces as equal in size as possible. A span within k
// edits of the key leaves at least one piece unchanged (each edit touches at
// most one piece, counting an insertion before a piece's first character as
// touching that piece and one after the last character as touching the
// last), and: the first piece, if unchanged, starts the span; the last, if
// unchanged, ends it; a middle one sits within k of its offset.
std::vector<std::pair<uint32_t, uint32_t>> Pieces(size_t size, int max_distance) {
  std::vector<std::pair<uint32_t, uint32_t>> pieces;  // (offset, length)
  const size_t count = static_cast<size_t>(max_distance) + 1;
  size_t offset = 0;
  for (size_t piece = 0; piece < count; ++piece) {
    const size_t length = size / count + (piece < size % count ? 1 : 0);
    pieces.emplace_back(static_cast<uint32_t>(offset), static_cast<uint32_t>(length));
    offset += length;
  }
  return pieces;
}

std::string HexEscaped(std::string_view literal) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string pattern;
  pattern.reserve(literal.size() * 4);
  for (char c : literal) {
    const auto byte = static_cast<unsigned char>(c);
    pattern += "\\x";
    pattern.push_back(kHex[byte >> 4]);
    pattern.push_back(kHex[byte & 0xF]);
  }
  return pattern;
}

// ---------------------------------------------------------------------------
// FuzzyEngine::kDeletionIndex.

// The words of `padded` and its prefix hashes, and whether any space between
// words is one the normaliser put at a camel-case boundary (it maps to no
// input bytes); if so, camel_before and joined_text (with its prefix hashes)
// for reading those spaces as absent.
void SplitWords(MatchBuffers& buffers) {
  const std::string& padded = buffers.padded;
  const NormalisedText& normalised = buffers.normalised;
  std::vector<TextWord>& words = buffers.words;
  std::vector<uint64_t>& prefix = buffers.padded_prefix;
  words.clear();
  buffers.has_camel = false;
  const auto size = static_cast<uint32_t>(padded.size());
  prefix.resize(size + 1);
  prefix[0] = 0;
  prefix[1] = ' ';
  uint64_t hash = ' ';
  uint32_t begin = 1;
  for (uint32_t position = 1; position < size; ++position) {
    const char c = padded[position];
    hash = hash * kBase + static_cast<unsigned char>(c);
    prefix[position + 1] = hash;
    if (c != ' ') continue;
    words.push_back(TextWord{begin, position});
    begin = position + 1;
    if (position + 1 < size &&
        normalised.source_begin[position - 1] == normalised.source_end[position - 1]) {
      buffers.has_camel = true;
    }
  }
  buffers.word_generic.assign(words.size(), -1);
  if (!buffers.has_camel) return;
  buffers.camel_before.assign(size + 1, 0);
  buffers.joined_text.clear();
  uint32_t count = 0;
  for (uint32_t position = 0; position < size; ++position) {
    buffers.camel_before[position] = count;
    const bool camel = position >= 1 && position + 1 < size && padded[position] == ' ' &&
                       normalised.source_begin[position - 1] == normalised.source_end[position - 1];
    if (camel) {
      ++count;
    } else {
      buffers.joined_text.push_back(padded[position]);
    }
  }
  buffers.camel_before[size] = count;
  PrefixHashes(buffers.joined_text, buffers.joined_prefix);
}

// Words [first, last] are all generic words (looked up once per word).
bool AllGenericWords(const IndexData& impl, MatchBuffers& buffers, size_t first, size_t last) {
  for (size_t w = first; w <= last; ++w) {
    int8_t& generic = buffers.word_generic[w];
    if (generic < 0) {
      const TextWord& word = buffers.words[w];
      generic = impl.IsGeneric(
                    std::string_view(buffers.padded.data() + word.begin, word.end - word.begin))
                    ? 1
                    : 0;
    }
    if (generic == 0) return false;
  }
  return true;
}

// The distance between `key` and the span of words [first, last], reading
// camel-case spaces as present or absent (keys allowed no edit: as present
// only); a candidate when within the key's limit, except typing variants made
// only of generic words.
void VerifySpan(const IndexData& impl, uint32_t key_id, size_t first, size_t last,
                MatchBuffers& buffers) {
  const IndexData::KeyRecord& key = impl.key_records[key_id];
  const int limit = key.limit;
  const char* key_text = impl.KeyText(key);
  const size_t key_size = key.size;
  const uint32_t begin = buffers.words[first].begin;
  const uint32_t end = buffers.words[last].end;
  const auto size = static_cast<size_t>(end - begin);
  int distance = BoundedLevenshtein(buffers.padded.data() + begin, size, key_text, key_size, limit);
  if (distance > 0 && limit > 0 && buffers.has_camel) {
    const uint32_t camel = buffers.camel_before[end] - buffers.camel_before[begin];
    if (camel > 0) {
      const uint32_t joined_begin = begin - buffers.camel_before[begin];
      distance = std::min(distance, BoundedLevenshtein(buffers.joined_text.data() + joined_begin,
                                                       size - camel, key_text, key_size, limit));
    }
  }
  if (distance > limit) return;
  if (distance > 0 && impl.drop_generic_variants && AllGenericWords(impl, buffers, first, last)) {
    return;
  }
  buffers.candidates.push_back(Candidate{key_id, begin, end, distance});
}

// Calls `emit(hash)` with the hash of [begin, end) without `fixed` (a
// position outside [first, last), or kNoGap) and without g, for every g in
// [first, last). Moving the gap from g to g + 1 puts text[g] back at g's
// rank and takes text[g + 1] out, which changes the hash by one
// multiply-add, so each residue costs a few instructions.
constexpr uint32_t kNoGap = 0xFFFFFFFFu;

template <typename Emit>
CORDON_ALWAYS_INLINE inline void Deletions(const HashedText& text, uint32_t begin, uint32_t end,
                                           uint32_t fixed, uint32_t first, uint32_t last,
                                           Emit&& emit) {
  if (first >= last) return;
  const uint32_t residue_size = end - begin - (fixed == kNoGap ? 1 : 2);
  const uint32_t below = fixed != kNoGap && fixed < first ? 1 : 0;
  uint64_t hash = fixed == kNoGap ? text.Without(begin, end, first)
                  : fixed < first ? text.Without(begin, end, fixed, first)
                                  : text.Without(begin, end, first, fixed);
  const auto* bytes = reinterpret_cast<const unsigned char*>(text.text);
  for (uint32_t gap = first;; ++gap) {
    emit(hash);
    if (gap + 1 >= last) break;
    const uint32_t rank = gap - begin - below;
    hash +=
        (uint64_t{bytes[gap]} - uint64_t{bytes[gap + 1]}) * text.powers[residue_size - 1 - rank];
  }
}

// The probes for one span [begin, end) of `text` (the padded text, or the
// joined text when the span has camel-case spaces); `space` is the position
// of its first space, or 0 when it is one word. Every key allowed one or two
// edits and within its limit of the span is stored under one of the salted
// hashes passed to `emit` (small table) or `emit_whole2` (large table),
// with others that verification rejects. Why this finds them all is in the
// header comment ("Typing variants").
template <typename Emit, typename EmitWhole2>
CORDON_ALWAYS_INLINE inline void ProbeSpanSteps(const IndexData& impl, const HashedText& text,
                                                uint32_t begin, uint32_t end, uint32_t space,
                                                uint32_t spaces, Emit&& emit,
                                                EmitWhole2&& emit_whole2) {
  const size_t size = end - begin;
  // Residues of a key allowed k edits are its deletion variants: sizes
  // from key size - k up to key size.
  auto fits1 = [&impl](size_t residue) {
    return residue + 1 >= impl.min_size1 && residue <= impl.max_size1;
  };
  auto fits2 = [&impl](size_t residue) {
    return residue + 2 >= impl.min_size2 && residue <= impl.max_size2;
  };
  auto emit1 = [&emit](uint64_t hash) CORDON_ALWAYS_INLINE { emit(Salted(hash, kWhole1Class)); };
  auto emit2 = [&emit_whole2](uint64_t hash)
                   CORDON_ALWAYS_INLINE { emit_whole2(Salted(hash, kWhole2Class)); };
  // Keys of each limit the span can be within that limit of, by size and
  // by spaces (IndexData::max_spaces1).
  const bool size1 = impl.max_size1 > 0 && size + 1 >= impl.min_size1 &&
                     size <= impl.max_size1 + 1 && spaces <= impl.max_spaces1 + 1;
  const bool size2 = impl.max_size2 > 0 && size + 2 >= impl.min_size2 &&
                     size <= impl.max_size2 + 2 && spaces <= impl.max_spaces2 + 2;
  if (space == 0) {
    // One word: symmetric deletion. Within one edit, the span and the key
    // lose at most one byte each to become equal; within two, two each.
    if (size1) {
      if (fits1(size)) emit1(text.Piece(begin, end));
      if (fits1(size - 1)) Deletions(text, begin, end, kNoGap, begin, end, emit1);
    }
    if (size2) {
      if (fits2(size)) emit2(text.Piece(begin, end));
      if (fits2(size - 1)) Deletions(text, begin, end, kNoGap, begin, end, emit2);
      if (fits2(size - 2)) {
        for (uint32_t second = begin + 1; second < end; ++second) {
          Deletions(text, begin, end, second, begin, second, emit2);
        }
      }
    }
    return;
  }
  // Several words. Either every space of the span is an edit (deleted, or
  // in place of a letter of the key), so there are at most two, and the
  // span without them is within the edits left of the key, whose own
  // spaces are all edits too: the residues on both sides are then free of
  // spaces, and only such residues are indexed...
  if (spaces == 1) {
    if (size1 && fits1(size - 1)) emit1(text.Without(begin, end, space));
    if (size2) {
      if (fits2(size - 1)) emit2(text.Without(begin, end, space));
      if (fits2(size - 2)) {
        Deletions(text, begin, end, space, begin, space, emit2);
        Deletions(text, begin, end, space, space + 1, end, emit2);
      }
    }
  } else if (spaces == 2 && size2 && fits2(size - 2)) {
    uint32_t second = space + 1;
    while (text.text[second] != ' ') ++second;
    emit2(text.Without(begin, end, space, second));
  }
  // ... or one of its spaces stands for a space of the key, and the words
  // before and after it match the key's parts before and after that space
  // with the edits shared between them: one part is exact, or (two edits)
  // each is within one. A part has at most the spaces of a key's part,
  // plus one per edit.
  if (!impl.has_parts || (!size1 && !size2)) return;
  const bool parts2 = impl.has_parts2 && size2;
  uint32_t at = space;
  for (uint32_t before_spaces = 0; before_spaces < spaces; ++before_spaces) {
    if (before_spaces > 0) {
      ++at;
      while (text.text[at] != ' ') ++at;
    }
    const uint32_t after_spaces = spaces - 1 - before_spaces;
    if (before_spaces <= impl.max_part_spaces) {
      emit(Salted(text.Piece(begin, at), kBeforeClass));
    }
    if (after_spaces <= impl.max_part_spaces) {
      emit(Salted(text.Piece(at + 1, end), kAfterClass));
    }
    if (!parts2 || before_spaces > impl.max_part_spaces2 + 1 ||
        after_spaces > impl.max_part_spaces2 + 1) {
      continue;
    }
    // Each part within one edit of the key's: the residues of one part are
    // probed, with at most one byte deleted, or, when the part has one
    // space more than any key's part, with one of its spaces deleted (few
    // and long: that part is taken first). Otherwise the longer part, the
    // more selective.
    const bool before_at_limit = before_spaces > impl.max_part_spaces2;
    const bool after_at_limit = after_spaces > impl.max_part_spaces2;
    const bool probe_before =
        before_at_limit != after_at_limit ? before_at_limit : at - begin >= end - at - 1;
    const uint32_t part_begin = probe_before ? begin : at + 1;
    const uint32_t part_end = probe_before ? at : end;
    const uint64_t part_class = probe_before ? kBefore1Class : kAfter1Class;
    auto emit_part = [&emit, part_class](uint64_t hash) { emit(Salted(hash, part_class)); };
    if ((probe_before ? before_spaces : after_spaces) > impl.max_part_spaces2) {
      for (uint32_t q = part_begin; q < part_end; ++q) {
        if (text.text[q] == ' ') emit_part(text.Without(part_begin, part_end, q));
      }
      continue;
    }
    emit_part(text.Piece(part_begin, part_end));
    Deletions(text, part_begin, part_end, kNoGap, part_begin, part_end, emit_part);
  }
}

// Writes the probes of one span into a ProbeList's records, prefetching
// each probe's filter word. The table's figures are copied in, and ProbeSpan
// works on a copy of the writer, so that the compiler keeps them in
// registers (stores of probe records could otherwise alias them).
struct ProbeWriter {
  const uint64_t* filter;
  size_t filter_size;
  ProbeRecord* cursor;
  uint32_t span;

  CORDON_ALWAYS_INLINE void operator()(uint64_t hash) {
    const auto word = static_cast<uint32_t>(Reduce(static_cast<uint32_t>(hash), filter_size));
    __builtin_prefetch(filter + word);
    *cursor++ = ProbeRecord{hash, span, word};
  }
};

void ProbeSpan(const IndexData& impl, const HashedText& text, uint32_t begin, uint32_t end,
               uint32_t space, uint32_t spaces, ProbeWriter& small, ProbeWriter& whole2) {
  ProbeWriter emit = small;
  ProbeWriter emit_whole2 = whole2;
  ProbeSpanSteps(impl, text, begin, end, space, spaces, emit, emit_whole2);
  small.cursor = emit.cursor;
  whole2.cursor = emit_whole2.cursor;
}

// When [begin, end) of `text` (whose kKeyClass hash `hash` passes the
// filter) is a key, adds (probe_span, key) and
// (probe_span, neighbour) for each of its neighbours (keys within their own
// limit of it) to `pairs` and returns true. A span that is a mark, the commonest hit,
// then costs one probe instead of dozens.
bool ExactKey(const IndexData& impl, const HashedText& text, uint32_t begin, uint32_t end,
              uint64_t hash, uint32_t probe_span, std::vector<uint64_t>& pairs) {
  const uint32_t size = end - begin;
  uint32_t found = kNoValue;
  impl.probes.Visit(hash, [&](uint32_t key) {
    const IndexData::KeyRecord& record = impl.key_records[key];
    if (record.size == size && std::memcmp(impl.KeyText(record), text.text + begin, size) == 0) {
      found = key;
    }
  });
  if (found == kNoValue) return false;
  pairs.push_back(uint64_t{probe_span} << 32 | found);
  const IndexData::KeyRecord& record = impl.key_records[found];
  for (uint32_t i = record.neighbour_begin; i < record.neighbour_end; ++i) {
    pairs.push_back(uint64_t{probe_span} << 32 | impl.neighbours[i]);
  }
  return true;
}

// Every span of whole words that can be a hit is probed, as it stands and
// (if it has camel-case spaces) joined, and the keys found are verified. The
// probes of the whole description are collected first and then run in
// steps, each step prefetching what the next one reads, so that the cache
// misses of a hundred-odd probes overlap instead of queueing.
void FindCandidates(const IndexData& impl, MatchBuffers& buffers) {
  if (impl.probes.empty() && impl.whole2.empty()) return;
  const std::vector<TextWord>& words = buffers.words;
  const HashedText padded{buffers.padded.data(), buffers.padded_prefix.data(), impl.powers.data()};
  HashedText joined = padded;
  if (buffers.has_camel) {
    joined =
        HashedText{buffers.joined_text.data(), buffers.joined_prefix.data(), impl.powers.data()};
  }
  std::vector<SpanRecord>& spans = buffers.spans;
  ProbeList& probes = buffers.probes;
  ProbeList& whole2_probes = buffers.whole2_probes;
  // (probe_span, key), probe_span = 2 * span + 1 for the joined reading.
  std::vector<uint64_t>& pairs = buffers.pairs;
  std::vector<uint32_t>& cache_misses = buffers.cache_misses;
  SpanCache& cache = buffers.cache;
  if (cache.enabled() != (impl.span_cache_entries > 0)) cache.Resize(impl.span_cache_entries);
  spans.clear();
  probes.size = 0;
  whole2_probes.size = 0;
  pairs.clear();
  cache_misses.clear();
  // The spans first, each cacheable one's cache entry prefetched, so that
  // the lookups below do not wait for memory one after the other.
  const bool use_cache = cache.enabled();
  for (size_t first = 0; first < words.size(); ++first) {
    const uint32_t begin = words[first].begin;
    for (size_t last = first; last < words.size(); ++last) {
      const uint32_t end = words[last].end;
      const uint32_t size = end - begin;
      const uint32_t camel =
          buffers.has_camel ? buffers.camel_before[end] - buffers.camel_before[begin] : 0;
      const uint32_t joined_size = size - camel;
      if (joined_size > impl.max_span) break;
      // Hashed only when it can be used: a span with camel-case spaces may be
      // longer than max_span, beyond the powers the hash needs (and such a
      // span is neither cached nor a key as it stands).
      const uint64_t hash = size <= impl.max_span ? padded.Piece(begin, end) : 0;
      if (camel == 0 && use_cache && size <= SpanCache::kBytes) cache.Prefetch(hash, size);
      uint64_t exact_hash = 0;
      if (size <= impl.max_key_size) {
        exact_hash = Salted(hash, kKeyClass);
        __builtin_prefetch(impl.probes.FilterAddress(impl.probes.FilterWord(exact_hash)));
      }
      spans.push_back(SpanRecord{static_cast<uint32_t>(first), static_cast<uint32_t>(last), size,
                                 joined_size, hash, exact_hash, false});
    }
  }
  // Then the lookups: a span found in the cache costs nothing more; a
  // missed one that may be a key prefetches the key's slot.
  std::vector<uint32_t>& to_probe = buffers.to_probe;
  to_probe.clear();
  for (uint32_t span = 0; span < spans.size(); ++span) {
    SpanRecord& record = spans[span];
    const uint32_t begin = words[record.first].begin;
    const uint32_t end = words[record.last].end;
    const uint32_t size = record.size;
    if (size == record.joined_size && use_cache && size <= SpanCache::kBytes) {
      const SpanCache::Entry* entry = cache.Find(record.hash, padded.text + begin, size);
      if (entry != nullptr) {
        for (uint32_t i = 0; i < entry->count; ++i) {
          buffers.candidates.push_back(Candidate{entry->hits[i] & 0x3FFFFFFFu, begin, end,
                                                 static_cast<int>(entry->hits[i] >> 30)});
        }
        continue;
      }
      cache_misses.push_back(span);
    }
    if (size <= impl.max_key_size) {
      record.maybe_key = impl.probes.Passes(record.exact_hash);
      if (record.maybe_key) {
        __builtin_prefetch(impl.probes.SlotAddress(impl.probes.Slot(record.exact_hash)));
      }
    }
    to_probe.push_back(span);
  }
  for (const uint32_t span : to_probe) {
    const size_t first = spans[span].first;
    const size_t last = spans[span].last;
    const uint32_t begin = words[first].begin;
    const uint32_t end = words[last].end;
    const uint32_t size = spans[span].size;
    const uint32_t camel = size - spans[span].joined_size;
    // At most this many probes per table for the span, raw and joined.
    const size_t bound = 2 * (size_t{size} + 2) * (size_t{size} + 2) + 16;
    probes.Reserve(bound);
    whole2_probes.Reserve(bound);
    ProbeWriter emit{impl.probes.FilterAddress(0), impl.probes.filter_size(),
                     probes.records.data() + probes.size, 2 * span};
    ProbeWriter emit_whole2{impl.whole2.FilterAddress(0), impl.whole2.filter_size(),
                            whole2_probes.records.data() + whole2_probes.size, 2 * span};
    const uint32_t probe_span = 2 * span;
    if (size <= impl.max_span &&
        !(spans[span].maybe_key &&
          ExactKey(impl, padded, begin, end, spans[span].exact_hash, probe_span, pairs))) {
      ProbeSpan(impl, padded, begin, end, last > first ? words[first].end : 0,
                static_cast<uint32_t>(last - first), emit, emit_whole2);
    }
    if (camel > 0) {
      // The same span with its camel-case spaces read as absent.
      emit.span = emit_whole2.span = 2 * span + 1;
      uint32_t space = 0;
      for (size_t w = first; w < last; ++w) {
        const uint32_t gap = words[w].end;
        if (buffers.camel_before[gap + 1] == buffers.camel_before[gap]) {
          space = gap - buffers.camel_before[gap];
          break;
        }
      }
      ProbeSpan(impl, joined, begin - buffers.camel_before[begin], end - buffers.camel_before[end],
                space, static_cast<uint32_t>(last - first) - camel, emit, emit_whole2);
    }
    probes.size = static_cast<size_t>(emit.cursor - probes.records.data());
    whole2_probes.size = static_cast<size_t>(emit_whole2.cursor - whole2_probes.records.data());
  }

  // Filter; survivors prefetch their slot. Then slots -> (probe_span, key)
  // pairs whose sizes are compatible with that reading of the span.
  auto run = [&](const ProbeTable& table, ProbeList& list) {
    size_t kept = 0;
    for (size_t i = 0; i < list.size; ++i) {
      const ProbeRecord& probe = list.records[i];
      if (!table.Passes(probe.hash, probe.filter_word)) continue;
      __builtin_prefetch(table.SlotAddress(table.Slot(probe.hash)));
      list.records[kept++] = probe;
    }
    list.size = kept;
  };
  run(impl.probes, probes);
  run(impl.whole2, whole2_probes);
  auto visit = [&](const ProbeTable& table, const ProbeList& list) {
    for (size_t i = 0; i < list.size; ++i) {
      const ProbeRecord& probe = list.records[i];
      const SpanRecord& span = spans[probe.span >> 1];
      const uint32_t size = (probe.span & 1) != 0 ? span.joined_size : span.size;
      table.Visit(probe.hash, [&](uint32_t key) {
        const IndexData::KeyRecord& record = impl.key_records[key];
        const uint32_t key_size = record.size;
        const uint32_t limit = record.limit;
        if (key_size <= size + limit && size <= key_size + limit) {
          pairs.push_back(uint64_t{probe.span} << 32 | key);
        }
      });
    }
  };
  visit(impl.probes, probes);
  visit(impl.whole2, whole2_probes);

  // Verify each (span, key) once, whichever reading found it.
  for (uint64_t& pair : pairs) pair = (pair >> 33) << 32 | (pair & 0xFFFFFFFFu);
  std::sort(pairs.begin(), pairs.end());
  pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
  const size_t verified_from = buffers.candidates.size();
  for (const uint64_t pair : pairs) {
    const SpanRecord& span = spans[pair >> 32];
    VerifySpan(impl, static_cast<uint32_t>(pair), span.first, span.last, buffers);
  }

  // Remember the hits of the spans not found in the cache (often none).
  // Verified candidates come in span order, like cache_misses.
  size_t next = verified_from;
  uint32_t hits[SpanCache::kHits];
  for (const uint32_t span_id : cache_misses) {
    const SpanRecord& span = spans[span_id];
    const uint32_t begin = words[span.first].begin;
    const uint32_t end = words[span.last].end;
    while (next < buffers.candidates.size() &&
           std::tie(buffers.candidates[next].begin, buffers.candidates[next].end) <
               std::tie(begin, end)) {
      ++next;
    }
    size_t count = 0;
    for (; next < buffers.candidates.size() && buffers.candidates[next].begin == begin &&
           buffers.candidates[next].end == end;
         ++next) {
      const Candidate& candidate = buffers.candidates[next];
      if (count < SpanCache::kHits) {
        hits[count] = candidate.key | static_cast<uint32_t>(candidate.distance) << 30;
      }
      ++count;
    }
    cache.Insert(span.hash, padded.text + begin, end - begin, hits, count);
  }
}

// Keys that share a residue in one class, as (key, other) both ways.
void PairsInRuns(const std::vector<std::pair<uint64_t, uint32_t>>& sorted,
                 std::vector<std::pair<uint32_t, uint32_t>>& pairs) {
  for (size_t i = 0; i < sorted.size();) {
    size_t end = i + 1;
    while (end < sorted.size() && sorted[end].first == sorted[i].first) ++end;
    for (size_t a = i; a < end; ++a) {
      for (size_t b = i; b < end; ++b) {
        if (sorted[a].second != sorted[b].second)
          pairs.emplace_back(sorted[a].second, sorted[b].second);
      }
    }
    i = end;
  }
}

// Indexes every key under its probe classes, then finds each key's
// neighbours: the keys K' within limit(K') of it, which are exactly the
// typing-variant hits of a span equal to it. Keys with the same limit are
// neighbours only if they share a residue of that limit's class (symmetric
// deletion), found by sorting; the others are found by probing the built
// tables with the key's residues of the other class.
void BuildDeletionIndex(IndexData& impl) {
  std::vector<std::pair<uint64_t, uint32_t>> entries;  // small table, but whole1
  // Every residue of each class (for finding neighbours), and those without
  // a space, which are all the tables hold: a span is probed with residues
  // that have spaces only for a space standing for one of the key's, and
  // that case goes through the parts of the key (ProbeSpanSteps).
  std::vector<std::pair<uint64_t, uint32_t>> whole1_entries;
  std::vector<std::pair<uint64_t, uint32_t>> whole2_entries;
  std::vector<std::pair<uint64_t, uint32_t>> whole1_table;
  std::vector<std::pair<uint64_t, uint32_t>> whole2_table;
  for (const Key& key : impl.keys) impl.max_key_size = std::max(impl.max_key_size, key.text.size());
  impl.powers.assign(impl.max_key_size + 3, 1);
  for (size_t i = 1; i < impl.powers.size(); ++i) impl.powers[i] = impl.powers[i - 1] * kBase;
  std::vector<uint64_t> prefix;
  for (uint32_t key_id = 0; key_id < impl.keys.size(); ++key_id) {
    const Key& key = impl.keys[key_id];
    const auto size = static_cast<uint32_t>(key.text.size());
    const int limit = key.max_distance;
    impl.max_span = std::max(impl.max_span, size + static_cast<size_t>(limit));
    PrefixHashes(key.text, prefix);
    const HashedText text{key.text.data(), prefix.data(), impl.powers.data()};
    auto add = [&entries, key_id](uint64_t hash, uint64_t probe_class) {
      entries.emplace_back(Salted(hash, probe_class), key_id);
    };
    add(text.Piece(0, size), kKeyClass);
    if (limit == 0) continue;
    const auto spaces = static_cast<uint32_t>(std::count(key.text.begin(), key.text.end(), ' '));
    size_t& max_spaces = limit == 1 ? impl.max_spaces1 : impl.max_spaces2;
    max_spaces = std::max<size_t>(max_spaces, spaces);
    if (spaces > 0) {
      impl.max_part_spaces = std::max(impl.max_part_spaces, spaces - 1);
      if (limit == 2) impl.max_part_spaces2 = std::max(impl.max_part_spaces2, spaces - 1);
    }
    // Whether a residue without `gaps` still has a space.
    auto spaced = [&key, spaces](const Gaps& gaps) {
      uint32_t gone = 0;
      for (uint32_t g = 0; g < gaps.count; ++g) gone += key.text[gaps.position[g]] == ' ' ? 1 : 0;
      return gone < spaces;
    };
    auto add_whole = [&](const Gaps& gaps, uint64_t probe_class,
                         std::vector<std::pair<uint64_t, uint32_t>>& all,
                         std::vector<std::pair<uint64_t, uint32_t>>& table) {
      const uint64_t hash = Salted(text.Without(0, size, gaps), probe_class);
      all.emplace_back(hash, key_id);
      if (!spaced(gaps)) table.emplace_back(hash, key_id);
    };
    if (limit == 1) {
      impl.min_size1 = impl.min_size1 == 0 ? size : std::min<size_t>(impl.min_size1, size);
      impl.max_size1 = std::max<size_t>(impl.max_size1, size);
      add_whole(Gaps{{0, 0}, 0}, kWhole1Class, whole1_entries, whole1_table);
      for (uint32_t gap = 0; gap < size; ++gap) {
        add_whole(Gaps{{gap, 0}, 1}, kWhole1Class, whole1_entries, whole1_table);
      }
    } else {
      impl.min_size2 = impl.min_size2 == 0 ? size : std::min<size_t>(impl.min_size2, size);
      impl.max_size2 = std::max<size_t>(impl.max_size2, size);
      add_whole(Gaps{{0, 0}, 0}, kWhole2Class, whole2_entries, whole2_table);
      for (uint32_t gap = 0; gap < size; ++gap) {
        add_whole(Gaps{{gap, 0}, 1}, kWhole2Class, whole2_entries, whole2_table);
      }
      for (uint32_t second = 1; second < size; ++second) {
        for (uint32_t first = 0; first < second; ++first) {
          add_whole(Gaps{{first, second}, 2}, kWhole2Class, whole2_entries, whole2_table);
        }
      }
    }
    for (uint32_t space = 0; space < size; ++space) {
      if (key.text[space] != ' ') continue;
      impl.has_parts = true;
      add(text.Piece(0, space), kBeforeClass);
      add(text.Piece(space + 1, size), kAfterClass);
      if (limit < 2) continue;
      impl.has_parts2 = true;
      add(text.Piece(0, space), kBefore1Class);
      for (uint32_t gap = 0; gap < space; ++gap) add(text.Without(0, space, gap), kBefore1Class);
      add(text.Piece(space + 1, size), kAfter1Class);
      for (uint32_t gap = space + 1; gap < size; ++gap) {
        add(text.Without(space + 1, size, gap), kAfter1Class);
      }
    }
  }
  auto sort_unique = [](std::vector<std::pair<uint64_t, uint32_t>>& list) {
    std::sort(list.begin(), list.end());
    list.erase(std::unique(list.begin(), list.end()), list.end());
  };
  sort_unique(whole1_entries);
  sort_unique(whole2_entries);
  std::vector<std::pair<uint32_t, uint32_t>> candidates;
  PairsInRuns(whole1_entries, candidates);
  PairsInRuns(whole2_entries, candidates);

  // Neighbours across limits: a key's residues in the class it is not
  // indexed in, joined with that class's residues.
  std::vector<std::pair<uint64_t, uint32_t>> cross1;
  std::vector<std::pair<uint64_t, uint32_t>> cross2;
  for (uint32_t key_id = 0; key_id < impl.keys.size(); ++key_id) {
    const std::string& text = impl.keys[key_id].text;
    const auto size = static_cast<uint32_t>(text.size());
    const int limit = impl.key_records[key_id].limit;
    PrefixHashes(text, prefix);
    const HashedText hashed{text.data(), prefix.data(), impl.powers.data()};
    if (limit != 1 && impl.max_size1 > 0 && size + 1 >= impl.min_size1 &&
        size <= impl.max_size1 + 1) {
      cross1.emplace_back(Salted(hashed.Piece(0, size), kWhole1Class), key_id);
      for (uint32_t gap = 0; gap < size; ++gap) {
        cross1.emplace_back(Salted(hashed.Without(0, size, gap), kWhole1Class), key_id);
      }
    }
    if (limit != 2 && impl.max_size2 > 0 && size + 2 >= impl.min_size2 &&
        size <= impl.max_size2 + 2) {
      cross2.emplace_back(Salted(hashed.Piece(0, size), kWhole2Class), key_id);
      for (uint32_t gap = 0; gap < size; ++gap) {
        cross2.emplace_back(Salted(hashed.Without(0, size, gap), kWhole2Class), key_id);
      }
      for (uint32_t second = 1; second < size; ++second) {
        for (uint32_t first = 0; first < second; ++first) {
          cross2.emplace_back(Salted(hashed.Without(0, size, first, second), kWhole2Class), key_id);
        }
      }
    }
  }
  // (probing key, indexed key) for every residue the two share.
  auto join = [&candidates](std::vector<std::pair<uint64_t, uint32_t>>& probing,
                            const std::vector<std::pair<uint64_t, uint32_t>>& indexed) {
    std::sort(probing.begin(), probing.end());
    size_t i = 0;
    size_t j = 0;
    while (i < probing.size() && j < indexed.size()) {
      if (probing[i].first < indexed[j].first) {
        ++i;
      } else if (indexed[j].first < probing[i].first) {
        ++j;
      } else {
        size_t j_end = j;
        while (j_end < indexed.size() && indexed[j_end].first == probing[i].first) ++j_end;
        for (; i < probing.size() && probing[i].first == indexed[j].first; ++i) {
          for (size_t k = j; k < j_end; ++k) {
            if (indexed[k].second != probing[i].second) {
              candidates.emplace_back(probing[i].second, indexed[k].second);
            }
          }
        }
        j = j_end;
      }
    }
    probing = {};
  };
  join(cross1, whole1_entries);
  join(cross2, whole2_entries);
  whole1_entries = {};
  whole2_entries = {};
  sort_unique(whole1_table);
  entries.insert(entries.end(), whole1_table.begin(), whole1_table.end());
  whole1_table = {};
  impl.probes.Build(std::move(entries));
  impl.whole2.Build(std::move(whole2_table));

  std::sort(candidates.begin(), candidates.end());
  candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());
  // Candidates are sorted by key, so each key's neighbours are contiguous.
  for (IndexData::KeyRecord& record : impl.key_records) {
    record.neighbour_begin = record.neighbour_end = 0;
  }
  for (const auto& [key_id, other] : candidates) {
    const std::string& text = impl.keys[key_id].text;
    const std::string& other_text = impl.keys[other].text;
    const int limit = impl.key_records[other].limit;
    if (BoundedLevenshtein(text, other_text, limit) > limit) continue;
    IndexData::KeyRecord& record = impl.key_records[key_id];
    if (record.neighbour_begin == record.neighbour_end) {
      record.neighbour_begin = static_cast<uint32_t>(impl.neighbours.size());
    }
    impl.neighbours.push_back(other);
    record.neighbour_end = static_cast<uint32_t>(impl.neighbours.size());
  }

  impl.pattern_count = impl.probes.distinct() + impl.whole2.distinct();
  impl.database_bytes = impl.probes.bytes() + impl.whole2.bytes() + impl.key_arena.capacity() +
                        impl.key_records.capacity() * sizeof(IndexData::KeyRecord) +
                        impl.neighbours.capacity() * sizeof(uint32_t) +
                        impl.powers.capacity() * sizeof(uint64_t);
}

// Fills IndexData's flat records for assembling hits (every engine).
void FlattenForHits(IndexData& impl) {
  std::vector<uint32_t> first_mark(impl.applications.size() + 1, 0);
  std::vector<IndexData::MarkRecord> mark_records;
  std::vector<IndexData::ApplicationRecord> application_records;
  for (uint32_t a = 0; a < impl.applications.size(); ++a) {
    const ApplicationData& application = impl.applications[a];
    IndexData::ApplicationRecord record{};
    record.id_offset = static_cast<uint32_t>(impl.strings.size());
    record.id_size = static_cast<uint32_t>(application.id.size());
    impl.strings += application.id;
    record.goods_begin = static_cast<uint32_t>(impl.goods.size());
    for (const std::string& goods : application.goods_hs) {
      impl.goods.emplace_back(static_cast<uint32_t>(impl.strings.size()),
                              static_cast<uint32_t>(goods.size()));
      impl.strings += goods;
    }
    record.goods_end = static_cast<uint32_t>(impl.goods.size());
    record.parties_begin = static_cast<uint32_t>(impl.parties.size());
    impl.parties.insert(impl.parties.end(), application.authorised.begin(),
                        application.authorised.end());
    record.parties_end = static_cast<uint32_t>(impl.parties.size());
    first_mark[a] = static_cast<uint32_t>(mark_records.size());
    for (const MarkData& mark : application.marks) {
      mark_records.push_back(IndexData::MarkRecord{static_cast<uint32_t>(impl.strings.size()),
                                                   static_cast<uint32_t>(mark.text.size()),
                                                   mark.right_index, mark.chapters});
      impl.strings += mark.text;
    }
    application_records.push_back(record);
  }
  impl.occurrence_begin.reserve(impl.keys.size() + 1);
  for (const Key& key : impl.keys) {
    impl.occurrence_begin.push_back(static_cast<uint32_t>(impl.occurrences.size()));
    for (const Occurrence& occurrence : key.occurrences) {
      const uint32_t mark = first_mark[occurrence.application] + occurrence.mark;
      impl.occurrences.push_back(
          IndexData::Occurrence{occurrence.application, mark, mark_records[mark],
                                application_records[occurrence.application]});
    }
  }
  impl.occurrence_begin.push_back(static_cast<uint32_t>(impl.occurrences.size()));
  impl.key_records.resize(impl.keys.size());
  for (uint32_t key_id = 0; key_id < impl.keys.size(); ++key_id) {
    const std::string& text = impl.keys[key_id].text;
    IndexData::KeyRecord& record = impl.key_records[key_id];
    record = IndexData::KeyRecord{};
    record.offset = static_cast<uint32_t>(impl.key_arena.size());
    record.size = static_cast<uint32_t>(text.size());
    record.occurrence_begin = impl.occurrence_begin[key_id];
    record.occurrence_end = impl.occurrence_begin[key_id + 1];
    record.limit = static_cast<uint8_t>(impl.keys[key_id].max_distance);
    std::memcpy(record.head, text.data(), std::min(text.size(), IndexData::KeyRecord::kHead));
    impl.key_arena += text;
  }
}

Result<NiceHsTable> LoadNiceHs(const MarkIndexOptions& options) {
  if (options.nice_hs_path.empty()) return NiceHsTable::Embedded();
  return NiceHsTable::Load(options.nice_hs_path);
}

// From verified candidates to hits: per application, hits inside a longer
// hit of the same application are dropped, then the best occurrence of each
// key is kept (smallest distance, then earliest); relevance and
// authorisation are added. Shared by all engines, so they differ only in how
// candidates are found.
std::vector<MarkHit> AssembleHits(const IndexData& impl, MatchBuffers& buffers,
                                  std::string_view description, std::string_view hs_code,
                                  const PartyRef& consignor, const PartyRef& consignee) {
  std::vector<MarkHit> result;
  std::vector<Candidate>& candidates = buffers.candidates;
  if (candidates.empty()) return result;

  // Unique spans (smallest distance); the Hyperscan engines still have to
  // drop typing variants made only of ordinary words.
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(
      std::unique(candidates.begin(), candidates.end(),
                  [](const Candidate& a, const Candidate& b) { return a.SameSpan(b); }),
      candidates.end());
  if (impl.engine != FuzzyEngine::kDeletionIndex && impl.drop_generic_variants) {
    candidates.erase(
        std::remove_if(candidates.begin(), candidates.end(),
                       [&](const Candidate& candidate) {
                         return candidate.distance > 0 &&
                                impl.AllGeneric(
                                    std::string_view(buffers.padded)
                                        .substr(candidate.begin, candidate.end - candidate.begin));
                       }),
        candidates.end());
  }

  std::vector<ApplicationHit>& hits = buffers.hits;
  hits.clear();
  for (const Candidate& candidate : candidates) {
    const IndexData::KeyRecord& key = impl.key_records[candidate.key];
    for (uint32_t i = key.occurrence_begin; i < key.occurrence_end; ++i) {
      const IndexData::Occurrence& occurrence = impl.occurrences[i];
      hits.push_back(ApplicationHit{occurrence.application, candidate.key, occurrence.mark, i,
                                    candidate.begin, candidate.end, candidate.distance});
    }
  }
  auto contained = [&hits](const ApplicationHit& inner) {
    for (const ApplicationHit& outer : hits) {
      if (outer.application == inner.application && outer.key != inner.key &&
          outer.begin <= inner.begin && inner.end <= outer.end &&
          (outer.end - outer.begin) > (inner.end - inner.begin)) {
        return true;
      }
    }
    return false;
  };
  std::vector<ApplicationHit>& kept = buffers.kept;
  kept.clear();
  for (const ApplicationHit& hit : hits) {
    if (!contained(hit)) kept.push_back(hit);
  }
  std::sort(kept.begin(), kept.end(), [](const ApplicationHit& a, const ApplicationHit& b) {
    return std::tie(a.application, a.key, a.distance, a.begin, a.end, a.mark) <
           std::tie(b.application, b.key, b.distance, b.begin, b.end, b.mark);
  });
  kept.erase(std::unique(kept.begin(), kept.end(),
                         [](const ApplicationHit& a, const ApplicationHit& b) {
                           return a.application == b.application && a.key == b.key;
                         }),
             kept.end());
  std::sort(kept.begin(), kept.end(), [](const ApplicationHit& a, const ApplicationHit& b) {
    return std::tie(a.begin, a.end, a.application, a.mark) <
           std::tie(b.begin, b.end, b.application, b.mark);
  });
  if (kept.empty()) return result;

  // Relevance and authorisation. Party names are normalised only when a hit
  // belongs to an application that lists authorised parties.
  std::string& item_hs = buffers.item_hs;  // digits only
  item_hs.clear();
  for (char c : hs_code) {
    if (c >= '0' && c <= '9') item_hs.push_back(c);
  }
  int item_chapter = 0;
  if (item_hs.size() >= 2) item_chapter = (item_hs[0] - '0') * 10 + (item_hs[1] - '0');
  // A party of the declaration, for the authorised-party check: its name
  // key (normalised when first needed, then once per description) and the
  // CharacterBits of its name (when first needed; 0: not yet).
  struct PartyCheck {
    const PartyRef& ref;
    screening_internal::PartyMemo& memo;
    bool normalised = false;
    uint64_t characters = 0;
  };
  // Whether `check`'s party is `party`: same country, then (unless the name
  // lacks some of the key's letters or digits) the same name key.
  auto is_party = [](const PartyKey& party, PartyCheck& check) {
    if (check.ref.name.empty() || !SameCountry(party.country, check.ref.country)) return false;
    if (check.characters == 0) {
      check.characters = CharacterBits(check.ref.name) | (uint64_t{1} << 62);
    }
    if ((check.characters & kNonAscii) == 0 && (party.characters & ~check.characters) != 0) {
      return false;
    }
    if (!check.normalised) {
      check.memo.Normalise(check.ref.name);
      check.normalised = true;
    }
    return party.name_key == check.memo.key;
  };
  PartyCheck consignor_check{consignor, buffers.consignor};
  PartyCheck consignee_check{consignee, buffers.consignee};

  result.reserve(kept.size());
  for (const ApplicationHit& hit : kept) {
    const IndexData::Occurrence& occurrence = impl.occurrences[hit.occurrence];
    const IndexData::ApplicationRecord& application = occurrence.application_record;
    const IndexData::MarkRecord& mark = occurrence.mark_record;
    MarkHit& out = result.emplace_back();
    out.mark = impl.String(mark.text_offset, mark.text_size);
    out.application_id = impl.String(application.id_offset, application.id_size);
    out.right_index = mark.right_index;
    // Padded positions are key positions + 1.
    const auto [found_begin, found_end] =
        buffers.normalised.SourceRange(hit.begin - 1, hit.end - 1);
    out.found_begin = found_begin;
    out.found_end = found_end;
    out.found = description.substr(found_begin, found_end - found_begin);
    out.distance = hit.distance;
    if (item_hs.size() < 2) {
      out.relevance = Relevance::kClassRelated;
    } else {
      out.relevance = Relevance::kUnrelated;
      for (uint32_t g = application.goods_begin; g < application.goods_end; ++g) {
        const std::string_view goods = impl.String(impl.goods[g].first, impl.goods[g].second);
        if (item_hs.starts_with(goods) || goods.starts_with(item_hs)) {
          out.relevance = Relevance::kListedGoods;
          break;
        }
      }
      if (out.relevance == Relevance::kUnrelated && item_chapter >= 1 &&
          mark.chapters.test(static_cast<size_t>(item_chapter))) {
        out.relevance = Relevance::kClassRelated;
      }
    }
    // Countries first: a name is normalised only when a party of the same
    // country could match it, and then once per description.
    for (uint32_t p = application.parties_begin; p < application.parties_end; ++p) {
      const PartyKey& party = impl.parties[p];
      if (party.country.empty() || party.name_key.empty()) continue;
      if (is_party(party, consignor_check) || is_party(party, consignee_check)) {
        out.authorised = true;
        break;
      }
    }
  }
  return result;
}

}  // namespace

const char* RelevanceName(Relevance relevance) {
  switch (relevance) {
    case Relevance::kListedGoods:
      return "listed_goods";
    case Relevance::kClassRelated:
      return "class_related";
    case Relevance::kUnrelated:
      return "unrelated";
  }
  return "unrelated";
}

MarkIndex::Scratch::Scratch(const MarkIndex* index, hs_scratch* scratch)
    : index_(index), scratch_(scratch), buffers_(std::make_unique<MatchBuffers>()) {}

MarkIndex::Scratch::Scratch(Scratch&& other) noexcept
    : index_(std::exchange(other.index_, nullptr)),
      scratch_(std::exchange(other.scratch_, nullptr)),
      buffers_(std::move(other.buffers_)) {}

MarkIndex::Scratch& MarkIndex::Scratch::operator=(Scratch&& other) noexcept {
  if (this != &other) {
    if (scratch_ != nullptr) hs_free_scratch(scratch_);
    index_ = std::exchange(other.index_, nullptr);
    scratch_ = std::exchange(other.scratch_, nullptr);
    buffers_ = std::move(other.buffers_);
  }
  return *this;
}

MarkIndex::Scratch::~Scratch() {
  if (scratch_ != nullptr) hs_free_scratch(scratch_);
}

MarkIndex::MarkIndex(std::unique_ptr<IndexData> impl) : impl_(std::move(impl)) {}
MarkIndex::~MarkIndex() = default;

Result<std::shared_ptr<const MarkIndex>> MarkIndex::Build(
    std::vector<IndexedApplication> applications, const MarkIndexOptions& options) {
  CORDON_ASSIGN_OR_RETURN(NiceHsTable nice_hs, LoadNiceHs(options));
  auto impl = std::make_unique<IndexData>();
  impl->engine = options.fuzzy_engine;
  impl->drop_generic_variants = options.drop_generic_variants;
  impl->span_cache_entries = options.span_cache_entries;
  impl->description_cache_entries = options.description_cache_entries;

  // Validate and convert; collect every bad field.
  std::vector<FieldError> errors;
  std::unordered_map<std::string, uint32_t> key_ids;
  for (size_t app_index = 0; app_index < applications.size(); ++app_index) {
    IndexedApplication& source = applications[app_index];
    const std::string field = "applications[" + std::to_string(app_index) + "]";
    ApplicationData data;
    data.id = std::move(source.id);
    for (size_t hs_index = 0; hs_index < source.goods_hs.size(); ++hs_index) {
      if (!IsHsCode(source.goods_hs[hs_index])) {
        errors.push_back({field + ".goods_hs[" + std::to_string(hs_index) + "]",
                          "must be an HS code of 2 to 10 digits"});
      }
    }
    data.goods_hs = std::move(source.goods_hs);
    for (const AuthorisedParty& party : source.authorised_parties) {
      std::string name_key = NormalisePartyName(party.name);
      const uint64_t characters = CharacterBits(name_key) & ~kNonAscii;
      data.authorised.push_back(
          PartyKey{std::move(name_key), UpperAscii(party.country), characters});
    }
    for (size_t mark_index = 0; mark_index < source.marks.size(); ++mark_index) {
      RecordedMark& mark = source.marks[mark_index];
      const std::string mark_field = field + ".marks[" + std::to_string(mark_index) + "]";
      MarkData mark_data;
      mark_data.right_index = mark.right_index;
      for (size_t class_index = 0; class_index < mark.nice_classes.size(); ++class_index) {
        const int nice_class = mark.nice_classes[class_index];
        if (!IsNiceClass(nice_class)) {
          errors.push_back({mark_field + ".nice_classes[" + std::to_string(class_index) + "]",
                            "must be a Nice class between 1 and 45"});
          continue;
        }
        mark_data.chapters |= nice_hs.Chapters(nice_class);
      }
      std::string key = NormaliseForMatching(mark.text).text;
      if (key.empty()) {
        errors.push_back({mark_field + ".text", "has no letter or digit to match"});
        continue;
      }
      mark_data.text = std::move(mark.text);
      auto [it, inserted] = key_ids.try_emplace(key, static_cast<uint32_t>(impl->keys.size()));
      if (inserted) {
        impl->max_key_size = std::max(impl->max_key_size, key.size());
        Key new_key;
        new_key.max_distance = AllowedDistance(key);
        new_key.text = std::move(key);
        impl->keys.push_back(std::move(new_key));
      }
      impl->keys[it->second].occurrences.push_back(
          Occurrence{static_cast<uint32_t>(app_index), static_cast<uint32_t>(data.marks.size())});
      data.marks.push_back(std::move(mark_data));
      ++impl->mark_count;
    }
    impl->applications.push_back(std::move(data));
  }
  if (options.fuzzy_engine == FuzzyEngine::kHyperscanEditDistance &&
      impl->keys.size() > options.max_edit_distance_marks) {
    errors.push_back({"options.fuzzy_engine", "Hyperscan edit-distance matching is limited to " +
                                                  std::to_string(options.max_edit_distance_marks) +
                                                  " distinct marks, got " +
                                                  std::to_string(impl->keys.size())});
  }
  if (!errors.empty()) return InvalidInput("mark index: invalid input", std::move(errors));

  // Generic vocabulary, as matching keys.
  std::unordered_map<std::string, bool> generic_seen;
  auto add_generic = [&impl, &generic_seen](std::string_view word) {
    std::string key = NormaliseForMatching(word).text;
    if (!key.empty() && key.find(' ') == std::string::npos &&
        generic_seen.try_emplace(key, true).second) {
      impl->generic_words.Add(key);
    }
  };
  for (const std::string_view word : embedded::GenericWords()) add_generic(word);
  for (const std::string& word : options.extra_generic_words) add_generic(word);
  impl->generic_words.Finish();
  FlattenForHits(*impl);

  if (options.fuzzy_engine == FuzzyEngine::kDeletionIndex) {
    BuildDeletionIndex(*impl);
#if defined(__GLIBC__)
    // Building sorts tens of MiB of entries; once the allocator's mmap
    // threshold has risen, glibc keeps such freed memory. Give it back, so
    // the process holds the index, not its build.
    malloc_trim(0);
#endif
    return std::shared_ptr<const MarkIndex>(new MarkIndex(std::move(impl)));
  }

  // Patterns: one Hyperscan id per distinct literal (or edit-distance pattern),
  // each with the list of (key, piece) it stands for.
  std::unordered_map<std::string, uint32_t> literal_ids;
  std::vector<std::string> literals;
  std::vector<std::vector<PieceRef>> refs_by_id;
  std::vector<uint32_t> edit_distance_keys;  // kHyperscanEditDistance: key per pattern
  auto add_literal = [&](std::string literal, PieceRef ref) {
    auto [it, inserted] = literal_ids.try_emplace(literal, static_cast<uint32_t>(literals.size()));
    if (inserted) {
      literals.push_back(std::move(literal));
      refs_by_id.emplace_back();
    }
    refs_by_id[it->second].push_back(ref);
  };
  for (uint32_t key_id = 0; key_id < impl->keys.size(); ++key_id) {
    const Key& key = impl->keys[key_id];
    const auto key_size = static_cast<uint32_t>(key.text.size());
    {  // every key, both engines: exact occurrences never depend on the fuzzy path
      add_literal(" " + key.text + " ", PieceRef{key_id, PieceKind::kWhole, 0, key_size, key_size});
    }
    if (key.max_distance == 0) continue;
    if (options.fuzzy_engine == FuzzyEngine::kHyperscanEditDistance) {
      edit_distance_keys.push_back(key_id);
      continue;
    }
    const auto pieces = Pieces(key.text.size(), key.max_distance);
    for (size_t piece = 0; piece < pieces.size(); ++piece) {
      const auto [offset, length] = pieces[piece];
      const std::string body = key.text.substr(offset, length);
      if (piece == 0) {
        add_literal(" " + body, PieceRef{key_id, PieceKind::kPrefix, offset, length, key_size});
      } else if (piece + 1 == pieces.size()) {
        add_literal(body + " ", PieceRef{key_id, PieceKind::kSuffix, offset, length, key_size});
      } else {
        add_literal(body, PieceRef{key_id, PieceKind::kMiddle, offset, length, key_size});
      }
    }
  }
  for (uint32_t key_id : edit_distance_keys) {
    const auto key_size = static_cast<uint32_t>(impl->keys[key_id].text.size());
    literals.push_back(impl->keys[key_id].text);  // compiled as a pattern, below
    refs_by_id.push_back({PieceRef{key_id, PieceKind::kEditDistance, 0, key_size, key_size}});
  }
  impl->ref_begin.reserve(refs_by_id.size() + 1);
  for (auto& refs : refs_by_id) {
    // Prefix and suffix refs by key size, middle refs by offset (OnMatch
    // binary-searches them).
    std::sort(refs.begin(), refs.end(), [](const PieceRef& a, const PieceRef& b) {
      const uint32_t a_order = a.kind == PieceKind::kMiddle ? a.offset : a.key_size;
      const uint32_t b_order = b.kind == PieceKind::kMiddle ? b.offset : b.key_size;
      return std::tie(a.kind, a_order, a.key) < std::tie(b.kind, b_order, b.key);
    });
    impl->ref_begin.push_back(static_cast<uint32_t>(impl->refs.size()));
    impl->refs.insert(impl->refs.end(), refs.begin(), refs.end());
  }
  impl->ref_begin.push_back(static_cast<uint32_t>(impl->refs.size()));
  impl->pattern_count = literals.size();

  if (!literals.empty()) {
    std::vector<unsigned int> ids(literals.size());
    std::vector<unsigned int> flags(literals.size(), 0);
    for (size_t id = 0; id < ids.size(); ++id) ids[id] = static_cast<unsigned int>(id);
    hs_compile_error_t* compile_error = nullptr;
    hs_error_t status = HS_SUCCESS;
    if (options.fuzzy_engine == FuzzyEngine::kPigeonhole) {
      std::vector<const char*> expressions;
      std::vector<size_t> lengths;
      for (const std::string& literal : literals) {
        expressions.push_back(literal.data());
        lengths.push_back(literal.size());
      }
      status = hs_compile_lit_multi(expressions.data(), flags.data(), ids.data(), lengths.data(),
                                    static_cast<unsigned int>(literals.size()), HS_MODE_BLOCK,
                                    nullptr, &impl->database, &compile_error);
    } else {
      // Exact keys as escaped literals, fuzzy keys with Hyperscan's
      // edit_distance extension.
      std::vector<std::string> patterns;
      std::vector<hs_expr_ext_t> extensions(literals.size());
      std::vector<const hs_expr_ext_t*> extension_pointers;
      for (size_t id = 0; id < literals.size(); ++id) {
        patterns.push_back(HexEscaped(literals[id]));
        const PieceRef& ref = impl->refs[impl->ref_begin[id]];
        extensions[id] = hs_expr_ext_t{};
        if (ref.kind == PieceKind::kEditDistance) {
          extensions[id].flags = HS_EXT_FLAG_EDIT_DISTANCE;
          extensions[id].edit_distance =
              static_cast<unsigned int>(impl->keys[ref.key].max_distance);
        }
        extension_pointers.push_back(&extensions[id]);
      }
      std::vector<const char*> expressions;
      for (const std::string& pattern : patterns) expressions.push_back(pattern.c_str());
      status = hs_compile_ext_multi(expressions.data(), flags.data(), ids.data(),
                                    extension_pointers.data(),
                                    static_cast<unsigned int>(patterns.size()), HS_MODE_BLOCK,
                                    nullptr, &impl->database, &compile_error);
    }
    if (status != HS_SUCCESS) {
      std::string message = compile_error != nullptr ? compile_error->message : "unknown error";
      if (compile_error != nullptr && compile_error->expression >= 0) {
        message += " (pattern " + std::to_string(compile_error->expression) + ")";
      }
      hs_free_compile_error(compile_error);
      return Internal("mark index: Hyperscan compile failed: " + message);
    }
    if (hs_database_size(impl->database, &impl->database_bytes) != HS_SUCCESS) {
      impl->database_bytes = 0;
    }
    if (hs_alloc_scratch(impl->database, &impl->prototype_scratch) != HS_SUCCESS) {
      return Internal("mark index: cannot allocate Hyperscan scratch space");
    }
  }
  return std::shared_ptr<const MarkIndex>(new MarkIndex(std::move(impl)));
}

Result<MarkIndex::Scratch> MarkIndex::NewScratch() const {
  hs_scratch_t* scratch = nullptr;
  if (impl_->prototype_scratch != nullptr) {
    std::lock_guard<std::mutex> lock(impl_->clone_mutex);
    if (hs_clone_scratch(impl_->prototype_scratch, &scratch) != HS_SUCCESS) {
      return Internal("mark index: cannot clone Hyperscan scratch space");
    }
  }
  return Scratch(this, scratch);
}

std::vector<MarkHit> MarkIndex::Match(std::string_view description, std::string_view hs_code,
                                      const PartyRef& consignor, const PartyRef& consignee,
                                      Scratch& scratch) const {
  if (impl_->keys.empty()) return {};
  if (scratch.index_ != this || scratch.buffers_ == nullptr) {
    std::fprintf(stderr, "MarkIndex::Match: scratch does not belong to this index\n");
    std::abort();
  }
  MatchBuffers& buffers = *scratch.buffers_;
  DescriptionCache& known_clean = buffers.descriptions;
  if (known_clean.enabled() != (impl_->description_cache_entries > 0)) {
    known_clean.Resize(impl_->description_cache_entries);
  }
  const bool cacheable = known_clean.enabled() && description.size() <= DescriptionCache::kBytes;
  const uint64_t description_hash = cacheable ? std::hash<std::string_view>{}(description) : 0;
  if (cacheable &&
      known_clean.Find(description_hash, description.data(), description.size()) != nullptr) {
    return {};
  }
  NormaliseForMatching(description, &buffers.normalised);
  if (buffers.normalised.text.empty()) return {};
  buffers.padded.clear();
  buffers.padded.push_back(' ');
  buffers.padded += buffers.normalised.text;
  buffers.padded.push_back(' ');
  buffers.candidates.clear();

  if (impl_->engine == FuzzyEngine::kDeletionIndex) {
    SplitWords(buffers);
    FindCandidates(*impl_, buffers);
  } else {
    buffers.generic_counted = false;
    ScanContext context{impl_.get(), &buffers};
    const hs_error_t status = hs_scan(impl_->database, buffers.padded.data(),
                                      static_cast<unsigned int>(buffers.padded.size()), 0,
                                      scratch.scratch_, OnMatch, &context);
    if (status != HS_SUCCESS) {
      // HS_SCRATCH_IN_USE (one Scratch on two threads) or a scratch of
      // another database: both programmer errors.
      std::fprintf(stderr, "MarkIndex::Match: hs_scan failed with %d\n", status);
      std::abort();
    }
  }
  if (cacheable && buffers.candidates.empty()) {
    known_clean.Insert(description_hash, description.data(), description.size(), nullptr, 0);
  }
  return AssembleHits(*impl_, buffers, description, hs_code, consignor, consignee);
}

size_t MarkIndex::application_count() const { return impl_->applications.size(); }
size_t MarkIndex::mark_count() const { return impl_->mark_count; }
size_t MarkIndex::key_count() const { return impl_->keys.size(); }
size_t MarkIndex::pattern_count() const { return impl_->pattern_count; }
size_t MarkIndex::database_bytes() const { return impl_->database_bytes; }

}  // namespace cordon
