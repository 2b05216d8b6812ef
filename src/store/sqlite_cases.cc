// Detention-case queries of the SQLite store; see sqlite_cases.h and the
// contracts in store.h.
//
// Tenant isolation: a case is visible to its administration (org_id) and to
// the right holder organisation of its application (holder_org_id); every
// scoped query below says `org_id = ? OR holder_org_id = ?` with the scope's
// organisation. The parties (names and addresses of the declarant and the
// holder of the goods) are returned to the holder only once disclosed
// (Regulation (EU) No 608/2013 Art. 17(4), 21, 26(8)): the rule lives here,
// where the data is, so no caller can forget it.
#include "store/sqlite_cases.h"

#include <fmt/format.h>

#include <utility>

#include "store/cursor.h"

namespace cordon::sqlite_cases {
namespace {

constexpr char kFarFuture[] = "9999-12-31";

// --- cursors: hex of "key|id", opaque to callers.

using store_internal::DecodeCursor;
using store_internal::EncodeCursor;

// --- rows

// `parties` is column 16; the CASE hides it from a holder before disclosure.
constexpr const char* kCaseColumns =
    "id, org_id, holder_org_id, application_id, office, procedure, state, is_open, next_due, "
    "next_deadline, parties_disclosed, created_at, updated_at, version, body, queue_key, "
    "CASE WHEN org_id = ?1 OR parties_disclosed = 1 THEN parties ELSE '' END";
constexpr const char* kCaseColumnsUnscoped =
    "id, org_id, holder_org_id, application_id, office, procedure, state, is_open, next_due, "
    "next_deadline, parties_disclosed, created_at, updated_at, version, '', queue_key, ''";

Result<CaseRecord> ReadCase(const Statement& row) {
  CaseRecord record;
  record.id = row.Text(0);
  record.org_id = row.Text(1);
  record.holder_org_id = row.Text(2);
  record.application_id = row.Text(3);
  record.office = row.Text(4);
  record.procedure = row.Text(5);
  record.state = row.Text(6);
  record.open = row.Int(7) != 0;
  CORDON_ASSIGN_OR_RETURN(record.next_due, row.OptionalDateAt(8));
  record.next_deadline = row.Text(9);
  record.parties_disclosed = row.Int(10) != 0;
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(11));
  CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(12));
  record.version = row.Int(13);
  record.body = row.Text(14);
  record.parties = row.Text(16);
  return record;
}

std::string QueueKey(const CaseRecord& record) {
  return record.next_due ? FormatDate(*record.next_due) : std::string(kFarFuture);
}

// Whether the scope's organisation may see the case at all, and whether it is
// the administration. kNotFound otherwise (as for a missing case).
struct Visibility {
  bool administration = false;
};

Result<Visibility> CheckVisible(SqliteDb& db, const Scope& scope, const std::string& case_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT org_id FROM cases WHERE id = ? AND (org_id = ? OR holder_org_id = ?)",
                 "checking case visibility"));
  query.BindAll(case_id, scope.org_id, scope.org_id);
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row || scope.org_id.empty()) return NotFound(fmt::format("case {} not found", case_id));
  return Visibility{query.Text(0) == scope.org_id};
}

}  // namespace

Result<CaseRecord> GetCase(SqliteDb& db, const Scope& scope, const std::string& id) {
  if (scope.org_id.empty()) return NotFound(fmt::format("case {} not found", id));
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM cases WHERE id = ?2 AND (org_id = ?1 OR "
                             "holder_org_id = ?1)",
                             kCaseColumns),
                 "reading case"));
  query.Bind(1, scope.org_id).Bind(2, id);
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return NotFound(fmt::format("case {} not found", id));
  return ReadCase(query);
}

