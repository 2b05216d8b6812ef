// SQL for the exchange between nodes; see sqlite_exchange.h. Portable SQL
// only (see migrations.cc).
#include "store/sqlite_exchange.h"

#include <fmt/format.h>

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "store/cursor.h"

namespace cordon::sqlite_exchange {
namespace {

std::string TypeList(const std::vector<std::string>& types) { return nlohmann::json(types).dump(); }

Result<std::vector<std::string>> ParseTypeList(const std::string& text) {
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (!parsed.is_array()) return Corrupt("exchange partner type list is not a JSON array");
  std::vector<std::string> types;
  for (const auto& type : parsed) {
    if (!type.is_string()) return Corrupt("exchange partner type list holds a non-string");
    types.push_back(type.get<std::string>());
  }
  return types;
}

constexpr const char* kPartnerColumns =
    "org_id, node_id, name, inbox_url, jwks, legal_basis, allow_send, allow_receive, status, "
    "created_at, updated_at, country";

Result<ExchangePartnerRecord> ReadPartner(const Statement& row) {
  ExchangePartnerRecord record;
  record.org_id = row.Text(0);
  record.node_id = row.Text(1);
  record.name = row.Text(2);
  record.inbox_url = row.Text(3);
  record.jwks = row.Text(4);
  record.legal_basis = row.Text(5);
  CORDON_ASSIGN_OR_RETURN(record.allow_send, ParseTypeList(row.Text(6)));
  CORDON_ASSIGN_OR_RETURN(record.allow_receive, ParseTypeList(row.Text(7)));
  record.status = row.Text(8);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(9));
  CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(10));
  record.country = row.Text(11);
  return record;
}

constexpr const char* kMessageColumns =
    "id, org_id, direction, message_id, partner, type, version, in_reply_to, group_name, "
    "payload, envelope, envelope_sha256, state, attempts, next_attempt_at, last_error, receipt, "
    "object_type, object_id, created_by, created_at, expires_at, updated_at, result";

Result<ExchangeMessageRecord> ReadMessage(const Statement& row) {
  ExchangeMessageRecord record;
  record.id = row.Text(0);
  record.org_id = row.Text(1);
  record.direction = row.Text(2);
  record.message_id = row.Text(3);
  record.partner = row.Text(4);
  record.type = row.Text(5);
  record.version = static_cast<int>(row.Int(6));
  record.in_reply_to = row.Text(7);
  record.group_name = row.Text(8);
  record.payload = row.Text(9);
  record.envelope = row.Text(10);
  record.envelope_sha256 = row.Text(11);
  record.state = row.Text(12);
  record.attempts = static_cast<int>(row.Int(13));
  CORDON_ASSIGN_OR_RETURN(record.next_attempt_at, row.OptionalTimestampAt(14));
  record.last_error = row.Text(15);
  record.receipt = row.Text(16);
  record.object_type = row.Text(17);
  record.object_id = row.Text(18);
  record.created_by = row.Text(19);
  CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(20));
  CORDON_ASSIGN_OR_RETURN(record.expires_at, row.TimestampAt(21));
  CORDON_ASSIGN_OR_RETURN(record.updated_at, row.TimestampAt(22));
  record.result = row.Text(23);
  return record;
}

Result<std::vector<std::string>> GroupMembers(SqliteDb& db, const std::string& org_id,
                                              const std::string& name) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT node_id FROM exchange_group_members WHERE org_id = ? AND group_name = ? "
                 "ORDER BY node_id",
                 "reading exchange group members"));
  query.Bind(1, org_id).Bind(2, name);
  return ReadAll<std::string>(query, [](const Statement& row) -> Result<std::string> {
    return row.Text(0);
  });
}

}  // namespace

Result<ExchangePartnerRecord> GetPartner(SqliteDb& db, const Scope& scope,
                                         const std::string& node_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM exchange_partners WHERE org_id = ? AND node_id = ?",
                             kPartnerColumns),
                 "reading exchange partner"));
  query.Bind(1, scope.org_id).Bind(2, node_id);
  return ReadOne<ExchangePartnerRecord>(query, ReadPartner,
                                        fmt::format("partner {} not found", node_id));
}

