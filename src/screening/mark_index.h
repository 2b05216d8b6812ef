// The recorded-marks matcher of risk screening (issue 3, points 1-3): finds
// the word marks of granted applications for action (Regulation (EU) No
// 608/2013 Art. 6(3)(b), the rights the holder asks customs to enforce) in
// goods descriptions, through the usual disguises and typing variants, and
// says for each hit whether the goods are the ones the right covers and
// whether a party of the declaration is authorised by the holder (Art.
// 6(3)(f): authorised importers, manufacturers, distributors).
//
// How it matches (details and reasons in mark_index.cc):
//  - Descriptions and marks go through NormaliseForMatching (text_normalise.h),
//    which undoes case, accents, look-alike letters of other scripts, digits
//    used as letters, separators inside a word and invisible characters.
//  - A mark matches whole words only: the found text starts and ends at word
//    boundaries of the description, so ZENTRA does not fire inside
//    "KAZENTRAL" and LUMIO does not fire inside "LUMIOBEAM" (which is its own
//    mark). Marks may have several words ("ZENTRA AIR RUNNER").
//  - Typing variants: Levenshtein distance (insert, delete, substitute one
//    character; a swap of two neighbours counts 2) on the matching key, at
//    most 1 for marks of 5-8 letters, 2 for 9 or more, none for marks of
//    fewer than 5 letters or with letters outside a-z after normalisation.
//    Letters are counted without spaces; a space inserted into or deleted
//    from the mark ("ZEN TRA") is one edit, except a space the normaliser put
//    at a camel-case boundary, which may be read as none ("HanFeng").
//  - A typing-variant hit (distance >= 1) whose words are all ordinary words
//    (data/generic_words.txt plus MarkIndexOptions::extra_generic_words) is
//    dropped: "velocity" is one edit from VELOCITA and is not a disguise.
//    Exact hits are never dropped.
//  - Candidates come from hash tables, not from scanning (FuzzyEngine::
//    kDeletionIndex, the default). Every span of whole words of the
//    description no longer than the longest mark plus 2 bytes is looked up:
//     * a span equal to a mark: one lookup; the candidates are that mark and
//       its neighbours, the marks within their own limit of it, listed when
//       the index is built;
//     * otherwise, symmetric deletion: marks of 5-8 letters are indexed by
//       themselves and each variant with one byte deleted, marks of 9 or more
//       by every variant with up to two bytes deleted (of a mark with
//       spaces, only the variants left without one). A text within k edits
//       of a mark becomes equal to it after at most k deletions on each side
//       (a substitution deletes one byte on each side, an insertion or
//       deletion one on one side), so a one-word span probes its own variants
//       with up to k deletions;
//     * a span of several words: in an optimal alignment with a mark,
//       either none of its spaces stands for a space of the mark, so all
//       are edits (at most k of them) and so are the mark's own spaces:
//       deleting them leaves residues without spaces on both sides, the
//       span without its spaces probes its variants with up to k - (its
//       spaces) more deletions, and only residues without spaces are
//       indexed; or one of its spaces (each is tried) stands for a space of
//       the mark, and the words before and after it match the mark's parts
//       before and after that space with the k edits shared: one part
//       exact, or with k = 2 each part within one edit, probed by symmetric
//       deletion of one of the parts (a part with one space more than any
//       mark's part only with one of its spaces deleted).
//    Every candidate is verified with the exact, bounded edit distance
//    (camel-case spaces read as present and as absent), so `distance` is
//    exact and nothing within the limits is missed; mark_index_test.cc
//    compares the engine with a brute-force reading of these rules on random,
//    deliberately crowded registers.
//  - Cost per description does not grow with the number of marks (issue 3):
//    the probes of a span depend on its length only, and each is O(1) (a bit
//    filter, then a 64-bit slot). Only true near neighbours grow with a
//    crowded register. Probes of a description are batched and prefetched,
//    tables sit on huge pages.
//  - Each Scratch remembers the hits of spans it has matched, by their bytes
//    (MarkIndexOptions::span_cache_entries, 4,096 x 64 bytes by default):
//    descriptions repeat their words and phrases, so most spans cost one
//    lookup. A span is stored the second time it is missed (a doorkeeper bit
//    set, as in TinyLFU), so one-off spans around a mark do not evict the
//    frequent ones; spans with camel-case spaces are not stored.
//  - Measured with the seeded 50,000-mark register of
//    bench/screening_match_bench.cc on this project's 2-core machine, shared
//    with other builds and benchmarks (load 4-6), so the figures are lower
//    bounds and vary between runs (details in the commit messages): index
//    build 0.6-1.1 s, tables 41 MiB (process +59 MiB); one core best
//    300,000-760,000 descriptions/s (170,000-430,000 without the span
//    cache), 7-17x the previous engine in the same run; about 6,800
//    instructions per description (callgrind; 17,000 without the cache);
//    p50 about 1 us, p99 9-13 us.
//  - Why not Hyperscan: for the exact part alone, its literal database of the
//    same 49,853 marks compiled in 4.2 s and scanned at 415-470 ns per
//    description, while the hash lookups that typing variants need anyway
//    find exact marks as a by-product. The previous engine
//    (FuzzyEngine::kPigeonhole: Hyperscan literals for marks and their
//    pigeonhole pieces, each piece hit verified) ran 21,000-57,000
//    descriptions/s with a 4.8-8.6 s build, because short pieces match often
//    in a crowded register; it is kept for comparison in the benchmark.
//    Hyperscan's own approximate matching (hs_expr_ext edit_distance) is
//    kept as FuzzyEngine::kHyperscanEditDistance for small indexes and as a
//    test oracle; it does not scale (1,000 marks compiled in 6 s, 5,000 in
//    95 s). The engines differ in one corner only: the Hyperscan engines read
//    a camel-case space as absent only when the span is also within the
//    limit with it present.
//  - Per description, one hit per application and mark: the occurrence with
//    the smallest distance, then the earliest. A hit whose found text lies
//    inside the found text of a longer mark of the same application is
//    dropped (the description says "ZENTRA AIR RUNNER", not also "ZENTRA").
//    Hits of different applications are all reported.
//
// Thread safety: a built MarkIndex is immutable and safe to share between any
// number of threads. A MarkIndex::Scratch is per thread: each thread that
// calls Match needs its own (NewScratch), and one Scratch must not be used by
// two threads at once.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "screening/nice_hs.h"

