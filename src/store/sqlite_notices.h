// SQL for notices, webhook endpoints and deliveries, internal to the store.
// sqlite_store.cc forwards the Store operations of notice_records.h here (one
// file per topic keeps the SQL of each beside its readers). Contracts are
// those of store.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cordon::sqlite_notices {

Result<NoticeRecord> GetNotice(SqliteDb& db, const Scope& scope, const std::string& id);
Result<std::vector<NoticeRecord>> ListObjectNotices(SqliteDb& db, const Scope& scope,
                                                    const std::string& object_type,
                                                    const std::string& object_id);
Result<Page<NoticeRecord>> ListNotices(SqliteDb& db, const Scope& scope,
                                       const NoticeFilter& filter);
Result<std::vector<NoticeDeliveryRecord>> ListNoticeDeliveries(SqliteDb& db, const Scope& scope,
                                                               const std::string& notice_id);
Result<std::vector<WebhookEndpointRecord>> ListWebhookEndpoints(SqliteDb& db, const Scope& scope);
Result<std::vector<NoticeRecord>> ListUnplannedNotices(SqliteDb& db, int limit);
Result<std::vector<NoticeDeliveryRecord>> ListDueDeliveries(SqliteDb& db, Timestamp now,
                                                            int limit);
Result<std::optional<Timestamp>> NextDeliveryDue(SqliteDb& db);
Result<std::vector<WebhookEndpointRecord>> ListAllWebhookEndpoints(SqliteDb& db);
Result<WebhookEndpointRecord> GetWebhookEndpointForDelivery(SqliteDb& db, const std::string& id);
Result<NoticeRecord> GetNoticeForDelivery(SqliteDb& db, const std::string& id);

Status InsertNotice(SqliteDb& db, const NoticeRecord& record);
Status MarkNoticeRead(SqliteDb& db, const Scope& scope, const std::string& id, Timestamp at);
Status InsertWebhookEndpoint(SqliteDb& db, const WebhookEndpointRecord& record);
Status ReplaceWebhookSecret(SqliteDb& db, const std::string& id, const std::string& expected,
                            const std::string& replacement);
Status DeleteWebhookEndpoint(SqliteDb& db, const Scope& scope, const std::string& id,
                             Timestamp at);
Status PlanNoticeDeliveries(SqliteDb& db, const std::string& notice_id,
                            const std::vector<NoticeDeliveryRecord>& deliveries);
Status RecordDeliveryAttempt(SqliteDb& db, const std::string& delivery_id,
                             const DeliveryAttemptRecord& attempt, const std::string& status,
                             std::optional<Timestamp> next_attempt_at);

}  // namespace cordon::sqlite_notices
