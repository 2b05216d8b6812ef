// Node keys and envelopes with libjose; see envelope.h and docs/exchange.md.
#include "exchange/envelope.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "exchange/jose_util.h"

namespace cordon::exchange {

using nlohmann::json;
using internal::FromJansson;
using internal::JanssonPtr;
using internal::ToJansson;

namespace internal {

std::string B64Encode(std::string_view bytes) {
  JanssonPtr encoded(jose_b64_enc(bytes.data(), bytes.size()));
  if (!encoded) return {};
  return json_string_value(encoded.get());
}

bool B64Decode(std::string_view text, std::string& out) {
  const size_t length = jose_b64_dec_buf(text.data(), text.size(), nullptr, 0);
  if (length == SIZE_MAX) return false;
  out.assign(length, '\0');
  return jose_b64_dec_buf(text.data(), text.size(), out.data(), out.size()) == length;
}

}  // namespace internal

namespace {

constexpr const char* kKeyFileFormat = "cordon-exchange-keys/1";
constexpr const char* kSigAlg = "ES256";
constexpr const char* kKeyWrapAlg = "ECDH-ES+A256KW";
constexpr const char* kContentEnc = "A256GCM";
// Clock skew tolerated for iat in the future.
constexpr std::chrono::seconds kMaxSkew{300};
constexpr size_t kMaxEnvelopeBytes = 8 * 1024 * 1024;

long long UnixSeconds(Timestamp ts) {
  return std::chrono::duration_cast<std::chrono::seconds>(ts.time_since_epoch()).count();
}
Timestamp FromUnixSeconds(long long seconds) {
  return Timestamp(std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::seconds(seconds)));
}

bool IsBase64Url(std::string_view text) {
  return std::all_of(text.begin(), text.end(), [](char c) {
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '_';
  });
}

std::vector<std::string_view> SplitDots(std::string_view text) {
  std::vector<std::string_view> parts;
  size_t start = 0;
  while (true) {
    size_t dot = text.find('.', start);
    if (dot == std::string_view::npos) {
      parts.push_back(text.substr(start));
      return parts;
    }
    parts.push_back(text.substr(start, dot - start));
    start = dot + 1;
  }
}

// A new P-256 key for `use`, with kid = its RFC 7638 thumbprint.
Result<NodeKey> GenerateKey(const std::string& use, Timestamp now) {
  JanssonPtr jwk(json_pack("{s:s,s:s}", "kty", "EC", "crv", "P-256"));
  if (!jwk || !jose_jwk_gen(nullptr, jwk.get())) return Internal("libjose could not generate a key");
  JanssonPtr thumbprint_value(jose_jwk_thp(nullptr, jwk.get(), "S256"));
  if (!thumbprint_value || !json_is_string(thumbprint_value.get())) {
    return Internal("libjose could not compute a key thumbprint");
  }
  const std::string thumbprint = json_string_value(thumbprint_value.get());
  json key = FromJansson(jwk.get());
  key["use"] = use;
  key["alg"] = use == "sig" ? kSigAlg : kKeyWrapAlg;
  key["kid"] = thumbprint;
  key.erase("key_ops");
  NodeKey node_key;
  node_key.kid = key["kid"].get<std::string>();
  node_key.use = use;
  node_key.jwk = std::move(key);
  node_key.created_at = now;
  return node_key;
}

json PublicPart(const json& jwk) {
  JanssonPtr key = ToJansson(jwk);
  if (!key || !jose_jwk_pub(nullptr, key.get())) return nullptr;
  json pub = FromJansson(key.get());
  pub.erase("key_ops");
  return pub;
}

json KeyFileJson(const NodeKeys& keys) {
  json entries = json::array();
  for (const NodeKey& key : keys.keys) {
    json entry = {{"kid", key.kid},
                  {"use", key.use},
                  {"jwk", key.jwk},
                  {"created_at", FormatTimestamp(key.created_at)},
                  {"expires_at", key.expires_at ? json(FormatTimestamp(*key.expires_at)) : json()}};
    entries.push_back(std::move(entry));
  }
  return {{"format", kKeyFileFormat},
          {"node_id", keys.node_id},
          {"org_id", keys.org_id},
          {"keys", std::move(entries)}};
}

Error IoFailure(const std::string& what, const std::string& path, int error_number) {
  std::string message = what + " " + path + ": " + std::strerror(error_number);
  if (error_number == EACCES || error_number == EPERM) return Forbidden(message);
  return Unavailable(message);
}

// Writes `content` to `path` with mode 0600, fsynced; O_EXCL unless
// `replace` (then through a temporary file renamed over the old one).
Status WriteSecretFile(const std::string& path, const std::string& content, bool replace) {
  const std::string target = replace ? path + ".tmp" : path;
  if (replace) ::unlink(target.c_str());
  int fd = ::open(target.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0) {
    if (errno == EEXIST) return Conflict("the file " + path + " already exists; not overwriting it");
    return IoFailure("cannot create", target, errno);
  }
  size_t written = 0;
  int write_errno = 0;
  while (written < content.size()) {
    ssize_t n = ::write(fd, content.data() + written, content.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      write_errno = errno;
      break;
    }
    written += static_cast<size_t>(n);
  }
  if (write_errno == 0 && ::fsync(fd) != 0) write_errno = errno;
  if (::close(fd) != 0 && write_errno == 0) write_errno = errno;
  if (write_errno == 0 && replace && ::rename(target.c_str(), path.c_str()) != 0) {
    write_errno = errno;
  }
  if (write_errno != 0) {
    ::unlink(target.c_str());
    return IoFailure("cannot write", path, write_errno);
  }
  return Status::Ok();
}

Result<NodeKey> ParseKeyEntry(const json& entry, size_t index) {
  const std::string where = "keys[" + std::to_string(index) + "]";
  if (!entry.is_object() || !entry.contains("jwk") || !entry["jwk"].is_object() ||
      !entry.value("kid", json()).is_string() || !entry.value("use", json()).is_string()) {
    return Corrupt(where + " is not a key entry");
  }
  NodeKey key;
  key.kid = entry["kid"].get<std::string>();
  key.use = entry["use"].get<std::string>();
  key.jwk = entry["jwk"];
  if ((key.use != "sig" && key.use != "enc") || !key.jwk.contains("d")) {
    return Corrupt(where + " is not a private P-256 key of use sig or enc");
  }
  std::optional<Timestamp> created =
      ParseTimestamp(entry.value("created_at", json("")).is_string()
                         ? entry["created_at"].get<std::string>()
                         : std::string());
  if (!created) return Corrupt(where + ".created_at is not a timestamp");
  key.created_at = *created;
  if (entry.contains("expires_at") && !entry["expires_at"].is_null()) {
    if (!entry["expires_at"].is_string()) return Corrupt(where + ".expires_at is not a timestamp");
    key.expires_at = ParseTimestamp(entry["expires_at"].get<std::string>());
    if (!key.expires_at) return Corrupt(where + ".expires_at is not a timestamp");
  }
  return key;
}

bool Unexpired(const NodeKey& key, Timestamp now) { return !key.expires_at || *key.expires_at > now; }

}  // namespace

