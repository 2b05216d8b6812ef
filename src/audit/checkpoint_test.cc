#include "audit/checkpoint.h"

#include <gtest/gtest.h>
#include <sys/stat.h>

#include <fstream>
#include <string>

#include "support/test_support.h"

namespace cordon {
namespace {

// Known-answer vectors of the signed-note format's reference implementation,
// golang.org/x/mod/sumdb/note (golang/mod sumdb/note/note_test.go, TestSign
// and TestOpen): the key pair, a text, and the exact note Go's Sign writes.
constexpr char kGoPrivateKey[] =
    "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz";
constexpr char kGoVerifierKey[] =
    "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW";
constexpr char kGoEnochVerifierKey[] =
    "EnochRoot+af0cfe78+ATtqJ7zOtqQtYqOo0CpvDXNlMhV3HeJDpjrASKGLWdop";
constexpr char kGoText[] =
    "If you think cryptography is the answer to your problem,\n"
    "then you don't know what your problem is.\n";
constexpr char kGoPeterSignature[] =
    "\xE2\x80\x94 PeterNeumann "
    "x08go/ZJkuBS9UG/"
    "SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n";
constexpr char kGoEnochSignature[] =
    "\xE2\x80\x94 EnochRoot "
    "rwz+eBzmZa0SO3NbfRGzPCpDckykFXSdeX+MNtCOXm2/"
    "5n2tiOHp+vAF1aGrQ5ovTG01oOTGwnWLox33WWd1RvMc+QQ=\n";

constexpr char kLogName[] = "customs.example/cordon";

CheckpointSigner TestSigner(uint64_t seed = 1, const std::string& name = kLogName) {
  SeededRng rng(seed);
  return CheckpointSigner::Generate(name, rng).value();
}

Checkpoint SampleCheckpoint() {
  // The RFC 6962 reference tree of 8 leaves (merkle_test.cc).
  return Checkpoint{
      8, MerkleHashFromHex("5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328")
             .value()};
}

std::string ReadFile(const std::string& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

// ---- Interoperability with the reference implementation --------------------

TEST(SignedNote, KeysMatchGoReferenceVectors) {
  const CheckpointSigner signer = CheckpointSigner::FromPrivateKey(kGoPrivateKey).value();
  EXPECT_EQ(signer.name(), "PeterNeumann");
  EXPECT_EQ(signer.verifier().key_id(), 0xc74f20a3u);
  EXPECT_EQ(signer.verifier().VerifierKey(), kGoVerifierKey);
  EXPECT_EQ(signer.PrivateKey(), kGoPrivateKey);
  const CheckpointVerifier verifier = CheckpointVerifier::FromVerifierKey(kGoVerifierKey).value();
  EXPECT_EQ(verifier.key_id(), 0xc74f20a3u);
  EXPECT_EQ(verifier.public_key(), signer.verifier().public_key());
}

TEST(SignedNote, SignReproducesGoOutputByteForByte) {
  const CheckpointSigner signer = CheckpointSigner::FromPrivateKey(kGoPrivateKey).value();
  EXPECT_EQ(SignNote(kGoText, signer).value(), std::string(kGoText) + "\n" + kGoPeterSignature);
}

TEST(SignedNote, OpenFollowsGoSemantics) {
  const CheckpointVerifier peter = CheckpointVerifier::FromVerifierKey(kGoVerifierKey).value();
  const CheckpointVerifier enoch = CheckpointVerifier::FromVerifierKey(kGoEnochVerifierKey).value();
  const std::string text = kGoText;
  // Signatures of other keys are ignored; the known key's must verify.
  EXPECT_EQ(OpenNote(text + "\n" + kGoPeterSignature + kGoEnochSignature, peter).value(), text);
  EXPECT_EQ(OpenNote(text + "\n" + kGoPeterSignature + kGoEnochSignature, enoch).value(), text);
  EXPECT_EQ(OpenNote(text + "\n" + kGoEnochSignature, peter).error().code(), ErrorCode::kCorrupt);
  // A corrupted signature by the known key rejects the note (TestOpen's
  // "invalid signature").
  const std::string peter_signature = kGoPeterSignature;
  const std::string mangled = peter_signature.substr(0, 60) + "ABCD" + peter_signature.substr(60);
  EXPECT_EQ(OpenNote(text + "\n" + mangled, peter).error().code(), ErrorCode::kCorrupt);
  std::string flipped = peter_signature;
  flipped[40] = flipped[40] == 'A' ? 'B' : 'A';
  EXPECT_EQ(OpenNote(text + "\n" + flipped, peter).error().code(), ErrorCode::kCorrupt);
  // TestOpen's malformed notes.
  for (const std::string& bad : {
           text,
           text + "\n",
           text + "\n" + peter_signature.substr(0, peter_signature.size() - 1),
           "\x01" + text + "\n" + peter_signature,
           "\xff" + text + "\n" + peter_signature,
           text + "\n" + "\xE2\x80\x94 Bad Name " + peter_signature.substr(17),
           text + "\n" + peter_signature + "Unexpected line.\n",
       }) {
    EXPECT_FALSE(OpenNote(bad, peter).ok()) << bad;
  }
  // More than 100 signatures.
  std::string many = text + "\n";
  for (int i = 0; i < 101; ++i) many += peter_signature;
  EXPECT_EQ(OpenNote(many, peter).error().code(), ErrorCode::kInvalidInput);
}

TEST(SignedNote, MangledKeysAreRejected) {
  // Like Go's TestNewVerifier / TestNewSigner: every strict substring and
  // every single-byte change of a key is refused.
  {
    const std::string key = kGoVerifierKey;
    for (size_t i = 0; i <= key.size(); ++i) {
      for (size_t j = i + 1; j <= key.size(); ++j) {
        if (i == 0 && j == key.size()) continue;
        EXPECT_FALSE(CheckpointVerifier::FromVerifierKey(key.substr(i, j - i)).ok())
            << key.substr(i, j - i);
      }
    }
    for (size_t i = 0; i < key.size(); ++i) {
      std::string changed = key;
      ++changed[i];
      EXPECT_FALSE(CheckpointVerifier::FromVerifierKey(changed).ok()) << changed;
    }
  }
  const std::string private_key = kGoPrivateKey;
  for (size_t i = 0; i < private_key.size(); ++i) {
    std::string changed = private_key;
    ++changed[i];
    EXPECT_FALSE(CheckpointSigner::FromPrivateKey(changed).ok()) << i;
    EXPECT_FALSE(CheckpointSigner::FromPrivateKey(private_key.substr(0, i)).ok()) << i;
  }
  // Wrong length and unknown algorithm, with adjusted key ids (Go's vectors).
  EXPECT_FALSE(CheckpointVerifier::FromVerifierKey(
                   "PeterNeumann+cc469956+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TWBADKEY==")
                   .ok());
  EXPECT_FALSE(CheckpointVerifier::FromVerifierKey(
                   "PeterNeumann+173116ae+ZRpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW")
                   .ok());
}

// ---- Checkpoints ---------------------------------------------------------------

TEST(Checkpoint, NoteHasTheTlogCheckpointLayout) {
  const CheckpointSigner signer = TestSigner();
  const std::string note = signer.Sign(SampleCheckpoint());
  const std::string expected_text =
      "customs.example/cordon\n"
      "8\n"
      "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n";
  EXPECT_EQ(CheckpointNoteText(kLogName, SampleCheckpoint()), expected_text);
  ASSERT_TRUE(note.starts_with(expected_text + "\n\xE2\x80\x94 customs.example/cordon "));
  EXPECT_TRUE(note.ends_with("\n"));
  // base64 of 4 + 64 bytes is 92 characters.
  const std::string signature_line = note.substr(expected_text.size() + 1);
  EXPECT_EQ(signature_line.size(),
            std::string("\xE2\x80\x94 customs.example/cordon ").size() + 92 + 1);
}

TEST(Checkpoint, VerifiesWithThePublicKeyAndFailsAfterABitFlip) {
  const CheckpointSigner signer = TestSigner();
  const CheckpointVerifier verifier =
      CheckpointVerifier::FromVerifierKey(signer.verifier().VerifierKey()).value();
  const std::string note = signer.Sign(SampleCheckpoint());
  EXPECT_EQ(OpenCheckpoint(note, verifier).value(), SampleCheckpoint());

  // Flip every bit of the signature's bytes in turn (inside the base64).
  const size_t signature_start = note.rfind(' ') + 1;
  size_t rejected = 0;
  size_t tried = 0;
  for (size_t position = signature_start; position + 2 < note.size(); ++position) {
    for (int bit = 0; bit < 6; ++bit) {
      std::string tampered = note;
      tampered[position] ^= static_cast<char>(1 << bit);
      ++tried;
      if (!OpenCheckpoint(tampered, verifier).ok()) ++rejected;
    }
  }
  EXPECT_EQ(rejected, tried);

  // Flip a bit of the signed text: a different tree size, a different root.
  std::string other_size = note;
  other_size[other_size.find("\n8\n") + 1] = '9';
  EXPECT_EQ(OpenCheckpoint(other_size, verifier).error().code(), ErrorCode::kCorrupt);
  std::string other_root = note;
  other_root[other_root.find("Xcna")] = 'Y';
  EXPECT_EQ(OpenCheckpoint(other_root, verifier).error().code(), ErrorCode::kCorrupt);
}

TEST(Checkpoint, AnotherKeyWithTheSameNameDoesNotVerify) {
  const CheckpointSigner signer = TestSigner(1);
  const CheckpointSigner impostor = TestSigner(2);
  const std::string note = impostor.Sign(SampleCheckpoint());
  const auto opened = OpenCheckpoint(note, signer.verifier());
  ASSERT_FALSE(opened.ok());
  EXPECT_EQ(opened.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(opened.error().message().find("no signature by customs.example/cordon+"),
            std::string::npos)
      << opened.error().message();
}

TEST(Checkpoint, WitnessCosignaturesAreIgnoredAndExtensionLinesAllowed) {
  const CheckpointSigner signer = TestSigner(1);
  const CheckpointSigner witness = TestSigner(3, "witness.example/w1");
  const std::string note = signer.Sign(SampleCheckpoint());
  const std::string witness_line =
      SignNote(CheckpointNoteText(kLogName, SampleCheckpoint()), witness).value();
  const std::string cosigned = note + witness_line.substr(witness_line.rfind("\n\n") + 2);
  EXPECT_EQ(OpenCheckpoint(cosigned, signer.verifier()).value(), SampleCheckpoint());

  const std::string with_extension =
      SignNote(CheckpointNoteText(kLogName, SampleCheckpoint()) + "extension line\n", signer)
          .value();
  EXPECT_EQ(OpenCheckpoint(with_extension, signer.verifier()).value(), SampleCheckpoint());
}

TEST(Checkpoint, MalformedCheckpointTextIsInvalidInput) {
  const CheckpointSigner signer = TestSigner();
  const CheckpointVerifier& verifier = signer.verifier();
  for (const std::string& text : {
           std::string("customs.example/cordon\n8\n"),  // no root line
           std::string("other.example/log\n8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"),
           std::string(
               "customs.example/cordon\n08\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"),
           std::string(
               "customs.example/cordon\n-8\nXcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"),
           std::string("customs.example/cordon\n18446744073709551616\n"
                       "XcnaeacGWamtVZy3Ad7ZoqudgjqtL0lgz+Nw7/RgQyg=\n"),
           std::string("customs.example/cordon\n8\nXcnaeacGWamtVZy3Ad7Zoqudgjqt\n"),
       }) {
    const auto opened = OpenCheckpoint(SignNote(text, signer).value(), verifier);
    ASSERT_FALSE(opened.ok()) << text;
    EXPECT_EQ(opened.error().code(), ErrorCode::kInvalidInput) << text;
  }
  // The empty tree has size 0 and the empty string's hash.
  const Checkpoint empty{0, EmptyTreeHash()};
  EXPECT_EQ(OpenCheckpoint(signer.Sign(empty), verifier).value(), empty);
}

TEST(Checkpoint, SignNoteRefusesTextThatIsNotANoteText) {
  const CheckpointSigner signer = TestSigner();
  EXPECT_EQ(SignNote("", signer).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(SignNote("no newline", signer).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(SignNote("tab\there\n", signer).error().code(), ErrorCode::kInvalidInput);
  EXPECT_EQ(SignNote("bad \xff utf-8\n", signer).error().code(), ErrorCode::kInvalidInput);
}

TEST(Checkpoint, KeyNamesAreValidated) {
  SeededRng rng(7);
  EXPECT_TRUE(IsValidKeyName("customs.example/cordon"));
  for (const char* bad : {"", "has space", "plus+sign", "tab\tname", "caf\xc3\xa9"}) {
    EXPECT_FALSE(IsValidKeyName(bad)) << bad;
    EXPECT_EQ(CheckpointSigner::Generate(bad, rng).error().code(), ErrorCode::kInvalidInput);
  }
}

TEST(Checkpoint, GeneratedKeysRoundTripThroughTheirTextForms) {
  const CheckpointSigner signer = TestSigner(42);
  const CheckpointSigner reloaded = CheckpointSigner::FromPrivateKey(signer.PrivateKey()).value();
  EXPECT_EQ(reloaded.verifier().VerifierKey(), signer.verifier().VerifierKey());
  EXPECT_EQ(reloaded.Sign(SampleCheckpoint()), signer.Sign(SampleCheckpoint()));
  EXPECT_NE(TestSigner(43).verifier().VerifierKey(), signer.verifier().VerifierKey());
  // A moved-from signer keeps nothing secret.
  CheckpointSigner moved = CheckpointSigner::FromPrivateKey(signer.PrivateKey()).value();
  CheckpointSigner target = std::move(moved);
  EXPECT_EQ(target.verifier().VerifierKey(), signer.verifier().VerifierKey());
}

// ---- Key files -------------------------------------------------------------

TEST(SigningKeyFile, CreateThenLoad) {
  test_support::TempDir dir;
  const std::string path = dir.File("audit.key");
  SeededRng rng(5);
  const CheckpointSigner created = CreateSigningKey(path, kLogName, rng).value();
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadFile(path), created.PrivateKey() + "\n");

  const CheckpointSigner loaded = LoadSigningKey(path).value();
  EXPECT_EQ(loaded.verifier().VerifierKey(), created.verifier().VerifierKey());

  // Never overwrites a key.
  const auto again = CreateSigningKey(path, kLogName, rng);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(LoadSigningKey(path)->verifier().VerifierKey(), created.verifier().VerifierKey());
}

TEST(SigningKeyFile, LoadOrCreateCreatesOnceAndChecksTheName) {
  test_support::TempDir dir;
  const std::string path = dir.File("node.key");
  SeededRng rng(9);
  const std::string first = LoadOrCreateSigningKey(path, kLogName, rng)->verifier().VerifierKey();
  const std::string second = LoadOrCreateSigningKey(path, kLogName, rng)->verifier().VerifierKey();
  EXPECT_EQ(first, second);
  const auto renamed = LoadOrCreateSigningKey(path, "other.example/log", rng);
  ASSERT_FALSE(renamed.ok());
  EXPECT_EQ(renamed.error().code(), ErrorCode::kInvalidInput);
  EXPECT_NE(renamed.error().message().find("customs.example/cordon"), std::string::npos);
}

TEST(SigningKeyFile, ClearErrors) {
  test_support::TempDir dir;
  const std::string missing = dir.File("missing.key");
  const auto not_found = LoadSigningKey(missing);
  ASSERT_FALSE(not_found.ok());
  EXPECT_EQ(not_found.error().code(), ErrorCode::kNotFound);
  EXPECT_NE(not_found.error().message().find(missing), std::string::npos);

  const std::string open_key = dir.File("open.key");
  {
    SeededRng rng(1);
    ASSERT_TRUE(CreateSigningKey(open_key, kLogName, rng).ok());
  }
  ASSERT_EQ(::chmod(open_key.c_str(), 0644), 0);
  const auto too_open = LoadSigningKey(open_key);
  ASSERT_FALSE(too_open.ok());
  EXPECT_EQ(too_open.error().code(), ErrorCode::kForbidden);
  EXPECT_NE(too_open.error().message().find("chmod 600"), std::string::npos)
      << too_open.error().message();

  const std::string garbage = dir.File("garbage.key");
  {
    std::ofstream out(garbage);
    out << "not a key\n";
  }
  ASSERT_EQ(::chmod(garbage.c_str(), 0600), 0);
  const auto corrupt = LoadSigningKey(garbage);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(corrupt.error().message().find("PRIVATE+KEY+"), std::string::npos);

  const auto directory = LoadSigningKey(dir.path().string());
  ASSERT_FALSE(directory.ok());

  SeededRng rng(2);
  const auto no_folder = CreateSigningKey(dir.File("no/such/folder.key"), kLogName, rng);
  ASSERT_FALSE(no_folder.ok());
  EXPECT_EQ(no_folder.error().code(), ErrorCode::kNotFound);
}

}  // namespace
}  // namespace cordon
