// Seizure-statistics queries of the SQLite store; see sqlite_stats.h and the
// contracts in store.h. Every query is scoped to the caller's organisation
// (org_id = ?): statistics of one administration are never visible to another
// except through the exchange, which sends aggregates only.
#include "store/sqlite_stats.h"

#include <fmt/format.h>

#include <utility>

namespace cordon::sqlite_stats {
namespace {

constexpr const char* kRecordColumns =
    "org_id, case_id, line, source, detained_on, office, reporting_country, procedure, "
    "transport_mode, origin, dispatch, destination, product_category, ipr_type, articles, "
    "value_cents, small_consignment, e_commerce, outcome";

Result<SeizureRecord> ReadRecord(const Statement& row) {
  SeizureRecord record;
  record.org_id = row.Text(0);
  record.case_id = row.Text(1);
  record.line = static_cast<int>(row.Int(2));
  record.source = row.Text(3);
  CORDON_ASSIGN_OR_RETURN(std::optional<Date> detained_on, row.OptionalDateAt(4));
  if (!detained_on) return Corrupt("seizure record " + record.case_id + " has no detained_on");
  record.detained_on = *detained_on;
  record.office = row.Text(5);
  record.reporting_country = row.Text(6);
  record.procedure = row.Text(7);
  record.transport_mode = row.Text(8);
  record.origin = row.Text(9);
  record.dispatch = row.Text(10);
  record.destination = row.Text(11);
  record.product_category = row.Text(12);
  record.ipr_type = row.Text(13);
  record.articles = row.Int(14);
  record.value_cents = row.Int(15);
  record.small_consignment = row.Int(16) != 0;
  record.e_commerce = row.Int(17) != 0;
  record.outcome = row.Text(18);
  return record;
}

// Binds the record's non-key fields from `first` on, in kRecordColumns order
// after (org_id, case_id, line).
void BindFields(Statement& statement, int first, const SeizureRecord& record) {
  statement.Bind(first, record.source)
      .Bind(first + 1, record.detained_on)
      .Bind(first + 2, record.office)
      .Bind(first + 3, record.reporting_country)
      .Bind(first + 4, record.procedure)
      .Bind(first + 5, record.transport_mode)
      .Bind(first + 6, record.origin)
      .Bind(first + 7, record.dispatch)
      .Bind(first + 8, record.destination)
      .Bind(first + 9, record.product_category)
      .Bind(first + 10, record.ipr_type)
      .Bind(first + 11, record.articles)
      .Bind(first + 12, record.value_cents)
      .Bind(first + 13, record.small_consignment ? 1 : 0)
      .Bind(first + 14, record.e_commerce ? 1 : 0)
      .Bind(first + 15, record.outcome);
}

Status BumpGeneration(SqliteDb& db, const std::string& org_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement update,
      db.Prepare("UPDATE seizure_generations SET generation = generation + 1 WHERE org_id = ?",
                 "bumping the seizure generation"));
  update.Bind(1, org_id);
  CORDON_RETURN_IF_ERROR(update.Run());
  if (db.Changes() > 0) return Status::Ok();
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO seizure_generations (org_id, generation) VALUES (?, 1)",
                 "bumping the seizure generation"));
  insert.Bind(1, org_id);
  return insert.Run();
}

}  // namespace

Result<long long> GetSeizureGeneration(SqliteDb& db, const Scope& scope) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT generation FROM seizure_generations WHERE org_id = ?",
                 "reading the seizure generation"));
  query.Bind(1, scope.org_id);
  CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
  return has_row ? query.Int(0) : 0LL;
}

Status ScanSeizureRecords(SqliteDb& db, const Scope& scope,
                          const std::function<Status(const SeizureRecord&)>& visit) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM seizure_records WHERE org_id = ? "
                             "ORDER BY case_id, line",
                             kRecordColumns),
                 "reading seizure records"));
  query.Bind(1, scope.org_id);
  while (true) {
    CORDON_ASSIGN_OR_RETURN(bool has_row, query.Step());
    if (!has_row) return Status::Ok();
    CORDON_ASSIGN_OR_RETURN(SeizureRecord record, ReadRecord(query));
    CORDON_RETURN_IF_ERROR(visit(record));
  }
}

