#include "audit/encoding.h"

#include <sodium.h>

#include <stdexcept>

namespace cordon::audit_internal {

void EnsureSodium() {
  static const bool initialised = [] {
    if (sodium_init() < 0) throw std::runtime_error("libsodium failed to initialise");
    return true;
  }();
  (void)initialised;
}

// Well-formed UTF-8 (no overlong forms, no surrogates, at most U+10FFFF).
bool IsValidUtf8(std::string_view text) {
  size_t i = 0;
  while (i < text.size()) {
    const auto byte = static_cast<uint8_t>(text[i]);
    size_t length;
    uint32_t code_point;
    if (byte < 0x80) {
      ++i;
      continue;
    } else if ((byte & 0xE0) == 0xC0) {
      length = 2;
      code_point = byte & 0x1F;
    } else if ((byte & 0xF0) == 0xE0) {
      length = 3;
      code_point = byte & 0x0F;
    } else if ((byte & 0xF8) == 0xF0) {
      length = 4;
      code_point = byte & 0x07;
    } else {
      return false;
    }
    if (i + length > text.size()) return false;
    for (size_t j = 1; j < length; ++j) {
      const auto next = static_cast<uint8_t>(text[i + j]);
      if ((next & 0xC0) != 0x80) return false;
      code_point = (code_point << 6) | (next & 0x3F);
    }
    static constexpr uint32_t kMinimum[] = {0, 0, 0x80, 0x800, 0x10000};
    if (code_point < kMinimum[length] || code_point > 0x10FFFF ||
        (code_point >= 0xD800 && code_point <= 0xDFFF)) {
      return false;
    }
    i += length;
  }
  return true;
}

std::string Base64Encode(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return "";  // libsodium's pointers must not be null
  const size_t capacity = sodium_base64_encoded_len(bytes.size(), sodium_base64_VARIANT_ORIGINAL);
  std::string out(capacity, '\0');
  sodium_bin2base64(out.data(), capacity, bytes.data(), bytes.size(),
                    sodium_base64_VARIANT_ORIGINAL);
  out.resize(capacity - 1);  // capacity counts the terminating NUL
  return out;
}

std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text) {
  if (text.empty()) return std::vector<uint8_t>{};
  std::vector<uint8_t> out(text.size() / 4 * 3 + 3);
  size_t out_len = 0;
  const char* end = nullptr;
  if (sodium_base642bin(out.data(), out.size(), text.data(), text.size(), /*ignore=*/nullptr,
                        &out_len, &end, sodium_base64_VARIANT_ORIGINAL) != 0 ||
      end != text.data() + text.size()) {
    return std::nullopt;
  }
  out.resize(out_len);
  // Only the one canonical spelling of these bytes (a signature or hash must
  // not have two textual forms).
  if (Base64Encode(out) != text) return std::nullopt;
  return out;
}

std::string HexEncode(std::span<const uint8_t> bytes) {
  if (bytes.empty()) return "";
  std::string out(bytes.size() * 2 + 1, '\0');
  sodium_bin2hex(out.data(), out.size(), bytes.data(), bytes.size());
  out.pop_back();
  return out;
}

std::optional<std::vector<uint8_t>> HexDecode(std::string_view text) {
  if (text.size() % 2 != 0) return std::nullopt;
  if (text.empty()) return std::vector<uint8_t>{};
  std::vector<uint8_t> out(text.size() / 2);
  size_t out_len = 0;
  const char* end = nullptr;
  if (sodium_hex2bin(out.data(), out.size(), text.data(), text.size(), /*ignore=*/nullptr, &out_len,
                     &end) != 0 ||
      end != text.data() + text.size() || out_len != out.size()) {
    return std::nullopt;
  }
  return out;
}

}  // namespace cordon::audit_internal
