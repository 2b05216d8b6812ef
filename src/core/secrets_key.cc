// The secrets key and sealed secrets; see secrets_key.h.
#include "core/secrets_key.h"

#include <sodium.h>

#include <cstring>
#include <optional>
#include <span>
#include <stdexcept>
#include <vector>

#include "core/key_file.h"

namespace cordon {
namespace {

constexpr std::string_view kKeyPrefix = "cordon-secrets-key+";
constexpr std::string_view kKeyIdDomain = "cordon-secrets-key\n";
constexpr std::string_view kSealedPrefix = "v1:";
constexpr size_t kKeyIdHexDigits = 8;
constexpr size_t kNonceBytes = crypto_aead_xchacha20poly1305_ietf_NPUBBYTES;
constexpr size_t kTagBytes = crypto_aead_xchacha20poly1305_ietf_ABYTES;
// Secrets are short (a webhook secret is 50 bytes); a sealed value longer
// than this is refused before decoding it.
constexpr size_t kMaxSealedBytes = 16384;

static_assert(crypto_aead_xchacha20poly1305_ietf_KEYBYTES == 32);

void InitSodium() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

const unsigned char* Bytes(std::string_view text) {
  return reinterpret_cast<const unsigned char*>(text.data());
}

std::string Base64(const unsigned char* data, size_t size) {
  std::string out(sodium_base64_encoded_len(size, sodium_base64_VARIANT_ORIGINAL), '\0');
  sodium_bin2base64(out.data(), out.size(), data, size, sodium_base64_VARIANT_ORIGINAL);
  out.resize(out.size() - 1);  // the terminating NUL
  return out;
}

// Strict standard padded base64 of exactly the whole text; nullopt otherwise.
std::optional<std::vector<unsigned char>> FromBase64(std::string_view text) {
  std::vector<unsigned char> out(text.size() / 4 * 3 + 3);
  size_t length = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), nullptr, &length, &end,
                        sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(length);
  return out;
}

std::string KeyIdOf(const std::array<uint8_t, 32>& key) {
  crypto_hash_sha256_state state;
  crypto_hash_sha256_init(&state);
  crypto_hash_sha256_update(&state, Bytes(kKeyIdDomain), kKeyIdDomain.size());
  crypto_hash_sha256_update(&state, key.data(), key.size());
  std::array<unsigned char, crypto_hash_sha256_BYTES> digest{};
  crypto_hash_sha256_final(&state, digest.data());
  char hex[kKeyIdHexDigits + 1];
  sodium_bin2hex(hex, sizeof hex, digest.data(), kKeyIdHexDigits / 2);
  return std::string(hex, kKeyIdHexDigits);
}

}  // namespace

// ---- SecretsKey ------------------------------------------------------------

SecretsKey::SecretsKey(const std::array<uint8_t, 32>& key) : key_(key), key_id_(KeyIdOf(key)) {}

SecretsKey SecretsKey::Generate(Rng& rng) {
  InitSodium();
  std::array<uint8_t, 32> key{};
  rng.Fill(key);
  SecretsKey generated(key);
  sodium_memzero(key.data(), key.size());
  return generated;
}

Result<SecretsKey> SecretsKey::FromText(std::string_view text) {
  InitSodium();
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.remove_suffix(1);
  if (!text.starts_with(kKeyPrefix)) {
    return Corrupt("a secrets key starts with \"cordon-secrets-key+\"");
  }
  text.remove_prefix(kKeyPrefix.size());
  const size_t plus = text.find('+');
  if (plus != kKeyIdHexDigits) {
    return Corrupt("a secrets key has an 8-digit key id after \"cordon-secrets-key+\"");
  }
  const std::string_view key_id = text.substr(0, plus);
  auto decoded = FromBase64(text.substr(plus + 1));
  if (!decoded || decoded->size() != 32) {
    if (decoded) sodium_memzero(decoded->data(), decoded->size());
    return Corrupt("a secrets key ends with base64 of 32 bytes");
  }
  std::array<uint8_t, 32> key{};
  std::memcpy(key.data(), decoded->data(), key.size());
  sodium_memzero(decoded->data(), decoded->size());
  SecretsKey parsed(key);
  sodium_memzero(key.data(), key.size());
  if (parsed.key_id_ != key_id) {
    return Corrupt("the secrets key's id " + std::string(key_id) + " does not match its key (" +
                   parsed.key_id_ + "): the key is damaged");
  }
  return parsed;
}

