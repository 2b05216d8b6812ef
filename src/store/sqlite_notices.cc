// SQL for notices, webhook endpoints and the delivery outbox; see
// sqlite_notices.h. Portable SQL only (see migrations.cc).
#include "store/sqlite_notices.h"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <utility>

#include "store/cursor.h"

namespace cordon::sqlite_notices {
namespace {

// Inbox cursor: hex of "created_at|id" (newest-first order). Opaque to callers.
using store_internal::EncodeCursor;

Result<std::pair<std::string, std::string>> DecodeCursor(const std::string& cursor) {
  CORDON_ASSIGN_OR_RETURN(auto parts, store_internal::DecodeCursor(cursor));
  std::optional<Timestamp> created_at = ParseTimestamp(parts.first);
  if (!created_at.has_value()) {
    return InvalidInput("malformed pagination cursor",
                        {{"cursor", "not a cursor returned by a previous page"}});
  }
  return std::make_pair(FormatTimestamp(*created_at), std::move(parts.second));
}

constexpr const char* kNoticeColumns =
    "n.id, n.sender_org_id, n.recipient_org_id, n.recipient_role, n.recipient_party, n.kind, "
    "n.subject, n.body, n.data, n.object_type, n.object_id, n.created_at, n.due_by, n.read_at";

Result<NoticeRecord> ReadNotice(const Statement& row) {
  NoticeRecord record;
  record.id = row.Text(0);
  record.sender_org_id = row.Text(1);
  record.recipient_org_id = row.IsNull(2) ? std::string() : row.Text(2);
  record.recipient_role = row.Text(3);
  record.recipient_party = row.Text(4);
  record.kind = row.Text(5);
  record.subject = row.Text(6);
  record.body = row.Text(7);
  record.data = row.Text(8);
  record.object_type = row.Text(9);
  record.object_id = row.Text(10);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(11));
  CORDON_ASSIGN_OR_RETURN(record.due_by, row.OptionalDateAt(12));
  CORDON_ASSIGN_OR_RETURN(record.read_at, row.OptionalTimestampAt(13));
  return record;
}

constexpr const char* kEndpointColumns =
    "id, org_id, url, description, secret, created_at, deleted_at";

Result<WebhookEndpointRecord> ReadEndpoint(const Statement& row) {
  WebhookEndpointRecord record;
  record.id = row.Text(0);
  record.org_id = row.Text(1);
  record.url = row.Text(2);
  record.description = row.Text(3);
  record.stored_secret = row.Text(4);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(5));
  CORDON_ASSIGN_OR_RETURN(record.deleted_at, row.OptionalTimestampAt(6));
  return record;
}

constexpr const char* kDeliveryColumns =
    "d.id, d.notice_id, d.channel, d.endpoint_id, d.address, d.status, d.attempts, "
    "d.next_attempt_at, d.delivered_at, d.last_error, d.created_at";

Result<NoticeDeliveryRecord> ReadDelivery(const Statement& row) {
  NoticeDeliveryRecord record;
  record.id = row.Text(0);
  record.notice_id = row.Text(1);
  record.channel = row.Text(2);
  record.endpoint_id = row.IsNull(3) ? std::string() : row.Text(3);
  record.address = row.Text(4);
  record.status = row.Text(5);
  record.attempts = static_cast<int>(row.Int(6));
  CORDON_ASSIGN_OR_RETURN(record.next_attempt_at, row.OptionalTimestampAt(7));
  CORDON_ASSIGN_OR_RETURN(record.delivered_at, row.OptionalTimestampAt(8));
  record.last_error = row.Text(9);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(10));
  return record;
}

Status LoadAttempts(SqliteDb& db, std::vector<NoticeDeliveryRecord>& deliveries) {
  for (NoticeDeliveryRecord& delivery : deliveries) {
    // One statement per delivery: a finished statement must be reset before
    // it is bound again, which returning it to the cache does.
    CORDON_ASSIGN_OR_RETURN(
        Statement query,
        db.Prepare("SELECT attempt, at, http_status, outcome, error FROM notice_delivery_attempts "
                   "WHERE delivery_id = ? ORDER BY attempt",
                   "reading delivery attempts"));
    query.Bind(1, delivery.id);
    while (true) {
      CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
      if (!has_row) break;
      DeliveryAttemptRecord attempt;
      attempt.attempt = static_cast<int>(query.Int(0));
      CORDON_ASSIGN_OR_RETURN(attempt.at, query.TimestampAt(1));
      if (!query.IsNull(2)) attempt.http_status = static_cast<int>(query.Int(2));
      attempt.outcome = query.Text(3);
      attempt.error = query.Text(4);
      delivery.attempt_log.push_back(std::move(attempt));
    }
  }
  return Status::Ok();
}

}  // namespace

