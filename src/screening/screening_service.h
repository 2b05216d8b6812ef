// Risk screening as a service of the administration (issue 3): builds and
// caches each customs administration's Screener from the store, screens
// batches and stores their results as runs, manages risk profiles and the
// watchlist, and serves the selection queue and its findings.
//
// What a Screener of an administration holds:
//   marks      the applications for action visible to it (filed with it, or
//              union applications covering it) that are granted and not
//              expired today (Regulation (EU) No 608/2013 Art. 11: customs
//              act on a granted application during its period)
//   profiles   its risk profiles (validity dates are applied per declaration
//              on the day of screening)
//   watchlist  its watchlist entries
// Building the mark index takes about a second for 50,000 marks, so the
// Screener is cached per administration and rebuilt only when the store says
// its inputs changed (ScreeningInputsVersion: applications' count and version
// sum, and a generation bumped by every profile or watchlist change) or the
// day changed (applications expire at the end of valid_until).
//
// Who may do what (everyone else: kForbidden; objects of other
// organisations: kNotFound, exactly as missing ones):
//   screen a batch, profiles, watchlist   risk_analyst, admin of a customs org
//   read the selection queue              frontline_officer, ipr_officer,
//                                         risk_analyst, admin
//   record a finding                      frontline_officer, ipr_officer, admin
//
// Thread safety: a ScreeningService is safe to share between threads.
#pragma once

#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/identity_types.h"
#include "core/random.h"
#include "core/result.h"
#include "core/time.h"
#include "screening/mark_index.h"
#include "screening/model_inputs.h"
#include "screening/profiles.h"
#include "screening/screening.h"
#include "screening/watchlist.h"
#include "store/store.h"

namespace cordon {

struct ScreeningServiceOptions {
  ScoringOptions scoring;
  MarkIndexOptions marks;
  size_t max_batch = 10000;  // declarations per ScreenBatch
  size_t max_model_bytes = 16u << 20;  // largest model file UploadModel accepts (the HTTP body limit)
};

// A batch of declarations to screen (POST /api/v1/screenings).
struct BatchRequest {
  std::vector<std::string> declarations;               // one JSON object text each
  std::optional<double> budget_percent;                // select the top P % (SelectByBudget)
  std::optional<std::map<std::string, int>> capacity;  // per office (SelectByCapacity)
  bool store = false;  // store the results as a run: they feed the selection queue
};

// Reads a POST /api/v1/screenings body, {"declarations": [...], "budget":
// "5%" or 5, "capacity": {"DEHAM": 20}, "store": true} (docs/api.md), with
// simdjson: each declaration is kept as its JSON text, unread, so that a bad
// one becomes an error entry of the outcome (ScreenBatch) rather than failing
// the request. kInvalidInput naming each bad field (declarations, budget,
// capacity, capacity.<office>, store), with the message "invalid screening
// request"; or without any field when the body is not valid JSON or not an
// object (the message says which).
Result<BatchRequest> ParseBatchRequestJson(std::string_view json_text, size_t max_declarations);

// A declaration of the batch that could not be screened.
struct BatchError {
  size_t index = 0;   // in the request's list
  std::string id;     // the declaration id when it could be read
  std::string error;  // names the field: "items[0].hs: must be 2 to 10 digits"
};

struct ScreeningSummary {
  long long declarations = 0;  // records given (screened + errors)
  long long screened = 0;
  long long errors = 0;
  long long selected = 0;
  std::map<std::string, long long> by_channel{{"green", 0}, {"yellow", 0}, {"red", 0}};

