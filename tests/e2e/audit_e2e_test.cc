// The audit log end to end: the real `cordon serve` with the demo data signs
// checkpoints with a key it created next to the database; entries, inclusion
// and consistency proofs fetched over HTTP are checked with the independent
// RFC 9162 verifier (tests/support/rfc9162_verifier.h), the checkpoint's
// signature with libsodium directly; then `cordon audit verify` re-checks the
// database and catches an entry edited with sqlite3.
#include <gtest/gtest.h>
#include <sodium.h>
#include <sqlite3.h>
#include <sys/stat.h>

#include <csignal>
#include <string>
#include <vector>

#include "e2e/harness.h"
#include "support/rfc9162_verifier.h"

namespace cordon::e2e {
namespace {

using nlohmann::json;
namespace rfc9162 = test_support::rfc9162;

std::string FromBase64(const std::string& text) {
  std::string out(text.size(), '\0');
  size_t length = 0;
  if (sodium_base642bin(reinterpret_cast<unsigned char*>(out.data()), out.size(), text.data(),
                        text.size(), nullptr, &length, nullptr,
                        sodium_base64_VARIANT_ORIGINAL) != 0) {
    ADD_FAILURE() << "not base64: " << text;
    return {};
  }
  out.resize(length);
  return out;
}

rfc9162::Path PathOf(const json& list) {
  rfc9162::Path path;
  for (const json& hash : list) path.push_back(FromBase64(hash.get<std::string>()));
  return path;
}

// MTH over leaf hashes (RFC 9162 §2.1.1), for a log whose entries are partly
// withheld: the leaf hashes are all a verifier needs.
rfc9162::Hash RootOfLeafHashes(const std::vector<std::string>& leaves, size_t begin, size_t end) {
  if (end - begin == 1) return leaves[begin];
  const uint64_t k = rfc9162::K(end - begin);
  return rfc9162::NodeHash(RootOfLeafHashes(leaves, begin, begin + k),
                           RootOfLeafHashes(leaves, begin + k, end));
}

// Checks a C2SP signed note's Ed25519 signature with libsodium, from the
// published verifier key "<name>+<key id hex>+<base64(0x01 || key)>".
bool SignatureVerifies(const std::string& note, const std::string& verifier_key) {
  const size_t plus = verifier_key.find('+');
  const size_t second_plus = verifier_key.find('+', plus + 1);
  const std::string name = verifier_key.substr(0, plus);
  const std::string key = FromBase64(verifier_key.substr(second_plus + 1));
  if (key.size() != 33 || key[0] != '\x01') return false;
  const size_t blank = note.find("\n\n");
  if (blank == std::string::npos) return false;
  const std::string text = note.substr(0, blank + 1);
  const std::string prefix = "\xE2\x80\x94 " + name + " ";  // em dash
  const size_t line = note.find(prefix, blank);
  if (line == std::string::npos) return false;
  const size_t start = line + prefix.size();
  const std::string blob = FromBase64(note.substr(start, note.find('\n', start) - start));
  if (blob.size() != 68) return false;
  return crypto_sign_verify_detached(reinterpret_cast<const unsigned char*>(blob.data() + 4),
                                     reinterpret_cast<const unsigned char*>(text.data()),
                                     text.size(),
                                     reinterpret_cast<const unsigned char*>(key.data() + 1)) == 0;
}

class AuditE2eTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_GE(sodium_init(), 0);
    db_ = dir_.path() / "audit.db";
    server_ = std::make_unique<Server>(
        db_, std::vector<std::string>{"--demo", "--audit-origin", "customs.example/cordon"},
        dir_.path());
  }

  std::string FieldOf(const Response& response) {
    if (!response.body.contains("errors") || response.body["errors"].empty()) return "";
    return response.body["errors"][0].value("field", "");
  }

  TempDir dir_{"cordon-audit-e2e"};
  std::filesystem::path db_;
  std::unique_ptr<Server> server_;
};

