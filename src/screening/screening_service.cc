// The screening service; see screening_service.h for the contract.
#include "screening/screening_service.h"

#include <fmt/format.h>
#include <simdjson.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <cmath>
#include <initializer_list>
#include <set>
#include <string_view>
#include <utility>

#include "core/codes.h"
#include "rights/rights.h"

namespace cordon {
namespace {

using json = nlohmann::json;

constexpr int kMaxPageLimit = 1000;
constexpr size_t kMaxNotesChars = 10000;
// Applications are read for the index in pages of this size.
constexpr int kIndexPageSize = 1000;
constexpr std::string_view kOutcomes[] = {"no_irregularity", "suspected_ipr_infringement", "other"};

// --- roles

constexpr std::initializer_list<Role> kRuleRoles = {Role::kRiskAnalyst, Role::kAdmin};
constexpr std::initializer_list<Role> kQueueRoles = {Role::kFrontlineOfficer, Role::kIprOfficer,
                                                     Role::kRiskAnalyst, Role::kAdmin};
constexpr std::initializer_list<Role> kFindingRoles = {Role::kFrontlineOfficer, Role::kIprOfficer,
                                                       Role::kAdmin};

// Screening is customs' work: the roles count only inside a customs
// administration.
Status RequireRole(const Caller& caller, std::initializer_list<Role> roles,
                   std::string_view action) {
  const bool allowed = caller.org_kind == OrgKind::kCustoms && !caller.org_id.empty() &&
                       std::find(roles.begin(), roles.end(), caller.role) != roles.end();
  if (allowed) return Status::Ok();
  std::string names;
  for (Role role : roles) {
    if (!names.empty()) names += ", ";
    names += RoleName(role);
  }
  return Forbidden(fmt::format("only a customs {} may {}", names, action));
}

// The text of an error for one record: its fields when it names them.
std::string ErrorText(const Error& error) {
  if (error.fields().empty()) return error.message();
  std::string text;
  for (const FieldError& field : error.fields()) {
    if (!text.empty()) text += "; ";
    text += field.field.empty() ? field.message : field.field + ": " + field.message;
  }
  return text;
}

// The declaration id of a JSON text that could not be read, when it has one.
std::string IdOf(const std::string& text) {
  json document = json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return {};
  auto id = document.find("id");
  return id != document.end() && id->is_string() ? id->get<std::string>() : std::string();
}

// A result id: "res_" and 20 characters of NewId's alphabet, the first 9
// the creation time in milliseconds (base 32, most significant digit first)
// and the other 11 random. The alphabet is in ascending ASCII order, so a
// batch's ids sort after those stored before it and its rows go to the end
// of the indexes keyed by result id (screening_results, profile_hits,
// screening_model_inputs, screened_declarations): a few pages per batch
// rather than a random page per result and index, which is what writing
// (and checkpointing) a stored batch cost once a database holds more
// results than the page cache: 8 to 10 us of CPU per declaration at
// 100,000 stored (`cordon screen --db`), besides the write volume.
std::string NewResultId(Rng& rng, Timestamp now) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  constexpr int kTimeDigits = 9;                 // 45 bits: milliseconds until the year 3084
  const std::string random = NewId(rng, "res");  // "res_" + 20 random characters
  std::string id = random.substr(0, 4 + kTimeDigits);
  auto millis =
      static_cast<unsigned long long>(std::max<long long>(0, now.time_since_epoch().count()));
  for (int digit = kTimeDigits - 1; digit >= 0; --digit) {
    id[4 + static_cast<size_t>(digit)] = kAlphabet[millis & 31];
    millis >>= 5;
  }
  id.append(random, 4 + kTimeDigits, std::string::npos);
  return id;
}

// The hits array exactly as AppendResultJson writes it. "hits" is the last
// member of that object, and `,"hits":` cannot occur inside an escaped string
// value (a quote there is always preceded by a backslash).
std::string HitsJson(const ScreeningResult& result) {
  std::string line;
  AppendResultJson(result, &line);
  size_t start = line.find(",\"hits\":");
  if (start == std::string::npos || line.size() < start + 9) return "[]";
  start += 8;
  return line.substr(start, line.size() - 1 - start);
}

ScreeningResultRecord MakeRecord(const ScreeningResult& result, const ScreeningRunRecord& run,
                                 long long ordinal, std::string id, Timestamp now) {
  ScreeningResultRecord record;
  record.id = std::move(id);
  record.org_id = run.org_id;
  record.run_id = run.id;
  record.ordinal = ordinal;
  record.declaration_id = result.id;
  record.office = result.office;
  record.score = result.score;
  record.channel = result.channel;
  record.selected = result.selected;
  record.status = "open";
  record.hits = HitsJson(result);
  record.created_at = now;
  for (const ScreeningHit& hit : result.hits) {
    if (hit.kind == "profile") record.profile_ids.push_back(hit.profile);
  }
  return record;
}

Result<json> ParseStoredBody(const std::string& body, const std::string& what) {
  json document = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (!document.is_object()) return Corrupt(what + ": stored document is not a JSON object");
  return document;
}

// The organisation's stored reference price list; nullopt when it never set
// one (kNotFound is that answer here, not an error).
Result<std::optional<ReferencePriceListRecord>> FindReferencePrices(ReadTx& tx,
                                                                    const std::string& org_id) {
  Result<ReferencePriceListRecord> found = tx.GetReferencePriceList(Scope{org_id});
  if (found.ok()) return std::optional<ReferencePriceListRecord>(std::move(*found));
  if (found.error().code() == ErrorCode::kNotFound) {
    return std::optional<ReferencePriceListRecord>();
  }
  return found.error();
}

// A stored list back to prices; kCorrupt when the body no longer reads.
Result<StoredReferencePrices> DecodeReferencePrices(const ReferencePriceListRecord& record) {
  json body = json::parse(record.body, nullptr, /*allow_exceptions=*/false);
  Result<std::vector<ReferencePrice>> prices = ReferencePricesFromJson(body);
  if (!prices.ok()) {
    return Corrupt(fmt::format("stored reference prices of {} do not read: {}", record.org_id,
                               prices.error().message()));
  }
  return StoredReferencePrices{std::move(*prices), record.version, record.updated_at,
                               record.updated_by};
}

Result<StoredProfile> DecodeProfile(const RiskProfileRecord& record) {
  CORDON_ASSIGN_OR_RETURN(json body, ParseStoredBody(record.body, "risk profile " + record.id));
  Result<RiskProfile> profile = ProfileFromJson(body);
  if (!profile.ok()) {
    return Corrupt(fmt::format("risk profile {}: stored document no longer validates: {}",
                               record.id, ErrorText(profile.error())));
  }
  StoredProfile stored{std::move(profile).value(), record.version, record.created_at,
                       record.updated_at};
  stored.profile.id = record.id;
  stored.profile.owner_org_id = record.owner_org_id;
  stored.profile.owner_user_id = record.owner_user_id;
  return stored;
}

Result<StoredWatchlistEntry> DecodeEntry(const WatchlistEntryRecord& record) {
  CORDON_ASSIGN_OR_RETURN(json body, ParseStoredBody(record.body, "watchlist entry " + record.id));
  Result<WatchlistEntry> entry = WatchlistEntryFromJson(body);
  if (!entry.ok()) {
    return Corrupt(fmt::format("watchlist entry {}: stored document no longer validates: {}",
                               record.id, ErrorText(entry.error())));
  }
  StoredWatchlistEntry stored{std::move(entry).value(), record.version, record.created_at,
                              record.updated_at};
  stored.entry.id = record.id;
  stored.entry.owner_org_id = record.owner_org_id;
  return stored;
}

// The optional "version" of an update body: absent means "whatever is stored".
Result<std::optional<long long>> BodyVersion(const json& body) {
  auto found = body.find("version");
  if (found == body.end() || found->is_null()) return std::optional<long long>();
  if (!found->is_number_integer() || found->get<long long>() < 1) {
    return InvalidInput("invalid version", {{"version", "must be a positive integer"}});
  }
  return std::optional<long long>(found->get<long long>());
}

Status CheckBudgetAndCapacity(const BatchRequest& request) {
  std::vector<FieldError> errors;
  if (request.budget_percent && request.capacity) {
    errors.push_back({"capacity", "cannot be combined with budget"});
  }
  if (request.budget_percent && !(*request.budget_percent >= 0 && *request.budget_percent <= 100)) {
    errors.push_back({"budget", "must be a percentage from 0 to 100"});
  }
  if (request.capacity) {
    for (const auto& [office, count] : *request.capacity) {
      if (!IsUnLocode(office)) errors.push_back({"capacity." + office, "must be a UN/LOCODE"});
      if (count < 0) errors.push_back({"capacity." + office, "must be 0 or more"});
    }
  }
  if (!errors.empty()) return InvalidInput("invalid selection options", std::move(errors));
  return Status::Ok();
}

// Applications named by MarkIndex::Build's field errors ("applications[2]...").
std::set<size_t> ApplicationsNamedIn(const Error& error) {
  std::set<size_t> indices;
  constexpr std::string_view kPrefix = "applications[";
  for (const FieldError& field : error.fields()) {
    if (field.field.rfind(kPrefix, 0) != 0) continue;
    size_t index = 0;
    size_t pos = kPrefix.size();
    bool digits = false;
    while (pos < field.field.size() && field.field[pos] >= '0' && field.field[pos] <= '9') {
      index = index * 10 + static_cast<size_t>(field.field[pos] - '0');
      digits = true;
      ++pos;
    }
    if (digits) indices.insert(index);
  }
  return indices;
}

}  // namespace