Result<std::vector<ExchangePartnerRecord>> ListPartners(SqliteDb& db, const Scope& scope) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM exchange_partners WHERE org_id = ? ORDER BY node_id",
                             kPartnerColumns),
                 "listing exchange partners"));
  query.Bind(1, scope.org_id);
  return ReadAll<ExchangePartnerRecord>(query, ReadPartner);
}

Result<ExchangeGroupRecord> GetGroup(SqliteDb& db, const Scope& scope, const std::string& name) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT org_id, name, description, created_at FROM exchange_groups "
                 "WHERE org_id = ? AND name = ?",
                 "reading exchange group"));
  query.Bind(1, scope.org_id).Bind(2, name);
  CORDON_ASSIGN_OR_RETURN(
      ExchangeGroupRecord group,
      ReadOne<ExchangeGroupRecord>(
          query,
          [](const Statement& row) -> Result<ExchangeGroupRecord> {
            ExchangeGroupRecord record;
            record.org_id = row.Text(0);
            record.name = row.Text(1);
            record.description = row.Text(2);
            CORDON_ASSIGN_OR_RETURN(record.created_at, row.TimestampAt(3));
            return record;
          },
          fmt::format("group {} not found", name)));
  CORDON_ASSIGN_OR_RETURN(group.members, GroupMembers(db, group.org_id, group.name));
  return group;
}

Result<std::vector<ExchangeGroupRecord>> ListGroups(SqliteDb& db, const Scope& scope) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT name FROM exchange_groups WHERE org_id = ? ORDER BY name",
                 "listing exchange groups"));
  query.Bind(1, scope.org_id);
  CORDON_ASSIGN_OR_RETURN(std::vector<std::string> names,
                          ReadAll<std::string>(query, [](const Statement& row) -> Result<std::string> {
                            return row.Text(0);
                          }));
  std::vector<ExchangeGroupRecord> groups;
  for (const std::string& name : names) {
    CORDON_ASSIGN_OR_RETURN(ExchangeGroupRecord group, GetGroup(db, scope, name));
    groups.push_back(std::move(group));
  }
  return groups;
}

Result<ExchangeMessageRecord> GetMessage(SqliteDb& db, const Scope& scope, const std::string& id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM exchange_messages WHERE id = ? AND org_id = ?",
                             kMessageColumns),
                 "reading exchange message"));
  query.Bind(1, id).Bind(2, scope.org_id);
  return ReadOne<ExchangeMessageRecord>(query, ReadMessage,
                                        fmt::format("message {} not found", id));
}

Result<ExchangeMessageRecord> FindMessage(SqliteDb& db, const Scope& scope,
                                          const std::string& direction,
                                          const std::string& partner,
                                          const std::string& message_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM exchange_messages WHERE org_id = ? AND "
                             "direction = ? AND partner = ? AND message_id = ?",
                             kMessageColumns),
                 "finding exchange message"));
  query.BindAll(scope.org_id, direction, partner, message_id);
  return ReadOne<ExchangeMessageRecord>(
      query, ReadMessage, fmt::format("message {} from {} not found", message_id, partner));
}

Result<Page<ExchangeMessageRecord>> ListMessages(SqliteDb& db, const Scope& scope,
                                                 const ExchangeMessageFilter& filter) {
  std::optional<std::pair<std::string, std::string>> after;
  if (!filter.after.empty()) {
    CORDON_ASSIGN_OR_RETURN(after, store_internal::DecodeCursor(filter.after));
  }
  const int limit = std::clamp(filter.limit, 1, 1000);
  std::string sql = fmt::format("SELECT {} FROM exchange_messages WHERE org_id = ?", kMessageColumns);
  if (filter.direction) sql += " AND direction = ?";
  if (filter.state) sql += " AND state = ?";
  if (filter.type) sql += " AND type = ?";
  if (after) sql += " AND (created_at < ? OR (created_at = ? AND id < ?))";
  sql += " ORDER BY created_at DESC, id DESC LIMIT ?";
  CORDON_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql, "listing exchange messages"));
  int index = 1;
  query.Bind(index++, scope.org_id);
  if (filter.direction) query.Bind(index++, *filter.direction);
  if (filter.state) query.Bind(index++, *filter.state);
  if (filter.type) query.Bind(index++, *filter.type);
  if (after) {
    query.Bind(index++, after->first);
    query.Bind(index++, after->first);
    query.Bind(index++, after->second);
  }
  query.Bind(index++, limit + 1);
  CORDON_ASSIGN_OR_RETURN(std::vector<ExchangeMessageRecord> items,
                          ReadAll<ExchangeMessageRecord>(query, ReadMessage));
  Page<ExchangeMessageRecord> page;
  if (static_cast<int>(items.size()) > limit) {
    items.resize(limit);
    page.next_cursor =
        store_internal::EncodeCursor(FormatTimestamp(items.back().created_at), items.back().id);
  }
  page.items = std::move(items);
  return page;
}

