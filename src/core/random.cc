#include "core/random.h"

#include <sodium.h>

#include <stdexcept>
#include <vector>

namespace cordon {

SystemRng::SystemRng() {
  if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
}

void SystemRng::Fill(std::span<uint8_t> out) { randombytes_buf(out.data(), out.size()); }

void SeededRng::Fill(std::span<uint8_t> out) {
  // splitmix64: small, fast, and good enough for reproducible test data.
  for (size_t index = 0; index < out.size(); ++index) {
    if (index % 8 == 0) {
      state_ += 0x9E3779B97F4A7C15ull;
    }
    uint64_t mixed = state_;
    mixed = (mixed ^ (mixed >> 30)) * 0xBF58476D1CE4E5B9ull;
    mixed = (mixed ^ (mixed >> 27)) * 0x94D049BB133111EBull;
    mixed ^= mixed >> 31;
    out[index] = static_cast<uint8_t>(mixed >> ((index % 8) * 8));
  }
}

std::string NewId(Rng& rng, std::string_view prefix) {
  static constexpr char kAlphabet[] = "0123456789abcdefghjkmnpqrstvwxyz";
  uint8_t bytes[20];
  rng.Fill(bytes);
  std::string id(prefix);
  id += '_';
  for (uint8_t byte : bytes) id += kAlphabet[byte & 31];
  return id;
}

std::string RandomToken(Rng& rng, size_t byte_count) {
  std::vector<uint8_t> bytes(byte_count);
  rng.Fill(bytes);
  std::string text(sodium_base64_ENCODED_LEN(byte_count, sodium_base64_VARIANT_URLSAFE_NO_PADDING),
                   '\0');
  sodium_bin2base64(text.data(), text.size(), bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_URLSAFE_NO_PADDING);
  text.resize(text.find('\0'));
  return text;
}

}  // namespace cordon