// --- values

void ScreeningSummary::Count(const ScreeningResult& result) {
  ++screened;
  ++by_channel[result.channel];
  if (result.selected) ++selected;
}

json ToJson(const StoredProfile& stored) {
  json out = ToJson(stored.profile);
  out["version"] = stored.version;
  out["created_at"] = FormatTimestamp(stored.created_at);
  out["updated_at"] = FormatTimestamp(stored.updated_at);
  return out;
}

json ToJson(const StoredReferencePrices& stored) {
  json out = ToJson(stored.prices);
  out["version"] = stored.version;
  out["updated_at"] = stored.updated_at ? json(FormatTimestamp(*stored.updated_at)) : json(nullptr);
  out["updated_by"] = stored.updated_by;
  return out;
}

json ToJson(const StoredWatchlistEntry& stored) {
  json out = ToJson(stored.entry);
  out["version"] = stored.version;
  out["created_at"] = FormatTimestamp(stored.created_at);
  out["updated_at"] = FormatTimestamp(stored.updated_at);
  return out;
}

json ToJson(const FindingRecord& finding) {
  return {{"id", finding.id},
          {"selection_id", finding.result_id},
          {"outcome", finding.outcome},
          {"notes", finding.notes},
          {"officer_id", finding.user_id},
          {"at", FormatTimestamp(finding.at)}};
}

json ToJson(const Selection& selection) {
  const ScreeningResultRecord& result = selection.result;
  json hits = json::parse(result.hits, nullptr, /*allow_exceptions=*/false);
  if (!hits.is_array()) hits = json::array();
  return {{"id", result.id},
          {"run_id", result.run_id},
          {"declaration_id", result.declaration_id},
          {"office", result.office},
          {"score", result.score},
          {"channel", result.channel},
          {"selected", result.selected},
          {"status", result.status},
          {"hits", std::move(hits)},
          {"profiles", result.profile_ids},
          {"created_at", FormatTimestamp(result.created_at)},
          {"finding", selection.finding ? ToJson(*selection.finding) : json(nullptr)}};
}

// --- DeferredSelection

Result<DeferredSelection> DeferredSelection::Budget(double percent) {
  if (!(percent >= 0 && percent <= 100)) {
    return InvalidInput("the budget must be a percentage from 0 to 100",
                        {{"budget", "must be between 0 and 100"}});
  }
  DeferredSelection selection;
  selection.percent_ = percent;
  return selection;
}

Result<DeferredSelection> DeferredSelection::Capacity(
    std::map<std::string, int> capacity_by_office) {
  DeferredSelection selection;
  for (const auto& [office, capacity] : capacity_by_office) {
    if (capacity < 0) {
      return InvalidInput("capacities must not be negative",
                          {{"capacity." + office, "must be 0 or more"}});
    }
    selection.offices_.push_back(office);
  }
  selection.capacity_ = std::move(capacity_by_office);
  return selection;
}

