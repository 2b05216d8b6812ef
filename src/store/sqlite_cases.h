// Internals of the SQLite store: the detention-case queries (issue 5), kept
// apart from sqlite_store.cc so each domain's SQL reads on its own. SqliteTx
// forwards the Store methods of the same names here. Only files in src/store
// include this header.
//
// Thread safety: each function runs on the connection of the calling unit of
// work (see sqlite_store.cc).
#pragma once

#include <string>
#include <vector>

#include "core/result.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace cordon::sqlite_cases {

Result<CaseRecord> GetCase(SqliteDb& db, const Scope& scope, const std::string& id);
Result<Page<CaseRecord>> ListCases(SqliteDb& db, const Scope& scope, const CaseFilter& filter);
Result<std::vector<CaseGoodsRecord>> ListCaseGoods(SqliteDb& db, const Scope& scope,
                                                   const std::string& case_id);
Result<std::vector<CaseEventRecord>> ListCaseEvents(SqliteDb& db, const Scope& scope,
                                                    const std::string& case_id);
Result<std::vector<EvidenceRecord>> ListEvidence(SqliteDb& db, const Scope& scope,
                                                 const std::string& case_id);
Result<std::string> GetEvidenceContent(SqliteDb& db, const Scope& scope,
                                       const std::string& case_id,
                                       const std::string& evidence_id);
Result<std::vector<CaseRecord>> ListCasesDueBefore(SqliteDb& db, Date day, int limit);

Status InsertCase(SqliteDb& db, const CaseRecord& record,
                  const std::vector<CaseGoodsRecord>& goods);
Status UpdateCase(SqliteDb& db, const Scope& scope, const CaseRecord& record);
Result<long long> AppendCaseEvent(SqliteDb& db, const CaseEventRecord& event);
Status InsertEvidence(SqliteDb& db, const EvidenceRecord& record, const std::string& content);

// Migration 8: the rows of the retired case_notices table become notices
// (kind "case.<kind>_notice", object "case"), not yet planned, so the
// delivery worker delivers them; then the table is dropped.
Status MoveCaseNoticesToNotices(SqliteDb& db);

}  // namespace cordon::sqlite_cases
