// A verifier written independently of the log code: straight from the text of
// RFC 9162 §2.1, with its own SHA-256 calls (libsodium directly), its own
// types (hashes as 32-byte strings) and none of merkle.h's functions. The log
// is used only through its public API, as a third party would use the HTTP
// API: entries, checkpoints, inclusion and consistency proofs.
//
// Two independent verifiers per proof type:
//   - the RFC 9162 §2.1.3.2 / §2.1.4.2 verification algorithms, transcribed
//     step by step;
//   - a structural one that rebuilds the roots by following the recursive
//     definitions of PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1).
// And the reference generators: MTH (§2.1.1), PATH and PROOF computed
// recursively over the raw entries, which the log's proofs must equal.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"

namespace {

namespace rfc9162 {

using Hash = std::string;  // 32 bytes
using Path = std::vector<Hash>;

Hash Sha256(std::string_view data) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hash(reinterpret_cast<const char*>(out), sizeof out);
}

// §2.1.1: "MTH({d(0)}) = SHA-256(0x00 || d(0))".
Hash LeafHash(std::string_view entry) {
  return Sha256(std::string(1, '\x00') + std::string(entry));
}

// §2.1.1: "MTH(D_n) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))".
Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256(std::string(1, '\x01') + left + right);
}

// §2.1.1: "k is the largest power of two smaller than n (i.e., k < n <= 2k)".
uint64_t K(uint64_t n) {
  uint64_t k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

// §2.1.1: the Merkle Tree Hash of D[begin:end].
Hash Mth(const std::vector<std::string>& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return Sha256("");
  if (n == 1) return LeafHash(d[begin]);
  const uint64_t k = K(n);
  return NodeHash(Mth(d, begin, begin + k), Mth(d, begin + k, end));
}

// §2.1.3.1: PATH(m, D[begin:end]).
Path PathOf(uint64_t m, const std::vector<std::string>& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 1) return {};
  const uint64_t k = K(n);
  Path path;
  if (m < k) {
    path = PathOf(m, d, begin, begin + k);
    path.push_back(Mth(d, begin + k, end));
  } else {
    path = PathOf(m - k, d, begin + k, end);
    path.push_back(Mth(d, begin, begin + k));
  }
  return path;
}

// §2.1.4.1: SUBPROOF(m, D[begin:end], b).
Path Subproof(uint64_t m, const std::vector<std::string>& d, uint64_t begin, uint64_t end, bool b) {
  const uint64_t n = end - begin;
  if (m == n) {
    if (b) return {};
    return {Mth(d, begin, end)};
  }
  const uint64_t k = K(n);
  Path proof;
  if (m <= k) {
    proof = Subproof(m, d, begin, begin + k, b);
    proof.push_back(Mth(d, begin + k, end));
  } else {
    proof = Subproof(m - k, d, begin + k, end, false);
    proof.push_back(Mth(d, begin, begin + k));
  }
  return proof;
}

// §2.1.4.1: PROOF(m, D_n) = SUBPROOF(m, D_n, true), for 0 < m < n.
Path ProofOf(uint64_t m, const std::vector<std::string>& d, uint64_t n) {
  return Subproof(m, d, 0, n, true);
}

// §2.1.3.2, step by step.
bool VerifyInclusionAlgorithm(const Hash& hash, uint64_t leaf_index, uint64_t tree_size,
                              const Path& inclusion_path, const Hash& root_hash) {
  // 1. "If leaf_index is greater than or equal to tree_size, then fail".
  if (leaf_index >= tree_size) return false;
  // 2. "Set fn to leaf_index and sn to tree_size - 1."
  uint64_t fn = leaf_index;
  uint64_t sn = tree_size - 1;
  // 3. "Set r to hash."
  Hash r = hash;
  // 4. "For each value p in the inclusion_path array:"
  for (const Hash& p : inclusion_path) {
    // "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn == 0) return false;
    // "If LSB(fn) is set, or if fn is equal to sn, then:"
    if ((fn & 1) == 1 || fn == sn) {
      // "Set r to HASH(0x01 || p || r)."
      r = NodeHash(p, r);
      // "If LSB(fn) is not set, then right-shift both fn and sn equally
      // until either LSB(fn) is set or fn is 0."
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      // "Otherwise: Set r to HASH(0x01 || r || p)."
      r = NodeHash(r, p);
    }
    // "Finally, right-shift both fn and sn one time."
    fn >>= 1;
    sn >>= 1;
  }
  // 5. "Compare sn to 0. Compare r against the root_hash."
  return sn == 0 && r == root_hash;
}

