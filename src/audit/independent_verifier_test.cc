// The log checked by a verifier written independently of the log code
// (tests/support/rfc9162_verifier.h: straight from the text of RFC 9162 §2.1,
// its own SHA-256 calls and types, none of merkle.h's functions). The log is
// used only through its public API, as a third party would use the HTTP API:
// entries, checkpoints, inclusion and consistency proofs, which must equal the
// RFC's reference generators and pass both verifiers of each proof type.
#include <gtest/gtest.h>
#include <sodium.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "audit/audit_log.h"
#include "support/rfc9162_verifier.h"

namespace {

namespace rfc9162 = cordon::test_support::rfc9162;

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
