#include "audit/audit_service.h"

#include <algorithm>
#include <nlohmann/json.hpp>
#include <utility>

#include "audit/encoding.h"

namespace cordon {
namespace {

bool MayReadEntries(const Caller& caller) {
  return caller.org_kind == OrgKind::kCustoms &&
         (caller.role == Role::kAdmin || caller.role == Role::kIprOfficer);
}

// The organisation that recorded an entry (its "org_id"), or "" when the
// bytes do not say.
std::string EntryOrganisation(const std::string& entry) {
  const nlohmann::json parsed = nlohmann::json::parse(entry, nullptr, /*allow_exceptions=*/false);
  if (!parsed.is_object()) return {};
  auto found = parsed.find("org_id");
  return found != parsed.end() && found->is_string() ? found->get<std::string>() : std::string();
}

// The top-level members in which two entries differ, e.g. "detail, at".
std::string DifferingMembers(const std::string& logged, const std::string& recomputed) {
  const nlohmann::json a = nlohmann::json::parse(logged, nullptr, false);
  const nlohmann::json b = nlohmann::json::parse(recomputed, nullptr, false);
  if (!a.is_object() || !b.is_object()) return "the whole entry";
  std::string names;
  auto add = [&](const std::string& key) {
    if (names.find("\"" + key + "\"") != std::string::npos) return;
    if (!names.empty()) names += ", ";
    names += "\"" + key + "\"";
  };
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key) || b.at(key) != value) add(key);
  }
  for (const auto& [key, value] : b.items()) {
    if (!a.contains(key)) add(key);
  }
  return names.empty() ? "their bytes" : names;
}

}  // namespace

std::string AuditBase64(std::string_view bytes) {
  return audit_internal::Base64Encode(
      std::span<const uint8_t>(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()));
}

AuditService::AuditService(Store& store, const Clock& clock, CheckpointSigner signer)
    : store_(store), clock_(clock), signer_(std::move(signer)) {}

Result<AuditHead> AuditService::CurrentHead(const Caller& /*caller*/) {
  AuditHead head;
  // A write, so the head is that of the log as last committed and the
  // checkpoint is kept with it (once per tree size).
  CORDON_RETURN_IF_ERROR(store_.Write([&](WriteTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(const AuditStorage* tree, tx.AuditTree());
    const uint64_t size = tree->LeafCount();
    CORDON_ASSIGN_OR_RETURN(MerkleHash root, RootHash(*tree, size));
    head.checkpoint = Checkpoint{size, root};
    head.signed_note = signer_.Sign(head.checkpoint);
    return tx.InsertAuditCheckpoint(
        AuditCheckpointRecord{size, root, head.signed_note, clock_.Now()});
  }));
  return head;
}

Result<AuditEntryPage> AuditService::Entries(const Caller& caller, uint64_t start, uint64_t end) {
  if (!MayReadEntries(caller)) {
    return Forbidden(
        "audit log entries are for admins and IPR officers of a customs administration");
  }
  if (end < start) {
    return InvalidInput("end is below start", {{"end", "must not be below start"}});
  }
  std::vector<AuditLeafRecord> leaves;
  AuditEntryPage page;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(const AuditStorage* tree, tx.AuditTree());
    const uint64_t size = tree->LeafCount();
    page.tree_size = size;
    if (start >= size) {
      return InvalidInput(
          "start " + std::to_string(start) + " is beyond the log of " + std::to_string(size) +
              " entries",
          {{"start", "must be below the tree size (" + std::to_string(size) + ")"}});
    }
    const uint64_t last = std::min({end, size - 1, start + kMaxEntriesPerPage - 1});
    CORDON_ASSIGN_OR_RETURN(leaves, tx.ListAuditLeaves(start, last + 1));
    return Status::Ok();
  }));
  std::vector<AuditEntryView>& views = page.entries;
  views.reserve(leaves.size());
  for (AuditLeafRecord& leaf : leaves) {
    AuditEntryView view;
    view.index = leaf.index;
    view.leaf_hash = leaf.leaf_hash;
    if (EntryOrganisation(leaf.entry) == caller.org_id) view.entry = std::move(leaf.entry);
    views.push_back(std::move(view));
  }
  return page;
}

Result<AuditInclusionProof> AuditService::InclusionProof(const Caller& /*caller*/, uint64_t index,
                                                         uint64_t tree_size) {
  AuditInclusionProof proof;
  proof.index = index;
  proof.tree_size = tree_size;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(const AuditStorage* tree, tx.AuditTree());
    const uint64_t size = tree->LeafCount();
    if (tree_size > size) {
      return InvalidInput(
          "tree_size " + std::to_string(tree_size) + " exceeds the log's " + std::to_string(size) +
              " entries",
          {{"tree_size", "must not exceed the tree size (" + std::to_string(size) + ")"}});
    }
    if (index >= tree_size) {
      return InvalidInput("index " + std::to_string(index) + " is not in a tree of " +
                              std::to_string(tree_size) + " entries",
                          {{"index", "must be below tree_size"}});
    }
    CORDON_ASSIGN_OR_RETURN(proof.leaf_hash, tree->LeafHash(index));
    CORDON_ASSIGN_OR_RETURN(proof.audit_path, cordon::InclusionProof(*tree, index, tree_size));
    return Status::Ok();
  }));
  return proof;
}