// §2.1.4.2, step by step (the RFC's case 0 < first < second; equal sizes
// need equal roots and an empty path).
bool VerifyConsistencyAlgorithm(uint64_t first, uint64_t second, const Hash& first_hash,
                                const Hash& second_hash, Path consistency_path) {
  if (first > second || first == 0) return false;
  if (first == second) return consistency_path.empty() && first_hash == second_hash;
  // 1. "If consistency_path is an empty array, stop and fail".
  if (consistency_path.empty()) return false;
  // 2. "If first is an exact power of 2, then prepend first_hash to the
  // consistency_path array."
  if ((first & (first - 1)) == 0) consistency_path.insert(consistency_path.begin(), first_hash);
  // 3. "Set fn to first - 1 and sn to second - 1."
  uint64_t fn = first - 1;
  uint64_t sn = second - 1;
  // 4. "If LSB(fn) is set, then right-shift both fn and sn equally until
  // LSB(fn) is not set."
  while ((fn & 1) == 1) {
    fn >>= 1;
    sn >>= 1;
  }
  // 5. "Set both fr and sr to the first value in the consistency_path array."
  Hash fr = consistency_path[0];
  Hash sr = consistency_path[0];
  // 6. "For each subsequent value c in the consistency_path array:"
  for (size_t i = 1; i < consistency_path.size(); ++i) {
    const Hash& c = consistency_path[i];
    // "If sn is 0, then stop the iteration and fail the proof verification."
    if (sn == 0) return false;
    // "If LSB(fn) is set, or if fn is equal to sn, then:"
    if ((fn & 1) == 1 || fn == sn) {
      fr = NodeHash(c, fr);  // "Set fr to HASH(0x01 || c || fr)."
      sr = NodeHash(c, sr);  // "Set sr to HASH(0x01 || c || sr)."
      // "If LSB(fn) is not set, then right-shift both fn and sn equally
      // until either LSB(fn) is set or fn is 0."
      if ((fn & 1) == 0) {
        while ((fn & 1) == 0 && fn != 0) {
          fn >>= 1;
          sn >>= 1;
        }
      }
    } else {
      sr = NodeHash(sr, c);  // "Otherwise: Set sr to HASH(0x01 || sr || c)."
    }
    // "Finally, right-shift both fn and sn one time."
    fn >>= 1;
    sn >>= 1;
  }
  // 7. "verify that the fr calculated is equal to the first_hash supplied,
  // that the sr calculated is equal to the second_hash supplied, and that
  // sn is 0."
  return fr == first_hash && sr == second_hash && sn == 0;
}

// Structural inclusion check: PATH(m, D_n) ends with the sibling at the
// root, so consume the path from its end while descending the §2.1.1 shape.
std::optional<Hash> RootFromPath(const Hash& leaf, uint64_t m, uint64_t n, const Path& path,
                                 size_t& remaining) {
  if (n == 1) return leaf;
  if (remaining == 0) return std::nullopt;
  const Hash& sibling = path[--remaining];
  const uint64_t k = K(n);
  if (m < k) {
    auto left = RootFromPath(leaf, m, k, path, remaining);
    if (!left) return std::nullopt;
    return NodeHash(*left, sibling);
  }
  auto right = RootFromPath(leaf, m - k, n - k, path, remaining);
  if (!right) return std::nullopt;
  return NodeHash(sibling, *right);
}

