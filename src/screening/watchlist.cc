// Watchlists of traders: validation of entries and the fuzzy name index.
// docs/profiles.md ("Watchlists") documents the matching rules for analysts.
//
// How names are compared:
//  - Both sides are reduced to words (NameWords): NFKC, case folded, accents
//    removed, "." and apostrophes deleted ("S.p.A." -> "spa"), other
//    punctuation a word break, legal forms removed wherever they stand
//    ("Co., Ltd.", "GmbH", "Sp. z o.o.", "S. A.", ...) unless nothing else is
//    left, at most kMaxWords words.
//  - Similarity is a weighted Dice coefficient over the two word sets, so
//    word order does not matter: 2 * sum(pair weight * score) /
//    (2 * sum(pair weight) + weight of the words left unmatched on both
//    sides). Generic words of trade names (places such as "shenzhen",
//    business words such as "trading", "import", "international") weigh
//    kGenericWeight, every other word 1. A listed word pairs with an equal
//    word (score 1) or, when it has at least kMinFuzzyLength letters and no
//    digits, with a word one typing edit away (insert, delete, substitute,
//    or swap two neighbours; score 1 - 0.5 / length). A pair weighs the
//    smaller of its two words' weights, so "shenzen" paired with "shenzhen"
//    counts as a generic word.
//  - Same words in the same order: 1. Same letters with different spacing
//    ("Nord Handel" / "Nordhandel"), or any other pair of names: at most 0.99.
//    A hit needs kMatchThreshold (0.85).
//
// How it stays fast (not O(entries) per party): every entry is indexed under
// its distinctive (non-generic) words and, for words that tolerate a typo,
// under each one-letter deletion of them (symmetric deletion: two words are
// within one edit only if they share the word itself or a one-letter
// deletion); an entry made only of generic words is indexed under all its
// words. A party name probes its words and their deletions, plus its letters
// without spaces; only the entries found are scored. The probe finds every
// entry that can reach the threshold: an entry with a distinctive word none
// of whose distinctive words matches scores at most
// 2 * 11 * g / (2 * 11 * g + 1) = 0.77 with g = kGenericWeight and 12 words.
#include "screening/watchlist.h"

#include <utf8proc.h>

#include <algorithm>
#include <array>
#include <atomic>
#include <bit>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/codes.h"
#include "screening/hit_cache.h"
#include "screening/json_fields.h"
#include "screening/watchlist_internal.h"

namespace cordon {

using nlohmann::json;
using screening_internal::FieldErrorList;
using screening_internal::FieldPath;
using screening_internal::IndexPath;

namespace {

constexpr size_t kMaxWords = 12;
constexpr size_t kMinFuzzyLength = 5;
constexpr size_t kMaxFuzzyLength = 40;  // longer words are compared exactly
constexpr float kGenericWeight = 0.15f;
constexpr size_t kMaxNameChars = 200;
constexpr size_t kMaxAddressChars = 500;
constexpr size_t kMaxReasonChars = 1000;
constexpr size_t kMaxSourceChars = 100;

static_assert(2 * (kMaxWords - 1) * kGenericWeight / (2 * (kMaxWords - 1) * kGenericWeight + 1) <
                  watchlist_internal::kMatchThreshold,
              "the index must find every entry that can reach the threshold");

// Legal forms (ISO 20275 lists the official ones per jurisdiction; these are
// the abbreviations seen on trade documents, after "." is deleted and case
// folded). The single words follow NormalisePartyName's list
// (text_normalise.cc) so both comparisons agree on them.
constexpr std::string_view kLegalForms[] = {
    "ab",   "ad",   "ag",           "aps",  "as",      "asa",  "bhd",         "bv",   "bvba",
    "cie",  "cjsc", "co",           "comp", "company", "corp", "corporation", "cv",   "dd",
    "doo",  "eg",   "ehf",          "eirl", "eood",    "ev",   "gbr",         "gk",   "gmbh",
    "hf",   "inc",  "incorporated", "jsc",  "kft",     "kg",   "kgaa",        "kk",   "llc",
    "llp",  "lp",   "ltd",          "ltda", "limited", "mbh",  "nv",          "nyrt", "oao",
    "ohg",  "ojsc", "ood",          "ooo",  "oy",      "oyj",  "pao",         "pjsc", "plc",
    "pte",  "pt",   "pty",          "pvt",  "sa",      "sae",  "sal",         "sarl", "sas",
    "sau",  "sdn",  "se",           "sl",   "slu",     "snc",  "spa",         "sp",   "spzoo",
    "srl",  "sro",  "tbk",          "tov",  "ug",      "vof",  "zao",         "zoo",  "zrt",
    "sprl", "scrl", "coltd",
};

// Legal forms written as several words once punctuation is a break
// ("Sp. z o.o." -> "sp z oo", "S. A." -> "s a", "A/S" -> "a s").
constexpr std::array<std::string_view, 4> kMultiWordLegalForms[] = {
    {"sp", "z", "o", "o"}, {"s", "a", "de", "cv"}, {"sa", "de", "cv", ""}, {"s", "de", "rl", ""},
    {"sp", "z", "oo", ""}, {"s", "r", "l", ""},    {"s", "p", "a", ""},    {"s", "a", "s", ""},
    {"s", "a", "", ""},    {"s", "l", "", ""},     {"a", "s", "", ""},     {"a", "g", "", ""},
    {"b", "v", "", ""},    {"n", "v", "", ""},     {"l", "l", "c", ""},    {"de", "cv", "", ""},
};
// Their numbers of words.
constexpr auto kMultiWordLegalFormLengths = [] {
  std::array<size_t, std::size(kMultiWordLegalForms)> lengths{};
  for (size_t f = 0; f < lengths.size(); ++f) {
    while (lengths[f] < 4 && !kMultiWordLegalForms[f][lengths[f]].empty()) ++lengths[f];
  }
  return lengths;
}();

// Words that say little about which company it is: places, business words
// and goods words of trade names, and common connectives. They weigh
// kGenericWeight.
// clang-format off
constexpr std::string_view kGenericWords[] = {
    // business
    "trading", "trade", "trader", "traders", "import", "imports", "importer", "importers",
    "importing", "export", "exports", "exporter", "exporters", "exporting", "imp", "exp", "impex",
    "international", "intl", "internacional", "internationale", "global", "worldwide", "world",
    "industrial", "industries", "industry", "industria", "industrie", "enterprise", "enterprises",
    "group", "groups", "holding", "holdings", "commercial", "commerce", "comercial", "comercio",
    "general", "manufacturing", "manufacture", "manufacturer", "manufacturers", "factory",
    "products", "product", "goods", "supply", "supplies", "supplier", "suppliers", "services",
    "service", "solutions", "technology", "technologies", "tech", "development", "investment",
    "logistics", "logistic", "logistik", "shipping", "freight", "forwarding", "transport",
    "express", "distribution", "distributor", "distributors", "wholesale", "wholesaler", "retail",
    "store", "stores", "shop", "shops", "partners", "associates", "brothers", "sons", "business",
    "ventures", "venture", "agency", "network", "handel", "handels", "gesellschaft", "societe",
    "sociedad", "compagnie", "compania",
    // goods
    "garment", "garments", "textile", "textiles", "apparel", "clothing", "fashion", "shoes",
    "shoe", "footwear", "sports", "sport", "electronic", "electronics", "electrical", "electric",
    "digital", "auto", "parts", "accessories", "cosmetics", "toys", "bags", "leather", "home",
    "household", "furniture", "machinery", "equipment", "hardware", "materials", "chemical",
    "chemicals", "medical", "pharma", "pharmaceutical", "food", "foods", "crafts", "gifts",
    "jewelry", "watches", "optical", "mobile",
    // places
    "china", "chinese", "hong", "kong", "hk", "shenzhen", "guangzhou", "guangdong", "dongguan",
    "foshan", "yiwu", "ningbo", "shanghai", "beijing", "tianjin", "xiamen", "fujian", "zhejiang",
    "jiangsu", "quanzhou", "jinjiang", "wenzhou", "hangzhou", "suzhou", "qingdao", "shantou",
    "putian", "asia", "asian", "pacific", "europe", "euro", "european", "eu", "america",
    "american", "usa", "us", "uk", "british", "germany", "german", "deutschland", "turkey",
    "istanbul", "dubai", "uae", "emirates", "india", "vietnam", "thailand", "singapore",
    "malaysia", "korea", "japan", "far", "east", "west", "north", "south", "eastern", "western",
    "northern", "southern", "nord", "sud",
    // connectives
    "and", "und", "et", "y", "e", "the", "of", "de", "la", "le", "les", "del", "der", "die", "das",
    "du", "da", "di", "van", "von",
};
// clang-format on

// Words are hashed polynomially, h(s) = sum s[k] * B^(n-1-k) (mod 2^64), so
// that the hashes of all one-letter deletions of a word come from its prefix
// and suffix hashes in O(length) (see ForEachVariant); a finaliser then
// spreads the bits for table slots. Collisions cost only time: every
// candidate is compared by its words.
constexpr uint64_t kHashBase = 0x100000001b3ull;

uint64_t Finish(uint64_t polynomial, size_t length) {
  uint64_t hash = polynomial ^ (uint64_t{length} * 0x9e3779b97f4a7c15ull);
  hash ^= hash >> 33;
  hash *= 0xff51afd7ed558ccdull;
  hash ^= hash >> 33;
  hash *= 0xc4ceb9fe1a85ec53ull;
  hash ^= hash >> 33;
  return hash == 0 ? 1 : hash;  // 0 marks an empty table slot
}

uint64_t HashBytes(std::string_view text) {
  uint64_t polynomial = 0;
  for (char c : text) polynomial = polynomial * kHashBase + static_cast<unsigned char>(c);
  return Finish(polynomial, text.size());
}

constexpr uint64_t kCompactSalt = 0x9e3779b97f4a7c15ull;

bool HasDigit(std::string_view word) {
  return std::any_of(word.begin(), word.end(), [](char c) { return c >= '0' && c <= '9'; });
}

bool Tolerant(std::string_view word) {
  return word.size() >= kMinFuzzyLength && word.size() <= kMaxFuzzyLength && !HasDigit(word);
}

// Optimal string alignment distance capped at 2: 0 equal, 1 one edit
// (insert, delete, substitute, swap of neighbours), 2 anything else.
int EditDistanceUpToOne(std::string_view a, std::string_view b) {
  if (a == b) return 0;
  if (a.size() > b.size()) std::swap(a, b);
  if (b.size() - a.size() > 1) return 2;
  size_t first = 0;
  while (first < a.size() && a[first] == b[first]) ++first;
  if (a.size() == b.size()) {
    if (a.substr(first + 1) == b.substr(first + 1)) return 1;  // substitution
    if (first + 1 < a.size() && a[first] == b[first + 1] && a[first + 1] == b[first] &&
        a.substr(first + 2) == b.substr(first + 2)) {
      return 1;  // swap of neighbours
    }
    return 2;
  }
  return a.substr(first) == b.substr(first + 1) ? 1 : 2;  // b has one more letter
}

// ---------------------------------------------------------------------------
// Normalisation into words.

// A small set of words (legal forms, generic words): open addressing on the
// word hash, which names have computed anyway.
class WordSet {
 public:
  template <size_t kCount>
  explicit WordSet(const std::string_view (&words)[kCount]) {
    size_t capacity = 16;
    while (capacity < 4 * kCount) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    for (std::string_view word : words) {
      const uint64_t hash = HashBytes(word);
      size_t slot = hash & mask_;
      while (slots_[slot].hash != 0 && slots_[slot].word != word) slot = (slot + 1) & mask_;
      slots_[slot] = Slot{hash, word};
    }
  }

