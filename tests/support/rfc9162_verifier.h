// A verifier of RFC 9162 §2.1 Merkle trees and proofs written independently
// of Cordon's log code (src/audit/merkle.h): straight from the RFC text, with
// its own SHA-256 calls (libsodium directly), its own types (hashes as 32-byte
// strings) and none of merkle.h's functions. Used by the audit unit tests and
// by the end-to-end test that checks proofs served over HTTP, standing in for
// a third party's verifier.
//
// Two independent verifiers per proof type:
//   - the RFC 9162 §2.1.3.2 / §2.1.4.2 verification algorithms, transcribed
//     step by step;
//   - a structural one that rebuilds the roots by following the recursive
//     definitions of PATH (§2.1.3.1) and SUBPROOF (§2.1.4.1).
// And the reference generators: MTH (§2.1.1), PATH and PROOF computed
// recursively over the raw entries.
//
// Thread safety: pure functions.
#pragma once

#include <sodium.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace cordon::test_support {

namespace rfc9162 {

using Hash = std::string;  // 32 bytes
using Path = std::vector<Hash>;

inline Hash Sha256(std::string_view data) {
  unsigned char out[crypto_hash_sha256_BYTES];
  crypto_hash_sha256(out, reinterpret_cast<const unsigned char*>(data.data()), data.size());
  return Hash(reinterpret_cast<const char*>(out), sizeof out);
}

// §2.1.1: "MTH({d(0)}) = SHA-256(0x00 || d(0))".
inline Hash LeafHash(std::string_view entry) {
  return Sha256(std::string(1, '\x00') + std::string(entry));
}

// §2.1.1: "MTH(D_n) = SHA-256(0x01 || MTH(D[0:k]) || MTH(D[k:n]))".
inline Hash NodeHash(const Hash& left, const Hash& right) {
  return Sha256(std::string(1, '\x01') + left + right);
}

// §2.1.1: "k is the largest power of two smaller than n (i.e., k < n <= 2k)".
inline uint64_t K(uint64_t n) {
  uint64_t k = 1;
  while (2 * k < n) k *= 2;
  return k;
}

// §2.1.1: the Merkle Tree Hash of D[begin:end].
inline Hash Mth(const std::vector<std::string>& d, uint64_t begin, uint64_t end) {
  const uint64_t n = end - begin;
  if (n == 0) return Sha256("");
  if (n == 1) return LeafHash(d[begin]);
  const uint64_t k = K(n);
  return NodeHash(Mth(d, begin, begin + k), Mth(d, begin + k, end));
}

// §2.1.3.1: PATH(m, D[begin:end]).
inline Path PathOf(uint64_t m, const std::vector<std::string>& d, uint64_t begin, uint64_t end) {
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
inline Path Subproof(uint64_t m, const std::vector<std::string>& d, uint64_t begin, uint64_t end,
                     bool b) {
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
inline Path ProofOf(uint64_t m, const std::vector<std::string>& d, uint64_t n) {
  return Subproof(m, d, 0, n, true);
}

// §2.1.3.2, step by step.
inline bool VerifyInclusionAlgorithm(const Hash& hash, uint64_t leaf_index, uint64_t tree_size,
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
inline bool VerifyConsistencyAlgorithm(uint64_t first, uint64_t second, const Hash& first_hash,
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
inline std::optional<Hash> RootFromPath(const Hash& leaf, uint64_t m, uint64_t n, const Path& path,
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

inline bool VerifyInclusionByStructure(const Hash& leaf, uint64_t m, uint64_t n, const Path& path,
                                       const Hash& root) {
  if (m >= n) return false;
  size_t remaining = path.size();
  const auto computed = RootFromPath(leaf, m, n, path, remaining);
  return computed && remaining == 0 && *computed == root;
}

// Structural consistency check: follow SUBPROOF(m, D_n, b) from the root,
// consuming the proof from its end, and rebuild both MTH(D[0:m]) and
// MTH(D_n). Returns {old root, new root} of the subtree.
inline std::optional<std::pair<Hash, Hash>> RootsFromSubproof(uint64_t m, uint64_t n, bool b,
                                                              const Hash& first_hash,
                                                              const Path& proof,
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

inline bool VerifyConsistencyByStructure(uint64_t m, uint64_t n, const Hash& first_hash,
                                         const Hash& second_hash, const Path& proof) {
  if (m == 0 || m > n) return false;
  if (m == n) return proof.empty() && first_hash == second_hash;
  size_t remaining = proof.size();
  const auto roots = RootsFromSubproof(m, n, true, first_hash, proof, remaining);
  return roots && remaining == 0 && roots->first == first_hash && roots->second == second_hash;
}

}  // namespace rfc9162

}  // namespace cordon::test_support
