// Risk screening of declarations (issue 3): the pipeline that turns one
// declaration into one result with a score, a channel and the reasons an
// officer can read, and the selection of declarations for inspection under
// limited capacity.
//
// What is checked, per declaration:
//   mark        recorded marks of granted, valid applications found in item
//               descriptions and brand fields (mark_index.h)
//   profile     risk profiles of the administration's analysts (profiles.h)
//   watchlist   traders on the watchlist among the parties (watchlist.h)
//   small_consignment  a postal or express consignment of at most 3 units or
//               under 2 kg gross (Regulation (EU) No 608/2013 Art. 2(19)): the
//               small-consignments procedure of Art. 26 can apply
//   model       the targeting model's probability that an inspection finds
//               an irregularity, with its largest feature contributions
//               (model_inputs.h maps the declaration to the model's roles)
//
// Score. Every hit carries a weight in [0,1]; the score is the probability
// that at least one of them is a real signal when each is taken as an
// independent one: score = 1 - prod(1 - weight_i) ("noisy-OR"). Two weak
// signals thus add up, no signal can push the score past 1, and the order of
// hits does not matter. Mark hits weigh ScoringOptions::mark_* by distance
// (an exact mark is stronger evidence than a typing variant) times
// class_related_factor when the goods are only related through the Nice
// class; unrelated goods and authorised parties weigh 0 (reported, but they do
// not raise the score). Profiles and watchlist entries weigh what their
// authors set (watchlist: times the name similarity). Small consignments are
// a procedural flag and weigh 0. The model hit weighs model_weight times the
// model's probability: one more independent piece of evidence, so with
// model_weight 1 and no other hit the score is the model's probability.
//
// Channel: red at score >= red_threshold, yellow at >= yellow_threshold,
// else green. Selection (selection for physical inspection) is red by default,
// or decided by SelectByBudget / SelectByCapacity over a batch.
//
// Same input, same output: no clock reads other than the `today` passed in,
// no randomness, ties broken by input order.
//
// Thread safety: a Screener is immutable once made and safe to share; each
// thread needs its own ScreeningScratch.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"
#include "screening/declaration.h"
#include "screening/mark_index.h"
#include "screening/profiles.h"
#include "screening/watchlist.h"
#include "targeting/targeting.h"

namespace cordon {

struct ScoringOptions {
  double mark_exact = 0.9;       // distance 0
  double mark_distance1 = 0.75;  // one edit
  double mark_distance2 = 0.6;   // two edits
  double class_related_factor = 0.6;
  double red_threshold = 0.7;
  double yellow_threshold = 0.3;
  double model_weight = 1.0;    // the model hit's weight is this × its probability
  int model_contributions = 5;  // contributions shown per model hit (0..1000)
};

struct ScreeningHit {
  std::string kind;  // mark | profile | watchlist | small_consignment | model
  int item = -1;     // item index, -1 when the hit is about the whole declaration
  double weight = 0;
  // mark
  std::string mark;         // as filed
  std::string application;  // application id
  std::string found;        // as it stood in the description
  std::string field;        // description | brand
  int distance = 0;
  std::string relevance;  // listed_goods | class_related | unrelated
  bool authorised = false;
  // profile
  std::string profile;  // id
  std::string name;     // profile name, or the watchlist's listed name
  // watchlist
  std::string entry;  // watchlist entry id
  std::string party;  // consignor | consignee | declarant
  double similarity = 0;
  // small consignment; a model hit that could not be computed
  std::string reason;
  // model: `name` is the model's label (stored id and version, or file name),
  // `item` the riskiest item (the one scored highest; its score is the hit's),
  // `probability` the model's output, and the largest path attributions
  // (Saabas: bias + all contributions = log-odds; docs/targeting.md).
  double probability = 0;
  double bias = 0;
  std::vector<targeting::Contribution> contributions;
};

struct ScreeningResult {
  std::string id;      // declaration id
  std::string office;  // for capacity selection and the queue
  double score = 0;
  std::string channel;  // green | yellow | red
  bool selected = false;
  std::vector<ScreeningHit> hits;
};

struct ScreenerParts {
  std::shared_ptr<const MarkIndex> marks;           // may be null: no marks
  std::shared_ptr<const ProfileSet> profiles;       // may be null
  std::shared_ptr<const WatchlistIndex> watchlist;  // may be null
  ScoringOptions scoring;
  std::shared_ptr<const targeting::Model> model;  // may be null: no model hit
  std::string model_label;                        // shown in model hits
};

class ScreeningScratch;

class Screener {
 public:
  // kInvalidInput when scoring weights or thresholds are outside [0,1] or
  // yellow > red.
  static Result<std::shared_ptr<const Screener>> Make(ScreenerParts parts);