  bool Contains(std::string_view word, uint64_t hash) const {
    size_t slot = hash & mask_;
    while (slots_[slot].hash != 0) {
      if (slots_[slot].hash == hash && slots_[slot].word == word) return true;
      slot = (slot + 1) & mask_;
    }
    return false;
  }

 private:
  struct Slot {
    uint64_t hash = 0;
    std::string_view word;
  };
  std::vector<Slot> slots_;
  size_t mask_ = 0;
};

const WordSet& GenericWordSet() {
  static const WordSet set(kGenericWords);
  return set;
}

const WordSet& LegalFormSet() {
  static const WordSet set(kLegalForms);
  return set;
}

struct Word {
  uint32_t offset;
  uint32_t length;
  uint64_t hash = 0;
};

// The words of a name, in a reusable buffer.
struct NameBuffer {
  std::string text;
  std::vector<Word> words;
  std::vector<Word> kept;

  std::string_view View(const Word& word) const {
    return std::string_view(text).substr(word.offset, word.length);
  }
};

void AppendUtf8(utf8proc_int32_t code_point, std::string* out) {
  std::array<utf8proc_uint8_t, 4> bytes;
  const utf8proc_ssize_t length = utf8proc_encode_char(code_point, bytes.data());
  out->append(reinterpret_cast<const char*>(bytes.data()), static_cast<size_t>(length));
}

// What NormaliseName makes of an ASCII byte: the letter or digit it adds to
// a word (lower case), kAsciiSkip ("." and apostrophes, deleted) or
// kAsciiBreak (a word break).
constexpr char kAsciiBreak = 0;
constexpr char kAsciiSkip = 1;
constexpr std::array<char, 128> kAsciiMap = [] {
  std::array<char, 128> map{};
  for (int c = 0; c < 128; ++c) {
    if (c >= 'A' && c <= 'Z') {
      map[static_cast<size_t>(c)] = static_cast<char>(c - 'A' + 'a');
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      map[static_cast<size_t>(c)] = static_cast<char>(c);
    } else {
      map[static_cast<size_t>(c)] = c == '.' || c == '\'' ? kAsciiSkip : kAsciiBreak;
    }
  }
  return map;
}();

// NormaliseName's split into words and their hashes for a name of ASCII
// bytes only (most names), in one pass; false at the first byte above 0x7F
// (the buffer then holds a part, to be cleared).
bool SplitAsciiName(std::string_view name, NameBuffer* buffer) {
  std::string& text = buffer->text;
  std::vector<Word>& words = buffer->words;
  text.resize(name.size());  // a byte gives at most one byte
  char* out = text.data();
  uint32_t length = 0;
  uint32_t start = 0;
  uint64_t polynomial = 0;
  bool in_word = false;
  for (const char byte : name) {
    const auto c = static_cast<unsigned char>(byte);
    if (c >= 0x80) return false;
    const char mapped = kAsciiMap[c];
    if (mapped != kAsciiBreak && mapped != kAsciiSkip) {
      if (!in_word) {
        in_word = true;
        start = length;
        polynomial = 0;
      }
      out[length++] = mapped;
      polynomial = polynomial * kHashBase + static_cast<unsigned char>(mapped);
    } else if (mapped == kAsciiBreak && in_word) {
      words.push_back(Word{start, length - start, Finish(polynomial, length - start)});
      in_word = false;
    }
  }
  if (in_word) words.push_back(Word{start, length - start, Finish(polynomial, length - start)});
  text.resize(length);
  return true;
}

// NormaliseName's split into words and their hashes, for any name.
void SplitName(std::string_view name, NameBuffer* buffer) {
  std::string& text = buffer->text;
  std::vector<Word>& words = buffer->words;
  bool in_word = false;
  auto letter = [&](char c) {
    if (!in_word) {
      words.push_back(Word{static_cast<uint32_t>(text.size()), 0, 0});
      in_word = true;
    }
    text.push_back(c);
    ++words.back().length;
  };
  auto ascii = [&](unsigned char c) {
    if (c >= 'A' && c <= 'Z') {
      letter(static_cast<char>(c - 'A' + 'a'));
    } else if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
      letter(static_cast<char>(c));
    } else if (c != '.' && c != '\'') {  // "S.p.A." -> "spa", "O'Neil" -> "oneil"
      in_word = false;
    }
  };
  const auto* bytes = reinterpret_cast<const unsigned char*>(name.data());
  size_t position = 0;
  while (position < name.size()) {
    if (bytes[position] < 0x80) {
      ascii(bytes[position++]);
      continue;
    }
    utf8proc_int32_t code_point = 0;
    const utf8proc_ssize_t length = utf8proc_iterate(
        bytes + position, static_cast<utf8proc_ssize_t>(name.size() - position), &code_point);
    if (length <= 0) {
      in_word = false;
      ++position;
      continue;
    }
    position += static_cast<size_t>(length);
    if (code_point == 0x2019 || code_point == 0x02BC) continue;  // typographic apostrophes
    std::array<utf8proc_int32_t, 32> parts;
    int last_boundclass = 0;
    const utf8proc_ssize_t count = utf8proc_decompose_char(
        code_point, parts.data(), static_cast<utf8proc_ssize_t>(parts.size()),
        static_cast<utf8proc_option_t>(UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE | UTF8PROC_CASEFOLD |
                                       UTF8PROC_STRIPMARK | UTF8PROC_IGNORE),
        &last_boundclass);
    if (count < 0 || static_cast<size_t>(count) > parts.size()) {
      in_word = false;
      continue;
    }
    for (utf8proc_ssize_t index = 0; index < count; ++index) {
      const utf8proc_int32_t part = parts[static_cast<size_t>(index)];
      if (part < 0x80) {
        ascii(static_cast<unsigned char>(part));
        continue;
      }
      const utf8proc_category_t category = utf8proc_category(part);
      const bool word_char =
          (category >= UTF8PROC_CATEGORY_LU && category <= UTF8PROC_CATEGORY_LO) ||
          (category >= UTF8PROC_CATEGORY_ND && category <= UTF8PROC_CATEGORY_NO);
      if (!word_char) {
        in_word = false;
        continue;
      }
      if (!in_word) {
        words.push_back(Word{static_cast<uint32_t>(text.size()), 0, 0});
        in_word = true;
      }
      const size_t before = text.size();
      AppendUtf8(part, &text);
      words.back().length += static_cast<uint32_t>(text.size() - before);
    }
  }

