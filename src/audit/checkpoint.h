// Signed checkpoints of the audit log: a tree size and its root hash, signed
// with the node's Ed25519 key, in the transparency-log checkpoint format
// (C2SP tlog-checkpoint, a C2SP signed-note), so the Go `sumdb/note` and
// transparency-dev tooling read and verify them unchanged:
//
//   customs.example/cordon          <- origin, the log's key name
//   8                               <- tree size, decimal
//   XcnaeacGWamtVZy3Ad7Zoqudgjqt... <- root hash, base64 (RFC 4648 §4)
//                                   <- blank line
//   — customs.example/cordon AbCd...  <- em dash, key name, base64(key id || sig)
//
// The signature is Ed25519 (RFC 8032, libsodium crypto_sign_detached) over
// the note text: the three lines, each ending in "\n". The key id is
// SHA-256(name || "\n" || 0x01 || public key)[:4], big-endian (signed-note
// §Signatures). Keys are written in the same text forms as Go's note package:
//   private: PRIVATE+KEY+<name>+<key id, 8 hex>+<base64(0x01 || 32-byte seed)>
//   public:  <name>+<key id, 8 hex>+<base64(0x01 || 32-byte public key)>
// docs/audit.md has the details and a worked example.
//
// Thread safety: Checkpoint, CheckpointVerifier and CheckpointSigner are
// values; const methods are safe from several threads.
#pragma once

#include <array>
#include <cstdint>
#include <span>
#include <string>
#include <string_view>

#include "audit/merkle.h"
#include "core/random.h"
#include "core/result.h"

namespace cordon {

// The head of the log at one size (RFC 9162 §4.10's tree_size and
// root_hash).
struct Checkpoint {
  uint64_t tree_size = 0;
  MerkleHash root_hash{};
  bool operator==(const Checkpoint&) const = default;
};

// The note text of a checkpoint: "<origin>\n<tree_size>\n<base64 root>\n".
std::string CheckpointNoteText(std::string_view origin, const Checkpoint& checkpoint);

// True for names a key (and so a log origin) may have. Stricter than
// signed-note (non-empty, no Unicode space, no '+'): printable ASCII
// without space or '+', at most 255 bytes, e.g. "customs.example/cordon".
bool IsValidKeyName(std::string_view name);

// A public key that checks checkpoint signatures.
class CheckpointVerifier {
 public:
  // Parses "<name>+<key id, 8 hex>+<base64(0x01 || public key)>".
  // kInvalidInput naming what is wrong, including a key id that does not
  // belong to the name and key.
  static Result<CheckpointVerifier> FromVerifierKey(std::string_view verifier_key);

  const std::string& name() const { return name_; }
  uint32_t key_id() const { return key_id_; }
  const std::array<uint8_t, 32>& public_key() const { return public_key_; }
  // The verifier key in the text form FromVerifierKey reads.
  std::string VerifierKey() const;

  // Ed25519 verification of `signature` (64 bytes) over `message`.
  bool Verify(std::string_view message, std::span<const uint8_t> signature) const;

 private:
  friend class CheckpointSigner;
  CheckpointVerifier(std::string name, const std::array<uint8_t, 32>& public_key);

  std::string name_;
  std::array<uint8_t, 32> public_key_{};
  uint32_t key_id_ = 0;
};

// The node's private key. Move-only; the secret is wiped from memory when
// the object is destroyed.
class CheckpointSigner {
 public:
  // A new key from 32 bytes of `rng` (a SystemRng outside tests).
  // kInvalidInput for a name IsValidKeyName refuses.
  static Result<CheckpointSigner> Generate(std::string_view name, Rng& rng);
  // Parses "PRIVATE+KEY+<name>+<key id>+<base64(0x01 || seed)>";
  // kInvalidInput naming what is wrong (never echoing the secret).
  static Result<CheckpointSigner> FromPrivateKey(std::string_view private_key);

  CheckpointSigner(CheckpointSigner&& other) noexcept;
  CheckpointSigner& operator=(CheckpointSigner&& other) noexcept;
  CheckpointSigner(const CheckpointSigner&) = delete;
  CheckpointSigner& operator=(const CheckpointSigner&) = delete;
  ~CheckpointSigner();

  const std::string& name() const { return verifier_.name(); }
  const CheckpointVerifier& verifier() const { return verifier_; }
  // The secret in the text form FromPrivateKey reads (for the key file).
  std::string PrivateKey() const;

  // Ed25519 signature (64 bytes) over `message`.
  std::array<uint8_t, 64> SignBytes(std::string_view message) const;

  // The checkpoint as a signed note with this key's name as origin.
  std::string Sign(const Checkpoint& checkpoint) const;

 private:
  CheckpointSigner(const std::array<uint8_t, 32>& seed, std::string name);
  void Wipe();

  std::array<uint8_t, 32> seed_{};
  std::array<uint8_t, 64> secret_key_{};  // libsodium's seed || public key
  CheckpointVerifier verifier_;
};

// A signed note (C2SP signed-note): `text`, then a blank line, then
// "— <name> <base64(key id || Ed25519 signature over text)>\n".
// kInvalidInput unless `text` is valid UTF-8, non-empty, ends in "\n" and
// has no control characters other than newline.
Result<std::string> SignNote(std::string_view text, const CheckpointSigner& signer);

// Verifies a signed note and returns its text (with its final newline).
// Per signed-note, signature lines of other keys are ignored; a signature
// by `verifier`'s key (same name and key id) that does not verify rejects
// the note. Errors: kInvalidInput for a note that is not well-formed
// (naming what is wrong); kCorrupt when no signature by the key verifies
// or one fails.
Result<std::string> OpenNote(std::string_view signed_note, const CheckpointVerifier& verifier);

// OpenNote, then parses the text as a checkpoint. The origin line must be
// the verifier's name; extension lines are allowed and ignored
// (tlog-checkpoint). kInvalidInput naming the bad line; OpenNote's errors.
Result<Checkpoint> OpenCheckpoint(std::string_view signed_note, const CheckpointVerifier& verifier);

// Key files hold one line, the private key text, and must not be readable
// by group or others (mode 0600 or 0400).
//
// LoadSigningKey: kNotFound when the file does not exist; kForbidden when it
// cannot be read or is open to group/others (the message says to chmod 600);
// kCorrupt when it does not hold a private key; kUnavailable for other I/O
// failures.
Result<CheckpointSigner> LoadSigningKey(const std::string& path);
// Generates a key and writes it to a new file (mode 0600, fsynced).
// kConflict when the file exists (never overwrites a key); kInvalidInput for
// a bad name; kForbidden / kUnavailable when it cannot be written.
Result<CheckpointSigner> CreateSigningKey(const std::string& path, std::string_view name, Rng& rng);
// Loads the key at `path`, creating it when absent. kInvalidInput when an
// existing key has another name than `name` (a node must not change its log
// origin silently); otherwise the errors of the two functions above.
Result<CheckpointSigner> LoadOrCreateSigningKey(const std::string& path, std::string_view name,
                                                Rng& rng);

}  // namespace cordon
