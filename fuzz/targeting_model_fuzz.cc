// Fuzz target: an uploaded targeting model file (Model::FromBytes). The input
// is the model's *payload* (docs/targeting.md, "Model file": header length,
// header JSON, booster length, XGBoost JSON); the target wraps it in a valid
// envelope (magic, version, lengths, zlib, CRC-32) so the fuzzer reaches the
// contents past the checksum. FromBytes must never crash; a model it accepts
// must write bytes that read back to a model writing the same bytes.
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "targeting/targeting.h"

namespace {

void PutUint(std::string& out, uint64_t value, int bytes) {
  for (int index = 0; index < bytes; ++index)
    out.push_back(static_cast<char>(value >> (8 * index)));
}

std::string Envelope(std::string_view payload) {
  uLongf compressed_size = compressBound(payload.size());
  std::string compressed(compressed_size, '\0');
  if (compress2(reinterpret_cast<Bytef*>(compressed.data()), &compressed_size,
                reinterpret_cast<const Bytef*>(payload.data()), payload.size(), 1) != Z_OK) {
    __builtin_trap();
  }
  compressed.resize(compressed_size);
  std::string bytes = "CORDONTM";
  PutUint(bytes, cordon::targeting::Model::kFormatVersion, 4);
  PutUint(bytes, payload.size(), 8);
  PutUint(bytes, compressed.size(), 8);
  bytes += compressed;
  PutUint(bytes, crc32(0L, reinterpret_cast<const Bytef*>(bytes.data()), bytes.size()), 4);
  return bytes;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view payload(reinterpret_cast<const char*>(data), size);
  cordon::Result<cordon::targeting::Model> model =
      cordon::targeting::Model::FromBytes(Envelope(payload));
  if (!model.ok()) {
    if (model.error().message().empty()) __builtin_trap();
    return 0;
  }
  const std::string written = model->ToBytes();
  cordon::Result<cordon::targeting::Model> again = cordon::targeting::Model::FromBytes(written);
  if (!again.ok() || again->ToBytes() != written) __builtin_trap();
  return 0;
}