  for (Word& word : words) word.hash = HashBytes(buffer->View(word));
}

// NormaliseName's last step: buffer->kept gets the words that are not legal
// forms (all of them if that leaves none), at most kMaxWords.
void RemoveLegalForms(NameBuffer* buffer) {
  const std::vector<Word>& words = buffer->words;
  // Legal forms out, wherever they stand; if that leaves nothing, the name
  // is only a legal form and keeps it. Multi-word forms start with a word of
  // at most two letters.
  std::vector<Word>& kept = buffer->kept;
  kept.clear();
  size_t index = 0;
  while (index < words.size()) {
    size_t skip = 0;
    for (size_t f = 0; f < std::size(kMultiWordLegalForms) && words[index].length <= 2; ++f) {
      const auto& form = kMultiWordLegalForms[f];
      const size_t length = kMultiWordLegalFormLengths[f];
      if (index + length > words.size()) continue;
      bool equal = true;
      for (size_t part = 0; part < length && equal; ++part) {
        equal = buffer->View(words[index + part]) == form[part];
      }
      if (equal) {
        skip = length;
        break;
      }
    }
    if (skip == 0 && LegalFormSet().Contains(buffer->View(words[index]), words[index].hash)) {
      skip = 1;
    }
    if (skip == 0) {
      if (kept.size() < kMaxWords) kept.push_back(words[index]);
      ++index;
    } else {
      index += skip;
    }
  }
  if (kept.empty()) {
    for (size_t w = 0; w < words.size() && w < kMaxWords; ++w) kept.push_back(words[w]);
  }
}

// Fills buffer->kept with the comparison words of `name`.
void NormaliseName(std::string_view name, NameBuffer* buffer) {
  std::string& text = buffer->text;
  std::vector<Word>& words = buffer->words;
  text.clear();
  words.clear();
  if (!SplitAsciiName(name, buffer)) {
    text.clear();
    words.clear();
    SplitName(name, buffer);
  }
  RemoveLegalForms(buffer);
}

// ---------------------------------------------------------------------------
// Hash tables: a key (64-bit hash) to a range of entry numbers. Open
// addressing, power-of-two size, at most half full. Most probes are for words
// no entry has; a blocked Bloom filter of about 16 bits per key (small enough
// to stay in the L2 cache for 10,000 entries) answers those without touching
// the table: one 64-bit word, two bits, about 1 % false positives.

class PostingTable {
 public:
  // Builds from (key, entry) pairs; duplicates are removed.
  void Build(std::vector<std::pair<uint64_t, uint32_t>> pairs) {
    std::sort(pairs.begin(), pairs.end());
    pairs.erase(std::unique(pairs.begin(), pairs.end()), pairs.end());
    size_t keys = 0;
    for (size_t i = 0; i < pairs.size(); ++i) {
      if (i == 0 || pairs[i].first != pairs[i - 1].first) ++keys;
    }
    size_t capacity = 16;
    while (capacity < 2 * keys) capacity *= 2;
    slots_.assign(capacity, Slot{});
    mask_ = capacity - 1;
    size_t filter_words = 1;
    while (filter_words * 4 < keys) filter_words *= 2;
    filter_.assign(filter_words, 0);
    filter_mask_ = filter_words - 1;
    postings_.clear();
    postings_.reserve(pairs.size());
    size_t i = 0;
    while (i < pairs.size()) {
      const uint64_t key = pairs[i].first;
      const auto begin = static_cast<uint32_t>(postings_.size());
      while (i < pairs.size() && pairs[i].first == key) postings_.push_back(pairs[i++].second);
      size_t slot = key & mask_;
      while (slots_[slot].key != 0) slot = (slot + 1) & mask_;
      slots_[slot] = Slot{key, begin, static_cast<uint32_t>(postings_.size())};
      filter_[(key >> 20) & filter_mask_] |= FilterBits(key);
    }
  }

