// Envelopes: round trip, every rejection the envelope layer decides, key
// files, and interoperability with the Debian `jose` tool in both directions.
#include "exchange/envelope.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cstdio>
#include <fstream>
#include <sstream>

#include "exchange/jose_util.h"
#include "support/test_support.h"

namespace cordon::exchange {
namespace {

using nlohmann::json;
using test_support::TempDir;

const Timestamp kNow = *ParseTimestamp("2026-11-22T10:00:00.000Z");

long long Unix(Timestamp ts) {
  return std::chrono::duration_cast<std::chrono::seconds>(ts.time_since_epoch()).count();
}

std::string ReadFile(const std::string& path) {
  std::ifstream file(path);
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

void WriteFile(const std::string& path, const std::string& content) {
  std::ofstream(path) << content;
}

// Runs a shell command line; returns (exit code, stdout).
std::pair<int, std::string> Shell(const std::string& command) {
  // stderr is left to the test log; stdout is the result.
  FILE* pipe = ::popen(command.c_str(), "r");
  std::string out;
  char buffer[4096];
  size_t n = 0;
  while ((n = std::fread(buffer, 1, sizeof buffer, pipe)) > 0) out.append(buffer, n);
  int status = ::pclose(pipe);
  return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, out};
}

const std::string kJose = CORDON_JOSE_TOOL;

class EnvelopeTest : public ::testing::Test {
 protected:
  void SetUp() override {
    de_ = *InitNodeKeys(dir_.File("de.keys"), "DE-ZOLL", "org_de", kNow);
    cn_ = *InitNodeKeys(dir_.File("cn.keys"), "CN-GACC", "org_cn", kNow);
  }

  EnvelopeHeader Header(const std::string& to = "CN-GACC") const {
    EnvelopeHeader header;
    header.type = "alert";
    header.message_id = "msg-1";
    header.sender = "DE-ZOLL";
    header.recipient = to;
    header.issued_at = kNow;
    header.expires_at = kNow + std::chrono::hours(24);
    return header;
  }

  // CN's view of its partners: DE, active unless told otherwise.
  SenderLookup Partners(bool active = true) const {
    json jwks = de_.PublicJwks(kNow);
    return [jwks, active](const std::string& id) -> std::optional<SenderKeys> {
      if (id != "DE-ZOLL") return std::nullopt;
      return SenderKeys{jwks, active};
    };
  }

  Rejection RejectedAs(const std::string& envelope, Timestamp now = kNow) const {
    OpenResult result = Open(cn_, envelope, Partners(), now);
    EXPECT_FALSE(result.opened.has_value());
    if (!result.rejected) return Rejection::kInvalidHeader;
    return result.rejected->reason;
  }

  // Encrypts arbitrary plaintext for CN with libjose, with a chosen JWE header.
  std::string EncryptForCn(const std::string& plaintext, const json& protected_header) const {
    const json cn_public = cn_.PublicJwks(kNow);
    json enc_key;
    for (const json& key : cn_public["keys"]) {
      if (key["use"] == "enc") enc_key = key;
    }
    auto jwe = internal::ToJansson({{"protected", protected_header}});
    auto key = internal::ToJansson(enc_key);
    EXPECT_TRUE(jose_jwe_enc(nullptr, jwe.get(), nullptr, key.get(), plaintext.data(),
                             plaintext.size()));
    // Flattened JSON serialisation (libjose leaves epk in the per-recipient
    // header), which Open accepts as well as compact.
    return internal::FromJansson(jwe.get()).dump();
  }

  // A compact JWS by `jwk` with `header` over `payload`.
  static std::string SignWith(const json& jwk, const json& header, const std::string& payload) {
    auto jws = internal::ToJansson({{"payload", internal::B64Encode(payload)}});
    auto sig = internal::ToJansson({{"protected", header}});
    auto key = internal::ToJansson(jwk);
    EXPECT_TRUE(jose_jws_sig(nullptr, jws.get(), sig.get(), key.get()));
    json out = internal::FromJansson(jws.get());
    return out["protected"].get<std::string>() + "." + out["payload"].get<std::string>() + "." +
           out["signature"].get<std::string>();
  }

  json DeSigningHeader() const {
    return {{"alg", "ES256"},      {"kid", de_.Current("sig")->kid},
            {"typ", "cordon.alert.v1"}, {"jti", "msg-x"},
            {"iss", "DE-ZOLL"},    {"aud", "CN-GACC"},
            {"iat", Unix(kNow)},   {"exp", Unix(kNow) + 3600}};
  }

