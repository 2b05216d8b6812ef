// The `cordon` command: one binary, sub-commands per job.
//
//   cordon serve --db FILE --listen HOST:PORT [--demo] [--audit-key FILE] [--audit-origin NAME]
//                [--secrets-key FILE]
//                [--smtp-url URL --mail-from ADDR]
//                [--deadline-interval SECONDS] [--web-root DIR]
//                [--exchange-keys FILE]
//   cordon keys|partners|groups|exchange ...           (exchange_commands.h)
//   cordon audit verify --db FILE [--audit-key FILE | --verifier-key KEY]   (audit_commands.h)
//   cordon applications import FILE --db FILE [--filed-with ORG]
//   cordon applications export --db FILE --org NAME [--out FILE]
//   cordon orgs add ... / cordon users add ...   (bootstrap without the demo)
//   cordon screen --in FILE --out FILE ...          (screen_command.h)
//   cordon train ... / cordon eval ...              (commands.h: learned targeting)
//   cordon stats import|query|export|import-partner|... (stats_commands.h)
//   cordon demo load --db FILE                      (hidden: the demo data without serving)
//
// Exit codes: 0 success, 1 the command failed (message on stderr), 2 bad usage.
#include <pthread.h>
#include <spdlog/sinks/stdout_color_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <csignal>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "api/api.h"
#include "audit/audit_service.h"
#include "cases/case_service.h"
#include "cli/audit_commands.h"
#include "cli/commands.h"
#include "cli/exchange_commands.h"
#include "cli/screen_command.h"
#include "cli/stats_commands.h"
#include "core/random.h"
#include "core/secrets_key.h"
#include "core/time.h"
#include "demo/demo.h"
#include "exchange/exchange.h"
#include "identity/identity.h"
#include "notify/delivery.h"
#include "notify/notify.h"
#include "rights/rights.h"
#include "screening/screening_service.h"
#include "stats/stats.h"
#include "store/sqlite_store.h"

