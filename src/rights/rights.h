// Rights: right holders' applications for action (recordation of their rights
// with customs), TRIPS Art. 51-52 and Regulation (EU) No 608/2013 Art. 5-6, 11-12.
//
// Life cycle (stored status; `expired` is derived from the clock):
//   draft --submit--> submitted --decide(grant)--> granted --(valid_until passes)--> expired
//                               --decide(reject)--> rejected
//   granted --suspend--> suspended --reinstate--> granted
//   granted|suspended --revoke--> revoked
//   granted --request renewal (before expiry)--> granted with renewal pending
//           --decide renewal(grant)--> valid_until extended (at most one year
//             from the day after the previous expiry; Art. 12) | (reject) unchanged
//
// Who may act:
//   right_holder_rep (or admin) of a right_holder organisation: create, edit
//     drafts, submit, request renewal, withdraw a draft; sees only its own.
//   ipr_officer (or admin) of the customs administration the application is
//     filed with: decide, decide renewal, suspend, reinstate, revoke.
//   Customs see applications filed with them (and union applications covering
//   their country); everyone else gets kNotFound, exactly as for a missing id.
//
// Thread safety: ApplicationService is safe to share between threads.
#pragma once

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <vector>

#include "core/identity_types.h"
#include "core/random.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

struct Party {
  std::string name;
  std::string address;
  std::string country;  // ISO 3166-1 alpha-2
  std::string role;     // authorised parties: manufacturer|licensee|importer|distributor|...
};

struct Contact {
  std::string name;
  std::string email;
  std::string phone;
};

struct Right {
  std::string type;  // trademark|design|copyright|patent|geographical_indication|
                     // plant_variety|utility_model|topography|trade_name
  std::string registration;
  std::string office;
  std::vector<std::string> marks;  // word marks
  std::vector<int> nice_classes;   // 1..45
  std::optional<Date> expires_on;
};

struct Goods {
  std::string description;
  std::vector<std::string> hs;  // 2..10 digits
};

struct Renewal {
  Timestamp requested_at{};
  std::string status;  // pending|granted|rejected
  std::optional<Date> previous_valid_until;
  std::string reason;
};

struct Application {
  std::string id;
  std::string kind = "national";  // national|union
  std::string status;             // effective: stored status, or "expired"
  std::string holder_org_id;
  std::string filed_with_org_id;
  std::vector<std::string> member_states;  // union applications: countries covered
  Party holder;
  std::vector<Contact> contacts;
  std::optional<Party> representative;
  std::vector<Right> rights;
  std::vector<Goods> goods;
  std::string authentic_features;
  std::vector<std::string> product_codes;  // e.g. GTIN prefixes
  std::vector<Party> authorised_parties;
  std::vector<std::string> known_routes;     // UN/LOCODEs or free text
  std::vector<Party> known_infringers;
  bool small_consignments = false;           // Art. 26 opt-in
  bool accepts_liability_and_costs = false;  // Art. 6(3)(q), required to submit
  std::optional<Timestamp> submitted_at;
  std::optional<Timestamp> decided_at;
  std::optional<Date> valid_until;
  std::string decision_reason;  // rejection / suspension / revocation reason
  std::optional<Renewal> renewal;
  Timestamp created_at{};
  Timestamp updated_at{};
  long long version = 1;
};

// The API/file representation. ToJson(app) emits every field above;
// ApplicationFromJson accepts the body documented in README (and ToJson's own
// output), collecting every bad field into one kInvalidInput error, e.g.
// {"rights[0].nice_classes[1]", "must be a Nice class between 1 and 45"}.
nlohmann::json ToJson(const Application& app);
Result<Application> ApplicationFromJson(const nlohmann::json& body);

// The application a stored record holds, with its effective status on
// `today` ("expired" once valid_until has passed). For other modules that read
// ApplicationRecords inside their own unit of work (e.g. the case engine
// checking that a granted application covers detained goods). kCorrupt when
// the stored document is not a JSON object.
Result<Application> ApplicationFromRecord(const ApplicationRecord& record, Date today);