  const json kJweHeader = {{"alg", "ECDH-ES+A256KW"}, {"enc", "A256GCM"}, {"cty", "JOSE"}};

  TempDir dir_;
  NodeKeys de_;
  NodeKeys cn_;
};

TEST_F(EnvelopeTest, SealedEnvelopeOpensWithHeaderAndPayload) {
  EnvelopeHeader header = Header();
  header.in_reply_to = "msg-0";
  Result<std::string> sealed = Seal(de_, cn_.PublicJwks(kNow), header, R"({"title":"x"})");
  ASSERT_TRUE(sealed.ok()) << sealed.error().ToString();
  EXPECT_EQ(std::count(sealed->begin(), sealed->end(), '.'), 4);  // compact JWE
  OpenResult opened = Open(cn_, *sealed, Partners(), kNow + std::chrono::minutes(5));
  ASSERT_TRUE(opened.opened.has_value()) << opened.rejected->detail;
  EXPECT_EQ(opened.opened->payload, R"({"title":"x"})");
  EXPECT_EQ(opened.opened->header.type, "alert");
  EXPECT_EQ(opened.opened->header.version, 1);
  EXPECT_EQ(opened.opened->header.message_id, "msg-1");
  EXPECT_EQ(opened.opened->header.sender, "DE-ZOLL");
  EXPECT_EQ(opened.opened->header.recipient, "CN-GACC");
  EXPECT_EQ(opened.opened->header.in_reply_to, "msg-0");
  EXPECT_EQ(opened.opened->header.expires_at, kNow + std::chrono::hours(24));
}

TEST_F(EnvelopeTest, KeyFileIsPrivateAndReloads) {
  struct stat info {};
  ASSERT_EQ(::stat(dir_.File("de.keys").c_str(), &info), 0);
  EXPECT_EQ(info.st_mode & 0777, 0600u);
  Result<NodeKeys> loaded = LoadNodeKeys(dir_.File("de.keys"));
  ASSERT_TRUE(loaded.ok()) << loaded.error().ToString();
  EXPECT_EQ(loaded->node_id, "DE-ZOLL");
  EXPECT_EQ(loaded->org_id, "org_de");
  EXPECT_EQ(loaded->Current("sig")->kid, de_.Current("sig")->kid);
  json pub = loaded->PublicJwks(kNow);
  ASSERT_EQ(pub["keys"].size(), 2u);
  for (const json& key : pub["keys"]) EXPECT_FALSE(key.contains("d"));
  EXPECT_TRUE(ValidatePartnerJwks(pub).ok());
  EXPECT_EQ(InitNodeKeys(dir_.File("de.keys"), "DE-ZOLL", "org_de", kNow).error().code(),
            ErrorCode::kConflict);
  ASSERT_EQ(::chmod(dir_.File("de.keys").c_str(), 0644), 0);
  EXPECT_EQ(LoadNodeKeys(dir_.File("de.keys")).error().code(), ErrorCode::kForbidden);
  EXPECT_EQ(LoadNodeKeys(dir_.File("absent.keys")).error().code(), ErrorCode::kNotFound);
}

TEST_F(EnvelopeTest, RotationKeepsOldKeysUntilTheyExpire) {
  const std::string old_kid = de_.Current("sig")->kid;
  // A message sealed for CN's old key before CN rotates still opens after.
  Result<std::string> sealed_before = Seal(de_, cn_.PublicJwks(kNow), Header(), "{}");
  ASSERT_TRUE(sealed_before.ok());
  Result<NodeKeys> rotated =
      RotateNodeKeys(dir_.File("de.keys"), kNow, std::chrono::hours(24 * 30));
  ASSERT_TRUE(rotated.ok()) << rotated.error().ToString();
  EXPECT_NE(rotated->Current("sig")->kid, old_kid);
  json pub = rotated->PublicJwks(kNow + std::chrono::hours(1));
  ASSERT_EQ(pub["keys"].size(), 4u);
  EXPECT_EQ(pub["keys"][0]["kid"], rotated->Current("enc")->kid);  // newest first
  json later = rotated->PublicJwks(kNow + std::chrono::hours(24 * 31));
  EXPECT_EQ(later["keys"].size(), 2u);
  // A signature by the old key verifies while the old key is published.
  Result<std::string> old_signed = Seal(de_, cn_.PublicJwks(kNow), Header(), "{}");
  json jwks_with_both = pub;
  OpenResult opened = Open(
      cn_, *old_signed,
      [&](const std::string&) { return std::optional<SenderKeys>(SenderKeys{jwks_with_both, true}); },
      kNow);
  EXPECT_TRUE(opened.opened.has_value());
  // And a message signed after rotation uses the new key.
  Result<std::string> new_signed = Seal(*rotated, cn_.PublicJwks(kNow), Header(), "{}");
  OpenResult with_old_jwks = Open(cn_, *new_signed, Partners(), kNow);
  ASSERT_TRUE(with_old_jwks.rejected.has_value());
  EXPECT_EQ(with_old_jwks.rejected->reason, Rejection::kBadSignature);
}

TEST_F(EnvelopeTest, RejectsMalformedAndTamperedEnvelopes) {
  EXPECT_EQ(RejectedAs("not an envelope"), Rejection::kMalformed);
  EXPECT_EQ(RejectedAs("a.b.c"), Rejection::kMalformed);
  std::string sealed = *Seal(de_, cn_.PublicJwks(kNow), Header(), R"({"a":1})");
  // Truncated ciphertext.
  std::string truncated = sealed.substr(0, sealed.rfind('.') - 4) + sealed.substr(sealed.rfind('.'));
  EXPECT_EQ(RejectedAs(truncated), Rejection::kDecryptionFailed);
  // One ciphertext character altered.
  std::string altered = sealed;
  size_t ciphertext_at = altered.rfind('.') - 10;
  altered[ciphertext_at] = altered[ciphertext_at] == 'A' ? 'B' : 'A';
  EXPECT_EQ(RejectedAs(altered), Rejection::kDecryptionFailed);
  // Altered tag.
  std::string bad_tag = sealed;
  bad_tag.back() = bad_tag.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(RejectedAs(bad_tag), Rejection::kDecryptionFailed);
  // Sealed for DE, opened by CN.
  std::string for_de = *Seal(cn_, de_.PublicJwks(kNow), Header("DE-ZOLL"), "{}");
  EXPECT_EQ(RejectedAs(for_de), Rejection::kDecryptionFailed);
}

TEST_F(EnvelopeTest, RejectsAlgorithmsOutsideTheAllowList) {
  const std::string jws = SignWith(de_.Current("sig")->jwk, DeSigningHeader(), "{}");
  EXPECT_FALSE(Open(cn_, EncryptForCn(jws, kJweHeader), Partners(), kNow).rejected.has_value());
  // Key agreement without key wrap, and another content encryption.
  json direct = kJweHeader;
  direct["alg"] = "ECDH-ES";
  EXPECT_EQ(RejectedAs(EncryptForCn(jws, direct)), Rejection::kAlgorithmNotAllowed);
  json cbc = kJweHeader;
  cbc["enc"] = "A128CBC-HS256";
  EXPECT_EQ(RejectedAs(EncryptForCn(jws, cbc)), Rejection::kAlgorithmNotAllowed);
  // JWS alg "none": header {"alg":"none",...}, payload, empty signature.
  json none_header = DeSigningHeader();
  none_header["alg"] = "none";
  const std::string unsigned_jws =
      internal::B64Encode(none_header.dump()) + "." + internal::B64Encode("{}") + ".";
  EXPECT_EQ(RejectedAs(EncryptForCn(unsigned_jws, kJweHeader)), Rejection::kAlgorithmNotAllowed);
  // HS256 with the public key's bytes as secret (the classic confusion).
  json hs_header = DeSigningHeader();
  hs_header["alg"] = "HS256";
  const std::string hs_jws = internal::B64Encode(hs_header.dump()) + "." +
                             internal::B64Encode("{}") + "." + internal::B64Encode("sig");
  EXPECT_EQ(RejectedAs(EncryptForCn(hs_jws, kJweHeader)), Rejection::kAlgorithmNotAllowed);
  // Compression, and an algorithm given outside the protected header (the
  // AEAD would not cover it).
  json zipped = kJweHeader;
  zipped["zip"] = "DEF";
  EXPECT_EQ(RejectedAs(EncryptForCn(jws, zipped)), Rejection::kAlgorithmNotAllowed);
  json loose = json::parse(EncryptForCn(jws, kJweHeader));
  loose["unprotected"] = {{"alg", "dir"}};
  EXPECT_EQ(RejectedAs(loose.dump()), Rejection::kAlgorithmNotAllowed);
}

TEST_F(EnvelopeTest, RejectsUnsignedUnknownInactiveAndForgedSenders) {
  EXPECT_EQ(RejectedAs(EncryptForCn(R"({"plain":"json"})", kJweHeader)),
            Rejection::kMissingSignature);
  // ES256 named, but the signature part empty.
  const std::string empty_signature = internal::B64Encode(DeSigningHeader().dump()) + "." +
                                      internal::B64Encode("{}") + ".";
  EXPECT_EQ(RejectedAs(EncryptForCn(empty_signature, kJweHeader)), Rejection::kMissingSignature);
  // Signed by CN's own key but claiming to be DE: bad signature.
  json forged = DeSigningHeader();
  const std::string forged_jws = SignWith(cn_.Current("sig")->jwk, forged, "{}");
  EXPECT_EQ(RejectedAs(EncryptForCn(forged_jws, kJweHeader)), Rejection::kBadSignature);
  // A valid signature over altered payload bytes.
  std::string jws = SignWith(de_.Current("sig")->jwk, DeSigningHeader(), R"({"n":1})");
  size_t first = jws.find('.');
  size_t second = jws.find('.', first + 1);
  std::string swapped = jws.substr(0, first + 1) + internal::B64Encode(R"({"n":2})") +
                        jws.substr(second);
  EXPECT_EQ(RejectedAs(EncryptForCn(swapped, kJweHeader)), Rejection::kBadSignature);
  // Unknown and inactive senders.
  json stranger = DeSigningHeader();
  stranger["iss"] = "XX-NOBODY";
  EXPECT_EQ(RejectedAs(EncryptForCn(SignWith(de_.Current("sig")->jwk, stranger, "{}"), kJweHeader)),
            Rejection::kUnknownSender);
  OpenResult inactive = Open(cn_, *Seal(de_, cn_.PublicJwks(kNow), Header(), "{}"),
                             Partners(/*active=*/false), kNow);
  ASSERT_TRUE(inactive.rejected.has_value());
  EXPECT_EQ(inactive.rejected->reason, Rejection::kSenderInactive);
}

TEST_F(EnvelopeTest, RejectsWrongRecipientExpiredAndFutureMessages) {
  // Encrypted for CN's key but addressed to another node.
  EXPECT_EQ(RejectedAs(*Seal(de_, cn_.PublicJwks(kNow), Header("FR-DGDDI"), "{}")),
            Rejection::kWrongRecipient);
  std::string sealed = *Seal(de_, cn_.PublicJwks(kNow), Header(), "{}");
  EXPECT_EQ(RejectedAs(sealed, kNow + std::chrono::hours(24)), Rejection::kExpired);
  EXPECT_EQ(RejectedAs(sealed, kNow - std::chrono::hours(1)), Rejection::kExpired);
  json no_typ = DeSigningHeader();
  no_typ["typ"] = "JWT";
  EXPECT_EQ(RejectedAs(EncryptForCn(SignWith(de_.Current("sig")->jwk, no_typ, "{}"), kJweHeader)),
            Rejection::kInvalidHeader);
}

TEST_F(EnvelopeTest, PartnerJwksValidationNamesTheBadField) {
  json jwks = cn_.PublicJwks(kNow);
  jwks["keys"][1]["crv"] = "P-384";
  Status status = ValidatePartnerJwks(jwks);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().fields().at(0).field, "keys[1].crv");
  json private_set = cn_.PrivateJwks(kNow);
  status = ValidatePartnerJwks(private_set);
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().fields().at(0).field, "keys[0].d");
  EXPECT_FALSE(ValidatePartnerJwks(json::object()).ok());
}

