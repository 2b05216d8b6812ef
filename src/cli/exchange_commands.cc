// `cordon keys|partners|groups|exchange ...`; see exchange_commands.h.
#include "cli/exchange_commands.h"

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "core/random.h"
#include "core/time.h"
#include "exchange/envelope.h"
#include "exchange/exchange.h"
#include "store/sqlite_store.h"

namespace cordon::cli {
namespace {

using nlohmann::json;

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  std::cerr << "cordon: " << error.ToString() << "\n";
  return kExitFailure;
}

Result<std::string> ReadText(const std::string& path) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return InvalidInput("cannot open " + path, {{"file", "cannot be opened"}});
  std::stringstream content;
  content << file.rdbuf();
  return content.str();
}

Result<json> ReadJson(const std::string& path, const std::string& field) {
  CORDON_ASSIGN_OR_RETURN(std::string text, ReadText(path));
  json parsed = json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return InvalidInput(path + " is not valid JSON", {{field, "is not valid JSON"}});
  return parsed;
}

std::vector<std::string> SplitCommas(const std::string& text) {
  std::vector<std::string> parts;
  std::stringstream stream(text);
  std::string part;
  while (std::getline(stream, part, ',')) {
    if (!part.empty()) parts.push_back(part);
  }
  return parts;
}

}  // namespace

std::string DefaultExchangeKeyPath(const std::string& db_path) {
  return db_path + ".exchange-keys";
}

struct ExchangeCommands::State {
  std::string db = "var/cordon.db";
  std::string keys_file;
  // keys
  CLI::App* keys_init = nullptr;
  CLI::App* keys_export = nullptr;
  CLI::App* keys_export_private = nullptr;
  CLI::App* keys_rotate = nullptr;
  std::string node_id;
  std::string org;
  std::string out;
  int keep_days = 30;
  // partners, groups
  CLI::App* partners_add = nullptr;
  CLI::App* partners_list = nullptr;
  CLI::App* partners_status = nullptr;
  CLI::App* groups_put = nullptr;
  std::string partner_id;
  std::string partner_name;
  std::string inbox;
  std::string jwks_file;
  std::string allow;
  std::string allow_send;
  std::string allow_receive;
  std::string legal_basis;
  std::string partner_country;
  std::string status;
  std::string group_name;
  std::string members;
  std::string description;
  // exchange
  CLI::App* send = nullptr;
  CLI::App* envelope = nullptr;
  CLI::App* open = nullptr;
  CLI::App* messages = nullptr;
  CLI::App* rejections = nullptr;
  std::string to;
  std::string group;
  std::string type;
  std::string payload_file;
  std::string in_reply_to;
  std::string in;
  std::string direction;
  bool as_json = false;

  void AddCommon(CLI::App* command) {
    command->add_option("--db", db, "SQLite database file")->capture_default_str();
    command->add_option("--keys", keys_file, "The node's exchange key file (default: <db>.exchange-keys)");
  }
  std::string KeyPath() const { return keys_file.empty() ? DefaultExchangeKeyPath(db) : keys_file; }

  Result<std::unique_ptr<Store>> OpenDb() const {
    SqliteOptions options;
    options.path = db;
    return OpenSqliteStore(options);
  }

  int RunKeysInit() const;
  int RunKeysExport(bool with_private) const;
  int RunKeysRotate() const;
  int WithService(const std::function<int(exchange::ExchangeService&, Store&)>& run) const;
  int RunPartnersAdd(exchange::ExchangeService& service) const;
  int RunSend(exchange::ExchangeService& service) const;
  int RunEnvelope(exchange::ExchangeService& service) const;
  int RunOpen(exchange::ExchangeService& service) const;
  int RunMessages(exchange::ExchangeService& service) const;
};

