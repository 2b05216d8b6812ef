#include "audit/merkle.h"

#include <sodium.h>

#include <algorithm>
#include <bit>
#include <string>

#include "audit/encoding.h"

namespace cordon {
namespace {

constexpr uint8_t kLeafPrefix = 0x00;  // RFC 9162 §2.1.1
constexpr uint8_t kNodePrefix = 0x01;  // RFC 9162 §2.1.1

// The largest power of two smaller than n, for n >= 2 (RFC 9162 §2.1.1's k).
uint64_t SplitPoint(uint64_t n) { return std::bit_floor(n - 1); }

// MTH(D[begin:end]) for a subtree of the RFC 9162 §2.1.1 tree shape. Every
// such subtree starts at a multiple of bit_ceil(end - begin): the root starts
// at 0, a left child [b, b+k) inherits the alignment of its parent, and a
// right child [b+k, e) has size e-b-k <= k while b+k is a multiple of k. So
// the subtree is either perfect, or its left part [begin, begin+k) is a
// perfect aligned subtree and the recursion goes right: at most log2(n)
// stored hashes read and as many node hashes computed.
Result<MerkleHash> SubtreeRoot(const LeafHashSource& source, uint64_t begin, uint64_t end) {
  std::vector<MerkleHash> left_parts;
  while (true) {
    const uint64_t size = end - begin;
    if (size == 0 || begin % std::bit_ceil(size) != 0) {
      return Internal("Merkle subtree [" + std::to_string(begin) + ", " + std::to_string(end) +
                      ") is not a subtree of the RFC 9162 tree shape");
    }
    if (std::has_single_bit(size)) {
      const unsigned level = static_cast<unsigned>(std::countr_zero(size));
      CORDON_ASSIGN_OR_RETURN(MerkleHash hash, source.PerfectSubtreeHash(level, begin >> level));
      for (auto it = left_parts.rbegin(); it != left_parts.rend(); ++it) {
        hash = HashChildren(*it, hash);
      }
      return hash;
    }
    const uint64_t k = SplitPoint(size);
    const unsigned level = static_cast<unsigned>(std::countr_zero(k));
    CORDON_ASSIGN_OR_RETURN(MerkleHash left, source.PerfectSubtreeHash(level, begin >> level));
    left_parts.push_back(left);
    begin += k;
  }
}

Status CheckTreeSize(const LeafHashSource& source, uint64_t tree_size) {
  if (tree_size > source.LeafCount()) {
    return InvalidInput("tree_size " + std::to_string(tree_size) + " exceeds the log's size " +
                        std::to_string(source.LeafCount()));
  }
  return Status::Ok();
}

MerkleHash Sha256Parts(std::initializer_list<std::span<const uint8_t>> parts) {
  audit_internal::EnsureSodium();
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  for (const auto& part : parts) crypto_hash_sha256_update(&state, part.data(), part.size());
  MerkleHash out;
  crypto_hash_sha256_final(&state, out.data());
  return out;
}

std::span<const uint8_t> Bytes(std::string_view text) {
  return {reinterpret_cast<const uint8_t*>(text.data()), text.size()};
}

Error ProofFails(std::string_view what, std::string_view why) {
  return Corrupt(std::string(what) + " proof does not verify: " + std::string(why));
}

}  // namespace

MerkleHash Sha256(std::string_view bytes) { return Sha256Parts({Bytes(bytes)}); }

MerkleHash HashLeaf(std::string_view entry) {
  const uint8_t prefix = kLeafPrefix;
  return Sha256Parts({{&prefix, 1}, Bytes(entry)});
}

MerkleHash HashChildren(const MerkleHash& left, const MerkleHash& right) {
  const uint8_t prefix = kNodePrefix;
  return Sha256Parts({{&prefix, 1}, left, right});
}

MerkleHash EmptyTreeHash() { return Sha256(""); }

std::string MerkleHashToHex(const MerkleHash& hash) { return audit_internal::HexEncode(hash); }

std::string MerkleHashToBase64(const MerkleHash& hash) {
  return audit_internal::Base64Encode(hash);
}

Result<MerkleHash> MerkleHashFromHex(std::string_view hex) {
  auto bytes = audit_internal::HexDecode(hex);
  if (!bytes || bytes->size() != kMerkleHashSize) {
    return InvalidInput("not a SHA-256 hash in hex (64 hex digits): \"" +
                        std::string(hex.substr(0, 80)) + "\"");
  }
  MerkleHash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

Result<MerkleHash> MerkleHashFromBase64(std::string_view base64) {
  auto bytes = audit_internal::Base64Decode(base64);
  if (!bytes || bytes->size() != kMerkleHashSize) {
    return InvalidInput("not a SHA-256 hash in base64 (44 characters, RFC 4648 §4): \"" +
                        std::string(base64.substr(0, 80)) + "\"");
  }
  MerkleHash hash;
  std::copy(bytes->begin(), bytes->end(), hash.begin());
  return hash;
}

Result<MerkleHash> LeafHashSource::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level >= 64 || index >= (LeafCount() >> level)) {
    return InvalidInput("no perfect subtree at level " + std::to_string(level) + ", index " +
                        std::to_string(index) + " in a log of " + std::to_string(LeafCount()) +
                        " entries");
  }
  // Fold the 2^level leaves pairwise, level by level.
  const uint64_t first_leaf = index << level;
  std::vector<MerkleHash> row;
  row.reserve(uint64_t{1} << level);
  for (uint64_t leaf = 0; leaf < (uint64_t{1} << level); ++leaf) {
    CORDON_ASSIGN_OR_RETURN(MerkleHash hash, LeafHash(first_leaf + leaf));
    row.push_back(hash);
  }
  while (row.size() > 1) {
    for (size_t i = 0; i < row.size() / 2; ++i) row[i] = HashChildren(row[2 * i], row[2 * i + 1]);
    row.resize(row.size() / 2);
  }
  return row.front();
}