// Cordon -> jose: the `jose` tool decrypts with CN's exported private keys
// and verifies with DE's exported public keys.
TEST_F(EnvelopeTest, JoseToolDecryptsAndVerifiesCordonEnvelopes) {
  const std::string payload = R"({"title":"Counterfeit bearings via Piraeus"})";
  WriteFile(dir_.File("envelope.jwe"), *Seal(de_, cn_.PublicJwks(kNow), Header(), payload));
  WriteFile(dir_.File("cn-private.jwks"), cn_.PrivateJwks(kNow).dump());
  WriteFile(dir_.File("de-public.jwks"), de_.PublicJwks(kNow).dump());
  auto [dec_code, dec_out] =
      Shell(kJose + " jwe dec -i " + dir_.File("envelope.jwe") + " -k " +
            dir_.File("cn-private.jwks") + " -O " + dir_.File("inner.jws"));
  ASSERT_EQ(dec_code, 0) << dec_out;
  auto [ver_code, ver_out] = Shell(kJose + " jws ver -i " + dir_.File("inner.jws") + " -k " +
                                   dir_.File("de-public.jwks") + " -O-");
  ASSERT_EQ(ver_code, 0) << ver_out;
  EXPECT_EQ(ver_out, payload);
  // The tool also refuses a signature by someone else's keys.
  WriteFile(dir_.File("cn-public.jwks"), cn_.PublicJwks(kNow).dump());
  auto [forged_code, forged_out] = Shell(kJose + " jws ver -i " + dir_.File("inner.jws") +
                                         " -k " + dir_.File("cn-public.jwks") + " -O-");
  EXPECT_NE(forged_code, 0) << forged_out;
}

