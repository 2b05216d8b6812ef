#include "audit/merkle.h"

#include <gtest/gtest.h>

#include <bit>
#include <string>
#include <vector>

namespace cordon {
namespace {

// The RFC 6962 reference tree used by Certificate Transparency
// implementations: its 8 leaves, the roots of the trees of sizes 0..8, and
// known audit paths and consistency proofs. Taken from transparency-dev/merkle
// proof/verify_test.go (commit 02194e9afb6c1d95b5381350007963aa70fff472;
// vectors `leaves`, `roots`, `inclusionProofs`, `consistencyProofs`,
// originally google/certificate-transparency's merkle_tree_test.cc). In that
// file inclusion vectors number leaves from 1; below they are 0-based.
const std::vector<std::string> kReferenceLeaves = {
    std::string(""),
    std::string("\x00", 1),
    std::string("\x10"),
    std::string("\x20\x21"),
    std::string("\x30\x31"),
    std::string("\x40\x41\x42\x43"),
    std::string("\x50\x51\x52\x53\x54\x55\x56\x57"),
    std::string("\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"),
};

const char* const kReferenceRoots[] = {
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",  // size 0
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",  // size 8
};

struct InclusionVector {
  uint64_t index;
  uint64_t tree_size;
  std::vector<const char*> path;
};

const InclusionVector kInclusionVectors[] = {
    {0, 1, {}},
    {0,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {5,
     8,
     {"bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2, 3, {"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"}},
    {1,
     5,
     {"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
};

struct ConsistencyVector {
  uint64_t first;
  uint64_t second;
  std::vector<const char*> proof;
};

const ConsistencyVector kConsistencyVectors[] = {
    {1, 1, {}},
    {1,
     8,
     {"96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
      "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"}},
    {6,
     8,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
    {2,
     5,
     {"5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
      "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"}},
    {6,
     7,
     {"0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
      "b08693ec2e721597130641e8211e7eedccb4c26413963eee6c1e2ed16ffb1a5f",
      "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"}},
};

MerkleHash Hex(const char* hex) { return MerkleHashFromHex(hex).value(); }

MerkleProof HexList(const std::vector<const char*>& hexes) {
  MerkleProof proof;
  for (const char* hex : hexes) proof.push_back(Hex(hex));
  return proof;
}

MemoryMerkleTree ReferenceTree() {
  MemoryMerkleTree tree;
  for (const auto& leaf : kReferenceLeaves) tree.AppendEntry(leaf);
  return tree;
}

MemoryMerkleTree TreeOfSize(uint64_t size) {
  MemoryMerkleTree tree;
  for (uint64_t i = 0; i < size; ++i) tree.AppendEntry("entry " + std::to_string(i));
  return tree;
}

MerkleHash Flip(MerkleHash hash, size_t byte = 0, uint8_t mask = 0x08) {
  hash[byte] ^= mask;
  return hash;
}

// A source that only knows leaf hashes (the default PerfectSubtreeHash folds
// them), to check it agrees with the node-keeping tree.
class LeavesOnly final : public LeafHashSource {
 public:
  explicit LeavesOnly(const MemoryMerkleTree& tree) : tree_(tree) {}
  uint64_t LeafCount() const override { return tree_.LeafCount(); }
  Result<MerkleHash> LeafHash(uint64_t index) const override { return tree_.LeafHash(index); }

 private:
  const MemoryMerkleTree& tree_;
};

// Counts the stored hashes a proof reads.
class CountingSource final : public LeafHashSource {
 public:
  explicit CountingSource(const MemoryMerkleTree& tree) : tree_(tree) {}
  uint64_t LeafCount() const override { return tree_.LeafCount(); }
  Result<MerkleHash> LeafHash(uint64_t index) const override {
    ++reads;
    return tree_.LeafHash(index);
  }
  Result<MerkleHash> PerfectSubtreeHash(unsigned level, uint64_t index) const override {
    ++reads;
    return tree_.PerfectSubtreeHash(level, index);
  }
  mutable uint64_t reads = 0;

 private:
  const MemoryMerkleTree& tree_;
};

// ---- Hashing and the RFC 6962 reference tree --------------------------------

TEST(MerkleHashing, EmptyTreeIsSha256OfEmptyString) {
  EXPECT_EQ(MerkleHashToHex(EmptyTreeHash()), kReferenceRoots[0]);
  MemoryMerkleTree empty;
  EXPECT_EQ(RootHash(empty, 0).value(), EmptyTreeHash());
  EXPECT_EQ(RootHash(std::span<const MerkleHash>()), EmptyTreeHash());
}

TEST(MerkleHashing, LeafAndNodeHashesUseDomainPrefixes) {
  // A one-leaf tree's root is the leaf hash, SHA-256(0x00 || "").
  EXPECT_EQ(MerkleHashToHex(HashLeaf("")), kReferenceRoots[1]);
  EXPECT_EQ(HashLeaf(""), Sha256(std::string("\x00", 1)));
  const MerkleHash left = HashLeaf("a");
  const MerkleHash right = HashLeaf("b");
  std::string node_input("\x01", 1);
  node_input.append(reinterpret_cast<const char*>(left.data()), left.size());
  node_input.append(reinterpret_cast<const char*>(right.data()), right.size());
  EXPECT_EQ(HashChildren(left, right), Sha256(node_input));
  EXPECT_NE(HashChildren(left, right), HashChildren(right, left));
}

TEST(MerkleHashing, ReferenceTreeRootsForEverySize) {
  const MemoryMerkleTree tree = ReferenceTree();
  std::vector<MerkleHash> leaf_hashes;
  for (uint64_t size = 0; size <= 8; ++size) {
    SCOPED_TRACE("tree size " + std::to_string(size));
    EXPECT_EQ(MerkleHashToHex(RootHash(tree, size).value()), kReferenceRoots[size]);
    EXPECT_EQ(MerkleHashToHex(RootHash(LeavesOnly(tree), size).value()), kReferenceRoots[size]);
    EXPECT_EQ(MerkleHashToHex(RootHash(leaf_hashes)), kReferenceRoots[size]);
    if (size < 8) leaf_hashes.push_back(HashLeaf(kReferenceLeaves[size]));
  }
}

TEST(MerkleHashing, RootOfPrefixDoesNotDependOnLaterLeaves) {
  MemoryMerkleTree tree = ReferenceTree();
  tree.AppendEntry("later");
  EXPECT_EQ(MerkleHashToHex(RootHash(tree, 8).value()), kReferenceRoots[8]);
}

TEST(MerkleHashing, HexAndBase64RoundTripAndRejectMalformedText) {
  const MerkleHash hash = Hex(kReferenceRoots[8]);
  EXPECT_EQ(MerkleHashToBase64(hash), "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=");
  EXPECT_EQ(MerkleHashFromBase64(MerkleHashToBase64(hash)).value(), hash);
  EXPECT_EQ(
      MerkleHashFromHex("5DC9DA79A70659A9AD559CB701DED9A2AB9D823AAD2F4960CFE370EFF4604328").value(),
      hash);
  for (const char* bad :
       {"", "5dc9", "zz", "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff460432"}) {
    EXPECT_EQ(MerkleHashFromHex(bad).error().code(), ErrorCode::kInvalidInput) << bad;
  }
  for (const char* bad : {"", "XcnaeacGWamtVZy3Ad7Zoqudgjqt",
                          "XcnaeacGWamtVZy3Ad7Zoqudgjqt L0lgz+Nw7/RgQyg=",  // a space
                          "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg",    // no padding
                          "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz-Nw7_RgQyg=",   // base64url
                          // The same bytes with a non-zero unused bit: not canonical.
                          "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyh="}) {
    EXPECT_EQ(MerkleHashFromBase64(bad).error().code(), ErrorCode::kInvalidInput) << bad;
  }
}

// ---- Known proofs -----------------------------------------------------------

TEST(MerkleProofs, ReferenceInclusionProofs) {
  const MemoryMerkleTree tree = ReferenceTree();
  for (const auto& vector : kInclusionVectors) {
    SCOPED_TRACE("leaf " + std::to_string(vector.index) + " of " +
                 std::to_string(vector.tree_size));
    const MerkleProof expected = HexList(vector.path);
    EXPECT_EQ(InclusionProof(tree, vector.index, vector.tree_size).value(), expected);
    EXPECT_EQ(InclusionProof(LeavesOnly(tree), vector.index, vector.tree_size).value(), expected);
    const MerkleHash root = Hex(kReferenceRoots[vector.tree_size]);
    EXPECT_TRUE(VerifyInclusion(HashLeaf(kReferenceLeaves[vector.index]), vector.index,
                                vector.tree_size, expected, root)
                    .ok());
  }
}

TEST(MerkleProofs, ReferenceConsistencyProofs) {
  const MemoryMerkleTree tree = ReferenceTree();
  for (const auto& vector : kConsistencyVectors) {
    SCOPED_TRACE(std::to_string(vector.first) + " -> " + std::to_string(vector.second));
    const MerkleProof expected = HexList(vector.proof);
    EXPECT_EQ(ConsistencyProof(tree, vector.first, vector.second).value(), expected);
    EXPECT_EQ(ConsistencyProof(LeavesOnly(tree), vector.first, vector.second).value(), expected);
    EXPECT_TRUE(VerifyConsistency(vector.first, vector.second, Hex(kReferenceRoots[vector.first]),
                                  Hex(kReferenceRoots[vector.second]), expected)
                    .ok());
  }
}

// The corruptions transparency-dev/merkle's verify_test.go probes
// (corruptInclusionProof, corruptConsistencyProof), applied to the vectors.
TEST(MerkleProofs, CorruptedInclusionProofsFail) {
  for (const auto& vector : kInclusionVectors) {
    const uint64_t index = vector.index;
    const uint64_t size = vector.tree_size;
    SCOPED_TRACE("leaf " + std::to_string(index) + " of " + std::to_string(size));
    const MerkleProof proof = HexList(vector.path);
    const MerkleHash root = Hex(kReferenceRoots[size]);
    const MerkleHash leaf = HashLeaf(kReferenceLeaves[index]);
    auto fails = [](const Status& status) { return !status.ok(); };
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index - 1, size, proof, root)));
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index + 1, size, proof, root)));
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index ^ 2, size, proof, root)));
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size * 2, proof, root)));
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size / 2, proof, root)));
    EXPECT_TRUE(fails(VerifyInclusion(HashLeaf("WrongLeaf"), index, size, proof, root)));
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size, proof, EmptyTreeHash())));
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size, proof, Flip(root))));
    MerkleProof longer = proof;
    longer.push_back(root);
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size, longer, root)));
    MerkleProof prefixed = proof;
    prefixed.insert(prefixed.begin(), root);
    EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size, prefixed, root)));
    for (size_t i = 0; i < proof.size(); ++i) {
      MerkleProof flipped = proof;
      flipped[i] = Flip(flipped[i]);
      EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size, flipped, root))) << "bit in " << i;
    }
    if (!proof.empty()) {
      const MerkleProof shorter(proof.begin(), proof.end() - 1);
      EXPECT_TRUE(fails(VerifyInclusion(leaf, index, size, shorter, root)));
    }
  }
}