  // Whether `key` may be in the table (false: certainly not).
  bool MayContain(uint64_t key) const {
    const uint64_t bits = FilterBits(key);
    return (filter_[(key >> 20) & filter_mask_] & bits) == bits;
  }
  void PrefetchFilter(uint64_t key) const {
    __builtin_prefetch(&filter_[(key >> 20) & filter_mask_]);
  }
  void PrefetchSlot(uint64_t key) const { __builtin_prefetch(&slots_[key & mask_]); }

  // The entries under `key`, as [first, last).
  std::pair<const uint32_t*, const uint32_t*> Find(uint64_t key) const {
    const uint64_t bits = FilterBits(key);
    if ((filter_[(key >> 20) & filter_mask_] & bits) != bits) return {nullptr, nullptr};
    size_t slot = key & mask_;
    while (slots_[slot].key != 0) {
      if (slots_[slot].key == key) {
        return {postings_.data() + slots_[slot].begin, postings_.data() + slots_[slot].end};
      }
      slot = (slot + 1) & mask_;
    }
    return {nullptr, nullptr};
  }

 private:
  struct Slot {
    uint64_t key = 0;
    uint32_t begin = 0;
    uint32_t end = 0;
  };
  static uint64_t FilterBits(uint64_t key) {
    return uint64_t{1} << ((key >> 52) & 63) | uint64_t{1} << (key >> 58);
  }

  std::vector<Slot> slots_{16};
  std::vector<uint32_t> postings_;
  size_t mask_ = 15;
  std::vector<uint64_t> filter_{0};
  size_t filter_mask_ = 0;
};

// A word prepared for comparison.
struct WordInfo {
  std::string_view text;
  uint64_t hash = 0;
  float weight = 1;
  bool generic = false;
};

void Describe(const NameBuffer& buffer, std::vector<WordInfo>* out) {
  out->clear();
  for (const Word& word : buffer.kept) {
    WordInfo info;
    info.text = buffer.View(word);
    info.hash = word.hash;
    info.generic = GenericWordSet().Contains(info.text, info.hash);
    info.weight = info.generic ? kGenericWeight : 1.0f;
    out->push_back(info);
  }
}

// The similarity of a listed name's words and a party name's words (see the
// file comment). `used` is scratch space of the party's size.
double Similarity(const WordInfo* listed, size_t listed_count, const WordInfo* party,
                  size_t party_count, std::vector<uint8_t>& used) {
  if (listed_count == 0 || party_count == 0) return 0;
  bool same_sequence = listed_count == party_count;
  for (size_t i = 0; same_sequence && i < listed_count; ++i) {
    same_sequence = listed[i].hash == party[i].hash && listed[i].text == party[i].text;
  }
  if (same_sequence) return 1.0;

  used.assign(party_count, 0);
  std::array<uint8_t, kMaxWords> listed_done{};
  double matched = 0;      // sum of pair weight * score
  double pair_weight = 0;  // sum of pair weights
  // Equal words first, so a typo match never takes a word an exact match needs.
  for (size_t i = 0; i < listed_count; ++i) {
    for (size_t j = 0; j < party_count; ++j) {
      if (!used[j] && listed[i].hash == party[j].hash && listed[i].text == party[j].text) {
        used[j] = 1;
        listed_done[i] = 1;
        matched += listed[i].weight;
        pair_weight += listed[i].weight;
        break;
      }
    }
  }
  for (size_t i = 0; i < listed_count; ++i) {
    if (listed_done[i] || !Tolerant(listed[i].text)) continue;
    for (size_t j = 0; j < party_count; ++j) {
      if (used[j] || EditDistanceUpToOne(listed[i].text, party[j].text) != 1) continue;
      used[j] = 1;
      listed_done[i] = 1;
      // A misspelt generic word ("shenzen") is not in the generic list, so
      // the pair takes the smaller weight on both sides.
      const double weight = std::min(listed[i].weight, party[j].weight);
      const double score = 1.0 - 0.5 / static_cast<double>(listed[i].text.size());
      matched += weight * score;
      pair_weight += weight;
      break;
    }
  }
  double unmatched = 0;
  for (size_t i = 0; i < listed_count; ++i) {
    if (!listed_done[i]) unmatched += listed[i].weight;
  }
  for (size_t j = 0; j < party_count; ++j) {
    if (!used[j]) unmatched += party[j].weight;
  }
  const double dice = 2 * matched / (2 * pair_weight + unmatched);
  return std::min(dice, 0.99);
}

// The letters of a name without spaces, hashed ("nord handel" == "nordhandel").
uint64_t CompactHash(const std::vector<WordInfo>& words, std::string* scratch) {
  scratch->clear();
  for (const WordInfo& word : words) scratch->append(word.text);
  return HashBytes(*scratch) ^ kCompactSalt;
}

// Whether the words, written without spaces, are `letters`.
bool SameLetters(const WordInfo* words, size_t count, std::string_view letters) {
  size_t position = 0;
  for (size_t w = 0; w < count; ++w) {
    if (letters.substr(position, words[w].text.size()) != words[w].text) return false;
    position += words[w].text.size();
  }
  return position == letters.size();
}

// Whether a party word is probed with its one-letter deletions too.
bool ProbesDeletions(std::string_view word) {
  return word.size() >= kMinFuzzyLength && word.size() <= kMaxFuzzyLength;
}

// Calls visit(hash) for the word and, when `deletions`, for each one-letter
// deletion of it (each distinct deletion once). The deletion of letter i has
// hash prefix(i) * B^(n-1-i) + suffix(i+1), so no variant is built.
template <typename Visit>
void ForEachVariant(std::string_view word, bool deletions, Visit visit) {
  visit(HashBytes(word));
  if (!deletions || word.size() > kMaxFuzzyLength) return;
  const size_t length = word.size();
  std::array<uint64_t, kMaxFuzzyLength + 1> suffix;  // suffix[i]: hash of word[i..]
  std::array<uint64_t, kMaxFuzzyLength + 1> power;   // power[k]: B^k
  power[0] = 1;
  for (size_t k = 1; k <= length; ++k) power[k] = power[k - 1] * kHashBase;
  suffix[length] = 0;
  for (size_t i = length; i-- > 0;) {
    suffix[i] = suffix[i + 1] + static_cast<unsigned char>(word[i]) * power[length - 1 - i];
  }
  uint64_t prefix = 0;  // hash of word[0..skip)
  for (size_t skip = 0; skip < length; ++skip) {
    if (skip == 0 || word[skip] != word[skip - 1]) {  // else the same deletion as before
      visit(Finish(prefix * power[length - 1 - skip] + suffix[skip + 1], length - 1));
    }
    prefix = prefix * kHashBase + static_cast<unsigned char>(word[skip]);
  }
}

// ---------------------------------------------------------------------------

struct IndexedEntry {
  WatchlistEntry entry;
  uint32_t first_word = 0;  // into WatchlistIndexImpl::words_
  uint32_t word_count = 0;
};

// A country as one number for the comparison of a candidate's country with
// the party's: 0 none, a two-byte code its bytes and a flag, anything else
// kOtherCountry (then the texts are compared).
constexpr uint32_t kOtherCountry = uint32_t{1} << 17;
uint32_t PackCountry(std::string_view country) {
  if (country.empty()) return 0;
  if (country.size() != 2) return kOtherCountry;
  return uint32_t{static_cast<unsigned char>(country[0])} |
         uint32_t{static_cast<unsigned char>(country[1])} << 8 | uint32_t{1} << 16;
}

// What scoring a candidate reads, apart from the entries (whose strings
// are read for hits only), so that a candidate costs one small record.
struct CandidateInfo {
  uint32_t first_word = 0;  // into WatchlistIndexImpl::words_
  uint32_t word_count = 0;
  uint32_t country = 0;  // PackCountry
};

// Party names with their country (together at most 126 bytes) that matched
// no entry, remembered per thread: traders declare again and again, and most
// are on no watchlist, so such a party then costs a hash and one comparison.
// The country is part of the key because an entry with a country matches
// only parties of that country.
//
// A NameCache is eight-way set associative, least recently used out: the
// tags (the keys' hashes) of a set fill one cache line, so a look-up reads
// that line and then one entry, whose bytes are always compared (a crafted
// hash collision cannot hide a listed party). A key is stored the second
// time it is missed (a doorkeeper bit, cleared now and then), so one-off
// names do not evict frequent ones. Direct-mapped with 4,096 entries of 128
// bytes (session 8), a frequent name was often evicted by a rare one of the
// same slot: in the bench a quarter of the parties missed; eight-way, a
// fifth; with short names in entries of 64 bytes (UnlistedNames, same
// memory), about a sixth.
template <size_t kEntryBytes>
class NameCache {
 public:
  static constexpr size_t kBytes = kEntryBytes - 2;
  static constexpr size_t kWays = 8;
  static constexpr uint32_t kNoWay = kWays;