Result<Page<CaseRecord>> ListCases(SqliteDb& db, const Scope& scope, const CaseFilter& filter) {
  if (filter.limit < 1 || filter.limit > 1000) {
    return InvalidInput(fmt::format("limit {} is outside 1..1000", filter.limit),
                        {{"limit", "must be between 1 and 1000"}});
  }
  std::optional<std::pair<std::string, std::string>> after;
  if (!filter.after.empty()) {
    CORDON_ASSIGN_OR_RETURN(after, DecodeCursor(filter.after));
  }
  const bool by_due = filter.order == CaseFilter::Order::kNextDue;
  const char* key_column = by_due ? "queue_key" : "created_at";
  if (after && !by_due) {
    std::optional<Timestamp> at = ParseTimestamp(after->first);
    if (!at) {
      return InvalidInput("malformed pagination cursor",
                          {{"cursor", "not a cursor returned by a previous page"}});
    }
    after->first = FormatTimestamp(*at);
  }
  std::string sql = fmt::format("SELECT {} FROM cases WHERE (org_id = ?1 OR holder_org_id = ?1)",
                                kCaseColumns);
  if (filter.open_only || by_due) sql += " AND is_open = 1";
  if (filter.state) sql += " AND state = ?";
  if (filter.office) sql += " AND office = ?";
  if (after) sql += fmt::format(" AND ({0} > ? OR ({0} = ? AND id > ?))", key_column);
  sql += fmt::format(" ORDER BY {}, id LIMIT ?", key_column);
  CORDON_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql, "listing cases"));
  int index = 1;
  query.Bind(index++, scope.org_id);
  if (filter.state) query.Bind(index++, *filter.state);
  if (filter.office) query.Bind(index++, *filter.office);
  if (after) {
    query.Bind(index++, after->first);
    query.Bind(index++, after->first);
    query.Bind(index++, after->second);
  }
  query.Bind(index++, filter.limit + 1);
  Page<CaseRecord> page;
  if (scope.org_id.empty()) return page;
  CORDON_ASSIGN_OR_RETURN(std::vector<CaseRecord> rows, ReadAll<CaseRecord>(query, ReadCase));
  if (rows.size() > static_cast<size_t>(filter.limit)) {
    rows.resize(static_cast<size_t>(filter.limit));
    const CaseRecord& last = rows.back();
    page.next_cursor =
        EncodeCursor(by_due ? QueueKey(last) : FormatTimestamp(last.created_at), last.id);
  }
  page.items = std::move(rows);
  return page;
}

Result<std::vector<CaseGoodsRecord>> ListCaseGoods(SqliteDb& db, const Scope& scope,
                                                   const std::string& case_id) {
  CORDON_RETURN_IF_ERROR(CheckVisible(db, scope, case_id).status());
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT ordinal, description, hs, quantity, unit, product_category, ipr_type, "
                 "mark, estimated_value_cents FROM case_goods WHERE case_id = ? ORDER BY ordinal",
                 "listing case goods"));
  query.Bind(1, case_id);
  return ReadAll<CaseGoodsRecord>(query, [](const Statement& row) -> Result<CaseGoodsRecord> {
    CaseGoodsRecord goods;
    goods.ordinal = static_cast<int>(row.Int(0));
    goods.description = row.Text(1);
    goods.hs = row.Text(2);
    goods.quantity = row.Text(3);
    goods.unit = row.Text(4);
    goods.product_category = row.Text(5);
    goods.ipr_type = row.Text(6);
    goods.mark = row.Text(7);
    if (!row.IsNull(8)) goods.estimated_value_cents = row.Int(8);
    return goods;
  });
}

Result<std::vector<CaseEventRecord>> ListCaseEvents(SqliteDb& db, const Scope& scope,
                                                    const std::string& case_id) {
  CORDON_RETURN_IF_ERROR(CheckVisible(db, scope, case_id).status());
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT case_id, seq, at, org_id, user_id, party, action, from_state, to_state, "
                 "detail FROM case_events WHERE case_id = ? ORDER BY seq",
                 "listing case events"));
  query.Bind(1, case_id);
  return ReadAll<CaseEventRecord>(query, [](const Statement& row) -> Result<CaseEventRecord> {
    CaseEventRecord event;
    event.case_id = row.Text(0);
    event.seq = row.Int(1);
    CORDON_ASSIGN_OR_RETURN(event.at, row.TimestampAt(2));
    event.org_id = row.Text(3);
    event.user_id = row.Text(4);
    event.party = row.Text(5);
    event.action = row.Text(6);
    event.from_state = row.Text(7);
    event.to_state = row.Text(8);
    event.detail = row.Text(9);
    return event;
  });
}

namespace {
constexpr const char* kEvidenceColumns =
    "id, case_id, sha256, media_type, size, filename, description, org_id, user_id, created_at";

Result<EvidenceRecord> ReadEvidence(const Statement& row) {
  EvidenceRecord record;
  record.id = row.Text(0);
  record.case_id = row.Text(1);
  record.sha256 = row.Text(2);
  record.media_type = row.Text(3);
  record.size = row.Int(4);
  record.filename = row.Text(5);
  record.description = row.Text(6);
  record.org_id = row.Text(7);
  record.user_id = row.Text(8);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(9));
  return record;
}
}  // namespace

Result<std::vector<EvidenceRecord>> ListEvidence(SqliteDb& db, const Scope& scope,
                                                 const std::string& case_id) {
  CORDON_RETURN_IF_ERROR(CheckVisible(db, scope, case_id).status());
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM case_evidence WHERE case_id = ? "
                             "ORDER BY created_at, id",
                             kEvidenceColumns),
                 "listing evidence"));
  query.Bind(1, case_id);
  return ReadAll<EvidenceRecord>(query, ReadEvidence);
}

