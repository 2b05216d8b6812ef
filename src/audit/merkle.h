// Merkle tree hashing, proofs and proof verification per RFC 9162 §2.1
// (Certificate Transparency v2; the same tree as RFC 6962 §2.1), so that any
// RFC 9162 / RFC 6962 implementation verifies Cordon's audit proofs.
//
//   leaf hash      SHA-256(0x00 || entry)                    (§2.1.1)
//   node hash      SHA-256(0x01 || left || right)            (§2.1.1)
//   MTH({})        SHA-256("")                               (§2.1.1)
//   MTH(D[n])      HASH(0x01 || MTH(D[0:k]) || MTH(D[k:n])), k the largest
//                  power of two smaller than n               (§2.1.1)
//
// Proofs are computed from a LeafHashSource. The source answers for *perfect*
// subtrees: the subtree at (level, index) covers leaves
// [index * 2^level, (index + 1) * 2^level) and exists once all its leaves do.
// A source that stores every perfect-subtree hash (2n - 1 hashes for n leaves,
// as MemoryMerkleTree and the store do) makes every operation here
// O(log n): a proof reads at most about 2 log2(n) stored hashes and computes
// at most log2(n) node hashes, because at most one element of any proof is a
// non-perfect subtree (the one holding the tree's last leaf) and that one is
// folded from at most log2(n) perfect subtrees. A source that only stores
// leaf hashes works too (the default PerfectSubtreeHash folds leaves), at
// O(n) hashing per call.
//
// Errors: kInvalidInput for arguments outside the tree (an index not below
// the tree size, a tree larger than the source, first > second); kCorrupt
// when a proof does not verify; a source's own errors pass through.
//
// Thread safety: the free functions are thread-safe. A LeafHashSource may be
// read from several threads only if the implementation says so;
// MemoryMerkleTree is safe for concurrent reads but not reads during Append.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace cordon {

inline constexpr size_t kMerkleHashSize = 32;  // SHA-256
using MerkleHash = std::array<uint8_t, kMerkleHashSize>;

// Merkle proofs are lists of hashes, innermost (closest to the leaves) first,
// in the order RFC 9162 §2.1.3.1 / §2.1.4.1 define them.
using MerkleProof = std::vector<MerkleHash>;

// SHA-256 of arbitrary bytes.
MerkleHash Sha256(std::string_view bytes);
// RFC 9162 §2.1.1: the hash of one entry, SHA-256(0x00 || entry).
MerkleHash HashLeaf(std::string_view entry);
// RFC 9162 §2.1.1: the hash of an interior node, SHA-256(0x01 || left || right).
MerkleHash HashChildren(const MerkleHash& left, const MerkleHash& right);
// RFC 9162 §2.1.1: MTH of the empty tree, SHA-256 of the empty string
// (e3b0c442...b855).
MerkleHash EmptyTreeHash();

// Lower-case hex (64 characters) and standard padded base64 (RFC 4648 §4,
// 44 characters), the encodings used in documents, APIs and checkpoints.
std::string MerkleHashToHex(const MerkleHash& hash);
std::string MerkleHashToBase64(const MerkleHash& hash);
// kInvalidInput unless the text is exactly one hash in that encoding.
Result<MerkleHash> MerkleHashFromHex(std::string_view hex);
Result<MerkleHash> MerkleHashFromBase64(std::string_view base64);

// Supplies the leaf hashes of a log, and ideally its perfect-subtree hashes.
class LeafHashSource {
 public:
  virtual ~LeafHashSource() = default;

  // Number of leaves the source holds; trees of any size up to it can be
  // hashed and proved.
  virtual uint64_t LeafCount() const = 0;

  // The leaf hash at `index` < LeafCount().
  virtual Result<MerkleHash> LeafHash(uint64_t index) const = 0;