ExchangeCommands::ExchangeCommands(CLI::App& app) : state_(std::make_unique<State>()) {
  State& s = *state_;
  CLI::App* keys = app.add_subcommand("keys", "The node's exchange keys (docs/exchange.md)");
  keys->require_subcommand(1);
  s.keys_init = keys->add_subcommand("init", "Create the node's signing and encryption keys");
  s.AddCommon(s.keys_init);
  s.keys_init->add_option("--node-id", s.node_id, "This node's exchange id, e.g. DE-ZOLL")->required();
  s.keys_init->add_option("--org", s.org,
                          "The customs administration the node speaks for (name or id; default: "
                          "the only customs organisation)");
  s.keys_export = keys->add_subcommand("export", "Print the public JWK Set");
  s.AddCommon(s.keys_export);
  s.keys_export_private =
      keys->add_subcommand("export-private", "Write the private JWK Set to a new file (mode 0600)");
  s.AddCommon(s.keys_export_private);
  s.keys_export_private->add_option("--out", s.out, "Output file (must not exist)")->required();
  s.keys_rotate = keys->add_subcommand(
      "rotate", "New signing and encryption keys; the old ones stay usable for --keep-days");
  s.AddCommon(s.keys_rotate);
  s.keys_rotate->add_option("--keep-days", s.keep_days, "Days the old keys stay published")
      ->check(CLI::Range(0, 3650))
      ->capture_default_str();

  CLI::App* partners = app.add_subcommand("partners", "Exchange partners");
  partners->require_subcommand(1);
  s.partners_add = partners->add_subcommand("add", "Register a partner node (trust set out of band)");
  s.AddCommon(s.partners_add);
  s.partners_add->add_option("--id", s.partner_id, "The partner's node id, e.g. CN-GACC")->required();
  s.partners_add->add_option("--inbox", s.inbox, "Its inbox URL (.../api/v1/exchange/inbox)")->required();
  s.partners_add->add_option("--jwks", s.jwks_file, "Its public JWK Set file")->required();
  s.partners_add->add_option("--allow", s.allow, "Message types allowed both ways, comma-separated");
  s.partners_add->add_option("--allow-send", s.allow_send, "Types we may send it (overrides --allow)");
  s.partners_add->add_option("--allow-receive", s.allow_receive,
                             "Types it may send us (overrides --allow)");
  s.partners_add->add_option("--legal-basis", s.legal_basis,
                             "The agreement the exchange rests on")->required();
  s.partners_add->add_option("--name", s.partner_name, "Display name");
  s.partners_add->add_option("--country", s.partner_country,
                             "The country it speaks for (ISO 3166-1 alpha-2); its statistics "
                             "must be that country's");
  s.partners_list = partners->add_subcommand("list", "List partners");
  s.AddCommon(s.partners_list);
  s.partners_list->add_flag("--json", s.as_json, "JSON output");
  s.partners_status = partners->add_subcommand("set-status", "Suspend or reactivate a partner");
  s.AddCommon(s.partners_status);
  s.partners_status->add_option("--id", s.partner_id, "Partner node id")->required();
  s.partners_status->add_option("--status", s.status, "active|suspended")
      ->required()
      ->check(CLI::IsMember({"active", "suspended"}));

  CLI::App* groups = app.add_subcommand("groups", "Closed user groups of partners");
  groups->require_subcommand(1);
  s.groups_put = groups->add_subcommand("put", "Create or replace a group");
  s.AddCommon(s.groups_put);
  s.groups_put->add_option("--name", s.group_name, "Group name")->required();
  s.groups_put->add_option("--members", s.members, "Partner ids, comma-separated")->required();
  s.groups_put->add_option("--description", s.description, "What the group is for");

  CLI::App* exchange = app.add_subcommand("exchange", "Signed, encrypted exchange with partners");
  exchange->require_subcommand(1);
  s.send = exchange->add_subcommand("send", "Queue a message; the running server delivers it");
  s.AddCommon(s.send);
  CLI::Option* to_option = s.send->add_option("--to", s.to, "Partner node id");
  s.send->add_option("--group", s.group, "Group name")->excludes(to_option);
  s.send->add_option("--type", s.type, "Message type")->required();
  s.send->add_option("--payload", s.payload_file, "Payload JSON file")->required();
  s.send->add_option("--in-reply-to", s.in_reply_to, "The message id this answers");
  s.envelope = exchange->add_subcommand("envelope", "Print the envelope without sending it");
  s.AddCommon(s.envelope);
  s.envelope->add_option("--to", s.to, "Partner node id")->required();
  s.envelope->add_option("--type", s.type, "Message type")->required();
  s.envelope->add_option("--payload", s.payload_file, "Payload JSON file")->required();
  s.envelope->add_option("--in-reply-to", s.in_reply_to, "The message id this answers");
  s.envelope->add_option("--out", s.out, "Output file (default: standard output)");
  s.open = exchange->add_subcommand(
      "open", "Verify and decrypt a partner's envelope; print its header and payload as JSON");
  s.AddCommon(s.open);
  s.open->add_option("--in", s.in, "Envelope file (compact or JSON)")->required();
  s.messages = exchange->add_subcommand("messages", "List sent and received messages");
  s.AddCommon(s.messages);
  s.messages->add_flag("--json", s.as_json, "JSON output");
  s.messages->add_option("--direction", s.direction, "in|out")->check(CLI::IsMember({"in", "out"}));
  s.rejections = exchange->add_subcommand("rejections", "Envelopes the inbox refused, and why");
  s.AddCommon(s.rejections);
  s.rejections->add_flag("--json", s.as_json, "JSON output");
}

