#include "audit/checkpoint.h"

#include <sodium.h>

#include <charconv>
#include <cstdint>
#include <cstring>
#include <optional>
#include <vector>

#include "audit/encoding.h"
#include "core/key_file.h"

namespace cordon {
namespace {

using audit_internal::Base64Decode;
using audit_internal::Base64Encode;
using audit_internal::EnsureSodium;
using audit_internal::IsValidUtf8;

// signed-note §Signature types: 0x01 is Ed25519.
constexpr uint8_t kEd25519Type = 0x01;
// U+2014 EM DASH and a space open every signature line (signed-note §Format).
constexpr std::string_view kSignatureLinePrefix = "\xE2\x80\x94 ";
constexpr std::string_view kPrivateKeyPrefix = "PRIVATE+KEY+";
// A checkpoint note is a few hundred bytes; refuse to parse anything huge.
constexpr size_t kMaxNoteBytes = 64 * 1024;
// signed-note: verifiers limit the signature count but accept at least 16.
constexpr size_t kMaxSignatures = 100;

// signed-note §Signatures: key ID = SHA-256(name || 0x0A || type || key)[:4].
uint32_t KeyId(std::string_view name, const std::array<uint8_t, 32>& public_key) {
  std::string input(name);
  input.push_back('\n');
  input.push_back(static_cast<char>(kEd25519Type));
  input.append(reinterpret_cast<const char*>(public_key.data()), public_key.size());
  const MerkleHash digest = Sha256(input);
  return (uint32_t{digest[0]} << 24) | (uint32_t{digest[1]} << 16) | (uint32_t{digest[2]} << 8) |
         uint32_t{digest[3]};
}

std::string KeyIdHex(uint32_t key_id) {
  const std::array<uint8_t, 4> bytes{
      static_cast<uint8_t>(key_id >> 24), static_cast<uint8_t>(key_id >> 16),
      static_cast<uint8_t>(key_id >> 8), static_cast<uint8_t>(key_id)};
  return audit_internal::HexEncode(bytes);
}

std::optional<uint32_t> ParseKeyIdHex(std::string_view text) {
  if (text.size() != 8) return std::nullopt;
  auto bytes = audit_internal::HexDecode(text);
  if (!bytes) return std::nullopt;
  return (uint32_t{(*bytes)[0]} << 24) | (uint32_t{(*bytes)[1]} << 16) |
         (uint32_t{(*bytes)[2]} << 8) | uint32_t{(*bytes)[3]};
}

// Splits at `separator`; with `max_parts`, the last part keeps the rest (a
// key's base64 may contain '+', like Go's chop in sumdb/note).
std::vector<std::string_view> Split(std::string_view text, char separator,
                                    size_t max_parts = SIZE_MAX) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    const size_t pos =
        parts.size() + 1 < max_parts ? text.find(separator, start) : std::string_view::npos;
    if (pos == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, pos - start));
    start = pos + 1;
  }
}

std::optional<uint64_t> ParseTreeSize(std::string_view text) {
  // tlog-checkpoint: ASCII decimal, no leading zeroes unless the size is 0.
  if (text.empty() || (text.size() > 1 && text[0] == '0')) return std::nullopt;
  uint64_t value = 0;
  const auto [end, error] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (error != std::errc() || end != text.data() + text.size()) return std::nullopt;
  return value;
}

}  // namespace

std::string CheckpointNoteText(std::string_view origin, const Checkpoint& checkpoint) {
  std::string text(origin);
  text += '\n';
  text += std::to_string(checkpoint.tree_size);
  text += '\n';
  text += MerkleHashToBase64(checkpoint.root_hash);
  text += '\n';
  return text;
}

bool IsValidKeyName(std::string_view name) {
  if (name.empty() || name.size() > 255) return false;
  for (const char c : name) {
    if (c <= ' ' || c > '~' || c == '+') return false;
  }
  return true;
}

// ---- CheckpointVerifier ----------------------------------------------------

CheckpointVerifier::CheckpointVerifier(std::string name, const std::array<uint8_t, 32>& public_key)
    : name_(std::move(name)), public_key_(public_key), key_id_(KeyId(name_, public_key_)) {}