struct hs_database;
struct hs_scratch;  // FuzzyEngine::kPigeonhole and kHyperscanEditDistance only

namespace cordon {

namespace screening_internal {
struct MatchBuffers;  // mark_index.cc
struct IndexData;     // mark_index.cc
}  // namespace screening_internal

struct Application;  // rights/rights.h

// A word mark of one right of an application, as the index takes it.
struct RecordedMark {
  std::string text;               // as filed, e.g. "ZENTRA AIR RUNNER"
  int right_index = 0;            // index into the application's rights
  std::vector<int> nice_classes;  // of that right, 1..45
};

struct AuthorisedParty {
  std::string name;
  std::string country;  // ISO 3166-1 alpha-2
};

// One application for action as the index takes it: only what matching needs.
struct IndexedApplication {
  std::string id;
  std::vector<RecordedMark> marks;
  std::vector<std::string> goods_hs;  // HS codes/headings of its goods, 2..10 digits
  std::vector<AuthorisedParty> authorised_parties;
};

// The index input of `applications` from their public fields: every word mark
// of every right still in force on `today` (a right whose `expires_on` has
// passed gives no marks: its protection has lapsed), the HS codes of its
// goods and its authorised parties. The caller chooses which applications
// count (granted, valid, of the screening administration); this function
// does not look at status.
std::vector<IndexedApplication> FromApplications(const std::vector<Application>& applications,
                                                 Date today);

// A consignor or consignee of the declaration being screened.
struct PartyRef {
  std::string_view name;
  std::string_view country;  // ISO 3166-1 alpha-2
};

enum class Relevance {
  kListedGoods,   // the item's HS code and one of the application's goods share a prefix
  kClassRelated,  // the item's HS chapter is covered by one of the right's Nice classes
  kUnrelated,     // neither: a weak hit that does not raise the score
};
// "listed_goods", "class_related", "unrelated".
const char* RelevanceName(Relevance relevance);

// One hit of Match. Its texts are views, not copies (a hit is read once,
// into the caller's result): `mark` and `application_id` view the index's
// own copies and stay valid while the MarkIndex lives; `found` views the
// description given to Match and stays valid while that text does.
struct MarkHit {
  int item = 0;                     // the caller's item index; Match leaves it 0
  std::string_view mark;            // the recorded mark as filed
  std::string_view application_id;  // IndexedApplication::id
  int right_index = 0;              // RecordedMark::right_index
  std::string_view found;           // the description's text as it stood, e.g. "Z3NTRA"
  size_t found_begin = 0;           // byte offsets of `found` in the description
  size_t found_end = 0;
  int distance = 0;  // edit distance between the normalised mark and found text
  Relevance relevance = Relevance::kUnrelated;
  bool authorised = false;  // consignor or consignee is an authorised party
};

enum class FuzzyEngine {
  kDeletionIndex,          // deletion variants in hash tables (the default)
  kPigeonhole,             // Hyperscan literal pieces + verification (the previous engine)
  kHyperscanEditDistance,  // Hyperscan edit_distance patterns; small indexes only
};

struct MarkIndexOptions {
  // Nice class -> HS chapter table; the compiled-in copy of
  // data/nice_hs.json when empty, else the file at this path.
  std::string nice_hs_path;
  FuzzyEngine fuzzy_engine = FuzzyEngine::kDeletionIndex;
  // kHyperscanEditDistance is refused above this many distinct marks, since
  // its compile time grows much faster than linearly.
  size_t max_edit_distance_marks = 2000;
  // Added to the generic vocabulary (data/generic_words.txt).
  std::vector<std::string> extra_generic_words;
  // Drop typing-variant hits made only of generic words (on by default).
  bool drop_generic_variants = true;
  // kDeletionIndex: spans (of at most 32 bytes) whose candidates each
  // Scratch remembers, 64 bytes each; 0 turns the cache off. Descriptions
  // repeat their words, so most spans are then found with one lookup.
  size_t span_cache_entries = 4096;
  // Whole descriptions (of at most 112 bytes) in which nothing was found,
  // 128 bytes each, per Scratch; 0 turns this cache off. Goods descriptions
  // repeat and most contain no mark, so they then cost one lookup.
  size_t description_cache_entries = 4096;
};

class MarkIndex {
 public:
  // Per-thread working memory for Match: reusable buffers (and Hyperscan
  // scratch space for the Hyperscan engines). Movable, not copyable; tied to
  // the index that made it.
  class Scratch {
   public:
    Scratch(Scratch&& other) noexcept;
    Scratch& operator=(Scratch&& other) noexcept;
    Scratch(const Scratch&) = delete;
    Scratch& operator=(const Scratch&) = delete;
    ~Scratch();

