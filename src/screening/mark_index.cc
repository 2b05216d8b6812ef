#include "screening/mark_index.h"

#include <hs/hs.h>

#include <algorithm>
#include <bitset>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <tuple>
#include <unordered_map>
#include <unordered_set>
#include <utility>

#include "core/codes.h"
#include "screening/embedded_data.h"
#include "screening/text_normalise.h"

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

// What a Hyperscan id stands for.
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

struct PartyKey {
  std::string name_key;  // NormalisePartyName
  std::string country;   // upper case
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

std::string UpperAscii(std::string_view text) {
  std::string upper(text);
  for (char& c : upper) {
    if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
  }
  return upper;
}

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
  uint32_t begin;
  uint32_t end;
  int distance;
};

struct MatchBuffers {
  NormalisedText normalised;
  std::string padded;  // " " + key + " ": word boundaries are spaces
  std::string joined;  // a span without its camel-case spaces
  // For typing variants: non_generic_before[p] counts the words starting
  // before padded position p that are not generic words (computed lazily).
  std::vector<uint32_t> non_generic_before;
  bool generic_counted = false;
  std::vector<Candidate> candidates;
  std::vector<ApplicationHit> hits;
  std::vector<ApplicationHit> kept;
  const void* impl = nullptr;
};

}  // namespace screening_internal

using screening_internal::ApplicationHit;
using screening_internal::Candidate;
using screening_internal::MatchBuffers;

namespace screening_internal {

struct IndexData {
  std::vector<ApplicationData> applications;
  std::vector<Key> keys;
  // Hyperscan id -> refs [ref_begin[id], ref_begin[id + 1]).
  std::vector<uint32_t> ref_begin;
  std::vector<PieceRef> refs;
  hs_database_t* database = nullptr;
  hs_scratch_t* prototype_scratch = nullptr;
  std::mutex clone_mutex;  // hs_clone_scratch of the prototype, one at a time
  FuzzyEngine engine = FuzzyEngine::kPigeonhole;
  std::vector<std::string> generic_storage;
  std::unordered_set<std::string_view> generic_words;
  bool drop_generic_variants = true;
  size_t max_key_size = 0;
  size_t mark_count = 0;
  size_t pattern_count = 0;
  size_t database_bytes = 0;

  ~IndexData() {
    if (prototype_scratch != nullptr) hs_free_scratch(prototype_scratch);
    if (database != nullptr) hs_free_database(database);
  }