Result<CheckpointVerifier> CheckpointVerifier::FromVerifierKey(std::string_view verifier_key) {
  const auto parts = Split(verifier_key, '+', 3);
  if (parts.size() != 3) {
    return InvalidInput("verifier key must be <name>+<key id>+<base64 key>, got " +
                        std::to_string(parts.size()) + " '+'-separated parts");
  }
  if (!IsValidKeyName(parts[0])) {
    return InvalidInput("verifier key name \"" + std::string(parts[0]) +
                        "\" is not a valid key name (printable ASCII, no space or '+')");
  }
  const auto key_id = ParseKeyIdHex(parts[1]);
  if (!key_id) return InvalidInput("verifier key id must be 8 hex digits");
  const auto key = Base64Decode(parts[2]);
  if (!key || key->size() != 33 || (*key)[0] != kEd25519Type) {
    return InvalidInput(
        "verifier key must be base64 of 0x01 followed by a 32-byte Ed25519 public key");
  }
  std::array<uint8_t, 32> public_key;
  std::copy(key->begin() + 1, key->end(), public_key.begin());
  CheckpointVerifier verifier{std::string(parts[0]), public_key};
  if (verifier.key_id() != *key_id) {
    return InvalidInput("verifier key id " + std::string(parts[1]) +
                        " does not match its name and public key (expected " +
                        KeyIdHex(verifier.key_id()) + ")");
  }
  return verifier;
}

std::string CheckpointVerifier::VerifierKey() const {
  std::vector<uint8_t> key{kEd25519Type};
  key.insert(key.end(), public_key_.begin(), public_key_.end());
  return name_ + "+" + KeyIdHex(key_id_) + "+" + Base64Encode(key);
}

bool CheckpointVerifier::Verify(std::string_view message,
                                std::span<const uint8_t> signature) const {
  if (signature.size() != crypto_sign_BYTES) return false;
  EnsureSodium();
  return crypto_sign_verify_detached(signature.data(),
                                     reinterpret_cast<const unsigned char*>(message.data()),
                                     message.size(), public_key_.data()) == 0;
}

// ---- CheckpointSigner ------------------------------------------------------

namespace {
std::array<uint8_t, 32> PublicKeyFromSeed(const std::array<uint8_t, 32>& seed,
                                          std::array<uint8_t, 64>& secret_key) {
  EnsureSodium();
  std::array<uint8_t, 32> public_key;
  crypto_sign_seed_keypair(public_key.data(), secret_key.data(), seed.data());
  return public_key;
}
}  // namespace

CheckpointSigner::CheckpointSigner(const std::array<uint8_t, 32>& seed, std::string name)
    : seed_(seed), verifier_(std::move(name), PublicKeyFromSeed(seed_, secret_key_)) {}

CheckpointSigner::CheckpointSigner(CheckpointSigner&& other) noexcept
    : seed_(other.seed_), secret_key_(other.secret_key_), verifier_(other.verifier_) {
  other.Wipe();
}

CheckpointSigner& CheckpointSigner::operator=(CheckpointSigner&& other) noexcept {
  if (this != &other) {
    seed_ = other.seed_;
    secret_key_ = other.secret_key_;
    verifier_ = other.verifier_;
    other.Wipe();
  }
  return *this;
}

CheckpointSigner::~CheckpointSigner() { Wipe(); }

void CheckpointSigner::Wipe() {
  sodium_memzero(seed_.data(), seed_.size());
  sodium_memzero(secret_key_.data(), secret_key_.size());
}

Result<CheckpointSigner> CheckpointSigner::Generate(std::string_view name, Rng& rng) {
  if (!IsValidKeyName(name)) {
    return InvalidInput("key name \"" + std::string(name) +
                        "\" is not valid (printable ASCII, no space or '+', e.g. "
                        "\"customs.example/cordon\")");
  }
  std::array<uint8_t, 32> seed;
  rng.Fill(seed);
  CheckpointSigner signer(seed, std::string(name));
  sodium_memzero(seed.data(), seed.size());
  return signer;
}