TEST_F(AuditE2eTest, ProofsServedOverHttpVerifyIndependentlyAndVerifyCatchesTampering) {
  // The node key was created next to the database, readable by its owner only.
  const std::string key_path = db_.string() + ".audit-key";
  struct stat key_stat {};
  ASSERT_EQ(stat(key_path.c_str(), &key_stat), 0);
  EXPECT_EQ(key_stat.st_mode & 0777, 0600u);

  Client officer(server_->port());
  officer.Login("officer@customs-de.demo");
  Response key = officer.Get("/api/v1/audit/key");
  ASSERT_EQ(key.status, 200) << key.raw;
  const std::string verifier_key = key.body["verifier_key"];
  EXPECT_EQ(key.body["origin"], "customs.example/cordon");
  EXPECT_EQ(verifier_key.rfind("customs.example/cordon+", 0), 0u);

  Response first = officer.Get("/api/v1/audit/checkpoint");
  ASSERT_EQ(first.status, 200) << first.raw;
  const uint64_t first_size = first.body["tree_size"];
  ASSERT_GT(first_size, 0u);  // the demo's decisions and markers
  const std::string first_root = FromBase64(first.body["root_hash"]);
  const std::string note = first.body["signed_note"];
  EXPECT_EQ(note.rfind("customs.example/cordon\n" + std::to_string(first_size) + "\n" +
                           first.body["root_hash"].get<std::string>() + "\n\n",
                       0),
            0u)
      << note;
  EXPECT_TRUE(SignatureVerifies(note, verifier_key)) << note;
  std::string forged = note;
  forged.replace(forged.find('\n') + 1, std::to_string(first_size).size(),
                 std::to_string(first_size + 1));
  EXPECT_FALSE(SignatureVerifies(forged, verifier_key));

  // A right holder's action grows the log.
  Client zentra(server_->port());
  zentra.Login("legal@zentra.demo");
  ASSERT_EQ(zentra.Post("/api/v1/applications", ExampleApplication()).status, 201);
  Response second = zentra.Get("/api/v1/audit/checkpoint");  // heads are for everyone
  ASSERT_EQ(second.status, 200) << second.raw;
  const uint64_t size = second.body["tree_size"];
  ASSERT_GT(size, first_size);
  const std::string root = FromBase64(second.body["root_hash"]);
  EXPECT_TRUE(SignatureVerifies(second.body["signed_note"], verifier_key));

  // The log only grew: consistency from the first head to the second.
  Response consistency =
      officer.Get("/api/v1/audit/proof/consistency?first=" + std::to_string(first_size) +
                  "&second=" + std::to_string(size));
  ASSERT_EQ(consistency.status, 200) << consistency.raw;
  const rfc9162::Path consistency_path = PathOf(consistency.body["consistency_path"]);
  EXPECT_TRUE(
      rfc9162::VerifyConsistencyAlgorithm(first_size, size, first_root, root, consistency_path));
  EXPECT_TRUE(
      rfc9162::VerifyConsistencyByStructure(first_size, size, first_root, root, consistency_path));

  // Every entry: the officer's own administration's in full, the others as
  // leaf hashes; together they give the signed root.
  Response entries = officer.Get("/api/v1/audit/entries?start=0&end=" + std::to_string(size - 1));
  ASSERT_EQ(entries.status, 200) << entries.raw;
  ASSERT_EQ(entries.body["entries"].size(), size);
  EXPECT_EQ(entries.body["tree_size"], size);
  std::vector<std::string> leaf_hashes;
  size_t shown = 0;
  for (const json& item : entries.body["entries"]) {
    const std::string leaf_hash = FromBase64(item["leaf_hash"]);
    leaf_hashes.push_back(leaf_hash);
    if (!item["withheld"].get<bool>()) {
      ++shown;
      const std::string bytes = FromBase64(item["leaf_input"]);
      EXPECT_EQ(rfc9162::LeafHash(bytes), leaf_hash);
      EXPECT_EQ(json::parse(bytes), item["entry"]);
      EXPECT_EQ(item["entry"]["v"], 1);
    } else {
      EXPECT_FALSE(item.contains("leaf_input"));
    }
  }
  EXPECT_GT(shown, 0u);
  EXPECT_LT(shown, size);  // the holder's application.created entry is withheld
  EXPECT_EQ(RootOfLeafHashes(leaf_hashes, 0, leaf_hashes.size()), root);
  EXPECT_EQ(RootOfLeafHashes(leaf_hashes, 0, first_size), first_root);

  // Inclusion of every entry in the second head, and of one in the first.
  for (uint64_t index = 0; index < size; ++index) {
    Response proof = zentra.Get("/api/v1/audit/proof/inclusion?index=" + std::to_string(index) +
                                "&tree_size=" + std::to_string(size));
    ASSERT_EQ(proof.status, 200) << proof.raw;
    EXPECT_EQ(FromBase64(proof.body["leaf_hash"]), leaf_hashes[index]);
    const rfc9162::Path path = PathOf(proof.body["audit_path"]);
    EXPECT_TRUE(rfc9162::VerifyInclusionAlgorithm(leaf_hashes[index], index, size, path, root))
        << index;
    EXPECT_TRUE(rfc9162::VerifyInclusionByStructure(leaf_hashes[index], index, size, path, root))
        << index;
  }
  Response old_proof =
      officer.Get("/api/v1/audit/proof/inclusion?index=0&tree_size=" + std::to_string(first_size));
  ASSERT_EQ(old_proof.status, 200);
  EXPECT_TRUE(rfc9162::VerifyInclusionAlgorithm(leaf_hashes[0], 0, first_size,
                                                PathOf(old_proof.body["audit_path"]), first_root));

  // Bad parameters are named.
  Response missing = officer.Get("/api/v1/audit/entries?end=3");
  EXPECT_EQ(missing.status, 422);
  EXPECT_EQ(FieldOf(missing), "start");
  Response not_number = officer.Get("/api/v1/audit/entries?start=-1&end=3");
  EXPECT_EQ(not_number.status, 422);
  EXPECT_EQ(FieldOf(not_number), "start");
  Response beyond = officer.Get("/api/v1/audit/entries?start=" + std::to_string(size + 5) +
                                "&end=" + std::to_string(size + 9));
  EXPECT_EQ(beyond.status, 422);
  EXPECT_EQ(FieldOf(beyond), "start");
  Response outside = officer.Get("/api/v1/audit/proof/inclusion?index=4&tree_size=4");
  EXPECT_EQ(outside.status, 422);
  EXPECT_EQ(FieldOf(outside), "index");
  Response too_large =
      officer.Get("/api/v1/audit/proof/consistency?first=1&second=" + std::to_string(size + 100));
  EXPECT_EQ(too_large.status, 422);
  EXPECT_EQ(FieldOf(too_large), "second");
  // Entries are for customs admins and IPR officers only.
  EXPECT_EQ(zentra.Get("/api/v1/audit/entries?start=0&end=1").status, 403);
  Client frontline(server_->port());
  frontline.Login("frontline@customs-de.demo");
  EXPECT_EQ(frontline.Get("/api/v1/audit/entries?start=0&end=1").status, 403);
  EXPECT_EQ(Client(server_->port()).Get("/api/v1/audit/checkpoint").status, 401);

  server_->Kill(SIGTERM);
  server_.reset();

  CommandResult verified = RunCordon({"audit", "verify", "--db", db_.string()}, dir_.path());
  EXPECT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_NE(verified.out.find("audit log verified: " + std::to_string(size) + " entries"),
            std::string::npos)
      << verified.out;
  EXPECT_NE(verified.out.find("2 signed checkpoints checked"), std::string::npos) << verified.out;

  // An intruder edits entry 2 with sqlite3.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db,
                         "UPDATE audit_leaves SET entry = replace(entry, '\"v\":1', '\"v\":2') "
                         "WHERE idx = 2",
                         nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_changes(db), 1);
  sqlite3_close(db);
  CommandResult tampered = RunCordon({"audit", "verify", "--db", db_.string()}, dir_.path());
  EXPECT_EQ(tampered.exit_code, 1);
  EXPECT_NE(tampered.err.find("audit log verification FAILED: entry 2 does not hash to its "
                              "stored leaf hash"),
            std::string::npos)
      << tampered.err;

  CommandResult no_db =
      RunCordon({"audit", "verify", "--db", (dir_.path() / "none.db").string()}, dir_.path());
  EXPECT_EQ(no_db.exit_code, 2);
  EXPECT_NE(no_db.err.find("no database at"), std::string::npos) << no_db.err;
}

