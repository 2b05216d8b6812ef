// The audit log: an append-only, tamper-evident record of every legally
// relevant event, as an RFC 9162 Merkle tree (audit/merkle.h) whose heads are
// signed checkpoints (audit/checkpoint.h). docs/audit.md describes it for
// third parties.
//
// Entries are canonical JSON bytes (CanonicalJson below); the leaf hash of an
// entry is SHA-256(0x00 || bytes). The log keeps every perfect-subtree hash
// beside the entries (AuditStorage), so checkpoints and proofs cost O(log n).
//
// Thread safety: AuditLog is safe to share between threads (appends are
// serialised; reads run concurrently with each other). An AuditStorage is
// only used through one AuditLog, which does the locking. AuditVerifier is
// not thread-safe.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <shared_mutex>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/checkpoint.h"
#include "audit/merkle.h"
#include "core/result.h"

namespace cordon {

// The canonical form of an audit entry, so one event has exactly one byte
// string and therefore one leaf hash:
//   - a JSON object at the top level;
//   - object members sorted by key, comparing the keys' UTF-8 bytes
//     (nlohmann::json's std::map order, which is also Unicode code point
//     order), each key once;
//   - no insignificant whitespace (nlohmann's dump() without indent);
//   - strings as UTF-8, escaping only '"', '\\' and control characters
//     (\b \f \n \r \t, others as \u00xx with lower-case hex);
//   - numbers only as integers (no fraction, no exponent, within int64 or
//     uint64): amounts go in minor units or as decimal strings, because
//     floating-point text is not stable across implementations;
//   - true, false, null as such; nesting at most 64 deep.
// For such documents the bytes equal RFC 8785 (JCS) output except that JCS
// orders keys by UTF-16 code units, which differs only between keys that
// mix characters above U+FFFF with characters in U+E000..U+FFFF.
//
// kInvalidInput naming the first offending value (a JSON path such as
// "goods[2].value").
Result<std::string> CanonicalJson(const nlohmann::json& value);
// Ok when `bytes` are exactly the canonical form of some document;
// kInvalidInput saying why not.
Status CheckCanonicalJson(std::string_view bytes);

// Where a log keeps its entries and perfect-subtree hashes. The store
// implements it over SQL; MemoryAuditStorage is for tests and tools. The
// LeafHashSource part answers from the stored nodes (one lookup per call).
class AuditStorage : public LeafHashSource {
 public:
  // Stores entry number `index` (== LeafCount()) with the nodes its append
  // completes (NodesCompletedByAppend: its leaf hash first), atomically:
  // afterwards either all are stored or none. kConflict when `index` is not
  // the next index (another writer appended).
  virtual Status Append(uint64_t index, std::string_view entry,
                        std::span<const MerkleNode> nodes) = 0;
  // The stored bytes of entry `index` < LeafCount().
  virtual Result<std::string> Entry(uint64_t index) const = 0;
};

class MemoryAuditStorage final : public AuditStorage {
 public:
  uint64_t LeafCount() const override;
  Result<MerkleHash> LeafHash(uint64_t index) const override;
  Result<MerkleHash> PerfectSubtreeHash(unsigned level, uint64_t index) const override;
  Status Append(uint64_t index, std::string_view entry, std::span<const MerkleNode> nodes) override;
  Result<std::string> Entry(uint64_t index) const override;

  // Fault injection for tests: the stored bytes and nodes, writable, as an
  // attacker with database access would see them.
  std::string& MutableEntryForTest(uint64_t index) { return entries_.at(index); }
  MerkleHash& MutableNodeForTest(unsigned level, uint64_t index) {
    return nodes_.at(level).at(index);
  }

 private:
  std::vector<std::string> entries_;
  std::vector<std::vector<MerkleHash>> nodes_;  // nodes_[level][index]
};

struct AppendedEntry {
  uint64_t index = 0;
  MerkleHash leaf_hash{};
};

class AuditLog {
 public:
  // The log over `storage`, which must outlive it.
  explicit AuditLog(AuditStorage& storage);