namespace cordon {
namespace {

constexpr int kExitFailure = 1;
constexpr int kExitUsage = 2;

int Fail(const Error& error) {
  std::cerr << "cordon: " << error.ToString() << "\n";
  return kExitFailure;
}

// Opens (creating when absent, with its folder) the database file.
Result<std::unique_ptr<Store>> OpenStore(const std::string& db_path) {
  std::filesystem::path parent = std::filesystem::path(db_path).parent_path();
  std::error_code error;
  if (!parent.empty() && db_path != ":memory:") std::filesystem::create_directories(parent, error);
  if (error) {
    return Unavailable("cannot create the folder " + parent.string() +
                       " for the database: " + error.message());
  }
  SqliteOptions options;
  options.path = db_path;
  return OpenSqliteStore(options);
}

// "127.0.0.1:8080" -> host, port. Port 0 asks the OS for a free port.
Result<std::pair<std::string, int>> ParseListen(const std::string& listen) {
  size_t colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == listen.size()) {
    return InvalidInput("--listen must be HOST:PORT, e.g. 127.0.0.1:8080",
                        {{"listen", "must be HOST:PORT"}});
  }
  std::string host = listen.substr(0, colon);
  if (host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
  int port = 0;
  std::string port_text = listen.substr(colon + 1);
  for (char c : port_text) {
    if (c < '0' || c > '9' || port > 65535) {
      return InvalidInput("--listen port must be a number from 0 to 65535",
                          {{"listen", "bad port"}});
    }
    port = port * 10 + (c - '0');
  }
  if (port > 65535) {
    return InvalidInput("--listen port must be a number from 0 to 65535", {{"listen", "bad port"}});
  }
  return std::make_pair(host, port);
}

// An organisation given on the command line by name or by id.
Result<std::string> ResolveOrganisation(Store& store, const std::string& name_or_id) {
  std::string org_id;
  Status resolved = store.Read([&](ReadTx& tx) -> Status {
    Result<Organisation> org = tx.FindOrganisationByName(name_or_id);
    if (!org.ok()) org = tx.GetOrganisation(name_or_id);
    if (!org.ok()) return NotFound("no organisation named or with id \"" + name_or_id + "\"");
    org_id = org->id;
    return Status::Ok();
  });
  if (!resolved.ok()) return resolved.error();
  return org_id;
}

Result<nlohmann::json> ReadJsonFile(const std::string& path) {
  std::ifstream file(path);
  if (!file) return InvalidInput("cannot open " + path, {{"file", "cannot be opened"}});
  std::stringstream content;
  content << file.rdbuf();
  nlohmann::json document = nlohmann::json::parse(content.str(), nullptr, false);
  if (document.is_discarded()) {
    return InvalidInput(path + " is not valid JSON", {{"file", "is not valid JSON"}});
  }
  return document;
}

// Where the node's audit key comes from (audit_commands.h LoadNodeAuditKey).
struct AuditKeyOptions {
  std::string key_path;  // empty: <db>.audit-key
  std::string origin;    // empty: the existing key's name, or the default for a new key
};

// The node's secrets key (docs/notifications.md "Secrets at rest"): loaded
// from `key_path` (default <db>.secrets-key) or, when the file does not
// exist and no stored secret is sealed yet, created there (mode 0600). When
// the file is missing but the database holds sealed secrets, a new key could
// not open them: kNotFound, saying to restore the key file. An in-memory
// database without a key path gets a key that lives as long as the process.
Result<SecretsKey> LoadNodeSecretsKey(Store& store, const std::string& db_path,
                                      const std::string& key_path, Rng& rng) {
  if (key_path.empty() && db_path == ":memory:") return SecretsKey::Generate(rng);
  const std::string path = key_path.empty() ? db_path + ".secrets-key" : key_path;
  Result<SecretsKey> loaded = LoadSecretsKey(path);
  if (loaded.ok() || loaded.error().code() != ErrorCode::kNotFound) return loaded;
  CORDON_ASSIGN_OR_RETURN(std::optional<std::string> sealed_with, WebhookSecretsSealedKeyId(store));
  if (sealed_with) {
    return NotFound("the secrets key file " + path + " does not exist, but the database " +
                    db_path + " holds webhook secrets sealed with secrets key " + *sealed_with +
                    ": restore that key file (from the backup taken with the database) or give "
                    "it with --secrets-key; a new key could not open them, so none is created");
  }
  Result<SecretsKey> created = CreateSecretsKey(path, rng);
  // Another process on the same database created it in between: use theirs.
  if (!created.ok() && created.error().code() == ErrorCode::kConflict) return LoadSecretsKey(path);
  return created;
}

// How `cordon serve` delivers notices (docs/notifications.md).
struct DeliveryFlags {
  std::string smtp_url;  // empty: no e-mail
  std::string mail_from = "cordon@localhost";
  long long retry_base_ms = 10000;
  long long retry_cap_ms = 3600000;
};

Result<DeliveryOptions> MakeDeliveryOptions(const DeliveryFlags& flags) {
  DeliveryOptions options;
  if (flags.retry_base_ms < 1 || flags.retry_cap_ms < flags.retry_base_ms) {
    return InvalidInput("--delivery-retry-base-ms must be at least 1 and at most "
                        "--delivery-retry-cap-ms",
                        {{"delivery_retry_base_ms", "out of range"}});
  }
  options.backoff.base = std::chrono::milliseconds(flags.retry_base_ms);
  options.backoff.cap = std::chrono::milliseconds(flags.retry_cap_ms);
  if (!flags.smtp_url.empty()) {
    CORDON_RETURN_IF_ERROR(ValidateSmtpUrl(flags.smtp_url));
    if (flags.mail_from.find('@') == std::string::npos ||
        flags.mail_from.find_first_of(" <>\r\n") != std::string::npos) {
      return InvalidInput("--mail-from must be one e-mail address", {{"mail_from", "invalid"}});
    }
    options.mail = NewSmtpMailTransport(flags.smtp_url);
    options.mail_from = flags.mail_from;
  }
  return options;
}

// The server's clock: the system clock, or (hidden option --clock-start, for
// end-to-end tests and training) one that runs from a given instant at the
// system clock's pace, so a test can start a server "on" a day and restart it
// days later to see what the deadline sweep does at start-up.
class ShiftedClock final : public Clock {
 public:
  explicit ShiftedClock(std::optional<Timestamp> start)
      : offset_(start ? *start - system_.Now() : std::chrono::milliseconds(0)) {}
  Timestamp Now() const override { return system_.Now() + offset_; }

