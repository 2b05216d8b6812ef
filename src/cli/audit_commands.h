// The audit log on the command line, and the node key `cordon serve` signs
// audit checkpoints with (docs/audit.md):
//
//   cordon audit verify --db DB [--audit-key FILE | --verifier-key KEY]
//
// Exit codes: 0 the log verifies, 1 it does not (the message names the entry,
// event or checkpoint and what differs) or cannot be read, 2 bad usage.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

#include "audit/checkpoint.h"
#include "core/random.h"
#include "core/result.h"

namespace cordon::cli {

// The log origin (key name) a new node key gets unless --audit-origin says.
inline constexpr char kDefaultAuditOrigin[] = "cordon.local/audit";

// Where the node key of database `db_path` lives by default: "<db>.audit-key".
std::string DefaultAuditKeyPath(const std::string& db_path);

// The node's signing key for `cordon serve`: loads `key_path` (default
// DefaultAuditKeyPath) or, on first start, creates it there (mode 0600) named
// `origin` (default kDefaultAuditOrigin). An in-memory database without a
// key path gets a key that lives as long as the process. kInvalidInput when
// `origin` is given and the existing key has another name (a node must not
// change its log origin silently); LoadSigningKey's / CreateSigningKey's
// errors otherwise.
Result<CheckpointSigner> LoadNodeAuditKey(const std::string& db_path, const std::string& key_path,
                                          const std::string& origin, Rng& rng);

// `cordon audit ...`.
class AuditCommands {
 public:
  explicit AuditCommands(CLI::App& app);
  ~AuditCommands();
  AuditCommands(const AuditCommands&) = delete;
  AuditCommands& operator=(const AuditCommands&) = delete;

  // After app.parse(): the exit code of the audit command on the command
  // line, or nullopt when another command was chosen.
  std::optional<int> Run() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cordon::cli
