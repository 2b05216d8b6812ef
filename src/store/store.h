// The store: Cordon's only persistence interface. It speaks the domain's
// needs, never SQL; the SQLite implementation (sqlite_store.h) is the embedded
// default and a PostgreSQL one can follow without touching domain code.
//
// Units of work. Every command runs inside exactly one transaction:
//   store.Write([&](WriteTx& tx) -> Status { ...; return Status::Ok(); });
// The transaction commits when the function returns ok and rolls back
// otherwise (or when it throws), so a failed command leaves nothing
// half-written. Read() gives a consistent snapshot for queries.
//
// Tenant isolation. Every query over tenant data takes a Scope (the calling
// organisation) and only ever returns rows that organisation may see; an
// object that exists but is not visible is reported exactly like one that
// does not exist (kNotFound). The few unscoped lookups (login by e-mail,
// credential by token hash, organisation directory) are those that must run
// before a caller is known, and say so.
//
// Thread safety: a Store is safe to share between threads; a transaction
// object (ReadTx/WriteTx) belongs to the thread running the unit of work and
// must not escape it.
#pragma once

#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "audit/audit_log.h"
#include "core/identity_types.h"
#include "core/result.h"
#include "core/time.h"
#include "store/exchange_records.h"
#include "store/notice_records.h"