void DeferredSelection::Add(long long ordinal, const ScreeningResult& result) {
  ++screened_;
  // Score 0 is never selected (SelectByBudget, SelectByCapacity).
  if (!(result.score > 0)) return;
  int office = -1;
  if (!percent_) {
    auto found = std::lower_bound(offices_.begin(), offices_.end(), result.office);
    if (found == offices_.end() || *found != result.office) return;
    office = static_cast<int>(found - offices_.begin());
  }
  candidates_.push_back(Candidate{result.score, ordinal, office});
}

std::vector<long long> DeferredSelection::Decide() const {
  std::vector<Candidate> ranked = candidates_;
  std::sort(ranked.begin(), ranked.end(), [](const Candidate& left, const Candidate& right) {
    if (left.score != right.score) return left.score > right.score;
    return left.ordinal < right.ordinal;
  });
  std::vector<long long> chosen;
  if (percent_) {
    // The same quota as SelectByBudget, over every screened result.
    const size_t quota =
        static_cast<size_t>(std::ceil(*percent_ * static_cast<double>(screened_) / 100 - 1e-9));
    for (size_t index = 0; index < ranked.size() && chosen.size() < quota; ++index) {
      chosen.push_back(ranked[index].ordinal);
    }
  } else {
    std::vector<int> left(offices_.size());
    for (size_t index = 0; index < offices_.size(); ++index) {
      left[index] = capacity_.at(offices_[index]);
    }
    for (const Candidate& candidate : ranked) {
      int& remaining = left[static_cast<size_t>(candidate.office)];
      if (remaining <= 0) continue;
      --remaining;
      chosen.push_back(candidate.ordinal);
    }
  }
  std::sort(chosen.begin(), chosen.end());
  return chosen;
}

// --- ScreeningService

ScreeningService::ScreeningService(Store& store, const Clock& clock, Rng& rng,
                                   ScreeningServiceOptions options)
    : store_(store), clock_(clock), rng_(rng), options_(std::move(options)) {}

ScreeningService::~ScreeningService() = default;

size_t ScreeningService::index_builds() const {
  std::lock_guard lock(cache_mutex_);
  return index_builds_;
}

Result<std::shared_ptr<const Screener>> ScreeningService::ScreenerFor(const std::string& org_id) {
  const Date today = clock_.Today();
  // The version is read before the data a build reads, so a change racing
  // with a build leaves the cache entry older than the data, never newer: the
  // next call rebuilds.
  ScreeningInputsVersion version;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(org_id));
    if (org.kind != OrgKind::kCustoms) {
      return InvalidInput(fmt::format("{} is not a customs administration", org.name),
                          {{"org", "must be a customs administration"}});
    }
    CORDON_ASSIGN_OR_RETURN(version, tx.GetScreeningInputsVersion(Scope{org_id}));
    return Status::Ok();
  }));
  auto cached = [&]() -> std::shared_ptr<const Screener> {
    std::lock_guard lock(cache_mutex_);
    auto found = cache_.find(org_id);
    if (found != cache_.end() && found->second.version == version && found->second.day == today) {
      return found->second.screener;
    }
    return nullptr;
  };
  if (std::shared_ptr<const Screener> screener = cached()) return screener;
  std::lock_guard build_lock(build_mutex_);
  // Another thread may have built it while this one waited.
  if (std::shared_ptr<const Screener> screener = cached()) return screener;
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const Screener> screener, BuildScreener(org_id, today));
  std::lock_guard lock(cache_mutex_);
  cache_[org_id] = CacheEntry{version, today, screener};
  ++index_builds_;
  return screener;
}

Result<std::shared_ptr<const Screener>> ScreeningService::BuildScreener(const std::string& org_id,
                                                                        Date today) {
  // Granted and in force today, visible to the administration (filed with it
  // or a union application covering it): what ApplicationService lists as
  // "granted" for a caller of that administration.
  ApplicationService applications(store_, clock_, rng_);
  Caller administration;
  administration.org_id = org_id;
  administration.org_kind = OrgKind::kCustoms;
  administration.role = Role::kIprOfficer;
  std::vector<Application> granted;
  ApplicationQuery query;
  query.status = "granted";
  query.limit = kIndexPageSize;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(Page<Application> page, applications.List(administration, query));
    for (Application& app : page.items) granted.push_back(std::move(app));
    if (page.next_cursor.empty()) break;
    query.cursor = page.next_cursor;
  }

  std::vector<IndexedApplication> indexed = FromApplications(granted, today);
  Result<std::shared_ptr<const MarkIndex>> marks = MarkIndex::Build(indexed, options_.marks);
  if (!marks.ok() && marks.error().code() == ErrorCode::kInvalidInput) {
    // One application the index refuses (validated under older rules, say)
    // must not stop screening against all the others.
    std::set<size_t> bad = ApplicationsNamedIn(marks.error());
    spdlog::warn("screening index of {}: leaving out {} application(s): {}", org_id, bad.size(),
                 marks.error().ToString());
    std::vector<IndexedApplication> kept;
    for (size_t index = 0; index < indexed.size(); ++index) {
      if (bad.count(index) == 0) kept.push_back(std::move(indexed[index]));
    }
    if (!bad.empty()) marks = MarkIndex::Build(std::move(kept), options_.marks);
  }
  if (!marks.ok()) return marks.error();

  std::vector<RiskProfileRecord> profile_records;
  std::vector<WatchlistEntryRecord> entry_records;
  std::optional<ReferencePriceListRecord> price_record;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(profile_records, tx.ListRiskProfiles(Scope{org_id}));
    CORDON_ASSIGN_OR_RETURN(entry_records, tx.ListWatchlistEntries(Scope{org_id}));
    CORDON_ASSIGN_OR_RETURN(price_record, FindReferencePrices(tx, org_id));
    return Status::Ok();
  }));
  std::vector<ReferencePrice> reference_prices;
  if (price_record) {
    Result<StoredReferencePrices> decoded = DecodeReferencePrices(*price_record);
    if (decoded.ok()) {
      reference_prices = std::move(decoded->prices);
    } else {
      spdlog::warn("screening index of {}: screening without reference prices: {}", org_id,
                   decoded.error().ToString());
    }
  }
  std::vector<RiskProfile> profiles;
  for (const RiskProfileRecord& record : profile_records) {
    Result<StoredProfile> stored = DecodeProfile(record);
    if (!stored.ok()) {
      spdlog::warn("screening index of {}: skipping {}", org_id, stored.error().ToString());
      continue;
    }
    // A profile that does not compile on its own is left out, not the set.
    Result<std::shared_ptr<const ProfileSet>> alone = ProfileSet::Compile({stored->profile});
    if (!alone.ok()) {
      spdlog::warn("screening index of {}: skipping risk profile {}: {}", org_id, record.id,
                   alone.error().ToString());
      continue;
    }
    profiles.push_back(std::move(stored->profile));
  }
  const size_t price_count = reference_prices.size();
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const ProfileSet> profile_set,
                          ProfileSet::Compile(profiles, std::move(reference_prices)));
  std::vector<WatchlistEntry> entries;
  for (const WatchlistEntryRecord& record : entry_records) {
    Result<StoredWatchlistEntry> stored = DecodeEntry(record);
    if (!stored.ok()) {
      spdlog::warn("screening index of {}: skipping {}", org_id, stored.error().ToString());
      continue;
    }
    entries.push_back(std::move(stored->entry));
  }
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const WatchlistIndex> watchlist,
                          WatchlistIndex::Build(std::move(entries)));

  spdlog::info(
      "screening index of {} built for {}: {} applications, {} marks, {} profiles, {} "
      "reference prices, {} watchlist entries",
      org_id, FormatDate(today), (*marks)->application_count(), (*marks)->mark_count(),
      profile_set->size(), price_count, watchlist->size());
  ScreenerParts parts;
  parts.marks = *marks;
  parts.profiles = profile_set;
  parts.watchlist = watchlist;
  parts.scoring = options_.scoring;
  // The active targeting model (issue 4). One that no longer loads (stored
  // by another build, say) is left out with a warning rather than stopping
  // all screening.
  Result<std::shared_ptr<const targeting::Model>> model = ActiveModel(org_id, &parts.model_label);
  if (model.ok()) {
    parts.model = *model;
  } else {
    spdlog::warn("screening of {}: screening without the targeting model: {}", org_id,
                 model.error().ToString());
  }
  return Screener::Make(std::move(parts));
}

