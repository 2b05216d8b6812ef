// The detention case engine (issue 5): opens cases when customs suspend the
// release of goods suspected of infringing an IPR, runs them through the
// jurisdiction's rule set (cases/rules.h) with deadlines counted on the
// administration's working-day calendar (cases/deadlines.h), lets the clock
// act when a deadline passes, and keeps each case's history, costs, evidence
// and the notices owed to the parties.
//
// Every command is one store transaction: the case row, its history event,
// the audit event (tx.AppendAuditEvent, the tamper-evident log) and the
// notices it causes are written together or not at all.
//
// Who may do what (documented with the API in docs/cases.md):
//   open a case                     ipr_officer (or admin) of a customs administration
//   act for customs                 ipr_officer (or admin) of the case's administration;
//                                   it also records the written acts of the declarant
//                                   ("party":"declarant") and of the holder ("right_holder")
//   act for the right holder        right_holder_rep (or admin) of the holder organisation
//                                   of the case's application
//   read                            users of the administration; users of the holder
//                                   organisation (names and addresses of the declarant and
//                                   holder of the goods once disclosed, 608/2013 Art. 17(4),
//                                   21, 26(8))
//   add evidence                    ipr_officer, frontline_officer, admin of the
//                                   administration; right_holder_rep of the holder
// Everyone else: kNotFound for a case they may not see, kForbidden for an
// act they may not take on a case they see.
//
// Notices: every event that the law makes a party's business (suspension,
// opposition, extension, deemed agreement, destruction, release, handover)
// writes CaseNoticeRecords in the same transaction (store.h). Delivery
// (inbox, webhooks, e-mail) reads them from the store; the engine never sends.
//
// Thread safety: a CaseService is safe to share between threads. The
// DeadlineSweeper runs AdvanceDueCases on its own thread.
#pragma once

#include <nlohmann/json.hpp>

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/identity_types.h"
#include "core/periodic_worker.h"
#include "core/random.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

class Calendar;
class RuleSet;

struct CaseServiceOptions {
  size_t max_evidence_bytes = 10 * 1024 * 1024;
  // Calendars by administration country, overriding the shipped ones
  // (Calendar::Embedded(country)); e.g. an administration's own file.
  std::map<std::string, std::shared_ptr<const Calendar>> calendars;
};

struct CaseQuery {
  std::optional<std::string> state;
  std::optional<std::string> office;
  bool open_only = false;
  // The queue: open cases ordered by their next deadline (cases where nothing
  // runs, e.g. awaiting a court, last).
  bool by_next_deadline = false;
  std::string cursor;
  int limit = 50;  // 1..1000
};

// A photo or document to attach. The type must be one of
// image/jpeg, image/png, image/webp, image/tiff, application/pdf, and the
// bytes must look like it (magic numbers).
struct EvidenceUpload {
  std::string media_type;
  std::string filename;  // optional
  std::string description;
  std::string content;
};

struct EvidenceContent {
  EvidenceRecord record;
  std::string content;
};

struct AdvanceReport {
  int moved = 0;   // deadline transitions applied
  int cases = 0;   // cases that moved
  int failed = 0;  // cases that could not be advanced (logged; retried next run)
};

class CaseService {
 public:
  CaseService(Store& store, const Clock& clock, Rng& rng, CaseServiceOptions options = {});
  ~CaseService();
  CaseService(const CaseService&) = delete;
  CaseService& operator=(const CaseService&) = delete;

  // Opens a case (POST /api/v1/cases; body in docs/cases.md): the goods are
  // suspended on suspended_on and the parties notified on notified_on (both
  // default today), so the case starts in the state the rule set's "notify"
  // leads to. kInvalidInput naming every bad field (e.g. "goods[1].hs",
  // "perishable" for ex officio perishables, "application_id" when the
  // application is not granted or does not cover the goods); kForbidden for
  // callers other than an administration's ipr_officer/admin.
  Result<nlohmann::json> Open(const Caller& caller, const nlohmann::json& body);

  // The case as the caller may see it, with state, deadlines (ISO dates),
  // allowed actions, goods, history, notices and evidence. kNotFound when
  // not visible.
  Result<nlohmann::json> Get(const Caller& caller, const std::string& id);
  // Summaries (no history, notices, evidence).
  Result<Page<nlohmann::json>> List(const Caller& caller, const CaseQuery& query);

  // One act of the procedure: {"action": "...", "party"?: ..., fields...}.
  // kConflict naming the state and the action when the rule set does not
  // allow it (or a deadline has already passed), kForbidden when the caller
  // may not act for that party, kInvalidInput naming bad fields.
  Result<nlohmann::json> Act(const Caller& caller, const std::string& id,
                             const nlohmann::json& body);
  // The extension of Regulation (EU) No 608/2013 Art. 23(4):
  // {"reason": "..."}; the same as Act with "action":"extend".
  Result<nlohmann::json> Extend(const Caller& caller, const std::string& id,
                                const nlohmann::json& body);

  // Stores the bytes by SHA-256 and records the evidence (history and audit
  // event carrying the hash). kInvalidInput naming "content_type", "content"
  // (empty, too large, not what the type says), "filename" or "description".
  Result<nlohmann::json> AddEvidence(const Caller& caller, const std::string& id,
                                     const EvidenceUpload& upload);
  Result<nlohmann::json> ListEvidence(const Caller& caller, const std::string& id);
  Result<EvidenceContent> GetEvidence(const Caller& caller, const std::string& id,
                                      const std::string& evidence_id);

  // Lets the clock act: every open case whose armed deadline ended before
  // DateOf(now) (the due day itself is still in time) takes the rule set's
  // deadline transition (deemed agreement, release), with its history, audit
  // event and notices, one transaction per case. Safe to run concurrently
  // with requests and with itself (optimistic versions).
  Result<AdvanceReport> AdvanceDueCases(Timestamp now);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// Runs service.AdvanceDueCases(clock.Now()) at Start() and then every
// `interval` until Stop() (or destruction). Failures are logged.
class DeadlineSweeper {
 public:
  DeadlineSweeper(CaseService& service, const Clock& clock, std::chrono::milliseconds interval);
  ~DeadlineSweeper();
  DeadlineSweeper(const DeadlineSweeper&) = delete;
  DeadlineSweeper& operator=(const DeadlineSweeper&) = delete;

  // Runs one sweep on the calling thread, then starts the periodic thread.
  void Start();
  void Stop();

 private:
  Status RunOnce();

  CaseService& service_;
  const Clock& clock_;
  PeriodicWorker worker_;  // last: its thread stops before the members it uses go
};

}  // namespace cordon