namespace cordon {

// The organisation on whose behalf a query runs.
struct Scope {
  std::string org_id;
};

// A bearer credential: an interactive session or a long-lived API token.
// Only the SHA-256 of the token is stored.
struct Credential {
  std::string id;          // "ses_..." or "tok_..."
  std::string token_hash;  // hex SHA-256 of the bearer token
  std::string user_id;
  std::string org_id;
  std::string kind;  // "session" or "api_token"
  std::string name;  // label for API tokens; empty for sessions
  Timestamp created_at{};
  std::optional<Timestamp> expires_at;  // nullopt: does not expire (API tokens only)
  std::optional<Timestamp> revoked_at;
};

// An application for action as the store holds it: the columns queries need,
// plus the whole application document as JSON text (`body`), which only the
// rights module interprets.
struct ApplicationRecord {
  std::string id;                 // "app_..."
  std::string holder_org_id;      // the right holder organisation that owns it
  std::string filed_with_org_id;  // the customs administration deciding it
  std::string kind;               // "national" | "union"
  std::string status;  // stored status: draft|submitted|granted|rejected|suspended|revoked
  std::optional<Date> valid_until;  // set once granted
  std::string holder_name;          // for listing and search
  Timestamp created_at{};
  Timestamp updated_at{};
  long long version = 1;  // optimistic concurrency: bumped by every update
  std::string body;       // JSON document
};

struct ApplicationFilter {
  std::optional<std::string> status;            // stored status equals
  std::optional<Date> valid_until_before;       // valid_until < this
  std::optional<Date> valid_until_on_or_after;  // valid_until >= this
  std::optional<std::string> holder_org_id;
  std::optional<std::string> filed_with_org_id;
  // Pagination: items ordered by (created_at, id) ascending, or descending
  // with newest_first; `after` is the cursor returned by the previous page of
  // the same order (opaque to callers); empty = first page.
  bool newest_first = false;
  std::string after;
  int limit = 50;  // 1..1000
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // empty when this is the last page
};

// An append-only record of a state change that matters in law. Every event
// is also a leaf of the node's tamper-evident audit log (RFC 9162 Merkle tree,
// audit/audit_log.h): AppendAuditEvent appends both in the same transaction,
// so the log holds exactly the events, in `seq` order (leaf index = position
// in seq order, 0-based).
struct AuditEvent {
  long long seq = 0;  // assigned by the store on append
  Timestamp at{};
  std::string org_id;   // organisation of the actor
  std::string user_id;  // actor; empty for system actions
  std::string action;   // "application.granted", ...
  std::string object_type;
  std::string object_id;
  std::string detail;  // JSON text
};

// The bytes an event is logged as: canonical JSON (CanonicalJson) of
//   {"action","at","detail"|"detail_text","object_id","object_type","org_id",
//    "seq","user_id","v":1}
// `at` is FormatTimestamp text. `detail` holds the detail document when it is
// JSON with a canonical form (no floating-point numbers); otherwise
// `detail_text` holds the detail text verbatim. Deterministic, so an entry can
// be recomputed from its audit_events row (cordon audit verify does).
// kInvalidInput when a field is not valid UTF-8.
Result<std::string> AuditEntryBytes(const AuditEvent& event);

// One leaf of the audit log as stored.
struct AuditLeafRecord {
  uint64_t index = 0;
  std::string entry;  // the exact bytes hashed
  MerkleHash leaf_hash{};
};

// A signed checkpoint (audit/checkpoint.h) the node handed out, kept so that
// `cordon audit verify` can check the log against every head outsiders hold.
struct AuditCheckpointRecord {
  uint64_t tree_size = 0;
  MerkleHash root_hash{};
  std::string signed_note;
  Timestamp created_at{};
};

// --- Risk screening (issue 3). Bodies are JSON documents only the screening
// module interprets; the columns are what queries need.

// A risk profile written by a risk analyst of a customs administration.
struct RiskProfileRecord {
  std::string id;  // "prf_..."
  std::string owner_org_id;
  std::string owner_user_id;
  std::string name;
  bool active = true;
  Timestamp created_at{};
  Timestamp updated_at{};
  long long version = 1;  // optimistic concurrency: bumped by every update
  std::string body;       // JSON document (screening's ToJson(RiskProfile))
};

// An administration's reference prices (unit prices in EUR per HS prefix),
// kept as one list: the body is a JSON document only screening interprets.
struct ReferencePriceListRecord {
  std::string org_id;
  std::string updated_by;  // user id; empty for the operator's CLI
  Timestamp updated_at{};
  long long version = 0;  // 1 for the first list, bumped by every replacement
  std::string body;       // JSON document (screening's ToJson(reference prices))
};

// A trader on an administration's watchlist.
struct WatchlistEntryRecord {
  std::string id;  // "wle_..."
  std::string owner_org_id;
  std::string name;
  std::string country;  // may be empty (any country)
  Timestamp created_at{};
  Timestamp updated_at{};
  long long version = 1;
  std::string body;  // JSON document (screening's ToJson(WatchlistEntry))
};

// What screening reads from the store for one administration, summarised so
// a cached index can tell cheaply whether it is still current: any insert or
// update of a visible application changes the count or the version sum
// (applications are never deleted, and every update bumps the version), and
// every change to the organisation's profiles or watchlist bumps
// rules_generation. The count and sum are kept per organisation as access
// and versions change (one row to read, whatever the number of applications).
struct ScreeningInputsVersion {
  long long application_count = 0;
  long long application_version_sum = 0;
  long long rules_generation = 0;
  std::string active_model_id;  // the active targeting model; empty: none
  bool operator==(const ScreeningInputsVersion&) const = default;
};

// One screening of a batch of declarations (API request or CLI file).
struct ScreeningRunRecord {
  std::string id;  // "run_..."
  std::string org_id;
  std::string user_id;  // empty for the operator's CLI
  std::string source;   // "api" | "cli" | "demo"
  Timestamp started_at{};
  std::optional<Timestamp> finished_at;  // set when every result is stored
  long long declarations = 0;            // records read (screened + errors)
  long long screened = 0;
  long long errors = 0;
  long long selected = 0;
};

// The result of one declaration in a run. Selected results form the
// selection queue; `status` is "open" until a finding is recorded ("done").
struct ScreeningResultRecord {
  std::string id;  // "res_...": also the id of the selection
  std::string org_id;
  std::string run_id;
  long long ordinal = 0;  // position in the run's input, 0-based
  std::string declaration_id;
  std::string office;
  double score = 0;  // 0..1; stored to 6 decimals
  std::string channel;
  bool selected = false;
  std::string status = "open";  // open | done
  std::string hits;             // JSON array text
  Timestamp created_at{};
  std::vector<std::string> profile_ids;  // profiles that hit (written with the result)
};

// A result to store with what is kept beside it (InsertScreeningResults).
struct ResultToStore {
  ScreeningResultRecord record;
  std::optional<std::string> model_inputs;  // screening's model inputs JSON
  std::optional<std::string> declaration;   // the declaration, JSON text
};

struct SelectionFilter {
  std::optional<std::string> office;
  std::optional<std::string> status;  // open | done
  // Ordered by score descending, then id; `after` is the previous page's
  // cursor (opaque); empty = first page.
  std::string after;
  int limit = 50;  // 1..1000
};

// How often a risk profile hit (results recorded with it) and how many of
// those were selected for inspection.
struct ProfileHitCount {
  long long hits = 0;
  long long selected = 0;
};

// The inspection outcome of a selection; at most one per selection.
struct FindingRecord {
  std::string id;  // "fnd_..."
  std::string org_id;
  std::string result_id;
  std::string outcome;  // no_irregularity | suspected_ipr_infringement | other
  std::string notes;
  std::string user_id;  // the officer
  Timestamp at{};
};

// --- Targeting models (issue 4).

// A customs administration's targeting model: the model file and what
// listing it needs.
struct TargetingModelRecord {
  std::string id;  // "mdl_..."
  std::string owner_org_id;
  long long version = 0;  // 1, 2, ... per owner in upload order; assigned on insert
  std::string sha256;     // hex SHA-256 of the bytes
  long long size = 0;     // bytes
  std::string bytes;      // the model file; empty when read without it
  std::string metrics;    // JSON object: training figures
  std::string description;
  std::string created_by;  // user id
  Timestamp created_at{};
  bool active = false;
};

// One activation or roll-back of an administration's model.
struct ModelActivationRecord {
  long long seq = 0;  // 1, 2, ... per organisation; assigned on insert
  std::string org_id;
  std::string model_id;           // active after it
  std::string previous_model_id;  // active before it; empty: none
  std::string action;             // activate | rollback
  std::string user_id;
  Timestamp at{};
};

// A stored result with a finding and the model inputs of its declaration:
// one labelled example for `cordon train --db`.
struct LabelledScreening {
  std::string result_id;
  std::string declaration_id;
  std::string inputs;   // screening's model inputs JSON
  std::string outcome;  // the finding's outcome
  Timestamp created_at{};
};

// A stored result with the declaration it screened (screening's
// DeclarationToJson): what a draft risk profile is tested against.
struct ScreenedDeclaration {
  ScreeningResultRecord result;
  std::string body;  // the declaration, JSON text
};

// --- Detention cases (issue 5). The body is the case engine's JSON document;
// the columns are what queries, the queue and tenant isolation need.

// One detention case. Visible to the administration that detained the goods
// (org_id) and to the right holder organisation of the application it runs
// on (holder_org_id); to nobody else.
struct CaseRecord {
  std::string id;  // "cas_..."
  std::string org_id;         // the customs administration that detained the goods
  std::string holder_org_id;  // right holder of the covering application; empty until there is one
  std::string application_id;  // empty until there is one (ex officio)
  std::string office;          // UN/LOCODE
  std::string procedure;       // application | ex_officio
  std::string state;
  bool open = true;  // false once in a terminal state
  // The earliest due date the clock acts on in the current state, and its
  // time limit's name; nullopt / empty when nothing runs.
  std::optional<Date> next_due;
  std::string next_deadline;
  // Whether the holder may see the names and addresses of the declarant and
  // holder of the goods (Regulation (EU) No 608/2013 Art. 17(4), 21, 26(8)).
  bool parties_disclosed = false;
  Timestamp created_at{};
  Timestamp updated_at{};
  long long version = 1;  // optimistic concurrency: bumped by every update
  std::string body;       // JSON document (the case engine's)
  // JSON object {"declarant":{...},"holder_of_goods":{...}}. Reads return it
  // empty when the scope is the right holder and parties_disclosed is false.
  std::string parties;
};

// One line of detained goods, in the order given.
struct CaseGoodsRecord {
  int ordinal = 0;
  std::string description;
  std::string hs;
  std::string quantity;  // decimal text as given ("120", "12.5")
  std::string unit;
  std::string product_category;
  std::string ipr_type;
  std::string mark;
  std::optional<long long> estimated_value_cents;  // EUR cents
};

// The history of a case: one row per act or automatic transition, numbered
// per case from 1.
struct CaseEventRecord {
  std::string case_id;
  long long seq = 0;  // assigned by the store
  Timestamp at{};
  std::string org_id;   // the acting organisation (the administration for the clock)
  std::string user_id;  // empty for the clock
  std::string party;    // customs | right_holder | declarant | clock
  std::string action;
  std::string from_state;
  std::string to_state;
  std::string detail;  // JSON object text
};

// Metadata of a photo or document attached to a case; the bytes are stored
// once per SHA-256.
struct EvidenceRecord {
  std::string id;  // "evd_..."
  std::string case_id;
  std::string sha256;  // hex
  std::string media_type;
  long long size = 0;
  std::string filename;
  std::string description;
  std::string org_id;
  std::string user_id;
  Timestamp created_at{};
};

// A photo of the authentic goods attached to an application for action; the
// bytes are stored once per SHA-256 beside the case evidence.
struct ApplicationPhotoRecord {
  std::string id;  // "pho_..."
  std::string application_id;
  std::string sha256;  // hex
  std::string media_type;
  long long size = 0;
  std::string filename;
  std::string description;
  std::string user_id;
  Timestamp created_at{};
};

struct CaseFilter {
  std::optional<std::string> state;
  std::optional<std::string> office;
  bool open_only = false;
  // kCreated: (created_at, id) ascending. kNextDue: open cases only, by
  // next_due ascending (cases with nothing running last), then id.
  enum class Order { kCreated, kNextDue };
  Order order = Order::kCreated;
  std::string after;  // the previous page's cursor (opaque); empty = first page
  int limit = 50;     // 1..1000
};

// --- Seizure statistics (issue 6). Non-nominal: a record names no person or
// company, only where, when, what and how much.

// One line of detained goods as the statistics count it. Records come from
// the administration's cases (kept current by the case engine, source
// "case") or from imported historical files (source "import"); the natural
// key is (org_id, case_id, line).
struct SeizureRecord {
  std::string org_id;        // the administration that detained the goods
  std::string case_id;       // a Cordon case id or the imported case reference
  int line = 1;              // 1-based line of goods within the case
  std::string source;        // case | import
  Date detained_on{};
  std::string office;             // UN/LOCODE
  std::string reporting_country;  // ISO 3166-1 alpha-2
  std::string procedure;          // application | ex_officio
  std::string transport_mode;     // sea|air|road|rail|postal|express|passenger; "" unknown
  std::string origin;             // ISO 3166-1 alpha-2; "" unknown
  std::string dispatch;
  std::string destination;
  std::string product_category;  // the taxonomy's id (stats/stats.h)
  std::string ipr_type;
  long long articles = 0;
  long long value_cents = 0;  // estimated value, EUR cents
  bool small_consignment = false;
  bool e_commerce = false;
  std::string outcome;  // pending | destroyed | released | court
  bool operator==(const SeizureRecord&) const = default;
};

// What an upsert of seizure records did.
struct SeizureUpsertCounts {
  long long inserted = 0;
  long long updated = 0;
  long long unchanged = 0;
};

// A partner administration's quarterly statistics as imported (the exchange
// document of docs/stats.md, kept verbatim); one per partner and quarter.
struct PartnerStatisticsRecord {
  std::string org_id;   // the administration that imported it
  std::string partner;  // the reporting country of the partner
  std::string quarter;  // "2025Q3"
  std::string sha256;   // hex SHA-256 of body
  Timestamp imported_at{};
  std::string body;  // JSON document
};

// Screened declarations and what became of them, counted per office, day,
// targeting model version (0: none was active) and profile ("" for the
// declaration-level counts, else one row per profile that hit).
struct ScreeningTally {
  std::string office;
  Date day{};
  long long model_version = 0;
  std::string profile_id;
  long long declarations = 0;  // screened results
  long long selected = 0;      // selected for inspection
  long long inspected = 0;     // with a recorded finding
  long long infringing = 0;    // finding "suspected_ipr_infringement"
};

// Operations available inside a read-only unit of work.
class ReadTx {
 public:
  virtual ~ReadTx() = default;

