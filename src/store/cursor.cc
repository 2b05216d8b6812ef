#include "store/cursor.h"

namespace cordon::store_internal {
namespace {

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

std::string EncodeCursor(std::string_view key, std::string_view id) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string plain = std::string(key) + "|" + std::string(id);
  std::string hex;
  hex.reserve(plain.size() * 2);
  for (unsigned char byte : plain) {
    hex += kHex[byte >> 4];
    hex += kHex[byte & 15];
  }
  return hex;
}

Result<std::pair<std::string, std::string>> DecodeCursor(std::string_view cursor) {
  auto malformed = [] {
    return InvalidInput("malformed pagination cursor",
                        {{"cursor", "not a cursor returned by a previous page"}});
  };
  if (cursor.size() % 2 != 0 || cursor.size() > 2048) return malformed();
  std::string plain;
  plain.reserve(cursor.size() / 2);
  for (size_t pos = 0; pos < cursor.size(); pos += 2) {
    int high = HexValue(cursor[pos]);
    int low = HexValue(cursor[pos + 1]);
    if (high < 0 || low < 0) return malformed();
    plain += static_cast<char>(high * 16 + low);
  }
  size_t bar = plain.find('|');
  if (bar == std::string::npos || bar == 0 || bar + 1 == plain.size()) return malformed();
  return std::make_pair(plain.substr(0, bar), plain.substr(bar + 1));
}

}  // namespace cordon::store_internal