// ---- NodeKeys ------------------------------------------------------------------

const NodeKey* NodeKeys::Current(const std::string& use) const {
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    if (it->use == use && !it->expires_at) return &*it;
  }
  return nullptr;
}

json NodeKeys::PublicJwks(Timestamp now) const {
  json out = json::array();
  // Newest first: a partner picking "the first enc key" picks the current one.
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    if (!Unexpired(*it, now)) continue;
    json pub = PublicPart(it->jwk);
    if (it->expires_at) pub["exp"] = UnixSeconds(*it->expires_at);
    out.push_back(std::move(pub));
  }
  return {{"keys", std::move(out)}};
}

json NodeKeys::PrivateJwks(Timestamp now) const {
  json out = json::array();
  for (auto it = keys.rbegin(); it != keys.rend(); ++it) {
    if (!Unexpired(*it, now)) continue;
    json jwk = it->jwk;
    if (it->expires_at) jwk["exp"] = UnixSeconds(*it->expires_at);
    out.push_back(std::move(jwk));
  }
  return {{"keys", std::move(out)}};
}

Status ValidateNodeId(const std::string& node_id, const std::string& field) {
  static const std::regex kNodeId("[A-Za-z0-9._-]{2,64}");
  if (!std::regex_match(node_id, kNodeId)) {
    return InvalidInput(field + " must be 2 to 64 characters of A-Z, a-z, 0-9, '.', '_', '-'",
                        {{field, "must be 2 to 64 characters of A-Z, a-z, 0-9, '.', '_', '-'"}});
  }
  return Status::Ok();
}