  // --- organisations (directory; unscoped: names and kinds are not confidential)
  virtual Result<Organisation> GetOrganisation(const std::string& id) = 0;
  virtual Result<Organisation> FindOrganisationByName(const std::string& name) = 0;
  // The customs administrations of a country (usually one).
  virtual Result<std::vector<Organisation>> FindCustomsByCountry(const std::string& country) = 0;
  virtual Result<std::vector<Organisation>> ListOrganisations() = 0;

  // --- users
  // Unscoped: used by login before a caller exists. `email` is matched lower-cased.
  virtual Result<User> FindUserByEmail(const std::string& email) = 0;
  virtual Result<User> GetUser(const Scope& scope, const std::string& id) = 0;
  virtual Result<std::vector<User>> ListUsers(const Scope& scope) = 0;

  // --- credentials
  // Unscoped: resolves a bearer token before a caller exists.
  virtual Result<Credential> FindCredentialByHash(const std::string& token_hash) = 0;
  virtual Result<std::vector<Credential>> ListApiTokens(const Scope& scope) = 0;

  // --- login throttling: failed attempts for `email` at or after `since`.
  virtual Result<int> CountLoginFailures(const std::string& email, Timestamp since) = 0;

  // --- applications for action: only those the scope's organisation may see
  // (its own as holder, those filed with it, union applications covering it).
  virtual Result<ApplicationRecord> GetApplication(const Scope& scope, const std::string& id) = 0;
  virtual Result<Page<ApplicationRecord>> ListApplications(const Scope& scope,
                                                           const ApplicationFilter& filter) = 0;

