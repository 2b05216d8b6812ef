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
#include <condition_variable>
#include <map>
#include <mutex>
#include <set>
#include <utility>
#include <vector>

#include "store/migrations.h"
#include "store/sqlite_db.h"

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

std::string EncodeCursor(const std::string& created_at, const std::string& id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string plain = created_at + "|" + id;
  std::string hex;
  hex.reserve(plain.size() * 2);
  for (unsigned char byte : plain) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

struct CursorPosition {
  std::string created_at;  // canonical FormatTimestamp text
  std::string id;
};

Result<CursorPosition> DecodeCursor(const std::string& cursor) {
  auto malformed = [] {
    return InvalidInput("malformed pagination cursor",
                        {{"cursor", "not a cursor returned by a previous page"}});
  };
  if (cursor.size() % 2 != 0 || cursor.size() > 2048) return malformed();
  std::string plain;
  plain.reserve(cursor.size() / 2);
  for (size_t pos = 0; pos < cursor.size(); pos += 2) {
    int high = HexValue(cursor[pos]);
    int low = HexValue(cursor[pos + 1]);
    if (high < 0 || low < 0) return malformed();
    plain += static_cast<char>(high * 16 + low);
  }
  size_t bar = plain.find('|');
  if (bar == std::string::npos || bar + 1 == plain.size()) return malformed();
  std::optional<Timestamp> created_at = ParseTimestamp(plain.substr(0, bar));
  if (!created_at.has_value()) return malformed();
  // Canonical text, so the comparison below is exact text order.
  return CursorPosition{FormatTimestamp(*created_at), plain.substr(bar + 1)};
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

constexpr const char* kAuditColumns =
    "seq, at, org_id, user_id, action, object_type, object_id, detail";

Result<AuditEvent> ReadAuditEvent(const Statement& row) {
  AuditEvent event;
  event.seq = row.Int(0);
  CORDON_ASSIGN_OR_RETURN(event.at, row.TimestampAt(1));
  event.org_id = row.Text(2);
  event.user_id = row.Text(3);
  event.action = row.Text(4);
  event.object_type = row.Text(5);
  event.object_id = row.Text(6);
  event.detail = row.Text(7);
  return event;
}

// Runs a prepared, bound statement and reads every row with `reader`.
template <typename T, typename Reader>
Result<std::vector<T>> ReadAll(Statement& statement, Reader reader) {
  std::vector<T> items;
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, statement.Step());
    if (!has_row) return items;
    CORDON_ASSIGN_OR_RETURN(T item, reader(statement));
    items.push_back(std::move(item));
  }
}

