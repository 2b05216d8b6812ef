// The audit log as users, partners and operators reach it: signed heads,
// entries, proofs (the HTTP API's /api/v1/audit/...) and the re-check of the
// whole stored log against the database (`cordon audit verify`).
//
// The log itself lives in the store: every WriteTx::AppendAuditEvent appends
// the event's canonical entry as a leaf, with the tree nodes it completes, in
// the same transaction (store.h). This service only reads it, signs heads
// with the node's key and keeps the heads it handed out.
//
// Who may read what (docs/audit.md):
//   - checkpoints, the verifier key and proofs: any authenticated caller.
//     They are hashes and sizes only, and partners (right holders, other
//     administrations) need them to check entries they were given;
//   - entries: admins and IPR officers of a customs administration. Entries
//     recorded by the caller's own organisation come in full; every other
//     entry only as its leaf hash (enough to recompute the tree, nothing of
//     its content), because entries hold other organisations' confidential
//     data (declarants, right holders, other administrations on the node).
//
// Thread safety: safe to share between threads (the signer is read-only; the
// store serialises writers).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "audit/checkpoint.h"
#include "core/identity_types.h"
#include "core/result.h"
#include "core/time.h"
#include "store/store.h"

namespace cordon {

// A signed head of the log.
struct AuditHead {
  Checkpoint checkpoint;
  std::string signed_note;  // C2SP tlog-checkpoint signed with the node's key
};

// One entry as a caller may see it.
struct AuditEntryView {
  uint64_t index = 0;
  MerkleHash leaf_hash{};
  std::optional<std::string> entry;  // the exact leaf bytes; nullopt when withheld
};

// A page of entries, with the size of the log it was read from.
struct AuditEntryPage {
  uint64_t tree_size = 0;
  std::vector<AuditEntryView> entries;
};

struct AuditInclusionProof {
  uint64_t index = 0;
  uint64_t tree_size = 0;
  MerkleHash leaf_hash{};
  MerkleProof audit_path;
};

class AuditService {
 public:
  // Entries per Entries() call at most (RFC 9162 §5.6 lets a log return
  // fewer than asked).
  static constexpr uint64_t kMaxEntriesPerPage = 1000;

  // `store` and `clock` must outlive the service.
  AuditService(Store& store, const Clock& clock, CheckpointSigner signer);

  // The node's public key, in the text form CheckpointVerifier reads.
  const CheckpointVerifier& verifier() const { return signer_.verifier(); }

  // Signs the current head and keeps it (so `cordon audit verify` checks the
  // log against every head handed out). Store errors pass through.
  Result<AuditHead> CurrentHead(const Caller& caller);

  // Entries start..end inclusive (RFC 9162 §5.6), end clamped to the last
  // entry and the page to kMaxEntriesPerPage. kForbidden for callers other
  // than customs admins and IPR officers; kInvalidInput naming `start` (not
  // below the tree size) or `end` (below start).
  Result<AuditEntryPage> Entries(const Caller& caller, uint64_t start, uint64_t end);

  // RFC 9162 §2.1.3.1 for entry `index` in the tree of `tree_size` entries.
  // kInvalidInput naming `tree_size` (larger than the log) or `index` (not
  // below tree_size).
  Result<AuditInclusionProof> InclusionProof(const Caller& caller, uint64_t index,
                                             uint64_t tree_size);

  // RFC 9162 §2.1.4.1 from tree size `first` to `second`. kInvalidInput
  // naming `second` (larger than the log) or `first` (larger than second).
  Result<MerkleProof> ConsistencyProof(const Caller& caller, uint64_t first, uint64_t second);

 private:
  Store& store_;
  const Clock& clock_;
  CheckpointSigner signer_;
};

// Standard padded base64 (RFC 4648 §4) of bytes, as the API writes leaf bytes.
std::string AuditBase64(std::string_view bytes);

// What `cordon audit verify` found.
struct StoredAuditLogReport {
  uint64_t entries = 0;                // leaves checked
  long long events = 0;                // audit_events rows
  uint64_t checkpoints = 0;            // stored checkpoints whose signatures were checked
  bool checkpoints_unchecked = false;  // stored checkpoints but no verifier key given
  MerkleHash root_hash{};
  // The first problem, located: which entry/event/checkpoint and what differs.
  std::optional<std::string> problem;
  bool ok() const { return !problem.has_value(); }
};

// Re-checks the whole stored log in one read snapshot: every entry against
// its stored leaf hash and every stored tree node (AuditVerifier), every
// entry against its audit_events row (AuditEntryBytes of the row at the same
// position in seq order, and as many rows as entries), and, with `verifier`,
// every stored checkpoint's signature and root. Memory O(log n + batch).
// Database read errors are returned as errors; what the data says is in the
// report.
Result<StoredAuditLogReport> VerifyStoredAuditLog(Store& store, const CheckpointVerifier* verifier);

}  // namespace cordon