Result<NodeKeys> InitNodeKeys(const std::string& path, const std::string& node_id,
                              const std::string& org_id, Timestamp now) {
  CORDON_RETURN_IF_ERROR(ValidateNodeId(node_id));
  if (std::filesystem::exists(path)) {
    return Conflict("the key file " + path + " already exists; use `cordon keys rotate`");
  }
  NodeKeys keys;
  keys.node_id = node_id;
  keys.org_id = org_id;
  CORDON_ASSIGN_OR_RETURN(NodeKey sig, GenerateKey("sig", now));
  CORDON_ASSIGN_OR_RETURN(NodeKey enc, GenerateKey("enc", now));
  keys.keys.push_back(std::move(sig));
  keys.keys.push_back(std::move(enc));
  CORDON_RETURN_IF_ERROR(WriteSecretFile(path, KeyFileJson(keys).dump(2) + "\n", false));
  return keys;
}

Result<NodeKeys> LoadNodeKeys(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    if (errno == ENOENT) {
      return NotFound("no exchange key file at " + path +
                      "; create one with `cordon keys init --node-id ID`");
    }
    return IoFailure("cannot open the key file", path, errno);
  }
  struct stat info {};
  if (::fstat(fd, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd);
    return Corrupt("the key file " + path + " is not a regular file");
  }
  if ((info.st_mode & 077) != 0) {
    ::close(fd);
    return Forbidden("the key file " + path +
                     " is accessible by group or others; run: chmod 600 " + path);
  }
  std::string content;
  char buffer[4096];
  while (true) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    content.append(buffer, static_cast<size_t>(n));
    if (content.size() > 1024 * 1024) break;
  }
  ::close(fd);
  json document = json::parse(content, nullptr, false);
  if (document.is_discarded() || !document.is_object() ||
      document.value("format", json()) != kKeyFileFormat || !document["keys"].is_array() ||
      !document.value("node_id", json()).is_string() ||
      !document.value("org_id", json()).is_string()) {
    return Corrupt("the file " + path + " is not a Cordon exchange key file");
  }
  NodeKeys keys;
  keys.node_id = document["node_id"].get<std::string>();
  keys.org_id = document["org_id"].get<std::string>();
  for (size_t i = 0; i < document["keys"].size(); ++i) {
    Result<NodeKey> key = ParseKeyEntry(document["keys"][i], i);
    if (!key.ok()) {
      Error error = key.error();
      return error.Prefix("the key file " + path + ": ");
    }
    keys.keys.push_back(std::move(key).value());
  }
  if (!keys.Current("sig") || !keys.Current("enc")) {
    return Corrupt("the key file " + path + " has no current signing and encryption key");
  }
  return keys;
}

Result<NodeKeys> RotateNodeKeys(const std::string& path, Timestamp now,
                                std::chrono::seconds keep_for) {
  CORDON_ASSIGN_OR_RETURN(NodeKeys keys, LoadNodeKeys(path));
  const Timestamp retire_at = now + std::chrono::duration_cast<std::chrono::milliseconds>(keep_for);
  std::vector<NodeKey> kept;
  for (NodeKey& key : keys.keys) {
    if (!key.expires_at) key.expires_at = retire_at;
    if (Unexpired(key, now)) kept.push_back(std::move(key));
  }
  keys.keys = std::move(kept);
  CORDON_ASSIGN_OR_RETURN(NodeKey sig, GenerateKey("sig", now));
  CORDON_ASSIGN_OR_RETURN(NodeKey enc, GenerateKey("enc", now));
  keys.keys.push_back(std::move(sig));
  keys.keys.push_back(std::move(enc));
  CORDON_RETURN_IF_ERROR(WriteSecretFile(path, KeyFileJson(keys).dump(2) + "\n", true));
  return keys;
}