Result<NoticeRecord> GetNotice(SqliteDb& db, const Scope& scope, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM notices n WHERE n.id = ? AND "
                             "(n.recipient_org_id = ? OR n.sender_org_id = ?)",
                             kNoticeColumns),
                 "reading notice"));
  query.BindAll(id, scope.org_id, scope.org_id);
  return ReadOne<NoticeRecord>(query, ReadNotice, fmt::format("notice {} not found", id));
}

Result<std::vector<NoticeRecord>> ListObjectNotices(SqliteDb& db, const Scope& scope,
                                                    const std::string& object_type,
                                                    const std::string& object_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM notices n WHERE n.object_type = ? AND "
                             "n.object_id = ? AND (n.recipient_org_id = ? OR n.sender_org_id = ?) "
                             "ORDER BY n.created_at, n.id",
                             kNoticeColumns),
                 "listing the notices of an object"));
  query.BindAll(object_type, object_id, scope.org_id, scope.org_id);
  return ReadAll<NoticeRecord>(query, ReadNotice);
}

Result<Page<NoticeRecord>> ListNotices(SqliteDb& db, const Scope& scope,
                                       const NoticeFilter& filter) {
  if (filter.box != "inbox" && filter.box != "sent") {
    return InvalidInput("unknown notice box", {{"box", "must be inbox or sent"}});
  }
  std::optional<std::pair<std::string, std::string>> after;
  if (!filter.after.empty()) {
    CORDON_ASSIGN_OR_RETURN(after, DecodeCursor(filter.after));
  }
  const int limit = std::clamp(filter.limit, 1, 1000);
  std::string sql = fmt::format("SELECT {} FROM notices n WHERE n.{} = ?", kNoticeColumns,
                                filter.box == "inbox" ? "recipient_org_id" : "sender_org_id");
  if (filter.unread_only && filter.box == "inbox") sql += " AND n.read_at IS NULL";
  if (after) sql += " AND (n.created_at < ? OR (n.created_at = ? AND n.id < ?))";
  sql += " ORDER BY n.created_at DESC, n.id DESC LIMIT ?";
  CORDON_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql, "listing notices"));
  int index = 1;
  query.Bind(index++, scope.org_id);
  if (after) {
    query.Bind(index, after->first);
    query.Bind(index + 1, after->first);
    query.Bind(index + 2, after->second);
    index += 3;
  }
  query.Bind(index++, limit + 1);
  CORDON_ASSIGN_OR_RETURN(std::vector<NoticeRecord> items, ReadAll<NoticeRecord>(query, ReadNotice));
  Page<NoticeRecord> page;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    page.next_cursor = EncodeCursor(FormatTimestamp(items.back().created_at), items.back().id);
  }
  page.items = std::move(items);
  return page;
}

Result<std::vector<NoticeDeliveryRecord>> ListNoticeDeliveries(SqliteDb& db, const Scope& scope,
                                                               const std::string& notice_id) {
  CORDON_ASSIGN_OR_RETURN(NoticeRecord notice, GetNotice(db, scope, notice_id));
  // The recipient sees the deliveries to it (its endpoints and addresses,
  // i.e. all of a notice addressed to it); the sender sees all of them.
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM notice_deliveries d WHERE d.notice_id = ? "
                             "ORDER BY d.created_at, d.id",
                             kDeliveryColumns),
                 "listing notice deliveries"));
  query.Bind(1, notice.id);
  CORDON_ASSIGN_OR_RETURN(std::vector<NoticeDeliveryRecord> deliveries,
                          ReadAll<NoticeDeliveryRecord>(query, ReadDelivery));
  CORDON_RETURN_IF_ERROR(LoadAttempts(db, deliveries));
  return deliveries;
}

Result<std::vector<WebhookEndpointRecord>> ListWebhookEndpoints(SqliteDb& db, const Scope& scope) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM webhook_endpoints WHERE org_id = ? AND "
                             "deleted_at IS NULL ORDER BY created_at, id",
                             kEndpointColumns),
                 "listing webhook endpoints"));
  query.Bind(1, scope.org_id);
  return ReadAll<WebhookEndpointRecord>(query, ReadEndpoint);
}