Result<BatchRequest> ParseBatchRequestJson(std::string_view json_text, size_t max_declarations) {
  namespace dom = simdjson::dom;
  // A batch body can be megabytes: one simdjson pass, and each declaration's
  // text minified from the parsed tape, where a DOM library's parse and
  // re-serialisation cost 10 us per declaration.
  const simdjson::padded_string padded(json_text);
  dom::parser parser;
  dom::element root;
  if (parser.parse(padded).get(root) != simdjson::SUCCESS) {
    return InvalidInput("the body is not valid JSON");
  }
  dom::object body;
  if (root.get_object().get(body) != simdjson::SUCCESS) {
    return InvalidInput("the body must be a JSON object");
  }
  // A member, absent when missing or null.
  auto member = [&body](const char* key) -> std::optional<dom::element> {
    dom::element value;
    if (body[key].get(value) != simdjson::SUCCESS || value.is_null()) return std::nullopt;
    return value;
  };
  std::vector<FieldError> errors;
  BatchRequest request;
  if (std::optional<dom::element> declarations = member("declarations"); !declarations) {
    errors.push_back({"declarations", "is required"});
  } else if (!declarations->is_array()) {
    errors.push_back({"declarations", "must be an array of declarations"});
  } else if (dom::array list = dom::array(*declarations); list.size() > max_declarations) {
    errors.push_back({"declarations",
                      fmt::format("must hold at most {} declarations; send several batches, or "
                                  "use cordon screen for files",
                                  max_declarations)});
  } else {
    request.declarations.reserve(list.size());
    for (dom::element declaration : list) {
      request.declarations.push_back(simdjson::minify(declaration));
    }
  }
  constexpr std::string_view kBudgetMessage = "must be a percentage from 0 to 100, e.g. \"5%\"";
  if (std::optional<dom::element> budget = member("budget")) {
    std::string_view text;
    double percent = 0;
    if (budget->get_string().get(text) == simdjson::SUCCESS) {
      Result<double> parsed = ParseBudget(text);
      if (parsed.ok()) {
        request.budget_percent = *parsed;
      } else {
        errors.push_back({"budget", std::string(kBudgetMessage)});
      }
    } else if (budget->is_number() && budget->get_double().get(percent) == simdjson::SUCCESS &&
               percent >= 0 && percent <= 100) {
      request.budget_percent = percent;
    } else {
      errors.push_back({"budget", std::string(kBudgetMessage)});
    }
  }
  if (std::optional<dom::element> capacity = member("capacity")) {
    dom::object offices;
    if (capacity->get_object().get(offices) != simdjson::SUCCESS) {
      errors.push_back({"capacity", "must be an object of office: count, e.g. {\"DEHAM\": 20}"});
    } else {
      std::map<std::string, int> by_office;
      for (dom::key_value_pair entry : offices) {
        int64_t count = -1;
        const bool integer = entry.value.is_int64() || entry.value.is_uint64();
        if (!integer || entry.value.get_int64().get(count) != simdjson::SUCCESS || count < 0 ||
            count > 1000000000) {
          errors.push_back({"capacity." + std::string(entry.key), "must be a non-negative integer"});
        } else {
          by_office[std::string(entry.key)] = static_cast<int>(count);
        }
      }
      request.capacity = std::move(by_office);
    }
  }
  if (std::optional<dom::element> store = member("store")) {
    if (store->get_bool().get(request.store) != simdjson::SUCCESS) {
      errors.push_back({"store", "must be true or false"});
    }
  }
  if (!errors.empty()) return InvalidInput("invalid screening request", std::move(errors));
  return request;
}