  // --- audit log, in append order, for one organisation's actions
  virtual Result<std::vector<AuditEvent>> ListAuditEvents(const Scope& scope,
                                                          const std::string& object_id) = 0;

  // --- the tamper-evident audit log over every organisation's events. These
  // reads are unscoped: the log is one tree per node. Callers (the audit
  // service) decide who may see which entry; proofs and heads carry hashes
  // only.
  // The tree as of this unit of work: entries, leaf and perfect-subtree
  // hashes (one indexed lookup per hash). Valid until the unit of work ends;
  // inside a write it grows with each AppendAuditEvent.
  virtual Result<const AuditStorage*> AuditTree() = 0;
  // Leaves [start, end) (end clamped to the tree size), in index order.
  virtual Result<std::vector<AuditLeafRecord>> ListAuditLeaves(uint64_t start, uint64_t end) = 0;
  // Every organisation's events with seq > after_seq, in seq order, at most
  // `limit` (1..10000): for re-checking the log against them.
  virtual Result<std::vector<AuditEvent>> ListAllAuditEvents(long long after_seq, int limit) = 0;
  virtual Result<long long> CountAuditEvents() = 0;
  // Stored signed checkpoints, ascending tree size.
  virtual Result<std::vector<AuditCheckpointRecord>> ListAuditCheckpoints() = 0;

  // --- risk screening: everything below is owned by the scope's organisation
  // and visible to it only.
  virtual Result<ScreeningInputsVersion> GetScreeningInputsVersion(const Scope& scope) = 0;
  virtual Result<RiskProfileRecord> GetRiskProfile(const Scope& scope, const std::string& id) = 0;
  // Every profile of the organisation, oldest first.
  virtual Result<std::vector<RiskProfileRecord>> ListRiskProfiles(const Scope& scope) = 0;
  virtual Result<WatchlistEntryRecord> GetWatchlistEntry(const Scope& scope,
                                                         const std::string& id) = 0;
  virtual Result<std::vector<WatchlistEntryRecord>> ListWatchlistEntries(const Scope& scope) = 0;
  // The organisation's reference price list; kNotFound when it never set one.
  virtual Result<ReferencePriceListRecord> GetReferencePriceList(const Scope& scope) = 0;
  virtual Result<ScreeningRunRecord> GetScreeningRun(const Scope& scope, const std::string& id) = 0;
  // A stored result (selected or not), with its profile_ids.
  virtual Result<ScreeningResultRecord> GetScreeningResult(const Scope& scope,
                                                           const std::string& id) = 0;
  // Selected results only (the selection queue), filtered and paginated, each
  // with its profile_ids.
  virtual Result<Page<ScreeningResultRecord>> ListSelections(const Scope& scope,
                                                             const SelectionFilter& filter) = 0;
  // The finding of a result; kNotFound when none is recorded (or not visible).
  virtual Result<FindingRecord> GetFinding(const Scope& scope, const std::string& result_id) = 0;
  // How often a profile hit, and how many of those results were selected;
  // the start of profile effectiveness figures.
  virtual Result<ProfileHitCount> CountProfileHits(const Scope& scope,
                                                   const std::string& profile_id) = 0;