Result<std::vector<MerkleNode>> NodesCompletedByAppend(const LeafHashSource& source,
                                                       const MerkleHash& leaf_hash) {
  uint64_t index = source.LeafCount();
  unsigned level = 0;
  MerkleHash hash = leaf_hash;
  std::vector<MerkleNode> nodes{{level, index, hash}};
  // A node at `index` on its level closes its parent when it is a right child.
  while (index & 1) {
    CORDON_ASSIGN_OR_RETURN(MerkleHash left, source.PerfectSubtreeHash(level, index - 1));
    hash = HashChildren(left, hash);
    ++level;
    index >>= 1;
    nodes.push_back({level, index, hash});
  }
  return nodes;
}

void MemoryMerkleTree::Append(const MerkleHash& leaf_hash) {
  if (levels_.empty()) levels_.emplace_back();
  levels_[0].push_back(leaf_hash);
  for (size_t level = 0; levels_[level].size() % 2 == 0; ++level) {
    const auto& row = levels_[level];
    const MerkleHash parent = HashChildren(row[row.size() - 2], row[row.size() - 1]);
    if (levels_.size() == level + 1) levels_.emplace_back();
    levels_[level + 1].push_back(parent);
  }
}

uint64_t MemoryMerkleTree::LeafCount() const { return levels_.empty() ? 0 : levels_[0].size(); }

Result<MerkleHash> MemoryMerkleTree::LeafHash(uint64_t index) const {
  return PerfectSubtreeHash(0, index);
}

Result<MerkleHash> MemoryMerkleTree::PerfectSubtreeHash(unsigned level, uint64_t index) const {
  if (level >= levels_.size() || index >= levels_[level].size()) {
    return InvalidInput("no perfect subtree at level " + std::to_string(level) + ", index " +
                        std::to_string(index) + " in a log of " + std::to_string(LeafCount()) +
                        " entries");
  }
  return levels_[level][index];
}