Status WritePrivateFile(const std::string& path, const std::string& content) {
  return WriteSecretFile(path, content, false);
}

Status ValidatePartnerJwks(const json& jwks) {
  std::vector<FieldError> errors;
  if (!jwks.is_object() || !jwks.contains("keys") || !jwks["keys"].is_array() ||
      jwks["keys"].empty()) {
    return InvalidInput("the JWK Set must be an object with a non-empty \"keys\" array",
                        {{"keys", "must be a non-empty array"}});
  }
  bool has_sig = false;
  bool has_enc = false;
  std::vector<std::string> kids;
  for (size_t i = 0; i < jwks["keys"].size(); ++i) {
    const json& key = jwks["keys"][i];
    const std::string where = "keys[" + std::to_string(i) + "]";
    if (!key.is_object()) {
      errors.push_back({where, "must be a JWK object"});
      continue;
    }
    if (key.value("kty", json()) != "EC") errors.push_back({where + ".kty", "must be EC"});
    if (key.value("crv", json()) != "P-256") errors.push_back({where + ".crv", "must be P-256"});
    if (!key.value("x", json()).is_string()) errors.push_back({where + ".x", "is required"});
    if (!key.value("y", json()).is_string()) errors.push_back({where + ".y", "is required"});
    if (key.contains("d")) errors.push_back({where + ".d", "private keys must not be shared"});
    const json kid = key.value("kid", json());
    if (!kid.is_string() || kid.get<std::string>().empty()) {
      errors.push_back({where + ".kid", "is required"});
    } else if (std::find(kids.begin(), kids.end(), kid.get<std::string>()) != kids.end()) {
      errors.push_back({where + ".kid", "is used twice"});
    } else {
      kids.push_back(kid.get<std::string>());
    }
    const json use = key.value("use", json());
    if (use == "sig") {
      has_sig = true;
    } else if (use == "enc") {
      has_enc = true;
    } else {
      errors.push_back({where + ".use", "must be sig or enc"});
    }
    if (key.contains("exp") && !key["exp"].is_number_integer()) {
      errors.push_back({where + ".exp", "must be Unix seconds"});
    }
    if (errors.empty()) {
      // OpenSSL checks that the point is on the curve.
      JanssonPtr parsed = ToJansson(key);
      EVP_PKEY* public_key = jose_openssl_jwk_to_EVP_PKEY(nullptr, parsed.get());
      if (public_key == nullptr) {
        errors.push_back({where, "is not a usable P-256 public key"});
      } else {
        EVP_PKEY_free(public_key);
      }
    }
  }
  if (errors.empty() && !has_sig) errors.push_back({"keys", "needs a key with use sig"});
  if (errors.empty() && !has_enc) errors.push_back({"keys", "needs a key with use enc"});
  if (!errors.empty()) return InvalidInput("invalid JWK Set", std::move(errors));
  return Status::Ok();
}

// ---- Seal ------------------------------------------------------------------------

