#include "audit/audit_log.h"

#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

namespace cordon {
namespace {

constexpr char kLogName[] = "customs.example/cordon";

nlohmann::json Event(uint64_t seq) {
  return {{"event", "destruction"}, {"case_id", "cas_" + std::to_string(seq)}, {"seq", seq}};
}

// A log of `size` events, with the checkpoints signed along the way.
struct LogFixture {
  explicit LogFixture(uint64_t size, std::vector<uint64_t> checkpoint_sizes = {}) {
    for (uint64_t seq = 0; seq < size; ++seq) {
      for (uint64_t at : checkpoint_sizes) {
        if (at == seq) checkpoints.push_back(log.CurrentCheckpoint().value());
      }
      EXPECT_TRUE(log.Append(Event(seq)).ok());
    }
    for (uint64_t at : checkpoint_sizes) {
      if (at == size) checkpoints.push_back(log.CurrentCheckpoint().value());
    }
  }
  MemoryAuditStorage storage;
  AuditLog log{storage};
  std::vector<Checkpoint> checkpoints;
};

// ---- Canonical JSON --------------------------------------------------------

TEST(CanonicalJson, SortsKeysAndDropsWhitespace) {
  const nlohmann::json event = nlohmann::json::parse(R"({
      "b": 1, "a": {"d": [1, -2, {"z": null, "y": true}], "c": "x\ny\u0001\u00e9/\"\\"},
      "A": false, "\u00e9": 0, "aa": 18446744073709551615})");
  EXPECT_EQ(CanonicalJson(event).value(),
            "{\"A\":false,\"a\":{\"c\":\"x\\ny\\u0001\xC3\xA9/\\\"\\\\\",\"d\":[1,-2,{\"y\":"
            "true,\"z\":null}]},\"aa\":18446744073709551615,\"b\":1,\"\xC3\xA9\":0}");
}

TEST(CanonicalJson, RefusesWhatHasNoStableForm) {
  auto rejects = [](const nlohmann::json& value, const std::string& path) {
    const auto result = CanonicalJson(value);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.error().code(), ErrorCode::kInvalidInput);
    EXPECT_NE(result.error().message().find(path), std::string::npos) << result.error().message();
  };
  rejects(nlohmann::json::parse(R"({"goods": [{"value": 1.5}]})"), "goods[0].value");
  rejects(nlohmann::json::parse(R"({"n": 1.0})"), "n");
  rejects(nlohmann::json::array({1, 2}), "JSON object");
  rejects(nlohmann::json("text"), "JSON object");
  rejects(nlohmann::json{{"name", std::string("bad \xff utf-8")}}, "name");
  nlohmann::json deep = nlohmann::json::object();
  for (int i = 0; i < 70; ++i) deep = nlohmann::json{{"x", deep}};
  rejects(deep, "nested deeper");
}