  // Appends an event as its canonical JSON (see CanonicalJson).
  // kInvalidInput when the event has no canonical form; storage errors pass
  // through.
  Result<AppendedEntry> Append(const nlohmann::json& event);
  // Appends bytes that must already be canonical JSON (kInvalidInput if not).
  Result<AppendedEntry> AppendCanonical(std::string_view entry);

  uint64_t Size() const;
  Result<std::string> Entry(uint64_t index) const;

  // The head at the current size (the empty tree's hash when empty).
  Result<Checkpoint> CurrentCheckpoint() const;
  // The current head as a signed note (audit/checkpoint.h).
  Result<std::string> SignedCheckpoint(const CheckpointSigner& signer) const;

  // RFC 9162 proofs, with merkle.h's contracts.
  Result<MerkleProof> InclusionProof(uint64_t index, uint64_t tree_size) const;
  Result<MerkleProof> ConsistencyProof(uint64_t first, uint64_t second) const;

 private:
  AuditStorage& storage_;
  mutable std::shared_mutex mutex_;
};

// Why a log failed verification, located as closely as the evidence allows.
struct AuditMismatch {
  enum class Kind {
    kNotCanonical,        // an entry's bytes are not canonical JSON
    kLeafHashMismatch,    // an entry does not hash to its stored leaf hash
    kNodeMismatch,        // a stored subtree hash disagrees with the entries
    kCheckpointMismatch,  // the entries do not give a signed checkpoint's root
    kMissingEntries,      // a signed checkpoint is larger than the log
  };
  Kind kind;
  // The first entry that does not match. When the evidence only bounds it
  // (entries and their stored hashes rewritten together, caught by a
  // checkpoint), an altered entry lies in [first_index, end_index);
  // otherwise end_index == first_index + 1.
  uint64_t first_index = 0;
  uint64_t end_index = 0;
  std::string message;
};

struct AuditVerification {
  uint64_t entries_checked = 0;
  MerkleHash root_hash{};  // recomputed over all entries checked
  std::optional<AuditMismatch> mismatch;
  bool ok() const { return !mismatch.has_value(); }
};

// Recomputes a log from its entries, in order, and compares it with what was
// stored and signed: each entry must be canonical JSON and hash to its
// stored leaf hash; every perfect subtree the entries complete must equal the
// stored node (when stored nodes are given); and the root at each trusted
// checkpoint's size must be that checkpoint's root. Stops at the first
// mismatch. Memory O(log n + checkpoints); one leaf hash and amortised one
// node hash per entry.
class AuditVerifier {
 public:
  // `trusted_checkpoints`: heads whose signatures the caller has checked
  // (OpenCheckpoint), in any order.
  explicit AuditVerifier(std::vector<Checkpoint> trusted_checkpoints = {});

  // Feeds the next entry. `stored_nodes` (may be null) is consulted for the
  // perfect subtrees this entry completes, its leaf hash included. Returns
  // false once a mismatch has been found (further calls are ignored).
  bool Add(std::string_view entry, const LeafHashSource* stored_nodes);

  // Ends the run: checkpoints larger than the entries seen are reported as
  // missing entries.
  AuditVerification Finish();

 private:
  // Compares the root at the current size with the checkpoints of that size.
  void CheckDueCheckpoints();
  void Fail(AuditMismatch::Kind kind, uint64_t first, uint64_t end, std::string message);

  std::vector<Checkpoint> checkpoints_;  // ascending tree_size
  size_t next_checkpoint_ = 0;
  uint64_t verified_size_ = 0;  // size of the last checkpoint that matched
  uint64_t size_ = 0;
  // The compact range [0, size_): the roots of the perfect subtrees making
  // up the tree, largest (leftmost) first; one per set bit of size_.
  std::vector<MerkleNode> range_;
  std::optional<AuditMismatch> mismatch_;
};

// Verifies everything `storage` holds against `trusted_checkpoints` with an
// AuditVerifier: what `cordon audit verify` runs. Storage read errors are
// returned as errors; what the data says is in the AuditVerification.
Result<AuditVerification> VerifyAuditLog(const AuditStorage& storage,
                                         std::span<const Checkpoint> trusted_checkpoints);

}  // namespace cordon
