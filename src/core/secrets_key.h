// The secrets key: a 32-byte key, kept in a file beside the database and
// never in it, that encrypts secrets the store must keep readable (webhook
// signing secrets, docs/notifications.md "Secrets at rest"). A copy of the
// database alone then reveals none of them.
//
// Key file (one line, mode 0600 or 0400):
//   cordon-secrets-key+<key id, 8 hex>+<base64 of the 32 key bytes>
// key id = hex of the first 4 bytes of SHA-256("cordon-secrets-key\n" || key).
//
// A sealed secret (the stored text form):
//   v1:<key id>:<base64 of nonce (24 bytes) || ciphertext || tag (16 bytes)>
// XChaCha20-Poly1305 (IETF, libsodium) with a random nonce per secret and
// caller-given associated data that binds the ciphertext to its owner, so a
// sealed value copied to another row does not open.
//
// Thread safety: a SecretsKey is immutable after construction and safe to
// share between threads; its key bytes are wiped when it is destroyed.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/random.h"
#include "core/result.h"

namespace cordon {

class SecretsKey {
 public:
  // A new key from 32 bytes of `rng` (a SystemRng in production).
  static SecretsKey Generate(Rng& rng);
  // The key file's text form (without or with a final newline). kCorrupt
  // when it is not one, or when its key id does not match its key.
  static Result<SecretsKey> FromText(std::string_view text);

  SecretsKey(SecretsKey&& other) noexcept;
  SecretsKey& operator=(SecretsKey&& other) noexcept;
  SecretsKey(const SecretsKey&) = delete;
  SecretsKey& operator=(const SecretsKey&) = delete;
  ~SecretsKey();

  // 8 lowercase hex digits; not secret (it names the key, it does not reveal it).
  const std::string& key_id() const { return key_id_; }
  // The key file's line (secret: write it only to the key file).
  std::string Text() const;

  // Encrypts `plaintext` bound to `associated_data`; returns the sealed form.
  std::string Seal(std::string_view plaintext, std::string_view associated_data, Rng& rng) const;
  // Decrypts a sealed form. kCorrupt when `sealed` is not a v1 sealed form,
  // was sealed with another key (the message names both key ids), or fails
  // authentication (tampered, or bound to other associated data).
  Result<std::string> Open(std::string_view sealed, std::string_view associated_data) const;

 private:
  explicit SecretsKey(const std::array<uint8_t, 32>& key);
  void Wipe();

  std::array<uint8_t, 32> key_{};
  std::string key_id_;
};

// Whether a stored value is in the sealed form ("v1:"), and the id of the
// key that sealed it (nullopt when it is not sealed).
bool IsSealedSecret(std::string_view stored);
std::optional<std::string> SealedSecretKeyId(std::string_view stored);

// LoadSecretsKey: kNotFound when the file does not exist; kForbidden when it
// cannot be read or is open to group/others (the message gives the chmod to
// run); kCorrupt when it does not hold a secrets key; kUnavailable for other
// I/O failures. The message names the path.
Result<SecretsKey> LoadSecretsKey(const std::string& path);
// Generates a key and writes it to a new file (mode 0600), fsyncing the file
// and its directory before returning, so that no secret is sealed with a key
// a crash could lose. kConflict when the file exists (a key is never
// overwritten); kForbidden / kUnavailable when it cannot be written.
Result<SecretsKey> CreateSecretsKey(const std::string& path, Rng& rng);

}  // namespace cordon
