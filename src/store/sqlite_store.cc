// The SQLite implementation of Store; see sqlite_store.h for the contract.
//
// Connections: one writer, guarded by a mutex, running each unit of work in
// BEGIN IMMEDIATE so writers queue on the lock up front instead of failing
// on upgrade; and a pool of reader connections (query_only) running deferred
// transactions, which in WAL mode read a consistent snapshot while the writer
// works. A ":memory:" database is private to its connection, so then the
// writer connection also serves reads (under the same mutex).
//
// All SQL here is portable (see migrations.cc); the only SQLite-specific parts
// are connection set-up and the pragmas.
#include "store/sqlite_store.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "store/cursor.h"
#include "store/migrations.h"
#include "store/sqlite_audit.h"
#include "store/sqlite_cases.h"
#include "store/sqlite_db.h"
#include "store/sqlite_exchange.h"
#include "store/sqlite_notices.h"
#include "store/sqlite_stats.h"

namespace cordon {

namespace {

std::string LowerAscii(std::string_view text) {
  std::string lower(text);
  for (char& c : lower) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return lower;
}

// --- Pagination cursor: hex of "created_at|id". Opaque to callers; hex keeps
// it URL-safe without escaping.

using store_internal::EncodeCursor;

struct CursorPosition {
  std::string created_at;  // canonical FormatTimestamp text
  std::string id;
};

Result<CursorPosition> DecodeCursor(const std::string& cursor) {
  CORDON_ASSIGN_OR_RETURN(auto parts, store_internal::DecodeCursor(cursor));
  std::optional<Timestamp> created_at = ParseTimestamp(parts.first);
  if (!created_at.has_value()) {
    return InvalidInput("malformed pagination cursor",
                        {{"cursor", "not a cursor returned by a previous page"}});
  }
  // Canonical text, so the comparison below is exact text order.
  return CursorPosition{FormatTimestamp(*created_at), std::move(parts.second)};
}

// --- Selection queue cursor: hex of "score_micros|id" (the queue's order).

struct SelectionPosition {
  long long score_micros = 0;
  std::string id;
};

std::string EncodeSelectionCursor(long long score_micros, const std::string& id) {
  return EncodeCursor(std::to_string(score_micros), id);
}

Result<SelectionPosition> DecodeSelectionCursor(const std::string& cursor) {
  CORDON_ASSIGN_OR_RETURN(auto parts, store_internal::DecodeCursor(cursor));
  const std::string& score = parts.first;
  if (score.size() > 9 || !std::all_of(score.begin(), score.end(),
                                       [](char c) { return c >= '0' && c <= '9'; })) {
    return InvalidInput("malformed pagination cursor",
                        {{"cursor", "not a cursor returned by a previous page"}});
  }
  SelectionPosition position;
  for (char c : score) position.score_micros = position.score_micros * 10 + (c - '0');
  position.id = std::move(parts.second);
  return position;
}

long long ScoreMicros(double score) {
  return static_cast<long long>(std::llround(std::clamp(score, 0.0, 1.0) * 1e6));
}

// Optimistic concurrency: an update names the version it read. `kind` and
// `id` name the object ("risk profile", "prf_...").
Status CheckVersion(std::string_view kind, const std::string& id, long long stored,
                    long long expected) {
  if (stored == expected) return Status::Ok();
  return Conflict(
      fmt::format("{} {} was changed by someone else (version {}, expected {}); reload and retry",
                  kind, id, stored, expected));
}
// After an UPDATE guarded by the version: no row changed means another writer
// came first.
Status CheckUpdated(SqliteDb& db, std::string_view kind, const std::string& id) {
  if (db.Changes() != 0) return Status::Ok();
  return Conflict(fmt::format("{} {} was changed by someone else; reload and retry", kind, id));
}

// --- Row readers. Column lists and readers are kept side by side.

constexpr const char* kOrganisationColumns =
    "id, name, kind, country, jurisdiction, address, created_at";

Result<Organisation> ReadOrganisation(const Statement& row) {
  Organisation org;
  org.id = row.Text(0);
  org.name = row.Text(1);
  std::string kind = row.Text(2);
  std::optional<OrgKind> parsed_kind = ParseOrgKind(kind);
  if (!parsed_kind.has_value()) {
    return Corrupt(fmt::format("organisation {} has unknown kind \"{}\"", org.id, kind));
  }
  org.kind = *parsed_kind;
  org.country = row.Text(3);
  org.jurisdiction = row.Text(4);
  org.address = row.Text(5);
  CORDON_ASSIGN_OR_RETURN(org.created_at, row.TimestampAt(6));
  return org;
}

constexpr const char* kUserColumns =
    "id, org_id, email, name, role, password_hash, active, created_at";

Result<User> ReadUser(const Statement& row) {
  User user;
  user.id = row.Text(0);
  user.org_id = row.Text(1);
  user.email = row.Text(2);
  user.name = row.Text(3);
  std::string role = row.Text(4);
  std::optional<Role> parsed_role = ParseRole(role);
  if (!parsed_role.has_value()) {
    return Corrupt(fmt::format("user {} has unknown role \"{}\"", user.id, role));
  }
  user.role = *parsed_role;
  user.password_hash = row.Text(5);
  user.active = row.Int(6) != 0;
  CORDON_ASSIGN_OR_RETURN(user.created_at, row.TimestampAt(7));
  return user;
}

constexpr const char* kCredentialColumns =
    "id, token_hash, user_id, org_id, kind, name, created_at, expires_at, revoked_at";

Result<Credential> ReadCredential(const Statement& row) {
  Credential credential;
  credential.id = row.Text(0);
  credential.token_hash = row.Text(1);
  credential.user_id = row.Text(2);
  credential.org_id = row.Text(3);
  credential.kind = row.Text(4);
  credential.name = row.Text(5);
  CORDON_ASSIGN_OR_RETURN(credential.created_at, row.TimestampAt(6));
  CORDON_ASSIGN_OR_RETURN(credential.expires_at, row.OptionalTimestampAt(7));
  CORDON_ASSIGN_OR_RETURN(credential.revoked_at, row.OptionalTimestampAt(8));
  return credential;
}

// Qualified with the alias `a` because application queries join application_access.
constexpr const char* kApplicationColumns =
    "a.id, a.holder_org_id, a.filed_with_org_id, a.kind, a.status, a.valid_until, "
    "a.holder_name, a.created_at, a.updated_at, a.version, a.body";

Result<ApplicationRecord> ReadApplication(const Statement& row) {
  ApplicationRecord record;
  record.id = row.Text(0);
  record.holder_org_id = row.Text(1);
  record.filed_with_org_id = row.Text(2);
  record.kind = row.Text(3);
  record.status = row.Text(4);
  CORDON_ASSIGN_OR_RETURN(record.valid_until, row.OptionalDateAt(5));
  record.holder_name = row.Text(6);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(7));
  CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(8));
  record.version = row.Int(9);
  record.body = row.Text(10);
  return record;
}

constexpr const char* kRiskProfileColumns =
    "id, owner_org_id, owner_user_id, name, active, created_at, updated_at, version, body";

Result<RiskProfileRecord> ReadRiskProfile(const Statement& row) {
  RiskProfileRecord record;
  record.id = row.Text(0);
  record.owner_org_id = row.Text(1);
  record.owner_user_id = row.Text(2);
  record.name = row.Text(3);
  record.active = row.Int(4) != 0;
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(5));
  CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(6));
  record.version = row.Int(7);
  record.body = row.Text(8);
  return record;
}

constexpr const char* kWatchlistColumns =
    "id, owner_org_id, name, country, created_at, updated_at, version, body";

Result<WatchlistEntryRecord> ReadWatchlistEntry(const Statement& row) {
  WatchlistEntryRecord record;
  record.id = row.Text(0);
  record.owner_org_id = row.Text(1);
  record.name = row.Text(2);
  record.country = row.Text(3);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(4));
  CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(5));
  record.version = row.Int(6);
  record.body = row.Text(7);
  return record;
}

constexpr const char* kRunColumns =
    "id, org_id, user_id, source, started_at, finished_at, declarations, screened, errors, "
    "selected";

Result<ScreeningRunRecord> ReadRun(const Statement& row) {
  ScreeningRunRecord run;
  run.id = row.Text(0);
  run.org_id = row.Text(1);
  run.user_id = row.Text(2);
  run.source = row.Text(3);
  CORDON_ASSIGN_OR_RETURN(run.started_at, row.TimestampAt(4));
  CORDON_ASSIGN_OR_RETURN(run.finished_at, row.OptionalTimestampAt(5));
  run.declarations = row.Int(6);
  run.screened = row.Int(7);
  run.errors = row.Int(8);
  run.selected = row.Int(9);
  return run;
}

constexpr const char* kResultColumns =
    "id, org_id, run_id, ordinal, declaration_id, office, score_micros, channel, selected, "
    "status, hits, created_at";

Result<ScreeningResultRecord> ReadResult(const Statement& row) {
  ScreeningResultRecord record;
  record.id = row.Text(0);
  record.org_id = row.Text(1);
  record.run_id = row.Text(2);
  record.ordinal = row.Int(3);
  record.declaration_id = row.Text(4);
  record.office = row.Text(5);
  record.score = static_cast<double>(row.Int(6)) / 1e6;
  record.channel = row.Text(7);
  record.selected = row.Int(8) != 0;
  record.status = row.Text(9);
  record.hits = row.Text(10);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(11));
  return record;
}

constexpr const char* kFindingColumns = "id, org_id, result_id, outcome, notes, user_id, at";

Result<FindingRecord> ReadFinding(const Statement& row) {
  FindingRecord finding;
  finding.id = row.Text(0);
  finding.org_id = row.Text(1);
  finding.result_id = row.Text(2);
  finding.outcome = row.Text(3);
  finding.notes = row.Text(4);
  finding.user_id = row.Text(5);
  CORDON_ASSIGN_OR_RETURN(finding.at, row.TimestampAt(6));
  return finding;
}

// Targeting models: every column but the bytes, which only some reads need.
constexpr const char* kTargetingModelColumns =
    "id, owner_org_id, version, sha256, size, metrics, description, created_by, created_at, "
    "active";

Result<TargetingModelRecord> ReadTargetingModel(const Statement& row) {
  TargetingModelRecord record;
  record.id = row.Text(0);
  record.owner_org_id = row.Text(1);
  record.version = row.Int(2);
  record.sha256 = row.Text(3);
  record.size = row.Int(4);
  record.metrics = row.Text(5);
  record.description = row.Text(6);
  record.created_by = row.Text(7);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(8));
  record.active = row.Int(9) != 0;
  return record;
}