Result<CheckpointSigner> CheckpointSigner::FromPrivateKey(std::string_view private_key) {
  if (!private_key.starts_with(kPrivateKeyPrefix)) {
    return InvalidInput("private key must start with \"PRIVATE+KEY+\"");
  }
  const auto parts = Split(private_key.substr(kPrivateKeyPrefix.size()), '+', 3);
  if (parts.size() != 3) {
    return InvalidInput("private key must be PRIVATE+KEY+<name>+<key id>+<base64 key>");
  }
  if (!IsValidKeyName(parts[0])) {
    return InvalidInput("private key name \"" + std::string(parts[0]) + "\" is not a valid name");
  }
  const auto key_id = ParseKeyIdHex(parts[1]);
  if (!key_id) return InvalidInput("private key id must be 8 hex digits");
  auto key = Base64Decode(parts[2]);
  if (!key || key->size() != 33 || (*key)[0] != kEd25519Type) {
    if (key) sodium_memzero(key->data(), key->size());
    return InvalidInput("private key must be base64 of 0x01 followed by a 32-byte Ed25519 seed");
  }
  std::array<uint8_t, 32> seed;
  std::copy(key->begin() + 1, key->end(), seed.begin());
  sodium_memzero(key->data(), key->size());
  CheckpointSigner signer{seed, std::string(parts[0])};
  sodium_memzero(seed.data(), seed.size());
  if (signer.verifier().key_id() != *key_id) {
    return InvalidInput("private key id " + std::string(parts[1]) +
                        " does not match its name and key");
  }
  return signer;
}

std::string CheckpointSigner::PrivateKey() const {
  std::vector<uint8_t> key{kEd25519Type};
  key.insert(key.end(), seed_.begin(), seed_.end());
  std::string text = std::string(kPrivateKeyPrefix) + name() + "+" + KeyIdHex(verifier_.key_id()) +
                     "+" + Base64Encode(key);
  sodium_memzero(key.data(), key.size());
  return text;
}

std::array<uint8_t, 64> CheckpointSigner::SignBytes(std::string_view message) const {
  EnsureSodium();
  std::array<uint8_t, 64> signature;
  crypto_sign_detached(signature.data(), nullptr,
                       reinterpret_cast<const unsigned char*>(message.data()), message.size(),
                       secret_key_.data());
  return signature;
}

std::string CheckpointSigner::Sign(const Checkpoint& checkpoint) const {
  // A checkpoint's text always qualifies as note text.
  return SignNote(CheckpointNoteText(name(), checkpoint), *this).value();
}

// ---- Notes -----------------------------------------------------------------

namespace {
Status CheckNoteCharacters(std::string_view note) {
  // signed-note §Format: valid UTF-8, no control characters but newline.
  if (!IsValidUtf8(note)) return InvalidInput("note is not valid UTF-8");
  for (const char c : note) {
    if (static_cast<unsigned char>(c) < 0x20 && c != '\n') {
      return InvalidInput("note contains a control character other than newline");
    }
  }
  return Status::Ok();
}
}  // namespace

Result<std::string> SignNote(std::string_view text, const CheckpointSigner& signer) {
  if (text.empty() || text.back() != '\n') return InvalidInput("note text must end in a newline");
  if (text.size() > kMaxNoteBytes / 2) return InvalidInput("note text is too large");
  CORDON_RETURN_IF_ERROR(CheckNoteCharacters(text));
  // signed-note §Format: text, a blank line, then
  // "— <name> base64(key id (big-endian) || signature)\n".
  const uint32_t key_id = signer.verifier().key_id();
  const auto signature = signer.SignBytes(text);
  std::vector<uint8_t> blob{static_cast<uint8_t>(key_id >> 24), static_cast<uint8_t>(key_id >> 16),
                            static_cast<uint8_t>(key_id >> 8), static_cast<uint8_t>(key_id)};
  blob.insert(blob.end(), signature.begin(), signature.end());
  return std::string(text) + "\n" + std::string(kSignatureLinePrefix) + signer.name() + " " +
         Base64Encode(blob) + "\n";
}