Result<MerkleHash> RootHash(const LeafHashSource& source, uint64_t tree_size) {
  CORDON_RETURN_IF_ERROR(CheckTreeSize(source, tree_size));
  if (tree_size == 0) return EmptyTreeHash();
  return SubtreeRoot(source, 0, tree_size);
}

MerkleHash RootHash(std::span<const MerkleHash> leaf_hashes) {
  if (leaf_hashes.empty()) return EmptyTreeHash();
  MemoryMerkleTree tree;
  for (const auto& leaf : leaf_hashes) tree.Append(leaf);
  return RootHash(tree, tree.LeafCount()).value();
}

Result<MerkleProof> InclusionProof(const LeafHashSource& source, uint64_t index,
                                   uint64_t tree_size) {
  CORDON_RETURN_IF_ERROR(CheckTreeSize(source, tree_size));
  if (index >= tree_size) {
    return InvalidInput("index " + std::to_string(index) + " is not below tree_size " +
                        std::to_string(tree_size));
  }
  // RFC 9162 §2.1.3.1, walking from the root down: for m < k,
  // PATH(m, D_n) = PATH(m, D[0:k]) : MTH(D[k:n]); for m >= k,
  // PATH(m, D_n) = PATH(m - k, D[k:n]) : MTH(D[0:k]). The element found at
  // the root is the last of the path, so the list is built reversed.
  MerkleProof path;
  uint64_t begin = 0;
  uint64_t end = tree_size;
  while (end - begin > 1) {
    const uint64_t k = SplitPoint(end - begin);
    if (index < begin + k) {
      CORDON_ASSIGN_OR_RETURN(MerkleHash right, SubtreeRoot(source, begin + k, end));
      path.push_back(right);
      end = begin + k;
    } else {
      CORDON_ASSIGN_OR_RETURN(MerkleHash left, SubtreeRoot(source, begin, begin + k));
      path.push_back(left);
      begin += k;
    }
  }
  std::reverse(path.begin(), path.end());
  return path;
}

Result<MerkleProof> ConsistencyProof(const LeafHashSource& source, uint64_t first,
                                     uint64_t second) {
  CORDON_RETURN_IF_ERROR(CheckTreeSize(source, second));
  if (first > second) {
    return InvalidInput("first " + std::to_string(first) + " is greater than second " +
                        std::to_string(second));
  }
  MerkleProof proof;
  if (first == 0 || first == second) return proof;
  // RFC 9162 §2.1.4.1, SUBPROOF(m, D[begin:end], b) walking from the root
  // down, with m = first kept absolute:
  //   m == end:  {} if b, else {MTH(D[begin:end])};
  //   m <= begin + k: SUBPROOF(m, D[begin:begin+k], b) : MTH(D[begin+k:end]);
  //   m >  begin + k: SUBPROOF(m, D[begin+k:end], false) : MTH(D[begin:begin+k]).
  uint64_t begin = 0;
  uint64_t end = second;
  bool whole_old_tree = true;  // the RFC's b
  while (first != end) {
    const uint64_t k = SplitPoint(end - begin);
    if (first <= begin + k) {
      CORDON_ASSIGN_OR_RETURN(MerkleHash right, SubtreeRoot(source, begin + k, end));
      proof.push_back(right);
      end = begin + k;
    } else {
      CORDON_ASSIGN_OR_RETURN(MerkleHash left, SubtreeRoot(source, begin, begin + k));
      proof.push_back(left);
      begin += k;
      whole_old_tree = false;
    }
  }
  if (!whole_old_tree) {
    CORDON_ASSIGN_OR_RETURN(MerkleHash old_part, SubtreeRoot(source, begin, end));
    proof.push_back(old_part);
  }
  std::reverse(proof.begin(), proof.end());
  return proof;
}