Result<MerkleProof> AuditService::ConsistencyProof(const Caller& /*caller*/, uint64_t first,
                                                   uint64_t second) {
  MerkleProof proof;
  CORDON_RETURN_IF_ERROR(store_.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(const AuditStorage* tree, tx.AuditTree());
    const uint64_t size = tree->LeafCount();
    if (second > size) {
      return InvalidInput(
          "second " + std::to_string(second) + " exceeds the log's " + std::to_string(size) +
              " entries",
          {{"second", "must not exceed the tree size (" + std::to_string(size) + ")"}});
    }
    if (first > second) {
      return InvalidInput(
          "first " + std::to_string(first) + " is larger than second " + std::to_string(second),
          {{"first", "must not exceed second"}});
    }
    CORDON_ASSIGN_OR_RETURN(proof, cordon::ConsistencyProof(*tree, first, second));
    return Status::Ok();
  }));
  return proof;
}

Result<StoredAuditLogReport> VerifyStoredAuditLog(Store& store,
                                                  const CheckpointVerifier* verifier) {
  StoredAuditLogReport report;
  CORDON_RETURN_IF_ERROR(store.Read([&](ReadTx& tx) -> Status {
    CORDON_ASSIGN_OR_RETURN(const AuditStorage* tree, tx.AuditTree());
    const uint64_t size = tree->LeafCount();
    CORDON_ASSIGN_OR_RETURN(report.events, tx.CountAuditEvents());

    // Checkpoints are trusted only once their signatures verify.
    std::vector<Checkpoint> trusted;
    CORDON_ASSIGN_OR_RETURN(std::vector<AuditCheckpointRecord> stored, tx.ListAuditCheckpoints());
    if (verifier == nullptr) {
      report.checkpoints_unchecked = !stored.empty();
    } else {
      for (const AuditCheckpointRecord& record : stored) {
        const std::string where =
            "the stored checkpoint at tree size " + std::to_string(record.tree_size);
        Result<Checkpoint> opened = OpenCheckpoint(record.signed_note, *verifier);
        if (!opened.ok()) {
          report.problem = where + " does not verify with key " + verifier->VerifierKey() + ": " +
                           opened.error().message();
          return Status::Ok();
        }
        if (opened->tree_size != record.tree_size || opened->root_hash != record.root_hash) {
          report.problem = where + " was altered: its signed note is for tree size " +
                           std::to_string(opened->tree_size) + " with root " +
                           MerkleHashToBase64(opened->root_hash);
          return Status::Ok();
        }
        trusted.push_back(*opened);
      }
      report.checkpoints = trusted.size();
    }

    AuditVerifier merkle(std::move(trusted));
    constexpr uint64_t kBatch = 2000;
    long long after_seq = 0;
    for (uint64_t start = 0; start < size; start += kBatch) {
      CORDON_ASSIGN_OR_RETURN(std::vector<AuditLeafRecord> leaves,
                              tx.ListAuditLeaves(start, start + kBatch));
      CORDON_ASSIGN_OR_RETURN(std::vector<AuditEvent> events,
                              tx.ListAllAuditEvents(after_seq, static_cast<int>(kBatch)));
      for (size_t offset = 0; offset < leaves.size(); ++offset) {
        const AuditLeafRecord& leaf = leaves[offset];
        const uint64_t index = start + offset;
        if (leaf.index != index) {
          report.problem = "audit entry " + std::to_string(index) + " is missing from the log";
          return Status::Ok();
        }
        if (!merkle.Add(leaf.entry, tree)) {
          AuditVerification failed = merkle.Finish();
          report.entries = failed.entries_checked;
          report.problem = failed.mismatch->message;
          return Status::Ok();
        }
        if (offset >= events.size()) {
          report.problem = "audit entry " + std::to_string(index) +
                           " has no audit_events row: the log holds " + std::to_string(size) +
                           " entries but the database " + std::to_string(report.events) +
                           " events (events were deleted)";
          return Status::Ok();
        }
        const AuditEvent& event = events[offset];
        Result<std::string> expected = AuditEntryBytes(event);
        if (!expected.ok()) {
          report.problem = "audit event seq " + std::to_string(event.seq) +
                           " cannot be logged: " + expected.error().message();
          return Status::Ok();
        }
        if (*expected != leaf.entry) {
          report.problem = "audit entry " + std::to_string(index) +
                           " does not match its audit_events row (seq " +
                           std::to_string(event.seq) + "): they differ in " +
                           DifferingMembers(leaf.entry, *expected) +
                           " (the row or the entry was altered)";
          return Status::Ok();
        }
      }
      if (!events.empty()) after_seq = events.back().seq;
    }
    if (static_cast<uint64_t>(report.events) != size) {
      CORDON_ASSIGN_OR_RETURN(std::vector<AuditEvent> extra, tx.ListAllAuditEvents(after_seq, 1));
      report.problem = "the database holds " + std::to_string(report.events) +
                       " audit events but the log " + std::to_string(size) + " entries" +
                       (extra.empty() ? std::string()
                                      : ": event seq " + std::to_string(extra.front().seq) +
                                            " and later are not in the log");
      // Still report what the Merkle check saw.
    }
    AuditVerification verified = merkle.Finish();
    report.entries = verified.entries_checked;
    report.root_hash = verified.root_hash;
    if (!report.problem && verified.mismatch) report.problem = verified.mismatch->message;
    return Status::Ok();
  }));
  return report;
}

}  // namespace cordon