bool VerifyInclusionByStructure(const Hash& leaf, uint64_t m, uint64_t n, const Path& path,
                                const Hash& root) {
  if (m >= n) return false;
  size_t remaining = path.size();
  const auto computed = RootFromPath(leaf, m, n, path, remaining);
  return computed && remaining == 0 && *computed == root;
}

// Structural consistency check: follow SUBPROOF(m, D_n, b) from the root,
// consuming the proof from its end, and rebuild both MTH(D[0:m]) and
// MTH(D_n). Returns {old root, new root} of the subtree.
std::optional<std::pair<Hash, Hash>> RootsFromSubproof(uint64_t m, uint64_t n, bool b,
                                                       const Hash& first_hash, const Path& proof,
                                                       size_t& remaining) {
  if (m == n) {
    if (b) return std::make_pair(first_hash, first_hash);  // the old tree itself
    if (remaining == 0) return std::nullopt;
    const Hash& subtree = proof[--remaining];
    return std::make_pair(subtree, subtree);
  }
  if (remaining == 0) return std::nullopt;
  const Hash& sibling = proof[--remaining];
  const uint64_t k = K(n);
  if (m <= k) {
    // The right subtree D[k:n] exists only in the new tree.
    auto left = RootsFromSubproof(m, k, b, first_hash, proof, remaining);
    if (!left) return std::nullopt;
    return std::make_pair(left->first, NodeHash(left->second, sibling));
  }
  // The left subtree D[0:k] is in both trees.
  auto right = RootsFromSubproof(m - k, n - k, false, first_hash, proof, remaining);
  if (!right) return std::nullopt;
  return std::make_pair(NodeHash(sibling, right->first), NodeHash(sibling, right->second));
}

bool VerifyConsistencyByStructure(uint64_t m, uint64_t n, const Hash& first_hash,
                                  const Hash& second_hash, const Path& proof) {
  if (m == 0 || m > n) return false;
  if (m == n) return proof.empty() && first_hash == second_hash;
  size_t remaining = proof.size();
  const auto roots = RootsFromSubproof(m, n, true, first_hash, proof, remaining);
  return roots && remaining == 0 && roots->first == first_hash && roots->second == second_hash;
}

}  // namespace rfc9162

// The log's outputs, converted at the boundary into the verifier's types.
rfc9162::Hash FromLog(const cordon::MerkleHash& hash) {
  return rfc9162::Hash(reinterpret_cast<const char*>(hash.data()), hash.size());
}

rfc9162::Path FromLog(const cordon::MerkleProof& proof) {
  rfc9162::Path path;
  for (const auto& hash : proof) path.push_back(FromLog(hash));
  return path;
}

std::string ToHex(const rfc9162::Hash& hash) {
  static const char kDigits[] = "0123456789abcdef";
  std::string hex;
  for (const unsigned char c : hash) {
    hex += kDigits[c >> 4];
    hex += kDigits[c & 15];
  }
  return hex;
}

rfc9162::Hash Flipped(rfc9162::Hash hash, size_t byte) {
  hash[byte % hash.size()] ^= 0x20;
  return hash;
}

constexpr uint64_t kMaxLeaves = 70;

class IndependentVerifierTest : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_GE(sodium_init(), 0); }
};