Status VerifyInclusion(const MerkleHash& leaf_hash, uint64_t index, uint64_t tree_size,
                       std::span<const MerkleHash> proof, const MerkleHash& root) {
  // RFC 9162 §2.1.3.2, step by step.
  // 1. leaf_index must be below tree_size.
  if (index >= tree_size) {
    return InvalidInput("index " + std::to_string(index) + " is not below tree_size " +
                        std::to_string(tree_size));
  }
  // 2. fn = leaf_index, sn = tree_size - 1.
  uint64_t fn = index;
  uint64_t sn = tree_size - 1;
  // 3. r = hash.
  MerkleHash r = leaf_hash;
  // 4. For each p in inclusion_path:
  for (const MerkleHash& p : proof) {
    // a. sn == 0: the path is longer than the tree is high.
    if (sn == 0) return ProofFails("inclusion", "more hashes than the tree has levels");
    // b. a left sibling when fn is a right child or the last node of its level.
    if ((fn & 1) || fn == sn) {
      r = HashChildren(p, r);
      // ii. If LSB(fn) is not set, skip the levels where the node is the
      // last of its level and has no sibling.
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HashChildren(r, p);
    }
    // c.
    fn >>= 1;
    sn >>= 1;
  }
  // 5. sn must be 0 and r the root.
  if (sn != 0) return ProofFails("inclusion", "fewer hashes than the tree has levels");
  if (r != root) return ProofFails("inclusion", "the recomputed root differs");
  return Status::Ok();
}

Status VerifyConsistency(uint64_t first, uint64_t second, const MerkleHash& first_root,
                         const MerkleHash& second_root, std::span<const MerkleHash> proof) {
  if (first > second) {
    return InvalidInput("first " + std::to_string(first) + " is greater than second " +
                        std::to_string(second));
  }
  if (first == second) {
    if (!proof.empty()) return ProofFails("consistency", "equal tree sizes need an empty proof");
    if (first_root != second_root) {
      return ProofFails("consistency", "equal tree sizes with different roots");
    }
    return Status::Ok();
  }
  if (first == 0) {
    if (!proof.empty())
      return ProofFails("consistency", "an empty first tree needs an empty proof");
    if (first_root != EmptyTreeHash()) {
      return ProofFails("consistency", "the empty tree's root is not SHA-256(\"\")");
    }
    return Status::Ok();
  }
  // RFC 9162 §2.1.4.2 for 0 < first < second, step by step.
  // 1. An empty consistency_path fails.
  if (proof.empty()) return ProofFails("consistency", "empty proof");
  // 2. If first is an exact power of 2, prepend first_hash to the path.
  std::vector<MerkleHash> path;
  path.reserve(proof.size() + 1);
  if (std::has_single_bit(first)) path.push_back(first_root);
  path.insert(path.end(), proof.begin(), proof.end());
  // 3. fn = first - 1, sn = second - 1.
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  // 4. If LSB(fn) is set, right-shift fn and sn until it is not.
  while (fn & 1) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5. fr = sr = the first value of the path.
  MerkleHash fr = path.front();
  MerkleHash sr = path.front();
  // 6. For each subsequent value c:
  for (size_t i = 1; i < path.size(); ++i) {
    const MerkleHash& c = path[i];
    // a. sn == 0: more hashes than the tree has levels.
    if (sn == 0) return ProofFails("consistency", "more hashes than the tree has levels");
    // b. A left sibling, part of both trees.
    if ((fn & 1) || fn == sn) {
      fr = HashChildren(c, fr);
      sr = HashChildren(c, sr);
      while (!(fn & 1) && fn != 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      // A right sibling, only in the second tree.
      sr = HashChildren(sr, c);
    }
    // c.
    fn >>= 1;
    sn >>= 1;
  }
  // 7. fr must be first_hash, sr second_hash, and sn 0.
  if (sn != 0) return ProofFails("consistency", "fewer hashes than the tree has levels");
  if (fr != first_root) return ProofFails("consistency", "the recomputed first root differs");
  if (sr != second_root) return ProofFails("consistency", "the recomputed second root differs");
  return Status::Ok();
}

}  // namespace cordon