TEST(CanonicalJson, CheckAcceptsOnlyTheCanonicalBytes) {
  EXPECT_TRUE(CheckCanonicalJson(R"({"a":1,"b":[true,null,"x"]})").ok());
  EXPECT_TRUE(CheckCanonicalJson("{}").ok());
  for (const char* bad : {
           R"({"b":1,"a":2})",   // unsorted
           R"({"a": 1})",        // whitespace
           R"({"a":1} )",        // trailing whitespace
           R"({"a":1,"a":2})",   // duplicate key
           R"({"a":1.0})",       // float
           R"({"a":1e2})",       // exponent
           R"({"a":-0})",        // negative zero
           R"({"a":"\/"})",      // needless escape
           R"({"a":"\u00e9"})",  // escaped non-ASCII
           R"({"a":"\u0041"})",  // escaped ASCII
           R"([1])",             // not an object
           R"({"a":)",           // not JSON
           "{\"a\":\"\xff\"}",   // not UTF-8
           "",
       }) {
    EXPECT_EQ(CheckCanonicalJson(bad).error().code(), ErrorCode::kInvalidInput) << bad;
  }
  std::string deep;
  for (int i = 0; i < 100'000; ++i) deep += "[";
  EXPECT_FALSE(CheckCanonicalJson("{\"a\":" + deep).ok());
}

// ---- Appending, checkpoints, proofs ----------------------------------------

TEST(AuditLog, AppendsCanonicalEntriesInOrder) {
  MemoryAuditStorage storage;
  AuditLog log(storage);
  EXPECT_EQ(log.CurrentCheckpoint().value(), (Checkpoint{0, EmptyTreeHash()}));
  MemoryMerkleTree reference;
  for (uint64_t seq = 0; seq < 9; ++seq) {
    const AppendedEntry appended = log.Append(Event(seq)).value();
    const std::string canonical = CanonicalJson(Event(seq)).value();
    EXPECT_EQ(appended.index, seq);
    EXPECT_EQ(appended.leaf_hash, HashLeaf(canonical));
    EXPECT_EQ(log.Entry(seq).value(), canonical);
    reference.AppendEntry(canonical);
    EXPECT_EQ(log.CurrentCheckpoint().value(),
              (Checkpoint{seq + 1, RootHash(reference, seq + 1).value()}));
  }
  EXPECT_EQ(log.Size(), 9u);
  EXPECT_EQ(log.Entry(9).error().code(), ErrorCode::kNotFound);
  EXPECT_EQ(log.Append(nlohmann::json{{"x", 0.5}}).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(log.AppendCanonical(R"({"b":1,"a":2})").error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(log.AppendCanonical(R"({"a":2,"b":1})")->index, 9u);
  EXPECT_EQ(log.Size(), 10u);
}

TEST(AuditLog, ProofsVerifyAgainstSignedCheckpoints) {
  LogFixture fixture(0);
  AuditLog& log = fixture.log;
  SeededRng rng(11);
  const CheckpointSigner signer = CheckpointSigner::Generate(kLogName, rng).value();
  std::vector<Checkpoint> heads;
  for (uint64_t seq = 0; seq < 37; ++seq) {
    ASSERT_TRUE(log.Append(Event(seq)).ok());
    const std::string note = log.SignedCheckpoint(signer).value();
    heads.push_back(OpenCheckpoint(note, signer.verifier()).value());
  }
  const Checkpoint& latest = heads.back();
  for (uint64_t index = 0; index < latest.tree_size; ++index) {
    const MerkleProof proof = log.InclusionProof(index, latest.tree_size).value();
    EXPECT_TRUE(VerifyInclusion(HashLeaf(log.Entry(index).value()), index, latest.tree_size, proof,
                                latest.root_hash)
                    .ok());
  }
  for (const Checkpoint& earlier : heads) {
    const MerkleProof proof = log.ConsistencyProof(earlier.tree_size, latest.tree_size).value();
    EXPECT_TRUE(VerifyConsistency(earlier.tree_size, latest.tree_size, earlier.root_hash,
                                  latest.root_hash, proof)
                    .ok());
  }
  EXPECT_EQ(log.InclusionProof(37, 37).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(log.ConsistencyProof(5, 38).error().code(), ErrorCode::kInvalidInput);
}

TEST(AuditLog, StorageRefusesOutOfOrderAppends) {
  MemoryAuditStorage storage;
  const MerkleHash leaf = HashLeaf("{}");
  const std::vector<MerkleNode> nodes{{0, 0, leaf}};
  EXPECT_EQ(storage.Append(1, "{}", nodes).error().code(), ErrorCode::kConflict);
  EXPECT_TRUE(storage.Append(0, "{}", nodes).ok());
  EXPECT_EQ(storage.Append(0, "{}", nodes).error().code(), ErrorCode::kConflict);
  EXPECT_EQ(storage.LeafCount(), 1u);
}

TEST(AuditLog, ConcurrentAppendsAndReads) {
  MemoryAuditStorage storage;
  AuditLog log(storage);
  constexpr int kThreads = 4;
  constexpr int kPerThread = 50;
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&log, t] {
      for (int i = 0; i < kPerThread; ++i) {
        ASSERT_TRUE(log.Append({{"thread", t}, {"i", i}}).ok());
        const Checkpoint head = log.CurrentCheckpoint().value();
        ASSERT_TRUE(log.InclusionProof(0, head.tree_size).ok());
      }
    });
  }
  for (auto& thread : threads) thread.join();
  EXPECT_EQ(log.Size(), uint64_t{kThreads * kPerThread});
  const auto verification = VerifyAuditLog(storage, {}).value();
  EXPECT_TRUE(verification.ok());
  EXPECT_EQ(verification.root_hash, log.CurrentCheckpoint()->root_hash);
}

// ---- Verification: what `cordon audit verify` runs --------------------------

TEST(AuditVerify, UntouchedLogVerifies) {
  LogFixture fixture(20, {0, 1, 7, 8, 13, 20});
  const auto verification = VerifyAuditLog(fixture.storage, fixture.checkpoints).value();
  EXPECT_TRUE(verification.ok()) << verification.mismatch->message;
  EXPECT_EQ(verification.entries_checked, 20u);
  EXPECT_EQ(verification.root_hash, fixture.log.CurrentCheckpoint()->root_hash);

  MemoryAuditStorage empty;
  const auto empty_verification =
      VerifyAuditLog(empty, std::vector<Checkpoint>{{0, EmptyTreeHash()}}).value();
  EXPECT_TRUE(empty_verification.ok());
  EXPECT_EQ(empty_verification.root_hash, EmptyTreeHash());
}

TEST(AuditVerify, ChangingOneStoredEntryByteIsReportedAtItsIndex) {
  for (uint64_t tampered_index : {uint64_t{0}, uint64_t{13}, uint64_t{19}}) {
    LogFixture fixture(20, {20});
    std::string& entry = fixture.storage.MutableEntryForTest(tampered_index);
    const size_t position = entry.find("destruction");
    ASSERT_NE(position, std::string::npos);
    entry[position] = 'D';  // still canonical JSON, now "Destruction"

    const auto verification = VerifyAuditLog(fixture.storage, fixture.checkpoints).value();
    ASSERT_FALSE(verification.ok());
    EXPECT_EQ(verification.mismatch->kind, AuditMismatch::Kind::kLeafHashMismatch);
    EXPECT_EQ(verification.mismatch->first_index, tampered_index);
    EXPECT_EQ(verification.mismatch->end_index, tampered_index + 1);
    EXPECT_NE(verification.mismatch->message.find("entry " + std::to_string(tampered_index)),
              std::string::npos)
        << verification.mismatch->message;
    EXPECT_EQ(verification.entries_checked, tampered_index);

    // The same bytes checked without the stored hashes: only the signed
    // checkpoint can tell, and it bounds the change to [0, 20).
    AuditVerifier verifier(fixture.checkpoints);
    for (uint64_t index = 0; index < 20; ++index) {
      verifier.Add(fixture.storage.Entry(index).value(), nullptr);
    }
    const AuditVerification by_checkpoint = verifier.Finish();
    ASSERT_FALSE(by_checkpoint.ok());
    EXPECT_EQ(by_checkpoint.mismatch->kind, AuditMismatch::Kind::kCheckpointMismatch);
    EXPECT_EQ(by_checkpoint.mismatch->first_index, 0u);
    EXPECT_EQ(by_checkpoint.mismatch->end_index, 20u);
  }
}

TEST(AuditVerify, EntryAndLeafHashRewrittenTogetherIsCaughtByTheStoredNodes) {
  LogFixture fixture(20, {20});
  std::string& entry = fixture.storage.MutableEntryForTest(13);
  entry[entry.find("destruction")] = 'D';
  fixture.storage.MutableNodeForTest(0, 13) = HashLeaf(entry);
  const auto verification = VerifyAuditLog(fixture.storage, fixture.checkpoints).value();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.mismatch->kind, AuditMismatch::Kind::kNodeMismatch);
  // Node (1, 6) covers entries 12 and 13.
  EXPECT_EQ(verification.mismatch->first_index, 12u);
  EXPECT_EQ(verification.mismatch->end_index, 14u);
}

