// Fuzz target: a partner's statistics exchange document (import-partner, the
// `statistics` message between nodes) must never crash the reader, whatever
// the bytes; what it accepts (version 1 or 2) is written back in the same
// version and read again to the same document.
#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

#include "stats/stats.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json document = nlohmann::json::parse(text, nullptr, false);
  if (document.is_discarded()) return 0;
  cordon::Result<cordon::StatisticsExchange> exchange = cordon::ParseStatisticsExchange(document);
  if (!exchange.ok()) return 0;
  nlohmann::json written = cordon::StatisticsExchangeToJson(*exchange);
  cordon::Result<cordon::StatisticsExchange> again =
      cordon::ParseStatisticsExchange(nlohmann::json::parse(written.dump()));
  if (!again.ok() || cordon::StatisticsExchangeToJson(*again) != written ||
      again->format_version != exchange->format_version) {
    __builtin_trap();
  }
  (void)cordon::StatisticsExchangeToCsv(*exchange);
  return 0;
}
