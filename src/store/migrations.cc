// The SQLite store's schema, as an ordered list of migrations; see migrations.h.
//
// Portability rules for the SQL here (a PostgreSQL store will carry the same
// schema): TEXT for ids, timestamps (RFC 3339, fixed millisecond width, so
// text order is time order) and dates (YYYY-MM-DD); INTEGER for numbers and
// 0/1 flags; no AUTOINCREMENT, no WITHOUT ROWID, no INSERT OR ..., no type
// affinity tricks.
#include "store/migrations.h"

#include <fmt/format.h>

#include "store/sqlite_audit.h"
#include "store/sqlite_cases.h"

namespace cordon {

namespace {

constexpr Migration kMigrations[] = {
    {1, "organisations, users, credentials, login failures, applications, audit events",
     R"sql(
CREATE TABLE organisations (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  kind TEXT NOT NULL,
  country TEXT NOT NULL,
  jurisdiction TEXT NOT NULL,
  address TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX organisations_by_country ON organisations (country, kind);

-- A customs administration's offices (UN/LOCODEs), in the order given.
CREATE TABLE organisation_offices (
  org_id TEXT NOT NULL REFERENCES organisations (id),
  ordinal INTEGER NOT NULL,
  locode TEXT NOT NULL,
  PRIMARY KEY (org_id, ordinal)
);

CREATE TABLE users (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  email TEXT NOT NULL UNIQUE,
  name TEXT NOT NULL,
  role TEXT NOT NULL,
  password_hash TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX users_by_org ON users (org_id, created_at, id);

CREATE TABLE credentials (
  id TEXT PRIMARY KEY,
  token_hash TEXT NOT NULL UNIQUE,
  user_id TEXT NOT NULL REFERENCES users (id),
  org_id TEXT NOT NULL REFERENCES organisations (id),
  kind TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT,
  revoked_at TEXT
);
CREATE INDEX credentials_by_org ON credentials (org_id, kind, created_at, id);
CREATE INDEX credentials_by_user ON credentials (user_id);

CREATE TABLE login_failures (
  email TEXT NOT NULL,
  at TEXT NOT NULL
);
CREATE INDEX login_failures_by_email ON login_failures (email, at);

CREATE TABLE applications (
  id TEXT PRIMARY KEY,
  holder_org_id TEXT NOT NULL REFERENCES organisations (id),
  filed_with_org_id TEXT NOT NULL REFERENCES organisations (id),
  kind TEXT NOT NULL,
  status TEXT NOT NULL,
  valid_until TEXT,
  holder_name TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX applications_by_created ON applications (created_at, id);
CREATE INDEX applications_by_status ON applications (status, created_at, id);
CREATE INDEX applications_by_valid_until ON applications (valid_until);
CREATE INDEX applications_by_holder ON applications (holder_org_id, created_at, id);
CREATE INDEX applications_by_filed_with ON applications (filed_with_org_id, created_at, id);

-- Tenant isolation: an application is visible to exactly the organisations
-- listed here; every scoped query joins on it.
CREATE TABLE application_access (
  application_id TEXT NOT NULL REFERENCES applications (id),
  org_id TEXT NOT NULL REFERENCES organisations (id),
  PRIMARY KEY (application_id, org_id)
);
CREATE INDEX application_access_by_org ON application_access (org_id, application_id);

-- Append-only; seq is assigned by the store (max + 1 under the write lock), so
-- it is dense and gives the order of the tamper-evident log.
CREATE TABLE audit_events (
  seq INTEGER PRIMARY KEY,
  at TEXT NOT NULL,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  action TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  detail TEXT NOT NULL
);
CREATE INDEX audit_events_by_org_object ON audit_events (org_id, object_id, seq);
)sql"},
    {2, "risk screening: profiles, watchlists, runs, results, profile hits, findings",
     R"sql(
-- Risk profiles and watchlist entries belong to one customs administration
-- (owner_org_id); the body is the screening module's JSON document.
CREATE TABLE risk_profiles (
  id TEXT PRIMARY KEY,
  owner_org_id TEXT NOT NULL REFERENCES organisations (id),
  owner_user_id TEXT NOT NULL,
  name TEXT NOT NULL,
  active INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX risk_profiles_by_owner ON risk_profiles (owner_org_id, created_at, id);

CREATE TABLE watchlist_entries (
  id TEXT PRIMARY KEY,
  owner_org_id TEXT NOT NULL REFERENCES organisations (id),
  name TEXT NOT NULL,
  country TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL
);
CREATE INDEX watchlist_entries_by_owner ON watchlist_entries (owner_org_id, created_at, id);

-- Bumped by every change to an organisation's profiles or watchlist, so a
-- cached screening index can tell that it is stale without reading them.
CREATE TABLE screening_rule_generations (
  org_id TEXT PRIMARY KEY REFERENCES organisations (id),
  generation INTEGER NOT NULL
);

CREATE TABLE screening_runs (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  user_id TEXT NOT NULL,
  source TEXT NOT NULL,
  started_at TEXT NOT NULL,
  finished_at TEXT,
  declarations INTEGER NOT NULL,
  screened INTEGER NOT NULL,
  errors INTEGER NOT NULL,
  selected INTEGER NOT NULL
);
CREATE INDEX screening_runs_by_org ON screening_runs (org_id, started_at, id);

-- One row per screened declaration of a run. score_micros is the score in
-- millionths (an exact integer, so ordering and cursors are exact).
CREATE TABLE screening_results (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  run_id TEXT NOT NULL REFERENCES screening_runs (id),
  ordinal INTEGER NOT NULL,
  declaration_id TEXT NOT NULL,
  office TEXT NOT NULL,
  score_micros INTEGER NOT NULL,
  channel TEXT NOT NULL,
  selected INTEGER NOT NULL,
  status TEXT NOT NULL,
  hits TEXT NOT NULL,
  created_at TEXT NOT NULL,
  UNIQUE (org_id, declaration_id, run_id)
);
CREATE INDEX screening_results_by_run ON screening_results (run_id, ordinal);
CREATE INDEX screening_results_queue ON screening_results (org_id, selected, score_micros, id);

-- Which profiles hit which result: profile effectiveness. No foreign key to
-- risk_profiles: the history outlives a deleted profile.
CREATE TABLE profile_hits (
  result_id TEXT NOT NULL REFERENCES screening_results (id),
  profile_id TEXT NOT NULL,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  PRIMARY KEY (result_id, profile_id)
);
CREATE INDEX profile_hits_by_profile ON profile_hits (org_id, profile_id);

-- The inspection outcome of a selection: the labels the targeting model
-- learns from. One per selected result.
CREATE TABLE findings (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  result_id TEXT NOT NULL UNIQUE REFERENCES screening_results (id),
  outcome TEXT NOT NULL,
  notes TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at TEXT NOT NULL
);
)sql"},
    {3, "tamper-evident audit log: leaves, tree nodes, signed checkpoints",
     R"sql(
-- The RFC 9162 Merkle tree over audit_events (audit/merkle.h, docs/audit.md).
-- Leaf idx is the event's position in seq order (0-based); entry holds the
-- exact bytes hashed (canonical JSON, store.h AuditEntryBytes) and leaf_hash
-- SHA-256(0x00 || entry). Append-only: rows are inserted in the transaction
-- that records the event, never updated or deleted.
CREATE TABLE audit_leaves (
  idx INTEGER PRIMARY KEY,
  entry TEXT NOT NULL,
  leaf_hash BLOB NOT NULL
);

-- Every perfect subtree above the leaves: (level, idx) covers leaves
-- [idx * 2^level, (idx + 1) * 2^level). With these, proofs and roots read
-- O(log n) rows.
CREATE TABLE audit_nodes (
  level INTEGER NOT NULL,
  idx INTEGER NOT NULL,
  hash BLOB NOT NULL,
  PRIMARY KEY (level, idx)
);

-- Signed checkpoints (C2SP signed notes) handed out by the node, one per
-- tree size: cordon audit verify checks the log against each.
CREATE TABLE audit_checkpoints (
  tree_size INTEGER PRIMARY KEY,
  root_hash BLOB NOT NULL,
  signed_note TEXT NOT NULL,
  created_at TEXT NOT NULL
);
)sql",
     // Databases from before the log: every recorded event becomes a leaf,
     // in seq order, so the log covers the whole history from the start.
     BackfillAuditLog},
    {4, "targeting models, their activations, and the model inputs of screened declarations",
     R"sql(
-- A customs administration's targeting models (issue 4). `bytes` is the model
-- file itself (docs/targeting.md, "Model file"); `sha256` its hex digest;
-- `metrics` the training figures as JSON. `version` counts the owner's
-- uploads from 1. At most one model of an owner is active.
CREATE TABLE targeting_models (
  id TEXT PRIMARY KEY,
  owner_org_id TEXT NOT NULL REFERENCES organisations (id),
  version INTEGER NOT NULL,
  sha256 TEXT NOT NULL,
  size INTEGER NOT NULL,
  bytes BLOB NOT NULL,
  metrics TEXT NOT NULL,
  description TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  active INTEGER NOT NULL,
  UNIQUE (owner_org_id, version)
);
CREATE INDEX targeting_models_active ON targeting_models (owner_org_id, active);

-- Every activation and roll-back, in order per administration: the model
-- active after it and the one active before (NULL: none).
CREATE TABLE targeting_model_activations (
  org_id TEXT NOT NULL REFERENCES organisations (id),
  seq INTEGER NOT NULL,
  model_id TEXT NOT NULL REFERENCES targeting_models (id),
  previous_model_id TEXT,
  action TEXT NOT NULL,
  user_id TEXT NOT NULL,
  at TEXT NOT NULL,
  PRIMARY KEY (org_id, seq)
);

-- What the targeting model reads from a screened declaration (screening's
-- model_inputs.h: roles per item, JSON), so that `cordon train --db` can
-- learn from the findings recorded on stored results.
CREATE TABLE screening_model_inputs (
  result_id TEXT PRIMARY KEY REFERENCES screening_results (id),
  org_id TEXT NOT NULL REFERENCES organisations (id),
  inputs TEXT NOT NULL
);
)sql"},
    {5, "notices: inbox, webhook endpoints, delivery outbox with attempts",
     R"sql(
-- A notice given by an administration (sender) to a party: an organisation
-- with an account (recipient_org_id) or a party without one (recipient_party
-- JSON only). planned = 0 until the delivery worker has created its
-- deliveries: the notice row is the outbox entry written in the same
-- transaction as the event that caused it.
CREATE TABLE notices (
  id TEXT PRIMARY KEY,
  sender_org_id TEXT NOT NULL REFERENCES organisations (id),
  recipient_org_id TEXT REFERENCES organisations (id),
  recipient_role TEXT NOT NULL,
  recipient_party TEXT NOT NULL,
  kind TEXT NOT NULL,
  subject TEXT NOT NULL,
  body TEXT NOT NULL,
  data TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  created_at TEXT NOT NULL,
  due_by TEXT,
  read_at TEXT,
  planned INTEGER NOT NULL
);
CREATE INDEX notices_inbox ON notices (recipient_org_id, created_at, id);
CREATE INDEX notices_sent ON notices (sender_org_id, created_at, id);
CREATE INDEX notices_unplanned ON notices (planned, created_at, id);

-- The secret signs deliveries (HMAC), so it is kept, not hashed.
CREATE TABLE webhook_endpoints (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  url TEXT NOT NULL,
  description TEXT NOT NULL,
  secret TEXT NOT NULL,
  created_at TEXT NOT NULL,
  deleted_at TEXT
);
CREATE INDEX webhook_endpoints_by_org ON webhook_endpoints (org_id, created_at, id);

-- One row per notice and channel target; status pending | delivered | cancelled.
CREATE TABLE notice_deliveries (
  id TEXT PRIMARY KEY,
  notice_id TEXT NOT NULL REFERENCES notices (id),
  channel TEXT NOT NULL,
  endpoint_id TEXT REFERENCES webhook_endpoints (id),
  address TEXT NOT NULL,
  status TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT,
  delivered_at TEXT,
  last_error TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX notice_deliveries_due ON notice_deliveries (status, next_attempt_at, id);
CREATE INDEX notice_deliveries_by_notice ON notice_deliveries (notice_id, created_at, id);
CREATE INDEX notice_deliveries_by_endpoint ON notice_deliveries (endpoint_id, status);

CREATE TABLE notice_delivery_attempts (
  delivery_id TEXT NOT NULL REFERENCES notice_deliveries (id),
  attempt INTEGER NOT NULL,
  at TEXT NOT NULL,
  http_status INTEGER,
  outcome TEXT NOT NULL,
  error TEXT NOT NULL,
  PRIMARY KEY (delivery_id, attempt)
);
)sql"},
    {6, "reference prices per administration",
     R"sql(
-- An administration's reference prices for "declared vs reference price"
-- risk-profile conditions: the whole list as one JSON document (screening
-- interprets it), replaced as a unit.
CREATE TABLE reference_price_lists (
  org_id TEXT PRIMARY KEY REFERENCES organisations (id),
  updated_by TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL
);
)sql"},
    {7, "detention cases: cases, case goods, case events, evidence, case notices",
     R"sql(
-- A detention case of one customs administration (org_id). The right holder
-- organisation of its application (holder_org_id, '' until there is one) sees
-- it too; nobody else. next_due is the earliest due date the clock acts on in
-- the current state (NULL: nothing runs); queue_key is next_due or
-- '9999-12-31', so the queue orders by one column.
CREATE TABLE cases (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  holder_org_id TEXT NOT NULL,
  application_id TEXT NOT NULL,
  office TEXT NOT NULL,
  procedure TEXT NOT NULL,
  state TEXT NOT NULL,
  is_open INTEGER NOT NULL,
  next_due TEXT,
  next_deadline TEXT NOT NULL,
  queue_key TEXT NOT NULL,
  parties_disclosed INTEGER NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  version INTEGER NOT NULL,
  body TEXT NOT NULL,
  parties TEXT NOT NULL
);
CREATE INDEX cases_by_org ON cases (org_id, created_at, id);
CREATE INDEX cases_by_holder ON cases (holder_org_id, created_at, id);
CREATE INDEX cases_queue ON cases (org_id, is_open, queue_key, id);
CREATE INDEX cases_due ON cases (is_open, next_due, id);

-- The detained goods, one row per line (for statistics by category, type and
-- value). Values in EUR cents.
CREATE TABLE case_goods (
  case_id TEXT NOT NULL REFERENCES cases (id),
  ordinal INTEGER NOT NULL,
  description TEXT NOT NULL,
  hs TEXT NOT NULL,
  quantity TEXT NOT NULL,
  unit TEXT NOT NULL,
  product_category TEXT NOT NULL,
  ipr_type TEXT NOT NULL,
  mark TEXT NOT NULL,
  estimated_value_cents INTEGER,
  PRIMARY KEY (case_id, ordinal)
);

-- A case's history, append-only; seq counts from 1 per case.
CREATE TABLE case_events (
  case_id TEXT NOT NULL REFERENCES cases (id),
  seq INTEGER NOT NULL,
  at TEXT NOT NULL,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  party TEXT NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT NOT NULL,
  to_state TEXT NOT NULL,
  detail TEXT NOT NULL,
  PRIMARY KEY (case_id, seq)
);

-- Evidence bytes, stored once per SHA-256 (hex); BLOB is bytea in PostgreSQL.
CREATE TABLE evidence_blobs (
  sha256 TEXT PRIMARY KEY,
  size INTEGER NOT NULL,
  content BLOB NOT NULL
);

CREATE TABLE case_evidence (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  sha256 TEXT NOT NULL REFERENCES evidence_blobs (sha256),
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  filename TEXT NOT NULL,
  description TEXT NOT NULL,
  org_id TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX case_evidence_by_case ON case_evidence (case_id, created_at, id);

-- Notices the case engine owes a party, written with the event that causes
-- them; delivery (inbox, webhooks, e-mail) sets delivered_at.
CREATE TABLE case_notices (
  id TEXT PRIMARY KEY,
  case_id TEXT NOT NULL REFERENCES cases (id),
  org_id TEXT NOT NULL,
  recipient_party TEXT NOT NULL,
  recipient_org_id TEXT NOT NULL,
  kind TEXT NOT NULL,
  created_at TEXT NOT NULL,
  due_on TEXT NOT NULL,
  content TEXT NOT NULL,
  delivered_at TEXT
);
CREATE INDEX case_notices_by_case ON case_notices (case_id, created_at, id);
CREATE INDEX case_notices_by_recipient ON case_notices (recipient_org_id, created_at, id);
)sql"},
    {8, "case notices join the one notice system (notices, deliveries); case_notices is retired",
     R"sql(
CREATE INDEX notices_by_object ON notices (object_type, object_id, created_at, id);
)sql",
     sqlite_cases::MoveCaseNoticesToNotices},
    {9, "seizure statistics: seizure records, their generation, partner statistics",
     R"sql(
-- One row per line of detained goods (issue 6): the administration's own
-- cases (source 'case', kept current by the case engine) and imported
-- historical records (source 'import'). Non-nominal: no names of persons or
-- companies. Natural key (org_id, case_id, line); values in EUR cents;
-- empty text for an unknown transport mode or country.
CREATE TABLE seizure_records (
  org_id TEXT NOT NULL REFERENCES organisations (id),
  case_id TEXT NOT NULL,
  line INTEGER NOT NULL,
  source TEXT NOT NULL,
  detained_on TEXT NOT NULL,
  office TEXT NOT NULL,
  reporting_country TEXT NOT NULL,
  procedure TEXT NOT NULL,
  transport_mode TEXT NOT NULL,
  origin TEXT NOT NULL,
  dispatch TEXT NOT NULL,
  destination TEXT NOT NULL,
  product_category TEXT NOT NULL,
  ipr_type TEXT NOT NULL,
  articles INTEGER NOT NULL,
  value_cents INTEGER NOT NULL,
  small_consignment INTEGER NOT NULL,
  e_commerce INTEGER NOT NULL,
  outcome TEXT NOT NULL,
  PRIMARY KEY (org_id, case_id, line)
);

-- Bumped by every change to an organisation's seizure records, so the
-- statistics' in-memory aggregate can tell that it is stale.
CREATE TABLE seizure_generations (
  org_id TEXT PRIMARY KEY REFERENCES organisations (id),
  generation INTEGER NOT NULL
);

-- Partner administrations' quarterly statistics as imported: the exchange
-- document (docs/stats.md) verbatim, one per partner and quarter.
CREATE TABLE partner_statistics (
  org_id TEXT NOT NULL REFERENCES organisations (id),
  partner TEXT NOT NULL,
  quarter TEXT NOT NULL,
  sha256 TEXT NOT NULL,
  imported_at TEXT NOT NULL,
  body TEXT NOT NULL,
  PRIMARY KEY (org_id, partner, quarter)
);
)sql"},
    {10, "exchange between nodes: partners, closed user groups, messages, rejections",
     R"sql(
-- Partner nodes an administration (org_id) exchanges with; trust (jwks) is
-- imported out of band. allow_send / allow_receive are JSON arrays of
-- message types.
CREATE TABLE exchange_partners (
  org_id TEXT NOT NULL REFERENCES organisations (id),
  node_id TEXT NOT NULL,
  name TEXT NOT NULL,
  inbox_url TEXT NOT NULL,
  jwks TEXT NOT NULL,
  legal_basis TEXT NOT NULL,
  allow_send TEXT NOT NULL,
  allow_receive TEXT NOT NULL,
  status TEXT NOT NULL,
  created_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  PRIMARY KEY (org_id, node_id)
);

-- Closed user groups: a named set of partners for an operation.
CREATE TABLE exchange_groups (
  org_id TEXT NOT NULL REFERENCES organisations (id),
  name TEXT NOT NULL,
  description TEXT NOT NULL,
  created_at TEXT NOT NULL,
  PRIMARY KEY (org_id, name)
);
CREATE TABLE exchange_group_members (
  org_id TEXT NOT NULL,
  group_name TEXT NOT NULL,
  node_id TEXT NOT NULL,
  PRIMARY KEY (org_id, group_name, node_id)
);

-- Messages sent (direction 'out': the outbox the delivery worker reads,
-- written in the same transaction as the act that causes them) and
-- received ('in'). A sender's message id is stored once per direction and
-- partner, which is what makes a duplicate delivery create nothing.
CREATE TABLE exchange_messages (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL REFERENCES organisations (id),
  direction TEXT NOT NULL,
  message_id TEXT NOT NULL,
  partner TEXT NOT NULL,
  type TEXT NOT NULL,
  version INTEGER NOT NULL,
  in_reply_to TEXT NOT NULL,
  group_name TEXT NOT NULL,
  payload TEXT NOT NULL,
  envelope TEXT NOT NULL,
  envelope_sha256 TEXT NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL,
  next_attempt_at TEXT,
  last_error TEXT NOT NULL,
  receipt TEXT NOT NULL,
  object_type TEXT NOT NULL,
  object_id TEXT NOT NULL,
  created_by TEXT NOT NULL,
  created_at TEXT NOT NULL,
  expires_at TEXT NOT NULL,
  updated_at TEXT NOT NULL,
  result TEXT NOT NULL,
  UNIQUE (org_id, direction, partner, message_id)
);
CREATE INDEX exchange_messages_by_org ON exchange_messages (org_id, created_at, id);
CREATE INDEX exchange_messages_due ON exchange_messages (direction, state, next_attempt_at, id);

-- Envelopes the inbox refused, with the reason (visible to the admin).
CREATE TABLE exchange_rejections (
  id TEXT PRIMARY KEY,
  org_id TEXT NOT NULL,
  at TEXT NOT NULL,
  reason TEXT NOT NULL,
  detail TEXT NOT NULL,
  sender TEXT NOT NULL,
  message_id TEXT NOT NULL,
  envelope_sha256 TEXT NOT NULL
);
CREATE INDEX exchange_rejections_by_org ON exchange_rejections (org_id, at, id);
)sql"},
    {11, "exchange partners' country",
     R"sql(
-- The country a partner node's administration speaks for (ISO 3166-1
-- alpha-2), '' when not given: a partner's statistics must be its own.
ALTER TABLE exchange_partners ADD COLUMN country TEXT NOT NULL DEFAULT '';
)sql"},
    {12, "screened declarations: the declaration of a stored result, for testing draft profiles",
     R"sql(
-- The declaration of a stored screening result as it was screened
-- (screening's DeclarationToJson), so that a draft risk profile can be tested
-- against the administration's recent declarations before it is activated.
-- Insertion order (rowid) is recency.
CREATE TABLE screened_declarations (
  result_id TEXT PRIMARY KEY REFERENCES screening_results (id),
  org_id TEXT NOT NULL REFERENCES organisations (id),
  body TEXT NOT NULL
);
CREATE INDEX screened_declarations_by_org ON screened_declarations (org_id);
)sql"},
    {13, "application photos: photos of the authentic goods, bytes with the evidence blobs",
     R"sql(
-- Photos of the authentic goods a right holder attaches to its application
-- for action; the bytes are stored once per SHA-256 in evidence_blobs,
-- exactly as uploaded.
CREATE TABLE application_photos (
  id TEXT PRIMARY KEY,
  application_id TEXT NOT NULL REFERENCES applications (id),
  sha256 TEXT NOT NULL REFERENCES evidence_blobs (sha256),
  media_type TEXT NOT NULL,
  size INTEGER NOT NULL,
  filename TEXT NOT NULL,
  description TEXT NOT NULL,
  user_id TEXT NOT NULL,
  created_at TEXT NOT NULL
);
CREATE INDEX application_photos_by_application ON application_photos (application_id, created_at, id);
)sql"},
    {14, "screening inputs: each organisation's visible applications counted as they change",
     R"sql(
-- The count and version sum of the applications an organisation sees (the
-- applications half of ScreeningInputsVersion), kept up to date by the store
-- whenever access is granted or revoked or a visible application is updated,
-- so that screening checks its cached index with one row instead of a scan
-- of every visible application before each batch.
CREATE TABLE screening_application_versions (
  org_id TEXT PRIMARY KEY REFERENCES organisations (id),
  application_count INTEGER NOT NULL,
  version_sum INTEGER NOT NULL
);
INSERT INTO screening_application_versions (org_id, application_count, version_sum)
SELECT x.org_id, COUNT(*), SUM(a.version)
FROM application_access x JOIN applications a ON a.id = x.application_id
GROUP BY x.org_id;
)sql"},
};

// The current version, 0 for a fresh database. kCorrupt for a database that
// holds other tables but no schema_migrations: someone else's database, which
// we must not touch.
Result<int> CurrentVersion(SqliteDb& db) {
  CORDON_ASSIGN_OR_RETURN(
      Statement has_table,
      db.Prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' AND name = "
                 "'schema_migrations'",
                 "reading schema version"));
  CORDON_ASSIGN_OR_RETURN(bool row, has_table.Step());
  if (row && has_table.Int(0) == 1) {
    CORDON_ASSIGN_OR_RETURN(Statement max_version,
                            db.Prepare("SELECT COALESCE(MAX(version), 0) FROM schema_migrations",
                                       "reading schema version"));
    CORDON_ASSIGN_OR_RETURN(bool has_row, max_version.Step());
    return has_row ? static_cast<int>(max_version.Int(0)) : 0;
  }
  CORDON_ASSIGN_OR_RETURN(Statement other_tables,
                          db.Prepare("SELECT COUNT(*) FROM sqlite_master WHERE type = 'table'",
                                     "reading schema version"));
  CORDON_ASSIGN_OR_RETURN(bool other_row, other_tables.Step());
  if (other_row && other_tables.Int(0) > 0) {
    return Corrupt("not a Cordon database: it has tables but no schema_migrations");
  }
  return 0;
}

Status ApplyOne(SqliteDb& db, const Migration& migration, Timestamp now) {
  std::string what =
      fmt::format("applying schema migration {} ({})", migration.version, migration.description);
  CORDON_RETURN_IF_ERROR(db.Exec(migration.sql, what));
  if (migration.after_sql != nullptr) {
    Status after = migration.after_sql(db);
    if (!after.ok()) {
      Error error = after.error();
      return error.Prefix(what + ": ");
    }
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement record,
      db.Prepare("INSERT INTO schema_migrations (version, applied_at) VALUES (?, ?)", what));
  record.Bind(1, migration.version).Bind(2, now);
  return record.Run();
}

}  // namespace

std::span<const Migration> SqliteMigrations() { return kMigrations; }

Status ApplyMigrations(SqliteDb& db, Timestamp now) {
  const int latest = kMigrations[std::size(kMigrations) - 1].version;
  // IMMEDIATE: two processes opening the same fresh file must not both
  // migrate; the second waits (busy timeout) and then sees the new version.
  CORDON_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE", "starting schema migration"));
  Result<int> current = CurrentVersion(db);
  Status status = current.status();
  if (status.ok() && *current == 0) {
    status = db.Exec(
        "CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, "
        "applied_at TEXT NOT NULL)",
        "creating schema_migrations");
  }
  if (status.ok() && *current > latest) {
    status = Conflict(fmt::format(
        "database schema version {} is newer than this Cordon's {}; refusing to open it", *current,
        latest));
  }
  if (status.ok()) status = db.Exec("COMMIT", "creating schema_migrations");
  if (!status.ok()) {
    db.RollbackQuietly();
    return status;
  }

  for (const Migration& migration : kMigrations) {
    if (migration.version <= *current) continue;
    CORDON_RETURN_IF_ERROR(db.Exec("BEGIN IMMEDIATE", "starting schema migration"));
    // Re-read under the write lock: another process may have migrated since.
    Result<int> now_version = CurrentVersion(db);
    status = now_version.status();
    if (status.ok() && *now_version < migration.version) status = ApplyOne(db, migration, now);
    if (status.ok()) {
      status = db.Exec("COMMIT", fmt::format("committing schema migration {}", migration.version));
    }
    if (!status.ok()) {
      db.RollbackQuietly();
      return status;
    }
  }
  return Status::Ok();
}

}  // namespace cordon