TEST(AuditVerify, ARewrittenLogIsCaughtByTheSignedCheckpoints) {
  // The operator's signed heads at sizes 10 and 20 ...
  LogFixture original(20, {10, 20});
  // ... and a log rebuilt from scratch with entry 13 changed, every stored
  // hash consistent with the forged entries.
  MemoryAuditStorage forged_storage;
  AuditLog forged(forged_storage);
  for (uint64_t seq = 0; seq < 20; ++seq) {
    nlohmann::json event = Event(seq);
    if (seq == 13) event["event"] = "release";
    ASSERT_TRUE(forged.Append(event).ok());
  }
  const auto verification = VerifyAuditLog(forged_storage, original.checkpoints).value();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.mismatch->kind, AuditMismatch::Kind::kCheckpointMismatch);
  EXPECT_EQ(verification.mismatch->first_index, 10u);  // the head at 10 still matched
  EXPECT_EQ(verification.mismatch->end_index, 20u);
}

TEST(AuditVerify, RemovedEntriesAreReported) {
  LogFixture original(20, {20});
  LogFixture truncated(15);
  const auto verification = VerifyAuditLog(truncated.storage, original.checkpoints).value();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.mismatch->kind, AuditMismatch::Kind::kMissingEntries);
  EXPECT_EQ(verification.mismatch->first_index, 15u);
  EXPECT_EQ(verification.mismatch->end_index, 20u);
  EXPECT_EQ(verification.entries_checked, 15u);
}

TEST(AuditVerify, NonCanonicalStoredEntryIsReported) {
  LogFixture fixture(8);
  std::string& entry = fixture.storage.MutableEntryForTest(5);
  entry.insert(1, " ");
  const auto verification = VerifyAuditLog(fixture.storage, {}).value();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.mismatch->kind, AuditMismatch::Kind::kNotCanonical);
  EXPECT_EQ(verification.mismatch->first_index, 5u);
}

TEST(AuditVerify, ACorruptInteriorNodeIsReported) {
  LogFixture fixture(16, {16});
  MerkleHash& node = fixture.storage.MutableNodeForTest(2, 1);  // entries [4, 8)
  node[0] ^= 1;
  const auto verification = VerifyAuditLog(fixture.storage, fixture.checkpoints).value();
  ASSERT_FALSE(verification.ok());
  EXPECT_EQ(verification.mismatch->kind, AuditMismatch::Kind::kNodeMismatch);
  EXPECT_EQ(verification.mismatch->first_index, 4u);
  EXPECT_EQ(verification.mismatch->end_index, 8u);
}

}  // namespace
}  // namespace cordon