ExchangeCommands::~ExchangeCommands() = default;

std::optional<int> ExchangeCommands::Run() const {
  const State& s = *state_;
  if (s.keys_init->parsed()) return s.RunKeysInit();
  if (s.keys_export->parsed()) return s.RunKeysExport(false);
  if (s.keys_export_private->parsed()) return s.RunKeysExport(true);
  if (s.keys_rotate->parsed()) return s.RunKeysRotate();
  if (s.partners_add->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store&) {
      return s.RunPartnersAdd(service);
    });
  }
  if (s.partners_list->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store& store) {
      std::vector<ExchangePartnerRecord> partners;
      Status read = store.Read([&](ReadTx& tx) -> Status {
        CORDON_ASSIGN_OR_RETURN(partners, tx.ListExchangePartners(Scope{service.keys().org_id}));
        return Status::Ok();
      });
      if (!read.ok()) return Fail(read.error());
      json items = json::array();
      for (const auto& partner : partners) items.push_back(exchange::PartnerJson(partner));
      if (s.as_json) {
        std::cout << items.dump(2) << "\n";
      } else {
        for (const auto& partner : partners) {
          std::cout << partner.node_id << "\t" << partner.status << "\t" << partner.inbox_url
                    << "\tsend=" << json(partner.allow_send).dump()
                    << " receive=" << json(partner.allow_receive).dump() << "\n";
        }
      }
      return 0;
    });
  }
  if (s.partners_status->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store&) {
      Result<ExchangePartnerRecord> updated =
          service.UpdatePartner(std::nullopt, s.partner_id, json{{"status", s.status}});
      if (!updated.ok()) return Fail(updated.error());
      std::cout << updated->node_id << " " << updated->status << "\n";
      return 0;
    });
  }
  if (s.groups_put->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store&) {
      Result<ExchangeGroupRecord> group = service.PutGroup(
          std::nullopt, s.group_name,
          json{{"description", s.description}, {"members", SplitCommas(s.members)}});
      if (!group.ok()) return Fail(group.error());
      std::cout << exchange::GroupJson(*group).dump() << "\n";
      return 0;
    });
  }
  if (s.send->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store&) { return s.RunSend(service); });
  }
  if (s.envelope->parsed()) {
    return s.WithService(
        [&](exchange::ExchangeService& service, Store&) { return s.RunEnvelope(service); });
  }
  if (s.open->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store&) { return s.RunOpen(service); });
  }
  if (s.messages->parsed()) {
    return s.WithService(
        [&](exchange::ExchangeService& service, Store&) { return s.RunMessages(service); });
  }
  if (s.rejections->parsed()) {
    return s.WithService([&](exchange::ExchangeService& service, Store&) {
      Result<std::vector<ExchangeRejectionRecord>> rejections =
          service.ListRejections(std::nullopt, 1000);
      if (!rejections.ok()) return Fail(rejections.error());
      json items = json::array();
      for (const auto& rejection : *rejections) items.push_back(exchange::RejectionJson(rejection));
      if (s.as_json) {
        std::cout << items.dump(2) << "\n";
      } else {
        for (const auto& rejection : *rejections) {
          std::cout << FormatTimestamp(rejection.at) << "\t" << rejection.reason << "\t"
                    << rejection.sender << "\t" << rejection.detail << "\n";
        }
      }
      return 0;
    });
  }
  return std::nullopt;
}

