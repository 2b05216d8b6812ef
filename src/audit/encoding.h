// Byte encodings shared by the audit module's files (internal; not part of
// the module's public API).
//
// Thread safety: pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace cordon::audit_internal {

// Standard padded base64 (RFC 4648 §4).
std::string Base64Encode(std::span<const uint8_t> bytes);
// Strict: only the canonical encoding of some bytes is accepted (padding
// required, no whitespace, unused bits zero); nullopt otherwise.
std::optional<std::vector<uint8_t>> Base64Decode(std::string_view text);

// Lower-case hex.
std::string HexEncode(std::span<const uint8_t> bytes);
// Hex of either case, no separators; nullopt otherwise.
std::optional<std::vector<uint8_t>> HexDecode(std::string_view text);

// Well-formed UTF-8: no overlong forms, no surrogates, nothing above U+10FFFF.
bool IsValidUtf8(std::string_view text);

// Makes sure libsodium is initialised (idempotent, thread-safe); throws if
// the library cannot initialise, which only a broken system causes.
void EnsureSodium();

}  // namespace cordon::audit_internal
