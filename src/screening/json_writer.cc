// nlohmann::json's number format for JsonWriter (json_writer.h).
#include "screening/json_writer.h"

#include <nlohmann/json.hpp>

namespace cordon::json_internal {

char* WriteDumpedNumber(char* at, double value) {
  if (!std::isfinite(value)) {
    std::memcpy(at, "null", 4);
    return at + 4;
  }
  // The function nlohmann's serializer calls for a double (dump_float).
  return nlohmann::detail::to_chars(at, at + kMaxDumpedNumber, value);
}

}  // namespace cordon::json_internal