// The same columns plus the bytes (column 10).
Result<TargetingModelRecord> ReadTargetingModelWithBytes(const Statement& row) {
  CORDON_ASSIGN_OR_RETURN(TargetingModelRecord record, ReadTargetingModel(row));
  record.bytes = row.Blob(10);
  return record;
}

Result<ModelActivationRecord> ReadModelActivation(const Statement& row) {
  ModelActivationRecord record;
  record.org_id = row.Text(0);
  record.seq = row.Int(1);
  record.model_id = row.Text(2);
  record.previous_model_id = row.Text(3);
  record.action = row.Text(4);
  record.user_id = row.Text(5);
  CORDON_ASSIGN_OR_RETURN(record.at, row.TimestampAt(6));
  return record;
}

// One unit of work on one connection. Used as a ReadTx for Read() (on a
// query_only connection, so a cast to WriteTx could not write either) and as a
// WriteTx for Write().
class SqliteTx final : public WriteTx {
 public:
  explicit SqliteTx(SqliteDb& db) : db_(db) {}

  // --- organisations

  Result<Organisation> GetOrganisation(const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM organisations WHERE id = ?", kOrganisationColumns),
                    "reading organisation"));
    query.Bind(1, id);
    CORDON_ASSIGN_OR_RETURN(Organisation org,
                            ReadOne<Organisation>(query, ReadOrganisation,
                                                  fmt::format("organisation {} not found", id)));
    CORDON_RETURN_IF_ERROR(LoadOffices(org));
    return org;
  }

  Result<Organisation> FindOrganisationByName(const std::string& name) override {
    CORDON_ASSIGN_OR_RETURN(Statement query,
                            db_.Prepare(fmt::format("SELECT {} FROM organisations WHERE name = ?",
                                                    kOrganisationColumns),
                                        "finding organisation by name"));
    query.Bind(1, name);
    CORDON_ASSIGN_OR_RETURN(
        Organisation org,
        ReadOne<Organisation>(query, ReadOrganisation,
                              fmt::format("organisation named \"{}\" not found", name)));
    CORDON_RETURN_IF_ERROR(LoadOffices(org));
    return org;
  }

  Result<std::vector<Organisation>> FindCustomsByCountry(const std::string& country) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM organisations WHERE kind = ? AND country = ? "
                                "ORDER BY name",
                                kOrganisationColumns),
                    "finding customs administrations by country"));
    query.Bind(1, OrgKindName(OrgKind::kCustoms)).Bind(2, country);
    CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> orgs,
                            ReadAll<Organisation>(query, ReadOrganisation));
    for (Organisation& org : orgs) CORDON_RETURN_IF_ERROR(LoadOffices(org));
    return orgs;
  }

  Result<std::vector<Organisation>> ListOrganisations() override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM organisations ORDER BY name", kOrganisationColumns),
                    "listing organisations"));
    CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> orgs,
                            ReadAll<Organisation>(query, ReadOrganisation));
    // One query for all offices rather than one per organisation.
    CORDON_ASSIGN_OR_RETURN(
        Statement offices,
        db_.Prepare("SELECT org_id, locode FROM organisation_offices ORDER BY org_id, ordinal",
                    "listing organisation offices"));
    std::map<std::string, std::vector<std::string>> by_org;
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool has_row, offices.Step());
      if (!has_row) break;
      by_org[offices.Text(0)].push_back(offices.Text(1));
    }
    for (Organisation& org : orgs) {
      auto found = by_org.find(org.id);
      if (found != by_org.end()) org.offices = std::move(found->second);
    }
    return orgs;
  }

  // --- users

  Result<User> FindUserByEmail(const std::string& email) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM users WHERE email = ?", kUserColumns),
                    "finding user by e-mail"));
    std::string lower = LowerAscii(email);
    query.Bind(1, lower);
    return ReadOne<User>(query, ReadUser, fmt::format("no user with e-mail {}", lower));
  }

  Result<User> GetUser(const Scope& scope, const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM users WHERE id = ? AND org_id = ?", kUserColumns),
                    "reading user"));
    query.Bind(1, id).Bind(2, scope.org_id);
    return ReadOne<User>(query, ReadUser, fmt::format("user {} not found", id));
  }

  Result<std::vector<User>> ListUsers(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM users WHERE org_id = ? ORDER BY created_at, id",
                                kUserColumns),
                    "listing users"));
    query.Bind(1, scope.org_id);
    return ReadAll<User>(query, ReadUser);
  }

  // --- credentials

  Result<Credential> FindCredentialByHash(const std::string& token_hash) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query, db_.Prepare(fmt::format("SELECT {} FROM credentials WHERE token_hash = ?",
                                                 kCredentialColumns),
                                     "finding credential"));
    query.Bind(1, token_hash);
    // The hash is a secret's fingerprint: keep it out of messages and logs.
    return ReadOne<Credential>(query, ReadCredential, "credential not found");
  }

  Result<std::vector<Credential>> ListApiTokens(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM credentials WHERE org_id = ? AND kind = ? "
                                "ORDER BY created_at, id",
                                kCredentialColumns),
                    "listing API tokens"));
    query.Bind(1, scope.org_id).Bind(2, "api_token");
    return ReadAll<Credential>(query, ReadCredential);
  }

  // --- login throttling

  Result<int> CountLoginFailures(const std::string& email, Timestamp since) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT COUNT(*) FROM login_failures WHERE email = ? AND at >= ?",
                    "counting login failures"));
    query.Bind(1, LowerAscii(email)).Bind(2, since);
    CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
    return has_row ? static_cast<int>(query.Int(0)) : 0;
  }

  // --- applications

  Result<ApplicationRecord> GetApplication(const Scope& scope, const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM applications a "
                                "JOIN application_access x ON x.application_id = a.id "
                                "WHERE a.id = ? AND x.org_id = ?",
                                kApplicationColumns),
                    "reading application"));
    query.Bind(1, id).Bind(2, scope.org_id);
    return ReadOne<ApplicationRecord>(query, ReadApplication,
                                      fmt::format("application {} not found", id));
  }

  Result<Page<ApplicationRecord>> ListApplications(const Scope& scope,
                                                   const ApplicationFilter& filter) override {
    if (filter.limit < 1 || filter.limit > 1000) {
      return InvalidInput(fmt::format("limit {} is outside 1..1000", filter.limit),
                          {{"limit", "must be between 1 and 1000"}});
    }
    std::optional<CursorPosition> after;
    if (!filter.after.empty()) {
      CORDON_ASSIGN_OR_RETURN(after, DecodeCursor(filter.after));
    }
    // Parameters are bound in the order the clauses are appended.
    std::string sql = fmt::format(
        "SELECT {} FROM applications a "
        "JOIN application_access x ON x.application_id = a.id AND x.org_id = ? WHERE 1 = 1",
        kApplicationColumns);
    if (filter.status.has_value()) sql += " AND a.status = ?";
    if (filter.valid_until_before.has_value()) sql += " AND a.valid_until < ?";
    if (filter.valid_until_on_or_after.has_value()) sql += " AND a.valid_until >= ?";
    if (filter.holder_org_id.has_value()) sql += " AND a.holder_org_id = ?";
    if (filter.filed_with_org_id.has_value()) sql += " AND a.filed_with_org_id = ?";
    if (after.has_value()) {
      sql += filter.newest_first ? " AND (a.created_at < ? OR (a.created_at = ? AND a.id < ?))"
                                 : " AND (a.created_at > ? OR (a.created_at = ? AND a.id > ?))";
    }
    sql += filter.newest_first ? " ORDER BY a.created_at DESC, a.id DESC LIMIT ?"
                               : " ORDER BY a.created_at, a.id LIMIT ?";

    CORDON_ASSIGN_OR_RETURN(Statement query, db_.Prepare(sql, "listing applications"));
    int index = 1;
    query.Bind(index++, scope.org_id);
    if (filter.status.has_value()) query.Bind(index++, *filter.status);
    if (filter.valid_until_before.has_value()) query.Bind(index++, *filter.valid_until_before);
    if (filter.valid_until_on_or_after.has_value()) {
      query.Bind(index++, *filter.valid_until_on_or_after);
    }
    if (filter.holder_org_id.has_value()) query.Bind(index++, *filter.holder_org_id);
    if (filter.filed_with_org_id.has_value()) query.Bind(index++, *filter.filed_with_org_id);
    if (after.has_value()) {
      query.Bind(index++, after->created_at);
      query.Bind(index++, after->created_at);
      query.Bind(index++, after->id);
    }
    // One row more than asked tells whether another page follows.
    query.Bind(index++, filter.limit + 1);

    CORDON_ASSIGN_OR_RETURN(std::vector<ApplicationRecord> rows,
                            ReadAll<ApplicationRecord>(query, ReadApplication));
    Page<ApplicationRecord> page;
    if (rows.size() > static_cast<size_t>(filter.limit)) {
      rows.resize(static_cast<size_t>(filter.limit));
      const ApplicationRecord& last = rows.back();
      page.next_cursor = EncodeCursor(FormatTimestamp(last.created_at), last.id);
    }
    page.items = std::move(rows);
    return page;
  }

  // --- audit

  Result<std::vector<AuditEvent>> ListAuditEvents(const Scope& scope,
                                                  const std::string& object_id) override {
    std::string sql =
        fmt::format("SELECT {} FROM audit_events WHERE org_id = ?", kAuditEventColumns);
    if (!object_id.empty()) sql += " AND object_id = ?";
    sql += " ORDER BY seq";
    CORDON_ASSIGN_OR_RETURN(Statement query, db_.Prepare(sql, "listing audit events"));
    query.Bind(1, scope.org_id);
    if (!object_id.empty()) query.Bind(2, object_id);
    return ReadAll<AuditEvent>(query, ReadAuditEventRow);
  }

  Result<const AuditStorage*> AuditTree() override {
    CORDON_ASSIGN_OR_RETURN(SqliteAuditTree * tree, MutableAuditTree());
    return tree;
  }

  Result<std::vector<AuditLeafRecord>> ListAuditLeaves(uint64_t start, uint64_t end) override {
    CORDON_ASSIGN_OR_RETURN(SqliteAuditTree * tree, MutableAuditTree());
    end = std::min(end, tree->LeafCount());
    std::vector<AuditLeafRecord> leaves;
    if (start >= end) return leaves;
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT idx, entry, leaf_hash FROM audit_leaves WHERE idx >= ? AND idx < ? "
                    "ORDER BY idx",
                    "reading audit entries"));
    query.Bind(1, static_cast<long long>(start)).Bind(2, static_cast<long long>(end));
    leaves.reserve(end - start);
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
      if (!has_row) break;
      AuditLeafRecord leaf;
      leaf.index = static_cast<uint64_t>(query.Int(0));
      leaf.entry = query.Text(1);
      CORDON_ASSIGN_OR_RETURN(
          leaf.leaf_hash,
          HashFromBlob(query.Blob(2),
                       fmt::format("the stored leaf hash of audit entry {}", leaf.index)));
      leaves.push_back(std::move(leaf));
    }
    return leaves;
  }

  Result<std::vector<AuditEvent>> ListAllAuditEvents(long long after_seq, int limit) override {
    return ReadAuditEventsAfter(db_, after_seq, std::clamp(limit, 1, 10000));
  }

  Result<long long> CountAuditEvents() override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query, db_.Prepare("SELECT COUNT(*) FROM audit_events", "counting audit events"));
    CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
    return has_row ? query.Int(0) : 0;
  }

  Result<std::vector<AuditCheckpointRecord>> ListAuditCheckpoints() override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT tree_size, root_hash, signed_note, created_at FROM audit_checkpoints "
                    "ORDER BY tree_size",
                    "reading audit checkpoints"));
    std::vector<AuditCheckpointRecord> checkpoints;
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
      if (!has_row) return checkpoints;
      AuditCheckpointRecord checkpoint;
      checkpoint.tree_size = static_cast<uint64_t>(query.Int(0));
      CORDON_ASSIGN_OR_RETURN(
          checkpoint.root_hash,
          HashFromBlob(query.Blob(1), fmt::format("the stored root hash of the checkpoint at tree "
                                                  "size {}",
                                                  checkpoint.tree_size)));
      checkpoint.signed_note = query.Text(2);
      CORDON_ASSIGN_OR_RETURN(checkpoint.created_at, query.TimestampAt(3));
      checkpoints.push_back(std::move(checkpoint));
    }
  }

  // --- risk screening (reads)

  Result<ScreeningInputsVersion> GetScreeningInputsVersion(const Scope& scope) override {
    ScreeningInputsVersion version;
    // Kept by GrantAccess, RevokeAccess and UpdateApplication (migration 14):
    // one row, where counting the visible applications took a scan of them.
    CORDON_ASSIGN_OR_RETURN(
        Statement applications,
        db_.Prepare("SELECT application_count, version_sum FROM screening_application_versions "
                    "WHERE org_id = ?",
                    "reading the screening inputs version"));
    applications.Bind(1, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, applications.Step());
    if (has_row) {
      version.application_count = applications.Int(0);
      version.application_version_sum = applications.Int(1);
    }
    CORDON_ASSIGN_OR_RETURN(
        Statement rules,
        db_.Prepare("SELECT generation FROM screening_rule_generations WHERE org_id = ?",
                    "reading the screening inputs version"));
    rules.Bind(1, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(has_row, rules.Step());
    if (has_row) version.rules_generation = rules.Int(0);
    CORDON_ASSIGN_OR_RETURN(
        Statement model,
        db_.Prepare("SELECT id FROM targeting_models WHERE owner_org_id = ? AND active = 1",
                    "reading the screening inputs version"));
    model.Bind(1, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(has_row, model.Step());
    if (has_row) version.active_model_id = model.Text(0);
    return version;
  }

  Result<RiskProfileRecord> GetRiskProfile(const Scope& scope, const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM risk_profiles WHERE id = ? AND owner_org_id = ?",
                                kRiskProfileColumns),
                    "reading risk profile"));
    query.Bind(1, id).Bind(2, scope.org_id);
    return ReadOne<RiskProfileRecord>(query, ReadRiskProfile,
                                      fmt::format("risk profile {} not found", id));
  }

  Result<std::vector<RiskProfileRecord>> ListRiskProfiles(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM risk_profiles WHERE owner_org_id = ? "
                                "ORDER BY created_at, id",
                                kRiskProfileColumns),
                    "listing risk profiles"));
    query.Bind(1, scope.org_id);
    return ReadAll<RiskProfileRecord>(query, ReadRiskProfile);
  }

  Result<WatchlistEntryRecord> GetWatchlistEntry(const Scope& scope,
                                                 const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM watchlist_entries WHERE id = ? AND "
                                "owner_org_id = ?",
                                kWatchlistColumns),
                    "reading watchlist entry"));
    query.Bind(1, id).Bind(2, scope.org_id);
    return ReadOne<WatchlistEntryRecord>(query, ReadWatchlistEntry,
                                         fmt::format("watchlist entry {} not found", id));
  }

  Result<std::vector<WatchlistEntryRecord>> ListWatchlistEntries(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM watchlist_entries WHERE owner_org_id = ? "
                                "ORDER BY created_at, id",
                                kWatchlistColumns),
                    "listing watchlist entries"));
    query.Bind(1, scope.org_id);
    return ReadAll<WatchlistEntryRecord>(query, ReadWatchlistEntry);
  }

  Result<ReferencePriceListRecord> GetReferencePriceList(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT org_id, updated_by, updated_at, version, body FROM "
                    "reference_price_lists WHERE org_id = ?",
                    "reading reference prices"));
    query.Bind(1, scope.org_id);
    return ReadOne<ReferencePriceListRecord>(
        query,
        [](const Statement& row) -> Result<ReferencePriceListRecord> {
          ReferencePriceListRecord record;
          record.org_id = row.Text(0);
          record.updated_by = row.Text(1);
          CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(2));
          record.version = row.Int(3);
          record.body = row.Text(4);
          return record;
        },
        "no reference prices set");
  }

  Result<ScreeningRunRecord> GetScreeningRun(const Scope& scope, const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(
            fmt::format("SELECT {} FROM screening_runs WHERE id = ? AND org_id = ?", kRunColumns),
            "reading screening run"));
    query.Bind(1, id).Bind(2, scope.org_id);
    return ReadOne<ScreeningRunRecord>(query, ReadRun,
                                       fmt::format("screening run {} not found", id));
  }

  Result<ScreeningResultRecord> GetScreeningResult(const Scope& scope,
                                                   const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM screening_results WHERE id = ? AND org_id = ?",
                                kResultColumns),
                    "reading screening result"));
    query.Bind(1, id).Bind(2, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(ScreeningResultRecord record,
                            ReadOne<ScreeningResultRecord>(
                                query, ReadResult, fmt::format("selection {} not found", id)));
    CORDON_RETURN_IF_ERROR(LoadProfileIds(scope, record));
    return record;
  }

  Result<Page<ScreeningResultRecord>> ListSelections(const Scope& scope,
                                                     const SelectionFilter& filter) override {
    if (filter.limit < 1 || filter.limit > 1000) {
      return InvalidInput(fmt::format("limit {} is outside 1..1000", filter.limit),
                          {{"limit", "must be between 1 and 1000"}});
    }
    std::optional<SelectionPosition> after;
    if (!filter.after.empty()) {
      CORDON_ASSIGN_OR_RETURN(after, DecodeSelectionCursor(filter.after));
    }
    // Parameters are bound in the order the clauses are appended.
    std::string sql = fmt::format(
        "SELECT {} FROM screening_results WHERE org_id = ? AND selected = 1", kResultColumns);
    if (filter.office.has_value()) sql += " AND office = ?";
    if (filter.status.has_value()) sql += " AND status = ?";
    if (after.has_value()) {
      sql += " AND (score_micros < ? OR (score_micros = ? AND id > ?))";
    }
    sql += " ORDER BY score_micros DESC, id LIMIT ?";
    CORDON_ASSIGN_OR_RETURN(Statement query, db_.Prepare(sql, "listing selections"));
    int index = 1;
    query.Bind(index++, scope.org_id);
    if (filter.office.has_value()) query.Bind(index++, *filter.office);
    if (filter.status.has_value()) query.Bind(index++, *filter.status);
    if (after.has_value()) {
      query.Bind(index++, after->score_micros);
      query.Bind(index++, after->score_micros);
      query.Bind(index++, after->id);
    }
    // One row more than asked tells whether another page follows.
    query.Bind(index++, filter.limit + 1);
    CORDON_ASSIGN_OR_RETURN(std::vector<ScreeningResultRecord> rows,
                            ReadAll<ScreeningResultRecord>(query, ReadResult));
    for (ScreeningResultRecord& row : rows) CORDON_RETURN_IF_ERROR(LoadProfileIds(scope, row));
    Page<ScreeningResultRecord> page;
    if (rows.size() > static_cast<size_t>(filter.limit)) {
      rows.resize(static_cast<size_t>(filter.limit));
      const ScreeningResultRecord& last = rows.back();
      page.next_cursor = EncodeSelectionCursor(ScoreMicros(last.score), last.id);
    }
    page.items = std::move(rows);
    return page;
  }

  Result<FindingRecord> GetFinding(const Scope& scope, const std::string& result_id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM findings WHERE result_id = ? AND org_id = ?",
                                kFindingColumns),
                    "reading finding"));
    query.Bind(1, result_id).Bind(2, scope.org_id);
    return ReadOne<FindingRecord>(query, ReadFinding,
                                  fmt::format("no finding recorded for selection {}", result_id));
  }

  Result<ProfileHitCount> CountProfileHits(const Scope& scope,
                                           const std::string& profile_id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT COUNT(*), COALESCE(SUM(r.selected), 0) FROM profile_hits h "
                    "JOIN screening_results r ON r.id = h.result_id "
                    "WHERE h.org_id = ? AND h.profile_id = ? AND r.org_id = ?",
                    "counting profile hits"));
    query.BindAll(scope.org_id, profile_id, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
    ProfileHitCount count;
    if (has_row) {
      count.hits = query.Int(0);
      count.selected = query.Int(1);
    }
    return count;
  }

  // --- targeting models (reads)

  Result<TargetingModelRecord> GetTargetingModel(const Scope& scope, const std::string& id,
                                                 bool with_bytes) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {}{} FROM targeting_models WHERE id = ? AND "
                                "owner_org_id = ?",
                                kTargetingModelColumns, with_bytes ? ", bytes" : ""),
                    "reading targeting model"));
    query.Bind(1, id).Bind(2, scope.org_id);
    return ReadOne<TargetingModelRecord>(
        query, with_bytes ? ReadTargetingModelWithBytes : ReadTargetingModel,
        fmt::format("model {} not found", id));
  }

  Result<std::vector<TargetingModelRecord>> ListTargetingModels(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM targeting_models WHERE owner_org_id = ? "
                                "ORDER BY version DESC",
                                kTargetingModelColumns),
                    "listing targeting models"));
    query.Bind(1, scope.org_id);
    return ReadAll<TargetingModelRecord>(query, ReadTargetingModel);
  }

  Result<TargetingModelRecord> GetActiveTargetingModel(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {}, bytes FROM targeting_models WHERE owner_org_id = ? "
                                "AND active = 1",
                                kTargetingModelColumns),
                    "reading the active targeting model"));
    query.Bind(1, scope.org_id);
    return ReadOne<TargetingModelRecord>(query, ReadTargetingModelWithBytes,
                                         "no targeting model is active");
  }

  Result<std::vector<ModelActivationRecord>> ListModelActivations(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT org_id, seq, model_id, COALESCE(previous_model_id, ''), action, "
                    "user_id, at FROM targeting_model_activations WHERE org_id = ? ORDER BY seq",
                    "listing model activations"));
    query.Bind(1, scope.org_id);
    return ReadAll<ModelActivationRecord>(query, ReadModelActivation);
  }

  Result<std::vector<LabelledScreening>> ListLabelledScreenings(const Scope& scope) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT r.id, r.declaration_id, i.inputs, f.outcome, r.created_at "
                    "FROM screening_results r "
                    "JOIN findings f ON f.result_id = r.id AND f.org_id = r.org_id "
                    "JOIN screening_model_inputs i ON i.result_id = r.id AND i.org_id = r.org_id "
                    "WHERE r.org_id = ? ORDER BY r.created_at, r.id",
                    "listing labelled screenings"));
    query.Bind(1, scope.org_id);
    return ReadAll<LabelledScreening>(
        query, [](const Statement& row) -> Result<LabelledScreening> {
          LabelledScreening item;
          item.result_id = row.Text(0);
          item.declaration_id = row.Text(1);
          item.inputs = row.Text(2);
          item.outcome = row.Text(3);
          CORDON_ASSIGN_OR_RETURN(item.created_at, row.TimestampAt(4));
          return item;
        });
  }

  Result<std::vector<ScreenedDeclaration>> ListRecentScreenedDeclarations(const Scope& scope,
                                                                         int limit) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT r.id, r.org_id, r.run_id, r.ordinal, r.declaration_id, r.office, "
                    "r.score_micros, r.channel, r.selected, r.status, r.hits, r.created_at, d.body "
                    "FROM screened_declarations d JOIN screening_results r "
                    "ON r.id = d.result_id AND r.org_id = d.org_id "
                    "WHERE d.org_id = ? ORDER BY d.rowid DESC LIMIT ?",
                    "listing recent screened declarations"));
    query.Bind(1, scope.org_id).Bind(2, static_cast<long long>(std::max(0, limit)));
    return ReadAll<ScreenedDeclaration>(query, [](const Statement& row) -> Result<ScreenedDeclaration> {
      ScreenedDeclaration item;
      CORDON_ASSIGN_OR_RETURN(item.result, ReadResult(row));
      item.body = row.Text(12);
      return item;
    });
  }

  static constexpr const char* kPhotoColumns =
      "id, application_id, sha256, media_type, size, filename, description, user_id, created_at";

  static Result<ApplicationPhotoRecord> ReadPhoto(const Statement& row) {
    ApplicationPhotoRecord photo;
    photo.id = row.Text(0);
    photo.application_id = row.Text(1);
    photo.sha256 = row.Text(2);
    photo.media_type = row.Text(3);
    photo.size = row.Int(4);
    photo.filename = row.Text(5);
    photo.description = row.Text(6);
    photo.user_id = row.Text(7);
    CORDON_ASSIGN_OR_RETURN(photo.created_at, row.TimestampAt(8));
    return photo;
  }

  Result<std::vector<ApplicationPhotoRecord>> ListApplicationPhotos(
      const std::string& application_id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare(fmt::format("SELECT {} FROM application_photos WHERE application_id = ? "
                                "ORDER BY created_at, id",
                                kPhotoColumns),
                    "listing application photos"));
    query.Bind(1, application_id);
    return ReadAll<ApplicationPhotoRecord>(query, ReadPhoto);
  }

  Result<std::string> GetApplicationPhotoContent(const std::string& application_id,
                                                 const std::string& photo_id,
                                                 ApplicationPhotoRecord* record) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT p.id, p.application_id, p.sha256, p.media_type, p.size, p.filename, "
                    "p.description, p.user_id, p.created_at, b.content FROM application_photos p "
                    "JOIN evidence_blobs b ON b.sha256 = p.sha256 "
                    "WHERE p.id = ? AND p.application_id = ?",
                    "reading an application photo"));
    query.Bind(1, photo_id).Bind(2, application_id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
    if (!has_row) return NotFound(fmt::format("photo {} not found", photo_id));
    if (record != nullptr) {
      CORDON_ASSIGN_OR_RETURN(*record, ReadPhoto(query));
    }
    return query.Blob(9);
  }

  // --- writes

  Status InsertOrganisation(const Organisation& org) override {
    std::string what = fmt::format("inserting organisation {} (\"{}\")", org.id, org.name);
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO organisations (id, name, kind, country, jurisdiction, address, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    what));
    insert.BindAll(org.id, org.name, OrgKindName(org.kind), org.country, org.jurisdiction,
                   org.address, org.created_at);
    CORDON_RETURN_IF_ERROR(insert.Run());
    for (size_t ordinal = 0; ordinal < org.offices.size(); ++ordinal) {
      CORDON_ASSIGN_OR_RETURN(
          Statement office,
          db_.Prepare("INSERT INTO organisation_offices (org_id, ordinal, locode) VALUES (?, ?, ?)",
                      what));
      office.BindAll(org.id, static_cast<long long>(ordinal), org.offices[ordinal]);
      CORDON_RETURN_IF_ERROR(office.Run());
    }
    return Status::Ok();
  }

  Status InsertUser(const User& user) override {
    std::string email = LowerAscii(user.email);
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO users (id, org_id, email, name, role, password_hash, active, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("inserting user {} <{}>", user.id, email)));
    insert.BindAll(user.id, user.org_id, email, user.name, RoleName(user.role), user.password_hash,
                   user.active ? 1 : 0, user.created_at);
    return insert.Run();
  }

  Status InsertCredential(const Credential& credential) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO credentials (id, token_hash, user_id, org_id, kind, name, "
                    "created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("inserting credential {}", credential.id)));
    insert.BindAll(credential.id, credential.token_hash, credential.user_id, credential.org_id,
                   credential.kind, credential.name, credential.created_at, credential.expires_at,
                   credential.revoked_at);
    return insert.Run();
  }

  Status RevokeCredential(const Scope& scope, const std::string& credential_id,
                          Timestamp at) override {
    // COALESCE keeps the first revocation time when revoked twice.
    CORDON_ASSIGN_OR_RETURN(
        Statement update, db_.Prepare("UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?) "
                                      "WHERE id = ? AND org_id = ?",
                                      fmt::format("revoking credential {}", credential_id)));
    update.BindAll(at, credential_id, scope.org_id);
    CORDON_RETURN_IF_ERROR(update.Run());
    if (db_.Changes() == 0) return NotFound(fmt::format("credential {} not found", credential_id));
    return Status::Ok();
  }

  Status RecordLoginFailure(const std::string& email, Timestamp at) override {
    CORDON_ASSIGN_OR_RETURN(Statement insert,
                            db_.Prepare("INSERT INTO login_failures (email, at) VALUES (?, ?)",
                                        "recording login failure"));
    insert.Bind(1, LowerAscii(email)).Bind(2, at);
    return insert.Run();
  }

  Status ClearLoginFailures(const std::string& email) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement remove,
        db_.Prepare("DELETE FROM login_failures WHERE email = ?", "clearing login failures"));
    remove.Bind(1, LowerAscii(email));
    return remove.Run();
  }

  Status InsertApplication(const ApplicationRecord& record,
                           const std::vector<std::string>& visible_to) override {
    std::string what = fmt::format("inserting application {}", record.id);
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO applications (id, holder_org_id, filed_with_org_id, kind, "
                    "status, valid_until, holder_name, created_at, updated_at, version, body) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    what));
    insert.BindAll(record.id, record.holder_org_id, record.filed_with_org_id, record.kind,
                   record.status, record.valid_until, record.holder_name, record.created_at,
                   record.updated_at, record.version, record.body);
    CORDON_RETURN_IF_ERROR(insert.Run());
    // The holder and the administration filed with always see their own
    // application, whatever the caller passed.
    std::set<std::string> orgs(visible_to.begin(), visible_to.end());
    orgs.insert(record.holder_org_id);
    orgs.insert(record.filed_with_org_id);
    for (const std::string& org_id : orgs) CORDON_RETURN_IF_ERROR(GrantAccess(record.id, org_id));
    return Status::Ok();
  }

  Status UpdateApplication(const Scope& scope, const ApplicationRecord& record) override {
    std::string what = fmt::format("updating application {}", record.id);
    // Read first (scoped) to tell "not visible" from "changed by someone else".
    CORDON_ASSIGN_OR_RETURN(ApplicationRecord stored, GetApplication(scope, record.id));
    CORDON_RETURN_IF_ERROR(CheckVersion("application", record.id, stored.version, record.version));
    // The version guard stays in the UPDATE so the statement is correct on its
    // own even where writers are not serialised (PostgreSQL).
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db_.Prepare("UPDATE applications SET holder_org_id = ?, filed_with_org_id = ?, kind = ?, "
                    "status = ?, valid_until = ?, holder_name = ?, updated_at = ?, body = ?, "
                    "version = ? WHERE id = ? AND version = ?",
                    what));
    update.BindAll(record.holder_org_id, record.filed_with_org_id, record.kind, record.status,
                   record.valid_until, record.holder_name, record.updated_at, record.body,
                   record.version + 1, record.id, record.version);
    CORDON_RETURN_IF_ERROR(update.Run());
    CORDON_RETURN_IF_ERROR(CheckUpdated(db_, "application", record.id));
    // Every organisation that sees it sees its version go up by one.
    CORDON_ASSIGN_OR_RETURN(
        Statement counted,
        db_.Prepare("UPDATE screening_application_versions SET version_sum = version_sum + 1 "
                    "WHERE org_id IN (SELECT org_id FROM application_access WHERE "
                    "application_id = ?)",
                    what));
    counted.Bind(1, record.id);
    CORDON_RETURN_IF_ERROR(counted.Run());
    // Access follows the holder and the administration filed with (e.g. a
    // draft re-addressed to another administration): the old party loses it
    // unless it is still one of them; union members keep theirs.
    const std::set<std::string> now_parties = {record.holder_org_id, record.filed_with_org_id};
    for (const std::string& old_party : {stored.holder_org_id, stored.filed_with_org_id}) {
      if (now_parties.count(old_party) == 0) {
        CORDON_RETURN_IF_ERROR(RevokeAccess(record.id, old_party));
      }
    }
    for (const std::string& party : now_parties) {
      CORDON_RETURN_IF_ERROR(GrantAccess(record.id, party));
    }
    return Status::Ok();
  }

  Result<long long> AppendAuditEvent(const AuditEvent& event) override {
    // Writers are serialised, so max + 1 is race-free here and keeps seq dense
    // (no gaps), which the Merkle log of issue #5 wants.
    CORDON_ASSIGN_OR_RETURN(Statement next,
                            db_.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM audit_events",
                                        "assigning audit sequence number"));
    CORDON_ASSIGN_OR_RETURN(bool has_row, next.Step());
    long long seq = has_row ? next.Int(0) : 1;
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO audit_events (seq, at, org_id, user_id, action, object_type, "
                    "object_id, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("appending audit event {}", event.action)));
    insert.BindAll(seq, event.at, event.org_id, event.user_id, event.action, event.object_type,
                   event.object_id, event.detail);
    CORDON_RETURN_IF_ERROR(insert.Run());
    AuditEvent stored = event;
    stored.seq = seq;
    CORDON_ASSIGN_OR_RETURN(SqliteAuditTree * tree, MutableAuditTree());
    CORDON_RETURN_IF_ERROR(tree->AppendEvent(stored));
    return seq;
  }

  Status InsertAuditCheckpoint(const AuditCheckpointRecord& checkpoint) override {
    CORDON_ASSIGN_OR_RETURN(SqliteAuditTree * tree, MutableAuditTree());
    if (checkpoint.tree_size > tree->LeafCount()) {
      return InvalidInput(fmt::format("a checkpoint of tree size {} exceeds the log's {} entries",
                                      checkpoint.tree_size, tree->LeafCount()));
    }
    const std::string what =
        fmt::format("keeping the audit checkpoint at tree size {}", checkpoint.tree_size);
    CORDON_ASSIGN_OR_RETURN(
        Statement exists,
        db_.Prepare("SELECT COUNT(*) FROM audit_checkpoints WHERE tree_size = ?", what));
    exists.Bind(1, static_cast<long long>(checkpoint.tree_size));
    CORDON_ASSIGN_OR_RETURN(bool has_row, exists.Step());
    if (has_row && exists.Int(0) > 0) return Status::Ok();
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO audit_checkpoints (tree_size, root_hash, signed_note, created_at) "
                    "VALUES (?, ?, ?, ?)",
                    what));
    insert.Bind(1, static_cast<long long>(checkpoint.tree_size))
        .BindBlob(2, HashBytes(checkpoint.root_hash))
        .Bind(3, checkpoint.signed_note)
        .Bind(4, checkpoint.created_at);
    return insert.Run();
  }

  // --- risk screening (writes)

  Status InsertRiskProfile(const RiskProfileRecord& record) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO risk_profiles (id, owner_org_id, owner_user_id, name, active, "
                    "created_at, updated_at, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("inserting risk profile {}", record.id)));
    insert.BindAll(record.id, record.owner_org_id, record.owner_user_id, record.name,
                   record.active ? 1 : 0, record.created_at, record.updated_at, record.version,
                   record.body);
    CORDON_RETURN_IF_ERROR(insert.Run());
    return BumpRulesGeneration(record.owner_org_id);
  }

  Status UpdateRiskProfile(const Scope& scope, const RiskProfileRecord& record) override {
    CORDON_ASSIGN_OR_RETURN(RiskProfileRecord stored, GetRiskProfile(scope, record.id));
    CORDON_RETURN_IF_ERROR(CheckVersion("risk profile", record.id, stored.version, record.version));
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db_.Prepare("UPDATE risk_profiles SET name = ?, active = ?, updated_at = ?, body = ?, "
                    "version = ? WHERE id = ? AND owner_org_id = ? AND version = ?",
                    fmt::format("updating risk profile {}", record.id)));
    update.BindAll(record.name, record.active ? 1 : 0, record.updated_at, record.body,
                   record.version + 1, record.id, scope.org_id, record.version);
    CORDON_RETURN_IF_ERROR(update.Run());
    CORDON_RETURN_IF_ERROR(CheckUpdated(db_, "risk profile", record.id));
    return BumpRulesGeneration(scope.org_id);
  }

  Status DeleteRiskProfile(const Scope& scope, const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement remove, db_.Prepare("DELETE FROM risk_profiles WHERE id = ? AND owner_org_id = ?",
                                      fmt::format("deleting risk profile {}", id)));
    remove.Bind(1, id).Bind(2, scope.org_id);
    CORDON_RETURN_IF_ERROR(remove.Run());
    if (db_.Changes() == 0) return NotFound(fmt::format("risk profile {} not found", id));
    return BumpRulesGeneration(scope.org_id);
  }

  Status InsertWatchlistEntry(const WatchlistEntryRecord& record) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO watchlist_entries (id, owner_org_id, name, country, created_at, "
                    "updated_at, version, body) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("inserting watchlist entry {}", record.id)));
    insert.BindAll(record.id, record.owner_org_id, record.name, record.country, record.created_at,
                   record.updated_at, record.version, record.body);
    CORDON_RETURN_IF_ERROR(insert.Run());
    return BumpRulesGeneration(record.owner_org_id);
  }

  Status UpdateWatchlistEntry(const Scope& scope, const WatchlistEntryRecord& record) override {
    CORDON_ASSIGN_OR_RETURN(WatchlistEntryRecord stored, GetWatchlistEntry(scope, record.id));
    CORDON_RETURN_IF_ERROR(
        CheckVersion("watchlist entry", record.id, stored.version, record.version));
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db_.Prepare("UPDATE watchlist_entries SET name = ?, country = ?, updated_at = ?, "
                    "body = ?, version = ? WHERE id = ? AND owner_org_id = ? AND version = ?",
                    fmt::format("updating watchlist entry {}", record.id)));
    update.BindAll(record.name, record.country, record.updated_at, record.body, record.version + 1,
                   record.id, scope.org_id, record.version);
    CORDON_RETURN_IF_ERROR(update.Run());
    CORDON_RETURN_IF_ERROR(CheckUpdated(db_, "watchlist entry", record.id));
    return BumpRulesGeneration(scope.org_id);
  }

  Status PutReferencePriceList(const ReferencePriceListRecord& record,
                               long long expected_version) override {
    const std::string what = fmt::format("storing the reference prices of {}", record.org_id);
    if (expected_version == 0) {
      CORDON_ASSIGN_OR_RETURN(
          Statement exists,
          db_.Prepare("SELECT version FROM reference_price_lists WHERE org_id = ?", what));
      exists.Bind(1, record.org_id);
      CORDON_ASSIGN_OR_RETURN(bool has_row, exists.Step());
      if (has_row) {
        return Conflict(fmt::format("the reference prices were changed meanwhile (now version {})",
                                    exists.Int(0)));
      }
      CORDON_ASSIGN_OR_RETURN(
          Statement insert,
          db_.Prepare("INSERT INTO reference_price_lists (org_id, updated_by, updated_at, "
                      "version, body) VALUES (?, ?, ?, 1, ?)",
                      what));
      insert.BindAll(record.org_id, record.updated_by, record.updated_at, record.body);
      CORDON_RETURN_IF_ERROR(insert.Run());
    } else {
      CORDON_ASSIGN_OR_RETURN(
          Statement update,
          db_.Prepare("UPDATE reference_price_lists SET updated_by = ?, updated_at = ?, "
                      "version = version + 1, body = ? WHERE org_id = ? AND version = ?",
                      what));
      update.BindAll(record.updated_by, record.updated_at, record.body, record.org_id,
                     expected_version);
      CORDON_RETURN_IF_ERROR(update.Run());
      if (db_.Changes() == 0) {
        return Conflict(fmt::format(
            "the reference prices were changed meanwhile (version {} is no longer current)",
            expected_version));
      }
    }
    return BumpRulesGeneration(record.org_id);
  }

  Status DeleteWatchlistEntry(const Scope& scope, const std::string& id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement remove,
        db_.Prepare("DELETE FROM watchlist_entries WHERE id = ? AND owner_org_id = ?",
                    fmt::format("deleting watchlist entry {}", id)));
    remove.Bind(1, id).Bind(2, scope.org_id);
    CORDON_RETURN_IF_ERROR(remove.Run());
    if (db_.Changes() == 0) return NotFound(fmt::format("watchlist entry {} not found", id));
    return BumpRulesGeneration(scope.org_id);
  }

  Status InsertScreeningRun(const ScreeningRunRecord& run) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO screening_runs (id, org_id, user_id, source, started_at, "
                    "finished_at, declarations, screened, errors, selected) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("inserting screening run {}", run.id)));
    insert.BindAll(run.id, run.org_id, run.user_id, run.source, run.started_at, run.finished_at,
                   run.declarations, run.screened, run.errors, run.selected);
    return insert.Run();
  }

  Status UpdateScreeningRun(const Scope& scope, const ScreeningRunRecord& run) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db_.Prepare("UPDATE screening_runs SET finished_at = ?, declarations = ?, screened = ?, "
                    "errors = ?, selected = ? WHERE id = ? AND org_id = ?",
                    fmt::format("updating screening run {}", run.id)));
    update.BindAll(run.finished_at, run.declarations, run.screened, run.errors, run.selected,
                   run.id, scope.org_id);
    CORDON_RETURN_IF_ERROR(update.Run());
    if (db_.Changes() == 0) return NotFound(fmt::format("screening run {} not found", run.id));
    return Status::Ok();
  }

  Status InsertScreeningResult(const Scope& scope, const ScreeningResultRecord& record) override {
    const ResultToStore one{record, std::nullopt, std::nullopt};
    CORDON_ASSIGN_OR_RETURN(std::vector<size_t> skipped,
                            InsertScreeningResults(scope, record.run_id, std::span(&one, 1)));
    if (!skipped.empty()) {
      return Conflict(fmt::format("declaration {} was already screened in run {}",
                                  record.declaration_id, record.run_id));
    }
    return Status::Ok();
  }

  Result<std::vector<size_t>> InsertScreeningResults(
      const Scope& scope, const std::string& run_id,
      std::span<const ResultToStore> results) override {
    for (const ResultToStore& item : results) {
      if (item.record.run_id != run_id) {
        return InvalidInput(fmt::format("result {} is of run {}, not of run {}", item.record.id,
                                        item.record.run_id, run_id),
                            {{"run_id", "must be the run the results are stored in"}});
      }
    }
    CORDON_RETURN_IF_ERROR(GetScreeningRun(scope, run_id).status());
    // A result whose declaration the run already holds is skipped through
    // the UNIQUE (org_id, declaration_id, run_id) constraint rather than a
    // SELECT per row; ON CONFLICT ... DO NOTHING is the same on PostgreSQL,
    // where a failed statement would abort the transaction. Any other
    // constraint (an existing result id) still fails the statement. Each
    // statement is prepared once for the batch and reset per row.
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO screening_results (id, org_id, run_id, ordinal, declaration_id, "
                    "office, score_micros, channel, selected, status, hits, created_at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                    "ON CONFLICT (org_id, declaration_id, run_id) DO NOTHING",
                    "inserting screening results"));
    CORDON_ASSIGN_OR_RETURN(
        Statement hit,
        db_.Prepare("INSERT INTO profile_hits (result_id, profile_id, org_id) VALUES (?, ?, ?)",
                    "inserting profile hits"));
    CORDON_ASSIGN_OR_RETURN(
        Statement inputs,
        db_.Prepare("INSERT INTO screening_model_inputs (result_id, org_id, inputs) "
                    "VALUES (?, ?, ?)",
                    "storing model inputs"));
    CORDON_ASSIGN_OR_RETURN(
        Statement declaration,
        db_.Prepare("INSERT INTO screened_declarations (result_id, org_id, body) VALUES (?, ?, ?)",
                    "storing declarations"));
    std::vector<size_t> skipped;
    std::vector<const std::string*> profiles;
    // The results of a batch are usually created at one instant: formatted once.
    std::optional<Timestamp> created_at;
    std::string created_at_text;
    for (size_t index = 0; index < results.size(); ++index) {
      const ScreeningResultRecord& record = results[index].record;
      if (created_at != record.created_at) {
        created_at = record.created_at;
        created_at_text = FormatTimestamp(record.created_at);
      }
      insert.Reset(fmt::format("inserting screening result {}", record.id))
          .BindAll(record.id, scope.org_id, run_id, record.ordinal, record.declaration_id,
                   record.office, ScoreMicros(record.score), record.channel,
                   record.selected ? 1 : 0, record.status, record.hits, created_at_text);
      CORDON_RETURN_IF_ERROR(insert.Run());
      if (db_.Changes() == 0) {
        skipped.push_back(index);
        continue;
      }
      // A profile listed twice hit once.
      profiles.clear();
      for (const std::string& profile_id : record.profile_ids) profiles.push_back(&profile_id);
      std::sort(profiles.begin(), profiles.end(),
                [](const std::string* a, const std::string* b) { return *a < *b; });
      for (size_t at = 0; at < profiles.size(); ++at) {
        if (at > 0 && *profiles[at] == *profiles[at - 1]) continue;
        hit.Reset(fmt::format("inserting screening result {}", record.id))
            .BindAll(record.id, *profiles[at], scope.org_id);
        CORDON_RETURN_IF_ERROR(hit.Run());
      }
      if (results[index].model_inputs) {
        CORDON_RETURN_IF_ERROR(InsertBesideResult(inputs, record.id, scope,
                                                  *results[index].model_inputs, "model inputs",
                                                  "storing the model inputs of result"));
      }
      if (results[index].declaration) {
        CORDON_RETURN_IF_ERROR(InsertBesideResult(declaration, record.id, scope,
                                                  *results[index].declaration, "its declaration",
                                                  "storing the declaration of result"));
      }
    }
    return skipped;
  }

  Status SetRunSelection(const Scope& scope, const std::string& run_id,
                         const std::vector<long long>& selected_ordinals) override {
    std::string what = fmt::format("setting the selection of screening run {}", run_id);
    CORDON_RETURN_IF_ERROR(GetScreeningRun(scope, run_id).status());
    CORDON_ASSIGN_OR_RETURN(
        Statement clear,
        db_.Prepare("UPDATE screening_results SET selected = 0 WHERE run_id = ? AND org_id = ?",
                    what));
    clear.Bind(1, run_id).Bind(2, scope.org_id);
    CORDON_RETURN_IF_ERROR(clear.Run());
    for (long long ordinal : selected_ordinals) {
      // Prepared per row: a cached statement is reset when it goes out of scope.
      CORDON_ASSIGN_OR_RETURN(
          Statement select,
          db_.Prepare("UPDATE screening_results SET selected = 1 WHERE run_id = ? AND "
                      "org_id = ? AND ordinal = ?",
                      what));
      select.BindAll(run_id, scope.org_id, ordinal);
      CORDON_RETURN_IF_ERROR(select.Run());
    }
    return Status::Ok();
  }

  // --- detention cases (sqlite_cases.cc)

  Result<CaseRecord> GetCase(const Scope& scope, const std::string& id) override {
    return sqlite_cases::GetCase(db_, scope, id);
  }
  Result<Page<CaseRecord>> ListCases(const Scope& scope, const CaseFilter& filter) override {
    return sqlite_cases::ListCases(db_, scope, filter);
  }
  Result<std::vector<CaseGoodsRecord>> ListCaseGoods(const Scope& scope,
                                                     const std::string& case_id) override {
    return sqlite_cases::ListCaseGoods(db_, scope, case_id);
  }
  Result<std::vector<CaseEventRecord>> ListCaseEvents(const Scope& scope,
                                                      const std::string& case_id) override {
    return sqlite_cases::ListCaseEvents(db_, scope, case_id);
  }
  Result<std::vector<EvidenceRecord>> ListEvidence(const Scope& scope,
                                                   const std::string& case_id) override {
    return sqlite_cases::ListEvidence(db_, scope, case_id);
  }
  Result<std::string> GetEvidenceContent(const Scope& scope, const std::string& case_id,
                                         const std::string& evidence_id) override {
    return sqlite_cases::GetEvidenceContent(db_, scope, case_id, evidence_id);
  }
  Result<std::vector<CaseRecord>> ListCasesDueBefore(Date day, int limit) override {
    return sqlite_cases::ListCasesDueBefore(db_, day, limit);
  }
  Status InsertCase(const CaseRecord& record, const std::vector<CaseGoodsRecord>& goods) override {
    return sqlite_cases::InsertCase(db_, record, goods);
  }
  Status UpdateCase(const Scope& scope, const CaseRecord& record) override {
    return sqlite_cases::UpdateCase(db_, scope, record);
  }
  Result<long long> AppendCaseEvent(const CaseEventRecord& event) override {
    return sqlite_cases::AppendCaseEvent(db_, event);
  }
  Status InsertEvidence(const EvidenceRecord& record, const std::string& content) override {
    return sqlite_cases::InsertEvidence(db_, record, content);
  }

  // --- seizure statistics (sqlite_stats.cc)

  Result<long long> GetSeizureGeneration(const Scope& scope) override {
    return sqlite_stats::GetSeizureGeneration(db_, scope);
  }
  Status ScanSeizureRecords(const Scope& scope,
                            const std::function<Status(const SeizureRecord&)>& visit) override {
    return sqlite_stats::ScanSeizureRecords(db_, scope, visit);
  }
  Result<std::vector<SeizureRecord>> ListCaseSeizureRecords(const Scope& scope,
                                                            const std::string& case_id) override {
    return sqlite_stats::ListCaseSeizureRecords(db_, scope, case_id);
  }
  Result<std::vector<PartnerStatisticsRecord>> ListPartnerStatistics(const Scope& scope) override {
    return sqlite_stats::ListPartnerStatistics(db_, scope);
  }
  Result<std::vector<ScreeningTally>> TallyScreenings(const Scope& scope, Timestamp from,
                                                      Timestamp to) override {
    return sqlite_stats::TallyScreenings(db_, scope, from, to);
  }
  Result<SeizureUpsertCounts> UpsertSeizureRecords(
      const Scope& scope, const std::vector<SeizureRecord>& records) override {
    return sqlite_stats::UpsertSeizureRecords(db_, scope, records);
  }
  Result<bool> PutPartnerStatistics(const PartnerStatisticsRecord& record) override {
    return sqlite_stats::PutPartnerStatistics(db_, record);
  }

  Status InsertFinding(const Scope& scope, const FindingRecord& finding) override {
    std::string what =
        fmt::format("recording finding {} for selection {}", finding.id, finding.result_id);
    CORDON_ASSIGN_OR_RETURN(ScreeningResultRecord result,
                            GetScreeningResult(scope, finding.result_id));
    if (!result.selected) return NotFound(fmt::format("selection {} not found", result.id));
    Result<FindingRecord> existing = GetFinding(scope, finding.result_id);
    if (existing.ok()) {
      return Conflict(
          fmt::format("selection {} already has a finding ({})", finding.result_id, existing->id));
    }
    if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO findings (id, org_id, result_id, outcome, notes, user_id, at) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?)",
                    what));
    insert.BindAll(finding.id, scope.org_id, finding.result_id, finding.outcome, finding.notes,
                   finding.user_id, finding.at);
    CORDON_RETURN_IF_ERROR(insert.Run());
    CORDON_ASSIGN_OR_RETURN(
        Statement done,
        db_.Prepare("UPDATE screening_results SET status = 'done' WHERE id = ? AND org_id = ?",
                    what));
    done.Bind(1, finding.result_id).Bind(2, scope.org_id);
    return done.Run();
  }

  // --- targeting models (writes)

  Result<long long> InsertTargetingModel(const TargetingModelRecord& record) override {
    std::string what = fmt::format("inserting targeting model {}", record.id);
    CORDON_ASSIGN_OR_RETURN(
        Statement exists, db_.Prepare("SELECT COUNT(*) FROM targeting_models WHERE id = ?", what));
    exists.Bind(1, record.id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, exists.Step());
    if (has_row && exists.Int(0) > 0) {
      return Conflict(fmt::format("model {} already exists", record.id));
    }
    CORDON_ASSIGN_OR_RETURN(
        Statement next,
        db_.Prepare("SELECT COALESCE(MAX(version), 0) + 1 FROM targeting_models "
                    "WHERE owner_org_id = ?",
                    what));
    next.Bind(1, record.owner_org_id);
    CORDON_ASSIGN_OR_RETURN(has_row, next.Step());
    long long version = has_row ? next.Int(0) : 1;
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO targeting_models (id, owner_org_id, version, sha256, size, bytes, "
                    "metrics, description, created_by, created_at, active) "
                    "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                    what));
    insert.Bind(1, record.id)
        .Bind(2, record.owner_org_id)
        .Bind(3, version)
        .Bind(4, record.sha256)
        .Bind(5, static_cast<long long>(record.bytes.size()))
        .BindBlob(6, record.bytes)
        .Bind(7, record.metrics)
        .Bind(8, record.description)
        .Bind(9, record.created_by)
        .Bind(10, record.created_at);
    CORDON_RETURN_IF_ERROR(insert.Run());
    return version;
  }

  Result<long long> InsertModelActivation(const Scope& scope,
                                          const ModelActivationRecord& record) override {
    std::string what = fmt::format("activating targeting model {}", record.model_id);
    CORDON_RETURN_IF_ERROR(GetTargetingModel(scope, record.model_id, false).status());
    CORDON_ASSIGN_OR_RETURN(
        Statement clear,
        db_.Prepare("UPDATE targeting_models SET active = 0 WHERE owner_org_id = ? AND active = 1",
                    what));
    clear.Bind(1, scope.org_id);
    CORDON_RETURN_IF_ERROR(clear.Run());
    CORDON_ASSIGN_OR_RETURN(
        Statement set,
        db_.Prepare("UPDATE targeting_models SET active = 1 WHERE id = ? AND owner_org_id = ?",
                    what));
    set.Bind(1, record.model_id).Bind(2, scope.org_id);
    CORDON_RETURN_IF_ERROR(set.Run());
    CORDON_ASSIGN_OR_RETURN(
        Statement next,
        db_.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM targeting_model_activations "
                    "WHERE org_id = ?",
                    what));
    next.Bind(1, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, next.Step());
    long long seq = has_row ? next.Int(0) : 1;
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO targeting_model_activations (org_id, seq, model_id, "
                    "previous_model_id, action, user_id, at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    what));
    insert.BindAll(scope.org_id, seq, record.model_id,
                   record.previous_model_id.empty()
                       ? std::optional<std::string>()
                       : std::optional<std::string>(record.previous_model_id),
                   record.action, record.user_id, record.at);
    CORDON_RETURN_IF_ERROR(insert.Run());
    return seq;
  }

  Status InsertModelInputs(const Scope& scope, const std::string& result_id,
                           const std::string& inputs) override {
    return InsertForResult(scope, result_id, "screening_model_inputs", "inputs", inputs,
                           "model inputs",
                           fmt::format("storing the model inputs of result {}", result_id));
  }

  Status InsertScreenedDeclaration(const Scope& scope, const std::string& result_id,
                                   const std::string& body) override {
    return InsertForResult(scope, result_id, "screened_declarations", "body", body,
                           "its declaration",
                           fmt::format("storing the declaration of result {}", result_id));
  }

  // Runs `insert` (result_id, org_id, value) for a result just inserted in
  // this transaction, so visible and without rows beside it yet; a row
  // already there all the same is kConflict "result ... already has
  // `what_it_has`", as InsertForResult says it.
  Status InsertBesideResult(Statement& insert, const std::string& result_id, const Scope& scope,
                            const std::string& value, std::string_view what_it_has,
                            std::string_view doing) {
    insert.Reset(fmt::format("{} {}", doing, result_id)).BindAll(result_id, scope.org_id, value);
    Status status = insert.Run();
    if (!status.ok() && status.error().code() == ErrorCode::kConflict) {
      return Conflict(fmt::format("result {} already has {}", result_id, what_it_has));
    }
    return status;
  }

  // Inserts the one row (result_id, org_id, `column`) of `table` that a
  // stored result of the organisation may have: kNotFound when the result is
  // not the organisation's, kConflict ("result ... already has `what_it_has`")
  // when the row exists.
  Status InsertForResult(const Scope& scope, const std::string& result_id, std::string_view table,
                         std::string_view column, const std::string& value,
                         std::string_view what_it_has, const std::string& what) {
    CORDON_ASSIGN_OR_RETURN(
        Statement exists,
        db_.Prepare(fmt::format("SELECT (SELECT COUNT(*) FROM screening_results WHERE id = ? AND "
                                "org_id = ?), (SELECT COUNT(*) FROM {} WHERE result_id = ?)",
                                table),
                    what));
    exists.BindAll(result_id, scope.org_id, result_id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, exists.Step());
    if (!has_row || exists.Int(0) == 0) {
      return NotFound(fmt::format("screening result {} not found", result_id));
    }
    if (exists.Int(1) > 0) {
      return Conflict(fmt::format("result {} already has {}", result_id, what_it_has));
    }
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare(fmt::format("INSERT INTO {} (result_id, org_id, {}) VALUES (?, ?, ?)", table,
                                column),
                    what));
    insert.BindAll(result_id, scope.org_id, value);
    return insert.Run();
  }

  Status InsertApplicationPhoto(const ApplicationPhotoRecord& record,
                                const std::string& content) override {
    std::string what = fmt::format("storing photo {}", record.id);
    CORDON_ASSIGN_OR_RETURN(
        Statement blob,
        db_.Prepare("INSERT INTO evidence_blobs (sha256, size, content) VALUES (?, ?, ?) "
                    "ON CONFLICT (sha256) DO NOTHING",
                    what));
    blob.Bind(1, record.sha256)
        .Bind(2, static_cast<long long>(content.size()))
        .BindBlob(3, content);
    CORDON_RETURN_IF_ERROR(blob.Run());
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare(fmt::format("INSERT INTO application_photos ({}) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                "?, ?)",
                                kPhotoColumns),
                    what));
    insert.BindAll(record.id, record.application_id, record.sha256, record.media_type,
                   record.size, record.filename, record.description, record.user_id,
                   record.created_at);
    return insert.Run();
  }

  Status DeleteApplicationPhoto(const std::string& application_id,
                                const std::string& photo_id) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement remove,
        db_.Prepare("DELETE FROM application_photos WHERE id = ? AND application_id = ?",
                    fmt::format("removing photo {}", photo_id)));
    remove.Bind(1, photo_id).Bind(2, application_id);
    CORDON_RETURN_IF_ERROR(remove.Run());
    if (db_.Changes() == 0) return NotFound(fmt::format("photo {} not found", photo_id));
    return Status::Ok();
  }

  // --- notices (SQL in sqlite_notices.cc)

  Result<NoticeRecord> GetNotice(const Scope& scope, const std::string& id) override {
    return sqlite_notices::GetNotice(db_, scope, id);
  }
  Result<std::vector<NoticeRecord>> ListObjectNotices(const Scope& scope,
                                                      const std::string& object_type,
                                                      const std::string& object_id) override {
    return sqlite_notices::ListObjectNotices(db_, scope, object_type, object_id);
  }
  Result<Page<NoticeRecord>> ListNotices(const Scope& scope, const NoticeFilter& filter) override {
    return sqlite_notices::ListNotices(db_, scope, filter);
  }
  Result<std::vector<NoticeDeliveryRecord>> ListNoticeDeliveries(
      const Scope& scope, const std::string& notice_id) override {
    return sqlite_notices::ListNoticeDeliveries(db_, scope, notice_id);
  }
  Result<std::vector<WebhookEndpointRecord>> ListWebhookEndpoints(const Scope& scope) override {
    return sqlite_notices::ListWebhookEndpoints(db_, scope);
  }
  Result<std::vector<NoticeRecord>> ListUnplannedNotices(int limit) override {
    return sqlite_notices::ListUnplannedNotices(db_, limit);
  }
  Result<std::vector<NoticeDeliveryRecord>> ListDueDeliveries(Timestamp now, int limit) override {
    return sqlite_notices::ListDueDeliveries(db_, now, limit);
  }
  Result<std::optional<Timestamp>> NextDeliveryDue() override {
    return sqlite_notices::NextDeliveryDue(db_);
  }
  Result<WebhookEndpointRecord> GetWebhookEndpointForDelivery(const std::string& id) override {
    return sqlite_notices::GetWebhookEndpointForDelivery(db_, id);
  }
  Result<NoticeRecord> GetNoticeForDelivery(const std::string& id) override {
    return sqlite_notices::GetNoticeForDelivery(db_, id);
  }
  Result<std::vector<WebhookEndpointRecord>> ListAllWebhookEndpoints() override {
    return sqlite_notices::ListAllWebhookEndpoints(db_);
  }
  // --- exchange between nodes (SQL in sqlite_exchange.cc)

  Result<ExchangePartnerRecord> GetExchangePartner(const Scope& scope,
                                                   const std::string& node_id) override {
    return sqlite_exchange::GetPartner(db_, scope, node_id);
  }
  Result<std::vector<ExchangePartnerRecord>> ListExchangePartners(const Scope& scope) override {
    return sqlite_exchange::ListPartners(db_, scope);
  }
  Result<ExchangeGroupRecord> GetExchangeGroup(const Scope& scope,
                                               const std::string& name) override {
    return sqlite_exchange::GetGroup(db_, scope, name);
  }
  Result<std::vector<ExchangeGroupRecord>> ListExchangeGroups(const Scope& scope) override {
    return sqlite_exchange::ListGroups(db_, scope);
  }
  Result<ExchangeMessageRecord> GetExchangeMessage(const Scope& scope,
                                                   const std::string& id) override {
    return sqlite_exchange::GetMessage(db_, scope, id);
  }
  Result<ExchangeMessageRecord> FindExchangeMessage(const Scope& scope,
                                                    const std::string& direction,
                                                    const std::string& partner,
                                                    const std::string& message_id) override {
    return sqlite_exchange::FindMessage(db_, scope, direction, partner, message_id);
  }
  Result<Page<ExchangeMessageRecord>> ListExchangeMessages(
      const Scope& scope, const ExchangeMessageFilter& filter) override {
    return sqlite_exchange::ListMessages(db_, scope, filter);
  }
  Result<std::vector<ExchangeRejectionRecord>> ListExchangeRejections(const Scope& scope,
                                                                      int limit) override {
    return sqlite_exchange::ListRejections(db_, scope, limit);
  }
  Result<std::vector<ExchangeMessageRecord>> ListDueExchangeMessages(Timestamp now,
                                                                     int limit) override {
    return sqlite_exchange::ListDueMessages(db_, now, limit);
  }
  Result<std::optional<Timestamp>> NextExchangeMessageDue() override {
    return sqlite_exchange::NextMessageDue(db_);
  }
  Status InsertExchangePartner(const ExchangePartnerRecord& record) override {
    return sqlite_exchange::InsertPartner(db_, record);
  }
  Status UpdateExchangePartner(const ExchangePartnerRecord& record) override {
    return sqlite_exchange::UpdatePartner(db_, record);
  }
  Status PutExchangeGroup(const ExchangeGroupRecord& record) override {
    return sqlite_exchange::PutGroup(db_, record);
  }
  Status InsertExchangeMessage(const ExchangeMessageRecord& record) override {
    return sqlite_exchange::InsertMessage(db_, record);
  }
  Status UpdateExchangeMessage(const ExchangeMessageRecord& record,
                               const std::string& expected_state) override {
    return sqlite_exchange::UpdateMessage(db_, record, expected_state);
  }
  Status InsertExchangeRejection(const ExchangeRejectionRecord& record) override {
    return sqlite_exchange::InsertRejection(db_, record);
  }

  Status InsertNotice(const NoticeRecord& record) override {
    return sqlite_notices::InsertNotice(db_, record);
  }
  Status MarkNoticeRead(const Scope& scope, const std::string& id, Timestamp at) override {
    return sqlite_notices::MarkNoticeRead(db_, scope, id, at);
  }
  Status InsertWebhookEndpoint(const WebhookEndpointRecord& record) override {
    return sqlite_notices::InsertWebhookEndpoint(db_, record);
  }
  Status ReplaceWebhookSecret(const std::string& id, const std::string& expected,
                              const std::string& replacement) override {
    return sqlite_notices::ReplaceWebhookSecret(db_, id, expected, replacement);
  }
  Status DeleteWebhookEndpoint(const Scope& scope, const std::string& id, Timestamp at) override {
    return sqlite_notices::DeleteWebhookEndpoint(db_, scope, id, at);
  }
  Status PlanNoticeDeliveries(const std::string& notice_id,
                              const std::vector<NoticeDeliveryRecord>& deliveries) override {
    return sqlite_notices::PlanNoticeDeliveries(db_, notice_id, deliveries);
  }
  Status RecordDeliveryAttempt(const std::string& delivery_id,
                               const DeliveryAttemptRecord& attempt, const std::string& status,
                               std::optional<Timestamp> next_attempt_at) override {
    return sqlite_notices::RecordDeliveryAttempt(db_, delivery_id, attempt, status,
                                                 next_attempt_at);
  }

 private:
  Status LoadProfileIds(const Scope& scope, ScreeningResultRecord& record) {
    CORDON_ASSIGN_OR_RETURN(
        Statement profiles,
        db_.Prepare("SELECT profile_id FROM profile_hits WHERE result_id = ? AND org_id = ? "
                    "ORDER BY profile_id",
                    "reading profile hits"));
    profiles.Bind(1, record.id).Bind(2, scope.org_id);
    CORDON_ASSIGN_OR_RETURN(record.profile_ids,
                            ReadAll<std::string>(profiles, [](const Statement& row) {
                              return Result<std::string>(row.Text(0));
                            }));
    return Status::Ok();
  }

  // Bumps the organisation's rules generation (see ScreeningInputsVersion).
  // UPDATE first, INSERT when there was no row: writers are serialised, and
  // this avoids a non-portable upsert.
  Status BumpRulesGeneration(const std::string& org_id) {
    std::string what = fmt::format("bumping the screening rules generation of {}", org_id);
    CORDON_ASSIGN_OR_RETURN(
        Statement bump,
        db_.Prepare("UPDATE screening_rule_generations SET generation = generation + 1 WHERE "
                    "org_id = ?",
                    what));
    bump.Bind(1, org_id);
    CORDON_RETURN_IF_ERROR(bump.Run());
    if (db_.Changes() > 0) return Status::Ok();
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO screening_rule_generations (org_id, generation) VALUES (?, 1)",
                    what));
    insert.Bind(1, org_id);
    return insert.Run();
  }

  Status LoadOffices(Organisation& org) {
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db_.Prepare("SELECT locode FROM organisation_offices WHERE org_id = ? ORDER BY ordinal",
                    "reading organisation offices"));
    query.Bind(1, org.id);
    CORDON_ASSIGN_OR_RETURN(org.offices, ReadAll<std::string>(query, [](const Statement& row) {
                              return Result<std::string>(row.Text(0));
                            }));
    return Status::Ok();
  }

  // Makes an application visible to an organisation (no-op when it already is).
  Status GrantAccess(const std::string& application_id, const std::string& org_id) {
    std::string what =
        fmt::format("granting organisation {} access to application {}", org_id, application_id);
    CORDON_ASSIGN_OR_RETURN(
        Statement exists,
        db_.Prepare("SELECT COUNT(*) FROM application_access WHERE application_id = ? AND "
                    "org_id = ?",
                    what));
    exists.Bind(1, application_id).Bind(2, org_id);
    CORDON_ASSIGN_OR_RETURN(bool has_row, exists.Step());
    if (has_row && exists.Int(0) > 0) return Status::Ok();
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO application_access (application_id, org_id) VALUES (?, ?)", what));
    insert.Bind(1, application_id).Bind(2, org_id);
    CORDON_RETURN_IF_ERROR(insert.Run());
    return CountAccess(application_id, org_id, +1, what);
  }

  Status RevokeAccess(const std::string& application_id, const std::string& org_id) {
    std::string what =
        fmt::format("removing organisation {} access to application {}", org_id, application_id);
    CORDON_ASSIGN_OR_RETURN(
        Statement remove,
        db_.Prepare("DELETE FROM application_access WHERE application_id = ? AND org_id = ?", what));
    remove.Bind(1, application_id).Bind(2, org_id);
    CORDON_RETURN_IF_ERROR(remove.Run());
    if (db_.Changes() == 0) return Status::Ok();
    return CountAccess(application_id, org_id, -1, what);
  }

  // Adds (+1) or removes (-1) an application in its organisation's row of
  // screening_application_versions (ScreeningInputsVersion): the count by
  // one, the version sum by the application's current version. UPDATE first,
  // INSERT when there was no row, as BumpRulesGeneration.
  Status CountAccess(const std::string& application_id, const std::string& org_id, int sign,
                     const std::string& what) {
    CORDON_ASSIGN_OR_RETURN(
        Statement count,
        db_.Prepare("UPDATE screening_application_versions SET "
                    "application_count = application_count + ?, version_sum = version_sum + ? * "
                    "(SELECT version FROM applications WHERE id = ?) WHERE org_id = ?",
                    what));
    count.BindAll(sign, sign, application_id, org_id);
    CORDON_RETURN_IF_ERROR(count.Run());
    if (db_.Changes() > 0) return Status::Ok();
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO screening_application_versions (org_id, application_count, "
                    "version_sum) SELECT ?, ?, ? * version FROM applications WHERE id = ?",
                    what));
    insert.BindAll(org_id, sign, sign, application_id);
    return insert.Run();
  }

  // The audit tree of this unit of work, opened on first use.
  Result<SqliteAuditTree*> MutableAuditTree() {
    if (audit_tree_ == nullptr) {
      CORDON_ASSIGN_OR_RETURN(audit_tree_, SqliteAuditTree::Open(db_));
    }
    return audit_tree_.get();
  }

  SqliteDb& db_;
  std::unique_ptr<SqliteAuditTree> audit_tree_;
};