   private:
    friend class MarkIndex;
    Scratch(const MarkIndex* index, hs_scratch* scratch);
    const MarkIndex* index_ = nullptr;
    hs_scratch* scratch_ = nullptr;
    std::unique_ptr<screening_internal::MatchBuffers> buffers_;
  };

  // Builds the index. kInvalidInput, naming each bad field
  // ("applications[2].marks[0].text"), when a mark has no letter or digit
  // (nothing to match), a Nice class is outside 1..45, a goods HS code is not
  // 2..10 digits, or kHyperscanEditDistance is asked for more marks than
  // allowed; kNotFound/kInvalidInput from loading options.nice_hs_path;
  // kInternal when Hyperscan refuses to compile (message from Hyperscan).
  // An index of no marks is valid and matches nothing.
  static Result<std::shared_ptr<const MarkIndex>> Build(
      std::vector<IndexedApplication> applications, const MarkIndexOptions& options = {});

  ~MarkIndex();
  MarkIndex(const MarkIndex&) = delete;
  MarkIndex& operator=(const MarkIndex&) = delete;

  // A new Scratch for one thread (cheap: buffers grow on first use; the
  // Hyperscan engines clone a prototype scratch). kInternal only when
  // Hyperscan cannot allocate.
  Result<Scratch> NewScratch() const;

  // Every recorded mark found in `description`, in order of position, with
  // relevance to `hs_code` (the item's HS code, digits; empty when unknown,
  // which counts as class_related: nothing shows the goods are unrelated) and
  // authorisation of `consignor`/`consignee` (either may be empty). Never
  // fails on any input bytes. `scratch` must come from this index's
  // NewScratch and be used by one thread at a time; misuse is a programmer
  // error and aborts.
  std::vector<MarkHit> Match(std::string_view description, std::string_view hs_code,
                             const PartyRef& consignor, const PartyRef& consignee,
                             Scratch& scratch) const;

  // Figures for logs and benchmarks.
  size_t application_count() const;
  size_t mark_count() const;  // marks given (with duplicates across applications)
  size_t key_count() const;   // distinct normalised marks
  // kDeletionIndex: distinct hashes in its tables, and the bytes of its
  // tables; the Hyperscan engines: literals or patterns in the database, and
  // its size.
  size_t pattern_count() const;
  size_t database_bytes() const;

 private:
  explicit MarkIndex(std::unique_ptr<screening_internal::IndexData> impl);
  std::unique_ptr<screening_internal::IndexData> impl_;
};

}  // namespace cordon