Result<std::string> Seal(const NodeKeys& sender, const json& recipient_jwks,
                         const EnvelopeHeader& header, const std::string& payload) {
  const NodeKey* signing = sender.Current("sig");
  if (signing == nullptr) return Internal("the node has no current signing key");
  const long long now_seconds = UnixSeconds(header.issued_at);
  // The recipient's current encryption key: the first unretired "enc" key.
  const json* enc_key = nullptr;
  if (recipient_jwks.is_object() && recipient_jwks.contains("keys") &&
      recipient_jwks["keys"].is_array()) {
    for (const json& key : recipient_jwks["keys"]) {
      if (key.value("use", json()) != "enc") continue;
      if (key.contains("exp") && key["exp"].is_number_integer() &&
          key["exp"].get<long long>() <= now_seconds) {
        continue;
      }
      if (enc_key == nullptr || (enc_key->contains("exp") && !key.contains("exp"))) enc_key = &key;
    }
  }
  if (enc_key == nullptr) {
    return InvalidInput("the recipient's JWK Set has no usable encryption key",
                        {{"jwks", "no key with use enc"}});
  }

  json protected_header = {{"alg", kSigAlg},
                           {"kid", signing->kid},
                           {"typ", "cordon." + header.type + ".v" + std::to_string(header.version)},
                           {"jti", header.message_id},
                           {"iss", header.sender},
                           {"aud", header.recipient},
                           {"iat", now_seconds},
                           {"exp", UnixSeconds(header.expires_at)}};
  if (!header.in_reply_to.empty()) protected_header["in_reply_to"] = header.in_reply_to;

  JanssonPtr jws(json_pack("{s:o}", "payload", jose_b64_enc(payload.data(), payload.size())));
  JanssonPtr signature_template = ToJansson({{"protected", protected_header}});
  JanssonPtr signing_key = ToJansson(signing->jwk);
  if (!jws || !signature_template || !signing_key ||
      !jose_jws_sig(nullptr, jws.get(), signature_template.get(), signing_key.get())) {
    return Internal("libjose could not sign the message");
  }
  const char* jws_protected = json_string_value(json_object_get(jws.get(), "protected"));
  const char* jws_payload = json_string_value(json_object_get(jws.get(), "payload"));
  const char* jws_signature = json_string_value(json_object_get(jws.get(), "signature"));
  if (!jws_protected || !jws_payload || !jws_signature) {
    return Internal("libjose produced an unexpected JWS");
  }
  const std::string compact_jws =
      std::string(jws_protected) + "." + jws_payload + "." + jws_signature;

  json jwe_template = {{"protected",
                        {{"alg", kKeyWrapAlg},
                         {"enc", kContentEnc},
                         {"cty", "JOSE"},
                         {"kid", enc_key->value("kid", std::string())}}}};
  JanssonPtr jwe = ToJansson(jwe_template);
  json wrap_key = *enc_key;
  wrap_key.erase("exp");
  JanssonPtr recipient_key = ToJansson(wrap_key);
  JanssonPtr cek(json_object());
  // Wrap first: libjose puts the ephemeral key (epk) in the per-recipient
  // header, which compact serialisation lacks; it is moved into the
  // protected header before the content is encrypted (the protected header
  // is the AEAD's additional data, so this must come before jose_jwe_enc_cek).
  if (!jwe || !recipient_key || !cek ||
      !jose_jwe_enc_jwk(nullptr, jwe.get(), nullptr, recipient_key.get(), cek.get())) {
    return Internal("libjose could not wrap a content key for the recipient");
  }
  json_t* protected_object = json_object_get(jwe.get(), "protected");
  json_t* per_recipient = json_object_get(jwe.get(), "header");
  if (!json_is_object(protected_object)) return Internal("libjose encoded the JWE header early");
  if (per_recipient != nullptr) {
    if (json_object_update(protected_object, per_recipient) != 0 ||
        json_object_del(jwe.get(), "header") != 0) {
      return Internal("cannot move the JWE recipient header into the protected header");
    }
  }
  if (!jose_jwe_enc_cek(nullptr, jwe.get(), cek.get(), compact_jws.data(), compact_jws.size())) {
    return Internal("libjose could not encrypt the message for the recipient");
  }
  json sealed = FromJansson(jwe.get());
  if (sealed.contains("header") || sealed.contains("unprotected")) {
    return Internal("libjose left header members unprotected; cannot serialise compactly");
  }
  for (const char* member : {"protected", "encrypted_key", "iv", "ciphertext", "tag"}) {
    if (!sealed.value(member, json()).is_string()) {
      return Internal(std::string("libjose produced a JWE without ") + member);
    }
  }
  return sealed["protected"].get<std::string>() + "." +
         sealed["encrypted_key"].get<std::string>() + "." + sealed["iv"].get<std::string>() +
         "." + sealed["ciphertext"].get<std::string>() + "." + sealed["tag"].get<std::string>();
}

// ---- Open ------------------------------------------------------------------------

const char* RejectionName(Rejection reason) {
  switch (reason) {
    case Rejection::kMalformed: return "malformed";
    case Rejection::kAlgorithmNotAllowed: return "algorithm_not_allowed";
    case Rejection::kDecryptionFailed: return "decryption_failed";
    case Rejection::kMissingSignature: return "missing_signature";
    case Rejection::kUnknownSender: return "unknown_sender";
    case Rejection::kSenderInactive: return "sender_inactive";
    case Rejection::kBadSignature: return "bad_signature";
    case Rejection::kWrongRecipient: return "wrong_recipient";
    case Rejection::kExpired: return "expired";
    case Rejection::kTypeNotAllowed: return "type_not_allowed";
    case Rejection::kReplayed: return "replayed";
    case Rejection::kInvalidPayload: return "invalid_payload";
    case Rejection::kInvalidHeader: return "invalid_header";
  }
  return "unknown";
}