// jose -> Cordon: a partner without Cordon makes keys and an envelope with
// the `jose` tool alone; Cordon accepts it.
TEST_F(EnvelopeTest, CordonOpensEnvelopesMadeByTheJoseTool) {
  auto [gen_code, gen_out] =
      Shell(kJose + " jwk gen -i '{\"alg\":\"ES256\"}' -o " + dir_.File("fr-sig.jwk"));
  ASSERT_EQ(gen_code, 0) << gen_out;
  json fr_sig = json::parse(ReadFile(dir_.File("fr-sig.jwk")));
  fr_sig["kid"] = "fr-sig-1";
  fr_sig["use"] = "sig";
  WriteFile(dir_.File("fr-sig.jwk"), fr_sig.dump());
  auto [pub_code, pub_out] = Shell(kJose + " jwk pub -s -i " + dir_.File("fr-sig.jwk") + " -o " +
                                   dir_.File("fr-public.jwks"));
  ASSERT_EQ(pub_code, 0) << pub_out;
  json fr_public = json::parse(ReadFile(dir_.File("fr-public.jwks")));

  json header = {{"alg", "ES256"},       {"kid", "fr-sig-1"},    {"typ", "cordon.alert.v1"},
                 {"jti", "fr-0001"},     {"iss", "FR-DGDDI"},    {"aud", "CN-GACC"},
                 {"iat", Unix(kNow)},    {"exp", Unix(kNow) + 600}};
  WriteFile(dir_.File("payload.json"), R"({"title":"from jose"})");
  WriteFile(dir_.File("cn-public.jwks"), cn_.PublicJwks(kNow).dump());
  // The recipient's encryption key only (the set also holds its signing key).
  json cn_enc;
  const json cn_public = cn_.PublicJwks(kNow);
  for (const json& key : cn_public["keys"]) {
    if (key["use"] == "enc") cn_enc = key;
  }
  WriteFile(dir_.File("cn-enc.jwk"), cn_enc.dump());
  const std::string signature_template = json({{"protected", header}}).dump();
  const std::string jwe_template =
      json({{"protected", {{"alg", "ECDH-ES+A256KW"}, {"enc", "A256GCM"}, {"cty", "JOSE"}}}}).dump();
  auto [seal_code, seal_out] = Shell(
      kJose + " jws sig -I " + dir_.File("payload.json") + " -k " + dir_.File("fr-sig.jwk") +
      " -s '" + signature_template + "' -c -o " + dir_.File("inner.jws") + " && " + kJose +
      " jwe enc -I " + dir_.File("inner.jws") + " -k " + dir_.File("cn-enc.jwk") + " -i '" +
      jwe_template + "' -c -o " + dir_.File("from-jose.jwe"));
  ASSERT_EQ(seal_code, 0) << seal_out;
  ASSERT_TRUE(ValidatePartnerJwks(fr_public).ok() == false);  // no enc key: not a full partner set
  OpenResult opened = Open(
      cn_, ReadFile(dir_.File("from-jose.jwe")),
      [&](const std::string& id) -> std::optional<SenderKeys> {
        if (id != "FR-DGDDI") return std::nullopt;
        return SenderKeys{fr_public, true};
      },
      kNow);
  ASSERT_TRUE(opened.opened.has_value()) << opened.rejected->detail;
  EXPECT_EQ(opened.opened->payload, R"({"title":"from jose"})");
  EXPECT_EQ(opened.opened->header.sender, "FR-DGDDI");
  EXPECT_EQ(opened.opened->header.message_id, "fr-0001");
}

}  // namespace
}  // namespace cordon::exchange