Result<std::vector<ExchangeRejectionRecord>> ListRejections(SqliteDb& db, const Scope& scope,
                                                            int limit) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT id, org_id, at, reason, detail, sender, message_id, envelope_sha256 "
                 "FROM exchange_rejections WHERE org_id = ? ORDER BY at DESC, id DESC LIMIT ?",
                 "listing exchange rejections"));
  query.Bind(1, scope.org_id).Bind(2, std::clamp(limit, 1, 1000));
  return ReadAll<ExchangeRejectionRecord>(
      query, [](const Statement& row) -> Result<ExchangeRejectionRecord> {
        ExchangeRejectionRecord record;
        record.id = row.Text(0);
        record.org_id = row.Text(1);
        CORDON_ASSIGN_OR_RETURN(record.at, row.TimestampAt(2));
        record.reason = row.Text(3);
        record.detail = row.Text(4);
        record.sender = row.Text(5);
        record.message_id = row.Text(6);
        record.envelope_sha256 = row.Text(7);
        return record;
      });
}

Result<std::vector<ExchangeMessageRecord>> ListDueMessages(SqliteDb& db, Timestamp now,
                                                           int limit) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM exchange_messages WHERE direction = 'out' AND "
                             "state = 'pending' AND next_attempt_at <= ? "
                             "ORDER BY next_attempt_at, id LIMIT ?",
                             kMessageColumns),
                 "listing due exchange messages"));
  query.Bind(1, now).Bind(2, std::max(limit, 1));
  return ReadAll<ExchangeMessageRecord>(query, ReadMessage);
}

Result<std::optional<Timestamp>> NextMessageDue(SqliteDb& db) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT MIN(next_attempt_at) FROM exchange_messages WHERE direction = 'out' AND "
                 "state = 'pending'",
                 "reading next exchange delivery"));
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  if (!has_row) return std::optional<Timestamp>();
  return query.OptionalTimestampAt(0);
}

Status InsertPartner(SqliteDb& db, const ExchangePartnerRecord& record) {
  const std::string what = fmt::format("registering partner {}", record.node_id);
  Result<ExchangePartnerRecord> existing = GetPartner(db, Scope{record.org_id}, record.node_id);
  if (existing.ok()) return Conflict(fmt::format("partner {} is already registered", record.node_id));
  if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare(fmt::format("INSERT INTO exchange_partners ({}) VALUES (?,?,?,?,?,?,?,?,?,?,?,?)",
                             kPartnerColumns),
                 what));
  insert.BindAll(record.org_id, record.node_id, record.name, record.inbox_url, record.jwks,
                 record.legal_basis, TypeList(record.allow_send), TypeList(record.allow_receive),
                 record.status, record.created_at, record.updated_at, record.country);
  return insert.Run();
}

Status UpdatePartner(SqliteDb& db, const ExchangePartnerRecord& record) {
  const std::string what = fmt::format("updating partner {}", record.node_id);
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE exchange_partners SET name = ?, inbox_url = ?, jwks = ?, legal_basis = ?, "
                 "allow_send = ?, allow_receive = ?, status = ?, updated_at = ?, country = ? "
                 "WHERE org_id = ? AND node_id = ?",
                 what));
  update.BindAll(record.name, record.inbox_url, record.jwks, record.legal_basis,
                 TypeList(record.allow_send), TypeList(record.allow_receive), record.status,
                 record.updated_at, record.country, record.org_id, record.node_id);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) return NotFound(fmt::format("partner {} not found", record.node_id));
  return Status::Ok();
}

