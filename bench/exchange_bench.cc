// Exchange envelopes (issue 7): messages per second per core for seal (sign
// ES256 + encrypt ECDH-ES+A256KW/A256GCM) and open (decrypt + verify), on one
// thread, with a ~1 KB referral payload. Plain driver printing its figures;
// `--messages=N` sets how many envelopes (default 2000; ctest runs 20 to
// check the output), other arguments are ignored (bench/run passes Google
// Benchmark flags to all).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

#include "exchange/envelope.h"

using cordon::Timestamp;
using namespace cordon::exchange;

int main(int argc, char** argv) {
  int messages = 2000;
  for (int index = 1; index < argc; ++index) {
    const std::string_view argument = argv[index];
    if (argument.rfind("--messages=", 0) == 0) {
      messages = std::atoi(argv[index] + 11);
      if (messages < 1) {
        std::fprintf(stderr, "--messages must be a positive number\n");
        return 2;
      }
    }
  }
  const std::filesystem::path dir =
      std::filesystem::temp_directory_path() / ("cordon-exchange-bench-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  const Timestamp now = std::chrono::time_point_cast<std::chrono::milliseconds>(
      std::chrono::system_clock::now());
  auto de = InitNodeKeys((dir / "de.keys").string(), "DE-ZOLL", "org_de", now);
  auto cn = InitNodeKeys((dir / "cn.keys").string(), "CN-GACC", "org_cn", now);
  std::filesystem::remove_all(dir);
  if (!de.ok() || !cn.ok()) {
    std::fprintf(stderr, "key generation failed\n");
    return 1;
  }
  const nlohmann::json cn_public = cn->PublicJwks(now);
  const nlohmann::json de_public = de->PublicJwks(now);
  nlohmann::json payload = {
      {"case_reference", "cas_de_0042"},
      {"summary", std::string(400, 'x')},
      {"goods", {{{"description", "ball bearings bearing the mark KRONLAGER"},
                  {"hs", "848210"},
                  {"quantity", 2400}}}},
      {"route", {"CNNGB", "GRPIR", "DEHAM"}},
      {"parties", {{{"role", "consignor"}, {"name", "Ningbo Precision Rolling Co"}}}}};
  const std::string text = payload.dump();
  std::printf("payload %zu bytes\n", text.size());

  std::vector<std::string> sealed;
  sealed.reserve(messages);
  EnvelopeHeader header;
  header.type = "referral";
  header.sender = "DE-ZOLL";
  header.recipient = "CN-GACC";
  header.issued_at = now;
  header.expires_at = now + std::chrono::hours(24);
  auto start = std::chrono::steady_clock::now();
  for (int i = 0; i < messages; ++i) {
    header.message_id = "msg-" + std::to_string(i);
    auto envelope = Seal(*de, cn_public, header, text);
    if (!envelope.ok()) return 1;
    sealed.push_back(std::move(envelope).value());
  }
  double seal_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  SenderLookup lookup = [&](const std::string&) { return std::optional<SenderKeys>({de_public, true}); };
  start = std::chrono::steady_clock::now();
  int opened = 0;
  for (const std::string& envelope : sealed) opened += Open(*cn, envelope, lookup, now).opened ? 1 : 0;
  double open_seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (opened != messages) {
    std::fprintf(stderr, "only %d of %d envelopes opened\n", opened, messages);
    return 1;
  }
  std::printf("envelope %zu bytes (compact JWE)\n", sealed.front().size());
  std::printf("seal (sign + encrypt):   %8.0f messages/s per core\n", messages / seal_seconds);
  std::printf("open (decrypt + verify): %8.0f messages/s per core\n", messages / open_seconds);
  return 0;
}