Result<std::vector<NoticeRecord>> ListUnplannedNotices(SqliteDb& db, int limit) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM notices n WHERE n.planned = 0 "
                             "ORDER BY n.created_at, n.id LIMIT ?",
                             kNoticeColumns),
                 "listing unplanned notices"));
  query.Bind(1, std::max(limit, 1));
  return ReadAll<NoticeRecord>(query, ReadNotice);
}

Result<std::vector<NoticeDeliveryRecord>> ListDueDeliveries(SqliteDb& db, Timestamp now,
                                                            int limit) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM notice_deliveries d WHERE d.status = 'pending' AND "
                             "d.next_attempt_at <= ? ORDER BY d.next_attempt_at, d.id LIMIT ?",
                             kDeliveryColumns),
                 "listing due deliveries"));
  query.Bind(1, now).Bind(2, std::max(limit, 1));
  return ReadAll<NoticeDeliveryRecord>(query, ReadDelivery);
}

Result<std::optional<Timestamp>> NextDeliveryDue(SqliteDb& db) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT MIN(next_attempt_at) FROM notice_deliveries WHERE status = 'pending'",
                 "finding the next due delivery"));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return std::optional<Timestamp>();
  return query.OptionalTimestampAt(0);
}

Result<std::vector<WebhookEndpointRecord>> ListAllWebhookEndpoints(SqliteDb& db) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(
          fmt::format("SELECT {} FROM webhook_endpoints ORDER BY created_at, id", kEndpointColumns),
          "listing all webhook endpoints"));
  return ReadAll<WebhookEndpointRecord>(query, ReadEndpoint);
}

Result<WebhookEndpointRecord> GetWebhookEndpointForDelivery(SqliteDb& db, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM webhook_endpoints WHERE id = ?", kEndpointColumns),
                 "reading webhook endpoint"));
  query.Bind(1, id);
  return ReadOne<WebhookEndpointRecord>(query, ReadEndpoint,
                                        fmt::format("webhook endpoint {} not found", id));
}

Result<NoticeRecord> GetNoticeForDelivery(SqliteDb& db, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM notices n WHERE n.id = ?", kNoticeColumns),
                 "reading notice for delivery"));
  query.Bind(1, id);
  return ReadOne<NoticeRecord>(query, ReadNotice, fmt::format("notice {} not found", id));
}

Status InsertNotice(SqliteDb& db, const NoticeRecord& record) {
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO notices (id, sender_org_id, recipient_org_id, recipient_role, "
                 "recipient_party, kind, subject, body, data, object_type, object_id, created_at, "
                 "due_by, read_at, planned) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
                 fmt::format("inserting notice {}", record.id)));
  insert.Bind(1, record.id).Bind(2, record.sender_org_id);
  if (record.recipient_org_id.empty()) {
    insert.BindNull(3);
  } else {
    insert.Bind(3, record.recipient_org_id);
  }
  insert.Bind(4, record.recipient_role)
      .Bind(5, record.recipient_party)
      .Bind(6, record.kind)
      .Bind(7, record.subject)
      .Bind(8, record.body)
      .Bind(9, record.data)
      .Bind(10, record.object_type)
      .Bind(11, record.object_id)
      .Bind(12, record.created_at)
      .Bind(13, record.due_by)
      .Bind(14, record.read_at);
  return insert.Run();
}

Status MarkNoticeRead(SqliteDb& db, const Scope& scope, const std::string& id, Timestamp at) {
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE notices SET read_at = COALESCE(read_at, ?) WHERE id = ? AND "
                 "recipient_org_id = ?",
                 fmt::format("marking notice {} read", id)));
  update.BindAll(at, id, scope.org_id);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) return NotFound(fmt::format("notice {} not found", id));
  return Status::Ok();
}

Status InsertWebhookEndpoint(SqliteDb& db, const WebhookEndpointRecord& record) {
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO webhook_endpoints (id, org_id, url, description, secret, "
                 "created_at, deleted_at) VALUES (?, ?, ?, ?, ?, ?, ?)",
                 fmt::format("inserting webhook endpoint {}", record.id)));
  insert.BindAll(record.id, record.org_id, record.url, record.description, record.stored_secret,
                 record.created_at, record.deleted_at);
  return insert.Run();
}