  void Count(const ScreeningResult& result);
};

struct BatchOutcome {
  std::vector<ScreeningResult> results;  // the screened declarations, in input order
  std::vector<BatchError> errors;        // in input order
  ScreeningSummary summary;
  std::string run_id;  // the stored run; empty unless request.store
};

// A stored profile or watchlist entry with what the store adds.
struct StoredProfile {
  RiskProfile profile;
  long long version = 1;
  Timestamp created_at{};
  Timestamp updated_at{};
};
struct StoredWatchlistEntry {
  WatchlistEntry entry;
  long long version = 1;
  Timestamp created_at{};
  Timestamp updated_at{};
};
// API representations: ToJson of the value plus version, created_at, updated_at.
// An administration's reference price list; version 0 when none was ever set.
struct StoredReferencePrices {
  std::vector<ReferencePrice> prices;
  long long version = 0;
  std::optional<Timestamp> updated_at;
  std::string updated_by;  // user id
};
nlohmann::json ToJson(const StoredReferencePrices& stored);
nlohmann::json ToJson(const StoredProfile& stored);
nlohmann::json ToJson(const StoredWatchlistEntry& stored);

// The store record of a new profile or watchlist entry (id and owner already
// set), as CreateProfile and CreateWatchlistEntry insert it; the exchange
// inserts a partner's accepted joint profile and referral parties with them.
RiskProfileRecord NewProfileRecord(const RiskProfile& profile, Timestamp now);
WatchlistEntryRecord NewWatchlistEntryRecord(const WatchlistEntry& entry, Timestamp now);

// A draft risk profile tested against the administration's most recently
// stored declarations (POST /api/v1/profiles/test): nothing is stored.
struct ProfileTestQuery {
  int declarations = 1000;  // the most recent N stored declarations, 1..10000
  int samples = 20;         // hits returned, newest first, 0..100
};
struct ProfileTestHit {
  ScreeningResultRecord result;  // the stored result of the declaration
  Declaration declaration;
  int item = -1;  // the first item that satisfied the item conditions; -1: none used
};
struct ProfileTestOutcome {
  RiskProfile profile;           // the draft as read (not stored)
  long long declarations = 0;    // tested
  long long hits = 0;            // of those, the draft hit
  long long selected_hits = 0;   // of the hits, already selected by screening
  long long unreadable = 0;      // stored declarations that no longer read (skipped)
  std::optional<Timestamp> from;  // screening times of the oldest and newest tested
  std::optional<Timestamp> to;
  std::vector<ProfileTestHit> samples;
};
nlohmann::json ToJson(const ProfileTestOutcome& outcome);

struct SelectionQuery {
  std::optional<std::string> office;  // UN/LOCODE
  std::optional<std::string> status;  // open | done
  std::string cursor;
  int limit = 50;  // 1..1000
};

// A selected result and, once recorded, its finding.
struct Selection {
  ScreeningResultRecord result;
  std::optional<FindingRecord> finding;
};
nlohmann::json ToJson(const Selection& selection);
nlohmann::json ToJson(const FindingRecord& finding);

// One result of a run to store, with its position in the run's input and,
// when given, its declaration, whose model inputs (model_inputs.h) are stored
// with it for `cordon train --db`.
struct RunResult {
  long long ordinal = 0;
  const ScreeningResult* result = nullptr;
  const Declaration* declaration = nullptr;
};

// A stored targeting model as the API shows it: the record's metadata and
// its metrics (never the bytes).
nlohmann::json ToJson(const TargetingModelRecord& model);
nlohmann::json ToJson(const ModelActivationRecord& activation);

// The labelled examples of an administration's stored screenings: the model
// inputs of every result with a finding; outcome no_irregularity is negative,
// suspected_ipr_infringement and other are positive.
struct StoredTrainingData {
  targeting::Dataset data;  // read through StoredScreeningsMapping(); labelled
  size_t results = 0;       // results with a finding (one data row per item)
};

// Selection under a budget or capacities over a stream too long to keep in
// memory (cordon screen): remembers only (score, office, ordinal) of results
// that could be selected (score above 0, and for capacities an office that has
// one) and decides at the end exactly as SelectByBudget / SelectByCapacity
// would over the whole stream: best score first, ties by input order; the
// budget counts every screened result, selected or not.
// Thread safety: one thread at a time.
class DeferredSelection {
 public:
  // kInvalidInput as SelectByBudget / SelectByCapacity.
  static Result<DeferredSelection> Budget(double percent);
  static Result<DeferredSelection> Capacity(std::map<std::string, int> capacity_by_office);

