// SQL for the exchange between nodes (partners, groups, messages,
// rejections), internal to the store. sqlite_store.cc forwards the Store
// operations of exchange_records.h here. Contracts are those of store.h.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cordon::sqlite_exchange {

Result<ExchangePartnerRecord> GetPartner(SqliteDb& db, const Scope& scope,
                                         const std::string& node_id);
Result<std::vector<ExchangePartnerRecord>> ListPartners(SqliteDb& db, const Scope& scope);
Result<std::vector<ExchangeGroupRecord>> ListGroups(SqliteDb& db, const Scope& scope);
Result<ExchangeGroupRecord> GetGroup(SqliteDb& db, const Scope& scope, const std::string& name);
Result<ExchangeMessageRecord> GetMessage(SqliteDb& db, const Scope& scope, const std::string& id);
Result<ExchangeMessageRecord> FindMessage(SqliteDb& db, const Scope& scope,
                                          const std::string& direction,
                                          const std::string& partner,
                                          const std::string& message_id);
Result<Page<ExchangeMessageRecord>> ListMessages(SqliteDb& db, const Scope& scope,
                                                 const ExchangeMessageFilter& filter);
Result<std::vector<ExchangeRejectionRecord>> ListRejections(SqliteDb& db, const Scope& scope,
                                                            int limit);
Result<std::vector<ExchangeMessageRecord>> ListDueMessages(SqliteDb& db, Timestamp now,
                                                           int limit);
Result<std::optional<Timestamp>> NextMessageDue(SqliteDb& db);

Status InsertPartner(SqliteDb& db, const ExchangePartnerRecord& record);
Status UpdatePartner(SqliteDb& db, const ExchangePartnerRecord& record);
Status PutGroup(SqliteDb& db, const ExchangeGroupRecord& record);
Status InsertMessage(SqliteDb& db, const ExchangeMessageRecord& record);
Status UpdateMessage(SqliteDb& db, const ExchangeMessageRecord& record,
                     const std::string& expected_state);
Status InsertRejection(SqliteDb& db, const ExchangeRejectionRecord& record);

}  // namespace cordon::sqlite_exchange
