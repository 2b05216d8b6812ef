#include "audit/audit_log.h"

#include <algorithm>
#include <mutex>

#include "audit/encoding.h"

namespace cordon {
namespace {

constexpr int kMaxJsonDepth = 64;

std::string MemberPath(const std::string& path, const std::string& key) {
  return path.empty() ? key : path + "." + key;
}

std::string DisplayPath(const std::string& path) { return path.empty() ? "(the entry)" : path; }

// Rejects what has no stable text form (see CanonicalJson in the header).
Status CheckCanonicalValue(const nlohmann::json& value, const std::string& path, int depth) {
  if (depth > kMaxJsonDepth) {
    return InvalidInput(DisplayPath(path) + ": nested deeper than " +
                        std::to_string(kMaxJsonDepth) + " levels");
  }
  switch (value.type()) {
    case nlohmann::json::value_t::object:
      for (const auto& [key, member] : value.items()) {
        if (!audit_internal::IsValidUtf8(key)) {
          return InvalidInput(DisplayPath(path) + ": a key is not valid UTF-8");
        }
        CORDON_RETURN_IF_ERROR(CheckCanonicalValue(member, MemberPath(path, key), depth + 1));
      }
      return Status::Ok();
    case nlohmann::json::value_t::array:
      for (size_t i = 0; i < value.size(); ++i) {
        CORDON_RETURN_IF_ERROR(
            CheckCanonicalValue(value[i], path + "[" + std::to_string(i) + "]", depth + 1));
      }
      return Status::Ok();
    case nlohmann::json::value_t::string:
      if (!audit_internal::IsValidUtf8(value.get_ref<const std::string&>())) {
        return InvalidInput(DisplayPath(path) + ": string is not valid UTF-8");
      }
      return Status::Ok();
    case nlohmann::json::value_t::number_float:
      return InvalidInput(DisplayPath(path) +
                          ": floating-point numbers have no canonical form in audit entries; "
                          "use an integer (minor units) or a decimal string");
    case nlohmann::json::value_t::binary:
    case nlohmann::json::value_t::discarded:
      return InvalidInput(DisplayPath(path) + ": not a JSON value");
    case nlohmann::json::value_t::null:
    case nlohmann::json::value_t::boolean:
    case nlohmann::json::value_t::number_integer:
    case nlohmann::json::value_t::number_unsigned:
      return Status::Ok();
  }
  return Status::Ok();
}

// Nesting depth of JSON text, counted lexically so that hostile input is
// refused before a parser or printer recurses into it.
bool NestingWithin(std::string_view text, int max_depth) {
  int depth = 0;
  bool in_string = false;
  bool escaped = false;
  for (const char c : text) {
    if (in_string) {
      if (escaped) {
        escaped = false;
      } else if (c == '\\') {
        escaped = true;
      } else if (c == '"') {
        in_string = false;
      }
    } else if (c == '"') {
      in_string = true;
    } else if (c == '{' || c == '[') {
      if (++depth > max_depth) return false;
    } else if (c == '}' || c == ']') {
      --depth;
    }
  }
  return true;
}

std::string Position(uint64_t index) { return "entry " + std::to_string(index); }

}  // namespace

Result<std::string> CanonicalJson(const nlohmann::json& value) {
  if (!value.is_object()) return InvalidInput("an audit entry must be a JSON object");
  CORDON_RETURN_IF_ERROR(CheckCanonicalValue(value, "", 1));
  // dump(): no indent, ensure_ascii false, strict UTF-8 (checked above).
  return value.dump();
}

Status CheckCanonicalJson(std::string_view bytes) {
  // The top level is an object, so depth counts from 1 there.
  if (!NestingWithin(bytes, kMaxJsonDepth)) {
    return InvalidInput("nested deeper than " + std::to_string(kMaxJsonDepth) + " levels");
  }
  const nlohmann::json parsed = nlohmann::json::parse(bytes, /*cb=*/nullptr,
                                                      /*allow_exceptions=*/false);
  if (parsed.is_discarded()) return InvalidInput("not valid JSON (RFC 8259, UTF-8)");
  CORDON_ASSIGN_OR_RETURN(std::string canonical, CanonicalJson(parsed));
  if (canonical != bytes) {
    return InvalidInput(
        "not in canonical form (sorted unique keys, no whitespace, minimal escapes, "
        "integers only)");
  }
  return Status::Ok();
}

// ---- MemoryAuditStorage ----------------------------------------------------

uint64_t MemoryAuditStorage::LeafCount() const { return entries_.size(); }

Result<MerkleHash> MemoryAuditStorage::LeafHash(uint64_t index) const {
  return PerfectSubtreeHash(0, index);
}

Result<MerkleHash> MemoryAuditStorage::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level >= nodes_.size() || index >= nodes_[level].size()) {
    return NotFound("no stored tree node at level " + std::to_string(level) + ", index " +
                    std::to_string(index));
  }
  return nodes_[level][index];
}