  // Results must be added in input order (ascending ordinals).
  void Add(long long ordinal, const ScreeningResult& result);
  // The selected ordinals, ascending.
  std::vector<long long> Decide() const;
  size_t candidate_count() const { return candidates_.size(); }

 private:
  struct Candidate {
    double score;
    long long ordinal;
    int office;  // index into offices_, -1 for budgets
  };
  DeferredSelection() = default;
  std::optional<double> percent_;
  std::map<std::string, int> capacity_;
  std::vector<std::string> offices_;  // offices with a capacity, by index
  std::vector<Candidate> candidates_;
  long long screened_ = 0;
};

class ScreeningService {
 public:
  ScreeningService(Store& store, const Clock& clock, Rng& rng,
                   ScreeningServiceOptions options = {});
  ~ScreeningService();
  ScreeningService(const ScreeningService&) = delete;
  ScreeningService& operator=(const ScreeningService&) = delete;

  // --- screening

  // Screens request.declarations against the caller's administration. A
  // declaration that cannot be read is a BatchError and the others are still
  // screened; with request.store, a declaration id given twice is an error
  // for the later one (results are keyed by declaration id within a run).
  // Selection: capacity, else budget, else red. kInvalidInput for more than
  // max_batch declarations (field `declarations`), a bad budget or capacity,
  // or both at once; kForbidden for other roles.
  Result<BatchOutcome> ScreenBatch(const Caller& caller, const BatchRequest& request);

  // --- operator entry points (CLI, demo). No role checks: whoever can open
  // the database is the operator. `org_id` must name a customs organisation
  // (kInvalidInput otherwise, kNotFound when absent).

  // The administration's Screener, from the cache when its inputs are
  // unchanged. Profiles or watchlist entries whose stored rule no longer
  // compiles are skipped with a warning in the log rather than failing every
  // screening.
  Result<std::shared_ptr<const Screener>> ScreenerFor(const std::string& org_id);
  Result<ScreeningRunRecord> StartRun(const std::string& org_id, const std::string& user_id,
                                      const std::string& source);
  // Stores results of a run in one transaction. Returns, per result, its
  // stored id, or "" when the run already holds a result for that declaration
  // id (not stored; the caller reports it).
  Result<std::vector<std::string>> StoreResults(const ScreeningRunRecord& run,
                                                const std::vector<RunResult>& results);
  // Replaces the run's selected set (budget or capacity decided at the end).
  Status SetRunSelection(const ScreeningRunRecord& run, const std::vector<long long>& ordinals);
  // Writes the run's counts and finished_at (now).
  Status FinishRun(ScreeningRunRecord& run, const ScreeningSummary& summary);

  // Times the mark index was built since start (for tests and logs).
  size_t index_builds() const;

  // The administration's active targeting model, loaded (cached by model id);
  // null when none is active. `label` (optional) receives "mdl_... vN".
  Result<std::shared_ptr<const targeting::Model>> ActiveModel(const std::string& org_id,
                                                              std::string* label = nullptr);
  // Training data from the findings recorded on the administration's stored
  // results. kInvalidInput when there are none, or not both outcomes.
  Result<StoredTrainingData> TrainingData(const std::string& org_id);

  // --- targeting models (docs/targeting.md, "Models in the store"): risk
  // analysts and admins of a customs administration. Every change is audited
  // (model.uploaded, model.activated, model.rolled_back).
  // Upload: the model file's bytes, checked by targeting::Model::FromBytes
  // (kInvalidInput naming `model`: empty, too large, corrupt, another format
  // version); stored inactive with the next version number.
  Result<TargetingModelRecord> UploadModel(const Caller& caller, std::string_view bytes,
                                           const std::string& description);
  // Newest first, without bytes.
  Result<std::vector<TargetingModelRecord>> ListModels(const Caller& caller);
  Result<TargetingModelRecord> GetModel(const Caller& caller, const std::string& id);
  Result<std::vector<ModelActivationRecord>> ListModelActivations(const Caller& caller);
  // Makes the model the one screening uses; activating the active model
  // changes nothing. kNotFound for another administration's model.
  Result<TargetingModelRecord> ActivateModel(const Caller& caller, const std::string& id);
  // Back to the model that was active before the current one was activated
  // (activations form a stack; a roll-back pops it). kConflict when there is
  // none.
  Result<TargetingModelRecord> RollbackModel(const Caller& caller);