  bool AllGeneric(std::string_view span) const {
    size_t start = 0;
    while (start <= span.size()) {
      size_t space = span.find(' ', start);
      if (space == std::string_view::npos) space = span.size();
      if (generic_words.find(span.substr(start, space - start)) == generic_words.end()) {
        return false;
      }
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
      if (impl.generic_words.find(word) == impl.generic_words.end()) ++count;
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

Result<NiceHsTable> LoadNiceHs(const MarkIndexOptions& options) {
  if (options.nice_hs_path.empty()) return NiceHsTable::Embedded();
  return NiceHsTable::Load(options.nice_hs_path);
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
      data.authorised.push_back(
          PartyKey{NormalisePartyName(party.name), UpperAscii(party.country)});
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
  auto add_generic = [&impl](std::string_view word) {
    std::string key = NormaliseForMatching(word).text;
    if (!key.empty() && key.find(' ') == std::string::npos) {
      impl->generic_storage.push_back(std::move(key));
    }
  };
  const std::string_view generic_text = embedded::GenericWordsText();
  size_t line_start = 0;
  while (line_start < generic_text.size()) {
    size_t line_end = generic_text.find('\n', line_start);
    if (line_end == std::string_view::npos) line_end = generic_text.size();
    const std::string_view line = generic_text.substr(line_start, line_end - line_start);
    if (!line.empty() && line[0] != '#') {
      size_t word_start = 0;
      while (word_start < line.size()) {
        size_t word_end = line.find(' ', word_start);
        if (word_end == std::string_view::npos) word_end = line.size();
        if (word_end > word_start) add_generic(line.substr(word_start, word_end - word_start));
        word_start = word_end + 1;
      }
    }
    line_start = line_end + 1;
  }
  for (const std::string& word : options.extra_generic_words) add_generic(word);
  impl->generic_storage.shrink_to_fit();  // string_views below point into it
  for (const std::string& word : impl->generic_storage) impl->generic_words.insert(word);

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
  std::vector<MarkHit> result;
  if (impl_->database == nullptr) return result;
  if (scratch.index_ != this || scratch.buffers_ == nullptr) {
    std::fprintf(stderr, "MarkIndex::Match: scratch does not belong to this index\n");
    std::abort();
  }
  MatchBuffers& buffers = *scratch.buffers_;
  NormaliseForMatching(description, &buffers.normalised);
  if (buffers.normalised.text.empty()) return result;
  buffers.padded.clear();
  buffers.padded.push_back(' ');
  buffers.padded += buffers.normalised.text;
  buffers.padded.push_back(' ');
  buffers.candidates.clear();
  buffers.generic_counted = false;

  ScanContext context{impl_.get(), &buffers};
  const hs_error_t status = hs_scan(impl_->database, buffers.padded.data(),
                                    static_cast<unsigned int>(buffers.padded.size()), 0,
                                    scratch.scratch_, OnMatch, &context);
  if (status != HS_SUCCESS) {
    // HS_SCRATCH_IN_USE (one Scratch on two threads) or a scratch of another
    // database: both programmer errors.
    std::fprintf(stderr, "MarkIndex::Match: hs_scan failed with %d\n", status);
    std::abort();
  }
  if (buffers.candidates.empty()) return result;

  // Unique spans; drop typing variants made only of ordinary words.
  std::vector<Candidate>& candidates = buffers.candidates;
  std::sort(candidates.begin(), candidates.end());
  candidates.erase(
      std::unique(candidates.begin(), candidates.end(),
                  [](const Candidate& a, const Candidate& b) { return a.SameSpan(b); }),
      candidates.end());
  if (impl_->drop_generic_variants) {
    candidates.erase(
        std::remove_if(candidates.begin(), candidates.end(),
                       [&](const Candidate& candidate) {
                         return candidate.distance > 0 &&
                                impl_->AllGeneric(
                                    std::string_view(buffers.padded)
                                        .substr(candidate.begin, candidate.end - candidate.begin));
                       }),
        candidates.end());
  }

  // Per application: drop hits inside a longer hit of the same application,
  // then keep the best occurrence of each key.
  std::vector<ApplicationHit>& hits = buffers.hits;
  hits.clear();
  for (const Candidate& candidate : candidates) {
    for (const Occurrence& occurrence : impl_->keys[candidate.key].occurrences) {
      hits.push_back(ApplicationHit{occurrence.application, candidate.key, occurrence.mark,
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

  // Relevance and authorisation.
  std::string item_hs;
  for (char c : hs_code) {
    if (c >= '0' && c <= '9') item_hs.push_back(c);
  }
  int item_chapter = 0;
  if (item_hs.size() >= 2) item_chapter = (item_hs[0] - '0') * 10 + (item_hs[1] - '0');
  const std::string consignor_key =
      consignor.name.empty() ? "" : NormalisePartyName(consignor.name);
  const std::string consignee_key =
      consignee.name.empty() ? "" : NormalisePartyName(consignee.name);
  const std::string consignor_country = UpperAscii(consignor.country);
  const std::string consignee_country = UpperAscii(consignee.country);

  result.reserve(kept.size());
  for (const ApplicationHit& hit : kept) {
    const ApplicationData& application = impl_->applications[hit.application];
    const MarkData& mark = application.marks[hit.mark];
    MarkHit out;
    out.mark = mark.text;
    out.application_id = application.id;
    out.right_index = mark.right_index;
    // Padded positions are key positions + 1.
    const auto [found_begin, found_end] =
        buffers.normalised.SourceRange(hit.begin - 1, hit.end - 1);
    out.found_begin = found_begin;
    out.found_end = found_end;
    out.found = std::string(description.substr(found_begin, found_end - found_begin));
    out.distance = hit.distance;
    if (item_hs.size() < 2) {
      out.relevance = Relevance::kClassRelated;
    } else {
      out.relevance = Relevance::kUnrelated;
      for (const std::string& goods : application.goods_hs) {
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
    for (const PartyKey& party : application.authorised) {
      if (party.country.empty() || party.name_key.empty()) continue;
      if ((!consignor_key.empty() && party.name_key == consignor_key &&
           party.country == consignor_country) ||
          (!consignee_key.empty() && party.name_key == consignee_key &&
           party.country == consignee_country)) {
        out.authorised = true;
        break;
      }
    }
    result.push_back(std::move(out));
  }
  return result;
}

size_t MarkIndex::application_count() const { return impl_->applications.size(); }
size_t MarkIndex::mark_count() const { return impl_->mark_count; }
size_t MarkIndex::key_count() const { return impl_->keys.size(); }
size_t MarkIndex::pattern_count() const { return impl_->pattern_count; }
size_t MarkIndex::database_bytes() const { return impl_->database_bytes; }

}  // namespace cordon