namespace {

OpenResult Reject(Rejection reason, std::string detail, std::string sender = {},
                  std::string message_id = {}) {
  OpenResult result;
  result.rejected =
      RejectionError{reason, std::move(detail), std::move(sender), std::move(message_id)};
  return result;
}

std::string Trim(const std::string& text) {
  size_t start = text.find_first_not_of(" \t\r\n");
  if (start == std::string::npos) return {};
  size_t end = text.find_last_not_of(" \t\r\n");
  return text.substr(start, end - start + 1);
}

// A protected header (base64url of a JSON object) -> the object, or null.
json DecodeHeader(const json& encoded) {
  if (!encoded.is_string()) return nullptr;
  const std::string text = encoded.get<std::string>();
  std::string decoded;
  if (!IsBase64Url(text) || !internal::B64Decode(text, decoded)) return nullptr;
  json header = json::parse(decoded, nullptr, false);
  if (header.is_discarded() || !header.is_object()) return nullptr;
  return header;
}

// Compact ("a.b.c.d.e") or flattened JSON JWE -> flattened JSON, or null.
json ParseJwe(const std::string& text) {
  if (!text.empty() && text.front() == '{') {
    json jwe = json::parse(text, nullptr, false);
    if (jwe.is_discarded() || !jwe.is_object() || jwe.contains("recipients")) return nullptr;
    return jwe;
  }
  std::vector<std::string_view> parts = SplitDots(text);
  if (parts.size() != 5) return nullptr;
  for (std::string_view part : parts) {
    if (!IsBase64Url(part)) return nullptr;
  }
  if (parts[0].empty() || parts[2].empty() || parts[4].empty()) return nullptr;
  return {{"protected", std::string(parts[0])}, {"encrypted_key", std::string(parts[1])},
          {"iv", std::string(parts[2])},        {"ciphertext", std::string(parts[3])},
          {"tag", std::string(parts[4])}};
}

// Compact or flattened JSON JWS -> flattened JSON; null when it is not a JWS.
json ParseJws(const std::string& text) {
  if (!text.empty() && text.front() == '{') {
    json jws = json::parse(text, nullptr, false);
    if (jws.is_discarded() || !jws.is_object() || jws.contains("signatures") ||
        !jws.contains("signature") || !jws.contains("payload")) {
      return nullptr;
    }
    return jws;
  }
  std::vector<std::string_view> parts = SplitDots(text);
  if (parts.size() != 3) return nullptr;
  for (std::string_view part : parts) {
    if (!IsBase64Url(part)) return nullptr;
  }
  return {{"protected", std::string(parts[0])},
          {"payload", std::string(parts[1])},
          {"signature", std::string(parts[2])}};
}

bool HasUnprotected(const json& object, std::initializer_list<const char*> names) {
  for (const char* member : {"header", "unprotected"}) {
    if (!object.contains(member)) continue;
    if (!object[member].is_object()) return true;
    for (const char* name : names) {
      if (object[member].contains(name)) return true;
    }
  }
  return false;
}

std::optional<long long> IntMember(const json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end() || !it->is_number_integer()) return std::nullopt;
  return it->get<long long>();
}

std::string StringMember(const json& header, const char* name) {
  auto it = header.find(name);
  if (it == header.end() || !it->is_string()) return {};
  return it->get<std::string>();
}

// "cordon.referral.v1" -> ("referral", 1).
bool ParseTyp(const std::string& typ, std::string& type, int& version) {
  static const std::regex kTyp(R"(cordon\.([a-z_]{1,32})\.v([1-9][0-9]{0,3}))");
  std::smatch match;
  if (!std::regex_match(typ, match, kTyp)) return false;
  type = match[1];
  version = std::stoi(match[2]);
  return true;
}

bool ValidMessageId(const std::string& id) {
  static const std::regex kId("[A-Za-z0-9._:-]{1,128}");
  return std::regex_match(id, kId);
}

}  // namespace

