// Fuzz target: a targeting mapping document (`cordon train --mapping`, the
// model file's header). ParseMapping must never crash; a mapping it accepts
// must be written by MappingToJson to a document it reads back to an equal
// mapping, and that document reads the same way again.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "targeting/targeting.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  cordon::Result<cordon::targeting::Mapping> mapping = cordon::targeting::ParseMapping(text);
  if (!mapping.ok()) {
    if (mapping.error().message().empty()) __builtin_trap();
    return 0;
  }
  const std::string written = cordon::targeting::MappingToJson(*mapping);
  cordon::Result<cordon::targeting::Mapping> again = cordon::targeting::ParseMapping(written);
  if (!again.ok() || !(*again == *mapping)) __builtin_trap();
  if (cordon::targeting::MappingToJson(*again) != written) __builtin_trap();
  return 0;
}
