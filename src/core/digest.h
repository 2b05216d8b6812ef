// Content digests (libsodium).
#pragma once

#include <string>
#include <string_view>

namespace cordon {

// SHA-256 of `bytes` as 64 lower-case hex digits: how stored files (evidence,
// photos, models, statistics files) are identified and checked.
std::string Sha256Hex(std::string_view bytes);

}  // namespace cordon