Result<BatchOutcome> ScreeningService::ScreenBatch(const Caller& caller,
                                                   const BatchRequest& request) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "screen declarations"));
  if (request.declarations.size() > options_.max_batch) {
    return InvalidInput(
        fmt::format("a batch holds at most {} declarations; this one has {}", options_.max_batch,
                    request.declarations.size()),
        {{"declarations", fmt::format("must hold at most {} declarations", options_.max_batch)}});
  }
  CORDON_RETURN_IF_ERROR(CheckBudgetAndCapacity(request));
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const Screener> screener, ScreenerFor(caller.org_id));
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<ScreeningScratch> scratch, screener->NewScratch());
  const Date today = clock_.Today();

  BatchOutcome outcome;
  std::vector<long long> ordinals;            // input index of each result
  std::vector<std::string> model_inputs;      // of each result, when storing
  std::vector<std::string> stored_texts;      // each result's declaration, when storing
  std::map<std::string, size_t> first_index;  // declaration id -> index, when storing
  std::vector<Declaration> declarations;      // the readable ones, in order
  for (size_t index = 0; index < request.declarations.size(); ++index) {
    const std::string& text = request.declarations[index];
    Result<Declaration> declaration = ParseDeclarationJson(text);
    if (!declaration.ok()) {
      outcome.errors.push_back({index, IdOf(text), ErrorText(declaration.error())});
      continue;
    }
    if (request.store) {
      auto [seen, inserted] = first_index.emplace(declaration->id, index);
      if (!inserted) {
        outcome.errors.push_back(
            {index, declaration->id,
             fmt::format("id: declaration {} is already in this batch at index {}", declaration->id,
                         seen->second)});
        continue;
      }
    }
    ordinals.push_back(static_cast<long long>(index));
    if (request.store) {
      model_inputs.push_back(ModelInputsJson(*declaration));
      stored_texts.push_back(DeclarationToJson(*declaration));
    }
    declarations.push_back(std::move(declaration).value());
  }
  // Screened together: a model scores the batch's items in blocks.
  std::vector<const Declaration*> pointers;
  pointers.reserve(declarations.size());
  for (const Declaration& declaration : declarations) pointers.push_back(&declaration);
  screener->ScreenBatch(pointers, today, *scratch, outcome.results);
  if (request.capacity) {
    CORDON_RETURN_IF_ERROR(SelectByCapacity(outcome.results, *request.capacity));
  } else if (request.budget_percent) {
    CORDON_RETURN_IF_ERROR(SelectByBudget(outcome.results, *request.budget_percent));
  }
  for (const ScreeningResult& result : outcome.results) outcome.summary.Count(result);
  outcome.summary.errors = static_cast<long long>(outcome.errors.size());
  outcome.summary.declarations = static_cast<long long>(request.declarations.size());
  if (!request.store) return outcome;

  const Timestamp now = clock_.Now();
  ScreeningRunRecord run;
  run.org_id = caller.org_id;
  run.user_id = caller.user_id;
  run.source = "api";
  run.started_at = now;
  run.finished_at = now;
  run.declarations = outcome.summary.declarations;
  run.screened = outcome.summary.screened;
  run.errors = outcome.summary.errors;
  run.selected = outcome.summary.selected;
  std::vector<std::string> ids;
  {
    std::lock_guard lock(rng_mutex_);
    run.id = NewId(rng_, "run");
    for (size_t index = 0; index < outcome.results.size(); ++index) {
      ids.push_back(NewResultId(rng_, now));
    }
  }
  // Everything is serialised before the writer's lock is taken.
  std::vector<ResultToStore> to_store(outcome.results.size());
  for (size_t index = 0; index < outcome.results.size(); ++index) {
    to_store[index].record =
        MakeRecord(outcome.results[index], run, ordinals[index], std::move(ids[index]), now);
    to_store[index].model_inputs = std::move(model_inputs[index]);
    to_store[index].declaration = std::move(stored_texts[index]);
  }
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.InsertScreeningRun(run));
    CORDON_ASSIGN_OR_RETURN(std::vector<size_t> skipped,
                            tx.InsertScreeningResults(Scope{run.org_id}, run.id, to_store));
    // Not expected: the batch's ids were made unique above and the run is new.
    if (!skipped.empty()) {
      return Conflict(fmt::format("declaration {} was already screened in run {}",
                                  to_store[skipped.front()].record.declaration_id, run.id));
    }
    return Status::Ok();
  }));
  outcome.run_id = run.id;
  return outcome;
}

Result<ScreeningRunRecord> ScreeningService::StartRun(const std::string& org_id,
                                                      const std::string& user_id,
                                                      const std::string& source) {
  ScreeningRunRecord run;
  run.org_id = org_id;
  run.user_id = user_id;
  run.source = source;
  run.started_at = clock_.Now();
  {
    std::lock_guard lock(rng_mutex_);
    run.id = NewId(rng_, "run");
  }
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Organisation org, tx.GetOrganisation(org_id));
    if (org.kind != OrgKind::kCustoms) {
      return InvalidInput(fmt::format("{} is not a customs administration", org.name),
                          {{"org", "must be a customs administration"}});
    }
    return tx.InsertScreeningRun(run);
  }));
  return run;
}

Result<std::vector<std::string>> ScreeningService::StoreResults(
    const ScreeningRunRecord& run, const std::vector<RunResult>& results) {
  const Timestamp now = clock_.Now();
  std::vector<std::string> ids(results.size());
  {
    std::lock_guard lock(rng_mutex_);
    for (std::string& id : ids) id = NewResultId(rng_, now);
  }
  // Everything is serialised before the writer's lock is taken.
  std::vector<ResultToStore> to_store(results.size());
  for (size_t index = 0; index < results.size(); ++index) {
    to_store[index].record =
        MakeRecord(*results[index].result, run, results[index].ordinal, ids[index], now);
    if (results[index].declaration) {
      to_store[index].model_inputs = ModelInputsJson(*results[index].declaration);
      to_store[index].declaration = DeclarationToJson(*results[index].declaration);
    }
  }
  std::vector<std::string> stored = ids;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    stored = ids;  // a retried unit of work starts afresh
    // A declaration the run already holds (the same id earlier in the input)
    // is skipped, with its model inputs and text.
    CORDON_ASSIGN_OR_RETURN(std::vector<size_t> skipped,
                            tx.InsertScreeningResults(Scope{run.org_id}, run.id, to_store));
    for (size_t index : skipped) stored[index].clear();
    return Status::Ok();
  }));
  return stored;
}

Status ScreeningService::SetRunSelection(const ScreeningRunRecord& run,
                                         const std::vector<long long>& ordinals) {
  return store_.Write(
      [&](WriteTx& tx) { return tx.SetRunSelection(Scope{run.org_id}, run.id, ordinals); });
}