SecretsKey::SecretsKey(SecretsKey&& other) noexcept
    : key_(other.key_), key_id_(std::move(other.key_id_)) {
  other.Wipe();
}

SecretsKey& SecretsKey::operator=(SecretsKey&& other) noexcept {
  if (this != &other) {
    Wipe();
    key_ = other.key_;
    key_id_ = std::move(other.key_id_);
    other.Wipe();
  }
  return *this;
}

SecretsKey::~SecretsKey() { Wipe(); }

void SecretsKey::Wipe() { sodium_memzero(key_.data(), key_.size()); }

std::string SecretsKey::Text() const {
  return std::string(kKeyPrefix) + key_id_ + "+" + Base64(key_.data(), key_.size());
}

std::string SecretsKey::Seal(std::string_view plaintext, std::string_view associated_data,
                             Rng& rng) const {
  std::vector<unsigned char> blob(kNonceBytes + plaintext.size() + kTagBytes);
  rng.Fill(std::span<uint8_t>(blob.data(), kNonceBytes));
  unsigned long long cipher_length = 0;
  crypto_aead_xchacha20poly1305_ietf_encrypt(
      blob.data() + kNonceBytes, &cipher_length, Bytes(plaintext), plaintext.size(),
      Bytes(associated_data), associated_data.size(), nullptr, blob.data(), key_.data());
  return std::string(kSealedPrefix) + key_id_ + ":" + Base64(blob.data(), blob.size());
}

Result<std::string> SecretsKey::Open(std::string_view sealed,
                                     std::string_view associated_data) const {
  const std::optional<std::string> sealed_key_id = SealedSecretKeyId(sealed);
  if (!sealed_key_id) return Corrupt("the stored secret is not in the sealed form v1:<key id>:...");
  if (*sealed_key_id != key_id_) {
    return Corrupt("the stored secret was sealed with secrets key " + *sealed_key_id +
                   ", not with this node's key " + key_id_);
  }
  if (sealed.size() > kMaxSealedBytes) return Corrupt("the stored secret is too long");
  const std::string_view encoded = sealed.substr(kSealedPrefix.size() + kKeyIdHexDigits + 1);
  auto blob = FromBase64(encoded);
  if (!blob || blob->size() < kNonceBytes + kTagBytes) {
    return Corrupt("the stored secret is not base64 of a nonce and a ciphertext");
  }
  std::string plaintext(blob->size() - kNonceBytes - kTagBytes, '\0');
  unsigned long long plain_length = 0;
  if (crypto_aead_xchacha20poly1305_ietf_decrypt(
          reinterpret_cast<unsigned char*>(plaintext.data()), &plain_length, nullptr,
          blob->data() + kNonceBytes, blob->size() - kNonceBytes, Bytes(associated_data),
          associated_data.size(), blob->data(), key_.data()) != 0) {
    return Corrupt("the stored secret does not decrypt with secrets key " + key_id_ +
                   ": it was altered or belongs to another record");
  }
  plaintext.resize(plain_length);
  return plaintext;
}

bool IsSealedSecret(std::string_view stored) { return stored.starts_with(kSealedPrefix); }

std::optional<std::string> SealedSecretKeyId(std::string_view stored) {
  if (!IsSealedSecret(stored)) return std::nullopt;
  const std::string_view rest = stored.substr(kSealedPrefix.size());
  if (rest.size() <= kKeyIdHexDigits || rest[kKeyIdHexDigits] != ':') return std::nullopt;
  const std::string_view key_id = rest.substr(0, kKeyIdHexDigits);
  for (const char c : key_id) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return std::nullopt;
  }
  return std::string(key_id);
}

// ---- Key files -------------------------------------------------------------

Result<SecretsKey> LoadSecretsKey(const std::string& path) {
  return LoadKeyFile<SecretsKey>(path, "secrets key", &SecretsKey::FromText);
}

Result<SecretsKey> CreateSecretsKey(const std::string& path, Rng& rng) {
  SecretsKey key = SecretsKey::Generate(rng);
  CORDON_RETURN_IF_ERROR(WriteNewKeyFile(path, "secrets key", key.Text()));
  return key;
}

}  // namespace cordon