int ExchangeCommands::State::RunKeysInit() const {
  Result<std::unique_ptr<Store>> store = OpenDb();
  if (!store.ok()) return Fail(store.error());
  std::string org_id;
  Status resolved = (*store)->Read([&](ReadTx& tx) -> Status {
    if (!org.empty()) {
      Result<Organisation> found = tx.FindOrganisationByName(org);
      if (!found.ok()) found = tx.GetOrganisation(org);
      if (!found.ok()) return NotFound("no organisation named or with id \"" + org + "\"");
      if (found->kind != OrgKind::kCustoms) {
        return InvalidInput(org + " is not a customs administration", {{"org", "not customs"}});
      }
      org_id = found->id;
      return Status::Ok();
    }
    CORDON_ASSIGN_OR_RETURN(std::vector<Organisation> orgs, tx.ListOrganisations());
    int customs = 0;
    for (const Organisation& candidate : orgs) {
      if (candidate.kind != OrgKind::kCustoms) continue;
      ++customs;
      org_id = candidate.id;
    }
    if (customs != 1) {
      return InvalidInput("give --org: the database holds " + std::to_string(customs) +
                              " customs administrations",
                          {{"org", "is required"}});
    }
    return Status::Ok();
  });
  if (!resolved.ok()) return Fail(resolved.error());
  SystemClock clock;
  Result<exchange::NodeKeys> keys = exchange::InitNodeKeys(KeyPath(), node_id, org_id, clock.Now());
  if (!keys.ok()) return Fail(keys.error());
  std::cout << "node " << keys->node_id << " (" << keys->org_id << "): keys written to "
            << KeyPath() << "\n";
  std::cout << "  signing key    " << keys->Current("sig")->kid << "\n";
  std::cout << "  encryption key " << keys->Current("enc")->kid << "\n";
  return 0;
}

int ExchangeCommands::State::RunKeysExport(bool with_private) const {
  Result<exchange::NodeKeys> keys = exchange::LoadNodeKeys(KeyPath());
  if (!keys.ok()) return Fail(keys.error());
  SystemClock clock;
  if (!with_private) {
    std::cout << keys->PublicJwks(clock.Now()).dump(2) << "\n";
    return 0;
  }
  Status written = exchange::WritePrivateFile(out, keys->PrivateJwks(clock.Now()).dump(2) + "\n");
  if (!written.ok()) return Fail(written.error());
  std::cerr << "private JWK Set written to " << out << " (mode 0600)\n";
  return 0;
}

int ExchangeCommands::State::RunKeysRotate() const {
  SystemClock clock;
  Result<exchange::NodeKeys> keys =
      exchange::RotateNodeKeys(KeyPath(), clock.Now(), std::chrono::hours(24) * keep_days);
  if (!keys.ok()) return Fail(keys.error());
  std::cout << "new signing key " << keys->Current("sig")->kid << ", encryption key "
            << keys->Current("enc")->kid << "; the previous keys stay published for " << keep_days
            << " days\n";
  return 0;
}

int ExchangeCommands::State::WithService(
    const std::function<int(exchange::ExchangeService&, Store&)>& run) const {
  Result<exchange::NodeKeys> keys = exchange::LoadNodeKeys(KeyPath());
  if (!keys.ok()) return Fail(keys.error());
  Result<std::unique_ptr<Store>> store = OpenDb();
  if (!store.ok()) return Fail(store.error());
  SystemClock clock;
  SystemRng rng;
  exchange::ExchangeService service(**store, clock, rng, std::move(keys).value());
  return run(service, **store);
}