  // --- targeting models of the scope's organisation.
  // With `with_bytes` false, `bytes` is left empty (listing, metadata).
  virtual Result<TargetingModelRecord> GetTargetingModel(const Scope& scope, const std::string& id,
                                                         bool with_bytes) = 0;
  // Without bytes, newest (highest version) first.
  virtual Result<std::vector<TargetingModelRecord>> ListTargetingModels(const Scope& scope) = 0;
  // The active model with its bytes; kNotFound when none is active.
  virtual Result<TargetingModelRecord> GetActiveTargetingModel(const Scope& scope) = 0;
  // Activations and roll-backs, oldest first.
  virtual Result<std::vector<ModelActivationRecord>> ListModelActivations(const Scope& scope) = 0;
  // Results with a finding and stored model inputs, oldest first.
  virtual Result<std::vector<LabelledScreening>> ListLabelledScreenings(const Scope& scope) = 0;
  // The scope's most recently stored declarations (at most `limit`, newest
  // first), with their results.
  virtual Result<std::vector<ScreenedDeclaration>> ListRecentScreenedDeclarations(
      const Scope& scope, int limit) = 0;

  // --- photos of an application (the caller reads the application through
  // its scope first, in the same unit of work). Oldest first.
  virtual Result<std::vector<ApplicationPhotoRecord>> ListApplicationPhotos(
      const std::string& application_id) = 0;
  // The bytes of one photo (and its record in *record when given); kNotFound
  // when it is not the application's.
  virtual Result<std::string> GetApplicationPhotoContent(const std::string& application_id,
                                                         const std::string& photo_id,
                                                         ApplicationPhotoRecord* record) = 0;

  // --- notices (issue 5): visible to their recipient organisation and to
  // the organisation that gave them.
  virtual Result<NoticeRecord> GetNotice(const Scope& scope, const std::string& id) = 0;
  virtual Result<Page<NoticeRecord>> ListNotices(const Scope& scope,
                                                 const NoticeFilter& filter) = 0;
  // The deliveries of a visible notice, each with its attempt log, oldest
  // first. The recipient sees its own webhook and e-mail deliveries; the
  // sender sees all (its proof of notification). kNotFound when not visible.
  virtual Result<std::vector<NoticeDeliveryRecord>> ListNoticeDeliveries(
      const Scope& scope, const std::string& notice_id) = 0;
  // The notices about one object (e.g. "case", "cas_..."), oldest first:
  // those the scope's organisation gave or received. The administration of a
  // case thus sees every notice of it, the right holder those addressed to it.
  virtual Result<std::vector<NoticeRecord>> ListObjectNotices(const Scope& scope,
                                                              const std::string& object_type,
                                                              const std::string& object_id) = 0;
  // The organisation's live (not deleted) webhook endpoints, oldest first.
  virtual Result<std::vector<WebhookEndpointRecord>> ListWebhookEndpoints(const Scope& scope) = 0;

  // Unscoped, for the delivery worker only (it acts for every organisation):
  // notices whose deliveries are not planned yet, oldest first; pending
  // deliveries due at or before `now`, soonest first; one endpoint by id
  // (deleted ones too); one notice by id.
  virtual Result<std::vector<NoticeRecord>> ListUnplannedNotices(int limit) = 0;
  virtual Result<std::vector<NoticeDeliveryRecord>> ListDueDeliveries(Timestamp now,
                                                                      int limit) = 0;
  // The earliest next_attempt_at of any pending delivery; nullopt when none.
  virtual Result<std::optional<Timestamp>> NextDeliveryDue() = 0;
  virtual Result<WebhookEndpointRecord> GetWebhookEndpointForDelivery(const std::string& id) = 0;
  virtual Result<NoticeRecord> GetNoticeForDelivery(const std::string& id) = 0;
  // Unscoped, for sealing webhook secrets at start (notify.h
  // PrepareWebhookSecrets): every endpoint of every organisation, deleted
  // ones too, oldest first.
  virtual Result<std::vector<WebhookEndpointRecord>> ListAllWebhookEndpoints() = 0;
  // --- detention cases: visible to the administration (org_id) and the
  // right holder organisation (holder_org_id); kNotFound for everyone else.
  virtual Result<CaseRecord> GetCase(const Scope& scope, const std::string& id) = 0;
  virtual Result<Page<CaseRecord>> ListCases(const Scope& scope, const CaseFilter& filter) = 0;
  virtual Result<std::vector<CaseGoodsRecord>> ListCaseGoods(const Scope& scope,
                                                             const std::string& case_id) = 0;
  virtual Result<std::vector<CaseEventRecord>> ListCaseEvents(const Scope& scope,
                                                              const std::string& case_id) = 0;
  virtual Result<std::vector<EvidenceRecord>> ListEvidence(const Scope& scope,
                                                           const std::string& case_id) = 0;
  // The stored bytes of one piece of evidence of a visible case.
  virtual Result<std::string> GetEvidenceContent(const Scope& scope, const std::string& case_id,
                                                 const std::string& evidence_id) = 0;
  // Unscoped, for the clock that acts for every administration: the open
  // cases whose next_due is before `day`, by next_due then id, at most
  // `limit` (1..1000), without body and parties (read each with GetCase
  // scoped to its org_id).
  virtual Result<std::vector<CaseRecord>> ListCasesDueBefore(Date day, int limit) = 0;

