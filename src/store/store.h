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
#include <string>
#include <vector>

#include "core/identity_types.h"
#include "core/result.h"
#include "core/time.h"

namespace cordon {

// The organisation on whose behalf a query runs.
struct Scope {
  std::string org_id;
};

// A bearer credential: an interactive session or a long-lived API token.
// Only the SHA-256 of the token is stored.
struct Credential {
  std::string id;  // "ses_..." or "tok_..."
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
  std::string id;  // "app_..."
  std::string holder_org_id;      // the right holder organisation that owns it
  std::string filed_with_org_id;  // the customs administration deciding it
  std::string kind;    // "national" | "union"
  std::string status;  // stored status: draft|submitted|granted|rejected|suspended|revoked
  std::optional<Date> valid_until;  // set once granted
  std::string holder_name;          // for listing and search
  Timestamp created_at{};
  Timestamp updated_at{};
  long long version = 1;  // optimistic concurrency: bumped by every update
  std::string body;       // JSON document
};

struct ApplicationFilter {
  std::optional<std::string> status;  // stored status equals
  std::optional<Date> valid_until_before;       // valid_until < this
  std::optional<Date> valid_until_on_or_after;  // valid_until >= this
  std::optional<std::string> holder_org_id;
  std::optional<std::string> filed_with_org_id;
  // Pagination: items ordered by (created_at, id) ascending; `after` is the
  // cursor returned by the previous page (opaque to callers); empty = first page.
  std::string after;
  int limit = 50;  // 1..1000
};

template <typename T>
struct Page {
  std::vector<T> items;
  std::string next_cursor;  // empty when this is the last page
};

// An append-only record of a state change that matters in law. Issue #5 turns
// this into the tamper-evident (RFC 9162) log; the store keeps order by `seq`.
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

  // Appends an event; the store assigns `seq`.
  virtual Result<long long> AppendAuditEvent(const AuditEvent& event) = 0;
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