Result<std::vector<SeizureRecord>> ListCaseSeizureRecords(SqliteDb& db, const Scope& scope,
                                                          const std::string& case_id) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare(fmt::format("SELECT {} FROM seizure_records WHERE org_id = ? AND case_id = ? "
                             "ORDER BY line",
                             kRecordColumns),
                 "reading the seizure records of a case"));
  query.Bind(1, scope.org_id).Bind(2, case_id);
  return ReadAll<SeizureRecord>(query, ReadRecord);
}

Result<std::vector<PartnerStatisticsRecord>> ListPartnerStatistics(SqliteDb& db,
                                                                   const Scope& scope) {
  CORDON_ASSIGN_OR_RETURN(
      Statement query,
      db.Prepare("SELECT org_id, partner, quarter, sha256, imported_at, body "
                 "FROM partner_statistics WHERE org_id = ? ORDER BY quarter, partner",
                 "reading partner statistics"));
  query.Bind(1, scope.org_id);
  return ReadAll<PartnerStatisticsRecord>(
      query, [](const Statement& row) -> Result<PartnerStatisticsRecord> {
        PartnerStatisticsRecord record;
        record.org_id = row.Text(0);
        record.partner = row.Text(1);
        record.quarter = row.Text(2);
        record.sha256 = row.Text(3);
        CORDON_ASSIGN_OR_RETURN(record.imported_at, row.TimestampAt(4));
        record.body = row.Text(5);
        return record;
      });
}

Result<std::vector<ScreeningTally>> TallyScreenings(SqliteDb& db, const Scope& scope,
                                                    Timestamp from, Timestamp to) {
  // The model version active when a result was created: the latest
  // activation (or roll-back) at or before that instant.
  constexpr const char* kModelVersion =
      "COALESCE((SELECT m.version FROM targeting_model_activations a "
      "JOIN targeting_models m ON m.id = a.model_id "
      "WHERE a.org_id = r.org_id AND a.at <= r.created_at ORDER BY a.seq DESC LIMIT 1), 0)";
  constexpr const char* kCounts =
      "COUNT(*), SUM(r.selected), SUM(CASE WHEN f.id IS NULL THEN 0 ELSE 1 END), "
      "SUM(CASE WHEN f.outcome = 'suspected_ipr_infringement' THEN 1 ELSE 0 END)";
  std::string declarations = fmt::format(
      "SELECT r.office, substr(r.created_at, 1, 10), {0}, '', {1} FROM screening_results r "
      "LEFT JOIN findings f ON f.result_id = r.id "
      "WHERE r.org_id = ?1 AND r.created_at >= ?2 AND r.created_at < ?3 "
      "GROUP BY 1, 2, 3",
      kModelVersion, kCounts);
  std::string profiles = fmt::format(
      "SELECT r.office, substr(r.created_at, 1, 10), {0}, h.profile_id, {1} "
      "FROM screening_results r JOIN profile_hits h ON h.result_id = r.id "
      "LEFT JOIN findings f ON f.result_id = r.id "
      "WHERE r.org_id = ?1 AND r.created_at >= ?2 AND r.created_at < ?3 "
      "GROUP BY 1, 2, 3, 4",
      kModelVersion, kCounts);
  std::vector<ScreeningTally> tallies;
  for (const std::string& sql : {declarations, profiles}) {
    CORDON_ASSIGN_OR_RETURN(Statement query, db.Prepare(sql, "tallying screenings"));
    query.BindAll(scope.org_id, from, to);
    CORDON_ASSIGN_OR_RETURN(
        std::vector<ScreeningTally> rows,
        ReadAll<ScreeningTally>(query, [](const Statement& row) -> Result<ScreeningTally> {
          ScreeningTally tally;
          tally.office = row.Text(0);
          std::optional<Date> day = ParseDate(row.Text(1));
          if (!day) return Corrupt("screening result with a bad created_at");
          tally.day = *day;
          tally.model_version = row.Int(2);
          tally.profile_id = row.Text(3);
          tally.declarations = row.Int(4);
          tally.selected = row.Int(5);
          tally.inspected = row.Int(6);
          tally.infringing = row.Int(7);
          return tally;
        }));
    for (ScreeningTally& tally : rows) tallies.push_back(std::move(tally));
  }
  return tallies;
}