// Hands out reader connections, one per concurrent Read().
class ReaderPool {
 public:
  void Add(std::unique_ptr<SqliteDb> db) {
    free_.push_back(db.get());
    all_.push_back(std::move(db));
  }
  bool empty() const { return all_.empty(); }

  SqliteDb* Acquire() {
    std::unique_lock lock(mutex_);
    available_.wait(lock, [this] { return !free_.empty(); });
    SqliteDb* db = free_.back();
    free_.pop_back();
    return db;
  }

  void Release(SqliteDb* db) {
    {
      std::lock_guard lock(mutex_);
      free_.push_back(db);
    }
    available_.notify_one();
  }

 private:
  std::mutex mutex_;
  std::condition_variable available_;
  std::vector<SqliteDb*> free_;
  std::vector<std::unique_ptr<SqliteDb>> all_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::unique_ptr<SqliteDb> writer, std::unique_ptr<ReaderPool> readers)
      : writer_(std::move(writer)), readers_(std::move(readers)) {}

  Status Write(const std::function<Status(WriteTx&)>& work) override {
    std::lock_guard lock(writer_mutex_);
    return RunInTransaction(*writer_, "BEGIN IMMEDIATE", "write",
                            [&](SqliteTx& tx) { return work(tx); });
  }

  Status Read(const std::function<Status(ReadTx&)>& work) override {
    auto run = [&](SqliteDb& db) {
      return RunInTransaction(db, "BEGIN", "read", [&](SqliteTx& tx) { return work(tx); });
    };
    if (readers_->empty()) {
      std::lock_guard lock(writer_mutex_);
      return run(*writer_);
    }
    SqliteDb* db = readers_->Acquire();
    struct Return {
      ReaderPool& pool;
      SqliteDb* db;
      ~Return() { pool.Release(db); }
    } give_back{*readers_, db};
    return run(*db);
  }

 private:
  // begin; work; commit when ok, else roll back. If work throws, rolls back
  // and rethrows, so the connection is clean for the next unit of work.
  template <typename Work>
  static Status RunInTransaction(SqliteDb& db, const char* begin, const char* kind, Work work) {
    CORDON_RETURN_IF_ERROR(db.Exec(begin, fmt::format("starting {} transaction", kind)));
    SqliteTx tx(db);
    Status status;
    try {
      status = work(tx);
    } catch (...) {
      db.RollbackQuietly();
      throw;
    }
    if (!status.ok()) {
      db.RollbackQuietly();
      return status;
    }
    Status committed = db.Exec("COMMIT", fmt::format("committing {} transaction", kind));
    if (!committed.ok()) db.RollbackQuietly();
    return committed;
  }

  std::mutex writer_mutex_;
  std::unique_ptr<SqliteDb> writer_;
  std::unique_ptr<ReaderPool> readers_;
};