  // --- seizure statistics of the scope's organisation.
  // Bumped by every change to the organisation's seizure records, so a cached
  // aggregate can tell cheaply that it is stale; 0 before the first record.
  virtual Result<long long> GetSeizureGeneration(const Scope& scope) = 0;
  // Calls `visit` for every record of the organisation, ordered by
  // (case_id, line): the lines of a case come together. Stops at (and
  // returns) visit's first error.
  virtual Status ScanSeizureRecords(const Scope& scope,
                                    const std::function<Status(const SeizureRecord&)>& visit) = 0;
  // The records of one case, by line.
  virtual Result<std::vector<SeizureRecord>> ListCaseSeizureRecords(
      const Scope& scope, const std::string& case_id) = 0;
  // The partner statistics the organisation imported, by quarter then partner.
  virtual Result<std::vector<PartnerStatisticsRecord>> ListPartnerStatistics(
      const Scope& scope) = 0;
  // The organisation's screening results created in [from, to), tallied
  // (ScreeningTally); the model version is that of the model active when
  // the result was created (from the activation history).
  virtual Result<std::vector<ScreeningTally>> TallyScreenings(const Scope& scope, Timestamp from,
                                                              Timestamp to) = 0;
  // --- exchange between nodes (issue 7): partners, groups, messages and
  // rejections of the scope's administration only.
  virtual Result<ExchangePartnerRecord> GetExchangePartner(const Scope& scope,
                                                           const std::string& node_id) = 0;
  virtual Result<std::vector<ExchangePartnerRecord>> ListExchangePartners(const Scope& scope) = 0;
  virtual Result<ExchangeGroupRecord> GetExchangeGroup(const Scope& scope,
                                                       const std::string& name) = 0;
  virtual Result<std::vector<ExchangeGroupRecord>> ListExchangeGroups(const Scope& scope) = 0;
  virtual Result<ExchangeMessageRecord> GetExchangeMessage(const Scope& scope,
                                                           const std::string& id) = 0;
  // The message with this sender's (in) / our (out) message id from/to
  // `partner`; kNotFound when there is none.
  virtual Result<ExchangeMessageRecord> FindExchangeMessage(const Scope& scope,
                                                            const std::string& direction,
                                                            const std::string& partner,
                                                            const std::string& message_id) = 0;
  virtual Result<Page<ExchangeMessageRecord>> ListExchangeMessages(
      const Scope& scope, const ExchangeMessageFilter& filter) = 0;
  // Newest first, at most `limit` (1..1000).
  virtual Result<std::vector<ExchangeRejectionRecord>> ListExchangeRejections(const Scope& scope,
                                                                              int limit) = 0;
  // Unscoped, for the delivery worker: outgoing messages pending and due at
  // or before `now`, soonest first; the earliest next attempt of any.
  virtual Result<std::vector<ExchangeMessageRecord>> ListDueExchangeMessages(Timestamp now,
                                                                             int limit) = 0;
  virtual Result<std::optional<Timestamp>> NextExchangeMessageDue() = 0;
};

// Operations available inside a read-write unit of work.
class WriteTx : public ReadTx {
 public:
  // kConflict when the id, the name (organisations) or the e-mail (users) exists.
  virtual Status InsertOrganisation(const Organisation& org) = 0;
  virtual Status InsertUser(const User& user) = 0;

  virtual Status InsertCredential(const Credential& credential) = 0;
  // Marks a credential revoked; kNotFound when absent or not the scope's.
  virtual Status RevokeCredential(const Scope& scope, const std::string& credential_id,
                                  Timestamp at) = 0;

  virtual Status RecordLoginFailure(const std::string& email, Timestamp at) = 0;
  virtual Status ClearLoginFailures(const std::string& email) = 0;

  // Inserts a new application, visible to the organisations in `visible_to`
  // (the holder, the administration filed with, members a union application
  // covers). kConflict when the id exists.
  virtual Status InsertApplication(const ApplicationRecord& record,
                                   const std::vector<std::string>& visible_to) = 0;
  // Replaces the stored record when it is visible to the scope and its stored
  // version equals `record.version`; the stored version becomes version + 1.
  // kNotFound when not visible, kConflict when the version differs (someone
  // else changed it first).
  virtual Status UpdateApplication(const Scope& scope, const ApplicationRecord& record) = 0;

  // Appends an event; the store assigns `seq` and appends the event's entry
  // (AuditEntryBytes) as the next leaf of the audit log with the tree nodes
  // it completes, all in this transaction: if the unit of work fails, neither
  // the event nor its leaf remains. kInvalidInput when the event has no
  // entry (see AuditEntryBytes).
  virtual Result<long long> AppendAuditEvent(const AuditEvent& event) = 0;
  // Keeps a signed checkpoint; a second one of the same tree size is ignored
  // (the first stays). kInvalidInput when tree_size exceeds the log.
  virtual Status InsertAuditCheckpoint(const AuditCheckpointRecord& checkpoint) = 0;