  // The hash of the perfect subtree at (level, index), covering leaves
  // [index << level, (index + 1) << level), all of which are < LeafCount().
  // Level 0 is the leaf itself. The default folds the 2^level leaf hashes
  // (O(2^level)); sources that keep subtree hashes override it with one
  // lookup. Callers in this file only ask for subtrees that exist.
  virtual Result<MerkleHash> PerfectSubtreeHash(unsigned level, uint64_t index) const;
};

// One perfect-subtree hash, as a store keeps it.
struct MerkleNode {
  unsigned level = 0;  // 0 for a leaf
  uint64_t index = 0;  // position among the nodes of its level
  MerkleHash hash{};
  bool operator==(const MerkleNode&) const = default;
};

// The nodes that appending `leaf_hash` as leaf number source.LeafCount()
// completes: the leaf itself (level 0), then one node per level for as long
// as the new leaf closes a perfect subtree (e.g. appending leaf 7 completes
// (0,7), (1,3), (2,1), (3,0)). Reads at most log2(n) existing subtree hashes
// and computes as many node hashes. A store appends these with the entry, in
// one transaction, to keep every perfect-subtree hash.
Result<std::vector<MerkleNode>> NodesCompletedByAppend(const LeafHashSource& source,
                                                       const MerkleHash& leaf_hash);

// In memory: every perfect-subtree hash, 2n - 1 hashes for n leaves.
// Append is amortised O(1) hashing.
class MemoryMerkleTree final : public LeafHashSource {
 public:
  MemoryMerkleTree() = default;

  void Append(const MerkleHash& leaf_hash);
  void AppendEntry(std::string_view entry) { Append(HashLeaf(entry)); }

  uint64_t LeafCount() const override;
  Result<MerkleHash> LeafHash(uint64_t index) const override;
  Result<MerkleHash> PerfectSubtreeHash(unsigned level, uint64_t index) const override;

 private:
  // levels_[l][i] is the perfect subtree (l, i); levels_[0] are the leaves.
  std::vector<std::vector<MerkleHash>> levels_;
};

// MTH(D[0:tree_size]) of the source's first tree_size leaves (RFC 9162
// §2.1.1). kInvalidInput when tree_size > source.LeafCount().
Result<MerkleHash> RootHash(const LeafHashSource& source, uint64_t tree_size);
// MTH over a list of leaf hashes (O(n) hashing; for small lists and tests).
MerkleHash RootHash(std::span<const MerkleHash> leaf_hashes);

// RFC 9162 §2.1.3.1: the inclusion proof (audit path) PATH(index, D_n) for
// leaf `index` in the tree of the first `tree_size` leaves. kInvalidInput
// unless index < tree_size <= source.LeafCount().
Result<MerkleProof> InclusionProof(const LeafHashSource& source, uint64_t index,
                                   uint64_t tree_size);

// RFC 9162 §2.1.4.1: the consistency proof PROOF(first, D_second) between the
// tree of the first `first` leaves and that of the first `second` leaves.
// Empty when first == second or first == 0 (every tree extends the empty
// one). kInvalidInput unless first <= second <= source.LeafCount().
Result<MerkleProof> ConsistencyProof(const LeafHashSource& source, uint64_t first, uint64_t second);

// RFC 9162 §2.1.3.2: checks that `leaf_hash` is leaf `index` of the tree of
// size `tree_size` whose root is `root`. Ok, kInvalidInput when
// index >= tree_size, or kCorrupt naming why the proof fails.
Status VerifyInclusion(const MerkleHash& leaf_hash, uint64_t index, uint64_t tree_size,
                       std::span<const MerkleHash> proof, const MerkleHash& root);

// RFC 9162 §2.1.4.2: checks that the tree (second, second_root) extends the
// tree (first, first_root). Beyond the RFC's 0 < first < second: first ==
// second needs an empty proof and equal roots; first == 0 needs an empty
// proof and first_root == EmptyTreeHash(). kInvalidInput when first >
// second; kCorrupt naming why the proof fails.
Status VerifyConsistency(uint64_t first, uint64_t second, const MerkleHash& first_root,
                         const MerkleHash& second_root, std::span<const MerkleHash> proof);

}  // namespace cordon