struct ApplicationQuery {
  std::optional<std::string> status;  // effective status, including "expired"
  bool newest_first = false;          // order by filing (creation), newest first
  std::string cursor;
  int limit = 50;
};

struct ImportOptions {
  // Migrating existing grants: entries may carry "status" (draft|submitted|
  // granted|rejected) and "valid_until". Every entry is validated first; a
  // single bad entry rejects the whole file and nothing is stored.
  std::string filed_with_org_id;  // default administration when an entry names none
};

// A photo of the authentic goods to attach (the request's raw bytes).
struct PhotoUpload {
  std::string media_type;  // image/jpeg | image/png | image/webp
  std::string content;     // the bytes, stored exactly as given
  std::string filename;    // optional; default <id>.<extension>
  std::string description;
};
struct PhotoContent {
  ApplicationPhotoRecord record;
  std::string content;
};
inline constexpr size_t kMaxPhotoBytes = 5u << 20;  // 5 MiB
inline constexpr size_t kMaxPhotos = 20;            // per application
nlohmann::json ToJson(const ApplicationPhotoRecord& photo);

class ApplicationService {
 public:
  ApplicationService(Store& store, const Clock& clock, Rng& rng);

  Result<Application> Create(const Caller& caller, const nlohmann::json& body);
  // Replaces the content of a draft (PUT).
  Result<Application> Update(const Caller& caller, const std::string& id,
                             const nlohmann::json& body);
  Result<Application> Submit(const Caller& caller, const std::string& id);
  // {"decision":"grant","valid_until":"YYYY-MM-DD"} | {"decision":"reject","reason":"..."}
  Result<Application> Decide(const Caller& caller, const std::string& id,
                             const nlohmann::json& body);
  // {"reason": "..."} optional.
  Result<Application> RequestRenewal(const Caller& caller, const std::string& id,
                                     const nlohmann::json& body);
  // Same body as Decide.
  Result<Application> DecideRenewal(const Caller& caller, const std::string& id,
                                    const nlohmann::json& body);
  // {"reason": "..."} required for suspend and revoke.
  Result<Application> Suspend(const Caller& caller, const std::string& id,
                              const nlohmann::json& body);
  Result<Application> Reinstate(const Caller& caller, const std::string& id);
  Result<Application> Revoke(const Caller& caller, const std::string& id,
                             const nlohmann::json& body);

  Result<Application> Get(const Caller& caller, const std::string& id);

  // Photos of the authentic goods (docs/applications.md, "Photos"): JPEG,
  // PNG or WebP (the bytes must begin as the type says), at most
  // kMaxPhotoBytes each and kMaxPhotos per application, stored exactly as
  // given (SHA-256 recorded). The holder's representatives add and remove
  // them while the application is a draft or submitted (kConflict after);
  // whoever sees the application sees them. Audited as
  // application.photo_added / application.photo_removed.
  Result<ApplicationPhotoRecord> AddPhoto(const Caller& caller, const std::string& id,
                                          const PhotoUpload& upload);
  Result<std::vector<ApplicationPhotoRecord>> ListPhotos(const Caller& caller,
                                                         const std::string& id);
  Result<PhotoContent> GetPhoto(const Caller& caller, const std::string& id,
                                const std::string& photo_id);
  Status DeletePhoto(const Caller& caller, const std::string& id, const std::string& photo_id);
  Result<Page<Application>> List(const Caller& caller, const ApplicationQuery& query);

  // Bulk (CLI). `entries` is a JSON array of application bodies. Holders are
  // matched to right_holder organisations by name (created when absent).
  // Returns the number stored; all or nothing.
  Result<int> Import(const nlohmann::json& entries, const ImportOptions& options);
  // Every application visible to `scope` (all, when scope.org_id is empty and
  // the call comes from the operator's CLI), as a JSON array Import accepts.
  Result<nlohmann::json> Export(const Scope& scope);

 private:
  Store& store_;
  const Clock& clock_;
  Rng& rng_;
};

}  // namespace cordon