  // --- risk screening. Inserts take the owner from the record; updates and
  // deletes are scoped. Every profile or watchlist change bumps the owner's
  // ScreeningInputsVersion::rules_generation in the same transaction.
  // kConflict when the id exists.
  virtual Status InsertRiskProfile(const RiskProfileRecord& record) = 0;
  // Replaces the stored profile when visible and its version equals
  // record.version (which becomes version + 1); kNotFound / kConflict.
  virtual Status UpdateRiskProfile(const Scope& scope, const RiskProfileRecord& record) = 0;
  // kNotFound when not visible. Profile hits recorded earlier are kept.
  virtual Status DeleteRiskProfile(const Scope& scope, const std::string& id) = 0;
  virtual Status InsertWatchlistEntry(const WatchlistEntryRecord& record) = 0;
  virtual Status UpdateWatchlistEntry(const Scope& scope, const WatchlistEntryRecord& record) = 0;
  virtual Status DeleteWatchlistEntry(const Scope& scope, const std::string& id) = 0;
  // Replaces record.org_id's reference price list (creating it the first
  // time) and bumps its rules generation. `expected_version` is the version
  // the caller read (0: none yet); kConflict when the stored one differs.
  // record.version is ignored: the stored version becomes expected + 1.
  virtual Status PutReferencePriceList(const ReferencePriceListRecord& record,
                                       long long expected_version) = 0;

  virtual Status InsertScreeningRun(const ScreeningRunRecord& run) = 0;
  // Updates the counts and finished_at of a visible run; kNotFound otherwise.
  virtual Status UpdateScreeningRun(const Scope& scope, const ScreeningRunRecord& run) = 0;
  // Inserts a result of a visible run, with a profile hit row per
  // record.profile_ids. kNotFound when the run is not the scope's; kConflict
  // when the run already holds a result for the same declaration id (or the
  // id exists); nothing is written then.
  virtual Status InsertScreeningResult(const Scope& scope, const ScreeningResultRecord& record) = 0;
  // Inserts results of the visible run `run_id` in order, each with its
  // profile hit rows and, when given, its model inputs and declaration: what
  // InsertScreeningResult, InsertModelInputs and InsertScreenedDeclaration
  // would write one by one, with the run checked once. Returns the indexes
  // (ascending) of the results skipped because the run already held a result
  // for their declaration id (stored earlier, or earlier in `results`);
  // nothing of theirs is written. kNotFound ("screening run ... not found")
  // when the run is not the scope's, kInvalidInput when a record's run_id is
  // not `run_id`, kConflict when a result id exists: the caller's unit of
  // work then fails as a whole.
  virtual Result<std::vector<size_t>> InsertScreeningResults(
      const Scope& scope, const std::string& run_id, std::span<const ResultToStore> results) = 0;
  // Sets `selected` on the run's results at these ordinals (and clears it on
  // the others): selection under a budget or capacity decided after the whole
  // run was screened. kNotFound when the run is not the scope's.
  virtual Status SetRunSelection(const Scope& scope, const std::string& run_id,
                                 const std::vector<long long>& selected_ordinals) = 0;
  // Records the finding of a visible, selected result and marks it done.
  // kNotFound when the result is not visible or not selected; kConflict when
  // it already has a finding.
  virtual Status InsertFinding(const Scope& scope, const FindingRecord& finding) = 0;

  // --- targeting models. Inserts a model of record.owner_org_id, inactive,
  // with the next version number of the owner (returned). kConflict when the
  // id exists.
  virtual Result<long long> InsertTargetingModel(const TargetingModelRecord& record) = 0;
  // Makes record.model_id the organisation's only active model and appends
  // the record to its activation history (seq assigned and returned).
  // kNotFound when the model is not the scope's.
  virtual Result<long long> InsertModelActivation(const Scope& scope,
                                                  const ModelActivationRecord& record) = 0;
  // The model inputs of a stored result of the scope (model_inputs.h JSON).
  // kNotFound when the result is not visible; kConflict when already stored.
  virtual Status InsertModelInputs(const Scope& scope, const std::string& result_id,
                                   const std::string& inputs) = 0;
  // The declaration of a stored result of the scope (JSON text). kNotFound
  // when the result is not visible; kConflict when already stored.
  virtual Status InsertScreenedDeclaration(const Scope& scope, const std::string& result_id,
                                           const std::string& body) = 0;
  // Stores the bytes (once per SHA-256) and the photo; kConflict when the id exists.
  virtual Status InsertApplicationPhoto(const ApplicationPhotoRecord& record,
                                        const std::string& content) = 0;
  // kNotFound when the photo is not the application's. The bytes stay (other
  // photos or evidence may share them).
  virtual Status DeleteApplicationPhoto(const std::string& application_id,
                                        const std::string& photo_id) = 0;

