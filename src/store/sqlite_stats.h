// Internals of the SQLite store: the seizure-statistics queries (issue 6),
// kept apart from sqlite_store.cc so each domain's SQL reads on its own.
// SqliteTx forwards the Store methods of the same names here. Only files in
// src/store include this header.
//
// Thread safety: each function runs on the connection of the calling unit of
// work (see sqlite_store.cc).
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cordon::sqlite_stats {

Result<long long> GetSeizureGeneration(SqliteDb& db, const Scope& scope);
Status ScanSeizureRecords(SqliteDb& db, const Scope& scope,
                          const std::function<Status(const SeizureRecord&)>& visit);
Result<std::vector<SeizureRecord>> ListCaseSeizureRecords(SqliteDb& db, const Scope& scope,
                                                          const std::string& case_id);
Result<std::vector<PartnerStatisticsRecord>> ListPartnerStatistics(SqliteDb& db,
                                                                   const Scope& scope);
Result<std::vector<ScreeningTally>> TallyScreenings(SqliteDb& db, const Scope& scope,
                                                    Timestamp from, Timestamp to);

Result<SeizureUpsertCounts> UpsertSeizureRecords(SqliteDb& db, const Scope& scope,
                                                 const std::vector<SeizureRecord>& records);
Result<bool> PutPartnerStatistics(SqliteDb& db, const PartnerStatisticsRecord& record);

}  // namespace cordon::sqlite_stats