TEST(MerkleProofs, CorruptedConsistencyProofsFail) {
  for (const auto& vector : kConsistencyVectors) {
    const MerkleProof proof = HexList(vector.proof);
    if (proof.empty()) continue;
    const uint64_t first = vector.first;
    const uint64_t second = vector.second;
    SCOPED_TRACE(std::to_string(first) + " -> " + std::to_string(second));
    const MerkleHash root1 = Hex(kReferenceRoots[first]);
    const MerkleHash root2 = Hex(kReferenceRoots[second]);
    auto fails = [](const Status& status) { return !status.ok(); };
    EXPECT_TRUE(fails(VerifyConsistency(first - 1, second, root1, root2, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first + 1, second, root1, root2, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first ^ 2, second, root1, root2, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first, second * 2, root1, root2, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first, second / 2, root1, root2, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first, second, Flip(root1), root2, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, Flip(root2), proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first, second, root2, root1, proof)));
    EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, root2, {})));
    for (const MerkleHash& extra : {EmptyTreeHash(), root1, root2}) {
      MerkleProof longer = proof;
      longer.push_back(extra);
      EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, root2, longer)));
      MerkleProof prefixed = proof;
      prefixed.insert(prefixed.begin(), extra);
      EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, root2, prefixed)));
    }
    MerkleProof doubled = proof;
    doubled.insert(doubled.begin(), proof[0]);
    EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, root2, doubled)));
    const MerkleProof shorter(proof.begin(), proof.end() - 1);
    EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, root2, shorter)));
    for (size_t i = 0; i < proof.size(); ++i) {
      MerkleProof flipped = proof;
      flipped[i] = Flip(flipped[i], 0, 0x10);
      EXPECT_TRUE(fails(VerifyConsistency(first, second, root1, root2, flipped))) << i;
    }
  }
}