Status ScreeningService::FinishRun(ScreeningRunRecord& run, const ScreeningSummary& summary) {
  run.finished_at = clock_.Now();
  run.declarations = summary.declarations;
  run.screened = summary.screened;
  run.errors = summary.errors;
  run.selected = summary.selected;
  return store_.Write([&](WriteTx& tx) { return tx.UpdateScreeningRun(Scope{run.org_id}, run); });
}

// --- risk profiles

RiskProfileRecord NewProfileRecord(const RiskProfile& profile, Timestamp now) {
  RiskProfileRecord record;
  record.id = profile.id;
  record.owner_org_id = profile.owner_org_id;
  record.owner_user_id = profile.owner_user_id;
  record.name = profile.name;
  record.active = profile.active;
  record.created_at = now;
  record.updated_at = now;
  record.body = ToJson(profile).dump();
  return record;
}

WatchlistEntryRecord NewWatchlistEntryRecord(const WatchlistEntry& entry, Timestamp now) {
  WatchlistEntryRecord record;
  record.id = entry.id;
  record.owner_org_id = entry.owner_org_id;
  record.name = entry.name;
  record.country = entry.country;
  record.created_at = now;
  record.updated_at = now;
  record.body = ToJson(entry).dump();
  return record;
}

Result<StoredProfile> ScreeningService::CreateProfile(const Caller& caller, const json& body) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "write risk profiles"));
  CORDON_ASSIGN_OR_RETURN(RiskProfile profile, ProfileFromJson(body));
  {
    std::lock_guard lock(rng_mutex_);
    profile.id = NewId(rng_, "prf");
  }
  profile.owner_org_id = caller.org_id;
  profile.owner_user_id = caller.user_id;
  const Timestamp now = clock_.Now();
  const RiskProfileRecord record = NewProfileRecord(profile, now);
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) { return tx.InsertRiskProfile(record); }));
  return StoredProfile{std::move(profile), 1, now, now};
}

Result<ProfileTestOutcome> ScreeningService::TestProfile(const Caller& caller, const json& body,
                                                         const ProfileTestQuery& query) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "test risk profiles"));
  std::vector<FieldError> errors;
  if (query.declarations < 1 || query.declarations > 10000) {
    errors.push_back({"declarations", "must be from 1 to 10000"});
  }
  if (query.samples < 0 || query.samples > 100) errors.push_back({"samples", "must be from 0 to 100"});
  if (!errors.empty()) return InvalidInput("invalid profile test options", std::move(errors));
  CORDON_ASSIGN_OR_RETURN(RiskProfile profile, ProfileFromJson(body));
  RiskProfile draft = profile;
  draft.id = "draft";
  draft.active = true;
  draft.valid_from.reset();
  draft.valid_to.reset();
  std::vector<ScreenedDeclaration> stored;
  std::optional<ReferencePriceListRecord> price_record;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(stored, tx.ListRecentScreenedDeclarations(Scope{caller.org_id},
                                                                      query.declarations));
    CORDON_ASSIGN_OR_RETURN(price_record, FindReferencePrices(tx, caller.org_id));
    return Status::Ok();
  }));
  std::vector<ReferencePrice> prices;
  if (price_record) {
    CORDON_ASSIGN_OR_RETURN(StoredReferencePrices decoded, DecodeReferencePrices(*price_record));
    prices = std::move(decoded.prices);
  }
  CORDON_ASSIGN_OR_RETURN(std::shared_ptr<const ProfileSet> set,
                          ProfileSet::Compile({draft}, std::move(prices)));
  ProfileTestOutcome outcome;
  outcome.profile = std::move(profile);
  const Date today = clock_.Today();
  for (ScreenedDeclaration& item : stored) {
    Result<Declaration> declaration = ParseDeclarationJson(item.body);
    if (!declaration.ok()) {
      ++outcome.unreadable;
      continue;
    }
    ++outcome.declarations;
    if (!outcome.to || item.result.created_at > *outcome.to) outcome.to = item.result.created_at;
    if (!outcome.from || item.result.created_at < *outcome.from) {
      outcome.from = item.result.created_at;
    }
    std::vector<ProfileHit> hits = set->Evaluate(*declaration, today);
    if (hits.empty()) continue;
    ++outcome.hits;
    if (item.result.selected) ++outcome.selected_hits;
    if (outcome.samples.size() < static_cast<size_t>(query.samples)) {
      outcome.samples.push_back({std::move(item.result), std::move(*declaration), hits[0].item});
    }
  }
  return outcome;
}

json ToJson(const ProfileTestOutcome& outcome) {
  json samples = json::array();
  for (const ProfileTestHit& hit : outcome.samples) {
    json sample = {{"result_id", hit.result.id},
                   {"run_id", hit.result.run_id},
                   {"declaration_id", hit.result.declaration_id},
                   {"office", hit.result.office},
                   {"screened_at", FormatTimestamp(hit.result.created_at)},
                   {"score", hit.result.score},
                   {"channel", hit.result.channel},
                   {"selected", hit.result.selected},
                   {"origin", hit.declaration.origin},
                   {"transport_mode", hit.declaration.transport_mode},
                   {"consignor", hit.declaration.consignor.name},
                   {"item", hit.item >= 0 ? json(hit.item) : json(nullptr)}};
    // The item the rule matched, else the first.
    const size_t shown = hit.item >= 0 ? static_cast<size_t>(hit.item) : 0;
    if (shown < hit.declaration.items.size()) {
      const DeclarationItem& line = hit.declaration.items[shown];
      sample["goods"] = {{"hs", line.hs},
                         {"description", line.description},
                         {"quantity", line.quantity},
                         {"value", line.value},
                         {"currency", line.currency}};
    }
    samples.push_back(std::move(sample));
  }
  const double rate = outcome.declarations > 0 ? static_cast<double>(outcome.hits) /
                                                     static_cast<double>(outcome.declarations)
                                               : 0.0;
  return {{"profile", ToJson(outcome.profile)},
          {"declarations", outcome.declarations},
          {"hits", outcome.hits},
          {"hit_rate", rate},
          {"selected_hits", outcome.selected_hits},
          {"unreadable", outcome.unreadable},
          {"from", outcome.from ? json(FormatTimestamp(*outcome.from)) : json(nullptr)},
          {"to", outcome.to ? json(FormatTimestamp(*outcome.to)) : json(nullptr)},
          {"samples", std::move(samples)}};
}