Status MemoryAuditStorage::Append(uint64_t index, std::string_view entry,
                                  std::span<const MerkleNode> nodes) {
  if (index != entries_.size()) {
    return Conflict("audit entry " + std::to_string(index) + " cannot be appended to a log of " +
                    std::to_string(entries_.size()) + " entries");
  }
  // Validate everything first so that a bad call changes nothing.
  if (nodes.empty() || nodes[0].level != 0 || nodes[0].index != index) {
    return Internal("audit append must start with the entry's leaf node");
  }
  for (const MerkleNode& node : nodes) {
    const uint64_t stored = node.level < nodes_.size() ? nodes_[node.level].size() : 0;
    if (node.level > nodes_.size() || node.index != stored) {
      return Internal("audit append: node (" + std::to_string(node.level) + ", " +
                      std::to_string(node.index) + ") is not the next node of its level");
    }
  }
  entries_.emplace_back(entry);
  for (const MerkleNode& node : nodes) {
    if (node.level == nodes_.size()) nodes_.emplace_back();
    nodes_[node.level].push_back(node.hash);
  }
  return Status::Ok();
}

Result<std::string> MemoryAuditStorage::Entry(uint64_t index) const {
  if (index >= entries_.size()) {
    return NotFound(Position(index) + " does not exist; the log has " +
                    std::to_string(entries_.size()) + " entries");
  }
  return entries_[index];
}

// ---- AuditLog --------------------------------------------------------------

AuditLog::AuditLog(AuditStorage& storage) : storage_(storage) {}

Result<AppendedEntry> AuditLog::Append(const nlohmann::json& event) {
  CORDON_ASSIGN_OR_RETURN(std::string entry, CanonicalJson(event));
  std::unique_lock lock(mutex_);
  const uint64_t index = storage_.LeafCount();
  CORDON_ASSIGN_OR_RETURN(std::vector<MerkleNode> nodes,
                          NodesCompletedByAppend(storage_, HashLeaf(entry)));
  CORDON_RETURN_IF_ERROR(storage_.Append(index, entry, nodes));
  return AppendedEntry{index, nodes.front().hash};
}

Result<AppendedEntry> AuditLog::AppendCanonical(std::string_view entry) {
  Status canonical = CheckCanonicalJson(entry);
  if (!canonical.ok()) {
    Error error = canonical.error();
    return error.Prefix("audit entry: ");
  }
  std::unique_lock lock(mutex_);
  const uint64_t index = storage_.LeafCount();
  CORDON_ASSIGN_OR_RETURN(std::vector<MerkleNode> nodes,
                          NodesCompletedByAppend(storage_, HashLeaf(entry)));
  CORDON_RETURN_IF_ERROR(storage_.Append(index, entry, nodes));
  return AppendedEntry{index, nodes.front().hash};
}

uint64_t AuditLog::Size() const {
  std::shared_lock lock(mutex_);
  return storage_.LeafCount();
}

Result<std::string> AuditLog::Entry(uint64_t index) const {
  std::shared_lock lock(mutex_);
  return storage_.Entry(index);
}

Result<Checkpoint> AuditLog::CurrentCheckpoint() const {
  std::shared_lock lock(mutex_);
  const uint64_t size = storage_.LeafCount();
  CORDON_ASSIGN_OR_RETURN(MerkleHash root, RootHash(storage_, size));
  return Checkpoint{size, root};
}

Result<std::string> AuditLog::SignedCheckpoint(const CheckpointSigner& signer) const {
  CORDON_ASSIGN_OR_RETURN(Checkpoint checkpoint, CurrentCheckpoint());
  return signer.Sign(checkpoint);
}

Result<MerkleProof> AuditLog::InclusionProof(uint64_t index, uint64_t tree_size) const {
  std::shared_lock lock(mutex_);
  return cordon::InclusionProof(storage_, index, tree_size);
}

Result<MerkleProof> AuditLog::ConsistencyProof(uint64_t first, uint64_t second) const {
  std::shared_lock lock(mutex_);
  return cordon::ConsistencyProof(storage_, first, second);
}

// ---- AuditVerifier ---------------------------------------------------------

AuditVerifier::AuditVerifier(std::vector<Checkpoint> trusted_checkpoints)
    : checkpoints_(std::move(trusted_checkpoints)) {
  std::stable_sort(
      checkpoints_.begin(), checkpoints_.end(),
      [](const Checkpoint& a, const Checkpoint& b) { return a.tree_size < b.tree_size; });
}

void AuditVerifier::Fail(AuditMismatch::Kind kind, uint64_t first, uint64_t end,
                         std::string message) {
  if (!mismatch_) mismatch_ = AuditMismatch{kind, first, end, std::move(message)};
}