TEST(MerkleProofs, ConsistencyEdgeCases) {
  const MerkleHash a = HashLeaf("a");
  const MerkleHash b = HashLeaf("b");
  // Equal sizes: equal roots and an empty proof.
  EXPECT_TRUE(VerifyConsistency(3, 3, a, a, {}).ok());
  EXPECT_EQ(VerifyConsistency(3, 3, a, b, {}).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(VerifyConsistency(3, 3, a, a, MerkleProof{a}).error().code(), ErrorCode::kCorrupt);
  // From the empty tree: its root must be SHA-256("") and the proof empty.
  EXPECT_TRUE(VerifyConsistency(0, 5, EmptyTreeHash(), b, {}).ok());
  EXPECT_TRUE(VerifyConsistency(0, 0, EmptyTreeHash(), EmptyTreeHash(), {}).ok());
  EXPECT_EQ(VerifyConsistency(0, 5, a, b, {}).error().code(), ErrorCode::kCorrupt);
  EXPECT_EQ(VerifyConsistency(0, 5, EmptyTreeHash(), b, MerkleProof{a}).error().code(),
            ErrorCode::kCorrupt);
  // Going back in time.
  EXPECT_EQ(VerifyConsistency(2, 1, a, b, {}).error().code(), ErrorCode::kInvalidInput);
  // A one-leaf tree: the root is the leaf hash and the proof is empty.
  EXPECT_TRUE(VerifyInclusion(a, 0, 1, {}, a).ok());
  EXPECT_FALSE(VerifyInclusion(a, 0, 1, {}, b).ok());
  EXPECT_EQ(VerifyInclusion(a, 1, 1, {}, a).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(VerifyInclusion(a, 0, 0, {}, a).error().code(), ErrorCode::kInvalidInput);
}

TEST(MerkleProofs, ArgumentsOutsideTheTreeAreInvalidInput) {
  const MemoryMerkleTree tree = TreeOfSize(5);
  EXPECT_EQ(RootHash(tree, 6).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(InclusionProof(tree, 5, 5).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(InclusionProof(tree, 0, 6).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(InclusionProof(tree, 0, 0).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(ConsistencyProof(tree, 3, 2).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(ConsistencyProof(tree, 3, 6).error().code(), ErrorCode::kInvalidInput);
  EXPECT_TRUE(ConsistencyProof(tree, 0, 5).value().empty());
  EXPECT_TRUE(ConsistencyProof(tree, 5, 5).value().empty());
  EXPECT_EQ(tree.PerfectSubtreeHash(1, 2).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(LeavesOnly(tree).PerfectSubtreeHash(1, 2).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(LeavesOnly(tree).PerfectSubtreeHash(64, 0).error().code(), ErrorCode::kInvalidInput);
}

// ---- Round trips over many sizes --------------------------------------------

TEST(MerkleProofs, EveryProofUpTo70LeavesVerifies) {
  const MemoryMerkleTree tree = TreeOfSize(70);
  for (uint64_t size = 1; size <= 70; ++size) {
    const MerkleHash root = RootHash(tree, size).value();
    for (uint64_t index = 0; index < size; ++index) {
      const MerkleProof proof = InclusionProof(tree, index, size).value();
      ASSERT_TRUE(VerifyInclusion(tree.LeafHash(index).value(), index, size, proof, root).ok())
          << index << " of " << size;
    }
    for (uint64_t first = 0; first <= size; ++first) {
      const MerkleProof proof = ConsistencyProof(tree, first, size).value();
      ASSERT_TRUE(VerifyConsistency(first, size, RootHash(tree, first).value(), root, proof).ok())
          << first << " -> " << size;
    }
  }
}

TEST(MerkleNodes, NodesCompletedByAppendMatchTheTree) {
  MemoryMerkleTree tree;
  for (uint64_t index = 0; index < 40; ++index) {
    const MerkleHash leaf = HashLeaf("entry " + std::to_string(index));
    const std::vector<MerkleNode> nodes = NodesCompletedByAppend(tree, leaf).value();
    tree.Append(leaf);
    // One node per trailing one bit of the index, plus the leaf.
    ASSERT_EQ(nodes.size(), static_cast<size_t>(std::countr_one(index)) + 1) << index;
    EXPECT_EQ(nodes[0], (MerkleNode{0, index, leaf}));
    for (const MerkleNode& node : nodes) {
      EXPECT_EQ(tree.PerfectSubtreeHash(node.level, node.index).value(), node.hash);
      EXPECT_EQ(LeavesOnly(tree).PerfectSubtreeHash(node.level, node.index).value(), node.hash);
    }
  }
  // Appending leaf 7 closes (0,7), (1,3), (2,1) and (3,0), the whole tree of 8.
  MemoryMerkleTree seven;
  for (int i = 0; i < 7; ++i) seven.AppendEntry(kReferenceLeaves[i]);
  const auto nodes = NodesCompletedByAppend(seven, HashLeaf(kReferenceLeaves[7])).value();
  ASSERT_EQ(nodes.size(), 4u);
  EXPECT_EQ(nodes[3].level, 3u);
  EXPECT_EQ(nodes[3].index, 0u);
  EXPECT_EQ(MerkleHashToHex(nodes[3].hash), kReferenceRoots[8]);
}

// Proofs read O(log n) stored hashes: at most log2(n) siblings plus at most
// log2(n) perfect subtrees folded into the one sibling that holds the last
// leaf (see merkle.h).
TEST(MerkleProofs, ProofsReadLogarithmicallyManyStoredHashes) {
  const uint64_t size = 100'003;
  const MemoryMerkleTree tree = TreeOfSize(size);
  const uint64_t log2_size = std::bit_width(size);  // 17
  CountingSource source(tree);
  for (uint64_t index :
       {uint64_t{0}, uint64_t{1}, uint64_t{65'535}, uint64_t{65'536}, uint64_t{99'999}, size - 1}) {
    source.reads = 0;
    const MerkleProof proof = InclusionProof(source, index, size).value();
    EXPECT_LE(source.reads, 2 * log2_size) << index;
    EXPECT_TRUE(VerifyInclusion(tree.LeafHash(index).value(), index, size, proof,
                                RootHash(tree, size).value())
                    .ok());
  }
  for (uint64_t first : {uint64_t{1}, uint64_t{3}, uint64_t{65'536}, uint64_t{70'001}, size - 1}) {
    source.reads = 0;
    const MerkleProof proof = ConsistencyProof(source, first, size).value();
    EXPECT_LE(source.reads, 2 * log2_size + 2) << first;
    EXPECT_TRUE(VerifyConsistency(first, size, RootHash(tree, first).value(),
                                  RootHash(tree, size).value(), proof)
                    .ok());
  }
  source.reads = 0;
  ASSERT_TRUE(RootHash(source, size).ok());
  EXPECT_LE(source.reads, log2_size);
}

}  // namespace
}  // namespace cordon
