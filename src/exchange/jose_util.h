// Internal to the exchange module: ownership of libjose/jansson values and
// conversions to and from nlohmann::json. Not included outside src/exchange.
#pragma once

#include <jansson.h>

// libjose's headers have no extern "C" guards of their own.
extern "C" {
#include <jose/b64.h>
#include <jose/jwe.h>
#include <jose/jwk.h>
#include <jose/jws.h>
#include <jose/openssl.h>
}

#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace cordon::exchange::internal {

struct JsonDeleter {
  void operator()(json_t* value) const { json_decref(value); }
};
using JanssonPtr = std::unique_ptr<json_t, JsonDeleter>;

// nlohmann -> jansson (via text; both are exact for the JSON we use).
inline JanssonPtr ToJansson(const nlohmann::json& value) {
  const std::string text = value.dump();
  return JanssonPtr(json_loadb(text.data(), text.size(), JSON_DECODE_ANY, nullptr));
}

inline nlohmann::json FromJansson(const json_t* value) {
  if (value == nullptr) return nullptr;
  char* text = json_dumps(value, JSON_COMPACT | JSON_ENCODE_ANY);
  if (text == nullptr) return nullptr;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  free(text);  // NOLINT: jansson allocates with malloc
  return parsed;
}

// Base64url without padding, through libjose.
std::string B64Encode(std::string_view bytes);
// nullopt-like: returns false when `text` is not base64url.
bool B64Decode(std::string_view text, std::string& out);

}  // namespace cordon::exchange::internal
