// The screening pipeline: one declaration in, one explained result out.
// See screening.h for the scoring model and its reasons.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <span>

#include "core/codes.h"
#include "screening/model_inputs.h"
#include "screening/screening.h"

namespace cordon {
namespace {

// Regulation (EU) No 608/2013 Art. 2(19): "a postal or express courier
// consignment, which contains three units or less, or has a gross weight of
// less than two kilograms".
constexpr double kSmallConsignmentMaxUnits = 3;
constexpr double kSmallConsignmentMaxKg = 2;

bool InUnitInterval(double value) { return value >= 0 && value <= 1 && !std::isnan(value); }

double MarkWeight(const MarkHit& hit, const ScoringOptions& scoring) {
  if (hit.authorised || hit.relevance == Relevance::kUnrelated) return 0;
  double weight = hit.distance == 0   ? scoring.mark_exact
                  : hit.distance == 1 ? scoring.mark_distance1
                                      : scoring.mark_distance2;
  if (hit.relevance == Relevance::kClassRelated) weight *= scoring.class_related_factor;
  return weight;
}

// Fills `out`, a hit just added to a result (built in place: a ScreeningHit
// has a dozen strings, and moving one in costs as much as filling it).
void FillMarkHit(const MarkHit& hit, int item, const char* field, const ScoringOptions& scoring,
                 ScreeningHit& out) {
  out.kind = "mark";
  out.item = item;
  out.field = field;
  out.mark = hit.mark;
  out.application = hit.application_id;
  out.found = hit.found;
  out.distance = hit.distance;
  out.relevance = RelevanceName(hit.relevance);
  out.authorised = hit.authorised;
  out.weight = MarkWeight(hit, scoring);
}

// Adds the small-consignment hit when `declaration` is one.
void AddSmallConsignment(const Declaration& declaration, std::vector<ScreeningHit>& hits) {
  if (declaration.transport_mode != "postal" && declaration.transport_mode != "express") {
    return;
  }
  double units = 0;
  double gross_kg = 0;
  for (const DeclarationItem& item : declaration.items) {
    units += item.quantity;
    gross_kg += item.gross_kg;
  }
  if (units <= kSmallConsignmentMaxUnits) {
    ScreeningHit& hit = hits.emplace_back();
    hit.kind = "small_consignment";
    hit.reason = fmt::format("{} consignment of {} units (at most 3; Art. 2(19))",
                             declaration.transport_mode, units);
  } else if (gross_kg < kSmallConsignmentMaxKg) {
    ScreeningHit& hit = hits.emplace_back();
    hit.kind = "small_consignment";
    hit.reason = fmt::format("{} consignment of {} kg gross (under 2 kg; Art. 2(19))",
                             declaration.transport_mode, gross_kg);
  }
}

// Appends each declaration's model hit to its result: every item scored as
// one row (declaration fields plus the item's), the riskiest item explained.
// The batch's rows go through the model together (Model::ExplainRiskiest), so
// its trees are walked once per block of rows.
void AddModelHits(const targeting::Model& model, const std::string& label,
                  std::span<const Declaration* const> declarations, const ScoringOptions& scoring,
                  std::span<ScreeningResult> results) {
  std::vector<size_t> group_ends;
  targeting::Dataset rows = ModelDataset(model.mapping(), declarations, group_ends);
  Result<std::vector<targeting::Model::GroupPrediction>> groups =
      model.ExplainRiskiest(rows, group_ends, scoring.model_contributions);
  for (size_t index = 0; index < declarations.size(); ++index) {
    ScreeningHit hit;
    hit.kind = "model";
    hit.name = label;
    if (!groups.ok()) {
      hit.reason = "the model could not score: " + groups.error().message();
    } else if (targeting::Model::GroupPrediction& group = (*groups)[index];
               group.row == targeting::Model::GroupPrediction::kNoRow) {
      hit.reason = "no items to score";
    } else {
      const size_t first_row = index == 0 ? 0 : group_ends[index - 1];
      hit.item = static_cast<int>(group.row - first_row);
      hit.probability = group.prediction.probability;
      hit.bias = group.prediction.bias;
      hit.contributions = std::move(group.prediction.top);
      hit.weight = scoring.model_weight * group.prediction.probability;
    }
    results[index].hits.push_back(std::move(hit));
  }
}

// The score from the hits, its channel, and selected = red.
void Conclude(ScreeningResult& result, const ScoringOptions& scoring) {
  double miss = 1;
  for (const ScreeningHit& hit : result.hits) miss *= 1 - std::clamp(hit.weight, 0.0, 1.0);
  // Four decimals: enough to rank, and the same text on every machine.
  result.score = std::round((1 - miss) * 10000) / 10000;
  result.channel = result.score >= scoring.red_threshold      ? "red"
                   : result.score >= scoring.yellow_threshold ? "yellow"
                                                              : "green";
  result.selected = result.channel == "red";
}

// Indices of `results` ordered best first: score descending, then input order.
std::vector<size_t> RankByScore(const std::vector<ScreeningResult>& results) {
  std::vector<size_t> order(results.size());
  std::iota(order.begin(), order.end(), 0);
  std::stable_sort(order.begin(), order.end(), [&results](size_t left, size_t right) {
    return results[left].score > results[right].score;
  });
  return order;
}

}  // namespace

ScreeningScratch::~ScreeningScratch() = default;

Result<std::shared_ptr<const Screener>> Screener::Make(ScreenerParts parts) {
  const ScoringOptions& scoring = parts.scoring;
  std::vector<FieldError> errors;
  auto check = [&errors](double value, const char* field) {
    if (!InUnitInterval(value)) errors.push_back({field, "must be between 0 and 1"});
  };
  check(scoring.mark_exact, "scoring.mark_exact");
  check(scoring.mark_distance1, "scoring.mark_distance1");
  check(scoring.mark_distance2, "scoring.mark_distance2");
  check(scoring.class_related_factor, "scoring.class_related_factor");
  check(scoring.red_threshold, "scoring.red_threshold");
  check(scoring.yellow_threshold, "scoring.yellow_threshold");
  check(scoring.model_weight, "scoring.model_weight");
  if (scoring.model_contributions < 0 || scoring.model_contributions > 1000) {
    errors.push_back({"scoring.model_contributions", "must be between 0 and 1000"});
  }
  if (errors.empty() && scoring.yellow_threshold > scoring.red_threshold) {
    errors.push_back({"scoring.yellow_threshold", "must not be above scoring.red_threshold"});
  }
  if (!errors.empty()) return InvalidInput("invalid scoring options", std::move(errors));
  return std::shared_ptr<const Screener>(new Screener(std::move(parts)));
}

Result<std::unique_ptr<ScreeningScratch>> Screener::NewScratch() const {
  std::unique_ptr<ScreeningScratch> scratch(new ScreeningScratch());
  if (parts_.marks) {
    CORDON_ASSIGN_OR_RETURN(MarkIndex::Scratch marks, parts_.marks->NewScratch());
    scratch->marks_.emplace(std::move(marks));
  }
  return scratch;
}

ScreeningResult Screener::Screen(const Declaration& declaration, Date today,
                                 ScreeningScratch& scratch) const {
  ScreeningResult result;
  const Declaration* one = &declaration;
  ScreenWithoutModel(std::span(&one, 1), today, scratch, std::span(&result, 1));
  if (parts_.model) {
    AddModelHits(*parts_.model, parts_.model_label, std::span(&one, 1), parts_.scoring,
                 std::span(&result, 1));
  }
  Conclude(result, parts_.scoring);
  return result;
}

void Screener::ScreenBatch(std::span<const Declaration* const> declarations, Date today,
                           ScreeningScratch& scratch, std::vector<ScreeningResult>& out) const {
  // The results of the batch before are reset, but keep their hits'
  // capacity: most batches then allocate nothing for hits.
  out.resize(declarations.size());
  for (ScreeningResult& result : out) {
    std::vector<ScreeningHit> hits = std::move(result.hits);
    hits.clear();
    result = ScreeningResult{};
    result.hits = std::move(hits);
  }
  ScreenWithoutModel(declarations, today, scratch, out);
  if (parts_.model) {
    // Enough rows per call for the trees to be walked by full blocks, few
    // enough for the rows' features to stay in cache.
    constexpr size_t kModelBatch = 256;
    for (size_t first = 0; first < declarations.size(); first += kModelBatch) {
      const size_t count = std::min(kModelBatch, declarations.size() - first);
      AddModelHits(*parts_.model, parts_.model_label, declarations.subspan(first, count),
                   parts_.scoring, std::span(out).subspan(first, count));
    }
  }
  for (ScreeningResult& result : out) Conclude(result, parts_.scoring);
}

void Screener::ScreenWithoutModel(std::span<const Declaration* const> declarations, Date today,
                                  ScreeningScratch& scratch,
                                  std::span<ScreeningResult> results) const {
  for (size_t index = 0; index < declarations.size(); ++index) {
    results[index].id = declarations[index]->id;
    results[index].office = declarations[index]->office;
  }
  // One check at a time over the whole batch, so that each check's tables
  // and caches stay in the CPU's caches from one declaration to the next;
  // each result's hits come in the same order as checking one declaration
  // through all checks would give.
  if (parts_.marks) {
    for (size_t index = 0; index < declarations.size(); ++index) {
      AddMarkHits(*declarations[index], scratch, results[index]);
    }
  }
  if (parts_.profiles) {
    for (size_t index = 0; index < declarations.size(); ++index) {
      for (ProfileHit& hit : parts_.profiles->Evaluate(*declarations[index], today)) {
        ScreeningHit& out = results[index].hits.emplace_back();
        out.kind = "profile";
        out.item = hit.item;
        out.profile = std::move(hit.profile_id);
        out.name = std::move(hit.name);
        out.weight = hit.weight;
      }
    }
  }
  if (parts_.watchlist) {
    // The whole batch at once: its parties' look-ups overlap in memory.
    std::vector<WatchlistBatchHit> found;
    parts_.watchlist->MatchBatch(declarations, found);
    for (auto& [index, hit] : found) {
      ScreeningHit& out = results[index].hits.emplace_back();
      out.kind = "watchlist";
      out.entry = std::move(hit.entry_id);
      out.name = std::move(hit.listed_name);
      out.party = std::move(hit.party);
      out.found = std::move(hit.found);
      out.similarity = hit.similarity;
      out.weight = hit.weight * hit.similarity;
    }
  }
  for (size_t index = 0; index < declarations.size(); ++index) {
    AddSmallConsignment(*declarations[index], results[index].hits);
  }
}

void Screener::AddMarkHits(const Declaration& declaration, ScreeningScratch& scratch,
                           ScreeningResult& result) const {
  const ScoringOptions& scoring = parts_.scoring;
  PartyRef consignor{declaration.consignor.name, declaration.consignor.country};
  PartyRef consignee{declaration.consignee.name, declaration.consignee.country};
  for (size_t index = 0; index < declaration.items.size(); ++index) {
    const DeclarationItem& item = declaration.items[index];
    const int item_index = static_cast<int>(index);
    const size_t first_of_item = result.hits.size();
    for (const MarkHit& hit :
         parts_.marks->Match(item.description, item.hs, consignor, consignee, *scratch.marks_)) {
      FillMarkHit(hit, item_index, "description", scoring, result.hits.emplace_back());
    }
    if (item.brand.empty()) continue;
    for (const MarkHit& hit :
         parts_.marks->Match(item.brand, item.hs, consignor, consignee, *scratch.marks_)) {
      // The same mark of the same application already found in the
      // description says nothing new.
      bool known = std::any_of(
          result.hits.begin() + first_of_item, result.hits.end(), [&hit](const ScreeningHit& seen) {
            return seen.application == hit.application_id && seen.mark == hit.mark;
          });
      if (!known) FillMarkHit(hit, item_index, "brand", scoring, result.hits.emplace_back());
    }
  }
}

std::shared_ptr<const Screener> Screener::WithModel(std::shared_ptr<const targeting::Model> model,
                                                    std::string label) const {
  ScreenerParts parts = parts_;
  parts.model = std::move(model);
  parts.model_label = std::move(label);
  return std::shared_ptr<const Screener>(new Screener(std::move(parts)));
}

Status SelectByBudget(std::vector<ScreeningResult>& results, double percent) {
  if (!(percent >= 0 && percent <= 100)) {
    return InvalidInput("the budget must be a percentage from 0 to 100",
                        {{"budget", "must be between 0 and 100"}});
  }
  // ceil, with a small tolerance so that 5% of 100 is 5 and not 6 through
  // floating-point error.
  size_t quota =
      static_cast<size_t>(std::ceil(percent * static_cast<double>(results.size()) / 100 - 1e-9));
  for (ScreeningResult& result : results) result.selected = false;
  size_t chosen = 0;
  for (size_t index : RankByScore(results)) {
    if (chosen >= quota || results[index].score <= 0) break;
    results[index].selected = true;
    ++chosen;
  }
  return Status::Ok();
}

Status SelectByCapacity(std::vector<ScreeningResult>& results,
                        const std::map<std::string, int>& capacity_by_office) {
  for (const auto& [office, capacity] : capacity_by_office) {
    if (capacity < 0) {
      return InvalidInput("capacities must not be negative",
                          {{"capacity." + office, "must be 0 or more"}});
    }
  }
  std::map<std::string, int> used;
  for (ScreeningResult& result : results) result.selected = false;
  for (size_t index : RankByScore(results)) {
    ScreeningResult& result = results[index];
    if (result.score <= 0) break;
    auto capacity = capacity_by_office.find(result.office);
    if (capacity == capacity_by_office.end()) continue;
    int& taken = used[result.office];
    if (taken >= capacity->second) continue;
    result.selected = true;
    ++taken;
  }
  return Status::Ok();
}

Result<double> ParseBudget(std::string_view text) {
  std::string_view number = text;
  if (!number.empty() && number.back() == '%') number.remove_suffix(1);
  double value = 0;
  size_t consumed = 0;
  try {
    value = std::stod(std::string(number), &consumed);
  } catch (const std::exception&) {
    consumed = 0;
  }
  if (number.empty() || consumed != number.size() || !(value >= 0 && value <= 100)) {
    return InvalidInput("the budget must be a percentage such as 5%",
                        {{"budget", "must be a percentage from 0 to 100, e.g. 5%"}});
  }
  return value;
}

Result<std::map<std::string, int>> ParseCapacity(std::string_view text) {
  std::map<std::string, int> capacity;
  size_t start = 0;
  while (start <= text.size()) {
    size_t comma = text.find(',', start);
    std::string_view entry = text.substr(
        start, comma == std::string_view::npos ? std::string_view::npos : comma - start);
    size_t equals = entry.find('=');
    std::string_view office = entry.substr(0, equals);
    std::string_view count = equals == std::string_view::npos ? "" : entry.substr(equals + 1);
    int value = 0;
    bool ok = IsUnLocode(office) && !count.empty() && count.size() <= 9 &&
              std::all_of(count.begin(), count.end(), [](char c) { return c >= '0' && c <= '9'; });
    if (ok) {
      for (char c : count) value = value * 10 + (c - '0');
    }
    if (!ok || capacity.count(std::string(office)) > 0) {
      return InvalidInput("capacities must look like DEHAM=20,DEFRA=5, each office once",
                          {{"capacity", "bad entry \"" + std::string(entry) +
                                            "\": expected OFFICE=COUNT with a UN/LOCODE office"}});
    }
    capacity[std::string(office)] = value;
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return capacity;
}

}  // namespace cordon