Status PutGroup(SqliteDb& db, const ExchangeGroupRecord& record) {
  const std::string what = fmt::format("storing group {}", record.name);
  CORDON_ASSIGN_OR_RETURN(
      Statement remove_members,
      db.Prepare("DELETE FROM exchange_group_members WHERE org_id = ? AND group_name = ?", what));
  remove_members.Bind(1, record.org_id).Bind(2, record.name);
  CORDON_RETURN_IF_ERROR(remove_members.Run());
  CORDON_ASSIGN_OR_RETURN(
      Statement remove_group,
      db.Prepare("DELETE FROM exchange_groups WHERE org_id = ? AND name = ?", what));
  remove_group.Bind(1, record.org_id).Bind(2, record.name);
  CORDON_RETURN_IF_ERROR(remove_group.Run());
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO exchange_groups (org_id, name, description, created_at) "
                 "VALUES (?, ?, ?, ?)",
                 what));
  insert.BindAll(record.org_id, record.name, record.description, record.created_at);
  CORDON_RETURN_IF_ERROR(insert.Run());
  for (const std::string& member : record.members) {
    CORDON_ASSIGN_OR_RETURN(
        Statement add,
        db.Prepare("INSERT INTO exchange_group_members (org_id, group_name, node_id) "
                   "VALUES (?, ?, ?)",
                   what));
    add.BindAll(record.org_id, record.name, member);
    CORDON_RETURN_IF_ERROR(add.Run());
  }
  return Status::Ok();
}

Status InsertMessage(SqliteDb& db, const ExchangeMessageRecord& record) {
  const std::string what = fmt::format("storing exchange message {}", record.id);
  Result<ExchangeMessageRecord> existing =
      FindMessage(db, Scope{record.org_id}, record.direction, record.partner, record.message_id);
  if (existing.ok()) {
    return Conflict(fmt::format("message {} of {} is already stored", record.message_id,
                                record.partner));
  }
  if (existing.error().code() != ErrorCode::kNotFound) return existing.error();
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare(fmt::format("INSERT INTO exchange_messages ({}) VALUES "
                             "(?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)",
                             kMessageColumns),
                 what));
  insert.BindAll(record.id, record.org_id, record.direction, record.message_id, record.partner,
                 record.type, record.version, record.in_reply_to, record.group_name, record.payload,
                 record.envelope, record.envelope_sha256, record.state, record.attempts,
                 record.next_attempt_at, record.last_error, record.receipt, record.object_type,
                 record.object_id, record.created_by, record.created_at, record.expires_at,
                 record.updated_at, record.result);
  return insert.Run();
}

Status UpdateMessage(SqliteDb& db, const ExchangeMessageRecord& record,
                     const std::string& expected_state) {
  const std::string what = fmt::format("updating exchange message {}", record.id);
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE exchange_messages SET state = ?, attempts = ?, next_attempt_at = ?, "
                 "last_error = ?, receipt = ?, updated_at = ?, result = ? "
                 "WHERE id = ? AND org_id = ? AND state = ?",
                 what));
  update.BindAll(record.state, record.attempts, record.next_attempt_at, record.last_error,
                 record.receipt, record.updated_at, record.result, record.id, record.org_id,
                 expected_state);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() == 0) {
    return Conflict(fmt::format("message {} is no longer {}", record.id, expected_state));
  }
  return Status::Ok();
}

Status InsertRejection(SqliteDb& db, const ExchangeRejectionRecord& record) {
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO exchange_rejections (id, org_id, at, reason, detail, sender, "
                 "message_id, envelope_sha256) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                 "recording an exchange rejection"));
  insert.BindAll(record.id, record.org_id, record.at, record.reason, record.detail, record.sender,
                 record.message_id, record.envelope_sha256);
  return insert.Run();
}

}  // namespace cordon::sqlite_exchange
