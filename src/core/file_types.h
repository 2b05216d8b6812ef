// Recognising a stored file's type by its first bytes.
#pragma once

#include <string_view>

namespace cordon {

// Whether `bytes` begin as a file of `media_type` does: image/jpeg,
// image/png, image/webp, image/tiff or application/pdf (any other type:
// false). Uploads are checked with it so that a declared type cannot hide
// another kind of file.
bool StartsAsMediaType(std::string_view media_type, std::string_view bytes);

}  // namespace cordon