namespace {

// The root of the tree whose compact range is `range` (RFC 9162 §2.1.1: the
// perfect subtrees of a tree of size n, one per set bit of n, joined right
// to left).
MerkleHash RangeRoot(const std::vector<MerkleNode>& range) {
  if (range.empty()) return EmptyTreeHash();
  MerkleHash hash = range.back().hash;
  for (size_t i = range.size() - 1; i-- > 0;) hash = HashChildren(range[i].hash, hash);
  return hash;
}

}  // namespace

void AuditVerifier::CheckDueCheckpoints() {
  while (!mismatch_ && next_checkpoint_ < checkpoints_.size() &&
         checkpoints_[next_checkpoint_].tree_size == size_) {
    const Checkpoint& checkpoint = checkpoints_[next_checkpoint_++];
    const MerkleHash root = RangeRoot(range_);
    if (root != checkpoint.root_hash) {
      Fail(AuditMismatch::Kind::kCheckpointMismatch, verified_size_, checkpoint.tree_size,
           "the entries give root " + MerkleHashToBase64(root) + " at tree size " +
               std::to_string(checkpoint.tree_size) + " but the signed checkpoint says " +
               MerkleHashToBase64(checkpoint.root_hash) + ": an entry in [" +
               std::to_string(verified_size_) + ", " + std::to_string(checkpoint.tree_size) +
               ") was altered or removed together with its stored hashes");
    } else {
      verified_size_ = checkpoint.tree_size;
    }
  }
}

bool AuditVerifier::Add(std::string_view entry, const LeafHashSource* stored_nodes) {
  if (mismatch_) return false;
  // Checkpoints of the empty tree are due before the first entry.
  if (size_ == 0) CheckDueCheckpoints();
  if (mismatch_) return false;

  const uint64_t index = size_;
  Status canonical = CheckCanonicalJson(entry);
  if (!canonical.ok()) {
    Fail(AuditMismatch::Kind::kNotCanonical, index, index + 1,
         Position(index) + " is not canonical JSON: " + canonical.error().message());
    return false;
  }

  // Merge the new leaf into the compact range, comparing each node it
  // completes with the stored one.
  MerkleNode node{0, index, HashLeaf(entry)};
  auto compare_stored = [&](const MerkleNode& computed) {
    if (stored_nodes == nullptr) return true;
    const auto stored = stored_nodes->PerfectSubtreeHash(computed.level, computed.index);
    const uint64_t first = computed.index << computed.level;
    const uint64_t end = (computed.index + 1) << computed.level;
    if (computed.level == 0) {
      if (!stored.ok() || *stored != computed.hash) {
        Fail(AuditMismatch::Kind::kLeafHashMismatch, first, end,
             Position(first) + " does not hash to its stored leaf hash" +
                 (stored.ok() ? std::string() : " (" + stored.error().message() + ")"));
        return false;
      }
    } else if (!stored.ok() || *stored != computed.hash) {
      Fail(AuditMismatch::Kind::kNodeMismatch, first, end,
           "stored tree node (level " + std::to_string(computed.level) + ", index " +
               std::to_string(computed.index) + ") over entries [" + std::to_string(first) + ", " +
               std::to_string(end) + ") disagrees with the entries" +
               (stored.ok() ? std::string() : " (" + stored.error().message() + ")"));
      return false;
    }
    return true;
  };
  if (!compare_stored(node)) return false;
  while (!range_.empty() && range_.back().level == node.level) {
    node = MerkleNode{node.level + 1, node.index >> 1, HashChildren(range_.back().hash, node.hash)};
    range_.pop_back();
    if (!compare_stored(node)) return false;
  }
  range_.push_back(node);
  ++size_;
  CheckDueCheckpoints();
  return !mismatch_;
}

AuditVerification AuditVerifier::Finish() {
  CheckDueCheckpoints();
  AuditVerification result;
  result.entries_checked = size_;
  result.root_hash = RangeRoot(range_);
  if (!mismatch_ && next_checkpoint_ < checkpoints_.size()) {
    const Checkpoint& checkpoint = checkpoints_.back();
    Fail(AuditMismatch::Kind::kMissingEntries, size_, checkpoint.tree_size,
         "a signed checkpoint covers " + std::to_string(checkpoint.tree_size) +
             " entries but the log holds " + std::to_string(size_) + ": entries [" +
             std::to_string(size_) + ", " + std::to_string(checkpoint.tree_size) +
             ") were removed");
  }
  result.mismatch = mismatch_;
  return result;
}

Result<AuditVerification> VerifyAuditLog(const AuditStorage& storage,
                                         std::span<const Checkpoint> trusted_checkpoints) {
  AuditVerifier verifier(
      std::vector<Checkpoint>(trusted_checkpoints.begin(), trusted_checkpoints.end()));
  const uint64_t size = storage.LeafCount();
  for (uint64_t index = 0; index < size; ++index) {
    CORDON_ASSIGN_OR_RETURN(std::string entry, storage.Entry(index));
    if (!verifier.Add(entry, &storage)) break;
  }
  return verifier.Finish();
}

}  // namespace cordon