Status ReplaceWebhookSecret(SqliteDb& db, const std::string& id, const std::string& expected,
                            const std::string& replacement) {
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE webhook_endpoints SET secret = ? WHERE id = ? AND secret = ?",
                 fmt::format("replacing the secret of webhook endpoint {}", id)));
  update.BindAll(replacement, id, expected);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) {
    return Conflict(fmt::format("webhook endpoint {} is gone or its secret changed meanwhile", id));
  }
  return Status::Ok();
}

Status DeleteWebhookEndpoint(SqliteDb& db, const Scope& scope, const std::string& id,
                             Timestamp at) {
  std::string what = fmt::format("deleting webhook endpoint {}", id);
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE webhook_endpoints SET deleted_at = ? WHERE id = ? AND org_id = ? AND "
                 "deleted_at IS NULL",
                 what));
  update.BindAll(at, id, scope.org_id);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) return NotFound(fmt::format("webhook endpoint {} not found", id));
  CORDON_ASSIGN_OR_RETURN(
      Statement cancel,
      db.Prepare("UPDATE notice_deliveries SET status = 'cancelled', next_attempt_at = NULL, "
                 "last_error = 'endpoint deleted' WHERE endpoint_id = ? AND status = 'pending'",
                 what));
  cancel.Bind(1, id);
  return cancel.Run();
}

Status PlanNoticeDeliveries(SqliteDb& db, const std::string& notice_id,
                            const std::vector<NoticeDeliveryRecord>& deliveries) {
  std::string what = fmt::format("planning deliveries of notice {}", notice_id);
  CORDON_ASSIGN_OR_RETURN(
      Statement mark,
      db.Prepare("UPDATE notices SET planned = 1 WHERE id = ? AND planned = 0", what));
  mark.Bind(1, notice_id);
  CORDON_RETURN_IF_ERROR(mark.Run());
  if (db.Changes() == 0) {
    return Conflict(fmt::format("notice {} is planned already or does not exist", notice_id));
  }
  for (const NoticeDeliveryRecord& delivery : deliveries) {
    CORDON_ASSIGN_OR_RETURN(
        Statement insert,
        db.Prepare("INSERT INTO notice_deliveries (id, notice_id, channel, endpoint_id, address, "
                   "status, attempts, next_attempt_at, delivered_at, last_error, created_at) "
                   "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                   what));
    insert.BindAll(delivery.id, notice_id, delivery.channel);
    if (delivery.endpoint_id.empty()) {
      insert.BindNull(4);
    } else {
      insert.Bind(4, delivery.endpoint_id);
    }
    insert.Bind(5, delivery.address)
        .Bind(6, delivery.status)
        .Bind(7, delivery.attempts)
        .Bind(8, delivery.next_attempt_at)
        .Bind(9, delivery.delivered_at)
        .Bind(10, delivery.last_error)
        .Bind(11, delivery.created_at);
    CORDON_RETURN_IF_ERROR(insert.Run());
  }
  return Status::Ok();
}

Status RecordDeliveryAttempt(SqliteDb& db, const std::string& delivery_id,
                             const DeliveryAttemptRecord& attempt, const std::string& status,
                             std::optional<Timestamp> next_attempt_at) {
  std::string what = fmt::format("recording attempt {} of delivery {}", attempt.attempt,
                                 delivery_id);
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE notice_deliveries SET status = ?, attempts = ?, next_attempt_at = ?, "
                 "delivered_at = ?, last_error = ? WHERE id = ? AND status = 'pending' AND "
                 "attempts = ?",
                 what));
  std::optional<Timestamp> delivered_at;
  if (status == "delivered") delivered_at = attempt.at;
  update.BindAll(status, attempt.attempt, status == "pending" ? next_attempt_at : std::nullopt,
                 delivered_at, attempt.error, delivery_id, attempt.attempt - 1);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) {
    return Conflict(fmt::format("delivery {} is no longer pending at attempt {}", delivery_id,
                                attempt.attempt));
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO notice_delivery_attempts (delivery_id, attempt, at, http_status, "
                 "outcome, error) VALUES (?, ?, ?, ?, ?, ?)",
                 what));
  insert.BindAll(delivery_id, attempt.attempt, attempt.at, attempt.http_status, attempt.outcome,
                 attempt.error);
  return insert.Run();
}

}  // namespace cordon::sqlite_notices
