#include "core/file_types.h"

namespace cordon {

bool StartsAsMediaType(std::string_view media_type, std::string_view bytes) {
  auto starts = [&](std::string_view prefix) { return bytes.substr(0, prefix.size()) == prefix; };
  if (media_type == "image/jpeg") return starts("\xFF\xD8\xFF");
  if (media_type == "image/png") return starts("\x89PNG\r\n\x1A\n");
  if (media_type == "image/webp") {
    return starts("RIFF") && bytes.size() >= 12 && bytes.substr(8, 4) == "WEBP";
  }
  if (media_type == "image/tiff") {
    return starts(std::string_view("II*\0", 4)) || starts(std::string_view("MM\0*", 4));
  }
  if (media_type == "application/pdf") return starts("%PDF-");
  return false;
}

}  // namespace cordon