Result<SeizureUpsertCounts> UpsertSeizureRecords(SqliteDb& db, const Scope& scope,
                                                 const std::vector<SeizureRecord>& records) {
  SeizureUpsertCounts counts;
  for (const SeizureRecord& record : records) {
    if (record.org_id != scope.org_id) {
      return InvalidInput("a seizure record of another organisation",
                          {{"org_id", "must be the caller's organisation"}});
    }
    std::string what = fmt::format("writing seizure record {} line {}", record.case_id, record.line);
    CORDON_ASSIGN_OR_RETURN(
        Statement existing,
        db.Prepare(fmt::format("SELECT {} FROM seizure_records WHERE org_id = ? AND case_id = ? "
                               "AND line = ?",
                               kRecordColumns),
                   what));
    existing.BindAll(record.org_id, record.case_id, record.line);
    CORDON_ASSIGN_OR_RETURN(bool found, existing.Step());
    if (!found) {
      CORDON_ASSIGN_OR_RETURN(
          Statement insert,
          db.Prepare(fmt::format("INSERT INTO seizure_records ({}) VALUES (?, ?, ?, ?, ?, ?, ?, "
                                 "?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                                 kRecordColumns),
                     what));
      insert.BindAll(record.org_id, record.case_id, record.line);
      BindFields(insert, 4, record);
      CORDON_RETURN_IF_ERROR(insert.Run());
      ++counts.inserted;
      continue;
    }
    CORDON_ASSIGN_OR_RETURN(SeizureRecord stored, ReadRecord(existing));
    if (stored.source != record.source) {
      return Conflict(fmt::format(
          "case {} is already recorded from another source ({}); its records are not replaced",
          record.case_id, stored.source == "case" ? "a Cordon case" : "an import"));
    }
    if (stored == record) {
      ++counts.unchanged;
      continue;
    }
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db.Prepare("UPDATE seizure_records SET source = ?, detained_on = ?, office = ?, "
                   "reporting_country = ?, procedure = ?, transport_mode = ?, origin = ?, "
                   "dispatch = ?, destination = ?, product_category = ?, ipr_type = ?, "
                   "articles = ?, value_cents = ?, small_consignment = ?, e_commerce = ?, "
                   "outcome = ? WHERE org_id = ? AND case_id = ? AND line = ?",
                   what));
    BindFields(update, 1, record);
    update.Bind(17, record.org_id).Bind(18, record.case_id).Bind(19, record.line);
    CORDON_RETURN_IF_ERROR(update.Run());
    ++counts.updated;
  }
  if (counts.inserted + counts.updated > 0) {
    CORDON_RETURN_IF_ERROR(BumpGeneration(db, scope.org_id));
  }
  return counts;
}

Result<bool> PutPartnerStatistics(SqliteDb& db, const PartnerStatisticsRecord& record) {
  std::string what = fmt::format("storing the {} statistics of {}", record.quarter, record.partner);
  CORDON_ASSIGN_OR_RETURN(
      Statement existing,
      db.Prepare("SELECT sha256 FROM partner_statistics WHERE org_id = ? AND partner = ? AND "
                 "quarter = ?",
                 what));
  existing.BindAll(record.org_id, record.partner, record.quarter);
  CORDON_ASSIGN_OR_RETURN(bool found, existing.Step());
  if (found && existing.Text(0) == record.sha256) return false;
  if (found) {
    CORDON_ASSIGN_OR_RETURN(
        Statement update,
        db.Prepare("UPDATE partner_statistics SET sha256 = ?, imported_at = ?, body = ? "
                   "WHERE org_id = ? AND partner = ? AND quarter = ?",
                   what));
    update.BindAll(record.sha256, record.imported_at, record.body, record.org_id, record.partner,
                   record.quarter);
    CORDON_RETURN_IF_ERROR(update.Run());
    return true;
  }
  CORDON_ASSIGN_OR_RETURN(
      Statement insert,
      db.Prepare("INSERT INTO partner_statistics (org_id, partner, quarter, sha256, imported_at, "
                 "body) VALUES (?, ?, ?, ?, ?, ?)",
                 what));
  insert.BindAll(record.org_id, record.partner, record.quarter, record.sha256, record.imported_at,
                 record.body);
  CORDON_RETURN_IF_ERROR(insert.Run());
  return true;
}

}  // namespace cordon::sqlite_stats
