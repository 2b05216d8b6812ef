// Fuzz target: application bodies from outside (API, import files) must never
// crash the parser or validator, whatever the bytes.
#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <string>

#include "core/time.h"
#include "rights/rights.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string text(reinterpret_cast<const char*>(data), size);
  nlohmann::json body = nlohmann::json::parse(text, nullptr, false);
  if (!body.is_discarded()) {
    cordon::Result<cordon::Application> app = cordon::ApplicationFromJson(body);
    if (app.ok()) {
      // What we accept, we must be able to write back and read again.
      cordon::Result<cordon::Application> again = cordon::ApplicationFromJson(ToJson(*app));
      if (!again.ok()) __builtin_trap();
    }
  }
  // The same bytes as dates and timestamps.
  (void)cordon::ParseDate(text);
  (void)cordon::ParseTimestamp(text);
  return 0;
}
