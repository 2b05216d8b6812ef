// Exchange between nodes (issue 7, docs/exchange.md), all taking --db:
//
//   cordon keys init --node-id ID [--org ORG]      new signing + encryption keys
//   cordon keys export                              the public JWK Set (stdout)
//   cordon keys export-private --out FILE           the private JWK Set (mode 0600)
//   cordon keys rotate [--keep-days N]              new keys; old ones kept N days
//   cordon partners add --id ID --inbox URL --jwks FILE --allow TYPE,... [...]
//   cordon partners list [--json] / partners set-status --id ID --status S
//   cordon groups put --name NAME --members ID,... [--description TEXT]
//   cordon exchange send --to ID|--group NAME --type TYPE --payload FILE.json
//   cordon exchange envelope --to ID --type TYPE --payload FILE.json [--out FILE]
//   cordon exchange open --in FILE                  verify + decrypt; exit 1 when refused
//   cordon exchange messages [--json] [--direction in|out]
//   cordon exchange rejections [--json]
//
// The node's keys live in <db>.exchange-keys (mode 0600) unless --keys says
// otherwise.
#pragma once

#include <CLI/CLI.hpp>
#include <memory>
#include <optional>
#include <string>

namespace cordon::cli {

std::string DefaultExchangeKeyPath(const std::string& db_path);

class ExchangeCommands {
 public:
  explicit ExchangeCommands(CLI::App& app);
  ~ExchangeCommands();
  ExchangeCommands(const ExchangeCommands&) = delete;
  ExchangeCommands& operator=(const ExchangeCommands&) = delete;

  // After app.parse(): the exit code of the command on the command line, or
  // nullopt when another command was chosen.
  std::optional<int> Run() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

}  // namespace cordon::cli
