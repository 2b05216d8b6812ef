#include "core/secrets_key.h"

#include <gtest/gtest.h>
#include <sodium.h>
#include <sys/stat.h>

#include <array>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "support/test_support.h"

namespace cordon {
namespace {

using test_support::TempDir;

// An Rng that hands out 0, 1, 2, ... so a key is a known vector.
class CountingRng final : public Rng {
 public:
  void Fill(std::span<uint8_t> out) override {
    for (uint8_t& byte : out) byte = next_++;
  }

 private:
  uint8_t next_ = 0;
};

std::vector<unsigned char> DecodeBase64(const std::string& text) {
  std::vector<unsigned char> out(text.size());
  size_t length = 0;
  EXPECT_EQ(sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length,
                              nullptr, sodium_base64_VARIANT_ORIGINAL),
            0);
  out.resize(length);
  return out;
}

std::string ReadAll(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

TEST(SecretsKeyTest, TextFormAndKeyIdFollowTheDocumentedFormat) {
  CountingRng rng;  // key bytes 00 01 .. 1f
  SecretsKey key = SecretsKey::Generate(rng);
  // key id = SHA-256("cordon-secrets-key\n" || key)[:4], computed with Python's hashlib.
  EXPECT_EQ(key.key_id(), "b1592cf1");
  EXPECT_EQ(key.Text(), "cordon-secrets-key+b1592cf1+AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=");
  Result<SecretsKey> parsed = SecretsKey::FromText(key.Text() + "\n");
  ASSERT_TRUE(parsed.ok()) << parsed.error().ToString();
  EXPECT_EQ(parsed->key_id(), "b1592cf1");
}

TEST(SecretsKeyTest, SealedSecretOpensWithItsKeyAndAssociatedDataOnly) {
  SystemRng rng;
  SecretsKey key = SecretsKey::Generate(rng);
  const std::string secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
  const std::string sealed = key.Seal(secret, "owner-1", rng);
  EXPECT_EQ(sealed.rfind("v1:" + key.key_id() + ":", 0), 0u) << sealed;
  EXPECT_EQ(sealed.find("MfKQ9r8G"), std::string::npos);
  EXPECT_EQ(SealedSecretKeyId(sealed), key.key_id());
  EXPECT_NE(key.Seal(secret, "owner-1", rng), sealed) << "a fresh nonce each time";

  Result<std::string> opened = key.Open(sealed, "owner-1");
  ASSERT_TRUE(opened.ok()) << opened.error().ToString();
  EXPECT_EQ(*opened, secret);

  // Bound to its owner: the same value under other associated data fails.
  Result<std::string> moved = key.Open(sealed, "owner-2");
  ASSERT_FALSE(moved.ok());
  EXPECT_EQ(moved.error().code(), ErrorCode::kCorrupt);

  // One changed character of the ciphertext.
  std::string tampered = sealed;
  tampered[20] = tampered[20] == 'A' ? 'B' : 'A';
  Result<std::string> altered = key.Open(tampered, "owner-1");
  ASSERT_FALSE(altered.ok());
  EXPECT_EQ(altered.error().code(), ErrorCode::kCorrupt);

  // Another key: refused by its id, naming both.
  SecretsKey other = SecretsKey::Generate(rng);
  Result<std::string> wrong = other.Open(sealed, "owner-1");
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(wrong.error().message().find(key.key_id()), std::string::npos);
  EXPECT_NE(wrong.error().message().find(other.key_id()), std::string::npos);

  // Another key that claims this key's id still fails authentication.
  std::string relabelled = other.Seal(secret, "owner-1", rng);
  relabelled.replace(3, 8, key.key_id());
  EXPECT_EQ(key.Open(relabelled, "owner-1").error().code(), ErrorCode::kCorrupt);

  for (const std::string& bad :
       {std::string(secret), std::string("v1:"), "v1:" + key.key_id() + ":",
        "v1:" + key.key_id() + ":!!!!", "v1:" + key.key_id() + ":AAAA"}) {
    Result<std::string> refused = key.Open(bad, "owner-1");
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.error().code(), ErrorCode::kCorrupt) << bad;
  }
}

// The sealed form as documented, opened with libsodium directly.
TEST(SecretsKeyTest, SealedFormDecryptsWithLibsodiumAsDocumented) {
  SystemRng rng;
  SecretsKey key = SecretsKey::Generate(rng);
  const std::string sealed = key.Seal("the secret", "aad", rng);
  const std::string text = key.Text();
  std::vector<unsigned char> key_bytes =
      DecodeBase64(text.substr(std::string("cordon-secrets-key+12345678+").size()));
  ASSERT_EQ(key_bytes.size(), 32u);
  std::vector<unsigned char> blob = DecodeBase64(sealed.substr(std::string("v1:12345678:").size()));
  ASSERT_EQ(blob.size(), 24u + 10u + 16u);
  std::vector<unsigned char> plain(blob.size() - 24 - 16);
  unsigned long long length = 0;
  ASSERT_EQ(crypto_aead_xchacha20poly1305_ietf_decrypt(
                plain.data(), &length, nullptr, blob.data() + 24, blob.size() - 24,
                reinterpret_cast<const unsigned char*>("aad"), 3, blob.data(), key_bytes.data()),
            0);
  EXPECT_EQ(std::string(plain.begin(), plain.end()), "the secret");
}

TEST(SecretsKeyTest, FromTextRefusesWhatIsNotAKey) {
  SystemRng rng;
  const std::string text = SecretsKey::Generate(rng).Text();
  std::string wrong_id = text;
  wrong_id[19] = wrong_id[19] == '0' ? '1' : '0';
  for (const std::string& bad :
       {std::string(), std::string("cordon-secrets-key+"), wrong_id,
        text.substr(0, text.size() - 4), "PRIVATE+KEY+" + text, text.substr(0, 28) + "+AAAA"}) {
    Result<SecretsKey> parsed = SecretsKey::FromText(bad);
    ASSERT_FALSE(parsed.ok()) << bad;
    EXPECT_EQ(parsed.error().code(), ErrorCode::kCorrupt) << bad;
  }
}

TEST(SecretsKeyTest, KeyFileIsCreatedPrivateOnceAndLoadedBack) {
  TempDir dir;
  SystemRng rng;
  const std::string path = (dir.path() / "node.db.secrets-key").string();
  EXPECT_EQ(LoadSecretsKey(path).error().code(), ErrorCode::kNotFound);

  Result<SecretsKey> created = CreateSecretsKey(path, rng);
  ASSERT_TRUE(created.ok()) << created.error().ToString();
  struct stat info;
  ASSERT_EQ(::stat(path.c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  EXPECT_EQ(ReadAll(path), created->Text() + "\n");

  Result<SecretsKey> loaded = LoadSecretsKey(path);
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->key_id(), created->key_id());
  const std::string sealed = created->Seal("x", "y", rng);
  EXPECT_EQ(loaded->Open(sealed, "y").value(), "x");

  // Never overwritten.
  Result<SecretsKey> again = CreateSecretsKey(path, rng);
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.error().code(), ErrorCode::kConflict);
  EXPECT_EQ(LoadSecretsKey(path)->key_id(), created->key_id());
}

TEST(SecretsKeyTest, KeyFileReadableByGroupOrOthersIsRefusedWithTheChmodToRun) {
  TempDir dir;
  SystemRng rng;
  const std::string path = (dir.path() / "exposed.secrets-key").string();
  ASSERT_TRUE(CreateSecretsKey(path, rng).ok());
  for (const mode_t mode : {0640, 0604, 0644}) {
    ASSERT_EQ(::chmod(path.c_str(), mode), 0);
    Result<SecretsKey> loaded = LoadSecretsKey(path);
    ASSERT_FALSE(loaded.ok());
    EXPECT_EQ(loaded.error().code(), ErrorCode::kForbidden);
    EXPECT_NE(loaded.error().message().find("chmod 600 " + path), std::string::npos)
        << loaded.error().message();
  }
  ASSERT_EQ(::chmod(path.c_str(), 0400), 0);
  EXPECT_TRUE(LoadSecretsKey(path).ok());

  const std::string junk = (dir.path() / "junk.secrets-key").string();
  {
    std::ofstream out(junk);
    out << "not a key\n";
  }
  ASSERT_EQ(::chmod(junk.c_str(), 0600), 0);
  Result<SecretsKey> corrupt = LoadSecretsKey(junk);
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.error().code(), ErrorCode::kCorrupt);
  EXPECT_NE(corrupt.error().message().find(junk), std::string::npos);
}

}  // namespace
}  // namespace cordon