  void Resize(size_t entries) {
    const size_t sets = std::max<size_t>(1, std::bit_ceil(entries) / kWays);
    sets_.assign(sets, Set{});
    entries_.assign(sets * kWays, Entry{});
    // Least recently used last: way w in the 4-bit nibble of rank w.
    order_.assign(sets, kInitialOrder);
    doorkeeper_.Resize(sets * kWays);
  }

  // Starts fetching the tags of the set of `hash`.
  void PrefetchTags(uint64_t hash) const { __builtin_prefetch(&sets_[SetOf(hash)]); }

  // The way of the set of `hash` whose tag is `hash` (kNoWay if none), its
  // entry's lines fetched as far as a key of `size` bytes needs.
  uint32_t FindWay(uint64_t hash, size_t size) const {
    const Set& set = sets_[SetOf(hash)];
    for (uint32_t way = 0; way < kWays; ++way) {
      if (set.tags[way] == hash) {
        const char* entry = reinterpret_cast<const char*>(&entries_[SetOf(hash) * kWays + way]);
        const size_t end = offsetof(Entry, bytes) + size;
        for (size_t line = 0; line < end; line += 64) __builtin_prefetch(entry + line);
        return way;
      }
    }
    return kNoWay;
  }

  // Whether the key of `country` and `name` (hashed to `hash`) is in
  // `way` (from FindWay; the entry may have been replaced since), compared
  // where the parts are. A found way becomes the most recently used.
  bool Contains(uint64_t hash, uint32_t way, std::string_view country, std::string_view name) {
    if (way == kNoWay) return false;
    const size_t set = SetOf(hash);
    const Entry& entry = entries_[set * kWays + way];
    if (sets_[set].tags[way] != hash || entry.size != 1 + country.size() + name.size() ||
        static_cast<unsigned char>(entry.bytes[0]) != country.size() ||
        std::memcmp(entry.bytes + 1, country.data(), country.size()) != 0 ||
        std::memcmp(entry.bytes + 1 + country.size(), name.data(), name.size()) != 0) {
      return false;
    }
    Touch(set, way);
    return true;
  }

  // Remembers a key of at most kBytes (the second time it is offered, see
  // above). The caller knows it is not there.
  void Insert(uint64_t hash, std::string_view country, std::string_view name) {
    if (!doorkeeper_.Admit(hash)) return;
    const size_t set = SetOf(hash);
    const auto way = static_cast<uint32_t>(order_[set] >> (4 * (kWays - 1)) & 0xF);
    sets_[set].tags[way] = hash;
    Entry& entry = entries_[set * kWays + way];
    entry.size = static_cast<uint16_t>(1 + country.size() + name.size());
    entry.bytes[0] = static_cast<char>(country.size());
    std::memcpy(entry.bytes + 1, country.data(), country.size());
    std::memcpy(entry.bytes + 1 + country.size(), name.data(), name.size());
    Touch(set, way);
  }

 private:
  struct alignas(64) Set {
    uint64_t tags[kWays] = {};  // an empty way's entry has size 0, which no key has
  };
  struct alignas(64) Entry {
    uint16_t size = 0;
    char bytes[kBytes] = {};
  };
  static_assert(sizeof(Set) == 64 && sizeof(Entry) == kEntryBytes);
  static constexpr uint32_t kInitialOrder = 0x76543210;

  size_t SetOf(uint64_t hash) const {
    return static_cast<size_t>((hash * 0x9E3779B97F4A7C15ULL) >> 40) & (sets_.size() - 1);
  }

  // Moves `way` to the front of the set's order.
  void Touch(size_t set, uint32_t way) {
    uint32_t order = order_[set];
    uint32_t rank = 0;
    while ((order >> (4 * rank) & 0xF) != way) ++rank;
    const uint32_t below = rank == 0 ? 0 : (uint32_t{1} << (4 * rank)) - 1;  // ranks < rank
    const uint32_t above = rank + 1 >= kWays ? 0 : ~((uint32_t{1} << (4 * (rank + 1))) - 1);
    order_[set] = (order & above) | (order & below) << 4 | way;
  }

  std::vector<Set> sets_;
  std::vector<Entry> entries_;
  std::vector<uint32_t> order_;
  screening_internal::Doorkeeper doorkeeper_;
};
// Short keys (most names) in entries of 64 bytes, longer ones in entries
// of 128, so that the same memory holds twice as many names as entries of
// 128 bytes alone would.
class UnlistedNames {
 public:
  using Short = NameCache<64>;
  using Long = NameCache<128>;
  static constexpr uint32_t kNoWay = Short::kNoWay;
  static_assert(Short::kNoWay == Long::kNoWay);

  // An entry holds the country's length (so that no two pairs of country
  // and name share a key), the country and the name.
  static size_t KeySize(const DeclarationParty& party) {
    return 1 + party.country.size() + party.name.size();
  }
  static bool Fits(std::string_view country, std::string_view name) {
    return country.size() < 255 && 1 + country.size() + name.size() <= Long::kBytes;
  }

  void Resize() {
    short_.Resize(kShortNames);
    long_.Resize(kLongNames);
  }
  // The functions of NameCache, for a key that Fits, of `size` bytes.
  void PrefetchTags(uint64_t hash, size_t size) const {
    size <= Short::kBytes ? short_.PrefetchTags(hash) : long_.PrefetchTags(hash);
  }
  uint32_t FindWay(uint64_t hash, size_t size) const {
    return size <= Short::kBytes ? short_.FindWay(hash, size) : long_.FindWay(hash, size);
  }
  bool Contains(uint64_t hash, uint32_t way, std::string_view country, std::string_view name) {
    return 1 + country.size() + name.size() <= Short::kBytes
               ? short_.Contains(hash, way, country, name)
               : long_.Contains(hash, way, country, name);
  }
  void Insert(uint64_t hash, std::string_view country, std::string_view name) {
    if (!Fits(country, name)) return;
    1 + country.size() + name.size() <= Short::kBytes ? short_.Insert(hash, country, name)
                                                      : long_.Insert(hash, country, name);
  }