 private:
  SystemClock system_;
  std::chrono::milliseconds offset_;
};

struct ServeOptions {
  std::string db_path;
  std::string listen;
  bool demo = false;
  AuditKeyOptions audit_key;
  DeliveryFlags delivery;
  double deadline_interval_seconds = 300;
  std::string clock_start;  // RFC 3339; empty: the system clock
  std::string web_root = CORDON_DEFAULT_WEB_ROOT;
  bool web_root_given = false;  // --web-root on the command line
  // Exchange with partner nodes: on when the key file exists
  // (<db>.exchange-keys unless given; `cordon keys init` creates it).
  std::string exchange_keys;
  // The key sealing webhook secrets in the database; empty: <db>.secrets-key.
  std::string secrets_key;
  long long exchange_retry_base_ms = 10000;
  long long exchange_retry_cap_ms = 3600000;
};

// The dashboard folder to serve, or "" for the API only. A folder given on
// the command line must hold index.html; the default (the source tree's
// web/dist) is served only when it has been built.
Result<std::string> ResolveWebRoot(const ServeOptions& options) {
  if (options.web_root.empty()) return std::string();
  std::error_code error;
  const bool built = std::filesystem::is_regular_file(
      std::filesystem::path(options.web_root) / "index.html", error);
  if (built) return options.web_root;
  if (options.web_root_given) {
    return InvalidInput(
        "--web-root " + options.web_root + " holds no index.html (build it: make web)",
        {{"web-root", "no index.html"}});
  }
  spdlog::warn(
      "the web dashboard is not built ({} has no index.html; run make web): serving the API only",
      options.web_root);
  return std::string();
}

int Serve(const ServeOptions& options) {
  const std::string& db_path = options.db_path;
  const std::string& listen = options.listen;
  const bool demo = options.demo;
  const AuditKeyOptions& audit_key = options.audit_key;
  const DeliveryFlags& delivery_flags = options.delivery;
  // Signals are handled by one thread with sigwait, so no handler runs on a
  // server thread; block them before any thread starts.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGINT);
  sigaddset(&signals, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  Result<std::pair<std::string, int>> address = ParseListen(listen);
  if (!address.ok()) return Fail(address.error());
  Result<DeliveryOptions> delivery_options = MakeDeliveryOptions(delivery_flags);
  if (!delivery_options.ok()) return Fail(delivery_options.error());
  Result<std::unique_ptr<Store>> store = OpenStore(db_path);
  if (!store.ok()) return Fail(store.error());

  std::optional<Timestamp> clock_start;
  if (!options.clock_start.empty()) {
    clock_start = ParseTimestamp(options.clock_start);
    if (!clock_start) {
      return Fail(InvalidInput("--clock-start must be an RFC 3339 timestamp",
                               {{"clock-start", "not a timestamp"}}));
    }
  }
  if (!(options.deadline_interval_seconds >= 0.01 && options.deadline_interval_seconds <= 86400)) {
    return Fail(InvalidInput("--deadline-interval must be between 0.01 and 86400 seconds",
                             {{"deadline-interval", "out of range"}}));
  }
  Result<std::string> web_root = ResolveWebRoot(options);
  if (!web_root.ok()) return Fail(web_root.error());
  ShiftedClock clock(clock_start);
  SystemRng rng;
  if (demo) {
    Result<bool> loaded = LoadDemoData(**store, clock, rng);
    if (!loaded.ok()) return Fail(loaded.error());
    if (*loaded) {
      spdlog::info("demo data loaded into {}", db_path);
    } else {
      spdlog::info("demo data already present in {}", db_path);
    }
  }
  Result<CheckpointSigner> signer =
      cli::LoadNodeAuditKey(db_path, audit_key.key_path, audit_key.origin, rng);
  if (!signer.ok()) return Fail(signer.error());
  spdlog::info("audit checkpoints are signed with {}", signer->verifier().VerifierKey());
  Result<SecretsKey> secrets_key = LoadNodeSecretsKey(**store, db_path, options.secrets_key, rng);
  if (!secrets_key.ok()) return Fail(secrets_key.error());
  // Before any delivery: secrets written by an older Cordon are sealed now,
  // all in one transaction.
  Result<int> sealed = PrepareWebhookSecrets(**store, *secrets_key, rng);
  if (!sealed.ok()) return Fail(sealed.error());
  if (*sealed > 0) {
    spdlog::info("sealed {} webhook secrets that were stored in clear", *sealed);
  }
  spdlog::info("webhook secrets are sealed with secrets key {}", secrets_key->key_id());
  IdentityService identity(**store, clock, rng);
  ApplicationService applications(**store, clock, rng);
  ScreeningService screening(**store, clock, rng);
  AuditService audit(**store, clock, std::move(*signer));
  NotificationService notifications(**store, clock, rng, *secrets_key);
  CaseService cases(**store, clock, rng);
  StatsService stats(**store, clock);
  std::unique_ptr<exchange::ExchangeService> exchange_service;
  {
    const bool explicit_keys = !options.exchange_keys.empty();
    const std::string path =
        explicit_keys ? options.exchange_keys : cli::DefaultExchangeKeyPath(db_path);
    Result<exchange::NodeKeys> keys = exchange::LoadNodeKeys(path);
    if (keys.ok()) {
      spdlog::info("exchange: node {} for {}, keys from {}", keys->node_id, keys->org_id, path);
      exchange_service =
          std::make_unique<exchange::ExchangeService>(**store, clock, rng, std::move(keys).value());
    } else if (explicit_keys || keys.error().code() != ErrorCode::kNotFound) {
      return Fail(keys.error());
    }
  }
  if (options.exchange_retry_base_ms < 1 ||
      options.exchange_retry_cap_ms < options.exchange_retry_base_ms) {
    return Fail(InvalidInput("--exchange-retry-base-ms must be at least 1 and at most "
                             "--exchange-retry-cap-ms",
                             {{"exchange_retry_base_ms", "out of range"}}));
  }
  // The clock acts on due cases at start-up and then periodically.
  DeadlineSweeper sweeper(cases, clock,
                          std::chrono::milliseconds(static_cast<long long>(
                              options.deadline_interval_seconds * 1000)));
  sweeper.Start();
  ApiServices services{**store, clock, identity, applications, &screening};
  services.audit = &audit;
  services.notifications = &notifications;
  services.cases = &cases;
  services.stats = &stats;
  services.web_root = *web_root;
  services.exchange = exchange_service.get();
  ApiServer server(services);
  Result<int> port = server.Bind(address->first, address->second);
  if (!port.ok()) return Fail(port.error());

  std::string host =
      address->first.find(':') != std::string::npos ? "[" + address->first + "]" : address->first;
  std::printf("Cordon listening on http://%s:%d\n", host.c_str(), *port);
  if (!web_root->empty()) {
    std::printf("Dashboard: http://%s:%d/ (from %s)\n", host.c_str(), *port, web_root->c_str());
  }
  if (demo) {
    std::printf("Demo logins (password \"%s\"):\n", kDemoPassword);
    for (const DemoLogin& login : DemoLogins()) {
      std::printf("  %-28s %-20s %s\n", login.email.c_str(), login.role.c_str(),
                  login.organisation.c_str());
    }
  }
  std::fflush(stdout);

  // Notices are delivered by a background thread; its state is in the store,
  // so what was pending when the server stopped goes out after a restart.
  DeliveryWorker delivery(**store, clock, rng, *secrets_key, NewHttpWebhookTransport(),
                          std::move(delivery_options).value());
  delivery.Start();
  // Outgoing exchange messages likewise, until each partner's receipt.
  std::unique_ptr<exchange::ExchangeDeliveryWorker> exchange_delivery;
  if (exchange_service) {
    exchange::ExchangeDeliveryOptions exchange_options;
    exchange_options.retry_base = std::chrono::milliseconds(options.exchange_retry_base_ms);
    exchange_options.retry_cap = std::chrono::milliseconds(options.exchange_retry_cap_ms);
    exchange_delivery = std::make_unique<exchange::ExchangeDeliveryWorker>(
        *exchange_service, **store, clock, exchange::NewHttpInboxTransport(), exchange_options);
    exchange_delivery->Start();
  }

  std::thread signal_thread([&server, signals] {
    int signal_number = 0;
    sigwait(&signals, &signal_number);
    spdlog::info("signal {} received, shutting down", signal_number);
    server.Stop();
  });
  server.Run();
  // Run() also returns when the listener fails; wake the signal thread then.
  pthread_kill(signal_thread.native_handle(), SIGTERM);
  signal_thread.join();
  delivery.Stop();
  if (exchange_delivery) exchange_delivery->Stop();
  return 0;
}

int LoadDemo(const std::string& db_path) {
  Result<std::unique_ptr<Store>> store = OpenStore(db_path);
  if (!store.ok()) return Fail(store.error());
  SystemClock clock;
  SystemRng rng;
  Result<bool> loaded = LoadDemoData(**store, clock, rng);
  if (!loaded.ok()) return Fail(loaded.error());
  std::printf("%s\n", *loaded ? "demo data loaded" : "demo data already present");
  return 0;
}

int ImportApplications(const std::string& db_path, const std::string& file,
                       const std::string& filed_with) {
  Result<nlohmann::json> entries = ReadJsonFile(file);
  if (!entries.ok()) return Fail(entries.error());
  Result<std::unique_ptr<Store>> store = OpenStore(db_path);
  if (!store.ok()) return Fail(store.error());
  SystemClock clock;
  SystemRng rng;
  ImportOptions options;
  if (!filed_with.empty()) {
    Result<std::string> org_id = ResolveOrganisation(**store, filed_with);
    if (!org_id.ok()) return Fail(org_id.error());
    options.filed_with_org_id = *org_id;
  }
  ApplicationService applications(**store, clock, rng);
  Result<int> imported = applications.Import(*entries, options);
  if (!imported.ok()) return Fail(imported.error());
  std::printf("imported %d applications from %s\n", *imported, file.c_str());
  return 0;
}

int ExportApplications(const std::string& db_path, const std::string& org_name,
                       const std::string& out) {
  Result<std::unique_ptr<Store>> store = OpenStore(db_path);
  if (!store.ok()) return Fail(store.error());
  // Without --org, the operator's export: every application.
  Scope scope;
  if (!org_name.empty()) {
    Result<std::string> org_id = ResolveOrganisation(**store, org_name);
    if (!org_id.ok()) return Fail(org_id.error());
    scope.org_id = *org_id;
  }
  SystemClock clock;
  SystemRng rng;
  ApplicationService applications(**store, clock, rng);
  Result<nlohmann::json> exported = applications.Export(scope);
  if (!exported.ok()) return Fail(exported.error());
  std::string text = exported->dump(2) + "\n";
  if (out.empty() || out == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return 0;
  }
  // Write beside the target and rename, so a failed export never leaves a
  // truncated file where a good one was.
  std::string temp = out + ".tmp";
  {
    std::ofstream file(temp, std::ios::trunc);
    file << text;
    file.flush();
    if (!file) return Fail(Unavailable("cannot write " + temp));
  }
  if (std::rename(temp.c_str(), out.c_str()) != 0) {
    return Fail(Unavailable("cannot rename " + temp + " to " + out));
  }
  std::fprintf(stderr, "exported %zu applications to %s\n", exported->size(), out.c_str());
  return 0;
}

int AddOrganisation(const std::string& db_path, const NewOrganisation& input) {
  Result<std::unique_ptr<Store>> store = OpenStore(db_path);
  if (!store.ok()) return Fail(store.error());
  SystemClock clock;
  SystemRng rng;
  IdentityService identity(**store, clock, rng);
  Result<Organisation> org = identity.CreateOrganisation(input);
  if (!org.ok()) return Fail(org.error());
  std::printf("%s\n", org->id.c_str());
  return 0;
}

int AddUser(const std::string& db_path, const std::string& org_name, NewUser input) {
  Result<std::unique_ptr<Store>> store = OpenStore(db_path);
  if (!store.ok()) return Fail(store.error());
  Result<std::string> org_id = ResolveOrganisation(**store, org_name);
  if (!org_id.ok()) return Fail(org_id.error());
  input.org_id = *org_id;
  SystemClock clock;
  SystemRng rng;
  IdentityService identity(**store, clock, rng);
  Result<User> user = identity.CreateUser(input);
  if (!user.ok()) return Fail(user.error());
  std::printf("%s\n", user->id.c_str());
  return 0;
}

}  // namespace

int Main(int argc, char** argv) {
  // Standard output carries results (exports, the listening address); logs go
  // to standard error.
  spdlog::set_default_logger(spdlog::stderr_color_mt("cordon"));
  CLI::App app{"Cordon: IPR enforcement at the border"};
  app.require_subcommand(1);
  app.set_version_flag("--version", "cordon 0.1.0");

  std::string db_path = "var/cordon.db";
  std::string listen = "127.0.0.1:8080";
  bool demo = false;
  ServeOptions serve_options;
  CLI::App* serve = app.add_subcommand("serve", "Serve the HTTP API");
  serve->add_option("--deadline-interval", serve_options.deadline_interval_seconds,
                    "Seconds between runs of the deadline sweep (deemed agreement, release)")
      ->capture_default_str();
  serve->add_option("--clock-start", serve_options.clock_start,
                    "Run the server's clock from this RFC 3339 instant (tests, training)")
      ->group("");
  serve->add_option("--db", db_path, "SQLite database file (created when absent)")
      ->capture_default_str();
  serve->add_option("--listen", listen, "HOST:PORT to listen on (port 0: any free port)")
      ->capture_default_str();
  serve->add_flag("--demo", demo, "Load the demo data set (once) before serving");
  CLI::Option* web_root_option =
      serve
          ->add_option("--web-root", serve_options.web_root,
                       "The built web dashboard to serve at / (\"\": the API only)")
          ->capture_default_str();
  AuditKeyOptions audit_key;
  serve->add_option("--audit-key", audit_key.key_path,
                    "The node's Ed25519 key for audit checkpoints (default: <db>.audit-key; "
                    "created, mode 0600, on first start)");
  serve->add_option("--audit-origin", audit_key.origin,
                    std::string("Log origin (key name) of a new audit key, e.g. "
                                "customs.example/cordon (default: ") +
                        cli::kDefaultAuditOrigin + ")");
  serve->add_option("--secrets-key", serve_options.secrets_key,
                    "The key sealing webhook secrets in the database (default: "
                    "<db>.secrets-key; created, mode 0600, on first start; back it up with the "
                    "database)");
  DeliveryFlags delivery_flags;
  serve->add_option("--smtp-url", delivery_flags.smtp_url,
                    "SMTP server for e-mailing notices, smtp://host:port (default: no e-mail)");
  serve->add_option("--mail-from", delivery_flags.mail_from, "Sender address of notice e-mails")
      ->capture_default_str();
  serve->add_option("--delivery-retry-base-ms", delivery_flags.retry_base_ms,
                    "Delay before the first retry of a failed delivery; doubles each time")
      ->capture_default_str();
  serve->add_option("--delivery-retry-cap-ms", delivery_flags.retry_cap_ms,
                    "Longest delay between delivery retries")
      ->capture_default_str();

  serve->add_option("--exchange-keys", serve_options.exchange_keys,
                    "The node's exchange key file (default: <db>.exchange-keys when present; "
                    "cordon keys init creates it)");
  serve->add_option("--exchange-retry-base-ms", serve_options.exchange_retry_base_ms,
                    "Delay before the first retry of an exchange delivery; doubles each time")
      ->capture_default_str();
  serve->add_option("--exchange-retry-cap-ms", serve_options.exchange_retry_cap_ms,
                    "Longest delay between exchange delivery retries")
      ->capture_default_str();

  CLI::App* applications = app.add_subcommand("applications", "Bulk applications for action");
  applications->require_subcommand(1);
  std::string import_file;
  std::string filed_with;
  CLI::App* import = applications->add_subcommand(
      "import", "Import a JSON array of application bodies (all or nothing)");
  import->add_option("FILE", import_file, "JSON file")->required();
  import->add_option("--db", db_path, "SQLite database file")->capture_default_str();
  import->add_option("--filed-with", filed_with,
                     "Customs organisation (name or id) for entries that name none");
  std::string export_org;
  std::string export_out;
  CLI::App* export_cmd =
      applications->add_subcommand("export", "Export applications in the import format");
  export_cmd->add_option("--db", db_path, "SQLite database file")->capture_default_str();
  export_cmd->add_option("--org", export_org,
                         "Organisation (name or id) whose view to export (default: everything)");
  export_cmd->add_option("--out", export_out, "Output file (default: standard output)");

  CLI::App* orgs = app.add_subcommand("orgs", "Organisations");
  orgs->require_subcommand(1);
  NewOrganisation new_org;
  std::string org_kind = "customs";
  std::vector<std::string> offices;
  CLI::App* orgs_add = orgs->add_subcommand("add", "Add an organisation");
  orgs_add->add_option("--db", db_path, "SQLite database file")->capture_default_str();
  orgs_add->add_option("--name", new_org.name, "Name")->required();
  orgs_add->add_option("--kind", org_kind, "customs|right_holder|agency|secretariat")
      ->capture_default_str();
  orgs_add->add_option("--country", new_org.country, "ISO 3166-1 alpha-2");
  orgs_add->add_option("--jurisdiction", new_org.jurisdiction, "Rule set: EU, CN, TRIPS, ...");
  orgs_add->add_option("--office", offices, "UN/LOCODE of an office (repeatable)");
  orgs_add->add_option("--address", new_org.address, "Postal address");

  CLI::App* users = app.add_subcommand("users", "Users");
  users->require_subcommand(1);
  NewUser new_user;
  std::string user_org;
  std::string user_role;
  CLI::App* users_add = users->add_subcommand(
      "add", "Add a user; the password is read from CORDON_PASSWORD or standard input");
  users_add->add_option("--db", db_path, "SQLite database file")->capture_default_str();
  users_add->add_option("--org", user_org, "Organisation (name or id)")->required();
  users_add->add_option("--email", new_user.email, "E-mail (login)")->required();
  users_add->add_option("--name", new_user.name, "Full name");
  users_add->add_option("--role", user_role, "Role, e.g. admin, ipr_officer")->required();

  ScreenCommandOptions screen_options;
  CLI::App* screen = app.add_subcommand(
      "screen", "Screen a file of declarations (JSON Lines or CSV); one result line per record");
  screen->add_option("--in", screen_options.in, "Declarations: .jsonl or .csv")->required();
  screen->add_option("--out", screen_options.out, "Results, one JSON line per input record")
      ->required();
  screen->add_option("--format", screen_options.format, "Input format (default: from --in)")
      ->check(CLI::IsMember({"jsonl", "csv"}));
  screen->add_option("--db", screen_options.db,
                     "Screen for an administration of this database and store the results");
  screen->add_option("--org", screen_options.org,
                     "The screening administration (name or id; default: the only customs one)");
  screen->add_option("--rights", screen_options.rights,
                     "Screen against a JSON array of application bodies (treated as granted)");
  screen->add_option("--profiles", screen_options.profiles,
                     "With --rights: a JSON array of risk profile bodies");
  screen->add_option("--watchlist", screen_options.watchlist,
                     "With --rights: a JSON array of watchlist entry bodies");
  screen->add_option("--reference-prices", screen_options.reference_prices,
                     "With --rights: reference prices for item.price_ratio, as "
                     "{\"reference_prices\":[{\"hs_prefix\",\"eur_per_unit\"},...]}");
  screen->add_option("--budget", screen_options.budget, "Select the top P % by score, e.g. 5%");
  screen->add_option("--model", screen_options.model,
                     "A targeting model file (cordon train); default with --db: the "
                     "administration's active model");
  screen->add_option("--model-weight", screen_options.model_weight,
                     "Weight of the model hit: weight x probability (0..1, default 1)");
  screen->add_option("--capacity", screen_options.capacity,
                     "Select per office up to its capacity, e.g. DEHAM=20,DEFRA=5");
  screen->add_option("--threads", screen_options.threads, "Screening threads")
      ->check(CLI::Range(1, 256))
      ->capture_default_str();
  // Declarations per chunk; small values let tests cross chunk boundaries.
  screen->add_option("--chunk", screen_options.chunk, "Declarations per chunk")
      ->check(CLI::Range(1, 1 << 20))
      ->group("");

  // Hidden: the demo data set without serving it (tests, scripted demos).
  CLI::App* demo_cmd = app.add_subcommand("demo", "Demo data")->group("");
  demo_cmd->require_subcommand(1);
  CLI::App* demo_load = demo_cmd->add_subcommand("load", "Load the demo data set (once)");
  demo_load->add_option("--db", db_path, "SQLite database file")->capture_default_str();

  cli::TargetingCommands targeting(app);
  cli::AuditCommands audit(app);
  cli::StatsCommands stats(app);
  cli::ExchangeCommands exchange_commands(app);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    int code = app.exit(error);
    return code == 0 ? 0 : kExitUsage;
  }