Result<std::string> GetEvidenceContent(SqliteDb& db, const Scope& scope,
                                       const std::string& case_id,
                                       const std::string& evidence_id) {
  CORDON_RETURN_IF_ERROR(CheckVisible(db, scope, case_id).status());
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT b.content FROM case_evidence e JOIN evidence_blobs b ON "
                 "b.sha256 = e.sha256 WHERE e.id = ? AND e.case_id = ?",
                 "reading evidence"));
  query.Bind(1, evidence_id).Bind(2, case_id);
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return NotFound(fmt::format("evidence {} not found", evidence_id));
  return query.Blob(0);
}

Result<std::vector<CaseRecord>> ListCasesDueBefore(SqliteDb& db, Date day, int limit) {
  if (limit < 1 || limit > 1000) {
    return InvalidInput(fmt::format("limit {} is outside 1..1000", limit),
                        {{"limit", "must be between 1 and 1000"}});
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM cases WHERE is_open = 1 AND next_due IS NOT NULL "
                             "AND next_due < ? ORDER BY next_due, id LIMIT ?",
                             kCaseColumnsUnscoped),
                 "listing due cases"));
  query.Bind(1, day).Bind(2, limit);
  return ReadAll<CaseRecord>(query, ReadCase);
}

Status InsertCase(SqliteDb& db, const CaseRecord& record,
                  const std::vector<CaseGoodsRecord>& goods) {
  std::string what = fmt::format("inserting case {}", record.id);
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO cases (id, org_id, holder_org_id, application_id, office, "
                 "procedure, state, is_open, next_due, next_deadline, queue_key, "
                 "parties_disclosed, created_at, updated_at, version, body, parties) "
                 "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 what));
  insert.BindAll(record.id, record.org_id, record.holder_org_id, record.application_id,
                 record.office, record.procedure, record.state, record.open ? 1 : 0,
                 record.next_due, record.next_deadline, QueueKey(record),
                 record.parties_disclosed ? 1 : 0, record.created_at, record.updated_at, 1,
                 record.body, record.parties);
  CORDON_RETURN_IF_ERROR(insert.Run());
  for (const CaseGoodsRecord& line : goods) {
    CORDON_ASSIGN_OR_RETURN(
        Statement goods_insert,
        db.Prepare("INSERT INTO case_goods (case_id, ordinal, description, hs, quantity, unit, "
                   "product_category, ipr_type, mark, estimated_value_cents) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   what));
    goods_insert.BindAll(record.id, line.ordinal, line.description, line.hs, line.quantity,
                         line.unit, line.product_category, line.ipr_type, line.mark,
                         line.estimated_value_cents);
    CORDON_RETURN_IF_ERROR(goods_insert.Run());
  }
  return Status::Ok();
}

Status UpdateCase(SqliteDb& db, const Scope& scope, const CaseRecord& record) {
  std::string what = fmt::format("updating case {}", record.id);
  CORDON_ASSIGN_OR_RETURN(
      Statement current,
      db.Prepare("SELECT version FROM cases WHERE id = ? AND org_id = ?", what));
  current.Bind(1, record.id).Bind(2, scope.org_id);
  CORDON_ASSIGN_OR_RETURN(bool has_row, current.Step());
  if (!has_row || scope.org_id.empty()) {
    return NotFound(fmt::format("case {} not found", record.id));
  }
  if (current.Int(0) != record.version) {
    return Conflict(fmt::format("case {} was changed meanwhile (version {}, not {}); read it again",
                                record.id, current.Int(0), record.version));
  }
  std::string sql =
      "UPDATE cases SET holder_org_id = ?, application_id = ?, state = ?, is_open = ?, "
      "next_due = ?, next_deadline = ?, queue_key = ?, parties_disclosed = ?, updated_at = ?, "
      "version = version + 1, body = ?";
  if (!record.parties.empty()) sql += ", parties = ?";
  sql += " WHERE id = ? AND org_id = ?";
  CORDON_ASSIGN_OR_RETURN(Statement update, db.Prepare(sql, what));
  int index = 1;
  update.Bind(index++, record.holder_org_id);
  update.Bind(index++, record.application_id);
  update.Bind(index++, record.state);
  update.Bind(index++, record.open ? 1 : 0);
  update.Bind(index++, record.next_due);
  update.Bind(index++, record.next_deadline);
  update.Bind(index++, QueueKey(record));
  update.Bind(index++, record.parties_disclosed ? 1 : 0);
  update.Bind(index++, record.updated_at);
  update.Bind(index++, record.body);
  if (!record.parties.empty()) update.Bind(index++, record.parties);
  update.Bind(index++, record.id);
  update.Bind(index++, scope.org_id);
  return update.Run();
}

Result<long long> AppendCaseEvent(SqliteDb& db, const CaseEventRecord& event) {
  std::string what = fmt::format("appending event {} to case {}", event.action, event.case_id);
  CORDON_ASSIGN_OR_RETURN(
      Statement exists, db.Prepare("SELECT COUNT(*) FROM cases WHERE id = ?", what));
  exists.Bind(1, event.case_id);
  CORDON_ASSIGN_OR_RETURN(bool has_row, exists.Step());
  if (!has_row || exists.Int(0) == 0) {
    return NotFound(fmt::format("case {} not found", event.case_id));
  }
  // Writers are serialised, so max + 1 is race-free and keeps seq dense.
  CORDON_ASSIGN_OR_RETURN(
      Statement next,
      db.Prepare("SELECT COALESCE(MAX(seq), 0) + 1 FROM case_events WHERE case_id = ?", what));
  next.Bind(1, event.case_id);
  CORDON_ASSIGN_OR_RETURN(has_row, next.Step());
  long long seq = has_row ? next.Int(0) : 1;
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO case_events (case_id, seq, at, org_id, user_id, party, action, "
                 "from_state, to_state, detail) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                 what));
  insert.BindAll(event.case_id, seq, event.at, event.org_id, event.user_id, event.party,
                 event.action, event.from_state, event.to_state, event.detail);
  CORDON_RETURN_IF_ERROR(insert.Run());
  return seq;
}

Status InsertEvidence(SqliteDb& db, const EvidenceRecord& record, const std::string& content) {
  std::string what = fmt::format("storing evidence {}", record.id);
  CORDON_ASSIGN_OR_RETURN(Statement stored,
                          db.Prepare("SELECT size FROM evidence_blobs WHERE sha256 = ?", what));
  stored.Bind(1, record.sha256);
  CORDON_ASSIGN_OR_RETURN(bool has_row, stored.Step());
  if (!has_row) {
    CORDON_ASSIGN_OR_RETURN(
        Statement blob,
        db.Prepare("INSERT INTO evidence_blobs (sha256, size, content) VALUES (?, ?, ?)", what));
    blob.Bind(1, record.sha256)
        .Bind(2, static_cast<long long>(content.size()))
        .BindBlob(3, content);
    CORDON_RETURN_IF_ERROR(blob.Run());
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare(fmt::format("INSERT INTO case_evidence ({}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                             kEvidenceColumns),
                 what));
  insert.BindAll(record.id, record.case_id, record.sha256, record.media_type, record.size,
                 record.filename, record.description, record.org_id, record.user_id,
                 record.created_at);
  return insert.Run();
}

Status MoveCaseNoticesToNotices(SqliteDb& db) {
  // SQLite's JSON functions read the old content; this step is SQLite's own.
  CORDON_ASSIGN_OR_RETURN(
      Statement move,
      db.Prepare(
          "INSERT INTO notices (id, sender_org_id, recipient_org_id, recipient_role, "
          "recipient_party, kind, subject, body, data, object_type, object_id, created_at, "
          "due_by, read_at, planned) "
          "SELECT n.id, n.org_id, NULLIF(n.recipient_org_id, ''), n.recipient_party, "
          "CASE WHEN n.recipient_party = 'declarant' "
          "THEN COALESCE(json_extract(n.content, '$.parties.declarant'), '{}') ELSE '{}' END, "
          "'case.' || n.kind || '_notice', "
          "COALESCE(json_extract(n.content, '$.subject'), 'Case notice') || ' (case ' || "
          "n.case_id || ')', "
          "'Case ' || n.case_id || ', office ' || COALESCE(json_extract(n.content, '$.office'), "
          "'') || '.' || char(10) || char(10) || COALESCE(json_extract(n.content, '$.subject'), "
          "'') || '.' || char(10) || char(10) || 'Legal basis: ' || "
          "COALESCE(json_extract(n.content, '$.reference'), '') || '.' || char(10), "
          "n.content, 'case', n.case_id, n.created_at, n.due_on, NULL, 0 "
          "FROM case_notices n ORDER BY n.created_at, n.id",
          "moving case notices to notices"));
  CORDON_RETURN_IF_ERROR(move.Run());
  CORDON_ASSIGN_OR_RETURN(Statement drop,
                          db.Prepare("DROP TABLE case_notices", "retiring case_notices"));
  return drop.Run();
}

}  // namespace cordon::sqlite_cases