 private:
  static constexpr size_t kShortNames = 8192;  // 512 KB
  static constexpr size_t kLongNames = 1024;   // 128 KB
  Short short_;
  Long long_;
};

// A party on its way through MatchBatch's stages (see there).
struct PartyInFlight {
  const DeclarationParty* party = nullptr;
  const char* role = nullptr;
  bool declarant = false;
  size_t declaration = 0;
  bool pending = false;  // false: known to have no hit
  bool cacheable = false;
  uint64_t key_hash = 0;
  uint32_t way = UnlistedNames::kNoWay;  // of the unlisted name's set whose tag is key_hash
  NameBuffer name;
  std::vector<WordInfo> words;   // views into name.text
  std::vector<uint64_t> probes;  // after the filter stage, only those it passed
  std::string compact;           // the words' letters without spaces
  uint64_t compact_hash = 0;
};

// MatchBatch's stages, in parties ahead of the one being finished: the tags
// of the unlisted name's set are fetched kFetchAhead parties ahead, the way
// with the key's tag found (its entry fetched) kLookupAhead ahead, the entry
// checked (and a name not found there reduced to probes, their filter words
// fetched) kProbeAhead ahead, and the filter words checked (the table slots
// of those that pass fetched) kFilterAhead ahead.
constexpr size_t kFetchAhead = 16;
constexpr size_t kLookupAhead = 12;
constexpr size_t kProbeAhead = 8;
constexpr size_t kFilterAhead = 4;
constexpr size_t kInFlight = 32;  // a power of two above kFetchAhead
static_assert(kFetchAhead < kInFlight && kLookupAhead <= kFetchAhead &&
              kProbeAhead <= kLookupAhead && kFilterAhead <= kProbeAhead);

// The hash of an UnlistedNames key, read from the party's country and name
// where they are (copying them into one key first made every 8-byte read
// wait for the copy's stores), 8 bytes at a time, inline; the bytes are
// compared on a match, so the hash only has to spread keys over sets.
uint64_t Load8(const char* bytes) {
  uint64_t chunk;
  std::memcpy(&chunk, bytes, 8);
  return chunk;
}

// The last `size` (< 8) bytes' share of a hash: two overlapping 4-byte
// reads, or three single bytes; never past the text.
uint64_t LoadTail(const char* bytes, size_t size) {
  if (size >= 4) {
    uint32_t low;
    uint32_t high;
    std::memcpy(&low, bytes, 4);
    std::memcpy(&high, bytes + size - 4, 4);
    return uint64_t{high} << 32 | low;
  }
  if (size == 0) return 0;
  return uint64_t{static_cast<unsigned char>(bytes[0])} |
         uint64_t{static_cast<unsigned char>(bytes[size / 2])} << 8 |
         uint64_t{static_cast<unsigned char>(bytes[size - 1])} << 16;
}

uint64_t HashPart(uint64_t hash, std::string_view text) {
  size_t position = 0;
  for (; position + 8 <= text.size(); position += 8) {
    hash = (hash ^ Load8(text.data() + position)) * 0xff51afd7ed558ccdull;
    hash ^= hash >> 29;
  }
  if (position < text.size()) {
    // The last 8 bytes when there are that many, overlapping the loop's.
    const uint64_t chunk = text.size() >= 8 ? Load8(text.data() + text.size() - 8)
                                            : LoadTail(text.data(), text.size());
    hash = (hash ^ chunk) * 0xff51afd7ed558ccdull;
    hash ^= hash >> 29;
  }
  return hash;
}

uint64_t KeyHash(std::string_view country, std::string_view name) {
  uint64_t hash = (country.size() << 16 | name.size()) * 0x9e3779b97f4a7c15ull;
  hash = HashPart(hash, country);
  hash = HashPart(hash ^ 0x5bd1e995, name);
  hash ^= hash >> 32;
  hash *= 0xc4ceb9fe1a85ec53ull;
  return hash ^ (hash >> 29);
}

// Per-thread scratch for Match, so a query allocates only for its hits.
struct MatchScratch {
  std::array<PartyInFlight, kInFlight> parties;
  std::vector<uint32_t> candidates;
  std::vector<uint8_t> used;
  // `unlisted` holds names for the index numbered `unlisted_owner` only:
  // a thread may match against several indexes in turn.
  uint64_t unlisted_owner = 0;
  UnlistedNames unlisted;
  // The last declarant found unlisted (for `unlisted_owner`'s index too):
  // most declarations of a run name the same customs agent, whose look-up
  // then costs one comparison of the two strings.
  bool declarant_known = false;
  std::string declarant_name;
  std::string declarant_country;
};

uint64_t NextIndexSerial() {
  static std::atomic<uint64_t> serial{0};
  return ++serial;
}

MatchScratch& ThreadScratch() {
  thread_local MatchScratch scratch;
  return scratch;
}

class WatchlistIndexImpl final : public WatchlistIndex {
 public:
  explicit WatchlistIndexImpl(std::vector<WatchlistEntry> entries) {
    NameBuffer buffer;
    std::vector<WordInfo> words;
    std::string compact;
    std::vector<std::pair<uint64_t, uint32_t>> word_pairs;
    std::vector<std::pair<uint64_t, uint32_t>> compact_pairs;
    // Words are copied into one arena first; views are taken once it is final.
    std::vector<std::pair<uint32_t, uint32_t>> spans;
    entries_.reserve(entries.size());
    candidate_info_.reserve(entries.size());
    for (WatchlistEntry& entry : entries) {
      const auto number = static_cast<uint32_t>(entries_.size());
      NormaliseName(entry.name, &buffer);
      Describe(buffer, &words);
      IndexedEntry indexed;
      indexed.entry = std::move(entry);
      indexed.first_word = static_cast<uint32_t>(spans.size());
      indexed.word_count = static_cast<uint32_t>(words.size());
      const bool all_generic =
          std::all_of(words.begin(), words.end(), [](const WordInfo& w) { return w.generic; });
      for (const WordInfo& word : words) {
        spans.emplace_back(static_cast<uint32_t>(arena_.size()),
                           static_cast<uint32_t>(word.text.size()));
        arena_.append(word.text);
        if (word.generic && !all_generic) continue;
        ForEachVariant(word.text, Tolerant(word.text),
                       [&](uint64_t hash) { word_pairs.emplace_back(hash, number); });
      }
      compact_pairs.emplace_back(CompactHash(words, &compact), number);
      candidate_info_.push_back(CandidateInfo{indexed.first_word, indexed.word_count,
                                              PackCountry(indexed.entry.country)});
      entries_.push_back(std::move(indexed));
    }
    words_.reserve(spans.size());
    for (const auto& [offset, length] : spans) {
      WordInfo info;
      info.text = std::string_view(arena_).substr(offset, length);
      info.hash = HashBytes(info.text);
      info.generic = GenericWordSet().Contains(info.text, info.hash);
      info.weight = info.generic ? kGenericWeight : 1.0f;
      words_.push_back(info);
    }
    by_word_.Build(std::move(word_pairs));
    by_compact_.Build(std::move(compact_pairs));
    // A generic word in a party name needs probing only if some indexed word
    // is within one edit of it (entries made only of generic words, or a
    // distinctive word such as "tradex" near "trader").
    for (std::string_view generic : kGenericWords) {
      bool probe = false;
      ForEachVariant(generic, ProbesDeletions(generic),
                     [&](uint64_t hash) { probe = probe || by_word_.Find(hash).first != nullptr; });
      if (probe) probed_generic_.push_back(HashBytes(generic));
    }
    std::sort(probed_generic_.begin(), probed_generic_.end());
  }