Result<std::string> OpenNote(std::string_view note, const CheckpointVerifier& verifier) {
  if (note.size() > kMaxNoteBytes) {
    return InvalidInput("note is larger than " + std::to_string(kMaxNoteBytes) + " bytes");
  }
  CORDON_RETURN_IF_ERROR(CheckNoteCharacters(note));
  // The text ends at the last blank line; signatures follow it.
  const size_t split = note.rfind("\n\n");
  if (split == std::string_view::npos) {
    return InvalidInput("note has no blank line before its signatures");
  }
  const std::string_view text = note.substr(0, split + 1);
  std::string_view signatures = note.substr(split + 2);
  if (signatures.empty() || signatures.back() != '\n') {
    return InvalidInput("note must end with a signature line and a newline");
  }
  signatures.remove_suffix(1);

  size_t verified = 0;
  size_t line_count = 0;
  for (const std::string_view line : Split(signatures, '\n')) {
    if (++line_count > kMaxSignatures) {
      return InvalidInput("note has more than " + std::to_string(kMaxSignatures) + " signatures");
    }
    if (!line.starts_with(kSignatureLinePrefix)) {
      return InvalidInput("note signature line " + std::to_string(line_count) +
                          " does not start with an em dash and a space");
    }
    const std::string_view rest = line.substr(kSignatureLinePrefix.size());
    const size_t space = rest.find(' ');
    if (space == std::string_view::npos || space == 0) {
      return InvalidInput("note signature line " + std::to_string(line_count) +
                          " must be \"— <name> <base64 signature>\"");
    }
    const std::string_view name = rest.substr(0, space);
    const auto blob = Base64Decode(rest.substr(space + 1));
    if (!blob || blob->size() < 5) {
      return InvalidInput("note signature line " + std::to_string(line_count) +
                          " does not carry base64 of a key id and a signature");
    }
    const uint32_t key_id = (uint32_t{(*blob)[0]} << 24) | (uint32_t{(*blob)[1]} << 16) |
                            (uint32_t{(*blob)[2]} << 8) | uint32_t{(*blob)[3]};
    // signed-note §Signatures: ignore signatures of unknown keys; a known
    // key's signature that fails rejects the whole note.
    if (name != verifier.name() || key_id != verifier.key_id()) continue;
    if (!verifier.Verify(text, std::span(*blob).subspan(4))) {
      return Corrupt("note signature by " + verifier.name() + "+" + KeyIdHex(verifier.key_id()) +
                     " does not verify");
    }
    ++verified;
  }
  if (verified == 0) {
    return Corrupt("note carries no signature by " + verifier.name() + "+" +
                   KeyIdHex(verifier.key_id()));
  }
  return std::string(text);
}

Result<Checkpoint> OpenCheckpoint(std::string_view note, const CheckpointVerifier& verifier) {
  CORDON_ASSIGN_OR_RETURN(const std::string text, OpenNote(note, verifier));

  // tlog-checkpoint §Note text: origin, tree size, root hash, then optional
  // non-empty extension lines.
  std::string_view body = text;
  body.remove_suffix(1);  // the final newline
  const auto lines = Split(body, '\n');
  if (lines.size() < 3) {
    return InvalidInput("checkpoint text must have origin, tree size and root hash lines");
  }
  if (lines[0] != verifier.name()) {
    return InvalidInput("checkpoint origin \"" + std::string(lines[0]) +
                        "\" is not the log's name \"" + verifier.name() + "\"");
  }
  const auto tree_size = ParseTreeSize(lines[1]);
  if (!tree_size) {
    return InvalidInput("checkpoint line 2 is not a tree size (decimal, no leading zeroes)");
  }
  auto root_hash = MerkleHashFromBase64(lines[2]);
  if (!root_hash.ok()) {
    Error error = root_hash.error();
    return error.Prefix("checkpoint line 3: ");
  }
  for (size_t i = 3; i < lines.size(); ++i) {
    if (lines[i].empty()) {
      return InvalidInput("checkpoint extension line " + std::to_string(i + 1) + " is empty");
    }
  }
  return Checkpoint{*tree_size, *root_hash};
}

// ---- Key files -------------------------------------------------------------

Result<CheckpointSigner> LoadSigningKey(const std::string& path) {
  return LoadKeyFile<CheckpointSigner>(path, "signing key", &CheckpointSigner::FromPrivateKey);
}

Result<CheckpointSigner> CreateSigningKey(const std::string& path, std::string_view name,
                                          Rng& rng) {
  CORDON_ASSIGN_OR_RETURN(CheckpointSigner signer, CheckpointSigner::Generate(name, rng));
  CORDON_RETURN_IF_ERROR(WriteNewKeyFile(path, "signing key", signer.PrivateKey()));
  return signer;
}

Result<CheckpointSigner> LoadOrCreateSigningKey(const std::string& path, std::string_view name,
                                                Rng& rng) {
  auto loaded = LoadSigningKey(path);
  if (!loaded.ok() && loaded.error().code() == ErrorCode::kNotFound) {
    auto created = CreateSigningKey(path, name, rng);
    // Another process may have created it in between: load theirs.
    if (!created.ok() && created.error().code() == ErrorCode::kConflict) {
      loaded = LoadSigningKey(path);
    } else {
      return created;
    }
  }
  if (!loaded.ok()) return loaded.error();
  if (loaded->name() != name) {
    return InvalidInput("signing key file " + path + " is the key of log \"" + loaded->name() +
                        "\", not \"" + std::string(name) + "\"");
  }
  return loaded;
}

}  // namespace cordon
