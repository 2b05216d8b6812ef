// Pagination cursors of the SQLite store: the hex of "key|id", where key is
// the listing's sort key (a timestamp, a date, a score) and id breaks ties.
// Opaque to callers; hex keeps them URL-safe without escaping.
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/result.h"

namespace cordon::store_internal {

std::string EncodeCursor(std::string_view key, std::string_view id);

// The (key, id) of a cursor EncodeCursor made; kInvalidInput naming the field
// "cursor" for anything else (odd length, not hex, no bar, an empty part,
// over 2048 characters).
Result<std::pair<std::string, std::string>> DecodeCursor(std::string_view cursor);

}  // namespace cordon::store_internal