// The writer connection's page cache, in KiB (a negative cache_size).
constexpr int kWriterCacheKib = 64 * 1024;

Status ConfigureWal(SqliteDb& db, const std::string& path) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("PRAGMA journal_mode = WAL", fmt::format("switching {} to WAL mode", path)));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  std::string mode = has_row ? LowerAscii(query.Text(0)) : std::string();
  if (mode != "wal") {
    return Unavailable(
        fmt::format("database {} cannot use WAL mode (journal mode is \"{}\")", path, mode));
  }
  return Status::Ok();
}

}  // namespace

int SqliteSchemaVersion() {
  std::span<const Migration> migrations = SqliteMigrations();
  return migrations.back().version;
}

Result<std::unique_ptr<Store>> OpenSqliteStore(const SqliteOptions& options) {
  if (options.path.empty()) {
    return InvalidInput("database path is empty", {{"path", "required"}});
  }
  const bool in_memory = options.path == ":memory:";
  CORDON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> writer,
                          SqliteDb::Open(options.path, options.busy_timeout_ms));
  // An in-memory database has no WAL (its journal mode stays "memory").
  if (!in_memory) CORDON_RETURN_IF_ERROR(ConfigureWal(*writer, options.path));
  // The writer's page cache holds a stored batch's dirty pages (SQLite's
  // default, 2 MiB, spills them into the WAL in the middle of a batch of
  // 1,000 screening results) and the index pages inserts keep coming back
  // to. The readers keep the default.
  CORDON_RETURN_IF_ERROR(
      writer->Exec(fmt::format("PRAGMA cache_size = -{}", kWriterCacheKib), "sizing the cache"));
  CORDON_RETURN_IF_ERROR(ApplyMigrations(*writer, SystemClock().Now()));

  auto readers = std::make_unique<ReaderPool>();
  if (!in_memory) {
    const int count = std::max(1, options.read_connections);
    for (int index = 0; index < count; ++index) {
      CORDON_ASSIGN_OR_RETURN(std::unique_ptr<SqliteDb> reader,
                              SqliteDb::Open(options.path, options.busy_timeout_ms));
      // Readers never write; query_only makes a cast of ReadTx to WriteTx fail
      // loudly instead of writing outside the writer's lock.
      CORDON_RETURN_IF_ERROR(reader->Exec("PRAGMA query_only = ON", "configuring reader"));
      readers->Add(std::move(reader));
    }
  }
  return std::unique_ptr<Store>(new SqliteStore(std::move(writer), std::move(readers)));
}

}  // namespace cordon