// The independent code reproduces the RFC 6962 reference roots (transparency-dev/merkle
// proof/verify_test.go, see merkle_test.cc), so it is itself checked against
// published data, not only against the log.
TEST_F(IndependentVerifierTest, ReproducesTheRfc6962ReferenceRoots) {
  const std::vector<std::string> leaves = {
      "",
      std::string("\x00", 1),
      "\x10",
      "\x20\x21",
      "\x30\x31",
      "\x40\x41\x42\x43",
      "\x50\x51\x52\x53\x54\x55\x56\x57",
      "\x60\x61\x62\x63\x64\x65\x66\x67\x68\x69\x6a\x6b\x6c\x6d\x6e\x6f"};
  EXPECT_EQ(ToHex(rfc9162::Mth(leaves, 0, 0)),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(ToHex(rfc9162::Mth(leaves, 0, 1)),
            "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d");
  EXPECT_EQ(ToHex(rfc9162::Mth(leaves, 0, 3)),
            "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77");
  EXPECT_EQ(ToHex(rfc9162::Mth(leaves, 0, 7)),
            "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c");
  EXPECT_EQ(ToHex(rfc9162::Mth(leaves, 0, 8)),
            "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328");
  // transparency-dev's consistency vector (6, 8) and inclusion vector for
  // leaf 5 of 8.
  const rfc9162::Path proof = rfc9162::ProofOf(6, leaves, 8);
  ASSERT_EQ(proof.size(), 3u);
  EXPECT_EQ(ToHex(proof[0]), "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a");
  const rfc9162::Path path = rfc9162::PathOf(5, leaves, 0, 8);
  ASSERT_EQ(path.size(), 3u);
  EXPECT_EQ(ToHex(path[0]), "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b");
}

// Every inclusion proof (index < size) and consistency proof (first <=
// second) the log serves while it grows to 70 entries equals the RFC's
// definition and passes both independent verifiers, against the log's own
// checkpoint root, which equals the independently computed MTH.
TEST_F(IndependentVerifierTest, AllLogProofsUpTo70EntriesVerify) {
  cordon::MemoryAuditStorage storage;
  cordon::AuditLog log(storage);
  std::vector<std::string> entries;  // D, as a third party downloads it
  std::vector<rfc9162::Hash> roots{rfc9162::Sha256("")};
  size_t inclusion_checked = 0;
  size_t consistency_checked = 0;

  for (uint64_t size = 1; size <= kMaxLeaves; ++size) {
    nlohmann::json event = {{"event", "test"}, {"seq", size - 1}};
    const auto appended = log.Append(event);
    ASSERT_TRUE(appended.ok()) << appended.error().ToString();
    ASSERT_EQ(appended->index, size - 1);
    entries.push_back(log.Entry(size - 1).value());
    ASSERT_EQ(FromLog(appended->leaf_hash), rfc9162::LeafHash(entries.back()));

    const cordon::Checkpoint checkpoint = log.CurrentCheckpoint().value();
    ASSERT_EQ(checkpoint.tree_size, size);
    const rfc9162::Hash root = FromLog(checkpoint.root_hash);
    ASSERT_EQ(root, rfc9162::Mth(entries, 0, size)) << "size " << size;
    roots.push_back(root);

    for (uint64_t index = 0; index < size; ++index) {
      const rfc9162::Path path = FromLog(log.InclusionProof(index, size).value());
      const rfc9162::Hash leaf = rfc9162::LeafHash(entries[index]);
      ASSERT_EQ(path, rfc9162::PathOf(index, entries, 0, size)) << index << " of " << size;
      ASSERT_TRUE(rfc9162::VerifyInclusionAlgorithm(leaf, index, size, path, root))
          << index << " of " << size;
      ASSERT_TRUE(rfc9162::VerifyInclusionByStructure(leaf, index, size, path, root))
          << index << " of " << size;
      ++inclusion_checked;
    }
    for (uint64_t first = 1; first <= size; ++first) {
      const rfc9162::Path proof = FromLog(log.ConsistencyProof(first, size).value());
      if (first < size) {
        ASSERT_EQ(proof, rfc9162::ProofOf(first, entries, size)) << first << " -> " << size;
      } else {
        ASSERT_TRUE(proof.empty());
      }
      ASSERT_TRUE(rfc9162::VerifyConsistencyAlgorithm(first, size, roots[first], root, proof))
          << first << " -> " << size;
      ASSERT_TRUE(rfc9162::VerifyConsistencyByStructure(first, size, roots[first], root, proof))
          << first << " -> " << size;
      ++consistency_checked;
    }
  }
  EXPECT_EQ(inclusion_checked, kMaxLeaves * (kMaxLeaves + 1) / 2);
  EXPECT_EQ(consistency_checked, kMaxLeaves * (kMaxLeaves + 1) / 2);
}

// The independent verifiers are not push-overs: each rejects every
// single-hash change, truncation, extension and wrong position.
TEST_F(IndependentVerifierTest, RejectsTamperedProofs) {
  cordon::MemoryAuditStorage storage;
  cordon::AuditLog log(storage);
  std::vector<std::string> entries;
  constexpr uint64_t kSize = 21;
  for (uint64_t i = 0; i < kSize; ++i) {
    ASSERT_TRUE(log.Append({{"seq", i}}).ok());
    entries.push_back(log.Entry(i).value());
  }
  const rfc9162::Hash root = rfc9162::Mth(entries, 0, kSize);

  for (uint64_t index = 0; index < kSize; ++index) {
    const rfc9162::Path path = FromLog(log.InclusionProof(index, kSize).value());
    const rfc9162::Hash leaf = rfc9162::LeafHash(entries[index]);
    auto rejected = [&](const rfc9162::Hash& l, uint64_t i, uint64_t n, const rfc9162::Path& p,
                        const rfc9162::Hash& r) {
      return !rfc9162::VerifyInclusionAlgorithm(l, i, n, p, r) &&
             !rfc9162::VerifyInclusionByStructure(l, i, n, p, r);
    };
    EXPECT_TRUE(rejected(Flipped(leaf, index), index, kSize, path, root));
    EXPECT_TRUE(rejected(leaf, index, kSize, path, Flipped(root, 3)));
    EXPECT_TRUE(rejected(leaf, index + 1, kSize, path, root));
    if (index > 0) {
      EXPECT_TRUE(rejected(leaf, index - 1, kSize, path, root));
    }
    EXPECT_TRUE(rejected(leaf, index, 2 * kSize, path, root));
    for (size_t i = 0; i < path.size(); ++i) {
      rfc9162::Path bad = path;
      bad[i] = Flipped(bad[i], i);
      EXPECT_TRUE(rejected(leaf, index, kSize, bad, root)) << index << " hash " << i;
    }
    rfc9162::Path longer = path;
    longer.push_back(root);
    EXPECT_TRUE(rejected(leaf, index, kSize, longer, root));
    rfc9162::Path shorter(path.begin(), path.end() - 1);
    EXPECT_TRUE(rejected(leaf, index, kSize, shorter, root));
  }

  for (uint64_t first = 1; first < kSize; ++first) {
    const rfc9162::Path proof = FromLog(log.ConsistencyProof(first, kSize).value());
    const rfc9162::Hash old_root = rfc9162::Mth(entries, 0, first);
    auto rejected = [&](uint64_t m, uint64_t n, const rfc9162::Hash& r1, const rfc9162::Hash& r2,
                        const rfc9162::Path& p) {
      return !rfc9162::VerifyConsistencyAlgorithm(m, n, r1, r2, p) &&
             !rfc9162::VerifyConsistencyByStructure(m, n, r1, r2, p);
    };
    EXPECT_TRUE(rejected(first, kSize, Flipped(old_root, 1), root, proof)) << first;
    EXPECT_TRUE(rejected(first, kSize, old_root, Flipped(root, 1), proof)) << first;
    EXPECT_TRUE(rejected(first + 1, kSize, old_root, root, proof)) << first;
    EXPECT_TRUE(rejected(first, 2 * kSize, old_root, root, proof)) << first;
    EXPECT_TRUE(rejected(first, kSize, old_root, root, {})) << first;
    for (size_t i = 0; i < proof.size(); ++i) {
      rfc9162::Path bad = proof;
      bad[i] = Flipped(bad[i], i);
      EXPECT_TRUE(rejected(first, kSize, old_root, root, bad)) << first << " hash " << i;
    }
    rfc9162::Path longer = proof;
    longer.push_back(root);
    EXPECT_TRUE(rejected(first, kSize, old_root, root, longer)) << first;
    rfc9162::Path shorter(proof.begin(), proof.end() - 1);
    EXPECT_TRUE(rejected(first, kSize, old_root, root, shorter)) << first;
  }
}

}  // namespace