// Runs a statement expected to return at most one row; kNotFound (with
// `not_found`) when it returns none.
template <typename T, typename Reader>
Result<T> ReadOne(Statement& statement, Reader reader, const std::string& not_found) {
  CORDON_ASSIGN_OR_RETURN(bool has_row, statement.Step());
  if (!has_row) return NotFound(not_found);
  return reader(statement);
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
    if (after.has_value()) sql += " AND (a.created_at > ? OR (a.created_at = ? AND a.id > ?))";
    sql += " ORDER BY a.created_at, a.id LIMIT ?";

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
    std::string sql = fmt::format("SELECT {} FROM audit_events WHERE org_id = ?", kAuditColumns);
    if (!object_id.empty()) sql += " AND object_id = ?";
    sql += " ORDER BY seq";
    CORDON_ASSIGN_OR_RETURN(Statement query, db_.Prepare(sql, "listing audit events"));
    query.Bind(1, scope.org_id);
    if (!object_id.empty()) query.Bind(2, object_id);
    return ReadAll<AuditEvent>(query, ReadAuditEvent);
  }

  // --- writes

  Status InsertOrganisation(const Organisation& org) override {
    std::string what = fmt::format("inserting organisation {} (\"{}\")", org.id, org.name);
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO organisations (id, name, kind, country, jurisdiction, address, "
                    "created_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                    what));
    insert.Bind(1, org.id)
        .Bind(2, org.name)
        .Bind(3, OrgKindName(org.kind))
        .Bind(4, org.country)
        .Bind(5, org.jurisdiction)
        .Bind(6, org.address)
        .Bind(7, org.created_at);
    CORDON_RETURN_IF_ERROR(insert.Run());
    for (size_t ordinal = 0; ordinal < org.offices.size(); ++ordinal) {
      CORDON_ASSIGN_OR_RETURN(
          Statement office,
          db_.Prepare("INSERT INTO organisation_offices (org_id, ordinal, locode) VALUES (?, ?, ?)",
                      what));
      office.Bind(1, org.id).Bind(2, static_cast<long long>(ordinal)).Bind(3, org.offices[ordinal]);
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
    insert.Bind(1, user.id)
        .Bind(2, user.org_id)
        .Bind(3, email)
        .Bind(4, user.name)
        .Bind(5, RoleName(user.role))
        .Bind(6, user.password_hash)
        .Bind(7, user.active ? 1 : 0)
        .Bind(8, user.created_at);
    return insert.Run();
  }

  Status InsertCredential(const Credential& credential) override {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db_.Prepare("INSERT INTO credentials (id, token_hash, user_id, org_id, kind, name, "
                    "created_at, expires_at, revoked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    fmt::format("inserting credential {}", credential.id)));
    insert.Bind(1, credential.id)
        .Bind(2, credential.token_hash)
        .Bind(3, credential.user_id)
        .Bind(4, credential.org_id)
        .Bind(5, credential.kind)
        .Bind(6, credential.name)
        .Bind(7, credential.created_at)
        .Bind(8, credential.expires_at)
        .Bind(9, credential.revoked_at);
    return insert.Run();
  }

  Status RevokeCredential(const Scope& scope, const std::string& credential_id,
                          Timestamp at) override {
    // COALESCE keeps the first revocation time when revoked twice.
    CORDON_ASSIGN_OR_RETURN(
        Statement update, db_.Prepare("UPDATE credentials SET revoked_at = COALESCE(revoked_at, ?) "
                                      "WHERE id = ? AND org_id = ?",
                                      fmt::format("revoking credential {}", credential_id)));
    update.Bind(1, at).Bind(2, credential_id).Bind(3, scope.org_id);
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
    insert.Bind(1, record.id)
        .Bind(2, record.holder_org_id)
        .Bind(3, record.filed_with_org_id)
        .Bind(4, record.kind)
        .Bind(5, record.status)
        .Bind(6, record.valid_until)
        .Bind(7, record.holder_name)
        .Bind(8, record.created_at)
        .Bind(9, record.updated_at)
        .Bind(10, record.version)
        .Bind(11, record.body);
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
    if (stored.version != record.version) {
      return Conflict(fmt::format(
          "application {} was changed by someone else (version {}, expected {}); reload and retry",
          record.id, stored.version, record.version));
    }
    // The version guard stays in the UPDATE so the statement is correct on its
    // own even where writers are not serialised (PostgreSQL).
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db_.Prepare("UPDATE applications SET holder_org_id = ?, filed_with_org_id = ?, kind = ?, "
                    "status = ?, valid_until = ?, holder_name = ?, updated_at = ?, body = ?, "
                    "version = ? WHERE id = ? AND version = ?",
                    what));
    update.Bind(1, record.holder_org_id)
        .Bind(2, record.filed_with_org_id)
        .Bind(3, record.kind)
        .Bind(4, record.status)
        .Bind(5, record.valid_until)
        .Bind(6, record.holder_name)
        .Bind(7, record.updated_at)
        .Bind(8, record.body)
        .Bind(9, record.version + 1)
        .Bind(10, record.id)
        .Bind(11, record.version);
    CORDON_RETURN_IF_ERROR(update.Run());
    if (db_.Changes() == 0) {
      return Conflict(
          fmt::format("application {} was changed by someone else; reload and retry", record.id));
    }
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
    insert.Bind(1, seq)
        .Bind(2, event.at)
        .Bind(3, event.org_id)
        .Bind(4, event.user_id)
        .Bind(5, event.action)
        .Bind(6, event.object_type)
        .Bind(7, event.object_id)
        .Bind(8, event.detail);
    CORDON_RETURN_IF_ERROR(insert.Run());
    return seq;
  }

 private:
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
    return insert.Run();
  }

  Status RevokeAccess(const std::string& application_id, const std::string& org_id) {
    CORDON_ASSIGN_OR_RETURN(
        Statement remove,
        db_.Prepare("DELETE FROM application_access WHERE application_id = ? AND org_id = ?",
                    fmt::format("removing organisation {} access to application {}", org_id,
                                application_id)));
    remove.Bind(1, application_id).Bind(2, org_id);
    return remove.Run();
  }

  SqliteDb& db_;
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