  std::vector<WatchlistHit> Match(const Declaration& declaration) const override {
    std::vector<WatchlistBatchHit> batch;
    const Declaration* one = &declaration;
    MatchBatch(std::span(&one, 1), batch);
    std::vector<WatchlistHit> hits;
    hits.reserve(batch.size());
    for (WatchlistBatchHit& hit : batch) hits.push_back(std::move(hit.hit));
    return hits;
  }

  // The batch's parties (consignor, consignee, declarant of each declaration
  // in turn) pass through five stages, each a few parties behind the one
  // before (kFetchAhead, ...), so that the memory a party needs at one stage
  // was fetched while the parties between were worked on. Hits come out in
  // party order, as Match gives them.
  void MatchBatch(std::span<const Declaration* const> declarations,
                  std::vector<WatchlistBatchHit>& hits) const override {
    if (entries_.empty() || declarations.empty()) return;
    MatchScratch& scratch = ThreadScratch();
    if (scratch.unlisted_owner != serial_) {
      scratch.unlisted.Resize();
      scratch.unlisted_owner = serial_;
      scratch.declarant_known = false;
    }
    const size_t count = 3 * declarations.size();
    auto in_flight = [&scratch](size_t number) -> PartyInFlight& {
      return scratch.parties[number % kInFlight];
    };
    // `next` runs kFetchAhead ahead of the party finished in the same turn.
    for (size_t next = 0; next < count + kFetchAhead; ++next) {
      if (next < count) Fetch(declarations, next, in_flight(next), scratch);
      if (next >= kFetchAhead - kLookupAhead && next - (kFetchAhead - kLookupAhead) < count) {
        Lookup(in_flight(next - (kFetchAhead - kLookupAhead)), scratch);
      }
      if (next >= kFetchAhead - kProbeAhead && next - (kFetchAhead - kProbeAhead) < count) {
        Probe(in_flight(next - (kFetchAhead - kProbeAhead)), scratch);
      }
      if (next >= kFetchAhead - kFilterAhead && next - (kFetchAhead - kFilterAhead) < count) {
        Filter(in_flight(next - (kFetchAhead - kFilterAhead)));
      }
      if (next >= kFetchAhead) Finish(in_flight(next - kFetchAhead), scratch, hits);
    }
  }

  size_t size() const override { return entries_.size(); }

 private:
  // Stage 1: the party's unlisted-name key, the tags of its set fetched.
  void Fetch(std::span<const Declaration* const> declarations, size_t number, PartyInFlight& party,
             MatchScratch& scratch) const {
    const Declaration& declaration = *declarations[number / 3];
    party.declaration = number / 3;
    switch (number % 3) {
      case 0:
        party.party = &declaration.consignor;
        party.role = "consignor";
        break;
      case 1:
        party.party = &declaration.consignee;
        party.role = "consignee";
        break;
      default:
        party.party = &declaration.declarant;
        party.role = "declarant";
        break;
    }
    const std::string& name = party.party->name;
    const std::string& country = party.party->country;
    party.declarant = number % 3 == 2;
    party.pending = !name.empty();
    if (!party.pending) return;
    if (party.declarant && scratch.declarant_known && name == scratch.declarant_name &&
        country == scratch.declarant_country) {
      party.pending = false;
      return;
    }
    party.cacheable = UnlistedNames::Fits(country, name);
    if (!party.cacheable) return;
    party.key_hash = KeyHash(country, name);
    scratch.unlisted.PrefetchTags(party.key_hash, UnlistedNames::KeySize(*party.party));
  }

  // Stage 2: the way whose tag is the key's hash, its entry fetched.
  static void Lookup(PartyInFlight& party, MatchScratch& scratch) {
    party.way = UnlistedNames::kNoWay;
    if (party.pending && party.cacheable) {
      party.way = scratch.unlisted.FindWay(party.key_hash, UnlistedNames::KeySize(*party.party));
    }
  }

  // A declarant found unlisted becomes the one Fetch compares with.
  static void RememberDeclarant(const PartyInFlight& party, MatchScratch& scratch) {
    if (!party.declarant) return;
    scratch.declarant_name = party.party->name;
    scratch.declarant_country = party.party->country;
    scratch.declarant_known = true;
  }

  // Stage 3: a party not among the unlisted names is reduced to words and
  // probe keys; the filter words those need are fetched.
  void Probe(PartyInFlight& party, MatchScratch& scratch) const {
    if (!party.pending) return;
    if (scratch.unlisted.Contains(party.key_hash, party.way, party.party->country,
                                  party.party->name)) {
      party.pending = false;
      RememberDeclarant(party, scratch);
      return;
    }
    NormaliseName(party.party->name, &party.name);
    Describe(party.name, &party.words);
    if (party.words.empty()) {
      party.pending = false;
      return;
    }
    std::vector<uint64_t>& probes = party.probes;
    probes.clear();
    for (const WordInfo& word : party.words) {
      if (word.generic &&
          !std::binary_search(probed_generic_.begin(), probed_generic_.end(), word.hash)) {
        continue;
      }
      // A party word of 4 letters can be one deletion of a 5-letter listed
      // word; that is found by the word itself against the listed deletions.
      ForEachVariant(word.text, ProbesDeletions(word.text),
                     [&](uint64_t hash) { probes.push_back(hash); });
    }
    for (uint64_t probe : probes) by_word_.PrefetchFilter(probe);
    party.compact_hash = CompactHash(party.words, &party.compact);
    by_compact_.PrefetchFilter(party.compact_hash);
  }

  // Stage 4: the probes the filter rules out are dropped; the table slots of
  // the others are fetched.
  void Filter(PartyInFlight& party) const {
    if (!party.pending) return;
    std::vector<uint64_t>& probes = party.probes;
    size_t kept = 0;
    for (uint64_t probe : probes) {
      if (by_word_.MayContain(probe)) {
        by_word_.PrefetchSlot(probe);
        probes[kept++] = probe;
      }
    }
    probes.resize(kept);
    if (by_compact_.MayContain(party.compact_hash)) by_compact_.PrefetchSlot(party.compact_hash);
  }