Result<StoredProfile> ScreeningService::UpdateProfile(const Caller& caller, const std::string& id,
                                                      const json& body) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "write risk profiles"));
  CORDON_ASSIGN_OR_RETURN(std::optional<long long> expected, BodyVersion(body));
  CORDON_ASSIGN_OR_RETURN(RiskProfile profile, ProfileFromJson(body));
  const Timestamp now = clock_.Now();
  StoredProfile updated;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(RiskProfileRecord record, tx.GetRiskProfile(Scope{caller.org_id}, id));
    if (expected && *expected != record.version) {
      return Conflict(fmt::format(
          "risk profile {} is at version {}, not {}; reload it and apply the change again", id,
          record.version, *expected));
    }
    profile.id = record.id;
    profile.owner_org_id = record.owner_org_id;
    profile.owner_user_id = record.owner_user_id;
    record.name = profile.name;
    record.active = profile.active;
    record.updated_at = now;
    record.body = ToJson(profile).dump();
    CORDON_RETURN_IF_ERROR(tx.UpdateRiskProfile(Scope{caller.org_id}, record));
    updated = StoredProfile{profile, record.version + 1, record.created_at, now};
    return Status::Ok();
  }));
  return updated;
}

Status ScreeningService::DeleteProfile(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "delete risk profiles"));
  return store_.Write([&](WriteTx& tx) { return tx.DeleteRiskProfile(Scope{caller.org_id}, id); });
}

Result<StoredProfile> ScreeningService::GetProfile(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "read risk profiles"));
  RiskProfileRecord record;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(record, tx.GetRiskProfile(Scope{caller.org_id}, id));
    return Status::Ok();
  }));
  return DecodeProfile(record);
}

Result<std::vector<StoredProfile>> ScreeningService::ListProfiles(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "read risk profiles"));
  std::vector<RiskProfileRecord> records;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(records, tx.ListRiskProfiles(Scope{caller.org_id}));
    return Status::Ok();
  }));
  std::vector<StoredProfile> profiles;
  for (const RiskProfileRecord& record : records) {
    CORDON_ASSIGN_OR_RETURN(StoredProfile profile, DecodeProfile(record));
    profiles.push_back(std::move(profile));
  }
  return profiles;
}

// --- watchlist

Result<StoredWatchlistEntry> ScreeningService::CreateWatchlistEntry(const Caller& caller,
                                                                    const json& body) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "write the watchlist"));
  CORDON_ASSIGN_OR_RETURN(WatchlistEntry entry, WatchlistEntryFromJson(body));
  {
    std::lock_guard lock(rng_mutex_);
    entry.id = NewId(rng_, "wle");
  }
  entry.owner_org_id = caller.org_id;
  const Timestamp now = clock_.Now();
  const WatchlistEntryRecord record = NewWatchlistEntryRecord(entry, now);
  CORDON_RETURN_IF_ERROR(
      store_.Write([&](WriteTx& tx) { return tx.InsertWatchlistEntry(record); }));
  return StoredWatchlistEntry{std::move(entry), 1, now, now};
}

Result<StoredWatchlistEntry> ScreeningService::UpdateWatchlistEntry(const Caller& caller,
                                                                    const std::string& id,
                                                                    const json& body) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "write the watchlist"));
  CORDON_ASSIGN_OR_RETURN(std::optional<long long> expected, BodyVersion(body));
  CORDON_ASSIGN_OR_RETURN(WatchlistEntry entry, WatchlistEntryFromJson(body));
  const Timestamp now = clock_.Now();
  StoredWatchlistEntry updated;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(WatchlistEntryRecord record,
                            tx.GetWatchlistEntry(Scope{caller.org_id}, id));
    if (expected && *expected != record.version) {
      return Conflict(fmt::format(
          "watchlist entry {} is at version {}, not {}; reload it and apply the change again", id,
          record.version, *expected));
    }
    entry.id = record.id;
    entry.owner_org_id = record.owner_org_id;
    record.name = entry.name;
    record.country = entry.country;
    record.updated_at = now;
    record.body = ToJson(entry).dump();
    CORDON_RETURN_IF_ERROR(tx.UpdateWatchlistEntry(Scope{caller.org_id}, record));
    updated = StoredWatchlistEntry{entry, record.version + 1, record.created_at, now};
    return Status::Ok();
  }));
  return updated;
}

Status ScreeningService::DeleteWatchlistEntry(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "write the watchlist"));
  return store_.Write(
      [&](WriteTx& tx) { return tx.DeleteWatchlistEntry(Scope{caller.org_id}, id); });
}

Result<StoredWatchlistEntry> ScreeningService::GetWatchlistEntry(const Caller& caller,
                                                                 const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "read the watchlist"));
  WatchlistEntryRecord record;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(record, tx.GetWatchlistEntry(Scope{caller.org_id}, id));
    return Status::Ok();
  }));
  return DecodeEntry(record);
}

Result<std::vector<StoredWatchlistEntry>> ScreeningService::ListWatchlist(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "read the watchlist"));
  std::vector<WatchlistEntryRecord> records;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(records, tx.ListWatchlistEntries(Scope{caller.org_id}));
    return Status::Ok();
  }));
  std::vector<StoredWatchlistEntry> entries;
  for (const WatchlistEntryRecord& record : records) {
    CORDON_ASSIGN_OR_RETURN(StoredWatchlistEntry entry, DecodeEntry(record));
    entries.push_back(std::move(entry));
  }
  return entries;
}

// --- selection queue and findings