TEST_F(AuditE2eTest, TheNodeKeyIsKeptAcrossRestartsAndItsOriginCannotChangeSilently) {
  Client officer(server_->port());
  officer.Login("officer@customs-de.demo");
  Response before = officer.Get("/api/v1/audit/key");
  ASSERT_EQ(before.status, 200);
  server_->Kill(SIGTERM);
  server_.reset();

  server_ = std::make_unique<Server>(db_, std::vector<std::string>{}, dir_.path());
  Client again(server_->port());
  again.Login("officer@customs-de.demo");
  Response after = again.Get("/api/v1/audit/key");
  ASSERT_EQ(after.status, 200);
  EXPECT_EQ(after.body["verifier_key"], before.body["verifier_key"]);
  server_->Kill(SIGTERM);
  server_.reset();

  CommandResult renamed = RunCordon({"serve", "--db", db_.string(), "--listen", "127.0.0.1:0",
                                     "--audit-origin", "other.example/log"},
                                    dir_.path());
  EXPECT_EQ(renamed.exit_code, 1);
  EXPECT_NE(renamed.err.find("signs as \"customs.example/cordon\""), std::string::npos)
      << renamed.err;

  // A key file others can read is refused.
  ASSERT_EQ(chmod((db_.string() + ".audit-key").c_str(), 0644), 0);
  CommandResult exposed =
      RunCordon({"serve", "--db", db_.string(), "--listen", "127.0.0.1:0"}, dir_.path());
  EXPECT_EQ(exposed.exit_code, 1);
  EXPECT_NE(exposed.err.find("chmod 600"), std::string::npos) << exposed.err;
}

}  // namespace
}  // namespace cordon::e2e
