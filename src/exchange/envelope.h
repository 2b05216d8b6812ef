// Node keys and the exchange envelope (issue 7): what one Cordon node sends
// another is a JWS (RFC 7515, ES256) over the message payload, encrypted for
// the recipient as a JWE (RFC 7516, ECDH-ES+A256KW with A256GCM), both in
// compact serialisation. The cryptography is libjose's (the library of the
// Debian `jose` tool), so any partner can check an envelope with that tool;
// docs/exchange.md shows how.
//
// The signed (JWS protected) header names the message:
//   alg "ES256", kid (the sender's signing key), typ "cordon.<type>.v<N>",
//   jti (message id), iss (sender node id), aud (recipient node id),
//   iat, exp (Unix seconds), in_reply_to (a message id, or absent).
// The JWE protected header: alg "ECDH-ES+A256KW", enc "A256GCM", cty "JOSE",
// kid (the recipient's encryption key), epk.
//
// Thread safety: NodeKeys and the functions here are plain values and pure
// (Seal uses OpenSSL's random generator through libjose, which is
// thread-safe); safe to use from any thread.
#pragma once

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"
#include "core/time.h"

namespace cordon::exchange {

// ---- Node keys --------------------------------------------------------------

// One key pair of the node: a P-256 signing key (use "sig", ES256) or a P-256
// key-agreement key (use "enc", ECDH-ES+A256KW). `jwk` holds the private key.
struct NodeKey {
  std::string kid;
  std::string use;  // "sig" | "enc"
  nlohmann::json jwk;
  Timestamp created_at{};
  // Set when a rotation retired the key: it is still published (signatures
  // by it verify) and still decrypts until then, and is dropped afterwards.
  std::optional<Timestamp> expires_at;
};

// A node's identity: its exchange id ("DE-ZOLL"), the local organisation
// (customs administration) it speaks for, and its keys, newest last.
struct NodeKeys {
  std::string node_id;
  std::string org_id;
  std::vector<NodeKey> keys;

  // The newest unretired key of `use`; nullptr when none.
  const NodeKey* Current(const std::string& use) const;
  // The public JWK Set (RFC 7517 §5): current and retired-but-unexpired keys
  // as of `now`, private parts removed. Retired keys carry "exp" (Unix s).
  nlohmann::json PublicJwks(Timestamp now) const;
  // The same keys with their private parts (for escrow and `jose` checks).
  nlohmann::json PrivateJwks(Timestamp now) const;
};

// Node ids: 2-64 characters of A-Z, a-z, 0-9, '-', '_', '.'.
Status ValidateNodeId(const std::string& node_id, const std::string& field = "node_id");

// Generates a signing and an encryption key (kids "<node>-sig-<n>" /
// "<node>-enc-<n>" with a random suffix) and writes a new key file (mode
// 0600, fsynced). kConflict when the file exists; kInvalidInput for a bad
// node id; kUnavailable / kForbidden when it cannot be written.
Result<NodeKeys> InitNodeKeys(const std::string& path, const std::string& node_id,
                              const std::string& org_id, Timestamp now);
// Reads a key file. kNotFound when absent (the message says to run `cordon
// keys init`); kForbidden when it is readable by group or others; kCorrupt
// when it is not a key file.
Result<NodeKeys> LoadNodeKeys(const std::string& path);
// Adds a new signing and encryption key and retires the current ones, which
// stay published and usable until now + keep_for. Rewrites the file
// atomically (write to a temporary file, fsync, rename).
Result<NodeKeys> RotateNodeKeys(const std::string& path, Timestamp now,
                                std::chrono::seconds keep_for);
// Writes `content` to a new file of mode 0600 (kConflict when it exists).
Status WritePrivateFile(const std::string& path, const std::string& content);

// Checks a partner's public JWK Set: an object with a non-empty "keys" array
// of P-256 EC public keys, each with a unique "kid" and "use" sig or enc; at
// least one of each. Private members ("d") are refused. Errors name the field
// ("keys[1].crv").
Status ValidatePartnerJwks(const nlohmann::json& jwks);

// ---- Envelope ----------------------------------------------------------------

struct EnvelopeHeader {
  std::string type;  // "referral", ... (typ carries "cordon.<type>.v<version>")
  int version = 1;
  std::string message_id;  // jti
  std::string sender;      // iss: node id
  std::string recipient;   // aud: node id
  Timestamp issued_at{};   // iat (second precision)
  Timestamp expires_at{};  // exp
  std::string in_reply_to;  // empty: none
  std::string kid;          // the signing key (filled by Open)
};

// Signs `payload` (UTF-8 JSON text) with the sender's current signing key and
// encrypts the JWS for the recipient's current encryption key (the newest
// "enc" key of `recipient_jwks`). Returns the compact JWE.
Result<std::string> Seal(const NodeKeys& sender, const nlohmann::json& recipient_jwks,
                         const EnvelopeHeader& header, const std::string& payload);

// Why an envelope was refused. Stable wire names (RejectionName) are listed
// in docs/exchange.md.
enum class Rejection {
  kMalformed,              // not a compact/flattened JWE holding a JWS
  kAlgorithmNotAllowed,    // alg/enc other than the allowed ones (incl. "none"), zip
  kDecryptionFailed,       // truncated or altered ciphertext, or not for our key
  kMissingSignature,       // the plaintext is not signed
  kUnknownSender,          // iss is not a registered partner
  kSenderInactive,         // the partner is suspended
  kBadSignature,           // no key of the sender verifies the signature
  kWrongRecipient,         // aud is another node
  kExpired,                // exp is past (or iat is in the future)
  kTypeNotAllowed,         // the partner may not send this type
  kReplayed,               // the message id was seen with other content
  kInvalidPayload,         // the payload does not match its type's schema
  kInvalidHeader,          // a required header member is missing or malformed
};
const char* RejectionName(Rejection reason);

struct RejectionError {
  Rejection reason;
  std::string detail;
  std::string sender;      // iss when it could be read (unverified)
  std::string message_id;  // jti when it could be read (unverified)
};

struct OpenedEnvelope {
  EnvelopeHeader header;
  std::string payload;  // the signed bytes (UTF-8 JSON text)
};

// What Open needs to know about the sender named in the envelope.
struct SenderKeys {
  nlohmann::json jwks;  // public keys
  bool active = true;
};
// Returns nullopt when the node id is not a known partner.
using SenderLookup = std::function<std::optional<SenderKeys>(const std::string& node_id)>;

// Decrypts with the recipient's (unexpired) encryption keys, checks the
// algorithms against the allow-list before any key is used, verifies the
// signature against the sender's keys, and checks aud == recipient's node
// id and iat - 300 s <= now < exp. Replay, type permissions and the payload
// schema are the caller's (they need the store). Accepts compact and
// flattened JSON serialisation for both layers.
struct OpenResult {
  std::optional<OpenedEnvelope> opened;
  std::optional<RejectionError> rejected;
};
OpenResult Open(const NodeKeys& recipient, const std::string& envelope, const SenderLookup& senders,
                Timestamp now);

}  // namespace cordon::exchange