  // Stage 5: the candidates are scored; a party without a hit joins the
  // unlisted names.
  void Finish(PartyInFlight& party, MatchScratch& scratch,
              std::vector<WatchlistBatchHit>& hits) const {
    if (!party.pending) return;
    std::vector<uint32_t>& candidates = scratch.candidates;
    candidates.clear();
    for (uint64_t probe : party.probes) {
      const auto [first, last] = by_word_.Find(probe);
      if (first != nullptr) candidates.insert(candidates.end(), first, last);
    }
    {
      const auto [first, last] = by_compact_.Find(party.compact_hash);
      if (first != nullptr) candidates.insert(candidates.end(), first, last);
    }
    auto unlisted = [&] {
      if (party.cacheable) {
        scratch.unlisted.Insert(party.key_hash, party.party->country, party.party->name);
      }
      RememberDeclarant(party, scratch);
    };
    if (candidates.empty()) {
      unlisted();
      return;
    }
    std::sort(candidates.begin(), candidates.end());
    candidates.erase(std::unique(candidates.begin(), candidates.end()), candidates.end());

    const DeclarationParty& declared = *party.party;
    const size_t first_hit = hits.size();
    const uint32_t declared_country = PackCountry(declared.country);
    for (uint32_t number : candidates) {
      const CandidateInfo& info = candidate_info_[number];
      // An entry with a country matches parties of that country or none.
      if (info.country != 0 && declared_country != 0 &&
          (info.country == kOtherCountry && declared_country == kOtherCountry
               ? entries_[number].entry.country != declared.country
               : info.country != declared_country)) {
        continue;
      }
      double similarity = Similarity(words_.data() + info.first_word, info.word_count,
                                     party.words.data(), party.words.size(), scratch.used);
      if (similarity < watchlist_internal::kMatchThreshold) {
        // Same letters, other spacing ("Nord Handel" / "Nordhandel");
        // party.compact holds the party's letters (CompactHash above).
        if (!SameLetters(words_.data() + info.first_word, info.word_count, party.compact)) {
          continue;
        }
        similarity = 0.99;
      }
      const IndexedEntry& indexed = entries_[number];
      hits.push_back(WatchlistBatchHit{
          party.declaration, WatchlistHit{indexed.entry.id, indexed.entry.name, party.role,
                                          declared.name, similarity, indexed.entry.weight}});
    }
    if (hits.size() == first_hit) {
      unlisted();
      return;
    }
    // Best first; ties in watchlist order (candidates are in entry order and
    // the sort is stable).
    std::stable_sort(hits.begin() + static_cast<std::ptrdiff_t>(first_hit), hits.end(),
                     [](const WatchlistBatchHit& a, const WatchlistBatchHit& b) {
                       return a.hit.similarity > b.hit.similarity;
                     });
  }

  const uint64_t serial_ = NextIndexSerial();
  std::vector<IndexedEntry> entries_;
  std::vector<CandidateInfo> candidate_info_;  // per entry
  std::string arena_;
  std::vector<WordInfo> words_;
  PostingTable by_word_;
  PostingTable by_compact_;
  std::vector<uint64_t> probed_generic_;
};

// Checks the fields every entry needs (also for entries built in code).
void CheckEntry(const WatchlistEntry& entry, const std::string& path, FieldErrorList& errors) {
  if (screening_internal::IsBlank(entry.name)) {
    errors.Add(FieldPath(path, "name"), "is required");
  } else if (watchlist_internal::NameWords(entry.name).empty()) {
    errors.Add(FieldPath(path, "name"), "must contain letters or digits");
  }
  if (!entry.country.empty() && !IsCountryCode(entry.country)) {
    errors.Add(FieldPath(path, "country"), "must be an ISO 3166-1 alpha-2 country code");
  }
  if (!std::isfinite(entry.weight) || entry.weight < 0 || entry.weight > 1) {
    errors.Add(FieldPath(path, "weight"), "must be a number from 0 to 1");
  }
}

}  // namespace

namespace watchlist_internal {

namespace {

void DescribeWords(const std::vector<std::string>& words, std::vector<WordInfo>* out) {
  out->clear();
  for (const std::string& word : words) {
    WordInfo info;
    info.text = word;
    info.hash = HashBytes(word);
    info.generic = GenericWordSet().Contains(info.text, info.hash);
    info.weight = info.generic ? kGenericWeight : 1.0f;
    out->push_back(info);
  }
}

}  // namespace

PreparedName::PreparedName(std::string_view name) {
  NameBuffer buffer;
  NormaliseName(name, &buffer);
  for (const Word& word : buffer.kept) words_.emplace_back(buffer.View(word));
}

std::vector<std::string> NameWords(std::string_view name) { return PreparedName(name).words(); }

double NameSimilarity(const PreparedName& listed_name, const PreparedName& party_name) {
  std::vector<WordInfo> listed;
  std::vector<WordInfo> party;
  DescribeWords(listed_name.words(), &listed);
  DescribeWords(party_name.words(), &party);
  std::vector<uint8_t> used;
  const double similarity =
      Similarity(listed.data(), listed.size(), party.data(), party.size(), used);
  if (similarity >= kMatchThreshold) return similarity;
  std::string letters;
  for (const WordInfo& word : party) letters.append(word.text);
  return !letters.empty() && SameLetters(listed.data(), listed.size(), letters) ? 0.99 : similarity;
}

double NameSimilarity(std::string_view listed_name, std::string_view party_name) {
  return NameSimilarity(PreparedName(listed_name), PreparedName(party_name));
}

}  // namespace watchlist_internal

Result<WatchlistEntry> WatchlistEntryFromJson(const json& body) {
  FieldErrorList errors;
  if (!body.is_object()) {
    errors.Add("", "must be a JSON object");
    return errors.ToError("watchlist entry");
  }
  WatchlistEntry entry;
  if (auto name =
          screening_internal::ReadString(body, "name", "name", true, kMaxNameChars, errors)) {
    entry.name = std::move(*name);
  }
  if (auto address = screening_internal::ReadString(body, "address", "address", false,
                                                    kMaxAddressChars, errors)) {
    entry.address = std::move(*address);
  }
  if (auto country = screening_internal::ReadString(body, "country", "country", false,
                                                    kMaxNameChars, errors)) {
    entry.country = std::move(*country);
  }
  if (auto reason = screening_internal::ReadString(body, "reason", "reason", false, kMaxReasonChars,
                                                   errors)) {
    entry.reason = std::move(*reason);
  }
  entry.source = "analyst";
  if (auto source = screening_internal::ReadString(body, "source", "source", false, kMaxSourceChars,
                                                   errors)) {
    if (!screening_internal::IsBlank(*source)) entry.source = std::move(*source);
  }
  if (auto weight = screening_internal::ReadWeight(body, "weight", "weight", errors)) {
    entry.weight = *weight;
  }
  // Name and country checks beyond type and length; a field already
  // reported is not reported twice.
  FieldErrorList more;
  CheckEntry(entry, "", more);
  for (const FieldError& error : more.list()) {
    const bool reported = std::any_of(errors.list().begin(), errors.list().end(),
                                      [&](const FieldError& e) { return e.field == error.field; });
    if (!reported) errors.Add(error.field, error.message);
  }
  if (!errors.empty()) return errors.ToError("watchlist entry");
  return entry;
}

json ToJson(const WatchlistEntry& entry) {
  return json{
      {"id", entry.id},
      {"name", entry.name},
      {"address", entry.address},
      {"country", entry.country.empty() ? json(nullptr) : json(entry.country)},
      {"reason", entry.reason},
      {"source", entry.source},
      {"owner_org_id", entry.owner_org_id},
      {"weight", entry.weight},
  };
}

Result<std::shared_ptr<const WatchlistIndex>> WatchlistIndex::Build(
    std::vector<WatchlistEntry> entries) {
  FieldErrorList errors;
  for (size_t index = 0; index < entries.size(); ++index) {
    CheckEntry(entries[index], IndexPath("entries", index), errors);
  }
  if (!errors.empty()) return errors.ToError("watchlist");
  return std::shared_ptr<const WatchlistIndex>(
      std::make_shared<WatchlistIndexImpl>(std::move(entries)));
}

}  // namespace cordon