int ExchangeCommands::State::RunPartnersAdd(exchange::ExchangeService& service) const {
  Result<json> jwks = ReadJson(jwks_file, "jwks");
  if (!jwks.ok()) return Fail(jwks.error());
  json body = {{"id", partner_id}, {"inbox", inbox}, {"jwks", *jwks}, {"legal_basis", legal_basis}};
  if (!partner_name.empty()) body["name"] = partner_name;
  if (!partner_country.empty()) body["country"] = partner_country;
  body["allow_send"] = SplitCommas(allow_send.empty() ? allow : allow_send);
  body["allow_receive"] = SplitCommas(allow_receive.empty() ? allow : allow_receive);
  Result<ExchangePartnerRecord> partner = service.AddPartner(std::nullopt, body);
  if (!partner.ok()) return Fail(partner.error());
  std::cout << "partner " << partner->node_id << " registered (send "
            << json(partner->allow_send).dump() << ", receive "
            << json(partner->allow_receive).dump() << ")\n";
  return 0;
}

int ExchangeCommands::State::RunSend(exchange::ExchangeService& service) const {
  if (to.empty() == group.empty()) {
    std::cerr << "cordon: give exactly one of --to and --group\n";
    return kExitUsage;
  }
  Result<json> payload = ReadJson(payload_file, "payload");
  if (!payload.ok()) return Fail(payload.error());
  exchange::SendRequest request;
  request.type = type;
  request.to = to;
  request.group = group;
  request.payload = *payload;
  request.in_reply_to = in_reply_to;
  Result<std::vector<ExchangeMessageRecord>> queued = service.Queue(request);
  if (!queued.ok()) return Fail(queued.error());
  for (const ExchangeMessageRecord& message : *queued) {
    std::cout << message.id << "\t" << message.partner << "\t" << message.state << "\n";
  }
  return 0;
}

int ExchangeCommands::State::RunEnvelope(exchange::ExchangeService& service) const {
  Result<json> payload = ReadJson(payload_file, "payload");
  if (!payload.ok()) return Fail(payload.error());
  exchange::SendRequest request;
  request.type = type;
  request.to = to;
  request.payload = *payload;
  request.in_reply_to = in_reply_to;
  Result<std::string> envelope = service.Envelope(request);
  if (!envelope.ok()) return Fail(envelope.error());
  if (out.empty() || out == "-") {
    std::cout << *envelope << "\n";
    return 0;
  }
  // No trailing newline: the `jose` tool reads the file as the envelope.
  std::ofstream file(out, std::ios::trunc);
  file << *envelope;
  if (!file) return Fail(Unavailable("cannot write " + out));
  return 0;
}

int ExchangeCommands::State::RunOpen(exchange::ExchangeService& service) const {
  Result<std::string> text = ReadText(in);
  if (!text.ok()) return Fail(text.error());
  exchange::OpenResult result = service.Inspect(*text);
  if (!result.opened) {
    const exchange::RejectionError& rejected = *result.rejected;
    std::cout << json({{"rejected", exchange::RejectionName(rejected.reason)},
                       {"detail", rejected.detail},
                       {"sender", rejected.sender},
                       {"message_id", rejected.message_id}})
                     .dump(2)
              << "\n";
    std::cerr << "cordon: envelope rejected: " << exchange::RejectionName(rejected.reason) << ": "
              << rejected.detail << "\n";
    return kExitFailure;
  }
  std::cout << exchange::OpenedJson(*result.opened).dump(2) << "\n";
  return 0;
}

int ExchangeCommands::State::RunMessages(exchange::ExchangeService& service) const {
  Caller operator_caller;  // the operator acts as the node's admin
  operator_caller.org_id = service.keys().org_id;
  operator_caller.org_kind = OrgKind::kCustoms;
  operator_caller.role = Role::kAdmin;
  ExchangeMessageFilter filter;
  if (!direction.empty()) filter.direction = direction;
  filter.limit = 1000;
  Result<Page<ExchangeMessageRecord>> page = service.ListMessages(operator_caller, filter);
  if (!page.ok()) return Fail(page.error());
  if (as_json) {
    json items = json::array();
    for (const auto& message : page->items) {
      json item = exchange::MessageJson(message);
      item.erase("receipt");
      items.push_back(std::move(item));
    }
    std::cout << items.dump(2) << "\n";
    return 0;
  }
  for (const auto& message : page->items) {
    std::cout << message.id << "\t" << message.direction << "\t" << message.partner << "\t"
              << message.type << "\t" << message.state << "\t" << message.last_error << "\n";
  }
  return 0;
}

}  // namespace cordon::cli