  // Per-thread working memory.
  Result<std::unique_ptr<ScreeningScratch>> NewScratch() const;

  // Screens one declaration on `today` (profile validity). selected = red.
  ScreeningResult Screen(const Declaration& declaration, Date today,
                         ScreeningScratch& scratch) const;
  // Screens several declarations into `out` (cleared first; one result per
  // declaration, in order): the same results as Screen on each, but with a
  // model, the items of up to 256 declarations at a time are scored together,
  // which keeps its trees in cache (several times faster than one by one).
  void ScreenBatch(std::span<const Declaration* const> declarations, Date today,
                   ScreeningScratch& scratch, std::vector<ScreeningResult>& out) const;

  const ScoringOptions& scoring() const { return parts_.scoring; }
  // The same Screener with another model (null: none); the marks, profiles
  // and watchlist are shared, not copied.
  std::shared_ptr<const Screener> WithModel(std::shared_ptr<const targeting::Model> model,
                                            std::string label) const;
  const targeting::Model* model() const { return parts_.model.get(); }

 private:
  explicit Screener(ScreenerParts parts) : parts_(std::move(parts)) {}
  // Marks, profiles, watchlist and small consignment of each declaration
  // into its result (empty before); no model hit, no score.
  void ScreenWithoutModel(std::span<const Declaration* const> declarations, Date today,
                          ScreeningScratch& scratch, std::span<ScreeningResult> results) const;
  void AddMarkHits(const Declaration& declaration, ScreeningScratch& scratch,
                   ScreeningResult& result) const;
  ScreenerParts parts_;
};

class ScreeningScratch {
 public:
  ~ScreeningScratch();

 private:
  friend class Screener;
  ScreeningScratch() = default;
  std::optional<MarkIndex::Scratch> marks_;
};

// Selects the top `percent` % of `results` by score (exactly
// ceil(percent/100 * n) results, none of them with score 0), ties broken by
// input order; every other result is not selected. kInvalidInput when percent
// is outside [0,100].
Status SelectByBudget(std::vector<ScreeningResult>& results, double percent);

// Each office gets its best results by score up to its capacity (ties by
// input order); offices without a capacity get none; results with score 0 are
// never selected. kInvalidInput for a negative capacity.
Status SelectByCapacity(std::vector<ScreeningResult>& results,
                        const std::map<std::string, int>& capacity_by_office);

// "5%" / "5" -> 5.0; kInvalidInput naming `budget` otherwise.
Result<double> ParseBudget(std::string_view text);
// "DEHAM=20,DEFRA=5" -> map; kInvalidInput naming `capacity` otherwise.
Result<std::map<std::string, int>> ParseCapacity(std::string_view text);

// One result as one line of JSON (no trailing newline), the shape:
// {"id":..,"score":..,"channel":..,"selected":..,"hits":[...]}, appended to *out.
void AppendResultJson(const ScreeningResult& result, std::string* out);
// An error record for a declaration that could not be read:
// {"line":N,"id":..,"error":"reason"}.
void AppendReadErrorJson(const ReadError& error, std::string* out);

}  // namespace cordon