OpenResult Open(const NodeKeys& recipient, const std::string& envelope_text,
                const SenderLookup& senders, Timestamp now) {
  if (envelope_text.size() > kMaxEnvelopeBytes) {
    return Reject(Rejection::kMalformed, "the envelope is larger than 8 MiB");
  }
  const std::string text = Trim(envelope_text);
  json jwe = ParseJwe(text);
  if (jwe.is_null()) {
    return Reject(Rejection::kMalformed,
                  "not a JWE in compact (five base64url parts) or flattened JSON serialisation");
  }
  json jwe_header = DecodeHeader(jwe.value("protected", json()));
  if (jwe_header.is_null()) return Reject(Rejection::kMalformed, "the JWE protected header is not a JSON object");
  if (HasUnprotected(jwe, {"alg", "enc", "zip"})) {
    return Reject(Rejection::kAlgorithmNotAllowed,
                  "alg, enc and zip must be in the JWE protected header");
  }
  const std::string jwe_alg = StringMember(jwe_header, "alg");
  const std::string jwe_enc = StringMember(jwe_header, "enc");
  if (jwe_alg != kKeyWrapAlg) {
    return Reject(Rejection::kAlgorithmNotAllowed,
                  "JWE alg \"" + jwe_alg + "\" is not allowed; only " + kKeyWrapAlg);
  }
  if (jwe_enc != kContentEnc) {
    return Reject(Rejection::kAlgorithmNotAllowed,
                  "JWE enc \"" + jwe_enc + "\" is not allowed; only " + kContentEnc);
  }
  if (jwe_header.contains("zip")) {
    return Reject(Rejection::kAlgorithmNotAllowed, "compressed (zip) JWEs are not accepted");
  }

  // Decrypt with the key named by kid when it is ours, else with each
  // unexpired encryption key.
  const std::string jwe_kid = StringMember(jwe_header, "kid");
  std::vector<const NodeKey*> candidates;
  for (const NodeKey& key : recipient.keys) {
    if (key.use != "enc" || !Unexpired(key, now)) continue;
    if (key.kid == jwe_kid) {
      candidates.insert(candidates.begin(), &key);
    } else {
      candidates.push_back(&key);
    }
  }
  JanssonPtr jwe_value = ToJansson(jwe);
  std::string plaintext;
  bool decrypted = false;
  for (const NodeKey* key : candidates) {
    JanssonPtr private_key = ToJansson(key->jwk);
    size_t length = 0;
    void* bytes = jose_jwe_dec(nullptr, jwe_value.get(), nullptr, private_key.get(), &length);
    if (bytes != nullptr) {
      plaintext.assign(static_cast<const char*>(bytes), length);
      std::memset(bytes, 0, length);
      free(bytes);  // NOLINT: libjose allocates with malloc
      decrypted = true;
      break;
    }
  }
  if (!decrypted) {
    return Reject(Rejection::kDecryptionFailed,
                  "the JWE does not decrypt with this node's keys (truncated, altered, or "
                  "encrypted for another key)");
  }

  json jws = ParseJws(Trim(plaintext));
  if (jws.is_null()) {
    return Reject(Rejection::kMissingSignature, "the decrypted content is not a signed JWS");
  }
  json jws_header = DecodeHeader(jws.value("protected", json()));
  if (jws_header.is_null()) {
    return Reject(Rejection::kMissingSignature, "the JWS has no protected header");
  }
  const std::string sender = StringMember(jws_header, "iss");
  const std::string message_id = StringMember(jws_header, "jti");
  if (HasUnprotected(jws, {"alg"})) {
    return Reject(Rejection::kAlgorithmNotAllowed, "alg must be in the JWS protected header",
                  sender, message_id);
  }
  const std::string jws_alg = StringMember(jws_header, "alg");
  if (jws_alg != kSigAlg) {
    return Reject(Rejection::kAlgorithmNotAllowed,
                  "JWS alg \"" + jws_alg + "\" is not allowed; only " + kSigAlg, sender,
                  message_id);
  }
  if (!jws.value("signature", json()).is_string() ||
      jws["signature"].get<std::string>().empty()) {
    return Reject(Rejection::kMissingSignature, "the JWS signature is empty", sender, message_id);
  }
  if (sender.empty()) {
    return Reject(Rejection::kInvalidHeader, "the JWS protected header has no iss (sender)");
  }
  std::optional<SenderKeys> sender_keys = senders(sender);
  if (!sender_keys) {
    return Reject(Rejection::kUnknownSender, "\"" + sender + "\" is not a registered partner",
                  sender, message_id);
  }
  if (!sender_keys->active) {
    return Reject(Rejection::kSenderInactive, "partner \"" + sender + "\" is not active", sender,
                  message_id);
  }
  const std::string jws_kid = StringMember(jws_header, "kid");
  bool verified = false;
  JanssonPtr jws_value = ToJansson(jws);
  if (sender_keys->jwks.is_object() && sender_keys->jwks.contains("keys") &&
      sender_keys->jwks["keys"].is_array()) {
    for (const json& key : sender_keys->jwks["keys"]) {
      if (key.value("use", json()) != "sig") continue;
      if (!jws_kid.empty() && key.value("kid", json()) != jws_kid) continue;
      if (key.contains("exp") && key["exp"].is_number_integer() &&
          key["exp"].get<long long>() <= UnixSeconds(now)) {
        continue;
      }
      json verify_key = key;
      verify_key.erase("exp");
      JanssonPtr public_key = ToJansson(verify_key);
      if (jose_jws_ver(nullptr, jws_value.get(), nullptr, public_key.get(), false)) {
        verified = true;
        break;
      }
    }
  }
  if (!verified) {
    return Reject(Rejection::kBadSignature,
                  "the signature does not verify with any current key of \"" + sender + "\"",
                  sender, message_id);
  }

  // The header is authentic from here on.
  OpenedEnvelope opened;
  EnvelopeHeader& header = opened.header;
  header.sender = sender;
  header.kid = jws_kid;
  header.message_id = message_id;
  if (!ValidMessageId(message_id)) {
    return Reject(Rejection::kInvalidHeader,
                  "jti must be 1 to 128 characters of A-Z, a-z, 0-9, '.', '_', ':', '-'", sender,
                  message_id);
  }
  header.recipient = StringMember(jws_header, "aud");
  if (header.recipient != recipient.node_id) {
    return Reject(Rejection::kWrongRecipient,
                  "the message is for \"" + header.recipient + "\", this node is \"" +
                      recipient.node_id + "\"",
                  sender, message_id);
  }
  if (!ParseTyp(StringMember(jws_header, "typ"), header.type, header.version)) {
    return Reject(Rejection::kInvalidHeader, "typ must be \"cordon.<type>.v<version>\"", sender,
                  message_id);
  }
  std::optional<long long> iat = IntMember(jws_header, "iat");
  std::optional<long long> exp = IntMember(jws_header, "exp");
  if (!iat || !exp) {
    return Reject(Rejection::kInvalidHeader, "iat and exp must be integers (Unix seconds)", sender,
                  message_id);
  }
  header.issued_at = FromUnixSeconds(*iat);
  header.expires_at = FromUnixSeconds(*exp);
  if (*exp <= UnixSeconds(now)) {
    return Reject(Rejection::kExpired, "the message expired at " + FormatTimestamp(header.expires_at),
                  sender, message_id);
  }
  if (header.issued_at > now + kMaxSkew) {
    return Reject(Rejection::kExpired,
                  "the message is issued in the future (" + FormatTimestamp(header.issued_at) + ")",
                  sender, message_id);
  }
  if (jws_header.contains("in_reply_to")) {
    header.in_reply_to = StringMember(jws_header, "in_reply_to");
    if (!ValidMessageId(header.in_reply_to)) {
      return Reject(Rejection::kInvalidHeader, "in_reply_to must be a message id", sender,
                    message_id);
    }
  }
  if (!internal::B64Decode(jws["payload"].is_string() ? jws["payload"].get<std::string>() : "",
                           opened.payload)) {
    return Reject(Rejection::kMalformed, "the JWS payload is not base64url", sender, message_id);
  }
  OpenResult result;
  result.opened = std::move(opened);
  return result;
}

}  // namespace cordon::exchange