Result<Page<Selection>> ScreeningService::ListSelections(const Caller& caller,
                                                         const SelectionQuery& query) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kQueueRoles, "read the selection queue"));
  std::vector<FieldError> errors;
  if (query.office && !IsUnLocode(*query.office)) {
    errors.push_back({"office", "must be a UN/LOCODE such as DEHAM"});
  }
  if (query.status && *query.status != "open" && *query.status != "done") {
    errors.push_back({"status", "must be open or done"});
  }
  if (query.limit < 1 || query.limit > kMaxPageLimit) {
    errors.push_back({"limit", "must be between 1 and 1000"});
  }
  if (!errors.empty()) return InvalidInput("invalid query parameters", std::move(errors));
  SelectionFilter filter;
  filter.office = query.office;
  filter.status = query.status;
  filter.after = query.cursor;
  filter.limit = query.limit;
  Page<Selection> page;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(Page<ScreeningResultRecord> records,
                            tx.ListSelections(Scope{caller.org_id}, filter));
    for (ScreeningResultRecord& record : records.items) {
      Selection selection{std::move(record), std::nullopt};
      if (selection.result.status == "done") {
        Result<FindingRecord> finding = tx.GetFinding(Scope{caller.org_id}, selection.result.id);
        if (finding.ok()) {
          selection.finding = std::move(finding).value();
        } else if (finding.error().code() != ErrorCode::kNotFound) {
          return finding.error();
        }
      }
      page.items.push_back(std::move(selection));
    }
    page.next_cursor = records.next_cursor;
    return Status::Ok();
  }));
  return page;
}

Result<Selection> ScreeningService::GetSelection(const Caller& caller, const std::string& id) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kQueueRoles, "read the selection queue"));
  Selection selection;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(selection.result, tx.GetScreeningResult(Scope{caller.org_id}, id));
    if (!selection.result.selected) return NotFound(fmt::format("selection {} not found", id));
    Result<FindingRecord> finding = tx.GetFinding(Scope{caller.org_id}, id);
    if (finding.ok()) {
      selection.finding = std::move(finding).value();
    } else if (finding.error().code() != ErrorCode::kNotFound) {
      return finding.error();
    }
    return Status::Ok();
  }));
  return selection;
}

Result<FindingRecord> ScreeningService::RecordFinding(const Caller& caller,
                                                      const std::string& selection_id,
                                                      const json& body) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kFindingRoles, "record inspection findings"));
  std::vector<FieldError> errors;
  FindingRecord finding;
  auto outcome = body.find("outcome");
  if (outcome == body.end() || outcome->is_null()) {
    errors.push_back({"outcome", "is required"});
  } else if (!outcome->is_string() ||
             std::find(std::begin(kOutcomes), std::end(kOutcomes), outcome->get<std::string>()) ==
                 std::end(kOutcomes)) {
    errors.push_back(
        {"outcome", "must be one of no_irregularity, suspected_ipr_infringement, other"});
  } else {
    finding.outcome = outcome->get<std::string>();
  }
  auto notes = body.find("notes");
  if (notes != body.end() && !notes->is_null()) {
    if (!notes->is_string()) {
      errors.push_back({"notes", "must be a string"});
    } else if (notes->get<std::string>().size() > kMaxNotesChars) {
      errors.push_back({"notes", "must be at most 10000 characters"});
    } else {
      finding.notes = notes->get<std::string>();
    }
  }
  if (!errors.empty()) return InvalidInput("invalid finding", std::move(errors));
  {
    std::lock_guard lock(rng_mutex_);
    finding.id = NewId(rng_, "fnd");
  }
  finding.org_id = caller.org_id;
  finding.result_id = selection_id;
  finding.user_id = caller.user_id;
  finding.at = clock_.Now();
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_RETURN_IF_ERROR(tx.InsertFinding(Scope{caller.org_id}, finding));
    // The outcome is evidence in a possible detention (Regulation (EU) No
    // 608/2013 Art. 17-18) and a label for the targeting model: audited.
    AuditEvent event;
    event.at = finding.at;
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.action = "finding.recorded";
    event.object_type = "selection";
    event.object_id = selection_id;
    event.detail = json{{"finding", finding.id}, {"outcome", finding.outcome}}.dump();
    return tx.AppendAuditEvent(event).status();
  }));
  return finding;
}

Result<StoredReferencePrices> ScreeningService::GetReferencePrices(const Caller& caller) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "read reference prices"));
  std::optional<ReferencePriceListRecord> record;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(record, FindReferencePrices(tx, caller.org_id));
    return Status::Ok();
  }));
  if (!record) return StoredReferencePrices{};
  return DecodeReferencePrices(*record);
}

Result<StoredReferencePrices> ScreeningService::PutReferencePrices(const Caller& caller,
                                                                   const json& body) {
  CORDON_RETURN_IF_ERROR(RequireRole(caller, kRuleRoles, "write reference prices"));
  // "version": the one read; 0 means "none was set yet".
  std::optional<long long> expected;
  if (auto version = body.is_object() ? body.find("version") : body.end();
      version != body.end() && !version->is_null()) {
    if (!version->is_number_integer() || version->get<long long>() < 0) {
      return InvalidInput("invalid version", {{"version", "must be an integer of 0 or more"}});
    }
    expected = version->get<long long>();
  }
  CORDON_ASSIGN_OR_RETURN(std::vector<ReferencePrice> prices, ReferencePricesFromJson(body));
  StoredReferencePrices stored;
  stored.prices = std::move(prices);
  stored.updated_at = clock_.Now();
  stored.updated_by = caller.user_id;
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(std::optional<ReferencePriceListRecord> found,
                            FindReferencePrices(tx, caller.org_id));
    const long long current = found ? found->version : 0;
    if (expected && *expected != current) {
      return Conflict(fmt::format(
          "the reference prices are at version {}, not {}; reload them and apply the change again",
          current, *expected));
    }
    ReferencePriceListRecord record;
    record.org_id = caller.org_id;
    record.updated_by = caller.user_id;
    record.updated_at = *stored.updated_at;
    record.body = ToJson(stored.prices).dump();
    CORDON_RETURN_IF_ERROR(tx.PutReferencePriceList(record, current));
    stored.version = current + 1;
    // Prices decide which declarations profiles select: who changed them
    // and when is kept.
    AuditEvent event;
    event.at = record.updated_at;
    event.org_id = caller.org_id;
    event.user_id = caller.user_id;
    event.action = "reference_prices.replaced";
    event.object_type = "reference_prices";
    event.object_id = caller.org_id;
    event.detail =
        json{{"version", stored.version}, {"entries", stored.prices.size()}}.dump();
    return tx.AppendAuditEvent(event).status();
  }));
  return stored;
}

}  // namespace cordon