  // --- risk profiles (body: docs/profiles.md); the owner is the caller's
  // organisation. Update replaces the profile; a "version" in the body must
  // equal the stored one (kConflict otherwise).
  Result<StoredProfile> CreateProfile(const Caller& caller, const nlohmann::json& body);
  Result<StoredProfile> UpdateProfile(const Caller& caller, const std::string& id,
                                      const nlohmann::json& body);
  Status DeleteProfile(const Caller& caller, const std::string& id);
  Result<StoredProfile> GetProfile(const Caller& caller, const std::string& id);
  Result<std::vector<StoredProfile>> ListProfiles(const Caller& caller);
  // Evaluates a draft profile body (validated as CreateProfile does, but
  // active and without its validity dates: the test shows what the rule
  // catches) against the caller's most recently stored declarations, with
  // today's reference prices. Declarations are stored with the results of
  // runs stored since schema migration 12.
  Result<ProfileTestOutcome> TestProfile(const Caller& caller, const nlohmann::json& body,
                                         const ProfileTestQuery& query);

  // --- watchlist, likewise.
  Result<StoredWatchlistEntry> CreateWatchlistEntry(const Caller& caller,
                                                    const nlohmann::json& body);
  Result<StoredWatchlistEntry> UpdateWatchlistEntry(const Caller& caller, const std::string& id,
                                                    const nlohmann::json& body);
  Status DeleteWatchlistEntry(const Caller& caller, const std::string& id);
  Result<StoredWatchlistEntry> GetWatchlistEntry(const Caller& caller, const std::string& id);
  Result<std::vector<StoredWatchlistEntry>> ListWatchlist(const Caller& caller);

  // --- reference prices (body: docs/profiles.md), one list per
  // administration, replaced as a whole; a "version" in the body must equal
  // the stored one (kConflict otherwise). Screening uses the new list from
  // the next batch on.
  Result<StoredReferencePrices> GetReferencePrices(const Caller& caller);
  Result<StoredReferencePrices> PutReferencePrices(const Caller& caller,
                                                   const nlohmann::json& body);

  // --- the selection queue: selected results of the caller's
  // administration, best score first.
  Result<Page<Selection>> ListSelections(const Caller& caller, const SelectionQuery& query);
  Result<Selection> GetSelection(const Caller& caller, const std::string& id);
  // {"outcome": "no_irregularity" | "suspected_ipr_infringement" | "other",
  //  "notes": "..."}: the inspection outcome, once per selection (kConflict
  // for a second one); audited as "finding.recorded".
  Result<FindingRecord> RecordFinding(const Caller& caller, const std::string& selection_id,
                                      const nlohmann::json& body);

 private:
  struct CacheEntry {
    ScreeningInputsVersion version;
    Date day;
    std::shared_ptr<const Screener> screener;
  };
  Result<std::shared_ptr<const Screener>> BuildScreener(const std::string& org_id, Date today);
  Result<TargetingModelRecord> ChangeActiveModel(const Caller& caller,
                                                 const std::string& model_id,
                                                 const std::string& action);

  Store& store_;
  const Clock& clock_;
  Rng& rng_;
  ScreeningServiceOptions options_;
  mutable std::mutex cache_mutex_;  // guards cache_ and index_builds_
  std::map<std::string, CacheEntry> cache_;
  size_t index_builds_ = 0;
  std::mutex build_mutex_;  // one build at a time: they are large
  std::mutex rng_mutex_;    // Rng implementations need not be thread-safe
  std::mutex model_mutex_;  // guards models_
  struct LoadedModel {
    std::shared_ptr<const targeting::Model> model;
    std::string label;
  };
  std::map<std::string, LoadedModel> models_;  // by model id
};

}  // namespace cordon