  if (std::optional<int> code = targeting.Run(argv)) return *code;
  if (std::optional<int> code = audit.Run()) return *code;
  if (std::optional<int> code = stats.Run()) return *code;
  if (std::optional<int> code = exchange_commands.Run()) return *code;

  if (serve->parsed()) {
    serve_options.db_path = db_path;
    serve_options.listen = listen;
    serve_options.demo = demo;
    serve_options.web_root_given = web_root_option->count() > 0;
    serve_options.audit_key = audit_key;
    serve_options.delivery = delivery_flags;
    return Serve(serve_options);
  }
  if (screen->parsed()) return RunScreenCommand(screen_options);
  if (demo_load->parsed()) return LoadDemo(db_path);
  if (import->parsed()) return ImportApplications(db_path, import_file, filed_with);
  if (export_cmd->parsed()) return ExportApplications(db_path, export_org, export_out);
  if (orgs_add->parsed()) {
    std::optional<OrgKind> kind = ParseOrgKind(org_kind);
    if (!kind) {
      std::cerr << "cordon: --kind must be customs, right_holder, agency or secretariat\n";
      return kExitUsage;
    }
    new_org.kind = *kind;
    new_org.offices = offices;
    return AddOrganisation(db_path, new_org);
  }
  if (users_add->parsed()) {
    std::optional<Role> role = ParseRole(user_role);
    if (!role) {
      std::cerr << "cordon: unknown --role " << user_role << "\n";
      return kExitUsage;
    }
    new_user.role = *role;
    if (const char* password = std::getenv("CORDON_PASSWORD")) {
      new_user.password = password;
    } else {
      std::getline(std::cin, new_user.password);
    }
    return AddUser(db_path, user_org, new_user);
  }
  return kExitUsage;
}

}  // namespace cordon

int main(int argc, char** argv) { return cordon::Main(argc, argv); }