  // --- notices (issue 5)
  // Inserts a notice (unplanned: the delivery worker plans its deliveries).
  // kConflict when the id exists.
  virtual Status InsertNotice(const NoticeRecord& record) = 0;
  // Sets read_at (once; a second call keeps the first time) on a notice
  // addressed to the scope's organisation; kNotFound otherwise (also for the
  // sender, who cannot mark the recipient's copy read).
  virtual Status MarkNoticeRead(const Scope& scope, const std::string& id, Timestamp at) = 0;
  virtual Status InsertWebhookEndpoint(const WebhookEndpointRecord& record) = 0;
  // Sets an endpoint's stored secret to `replacement` if it is still
  // `expected` (deleted endpoints too: their secrets are sealed as well);
  // kConflict otherwise, writing nothing.
  virtual Status ReplaceWebhookSecret(const std::string& id, const std::string& expected,
                                      const std::string& replacement) = 0;
  // Marks a live endpoint of the scope's organisation deleted and cancels
  // its pending deliveries; kNotFound when absent, deleted or not the scope's.
  virtual Status DeleteWebhookEndpoint(const Scope& scope, const std::string& id,
                                       Timestamp at) = 0;
  // Worker: records the deliveries planned for a notice and marks it planned,
  // in one step; kConflict when it was planned already.
  virtual Status PlanNoticeDeliveries(const std::string& notice_id,
                                      const std::vector<NoticeDeliveryRecord>& deliveries) = 0;
  // Worker: appends an attempt to a pending delivery and sets its new state
  // (`status` "pending" with next_attempt_at, or "delivered"). kConflict when
  // the delivery is no longer pending (cancelled or delivered meanwhile):
  // nothing is written then, so an acknowledgement is recorded exactly once.
  virtual Status RecordDeliveryAttempt(const std::string& delivery_id,
                                       const DeliveryAttemptRecord& attempt,
                                       const std::string& status,
                                       std::optional<Timestamp> next_attempt_at) = 0;
  // --- detention cases. Inserts take the tenant from the record.
  // kConflict when the id exists.
  virtual Status InsertCase(const CaseRecord& record, const std::vector<CaseGoodsRecord>& goods) = 0;
  // Replaces state, open, next_due, next_deadline, parties_disclosed,
  // holder_org_id, application_id, body and updated_at when the case is the
  // scope's administration's and its stored version equals record.version
  // (which becomes version + 1). `parties` is written only when not empty.
  // kNotFound when not visible to the scope as administration, kConflict when
  // the version differs.
  virtual Status UpdateCase(const Scope& scope, const CaseRecord& record) = 0;
  // Appends to the case's history; the store assigns seq. kNotFound when the
  // case does not exist.
  virtual Result<long long> AppendCaseEvent(const CaseEventRecord& event) = 0;
  // Records evidence metadata and stores `content` under record.sha256 unless
  // those bytes are already stored. kConflict when the id exists.
  virtual Status InsertEvidence(const EvidenceRecord& record, const std::string& content) = 0;
  // --- seizure statistics. Inserts each record of the scope's organisation
  // (record.org_id must equal it) that is new, rewrites those whose stored
  // fields differ and leaves equal ones alone; bumps the generation when
  // anything changed. kConflict naming the case when a record would replace
  // one of another source (an import never overwrites a Cordon case's
  // records, nor the other way round); kInvalidInput for a record of another
  // organisation.
  virtual Result<SeizureUpsertCounts> UpsertSeizureRecords(
      const Scope& scope, const std::vector<SeizureRecord>& records) = 0;
  // Stores (or replaces) the partner's statistics of a quarter. Returns false
  // when the same document (same sha256) is already stored: nothing changes.
  virtual Result<bool> PutPartnerStatistics(const PartnerStatisticsRecord& record) = 0;

  // --- exchange between nodes. Records carry their org_id (the tenant).
  // kConflict when the partner is registered already.
  virtual Status InsertExchangePartner(const ExchangePartnerRecord& record) = 0;
  // Replaces everything but created_at; kNotFound when absent.
  virtual Status UpdateExchangePartner(const ExchangePartnerRecord& record) = 0;
  // Creates or replaces a group with its members.
  virtual Status PutExchangeGroup(const ExchangeGroupRecord& record) = 0;
  // kConflict when the (direction, partner, message_id) is stored already.
  virtual Status InsertExchangeMessage(const ExchangeMessageRecord& record) = 0;
  // Sets state, attempts, next_attempt_at, last_error, receipt, result and
  // updated_at when the stored state is `expected_state`; kConflict otherwise
  // (nothing written), so a receipt is recorded exactly once.
  virtual Status UpdateExchangeMessage(const ExchangeMessageRecord& record,
                                       const std::string& expected_state) = 0;
  virtual Status InsertExchangeRejection(const ExchangeRejectionRecord& record) = 0;
};

class Store {
 public:
  virtual ~Store() = default;
  // Runs `work` in one read-write transaction (serialised with other writers).
  // Returns work's error after rolling back, kUnavailable when the database is
  // busy beyond the busy timeout, kInternal/kCorrupt on database failures.
  virtual Status Write(const std::function<Status(WriteTx&)>& work) = 0;
  // Runs `work` on a consistent read snapshot.
  virtual Status Read(const std::function<Status(ReadTx&)>& work) = 0;
};

}  // namespace cordon
