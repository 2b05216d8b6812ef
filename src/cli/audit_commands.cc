// `cordon audit verify` and the node's audit key (audit_commands.h).
#include "cli/audit_commands.h"

#include <filesystem>
#include <iostream>

#include "audit/audit_service.h"
#include "store/sqlite_store.h"

namespace cordon::cli {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  std::cerr << "cordon: " << error.ToString() << "\n";
  return kExitFailure;
}

}  // namespace

std::string DefaultAuditKeyPath(const std::string& db_path) { return db_path + ".audit-key"; }

Result<CheckpointSigner> LoadNodeAuditKey(const std::string& db_path, const std::string& key_path,
                                          const std::string& origin, Rng& rng) {
  const std::string name = origin.empty() ? std::string(kDefaultAuditOrigin) : origin;
  if (key_path.empty() && db_path == ":memory:") return CheckpointSigner::Generate(name, rng);
  const std::string path = key_path.empty() ? DefaultAuditKeyPath(db_path) : key_path;
  Result<CheckpointSigner> loaded = LoadSigningKey(path);
  if (loaded.ok()) {
    if (!origin.empty() && loaded->name() != origin) {
      return InvalidInput("the audit key " + path + " signs as \"" + loaded->name() +
                              "\", not --audit-origin \"" + origin +
                              "\"; a node's log origin does not change (drop --audit-origin, or "
                              "use a new key file for a new log)",
                          {{"audit-origin", "differs from the existing key's name"}});
    }
    return loaded;
  }
  if (loaded.error().code() != ErrorCode::kNotFound) return loaded.error();
  return CreateSigningKey(path, name, rng);
}

struct AuditCommands::State {
  CLI::App* verify = nullptr;
  std::string db;
  std::string key_file;
  std::string verifier_key;

  int RunVerify() const;
};

AuditCommands::AuditCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  CLI::App* audit = app.add_subcommand("audit", "The tamper-evident audit log");
  audit->require_subcommand(1);
  State& state = *state_;
  state.verify = audit->add_subcommand(
      "verify",
      "Re-check the whole audit log against the database: every entry against its stored "
      "hashes and its audit event, and every kept checkpoint against its signature");
  state.verify->add_option("--db", state.db, "SQLite database file")->required();
  CLI::Option* key_option = state.verify->add_option(
      "--audit-key", state.key_file, "The node's key file (default: <db>.audit-key if present)");
  state.verify
      ->add_option("--verifier-key", state.verifier_key,
                   "The node's public verifier key (GET /api/v1/audit/key), instead of its "
                   "key file")
      ->excludes(key_option);
}

AuditCommands::~AuditCommands() = default;

std::optional<int> AuditCommands::Run() const {
  if (state_->verify->parsed()) return state_->RunVerify();
  return std::nullopt;
}

int AuditCommands::State::RunVerify() const {
  std::error_code error;
  if (db != ":memory:" && !std::filesystem::is_regular_file(db, error)) {
    std::cerr << "cordon: no database at " << db << "\n";
    return kExitUsage;
  }
  // The key that checks the kept checkpoints: the public key given, or the
  // node's key file.
  std::optional<CheckpointVerifier> verifier;
  if (!verifier_key.empty()) {
    Result<CheckpointVerifier> parsed = CheckpointVerifier::FromVerifierKey(verifier_key);
    if (!parsed.ok()) return Fail(parsed.error());
    verifier = *parsed;
  } else {
    const std::string path = key_file.empty() ? DefaultAuditKeyPath(db) : key_file;
    Result<CheckpointSigner> signer = LoadSigningKey(path);
    if (signer.ok()) {
      verifier = signer->verifier();
    } else if (!key_file.empty() || signer.error().code() != ErrorCode::kNotFound) {
      return Fail(signer.error());
    }
  }

  SqliteOptions options;
  options.path = db;
  Result<std::unique_ptr<Store>> store = OpenSqliteStore(options);
  if (!store.ok()) return Fail(store.error());
  Result<StoredAuditLogReport> report =
      VerifyStoredAuditLog(**store, verifier ? &*verifier : nullptr);
  if (!report.ok()) return Fail(report.error());
  if (!report->ok()) {
    std::cerr << "cordon: audit log verification FAILED: " << *report->problem << "\n";
    return kExitFailure;
  }
  std::cout << "audit log verified: " << report->entries << " entries, " << report->events
            << " audit events, root " << MerkleHashToBase64(report->root_hash) << ", "
            << report->checkpoints << " signed checkpoints checked\n";
  if (report->checkpoints_unchecked) {
    std::cout << "note: the kept checkpoints were not checked (no key: give --audit-key or "
                 "--verifier-key)\n";
  }
  return 0;
}

}  // namespace cordon::cli
